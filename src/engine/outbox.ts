// The transactional e-mail outbox. A notice is a row written in the transition's own transaction;
// the worker sends it later with a Message-ID fixed at enqueue time, so a retry after a crash is
// recognisable as the same message. Failures back off exponentially; after maxAttempts the row is
// `dead` and shown to admins. Delivery is at-least-once; enqueueing is exactly-once.
import { randomUUID } from 'node:crypto';
import type { Transporter } from 'nodemailer';
import type { Clock } from '../lib/clock.js';
import type { Knex } from 'knex';
import { appendRows, insertRows, isPostgres, type Db, type Queryable, type Trx } from '../lib/db.js';
import type { Logger } from '../lib/logger.js';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  template?: string;
  instanceId?: string;
  /** A digest this row is: later notices of the same key fold into it while it is pending. */
  digestKey?: string;
  /** Not before (a digest waits for the end of its hour); default: at once. */
  sendAt?: string;
}

export interface OutboxRow {
  id: number;
  instanceId: string | null;
  messageId: string;
  template: string | null;
  to: string;
  subject: string;
  text: string;
  html: string | null;
  status: 'pending' | 'sending' | 'sent' | 'dead';
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}

const BACKOFF_BASE_MS = 30_000;
const BACKOFF_MAX_MS = 6 * 3600_000;
/** How long a claimed row is ours; a worker that dies mid-send leaves it to be claimed again after. */
export const SEND_LEASE_MS = 5 * 60_000;

/** 30 s, 1 min, 2 min, … capped at 6 h. Deterministic, so tests can step a manual clock to it. */
export function backoffMs(attempts: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1));
}

/** One e-mail, written at once (the caller may read it back in its transaction). */
export async function enqueueMail(trx: Queryable, mail: OutgoingMail, at: string, domain = 'weishishi.local'): Promise<string> {
  const id = `<${randomUUID()}@${domain}>`;
  await trx('outbox').insert(mailRow(mail, id, at));
  return id;
}

/**
 * A notice's e-mails (one to every user of a role); their Message-IDs in order. Inside a transition
 * they are written with its grouped write (`appendRows`, src/lib/db.ts); a caller that reads the
 * outbox back in the same transaction (a digest) uses `enqueueMail`, which writes at once.
 */
export async function enqueueMails(trx: Queryable, mails: readonly OutgoingMail[], at: string, domain = 'weishishi.local'): Promise<string[]> {
  const ids = mails.map(() => `<${randomUUID()}@${domain}>`);
  await appendRows(trx, 'outbox', mails.map((mail, i) => mailRow(mail, ids[i]!, at)));
  return ids;
}

function mailRow(mail: OutgoingMail, id: string, at: string): Record<string, unknown> {
  return {
    instance_id: mail.instanceId ?? null,
    message_id: id,
    template: mail.template ?? null,
    to_addr: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html ?? null,
    status: 'pending',
    attempts: 0,
    next_attempt_at: mail.sendAt ?? at,
    created_at: at,
    digest_key: mail.digestKey ?? null,
  };
}

function toRow(r: Record<string, unknown>): OutboxRow {
  return {
    id: Number(r.id),
    instanceId: (r.instance_id as string | null) ?? null,
    messageId: r.message_id as string,
    template: (r.template as string | null) ?? null,
    to: r.to_addr as string,
    subject: r.subject as string,
    text: r.text as string,
    html: (r.html as string | null) ?? null,
    status: r.status as OutboxRow['status'],
    attempts: Number(r.attempts),
    nextAttemptAt: r.next_attempt_at as string,
    lastError: (r.last_error as string | null) ?? null,
    createdAt: r.created_at as string,
    sentAt: (r.sent_at as string | null) ?? null,
  };
}

export async function listOutbox(db: Queryable, opts: { status?: string; limit?: number } = {}): Promise<OutboxRow[]> {
  const q = db('outbox').orderBy('id', 'desc').limit(opts.limit ?? 200);
  if (opts.status) q.where('status', opts.status);
  return (await q).map(toRow);
}

/**
 * Rows emptied per batch by `removeOldBodies`: on better-sqlite3 a batch holds the event loop while
 * it runs (about 40 ms for 250 on the 5,000-project city, 94 ms for 1,000), and a first pass over a
 * city's years has hundreds of thousands to do; the hourly passes after it, an hour's worth.
 */
export const BODY_BATCH = 250;

/**
 * The oldest sent e-mails before `before` that still have their bodies, along the partial index
 * that holds only those (`outbox_sent_bodies`). The status is written into the SQL, not bound: a
 * planner can use a partial index only for a condition it can see implies the index's own. SQLite,
 * with no statistics, would rather search the (status, next_attempt_at) index for every sent row
 * and sort them all (millions, in a city's years): it is told which index to use (`INDEXED BY`,
 * which fails the statement if that index cannot serve it).
 */
export function bodiesDue(db: Queryable, before: string, limit: number): Knex.QueryBuilder {
  const from: Knex.QueryBuilder = isPostgres(db) ? db('outbox') : db.from(db.raw('?? indexed by ??', ['outbox', 'outbox_sent_bodies']));
  return sentWithBody(from).andWhere('sent_at', '<', before).orderBy('sent_at').limit(limit);
}

/** Sent rows that still have their body: the partial index's own condition (its migration, 20261217120000). */
function sentWithBody(q: Knex.QueryBuilder): Knex.QueryBuilder {
  return q.whereRaw(`status = 'sent'`).whereNull('body_removed_at');
}

/**
 * Empties the text and HTML of e-mails sent before `before` (ISO), a batch at a time, each batch its
 * own short statement, and answers how many. What was sent, to whom, when, under which subject,
 * template and Message-ID stays; the row says when its body went (`body_removed_at`). Rows not
 * sent (pending, being sent, dead) keep their bodies whatever their age: they may still go out,
 * and an admin may retry a dead letter. The bodies are most of an outbox's size (a notice's HTML
 * is about 1.7 KB a recipient), and the outbox most of a city database's growth.
 */
export async function removeOldBodies(db: Db, before: string, at: string, batch = BODY_BATCH): Promise<number> {
  let removed = 0;
  for (;;) {
    const ids = (await bodiesDue(db, before, batch).pluck('id')) as number[];
    if (ids.length === 0) return removed;
    removed += isPostgres(db) ? await emptyInPlace(db, ids, at) : await emptyRepacked(db, ids, at);
    if (ids.length < batch) return removed;
    // a busy server's requests go between two batches
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** PostgreSQL: an update; (auto)vacuum gives the old versions' space, TOAST included, to later rows. */
async function emptyInPlace(db: Db, ids: number[], at: string): Promise<number> {
  return sentWithBody(db('outbox').whereIn('id', ids)).update({ text: '', html: null, body_removed_at: at });
}

/**
 * SQLite: the rows are deleted and written again without their bodies, in one transaction. An
 * update that shrinks a row leaves its page as large as before, and the outbox only grows at its
 * end, so that space would never be used again short of a VACUUM; a delete merges the pages it
 * empties and frees them for the rows to come, and the rows written back fill few pages.
 */
async function emptyRepacked(db: Db, ids: number[], at: string): Promise<number> {
  return db.transaction(async (trx) => {
    const rows = (await sentWithBody(trx('outbox').whereIn('id', ids)).select()) as Array<Record<string, unknown>>;
    if (rows.length === 0) return 0;
    await trx('outbox').whereIn('id', rows.map((r) => r.id as number)).del();
    await insertRows(trx, 'outbox', rows.map((r) => ({ ...r, text: '', html: null, body_removed_at: at })));
    return rows.length;
  });
}

/** Empties the bodies of e-mails sent more than `days` days before the clock's now (the workers' hourly job, the CLI). */
export function removeBodiesOlderThan(db: Db, clock: Clock, days: number): Promise<number> {
  const now = clock.now();
  return removeOldBodies(db, new Date(now.getTime() - days * 86_400_000).toISOString(), now.toISOString());
}

/** Puts a dead letter back in the queue; false when there is no dead letter with that id. Needs no transport. */
export async function requeueDead(db: Queryable, id: number, at: string): Promise<boolean> {
  const n = await db('outbox').where({ id, status: 'dead' }).update({ status: 'pending', attempts: 0, next_attempt_at: at });
  return n > 0;
}

export function createOutboxWorker(deps: { db: Db; clock: Clock; transport: Transporter; from: string; maxAttempts: number; logger?: Logger }) {
  const { db, clock, transport, logger } = deps;

  async function claim(limit: number): Promise<OutboxRow[]> {
    return db.transaction(async (trx: Trx) => {
      const now = clock.now().toISOString();
      // Two reads, each walking its index in order and stopping at `limit`: what is due first, then
      // the sends whose lease ran out. One OR of both, ordered by id, made SQLite gather every due
      // row and sort them: 360 ms a poll under a backlog of 1.8 million mails (SMTP away), holding
      // better-sqlite3's event loop each time.
      const due = (status: 'pending' | 'sending', column: 'next_attempt_at' | 'locked_until', n: number) => {
        const q = trx('outbox').where('status', status).andWhere(column, '<=', now).orderBy([column, 'id']).limit(n);
        return isPostgres(trx) ? q.forUpdate().skipLocked() : q;
      };
      const expired = await due('sending', 'locked_until', limit);
      const rows = [...expired, ...(expired.length < limit ? await due('pending', 'next_attempt_at', limit - expired.length) : [])];
      if (rows.length === 0) return [];
      const lockedUntil = new Date(Date.parse(now) + SEND_LEASE_MS).toISOString();
      await trx('outbox')
        .whereIn('id', rows.map((r) => r.id))
        .update({ status: 'sending', locked_until: lockedUntil, attempts: trx.raw('attempts + 1') });
      return rows.map((r) => toRow({ ...r, status: 'sending', attempts: Number(r.attempts) + 1 }));
    });
  }

  /** Sends what is due now; returns counts. */
  async function runOnce(limit = 50): Promise<{ sent: number; failed: number; dead: number }> {
    const rows = await claim(limit);
    let sent = 0;
    let failed = 0;
    let dead = 0;
    for (const row of rows) {
      try {
        await transport.sendMail({
          from: deps.from,
          to: row.to,
          subject: row.subject,
          text: row.text,
          ...(row.html ? { html: row.html } : {}),
          messageId: row.messageId,
        });
        await db('outbox').where({ id: row.id, status: 'sending' }).update({ status: 'sent', sent_at: clock.now().toISOString(), locked_until: null, last_error: null });
        sent++;
      } catch (err) {
        const now = clock.now();
        const isDead = row.attempts >= deps.maxAttempts;
        await db('outbox').where({ id: row.id, status: 'sending' }).update({
          status: isDead ? 'dead' : 'pending',
          next_attempt_at: new Date(now.getTime() + backoffMs(row.attempts)).toISOString(),
          locked_until: null,
          last_error: String((err as Error).message).slice(0, 1000),
        });
        logger?.warn({ outboxId: row.id, attempts: row.attempts, dead: isDead, err: (err as Error).message }, 'e-mail not sent');
        if (isDead) dead++;
        else failed++;
      }
    }
    return { sent, failed, dead };
  }

  /** Sends batches until nothing is due (bounded), like the timer worker's runDue. */
  async function drain(batch = 50, maxPasses = 1000): Promise<{ sent: number; failed: number; dead: number }> {
    const total = { sent: 0, failed: 0, dead: 0 };
    for (let i = 0; i < maxPasses; i++) {
      const r = await runOnce(batch);
      total.sent += r.sent;
      total.failed += r.failed;
      total.dead += r.dead;
      if (r.sent + r.failed + r.dead === 0) break;
    }
    return total;
  }

  /** Puts a dead letter back in the queue (admin action). */
  async function retry(id: number): Promise<void> {
    await requeueDead(db, id, clock.now().toISOString());
  }

  return { runOnce, drain, retry };
}

export type OutboxWorker = ReturnType<typeof createOutboxWorker>;
