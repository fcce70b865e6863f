/**
 * Why an event is refused (`refusalReasons`, for 409 EVENT_NOT_ALLOWED) and what stands in the
 * way of an event type before any payload exists (`preconditions`, for `explain`).
 */
import type { StateValue } from 'xstate';
import { authorize } from './project.authz.js';
import { checkEvent, outOfStateReason, preconditionsFor } from './project.checks.js';
import { isEventType, type EventType, type ProjectEvent } from './project.events.js';
import { projectMachine } from './project.machine.js';
import { STAGES, type Actor, type ProjectContext, type Reason, type Stage } from './project.types.js';

/** The subset of a machine snapshot these functions read (a restored snapshot qualifies). */
export interface SnapshotLike {
  value: StateValue;
  context: ProjectContext;
  status: string;
  can(event: ProjectEvent): boolean;
}

/** `{procurement: 'quoting'}` → `'procurement.quoting'` */
export function stageOf(value: StateValue): Stage {
  if (typeof value === 'string') return value as Stage;
  const [parent, child] = Object.entries(value)[0] ?? ['', ''];
  return `${parent}.${stageOf(child as StateValue)}` as Stage;
}

/** The event types the state (or one of its ancestors) has a transition for, guards aside. */
export function handledEvents(stage: Stage): ReadonlySet<string> {
  let out = handledByStage.get(stage);
  if (out === undefined) {
    const set = new Set<string>();
    let node: { ownEvents: string[]; parent?: unknown } | undefined = projectMachine.getStateNodeById(`project.${stage}`);
    while (node !== undefined) {
      node.ownEvents.forEach((t) => set.add(t));
      node = node.parent as typeof node;
    }
    out = set;
    handledByStage.set(stage, out);
  }
  return out;
}
// The machine does not change at run time: each stage's events are read once (a transition's
// description and preconditions ask for them dozens of times).
const handledByStage = new Map<Stage, ReadonlySet<string>>();

/**
 * The states in which a public notice runs: those that take an objection (OBJECT), read from the
 * machine. The public pages list and open these, whichever notices a rules version holds.
 */
export const NOTICE_STAGES: readonly Stage[] = STAGES.filter((s) => handledEvents(s).has('OBJECT'));
export const isNoticeStage = (state: string): boolean => (NOTICE_STAGES as readonly string[]).includes(state);

const notAllowed = (stage: Stage): Reason => ({ code: 'NOT_ALLOWED_IN_STATE', params: { state: stage } });

/**
 * Empty when `snapshot.can(event)`; otherwise the failing rule reasons for this state and event,
 * or NOT_ALLOWED_IN_STATE (possibly a friendlier code for a few procurement sub-states).
 */
export function refusalReasons(snapshot: SnapshotLike, event: ProjectEvent): Reason[] {
  if (snapshot.can(event)) return [];
  const stage = stageOf(snapshot.value);
  if (snapshot.status !== 'active' || !handledEvents(stage).has(event.type)) {
    const friendly = isEventType(event.type) ? outOfStateReason(stage, event.type) : null;
    return friendly === null ? [notAllowed(stage)] : [friendly, notAllowed(stage)];
  }
  const reasons = checkEvent(stage, snapshot.context, event);
  return reasons.length > 0 ? reasons : [notAllowed(stage)];
}

/**
 * Payload-independent reasons why `actor` could not send `eventType` now: authorisation
 * (WRONG_ROLE, OUT_OF_SCOPE, FOUR_EYES), the state, and rules that need no payload
 * (ITEMS_NOT_CONFIRMED, TOO_FEW_QUOTES, WARRANTY_NOT_ENDED …). Time-based ones need `at`.
 * Empty means "may be allowed, depending on the payload".
 */
export function preconditions(snapshot: SnapshotLike, eventType: string, actor: Actor, at?: string): Reason[] {
  const stage = stageOf(snapshot.value);
  if (!isEventType(eventType)) return [{ code: 'UNKNOWN_EVENT', params: { type: eventType } }];
  const authz = authorize(snapshot.context, { type: eventType }, actor);
  if (snapshot.status !== 'active' || !handledEvents(stage).has(eventType)) {
    const friendly = outOfStateReason(stage, eventType as EventType);
    return [...authz, ...(friendly === null ? [] : [friendly]), notAllowed(stage)];
  }
  return [...authz, ...preconditionsFor(stage, snapshot.context, eventType, actor.vendorId, at)];
}
