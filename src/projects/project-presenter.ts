// What each reader may see of a project. Sealed quotes stay sealed until the quote deadline has
// passed (even the buyer sees no amounts); beneficiaries' names among signatories and objectors'
// contacts are masked for everyone outside the project's community. Procurement is sealed from
// vendors and the public until the award (issue 9: sealed procurement): a vendor sees only its own
// invitation and its own quotes, the public sees no vendor at all, and neither gets anything it could
// count the others by (history sequence numbers and hashes included).
import type { ExplainedEvent } from '../engine/types.js';
import type { HistoryRow } from '../engine/store.js';
import { canonicalJson, getPath, type FieldDigest } from '../engine/hash.js';
import type { User } from '../auth/users.js';
import { maskName, maskPhone } from '../beneficiaries/mask.js';
import { chineseDaysKnowsYear, shanghaiDate } from '../lib/calendar.js';
import { FINAL_STAGES, type ProjectContext } from '../../workflows/project/index.js';
import { isAmountFen, itemsTotalFen } from '../../workflows/shared/money.js';
import type { ProjectRow } from './project-repo.js';

export type Viewer = User | null; // null = the public

const isOwnCommunity = (v: Viewer, c: { communityId: string }) => v?.role === 'community' && v.communityId === c.communityId;

/** Quote amounts are visible to the buyer side only once the deadline has passed; to a vendor, only its own. */
export function quotesVisible(state: string): boolean {
  return state !== 'procurement.quoting';
}

/** The viewer is this vendor (one of its users). */
const isVendor = (v: Viewer, vendorId: unknown): boolean => v?.role === 'vendor' && typeof vendorId === 'string' && v.vendorId === vendorId;

/**
 * Whether this viewer reads the procurement sealed: vendors and the public until the award. A
 * failed round (DECLARE_FAILED, 流标) awards nothing, so the next round is sealed again. Staff
 * (community, street, district, finance, admin) read it whole, amounts aside (quotesVisible).
 */
export function procurementSealed(c: ProjectContext, viewer: Viewer): boolean {
  return c.award === null && (viewer === null || viewer.role === 'vendor');
}

/** A quote's amount and details: its vendor always; staff once the deadline has passed; every reader after the award. */
function quoteOpen(c: ProjectContext, state: string, viewer: Viewer, vendorId: unknown): boolean {
  if (isVendor(viewer, vendorId)) return true;
  if (c.award !== null) return true;
  return quotesVisible(state) && viewer !== null && viewer.role !== 'vendor';
}

function presentQuotes(c: ProjectContext, state: string, viewer: Viewer) {
  const quotes = Object.values(c.procurement?.quotes ?? {});
  const sealed = procurementSealed(c, viewer);
  return quotes
    .filter((q) => !sealed || isVendor(viewer, q.vendorId))
    .map((q) => {
      const show = quoteOpen(c, state, viewer, q.vendorId);
      // Vendors and the public get the tender's figures after the award, not another vendor's line items.
      const details = isVendor(viewer, q.vendorId) || (viewer !== null && viewer.role !== 'vendor');
      return {
        vendorId: q.vendorId, submittedAt: q.at, sealed: !show,
        ...(show ? { amountFen: q.amountFen, ...(details ? { items: q.items, validUntil: q.validUntil } : {}) } : {}),
      };
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

/**
 * The amounts a project holds that are not amounts (negative, fractional, past 2^53 or the bound):
 * only a version 1 history can hold one (an EDIT with a line worth more than 2^53). Named so that
 * clients show them as invalid; the pages' money formatting reads such a number as '金额无效'.
 */
export function invalidAmounts(row: Pick<ProjectRow, 'estimatedFen' | 'approvedFen' | 'awardedFen' | 'paidFen'>, c: Pick<ProjectContext, 'items'>): string[] {
  const out: string[] = (['estimatedFen', 'approvedFen', 'awardedFen', 'paidFen'] as const).filter((k) => row[k] !== null && !isAmountFen(row[k]));
  c.items.forEach((item, n) => {
    if (itemsTotalFen([item]) === null) out.push(`items.${n}`);
  });
  if (!out.some((k) => k.startsWith('items.')) && itemsTotalFen(c.items) === null) out.push('items');
  return out;
}

/**
 * Carried over (结转): still open after its budget year ended (Asia/Shanghai). It keeps what it
 * reserved and committed in that year's allocation, and pays from it.
 */
export function isCarriedOver(row: Pick<ProjectRow, 'budgetYear' | 'state'>, currentYear: number): boolean {
  return row.budgetYear < currentYear && !(FINAL_STAGES as readonly string[]).includes(row.state);
}

/** `currentYear` (Asia/Shanghai, by the injected clock) tells whether the project is carried over. */
export function presentProject(row: ProjectRow, version: number, c: ProjectContext, viewer: Viewer, allowed: ExplainedEvent[], currentYear?: number) {
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
    budgetYear: row.budgetYear,
    mainGroup: row.mainGroup,
    otherGroups: row.otherGroups,
    carriedOver: currentYear !== undefined && isCarriedOver(row, currentYear),
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
    // the service-project library entry it started from, as it stood then (null: not from the library)
    library: c.library ?? null,
    stageEnteredAt: row.stageEnteredAt,
    createdAt: row.createdAt,
    items: c.items,
    invalidAmounts: invalidAmounts(row, c),
    deliberation: c.deliberation,
    // every council meeting, void ones (no quorum) included; and every public notice held
    meetings: c.meetings,
    notices: c.notices,
    checklist: c.checklist,
    // the positive-list area screening put it under, named as its own rules version names it
    positiveArea: c.checklist !== null && 'positiveArea' in c.checklist
      ? (c.rules.screening?.positiveAreas.find((a) => a.code === (c.checklist as { positiveArea: string }).positiveArea) ?? { code: c.checklist.positiveArea, zh: c.checklist.positiveArea, en: c.checklist.positiveArea })
      : null,
    objections: viewer
      ? c.objections.map((o) => ({ ...o, contact: own ? o.contact : maskPhone(o.contact) }))
      : c.objections.map((o) => ({ id: o.id, notice: o.notice, text: o.text, at: o.at, status: o.status, response: o.response })),
    procurement: c.procurement && {
      method: c.procurement.method,
      round: c.procurement.round,
      deadline: c.procurement.deadline,
      invitations: procurementSealed(c, viewer) ? c.procurement.invitations.filter((v) => isVendor(viewer, v)) : c.procurement.invitations,
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
        confirmedQty: i.confirmedQty, disputedQty: i.disputedQty, disputed: i.disputed, disputeReason: i.disputeReason,
        disputes: i.disputes,
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

/**
 * A row of a project list as this viewer may read it. The read model's `updatedAt` is the time of
 * the last event, another vendor's quote included: a vendor reads the time its project entered
 * the stage instead until the award (the row's `vendorId` is the awarded vendor).
 */
export function presentListRow<T extends { updatedAt: string; stageEnteredAt: string; vendorId: string | null }>(row: T, viewer: Viewer): T {
  const sealed = row.vendorId === null && (viewer === null || viewer.role === 'vendor');
  return sealed ? { ...row, updatedAt: row.stageEnteredAt } : row;
}

export type PresentedProject = ReturnType<typeof presentProject>;

/**
 * A history row as the presenter gives it; `seq` and `hash` as stored, except for sealed readers (see
 * presentHistory). With the hash come what it is computed from (the actor as stored, the workflow
 * version, the hash scheme) and, for a scheme 2 row, its personal fields' digests: the engine's
 * `verifyShippedHistory` checks such rows, masked or not.
 */
export interface PresentedHistoryRow {
  seq: number;
  type: string;
  from: string | null;
  to: string;
  at: string;
  payload: Record<string, unknown>;
  /** a quote (or its withdrawal) still sealed for this reader: its payload is withheld */
  sealed?: boolean;
  hash?: string;
  actor: { id: string; role: string } & Record<string, unknown>;
  workflowVersion?: number;
  hashScheme?: number;
  /** by path: the digest, and the salt where this reader sees the value as stored */
  digests?: Record<string, FieldDigest>;
}

type RowActor = { id: string; role: string; vendorId?: string };

/**
 * The rows a sealed reader may see at all: none sent by another vendor (its quotes, withdrawals,
 * comments: who took part, and when). The public sees no vendor's row.
 */
function sealedRows(rows: HistoryRow[], viewer: Viewer): HistoryRow[] {
  return rows.filter((h) => {
    const actor = h.actor as RowActor;
    return actor.role !== 'vendor' || isVendor(viewer, actor.vendorId);
  });
}

/**
 * The version a sealed reader is told (project answer, ETag, and what it sends back as its expected
 * version): the number of history rows it may see. The stored version counts every row, so it would
 * count the other vendors' quotes; this one moves only when something the reader can see happens.
 */
export function sealedVersion(rows: HistoryRow[], viewer: Viewer): number {
  return sealedRows(rows, viewer).length;
}

/**
 * History as this viewer may read it: quote amounts sealed, personal data masked, and for a sealed
 * reader (procurementSealed) only its own part of the procurement. A sealed reader gets its own
 * running number instead of the stored sequence number, and no hash: gaps in the one, or a chain
 * that does not link, would count the rows it may not see.
 */
export function presentHistory(rows: HistoryRow[], state: string, c: ProjectContext, viewer: Viewer): PresentedHistoryRow[] {
  const own = isOwnCommunity(viewer, c);
  const sealed = procurementSealed(c, viewer);
  return (sealed ? sealedRows(rows, viewer) : rows).map((h, i) => {
    let payload: Record<string, unknown> = { ...h.payload };
    const actor = h.actor as RowActor;
    if (h.type === '$start') payload = {}; // the input repeats the project's facts (and the rules)
    if (h.type === 'INVITE' && sealed && Array.isArray(payload.vendorIds)) {
      const mine = payload.vendorIds.filter((v) => isVendor(viewer, v));
      delete payload.vendorIds;
      if (mine.length) payload.vendorIds = mine;
      // the records of the vendors invited (eligibility) name them too: only the reader's own
      if (payload.vendorRecords && typeof payload.vendorRecords === 'object') {
        const own = Object.entries(payload.vendorRecords as Record<string, unknown>).filter(([v]) => isVendor(viewer, v));
        delete payload.vendorRecords;
        if (own.length) payload.vendorRecords = Object.fromEntries(own);
      }
    }
    // a quote still sealed: none of its fields (they enter the hash as digests, so the row verifies)
    const quoteSealed = (h.type === 'SUBMIT_QUOTE' || h.type === 'WITHDRAW_QUOTE') && !quoteOpen(c, state, viewer, actor.vendorId);
    if (quoteSealed) payload = {};
    if (h.type === 'OBJECT' && !own) payload = { text: payload.text, ...(payload.contact ? { contact: maskPhone(String(payload.contact)) } : {}) };
    if (h.type === 'RECORD_DELIVERY' && payload.beneficiaryRef && !seesBeneficiaryRefs(viewer, c)) payload.beneficiaryRef = null;
    if (h.type === 'RECORD_ACCEPTANCE' && Array.isArray(payload.signatories)) {
      payload.signatories = maskSignatories(payload.signatories as Array<{ role: string; name: string }>, viewer, c);
    }
    const seal = quoteSealed ? { sealed: true } : {};
    if (sealed) return { seq: i + 1, type: h.type, from: h.from, to: h.to, at: h.at, payload, ...seal, actor: { id: actor.id, role: actor.role } };
    return {
      seq: h.seq, type: h.type, from: h.from, to: h.to, at: h.at, payload, ...seal, hash: h.hash, actor: h.actor as PresentedHistoryRow['actor'],
      ...(h.workflowVersion === undefined ? {} : { workflowVersion: h.workflowVersion }),
      hashScheme: h.hashScheme ?? 1,
      ...(h.digests ? { digests: shippedDigests(h.digests, h.payload, payload) } : {}),
    };
  });
}

/** The digests a reader gets: every one, with its salt only where the reader sees the value as stored. */
function shippedDigests(digests: NonNullable<HistoryRow['digests']>, stored: unknown, shown: unknown): Record<string, FieldDigest> {
  const same = (path: string) => {
    const v = getPath(shown, path);
    return v !== undefined && canonicalJson(v) === canonicalJson(getPath(stored, path));
  };
  return Object.fromEntries(Object.entries(digests).map(([path, d]) => [path, same(path) ? { digest: d.digest, salt: d.salt } : { digest: d.digest }]));
}
