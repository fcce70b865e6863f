/**
 * Who may send which event (ARCHITECTURE §4 and §6). Pure: the engine calls it before validating
 * the payload and answers FORBIDDEN (403) with these reasons:
 *   WRONG_ROLE   — the actor's role may not send this event (in this state)
 *   OUT_OF_SCOPE — right role, but not this project (other community/street, vendor not invited
 *                  or not the awarded vendor)
 *   FOUR_EYES    — the same person may not do both halves of SUBMIT/SCREEN_PASS,
 *                  AWARD/RECORD_ACCEPTANCE, APPROVE_BUDGET/RECORD_EVALUATION
 */
import { TIMER_EVENTS, type EventType } from './project.events.js';
import { contextOf, type Actor, type ContextSource, type ProjectContext, type Reason, type Role, type Stage } from './project.types.js';
import type { Parties } from './project.rules.js';

const community: Role[] = ['community'];
const street: Role[] = ['street'];
const district: Role[] = ['district'];
const finance: Role[] = ['finance'];
const vendor: Role[] = ['vendor'];
const system: Role[] = ['system'];
const signedIn: Role[] = ['community', 'street', 'district', 'finance', 'vendor'];
/** OBJECT: anyone, log-in not needed — but never admin (no lifecycle events) nor the timer worker */
const anyone: Role[] = ['anonymous', ...signedIn];

const ROLES: Record<EventType, Role[]> = {
  EDIT: community,
  SUBMIT: community,
  WITHDRAW: community,
  SCREEN_PASS: community,
  RETURN: community, // refined by state below
  REJECT: community, // refined by state below
  RECORD_DELIBERATION: community,
  OBJECT: anyone,
  NOTICE_ENDED: system,
  UPHOLD_OBJECTION: community,
  DISMISS_OBJECTIONS: community,
  APPROVE: street,
  REVIEW_REMINDER: system,
  REVIEW_ESCALATION: system,
  APPROVE_BUDGET: district,
  INVITE: community,
  SUBMIT_QUOTE: vendor,
  WITHDRAW_QUOTE: vendor,
  QUOTE_DEADLINE_PASSED: system,
  AWARD: community,
  DECLARE_FAILED: community,
  SIGN_CONTRACT: community,
  CONFIRM_CONTRACT: vendor,
  RECORD_DELIVERY: vendor,
  CONFIRM_RECEIPT: community,
  DISPUTE_DELIVERY: community,
  RECORD_PAYMENT: finance,
  REQUEST_ACCEPTANCE: vendor,
  DELIVERY_OVERDUE: system,
  RECORD_ACCEPTANCE: community,
  RECTIFIED: vendor,
  RECORD_EVALUATION: district,
  WARRANTY_ENDED: system,
  RELEASE_RETENTION: finance,
  COMMENT: signedIn,
  CANCEL: district,
};

/** RETURN and REJECT belong to whoever reviews in that state. */
const REVIEWER: Partial<Record<Stage, Role[]>> = {
  screening: community,
  street_review: street,
  budget_approval: district,
};

/** Vendor events that only the awarded vendor may send. */
const AWARDED_VENDOR_EVENTS: ReadonlySet<EventType> = new Set([
  'CONFIRM_CONTRACT',
  'RECORD_DELIVERY',
  'REQUEST_ACCEPTANCE',
  'RECTIFIED',
]);

/** second event → first event: the actor of the second must differ from the actor of the first */
export const FOUR_EYES: Readonly<Partial<Record<EventType, EventType>>> = {
  SCREEN_PASS: 'SUBMIT',
  RECORD_ACCEPTANCE: 'AWARD',
  RECORD_EVALUATION: 'APPROVE_BUDGET',
};

/** Events of the purchaser (the community, or the street where the rules say so). */
const PURCHASER_EVENTS: ReadonlySet<EventType> = new Set(['INVITE', 'AWARD', 'DECLARE_FAILED', 'SIGN_CONTRACT']);
/** Events of the payer (district finance, or finance scoped to the project's street). */
const PAYER_EVENTS: ReadonlySet<EventType> = new Set(['RECORD_PAYMENT', 'RELEASE_RETENTION']);

/** Rules stored before the parties were data: the community bought, the district approved and paid. */
export function partiesOf(c: ProjectContext | undefined): Parties {
  return c?.rules.parties ?? { purchaser: 'community', budgetApprover: 'district', payer: 'district' };
}

/** The roles that may send `type` in `stage`, under the project's rules (who buys, approves the budget). */
export function rolesFor(type: EventType, stage: Stage, c?: ProjectContext): Role[] {
  const parties = partiesOf(c);
  if (type === 'RETURN' || type === 'REJECT') {
    if (stage === 'budget_approval') return [parties.budgetApprover];
    return REVIEWER[stage] ?? [...community, ...street, ...district];
  }
  if (type === 'APPROVE_BUDGET') return [parties.budgetApprover];
  if (PURCHASER_EVENTS.has(type)) return [parties.purchaser];
  return ROLES[type];
}

/**
 * Four-eyes pairs for this project: the three fixed ones, and where one level both reviews and
 * approves the budget (the street), APPROVE_BUDGET by someone other than who sent APPROVE.
 */
export function fourEyesOf(c: ProjectContext): Readonly<Partial<Record<EventType, EventType>>> {
  return partiesOf(c).budgetApprover === 'street' ? { ...FOUR_EYES, APPROVE_BUDGET: 'APPROVE' } : FOUR_EYES;
}

function invitedVendors(c: ProjectContext): string[] {
  const ids = [...(c.procurement?.invitations ?? [])];
  if (c.award !== null) ids.push(c.award.vendorId);
  return ids;
}

function scopeReasons(c: ProjectContext, type: EventType, actor: Actor): Reason[] {
  const out: Reason = { code: 'OUT_OF_SCOPE' };
  switch (actor.role) {
    case 'community':
      return actor.communityId === c.communityId ? [] : [out];
    case 'street':
      return actor.streetId === c.streetId ? [] : [out];
    case 'finance':
      // the payer: district finance (no street), or finance scoped to the project's street
      if (!PAYER_EVENTS.has(type)) return [];
      return partiesOf(c).payer === 'street' ? (actor.streetId === c.streetId ? [] : [out]) : actor.streetId === undefined ? [] : [out];
    case 'vendor': {
      if (actor.vendorId === undefined) return [out];
      if (AWARDED_VENDOR_EVENTS.has(type)) return c.award?.vendorId === actor.vendorId ? [] : [out];
      return invitedVendors(c).includes(actor.vendorId) ? [] : [out];
    }
    default:
      // district and finance see the whole district; anonymous only OBJECTs (public); system is the engine
      return [];
  }
}

/**
 * Reasons the actor may not send `event` now; empty means authorised. Only `event.type` is read,
 * so `explain` can call it with `{ type }` alone. Takes the context or a snapshot.
 */
export function authorize(source: ContextSource, event: { type: string }, actor: Actor): Reason[] {
  const context = contextOf(source);
  const type = event.type as EventType;
  const roles = Object.prototype.hasOwnProperty.call(ROLES, type) ? rolesFor(type, context.stage, context) : [];
  if (!roles.includes(actor.role)) {
    return [{ code: 'WRONG_ROLE', params: { role: actor.role, allowed: roles } }];
  }
  // OBJECT is public: no scope for anyone
  if (type !== 'OBJECT') {
    const scope = scopeReasons(context, type, actor);
    if (scope.length > 0) return scope;
  }
  const first = fourEyesOf(context)[type];
  if (first !== undefined && context.actors[first] === actor.id) {
    return [{ code: 'FOUR_EYES', params: { event: type, conflictsWith: first } }];
  }
  return [];
}

export const isTimerEvent = (type: string): boolean => (TIMER_EVENTS as readonly string[]).includes(type);
