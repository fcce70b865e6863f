// The rating codes' table (`rating_codes`): the only place that reads or writes it. Codes are
// looked up by their sha256; a code is used by one conditional UPDATE, so two uses at once cannot
// both succeed (the second finds `used_at` set and changes no row).
import type { Queryable } from '../lib/db.js';
import type { RatingsTally } from '../../workflows/project/index.js';

export interface RatingCodeRow {
  id: string;
  projectId: string;
  usedAt: string | null;
}

export interface NewRatingCode {
  id: string;
  projectId: string;
  codeHash: string;
  createdAt: string;
  createdBy: string;
}

export async function insertCodes(q: Queryable, codes: NewRatingCode[]): Promise<void> {
  // chunks keep SQLite under its bound-variables limit
  for (let i = 0; i < codes.length; i += 100) {
    await q('rating_codes').insert(codes.slice(i, i + 100).map((c) => ({
      id: c.id, project_id: c.projectId, code_hash: c.codeHash, created_at: c.createdAt, created_by: c.createdBy,
    })));
  }
}

export async function findByHash(q: Queryable, codeHash: string): Promise<RatingCodeRow | null> {
  const r = await q('rating_codes').where({ code_hash: codeHash }).first('id', 'project_id', 'used_at');
  return r ? { id: r.id as string, projectId: r.project_id as string, usedAt: (r.used_at as string | null) ?? null } : null;
}

/** Uses the code once: true when this call used it, false when it was used already. */
export async function useCode(q: Queryable, id: string, rating: { at: string; stars: number; comment: string | null }): Promise<boolean> {
  const n = await q('rating_codes').where({ id }).whereNull('used_at').update({ used_at: rating.at, stars: rating.stars, comment: rating.comment });
  return Number(n) === 1;
}

export async function countIssued(q: Queryable, projectId: string): Promise<number> {
  const r = await q('rating_codes').where({ project_id: projectId }).count<{ n: number | string }[]>({ n: '*' });
  return Number(r[0]?.n ?? 0);
}

/** The used codes of a project by stars. */
export async function tally(q: Queryable, projectId: string): Promise<RatingsTally> {
  const rows = await q('rating_codes').where({ project_id: projectId }).whereNotNull('used_at')
    .select('stars').count<{ stars: number | string; n: number | string }[]>({ n: '*' }).groupBy('stars');
  const stars: RatingsTally['stars'] = [0, 0, 0, 0, 0];
  for (const r of rows) {
    const s = Number(r.stars);
    if (s >= 1 && s <= 5) stars[s - 1] = (stars[s - 1] ?? 0) + Number(r.n);
  }
  return { count: stars.reduce((a, b) => a + b, 0), stars };
}

/** The comments residents left, newest first (staff only: they may identify someone). */
export async function comments(q: Queryable, projectId: string, limit = 200): Promise<Array<{ at: string; stars: number; comment: string }>> {
  const rows = await q('rating_codes').where({ project_id: projectId }).whereNotNull('used_at').whereNotNull('comment')
    .orderBy('used_at', 'desc').limit(limit).select('used_at', 'stars', 'comment');
  return rows.map((r) => ({ at: r.used_at as string, stars: Number(r.stars), comment: r.comment as string }));
}
