// The stage-visits read model: one row per stay of a project in a stage (see the migration
// db/migrations/20261206120000_stage_visits.ts). `stageVisitWrites` keeps it in the transition's
// transaction (the projects read model sends its writes); the queries below are what the monitoring pages
// and the API read. Only this file knows the table.
import type { Knex } from 'knex';
import type { Db, Queryable, Trx } from '../lib/db.js';
import { createCalendar, shanghaiDate } from '../lib/calendar.js';
import { calendarIn } from '../calendar/calendar-service.js';
import type { Scope } from '../projects/project-repo.js';
import { OWN_DEADLINE_STAGES, expectedEnd, needsWorkingDays } from './stage-clock.js';
import type { ProgrammeRules } from '../../workflows/project/index.js';

export interface VisitTransition {
  projectId: string;
  from: string | null;
  to: string;
  at: string;
  /** the workflow's deadline for the new snapshot (describe) */
  deadline: { at: string; kind: string } | null;
  /** the project's own rules version */
  rules: Pick<ProgrammeRules, 'stageDays'>;
  districtId: string;
  streetId: string;
  communityId: string;
  budgetYear: number;
  /** the budget year and the workflow's deadline before the transition (null: the project starts) */
  previous: { budgetYear: number; deadline: { at: string; kind: string } | null } | null;
}

const openVisit = (q: Queryable, projectId: string) => q('stage_visits').where({ project_id: projectId }).whereNull('left_at');

/**
 * On a change of stage, closes the project's open visit and opens one for the new stage with its
 * expected end; within a stage, keeps the open visit's budget year and own deadline up to date.
 * Returns the writes, not yet run (independent of each other and of the project row's update, in
 * the sense of `writeTogether`): the caller sends them with its own.
 */
export async function stageVisitWrites(trx: Trx, v: VisitTransition): Promise<Knex.QueryBuilder[]> {
  if (v.from !== null && v.from === v.to) {
    const own = (OWN_DEADLINE_STAGES as readonly string[]).includes(v.to);
    // Most events within a stage (a COMMENT, an EDIT) change neither the budget year nor the stage's
    // own deadline: nothing is then sent (the open visit holds what the project had).
    const sameDeadline = v.deadline?.at === v.previous?.deadline?.at && v.deadline?.kind === v.previous?.deadline?.kind;
    if (own && (!sameDeadline || v.budgetYear !== v.previous?.budgetYear)) {
      // the stage's own deadline moved (an extension, a new quote deadline): its expected end follows
      const e = expectedEnd(v.to, v.at, v.rules, v.deadline, createCalendar());
      return [openVisit(trx, v.projectId).update({ budget_year: v.budgetYear, expected_end_at: e.endAt, basis: e.basis })];
    }
    if (!own && v.budgetYear !== v.previous?.budgetYear) return [openVisit(trx, v.projectId).update({ budget_year: v.budgetYear })];
    return [];
  }
  // The overrides are read only when the stage counts working days.
  const calendar = needsWorkingDays(v.to, v.rules) ? await calendarIn(trx) : createCalendar();
  const e = expectedEnd(v.to, v.at, v.rules, v.deadline, calendar);
  return [
    // the open visit closes, then the new one opens (the close does not see it: see writeTogether)
    ...(v.from !== null ? [openVisit(trx, v.projectId).update({ left_at: v.at, left_year: Number(shanghaiDate(v.at).slice(0, 4)) })] : []),
    trx('stage_visits').insert({
      project_id: v.projectId, stage: v.to, entered_at: v.at, left_at: null, left_year: null,
      district_id: v.districtId, street_id: v.streetId, community_id: v.communityId, budget_year: v.budgetYear,
      expected_end_at: e.endAt, working: e.working, basis: e.basis,
    }),
  ];
}

// ── queries ──

export interface PlaceFilter {
  streetId?: string;
  communityId?: string;
}

/** Scope (the staff lists' own: src/projects/project-service.ts scopeOf) and the place filters, on the visits. */
function where(q: ReturnType<Db>, scope: Scope, f: PlaceFilter, table = 'stage_visits') {
  if (scope && 'communityId' in scope) q.where(`${table}.community_id`, scope.communityId);
  if (scope && 'streetId' in scope) q.where(`${table}.street_id`, scope.streetId);
  if (scope && 'vendorId' in scope) q.whereRaw('1 = 0'); // vendors see no monitoring
  if (f.streetId) q.where(`${table}.street_id`, f.streetId);
  if (f.communityId) q.where(`${table}.community_id`, f.communityId);
  return q;
}

/** How many projects are in each stage now: one grouped query. */
export async function countsNow(db: Db, scope: Scope, f: PlaceFilter): Promise<Map<string, number>> {
  const rows = (await where(db('stage_visits').whereNull('left_at'), scope, f).groupBy('stage').select('stage').count({ n: '*' })) as Array<Record<string, unknown>>;
  return new Map(rows.map((r) => [r.stage as string, Number(r.n)]));
}

export interface ClosedVisit {
  enteredAt: string;
  leftAt: string;
  working: boolean;
}

/**
 * The closed visits of one stage that left in one year, answered from the index
 * stage_visits_year_figures alone. One stage at a time: a city's year is about 200,000 stays, and
 * read at once they took the server's memory up by 110 MB (better-sqlite3) to 270 MB (sqlite3,
 * which holds a whole result set in C++ before handing it over).
 */
export async function closedVisits(db: Db, stage: string, year: number, scope: Scope, f: PlaceFilter): Promise<ClosedVisit[]> {
  const rows = (await where(db('stage_visits').where({ left_year: year, stage }), scope, f).select('entered_at', 'left_at', 'working')) as Array<Record<string, unknown>>;
  return rows.map((r) => ({ enteredAt: r.entered_at as string, leftAt: r.left_at as string, working: Boolean(r.working) }));
}

export interface OpenVisitRow {
  projectId: string;
  ref: string;
  title: string;
  state: string;
  stage: string;
  streetId: string;
  communityId: string;
  enteredAt: string;
  leftAt: string | null;
  expectedEndAt: string;
  working: boolean;
  basis: string | null;
}

const VISIT_COLUMNS = [
  'stage_visits.project_id', 'projects.ref', 'projects.title', 'projects.state', 'stage_visits.stage', 'stage_visits.street_id', 'stage_visits.community_id',
  'stage_visits.entered_at', 'stage_visits.left_at', 'stage_visits.expected_end_at', 'stage_visits.working', 'stage_visits.basis',
];
const toVisit = (r: Record<string, unknown>): OpenVisitRow => ({
  projectId: r.project_id as string, ref: r.ref as string, title: r.title as string, state: r.state as string, stage: r.stage as string,
  streetId: r.street_id as string, communityId: r.community_id as string, enteredAt: r.entered_at as string, leftAt: (r.left_at as string | null) ?? null,
  expectedEndAt: r.expected_end_at as string, working: Boolean(r.working), basis: (r.basis as string | null) ?? null,
});

/**
 * The projects that were in a stage at `asOf` past its expected end, most overdue first: one page and
 * the true count. At the present moment these are the open visits whose expected end has passed.
 */
export async function stuckAt(
  db: Db, asOf: string, scope: Scope, f: PlaceFilter, page: { page: number; pageSize: number }, opts: { present: boolean },
): Promise<{ rows: OpenVisitRow[]; total: number }> {
  // Two disjoint parts, each a range of the (left_at, expected_end_at) index: the visits still open,
  // and, for a moment in the past, those that ended after it. One condition with an OR between them
  // read every visit that ever entered a stage before asOf (two million in a city's ten years).
  // The second part bounds left_at on both sides (the upper bound is always true) so that SQLite,
  // without statistics, takes that range rather than the one on entered_at.
  const part = (open: boolean) => where(
    db('stage_visits')
      .join('projects', 'projects.id', 'stage_visits.project_id')
      .where((w) => (open ? w.whereNull('stage_visits.left_at') : w.where('stage_visits.left_at', '>', asOf).where('stage_visits.left_at', '<', '9999')))
      .where('stage_visits.expected_end_at', '<', asOf)
      .where('stage_visits.entered_at', '<=', asOf),
    scope, f,
  );
  const parts = opts.present ? [true] : [true, false];
  let total = 0;
  for (const open of parts) total += Number(((await part(open).count({ n: '*' })) as [{ n: number | string }])[0].n);
  if (total === 0) return { rows: [], total };
  const open = part(true).select(VISIT_COLUMNS);
  const source = opts.present ? open : open.unionAll(part(false).select(VISIT_COLUMNS));
  const rows = await db.select('*').from(source.as('stuck'))
    .orderBy([{ column: 'expected_end_at' }, { column: 'ref' }]).limit(page.pageSize).offset((page.page - 1) * page.pageSize);
  return { rows: rows.map(toVisit), total };
}

/** Per stage, how many visits began and how many ended in [from, to): two grouped queries. */
export async function movementCounts(db: Db, from: string, to: string, scope: Scope, f: PlaceFilter): Promise<{ entered: Map<string, number>; left: Map<string, number> }> {
  const grouped = async (col: 'entered_at' | 'left_at') => {
    const rows = (await where(db('stage_visits').where(col, '>=', from).where(col, '<', to), scope, f).groupBy('stage').select('stage').count({ n: '*' })) as Array<Record<string, unknown>>;
    return new Map(rows.map((r) => [r.stage as string, Number(r.n)]));
  };
  return { entered: await grouped('entered_at'), left: await grouped('left_at') };
}

/** The stages projects entered in [from, to), in order, with the stage each left (if any): one page and the true count. */
export async function entriesBetween(db: Db, from: string, to: string, scope: Scope, f: PlaceFilter, page: { page: number; pageSize: number }): Promise<{ rows: Array<OpenVisitRow & { previous: string | null }>; total: number }> {
  const base = where(db('stage_visits').join('projects', 'projects.id', 'stage_visits.project_id').where('stage_visits.entered_at', '>=', from).where('stage_visits.entered_at', '<', to), scope, f);
  const [{ n }] = (await base.clone().count({ n: '*' })) as [{ n: number | string }];
  const rows = (await base.orderBy([{ column: 'stage_visits.entered_at' }, { column: 'stage_visits.id' }]).select(VISIT_COLUMNS)
    .limit(page.pageSize).offset((page.page - 1) * page.pageSize)).map(toVisit);
  // the stage each left at that moment: the visit of the same project that ended then (one query)
  const previous = new Map<string, string>();
  if (rows.length) {
    const prior = await db('stage_visits').whereIn('project_id', [...new Set(rows.map((r) => r.projectId))]).whereIn('left_at', [...new Set(rows.map((r) => r.enteredAt))]).select('project_id', 'left_at', 'stage');
    for (const p of prior) previous.set(`${p.project_id as string}@${p.left_at as string}`, p.stage as string);
  }
  return { rows: rows.map((r) => ({ ...r, previous: previous.get(`${r.projectId}@${r.enteredAt}`) ?? null })), total: Number(n) };
}
