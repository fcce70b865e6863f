// The statistics of a budget year or a range of years (issue 11 item 1), aggregated in SQL (GROUP BY)
// from the read model (projects), the ledger's project rows (project_ledger) and the allocations:
// never from snapshots or the history. Works on SQLite and PostgreSQL alike; PostgreSQL answers
// count() and sum() of bigints as strings, so every figure goes through Number. Only repositories
// import knex.
import type { Knex } from 'knex';
import type { Db } from '../lib/db.js';
import { FINAL_STAGES, STAGES, UNDONE_STAGES, WORK_ACCEPTED, type Stage } from '../../workflows/project/index.js';

/** The dimensions a summary breaks down by, and the read-model column each reads. */
export const GROUP_BY = { group: 'main_group', category: 'category', type: 'type', street: 'street_id', community: 'community_id' } as const;
export type GroupBy = keyof typeof GROUP_BY;

/** Whose projects: the public (only projects that have been public), or staff within a scope. */
export interface ReportFilter {
  from: number;
  to: number;
  /** Public figures count only projects whose first notice began (issue 10's visibility rule). */
  publicOnly: boolean;
  scope: { communityId: string } | { streetId: string } | null;
}

export interface Figures {
  proposed: number;
  confirmed: number;
  underway: number;
  completed: number;
  estimatedFen: number;
  approvedFen: number;
  committedFen: number;
  paidFen: number;
}

export interface BudgetFigures {
  allocatedFen: number;
  reservedFen: number;
  committedFen: number;
  spentFen: number;
  availableFen: number;
  /** what projects of a budget year before the current one, still open, hold (reserved + committed) */
  carriedOverFen: number;
}

export interface ExecutionFigures {
  confirmed: number;
  /** confirmed projects whose contract was confirmed (delivery or later) */
  started: number;
  allocatedFen: number;
  spentFen: number;
}

/**
 * Started (the contract confirmed, so the money committed): delivery and every stage after it in the
 * lifecycle's order (ARCHITECTURE §4), up to closed.
 */
export const STARTED: readonly Stage[] = STAGES.slice(STAGES.indexOf('delivery'), STAGES.indexOf('closed') + 1);
/** Under way: started, work not yet accepted. */
export const UNDERWAY: readonly Stage[] = STARTED.filter((s) => !WORK_ACCEPTED.includes(s));
/** Still open: not in a final state. */
const OPEN_EXCLUDES: readonly Stage[] = FINAL_STAGES;

const n = (v: unknown) => Number(v ?? 0);
const marks = (list: readonly string[]) => list.map(() => '?').join(', ');

/** The projects a report counts: budget years in range, visibility, scope. */
function projectsIn(db: Db, f: ReportFilter): Knex.QueryBuilder {
  const q = db('projects as p').leftJoin('project_ledger as l', 'l.project_id', 'p.id').whereBetween('p.budget_year', [f.from, f.to]);
  if (f.publicOnly) q.whereNotNull('p.public_since');
  if (f.scope && 'communityId' in f.scope) q.where('p.community_id', f.scope.communityId);
  if (f.scope && 'streetId' in f.scope) q.where('p.street_id', f.scope.streetId);
  return q;
}

/** The aggregate columns of a breakdown row (raw SQL with bindings, the same on both databases). */
function figureColumns(db: Db): Knex.Raw[] {
  const confirmed = `p.approved_fen is not null and p.state not in (${marks(UNDONE_STAGES)})`;
  return [
    db.raw('count(*) as proposed'),
    db.raw(`sum(case when ${confirmed} then 1 else 0 end) as confirmed`, [...UNDONE_STAGES]),
    db.raw(`sum(case when p.state in (${marks(UNDERWAY)}) then 1 else 0 end) as underway`, [...UNDERWAY]),
    db.raw(`sum(case when p.state in (${marks(WORK_ACCEPTED)}) then 1 else 0 end) as completed`, [...WORK_ACCEPTED]),
    db.raw('sum(p.estimated_fen) as estimated_fen'),
    db.raw(`sum(case when ${confirmed} then p.approved_fen else 0 end) as approved_fen`, [...UNDONE_STAGES]),
    db.raw('sum(coalesce(l.committed_fen, 0)) as committed_fen'),
    db.raw('sum(p.paid_fen) as paid_fen'),
  ];
}

const toFigures = (r: Record<string, unknown> | undefined): Figures => ({
  proposed: n(r?.proposed), confirmed: n(r?.confirmed), underway: n(r?.underway), completed: n(r?.completed),
  estimatedFen: n(r?.estimated_fen), approvedFen: n(r?.approved_fen), committedFen: n(r?.committed_fen), paidFen: n(r?.paid_fen),
});

/** One row per key of `groupBy` (a project before groups has main_group null: key ''), ordered by key, paged. */
export async function breakdown(db: Db, f: ReportFilter, groupBy: GroupBy, page: { page: number; pageSize: number }): Promise<{ rows: Array<Figures & { key: string }>; totalRows: number }> {
  const column = `p.${GROUP_BY[groupBy]}`;
  const keys = projectsIn(db, f).select(db.raw(`count(distinct coalesce(${column}, '')) as n`));
  const rows = projectsIn(db, f).select(db.raw(`coalesce(${column}, '') as group_key`), ...figureColumns(db))
    .groupByRaw(`coalesce(${column}, '')`).orderByRaw(`coalesce(${column}, '')`)
    .limit(page.pageSize).offset((page.page - 1) * page.pageSize);
  const [[k], found] = await Promise.all([keys, rows]);
  return { rows: (found as Array<Record<string, unknown>>).map((r) => ({ key: String(r.group_key ?? ''), ...toFigures(r) })), totalRows: n((k as Record<string, unknown> | undefined)?.n) };
}

export async function totals(db: Db, f: ReportFilter): Promise<Figures> {
  const [r] = (await projectsIn(db, f).select(...figureColumns(db))) as Array<Record<string, unknown>>;
  return toFigures(r);
}

/** Per state (the public page's "by stage" table): how many projects and what they were granted and paid. */
export async function byState(db: Db, f: ReportFilter): Promise<Array<{ key: string; count: number; estimatedFen: number; approvedFen: number; paidFen: number }>> {
  const rows = (await projectsIn(db, f).select({ key: 'p.state' }).count({ count: '*' })
    .sum({ estimatedFen: 'p.estimated_fen', approvedFen: 'p.approved_fen', paidFen: 'p.paid_fen' }).groupBy('p.state').orderBy('p.state')) as Array<Record<string, unknown>>;
  return rows.map((r) => ({ key: String(r.key), count: n(r.count), estimatedFen: n(r.estimatedFen), approvedFen: n(r.approvedFen), paidFen: n(r.paidFen) }));
}

/**
 * Budget use per community (with its street) over the allocations of the years in range, and what
 * is carried over: projects of a budget year before `currentYear` (Asia/Shanghai) still open, with
 * what they hold. Bounded by the communities in scope (reference data), never by projects.
 */
export async function budgetByCommunity(db: Db, f: Omit<ReportFilter, 'publicOnly'>, currentYear: number): Promise<Array<BudgetFigures & { communityId: string; streetId: string }>> {
  const alloc = db('allocations as a').join('communities as c', 'c.id', 'a.community_id').whereBetween('a.year', [f.from, f.to])
    .select({ communityId: 'a.community_id', streetId: 'c.street_id' })
    .sum({ allocated: 'a.allocated_fen', reserved: 'a.reserved_fen', committed: 'a.committed_fen', spent: 'a.spent_fen' })
    .groupBy('a.community_id', 'c.street_id').orderBy('a.community_id');
  if (f.scope && 'communityId' in f.scope) alloc.where('a.community_id', f.scope.communityId);
  if (f.scope && 'streetId' in f.scope) alloc.where('c.street_id', f.scope.streetId);
  const carried = projectsIn(db, { ...f, publicOnly: false }).where('p.budget_year', '<', currentYear).whereNotIn('p.state', [...OPEN_EXCLUDES])
    .select({ communityId: 'p.community_id' }).sum({ held: db.raw('coalesce(l.reserved_fen, 0) + coalesce(l.committed_fen, 0)') }).groupBy('p.community_id');
  const [rows, held] = (await Promise.all([alloc, carried])) as [Array<Record<string, unknown>>, Array<Record<string, unknown>>];
  const heldBy = new Map(held.map((r) => [String(r.communityId), n(r.held)]));
  return rows.map((r) => {
    const a = { allocatedFen: n(r.allocated), reservedFen: n(r.reserved), committedFen: n(r.committed), spentFen: n(r.spent) };
    return {
      communityId: String(r.communityId), streetId: String(r.streetId), ...a,
      availableFen: a.allocatedFen - a.reservedFen - a.committedFen - a.spentFen, carriedOverFen: heldBy.get(String(r.communityId)) ?? 0,
    };
  });
}

/** Per street: confirmed projects, those started, and the money allocated and spent (the Shenzhen warning sign). */
export async function executionByStreet(db: Db, f: ReportFilter): Promise<Array<ExecutionFigures & { streetId: string }>> {
  const counts = projectsIn(db, f).whereNotNull('p.approved_fen').whereNotIn('p.state', [...UNDONE_STAGES])
    .select({ streetId: 'p.street_id' }).count({ confirmed: '*' })
    .select(db.raw(`sum(case when p.state in (${marks(STARTED)}) then 1 else 0 end) as started`, [...STARTED]))
    .groupBy('p.street_id');
  const money = db('allocations as a').join('communities as c', 'c.id', 'a.community_id').whereBetween('a.year', [f.from, f.to])
    .select({ streetId: 'c.street_id' }).sum({ allocated: 'a.allocated_fen', spent: 'a.spent_fen' }).groupBy('c.street_id');
  if (f.scope && 'communityId' in f.scope) money.where('a.community_id', f.scope.communityId);
  if (f.scope && 'streetId' in f.scope) money.where('c.street_id', f.scope.streetId);
  const [c, m] = (await Promise.all([counts, money])) as [Array<Record<string, unknown>>, Array<Record<string, unknown>>];
  const out = new Map<string, ExecutionFigures & { streetId: string }>();
  const get = (id: string) => out.get(id) ?? out.set(id, { streetId: id, confirmed: 0, started: 0, allocatedFen: 0, spentFen: 0 }).get(id)!;
  for (const r of m) Object.assign(get(String(r.streetId)), { allocatedFen: n(r.allocated), spentFen: n(r.spent) });
  for (const r of c) Object.assign(get(String(r.streetId)), { confirmed: n(r.confirmed), started: n(r.started) });
  return [...out.values()].sort((x, y) => x.streetId.localeCompare(y.streetId));
}

/** The budget years there is anything for: allocations and projects. */
export async function reportYears(db: Db): Promise<number[]> {
  const [a, p] = await Promise.all([db('allocations').distinct('year'), db('projects').distinct({ year: 'budget_year' })]);
  const years = new Set([...a, ...p].map((r: { year: unknown }) => Number(r.year)).filter((y) => Number.isInteger(y) && y > 0));
  return [...years].sort((x, y) => y - x);
}
