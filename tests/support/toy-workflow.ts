// A small workflow that exercises every engine feature (validation, authorization, delayed raises,
// cancels, emitted effects), so engine tests do not depend on the project lifecycle's rules.
import { assign, cancel, emit, raise, setup } from 'xstate';
import { z } from 'zod';
import type { AnyMachineSnapshot } from 'xstate';
import type { Actor, WorkflowDefinition } from '../../src/engine/types.js';

export const DAY_MS = 86_400_000;

interface Ctx {
  title: string;
  count: number;
  reviewDays: number;
}

type Ev =
  | { type: 'BUMP'; by: number; at: string }
  | { type: 'SUBMIT'; at: string }
  | { type: 'APPROVE'; at: string }
  | { type: 'WITHDRAW'; at: string }
  | { type: 'DEADLINE'; at?: string }
  | { type: 'MAIL'; to: string; at: string }
  | { type: 'FAIL'; at: string };

export const toyMachine = setup({
  types: { context: {} as Ctx, events: {} as Ev, input: {} as { title: string; reviewDays?: number } },
}).createMachine({
  id: 'toy',
  initial: 'open',
  context: ({ input }) => ({ title: input.title, count: 0, reviewDays: input.reviewDays ?? 1 }),
  states: {
    open: {
      on: {
        BUMP: { actions: assign({ count: ({ context, event }) => context.count + event.by }) },
        SUBMIT: { target: 'review' },
        MAIL: { actions: emit(({ event, context }) => ({ type: 'mail', to: event.to, subject: `${context.title} #${context.count}` })) },
        // Changes context, writes an e-mail, then an effect fails: nothing of it may persist.
        FAIL: {
          actions: [
            assign({ count: ({ context }) => context.count + 100 }),
            emit(({ context }) => ({ type: 'mail', to: 'x@example.org', subject: `${context.title}` })),
            emit({ type: 'explode' }),
          ],
        },
      },
    },
    review: {
      entry: raise({ type: 'DEADLINE' }, { id: 'deadline', delay: ({ context }) => context.reviewDays * DAY_MS }),
      exit: cancel('deadline'),
      on: { APPROVE: 'approved', WITHDRAW: 'open', DEADLINE: 'expired' },
    },
    expired: { on: { SUBMIT: 'review' } },
    approved: { type: 'final' },
  },
});

const schemas: Record<string, z.ZodType<Record<string, unknown>>> = {
  BUMP: z.object({ by: z.number().int().min(1).max(10) }),
  MAIL: z.object({ to: z.string().email() }),
};

export const toyWorkflow: WorkflowDefinition<{ snapshot: AnyMachineSnapshot; event: { type: string }; actor: Actor; env: unknown }> = {
  name: 'toy',
  version: 1,
  machine: toyMachine,
  eventTypes: ['BUMP', 'SUBMIT', 'APPROVE', 'WITHDRAW', 'MAIL', 'FAIL'],
  authorize(_snapshot, event, actor) {
    if (event.type === 'DEADLINE') return actor.role === 'system' ? [] : [{ code: 'WRONG_ROLE' }];
    if (event.type === 'APPROVE' && actor.role !== 'boss') return [{ code: 'WRONG_ROLE' }];
    return actor.role === 'user' || actor.role === 'boss' ? [] : [{ code: 'WRONG_ROLE' }];
  },
  validate(event) {
    const schema = schemas[event.type];
    if (!schema) return { ok: true, value: {} };
    const r = schema.safeParse(event);
    if (r.success) return { ok: true, value: r.data };
    return { ok: false, fields: Object.fromEntries(r.error.issues.map((i) => [i.path.join('.'), i.message])) };
  },
  refusalReasons(snapshot, event) {
    return [{ code: 'NOT_ALLOWED_IN_STATE', params: { state: String(snapshot.value), event: event.type } }];
  },
};

export const USER = { id: 'u1', role: 'user' };
export const BOSS = { id: 'b1', role: 'boss' };
