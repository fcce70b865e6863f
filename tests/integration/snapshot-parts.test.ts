// Shared snapshot parts (src/engine/parts.ts): a project's programme rules are stored once per
// content, the instance row names them by their sha256, and every reader — the engine, verify, the
// pages — gets the rules in place. verify checks the parts themselves: a part changed or removed in
// the database is found even while a process still holds its copy. Rows written before parts keep
// their rules inline and read, run and verify as before.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dehydrate, partHash, PART_KEY } from '../../src/engine/parts.js';
import { verifyAll } from '../../src/engine/verify.js';
import type { ProgrammeRules } from '../../workflows/project/index.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { STORAGE_KINDS } from '../support/db.js';
import { api, goodsProject, U, type Api } from '../support/lifecycle.js';

describe.each(STORAGE_KINDS)('shared snapshot parts on %s', (kind) => {
  let app: TestApp;
  let a: Api;
  const ids: string[] = [];

  const raw = async (id: string) => {
    const r = (await app.deps.db('workflow_instances').where({ id }).first('snapshot')) as { snapshot: string | object };
    return (typeof r.snapshot === 'string' ? JSON.parse(r.snapshot) : r.snapshot) as { context: Record<string, unknown> };
  };
  const rulesRef = async (id: string) => ((await raw(id)).context.rules as Record<string, string>)[PART_KEY];
  const partCount = async (hash?: string) =>
    Number(((await (hash ? app.deps.db('snapshot_parts').where({ hash }) : app.deps.db('snapshot_parts')).count<{ n: number }[]>({ n: '*' })))[0]!.n);
  const problems = async () => (await verifyAll(app.deps.engine, app.deps.db)).problems.map((p) => p.problem);

  beforeAll(async () => {
    app = await createTestApp({ kind });
    a = api(app);
    for (let i = 0; i < 3; i++) ids.push((await a.create(U.c1, goodsProject({ title: `共享规则项目${i}` }))).id);
  }, 60_000);
  afterAll(async () => app?.close());

  it('when projects start under the same rules, then each row names one stored part, and the engine hands out the rules in place', async () => {
    const rules = await app.deps.services.rules.current('xz');
    const refs = await Promise.all(ids.map(rulesRef));
    expect(new Set(refs).size).toBe(1);
    expect(refs[0]).toBe(partHash(rules));
    expect(await partCount(refs[0])).toBe(1);
    // the row no longer carries the rules: it is a fraction of its old size
    const stored = JSON.stringify(await raw(ids[0]!));
    expect(stored.length).toBeLessThan(JSON.stringify(rules).length);
    const instance = await app.deps.engine.get(ids[0]!);
    expect((instance.snapshot as { context: { rules: ProgrammeRules } }).context.rules).toEqual(rules);
    // one copy serves every project, and nothing can change it
    const held = (instance.snapshot as { context: { rules: ProgrammeRules } }).context.rules;
    expect(Object.isFrozen(held) && Object.isFrozen(held.capsFen)).toBe(true);
    expect(() => {
      (held.capsFen as { goods: number }).goods = 1;
    }).toThrow(TypeError);
    // a transition keeps the reference, and the page shows the rules' figures
    await a.ok(U.c1, ids[0]!, 'COMMENT', { text: '请补充售后安排。' });
    expect(await rulesRef(ids[0]!)).toBe(refs[0]);
    expect(await problems()).toEqual([]);
  });

  it('when the district publishes new rules, then a project started under them names another part, and the older keep theirs', async () => {
    const current = await app.deps.services.rules.current('xz');
    const v = await app.deps.services.rules.publish('xz', { ...current, capsFen: { ...current.capsFen, goods: current.capsFen.goods + 100 } }, null, '货物类上限调整');
    const newer = (await a.create(U.c1, goodsProject({ title: '新规则项目' }))).id;
    ids.push(newer);
    const [old, now] = [await rulesRef(ids[0]!), await rulesRef(newer)];
    expect(now).not.toBe(old);
    expect(now).toBe(partHash(v.rules));
    expect(((await app.deps.engine.get(newer)).snapshot as { context: { rules: ProgrammeRules } }).context.rules.capsFen.goods).toBe(current.capsFen.goods + 100);
    expect(await problems()).toEqual([]);
  });

  it('when a row still holds its rules inline (written before parts), then it loads, takes the next event, and is stored with a reference', async () => {
    const id = ids[1]!;
    const full = (await app.deps.engine.get(id)).snapshot;
    await app.deps.db('workflow_instances').where({ id }).update({ snapshot: JSON.stringify(full) });
    expect(typeof ((await raw(id)).context.rules as { capsFen?: unknown }).capsFen).toBe('object');
    expect(await problems()).toEqual([]);
    await a.ok(U.c1, id, 'COMMENT', { text: '旧行也能继续办理。' });
    expect(await rulesRef(id)).toBe(await rulesRef(ids[0]!));
    expect(await problems()).toEqual([]);
  });

  it('when the transaction that wrote a new part rolls back, then the part is not stored', async () => {
    const novel = { ...(await app.deps.services.rules.current('xz')), note: 'never committed' };
    const hash = partHash(novel);
    await expect(app.deps.db.transaction(async (trx) => {
      expect(await dehydrate(trx, { rules: novel }, ['rules'], app.clock.now().toISOString())).toEqual({ rules: { [PART_KEY]: hash } });
      throw new Error('roll back');
    })).rejects.toThrow('roll back');
    expect(await partCount(hash)).toBe(0);
  });

  it('when a part is changed or removed in the database, then verify names it, though this process still holds its copy', async () => {
    const hash = (await rulesRef(ids[0]!))!;
    const before = (await app.deps.db('snapshot_parts').where({ hash }).first('json')) as { json: string };
    const changed = JSON.parse(before.json) as ProgrammeRules;
    changed.capsFen.goods = 1;
    await app.deps.db('snapshot_parts').where({ hash }).update({ json: JSON.stringify(changed) });
    expect(await problems()).toContain('the snapshot part does not match its key');
    await app.deps.db('snapshot_parts').where({ hash }).del();
    const naming = (await app.deps.db('workflow_instances').where({ workflow: 'project' }).pluck('id')) as string[];
    const expected = (await Promise.all(naming.map(rulesRef))).filter((h) => h === hash).length;
    expect(expected).toBeGreaterThanOrEqual(ids.length - 1); // ours, all but the one under the newer rules, and the demo's
    const missing = await problems();
    expect(missing.filter((p) => p === `snapshot part ${hash} is missing`).length).toBe(expected);
    await app.deps.db('snapshot_parts').insert({ hash, json: before.json, created_at: app.clock.now().toISOString() });
    expect(await problems()).toEqual([]);
  });
});
