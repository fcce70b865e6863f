import { ManualClock } from '../../src/lib/clock.js';
import type { Db } from '../../src/lib/db.js';
import { createEngine } from '../../src/engine/engine.js';
import { enqueueMails } from '../../src/engine/outbox.js';
import type { EffectHandler } from '../../src/engine/types.js';
import { ConflictError } from '../../src/errors.js';
import { toyWorkflow } from './toy-workflow.js';

export const toyEffects: Record<string, EffectHandler> = {
  mail: async (e, ctx) => {
    // as a workflow's notices are written: with the transition's grouped write
    await enqueueMails(ctx.trx, [{ to: String(e.to), subject: String(e.subject), text: 'hello', instanceId: ctx.instance.id }], ctx.at);
  },
  explode: async () => {
    throw new ConflictError('the effect refused');
  },
};

export function toyEngine(db: Db, clock = new ManualClock()) {
  return { clock, engine: createEngine({ db, clock, workflows: [toyWorkflow], effects: toyEffects }) };
}

export async function count(db: Db, table: string, where: Record<string, unknown> = {}): Promise<number> {
  const r = await db(table).where(where).count<{ n: number | string }[]>({ n: '*' });
  return Number(r[0]?.n ?? 0);
}
