/**
 * A need described for everyone who reads it (as workflows/project/project.describe.ts): whom it
 * waits for (the engine stores it in `workflow_waits`, which the inbox reads), its deadline, and the
 * events a viewer may send now with the reasons for the rest.
 *
 * Waiting: in `received` the need's community (to refer, resolve, adopt or decline it); in
 * `referred` the referred party (to resolve it), under the referral's deadline. Outcome states wait
 * for nobody: telling the resident (INFORM_RESIDENT) and COMMENT are rights, never tasks.
 */
import type { Description, ExplainedEvent } from '../../src/engine/types.js';
import { authorize, referredParty, stateOf, type NeedSnapshotLike } from './need.authz.js';
import { NEED_EVENT_TYPES, isNeedTimerEvent, type NeedEventType } from './need.events.js';
import type { Actor, NeedState, Reason } from './need.types.js';

/** Rights every party in scope holds: never a task. */
export const NEED_RIGHTS: readonly NeedEventType[] = ['COMMENT', 'INFORM_RESIDENT'];

/** The events each state handles (the chart's `on`), timers included. */
export const HANDLED: Record<NeedState, readonly NeedEventType[]> = {
  received: ['REFER', 'RESOLVE', 'ADOPT', 'DECLINE', 'COMMENT'],
  referred: ['RESOLVE', 'REFERRAL_REMINDER', 'REFERRAL_ESCALATION', 'COMMENT'],
  resolved: ['INFORM_RESIDENT', 'COMMENT'],
  adopted: ['INFORM_RESIDENT', 'COMMENT'],
  declined: ['INFORM_RESIDENT', 'COMMENT'],
};

/** Bump when `describe` changes: the engine then rebuilds the stored rows. */
export const NEED_DESCRIBED_VERSION = 1;

export function waitingForNeed(snapshot: NeedSnapshotLike): Description['waitingFor'] {
  const c = snapshot.context;
  const state = stateOf(snapshot);
  if (state === 'received') return [{ role: 'community', scope: `community:${c.communityId}`, excludedUserId: null, tasks: ['REFER', 'RESOLVE', 'ADOPT', 'DECLINE'] }];
  if (state === 'referred') {
    const p = referredParty(c);
    if (!p) return [];
    return [p.role === 'street'
      ? { role: 'street', scope: `street:${p.streetId}`, excludedUserId: null, tasks: ['RESOLVE'] }
      : { role: 'community', scope: `community:${p.communityId}`, excludedUserId: null, tasks: ['RESOLVE'] }];
  }
  return [];
}

export function describeNeed(snapshot: NeedSnapshotLike, _at: string): Description {
  const c = snapshot.context;
  const deadline = stateOf(snapshot) === 'referred' && c.referral ? { at: c.referral.deadlineAt, kind: 'referralDeadline' } : null;
  // needs are never public: the public form answers with the reference only
  return { waitingFor: waitingForNeed(snapshot), deadline, publicSince: null };
}

/** What `actor` may send now (timer events aside), with the reasons for the rest. */
export function explainNeed(snapshot: NeedSnapshotLike, actor: Actor, _at: string): ExplainedEvent[] {
  const state = stateOf(snapshot);
  const handled = HANDLED[state] ?? [];
  return NEED_EVENT_TYPES.filter((t) => !isNeedTimerEvent(t)).map((type) => {
    const reasons: Reason[] = handled.includes(type) ? authorize(snapshot, { type }, actor) : [{ code: 'NOT_ALLOWED_IN_STATE', params: { state } }];
    return { type, allowed: reasons.length === 0, reasons };
  });
}
