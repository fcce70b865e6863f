/**
 * How an accepted event changes the context. Pure: (context, event) → new context.
 * The machine calls this through its single `apply` action, after the guard (built from the rules)
 * has accepted the event, so nothing here validates.
 */
import type { ProjectEvent, ProjectEventOf } from './project.events.js';
import type { AcceptanceRecord, ContractItem, Decision, NoticeRecord, ProjectContext, Stage } from './project.types.js';
import { CURRENT_VERSION, type WorkflowVersion } from './project.types.js';
import { acceptanceFailures, deliberationFailures, noticeDays, procurementMethod, type NoticeKind } from './project.rules.js';
import { itemsTotalFen } from '../shared/money.js';
import { satisfiedOf } from './project.ratings.js';

type Reducer<T extends ProjectEvent['type']> = (c: ProjectContext, e: ProjectEventOf<T>) => Partial<ProjectContext>;

const decision = (c: ProjectContext, e: ProjectEvent, reason: string): Decision[] => [
  ...c.decisions,
  { type: e.type, reason, actorId: e.actor.id, stage: c.stage, at: e.at },
];

const updateItem = (c: ProjectContext, itemId: string, f: (i: ContractItem) => ContractItem): Partial<ProjectContext> =>
  c.contract === null ? {} : { contract: { ...c.contract, items: c.contract.items.map((i) => (i.id === itemId ? f(i) : i)) } };

const reducers: { [T in ProjectEvent['type']]?: Reducer<T> } = {
  EDIT: (c, e) => {
    const f = e.fields;
    return {
      ...(f.title !== undefined && { title: f.title }),
      ...(f.type !== undefined && { type: f.type }),
      ...(f.category !== undefined && { category: f.category }),
      ...(f.estimatedFen !== undefined && { estimatedFen: f.estimatedFen }),
      ...(f.description !== undefined && { description: f.description }),
      ...(f.items !== undefined && { items: f.items.map((i) => ({ name: i.name, quantity: i.quantity, unitFen: i.unitFen })) }),
      ...(f.beneficiaryCount !== undefined && { beneficiaryCount: f.beneficiaryCount }),
    };
  },
  WITHDRAW: (c, e) => ({ decisions: decision(c, e, e.reason) }),
  RETURN: (c, e) => ({ decisions: decision(c, e, e.reason) }),
  REJECT: (c, e) => ({ decisions: decision(c, e, e.reason) }),
  CANCEL: (c, e) => ({ decisions: decision(c, e, e.reason) }),
  SCREEN_PASS: (_c, e) => ({ checklist: { ...e.checklist } }),
  RECORD_DELIBERATION: (c, e) => ({
    deliberation: {
      members: e.members,
      present: e.present,
      for: e.for,
      against: e.against,
      abstain: e.abstain,
      heldOn: e.heldOn,
      minutes: e.minutes,
      failures: deliberationFailures(c.rules, e),
      at: e.at,
    },
    noticeEndsAt: e.noticeEndsAt ?? null,
  }),
  OBJECT: (c, e) => ({
    objections: [
      ...c.objections,
      {
        id: `objection-${c.objections.length + 1}`,
        text: e.text,
        contact: e.contact === undefined || e.contact === '' ? null : e.contact,
        at: e.at,
        status: 'open',
        response: null,
      },
    ],
  }),
  NOTICE_ENDED: (_c, e) => ({
    reviewReminderAt: e.reviewReminderAt ?? null,
    reviewEscalationAt: e.reviewEscalationAt ?? null,
  }),
  UPHOLD_OBJECTION: (c, e) => ({
    objections: c.objections.map((o) => (o.status === 'open' ? { ...o, status: 'upheld', response: e.response } : o)),
    decisions: decision(c, e, e.response),
  }),
  DISMISS_OBJECTIONS: (c, e) => ({
    objections: c.objections.map((o) => (o.status === 'open' ? { ...o, status: 'dismissed', response: e.response } : o)),
    decisions: decision(c, e, e.response),
    reviewReminderAt: e.reviewReminderAt ?? null,
    reviewEscalationAt: e.reviewEscalationAt ?? null,
  }),
  APPROVE_BUDGET: (c, e) => ({
    approvedFen: e.approvedFen,
    procurement: {
      method: procurementMethod(c.rules, e.approvedFen, c.type),
      round: 0,
      invitations: [],
      deadline: null,
      quotes: {},
      failures: [],
    },
  }),
  INVITE: (c, e) =>
    c.procurement === null
      ? {}
      : {
          procurement: {
            ...c.procurement,
            round: c.procurement.round + 1,
            invitations: [...new Set(e.vendorIds)],
            deadline: e.deadline,
            quotes: {},
          },
        },
  SUBMIT_QUOTE: (c, e) => {
    const vendorId = e.actor.vendorId;
    if (c.procurement === null || vendorId === undefined) return {};
    const items = e.items === undefined ? null : e.items.map((i) => ({ name: i.name, quantity: i.quantity, unitFen: i.unitFen }));
    const quote = { vendorId, amountFen: e.amountFen, items, validUntil: e.validUntil, at: e.at };
    return { procurement: { ...c.procurement, quotes: { ...c.procurement.quotes, [vendorId]: quote } } };
  },
  WITHDRAW_QUOTE: (c, e) => {
    if (c.procurement === null) return {};
    const quotes = Object.fromEntries(Object.entries(c.procurement.quotes).filter(([v]) => v !== e.actor.vendorId));
    return { procurement: { ...c.procurement, quotes } };
  },
  AWARD: (c, e) => ({
    award: { vendorId: e.vendorId, amountFen: e.amountFen, justification: e.justification, direct: c.stage === 'procurement.preparing', at: e.at },
    awardedFen: e.amountFen,
    contract: null,
  }),
  DECLARE_FAILED: (c, e) =>
    c.procurement === null
      ? {}
      : {
          procurement: {
            ...c.procurement,
            failures: [...c.procurement.failures, { round: c.procurement.round, reason: e.reason, at: e.at }],
          },
          decisions: decision(c, e, e.reason),
        },
  SIGN_CONTRACT: (_c, e) => ({
    contract: {
      contractNo: e.contractNo,
      amountFen: e.amountFen,
      dueOn: e.dueOn,
      dueAt: null,
      signedAt: e.at,
      confirmedAt: null,
      items: e.items.map((i, n) => ({
        id: `item-${n + 1}`,
        name: i.name,
        quantity: i.quantity,
        unitFen: i.unitFen,
        deliveredQty: 0,
        confirmed: false,
        disputed: false,
        disputeReason: null,
        deliveries: [],
      }) as unknown as ContractItem), // version 3 adds the quantities (reducersV3)
    },
  }),
  CONFIRM_CONTRACT: (c, e) => (c.contract === null ? {} : { contract: { ...c.contract, dueAt: e.dueAt ?? null, confirmedAt: e.at } }),
  RECORD_DELIVERY: (c, e) =>
    updateItem(c, e.itemId, (i) => ({
      ...i,
      deliveredQty: i.deliveredQty + e.quantity,
      disputed: false,
      deliveries: [
        ...i.deliveries,
        {
          quantity: e.quantity,
          serials: e.serials ?? [],
          beneficiaryRef: e.beneficiaryRef === undefined || e.beneficiaryRef === '' ? null : e.beneficiaryRef,
          evidence: [...e.evidence],
          at: e.at,
        },
      ],
    })),
  CONFIRM_RECEIPT: (c, e) => updateItem(c, e.itemId, (i) => ({ ...i, confirmed: true, disputed: false, disputeReason: null })),
  // A dispute rejects what was recorded for the item: the vendor records the delivery again.
  DISPUTE_DELIVERY: (c, e) => updateItem(c, e.itemId, (i) => ({ ...i, deliveredQty: 0, disputed: true, disputeReason: e.reason })),
  RECORD_PAYMENT: (c, e) => ({
    payments: [...c.payments, { tranche: e.tranche, amountFen: e.amountFen, voucherNo: e.voucherNo, at: e.at }],
    paidFen: c.paidFen + e.amountFen,
    paidByTranche: { ...c.paidByTranche, [e.tranche]: c.paidByTranche[e.tranche] + e.amountFen },
  }),
  RELEASE_RETENTION: (c, e) => ({
    payments: [...c.payments, { tranche: 'retention', amountFen: e.amountFen, voucherNo: e.voucherNo, at: e.at }],
    paidFen: c.paidFen + e.amountFen,
    paidByTranche: { ...c.paidByTranche, retention: c.paidByTranche.retention + e.amountFen },
  }),
  RECORD_ACCEPTANCE: (c, e) => ({
    acceptances: [
      ...c.acceptances,
      {
        passed: e.passed,
        satisfactionPct: e.satisfactionPct,
        ...satisfactionRecord(e),
        signatories: e.signatories.map((s) => ({ role: s.role, name: s.name })),
        defects: e.defects === undefined || e.defects === '' ? null : e.defects,
        accepted: acceptanceFailures(c.rules, e.passed, e.satisfactionPct).length === 0,
        at: e.at,
      },
    ],
  }),
  RECTIFIED: (c, e) => ({ rectifications: [...c.rectifications, { evidence: [...e.evidence], at: e.at }] }),
  RECORD_EVALUATION: (_c, e) => ({
    evaluation: { score: e.score, grade: e.grade, notes: e.notes, at: e.at },
    warrantyEndsAt: e.warrantyEndsAt ?? null,
  }),
  WARRANTY_ENDED: () => ({ warrantyEnded: true }),
  COMMENT: (c) => ({ commentCount: c.commentCount + 1 }),
};

/**
 * Version 2: an EDIT that changes the items without an estimate recomputes the estimate from them
 * (the schema already fills it in; this keeps the machine right for any caller). The guard has
 * checked that the result is an amount.
 */
const editV2: Reducer<'EDIT'> = (c, e) => {
  const changes = reducers.EDIT!(c, e);
  if (e.fields.items === undefined || e.fields.estimatedFen !== undefined) return changes;
  return { ...changes, estimatedFen: itemsTotalFen(e.fields.items) ?? c.estimatedFen };
};

/** How an acceptance's satisfaction was found, when by a method (absent before the ratings: replays stay as written). */
function satisfactionRecord(e: ProjectEventOf<'RECORD_ACCEPTANCE'>): Pick<AcceptanceRecord, 'satisfaction'> {
  if (e.satisfactionMethod === 'ratings' && e.ratings) {
    return { satisfaction: { method: 'ratings', satisfied: satisfiedOf(e.ratings), surveyed: e.ratings.count, stars: [e.ratings.stars[0], e.ratings.stars[1], e.ratings.stars[2], e.ratings.stars[3], e.ratings.stars[4]] } };
  }
  if (e.satisfactionMethod === 'paper' && e.satisfied !== undefined && e.surveyed !== undefined) {
    return { satisfaction: { method: 'paper', satisfied: e.satisfied, surveyed: e.surveyed } };
  }
  return {};
}

/** A notice that starts now, if the rules hold it: its record and its end. */
function startNotice(c: ProjectContext, kind: NoticeKind, at: string, endsAt: string | undefined): Partial<ProjectContext> {
  if (noticeDays(c.rules, kind) === null || endsAt === undefined) return {};
  const notice: NoticeRecord = { kind, startedAt: at, endsAt };
  return { noticeEndsAt: endsAt, notices: [...c.notices, notice] };
}

/** The notice running now (the last one held), or null. */
export const currentNotice = (c: ProjectContext): NoticeRecord | null => c.notices.at(-1) ?? null;

/**
 * Version 3 (README, "version 3"): every council meeting is kept, void ones too; a notice may follow
 * the vote, the budget approval and the acceptance; receipts and refusals name a quantity.
 */
const reducersV3: { [T in ProjectEvent['type']]?: Reducer<T> } = {
  EDIT: (c, e) => {
    const changes = editV2(c, e);
    const f = e.fields;
    return {
      ...changes,
      ...(f.budgetYear !== undefined && { budgetYear: f.budgetYear }),
      ...(f.mainGroup !== undefined && { mainGroup: f.mainGroup }),
      ...(f.otherGroups !== undefined && { otherGroups: [...f.otherGroups] }),
    };
  },
  RECORD_DELIBERATION: (c, e) => {
    const { deliberation } = reducers.RECORD_DELIBERATION!(c, e);
    const carried = deliberation!.failures.length === 0;
    return {
      deliberation: deliberation!,
      meetings: [...c.meetings, deliberation!],
      ...(carried ? startNotice(c, 'proposal', e.at, e.noticeEndsAt) : {}),
      // straight to the street when the rules hold no notice of the proposal
      ...(carried && noticeDays(c.rules, 'proposal') === null
        ? { reviewReminderAt: e.reviewReminderAt ?? null, reviewEscalationAt: e.reviewEscalationAt ?? null }
        : {}),
    };
  },
  OBJECT: (c, e) => {
    const { objections } = reducers.OBJECT!(c, e);
    const kind = currentNotice(c)?.kind ?? 'proposal';
    // recorded by staff from a letter, a call or a visit: say how, and who wrote it down
    const recorded = e.receivedVia !== undefined && e.actor.role !== 'anonymous' ? { receivedVia: e.receivedVia, recordedBy: e.actor.id } : {};
    return { objections: objections!.map((o, i) => (i === objections!.length - 1 ? { ...o, notice: kind, ...recorded } : o)) };
  },
  UPHOLD_OBJECTION: (c, e) => ({
    ...reducers.UPHOLD_OBJECTION!(c, e),
    // back to budget approval: the reservation is released and the budget decided again
    ...(c.stage === 'confirmation_objection_review' && { approvedFen: null, procurement: null }),
  }),
  APPROVE_BUDGET: (c, e) => ({ ...reducers.APPROVE_BUDGET!(c, e), ...startNotice(c, 'confirmation', e.at, e.noticeEndsAt) }),
  RECORD_ACCEPTANCE: (c, e) => {
    const { acceptances } = reducers.RECORD_ACCEPTANCE!(c, e);
    return { acceptances, ...(acceptances!.at(-1)!.accepted ? startNotice(c, 'acceptance', e.at, e.noticeEndsAt) : {}) };
  },
  SIGN_CONTRACT: (c, e) => {
    const { contract } = reducers.SIGN_CONTRACT!(c, e);
    return {
      contract: { ...contract!, items: contract!.items.map((i) => ({ ...i, confirmedQty: 0, disputedQty: 0, confirmedSerials: [], returnedSerials: [], disputes: [] })) },
    };
  },
  CONFIRM_RECEIPT: (c, e) =>
    updateItem(c, e.itemId, (i) => {
      const confirmedQty = i.confirmedQty + e.quantity;
      return {
        ...i, confirmedQty, confirmed: confirmedQty >= i.quantity, disputed: false, disputeReason: null,
        confirmedSerials: [...i.confirmedSerials, ...(e.serials ?? [])],
      };
    }),
  // Only the refused part goes back to the vendor; what was confirmed stays confirmed.
  DISPUTE_DELIVERY: (c, e) =>
    updateItem(c, e.itemId, (i) => ({
      ...i,
      deliveredQty: i.deliveredQty - e.quantity,
      disputedQty: i.disputedQty + e.quantity,
      returnedSerials: [...i.returnedSerials, ...(e.serials ?? [])],
      disputed: true,
      disputeReason: e.reason,
      disputes: [...i.disputes, { quantity: e.quantity, serials: [...(e.serials ?? [])], reason: e.reason, at: e.at }],
    })),
};

/** Apply an accepted event: record who sent it (four-eyes), then the event's own changes. */
export function applyEvent(context: ProjectContext, event: ProjectEvent, version: WorkflowVersion = CURRENT_VERSION): ProjectContext {
  const reducer = (
    (version >= 3 ? reducersV3[event.type] : undefined) ?? (version >= 2 && event.type === 'EDIT' ? editV2 : reducers[event.type])
  ) as Reducer<ProjectEvent['type']> | undefined;
  const changes = reducer === undefined ? {} : reducer(context, event as never);
  return { ...context, actors: { ...context.actors, [event.type]: event.actor.id }, ...changes };
}

export function withStage(context: ProjectContext, stage: Stage): ProjectContext {
  return { ...context, stage };
}
