// A city's ten years (issue 13, item 1): the generator behind `weishishi seed --scale N`, at a size
// the suite can afford, through the real engine on every database — more streets than Xiangzhou's,
// each with its own communities and local vendors; projects in every one of the years; the past
// years settled (nearly all closed or turned down, a few stuck half-way), the last one spread over
// the states; verify and both ledger audits pass; and a second run continues without doubling.
import { afterEach, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/lib/clock.js';
import { STORY_SPAN_MS } from '../../src/demo/stories.js';
import { storiesStartFor } from '../../src/demo/year.js';
import { DEMO_PASSWORD } from '../../src/demo/seed.js';
import { cityStreets, generateCity, lastSettledYear } from '../../src/demo/city.js';
import { createRng } from '../../src/demo/generator/rng.js';
import { verifyAll } from '../../src/engine/verify.js';
import { auditProjectLedgers } from '../../src/projects/project-audit.js';
import { GENERATOR_KINDS } from '../support/db.js';
import { createTestApp, type TestApp } from '../support/app.js';

const TERMINAL = ['closed', 'rejected', 'withdrawn', 'cancelled'];

describe('the city generator', () => {
  it('when the last settled year is asked on a day, then it is the last year whose first quarter after it is over', () => {
    expect(lastSettledYear(Date.parse('2026-11-30T00:00:00Z'))).toBe(2025);
    expect(lastSettledYear(Date.parse('2026-03-01T00:00:00Z'))).toBe(2024);
  });

  it("when streets beyond Xiangzhou's are named, then every street and community has a name and id of its own, the same for the same seed", () => {
    const a = cityStreets(74, createRng('city'));
    expect(a).toHaveLength(64);
    const names = a.flatMap((s) => [s.nameZh, ...s.communities.map((c) => c.nameZh)]);
    const ids = a.flatMap((s) => [s.id, ...s.communities.map((c) => c.id)]);
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(ids).size).toBe(ids.length);
    expect(a.every((s) => s.communities.length >= 8 && s.communities.length <= 11)).toBe(true);
    expect(cityStreets(74, createRng('city'))).toEqual(a);
  });
});

describe.each(GENERATOR_KINDS)('a small city on %s', (kind) => {
  let a: TestApp | undefined;
  afterEach(async () => {
    await a?.close();
  });

  it('when a city is generated over three years through the engine, then every street has projects in every year, the past years are settled, the last one spreads, everything verifies and a second run adds nothing', async () => {
    const years = 3;
    const lastYear = 2021;
    // a few projects a street: the city's shape, not its size (`npm run bench` generates that)
    const projects = kind === 'better-sqlite3' ? 48 : 33;
    const streets = kind === 'better-sqlite3' ? 12 : 11;
    a = await createTestApp({ kind, seed: false, start: new Date(storiesStartFor(lastYear - years + 1, STORY_SPAN_MS)).toISOString() });
    const { deps, clock } = a;
    await deps.services.seedDemo({ stories: true });
    const yearDeps = { ...deps.services, db: deps.db, clock: clock as ManualClock, engine: deps.engine, timers: deps.timers };
    const seen = new Set<string>();
    const summary = await generateCity(yearDeps, { projects, lastYear, years, streets, onProgress: (p) => { if (p.phase === 'projects') seen.add(p.street); } });
    expect(summary).toMatchObject({ projects, generated: projects, streets, years: [2019, 2021], skippedStreets: 0 });
    expect(seen.size).toBe(streets);
    expect(Object.keys(summary.byYear)).toEqual(['2019', '2020', '2021']);

    const rows = (await deps.db('projects').where('budget_year', '>=', 2019).select('street_id', 'budget_year', 'state', 'community_id')) as Array<{ street_id: string; budget_year: number; state: string; community_id: string }>;
    expect(rows).toHaveLength(projects);
    expect(new Set(rows.map((r) => r.street_id)).size).toBe(streets);
    // the streets beyond Xiangzhou's have their own communities and local vendors
    expect(Number((await deps.db('streets').count({ n: '*' }).first())!.n)).toBe(streets);
    const local = (await deps.db('vendors').select('id')).map((v) => v.id as string).filter((id) => /^vd-.+-(fw|jz|sb)$/.test(id));
    expect(local).toHaveLength(3 * (streets - 10));
    // the generated log-ins sign in with the published demo password (its one hash serves them all)
    const generated = (await deps.db('users').where('email', 'like', 'street-%').orderBy('email').first('email'))!.email as string;
    expect((await deps.services.users.authenticate(generated, DEMO_PASSWORD)).email).toBe(generated);
    await expect(deps.services.users.authenticate(generated, 'not-the-password')).rejects.toThrow();

    // the years before last: finished or turned down, save the stuck few (last year's late projects
    // may still be on their way); the last year: spread over the open states
    const past = rows.filter((r) => Number(r.budget_year) < lastYear - 1);
    const open = past.filter((r) => !TERMINAL.includes(r.state) && r.state !== 'warranty');
    expect(open.length).toBeLessThanOrEqual(Math.ceil(past.length * 0.1));
    expect(past.filter((r) => r.state === 'closed').length).toBeGreaterThan(past.length / 2);
    const last = rows.filter((r) => Number(r.budget_year) === lastYear);
    // (each street deals its own few projects a year: a small city spreads less than one street's year)
    if (kind === 'better-sqlite3') expect(new Set(last.map((r) => r.state)).size).toBeGreaterThanOrEqual(2);
    expect(last.some((r) => !TERMINAL.includes(r.state))).toBe(true);

    // the money: every allocation covers its projects; the history verifies; both audits pass
    for (const al of await deps.services.ledger.allocations({})) expect(al.availableFen, `${al.communityId} ${al.year}`).toBeGreaterThanOrEqual(0);
    const report = await verifyAll(deps.engine, deps.db);
    expect(report.problems).toEqual([]);
    expect(await deps.services.ledger.audit()).toEqual([]);
    expect(await auditProjectLedgers(deps.db)).toEqual([]);

    // an interrupted run continues: the streets that have projects are skipped
    const again = await generateCity(yearDeps, { projects, lastYear, years, streets });
    expect(again).toMatchObject({ generated: 0, skippedStreets: streets, projects });
  }, 300_000);
});

describe('a city driven by several processes (seed --scale N --jobs J)', () => {
  const apps: TestApp[] = [];
  afterEach(async () => {
    for (const a of apps.splice(0)) await a.close();
  });

  it('when one process prepares the city and two shards drive alternate streets in either order, then the city is the one a single run makes, and it verifies', async () => {
    const years = 2;
    const lastYear = 2021;
    const projects = 30;
    const streets = 11;
    const city = async () => {
      const a = await createTestApp({ kind: 'better-sqlite3', seed: false, start: new Date(storiesStartFor(lastYear - years + 1, STORY_SPAN_MS)).toISOString() });
      apps.push(a);
      await a.deps.services.seedDemo({ stories: true });
      return { a, deps: { ...a.deps.services, db: a.deps.db, clock: a.clock as ManualClock, engine: a.deps.engine, timers: a.deps.timers } };
    };
    const outcome = async (a: TestApp) => ((await a.deps.db('projects').where('budget_year', '>=', lastYear - years + 1).select('street_id', 'title', 'state', 'approved_fen', 'paid_fen')) as Array<Record<string, unknown>>)
      .map((r) => `${r.street_id} ${r.title} ${r.state} ${r.approved_fen} ${r.paid_fen}`).sort();

    const one = await city();
    const whole = await generateCity(one.deps, { projects, lastYear, years, streets });

    const two = await city();
    const prepared = await generateCity(two.deps, { projects, lastYear, years, streets, prepareOnly: true });
    expect(prepared).toMatchObject({ generated: 0, projects: 0 });
    // every log-in exists before a shard starts: the shards only find them, never race to create one
    const logins = Number((await two.a.deps.db('users').count({ n: '*' }).first())!.n);
    const second = await generateCity(two.deps, { projects, lastYear, years, streets, shard: { index: 1, count: 2 } });
    const first = await generateCity(two.deps, { projects, lastYear, years, streets, shard: { index: 0, count: 2 } });
    expect(Number((await two.a.deps.db('users').count({ n: '*' }).first())!.n)).toBe(logins);
    expect(first.generated + second.generated).toBe(projects);
    expect(first.generated).toBeGreaterThan(0);
    expect(second.generated).toBeGreaterThan(0);
    expect(first).toMatchObject({ projects, byYear: whole.byYear, byState: whole.byState, byGroup: whole.byGroup });
    expect(await outcome(two.a)).toEqual(await outcome(one.a));
    expect((await verifyAll(two.a.deps.engine, two.a.deps.db)).problems).toEqual([]);
    expect(await auditProjectLedgers(two.a.deps.db)).toEqual([]);
  }, 300_000);
});
