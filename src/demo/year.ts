// A real year (issue 11, item 6): `weishishi seed --demo-year 2021` seeds the demo district with its
// usual log-ins and stories (ending on the last day of 2020), then grows it to Xiangzhou's size and
// drives a year of projects through the real engine on the sandbox clock, from the first working
// morning of the year to the end of the first quarter after it (when districts report the year, and
// the first projects have finished their 12-month warranty and closed).
//
// `generateYear` is the generator at any size (`seed --scale N`: N projects); its group targets are
// met exactly or it throws. For 2021 the 残疾人 group has Xiangzhou's reported figures: 264 confirmed
// projects (budget approved, not cancelled) approving ¥11,057,500 = 1,105,750,000 fen.
import type { NewUser, User, UserService } from '../auth/users.js';
import type { Ledger } from '../budgets/ledger.js';
import type { CalendarService } from '../calendar/calendar-service.js';
import type { DocumentService } from '../documents/document-service.js';
import type { VendorRecordService } from '../vendors/vendor-records.js';
import type { Engine } from '../engine/engine.js';
import type { TimerWorker } from '../engine/timers.js';
import type { ManualClock } from '../lib/clock.js';
import type { Db } from '../lib/db.js';
import type { ProjectService } from '../projects/project-service.js';
import type { ReferenceService } from '../reference/reference.js';
import type { RulesService } from '../rules/rules-service.js';
import { UNDONE_STAGES } from '../../workflows/project/index.js';
import { createDemoUser, DEMO_IDS } from './seed.js';
import { templatesFor } from './generator/catalogue.js';
import { drivePlans, personName, type Cast, type DriveProgress, type Team } from './generator/drive.js';
import { APPROVED, CONFIRMED, minimumProjects, planYear, type GroupTarget, type ProjectPlan } from './generator/plan.js';
import { createRng, type Rng } from './generator/rng.js';
import { at, DAY, createOfficeHours } from './generator/time.js';
import { XIANGZHOU_STREETS } from './generator/xiangzhou.js';

export { planYear, distributeExact, apportion, minimumProjects, type GroupTarget, type ProjectPlan, type Outcome } from './generator/plan.js';
export { createRng, type Rng } from './generator/rng.js';
export type { DriveProgress } from './generator/drive.js';

/** Xiangzhou district, 2021 (PROGRAMME.md; the district's own report): projects for disabled people. */
export const XIANGZHOU_2021_TARGETS: Record<string, GroupTarget> = { 残疾人: { confirmed: 264, approvedFen: 1_105_750_000 } };
/** How many projects `seed --demo-year` generates unless told (`--scale`): about Xiangzhou's share of Zhuhai's 2021 programme. */
export const DEMO_YEAR_PROJECTS = 900;
/**
 * The district's micro-project money for the year: about a third of the city's ¥300m (Zhuhai 2021),
 * shared among its communities; a community whose confirmed projects need more gets what they need.
 */
export const DISTRICT_BUDGET_FEN = 10_000_000_000;
/** Streets whose projects move slowly (the street monitoring's warning sign): 前山 in the demo. */
export const SLOW_STREETS = ['st-qianshan'];

export interface YearDeps {
  db: Db;
  clock: ManualClock;
  users: UserService;
  reference: ReferenceService;
  ledger: Ledger;
  calendar: CalendarService;
  rules: RulesService;
  projects: ProjectService;
  documents: DocumentService;
  engine: Engine;
  timers: TimerWorker;
  vendorRecords: VendorRecordService;
}

export type YearProgress =
  | { phase: 'district'; message: string }
  | ({ phase: 'projects' } & DriveProgress);

export interface GenerateYearOptions {
  year: number;
  /** how many projects (all of them: confirmed or not) */
  projects: number;
  /** groups whose confirmed projects and approved amounts must come out exactly */
  groupTargets?: Record<string, GroupTarget>;
  /** the seeded generator (default: seeded with the year) */
  rng?: Rng;
  onProgress?: (p: YearProgress) => void;
  /** where the clock stops (default: 31 March of the next year, 18:00 Asia/Shanghai) */
  untilMs?: number;
  /** the district's money for the year (default DISTRICT_BUDGET_FEN) */
  districtBudgetFen?: number;
  /** only this many communities, spread over the streets, have projects (default: all; a small run needs fewer log-ins) */
  communities?: number;
}

/** `n` of the communities, taken from every street in turn. */
function spreadOver<T extends { streetId: string }>(all: T[], n: number): T[] {
  const byStreet = new Map<string, T[]>();
  for (const c of all) byStreet.set(c.streetId, [...(byStreet.get(c.streetId) ?? []), c]);
  const out: T[] = [];
  for (let k = 0; out.length < Math.min(n, all.length); k++) for (const list of byStreet.values()) if (list[k] && out.length < n) out.push(list[k]!);
  return out;
}

export interface GroupFigures {
  proposed: number;
  confirmed: number;
  approvedFen: number;
}

export interface YearSummary {
  year: number;
  projects: number;
  events: number;
  timerEvents: number;
  byState: Record<string, number>;
  byGroup: Record<string, GroupFigures>;
  streets: number;
  communities: number;
  allocatedFen: number;
  startedAt: string;
  endedAt: string;
  ms: number;
  /** projects whose story ended somewhere else than planned (it ran out of time, or a variant moved it), by planned outcome → state */
  offPlan: Record<string, number>;
}

/** The state a planned outcome leaves a project in. */
export const stateOfOutcome = (o: string): string => (o.startsWith('rejected_') ? 'rejected' : o.startsWith('cancelled_') ? 'cancelled' : o);

/** The targets `seed --demo-year <year> [--scale N]` asks for: Xiangzhou's for 2021 when N can hold them. */
export function demoYearTargets(year: number, projects: number): Record<string, GroupTarget> {
  if (year !== 2021 || projects < minimumProjects(XIANGZHOU_2021_TARGETS) + 50) return {};
  return XIANGZHOU_2021_TARGETS;
}

/**
 * The streets and communities of the district (the demo's keep their ids), two staff for each
 * community, a reviewer for each street, two district officers and a finance officer, and vendors
 * of every type — at least as many as written quotes need. Reuses whoever is there.
 */
export async function extendDistrict(deps: YearDeps, rng: Rng): Promise<void> {
  const { reference, db } = deps;
  const districtId = DEMO_IDS.district;
  if (!(await db('districts').where({ id: districtId }).first())) throw new Error('demo year: seed the demo district first');
  const streets = new Set((await reference.streets()).map((s) => s.id));
  const communities = new Set((await reference.communities()).map((c) => c.id));
  await db.transaction(async (trx) => {
    for (const s of XIANGZHOU_STREETS) {
      if (!streets.has(s.id)) await reference.createStreet({ id: s.id, districtId, nameZh: s.nameZh, nameEn: s.nameEn }, trx);
      for (const c of s.communities) if (!communities.has(c.id)) await reference.createCommunity({ id: c.id, streetId: s.id, nameZh: c.nameZh, nameEn: c.nameEn }, trx);
    }
  });
  const NEW_VENDORS: Array<{ id: string; name: string; types: Array<'goods' | 'works' | 'services'> }> = [
    { id: 'vd-fukang', name: '珠海市福康医疗器械有限公司', types: ['goods'] },
    { id: 'vd-taihe', name: '广东泰和辅具科技有限公司', types: ['goods', 'services'] },
    { id: 'vd-zhilian', name: '珠海市智联安防科技有限公司', types: ['goods'] },
    { id: 'vd-jianan', name: '珠海市建安装饰工程有限公司', types: ['works'] },
    { id: 'vd-hengxin', name: '珠海恒信市政园林工程有限公司', types: ['works'] },
    { id: 'vd-minan', name: '珠海民安建筑修缮有限公司', types: ['works'] },
    { id: 'vd-yangguang', name: '香洲区阳光社会工作服务中心', types: ['services'] },
    { id: 'vd-qiming', name: '珠海市启明青少年服务中心', types: ['services'] },
    { id: 'vd-baixing', name: '珠海市百姓家政服务有限公司', types: ['services'] },
  ];
  const vendorIds = new Set((await reference.vendors()).map((v) => v.id));
  for (const v of NEW_VENDORS) {
    if (!vendorIds.has(v.id)) await reference.createVendor({ name: v.name, email: `office@${v.id.slice(3)}.example.org`, phone: `0756-${rng.int(2_000_000, 8_999_999)}`, types: v.types, registeredOn: '2010-01-01', fullTimeStaff: 10 }, db, v.id);
  }

}

/**
 * The people: two staff for each community that has projects, a reviewer for each street, two
 * district officers, a finance officer and one user for each vendor. Reuses whoever is there.
 */
export async function castDistrict(deps: YearDeps, rng: Rng, used: Set<string>, onProgress?: (p: YearProgress) => void): Promise<Cast> {
  const { reference, users } = deps;
  const districtId = DEMO_IDS.district;
  // users: whoever is there, and the rest created (all with the demo password's one hash)
  const existing = await users.list();
  const wanted: Array<Omit<NewUser, 'password'>> = [];
  const emails = new Set(existing.map((u) => u.email));
  const want = (u: Omit<NewUser, 'password'>) => {
    if (emails.has(u.email)) return;
    emails.add(u.email);
    wanted.push(u);
  };
  const allCommunities = await reference.communities();
  for (const c of allCommunities.filter((x) => used.has(x.id))) {
    const have = existing.filter((u) => u.role === 'community' && u.communityId === c.id && !u.disabled).length;
    const slug = c.id.replace(/^cm-/, '');
    for (let k = have; k < 2; k++) want({ email: `${slug}-${k + 1}@example.org`, name: `${personName(rng)}（${c.nameZh}）`, role: 'community', communityId: c.id });
  }
  const allStreets = await reference.streets();
  for (const s of allStreets) {
    if (!existing.some((u) => u.role === 'street' && u.streetId === s.id && !u.disabled)) want({ email: `street-${s.id.replace(/^st-/, '')}@example.org`, name: `${personName(rng)}（${s.nameZh}）`, role: 'street', streetId: s.id });
  }
  const districtUsers = existing.filter((u) => u.role === 'district' && !u.disabled);
  for (let k = districtUsers.length; k < 2; k++) want({ email: `district-${k + 1}@example.org`, name: `${personName(rng)}（区民政局）`, role: 'district', districtId });
  if (!existing.some((u) => u.role === 'finance' && !u.streetId && !u.disabled)) want({ email: 'finance-1@example.org', name: `${personName(rng)}（区财政局）`, role: 'finance', districtId });
  const allVendors = await reference.vendors();
  let vn = existing.filter((u) => u.role === 'vendor').length;
  for (const v of allVendors) {
    if (!existing.some((u) => u.role === 'vendor' && u.vendorId === v.id)) want({ email: `vendor${++vn}@example.org`, name: `${personName(rng)}（${v.name}）`, role: 'vendor', vendorId: v.id });
  }
  onProgress?.({ phase: 'district', message: `${allStreets.length} streets, ${allCommunities.length} communities, ${allVendors.length} vendors; creating ${wanted.length} log-ins` });
  for (const u of wanted) await createDemoUser(users, u);

  const all = (await users.list()).filter((u) => !u.disabled).sort((a, b) => a.email.localeCompare(b.email, 'en'));
  // the demo's own pairs keep their parts (community1 proposes in 莲花, community2 screens …)
  const byEmail = (e: string) => all.find((u) => u.email === e);
  const teams = new Map<string, Team>();
  for (const c of allCommunities.filter((x) => used.has(x.id))) {
    const staff = all.filter((u) => u.role === 'community' && u.communityId === c.id);
    const demo = ({ [DEMO_IDS.communities.lianhua]: ['community1@example.org', 'community2@example.org'], [DEMO_IDS.communities.yuehai]: ['community4@example.org', 'community5@example.org'], [DEMO_IDS.communities.haibin]: ['community3@example.org', 'community6@example.org'] } as Record<string, string[]>)[c.id];
    const a = (demo && byEmail(demo[0]!)) || staff[0]!;
    const b = (demo && byEmail(demo[1]!)) || staff.find((u) => u.id !== a.id)!;
    const street = all.find((u) => u.role === 'street' && u.streetId === c.streetId)!;
    teams.set(c.id, { a, b, street });
  }
  const district = all.filter((u) => u.role === 'district');
  const vendorUser = (id: string) => all.find((u) => u.role === 'vendor' && u.vendorId === id);
  const vendors: Cast['vendors'] = { goods: [], works: [], services: [] };
  for (const v of allVendors.filter((x) => x.status === 'active')) {
    const u = vendorUser(v.id);
    if (u) for (const type of v.types) vendors[type].push(u);
  }
  return {
    teams,
    district: [byEmail('district@example.org') ?? district[0]!, byEmail('district2@example.org') ?? district.find((u) => u.email !== 'district@example.org')!] as [User, User],
    finance: byEmail('finance@example.org') ?? all.find((u) => u.role === 'finance' && !u.streetId)!,
    vendors,
  };
}

/** Generates a year of projects at any size (see the file's head). The clock must stand before the year's first working morning. */
export async function generateYear(deps: YearDeps, opts: GenerateYearOptions): Promise<YearSummary> {
  const t0 = Date.now();
  const { year, onProgress } = opts;
  const rng = opts.rng ?? createRng(`weishishi demo year ${year}`);
  const groupTargets = opts.groupTargets ?? {};
  const office = createOfficeHours(await deps.calendar.calendar());
  const startMs = office.next(at(`${year}-01-04`, 9));
  const untilMs = opts.untilMs ?? at(`${year + 1}-03-31`, 18);
  if (deps.clock.now().getTime() > startMs) throw new Error(`demo year: the clock (${deps.clock.now().toISOString()}) is already past the year's start`);

  await extendDistrict(deps, rng.fork('district'));
  const allCommunities = (await deps.reference.communities()).map((c) => ({ id: c.id, streetId: c.streetId, nameZh: c.nameZh }));
  const communities = opts.communities ? spreadOver(allCommunities, opts.communities) : allCommunities;
  const rules = await deps.rules.current(DEMO_IDS.district);
  const templates = templatesFor((await deps.reference.groups()).map((g) => g.code), (await deps.reference.categories()).map((c) => c.code));
  const plans = planYear({
    year, projects: opts.projects, groupTargets, rng: rng.fork('plan'), communities, templates,
    rules: { capsFen: rules.capsFen, directBelowFen: rules.procurement.directBelowFen }, office, startMs, untilMs, slowStreets: SLOW_STREETS,
  });
  const cast = await castDistrict(deps, rng.fork('cast'), new Set(plans.map((p) => p.community.id)), onProgress);
  for (const type of ['goods', 'works', 'services'] as const) {
    const need = Math.max(rules.procurement.minQuotes.quotation, rules.procurement.minQuotes.competitive);
    if (cast.vendors[type].length < need) throw new Error(`demo year: ${cast.vendors[type].length} vendors supply ${type}; written quotes need ${need}`);
  }

  // allocations: the district's money shared out, and never less than a community's projects need
  const budget = opts.districtBudgetFen ?? DISTRICT_BUDGET_FEN;
  const need = new Map<string, number>();
  for (const p of plans) if (APPROVED.has(p.outcome)) need.set(p.community.id, (need.get(p.community.id) ?? 0) + p.approvedFen!);
  const share = Math.floor(budget / communities.length / 1_000_000) * 1_000_000;
  let allocatedFen = 0;
  const now = deps.clock.now().toISOString();
  for (const c of communities) {
    const current = (await deps.ledger.allocations({ year, communityId: c.id }))[0];
    const used = current ? current.reservedFen + current.committedFen + current.spentFen : 0;
    const fen = Math.max(share, Math.ceil(((need.get(c.id) ?? 0) * 1.1) / 1_000_000) * 1_000_000) + used;
    await deps.ledger.setAllocation({ communityId: c.id, year, allocatedFen: fen }, now);
    allocatedFen += fen;
  }
  onProgress?.({ phase: 'district', message: `${plans.length} projects planned; ¥${(allocatedFen / 100).toLocaleString('en')} allocated for ${year}` });

  deps.clock.set(startMs);
  await deps.timers.runDue();
  const drove = await drivePlans(deps, {
    plans, cast, rules, office, rng: rng.fork('drive'), startMs, untilMs,
    onProgress: (p) => onProgress?.({ phase: 'projects', ...p }),
  });

  const summary = await summarise(deps.db, year, drove.ids);
  const states = new Map((await deps.db('projects').whereIn('id', drove.ids.filter(Boolean)).select('id', 'state')).map((r: { id: string; state: string }) => [r.id, r.state]));
  const offPlan: Record<string, number> = {};
  plans.forEach((p, i) => {
    const got = states.get(drove.ids[i] ?? '') ?? 'never created';
    if (got !== stateOfOutcome(p.outcome)) offPlan[`${p.outcome} → ${got}`] = (offPlan[`${p.outcome} → ${got}`] ?? 0) + 1;
  });
  for (const [g, target] of Object.entries(groupTargets)) {
    const got = summary.byGroup[g] ?? { proposed: 0, confirmed: 0, approvedFen: 0 };
    if (got.confirmed !== target.confirmed || got.approvedFen !== target.approvedFen) {
      throw new Error(`demo year: ${g} has ${got.confirmed} confirmed projects approving ${got.approvedFen} fen, not ${target.confirmed} and ${target.approvedFen}`);
    }
  }
  return {
    ...summary, year, projects: plans.length, events: drove.events + drove.timerEvents, timerEvents: drove.timerEvents,
    streets: XIANGZHOU_STREETS.length, communities: communities.length, allocatedFen,
    startedAt: new Date(startMs).toISOString(), endedAt: new Date(untilMs).toISOString(), ms: Date.now() - t0, offPlan,
  };
}

/** The generated projects (or, with null, all the year's) by state and by main group (confirmed: budget approved, not cancelled, rejected or withdrawn), from the read model. */
export async function summarise(db: Db, year: number, ids: string[] | null): Promise<Pick<YearSummary, 'byState' | 'byGroup'>> {
  const byState: Record<string, number> = {};
  const byGroup: Record<string, GroupFigures> = {};
  const wanted = ids && new Set(ids.filter(Boolean));
  const rows = await db('projects').where('budget_year', year).select('id', 'state', 'main_group', 'approved_fen');
  for (const r of rows as Array<{ id: string; state: string; main_group: string | null; approved_fen: unknown }>) {
    if (wanted && !wanted.has(r.id)) continue;
    byState[r.state] = (byState[r.state] ?? 0) + 1;
    const g = (byGroup[r.main_group ?? ''] ??= { proposed: 0, confirmed: 0, approvedFen: 0 });
    g.proposed++;
    if (r.approved_fen !== null && !(UNDONE_STAGES as readonly string[]).includes(r.state)) {
      g.confirmed++;
      g.approvedFen += Number(r.approved_fen);
    }
  }
  return { byState, byGroup };
}

/** The first instant of the stories that end on the last day before `year` (seedDemo with stories runs STORY_SPAN_MS). */
export function storiesStartFor(year: number, storySpanMs: number): number {
  return at(`${year - 1}-12-31`, 16) - storySpanMs;
}

/** For the plan's own checks (tests): the outcomes that count as confirmed. */
export const isConfirmedOutcome = (p: ProjectPlan) => CONFIRMED.has(p.outcome);
export { DAY };
