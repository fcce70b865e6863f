// Issue 9 item 5: an Idempotency-Key is bound to its body, a replay answers what the first request
// answered, and anonymous callers' keys are ignored. On every database kind.
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { STORAGE_KINDS } from '../support/db.js';
import { api, DELIBERATION_OK, GOOD_CHECKLIST, goodsProject, shanghaiDay, U } from '../support/lifecycle.js';

describe.each(STORAGE_KINDS)('idempotency keys on %s', (kind) => {
  let a: TestApp | undefined;
  afterEach(async () => {
    await a?.close();
    a = undefined;
  });

  const historyOf = async (app: TestApp, id: string) => app.deps.db('workflow_history').where({ instance_id: id }).orderBy('seq');

  it('when a key is reused with another body, then 422 IDEMPOTENCY_KEY_REUSED and nothing changes; a replay answers the project as it was then', async () => {
    a = await createTestApp({ kind });
    const x = api(a);
    const p = await x.create(U.c1, goodsProject());
    const first = await x.send(U.c1, p.id, 'COMMENT', { text: '第一次' }, { 'Idempotency-Key': 'k-body' });
    expect(first.status).toBe(200);
    const before = await historyOf(a, p.id);

    // Same key, same project and event type, another text: refused, and the second text is not lost silently.
    const other = await x.send(U.c1, p.id, 'COMMENT', { text: '另一段话' }, { 'Idempotency-Key': 'k-body' });
    expect(other.status).toBe(422);
    expect(other.body.error.reasons.map((r: { code: string }) => r.code)).toContain('IDEMPOTENCY_KEY_REUSED');
    expect(await historyOf(a, p.id)).toEqual(before);

    // The project moves on; a retry of the first request still gets the first answer.
    await x.ok(U.c1, p.id, 'EDIT', { fields: { title: '改过的标题' } });
    const replay = await x.send(U.c1, p.id, 'COMMENT', { text: '第一次' }, { 'Idempotency-Key': 'k-body' });
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers.etag).toBe(first.headers.etag);
    expect(replay.body.project.title).not.toBe('改过的标题');
    expect((await historyOf(a, p.id)).filter((h: { type: string }) => h.type === 'COMMENT')).toHaveLength(1);
    // Whitespace the validation trims is the same body.
    expect((await x.send(U.c1, p.id, 'COMMENT', { text: ' 第一次 ' }, { 'Idempotency-Key': 'k-body' })).body).toEqual(first.body);
    const row = await a.deps.db('idempotency_keys').where({ key: 'k-body' }).first();
    expect(row.body_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('when two residents object anonymously under the same key, then both objections are kept and no key is stored', async () => {
    a = await createTestApp({ kind });
    const x = api(a);
    const p = await x.create(U.c1, goodsProject());
    await x.ok(U.c1, p.id, 'SUBMIT');
    await x.ok(U.c2, p.id, 'SCREEN_PASS', { checklist: GOOD_CHECKLIST });
    await x.ok(U.c1, p.id, 'RECORD_DELIBERATION', { ...DELIBERATION_OK, heldOn: shanghaiDay(a) });
    expect((await x.send(null, p.id, 'OBJECT', { text: '第一位居民的异议' }, { 'Idempotency-Key': 'same' })).status).toBe(200);
    expect((await x.send(null, p.id, 'OBJECT', { text: '第二位居民的异议' }, { 'Idempotency-Key': 'same' })).status).toBe(200);
    const view = await x.project(U.c1, p.id);
    expect((view.objections as Array<{ text: string }>).map((o) => o.text)).toEqual(['第一位居民的异议', '第二位居民的异议']);
    expect(await a.deps.db('idempotency_keys').where({ actor_id: 'anonymous' })).toHaveLength(0);
  });

  it('when the public objects through the API to a project that is not public yet, then 404, as on the page, and nothing is recorded', async () => {
    a = await createTestApp({ kind });
    const x = api(a);
    const p = await x.create(U.c1, goodsProject());
    const before = await historyOf(a, p.id);
    const res = await x.send(null, p.id, 'OBJECT', { text: '还在草稿' });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
    expect(JSON.stringify(res.body)).not.toContain('draft');
    expect(await historyOf(a, p.id)).toEqual(before);
  });
});
