// The bodies of e-mails sent long ago (OUTBOX_KEEP_BODIES_DAYS, src/engine/outbox.ts
// removeOldBodies): a sent row older than the retention keeps everything but its text and HTML;
// rows not sent keep theirs whatever their age; the pass goes in batches along its partial index,
// and the hourly housekeeping and the CLI run it on the engine's clock.
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { bodiesDue, enqueueMail, removeBodiesOlderThan, removeOldBodies } from '../../src/engine/outbox.js';
import { SWEEP_EVERY_MS, startWorkers } from '../../src/engine/workers.js';
import { createTimerWorker } from '../../src/engine/timers.js';
import { ManualClock } from '../../src/lib/clock.js';
import { isPostgres, type Db } from '../../src/lib/db.js';
import { createLogger } from '../../src/lib/logger.js';
import { STORAGE_KINDS, createTestDb, type TestDb } from '../support/db.js';
import { toyEngine } from '../support/engine.js';
import { cli } from '../support/cli.js';

const DAY = 86_400_000;
const NOW = '2026-03-02T01:00:00.000Z';
const daysAgo = (n: number) => new Date(Date.parse(NOW) - n * DAY).toISOString();

/** An e-mail as the outbox holds it, `status` since `at`. */
async function mail(db: Db, to: string, status: 'pending' | 'sending' | 'sent' | 'dead', at: string): Promise<number> {
  const messageId = await enqueueMail(db, { to, subject: `通知 ${to}`, text: `正文 ${to}`, html: `<p>正文 ${to}</p>`, template: 'stage_changed' }, at);
  await db('outbox').where({ message_id: messageId }).update({ status, ...(status === 'sent' ? { sent_at: at } : {}) });
  return ((await db('outbox').where({ message_id: messageId }).first('id')) as { id: number }).id;
}

const row = async (db: Db, id: number) => {
  const r = await db('outbox').where({ id }).first('to_addr', 'subject', 'template', 'text', 'html', 'status', 'sent_at', 'message_id', 'body_removed_at');
  return r as Record<string, string | null>;
};

describe.each(STORAGE_KINDS)('old e-mail bodies on %s', (kind) => {
  let t: TestDb;
  beforeEach(async () => {
    t = await createTestDb(kind);
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('when e-mails were sent longer ago than the retention, then only their text and HTML go; newer, pending, sending and dead ones keep theirs', async () => {
    const old = await mail(t.db, 'old@example.org', 'sent', daysAgo(400));
    const recent = await mail(t.db, 'recent@example.org', 'sent', daysAgo(10));
    const pending = await mail(t.db, 'pending@example.org', 'pending', daysAgo(400));
    const sending = await mail(t.db, 'sending@example.org', 'sending', daysAgo(400));
    const dead = await mail(t.db, 'dead@example.org', 'dead', daysAgo(400));
    const before = await row(t.db, old);
    expect(await removeOldBodies(t.db, daysAgo(365), NOW)).toBe(1);
    expect(await row(t.db, old)).toEqual({ ...before, text: '', html: null, body_removed_at: NOW });
    for (const [id, to] of [[recent, 'recent'], [pending, 'pending'], [sending, 'sending'], [dead, 'dead']] as const) {
      expect(await row(t.db, id)).toMatchObject({ text: `正文 ${to}@example.org`, html: `<p>正文 ${to}@example.org</p>`, body_removed_at: null });
    }
    // a second pass finds nothing left to empty
    expect(await removeOldBodies(t.db, daysAgo(365), NOW)).toBe(0);
  });

  it('when thousands are due, then they go in batches of short statements, oldest first, with no transaction held', async () => {
    const rows = Array.from({ length: 2_500 }, (_, i) => ({
      message_id: `<bulk-${i}@weishishi.local>`, to_addr: `r${i}@example.org`, subject: 's', text: 'x'.repeat(100), html: '<p>x</p>',
      status: 'sent', attempts: 1, next_attempt_at: daysAgo(500), created_at: daysAgo(500), sent_at: new Date(Date.parse(daysAgo(500)) + i * 1000).toISOString(),
    }));
    for (let i = 0; i < rows.length; i += 250) await t.db('outbox').insert(rows.slice(i, i + 250));
    await mail(t.db, 'recent@example.org', 'sent', daysAgo(1));
    const sent: string[] = [];
    const record = (q: { sql: string }) => void sent.push(q.sql.split(' ')[0]!.toLowerCase());
    t.db.on('query', record);
    const removed = await removeOldBodies(t.db, daysAgo(365), NOW, 1_000).finally(() => t.db.off('query', record));
    expect(removed).toBe(2_500);
    // three batches (1,000, 1,000 and the last 500), each read by its ids and then: on PostgreSQL
    // one update, no transaction; on SQLite the rows read, deleted and written back in one
    expect(sent.filter((v) => v === 'select').length).toBe(isPostgres(t.db) ? 3 : 6);
    expect(sent.filter((v) => v === 'update' || v === 'delete').length).toBe(3);
    expect(Number((await t.db('outbox').whereNotNull('body_removed_at').count<{ n: number }[]>({ n: '*' }))[0]!.n)).toBe(2_500);
    expect(Number((await t.db('outbox').whereNull('body_removed_at').count<{ n: number }[]>({ n: '*' }))[0]!.n)).toBe(1);
  });

  it('when the planner is asked, then the pass reads the partial index of sent rows that still have their bodies', async () => {
    const q = bodiesDue(t.db, daysAgo(365), 1000).toSQL();
    if (isPostgres(t.db)) {
      // a handful of rows is a sequential scan's to take: with it off, the index that serves the query is named
      const plan = await t.db.transaction(async (trx) => {
        await trx.raw('set local enable_seqscan = off');
        return (await trx.raw(`explain ${q.sql}`, q.bindings as never)) as { rows: Array<{ 'QUERY PLAN': string }> };
      });
      expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/Index Scan using outbox_sent_bodies/);
    } else {
      const plan = (await t.db.raw(`explain query plan ${q.sql}`, q.bindings as never)) as Array<{ detail: string }>;
      expect(plan.map((r) => r.detail).join('\n')).toMatch(/outbox_sent_bodies/);
    }
  });

  it('when the workers pass on the manual clock, then the bodies past the retention go on the first pass and once an hour after', async () => {
    const clock = new ManualClock(NOW);
    const { engine } = toyEngine(t.db, clock);
    const days = 365;
    const workers = startWorkers({
      timers: createTimerWorker({ db: t.db, engine, clock }), pollMs: DAY, logger: createLogger('silent'),
      housekeeping: { clock, jobs: [{ name: 'old e-mail bodies removed', run: () => removeBodiesOlderThan(t.db, clock, days) }] },
    });
    try {
      const first = await mail(t.db, 'first@example.org', 'sent', daysAgo(366));
      const next = await mail(t.db, 'next@example.org', 'sent', new Date(Date.parse(NOW) - days * DAY + 30 * 60_000).toISOString());
      await workers.tick();
      expect((await row(t.db, first)).body_removed_at).toBe(NOW);
      expect((await row(t.db, next)).text).toBe('正文 next@example.org');
      // 40 minutes on, `next` is past the retention, but the pass waits for its hour
      clock.advance(40 * 60_000);
      await workers.tick();
      expect((await row(t.db, next)).text).toBe('正文 next@example.org');
      clock.advance(SWEEP_EVERY_MS - 40 * 60_000);
      await workers.tick();
      expect(await row(t.db, next)).toMatchObject({ text: '', html: null, body_removed_at: clock.now().toISOString() });
    } finally {
      await workers.stop();
    }
  });
});

describe('OUTBOX_KEEP_BODIES_DAYS and `weishishi outbox remove-bodies`', () => {
  it('when the setting is absent, 0 or out of range, then a year, for ever, or a refusal naming it', () => {
    expect(loadConfig({}).outboxKeepBodiesDays).toBe(365);
    expect(loadConfig({ OUTBOX_KEEP_BODIES_DAYS: '0' }).outboxKeepBodiesDays).toBe(0);
    expect(() => loadConfig({ OUTBOX_KEEP_BODIES_DAYS: '-1' })).toThrow(/OUTBOX_KEEP_BODIES_DAYS/);
    expect(() => loadConfig({ OUTBOX_KEEP_BODIES_DAYS: 'a year' })).toThrow(/OUTBOX_KEEP_BODIES_DAYS/);
  });

  it('when the command runs on a database, then it empties the bodies older than --days and says how many', async () => {
    const t = await createTestDb('better-sqlite3');
    try {
      if (t.cfg.client !== 'sqlite') throw new Error('an SQLite file is needed');
      const file = t.cfg.filename;
      // the CLI runs on the system clock: ages are counted back from now
      const ago = (n: number) => new Date(Date.now() - n * DAY).toISOString();
      const old = await mail(t.db, 'old@example.org', 'sent', ago(40));
      const kept = await mail(t.db, 'kept@example.org', 'sent', ago(20));
      await t.db.destroy();
      const run = (args: string[], env: Record<string, string>) => cli(args, { DATABASE_URL: `sqlite:${file}`, DATA_DIR: path.dirname(file), ...env });
      const never = await run(['outbox', 'remove-bodies'], { OUTBOX_KEEP_BODIES_DAYS: '0' });
      expect(never.out).toMatch(/for ever/);
      expect(never.code).toBe(0);
      const r = await run(['outbox', 'remove-bodies', '--days', '30'], {});
      expect(r.out).toMatch(/removed the bodies of 1 e-mails sent more than 30 days ago/);
      expect(r.code).toBe(0);
      const db = t.reopen();
      expect((await row(db, old)).text).toBe('');
      expect((await row(db, kept)).text).toBe('正文 kept@example.org');
    } finally {
      await t.cleanup();
    }
  });
});
