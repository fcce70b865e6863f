/**
 * The `project` workflow as the engine sees it. See README.md for the chart and the contract.
 */
import { authorize } from './project.authz.js';
import { enrich } from './project.enrich.js';
import { EVENT_TYPES, eventSchemas, validate } from './project.events.js';
import { projectMachine } from './project.machine.js';
import { preconditions, refusalReasons } from './project.refusals.js';
import { allowedEvents, describe, DESCRIBED_VERSION } from './project.describe.js';

export const projectWorkflow = {
  name: 'project',
  version: 1,
  machine: projectMachine,
  eventSchemas,
  eventTypes: EVENT_TYPES,
  validate,
  authorize,
  refusalReasons,
  enrich,
  preconditions,
  describe,
  describedVersion: DESCRIBED_VERSION,
  explain: allowedEvents,
} as const;

export type ProjectWorkflow = typeof projectWorkflow;

export { authorize, FOUR_EYES, rolesFor, isTimerEvent } from './project.authz.js';
export { enrich, type WorkingCalendar, type StampedEvent } from './project.enrich.js';
export {
  EVENT_TYPES,
  TIMER_EVENTS,
  VALIDATION_KEYS,
  eventSchemas,
  isEventType,
  parseEventPayload,
  validate,
  type ValidationResult,
  type Enrichment,
  type EventPayload,
  type EventType,
  type ProjectEvent,
  type ProjectEventOf,
  type Stamp,
  type TimerEventType,
  type ValidationKey,
} from './project.events.js';
export { NOTIFY_TEMPLATES, type NotifyTemplate, type ProjectEmitted, type Recipient } from './project.effects.js';
export { projectMachine, type ProjectMachine } from './project.machine.js';
export { initialContext } from './project.context.js';
export { handledEvents, preconditions, refusalReasons, stageOf, type SnapshotLike } from './project.refusals.js';
export { outstandingFen } from './project.checks.js';
export * from './project.describe.js';
export * from './project.rules.js';
export * from './project.types.js';
