// The budget years the public project list offers: those with allocations. The statistics
// themselves are in summary-repo.ts (aggregated in SQL) and report-service.ts. Only repositories
// import knex.
import type { Db } from '../lib/db.js';

export async function projectYears(db: Db): Promise<number[]> {
  const rows = await db('allocations').distinct('year').orderBy('year', 'desc');
  return rows.map((r: { year: unknown }) => Number(r.year));
}
