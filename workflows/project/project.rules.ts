/**
 * Programme rules (实施规则) as data, and the pure rule functions built on them.
 *
 * Every number is a configurable default (domain/PROGRAMME.md, "Numbers"): districts differ and
 * change their rules most years, so the engine stores rules per district and version and a project
 * keeps the version it started under (it is part of the machine input).
 *
 * Rule functions return `Reason[]`; empty means "ok". Guards in the machine are exactly
 * `rule(...).length === 0`, and `refusalReasons` returns the same reasons, so the UI and the
 * machine can never disagree.
 */
import type {
  Checklist,
  ProcurementMethod,
  ProcurementRecord,
  ProjectType,
  Reason,
  Signatory,
} from './project.types.js';
import { shanghaiDate } from './project.dates.js';

export interface Fraction {
  num: number;
  den: number;
}

export interface ProgrammeRules {
  version: number;
  /** per-project cap in fen by type */
  capsFen: Record<ProjectType, number>;
  /** 公示 length in working days (PRC official calendar) */
  noticeWorkingDays: number;
  /** at least this share of members present */
  quorum: Fraction;
  /** strictly more than this share of those present in favour */
  majority: Fraction;
  procurement: {
    /** direct purchase when amount < this */
    directBelowFen: number;
    /** written quotes (询价) when directBelowFen ≤ amount ≤ this; competitive (竞争性磋商) above */
    quotationUpToFen: number;
    /** minimum number of vendors to invite, and of quotes to award, per method */
    minQuotes: Record<ProcurementMethod, number>;
  };
  acceptance: {
    satisfactionPct: number;
    signatories: string[];
    /** extra signatories per project type (works: supervisor) */
    extraSignatories: Partial<Record<ProjectType, string[]>>;
  };
  payment: {
    advancePct: number;
    finalPct: number;
    retentionPct: number;
    /** only meaningful when retentionPct > 0 */
    warrantyMonths: number;
  };
  reviewReminderWorkingDays: number;
  reviewEscalationWorkingDays: number;
}

/** Defaults: Zhuhai 2021 caps; the rest "unverified" programme defaults (PROGRAMME.md). */
export const DEFAULT_RULES: ProgrammeRules = Object.freeze({
  version: 1,
  // Zhuhai 2021: services and goods ≤ ¥200,000; works ≤ ¥500,000
  capsFen: { services: 20_000_000, goods: 20_000_000, works: 50_000_000 },
  noticeWorkingDays: 5,
  quorum: { num: 2, den: 3 },
  majority: { num: 1, den: 2 },
  // direct < ¥50,000; three written quotes ¥50,000–¥200,000; competitive negotiation above
  procurement: {
    directBelowFen: 5_000_000,
    quotationUpToFen: 20_000_000,
    minQuotes: { direct: 1, quotation: 3, competitive: 3 },
  },
  acceptance: {
    satisfactionPct: 80,
    signatories: ['community', 'residents_rep', 'beneficiary'],
    extraSignatories: { works: ['supervisor'] },
  },
  // ARCHITECTURE §4: advance 30% / final 70% / retention 0% by default
  payment: { advancePct: 30, finalPct: 70, retentionPct: 0, warrantyMonths: 12 },
  reviewReminderWorkingDays: 3,
  reviewEscalationWorkingDays: 10,
}) as ProgrammeRules;

const reason = (code: string, params?: Record<string, unknown>): Reason =>
  params === undefined ? { code } : { code, params };


// ── proposal ────────────────────────────────────────────────────────────────────────────────

export function capReasons(rules: ProgrammeRules, type: ProjectType, estimatedFen: number): Reason[] {
  const capFen = rules.capsFen[type];
  return estimatedFen > capFen ? [reason('OVER_CAP', { capFen, estimatedFen, type })] : [];
}

export function submitReasons(
  rules: ProgrammeRules,
  p: { type: ProjectType; estimatedFen: number; items: unknown[] },
): Reason[] {
  const out = capReasons(rules, p.type, p.estimatedFen);
  if (p.items.length === 0) out.push(reason('NO_ITEMS'));
  return out;
}

/** SCREEN_PASS: on the positive list, not on the negative list, not a duplicate. */
export function checklistReasons(checklist: Checklist): Reason[] {
  const expected: Checklist = { positiveList: true, negativeList: false, duplicate: false };
  return (Object.keys(expected) as Array<keyof Checklist>)
    .filter((item) => checklist[item] !== expected[item])
    .map((item) => reason('CHECKLIST_FAILED', { item, expected: expected[item] }));
}

export interface Votes {
  members: number;
  present: number;
  for: number;
  against: number;
  abstain: number;
  heldOn: string;
}

/** Refusals for RECORD_DELIBERATION (the zod schema checks the counts too; this is defence in depth). */
export function deliberationReasons(v: Votes, at: string): Reason[] {
  const out: Reason[] = [];
  if (v.for + v.against + v.abstain !== v.present || v.present > v.members) {
    out.push(reason('VOTE_COUNTS_MISMATCH'));
  }
  if (v.heldOn > shanghaiDate(at)) out.push(reason('HELD_ON_IN_FUTURE', { heldOn: v.heldOn }));
  return out;
}

/** Not refusals: a failed vote is a valid record that sends the proposal to `rejected`. */
export function deliberationFailures(rules: ProgrammeRules, v: Votes): Reason[] {
  const out: Reason[] = [];
  if (v.members <= 0 || v.present * rules.quorum.den < v.members * rules.quorum.num) {
    out.push(reason('QUORUM_NOT_MET', { present: v.present, members: v.members }));
  }
  if (v.for * rules.majority.den <= v.present * rules.majority.num) {
    out.push(reason('MAJORITY_NOT_MET', { for: v.for, present: v.present }));
  }
  return out;
}

/** A timer event is accepted only once its moment has come (event.at is the engine's clock). */
export function dueReasons(code: string, dueAt: string | null, at: string): Reason[] {
  if (dueAt === null) return [reason(code)];
  return Date.parse(at) < Date.parse(dueAt) ? [reason(code, { dueAt })] : [];
}

/** The engine must call `enrich` before the transition; a missing derived fact is refused. */
export function enrichedReasons(event: object, fields: string[]): Reason[] {
  const e = event as Record<string, unknown>;
  return fields
    .filter((f) => typeof e[f] !== 'string' || Number.isNaN(Date.parse(e[f] as string)))
    .map((field) => reason('NOT_ENRICHED', { field }));
}

export function budgetReasons(estimatedFen: number, approvedFen: number): Reason[] {
  const out: Reason[] = [];
  if (approvedFen <= 0) out.push(reason('AMOUNT_NOT_POSITIVE'));
  if (approvedFen > estimatedFen) out.push(reason('BUDGET_ABOVE_ESTIMATE', { approvedFen, estimatedFen }));
  return out;
}

// ── procurement ─────────────────────────────────────────────────────────────────────────────

/** `type` is part of the signature so that districts can later vary thresholds by type. */
export function procurementMethod(rules: ProgrammeRules, amountFen: number, _type?: ProjectType): ProcurementMethod {
  if (amountFen < rules.procurement.directBelowFen) return 'direct';
  if (amountFen <= rules.procurement.quotationUpToFen) return 'quotation';
  return 'competitive';
}

export function invitationReasons(
  rules: ProgrammeRules,
  method: ProcurementMethod,
  vendorIds: string[],
  deadline: string,
  at: string,
): Reason[] {
  const out: Reason[] = [];
  const min = rules.procurement.minQuotes[method];
  const count = new Set(vendorIds).size;
  if (count < min) out.push(reason('TOO_FEW_INVITATIONS', { min, count, method }));
  if (!(Date.parse(deadline) > Date.parse(at))) out.push(reason('DEADLINE_NOT_IN_FUTURE', { deadline }));
  return out;
}

export function quoteReasons(p: ProcurementRecord, vendorId: string | undefined, at: string): Reason[] {
  const out: Reason[] = [];
  if (vendorId === undefined || !p.invitations.includes(vendorId)) out.push(reason('NOT_INVITED'));
  if (p.deadline === null || Date.parse(at) >= Date.parse(p.deadline)) {
    out.push(reason('QUOTE_AFTER_DEADLINE', { deadline: p.deadline }));
  }
  return out;
}

export function withdrawQuoteReasons(p: ProcurementRecord, vendorId: string | undefined, at: string): Reason[] {
  const out = quoteReasons(p, vendorId, at);
  if (vendorId === undefined || p.quotes[vendorId] === undefined) out.push(reason('NO_QUOTE'));
  return out;
}

export function directAwardReasons(
  method: ProcurementMethod,
  approvedFen: number,
  amountFen: number,
): Reason[] {
  const out: Reason[] = [];
  if (method !== 'direct') out.push(reason('NOT_DIRECT_METHOD', { method }));
  out.push(...amountWithinApproved(approvedFen, amountFen));
  return out;
}

function amountWithinApproved(approvedFen: number, amountFen: number): Reason[] {
  const out: Reason[] = [];
  if (amountFen <= 0) out.push(reason('AMOUNT_NOT_POSITIVE'));
  if (amountFen > approvedFen) out.push(reason('AWARD_ABOVE_APPROVED', { approvedFen, amountFen }));
  return out;
}

/** Payload-independent: enough quotes to award at all (else 流标, DECLARE_FAILED). */
export function quoteCountReasons(rules: ProgrammeRules, p: ProcurementRecord): Reason[] {
  const min = rules.procurement.minQuotes[p.method];
  const count = Object.keys(p.quotes).length;
  return count < min ? [reason('TOO_FEW_QUOTES', { min, count })] : [];
}

export function awardReasons(
  rules: ProgrammeRules,
  p: ProcurementRecord,
  approvedFen: number,
  award: { vendorId: string; amountFen: number },
  at: string,
): Reason[] {
  const out = quoteCountReasons(rules, p);
  const quote = p.quotes[award.vendorId];
  if (quote === undefined) {
    out.push(reason('NO_QUOTE', { vendorId: award.vendorId }));
  } else {
    if (quote.amountFen !== award.amountFen) {
      out.push(reason('AWARD_NOT_EQUAL_QUOTE', { quoteFen: quote.amountFen, amountFen: award.amountFen }));
    }
    if (quote.validUntil < shanghaiDate(at)) out.push(reason('QUOTE_EXPIRED', { validUntil: quote.validUntil }));
  }
  out.push(...amountWithinApproved(approvedFen, award.amountFen));
  return out;
}

// ── acceptance ──────────────────────────────────────────────────────────────────────────────

export function requiredSignatories(rules: ProgrammeRules, type: ProjectType): string[] {
  return [...rules.acceptance.signatories, ...(rules.acceptance.extraSignatories[type] ?? [])];
}

export function signatoryReasons(rules: ProgrammeRules, type: ProjectType, signatories: Signatory[]): Reason[] {
  const signed = new Set(signatories.filter((s) => s.name.trim() !== '').map((s) => s.role));
  return requiredSignatories(rules, type)
    .filter((role) => !signed.has(role))
    .map((role) => reason('MISSING_SIGNATORY', { role }));
}

/** Not refusals: decide settlement vs rectification. */
export function acceptanceFailures(rules: ProgrammeRules, passed: boolean, satisfactionPct: number): Reason[] {
  const out: Reason[] = [];
  if (!passed) out.push(reason('ACCEPTANCE_FAILED'));
  if (satisfactionPct < rules.acceptance.satisfactionPct) {
    out.push(reason('SATISFACTION_BELOW_THRESHOLD', { satisfactionPct, threshold: rules.acceptance.satisfactionPct }));
  }
  return out;
}

export {
  contractReasons,
  deliveryReasons,
  disputeReasons,
  itemsConfirmedReasons,
  paymentPlan,
  paymentReasons,
  receiptReasons,
  retentionReasons,
} from './project.rules.delivery.js';
