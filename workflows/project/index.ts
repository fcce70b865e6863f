/**
 * The `project` workflow as the engine sees it. See README.md for the chart and the contract.
 */
import { authorize } from './project.authz.js';
import { enrich, ENRICHED_EVENTS } from './project.enrich.js';
import { EVENT_TYPES, eventSchemas, validate } from './project.events.js';
import { projectMachine, projectMachineV1, projectMachineV2 } from './project.machine.js';
import { upgradeContext } from './project.context.js';
import type { ProjectContext } from './project.types.js';
import { CURRENT_VERSION } from './project.types.js';
import { preconditions, refusalReasons } from './project.refusals.js';
import { allowedEvents, describe, DESCRIBED_VERSION } from './project.describe.js';
import { personalFields } from './project.personal.js';

/**
 * A persisted snapshot of an older version, as the current version reads it; undefined when there
 * is no way (the engine then refuses the instance with WORKFLOW_VERSION). Version 2 changed rules,
 * not the context; version 3 added to the context (project.context.ts `upgradeContext`: the rules'
 * new fields with their old meaning, the budget year, meetings, notices, quantities received). The
 * chart of versions 1 and 2 is part of version 3's, so the state value is kept.
 */
export function migrateSnapshot(fromVersion: number, persisted: unknown): unknown {
  if (fromVersion === CURRENT_VERSION) return persisted;
  if (fromVersion !== 1 && fromVersion !== 2) return undefined;
  const snap = persisted as { context?: ProjectContext };
  if (typeof snap !== 'object' || snap === null || snap.context === undefined) return undefined;
  return { ...snap, context: upgradeContext(snap.context) };
}

export const projectWorkflow = {
  name: 'project',
  version: CURRENT_VERSION,
  machine: projectMachine,
  migrateSnapshot,
  eventSchemas,
  eventTypes: EVENT_TYPES,
  validate,
  authorize,
  refusalReasons,
  enrich,
  enrichedEvents: ENRICHED_EVENTS,
  preconditions,
  describe,
  describedVersion: DESCRIBED_VERSION,
  explain: allowedEvents,
  personalFields,
  // the rules version in force is most of a snapshot and the same for every project under it
  sharedContext: ['rules'],
} as const;

export type ProjectWorkflow = typeof projectWorkflow;

/** Version 1, only to replay the histories it wrote (verify); instances run on the current version. */
export const projectWorkflowV1 = { name: 'project', version: 1, machine: projectMachineV1 } as const;
/** Version 2, likewise; it migrates to version 3 as the current version reads it. */
export const projectWorkflowV2 = {
  name: 'project',
  version: 2,
  machine: projectMachineV2,
  // version 2 changed rules only: a version 1 snapshot is read as it is
  migrateSnapshot: (fromVersion: number, persisted: unknown): unknown => (fromVersion === 1 ? persisted : undefined),
} as const;

export { authorize, FOUR_EYES, fourEyesOf, partiesOf, rolesFor, isTimerEvent } from './project.authz.js';
export { enrich, ENRICHED_EVENTS, eligibilityVendorIds, type WorkingCalendar, type StampedEvent } from './project.enrich.js';
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
export { projectMachine, projectMachineV1, projectMachineV2, type ProjectMachine } from './project.machine.js';
export { PERSONAL_FIELDS, personalFields } from './project.personal.js';
export { fen as fenSchema, lineItems, proposalFields, checkEstimate, proposalAmountReasons } from './project.proposal.js';
export { initialContext, initialContextFor, upgradeContext, LEGACY_CATEGORY_GROUPS } from './project.context.js';
export { handledEvents, isNoticeStage, NOTICE_STAGES, preconditions, refusalReasons, stageOf, type SnapshotLike } from './project.refusals.js';
export { outstandingFen } from './project.checks.js';
export * from './project.describe.js';
export * from './project.rules.js';
export * from './project.types.js';
export * from './project.ratings.js';
export * from './project.rules.library.js';
