/**
 * A project at a moment, described once for everyone who reads it: the pages, the inbox, the lists,
 * the public pages and the engine's read model (ARCHITECTURE §3, "One description, read by
 * everyone"). Everything here is derived from the snapshot, the viewer and the time, with the same
 * rule functions the guards use, so no other layer keeps a copy keyed by state names.
 *
 * - `allowedEvents`: what a viewer may send now, with the reasons for the rest;
 * - `waitingFor`: which parties (role + scope, a bound vendor, minus the user four-eyes excludes)
 *   have a task now, i.e. an allowed event other than the rights COMMENT, CANCEL and OBJECT;
 * - `deadline`: the date that governs the current stage;
 * - `publicSince`: when the project's first public notice began (null before it);
 * - `formDefaults`: defaults and bounds of the amount and signatory fields, from the rules.
 */
import { SATISFACTION_METHODS } from './project.ratings.js';
import { authorize, fourEyesOf, isTimerEvent, partiesOf } from './project.authz.js';
import { outOfStateReason, outstandingFen } from './project.checks.js';
import { EVENT_TYPES, type EventType } from './project.events.js';
import { handledEvents, preconditions, stageOf, type SnapshotLike } from './project.refusals.js';
import { pendingQty, requiredSignatories } from './project.rules.js';
import { shanghaiDate } from './project.dates.js';
import { GRADES, type Actor, type ContractItem, type LineItem, type ProjectContext, type Reason, type Role, type Stage, type Tranche } from './project.types.js';

/** Rights every party holds in every open state: never a task, never a reason to be in an inbox. */
export const RIGHTS: readonly EventType[] = ['COMMENT', 'CANCEL', 'OBJECT'];

/** A viewer: a signed-in actor, or null for the public. */
export type Viewer = Actor | null;

export interface AllowedEvent {
  type: EventType;
  allowed: boolean;
  reasons: Reason[];
  /** for an allowed event: the defaults and bounds its form starts from (see `formDefaults`) */
  fields?: Record<string, FieldDefault>;
}

/** One party the project waits for. A user is that party when role and scope match and it is not `excludedUserId`. */
export interface Waiting {
  role: Role;
  /** `community:<id>`, `street:<id>`, `district:<id>` or `vendor:<id>`: see `scopesOf` */
  scope: string;
  /** the user four-eyes keeps from these tasks (who sent the first half), or null */
  excludedUserId: string | null;
  tasks: EventType[];
}

export interface Deadline {
  at: string;
  /** which date it is: the context field it comes from */
  kind: DeadlineKind;
}

/** The context date that governs each stage. A `Record` over `Stage`: a new state must say. */
type DeadlineKind = 'noticeEndsAt' | 'reviewReminderAt' | 'quoteDeadline' | 'dueAt' | 'warrantyEndsAt';
const DEADLINES: Record<Stage, DeadlineKind | null> = {
  draft: null,
  screening: null,
  deliberation: null,
  public_notice: 'noticeEndsAt',
  objection_review: null,
  street_review: 'reviewReminderAt',
  budget_approval: null,
  confirmation_notice: 'noticeEndsAt',
  confirmation_objection_review: null,
  'procurement.preparing': null,
  'procurement.quoting': 'quoteDeadline',
  'procurement.evaluating': null,
  'procurement.contracting': null,
  delivery: 'dueAt',
  acceptance: null,
  acceptance_notice: 'noticeEndsAt',
  acceptance_objection_review: null,
  rectification: null,
  settlement: null,
  evaluation: null,
  warranty: 'warrantyEndsAt',
  closed: null,
  rejected: null,
  withdrawn: null,
  cancelled: null,
};

function deadlineDate(c: ProjectContext, kind: DeadlineKind): string | null {
  switch (kind) {
    case 'noticeEndsAt':
      return c.noticeEndsAt;
    case 'reviewReminderAt':
      return c.reviewReminderAt;
    case 'quoteDeadline':
      return c.procurement?.deadline ?? null;
    case 'dueAt':
      return c.contract?.dueAt ?? null;
    case 'warrantyEndsAt':
      return c.warrantyEndsAt;
  }
}

export function deadlineOf(snapshot: SnapshotLike): Deadline | null {
  const kind = DEADLINES[stageOf(snapshot.value)];
  if (kind === null) return null;
  const at = deadlineDate(snapshot.context, kind);
  return at === null ? null : { at, kind };
}

/**
 * A proposal is public from its first public notice on (the council's vote carried), and stays so
 * whatever happens next; the read model keeps the first date it saw. Before that — drafts, and
 * proposals rejected, withdrawn or cancelled before any notice — it is never public.
 */
export function publicSince(snapshot: SnapshotLike): string | null {
  const first = snapshot.context.notices?.[0];
  if (first !== undefined) return first.startedAt;
  // a version 1 or 2 snapshot not yet migrated: its one notice followed the vote
  const d = snapshot.context.deliberation;
  return d !== null && d.failures.length === 0 && snapshot.context.noticeEndsAt !== null ? d.at : null;
}

/** What a project holds in its allocation's ledger, in fen. */
export interface MoneyHeld {
  reservedFen: number;
  committedFen: number;
  spentFen: number;
}

/**
 * What the project's own history says it holds in the ledger: the approved amount reserved until
 * the contract is confirmed, then the contract committed less what was paid; what was paid spent;
 * nothing held once it is cancelled, rejected or withdrawn (or its budget decision was undone by an
 * upheld objection). `weishishi verify` compares this with the ledger's project rows.
 */
export function moneyHeld(c: ProjectContext, stage: Stage): MoneyHeld {
  const spentFen = c.paidFen;
  if (stage === 'cancelled' || stage === 'rejected' || stage === 'withdrawn') return { reservedFen: 0, committedFen: 0, spentFen };
  if (c.contract !== null && c.contract.confirmedAt !== null) return { reservedFen: 0, committedFen: c.contract.amountFen - spentFen, spentFen };
  return { reservedFen: c.approvedFen ?? 0, committedFen: 0, spentFen };
}

/** Work accepted (验收通过): from settlement on. Reports count these as completed. */
export const WORK_ACCEPTED: readonly Stage[] = ['settlement', 'evaluation', 'warranty', 'closed'];

/** The scopes a user acts in, in the same words as `Waiting.scope`. */
export function scopesOf(actor: Pick<Actor, 'role' | 'communityId' | 'streetId' | 'vendorId'> & { districtId?: string }): string[] {
  switch (actor.role) {
    case 'community':
      return actor.communityId ? [`community:${actor.communityId}`] : [];
    case 'street':
      return actor.streetId ? [`street:${actor.streetId}`] : [];
    case 'district':
      return actor.districtId ? [`district:${actor.districtId}`] : [];
    case 'finance':
      // finance scoped to a street pays where the rules make the street the payer
      if (actor.streetId) return [`street:${actor.streetId}`];
      return actor.districtId ? [`district:${actor.districtId}`] : [];
    case 'vendor':
      return actor.vendorId ? [`vendor:${actor.vendorId}`] : [];
    default:
      return [];
  }
}

/** No real user has this id, so four-eyes never applies to a party as a whole. */
const ANY_USER = '\u0000party';

/** Every party that could act on this project: its community, street, district, finance and vendors. */
function parties(c: ProjectContext): Array<{ actor: Actor; scope: string }> {
  const vendors = new Set([...(c.procurement?.invitations ?? []), ...(c.award ? [c.award.vendorId] : [])]);
  return [
    { actor: { id: ANY_USER, role: 'community', communityId: c.communityId }, scope: `community:${c.communityId}` },
    { actor: { id: ANY_USER, role: 'street', streetId: c.streetId }, scope: `street:${c.streetId}` },
    { actor: { id: ANY_USER, role: 'district' }, scope: `district:${c.districtId}` },
    partiesOf(c).payer === 'street'
      ? { actor: { id: ANY_USER, role: 'finance', streetId: c.streetId }, scope: `street:${c.streetId}` }
      : { actor: { id: ANY_USER, role: 'finance' }, scope: `district:${c.districtId}` },
    ...[...vendors].map((v) => ({ actor: { id: ANY_USER, role: 'vendor' as const, vendorId: v }, scope: `vendor:${v}` })),
  ];
}

/** What `viewer` may send now (timer events aside), with reasons for the rest. `at` is the clock's now. */
export function allowedEvents(snapshot: SnapshotLike, viewer: Viewer, at: string): AllowedEvent[] {
  const actor: Actor = viewer ?? { id: 'anonymous', role: 'anonymous' };
  const handled = snapshot.status === 'active' ? handledEvents(stageOf(snapshot.value)) : new Set<string>();
  return EVENT_TYPES.filter((t) => !isTimerEvent(t)).map((type) => {
    // Not handled here: the state is the reason, whoever asks. Otherwise who may act, then the rules.
    const authz = handled.has(type) ? authorize(snapshot.context, { type }, actor) : [];
    const reasons = authz.length > 0 ? authz : handled.has(type) ? preconditions(snapshot, type, actor, at) : notHere(snapshot, type);
    if (reasons.length > 0) return { type, allowed: false, reasons };
    const fields = formDefaults(snapshot, type, at);
    return Object.keys(fields).length > 0 ? { type, allowed: true, reasons, fields } : { type, allowed: true, reasons };
  });
}

/** Why an event the state does not handle is refused: the state (and a friendlier code where there is one). */
function notHere(snapshot: SnapshotLike, type: EventType): Reason[] {
  const stage = stageOf(snapshot.value);
  const friendly = outOfStateReason(stage, type);
  return [...(friendly === null ? [] : [friendly]), { code: 'NOT_ALLOWED_IN_STATE', params: { state: stage } }];
}

/** The parties with a task now: for each, the events it may send, grouped by whom four-eyes excludes. */
export function waitingFor(snapshot: SnapshotLike, at: string): Waiting[] {
  if (snapshot.status !== 'active') return [];
  const stage = stageOf(snapshot.value);
  const handled = handledEvents(stage);
  const c = snapshot.context;
  const out: Waiting[] = [];
  for (const { actor, scope } of parties(c)) {
    const byExcluded = new Map<string | null, EventType[]>();
    for (const type of EVENT_TYPES) {
      if (RIGHTS.includes(type) || isTimerEvent(type) || !handled.has(type)) continue;
      if (preconditions(snapshot, type, actor, at).length > 0) continue;
      const first = fourEyesOf(c)[type];
      const excluded = first === undefined ? null : (c.actors[first] ?? null);
      byExcluded.set(excluded, [...(byExcluded.get(excluded) ?? []), type]);
    }
    for (const [excludedUserId, tasks] of byExcluded) out.push({ role: actor.role, scope, excludedUserId, tasks });
  }
  return out;
}

/** Whether `actor` is one of the parties in `waiting` (the inbox's rule, for one project). */
export function isWaitingFor(waiting: readonly Waiting[], actor: Actor & { districtId?: string }): boolean {
  const scopes = scopesOf(actor);
  return waiting.some((w) => w.role === actor.role && scopes.includes(w.scope) && w.excludedUserId !== actor.id);
}

/** A field's default and bounds, in the payload's own units (fen for money). */
export interface FieldDefault {
  default?: unknown;
  min?: number;
  max?: number;
  /** the values a select may offer, in order */
  options?: readonly string[];
}

const tranchesOf: Partial<Record<Stage, Tranche>> = { delivery: 'advance', settlement: 'final', warranty: 'retention' };

const DAY_MS = 86_400_000;
const dateAfter = (at: string, days: number) => shanghaiDate(new Date(Date.parse(at) + days * DAY_MS).toISOString());

/** SCREEN_PASS yes/no answers (each negative item, duplicate), the passing one first. */
export const CHECKLIST_ANSWERS = ['no', 'yes'] as const;

/** Contract lines for an awarded amount: the proposal's lines when they add up to it, else shares of it. */
function contractLines(c: ProjectContext, amountFen: number): LineItem[] {
  const total = c.items.reduce((s, i) => s + i.quantity * i.unitFen, 0);
  if (total === amountFen || c.items.length === 0 || total === 0) return c.items.map((i) => ({ ...i }));
  // Each line keeps its quantity at a unit price scaled down (or up) to the award; what whole fen
  // cannot carry goes on the last line as one more row of quantity 1.
  const lines = c.items.map((i) => ({ name: i.name, quantity: i.quantity, unitFen: Math.floor((i.unitFen * amountFen) / total) }));
  const rest = amountFen - lines.reduce((s, i) => s + i.quantity * i.unitFen, 0);
  return rest > 0 ? [...lines, { name: `${c.items.at(-1)!.name}（尾差）`, quantity: 1, unitFen: rest }] : lines;
}

/**
 * Each form field's default and bounds, from the rules and the project as it stands (amounts still
 * to pay, the retention, the budget's ceiling, the award, the signatories the rules version
 * requires, the quote deadline, the items still to deliver or confirm). The pages pre-fill forms
 * from these, so a form sent as offered, with the required text filled in, is one the engine accepts.
 */
export function formDefaults(snapshot: SnapshotLike, type: EventType, at: string): Record<string, FieldDefault> {
  const c = snapshot.context;
  const stage = stageOf(snapshot.value);
  const today = shanghaiDate(at);
  const items = c.contract?.items.filter((i) => !i.confirmed) ?? [];
  const itemIds = (test: (i: ContractItem) => boolean) => items.filter(test).map((i) => i.id);
  switch (type) {
    case 'EDIT':
      // the proposal as it stands: its lines and the estimate they add up to
      return { 'fields.items': { default: c.items }, 'fields.estimatedFen': { default: c.estimatedFen, min: 1 } };
    case 'SCREEN_PASS':
      // the rules version's lists: pick the positive area, answer each negative item (the passing answer first)
      return {
        'checklist.positiveArea': { options: c.rules.screening.positiveAreas.map((a) => a.code) },
        ...Object.fromEntries(c.rules.screening.negativeItems.map((i) => [`checklist.negativeItems.${i.code}`, { options: CHECKLIST_ANSWERS }])),
        'checklist.duplicate': { options: CHECKLIST_ANSWERS },
      };
    case 'RECORD_DELIBERATION':
      return { members: { min: 1 }, present: { min: 0 }, for: { min: 0 }, against: { min: 0 }, abstain: { min: 0 }, heldOn: { default: today, max: Date.parse(at) } };
    case 'APPROVE_BUDGET':
      return { approvedFen: { default: c.estimatedFen, min: 1, max: c.estimatedFen } };
    case 'INVITE': {
      const method = c.procurement?.method ?? 'direct';
      // a week to quote unless the community says otherwise; never in the past
      return { vendorIds: { min: c.rules.procurement.minQuotes[method] }, deadline: { default: new Date(Date.parse(at) + 7 * DAY_MS).toISOString(), min: Date.parse(at) } };
    }
    case 'SUBMIT_QUOTE':
      return { amountFen: { min: 1, max: c.approvedFen ?? 0 }, validUntil: { default: dateAfter(at, 30), min: Date.parse(at) } };
    case 'AWARD': {
      if (stage === 'procurement.preparing') {
        return { amountFen: { default: c.approvedFen ?? 0, min: 1, max: c.approvedFen ?? 0 } };
      }
      const quotes = Object.values(c.procurement?.quotes ?? {}).sort((a, b) => a.amountFen - b.amountFen || a.vendorId.localeCompare(b.vendorId));
      const best = quotes[0];
      return {
        vendorId: { options: quotes.map((q) => q.vendorId), ...(best ? { default: best.vendorId } : {}) },
        amountFen: { ...(best ? { default: best.amountFen } : {}), min: 1, max: c.approvedFen ?? 0 },
      };
    }
    case 'SIGN_CONTRACT': {
      const amount = c.awardedFen ?? 0;
      return { amountFen: { default: amount, min: amount, max: amount }, items: { default: contractLines(c, amount) }, dueOn: { default: dateAfter(at, 60), min: Date.parse(at) } };
    }
    case 'RECORD_DELIVERY': {
      const open = items.filter((i) => i.deliveredQty < i.quantity);
      const first = open[0];
      return {
        itemId: { options: open.map((i) => i.id), ...(first ? { default: first.id } : {}) },
        quantity: { min: 1, ...(first ? { default: first.quantity - first.deliveredQty, max: first.quantity - first.deliveredQty } : {}) },
      };
    }
    case 'CONFIRM_RECEIPT':
    case 'DISPUTE_DELIVERY': {
      // a quantity of what was delivered and is still pending; receipt defaults to all of it
      const pending = items.filter((i) => pendingQty(i) > 0);
      const first = pending[0];
      return {
        itemId: { options: itemIds((i) => pendingQty(i) > 0), ...(first ? { default: first.id } : {}) },
        quantity: { min: 1, ...(first ? { max: pendingQty(first), ...(type === 'CONFIRM_RECEIPT' ? { default: pendingQty(first) } : {}) } : {}) },
      };
    }
    case 'RECORD_PAYMENT':
    case 'RELEASE_RETENTION': {
      const tranche = tranchesOf[stage];
      if (tranche === undefined) return {};
      const due = outstandingFen(c, tranche);
      return { tranche: { default: tranche, options: [tranche] }, amountFen: { default: due, min: 1, max: due } };
    }
    case 'RECORD_ACCEPTANCE':
      // satisfaction: residents' ratings, a paper survey's N of M, or a percentage (project.ratings.ts)
      return {
        passed: { default: true }, satisfactionMethod: { options: SATISFACTION_METHODS }, satisfied: { min: 0 }, surveyed: { min: 1 },
        satisfactionPct: { min: 0, max: 100 }, signatories: { options: requiredSignatories(c.rules, c.type, c.category) },
      };
    case 'RECORD_EVALUATION':
      return { score: { min: 0, max: 100 }, grade: { options: GRADES } };
    default:
      return {};
  }
}

/** The description the engine stores at each transition (its `describe` hook). */
export function describe(snapshot: SnapshotLike, at: string): { waitingFor: Waiting[]; deadline: Deadline | null; publicSince: string | null } {
  return { waitingFor: waitingFor(snapshot, at), deadline: deadlineOf(snapshot), publicSince: publicSince(snapshot) };
}

/** Bump when `waitingFor`, `deadlineOf` or `publicSince` change: the engine rebuilds stored rows. */
export const DESCRIBED_VERSION = 2;
