// Registers the pure `project` workflow with the engine: its hooks, its read model, and the effect
// handlers for what the machine emits (ledger movements and notices), all inside the transition's
// transaction.
import type { EffectHandler, WorkflowDefinition } from '../engine/types.js';
import type { WorkingCalendar } from '../lib/calendar.js';
import type { Ledger } from '../budgets/ledger.js';
import type { Notify } from '../notifications/notifier.js';
import { projectWorkflow, type ProjectEmitted } from '../../workflows/project/index.js';
import { syncReadModel } from './project-repo.js';

type Hooks = Pick<WorkflowDefinition, 'authorize' | 'enrich' | 'refusalReasons' | 'preconditions' | 'describe' | 'explain'>;

export function projectDefinition(): WorkflowDefinition<WorkingCalendar> {
  const wf = projectWorkflow;
  return {
    name: wf.name,
    version: wf.version,
    machine: wf.machine,
    eventTypes: wf.eventTypes,
    validate: wf.validate,
    authorize: wf.authorize as Hooks['authorize'],
    enrich: wf.enrich as unknown as WorkflowDefinition<WorkingCalendar>['enrich'],
    refusalReasons: wf.refusalReasons as Hooks['refusalReasons'],
    preconditions: wf.preconditions as Hooks['preconditions'],
    describe: wf.describe as Hooks['describe'],
    describedVersion: wf.describedVersion,
    explain: wf.explain as Hooks['explain'],
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
      await notify(ctx.trx, e as Of<'notify'>, ctx.at);
    },
  };
}
