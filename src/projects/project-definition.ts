// Registers the pure `project` workflow with the engine: its hooks, its read model, and the effect
// handlers for what the machine emits (ledger movements and notices), all inside the transition's
// transaction.
import type { EffectHandler, WorkflowDefinition } from '../engine/types.js';
import type { WorkingCalendar } from '../lib/calendar.js';
import type { Ledger } from '../budgets/ledger.js';
import type { Notify } from '../notifications/notifier.js';
import { projectWorkflow, projectWorkflowV1, projectWorkflowV2, type Actor, type ProjectContext, type ProjectEmitted, type ProjectEvent, type SnapshotLike } from '../../workflows/project/index.js';
import { syncReadModel } from './project-repo.js';

/** The project workflow's own types, as its hooks speak them. */
interface ProjectTypes {
  snapshot: SnapshotLike;
  event: ProjectEvent;
  actor: Actor;
  env: WorkingCalendar;
}

export function projectDefinition(): WorkflowDefinition<ProjectTypes> {
  const wf = projectWorkflow;
  return {
    name: wf.name,
    version: wf.version,
    machine: wf.machine,
    eventTypes: wf.eventTypes,
    validate: wf.validate,
    authorize: wf.authorize,
    enrich: wf.enrich,
    enrichedEvents: wf.enrichedEvents,
    refusalReasons: wf.refusalReasons,
    preconditions: wf.preconditions,
    describe: wf.describe,
    describedVersion: wf.describedVersion,
    explain: wf.explain,
    // personal fields enter the history hash as salted digests, so a masked history verifies
    personalFields: wf.personalFields,
    migrateSnapshot: wf.migrateSnapshot,
    // the rules in force are stored once for all the projects under them (src/engine/parts.ts)
    sharedContext: wf.sharedContext,
    // version 1 only replays the histories it wrote (verify); every instance runs on the current version
    olderVersions: [
      { name: projectWorkflowV1.name, version: projectWorkflowV1.version, machine: projectWorkflowV1.machine },
      { name: projectWorkflowV2.name, version: projectWorkflowV2.version, machine: projectWorkflowV2.machine, migrateSnapshot: projectWorkflowV2.migrateSnapshot },
    ],
    project: syncReadModel,
  };
}

export function projectEffects(deps: { ledger: Ledger; notify: Notify }): Record<string, EffectHandler> {
  const { ledger, notify } = deps;
  type Of<T extends ProjectEmitted['type']> = Extract<ProjectEmitted, { type: T }>;
  return {
    'ledger.reserve': (e, ctx) => ledger.reserve(ctx.trx, ctx.instance.id, (e as Of<'ledger.reserve'>).fen, ctx.at),
    'ledger.commit': (e, ctx) => ledger.commit(ctx.trx, ctx.instance.id, (e as Of<'ledger.commit'>).contractFen, ctx.at),
    'ledger.spend': (e, ctx) => ledger.spend(ctx.trx, ctx.instance.id, (e as Of<'ledger.spend'>).fen, ctx.at, (e as Of<'ledger.spend'>).tranche),
    'ledger.release': async (_e, ctx) => {
      await ledger.releaseAll(ctx.trx, ctx.instance.id, ctx.at, ctx.event.type);
    },
    notify: async (e, ctx) => {
      // the project's district (it never changes) for notices to the district's staff
      await notify(ctx.trx, e as Of<'notify'>, ctx.at, (ctx.snapshot.context as ProjectContext).districtId);
    },
  };
}
