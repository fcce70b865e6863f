// A city's ten years (issue 13): `weishishi seed --scale N` grows the demo district to a city's
// size — Xiangzhou's ten streets and more, about one street for every 1,350 projects (Shenzhen ran
// some 80,000 projects in eight years over 74 streets: ~135 a street a year) with nine or ten
// communities each and local vendors — and drives N projects spread over the ten budget years that
// are over, through the real engine on the sandbox clock: the same stories, services, transitions,
// effects and read model as `seed --demo-year` (drive.ts), street after street.
//
// Each street is one run over the ten years (its years overlap, as real ones do: a project of one
// year is delivered in the next). Past years are settled (plan.ts `settled`): nearly all their
// projects finished or were turned down, and STUCK_SHARE of them stopped half-way, as stuck projects
// do. The last year spreads over every state. Between two streets the sandbox clock is rewound to
// the first year: the streets share nothing a clock orders (allocations, refs and stories are the
// street's own; vendors and district officers only act). A street whose projects exist is skipped,
// so an interrupted run continues where it stopped (a street cut off half-way keeps what it has).
//
// Streets share nothing a clock orders, so they can be driven by several processes at once
// (`seed --scale N --jobs J`): one prepares the city (places, vendors, every log-in), then each of J
// processes drives every J-th street on its own sandbox clock, firing only its street's timers (the
// timer worker's scope); SQLite's one writer queues their transactions (busy_timeout).
import type { YearDeps } from './year.js';
import { castDistrict, extendDistrict, SLOW_STREETS, summarise, type GroupFigures } from './year.js';
import { DEMO_IDS } from './seed.js';
import { templatesFor } from './generator/catalogue.js';
import { drivePlans, type DriveProgress } from './generator/drive.js';
import { apportion, APPROVED, planYear, type ProjectPlan } from './generator/plan.js';
import { createRng, type Rng } from './generator/rng.js';
import { at, createOfficeHours } from './generator/time.js';
import { XIANGZHOU_STREETS, type StreetSpec } from './generator/xiangzhou.js';
import { createTimerWorker } from '../engine/timers.js';
import { shanghaiDate } from '../lib/calendar.js';

/** Projects a street has in ten years (Shenzhen: ~135 a year). */
export const PROJECTS_PER_STREET = 1_350;
export const CITY_YEARS = 10;
/** A community's money for a year unless its projects need more (as the demo year's share). */
const COMMUNITY_SHARE_FEN = 100_000_000;

/** The last budget year whose reporting quarter is over at `nowMs`: the run may end on 31 March after it. */
export function lastSettledYear(nowMs: number): number {
  const y = new Date(nowMs).getUTCFullYear();
  return at(`${y}-03-31`, 18) < nowMs ? y - 1 : y - 2;
}

export type CityProgress =
  | { phase: 'district'; message: string }
  | ({ phase: 'projects'; street: string; streetsDone: number; streets: number; projectsBefore: number; projectsTotal: number } & DriveProgress);

export interface GenerateCityOptions {
  projects: number;
  /** the last of the ten years */
  lastYear: number;
  years?: number;
  /** how many streets (default: Xiangzhou's ten, or one for every PROJECTS_PER_STREET projects) */
  streets?: number;
  rng?: Rng;
  /** drive only the streets whose index is `index` modulo `count` (one of several processes) */
  shard?: { index: number; count: number };
  /** prepare the city (places, vendors, every log-in) and drive no street: the shards follow */
  prepareOnly?: boolean;
  /** number each street's projects in a block of its own (a copy of the file per process) */
  refBlocks?: boolean;
  onProgress?: (p: CityProgress) => void;
}

export interface CitySummary {
  projects: number;
  generated: number;
  skippedStreets: number;
  streets: number;
  communities: number;
  vendors: number;
  years: [number, number];
  events: number;
  timerEvents: number;
  byState: Record<string, number>;
  byYear: Record<string, number>;
  byGroup: Record<string, GroupFigures>;
  ms: number;
}

// Two syllables make a place name; the pinyin follows. Illustrative names, not a register.
const SYLLABLES: Array<[string, string]> = [
  ['华', 'hua'], ['新', 'xin'], ['安', 'an'], ['和', 'he'], ['平', 'ping'], ['丰', 'feng'], ['盛', 'sheng'], ['兴', 'xing'], ['福', 'fu'], ['宁', 'ning'],
  ['康', 'kang'], ['乐', 'le'], ['明', 'ming'], ['阳', 'yang'], ['东', 'dong'], ['西', 'xi'], ['南', 'nan'], ['北', 'bei'], ['龙', 'long'], ['泉', 'quan'],
  ['湖', 'hu'], ['山', 'shan'], ['海', 'hai'], ['城', 'cheng'], ['林', 'lin'], ['桥', 'qiao'], ['田', 'tian'], ['沙', 'sha'], ['岗', 'gang'], ['湾', 'wan'],
  ['园', 'yuan'], ['岭', 'ling'], ['景', 'jing'], ['广', 'guang'], ['春', 'chun'], ['清', 'qing'], ['水', 'shui'], ['石', 'shi'], ['云', 'yun'], ['桂', 'gui'],
];
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The streets beyond Xiangzhou's, with 8–11 communities each, named without clashing with any place there is. */
export function cityStreets(count: number, rng: Rng): StreetSpec[] {
  const taken = new Set<string>(XIANGZHOU_STREETS.flatMap((s) => [s.nameZh.slice(0, 2), ...s.communities.map((c) => c.nameZh.replace(/社区$/, ''))]));
  const ids = new Set<string>(XIANGZHOU_STREETS.flatMap((s) => [s.id, ...s.communities.map((c) => c.id)]));
  const name = (prefix: 'st' | 'cm'): { zh: string; en: string; id: string } => {
    for (;;) {
      const [a, b] = [rng.pick(SYLLABLES), rng.pick(SYLLABLES)];
      if (a[0] === b[0]) continue;
      const zh = a[0] + b[0];
      const id = `${prefix}-${a[1]}${b[1]}`;
      if (taken.has(zh) || ids.has(id)) continue;
      taken.add(zh);
      ids.add(id);
      return { zh, en: cap(a[1] + b[1]), id };
    }
  };
  const out: StreetSpec[] = [];
  for (let i = XIANGZHOU_STREETS.length; i < count; i++) {
    const s = name('st');
    const communities = Array.from({ length: rng.int(8, 11) }, () => {
      const c = name('cm');
      return { id: c.id, nameZh: `${c.zh}社区`, nameEn: `${c.en} Community` };
    });
    out.push({ id: s.id, nameZh: `${s.zh}街道`, nameEn: `${s.en} Street`, communities });
  }
  return out;
}

/** Generates the city (see the file's head), on a sandbox clock it rewinds to the first year for every street. */
export async function generateCity(deps: YearDeps, opts: GenerateCityOptions): Promise<CitySummary> {
  const t0 = Date.now();
  const years = opts.years ?? CITY_YEARS;
  const firstYear = opts.lastYear - years + 1;
  const rng = opts.rng ?? createRng(`weishishi city ${firstYear}-${opts.lastYear}`);
  const { reference, db, clock } = deps;
  const office = createOfficeHours(await deps.calendar.calendar());
  const yearStart = (y: number) => office.next(at(`${y}-01-04`, 9));
  const startMs = yearStart(firstYear);
  const untilMs = at(`${opts.lastYear + 1}-03-31`, 18);

  // the places: Xiangzhou's streets, then the city's
  await extendDistrict(deps, rng.fork('district'));
  const streetCount = opts.streets ?? Math.max(XIANGZHOU_STREETS.length, Math.ceil(opts.projects / PROJECTS_PER_STREET));
  const more = cityStreets(streetCount, rng.fork('streets'));
  const haveStreets = new Set((await reference.streets()).map((s) => s.id));
  const haveVendors = new Set((await reference.vendors()).map((v) => v.id));
  const localVendors = new Map<string, string[]>();
  for (const s of more) {
    const vendors: Array<{ id: string; name: string; types: Array<'goods' | 'works' | 'services'> }> = [
      { id: `vd-${s.id.slice(3)}-fw`, name: `${s.nameZh.slice(0, 2)}社会工作服务中心`, types: ['services'] },
      { id: `vd-${s.id.slice(3)}-jz`, name: `${s.nameZh.slice(0, 2)}建筑装饰工程有限公司`, types: ['works'] },
      { id: `vd-${s.id.slice(3)}-sb`, name: `${s.nameZh.slice(0, 2)}康复辅具有限公司`, types: ['goods', 'services'] },
    ];
    localVendors.set(s.id, vendors.map((v) => v.id));
    if (haveStreets.has(s.id)) continue;
    await db.transaction(async (trx) => {
      await reference.createStreet({ id: s.id, districtId: DEMO_IDS.district, nameZh: s.nameZh, nameEn: s.nameEn }, trx);
      for (const c of s.communities) await reference.createCommunity({ id: c.id, streetId: s.id, nameZh: c.nameZh, nameEn: c.nameEn }, trx);
      for (const v of vendors) {
        if (!haveVendors.has(v.id)) await reference.createVendor({ name: v.name, email: `office@${v.id.slice(3)}.example.org`, phone: `0756-${rng.int(2_000_000, 8_999_999)}`, types: v.types, registeredOn: '2010-01-01', fullTimeStaff: 10 }, trx, v.id);
      }
    });
  }
  const streets = [...XIANGZHOU_STREETS, ...more];
  const allLocal = new Set([...localVendors.values()].flat());
  const rules = await deps.rules.current(DEMO_IDS.district);
  const templates = templatesFor((await reference.groups()).map((g) => g.code), (await reference.categories()).map((c) => c.code));

  // N projects over the streets (by their communities) and over the years (the programme grew)
  const perStreet = apportion(opts.projects, streets.map((s) => s.communities.length));
  const yearWeights = Array.from({ length: years }, (_, i) => 0.6 + (0.8 * i) / Math.max(1, years - 1));
  const communities = await reference.communities();
  opts.onProgress?.({ phase: 'district', message: `${streets.length} streets, ${communities.length} communities, ${(await reference.vendors()).length} vendors; ${opts.projects} projects over ${firstYear}–${opts.lastYear}` });

  if (opts.prepareOnly) {
    // every log-in of the city now, so that the shards' casts only find them (no two create one)
    await castDistrict(deps, rng.fork('prepare'), new Set(communities.map((c) => c.id)));
  }
  if (!opts.shard) {
    // What the database held before (the demo's stories) has timers falling due in the city's
    // years: they fire first, in time order, so that no street's run (in one process or several)
    // changes a project it did not make.
    const before = createTimerWorker({ db, engine: deps.engine, clock });
    for (let due = await before.nextDue(); due !== null && due <= untilMs; due = await before.nextDue()) {
      if (due > clock.now().getTime()) clock.set(due);
      const r = await before.runDue();
      if (r.fired + r.skipped === 0) break; // a failing timer: left to the server's worker
    }
  }
  let events = 0;
  let timerEvents = 0;
  let generated = 0;
  let skipped = 0;
  let before = 0;
  const isDone = async (streetId: string) => {
    const had = Number((await db('projects').where('street_id', streetId).count({ n: '*' }).first())?.n ?? 0);
    // the demo's own streets hold the demo stories: a street counts as done once it has more than those
    const stories = Number((await db('projects').where('street_id', streetId).where('year', '<', firstYear).count({ n: '*' }).first())?.n ?? 0);
    return had - stories > 0;
  };
  const plansOf = (si: number): ProjectPlan[] => {
    const street = streets[si]!;
    const srng = rng.fork(`street:${street.id}`);
    const places = communities.filter((c) => c.streetId === street.id).map((c) => ({ id: c.id, streetId: c.streetId, nameZh: c.nameZh }));
    const plans: ProjectPlan[] = [];
    apportion(perStreet[si]!, yearWeights).forEach((count, i) => {
      const year = firstYear + i;
      if (count === 0) return;
      plans.push(...planYear({
        year, projects: count, groupTargets: {}, rng: srng.fork(`plan:${year}`), communities: places, templates,
        rules: { capsFen: rules.capsFen, directBelowFen: rules.procurement.directBelowFen }, office,
        startMs: yearStart(year), untilMs, slowStreets: SLOW_STREETS, settled: year < opts.lastYear,
      }));
    });
    plans.sort((a, b) => a.createAt - b.createAt);
    plans.forEach((p, i) => { p.n = i; });
    return plans;
  };
  // Each street numbers its projects in a block of its own (a copy of the file per process: see
  // city-merge.ts): the blocks follow each other in street order, from the counters before the run,
  // so the references are those a single run gives.
  let refBlock: ((si: number) => Promise<void>) | undefined;
  if (opts.refBlocks && !opts.prepareOnly) {
    const todo: number[] = [];
    for (const [si, street] of streets.entries()) if (!(await isDone(street.id))) todo.push(si);
    const district = DEMO_IDS.district;
    const base = new Map<number, number>(((await db('ref_counters').where({ district_id: district }).select('year', 'next')) as Array<{ year: number; next: number }>).map((r) => [Number(r.year), Number(r.next)]));
    const starts = new Map<number, Map<number, number>>();
    const running = new Map(base);
    for (const si of todo) {
      starts.set(si, new Map(running));
      for (const p of plansOf(si)) {
        const y = Number(shanghaiDate(new Date(p.createAt).toISOString()).slice(0, 4));
        running.set(y, (running.get(y) ?? 0) + 1);
        if (!starts.get(si)!.has(y)) starts.get(si)!.set(y, base.get(y) ?? 0);
      }
    }
    refBlock = async (si) => {
      for (const [year, next] of starts.get(si) ?? []) {
        await db('ref_counters').insert({ district_id: district, year, next }).onConflict(['district_id', 'year']).merge(['next']);
      }
    };
  }
  for (const [si, street] of streets.entries()) {
    if (opts.prepareOnly) break;
    if (opts.shard && si % opts.shard.count !== opts.shard.index) continue;
    const n = perStreet[si]!;
    if (await isDone(street.id)) {
      skipped++;
      before += n;
      continue;
    }
    const srng = rng.fork(`street:${street.id}`);
    const places = communities.filter((c) => c.streetId === street.id).map((c) => ({ id: c.id, streetId: c.streetId, nameZh: c.nameZh }));
    const plans = plansOf(si);
    await refBlock?.(si);

    clock.rewind(startMs);
    const cast = await castDistrict(deps, srng.fork('cast'), new Set(plans.map((p) => p.community.id)));
    const own = new Set(localVendors.get(street.id) ?? []);
    for (const type of ['goods', 'works', 'services'] as const) cast.vendors[type] = cast.vendors[type].filter((u) => !allLocal.has(u.vendorId!) || own.has(u.vendorId!));
    // each community-year: its share, or what its approved projects need and a tenth more
    const need = new Map<string, number>();
    for (const p of plans) if (APPROVED.has(p.outcome)) need.set(`${p.community.id} ${p.year}`, (need.get(`${p.community.id} ${p.year}`) ?? 0) + p.approvedFen!);
    const now = clock.now().toISOString();
    for (const c of places) {
      for (let y = firstYear; y <= opts.lastYear; y++) {
        const fen = Math.max(COMMUNITY_SHARE_FEN, Math.ceil(((need.get(`${c.id} ${y}`) ?? 0) * 1.1) / 1_000_000) * 1_000_000);
        await deps.ledger.setAllocation({ communityId: c.id, year: y, allocatedFen: fen }, now);
      }
    }
    // this street's timers only: another process may drive another street, years apart on its clock
    const timers = createTimerWorker({
      db, engine: deps.engine, clock,
      scope: (q) => q.whereExists((p) => p.select(db.raw('1')).from('projects as p').whereRaw('p.id = t.instance_id').andWhere('p.street_id', street.id)),
    });
    const drove = await drivePlans({ ...deps, timers }, {
      plans, cast, rules, office, rng: srng.fork('drive'), startMs, untilMs,
      onProgress: (p) => opts.onProgress?.({ phase: 'projects', street: street.nameZh, streetsDone: si, streets: streets.length, projectsBefore: before, projectsTotal: opts.projects, ...p }),
    });
    events += drove.events + drove.timerEvents;
    timerEvents += drove.timerEvents;
    generated += plans.length;
    before += n;
  }

  const byYear: Record<string, number> = {};
  for (const r of (await db('projects').where('budget_year', '>=', firstYear).groupBy('budget_year').select('budget_year').count({ n: '*' })) as Array<{ budget_year: number; n: unknown }>) byYear[String(r.budget_year)] = Number(r.n);
  const byState: Record<string, number> = {};
  for (const r of (await db('projects').where('budget_year', '>=', firstYear).groupBy('state').select('state').count({ n: '*' })) as Array<{ state: string; n: unknown }>) byState[r.state] = Number(r.n);
  const byGroup: Record<string, GroupFigures> = {};
  for (let y = firstYear; y <= opts.lastYear; y++) {
    for (const [g, f] of Object.entries((await summarise(db, y, null)).byGroup)) {
      const t = (byGroup[g] ??= { proposed: 0, confirmed: 0, approvedFen: 0 });
      t.proposed += f.proposed;
      t.confirmed += f.confirmed;
      t.approvedFen += f.approvedFen;
    }
  }
  return {
    projects: Object.values(byYear).reduce((a, b) => a + b, 0), generated, skippedStreets: skipped, streets: streets.length,
    communities: communities.length, vendors: (await reference.vendors()).length, years: [firstYear, opts.lastYear],
    events, timerEvents, byState, byYear, byGroup, ms: Date.now() - t0,
  };
}
