/**
 * The need lifecycle (需求) as a pure XState v5 machine: received → resolved | referred → resolved |
 * adopted | declined. No I/O, no clock: only `event.at` and what `enrich` put on the event.
 * The referral's reminder and escalation are named delayed raises (ids `referral_reminder` and
 * `referral_escalation`) in the entry of `referred`, cancelled on its exit; the engine makes them
 * timer rows and its worker delivers them as `system`.
 */
import { assign, cancel, emit, raise, setup } from 'xstate';
import { checkNeedEvent } from './need.checks.js';
import type { NeedEmitted, NeedRecipient } from './need.effects.js';
import type { NeedEvent } from './need.events.js';
import type { NeedContext, NeedInput, ReferralTarget } from './need.types.js';

const NO_INPUT = new Error('a need starts with its input');

const msUntil = (toIso: string | null | undefined, fromIso: string): number =>
  toIso == null ? 0 : Math.max(0, Date.parse(toIso) - Date.parse(fromIso));

const timer = (type: 'REFERRAL_REMINDER' | 'REFERRAL_ESCALATION') => ({ type }) as NeedEvent;

/** The party the referral went to, as the recipient of its e-mails. */
function referredRecipient(c: NeedContext): NeedRecipient {
  const t = c.referral?.target;
  return t?.level === 'community' ? { role: 'community', communityId: t.communityId } : { role: 'street', streetId: t?.streetId ?? c.streetId };
}

/** The level above the referred party: the street above a community, the district above the street. */
function escalationRecipient(c: NeedContext): NeedRecipient {
  return c.referral?.target.level === 'community' ? { role: 'street', streetId: c.streetId } : { role: 'district', districtId: c.districtId };
}

const mail = (c: NeedContext, template: 'need_referred' | 'need_reminder' | 'need_escalation', to: NeedRecipient): NeedEmitted => ({
  type: 'need.notify', template, to, data: { needId: c.id, ref: c.ref, deadlineAt: c.referral?.deadlineAt ?? null },
});

export const needMachine = setup({
  types: {
    context: {} as NeedContext,
    events: {} as NeedEvent,
    input: {} as NeedInput,
    emitted: {} as NeedEmitted,
  },
  guards: {
    valid: ({ context, event }) => checkNeedEvent(context, event).length === 0,
  },
  actions: {
    refer: assign(({ context, event }) => {
      if (event.type !== 'REFER') return {};
      const target: ReferralTarget = event.to === 'street' ? { level: 'street', streetId: context.streetId } : { level: 'community', communityId: event.communityId ?? context.communityId };
      return {
        referral: {
          target, note: event.note ?? null, at: event.at, by: event.actor.id,
          reminderAt: event.reminderAt ?? event.at, deadlineAt: event.deadlineAt ?? event.at, remindedAt: null, escalatedAt: null,
        },
      };
    }),
    outcome: assign(({ event }) => {
      const state = event.type === 'RESOLVE' ? 'resolved' : event.type === 'ADOPT' ? 'adopted' : 'declined';
      const note = event.type === 'RESOLVE' ? event.resolution : event.type === 'DECLINE' ? event.reason : event.type === 'ADOPT' ? (event.comment ?? '') : '';
      return { outcome: { state, at: event.at, by: event.actor.id, note } as const };
    }),
    adopt: assign(({ event }) => (event.type === 'ADOPT' ? { projectId: event.projectId ?? null, projectCreated: event.created === true } : {})),
    emitAdopt: emit(({ event }) => {
      const e = event as Extract<NeedEvent, { type: 'ADOPT' }>;
      return { type: 'need.adopt', projectId: e.projectId ?? '', created: e.created === true, ...(e.newProject ? { newProject: e.newProject } : {}) } as const;
    }),
    inform: assign(({ context, event }) => (event.type === 'INFORM_RESIDENT' ? { informed: [...context.informed, { at: event.at, by: event.actor.id, note: event.note }] } : {})),
    comment: assign(({ context }) => ({ comments: context.comments + 1 })),
    reminded: assign(({ context, event }) => (context.referral ? { referral: { ...context.referral, remindedAt: event.at } } : {})),
    escalated: assign(({ context, event }) => (context.referral ? { referral: { ...context.referral, escalatedAt: event.at } } : {})),
    notifyReferred: emit(({ context }) => mail(context, 'need_referred', referredRecipient(context))),
    notifyReminder: emit(({ context }) => mail(context, 'need_reminder', referredRecipient(context))),
    notifyEscalation: emit(({ context }) => mail(context, 'need_escalation', escalationRecipient(context))),
    startReminderTimer: raise(timer('REFERRAL_REMINDER'), {
      id: 'referral_reminder',
      delay: ({ context, event }) => msUntil(context.referral?.reminderAt, event.at),
    }),
    startEscalationTimer: raise(timer('REFERRAL_ESCALATION'), {
      id: 'referral_escalation',
      delay: ({ context, event }) => msUntil(context.referral?.deadlineAt, event.at),
    }),
    cancelReminderTimer: cancel('referral_reminder'),
    cancelEscalationTimer: cancel('referral_escalation'),
  },
}).createMachine({
  id: 'need',
  context: ({ input }) => {
    if (input === undefined) throw NO_INPUT;
    return {
      id: input.id, ref: input.ref, districtId: input.districtId, streetId: input.streetId, communityId: input.communityId,
      source: input.source, type: input.type, description: input.description, beneficiaryId: input.beneficiaryId ?? null,
      contact: input.contact ?? null, rules: input.rules, createdBy: input.createdBy, receivedAt: input.receivedAt,
      referral: null, outcome: null, projectId: null, projectCreated: false, informed: [], comments: 0,
    };
  },
  initial: 'received',
  states: {
    received: {
      on: {
        REFER: { guard: 'valid', target: 'referred', actions: 'refer' },
        RESOLVE: { target: 'resolved', actions: 'outcome' },
        ADOPT: { guard: 'valid', target: 'adopted', actions: ['adopt', 'outcome', 'emitAdopt'] },
        DECLINE: { target: 'declined', actions: 'outcome' },
        COMMENT: { actions: 'comment' },
      },
    },
    referred: {
      entry: ['startReminderTimer', 'startEscalationTimer', 'notifyReferred'],
      exit: ['cancelReminderTimer', 'cancelEscalationTimer'],
      on: {
        RESOLVE: { target: 'resolved', actions: 'outcome' },
        REFERRAL_REMINDER: { guard: 'valid', actions: ['reminded', 'notifyReminder'] },
        REFERRAL_ESCALATION: { guard: 'valid', actions: ['escalated', 'notifyEscalation'] },
        COMMENT: { actions: 'comment' },
      },
    },
    resolved: { on: { INFORM_RESIDENT: { actions: 'inform' }, COMMENT: { actions: 'comment' } } },
    adopted: { on: { INFORM_RESIDENT: { actions: 'inform' }, COMMENT: { actions: 'comment' } } },
    declined: { on: { INFORM_RESIDENT: { actions: 'inform' }, COMMENT: { actions: 'comment' } } },
  },
});

export type NeedMachine = typeof needMachine;
