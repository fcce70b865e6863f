// A real year (issue 11, item 6): the generator behind `weishishi seed --demo-year 2021` and
// `seed --scale N`. The full 2021 run (900 projects, ~18,000 events) takes minutes, too long for the
// suite: here its plan is checked for Xiangzhou's exact figures (264 confirmed 残疾人 projects
// approving 1,105,750,000 fen), and a scaled year with its own exact target is driven through the
// real engine on every database, then recounted from the history events, verified and audited.
import { afterEach, describe, expect, it } from 'vitest';
import { createCalendar } from '../../src/lib/calendar.js';
import { ManualClock } from '../../src/lib/clock.js';
import { STORY_SPAN_MS } from '../../src/demo/stories.js';
import { TEMPLATES, templatesFor } from '../../src/demo/generator/catalogue.js';
import { createOfficeHours } from '../../src/demo/generator/time.js';
import { allCommunities } from '../../src/demo/generator/xiangzhou.js';
import {
  APPROVED, CONFIRMED, distributeExact, planYear, type GroupTarget,
} from '../../src/demo/generator/plan.js';
import { createRng } from '../../src/demo/generator/rng.js';
import {
  DEMO_YEAR_PROJECTS, XIANGZHOU_2021_TARGETS, demoYearTargets, generateYear, storiesStartFor, type YearSummary,
} from '../../src/demo/year.js';
import { DEFAULT_RULES } from '../../workflows/project/index.js';
import { verifyAll } from '../../src/engine/verify.js';
import { auditProjectLedgers } from '../../src/projects/project-audit.js';
import { GENERATOR_KINDS } from '../support/db.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectReportMatchesHistory } from '../support/recount.js';

const GROUPS = ['残疾人', '老年人', '儿童', '学生', '低保特困', '困境儿童', '全体居民'];
const CATEGORIES = ['助行', '居家改造', '探访慰藉', '康复训练', '就业帮扶', '文体活动', '公共设施', '便民服务'];
const at = (date: string, hh: number) => Date.parse(`${date}T00:00:00.000Z`) - 8 * 3_600_000 + hh * 3_600_000;

function plan2021(projects = DEMO_YEAR_PROJECTS, targets: Record<string, GroupTarget> = XIANGZHOU_2021_TARGETS, seed = 'weishishi demo year 2021') {
  const office = createOfficeHours(createCalendar());
  return planYear({
    year: 2021, projects, groupTargets: targets, rng: createRng(seed).fork('plan'),
    communities: allCommunities().map((c) => ({ id: c.id, streetId: c.streetId, nameZh: c.nameZh })),
    templates: templatesFor(GROUPS, CATEGORIES),
    rules: { capsFen: DEFAULT_RULES.capsFen, directBelowFen: DEFAULT_RULES.procurement.directBelowFen },
    office, startMs: office.next(at('2021-01-04', 9)), untilMs: at('2022-03-31', 18), slowStreets: ['st-qianshan'],
  });
}

describe('the plan of a demo year', () => {
  it("when 2021 is planned at the district's size, then 残疾人 has exactly 264 confirmed projects approving exactly 1,105,750,000 fen, in the report's mix, and every group and kind of help has projects", () => {
    const plans = plan2021();
    expect(plans).toHaveLength(DEMO_YEAR_PROJECTS);
    const disabled = plans.filter((p) => p.template.group === '残疾人');
    const confirmed = disabled.filter((p) => CONFIRMED.has(p.outcome));
    expect(confirmed).toHaveLength(264);
    expect(confirmed.reduce((s, p) => s + p.approvedFen!, 0)).toBe(1_105_750_000);
    // stair-climbers (goods), home adaptations (works), visits, rehabilitation and employment help (services)
    const mix = new Map<string, number>();
    for (const p of confirmed) mix.set(`${p.template.category}/${p.template.type}`, (mix.get(`${p.template.category}/${p.template.type}`) ?? 0) + 1);
    expect(new Set(mix.keys())).toEqual(new Set(['助行/goods', '居家改造/works', '就业帮扶/services', '康复训练/services', '探访慰藉/services']));
    for (const n of mix.values()) expect(n).toBeGreaterThan(15);
    // some are not confirmed: drafts, rejected, withdrawn, cancelled (one after its approval) …
    expect(disabled.length).toBeGreaterThan(264);
    expect(disabled.some((p) => p.outcome === 'cancelled_after')).toBe(true);
    // no other group's project names 残疾人 among its groups: the group's count is the same either way
    expect(plans.filter((p) => p.template.group !== '残疾人' && p.otherGroups.includes('残疾人'))).toEqual([]);
    expect(new Set(plans.map((p) => p.template.group))).toEqual(new Set(GROUPS));
    expect(new Set(plans.map((p) => p.template.category))).toEqual(new Set(CATEGORIES));
    // every amount fits the caps; what is approved is never above the estimate; the lines add up
    for (const p of plans) {
      expect(p.estimatedFen).toBeLessThanOrEqual(DEFAULT_RULES.capsFen[p.template.type]);
      expect(p.items.reduce((s, i) => s + i.quantity * i.unitFen, 0)).toBe(p.estimatedFen);
      if (APPROVED.has(p.outcome)) {
        expect(p.approvedFen!).toBeGreaterThan(0);
        expect(p.approvedFen!).toBeLessThanOrEqual(p.estimatedFen);
        expect(p.contractFen!).toBeLessThanOrEqual(p.approvedFen!);
      }
      expect(new Date(p.createAt).getUTCFullYear()).toBe(2021);
    }
    // the outcomes spread over final and open states
    expect(new Set(plans.map((p) => p.outcome)).size).toBeGreaterThanOrEqual(25);
    // and the CLI asks for these targets
    expect(demoYearTargets(2021, DEMO_YEAR_PROJECTS)).toEqual(XIANGZHOU_2021_TARGETS);
    expect(demoYearTargets(2022, DEMO_YEAR_PROJECTS)).toEqual({});
  });

  it('when the same year is planned twice, then the plans are the same; another seed gives another plan with the same totals', () => {
    const strip = (ps: ReturnType<typeof plan2021>) => ps.map((p) => [p.title, p.community.id, p.outcome, p.estimatedFen, p.approvedFen, p.createAt]);
    expect(strip(plan2021(300, { 残疾人: { confirmed: 100, approvedFen: 412_345_678 } }))).toEqual(strip(plan2021(300, { 残疾人: { confirmed: 100, approvedFen: 412_345_678 } })));
    const other = plan2021(300, { 残疾人: { confirmed: 100, approvedFen: 412_345_678 } }, 'another seed');
    expect(strip(other)).not.toEqual(strip(plan2021(300, { 残疾人: { confirmed: 100, approvedFen: 412_345_678 } })));
    const confirmed = other.filter((p) => p.template.group === '残疾人' && CONFIRMED.has(p.outcome));
    expect([confirmed.length, confirmed.reduce((s, p) => s + p.approvedFen!, 0)]).toEqual([100, 412_345_678]);
  });

  it('when amounts are distributed over bounds, then they add up to the fen, stay within their bounds, or the distribution is refused', () => {
    const rng = createRng(7);
    for (let k = 0; k < 50; k++) {
      const n = rng.int(1, 40);
      const raw = Array.from({ length: n }, () => rng.int(1_000_00, 200_000_00));
      const bounds = raw.map((r) => ({ min: Math.round(r / 2), max: r * 2 }));
      const total = rng.int(bounds.reduce((s, b) => s + b.min, 0), bounds.reduce((s, b) => s + b.max, 0));
      const out = distributeExact(raw, total, bounds, rng);
      expect(out.reduce((s, x) => s + x, 0)).toBe(total);
      out.forEach((x, i) => {
        expect(Number.isSafeInteger(x)).toBe(true);
        expect(x).toBeGreaterThanOrEqual(bounds[i]!.min);
        expect(x).toBeLessThanOrEqual(bounds[i]!.max);
      });
    }
    expect(() => distributeExact([100], 1_000, [{ min: 0, max: 999 }], rng)).toThrow(RangeError);
    expect(new Set(TEMPLATES.filter((t) => t.group === '残疾人').map((t) => t.category))).toEqual(new Set(['助行', '居家改造', '就业帮扶', '康复训练', '探访慰藉']));
  });
});

interface HistoryRow { instance_id: string; seq: number; type: string; from_state: string | null; to_state: string; payload: string; actor: string }

/** From the history alone: each project's main group and budget year ($start), its last approval standing, and its last state. */
function recount(history: HistoryRow[], group: string, year: number) {
  const byProject = new Map<string, HistoryRow[]>();
  for (const h of history) byProject.set(h.instance_id, [...(byProject.get(h.instance_id) ?? []), h]);
  let confirmed = 0;
  let approvedFen = 0;
  for (const rows of byProject.values()) {
    rows.sort((a, b) => a.seq - b.seq);
    const input = (JSON.parse(rows[0]!.payload) as { input: { mainGroup?: string; budgetYear?: number } }).input;
    if (input.mainGroup !== group || input.budgetYear !== year) continue;
    let approved: number | null = null;
    for (const h of rows) {
      if (h.type === 'APPROVE_BUDGET') approved = (JSON.parse(h.payload) as { approvedFen: number }).approvedFen;
      // an objection upheld at the confirmation notice undoes the approval
      if (h.type === 'UPHOLD_OBJECTION' && h.from_state === 'confirmation_objection_review') approved = null;
    }
    const last = rows.at(-1)!.to_state;
    if (approved !== null && !['cancelled', 'rejected', 'withdrawn'].includes(last)) {
      confirmed++;
      approvedFen += approved;
    }
  }
  return { confirmed, approvedFen };
}

describe.each(GENERATOR_KINDS)('a scaled demo year on %s', (kind) => {
  let a: TestApp | undefined;
  afterEach(async () => {
    await a?.close();
  });

  it('when the demo district is seeded and a year of projects generated through the engine, then its target group totals exactly, read model and history agree, the states spread, and verify and both ledger audits pass', async () => {
    const small = kind !== 'better-sqlite3';
    const projects = small ? 45 : 70;
    // an odd amount, so the last fen has to be placed too
    const target = small ? { confirmed: 12, approvedFen: 49_876_543 } : { confirmed: 20, approvedFen: 83_234_567 };
    a = await createTestApp({ kind, seed: false, start: new Date(storiesStartFor(2021, STORY_SPAN_MS)).toISOString() });
    const { deps, clock } = a;
    const seeded = await deps.services.seedDemo({ stories: true });
    expect(seeded.created).toBe(true);
    const before = await deps.db('projects').count({ n: '*' }).first();
    const progress: number[] = [];
    const summary: YearSummary = await generateYear(
      { ...deps.services, db: deps.db, clock: clock as ManualClock, engine: deps.engine, timers: deps.timers },
      { year: 2021, projects, communities: small ? 8 : 12, groupTargets: { 残疾人: target }, onProgress: (p) => { if (p.phase === 'projects') progress.push(p.clockMs); } },
    );
    expect(summary.projects).toBe(projects);
    expect(Number((await deps.db('projects').count({ n: '*' }).first())!.n) - Number(before!.n)).toBe(projects);
    expect(progress.length).toBeGreaterThan(1);
    expect(clock.now().toISOString()).toBe(summary.endedAt);

    // the district: ten streets (the demo's two kept), with their communities; the demo's places keep their ids
    expect((await deps.db('streets').select('id')).map((s) => s.id)).toEqual(expect.arrayContaining(['st-gongbei', 'st-jida', 'st-qianshan', 'st-nanping']));
    expect(await deps.db('streets').count({ n: '*' }).first()).toMatchObject({ n: 10 });
    expect(Number((await deps.db('communities').count({ n: '*' }).first())!.n)).toBeGreaterThanOrEqual(80);
    expect(await deps.db('communities').where({ id: 'cm-lianhua', street_id: 'st-gongbei' }).first()).toBeTruthy();
    // the demo log-ins still work
    expect((await a.http.post('/api/v1/auth/token').send({ email: 'community1@example.org', password: 'weishishi-demo' })).status).toBe(200);

    // the read model: 残疾人 of budget year 2021
    const rows = await deps.db('projects').where({ budget_year: 2021, main_group: '残疾人' }).select('state', 'approved_fen');
    const confirmedRows = rows.filter((r) => r.approved_fen !== null && !['cancelled', 'rejected', 'withdrawn'].includes(r.state));
    expect(confirmedRows).toHaveLength(target.confirmed);
    expect(confirmedRows.reduce((s, r) => s + Number(r.approved_fen), 0)).toBe(target.approvedFen);
    expect(summary.byGroup['残疾人']).toMatchObject({ confirmed: target.confirmed, approvedFen: target.approvedFen });

    // the history alone says the same
    const history = (await deps.db('workflow_history').select('instance_id', 'seq', 'type', 'from_state', 'to_state', 'payload', 'actor')) as HistoryRow[];
    expect(recount(history, '残疾人', 2021)).toEqual({ confirmed: target.confirmed, approvedFen: target.approvedFen });
    // and every generated project is of 2021, created in 2021
    const generated = await deps.db('projects').where('budget_year', 2021).select('year', 'main_group', 'category', 'state');
    expect(generated.every((p) => Number(p.year) === 2021)).toBe(true);

    // the states spread over final and open ones, and the timers fired through the engine's worker
    const states = new Set(generated.map((p) => p.state as string));
    for (const s of ['closed', 'warranty', 'delivery', 'rejected', 'cancelled', 'draft']) expect(states, s).toContain(s);
    expect(states.size).toBeGreaterThanOrEqual(12);
    expect(summary.offPlan).toEqual({});
    const timed = history.filter((h) => JSON.parse(h.actor).role === 'system').map((h) => h.type);
    for (const t of ['NOTICE_ENDED', 'QUOTE_DEADLINE_PASSED', 'WARRANTY_ENDED']) expect(timed, t).toContain(t);
    expect(history.filter((h) => h.type === 'RELEASE_RETENTION').length).toBeGreaterThan(0);
    expect(new Set(generated.map((p) => p.main_group)).size).toBeGreaterThanOrEqual(5);

    // the allocations cover what was reserved, committed and spent, and everything verifies
    for (const al of await deps.services.ledger.allocations({ year: 2021 })) expect(al.availableFen, al.communityId).toBeGreaterThanOrEqual(0);
    const report = await verifyAll(deps.engine, deps.db);
    expect(report.problems).toEqual([]);
    expect(report.checked).toBeGreaterThanOrEqual(projects);
    expect(await deps.services.ledger.audit()).toEqual([]);
    expect(await auditProjectLedgers(deps.db)).toEqual([]);
    // the report (ledger and read model) says what the history says, group by group
    await expectReportMatchesHistory(a, 2021);
  }, 240_000);
});
