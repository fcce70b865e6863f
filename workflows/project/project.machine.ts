/**
 * The project lifecycle (ARCHITECTURE §4) as a pure XState v5 machine.
 *
 * - No I/O, no clock: only `event.at` and facts `enrich` put on the event.
 * - Every accepted event runs `apply` (project.reduce.ts), which also records who sent it.
 * - Guards are `valid` = the rule functions of project.checks.ts return nothing.
 * - Deadlines are named delayed `raise`s in entry actions, cancelled on exit; the engine turns them
 *   into timer rows and delivers them later as the `system` actor.
 * - Money and e-mail are `emit`ted (project.effects.ts).
 */
import { and, assign, cancel, emit, raise, setup } from 'xstate';
import { msUntil } from './project.dates.js';
import { notification, type Audience, type NotifyTemplate, type ProjectEmitted } from './project.effects.js';
import type { ProjectEvent, TimerEventType } from './project.events.js';
import { applyEvent } from './project.reduce.js';
import { acceptanceFailures, deliberationFailures, noticeDays, quorate, type NoticeKind } from './project.rules.js';
import { checkEvent, hasOpenObjections, retentionHeld, retentionReleased, settled } from './project.checks.js';
import { CURRENT_VERSION, type ProjectContext, type ProjectInput, type Stage, type WorkflowVersion } from './project.types.js';
import { initialContextFor } from './project.context.js';

const NO_INPUT = new Error('a project starts with its input');

/** A timer event as raised; the engine stamps `at` and `actor: system` when it delivers it. */
const timer = (type: TimerEventType) => ({ type }) as ProjectEvent;

const valid = (stage: Stage) => ({ type: 'valid', params: { stage } }) as const;
const notify = (template: NotifyTemplate, to: Audience) => ({ type: 'notify', params: { template, to } }) as const;
const enter = (stage: Stage) => ({ type: 'enterStage', params: { stage } }) as const;
const holds = (kind: NoticeKind) => ({ type: 'noticeHeld', params: { kind } }) as const;

/** COMMENT and CANCEL on every non-final state. */
const anyTime = {
  COMMENT: { actions: 'apply' },
  CANCEL: { target: '#project.cancelled', actions: ['apply', 'release'] },
} as const;

/**
 * A public notice (公示): objections while it runs (the timer ends it after the rules' working
 * days); at its end, the review of open objections, or `next`.
 */
const noticeState = <S extends Stage, R extends Stage, N extends string>(stage: S, reviewStage: R, next: N) =>
  ({
    entry: [enter(stage), 'startNoticeTimer'],
    exit: 'cancelNoticeTimer',
    on: {
      ...anyTime,
      OBJECT: { guard: valid(stage), actions: ['apply', notify('objection_received', 'community')] },
      NOTICE_ENDED: [
        { guard: and([valid(stage), 'openObjections']), target: reviewStage, actions: 'apply' },
        { guard: valid(stage), target: next, actions: 'apply' },
      ],
    },
  }) as const;

/** RETURN → draft and REJECT → rejected, for the three review states. */
const review = {
  RETURN: { target: '#project.draft', actions: ['apply', notify('returned', 'community')] },
  REJECT: { target: '#project.rejected', actions: ['apply', notify('rejected', 'community')] },
} as const;

/**
 * The machine of one workflow version. The versions share the chart; they differ in the rules the
 * `valid` guard applies and in how `apply` changes the context (README, "version 2: what changed").
 */
const machineOf = (version: WorkflowVersion, v3 = version >= 3) => setup({
  types: {
    context: {} as ProjectContext,
    events: {} as ProjectEvent,
    input: {} as ProjectInput,
    emitted: {} as ProjectEmitted,
  },
  guards: {
    valid: ({ context, event }, params: { stage: Stage }) => checkEvent(params.stage, context, event, version).length === 0,
    deliberationCarried: ({ context, event }) =>
      event.type === 'RECORD_DELIBERATION' && deliberationFailures(context.rules, event).length === 0,
    quorate: ({ context, event }) => event.type === 'RECORD_DELIBERATION' && quorate(context.rules, event),
    noticeHeld: ({ context }, params: { kind: NoticeKind }) => noticeDays(context.rules, params.kind) !== null,
    openObjections: ({ context }) => hasOpenObjections(context),
    acceptancePassed: ({ context, event }) =>
      event.type === 'RECORD_ACCEPTANCE' && acceptanceFailures(context.rules, event.passed, event.satisfactionPct).length === 0,
    retentionHeld: ({ context }) => retentionHeld(context),
    settled: ({ context }) => settled(context),
    retentionReleased: ({ context }) => retentionReleased(context),
  },
  actions: {
    apply: assign(({ context, event }) => applyEvent(context, event, version)),
    enterStage: assign((_, params: { stage: Stage }) => ({ stage: params.stage })),
    notify: emit(({ context, event }, params: { template: NotifyTemplate; to: Audience }) =>
      notification(context, event, params.template, params.to),
    ),
    reserve: emit(({ context }) => ({ type: 'ledger.reserve', fen: context.approvedFen ?? 0 }) as const),
    commit: emit(
      ({ context }) =>
        ({ type: 'ledger.commit', contractFen: context.contract?.amountFen ?? 0, reservedFen: context.approvedFen ?? 0 }) as const,
    ),
    spend: emit(({ event }) => {
      if (event.type === 'RECORD_PAYMENT') return { type: 'ledger.spend', fen: event.amountFen, tranche: event.tranche } as const;
      const fen = event.type === 'RELEASE_RETENTION' ? event.amountFen : 0;
      return { type: 'ledger.spend', fen, tranche: 'retention' } as const;
    }),
    release: emit({ type: 'ledger.release' } as const),
    startNoticeTimer: raise(timer('NOTICE_ENDED'), {
      id: 'notice',
      delay: ({ context, event }) => msUntil(context.noticeEndsAt, event.at),
    }),
    cancelNoticeTimer: cancel('notice'),
    startReminderTimer: raise(timer('REVIEW_REMINDER'), {
      id: 'review_reminder',
      delay: ({ context, event }) => msUntil(context.reviewReminderAt, event.at),
    }),
    startEscalationTimer: raise(timer('REVIEW_ESCALATION'), {
      id: 'review_escalation',
      delay: ({ context, event }) => msUntil(context.reviewEscalationAt, event.at),
    }),
    cancelReminderTimer: cancel('review_reminder'),
    cancelEscalationTimer: cancel('review_escalation'),
    startQuoteTimer: raise(timer('QUOTE_DEADLINE_PASSED'), {
      id: 'quote_deadline',
      delay: ({ context, event }) => msUntil(context.procurement?.deadline ?? null, event.at),
    }),
    cancelQuoteTimer: cancel('quote_deadline'),
    startDeliveryTimer: raise(timer('DELIVERY_OVERDUE'), {
      id: 'delivery_overdue',
      delay: ({ context, event }) => msUntil(context.contract?.dueAt ?? null, event.at),
    }),
    cancelDeliveryTimer: cancel('delivery_overdue'),
    startWarrantyTimer: raise(timer('WARRANTY_ENDED'), {
      id: 'warranty',
      delay: ({ context, event }) => msUntil(context.warrantyEndsAt, event.at),
    }),
    cancelWarrantyTimer: cancel('warranty'),
  },
}).createMachine({
  id: 'project',
  // XState's pure transition() builds a throwaway actor first, whose initial snapshot it computes
  // without input and discards: refused at once with one prepared error (no stack captured, no
  // rules copied), as it would be refused anyway.
  context: ({ input }) => {
    if (input === undefined) throw NO_INPUT;
    return initialContextFor(version, input);
  },
  initial: 'draft',
  states: {
    draft: {
      entry: enter('draft'),
      on: {
        ...anyTime,
        // version 1 has no rule for EDIT, so the guard passes there as it always did
        EDIT: { guard: valid('draft'), actions: 'apply' },
        SUBMIT: { guard: valid('draft'), target: 'screening', actions: 'apply' },
        WITHDRAW: { target: 'withdrawn', actions: 'apply' },
      },
    },
    screening: {
      entry: [enter('screening'), notify('task_assigned', 'community')],
      on: {
        ...anyTime,
        ...review,
        SCREEN_PASS: { guard: valid('screening'), target: 'deliberation', actions: 'apply' },
      },
    },
    deliberation: {
      entry: enter('deliberation'),
      on: {
        ...anyTime,
        RECORD_DELIBERATION: v3
          ? [
              { guard: and([valid('deliberation'), 'deliberationCarried', holds('proposal')]), target: 'public_notice', actions: 'apply' },
              { guard: and([valid('deliberation'), 'deliberationCarried']), target: 'street_review', actions: 'apply' },
              // only a quorate vote against rejects; a meeting without quorum is void and recorded
              { guard: and([valid('deliberation'), 'quorate']), target: 'rejected', actions: ['apply', notify('rejected', 'community')] },
              { guard: valid('deliberation'), actions: 'apply' },
            ]
          : [
              { guard: and([valid('deliberation'), 'deliberationCarried']), target: 'public_notice', actions: 'apply' },
              { guard: valid('deliberation'), target: 'rejected', actions: ['apply', notify('rejected', 'community')] },
            ],
      },
    },
    public_notice: noticeState('public_notice', 'objection_review', 'street_review'),
    objection_review: {
      entry: [enter('objection_review'), notify('task_assigned', 'community')],
      on: {
        ...anyTime,
        UPHOLD_OBJECTION: { target: 'draft', actions: ['apply', notify('returned', 'community')] },
        DISMISS_OBJECTIONS: { guard: valid('objection_review'), target: 'street_review', actions: 'apply' },
      },
    },
    street_review: {
      entry: [enter('street_review'), 'startReminderTimer', 'startEscalationTimer', notify('task_assigned', 'street')],
      exit: ['cancelReminderTimer', 'cancelEscalationTimer'],
      on: {
        ...anyTime,
        ...review,
        APPROVE: { target: 'budget_approval', actions: 'apply' },
        REVIEW_REMINDER: { guard: valid('street_review'), actions: ['apply', notify('review_reminder', 'street')] },
        REVIEW_ESCALATION: { guard: valid('street_review'), actions: ['apply', notify('escalation', 'district')] },
      },
    },
    budget_approval: {
      entry: [enter('budget_approval'), notify('task_assigned', v3 ? 'budgetApprover' : 'district')],
      on: {
        ...anyTime,
        ...review,
        APPROVE_BUDGET: v3
          ? [
              {
                guard: and([valid('budget_approval'), holds('confirmation')]),
                target: 'confirmation_notice',
                actions: ['apply', 'reserve', notify('approved', 'community')],
              },
              { guard: valid('budget_approval'), target: 'procurement', actions: ['apply', 'reserve', notify('approved', 'community')] },
            ]
          : { guard: valid('budget_approval'), target: 'procurement', actions: ['apply', 'reserve', notify('approved', 'community')] },
      },
    },
    // 项目确定公示: the confirmed project and its approved amount; procurement waits for its end. (Versions 1
    // and 2 never enter it.)
    confirmation_notice: noticeState('confirmation_notice', 'confirmation_objection_review', 'procurement'),
    confirmation_objection_review: {
      entry: [enter('confirmation_objection_review'), notify('task_assigned', 'community')],
      on: {
        ...anyTime,
        // upheld: the budget is decided again, and its reservation released meanwhile
        UPHOLD_OBJECTION: { target: 'budget_approval', actions: ['apply', 'release', notify('returned', 'budgetApprover')] },
        DISMISS_OBJECTIONS: { target: 'procurement', actions: 'apply' },
      },
    },
    procurement: {
      initial: 'preparing',
      on: { ...anyTime },
      states: {
        preparing: {
          entry: enter('procurement.preparing'),
          on: {
            INVITE: {
              guard: valid('procurement.preparing'),
              target: 'quoting',
              actions: ['apply', notify('invited_to_quote', 'invitedVendors')],
            },
            AWARD: {
              guard: valid('procurement.preparing'),
              target: 'contracting',
              actions: ['apply', notify('awarded', 'awardedVendor')],
            },
          },
        },
        quoting: {
          entry: [enter('procurement.quoting'), 'startQuoteTimer'],
          exit: 'cancelQuoteTimer',
          on: {
            SUBMIT_QUOTE: { guard: valid('procurement.quoting'), actions: 'apply' },
            WITHDRAW_QUOTE: { guard: valid('procurement.quoting'), actions: 'apply' },
            QUOTE_DEADLINE_PASSED: {
              guard: valid('procurement.quoting'),
              target: 'evaluating',
              actions: ['apply', notify('task_assigned', 'community')],
            },
          },
        },
        evaluating: {
          entry: enter('procurement.evaluating'),
          on: {
            AWARD: {
              guard: valid('procurement.evaluating'),
              target: 'contracting',
              actions: ['apply', notify('awarded', 'awardedVendor')],
            },
            DECLARE_FAILED: { target: 'preparing', actions: 'apply' },
          },
        },
        contracting: {
          entry: enter('procurement.contracting'),
          on: {
            SIGN_CONTRACT: { guard: valid('procurement.contracting'), actions: 'apply' },
            CONFIRM_CONTRACT: { guard: valid('procurement.contracting'), target: '#project.delivery', actions: ['apply', 'commit'] },
          },
        },
      },
    },
    delivery: {
      entry: [enter('delivery'), 'startDeliveryTimer'],
      exit: 'cancelDeliveryTimer',
      on: {
        ...anyTime,
        RECORD_DELIVERY: { guard: valid('delivery'), actions: 'apply' },
        CONFIRM_RECEIPT: { guard: valid('delivery'), actions: 'apply' },
        DISPUTE_DELIVERY: { guard: valid('delivery'), actions: 'apply' },
        RECORD_PAYMENT: { guard: valid('delivery'), actions: ['apply', 'spend'] },
        REQUEST_ACCEPTANCE: { guard: valid('delivery'), target: 'acceptance', actions: 'apply' },
        DELIVERY_OVERDUE: {
          guard: valid('delivery'),
          actions: ['apply', notify('overdue', 'community'), notify('overdue', 'awardedVendor')],
        },
      },
    },
    acceptance: {
      entry: [enter('acceptance'), notify('task_assigned', 'community')],
      on: {
        ...anyTime,
        RECORD_ACCEPTANCE: [
          ...(v3 ? [{ guard: and([valid('acceptance'), 'acceptancePassed', holds('acceptance')]), target: 'acceptance_notice', actions: 'apply' } as const] : []),
          { guard: and([valid('acceptance'), 'acceptancePassed']), target: 'settlement', actions: 'apply' },
          { guard: valid('acceptance'), target: 'rectification', actions: ['apply', notify('returned', 'awardedVendor')] },
        ],
      },
    },
    // 验收结果公示: the payment after acceptance waits for its end. (Versions 1
    // and 2 never enter it.)
    acceptance_notice: noticeState('acceptance_notice', 'acceptance_objection_review', 'settlement'),
    acceptance_objection_review: {
      entry: [enter('acceptance_objection_review'), notify('task_assigned', 'community')],
      on: {
        ...anyTime,
        // upheld: the vendor puts right what the objection found, and acceptance is held again
        UPHOLD_OBJECTION: { target: 'rectification', actions: ['apply', notify('returned', 'awardedVendor')] },
        DISMISS_OBJECTIONS: { target: 'settlement', actions: 'apply' },
      },
    },
    rectification: {
      entry: enter('rectification'),
      on: {
        ...anyTime,
        RECTIFIED: { target: 'acceptance', actions: 'apply' },
      },
    },
    settlement: {
      entry: [enter('settlement'), notify('task_assigned', v3 ? 'payer' : 'finance')],
      // "→ evaluation when all but the retention is paid" (also when nothing was left to pay)
      always: { guard: 'settled', target: 'evaluation' },
      on: {
        ...anyTime,
        RECORD_PAYMENT: { guard: valid('settlement'), actions: ['apply', 'spend'] },
      },
    },
    evaluation: {
      entry: [enter('evaluation'), notify('task_assigned', 'district')],
      on: {
        ...anyTime,
        RECORD_EVALUATION: [
          { guard: and([valid('evaluation'), 'retentionHeld']), target: 'warranty', actions: 'apply' },
          { guard: valid('evaluation'), target: 'closed', actions: 'apply' },
        ],
      },
    },
    warranty: {
      entry: [enter('warranty'), 'startWarrantyTimer'],
      exit: 'cancelWarrantyTimer',
      always: { guard: 'retentionReleased', target: 'closed' },
      on: {
        ...anyTime,
        WARRANTY_ENDED: { guard: valid('warranty'), actions: ['apply', notify('task_assigned', v3 ? 'payer' : 'finance')] },
        RELEASE_RETENTION: { guard: valid('warranty'), actions: ['apply', 'spend'] },
      },
    },
    closed: { type: 'final', entry: enter('closed') },
    rejected: { type: 'final', entry: enter('rejected') },
    withdrawn: { type: 'final', entry: enter('withdrawn') },
    cancelled: { type: 'final', entry: enter('cancelled') },
  },
});

/** The current version: new instances, and every instance the engine runs. */
export const projectMachine = machineOf(CURRENT_VERSION);
/** Version 1, kept to replay the histories it wrote (`weishishi verify`); never runs an instance. */
export const projectMachineV1 = machineOf(1);
/** Version 2, likewise. */
export const projectMachineV2 = machineOf(2);

export type ProjectMachine = typeof projectMachine;
