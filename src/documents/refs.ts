// Which documents an event's payload names: pure, shared by the document service, the project
// service (which checks them before the engine) and the read model (which links them in the
// transition's transaction).

export const isDocumentId = (s: unknown): s is string => typeof s === 'string' && /^[0-9a-f]{64}$/.test(s);

/** The payload fields that hold documents: lists of document ids, and minutes when given as a document. */
export const DOCUMENT_LIST_FIELDS = ['evidence', 'attachments'] as const;

/** Every document id an event's payload references (evidence, attachments, minutes given as a document). */
export function referencedDocuments(payload: Record<string, unknown>): string[] {
  const ids: string[] = [];
  for (const k of DOCUMENT_LIST_FIELDS) if (Array.isArray(payload[k])) ids.push(...(payload[k] as unknown[]).filter(isDocumentId));
  if (isDocumentId(payload.minutes)) ids.push(payload.minutes);
  return ids;
}
