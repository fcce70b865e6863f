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

/** Every document an event's payload names, with the field that names it (first field wins). */
export function referencedDocumentFields(payload: Record<string, unknown>): Array<{ id: string; field: string }> {
  const out: Array<{ id: string; field: string }> = [];
  const seen = new Set<string>();
  const add = (id: string, field: string) => {
    if (!seen.has(id)) out.push({ id, field });
    seen.add(id);
  };
  for (const k of DOCUMENT_LIST_FIELDS) if (Array.isArray(payload[k])) for (const d of (payload[k] as unknown[]).filter(isDocumentId)) add(d, k);
  if (isDocumentId(payload.minutes)) add(payload.minutes, 'minutes');
  return out;
}

/**
 * The kind of document (project.rules.ts DOCUMENT_KINDS) an event implies for the documents a field
 * names: the council's minutes, a vendor's quote, the contract scan, delivery evidence, the
 * acceptance report, a payment voucher, the evaluation; null where the event implies none (a comment,
 * a document attached to anything else), and the uploader's kind or `other` applies.
 */
export function impliedDocumentKind(type: string, field: string): string | null {
  if (type === 'RECORD_DELIBERATION' && field === 'minutes') return 'minutes';
  if (type === 'SUBMIT_QUOTE' && field === 'attachments') return 'quote';
  if (type === 'SIGN_CONTRACT' && field === 'attachments') return 'contract';
  if ((type === 'RECORD_DELIVERY' || type === 'RECTIFIED') && field === 'evidence') return 'delivery_evidence';
  if (type === 'RECORD_ACCEPTANCE' && field === 'attachments') return 'acceptance_report';
  if ((type === 'RECORD_PAYMENT' || type === 'RELEASE_RETENTION') && field === 'attachments') return 'payment_voucher';
  if (type === 'RECORD_EVALUATION') return 'evaluation';
  return null;
}
