// The `need` workflow against its contract (workflows/need/README.md): every state reached by
// xstate/graph's shortest and simple paths over representative stamped, enriched events; timers
// and effects per transition; refusals, authorization, description and payload schemas.
import { describe, expect, it } from 'vitest';
import { createActor, initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { getShortestPaths, getSimplePaths } from 'xstate/graph';
import { createCalendar } from '../../src/lib/calendar.js';
import {
  DEFAULT_NEED_RULES, ENRICHED_EVENTS, NEED_EVENT_TYPES, NEED_STATES, authorize, describeNeed, enrich, explainNeed, needMachine, personalFields, refusalReasons, validate,
  type Actor, type NeedEnv, type NeedEvent, type NeedInput, type NeedSnapshotLike,
} from '../../workflows/need/index.js';

const T0 = '2026-03-02T01:00:00.000Z'; // Monday 09:00 Shanghai
const DAY = 86_400_000;
const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();
const cal = createCalendar();

const A = {
  c1: { id: 'u-c1', role: 'community', communityId: 'cm-1', streetId: 'st-1' },
  c2: { id: 'u-c2', role: 'community', communityId: 'cm-2', streetId: 'st-1' },
  cOther: { id: 'u-c9', role: 'community', communityId: 'cm-9', streetId: 'st-9' },
  street: { id: 'u-s1', role: 'street', streetId: 'st-1' },
  street9: { id: 'u-s9', role: 'street', streetId: 'st-9' },
  district: { id: 'u-d', role: 'district', districtId: 'd-1' },
  system: { id: 'system', role: 'system' },
  vendor: { id: 'u-v', role: 'vendor', vendorId: 'v-1' },
} satisfies Record<string, Actor>;

const input = (over: Partial<NeedInput> = {}): NeedInput => ({
  id: 'n-1', ref: 'XZ-XQ-2026-0001', districtId: 'd-1', streetId: 'st-1', communityId: 'cm-1', source: 'call', type: 'accessibility',
  description: '楼道需要扶手', beneficiaryId: 'b-1', contact: { name: '张三', phone: '13800138000' }, rules: { ...DEFAULT_NEED_RULES },
  createdBy: 'u-c1', receivedAt: T0, ...over,
});

type Snap = AnyMachineSnapshot & NeedSnapshotLike;
const ev = (type: string, payload: Record<string, unknown>, actor: Actor, at = plus(T0, DAY)) => ({ type, ...payload, at, actor }) as unknown as NeedEvent;
const env = (over: Partial<NeedEnv> = {}): NeedEnv => ({ addWorkingDays: (f, d) => cal.addWorkingDays(f, d), ...over });
const start = () => initialTransition(needMachine, input())[0] as Snap;

function send(s: Snap, e: NeedEvent, e2: Partial<NeedEnv> = {}) {
  const enriched = enrich(e, s, env(e2));
  const [next, actions] = transition(needMachine, s, enriched);
  return { next: next as Snap, actions: actions as unknown as Array<{ type: string; params?: Record<string, unknown> }>, enriched };
}

/** The representative events of each snapshot (timers at their due time), enriched as the engine would. */
function eventsFor(s: Snap): NeedEvent[] {
  const c = s.context;
  const list = [
    ev('REFER', { to: 'street' }, A.c1),
    ev('REFER', { to: 'community', communityId: 'cm-2' }, A.c1),
    ev('RESOLVE', { resolution: '已安装' }, s.value === 'referred' ? (c.referral?.target.level === 'street' ? A.street : A.c2) : A.c1),
    ev('ADOPT', { newProject: { title: 'x' } }, A.c1),
    ev('ADOPT', { projectId: 'p-1' }, A.c1),
    ev('DECLINE', { reason: '不属于本项目范围' }, A.c1),
    ev('INFORM_RESIDENT', { note: '已电话告知' }, A.c1),
    ev('COMMENT', { text: 'note' }, A.street),
    ev('REFERRAL_REMINDER', {}, A.system, c.referral?.reminderAt ?? T0),
    ev('REFERRAL_ESCALATION', {}, A.system, c.referral?.deadlineAt ?? T0),
  ];
  return list.map((e) => enrich(e, s, env({ newProjectId: 'p-new', linkedProject: { communityId: 'cm-1', state: 'draft' } })));
}

const serialize = (s: Snap) => JSON.stringify([s.value, s.context.referral?.target ?? null, Boolean(s.context.referral?.remindedAt), Boolean(s.context.referral?.escalatedAt), s.context.informed.length > 0]);

describe('need machine', () => {
  it('reaches every state of the contract by shortest paths, each replaying with the pure transition()', () => {
    const paths = getShortestPaths(needMachine, { input: input(), events: eventsFor, serializeState: (s) => serialize(s as Snap) });
    const reached = new Set(paths.map((p) => String(p.state.value)));
    expect([...reached].sort()).toEqual([...NEED_STATES].sort());
    for (const p of paths) {
      let s = start();
      for (const step of p.steps.slice(1)) s = transition(needMachine, s, step.event)[0] as Snap;
      expect(s.value).toEqual(p.state.value);
    }
  });

  it('has simple paths from received to each outcome: directly, and through a referral for resolved', () => {
    const paths = getSimplePaths(needMachine, { input: input(), events: eventsFor, serializeState: (s) => serialize(s as Snap) });
    const typesTo = (state: string) => paths.filter((p) => p.state.value === state).map((p) => p.steps.slice(1).map((st) => st.event.type).join('>'));
    expect(typesTo('resolved')).toEqual(expect.arrayContaining(['RESOLVE', 'REFER>RESOLVE', 'REFER>REFERRAL_REMINDER>REFERRAL_ESCALATION>RESOLVE']));
    expect(typesTo('adopted')).toContain('ADOPT');
    expect(typesTo('declined')).toContain('DECLINE');
    // no path leaves an outcome
    for (const p of paths) {
      const states = p.steps.map((st) => String(st.state.value));
      const firstOutcome = states.findIndex((v) => ['resolved', 'adopted', 'declined'].includes(v));
      if (firstOutcome >= 0) expect(new Set(states.slice(firstOutcome)).size).toBe(1);
    }
  });

  it('REFER schedules the reminder and the escalation in working days, named, and leaving referred cancels both', () => {
    const { next, actions, enriched } = send(start(), ev('REFER', { to: 'street', note: '请街道协调' }, A.c1, T0));
    expect(next.value).toBe('referred');
    const e = enriched as unknown as { reminderAt: string; deadlineAt: string };
    expect(e.deadlineAt).toBe(cal.addWorkingDays(T0, 10));
    expect(e.reminderAt).toBe(cal.addWorkingDays(T0, 7));
    const raises = actions.filter((a) => a.type === 'xstate.raise').map((a) => a.params as { id: string; delay: number; event: { type: string } });
    expect(raises.map((r) => [r.id, r.event.type, r.delay])).toEqual([
      ['referral_reminder', 'REFERRAL_REMINDER', Date.parse(e.reminderAt) - Date.parse(T0)],
      ['referral_escalation', 'REFERRAL_ESCALATION', Date.parse(e.deadlineAt) - Date.parse(T0)],
    ]);
    const mails = actions.filter((a) => a.type === 'xstate.emit').map((a) => (a.params as { event: Record<string, unknown> }).event);
    expect(mails).toEqual([expect.objectContaining({ type: 'need.notify', template: 'need_referred', to: { role: 'street', streetId: 'st-1' } })]);
    const done = send(next, ev('RESOLVE', { resolution: '已协调物业安装' }, A.street, plus(T0, 2 * DAY)));
    expect(done.next.value).toBe('resolved');
    expect(done.actions.filter((a) => a.type === 'xstate.cancel').map((a) => (a.params as { sendId: string }).sendId).sort()).toEqual(['referral_escalation', 'referral_reminder']);
  });

  it('timers are accepted only when due; the escalation notifies the level above and records when', () => {
    const referred = send(start(), ev('REFER', { to: 'community', communityId: 'cm-2' }, A.c1, T0)).next;
    const early = enrich(ev('REFERRAL_ESCALATION', {}, A.system, plus(T0, DAY)), referred, env());
    expect(referred.can(early)).toBe(false);
    expect(refusalReasons(referred, early)).toEqual([expect.objectContaining({ code: 'NOT_YET_DUE' })]);
    const at = referred.context.referral!.deadlineAt;
    const { next, actions } = send(referred, ev('REFERRAL_ESCALATION', {}, A.system, at));
    expect(next.value).toBe('referred');
    expect(next.context.referral!.escalatedAt).toBe(at);
    expect(actions.filter((a) => a.type === 'xstate.emit').map((a) => (a.params as { event: Record<string, unknown> }).event)).toEqual([
      expect.objectContaining({ type: 'need.notify', template: 'need_escalation', to: { role: 'street', streetId: 'st-1' } }),
    ]);
  });

  it('ADOPT links a project of the same community that is still open, or creates a draft with the enriched id', () => {
    const s = start();
    const other = enrich(ev('ADOPT', { projectId: 'p-9' }, A.c1), s, env({ linkedProject: { communityId: 'cm-9', state: 'draft' } }));
    expect(s.can(other)).toBe(false);
    expect(refusalReasons(s, other)).toEqual([{ code: 'PROJECT_OTHER_COMMUNITY' }]);
    const none = enrich(ev('ADOPT', { projectId: 'p-0' }, A.c1), s, env({ linkedProject: null }));
    expect(refusalReasons(s, none)).toEqual([{ code: 'PROJECT_NOT_FOUND', params: { projectId: 'p-0' } }]);
    const closed = enrich(ev('ADOPT', { projectId: 'p-1' }, A.c1), s, env({ linkedProject: { communityId: 'cm-1', state: 'cancelled' } }));
    expect(refusalReasons(s, closed)).toEqual([{ code: 'PROJECT_CLOSED', params: { state: 'cancelled' } }]);
    const created = send(s, ev('ADOPT', { newProject: { title: '楼道扶手' } }, A.c1), { newProjectId: 'p-new' });
    expect(created.next.value).toBe('adopted');
    expect(created.next.context).toMatchObject({ projectId: 'p-new', projectCreated: true });
    expect(created.actions.filter((a) => a.type === 'xstate.emit').map((a) => (a.params as { event: Record<string, unknown> }).event)).toEqual([
      { type: 'need.adopt', projectId: 'p-new', created: true, newProject: { title: '楼道扶手' } },
    ]);
    // without the enriched id the machine refuses rather than invent one
    const bare = ev('ADOPT', { newProject: { title: 'x' } }, A.c1);
    expect(s.can(bare)).toBe(false);
  });

  it('INFORM_RESIDENT only after an outcome, and the snapshot survives JSON', () => {
    const s = start();
    expect(s.can(ev('INFORM_RESIDENT', { note: 'x' }, A.c1))).toBe(false);
    const declined = send(s, ev('DECLINE', { reason: '重复' }, A.c1)).next;
    const informed = send(declined, ev('INFORM_RESIDENT', { note: '已电话告知结果' }, A.c1, plus(T0, 2 * DAY))).next;
    expect(informed.value).toBe('declined');
    expect(informed.context.informed).toEqual([{ at: plus(T0, 2 * DAY), by: 'u-c1', note: '已电话告知结果' }]);
    const restored = createActor(needMachine, { snapshot: JSON.parse(JSON.stringify(needMachine.getPersistedSnapshot(informed))) } as never).getSnapshot();
    expect(restored.context).toEqual(informed.context);
  });
});

describe('need authorization, description and payloads', () => {
  it('the community acts on its own needs; the referred party resolves a referral; others are refused', () => {
    const s = start();
    expect(authorize(s, { type: 'REFER' }, A.c1)).toEqual([]);
    expect(authorize(s, { type: 'REFER' }, A.cOther)).toEqual([{ code: 'OUT_OF_SCOPE' }]);
    expect(authorize(s, { type: 'REFER' }, A.street)[0]!.code).toBe('WRONG_ROLE');
    expect(authorize(s, { type: 'ADOPT' }, A.vendor)[0]!.code).toBe('WRONG_ROLE');
    expect(authorize(s, { type: 'REFERRAL_REMINDER' }, A.c1)[0]!.code).toBe('WRONG_ROLE');
    expect(authorize(s, { type: 'COMMENT' }, A.district)).toEqual([]);
    const referred = send(s, ev('REFER', { to: 'street' }, A.c1, T0)).next;
    expect(authorize(referred, { type: 'RESOLVE' }, A.street)).toEqual([]);
    expect(authorize(referred, { type: 'RESOLVE' }, A.c1)).toEqual([{ code: 'NOT_REFERRED_PARTY' }]);
    expect(authorize(referred, { type: 'RESOLVE' }, A.street9)).toEqual([{ code: 'OUT_OF_SCOPE' }]);
    const toC2 = send(s, ev('REFER', { to: 'community', communityId: 'cm-2' }, A.c1, T0)).next;
    expect(authorize(toC2, { type: 'RESOLVE' }, A.c2)).toEqual([]);
    expect(explainNeed(toC2, A.c2, T0).filter((e) => e.allowed).map((e) => e.type).sort()).toEqual(['COMMENT', 'RESOLVE']);
  });

  it('describes whom the need waits for and its deadline, so the engine writes workflow_waits', () => {
    const s = start();
    expect(describeNeed(s, T0)).toEqual({
      waitingFor: [{ role: 'community', scope: 'community:cm-1', excludedUserId: null, tasks: ['REFER', 'RESOLVE', 'ADOPT', 'DECLINE'] }], deadline: null, publicSince: null,
    });
    const referred = send(s, ev('REFER', { to: 'street' }, A.c1, T0)).next;
    expect(describeNeed(referred, T0)).toEqual({
      waitingFor: [{ role: 'street', scope: 'street:st-1', excludedUserId: null, tasks: ['RESOLVE'] }],
      deadline: { at: referred.context.referral!.deadlineAt, kind: 'referralDeadline' }, publicSince: null,
    });
    const resolved = send(referred, ev('RESOLVE', { resolution: 'ok' }, A.street)).next;
    expect(describeNeed(resolved, T0).waitingFor).toEqual([]);
  });

  it('validates payloads with i18n keys and strips derived facts', () => {
    expect(validate({ type: 'ADOPT', projectId: 'p-1', newProject: {} })).toEqual({ ok: false, fields: { projectId: 'validation.adoptOneOf' } });
    expect(validate({ type: 'REFER', to: 'community' })).toEqual({ ok: false, fields: { communityId: 'validation.required' } });
    expect(validate({ type: 'DECLINE' })).toMatchObject({ ok: false, fields: { reason: 'validation.required' } });
    expect(validate({ type: 'NOPE' })).toEqual({ ok: false, fields: { type: 'validation.enum' } });
    expect(validate({ type: 'REFER', to: 'street', deadlineAt: '2000-01-01T00:00:00Z' })).toEqual({ ok: true, value: { to: 'street' } });
    expect(personalFields('$start')).toEqual(['input.beneficiaryId', 'input.contact', 'input.description']);
  });
});

describe('the events the need workflow enriches', () => {
  it('when any event but those it lists is enriched, then it comes back as it went in and the environment is never read', () => {
    const untouchable = new Proxy({} as NeedEnv, { get: (_t, name) => { throw new Error(`the environment was read (${String(name)})`); } });
    const s = start();
    for (const type of NEED_EVENT_TYPES.filter((t) => !(ENRICHED_EVENTS as readonly string[]).includes(t))) {
      const e = ev(type, { note: '回访' }, A.c1);
      expect(enrich(e, s, untouchable), type).toBe(e);
    }
    expect(() => enrich(ev('REFER', {}, A.c1), s, untouchable)).toThrow(/environment was read/);
  });
});
