// Issue 11, "What it must show", on the whole demo year: `seed --demo-year 2021` (the demo district,
// then 900 projects driven through the real engine on the sandbox clock; about three minutes on
// SQLite, so on better-sqlite3 only — the same generator runs at a smaller size on every database in
// demo-year.test.ts). Then:
// - GET /api/v1/reports/summary?year=2021&groupBy=group shows 残疾人 with 264 confirmed and
//   1,105,750,000 fen approved, and the statistics pages show ¥1,105.75万 (zh-CN) and
//   ¥11,057,500.00 (en);
// - the report's totals for every group equal figures recomputed from the history events alone;
// - every project that reached its first public notice, in whatever state, publishes an OCDS release
//   that validates against the 1.1.5 release schema; the others answer 404; the year's package
//   validates against the release-package schema.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { api, U, type Api } from '../support/lifecycle.js';
import { validators } from '../support/ocds.js';
import { expectReportMatchesHistory } from '../support/recount.js';
import { STORY_SPAN_MS } from '../../src/demo/stories.js';
import { DEMO_YEAR_PROJECTS, demoYearTargets, generateYear, storiesStartFor } from '../../src/demo/year.js';
import type { ManualClock } from '../../src/lib/clock.js';

describe('the demo year 2021, whole', () => {
  let app: TestApp;
  let a: Api;

  beforeAll(async () => {
    app = await createTestApp({ kind: 'better-sqlite3', seed: false, start: new Date(storiesStartFor(2021, STORY_SPAN_MS)).toISOString() });
    a = api(app);
    expect((await app.deps.services.seedDemo({ stories: true })).created).toBe(true);
    const { deps } = app;
    await generateYear(
      { ...deps.services, db: deps.db, clock: app.clock as ManualClock, engine: deps.engine, timers: deps.timers },
      { year: 2021, projects: DEMO_YEAR_PROJECTS, groupTargets: demoYearTargets(2021, DEMO_YEAR_PROJECTS) },
    );
  }, 900_000);
  afterAll(async () => app?.close());

  it('when the summary is asked by group, then 残疾人 shows 264 confirmed and 1,105,750,000 fen approved, and the statistics pages say ¥1,105.75万 and ¥11,057,500.00', async () => {
    const res = await a.get(U.district, '/reports/summary?year=2021&groupBy=group');
    expect(res.status).toBe(200);
    const disabled = (res.body.rows as Array<{ key: string; confirmed: number; approvedFen: number }>).find((r) => r.key === '残疾人')!;
    expect(disabled).toMatchObject({ confirmed: 264, approvedFen: 1_105_750_000 });
    for (const path of ['/public/stats?year=2021', '/public/stats?year=2021&lang=en']) {
      const page = await app.http.get(path);
      expect(page.status, path).toBe(200);
      expect(page.text, path).toContain(path.endsWith('en') ? '¥11,057,500.00' : '¥1,105.75万');
    }
  });

  it('when the report totals are recomputed from the history events alone, then every group agrees', async () => {
    await expectReportMatchesHistory(app, 2021);
  });

  it('when every project of the year is asked for its open data, then each public one validates as an OCDS 1.1.5 release, the others answer 404, and the year package validates', async () => {
    const v = validators();
    const projects = await app.deps.db('projects').where({ budget_year: 2021 }).select('id', 'public_since', 'state');
    expect(projects.length).toBeGreaterThanOrEqual(DEMO_YEAR_PROJECTS);
    let published = 0;
    const states = new Set<string>();
    for (const p of projects) {
      const res = await app.http.get(`/api/v1/projects/${p.id}/ocds`);
      if (p.public_since === null) {
        expect(res.status, `${p.id} (${p.state}) never public`).toBe(404);
        continue;
      }
      expect(res.status, `${p.id} (${p.state})`).toBe(200);
      v.releasePackage(res.body, `${p.id} (${p.state})`);
      for (const r of res.body.releases) v.release(r, `${p.id} (${p.state})`);
      published++;
      states.add(p.state as string);
    }
    expect(published).toBeGreaterThan(DEMO_YEAR_PROJECTS / 2);
    expect(states.size).toBeGreaterThanOrEqual(12);
    const year = await app.http.get('/api/v1/ocds/2021.json');
    expect(year.status).toBe(200);
    v.releasePackage(year.body, 'the 2021 package');
    expect(year.body.releases).toHaveLength(published);
  }, 600_000);
});
