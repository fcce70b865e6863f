// Durable timers: rows with due_at. The worker claims one due row at a time and delivers its event
// as the `system` actor in the same transaction that marks it fired, so each fires exactly once;
// rows that fell due while no process ran fire on the next pass.
import type { Knex } from 'knex';
import { AppError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { isPostgres, parseJson, type Db, type Trx } from '../lib/db.js';
import type { Logger } from '../lib/logger.js';
import type { Engine } from './engine.js';
import { SYSTEM_ACTOR } from './types.js';

/** After this many failed deliveries for a reason that is not the workflow's refusal, a timer is parked. */
export const TIMER_MAX_ATTEMPTS = 10;

export interface TimerRow {
  id: number;
  instanceId: string;
  sendId: string;
  event: { type: string };
  dueAt: string;
  status: string;
}

export interface TimerWorkerDeps {
  db: Db;
  engine: Engine;
  clock: Clock;
  logger?: Logger;
  /**
   * Narrows the timers this worker fires: a condition on the query over `timers as t` (every timer
   * when absent). The city generator runs one street per process on its own sandbox clock, and each
   * fires only its street's timers (src/demo/city.ts).
   */
  scope?: (q: Knex.QueryBuilder) => Knex.QueryBuilder;
}

type ClaimedRow = Record<string, unknown> & { id: number; instance_id: string; event: string };

export function createTimerWorker(deps: TimerWorkerDeps) {
  const { db, engine, clock, logger } = deps;
  const scoped = (q: Knex.QueryBuilder) => (deps.scope ? deps.scope(q) : q);
  const pending = (q: Db | Trx, now?: string) => {
    const base = q('timers as t').where('t.status', 'pending');
    return scoped(now === undefined ? base : base.andWhere('t.due_at', '<=', now));
  };

  /**
   * Claims the earliest due timer and marks it fired, in this transaction: if anything fails, its
   * event refused included, the mark rolls back with the rest (the caller then marks a refused one skipped).
   * Marked before the event is sent, it is no longer pending when the transition cancels its own
   * delayed events (an exit that cancels the id that just fired leaves it fired, as it should).
   */
  async function claimDue(trx: Trx, now: string): Promise<ClaimedRow | undefined> {
    if (isPostgres(trx)) {
      // Lock the instance together with the timer, skipping either if busy. A user's send locks the
      // instance and then (cancel) the timer; taking both here at once, or neither, keeps the lock
      // order from crossing and so can never deadlock with it. Claim and mark are one statement.
      const due = pending(trx, now).join('workflow_instances as i', 'i.id', 't.instance_id')
        .orderBy([{ column: 't.due_at' }, { column: 't.id' }]).first('t.id').forUpdate('t', 'i').skipLocked();
      const [row] = (await trx('timers').where('id', due).update({ status: 'fired', fired_at: now }).returning('*')) as ClaimedRow[];
      return row;
    }
    // SQLite: the IMMEDIATE transaction already holds the one write lock.
    const row = await pending(trx, now).orderBy([{ column: 't.due_at' }, { column: 't.id' }]).first('t.*');
    if (row) await trx('timers').where({ id: row.id }).update({ status: 'fired', fired_at: now });
    return row;
  }

  /** When the earliest pending timer (of the scope) falls due; null when none is pending. */
  async function nextDue(): Promise<number | null> {
    // the first row in (status, due_at) order that the scope keeps: min() under a scope would read
    // every pending timer, and a city keeps tens of thousands pending (warranties, reminders)
    const r = await pending(db).orderBy([{ column: 't.due_at' }, { column: 't.id' }]).first('t.due_at');
    return r?.due_at ? Date.parse(String(r.due_at)) : null;
  }

  /**
   * Fires the earliest due timer; returns what happened, or null when none is due. 'failed' means
   * the attempt rolled back for a reason that is not the workflow's (database error …): it is
   * counted on the timer and retried on a later pass.
   */
  async function fireOne(): Promise<'fired' | 'skipped' | 'failed' | null> {
    // A look without a transaction first: a pass that finds nothing due (most of a worker's polls,
    // and the last of every run) takes no lock (on SQLite, not the database's one write lock) and
    // costs one statement instead of three.
    if (!(await pending(db, clock.now().toISOString()).first('t.id'))) return null;
    let claimedId: number | undefined;
    let claimedAt = '';
    try {
      return await db.transaction(async (trx) => {
        const now = clock.now().toISOString();
        const row = await claimDue(trx, now);
        if (!row) return null;
        claimedId = row.id;
        claimedAt = now;
        // No savepoint around the send: a refused event rolls the whole attempt back, the claim with
        // it, and the timer is marked skipped below (two statements a timer fewer than a savepoint's).
        await engine.send(row.instance_id, parseJson<{ type: string }>(row.event), { actor: SYSTEM_ACTOR, trx });
        return 'fired';
      });
    } catch (err) {
      if (claimedId === undefined) throw err; // nothing claimed: the database itself failed
      const id = claimedId;
      if (err instanceof AppError) {
        // The workflow refused it (the project moved on): skipped, unless another worker has taken
        // it since the rollback made it pending again (it then fires or is skipped once, there).
        await db('timers').where({ id, status: 'pending' }).update({ status: 'skipped', fired_at: claimedAt, note: `${err.code}: ${err.message}` });
        return 'skipped';
      }
      // Everything rolled back; count the failure so a poisoned timer cannot spin forever.
      await db.transaction(async (trx) => {
        const row = await trx('timers').where({ id }).first();
        const attempts = Number(row?.attempts ?? 0) + 1;
        await trx('timers').where({ id }).update({
          attempts,
          note: String((err as Error).message).slice(0, 500),
          ...(attempts >= TIMER_MAX_ATTEMPTS ? { status: 'failed' } : {}),
        });
      });
      logger?.error({ err, timerId: claimedId }, 'timer delivery failed');
      return 'failed';
    }
  }

  /** Fires every timer due now (bounded), oldest first. */
  async function runDue(max = 10_000): Promise<{ fired: number; skipped: number }> {
    let fired = 0;
    let skipped = 0;
    for (let i = 0; i < max; i++) {
      const r = await fireOne();
      // A failed attempt stays pending and would be claimed again at once: leave it to the next pass.
      if (r === null || r === 'failed') break;
      if (r === 'fired') fired++;
      else skipped++;
    }
    return { fired, skipped };
  }

  async function list(instanceId: string): Promise<TimerRow[]> {
    const rows = await db('timers').where({ instance_id: instanceId }).orderBy('id');
    return rows.map((r) => ({ id: r.id, instanceId: r.instance_id, sendId: r.send_id, event: parseJson(r.event), dueAt: r.due_at, status: r.status }));
  }

  return { fireOne, runDue, nextDue, list };
}

export type TimerWorker = ReturnType<typeof createTimerWorker>;
