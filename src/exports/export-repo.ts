// The database side of the exports: the filtered projects page by page (keyset, never all at once),
// and the references of the projects a ledger names. Only repositories import knex.
import type { Db, Queryable } from '../lib/db.js';
import { filteredProjects, toProjectRow, waitingRoles, type ProjectFilter, type ProjectRow, type Scope } from '../projects/project-repo.js';

export const EXPORT_BATCH = 500;

/**
 * The projects the list shows for this filter and scope, in its order (newest first), in batches of
 * `batch` rows: each batch one indexed query continuing after the last row seen (created_at, ref),
 * so a row inserted meanwhile neither repeats nor shifts a page, and memory holds one batch.
 */
export async function* projectBatches(db: Db, filter: ProjectFilter, scope: Scope, batch = EXPORT_BATCH): AsyncGenerator<Array<ProjectRow & { waitingFor: string[] }>> {
  let after: { createdAt: string; ref: string } | undefined;
  for (;;) {
    const q = filteredProjects(db, filter, scope);
    if (after) {
      const { createdAt, ref } = after;
      // (created_at, ref) before the last row's; the bound on created_at alone lets the index seek
      // to it, where the disjunction alone would walk the index from the newest row every batch
      q.where('projects.created_at', '<=', createdAt).andWhere((w) => w.where('projects.created_at', '<', createdAt).orWhere('projects.ref', '<', ref));
    }
    const rows = (await q.orderBy([{ column: 'projects.created_at', order: 'desc' }, { column: 'projects.ref', order: 'desc' }]).select('projects.*').limit(batch) as Array<Record<string, unknown>>).map(toProjectRow);
    if (rows.length === 0) return;
    const waiting = await waitingRoles(db, rows.map((r: ProjectRow) => r.id));
    yield rows.map((r: ProjectRow) => ({ ...r, waitingFor: waiting.get(r.id) ?? [] }));
    if (rows.length < batch) return;
    const last = rows[rows.length - 1]!;
    after = { createdAt: last.createdAt, ref: last.ref };
  }
}

/** Reference and title of each of these projects (a ledger's entries name them by id). */
export async function projectLabels(db: Queryable, ids: string[]): Promise<Map<string, { ref: string; title: string }>> {
  const out = new Map<string, { ref: string; title: string }>();
  for (let i = 0; i < ids.length; i += EXPORT_BATCH) {
    for (const r of await db('projects').whereIn('id', ids.slice(i, i + EXPORT_BATCH)).select('id', 'ref', 'title')) out.set(r.id, { ref: r.ref, title: r.title });
  }
  return out;
}
