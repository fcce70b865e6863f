// Registers the pure `need` workflow with the engine: its hooks, its read model (`needs`,
// `need_projects`) and the effect handlers for what it emits — e-mails to the referred party and,
// at the deadline, to the level above (outbox), and ADOPT's new project draft — all inside the
// transition's transaction.
import { randomUUID } from 'node:crypto';
import type { Engine } from '../engine/engine.js';
import { enqueueMail } from '../engine/outbox.js';
import type { EffectHandler, StampedEvent, WorkflowDefinition } from '../engine/types.js';
import type { Trx } from '../lib/db.js';
import { t, type Lang } from '../lib/i18n.js';
import { shanghaiDate } from '../lib/calendar.js';
import type { ReferenceService } from '../reference/reference.js';
import type { RulesService } from '../rules/rules-service.js';
import { needWorkflow, type Actor, type NeedContext, type NeedEmitted, type NeedEnv, type NeedEvent, type NeedSnapshotLike } from '../../workflows/need/index.js';
import { createDraftIn } from './need-adopt.js';
import { syncNeed } from './need-repo.js';

interface NeedTypes {
  snapshot: NeedSnapshotLike;
  event: NeedEvent;
  actor: Actor;
  env: NeedEnv;
}

export function needDefinition(): WorkflowDefinition<NeedTypes> {
  const wf = needWorkflow;
  return {
    name: wf.name, version: wf.version, machine: wf.machine, eventTypes: wf.eventTypes,
    validate: wf.validate, authorize: wf.authorize, enrich: wf.enrich, enrichedEvents: wf.enrichedEvents, refusalReasons: wf.refusalReasons,
    describe: wf.describe, describedVersion: wf.describedVersion, explain: wf.explain,
    // beneficiary, contact, description and the call's note enter the history hash as salted digests
    personalFields: wf.personalFields,
    project: syncNeed,
  };
}

/**
 * What the need's `enrich` needs beyond the calendar, read in the event's transaction: for ADOPT of
 * a new draft the id it gets, for ADOPT of a project its community and state (null: none). Other
 * workflows have no ADOPT, and the engine calls this for every event.
 */
export async function needEnrichFacts(trx: Trx, event: StampedEvent): Promise<Partial<NeedEnv>> {
  if (event.type !== 'ADOPT') return {};
  if (event.newProject !== undefined) return { newProjectId: randomUUID() };
  if (typeof event.projectId !== 'string') return {};
  const p = await trx('projects').where({ id: event.projectId }).first('community_id', 'state');
  return { linkedProject: p ? { communityId: String(p.community_id), state: String(p.state) } : null };
}

type Of<T extends NeedEmitted['type']> = Extract<NeedEmitted, { type: T }>;

/** The effect handlers; the engine is bound late (it is built from these). */
export function needEffects(deps: { engine: () => Engine; reference: ReferenceService; rules: RulesService }): Record<string, EffectHandler> {
  return {
    'need.notify': async (e, ctx) => {
      const { template, to, data } = e as Of<'need.notify'>;
      const q = ctx.trx('users').where({ role: to.role, disabled: false });
      if (to.role === 'community') q.where('community_id', to.communityId);
      if (to.role === 'street') q.where('street_id', to.streetId);
      if (to.role === 'district') q.where('district_id', to.districtId);
      for (const u of (await q.select('email', 'name', 'lang')) as Array<{ email: string; name: string; lang: string }>) {
        const lang: Lang = u.lang === 'en' ? 'en' : 'zh-CN';
        const params = { ref: data.ref, name: u.name, deadline: data.deadlineAt ? shanghaiDate(data.deadlineAt) : '' };
        await enqueueMail(ctx.trx, {
          to: u.email, template, instanceId: data.needId,
          subject: t(lang, `needs.mail.${template}.subject`, params), text: t(lang, `needs.mail.${template}.text`, params),
        }, ctx.at);
      }
    },
    'need.adopt': async (e, ctx) => {
      const { projectId, created, newProject } = e as Of<'need.adopt'>;
      if (!created) return; // linking an existing project: the read model writes the link
      const c = ctx.snapshot.context as NeedContext;
      await createDraftIn(deps, ctx.trx, { projectId, communityId: c.communityId, actor: ctx.event.actor, newProject, at: ctx.at });
    },
  };
}
