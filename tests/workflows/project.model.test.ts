// Model-based tests: xstate/graph explores the machine with a representative set of stamped,
// enriched events; every shortest path is replayed with the pure transition(), and every state of
// ARCHITECTURE §4 must be reached.
import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { persistedJson, pureTransition, restore } from '../../src/engine/snapshot.js';
import {
  DEFAULT_RULES,
  STAGES,
  enrich,
  outstandingFen,
  allowedEvents,
  isWaitingFor,
  waitingFor,
  RIGHTS,
  projectMachine,
  refusalReasons,
  rolesFor,
  stageOf,
  type Actor,
  type ProgrammeRules,
  type ProjectEvent,
} from '../../workflows/project/index.js';
import {
  A,
  CHECKLIST_OK,
  GOOD_VOTE,
  NO_RETENTION_RULES,
  SIGNATORIES,
  STREET_RULES,
  T0,
  DAY,
  calendar,
  contractItems,
  emittedBy,
  ev,
  input,
  plus,
  type Snap,
} from './project.support.js';

const DEADLINE = plus(T0, 7 * DAY);
const vendorActor = (vendorId: string): Actor => ({ id: `u-${vendorId}`, role: 'vendor', vendorId });

/** The representative events offered in `s`; payloads depend on the context where they must. */
function eventsFor(s: Snap): ProjectEvent[] {
  const c = s.context;
  const stage = stageOf(s.value);
  // whoever the project's rules make reviewer, approver, purchaser and payer
  const reviewer = ((): Actor => {
    const role = rolesFor('RETURN', stage, c)[0];
    return role === 'street' ? (stage === 'budget_approval' ? A.street2 : A.street) : role === 'district' ? A.district : A.community;
  })();
  const approver = rolesFor('APPROVE_BUDGET', stage, c)[0] === 'street' ? A.street2 : A.district;
  const buyer = rolesFor('INVITE', stage, c)[0] === 'street' ? A.street : A.community;
  const payer = c.rules.parties.payer === 'street' ? A.streetFinance : A.finance;
  const timerAt = (due: string | null | undefined) => due ?? T0;
  const approved = c.approvedFen ?? 0;
  const p = c.procurement;
  const awardedVendor = c.award === null ? A.v1 : vendorActor(c.award.vendorId);
  const list: ProjectEvent[] = [
    ev('EDIT', { fields: { title: '新标题' } }, A.community),
    ev('SUBMIT', {}, A.community),
    ev('WITHDRAW', { reason: 'not needed' }, A.community),
    ev('SCREEN_PASS', { checklist: CHECKLIST_OK }, A.community2),
    ev('RETURN', { reason: 'fix it' }, reviewer),
    ev('REJECT', { reason: 'no' }, reviewer),
    ev('RECORD_DELIBERATION', GOOD_VOTE, A.community),
    // without quorum (void: the proposal stays), and a quorate vote against (rejected)
    ev('RECORD_DELIBERATION', { ...GOOD_VOTE, present: 5, for: 3, against: 1, abstain: 1 }, A.community),
    ev('RECORD_DELIBERATION', { ...GOOD_VOTE, present: 7, for: 2, against: 5, abstain: 0 }, A.community),
    ev('OBJECT', { text: 'too expensive' }, A.anonymous),
    ev('NOTICE_ENDED', {}, A.system, timerAt(c.noticeEndsAt)),
    ev('UPHOLD_OBJECTION', { response: 'agreed' }, A.community),
    ev('DISMISS_OBJECTIONS', { response: 'answered' }, A.community),
    ev('APPROVE', {}, A.street),
    ev('REVIEW_REMINDER', {}, A.system, timerAt(c.reviewReminderAt)),
    ev('REVIEW_ESCALATION', {}, A.system, timerAt(c.reviewEscalationAt)),
    // two amounts: one buys directly, one needs three written quotes
    ev('APPROVE_BUDGET', { approvedFen: 3_000_000 }, approver),
    ev('APPROVE_BUDGET', { approvedFen: 10_000_000 }, approver),
    ev('INVITE', { vendorIds: p?.method === 'direct' ? ['v-1'] : ['v-1', 'v-2', 'v-3'], deadline: DEADLINE }, buyer),
    ...(['v-1', 'v-2', 'v-3'] as const).map((v, n) =>
      ev('SUBMIT_QUOTE', { amountFen: approved - 100_000 * (3 - n), validUntil: '2026-12-31' }, vendorActor(v)),
    ),
    ev('WITHDRAW_QUOTE', {}, A.v1),
    ev('QUOTE_DEADLINE_PASSED', {}, A.system, timerAt(p?.deadline)),
    ev('AWARD', { vendorId: 'v-1', amountFen: p?.quotes['v-1']?.amountFen ?? approved - 50_000, justification: 'best' }, buyer),
    ev('DECLARE_FAILED', { reason: 'too few quotes' }, buyer),
    ev(
      'SIGN_CONTRACT',
      { contractNo: 'HT-1', items: contractItems(c.awardedFen ?? 0), amountFen: c.awardedFen ?? 0, dueOn: '2026-06-30' },
      buyer,
    ),
    ev('CONFIRM_CONTRACT', {}, awardedVendor),
    ...(c.contract?.items ?? []).flatMap((item) => [
      ev('RECORD_DELIVERY', { itemId: item.id, quantity: Math.max(1, item.quantity - item.deliveredQty), evidence: ['doc-1'] }, awardedVendor),
      ev('CONFIRM_RECEIPT', { itemId: item.id, quantity: Math.max(1, item.deliveredQty - item.confirmedQty) }, A.community),
    ]),
    // part of the first line: one confirmed, one refused (the rest stays as it is)
    ev('CONFIRM_RECEIPT', { itemId: 'item-1', quantity: 1 }, A.community),
    ev('DISPUTE_DELIVERY', { itemId: 'item-1', quantity: 1, reason: 'broken' }, A.community),
    ev('RECORD_PAYMENT', { tranche: 'advance', amountFen: Math.max(1, outstandingFen(c, 'advance')), voucherNo: 'PZ-1' }, payer),
    ev('RECORD_PAYMENT', { tranche: 'final', amountFen: Math.max(1, outstandingFen(c, 'final')), voucherNo: 'PZ-2' }, payer),
    ev('REQUEST_ACCEPTANCE', {}, awardedVendor),
    ev('DELIVERY_OVERDUE', {}, A.system, timerAt(c.contract?.dueAt)),
    ev('RECORD_ACCEPTANCE', { passed: true, satisfactionPct: 90, signatories: SIGNATORIES }, A.community2),
    ev('RECORD_ACCEPTANCE', { passed: true, satisfactionPct: 70, signatories: SIGNATORIES }, A.community2),
    ev('RECTIFIED', { evidence: ['doc-2'] }, awardedVendor),
    ev('RECORD_EVALUATION', { score: 88, grade: '良好', notes: 'fine' }, A.district2),
    ev('WARRANTY_ENDED', {}, A.system, timerAt(c.warrantyEndsAt)),
    ev('RELEASE_RETENTION', { amountFen: Math.max(1, outstandingFen(c, 'retention')), voucherNo: 'PZ-3' }, payer),
    ev('COMMENT', { text: 'hello' }, A.street),
    ev('CANCEL', { reason: 'stop' }, A.district),
  ];
  return list.map((e) => enrich(e, c, calendar));
}

/** State value plus the context bits that change what can happen next (keeps the graph finite). */
function serialize(s: Snap): string {
  const c = s.context;
  return JSON.stringify([
    s.value,
    c.procurement?.method ?? null,
    c.objections.some((o) => o.status === 'open'),
    Object.keys(c.procurement?.quotes ?? {}).sort(),
    c.award?.vendorId ?? null,
    c.contract === null ? null : c.contract.items.map((i) => [i.deliveredQty, i.confirmedQty, i.disputed]),
    c.paidByTranche,
    c.warrantyEnded,
  ]);
}

function explore(rules: ProgrammeRules) {
  return getShortestPaths(projectMachine, {
    input: input({ rules }),
    events: eventsFor,
    serializeState: (s) => serialize(s as Snap),
    limit: 100_000,
  });
}

type Ledger = { reserved: number; committed: number; spent: number };

/** Applies emitted ledger effects the way the engine's handlers would, checking the invariants. */
function book(ledger: Ledger, emitted: Array<Record<string, unknown>>): Ledger {
  let { reserved, committed, spent } = ledger;
  for (const e of emitted) {
    if (e.type === 'ledger.reserve') reserved += e.fen as number;
    if (e.type === 'ledger.commit') {
      expect(e.contractFen as number).toBeLessThanOrEqual(e.reservedFen as number);
      reserved -= e.reservedFen as number;
      committed += e.contractFen as number;
    }
    if (e.type === 'ledger.spend') {
      committed -= e.fen as number;
      spent += e.fen as number;
    }
    if (e.type === 'ledger.release') reserved = committed = 0;
  }
  expect(reserved).toBeGreaterThanOrEqual(0);
  expect(committed).toBeGreaterThanOrEqual(0);
  return { reserved, committed, spent };
}

const NOTICE_STAGES = { confirmation: ['confirmation_notice', 'confirmation_objection_review'], acceptance: ['acceptance_notice', 'acceptance_objection_review'] } as const;

describe.each([
  ['the defaults (three notices, 30/65/5 with a retention)', DEFAULT_RULES],
  ['a plan without retention (30/70/0)', NO_RETENTION_RULES],
  ['a street that buys, approves and pays, with one notice', STREET_RULES],
])('model: %s', (_name, rules) => {
  const paths = explore(rules);
  const reached = new Set(paths.map((p) => stageOf(p.state.value)));

  it('reaches every state of the lifecycle its rules hold', () => {
    const absent = new Set<string>([
      ...(rules.payment.retentionPct > 0 ? [] : ['warranty']),
      ...(rules.notices.confirmation ? [] : NOTICE_STAGES.confirmation),
      ...(rules.notices.acceptance ? [] : NOTICE_STAGES.acceptance),
    ]);
    const expected = STAGES.filter((s) => !absent.has(s));
    expect([...reached].sort()).toEqual([...expected].sort());
    expect(paths.length).toBeGreaterThan(50);
  });

  it('replays every shortest path with the pure transition() to the same snapshot', () => {
    for (const path of paths) {
      let [snap] = initialTransition(projectMachine, input({ rules }));
      let ledger: Ledger = { reserved: 0, committed: 0, spent: 0 };
      for (const step of path.steps) {
        const event = step.event as ProjectEvent;
        if ((event.type as string) === 'xstate.init') continue;
        expect(snap.can(event), `${event.type} in ${stageOf(snap.value)}`).toBe(true);
        const [next, actions] = transition(projectMachine, snap, event);
        // the engine's own restore and transition (one inert scope per machine) give the same
        const [mine, mineActions] = pureTransition(projectMachine, restore(projectMachine, JSON.parse(persistedJson(projectMachine, snap))), event);
        expect(persistedJson(projectMachine, mine)).toBe(persistedJson(projectMachine, next));
        const carried = (list: unknown[]) => JSON.stringify((list as Array<{ type: string; params?: unknown }>).map((a) => [a.type, a.params]));
        expect(carried(mineActions)).toBe(carried(actions));
        ledger = book(ledger, emittedBy(actions));
        for (const a of actions.filter((x) => (x.type as string) === 'xstate.raise')) {
          const params = a.params as { id?: string; delay?: number };
          expect(typeof params.id).toBe('string');
          expect(Number.isFinite(params.delay)).toBe(true);
          expect(params.delay).toBeGreaterThanOrEqual(0);
        }
        snap = next;
        expect(serialize(next)).toEqual(serialize(step.state as Snap));
      }
      // the graph keeps one snapshot per serialized vertex (the last one it saw), so compare what the
      // vertex stands for: the state value and the context bits of `serialize`
      expect(snap.value).toEqual(path.state.value);
      expect(serialize(snap)).toEqual(serialize(path.state as Snap));
      expect(JSON.parse(JSON.stringify(snap.context))).toEqual(snap.context);
      if (snap.context.stage === 'closed') {
        expect(ledger.committed).toBe(0);
        expect(ledger.spent).toBe(snap.context.contract!.amountFen);
      }
    }
  });

  it('in every reached state, an actor of any role is waited for exactly when it has an allowed event other than the rights', () => {
    const districtId = input().districtId;
    const actors = Object.values(A).map((a) => ({ ...a, districtId }));
    let waiting = 0;
    for (const path of paths) {
      const snap = path.state as Snap;
      // a moment inside every period, so time-bound tasks (quoting) count as they would on the page
      const at = T0;
      const waits = waitingFor(snap, at);
      for (const actor of actors) {
        const tasks = allowedEvents(snap, actor, at).filter((e) => e.allowed && !RIGHTS.includes(e.type)).map((e) => e.type);
        expect(isWaitingFor(waits, actor), `${actor.id} in ${stageOf(snap.value)}: ${tasks.join(',')}`).toBe(tasks.length > 0);
        if (tasks.length > 0) waiting++;
      }
    }
    expect(waiting).toBeGreaterThan(paths.length / 2);
  });

  it('refuses every offered event it does not accept, with reasons, leaving the snapshot as it was', () => {
    let refusals = 0;
    for (const path of paths) {
      const snap = path.state as Snap;
      for (const event of eventsFor(snap)) {
        if (snap.can(event)) continue;
        refusals++;
        expect(refusalReasons(snap, event).length, `${event.type} in ${stageOf(snap.value)}`).toBeGreaterThan(0);
        const [next] = transition(projectMachine, snap, event);
        expect(next.value).toEqual(snap.value);
        expect(next.context).toEqual(snap.context);
      }
    }
    expect(refusals).toBeGreaterThan(1000);
  });
});
