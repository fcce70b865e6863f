// Links the documents an accepted event names to its project, in the transition's transaction
// (called by the read model, projects/project-repo.ts syncReadModel): a refused event links nothing,
// and its uploads stay pending (document-service.ts). Each link gets a kind (the project file,
// 一项目一档案): the one its uploader named for the upload, else the one the event implies for the
// field (refs.ts impliedDocumentKind), else `other`.
import type { Trx } from '../lib/db.js';
import { impliedDocumentKind, referencedDocumentFields } from './refs.js';

export async function linkDocuments(trx: Trx, projectId: string, event: { type: string; actor?: unknown } & Record<string, unknown>, at: string): Promise<void> {
  const refs = referencedDocumentFields(event);
  if (!refs.length) return;
  const ids = refs.map((r) => r.id);
  const known = new Set((await trx('documents').whereIn('id', ids).select('id')).map((r: { id: string }) => r.id));
  const linked = new Set((await trx('document_links').where({ project_id: projectId }).whereIn('document_id', ids).select('document_id')).map((r: { document_id: string }) => r.document_id));
  const add = refs.filter((r) => known.has(r.id) && !linked.has(r.id));
  if (!add.length) return;
  const actorId = typeof event.actor === 'object' && event.actor !== null ? (event.actor as { id?: unknown }).id : undefined;
  const named = new Map<string, string>();
  if (typeof actorId === 'string') {
    const rows = await trx('document_uploads').where({ user_id: actorId }).whereIn('document_id', add.map((r) => r.id)).whereNotNull('kind').select('document_id', 'kind');
    for (const r of rows as Array<{ document_id: string; kind: string }>) named.set(r.document_id, r.kind);
  }
  await trx('document_links').insert(add.map((r) => ({
    document_id: r.id, project_id: projectId, linked_at: at,
    kind: named.get(r.id) ?? impliedDocumentKind(event.type, r.field) ?? 'other',
  })));
}
