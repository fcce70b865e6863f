// The timeline of a project's history as people read it: who did what and when, the change of
// stage, the comment, the facts of the payload worth showing, and links to its documents. The
// history comes from services.projects.history(), which has already sealed quotes and procurement
// (a vendor sees its own invitation and quotes only, until the award) and masked personal data for
// this viewer: the timeline shows what it is given and counts nothing itself.
import type { PresentedHistoryRow } from '../projects/project-presenter.js';
import { stateLabel } from './statechart.js';
import { t, type Lang } from '../lib/i18n.js';
import { formatYuan } from '../../workflows/shared/money.js';
import { formatShanghai } from '../lib/calendar.js';
import type { DocumentMeta } from '../documents/document-service.js';
import { isDocumentId, referencedDocuments } from '../documents/document-service.js';
import { GRADES } from '../../workflows/project/index.js';

export interface TimelineRefs {
  vendorName(id: string): string;
  itemName(id: string): string;
  userName(id: string): string | undefined;
  beneficiaryLabel(id: string): string;
  documents: Map<string, DocumentMeta>;
  docHref(id: string): string;
}

const TEXT_KEYS = ['reason', 'response', 'text', 'justification', 'notes', 'defects', 'contact', 'contractNo', 'voucherNo'];
const NUMBER_KEYS = ['members', 'present', 'for', 'against', 'abstain', 'quantity', 'score', 'satisfactionPct'];
const DATE_KEYS = ['heldOn', 'dueOn', 'validUntil'];
const INSTANT_KEYS = ['deadline', 'noticeEndsAt', 'dueAt', 'warrantyEndsAt'];

/** Every document id an entry references: the same rule GET /documents/:id reads by. */
export const documentIds = referencedDocuments;

function details(lang: Lang, p: Record<string, unknown>, refs: TimelineRefs): Array<{ label: string; value: string }> {
  const out: Array<{ label: string; value: string }> = [];
  const add = (key: string, value: string) => out.push({ label: t(lang, `projects.fields.${key}`), value });
  if (p.sealed === true) out.push({ label: t(lang, 'projects.fields.amountFen'), value: t(lang, 'projects.sealed') });
  for (const [k, v] of Object.entries(p)) {
    if (TEXT_KEYS.includes(k) && typeof v === 'string' && v) add(k, v);
    else if (NUMBER_KEYS.includes(k) && typeof v === 'number') add(k, String(v));
    else if (DATE_KEYS.includes(k) && typeof v === 'string') add(k, v);
    else if (INSTANT_KEYS.includes(k) && typeof v === 'string') add(k, formatShanghai(v, 'datetime'));
    else if (k.endsWith('Fen') && typeof v === 'number') add(k, formatYuan(v, { lang }));
    else if (k === 'minutes' && typeof v === 'string' && !isDocumentId(v)) add(k, v);
    else if (k === 'vendorId' && typeof v === 'string') add(k, refs.vendorName(v));
    else if (k === 'vendorIds' && Array.isArray(v)) add(k, v.map((x) => refs.vendorName(String(x))).join('、'));
    else if (k === 'itemId' && typeof v === 'string') add(k, refs.itemName(v));
    else if (k === 'beneficiaryRef' && typeof v === 'string' && v) add(k, refs.beneficiaryLabel(v));
    else if (k === 'tranche' && typeof v === 'string') add(k, t(lang, `projects.tranches.${v}`));
    else if (k === 'grade' && typeof v === 'string') add(k, t(lang, `projects.grades.${GRADES.indexOf(v as (typeof GRADES)[number])}`));
    else if (k === 'passed' && typeof v === 'boolean') add(k, t(lang, v ? 'projects.yes' : 'projects.no'));
    else if (k === 'serials' && Array.isArray(v) && v.length) add(k, v.join('、'));
    else if (k === 'checklist' && v && typeof v === 'object') {
      for (const [item, yes] of Object.entries(v as Record<string, unknown>)) add(item, t(lang, yes ? 'projects.yes' : 'projects.no'));
    } else if (k === 'signatories' && Array.isArray(v)) {
      add(k, (v as Array<{ role: string; name: string }>).map((s) => `${t(lang, `projects.roles.${s.role}`)}：${s.name}`).join('；'));
    } else if (k === 'items' && Array.isArray(v)) {
      add(k, (v as Array<{ name: string; quantity: number; unitFen: number }>).map((i) => `${i.name} × ${i.quantity} @ ${formatYuan(i.unitFen, { lang })}`).join('；'));
    } else if (k === 'fields' && v && typeof v === 'object') {
      add('changedFields', Object.keys(v).map((f) => t(lang, `projects.fields.${f}`)).join('、'));
    }
  }
  return out;
}

function who(lang: Lang, actor: { id: string; role: string }, refs: TimelineRefs): string {
  if (actor.role === 'system') return t(lang, 'projects.actors.system');
  if (actor.role === 'anonymous') return t(lang, 'projects.actors.anonymous');
  const name = refs.userName(actor.id);
  return `${name ?? actor.id}（${t(lang, `projects.userRoles.${actor.role}`)}）`;
}

export function timelineView(lang: Lang, history: PresentedHistoryRow[], refs: TimelineRefs) {
  return history.map((h) => {
    const moved = h.from !== null && h.from !== h.to;
    return {
      at: formatShanghai(h.at, 'datetime'),
      iso: h.at,
      who: who(lang, h.actor, refs),
      what: h.type === '$start' ? t(lang, 'projects.events.$start') : t(lang, `projects.events.${h.type}.name`),
      change: moved ? `${stateLabel(lang, h.from!)} → ${stateLabel(lang, h.to)}` : undefined,
      comment: typeof h.payload.comment === 'string' && h.payload.comment ? h.payload.comment : undefined,
      details: details(lang, h.sealed ? { ...h.payload, sealed: true } : h.payload, refs),
      documents: documentIds(h.payload).map((id) => ({ href: refs.docHref(id), name: refs.documents.get(id)?.filename ?? id.slice(0, 12) })),
    };
  });
}
