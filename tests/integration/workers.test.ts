// The timer and outbox workers on real databases: concurrent workers never double-fire or
// double-send, an SMTP outage is ridden out with back-off, and hopeless e-mails become dead letters;
// and the hourly sweep of uploads nothing linked within 24 hours, on the injected clock.
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import nodemailer, { type Transporter } from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import { ManualClock } from '../../src/lib/clock.js';
import type { Db } from '../../src/lib/db.js';
import { createTimerWorker } from '../../src/engine/timers.js';
import { backoffMs, createOutboxWorker } from '../../src/engine/outbox.js';
import { verifyAll } from '../../src/engine/verify.js';
import { SWEEP_EVERY_MS, startWorkers } from '../../src/engine/workers.js';
import { createDocumentService } from '../../src/documents/document-service.js';
import type { ProjectService } from '../../src/projects/project-service.js';
import type { User } from '../../src/auth/users.js';
import { createLogger } from '../../src/lib/logger.js';
import { STORAGE_KINDS, createTestDb, type TestDb } from '../support/db.js';
import { count, toyEngine } from '../support/engine.js';
import { DAY_MS, USER } from '../support/toy-workflow.js';
import { REPO_ROOT, spawnTs } from '../reliability/child.js';

const FROM = 'noreply@weishishi.local';
const WORKER_CHILD = path.join(REPO_ROOT, 'tests/reliability/worker-child.ts');

/** A nodemailer transport that records the Message-ID of everything it is asked to send. */
function countingTransport(sent: string[]): Transporter {
  return nodemailer.createTransport({
    name: 'counting',
    version: '1',
    send(mail: { message: { messageId(): string } }, done: (err: Error | null, info: unknown) => void) {
      sent.push(mail.message.messageId());
      setImmediate(() => done(null, { messageId: mail.message.messageId() }));
    },
  } as never);
}

function failingTransport(): Transporter {
  return nodemailer.createTransport({
    name: 'failing',
    version: '1',
    send(_mail: unknown, done: (err: Error | null) => void) {
      setImmediate(() => done(new Error('550 5.1.1 mailbox unavailable')));
    },
  } as never);
}


describe.each(STORAGE_KINDS)('workers on %s', (kind) => {
  let t: TestDb;
  beforeEach(async () => {
    t = await createTestDb(kind);
  });
  afterEach(async () => {
    await t.cleanup();
  });

  /**
   * Two workers racing. On PostgreSQL: two pools in this process (SKIP LOCKED decides). On SQLite:
   * two processes, as in production: better-sqlite3 is synchronous, so a second connection in the
   * same process would block this event loop in SQLite's busy handler while the first one holds
   * the write lock, and neither could progress until busy_timeout expires.
   */
  async function race<T>(what: 'timers' | 'outbox', now: Date, inProcess: (db: Db, clock: ManualClock) => Promise<T>): Promise<{ results: T[]; sent: string[] }> {
    if (kind === 'postgres') {
      const pools = [t.reopen(), t.reopen()];
      await Promise.all(pools.map((db) => db.raw('select 1')));
      const results = await Promise.all(pools.map((db) => inProcess(db, new ManualClock(now))));
      return { results, sent: [] };
    }
    const env = { WORKER_DB: JSON.stringify(t.cfg), WORKER_KIND: what, WORKER_NOW: now.toISOString() };
    const children = [spawnTs(WORKER_CHILD, env), spawnTs(WORKER_CHILD, env)];
    try {
      await Promise.all(children.map((c) => c.waitFor((l) => l === 'READY')));
      for (const c of children) c.send('GO');
      const lines = await Promise.all(children.map((c) => c.waitFor((l) => l.startsWith('RESULT '))));
      const exits = await Promise.all(children.map((c) => c.exited));
      expect(exits.map((e) => e.code)).toEqual([0, 0]);
      return {
        results: lines.map((l) => JSON.parse(l.slice('RESULT '.length)) as T),
        sent: children.flatMap((c) => c.lines.filter((l) => l.startsWith('SENT ')).map((l) => l.slice('SENT '.length))),
      };
    } finally {
      await Promise.all(children.map((c) => c.kill()));
    }
  }

  it('when two timer workers race over 32 due timers, then every timer fires exactly once', async () => {
    const { engine, clock } = toyEngine(t.db);
    const ids: string[] = [];
    for (let i = 0; i < 32; i++) {
      const s = await engine.start('toy', { title: `t${i}`, reviewDays: 1 + (i % 3) }, { actor: USER });
      await engine.send(s.instanceId, { type: 'SUBMIT' }, { actor: USER });
      ids.push(s.instanceId);
    }
    clock.advance(4 * DAY_MS);
    const { results } = await race('timers', clock.now(), (db, c) => {
      const e = toyEngine(db, c).engine;
      return createTimerWorker({ db, engine: e, clock: c }).runDue();
    });
    expect(results.reduce((n, r) => n + r.fired, 0)).toBe(32);
    expect(results.reduce((n, r) => n + r.skipped, 0)).toBe(0);
    const deadlines = await t.db('workflow_history').where({ type: 'DEADLINE' }).select('instance_id');
    expect(deadlines.map((r) => r.instance_id).sort()).toEqual([...ids].sort());
    expect(await t.db('timers').distinct('status').pluck('status')).toEqual(['fired']);
    for (const id of ids) expect((await engine.get(id)).state).toBe('expired');
    expect((await verifyAll(engine, t.db)).problems).toEqual([]);
    // Nothing left: a later pass finds nothing to do.
    expect(await createTimerWorker({ db: t.db, engine, clock }).runDue()).toEqual({ fired: 0, skipped: 0 });
  });

  it('when a timer worker is scoped, then it fires and reports only the timers of its scope, and the rest wait for another', async () => {
    const { engine, clock } = toyEngine(t.db);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const s = await engine.start('toy', { title: `s${i}`, reviewDays: 1 + (i % 2) }, { actor: USER });
      await engine.send(s.instanceId, { type: 'SUBMIT' }, { actor: USER });
      ids.push(s.instanceId);
    }
    const mine = ids.filter((_, i) => i % 2 === 1); // review in 2 days
    const scoped = createTimerWorker({ db: t.db, engine, clock, scope: (q) => q.whereIn('t.instance_id', mine) });
    const all = createTimerWorker({ db: t.db, engine, clock });
    // the earliest pending timer of the scope, not of the table (the others fall due a day sooner)
    expect(await all.nextDue()).toBe(Date.parse(String((await t.db('timers').whereNotIn('instance_id', mine).min({ d: 'due_at' }).first())!.d)));
    expect(await scoped.nextDue()).toBe(Date.parse(String((await t.db('timers').whereIn('instance_id', mine).min({ d: 'due_at' }).first())!.d)));
    clock.advance(4 * DAY_MS);
    expect(await scoped.runDue()).toEqual({ fired: 3, skipped: 0 });
    for (const id of ids) expect((await engine.get(id)).state).toBe(mine.includes(id) ? 'expired' : 'review');
    expect(await scoped.nextDue()).toBeNull();
    expect(await all.runDue()).toEqual({ fired: 3, skipped: 0 });
    expect(await all.nextDue()).toBeNull();
    expect((await verifyAll(engine, t.db)).problems).toEqual([]);
  });

  it('when two outbox workers race over 40 pending e-mails, then each is sent exactly once', async () => {
    const { engine, clock } = toyEngine(t.db);
    for (let i = 0; i < 4; i++) {
      const s = await engine.start('toy', { title: `m${i}` }, { actor: USER });
      for (let j = 0; j < 10; j++) await engine.send(s.instanceId, { type: 'MAIL', to: `p${i}.${j}@example.org` }, { actor: USER });
    }
    expect(await count(t.db, 'outbox', { status: 'pending' })).toBe(40);
    const inProcessSent: string[] = [];
    const { results, sent } = await race('outbox', clock.now(), async (db, c) => {
      const worker = createOutboxWorker({ db, clock: c, transport: countingTransport(inProcessSent), from: FROM, maxAttempts: 5 });
      return worker.drain(3);
    });
    const all = kind === 'postgres' ? inProcessSent : sent;
    expect(results.reduce((n, r) => n + r.sent, 0)).toBe(40);
    expect(results.reduce((n, r) => n + r.failed + r.dead, 0)).toBe(0);
    expect(all).toHaveLength(40);
    expect(new Set(all).size).toBe(40);
    const rows = await t.db('outbox').select('message_id', 'status', 'attempts');
    expect(new Set(all)).toEqual(new Set(rows.map((r) => r.message_id)));
    expect(rows.every((r) => r.status === 'sent' && Number(r.attempts) === 1)).toBe(true);
  });

  it('when earlier e-mails are backing off, then a batch takes the sends whose lease ran out, then what fell due first, and none not yet due', async () => {
    const { engine, clock } = toyEngine(t.db);
    const s = await engine.start('toy', { title: 'backlog' }, { actor: USER });
    for (let j = 0; j < 5; j++) await engine.send(s.instanceId, { type: 'MAIL', to: `p${j}@example.org` }, { actor: USER });
    const ids = (await t.db('outbox').orderBy('id').pluck('id')).map(Number);
    const at = (ms: number) => new Date(clock.now().getTime() + ms).toISOString();
    // the oldest two back off into the future; the next two fell due at different times; the last is a send whose lease ran out
    await t.db('outbox').whereIn('id', ids.slice(0, 2)).update({ next_attempt_at: at(60_000) });
    await t.db('outbox').where({ id: ids[2] }).update({ next_attempt_at: at(-1_000) });
    await t.db('outbox').where({ id: ids[3] }).update({ next_attempt_at: at(-5_000) });
    await t.db('outbox').where({ id: ids[4] }).update({ status: 'sending', locked_until: at(-1), attempts: 1 });
    const sent: string[] = [];
    const worker = createOutboxWorker({ db: t.db, clock, transport: countingTransport(sent), from: FROM, maxAttempts: 5 });
    const messageOf = async (id: number) => ((await t.db('outbox').where({ id }).first()) as { message_id: string }).message_id;
    expect(await worker.runOnce(2)).toEqual({ sent: 2, failed: 0, dead: 0 });
    expect(sent).toEqual([await messageOf(ids[4]!), await messageOf(ids[3]!)]);
    expect(await worker.runOnce(50)).toEqual({ sent: 1, failed: 0, dead: 0 });
    expect(sent[2]).toBe(await messageOf(ids[2]!));
    expect(await count(t.db, 'outbox', { status: 'pending' })).toBe(2);
  });

  it('when the SMTP server is down, then the e-mail backs off, and is sent once when it is back', async () => {
    const { engine, clock } = toyEngine(t.db);
    const s = await engine.start('toy', { title: '助残爬楼机' }, { actor: USER });
    await engine.send(s.instanceId, { type: 'BUMP', by: 2 }, { actor: USER });
    await engine.send(s.instanceId, { type: 'MAIL', to: 'resident@example.org' }, { actor: USER });
    const [row] = await t.db('outbox').select();
    // "Down" is a listener of ours that drops every connection: a port merely left free could be taken
    // meanwhile by another test's server (supertest listens on fresh ports all the time), and the
    // worker would then wait for a greeting that never comes.
    const down = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
    const port = (down.address() as net.AddressInfo).port;
    const received: Buffer[] = [];
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, _session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          received.push(Buffer.concat(chunks));
          callback();
        });
      },
    });
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
    const worker = createOutboxWorker({ db: t.db, clock, transport, from: FROM, maxAttempts: 5 });
    try {
      // Down: the attempt fails and is scheduled after the first back-off.
      const failedAt = clock.now().getTime();
      expect(await worker.runOnce()).toEqual({ sent: 0, failed: 1, dead: 0 });
      const after = await t.db('outbox').where({ id: row.id }).first();
      expect(after).toMatchObject({ status: 'pending', locked_until: null });
      expect(Number(after.attempts)).toBe(1);
      expect(after.last_error).toMatch(/ECONNREFUSED|connect/i);
      expect(after.next_attempt_at).toBe(new Date(failedAt + backoffMs(1)).toISOString());
      // Not yet due: nothing is tried.
      clock.advance(backoffMs(1) - 1);
      expect(await worker.runOnce()).toEqual({ sent: 0, failed: 0, dead: 0 });
      // Back up, and due.
      await new Promise<void>((resolve) => down.close(() => resolve()));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve());
      });
      clock.advance(1);
      expect(await worker.runOnce()).toEqual({ sent: 1, failed: 0, dead: 0 });
      expect(received).toHaveLength(1);
      const mail = await simpleParser(received[0]!);
      expect(mail.subject).toBe('助残爬楼机 #2');
      expect(mail.to && !Array.isArray(mail.to) ? mail.to.text : mail.to).toBe('resident@example.org');
      expect(mail.text?.trim()).toBe('hello');
      expect(mail.messageId).toBe(row.message_id);
      const sent = await t.db('outbox').where({ id: row.id }).first();
      expect(sent).toMatchObject({ status: 'sent', last_error: null, sent_at: clock.now().toISOString() });
      // No duplicates, however often the worker runs.
      clock.advance(DAY_MS);
      expect(await worker.runOnce()).toEqual({ sent: 0, failed: 0, dead: 0 });
      expect(received).toHaveLength(1);
    } finally {
      transport.close();
      if (down.listening) await new Promise<void>((resolve) => down.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('when sending keeps failing, then after maxAttempts the e-mail is dead, and retry puts it back', async () => {
    const { engine, clock } = toyEngine(t.db);
    const s = await engine.start('toy', { title: 'x' }, { actor: USER });
    await engine.send(s.instanceId, { type: 'MAIL', to: 'nobody@example.org' }, { actor: USER });
    const [{ id }] = await t.db('outbox').select('id');
    const worker = createOutboxWorker({ db: t.db, clock, transport: failingTransport(), from: FROM, maxAttempts: 3 });
    const rowOf = () => t.db('outbox').where({ id }).first();

    expect(await worker.runOnce()).toEqual({ sent: 0, failed: 1, dead: 0 });
    clock.advance(backoffMs(1) - 1);
    expect(await worker.runOnce()).toEqual({ sent: 0, failed: 0, dead: 0 });
    clock.advance(1);
    expect(await worker.runOnce()).toEqual({ sent: 0, failed: 1, dead: 0 });
    expect(Number((await rowOf()).attempts)).toBe(2);
    clock.advance(backoffMs(2));
    expect(await worker.runOnce()).toEqual({ sent: 0, failed: 0, dead: 1 });
    const dead = await rowOf();
    expect(dead).toMatchObject({ status: 'dead', last_error: expect.stringContaining('550') });
    expect(Number(dead.attempts)).toBe(3);
    // Dead letters stay put.
    clock.advance(30 * DAY_MS);
    expect(await worker.runOnce()).toEqual({ sent: 0, failed: 0, dead: 0 });

    await worker.retry(id);
    const back = await rowOf();
    expect(back).toMatchObject({ status: 'pending', next_attempt_at: clock.now().toISOString() });
    expect(Number(back.attempts)).toBe(0);
    const sent: string[] = [];
    const healthy = createOutboxWorker({ db: t.db, clock, transport: countingTransport(sent), from: FROM, maxAttempts: 3 });
    expect(await healthy.runOnce()).toEqual({ sent: 1, failed: 0, dead: 0 });
    expect(sent).toEqual([back.message_id]);
  });

  it('when the workers pass on the manual clock, then once an hour they sweep uploads nothing linked for 24 hours, and keep younger and linked ones', async () => {
    const { engine, clock } = toyEngine(t.db);
    const uploadDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wss-sweep-'));
    const documents = createDocumentService({ db: t.db, clock, uploadDir, projects: {} as ProjectService });
    const user = { id: 'user-sweep' } as User;
    const upload = async (name: string) => {
      const buffer = Buffer.from(`%PDF-1.4\n% ${name}\n`, 'latin1');
      return (await documents.store(user, [{ field: 'attachments', originalname: `${name}.pdf`, buffer, size: buffer.length }])).attachments![0]!;
    };
    const exists = async (id: string) => Boolean(await t.db('documents').where({ id }).first('id')) && fs.existsSync(path.join(uploadDir, id));
    // never on wall time: the poll is a day long, every pass below is a tick
    const workers = startWorkers({
      timers: createTimerWorker({ db: t.db, engine, clock }), pollMs: DAY_MS, logger: createLogger('silent'),
      housekeeping: { clock, jobs: [{ name: 'unlinked uploads swept', run: () => documents.sweep() }] },
    });
    try {
      const old = await upload('old');
      const linked = await upload('linked');
      await t.db('document_links').insert({ document_id: linked, project_id: 'p-1', linked_at: clock.now().toISOString() });
      clock.advance(30 * 60_000);
      const half = await upload('half-hour-younger');
      clock.advance(23 * 3600_000);
      const young = await upload('young');
      clock.advance(30 * 60_000 + 1); // old: 24 h and 1 ms; half: 23.5 h; young: 30 min
      await workers.tick();
      expect(await exists(old)).toBe(false);
      expect(await t.db('document_uploads').where({ document_id: old }).first()).toBeUndefined();
      expect([await exists(linked), await exists(half), await exists(young)]).toEqual([true, true, true]);
      // 40 minutes on, `half` is past 24 h, but the sweep waits for its hour
      clock.advance(40 * 60_000);
      await workers.tick();
      expect(await exists(half)).toBe(true);
      clock.advance(SWEEP_EVERY_MS - 40 * 60_000);
      await workers.tick();
      expect(await exists(half)).toBe(false);
      expect([await exists(linked), await exists(young)]).toEqual([true, true]);
    } finally {
      await workers.stop();
      fs.rmSync(uploadDir, { recursive: true, force: true });
    }
  });

  it('when the sweep reads the documents in batches, then every expired unlinked upload goes, in whichever batch it falls, and the rest stay', async () => {
    const clock = new ManualClock('2026-03-02T01:00:00.000Z');
    const uploadDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wss-sweep-'));
    const documents = createDocumentService({ db: t.db, clock, uploadDir, projects: {} as ProjectService, sweepBatch: 2 });
    const user = { id: 'user-sweep' } as User;
    try {
      const ids: string[] = [];
      for (let i = 0; i < 9; i++) {
        const buffer = Buffer.from(`%PDF-1.4\n% batch ${i}\n`, 'latin1');
        ids.push((await documents.store(user, [{ field: 'attachments', originalname: `b${i}.pdf`, buffer, size: buffer.length }])).attachments![0]!);
      }
      ids.sort(); // the order the sweep reads them in
      const linked = ids.filter((_, i) => i % 3 === 0);
      for (const id of linked) await t.db('document_links').insert({ document_id: id, project_id: 'p-1', linked_at: clock.now().toISOString() });
      clock.advance(DAY_MS + 1);
      expect(await documents.sweep()).toBe(6);
      expect((await t.db('documents').orderBy('id').pluck('id')).sort()).toEqual(linked);
      expect(ids.map((id) => fs.existsSync(path.join(uploadDir, id)))).toEqual(ids.map((id) => linked.includes(id)));
    } finally {
      fs.rmSync(uploadDir, { recursive: true, force: true });
    }
  });
});
