// What a transition writes of the read model beside its history, on every database: the waits rows
// (`workflow_waits`) are rewritten only when the description's key changes; a COMMENT touches
// neither them, the calendar nor the stage visits; an instance whose key is unknown (written before
// the key existed) is read and compared, and a party that waits on keeps its `since`; the rows always
// equal the workflow's own description.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { STORAGE_KINDS } from '../support/db.js';
import { api, goodsProject, U, type Api } from '../support/lifecycle.js';
import { waitsKey } from '../../src/engine/store.js';

const START = '2026-03-02T01:00:00.000Z'; // Monday 09:00 in Shanghai

describe.each(STORAGE_KINDS)('the waits rows kept by the engine on %s', (kind) => {
  let a: TestApp;
  let x: Api;
  beforeEach(async () => {
    a = await createTestApp({ kind, start: START });
    x = api(a);
  });
  afterEach(async () => {
    await a.close();
  });

  /** The statements sent while `fn` runs that name `table`. */
  async function statementsOn(tables: string[], fn: () => Promise<unknown>): Promise<string[]> {
    const seen: string[] = [];
    const listener = (q: { sql?: string }) => {
      if (typeof q.sql === 'string' && tables.some((t) => new RegExp(`["\`]${t}["\`]`).test(q.sql!))) seen.push(q.sql);
    };
    a.deps.db.on('query', listener);
    try {
      await fn();
    } finally {
      a.deps.db.removeListener('query', listener);
    }
    return seen;
  }

  const rows = async (id: string) =>
    (await a.deps.db('workflow_waits').where({ instance_id: id }).orderBy(['role', 'scope', 'tasks']).select('role', 'scope', 'excluded_user_id', 'tasks', 'since', 'deadline_at')) as Array<Record<string, unknown>>;

  /** The rows the workflow's description gives now, and the key stored on the instance. */
  async function described(id: string) {
    const inst = await a.deps.engine.get(id);
    const { wf, snapshot } = a.deps.engine.load(inst);
    const d = wf.describe!(snapshot, inst.updatedAt);
    const stored = (await a.deps.db('workflow_instances').where({ id }).first('waits_key')) as { waits_key: string | null };
    return {
      parties: d.waitingFor.map((w) => `${w.role}|${w.scope}|${w.excludedUserId ?? ''}|${w.tasks.join(',')}`).sort(),
      key: waitsKey(d.waitingFor, d.deadline?.at ?? null),
      storedKey: stored.waits_key,
    };
  }
  const partiesOf = (r: Array<Record<string, unknown>>) => r.map((w) => `${String(w.role)}|${String(w.scope)}|${String(w.excluded_user_id ?? '')}|${String(w.tasks)}`).sort();

  it('when a draft is commented, then no statement reads or writes its waits, the calendar or its stage visit; a change of stage replaces the rows without reading them', async () => {
    const p = await x.create(U.c1, goodsProject({ title: '爬楼机配置' }));
    const before = await rows(p.id);
    expect(before.length).toBeGreaterThan(0);
    a.clock.advance(60_000);
    const onComment = await statementsOn(['workflow_waits', 'calendar_overrides', 'stage_visits'], () => x.ok(U.c1, p.id, 'COMMENT', { text: '请补充售后安排。' }));
    expect(onComment).toEqual([]);
    expect(await rows(p.id)).toEqual(before);

    a.clock.advance(60_000);
    const onSubmit = await statementsOn(['workflow_waits'], () => x.ok(U.c1, p.id, 'SUBMIT'));
    // without a read: a delete and an insert, sent on PostgreSQL with the history row and the
    // instance as one statement (writeTogether)
    if (kind === 'postgres') {
      expect(onSubmit).toHaveLength(1);
      expect(onSubmit[0]).toMatch(/^with .*delete from "workflow_waits".*insert into "workflow_waits".*update "workflow_instances"/s);
    } else {
      expect(onSubmit.map((s) => s.trim().split(/\s+/)[0]!.toLowerCase())).toEqual(['delete', 'insert']);
    }
    const after = await rows(p.id);
    const d = await described(p.id);
    expect(partiesOf(after)).toEqual(d.parties);
    expect(d.storedKey).toBe(d.key);
    expect(after.every((r) => r.since === a.clock.now().toISOString())).toBe(true);
  });

  it('when an instance has no key (written before it existed), then the next event reads and compares, a party that waits on keeps its since, and the key is stored', async () => {
    const p = await x.create(U.c1, goodsProject({ title: '助行器具' }));
    a.clock.advance(60_000);
    await x.ok(U.c1, p.id, 'SUBMIT');
    const screening = await rows(p.id);
    const since = screening[0]!.since;
    await a.deps.db('workflow_instances').where({ id: p.id }).update({ waits_key: null });

    a.clock.advance(60_000);
    const onComment = await statementsOn(['workflow_waits'], () => x.ok(U.c1, p.id, 'COMMENT', { text: '已补充。' }));
    expect(onComment).toHaveLength(1); // the read; nothing changed, so nothing is written
    expect(onComment[0]!.trim().toLowerCase().startsWith('select')).toBe(true);
    expect(await rows(p.id)).toEqual(screening);
    expect(screening.every((r) => r.since === since)).toBe(true);
    const d = await described(p.id);
    expect(d.storedKey).toBe(d.key);

    // back to draft: the key names the screening parties, none of which waits on, so no read
    a.clock.advance(60_000);
    const onReturn = await statementsOn(['workflow_waits'], () => x.ok(U.c2, p.id, 'RETURN', { reason: '材料不全，请补充住户名单后再提交。' }));
    expect(onReturn.some((s) => s.trim().toLowerCase().startsWith('select'))).toBe(false);
    const back = await described(p.id);
    expect(partiesOf(await rows(p.id))).toEqual(back.parties);
  });

  it('when descriptions are rebuilt, then each instance gets the key of the rows written', async () => {
    const p = await x.create(U.c1, goodsProject({ title: '康复课程' }));
    await a.deps.db('workflow_instances').where({ id: p.id }).update({ described_version: 0, waits_key: null });
    expect(await a.deps.engine.rebuildDescriptions()).toBeGreaterThanOrEqual(1);
    const d = await described(p.id);
    expect(d.storedKey).toBe(d.key);
    expect(partiesOf(await rows(p.id))).toEqual(d.parties);
  });
});
