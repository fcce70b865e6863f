/**
 * Who may send which event of a need (pure; the engine answers FORBIDDEN 403 with these reasons):
 * - the need's community: REFER, RESOLVE, ADOPT, DECLINE while received; INFORM_RESIDENT after an outcome;
 * - the referred party (street staff of the need's street, or community staff of the community it
 *   was referred to): RESOLVE while referred, and INFORM_RESIDENT after resolving it;
 * - COMMENT: anyone signed in with the need in scope (community, its street, the district);
 * - timers: the system only. The public only creates needs (the service), never sends events.
 */
import { isNeedTimerEvent, type NeedEventType } from './need.events.js';
import type { Actor, NeedContext, NeedState, Reason } from './need.types.js';

export interface NeedSnapshotLike {
  value: unknown;
  status?: string;
  context: NeedContext;
}

export const stateOf = (s: { value: unknown }): NeedState => String(s.value) as NeedState;

/** The party the referral went to, as an actor would match it. */
export function referredParty(c: NeedContext): { role: 'street'; streetId: string } | { role: 'community'; communityId: string } | null {
  const t = c.referral?.target;
  if (!t) return null;
  return t.level === 'street' ? { role: 'street', streetId: t.streetId } : { role: 'community', communityId: t.communityId };
}

export function isReferredParty(c: NeedContext, actor: Actor): boolean {
  const p = referredParty(c);
  if (!p) return false;
  return p.role === 'street' ? actor.role === 'street' && actor.streetId === p.streetId : actor.role === 'community' && actor.communityId === p.communityId;
}

const isOwnCommunity = (c: NeedContext, a: Actor) => a.role === 'community' && a.communityId === c.communityId;

/** Whether `actor` may read the need at all (its scope). */
export function inScope(c: NeedContext, actor: Actor): boolean {
  switch (actor.role) {
    case 'community':
      return actor.communityId === c.communityId || isReferredParty(c, actor);
    case 'street':
      return actor.streetId === c.streetId || isReferredParty(c, actor);
    case 'district':
      return actor.districtId === undefined || actor.districtId === c.districtId;
    case 'system':
      return true;
    default:
      return false;
  }
}

const ROLES: Record<NeedEventType, readonly string[]> = {
  REFER: ['community'],
  RESOLVE: ['community', 'street'],
  ADOPT: ['community'],
  DECLINE: ['community'],
  INFORM_RESIDENT: ['community', 'street'],
  COMMENT: ['community', 'street', 'district'],
  REFERRAL_REMINDER: ['system'],
  REFERRAL_ESCALATION: ['system'],
};

/** Reasons the actor may not send `event` now; empty: authorised. Reads only `event.type`. */
export function authorize(snapshot: NeedSnapshotLike, event: { type: string }, actor: Actor): Reason[] {
  const type = event.type as NeedEventType;
  const roles = Object.hasOwn(ROLES, type) ? ROLES[type] : [];
  if (!roles.includes(actor.role)) return [{ code: 'WRONG_ROLE', params: { role: actor.role, allowed: [...roles] } }];
  if (isNeedTimerEvent(type)) return [];
  const c = snapshot.context;
  if (!inScope(c, actor)) return [{ code: 'OUT_OF_SCOPE' }];
  const state = stateOf(snapshot);
  switch (type) {
    case 'REFER':
    case 'ADOPT':
    case 'DECLINE':
      return isOwnCommunity(c, actor) ? [] : [{ code: 'OUT_OF_SCOPE' }];
    case 'RESOLVE':
      // while referred, only the referred party; before, the need's own community
      if (state === 'referred') return isReferredParty(c, actor) ? [] : [{ code: 'NOT_REFERRED_PARTY' }];
      return isOwnCommunity(c, actor) ? [] : [{ code: 'OUT_OF_SCOPE' }];
    case 'INFORM_RESIDENT':
      return isOwnCommunity(c, actor) || isReferredParty(c, actor) ? [] : [{ code: 'OUT_OF_SCOPE' }];
    default:
      return [];
  }
}
