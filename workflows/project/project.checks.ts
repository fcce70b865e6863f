/**
 * Which rules apply to which event in which state. The machine's `valid` guard is
 * `checkEvent(stage, context, event).length === 0`, and `refusalReasons` returns the same list,
 * so a guard and its explanation cannot drift apart.
 *
 * `preconditionsFor` is the payload-independent part, for `explain` (what may this actor do now?).
 */
import type { EventType, ProjectEvent, ProjectEventOf } from './project.events.js';
import { CURRENT_VERSION, type ContractItem, type LegacyChecklist, type ProjectContext, type Reason, type Stage, type Tranche, type WorkflowVersion } from './project.types.js';
import type { NoticeKind } from './project.rules.js';
import { satisfactionReasons } from './project.ratings.js';
import { itemsTotalFen } from '../shared/money.js';
import { allowedBudgetYears, proposalAmountReasons } from './project.proposal.js';
import {
  budgetReasons,
  checklistReasons,
  contractReasons,
  deliberationReasons,
  deliveryReasons,
  directAwardReasons,
  disputeReasons,
  dueReasons,
  enrichedReasons,
  awardReasons,
  legacyChecklistReasons,
  noticeDays,
  partReasons,
  invitationReasons,
  itemsConfirmedReasons,
  paymentPlan,
  paymentReasons,
  quoteCountReasons,
  quoteReasons,
  receiptReasons,
  retentionReasons,
  signatoryReasons,
  submitReasons,
  withdrawQuoteReasons,
} from './project.rules.js';
import { vendorsEligibilityReasons } from './project.rules.vendors.js';
import { libraryPriceReasons, libraryQuoteReasons, libraryVendorReasons } from './project.rules.library.js';

type Check<T extends EventType> = (c: ProjectContext, e: ProjectEventOf<T>) => Reason[];
type StageChecks = { [T in EventType]?: Check<T> };

const NO_PROCUREMENT: Reason[] = [{ code: 'NO_PROCUREMENT' }];
const REVIEW_FACTS = ['reviewReminderAt', 'reviewEscalationAt'];

function openObjections(c: ProjectContext): number {
  return c.objections.filter((o) => o.status === 'open').length;
}

function noticeOver(c: ProjectContext, at: string): Reason[] {
  return c.noticeEndsAt !== null && Date.parse(at) >= Date.parse(c.noticeEndsAt)
    ? [{ code: 'NOTICE_PERIOD_OVER', params: { noticeEndsAt: c.noticeEndsAt } }]
    : [];
}

function payment(c: ProjectContext, allowed: Tranche[], p: { tranche: Tranche; amountFen: number }): Reason[] {
  return paymentReasons(c.rules, c.contract, c.paidByTranche, allowed, p, c.type);
}

/** A notice that follows this event must have its end computed by `enrich`. */
const noticeFacts = (c: ProjectContext, kind: NoticeKind, e: ProjectEvent): Reason[] =>
  noticeDays(c.rules, kind) === null ? [] : enrichedReasons(e, ['noticeEndsAt']);

/** What is left to pay in a tranche (payload-independent part of RECORD_PAYMENT / RELEASE_RETENTION). */
export function outstandingFen(c: ProjectContext, tranche: Tranche): number {
  if (c.contract === null) return 0;
  const plan = paymentPlan(c.rules, c.contract.amountFen, c.type);
  if (tranche === 'final') return c.contract.amountFen - plan.retention - c.paidByTranche.advance - c.paidByTranche.final;
  return plan[tranche] - c.paidByTranche[tranche];
}

/** SUBMIT: the cap and the items, and (version 2) amounts that are amounts and add up. */
function submitChecks(c: ProjectContext): Reason[] {
  return [...submitReasons(c.rules, c), ...proposalAmountReasons(c), ...libraryPriceReasons(c.library, c.items)];
}

/**
 * EDIT (version 2): what the project would hold afterwards must pass the amount rule — checked when
 * the EDIT touches the items or the estimate, so a title can still be corrected on a project that
 * version 1 left inconsistent (SUBMIT then refuses it until the amounts are fixed).
 */
function editChecks(c: ProjectContext, e: ProjectEventOf<'EDIT'>): Reason[] {
  const f = e.fields;
  return [
    ...groupAndYearChecks(c, f),
    ...(f.items === undefined && f.estimatedFen === undefined ? [] : amountChecks(c, f)),
    ...libraryPriceReasons(c.library, f.items),
  ];
}

/**
 * EDIT (version 3): a budget year the project's rules allow from its creation year, and other groups
 * that do not repeat the main group the project will hold.
 */
function groupAndYearChecks(c: ProjectContext, f: ProjectEventOf<'EDIT'>['fields']): Reason[] {
  const out: Reason[] = [];
  if (f.budgetYear !== undefined) {
    const allowed = allowedBudgetYears(c.year, c.rules);
    if (!allowed.includes(f.budgetYear)) out.push({ code: 'BUDGET_YEAR_NOT_ALLOWED', params: { budgetYear: f.budgetYear, allowed } });
  }
  const main = f.mainGroup ?? c.mainGroup;
  if (main !== null && (f.otherGroups ?? c.otherGroups).includes(main)) out.push({ code: 'GROUP_REPEATED', params: { group: main } });
  return out;
}

function amountChecks(c: ProjectContext, f: ProjectEventOf<'EDIT'>['fields']): Reason[] {
  const items = f.items ?? c.items;
  const estimatedFen = f.estimatedFen ?? (f.items !== undefined ? itemsTotalFen(f.items) : c.estimatedFen);
  return proposalAmountReasons({ estimatedFen, items });
}

export const CHECKS: Partial<Record<Stage, StageChecks>> = {
  draft: {
    EDIT: editChecks,
    SUBMIT: submitChecks,
  },
  screening: {
    SCREEN_PASS: (c, e) => checklistReasons(c.rules, e.checklist),
  },
  deliberation: {
    RECORD_DELIBERATION: (c, e) => [
      ...deliberationReasons(e, e.at),
      ...noticeFacts(c, 'proposal', e),
      ...(noticeDays(c.rules, 'proposal') === null ? enrichedReasons(e, REVIEW_FACTS) : []),
    ],
  },
  public_notice: {
    OBJECT: (c, e) => noticeOver(c, e.at),
    NOTICE_ENDED: (c, e) => [...dueReasons('NOTICE_NOT_ENDED', c.noticeEndsAt, e.at), ...enrichedReasons(e, REVIEW_FACTS)],
  },
  confirmation_notice: {
    OBJECT: (c, e) => noticeOver(c, e.at),
    NOTICE_ENDED: (c, e) => dueReasons('NOTICE_NOT_ENDED', c.noticeEndsAt, e.at),
  },
  acceptance_notice: {
    OBJECT: (c, e) => noticeOver(c, e.at),
    NOTICE_ENDED: (c, e) => dueReasons('NOTICE_NOT_ENDED', c.noticeEndsAt, e.at),
  },
  objection_review: {
    DISMISS_OBJECTIONS: (_c, e) => enrichedReasons(e, REVIEW_FACTS),
  },
  street_review: {
    REVIEW_REMINDER: (c, e) => dueReasons('NOT_YET_DUE', c.reviewReminderAt, e.at),
    REVIEW_ESCALATION: (c, e) => dueReasons('NOT_YET_DUE', c.reviewEscalationAt, e.at),
  },
  budget_approval: {
    APPROVE_BUDGET: (c, e) => [...budgetReasons(c.estimatedFen, e.approvedFen), ...noticeFacts(c, 'confirmation', e)],
  },
  // Eligibility (rules version 3 on): decided from the vendors' records enrich put on the event.
  'procurement.preparing': {
    INVITE: (c, e) =>
      c.procurement === null
        ? NO_PROCUREMENT
        : [
            ...invitationReasons(c.rules, c.procurement.method, e.vendorIds, e.deadline, e.at),
            ...vendorsEligibilityReasons(c.rules, c.type, e.vendorIds, e.vendorRecords, e.at),
            ...libraryVendorReasons(c.library, e.vendorIds, e.library),
          ],
    AWARD: (c, e) =>
      c.procurement === null
        ? NO_PROCUREMENT
        : [
            ...directAwardReasons(c.procurement.method, c.approvedFen ?? 0, e.amountFen),
            ...vendorsEligibilityReasons(c.rules, c.type, [e.vendorId], e.vendorRecords, e.at),
            ...libraryVendorReasons(c.library, [e.vendorId], e.library),
          ],
  },
  'procurement.quoting': {
    SUBMIT_QUOTE: (c, e) =>
      c.procurement === null ? NO_PROCUREMENT : [...quoteReasons(c.procurement, e.actor.vendorId, e.at), ...libraryQuoteReasons(c.library, c.items, e)],
    WITHDRAW_QUOTE: (c, e) =>
      c.procurement === null ? NO_PROCUREMENT : withdrawQuoteReasons(c.procurement, e.actor.vendorId, e.at),
    QUOTE_DEADLINE_PASSED: (c, e) => dueReasons('DEADLINE_NOT_PASSED', c.procurement?.deadline ?? null, e.at),
  },
  'procurement.evaluating': {
    AWARD: (c, e) =>
      c.procurement === null
        ? NO_PROCUREMENT
        : [
            ...awardReasons(c.rules, c.procurement, c.approvedFen ?? 0, e, e.at),
            ...vendorsEligibilityReasons(c.rules, c.type, [e.vendorId], e.vendorRecords, e.at),
            ...libraryVendorReasons(c.library, [e.vendorId], e.library),
          ],
  },
  'procurement.contracting': {
    SIGN_CONTRACT: (c, e) => [...contractReasons(c.awardedFen, e, e.at), ...libraryPriceReasons(c.library, e.items)],
    CONFIRM_CONTRACT: (c, e) => (c.contract === null ? [{ code: 'NO_CONTRACT' }] : enrichedReasons(e, ['dueAt'])),
  },
  delivery: {
    RECORD_DELIVERY: (c, e) => deliveryReasons(c.contract, e.itemId, e.quantity),
    CONFIRM_RECEIPT: (c, e) => partReasons(c.contract, e),
    DISPUTE_DELIVERY: (c, e) => partReasons(c.contract, e),
    RECORD_PAYMENT: (c, e) => payment(c, ['advance'], e),
    REQUEST_ACCEPTANCE: (c) => itemsConfirmedReasons(c.contract),
    DELIVERY_OVERDUE: (c, e) => dueReasons('NOT_YET_DUE', c.contract?.dueAt ?? null, e.at),
  },
  acceptance: {
    RECORD_ACCEPTANCE: (c, e) => [...signatoryReasons(c.rules, c, e.signatories), ...satisfactionReasons(c.rules, e), ...noticeFacts(c, 'acceptance', e)],
  },
  settlement: {
    RECORD_PAYMENT: (c, e) => payment(c, ['final'], e),
  },
  evaluation: {
    RECORD_EVALUATION: (c, e) => (retentionHeld(c) ? enrichedReasons(e, ['warrantyEndsAt']) : []),
  },
  warranty: {
    WARRANTY_ENDED: (c, e) => dueReasons('WARRANTY_NOT_ENDED', c.warrantyEndsAt, e.at),
    RELEASE_RETENTION: (c, e) => [
      ...retentionReasons(c.warrantyEnded),
      ...payment(c, ['retention'], { tranche: 'retention', amountFen: e.amountFen }),
    ],
  },
};

/** Version 1's draft: EDIT unchecked, SUBMIT without the amount rule (kept to replay its histories). */
const V1_DRAFT: StageChecks = { SUBMIT: (c) => submitReasons(c.rules, c) };

/**
 * What versions 1 and 2 checked differently (kept to replay their histories): the yes/no
 * checklist, the one notice, whole-item receipts and disputes, signatories by type alone.
 */
const LEGACY: Partial<Record<Stage, StageChecks>> = {
  draft: { EDIT: (c, e) => (e.fields.items === undefined && e.fields.estimatedFen === undefined ? [] : amountChecks(c, e.fields)) },
  screening: { SCREEN_PASS: (_c, e) => legacyChecklistReasons(e.checklist as unknown as LegacyChecklist) },
  deliberation: { RECORD_DELIBERATION: (_c, e) => [...deliberationReasons(e, e.at), ...enrichedReasons(e, ['noticeEndsAt'])] },
  budget_approval: { APPROVE_BUDGET: (c, e) => budgetReasons(c.estimatedFen, e.approvedFen) },
  delivery: {
    ...CHECKS.delivery,
    CONFIRM_RECEIPT: (c, e) => receiptReasons(c.contract, e.itemId),
    DISPUTE_DELIVERY: (c, e) => disputeReasons(c.contract, e.itemId),
  },
  acceptance: { RECORD_ACCEPTANCE: (c, e) => signatoryReasons(c.rules, c, e.signatories) },
};

/** The rule reasons refusing `event` in `stage` under workflow `version` (empty: the rules accept it). */
export function checkEvent(stage: Stage, context: ProjectContext, event: ProjectEvent, version: WorkflowVersion = CURRENT_VERSION): Reason[] {
  const table = version === 1 && stage === 'draft' ? V1_DRAFT : version < 3 ? { ...CHECKS[stage], ...LEGACY[stage] } : CHECKS[stage];
  const check = table?.[event.type] as Check<EventType> | undefined;
  return check === undefined ? [] : check(context, event as never);
}

/** The plan holds a retention for this contract (→ warranty after evaluation). */
export function retentionHeld(c: ProjectContext): boolean {
  return c.contract !== null && paymentPlan(c.rules, c.contract.amountFen, c.type).retention > 0;
}

/** All but the retention has been paid (settlement → evaluation); `final` covers an unpaid advance. */
export function settled(c: ProjectContext): boolean {
  return c.contract !== null && outstandingFen(c, 'final') <= 0;
}

/** The retention is fully released after the warranty (warranty → closed). */
export function retentionReleased(c: ProjectContext): boolean {
  return c.warrantyEnded && outstandingFen(c, 'retention') <= 0;
}

export function hasOpenObjections(c: ProjectContext): boolean {
  return openObjections(c) > 0;
}

/** Some item not yet confirmed satisfies `test`. */
const someItem = (c: ProjectContext, test: (i: ContractItem) => boolean): boolean =>
  c.contract !== null && c.contract.items.some((i) => !i.confirmed && test(i));

const nothingToPay = (c: ProjectContext, tranche: Tranche): Reason[] =>
  outstandingFen(c, tranche) <= 0 ? [{ code: 'NOTHING_TO_PAY', params: { tranche } }] : [];

/**
 * Payload-independent reasons why `type` would be refused in `stage` (for `explain`), given the
 * actor's vendor id and the current time when known. Only for events the state handles.
 */
export function preconditionsFor(
  stage: Stage,
  c: ProjectContext,
  type: EventType,
  vendorId: string | undefined,
  at: string | undefined,
): Reason[] {
  const timed = (f: (at: string) => Reason[]): Reason[] => (at === undefined ? [] : f(at));
  const p = c.procurement;
  switch (`${stage}|${type}`) {
    case 'draft|SUBMIT':
      return submitChecks(c);
    case 'public_notice|OBJECT':
    case 'confirmation_notice|OBJECT':
    case 'acceptance_notice|OBJECT':
      return timed((t) => noticeOver(c, t));
    case 'public_notice|NOTICE_ENDED':
    case 'confirmation_notice|NOTICE_ENDED':
    case 'acceptance_notice|NOTICE_ENDED':
      return timed((t) => dueReasons('NOTICE_NOT_ENDED', c.noticeEndsAt, t));
    case 'street_review|REVIEW_REMINDER':
      return timed((t) => dueReasons('NOT_YET_DUE', c.reviewReminderAt, t));
    case 'street_review|REVIEW_ESCALATION':
      return timed((t) => dueReasons('NOT_YET_DUE', c.reviewEscalationAt, t));
    case 'procurement.preparing|AWARD':
      return p === null || p.method === 'direct' ? [] : [{ code: 'NOT_DIRECT_METHOD', params: { method: p.method } }];
    case 'procurement.quoting|SUBMIT_QUOTE':
      return p === null ? NO_PROCUREMENT : quoteReasons(p, vendorId, at ?? '1970-01-01T00:00:00.000Z');
    case 'procurement.quoting|WITHDRAW_QUOTE':
      return p === null ? NO_PROCUREMENT : withdrawQuoteReasons(p, vendorId, at ?? '1970-01-01T00:00:00.000Z');
    case 'procurement.quoting|QUOTE_DEADLINE_PASSED':
      return timed((t) => dueReasons('DEADLINE_NOT_PASSED', p?.deadline ?? null, t));
    case 'procurement.evaluating|AWARD':
      return p === null ? NO_PROCUREMENT : quoteCountReasons(c.rules, p);
    case 'procurement.contracting|CONFIRM_CONTRACT':
      return c.contract === null ? [{ code: 'NO_CONTRACT' }] : [];
    case 'delivery|REQUEST_ACCEPTANCE':
      return itemsConfirmedReasons(c.contract);
    // Payload-independent shadows of the item rules: no item id could pass them.
    case 'delivery|RECORD_DELIVERY':
      return someItem(c, (i) => i.deliveredQty < i.quantity) ? [] : [{ code: 'NOTHING_TO_DELIVER' }];
    case 'delivery|CONFIRM_RECEIPT':
    case 'delivery|DISPUTE_DELIVERY':
      return someItem(c, (i) => i.deliveredQty > i.confirmedQty) ? [] : [{ code: 'NOTHING_TO_CONFIRM' }];
    case 'delivery|RECORD_PAYMENT':
      return nothingToPay(c, 'advance');
    case 'delivery|DELIVERY_OVERDUE':
      return timed((t) => dueReasons('NOT_YET_DUE', c.contract?.dueAt ?? null, t));
    case 'settlement|RECORD_PAYMENT':
      return nothingToPay(c, 'final');
    case 'warranty|WARRANTY_ENDED':
      return timed((t) => dueReasons('WARRANTY_NOT_ENDED', c.warrantyEndsAt, t));
    case 'warranty|RELEASE_RETENTION':
      return [...retentionReasons(c.warrantyEnded), ...nothingToPay(c, 'retention')];
    default:
      return [];
  }
}

/** Friendlier than NOT_ALLOWED_IN_STATE for a few events sent in the wrong sub-state. */
export function outOfStateReason(stage: Stage, type: EventType): Reason | null {
  if (stage === 'procurement.quoting' && (type === 'AWARD' || type === 'DECLARE_FAILED')) {
    return { code: 'QUOTE_DEADLINE_NOT_PASSED' };
  }
  if (stage === 'procurement.evaluating' && (type === 'SUBMIT_QUOTE' || type === 'WITHDRAW_QUOTE')) {
    return { code: 'QUOTE_AFTER_DEADLINE' };
  }
  if (stage === 'procurement.preparing' && (type === 'SUBMIT_QUOTE' || type === 'WITHDRAW_QUOTE')) {
    return { code: 'NOT_INVITED' };
  }
  return null;
}
