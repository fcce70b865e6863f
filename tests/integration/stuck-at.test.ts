// The stuck list at a moment (src/monitoring/stage-visits.ts stuckAt), on every database: over
// hand-made stays — still open, ended before the moment, ended after it, not yet begun — the list
// and its count are exactly the stays a plain filter over all of them gives, at the present moment
// (open stays only) and at the end of a past month (open stays and those that ended after it),
// scoped to a street, and paged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { STORAGE_KINDS } from '../support/db.js';
import { DEMO_IDS } from '../../src/demo/seed.js';
import { stuckAt } from '../../src/monitoring/stage-visits.js';

const D = 86_400_000;
const T = Date.parse('2026-06-01T00:00:00.000Z');
const at = (days: number) => new Date(T + days * D).toISOString();
const PLACES = [
  { street: DEMO_IDS.streets.gongbei, community: DEMO_IDS.communities.lianhua },
  { street: DEMO_IDS.streets.jida, community: DEMO_IDS.communities.haibin },
];

interface Stay { project: string; stage: string; street: string; enteredAt: string; leftAt: string | null; expectedEndAt: string }

describe.each(STORAGE_KINDS)('the stuck list at a moment on %s', (kind) => {
  let a: TestApp;
  const stays: Stay[] = [];

  beforeAll(async () => {
    a = await createTestApp({ kind, start: at(400) }); // after every stay has begun, and every closed one ended
    const db = a.deps.db;
    let seed = 5;
    const rnd = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 4294967296;
    };
    for (let i = 0; i < 60; i++) {
      const id = `stuck-${String(i).padStart(3, '0')}`;
      const place = PLACES[i % 2]!;
      await db('workflow_instances').insert({ id, workflow: 'project', workflow_version: 1, state: 'screening', status: 'active', snapshot: '{}', version: 1, history_head: '0'.repeat(64), created_at: at(0), updated_at: at(0), described_version: 1 });
      await db('projects').insert({
        id, ref: `XZ-2026-S${String(i).padStart(3, '0')}`, district_id: DEMO_IDS.district, street_id: place.street, community_id: place.community, year: 2026, budget_year: 2026,
        type: 'goods', category: '助行', title: `卡住 ${i}`, estimated_fen: 100_000, paid_fen: 0, state: 'screening', stage_entered_at: at(0), rules_version: 1, created_by: 'seed', created_at: at(0), updated_at: at(0),
      });
      // two or three stays in a row, each 5–60 days, the last one open for some projects
      let t = Math.floor(rnd() * 150);
      const n = 2 + (i % 2);
      for (let k = 0; k < n; k++) {
        const len = 5 + Math.floor(rnd() * 55);
        const open = k === n - 1 && i % 3 !== 0;
        const stay: Stay = { project: id, stage: ['screening', 'deliberation', 'street_review'][k]!, street: place.street, enteredAt: at(t), leftAt: open ? null : at(t + len), expectedEndAt: at(t + 10 + Math.floor(rnd() * 20)) };
        stays.push(stay);
        await db('stage_visits').insert({
          project_id: id, stage: stay.stage, entered_at: stay.enteredAt, left_at: stay.leftAt, left_year: stay.leftAt ? 2026 : null, district_id: DEMO_IDS.district,
          street_id: place.street, community_id: place.community, budget_year: 2026, expected_end_at: stay.expectedEndAt, working: false, basis: 'stageDays',
        });
        t += len;
      }
    }
  });
  afterAll(async () => {
    await a.close();
  });

  /** What a plain filter over every stay gives, in the list's order. */
  const expected = (asOf: string, street?: string) =>
    stays
      .filter((s) => s.expectedEndAt < asOf && s.enteredAt <= asOf && (s.leftAt === null || s.leftAt > asOf) && (!street || s.street === street))
      .sort((x, y) => (x.expectedEndAt < y.expectedEndAt ? -1 : x.expectedEndAt > y.expectedEndAt ? 1 : x.project < y.project ? -1 : 1))
      .map((s) => `${s.project}/${s.stage}`);
  const got = async (asOf: string, present: boolean, street?: string, page = { page: 1, pageSize: 500 }) => {
    const r = await stuckAt(a.deps.db, asOf, null, street ? { streetId: street } : {}, page, { present });
    return { ids: r.rows.map((v) => `${v.projectId}/${v.stage}`), total: r.total };
  };

  it('when asked now, then the open stays past their expected end, and no stay has ended after now', async () => {
    const now = a.clock.now().toISOString();
    const want = expected(now);
    expect(stays.some((s) => s.leftAt !== null && s.leftAt > now)).toBe(false);
    expect(want.length).toBeGreaterThan(10);
    expect(await got(now, true)).toEqual({ ids: want, total: want.length });
  });

  it('when asked at the end of a past month, then also the stays that ended after it; scoped to a street and paged, the same', async () => {
    for (const asOf of [at(60), at(90), at(121)]) {
      const want = expected(asOf);
      expect(want.length, asOf).toBeGreaterThan(0);
      expect(stays.some((s) => s.leftAt !== null && s.leftAt > asOf && s.expectedEndAt < asOf && s.enteredAt <= asOf)).toBe(true);
      expect(await got(asOf, false)).toEqual({ ids: want, total: want.length });
      const street = expected(asOf, DEMO_IDS.streets.jida);
      expect(await got(asOf, false, DEMO_IDS.streets.jida)).toEqual({ ids: street, total: street.length });
      const second = await got(asOf, false, undefined, { page: 2, pageSize: 3 });
      expect(second).toEqual({ ids: want.slice(3, 6), total: want.length });
    }
  });
});
