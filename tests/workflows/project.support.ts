// Factories for the project workflow tests: actors, input, a fake working-day calendar, and a
// `Project` driver that stamps, enriches and sends events with XState's pure `transition()`.
import { initialTransition, transition } from 'xstate';
import {
  DEFAULT_RULES,
  authorize,
  enrich,
  projectMachine,
  refusalReasons,
  stageOf,
  type Actor,
  type EventPayload,
  type EventType,
  type ProgrammeRules,
  type ProjectEvent,
  type ProjectInput,
  type Reason,
  type WorkingCalendar,
} from '../../workflows/project/index.js';

export type Snap = ReturnType<typeof initialTransition<typeof projectMachine>>[0];
export type Actions = ReturnType<typeof transition<typeof projectMachine>>[1];

export const T0 = '2026-03-02T01:00:00.000Z'; // Monday 09:00 in Shanghai
export const DAY = 86_400_000;
export const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

/** Deterministic stand-in: a working day is a calendar day here (the real one is src/lib/calendar.ts). */
export const calendar: WorkingCalendar = {
  addWorkingDays: (from, days) => plus(from, days * DAY),
  endOfDay: (date) => `${date}T15:59:59.999Z`,
  addMonths: (from, months) => {
    const d = new Date(from);
    d.setUTCMonth(d.getUTCMonth() + months);
    return d.toISOString();
  },
  // every test vendor's record meets the default eligibility rules (registered years ago, enough staff, no violations)
  vendorRecords: new Proxy({}, {
    get: (_t, id) => (typeof id === 'string' ? { name: id, registeredOn: '2015-01-01', rating: null, fullTimeStaff: 5, violations: [] } : undefined),
  }),
};

export const A = {
  community: { id: 'u-com-1', role: 'community', communityId: 'com-1' },
  community2: { id: 'u-com-2', role: 'community', communityId: 'com-1' },
  otherCommunity: { id: 'u-com-9', role: 'community', communityId: 'com-9' },
  street: { id: 'u-str-1', role: 'street', streetId: 'str-1' },
  street2: { id: 'u-str-2', role: 'street', streetId: 'str-1' },
  streetFinance: { id: 'u-fin-str-1', role: 'finance', streetId: 'str-1' },
  otherStreet: { id: 'u-str-9', role: 'street', streetId: 'str-9' },
  district: { id: 'u-dis-1', role: 'district' },
  district2: { id: 'u-dis-2', role: 'district' },
  finance: { id: 'u-fin-1', role: 'finance' },
  v1: { id: 'u-v1', role: 'vendor', vendorId: 'v-1' },
  v2: { id: 'u-v2', role: 'vendor', vendorId: 'v-2' },
  v3: { id: 'u-v3', role: 'vendor', vendorId: 'v-3' },
  v9: { id: 'u-v9', role: 'vendor', vendorId: 'v-9' },
  admin: { id: 'u-adm', role: 'admin' },
  system: { id: 'system', role: 'system' },
  anonymous: { id: 'anonymous', role: 'anonymous' },
} satisfies Record<string, Actor>;

export const RETENTION_RULES: ProgrammeRules = {
  ...DEFAULT_RULES,
  // PROGRAMME.md's unverified default plan: 30 / 65 / 5 with a 12-month warranty
  payment: { advancePct: 30, finalPct: 65, retentionPct: 5, warrantyMonths: 12 },
};

/**
 * A street that buys, approves the budget and pays (珠海: 镇街 purchase), with only the proposal's
 * notice and no retention: the other shape a district may publish.
 */
export const STREET_RULES: ProgrammeRules = {
  ...DEFAULT_RULES,
  version: 7,
  notices: { proposal: { workingDays: 5 } },
  parties: { purchaser: 'street', budgetApprover: 'street', payer: 'street' },
  payment: { advancePct: 30, finalPct: 70, retentionPct: 0, warrantyMonths: 0 },
};

/** The first defaults' plan: 30 / 70 and no retention (evaluation closes the project). */
export const NO_RETENTION_RULES: ProgrammeRules = { ...DEFAULT_RULES, payment: { advancePct: 30, finalPct: 70, retentionPct: 0, warrantyMonths: 12 } };

export function input(over: Partial<ProjectInput> = {}): ProjectInput {
  return {
    id: 'p-1',
    ref: 'XZ-2026-0001',
    communityId: 'com-1',
    streetId: 'str-1',
    districtId: 'dis-1',
    year: 2026,
    title: '爬楼机',
    type: 'goods',
    budgetYear: 2026,
    category: '助行',
    mainGroup: '残疾人',
    otherGroups: [],
    estimatedFen: 12_000_000,
    description: 'stair-climbers for wheelchair users',
    items: [{ name: '爬楼机', quantity: 4, unitFen: 3_000_000 }],
    rules: DEFAULT_RULES,
    createdBy: A.community.id,
    ...over,
  };
}

/** A stamped (not yet enriched) event. */
export function ev<T extends EventType>(type: T, payload: EventPayload<T>, actor: Actor, at = T0): ProjectEvent {
  return { type, ...payload, at, actor } as unknown as ProjectEvent;
}

export const GOOD_VOTE = { members: 9, present: 7, for: 5, against: 1, abstain: 1, heldOn: '2026-03-01', minutes: 'minutes' };
export const CHECKLIST_OK = { positiveArea: 'mutual_help', negativeItems: { property_management: false, duplicate_government: false }, duplicate: false };
export const SIGNATORIES = [
  { role: 'community', name: '张三' },
  { role: 'residents_rep', name: '李四' },
  { role: 'beneficiary', name: '王五' },
];

/** Splits `amountFen` into two contract lines that sum to it exactly. */
export function contractItems(amountFen: number) {
  const unit = Math.floor(amountFen / 4);
  return [
    { name: '爬楼机', quantity: 2, unitFen: unit },
    { name: '培训', quantity: 1, unitFen: amountFen - 2 * unit },
  ];
}

/** Drives one instance like the engine does: stamp → (authorize) → enrich → can → transition. */
export class Project {
  snapshot: Snap;
  actions: Actions = [];
  /** every enriched event accepted so far (the history the engine would store) */
  history: ProjectEvent[] = [];

  constructor(inp: ProjectInput = input()) {
    [this.snapshot] = initialTransition(projectMachine, inp);
  }

  get stage() {
    return stageOf(this.snapshot.value);
  }
  get ctx() {
    return this.snapshot.context;
  }

  prepare(type: EventType, payload: object, actor: Actor, at = T0): ProjectEvent {
    return enrich(ev(type, payload as never, actor, at), this.snapshot.context, calendar);
  }

  authz(type: EventType, actor: Actor): Reason[] {
    return authorize(this.snapshot.context, { type }, actor);
  }

  /** Reasons the machine refuses the event ([] when it was accepted and applied). */
  try(type: EventType, payload: object, actor: Actor, at = T0): Reason[] {
    const event = this.prepare(type, payload, actor, at);
    if (!this.snapshot.can(event)) return refusalReasons(this.snapshot, event);
    [this.snapshot, this.actions] = transition(projectMachine, this.snapshot, event);
    this.history.push(event);
    return [];
  }

  /** Send an event that must be accepted (authorisation included). */
  send(type: EventType, payload: object, actor: Actor, at = T0): this {
    const forbidden = this.authz(type, actor);
    if (forbidden.length > 0) throw new Error(`${type} forbidden in ${this.stage}: ${JSON.stringify(forbidden)}`);
    const refused = this.try(type, payload, actor, at);
    if (refused.length > 0) throw new Error(`${type} refused in ${this.stage}: ${JSON.stringify(refused)}`);
    return this;
  }

  emitted(type?: string): Array<Record<string, unknown>> {
    return emittedBy(this.actions).filter((e) => type === undefined || e.type === type);
  }

  raised(): Array<{ id: string; delay: number; type: string }> {
    return this.actions
      .filter((a) => (a.type as string) === 'xstate.raise')
      .map((a) => {
        const p = a.params as { id: string; delay: number; event: { type: string } };
        return { id: p.id, delay: p.delay, type: p.event.type };
      });
  }

  cancelled(): string[] {
    return this.actions.filter((a) => (a.type as string) === 'xstate.cancel').map((a) => (a.params as { sendId: string }).sendId);
  }
}

/** The events a transition `emit()`ted (what the engine hands to effect handlers). */
export function emittedBy(actions: Actions): Array<Record<string, unknown>> {
  return actions
    .filter((a) => (a.type as string) === 'xstate.emit')
    .map((a) => (a.params as { event: Record<string, unknown> }).event);
}

// ── a happy path, step by step, so tests can stop anywhere ────────────────────────────────

export type Stop =
  | 'screening'
  | 'deliberation'
  | 'public_notice'
  | 'street_review'
  | 'budget_approval'
  | 'confirmation_notice'
  | 'procurement.preparing'
  | 'procurement.quoting'
  | 'procurement.evaluating'
  | 'procurement.contracting'
  | 'signed'
  | 'delivery'
  | 'delivered'
  | 'acceptance'
  | 'acceptance_notice'
  | 'settlement'
  | 'evaluation'
  | 'warranty';

/** From draft to `stop`, with three invited vendors (approvedFen 10,000,000: quotation method). */
export function projectAt(stop: Stop, inp: ProjectInput = input(), approvedFen = 10_000_000): Project {
  const p = new Project(inp);
  const steps: Array<[Stop, () => void]> = [
    ['screening', () => p.send('SUBMIT', {}, A.community)],
    ['deliberation', () => p.send('SCREEN_PASS', { checklist: CHECKLIST_OK }, A.community2)],
    ['public_notice', () => p.send('RECORD_DELIBERATION', GOOD_VOTE, A.community)],
    ['street_review', () => p.send('NOTICE_ENDED', {}, A.system, p.ctx.noticeEndsAt!)],
    ['budget_approval', () => p.send('APPROVE', {}, A.street, plus(p.ctx.noticeEndsAt!, DAY))],
    ['confirmation_notice', () => p.send('APPROVE_BUDGET', { approvedFen }, A.district, plus(T0, 9 * DAY))],
    ['procurement.preparing', () => p.send('NOTICE_ENDED', {}, A.system, p.ctx.noticeEndsAt!)],
    [
      'procurement.quoting',
      () => {
        const vendorIds = p.ctx.procurement!.method === 'direct' ? ['v-1'] : ['v-1', 'v-2', 'v-3'];
        p.send('INVITE', { vendorIds, deadline: plus(T0, 20 * DAY) }, A.community, plus(T0, 15 * DAY));
        const at = plus(T0, 16 * DAY);
        p.send('SUBMIT_QUOTE', { amountFen: approvedFen - 1_000_000, validUntil: '2026-12-31' }, A.v1, at);
        if (vendorIds.length > 1) {
          p.send('SUBMIT_QUOTE', { amountFen: approvedFen - 500_000, validUntil: '2026-12-31' }, A.v2, at);
          p.send('SUBMIT_QUOTE', { amountFen: approvedFen + 500_000, validUntil: '2026-12-31' }, A.v3, at);
        }
      },
    ],
    ['procurement.evaluating', () => p.send('QUOTE_DEADLINE_PASSED', {}, A.system, p.ctx.procurement!.deadline!)],
    [
      'procurement.contracting',
      () =>
        p.send(
          'AWARD',
          { vendorId: 'v-1', amountFen: approvedFen - 1_000_000, justification: 'lowest' },
          A.community,
          plus(T0, 21 * DAY),
        ),
    ],
    [
      'signed',
      () =>
        p.send(
          'SIGN_CONTRACT',
          { contractNo: 'HT-1', items: contractItems(p.ctx.awardedFen!), amountFen: p.ctx.awardedFen!, dueOn: '2026-06-30' },
          A.community,
          plus(T0, 22 * DAY),
        ),
    ],
    ['delivery', () => p.send('CONFIRM_CONTRACT', {}, A.v1, plus(T0, 23 * DAY))],
    [
      'delivered',
      () => {
        for (const item of p.ctx.contract!.items) {
          p.send('RECORD_DELIVERY', { itemId: item.id, quantity: item.quantity, evidence: ['doc-1'] }, A.v1, plus(T0, 30 * DAY));
          p.send('CONFIRM_RECEIPT', { itemId: item.id, quantity: item.quantity }, A.community, plus(T0, 31 * DAY));
        }
      },
    ],
    ['acceptance', () => p.send('REQUEST_ACCEPTANCE', {}, A.v1, plus(T0, 32 * DAY))],
    [
      'acceptance_notice',
      () =>
        p.send('RECORD_ACCEPTANCE', { passed: true, satisfactionPct: 95, signatories: SIGNATORIES }, A.community2, plus(T0, 33 * DAY)),
    ],
    ['settlement', () => p.send('NOTICE_ENDED', {}, A.system, p.ctx.noticeEndsAt!)],
    [
      'evaluation',
      () => {
        const c = p.ctx;
        const plan = { retention: Math.floor((c.contract!.amountFen * c.rules.payment.retentionPct) / 100) };
        const rest = c.contract!.amountFen - plan.retention - c.paidFen;
        p.send('RECORD_PAYMENT', { tranche: 'final', amountFen: rest, voucherNo: 'PZ-2' }, A.finance, plus(T0, 39 * DAY));
      },
    ],
    [
      'warranty',
      () => p.send('RECORD_EVALUATION', { score: 90, grade: '优秀', notes: 'ok' }, A.district2, plus(T0, 40 * DAY)),
    ],
  ];
  for (const [name, step] of steps) {
    step();
    if (name === stop) return p;
  }
  throw new Error(`unknown stop ${stop}`);
}
