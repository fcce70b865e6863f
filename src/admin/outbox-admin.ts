// The e-mail outbox as admins see it: rows by status, dead letters, and putting a dead letter back
// in the queue. Works with or without an SMTP transport (without one, e-mails wait here).
import { z } from 'zod';
import { NotFoundError } from '../errors.js';
import { listOutbox, requeueDead, type OutboxRow } from '../engine/outbox.js';
import type { Clock } from '../lib/clock.js';
import type { Db } from '../lib/db.js';

export const OUTBOX_STATUSES = ['pending', 'sending', 'sent', 'dead'] as const;

export function createOutboxAdmin(deps: { db: Db; clock: Clock }) {
  const { db, clock } = deps;
  return {
    async list(status?: string): Promise<{ status: string | undefined; rows: OutboxRow[]; counts: Record<string, number> }> {
      const s = z.enum(OUTBOX_STATUSES).safeParse(status);
      return { status: s.success ? s.data : undefined, rows: await listOutbox(db, { ...(s.success ? { status: s.data } : {}), limit: 200 }), counts: await this.counts() };
    },
    async counts(): Promise<Record<string, number>> {
      const rows = (await db('outbox').select('status').count({ n: '*' }).groupBy('status')) as Array<{ status: string; n: unknown }>;
      return Object.fromEntries(OUTBOX_STATUSES.map((s) => [s, Number(rows.find((r) => r.status === s)?.n ?? 0)]));
    },
    async count(status: string): Promise<number> {
      const [r] = await db('outbox').where({ status }).count({ n: '*' });
      return Number(r?.n ?? 0);
    },
    /** Works without a transport: the engine owns the outbox table, this only asks it. */
    async retry(id: number): Promise<void> {
      if (!(await requeueDead(db, id, clock.now().toISOString()))) throw new NotFoundError(`no dead letter ${id}`);
    },
  };
}
