// The `vendor` workflow's machine (issue 14, item 2): a vendor is active or suspended; the district
// suspends it and later reinstates it, each with a reason. Pure: it reads only the event's `at`,
// `actor` and payload, which the engine stamped and validated.
import { assign, setup } from 'xstate';
import type { VendorContext, VendorEvent, VendorInput } from './vendor.types.js';

export const vendorMachine = setup({
  types: { context: {} as VendorContext, events: {} as VendorEvent, input: {} as VendorInput },
  guards: {
    startsSuspended: ({ context }) => context.startedAs === 'suspended',
  },
  actions: {
    record: assign(({ context, event }) => ({
      changes: context.changes + 1,
      last: { type: event.type, reason: event.reason, at: event.at, actorId: event.actor.id },
    })),
  },
}).createMachine({
  id: 'vendor',
  context: ({ input }) => ({ vendorId: input.vendorId, startedAs: input.status ?? 'active', changes: 0, last: null }),
  // A vendor that was suspended before it had an instance (older data) starts suspended.
  initial: 'starting',
  states: {
    starting: { always: [{ guard: 'startsSuspended', target: 'suspended' }, { target: 'active' }] },
    active: { on: { SUSPEND: { target: 'suspended', actions: 'record' } } },
    suspended: { on: { REINSTATE: { target: 'active', actions: 'record' } } },
  },
});
