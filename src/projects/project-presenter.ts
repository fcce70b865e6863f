// What each reader may see of a project. Sealed quotes stay sealed until the quote deadline has
// passed (even the buyer sees no amounts); beneficiaries' names among signatories and objectors'
// contacts are masked for everyone outside the project's community.
import type { ExplainedEvent } from '../engine/types.js';
import type { HistoryRow } from '../engine/store.js';
import type { User } from '../auth/users.js';
import { maskName, maskPhone } from '../beneficiaries/mask.js';
import { chineseDaysKnowsYear, shanghaiDate } from '../lib/calendar.js';
import type { ProjectContext } from '../../workflows/project/index.js';
import type { ProjectRow } from './project-repo.js';

export type Viewer = User | null; // null = the public

const isOwnCommunity = (v: Viewer, c: { communityId: string }) => v?.role === 'community' && v.communityId === c.communityId;

/** Quote amounts are visible to the buyer side only once the deadline has passed; to a vendor, only its own. */
export function quotesVisible(state: string): boolean {
  return state !== 'procurement.quoting';
}

function presentQuotes(c: ProjectContext, state: string, viewer: Viewer) {
  const quotes = Object.values(c.procurement?.quotes ?? {});
  const open = quotesVisible(state);
  return quotes
    .filter((q) => viewer !== null && (viewer.role !== 'vendor' || viewer.vendorId === q.vendorId))
    .map((q) => {
      const own = viewer?.role === 'vendor' && viewer.vendorId === q.vendorId;
      const show = own || (open && viewer?.role !== 'vendor');
      return { vendorId: q.vendorId, submittedAt: q.at, sealed: !show, ...(show ? { amountFen: q.amountFen, items: q.items, validUntil: q.validUntil } : {}) };
    });
}

/** Which beneficiary a delivery served: the vendor that recorded it, the own community, the street and the district. */
function seesBeneficiaryRefs(v: Viewer, c: ProjectContext): boolean {
  return v !== null && (v.role === 'vendor' || v.role === 'street' || v.role === 'district' || isOwnCommunity(v, c));
}

function maskSignatories<T extends { role: string; name: string }>(list: T[], viewer: Viewer, c: ProjectContext): T[] {
  if (isOwnCommunity(viewer, c)) return list;
  return list.map((s) => (s.role === 'beneficiary' ? { ...s, name: maskName(s.name) } : s));
}

export function presentProject(row: ProjectRow, version: number, c: ProjectContext, viewer: Viewer, allowed: ExplainedEvent[]) {
  const own = isOwnCommunity(viewer, c);
  return {
    id: row.id,
    ref: row.ref,
    state: row.state,
    version,
    title: row.title,
    type: row.type,
    category: row.category,
    year: row.year,
    districtId: row.districtId,
    communityId: row.communityId,
    streetId: row.streetId,
    description: c.description,
    beneficiaryCount: c.beneficiaryCount,
    estimatedFen: row.estimatedFen,
    approvedFen: row.approvedFen,
    awardedFen: row.awardedFen,
    paidFen: row.paidFen,
    vendorId: row.vendorId,
    rulesVersion: row.rulesVersion,
    stageEnteredAt: row.stageEnteredAt,
    createdAt: row.createdAt,
    items: c.items,
    deliberation: c.deliberation,
    objections: viewer
      ? c.objections.map((o) => ({ ...o, contact: own ? o.contact : maskPhone(o.contact) }))
      : c.objections.map((o) => ({ id: o.id, text: o.text, at: o.at, status: o.status, response: o.response })),
    procurement: c.procurement && {
      method: c.procurement.method,
      round: c.procurement.round,
      deadline: c.procurement.deadline,
      invitations: viewer?.role === 'vendor' ? c.procurement.invitations.filter((v) => v === viewer.vendorId) : c.procurement.invitations,
      quotes: presentQuotes(c, row.state, viewer),
      failures: c.procurement.failures,
    },
    award: c.award,
    contract: c.contract && {
      contractNo: c.contract.contractNo,
      amountFen: c.contract.amountFen,
      dueOn: c.contract.dueOn,
      signedAt: c.contract.signedAt,
      confirmedAt: c.contract.confirmedAt,
      items: c.contract.items.map((i) => ({
        id: i.id, name: i.name, quantity: i.quantity, unitFen: i.unitFen, delivered: i.deliveredQty, confirmed: i.confirmed,
        disputed: i.disputed, disputeReason: i.disputeReason,
        deliveries: viewer ? i.deliveries.map((d) => ({ quantity: d.quantity, serials: d.serials, evidence: d.evidence, at: d.at, beneficiaryRef: seesBeneficiaryRefs(viewer, c) ? d.beneficiaryRef : null })) : [],
      })),
    },
    payments: viewer ? c.payments : c.payments.map((p) => ({ tranche: p.tranche, amountFen: p.amountFen, at: p.at })),
    acceptances: c.acceptances.map((a) => ({ ...a, signatories: maskSignatories(a.signatories, viewer, c) })),
    evaluation: c.evaluation,
    deadlines: {
      // Working-day deadlines in a year the official calendar does not know were counted on
      // Monday–Friday (plus admin overrides): flagged so people check them.
      weekdaysOnly: [c.noticeEndsAt, c.reviewReminderAt, c.reviewEscalationAt]
        .some((d) => typeof d === 'string' && !chineseDaysKnowsYear(Number(shanghaiDate(d).slice(0, 4)))),
      noticeEndsAt: c.noticeEndsAt,
      reviewReminderAt: c.reviewReminderAt,
      reviewEscalationAt: c.reviewEscalationAt,
      quoteDeadline: c.procurement?.deadline ?? null,
      dueAt: c.contract?.dueAt ?? null,
      warrantyEndsAt: c.warrantyEndsAt,
    },
    decisions: viewer ? c.decisions : [],
    allowedEvents: allowed,
  };
}

export type PresentedProject = ReturnType<typeof presentProject>;

/** History as this viewer may read it: quote amounts sealed, personal data masked. */
export function presentHistory(rows: HistoryRow[], state: string, c: ProjectContext, viewer: Viewer) {
  const own = isOwnCommunity(viewer, c);
  return rows.map((h) => {
    let payload: Record<string, unknown> = { ...h.payload };
    const actor = h.actor as { id: string; role: string; vendorId?: string };
    if (h.type === '$start') payload = {}; // the input repeats the project's facts (and the rules)
    if (h.type === 'SUBMIT_QUOTE' || h.type === 'WITHDRAW_QUOTE') {
      const mine = viewer?.role === 'vendor' && viewer.vendorId === actor.vendorId;
      const open = quotesVisible(state) && viewer !== null && viewer.role !== 'vendor';
      if (!mine && !open) payload = { sealed: true };
    }
    if (h.type === 'OBJECT' && !own) payload = { text: payload.text, ...(payload.contact ? { contact: maskPhone(String(payload.contact)) } : {}) };
    if (h.type === 'RECORD_DELIVERY' && payload.beneficiaryRef && !seesBeneficiaryRefs(viewer, c)) payload.beneficiaryRef = null;
    if (h.type === 'RECORD_ACCEPTANCE' && Array.isArray(payload.signatories)) {
      payload.signatories = maskSignatories(payload.signatories as Array<{ role: string; name: string }>, viewer, c);
    }
    return {
      seq: h.seq, type: h.type, from: h.from, to: h.to, at: h.at, payload, hash: h.hash,
      actor: { id: actor.id, role: actor.role },
    };
  });
}
