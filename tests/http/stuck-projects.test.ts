// Where projects get stuck (issue 11, item 2), on a manual clock that starts on Monday 2026-09-28, so
// that ten working days cross the National Day holiday (1–7 October 2026; Saturday 10 October is a
// make-up working day): the stuck list holds exactly the hand-listed projects past their stage's
// expected end at each checkpoint, scoped and filtered by street and community; the medians and 90th
// percentiles equal the values computed here from the history rows; the migration's backfill from
// the history gives the same visits as the read model kept; the pages show the same.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { STORAGE_KINDS } from '../support/db.js';
import { api, DAY_MS, DELIBERATION_OK, GOOD_CHECKLIST, goodsProject, shanghaiDay, U, type Api } from '../support/lifecycle.js';
import { agentFor } from './pages-helpers.js';
import { createCalendar } from '../../src/lib/calendar.js';
import { DEFAULT_RULES, type Stage } from '../../workflows/project/index.js';
import * as stageVisitsMigration from '../../db/migrations/20261206120000_stage_visits.js';

// Monday 2026-09-28, 09:00 in Shanghai.
const START = '2026-09-28T01:00:00.000Z';
/** An instant given as Shanghai wall time. */
const sh = (local: string) => new Date(`${local}+08:00`).toISOString();

/** Type-7 percentile (interpolated between ranks), written out again here. */
function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * p;
  const lo = Math.floor(pos);
  return s[lo]! + (s[Math.ceil(pos)]! - s[lo]!) * (pos - lo);
}

describe.each(STORAGE_KINDS)('where projects get stuck on %s', (kind) => {
  let a: TestApp;
  let x: Api;
  /** fixture name → project id (the three the demo seeds are there from the start) */
  const id: Record<string, string> = {};

  const moveTo = async (local: string) => {
    const target = Date.parse(sh(local));
    const ms = target - a.clock.now().getTime();
    expect(ms).toBeGreaterThanOrEqual(0);
    await x.advance(ms);
  };
  const stuck = async (email: string, query = '') => {
    const res = await x.get(email, `/reports/stuck?pageSize=200${query}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as { stages: Array<{ stage: string; now: number; calendarDays: { n: number; median: number | null; p90: number | null }; workingDays: { n: number; median: number | null; p90: number | null } | null }>; projects: Array<{ id: string; stage: string; overdueDays: number; overdueWorkingDays: number | null; waitingFor: string[]; expectedEndAt: string }>; total: number };
  };
  const names = (body: { projects: Array<{ id: string }> }) => body.projects.map((p) => Object.keys(id).find((k) => id[k] === p.id) ?? p.id).sort();

  beforeAll(async () => {
    a = await createTestApp({ kind, start: START });
    x = api(a);
    // the demo's minimal set, seeded at START: a draft, one in screening, one in deliberation
    for (const p of (await x.get(U.district, '/projects?pageSize=200')).body.projects as Array<{ id: string; state: string }>) {
      id[{ draft: 'seedDraft', screening: 'seedScreening', deliberation: 'seedDeliberation' }[p.state]!] = p.id;
    }
    expect(Object.keys(id).sort()).toEqual(['seedDeliberation', 'seedDraft', 'seedScreening']);
    // haibin (吉大街道): in screening from START, nobody there to screen it
    id.haibin = (await x.create(U.c3, goodsProject({ title: '海滨社区助行器具' }))).id;
    await x.ok(U.c3, id.haibin, 'SUBMIT');
    // screened after two days, and after the holiday
    id.quick = (await x.create(U.c1, goodsProject({ title: '快速初审' }))).id;
    id.slow = (await x.create(U.c1, goodsProject({ title: '节后初审' }))).id;
    for (const k of ['quick', 'slow']) await x.ok(U.c1, id[k]!, 'SUBMIT');
    // to its public notice at once: 5 working days end on the make-up Saturday 10 October
    id.notice = (await x.create(U.c1, goodsProject({ title: '公示项目' }))).id;
    await x.ok(U.c1, id.notice, 'SUBMIT');
    await x.ok(U.c2, id.notice, 'SCREEN_PASS', { checklist: GOOD_CHECKLIST });
    const p = await x.ok(U.c1, id.notice, 'RECORD_DELIBERATION', { ...DELIBERATION_OK, heldOn: shanghaiDay(a) });
    expect(p.deadlines.noticeEndsAt).toBe(sh('2026-10-10T23:59:59.999'));

    await moveTo('2026-09-30T09:00:00');
    await x.ok(U.c2, id.quick, 'SCREEN_PASS', { checklist: GOOD_CHECKLIST });
    await moveTo('2026-10-09T15:00:00');
    await x.ok(U.c2, id.slow, 'SCREEN_PASS', { checklist: GOOD_CHECKLIST });
    // the notice ends: street review from Sunday 11 October 00:30, ten working days to Friday 23 October
    await moveTo('2026-10-11T00:30:00');
    expect((await x.project(U.c1, id.notice)).state).toBe('street_review');
  });
  afterAll(async () => {
    await a?.close();
  });

  it('when ten working days cross the National Day holiday, then no project is stuck on 14 October (a count of calendar days or weekdays would say so)', async () => {
    await moveTo('2026-10-14T10:00:00');
    const body = await stuck(U.district);
    expect(names(body)).toEqual([]);
    expect(body.total).toBe(0);
  });

  it('on Saturday 17 October, the two projects in screening since 28 September are stuck (10 working days ended on Friday 16), waiting for their community', async () => {
    await moveTo('2026-10-17T10:00:00');
    const body = await stuck(U.district);
    expect(names(body)).toEqual(['haibin', 'seedScreening']);
    expect(body.total).toBe(2);
    for (const p of body.projects) {
      expect(p).toMatchObject({ stage: 'screening', expectedEndAt: sh('2026-10-16T23:59:59.999'), overdueDays: 1, overdueWorkingDays: 0, waitingFor: ['community'] });
    }
  });

  it('on Monday 26 October the street review is stuck too; scoped to the street, the community, and filtered by place', async () => {
    await moveTo('2026-10-26T10:00:00');
    const body = await stuck(U.district);
    expect(names(body)).toEqual(['haibin', 'notice', 'seedScreening']);
    const review = body.projects.find((p) => p.id === id.notice)!;
    expect(review).toMatchObject({ stage: 'street_review', expectedEndAt: sh('2026-10-23T23:59:59.999'), overdueDays: 3, overdueWorkingDays: 1, waitingFor: ['street'] });
    expect(body.projects.find((p) => p.id === id.haibin)).toMatchObject({ overdueDays: 10, overdueWorkingDays: 6 });
    // the street's staff see their street's (莲花 is in 拱北); the community sees its own
    expect(names(await stuck(U.street))).toEqual(['notice', 'seedScreening']);
    expect(names(await stuck(U.c3))).toEqual(['haibin']);
    expect(names(await stuck(U.district, '&communityId=cm-haibin'))).toEqual(['haibin']);
    expect(names(await stuck(U.district, '&streetId=st-gongbei'))).toEqual(['notice', 'seedScreening']);
    // a street user asking for another street sees nothing of it
    expect(names(await stuck(U.street, '&streetId=st-jida'))).toEqual([]);
    // paged, with the true count
    const first = await x.get(U.district, '/reports/stuck?pageSize=2');
    expect([first.body.projects.length, first.body.total]).toEqual([2, 3]);
    // vendors do not monitor; a bad query is refused naming its fields, in the caller's language
    expect((await x.get(U.v1, '/reports/stuck')).status).toBe(403);
    const bad = await x.get(U.district, `/reports/stuck?page=abc&year=1e400&streetId=${'x'.repeat(101)}&pageSize=500`);
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('INVALID');
    expect(Object.keys(bad.body.error.fields).sort()).toEqual(['page', 'pageSize', 'streetId', 'year']);
    const badEn = await x.get(U.district, '/reports/stuck?streetId=a&streetId=b', { 'accept-language': 'en' });
    expect(badEn.status).toBe(422);
    for (const m of Object.values(badEn.body.error.fields) as string[]) expect(m).toMatch(/^[\x20-\x7e]+$/);
  });

  it('on 29 October, the draft and the deliberation of 28 September are past their 30 calendar days; the one in deliberation since 30 September is not', async () => {
    await moveTo('2026-10-29T10:00:00');
    const body = await stuck(U.district);
    expect(names(body)).toEqual(['haibin', 'notice', 'seedDeliberation', 'seedDraft', 'seedScreening']);
    expect(body.projects.find((p) => p.id === id.seedDraft)).toMatchObject({ expectedEndAt: sh('2026-10-28T23:59:59.999'), overdueDays: 1, overdueWorkingDays: null });
  });

  it('the counts per stage, and the medians and 90th percentiles of 2026 equal those computed from the history rows', async () => {
    const body = await stuck(U.district, '&year=2026');
    const cal = createCalendar();
    const days = new Map<string, { calendar: number[]; working: number[] }>();
    const now = new Map<string, number>();
    for (const pid of Object.values(id)) {
      const history = (await x.get(U.district, `/projects/${pid}/history`)).body.history as Array<{ from: string | null; to: string; at: string }>;
      let open: { stage: string; at: string } | null = null;
      for (const h of history) {
        if (h.from !== null && h.from === h.to) continue;
        if (open) {
          const d = days.get(open.stage) ?? { calendar: [], working: [] };
          d.calendar.push((Date.parse(h.at) - Date.parse(open.at)) / DAY_MS);
          if (DEFAULT_RULES.stageDays[open.stage as Stage]?.working) d.working.push(cal.workingDaysBetween(open.at, h.at));
          days.set(open.stage, d);
        }
        open = { stage: h.to, at: h.at };
      }
      now.set(open!.stage, (now.get(open!.stage) ?? 0) + 1);
    }
    expect(days.get('screening')!.calendar.length).toBe(4); // quick, slow, notice, and the seeded deliberation
    for (const s of body.stages) {
      expect(s.now, s.stage).toBe(now.get(s.stage) ?? 0);
      const d = days.get(s.stage);
      expect(s.calendarDays.n, s.stage).toBe(d?.calendar.length ?? 0);
      if (d?.calendar.length) {
        expect(s.calendarDays.median!, s.stage).toBeCloseTo(pct(d.calendar, 0.5), 2);
        expect(s.calendarDays.p90!, s.stage).toBeCloseTo(pct(d.calendar, 0.9), 2);
      }
      if (d?.working.length) {
        expect(s.workingDays, s.stage).toEqual({ n: d.working.length, median: Math.round(pct(d.working, 0.5) * 100) / 100, p90: Math.round(pct(d.working, 0.9) * 100) / 100 });
      } else {
        expect(s.workingDays, s.stage).toBeNull();
      }
    }
    // the one screened after the holiday took 11 calendar days but 4 working days (29, 30 Sep; 8, 9 Oct)
    expect(days.get('screening')!.working).toContain(4);
    // nothing left a stage in 2025
    expect((await stuck(U.district, '&year=2025')).stages.every((s) => s.calendarDays.n === 0)).toBe(true);
  });

  it('the migration, run again, backfills from the history the same visits the read model kept', async () => {
    const cols = ['project_id', 'stage', 'entered_at', 'left_at', 'left_year', 'street_id', 'community_id', 'budget_year', 'expected_end_at', 'basis'];
    // visits entered at the same instant (one request's transitions) have no order but their ids: compared as sets
    const read = async () => (await a.deps.db('stage_visits').select(cols))
      .map((r) => ({ ...r, left_year: r.left_year === null ? null : Number(r.left_year), budget_year: Number(r.budget_year) }))
      .sort((p, q) => JSON.stringify(p).localeCompare(JSON.stringify(q)));
    // a past stay's own deadline (a notice's end …) lives only in the events: the backfill leaves it out
    const own = ['public_notice', 'confirmation_notice', 'acceptance_notice', 'procurement.quoting', 'delivery', 'warranty'];
    const kept = (await read()).map((r) => (r.left_at !== null && own.includes(r.stage) ? { ...r, expected_end_at: null, basis: null } : r))
      .sort((p, q) => JSON.stringify(p).localeCompare(JSON.stringify(q)));
    expect(kept.length).toBeGreaterThan(Object.keys(id).length);
    await stageVisitsMigration.down(a.deps.db);
    await stageVisitsMigration.up(a.deps.db);
    expect(await read()).toEqual(kept);
  });

  it('the monthly page lists what the street must chase, and what moved that month', async () => {
    const street = await agentFor(a, U.street);
    const res = await street.get('/monitoring?month=2026-10');
    expect(res.status).toBe(200);
    const refs = async (k: string) => (await x.project(U.district, id[k]!)).ref;
    for (const k of ['notice', 'seedScreening', 'seedDraft', 'seedDeliberation']) expect(res.text).toContain(await refs(k));
    expect(res.text).not.toContain(await refs('haibin'));
    expect(res.text).toContain('街道办'); // whom the street review waits for (roleNames.street)
    // September: nothing was stuck at its end; what entered a stage is listed
    const sep = await street.get('/monitoring?month=2026-09');
    expect(sep.status).toBe(200);
    expect(sep.text).toContain(await refs('quick'));
    // the stages page, in English too
    expect((await street.get('/monitoring/stages?year=2026')).status).toBe(200);
    expect((await street.get('/monitoring/stages?year=2026&lang=en')).status).toBe(200);
    expect((await street.get('/monitoring?month=2026-13')).status).toBe(422);
    const vendor = await agentFor(a, U.v1);
    expect((await vendor.get('/monitoring')).status).toBe(403);
  });

  it('an EDIT of the budget year within the stage moves the open visit to that year; a COMMENT leaves it', async () => {
    expect(DEFAULT_RULES.budgetYearsAhead).toBeGreaterThanOrEqual(1);
    const p = await x.create(U.c1, goodsProject({ title: '跨年度预算的草稿' }));
    const visits = async () => (await a.deps.db('stage_visits').where({ project_id: p.id }).orderBy('id').select('stage', 'budget_year', 'left_at'))
      .map((r) => ({ stage: r.stage as string, budgetYear: Number(r.budget_year), open: r.left_at === null }));
    const year = Number(shanghaiDay(a).slice(0, 4));
    expect(await visits()).toEqual([{ stage: 'draft', budgetYear: year, open: true }]);
    await x.ok(U.c1, p.id, 'COMMENT', { text: '预算年度待定' });
    expect(await visits()).toEqual([{ stage: 'draft', budgetYear: year, open: true }]);
    await x.ok(U.c1, p.id, 'EDIT', { fields: { budgetYear: year + 1 } });
    expect(await visits()).toEqual([{ stage: 'draft', budgetYear: year + 1, open: true }]);
    await x.ok(U.c1, p.id, 'SUBMIT');
    expect(await visits()).toEqual([{ stage: 'draft', budgetYear: year + 1, open: false }, { stage: 'screening', budgetYear: year + 1, open: true }]);
  });
});
