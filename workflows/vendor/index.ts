// The `vendor` workflow (issue 14, item 2): a vendor's status as an engine instance, so that every
// suspension and reinstatement is a transition with a hash-chained history that `verify` replays.
// Only the district (区民政局) may send SUSPEND and REINSTATE, each with a reason.
import type { AnyMachineSnapshot } from 'xstate';
import { vendorMachine } from './vendor.machine.js';
import { validate } from './vendor.events.js';
import { VENDOR_EVENT_TYPES, type Actor, type Reason, type VendorContext, type VendorStatus } from './vendor.types.js';

export * from './vendor.types.js';
export { vendorMachine } from './vendor.machine.js';
export { validate as validateVendorEvent, VENDOR_EVENT_SCHEMAS } from './vendor.events.js';

export const VENDOR_WORKFLOW = 'vendor';
export const VENDOR_WORKFLOW_VERSION = 1;

/** The instance of a vendor's status: one per vendor, with an id derived from the vendor's. */
export const vendorInstanceId = (vendorId: string): string => `vendor:${vendorId}`;

export type VendorSnapshot = Pick<AnyMachineSnapshot, 'value' | 'can'> & { context: VendorContext };

export const statusOf = (snapshot: { value: unknown }): VendorStatus => (snapshot.value === 'suspended' ? 'suspended' : 'active');

/** District only (区民政局). */
export function authorize(_snapshot: VendorSnapshot, _event: { type: string }, actor: Actor): Reason[] {
  return actor.role === 'district' ? [] : [{ code: 'WRONG_ROLE', params: { role: actor.role } }];
}

/** Why the machine refuses an event now: the vendor already is in that status. */
export function refusalReasons(snapshot: VendorSnapshot, event: { type: string }): Reason[] {
  const status = statusOf(snapshot);
  if (event.type === 'SUSPEND' && status === 'suspended') return [{ code: 'VENDOR_ALREADY_SUSPENDED' }];
  if (event.type === 'REINSTATE' && status === 'active') return [{ code: 'VENDOR_NOT_SUSPENDED' }];
  return [];
}

export const vendorWorkflow = {
  name: VENDOR_WORKFLOW,
  version: VENDOR_WORKFLOW_VERSION,
  machine: vendorMachine,
  eventTypes: VENDOR_EVENT_TYPES,
  validate,
  authorize,
  refusalReasons,
};
