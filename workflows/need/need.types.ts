/**
 * The `need` workflow's words (需求): sources, types, states, context, input, actors and reasons.
 * Names of states and events are public contract (README.md).
 */

export interface Reason {
  code: string;
  params?: Record<string, unknown>;
}

/** How a need came in: a phone call, a home visit, staff noticed it, the public form. */
export const NEED_SOURCES = ['call', 'visit', 'staff', 'public'] as const;
export type NeedSource = (typeof NEED_SOURCES)[number];

/**
 * The kinds of need, a closed list of the workflow (changing it is a new workflow version):
 * 生活照料 daily care, 医疗康复 medical/rehab, 无障碍设施 accessibility, 心理慰藉 emotional support,
 * 就业 employment, 物资 supplies, 其他 other.
 */
export const NEED_TYPES = ['daily_care', 'medical_rehab', 'accessibility', 'emotional_support', 'employment', 'supplies', 'other'] as const;
export type NeedType = (typeof NEED_TYPES)[number];

/** Leaf states (public contract). Outcome states take INFORM_RESIDENT and COMMENT, so none is final. */
export const NEED_STATES = ['received', 'referred', 'resolved', 'adopted', 'declined'] as const;
export type NeedState = (typeof NEED_STATES)[number];
export const OUTCOME_STATES: readonly NeedState[] = ['resolved', 'adopted', 'declined'];
/** States still open: no outcome yet (the public's `open`). */
export const OPEN_STATES: readonly NeedState[] = NEED_STATES.filter((s) => !OUTCOME_STATES.includes(s));

/**
 * How a need stands in reports (the campaign report): its state, a resolution told apart by
 * whether the need was referred on the way (resolved by the street or community it went to).
 */
export const NEED_OUTCOMES = ['resolvedDirectly', 'resolvedAfterReferral', 'referredOpen', 'adopted', 'declined', 'received'] as const;
export type NeedOutcome = (typeof NEED_OUTCOMES)[number];
/** Per state: the outcome when never referred, and when referred on the way. */
export const OUTCOME_OF_STATE: Readonly<Record<NeedState, readonly [direct: NeedOutcome, referred: NeedOutcome]>> = Object.freeze({
  received: ['received', 'received'],
  referred: ['referredOpen', 'referredOpen'],
  resolved: ['resolvedDirectly', 'resolvedAfterReferral'],
  adopted: ['adopted', 'adopted'],
  declined: ['declined', 'declined'],
});
export const needOutcome = (state: NeedState, referred: boolean): NeedOutcome => OUTCOME_OF_STATE[state][referred ? 1 : 0];
/** The outcomes of needs that reached an outcome state. */
export const ENDED_OUTCOMES: readonly NeedOutcome[] = [...new Set(OUTCOME_STATES.flatMap((s) => OUTCOME_OF_STATE[s]))];

export type Role = 'community' | 'street' | 'district' | 'finance' | 'vendor' | 'admin' | 'anonymous' | 'system';

export interface Actor {
  id: string;
  role: Role | string;
  communityId?: string;
  streetId?: string;
  districtId?: string;
  vendorId?: string;
}

/** The need rules (working days), copied into the need at its start: a need keeps the rules it began under. */
export interface NeedRules {
  /** working days the referred party has to resolve a referral (the deadline; escalation at it) */
  referralWorkingDays: number;
  /** the reminder goes this many working days before the deadline */
  reminderWorkingDaysBefore: number;
}

/** Unverified programme defaults: two weeks of working days, a reminder three working days before. */
export const DEFAULT_NEED_RULES: NeedRules = Object.freeze({ referralWorkingDays: 10, reminderWorkingDaysBefore: 3 });

/** Where a need was referred: the need's street, or a community (its own or another one of the street). */
export type ReferralTarget = { level: 'street'; streetId: string } | { level: 'community'; communityId: string };

/** A resident's contact as given on the public form or the phone (personal data). */
export interface Contact {
  name?: string;
  phone?: string;
}

export interface NeedInput {
  id: string;
  ref: string;
  districtId: string;
  streetId: string;
  communityId: string;
  source: NeedSource;
  type: NeedType;
  description: string;
  /** a resident of the beneficiary register (src/beneficiaries), by id: personal data */
  beneficiaryId?: string | null;
  contact?: Contact | null;
  rules: NeedRules;
  createdBy: string;
  /** when it came in (the engine's clock when it was recorded) */
  receivedAt: string;
}

export interface Referral {
  target: ReferralTarget;
  note: string | null;
  at: string;
  by: string;
  reminderAt: string;
  deadlineAt: string;
  remindedAt: string | null;
  escalatedAt: string | null;
}

/** The machine's context: its input as recorded (the optional personal fields settled to null), and what happened since. */
export interface NeedContext extends Omit<NeedInput, 'beneficiaryId' | 'contact'> {
  beneficiaryId: string | null;
  contact: Contact | null;
  /** the referral (a need is referred once in this version) */
  referral: Referral | null;
  outcome: { state: 'resolved' | 'adopted' | 'declined'; at: string; by: string; note: string } | null;
  /** the project the need was adopted into */
  projectId: string | null;
  /** whether ADOPT created that project as a new draft */
  projectCreated: boolean;
  /** the calls telling the resident the outcome */
  informed: Array<{ at: string; by: string; note: string }>;
  comments: number;
}
