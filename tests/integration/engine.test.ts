import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyAll } from '../../src/engine/verify.js';
import { createTimerWorker } from '../../src/engine/timers.js';
import { enqueueMails } from '../../src/engine/outbox.js';
import { STORAGE_KINDS, createTestDb, statementsSent, type TestDb } from '../support/db.js';
import { count, toyEngine } from '../support/engine.js';
import { BOSS, DAY_MS, USER } from '../support/toy-workflow.js';

describe.each(STORAGE_KINDS)('engine on %s', (kind) => {
  let t: TestDb;
  beforeEach(async () => {
    t = await createTestDb(kind);
  });
  afterEach(async () => {
    await t.cleanup();
  });

  async function snapshotOf(id: string) {
    const row = await t.db('workflow_instances').where({ id }).first();
    return { version: Number(row.version), state: row.state, snapshot: row.snapshot, head: row.history_head };
  }

  it('when events are sent, then state, version and a hash-chained history are stored and verify passes', async () => {
    const { engine } = toyEngine(t.db);
    const s = await engine.start('toy', { title: '爬楼机' }, { actor: USER });
    expect(s).toMatchObject({ state: 'open', version: 1 });
    await engine.send(s.instanceId, { type: 'BUMP', by: 2 }, { actor: USER });
    const r = await engine.send(s.instanceId, { type: 'SUBMIT' }, { actor: USER });
    expect(r).toMatchObject({ state: 'review', version: 3, status: 'active' });
    const h = await engine.history(s.instanceId);
    expect(h.map((x) => [x.seq, x.type, x.from, x.to])).toEqual([
      [1, '$start', null, 'open'],
      [2, 'BUMP', 'open', 'open'],
      [3, 'SUBMIT', 'open', 'review'],
    ]);
    expect(h[1]!.prevHash).toBe(h[0]!.hash);
    expect(h[1]!.payload).toEqual({ by: 2 });
    expect(h[1]!.actor).toEqual(USER);
    const report = await verifyAll(engine, t.db);
    expect(report).toEqual({ checked: 1, events: 3, problems: [] });
  });

  it('when an effect handler fails, then snapshot, history, timers and outbox are untouched', async () => {
    const { engine } = toyEngine(t.db);
    const s = await engine.start('toy', { title: 'x' }, { actor: USER });
    await engine.send(s.instanceId, { type: 'SUBMIT' }, { actor: USER }); // creates a timer
    await engine.send(s.instanceId, { type: 'WITHDRAW' }, { actor: USER }); // cancels it
    const before = await snapshotOf(s.instanceId);
    const timersBefore = await t.db('timers').select();
    await expect(engine.send(s.instanceId, { type: 'FAIL' }, { actor: USER })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await snapshotOf(s.instanceId)).toEqual(before);
    expect(await count(t.db, 'workflow_history', { instance_id: s.instanceId })).toBe(3);
    expect(await t.db('timers').select()).toEqual(timersBefore);
    expect(await count(t.db, 'outbox')).toBe(0);
    expect((await verifyAll(engine, t.db)).problems).toEqual([]);
  });

  it('when a transition schedules or cancels a timer or writes an e-mail, then on PostgreSQL its writes are one statement with the history row and the instance', async () => {
    const { engine } = toyEngine(t.db);
    const s = await engine.start('toy', { title: 'x' }, { actor: USER });
    const sent = async (event: { type: string } & Record<string, unknown>) => statementsSent(t.db, () => engine.send(s.instanceId, event, { actor: USER }));
    // BEGIN, the locked read, the grouped write, COMMIT; on SQLite each write its own statement
    expect(await sent({ type: 'SUBMIT' })).toBe(kind === 'postgres' ? 4 : 6); // + the timer
    expect(await sent({ type: 'WITHDRAW' })).toBe(kind === 'postgres' ? 4 : 6); // + its cancellation
    expect(await sent({ type: 'MAIL', to: 'a@example.org' })).toBe(kind === 'postgres' ? 4 : 6); // + the e-mail
    expect((await t.db('timers').where({ instance_id: s.instanceId }).select('send_id', 'status')).map((r) => [r.send_id, r.status])).toEqual([['deadline', 'cancelled']]);
    expect((await t.db('outbox').where({ instance_id: s.instanceId }).select('to_addr', 'subject')).map((r) => [r.to_addr, r.subject])).toEqual([['a@example.org', 'x #0']]);
    expect((await verifyAll(engine, t.db)).problems).toEqual([]);
  });

  it('when a refused transition had gathered writes and its caller goes on in the same transaction, then none of them is written and the caller\'s own are', async () => {
    const { engine } = toyEngine(t.db);
    const s = await engine.start('toy', { title: 'x' }, { actor: USER });
    await t.db.transaction(async (trx) => {
      // FAIL writes an e-mail, then its next effect refuses
      await expect(engine.send(s.instanceId, { type: 'FAIL' }, { actor: USER, trx })).rejects.toMatchObject({ code: 'CONFLICT' });
      await enqueueMails(trx, [{ to: 'after@example.org', subject: 'after', text: 'after' }], '2026-03-02T01:00:00.000Z');
    });
    expect((await t.db('outbox').select('to_addr')).map((r) => r.to_addr)).toEqual(['after@example.org']);
    expect((await snapshotOf(s.instanceId)).version).toBe(1);
  });

  it('when the expected version is stale, then VERSION_CONFLICT and nothing is written', async () => {
    const { engine } = toyEngine(t.db);
    const s = await engine.start('toy', { title: 'x' }, { actor: USER });
    await engine.send(s.instanceId, { type: 'BUMP', by: 1 }, { actor: USER, expectedVersion: 1 });
    const before = await snapshotOf(s.instanceId);
    await expect(engine.send(s.instanceId, { type: 'BUMP', by: 1 }, { actor: USER, expectedVersion: 1 })).rejects.toMatchObject({
      code: 'VERSION_CONFLICT',
      status: 412,
    });
    expect(await snapshotOf(s.instanceId)).toEqual(before);
  });

  it('when a request is retried with the same idempotency key, then the same result and one history row', async () => {
    const { engine } = toyEngine(t.db);
    const s = await engine.start('toy', { title: 'x' }, { actor: USER });
    const a = await engine.send(s.instanceId, { type: 'BUMP', by: 3 }, { actor: USER, idempotencyKey: 'k-1' });
    const b = await engine.send(s.instanceId, { type: 'BUMP', by: 3 }, { actor: USER, idempotencyKey: 'k-1' });
    expect(b).toEqual({ ...a, replayed: true });
    expect(await count(t.db, 'workflow_history', { instance_id: s.instanceId, type: 'BUMP' })).toBe(1);
    const snap = (await engine.get(s.instanceId)).snapshot as { context: { count: number } };
    expect(snap.context.count).toBe(3);
    await expect(engine.send(s.instanceId, { type: 'SUBMIT' }, { actor: USER, idempotencyKey: 'k-1' })).rejects.toMatchObject({ code: 'INVALID' });
  });

  it('when an event is not allowed, forbidden or invalid, then it is refused with reasons and nothing changes', async () => {
    const { engine } = toyEngine(t.db);
    const s = await engine.start('toy', { title: 'x' }, { actor: USER });
    const before = await snapshotOf(s.instanceId);
    await expect(engine.send(s.instanceId, { type: 'APPROVE' }, { actor: BOSS })).rejects.toMatchObject({
      code: 'EVENT_NOT_ALLOWED',
      status: 409,
      reasons: [{ code: 'NOT_ALLOWED_IN_STATE' }],
    });
    await expect(engine.send(s.instanceId, { type: 'BUMP', by: 1 }, { actor: { id: 'z', role: 'nobody' } })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      reasons: [{ code: 'WRONG_ROLE' }],
    });
    await expect(engine.send(s.instanceId, { type: 'BUMP', by: 99 }, { actor: USER })).rejects.toMatchObject({
      code: 'INVALID',
      fields: { by: expect.any(String) },
    });
    await expect(engine.send('missing', { type: 'BUMP', by: 1 }, { actor: USER })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await snapshotOf(s.instanceId)).toEqual(before);
  });

  it('explains which events the actor may send now and why not the others', async () => {
    const { engine } = toyEngine(t.db);
    const s = await engine.start('toy', { title: 'x' }, { actor: USER });
    await engine.send(s.instanceId, { type: 'SUBMIT' }, { actor: USER });
    const ex = await engine.explain(s.instanceId, USER);
    const byType = Object.fromEntries(ex.map((e) => [e.type, e]));
    expect(byType.WITHDRAW).toMatchObject({ allowed: true, reasons: [] });
    expect(byType.APPROVE).toMatchObject({ allowed: false, reasons: [{ code: 'WRONG_ROLE' }] });
    expect(byType.BUMP).toMatchObject({ allowed: false, reasons: [{ code: 'NOT_ALLOWED_IN_STATE' }] });
  });

  it('when a timer falls due while no process runs, then it fires exactly once after restart', async () => {
    const first = toyEngine(t.db);
    const s = await first.engine.start('toy', { title: 'x', reviewDays: 2 }, { actor: USER });
    await first.engine.send(s.instanceId, { type: 'SUBMIT' }, { actor: USER });
    const [timer] = await t.db('timers').where({ instance_id: s.instanceId });
    expect(timer.status).toBe('pending');
    expect(Date.parse(timer.due_at) - first.clock.now().getTime()).toBe(2 * DAY_MS);
    // "Process down": the first engine is gone; a new one starts on a fresh pool after the deadline.
    const db2 = t.reopen();
    const second = toyEngine(db2);
    second.clock.set(first.clock.now().getTime() + 3 * DAY_MS);
    const worker = createTimerWorker({ db: db2, engine: second.engine, clock: second.clock });
    const sent: string[] = [];
    const record = (q: { sql: string }) => void sent.push(q.sql);
    db2.on('query', record);
    expect(await worker.runDue()).toEqual({ fired: 1, skipped: 0 });
    db2.off('query', record);
    // one transaction, no savepoint inside it
    expect(sent.filter((q) => /^\s*begin/i.test(q))).toHaveLength(1);
    expect(sent.filter((q) => /^\s*savepoint/i.test(q))).toEqual([]);
    expect(await worker.runDue()).toEqual({ fired: 0, skipped: 0 });
    expect((await second.engine.get(s.instanceId)).state).toBe('expired');
    expect(await count(db2, 'workflow_history', { instance_id: s.instanceId, type: 'DEADLINE' })).toBe(1);
    const h = await second.engine.history(s.instanceId);
    expect(h.at(-1)!.actor).toEqual({ id: 'system', role: 'system' });
  });

  it('when a timer is not due yet, then the worker leaves it', async () => {
    const { engine, clock } = toyEngine(t.db);
    const s = await engine.start('toy', { title: 'x', reviewDays: 1 }, { actor: USER });
    await engine.send(s.instanceId, { type: 'SUBMIT' }, { actor: USER });
    const worker = createTimerWorker({ db: t.db, engine, clock });
    clock.advance(DAY_MS - 1);
    expect(await worker.runDue()).toEqual({ fired: 0, skipped: 0 });
    clock.advance(1);
    expect(await worker.runDue()).toEqual({ fired: 1, skipped: 0 });
  });

  it('when the state that raised a timer is left, then the cancelled timer never fires', async () => {
    const { engine, clock } = toyEngine(t.db);
    const s = await engine.start('toy', { title: 'x' }, { actor: USER });
    await engine.send(s.instanceId, { type: 'SUBMIT' }, { actor: USER });
    await engine.send(s.instanceId, { type: 'WITHDRAW' }, { actor: USER });
    clock.advance(10 * DAY_MS);
    const worker = createTimerWorker({ db: t.db, engine, clock });
    expect(await worker.runDue()).toEqual({ fired: 0, skipped: 0 });
    expect((await t.db('timers').where({ instance_id: s.instanceId })).map((r) => r.status)).toEqual(['cancelled']);
    expect((await engine.get(s.instanceId)).state).toBe('open');
  });

  it('when a timer event is no longer accepted, then the timer is marked skipped and nothing else changes', async () => {
    const { engine, clock } = toyEngine(t.db);
    const s = await engine.start('toy', { title: 'x' }, { actor: USER });
    await engine.send(s.instanceId, { type: 'SUBMIT' }, { actor: USER });
    // Forge a stale timer that the machine will refuse (the instance is in review; APPROVE needs boss).
    await t.db('timers').insert({
      instance_id: s.instanceId, send_id: 'stale', event: JSON.stringify({ type: 'BUMP', by: 1 }),
      due_at: clock.now().toISOString(), status: 'pending', created_seq: 2, created_at: clock.now().toISOString(),
    });
    const worker = createTimerWorker({ db: t.db, engine, clock });
    expect(await worker.runDue()).toEqual({ fired: 0, skipped: 1 });
    const stale = await t.db('timers').where({ send_id: 'stale' }).first();
    expect(stale.status).toBe('skipped');
    expect(stale.note).toMatch(/^FORBIDDEN|^EVENT_NOT_ALLOWED/);
    expect((await engine.get(s.instanceId)).version).toBe(2);
  });

  it('when history is rewritten behind the engine, then verify names the instance and the row', async () => {
    const { engine } = toyEngine(t.db);
    const a = await engine.start('toy', { title: 'a' }, { actor: USER });
    const b = await engine.start('toy', { title: 'b' }, { actor: USER });
    await engine.send(b.instanceId, { type: 'BUMP', by: 1 }, { actor: USER });
    await engine.send(b.instanceId, { type: 'BUMP', by: 2 }, { actor: USER });
    await t.db('workflow_history').where({ instance_id: b.instanceId, seq: 2 }).update({ payload: JSON.stringify({ by: 9 }) });
    const report = await verifyAll(engine, t.db);
    expect(report.checked).toBe(2);
    expect(report.problems).toEqual([{ instanceId: b.instanceId, seq: 2, problem: 'row content does not match its hash' }]);
    // A snapshot edited behind the engine is caught by replay.
    await t.db('workflow_history').where({ instance_id: b.instanceId, seq: 2 }).update({ payload: JSON.stringify({ by: 1 }) });
    const snap = (await engine.get(a.instanceId)).snapshot as { context: { count: number } };
    snap.context.count = 42;
    await t.db('workflow_instances').where({ id: a.instanceId }).update({ snapshot: JSON.stringify(snap) });
    expect((await verifyAll(engine, t.db)).problems).toEqual([
      { instanceId: a.instanceId, problem: 'replayed snapshot differs from the stored snapshot' },
    ]);
  });

  it('when the last history row is deleted, then verify reports it', async () => {
    const { engine } = toyEngine(t.db);
    const a = await engine.start('toy', { title: 'a' }, { actor: USER });
    await engine.send(a.instanceId, { type: 'BUMP', by: 1 }, { actor: USER });
    await t.db('workflow_history').where({ instance_id: a.instanceId, seq: 2 }).delete();
    expect((await verifyAll(engine, t.db)).problems[0]).toMatchObject({ instanceId: a.instanceId, problem: expect.stringContaining('history has 1 rows') });
  });

  it('when a stored snapshot is of a workflow version with no migration, then it is refused', async () => {
    const { engine } = toyEngine(t.db);
    const a = await engine.start('toy', { title: 'a' }, { actor: USER });
    await t.db('workflow_instances').where({ id: a.instanceId }).update({ workflow_version: 0 });
    await expect(engine.send(a.instanceId, { type: 'BUMP', by: 1 }, { actor: USER })).rejects.toMatchObject({ code: 'WORKFLOW_VERSION' });
  });
});
