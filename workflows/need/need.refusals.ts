/** Why the machine refuses an event (409): the state, or the rule that failed (need.checks.ts). */
import { stateOf, type NeedSnapshotLike } from './need.authz.js';
import { checkNeedEvent } from './need.checks.js';
import { HANDLED } from './need.describe.js';
import type { NeedEvent, NeedEventType } from './need.events.js';
import type { Reason } from './need.types.js';

export function refusalReasons(snapshot: NeedSnapshotLike, event: { type: string }): Reason[] {
  const state = stateOf(snapshot);
  if (!(HANDLED[state] ?? []).includes(event.type as NeedEventType)) return [{ code: 'NOT_ALLOWED_IN_STATE', params: { state } }];
  return checkNeedEvent(snapshot.context, event as NeedEvent);
}
