// The district's statistics for the public pages: counts and money by stage, category (the kind of
// help), main beneficiary group, type and street, per budget year, read from the projects read model
// and the allocations. Only repositories import knex.
import type { Db } from '../lib/db.js';

export interface StatsRow {
  key: string;
  count: number;
  estimatedFen: number;
  approvedFen: number;
  paidFen: number;
}

export interface MoneyTotals {
  allocatedFen: number;
  reservedFen: number;
  committedFen: number;
  spentFen: number;
  availableFen: number;
}

const n = (v: unknown) => Number(v ?? 0);

/**
 * Counts and sums by `column`, over the projects that have been public (their first notice began);
 * `year` is the budget year. By `main_group`: "残疾人: N projects, ¥X" (a row written before groups
 * has none: key '').
 */
export async function statsBy(db: Db, column: 'state' | 'category' | 'type' | 'street_id' | 'main_group', filter: { year?: number }): Promise<StatsRow[]> {
  const q = db('projects').whereNotNull('public_since').groupBy(column).orderBy(column)
    .select({ key: column })
    .count({ count: '*' })
    .sum({ estimatedFen: 'estimated_fen', approvedFen: 'approved_fen', paidFen: 'paid_fen' });
  if (filter.year !== undefined) q.where('budget_year', filter.year);
  return (await q).map((r: Record<string, unknown>) => ({ key: String(r.key ?? ''), count: n(r.count), estimatedFen: n(r.estimatedFen), approvedFen: n(r.approvedFen), paidFen: n(r.paidFen) }));
}

/**
 * How many public projects had their budget approved (立项), and how many of those are finished;
 * `year` is the budget year. A project that never had a notice is not counted on public pages.
 */
export async function progressCounts(db: Db, filter: { finishedStates: readonly string[]; year?: number }): Promise<{ confirmed: number; completed: number }> {
  const base = () => {
    const q = db('projects').whereNotNull('approved_fen').whereNotNull('public_since').whereNot('state', 'cancelled');
    if (filter.year !== undefined) q.where('budget_year', filter.year);
    return q;
  };
  const [c] = await base().count({ n: '*' });
  const [d] = await base().whereIn('state', [...filter.finishedStates]).count({ n: '*' });
  return { confirmed: n(c?.n), completed: n(d?.n) };
}

export async function moneyTotals(db: Db, year?: number): Promise<MoneyTotals> {
  const q = db('allocations').sum({ allocatedFen: 'allocated_fen', reservedFen: 'reserved_fen', committedFen: 'committed_fen', spentFen: 'spent_fen' });
  if (year !== undefined) q.where('year', year);
  const [r] = (await q) as Array<Record<string, unknown>>;
  const t = { allocatedFen: n(r?.allocatedFen), reservedFen: n(r?.reservedFen), committedFen: n(r?.committedFen), spentFen: n(r?.spentFen) };
  return { ...t, availableFen: t.allocatedFen - t.reservedFen - t.committedFen - t.spentFen };
}

export async function projectYears(db: Db): Promise<number[]> {
  const rows = await db('allocations').distinct('year').orderBy('year', 'desc');
  return rows.map((r: { year: unknown }) => Number(r.year));
}
