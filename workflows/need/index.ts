/**
 * The `need` workflow (需求) as the engine sees it: a second workflow on the same generic engine.
 * See README.md for the chart, the events, who acts, the timers and the read model.
 */
import { authorize } from './need.authz.js';
import { describeNeed, explainNeed, NEED_DESCRIBED_VERSION } from './need.describe.js';
import { enrich, ENRICHED_EVENTS } from './need.enrich.js';
import { NEED_EVENT_TYPES, needEventSchemas, validate } from './need.events.js';
import { needMachine } from './need.machine.js';
import { personalFields } from './need.personal.js';
import { refusalReasons } from './need.refusals.js';

export const NEED_WORKFLOW = 'need';
export const NEED_WORKFLOW_VERSION = 1;

export const needWorkflow = {
  name: NEED_WORKFLOW,
  version: NEED_WORKFLOW_VERSION,
  machine: needMachine,
  eventSchemas: needEventSchemas,
  eventTypes: NEED_EVENT_TYPES,
  validate,
  authorize,
  enrich,
  enrichedEvents: ENRICHED_EVENTS,
  refusalReasons,
  describe: describeNeed,
  describedVersion: NEED_DESCRIBED_VERSION,
  explain: explainNeed,
  personalFields,
} as const;

export * from './need.types.js';
export * from './need.events.js';
export * from './need.effects.js';
export { authorize, inScope, isReferredParty, referredParty, stateOf, type NeedSnapshotLike } from './need.authz.js';
export { enrich, ENRICHED_EVENTS, type NeedEnv } from './need.enrich.js';
export { checkNeedEvent, CLOSED_PROJECT_STATES } from './need.checks.js';
export { describeNeed, explainNeed, waitingForNeed, HANDLED, NEED_RIGHTS, NEED_DESCRIBED_VERSION } from './need.describe.js';
export { needMachine, type NeedMachine } from './need.machine.js';
export { personalFields, NEED_PERSONAL_FIELDS } from './need.personal.js';
export { refusalReasons } from './need.refusals.js';
