// The machine against the public contract: events per state, timers, effects, JSON snapshots,
// payload schemas and enrichment.
import { describe, expect, it } from 'vitest';
import { createActor, transition } from 'xstate';
import {
  EVENT_TYPES,
  FINAL_STAGES,
  STAGES,
  VALIDATION_KEYS,
  enrich,
  eventSchemas,
  handledEvents,
  projectMachine,
  projectWorkflow,
  refusalReasons,
  stageOf,
  validate,
  type EventType,
  type Stage,
} from '../../workflows/project/index.js';
import { A, DAY, GOOD_VOTE, NO_RETENTION_RULES, Project, RETENTION_RULES, T0, calendar, ev, input, plus, projectAt, type Stop } from './project.support.js';

const ALWAYS: EventType[] = ['COMMENT', 'CANCEL'];
/** ARCHITECTURE §4, state by state (COMMENT and CANCEL on every non-final state). */
const CONTRACT: Record<Stage, EventType[]> = {
  draft: ['EDIT', 'SUBMIT', 'WITHDRAW'],
  screening: ['SCREEN_PASS', 'RETURN', 'REJECT'],
  deliberation: ['RECORD_DELIBERATION'],
  public_notice: ['OBJECT', 'NOTICE_ENDED'],
  objection_review: ['UPHOLD_OBJECTION', 'DISMISS_OBJECTIONS'],
  street_review: ['APPROVE', 'RETURN', 'REJECT', 'REVIEW_REMINDER', 'REVIEW_ESCALATION'],
  budget_approval: ['APPROVE_BUDGET', 'RETURN', 'REJECT'],
  confirmation_notice: ['OBJECT', 'NOTICE_ENDED'],
  confirmation_objection_review: ['UPHOLD_OBJECTION', 'DISMISS_OBJECTIONS'],
  'procurement.preparing': ['INVITE', 'AWARD'],
  'procurement.quoting': ['SUBMIT_QUOTE', 'WITHDRAW_QUOTE', 'QUOTE_DEADLINE_PASSED'],
  'procurement.evaluating': ['AWARD', 'DECLARE_FAILED'],
  'procurement.contracting': ['SIGN_CONTRACT', 'CONFIRM_CONTRACT'],
  delivery: ['RECORD_DELIVERY', 'CONFIRM_RECEIPT', 'DISPUTE_DELIVERY', 'RECORD_PAYMENT', 'REQUEST_ACCEPTANCE', 'DELIVERY_OVERDUE'],
  acceptance: ['RECORD_ACCEPTANCE'],
  acceptance_notice: ['OBJECT', 'NOTICE_ENDED'],
  acceptance_objection_review: ['UPHOLD_OBJECTION', 'DISMISS_OBJECTIONS'],
  rectification: ['RECTIFIED'],
  settlement: ['RECORD_PAYMENT'],
  evaluation: ['RECORD_EVALUATION'],
  warranty: ['WARRANTY_ENDED', 'RELEASE_RETENTION'],
  closed: [],
  rejected: [],
  withdrawn: [],
  cancelled: [],
};

/** One snapshot per state, reached through the happy path or a short detour. */
function reach(stage: Stage): Project {
  const stops: Partial<Record<Stage, Stop>> = {
    screening: 'screening',
    deliberation: 'deliberation',
    public_notice: 'public_notice',
    street_review: 'street_review',
    budget_approval: 'budget_approval',
    confirmation_notice: 'confirmation_notice',
    'procurement.preparing': 'procurement.preparing',
    'procurement.quoting': 'procurement.quoting',
    'procurement.evaluating': 'procurement.evaluating',
    'procurement.contracting': 'procurement.contracting',
    delivery: 'delivery',
    acceptance: 'acceptance',
    acceptance_notice: 'acceptance_notice',
    settlement: 'settlement',
    evaluation: 'evaluation',
  };
  const stop = stops[stage];
  if (stop !== undefined) return projectAt(stop);
  const p = new Project(input({ rules: RETENTION_RULES }));
  switch (stage) {
    case 'draft':
      return p;
    case 'withdrawn':
      return p.send('WITHDRAW', { reason: 'x' }, A.community);
    case 'cancelled':
      return p.send('CANCEL', { reason: 'x' }, A.district);
    case 'rejected':
      return projectAt('screening').send('REJECT', { reason: 'x' }, A.community2);
    case 'confirmation_objection_review': {
      const q = projectAt('confirmation_notice').send('OBJECT', { text: 'x' }, A.anonymous, plus(T0, 10 * DAY));
      return q.send('NOTICE_ENDED', {}, A.system, q.ctx.noticeEndsAt!);
    }
    case 'acceptance_objection_review': {
      const q = projectAt('acceptance_notice');
      q.send('OBJECT', { text: 'x' }, A.anonymous, plus(T0, 34 * DAY));
      return q.send('NOTICE_ENDED', {}, A.system, q.ctx.noticeEndsAt!);
    }
    case 'objection_review': {
      const q = projectAt('public_notice').send('OBJECT', { text: 'x' }, A.anonymous);
      return q.send('NOTICE_ENDED', {}, A.system, q.ctx.noticeEndsAt!);
    }
    case 'rectification': {
      const sig = [
        { role: 'community', name: 'a' },
        { role: 'residents_rep', name: 'b' },
        { role: 'beneficiary', name: 'c' },
      ];
      return projectAt('acceptance').send('RECORD_ACCEPTANCE', { passed: false, satisfactionPct: 10, signatories: sig }, A.community2);
    }
    case 'warranty':
      return projectAt('warranty', input({ rules: RETENTION_RULES }));
    case 'closed':
      return projectAt('evaluation', input({ rules: NO_RETENTION_RULES })).send('RECORD_EVALUATION', { score: 70, grade: '合格', notes: '' }, A.district2);
    default:
      throw new Error(stage);
  }
}

describe('events per state (the public contract)', () => {
  it.each(STAGES.map((s) => [s]))('%s handles exactly its events', (stage) => {
    const expected = FINAL_STAGES.includes(stage) ? [] : [...CONTRACT[stage], ...ALWAYS];
    expect([...handledEvents(stage)].filter((t) => !t.startsWith('xstate.')).sort()).toEqual([...expected].sort());
  });

  it.each(STAGES.map((s) => [s]))('in %s, every other event is refused and changes nothing', (stage) => {
    const p = reach(stage);
    expect(p.stage).toBe(stage);
    const allowed = new Set(handledEvents(stage));
    for (const type of EVENT_TYPES.filter((t) => !allowed.has(t) || FINAL_STAGES.includes(stage))) {
      const event = enrich(ev(type, { reason: 'x', text: 'x' } as never, A.district), p.ctx, calendar);
      expect(p.snapshot.can(event), type).toBe(false);
      const reasons = refusalReasons(p.snapshot, event);
      expect(reasons.map((r) => r.code), type).toContain('NOT_ALLOWED_IN_STATE');
      const [next, actions] = transition(projectMachine, p.snapshot, event);
      expect(next.value).toEqual(p.snapshot.value);
      expect(next.context).toEqual(p.snapshot.context);
      expect(actions).toEqual([]);
    }
  });

  it('when COMMENT is sent in any non-final state, then it is counted and nothing else changes', () => {
    for (const stage of STAGES.filter((s) => !FINAL_STAGES.includes(s))) {
      const p = reach(stage);
      p.send('COMMENT', { text: 'hi' }, A.district);
      expect(p.stage).toBe(stage);
      expect(p.ctx.commentCount).toBe(1);
      expect(p.ctx.actors.COMMENT).toBe(A.district.id);
    }
  });

  it('when CANCEL is sent in any non-final state, then the project is cancelled, money released and timers cancelled', () => {
    const timers: Partial<Record<Stage, string[]>> = {
      public_notice: ['notice'],
      confirmation_notice: ['notice'],
      acceptance_notice: ['notice'],
      street_review: ['review_reminder', 'review_escalation'],
      'procurement.quoting': ['quote_deadline'],
      delivery: ['delivery_overdue'],
      warranty: ['warranty'],
    };
    for (const stage of STAGES.filter((s) => !FINAL_STAGES.includes(s))) {
      const p = reach(stage);
      p.send('CANCEL', { reason: '撤销' }, A.district);
      expect(p.stage).toBe('cancelled');
      expect(p.snapshot.status).toBe('done');
      expect(p.emitted('ledger.release')).toEqual([{ type: 'ledger.release' }]);
      expect(p.cancelled().sort()).toEqual([...(timers[stage] ?? [])].sort());
      expect(p.ctx.decisions.at(-1)).toMatchObject({ type: 'CANCEL', reason: '撤销', stage });
    }
  });
});

describe('timers', () => {
  it('when a state with a timer is left, then its timer is cancelled', () => {
    const notice = projectAt('public_notice');
    notice.send('NOTICE_ENDED', {}, A.system, notice.ctx.noticeEndsAt!);
    expect(notice.cancelled()).toContain('notice');
    expect(notice.stage).toBe('street_review');
    notice.send('APPROVE', {}, A.street, plus(T0, 6 * DAY));
    expect(notice.cancelled().sort()).toEqual(['review_escalation', 'review_reminder']);
    const quoting = projectAt('procurement.evaluating');
    expect(quoting.cancelled()).toEqual(['quote_deadline']);
  });

  it('when review reminder and escalation fire, then e-mails go out and the state stays', () => {
    const p = projectAt('street_review');
    expect(p.emitted('notify')[0]).toMatchObject({ template: 'task_assigned', to: { role: 'street', streetId: 'str-1' } });
    p.send('REVIEW_REMINDER', {}, A.system, p.ctx.reviewReminderAt!);
    expect(p.emitted('notify')[0]).toMatchObject({ template: 'review_reminder', to: { role: 'street', streetId: 'str-1' } });
    p.send('REVIEW_ESCALATION', {}, A.system, p.ctx.reviewEscalationAt!);
    expect(p.emitted('notify')[0]).toMatchObject({ template: 'escalation', to: { role: 'district' } });
    expect(p.stage).toBe('street_review');
  });

  it('when delivery is overdue, then the community and the vendor are told and the state stays', () => {
    const p = projectAt('delivery');
    expect(p.try('DELIVERY_OVERDUE', {}, A.system, plus(T0, 24 * DAY)).map((r) => r.code)).toEqual(['NOT_YET_DUE']);
    p.send('DELIVERY_OVERDUE', {}, A.system, p.ctx.contract!.dueAt!);
    expect(p.emitted('notify').map((n) => [n.template, (n.to as { role: string }).role])).toEqual([
      ['overdue', 'community'],
      ['overdue', 'vendor'],
    ]);
    expect(p.stage).toBe('delivery');
  });

  it('when a timer fires late, then the delay is zero, never negative', () => {
    const p = projectAt('deliberation');
    p.send('RECORD_DELIBERATION', GOOD_VOTE, A.community);
    const late = new Project();
    late.snapshot = p.snapshot;
    late.send('NOTICE_ENDED', {}, A.system, plus(p.ctx.noticeEndsAt!, 30 * DAY));
    expect(late.raised().every((r) => r.delay >= 0)).toBe(true);
  });
});

describe('snapshots', () => {
  it('when a snapshot goes through JSON and back, then value and context are the same and it carries on', () => {
    const p = projectAt('delivery');
    p.send('RECORD_DELIVERY', { itemId: 'item-1', quantity: 1, evidence: ['doc'] }, A.v1);
    const restored = createActor(projectMachine, { snapshot: JSON.parse(JSON.stringify(p.snapshot)) } as never).getSnapshot();
    expect(restored.value).toEqual(p.snapshot.value);
    expect(restored.context).toEqual(p.snapshot.context);
    const q = new Project();
    q.snapshot = restored as typeof q.snapshot;
    q.send('RECORD_DELIVERY', { itemId: 'item-1', quantity: 1, evidence: ['doc'] }, A.v1);
    expect(q.ctx.contract!.items[0]!.deliveredQty).toBe(2);
    expect(q.try('RECORD_DELIVERY', { itemId: 'item-1', quantity: 1, evidence: ['doc'] }, A.v1).map((r) => r.code)).toEqual([
      'DELIVERY_ABOVE_CONTRACT',
    ]);
  });

  it('when every state is serialised, then the context is plain JSON', () => {
    for (const stage of STAGES) {
      const { snapshot } = reach(stage);
      expect(JSON.parse(JSON.stringify(snapshot.context))).toEqual(snapshot.context);
      expect(stageOf(snapshot.value)).toBe(snapshot.context.stage);
    }
  });

  it('when the stored enriched history is replayed, then it reproduces the snapshot', () => {
    const p = projectAt('warranty', input({ rules: RETENTION_RULES }));
    const replay = new Project(input({ rules: RETENTION_RULES }));
    for (const e of p.history) [replay.snapshot] = transition(projectMachine, replay.snapshot, e);
    expect(replay.snapshot.value).toEqual(p.snapshot.value);
    expect(replay.snapshot.context).toEqual(p.snapshot.context);
  });
});

describe('payload schemas', () => {
  it('has a schema for every event type and the workflow object exposes the hooks', () => {
    expect(Object.keys(eventSchemas).sort()).toEqual([...EVENT_TYPES].sort());
    expect(projectWorkflow).toMatchObject({ name: 'project', version: 3 });
    for (const hook of ['authorize', 'refusalReasons', 'enrich', 'preconditions', 'validate'] as const) {
      expect(typeof projectWorkflow[hook]).toBe('function');
    }
  });

  it('when a deliberation does not add up, then the field errors are i18n keys', () => {
    const r = validate({ type: 'RECORD_DELIBERATION', ...GOOD_VOTE, present: 10 });
    expect(r).toEqual({ ok: false, fields: { present: 'validation.present_exceeds_members', for: 'validation.votes_sum' } });
    const missing = validate({ type: 'RECORD_DELIBERATION' });
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.fields.members).toBe('validation.required');
  });

  it('when money is fractional or negative, or a date is not a date, then it is invalid with a key', () => {
    expect(validate({ type: 'APPROVE_BUDGET', approvedFen: 1.5 })).toEqual({ ok: false, fields: { approvedFen: 'validation.integer' } });
    expect(validate({ type: 'APPROVE_BUDGET', approvedFen: -1 })).toEqual({ ok: false, fields: { approvedFen: 'validation.non_negative' } });
    expect(validate({ type: 'SIGN_CONTRACT', contractNo: 'x', items: [], amountFen: 0, dueOn: '2026-02-30' })).toEqual({
      ok: false,
      fields: { items: 'validation.min_items', dueOn: 'validation.date' },
    });
  });

  it('when a payload carries unknown or engine-only fields, then they are stripped; comment is kept', () => {
    const r = validate({ type: 'RECORD_DELIBERATION', ...GOOD_VOTE, noticeEndsAt: '2000-01-01T00:00:00Z', at: 'x', actor: {}, evil: 1, comment: '好' });
    expect(r.ok).toBe(true);
    if (r.ok) expect(Object.keys(r.value).sort()).toEqual(['abstain', 'against', 'comment', 'for', 'heldOn', 'members', 'minutes', 'present']);
  });

  it('when any schema fails, then every message is a known i18n key', () => {
    for (const type of EVENT_TYPES) {
      const r = eventSchemas[type].safeParse({ reason: 1, text: 2, amountFen: 'x', comment: 5, fields: 'x', checklist: {} });
      if (r.success) continue;
      for (const issue of r.error.issues) expect(VALIDATION_KEYS, `${type} ${issue.path.join('.')}`).toContain(issue.message);
    }
  });
});

describe('enrich', () => {
  it('adds the derived facts and is pure', () => {
    const p = projectAt('procurement.contracting');
    p.send('SIGN_CONTRACT', { contractNo: 'HT', items: [{ name: 'a', quantity: 1, unitFen: 9_000_000 }], amountFen: 9_000_000, dueOn: '2026-05-01' }, A.community);
    const raw = ev('CONFIRM_CONTRACT', {}, A.v1);
    const before = JSON.stringify(p.ctx);
    const e1 = enrich(raw, p.ctx, calendar);
    expect(e1).toEqual(enrich(raw, p.snapshot, calendar));
    expect(e1).toMatchObject({ dueAt: '2026-05-01T15:59:59.999Z' });
    expect(raw).not.toHaveProperty('dueAt');
    expect(JSON.stringify(p.ctx)).toBe(before);
    const invite = enrich(ev('INVITE', { vendorIds: ['v-1'], deadline: '2026-03-10T17:00:00+08:00' }, A.community), p.ctx, calendar);
    expect(invite).toMatchObject({ deadline: '2026-03-10T09:00:00.000Z' });
    const forged = enrich({ ...ev('RECORD_DELIBERATION', GOOD_VOTE, A.community), noticeEndsAt: '2000-01-01T00:00:00.000Z' } as never, p.ctx, calendar);
    expect(forged).toMatchObject({ noticeEndsAt: plus(T0, 5 * DAY) });
  });
});
