// The `need` workflow on the real engine, on every database the storage suites run on: referral
// timers fired by the real timer worker on a ManualClock, ADOPT creating a project draft in the same
// transaction (and rolling back with it), needs linked to one project both ways, `verify` over the
// hash chain, and an effect that crashes halfway leaving nothing written.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { User } from '../../src/auth/users.js';
import { createEngine } from '../../src/engine/engine.js';
import { createTimerWorker } from '../../src/engine/timers.js';
import type { EffectHandler } from '../../src/engine/types.js';
import { verifyAll } from '../../src/engine/verify.js';
import { buildComponents } from '../../src/services.js';
import { createCalendar } from '../../src/lib/calendar.js';
import { STORAGE_KINDS } from '../support/db.js';
import { T0, createTestApp, type TestApp } from '../support/app.js';
import { count } from '../support/engine.js';

const NEW_PROJECT = {
  title: '楼道扶手安装', type: 'works', category: '居家改造', mainGroup: '残疾人', estimatedFen: 800_000,
  description: '为需求所述楼道安装扶手。', items: [{ name: '不锈钢扶手（米）', quantity: 40, unitFen: 20_000 }],
};
const plusMs = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

describe.each(STORAGE_KINDS)('needs on %s', (kind) => {
  let a: TestApp;
  beforeEach(async () => {
    a = await createTestApp({ kind });
  });
  afterEach(async () => {
    await a.close();
  });

  const user = async (email: string): Promise<User> => {
    const r = await a.t.db('users').where({ email }).first('id');
    return a.deps.services.users.get(r.id);
  };
  const newNeed = async (u: User, over: Record<string, unknown> = {}) =>
    (await a.deps.services.needs.create(u, { source: 'call', type: 'accessibility', description: '居民来电：楼道无扶手，上下楼困难。', ...over })) as { id: string; ref: string; state: string; version: number };

  it('refer → the reminder and the escalation fire once each through the timer worker → the street resolves; verify passes', async () => {
    const c1 = await user('community1@example.org');
    const street = await user('street@example.org');
    const { needs } = a.deps.services;
    const n = await newNeed(c1, { contact: { name: '张桂兰', phone: '13812345678' } });
    expect(n).toMatchObject({ state: 'received', ref: expect.stringMatching(/-XQ-2026-0001$/) });
    expect(await a.t.db('workflow_waits').where({ instance_id: n.id }).select('role', 'scope')).toEqual([{ role: 'community', scope: 'community:cm-lianhua' }]);

    await needs.send(c1, n.id, { type: 'REFER', to: 'street', note: '需协调物业' });
    const cal = createCalendar();
    const reminderAt = cal.addWorkingDays(T0, 7);
    const deadlineAt = cal.addWorkingDays(T0, 10);
    const row = await a.t.db('needs').where({ id: n.id }).first();
    expect(row).toMatchObject({ state: 'referred', deadline: deadlineAt, referred_to: 'street:st-gongbei' });
    expect(await a.t.db('workflow_waits').where({ instance_id: n.id }).select('role', 'scope', 'deadline_at')).toEqual([{ role: 'street', scope: 'street:st-gongbei', deadline_at: deadlineAt }]);
    expect(await count(a.t.db, 'outbox', { instance_id: n.id, template: 'need_referred' })).toBeGreaterThan(0);

    // nothing is due yet
    expect(await a.deps.timers.runDue()).toEqual({ fired: 0, skipped: 0 });
    a.clock.set(plusMs(reminderAt, 1));
    expect(await a.deps.timers.runDue()).toEqual({ fired: 1, skipped: 0 });
    expect(await a.deps.timers.runDue()).toEqual({ fired: 0, skipped: 0 });
    a.clock.set(plusMs(deadlineAt, 1));
    expect(await a.deps.timers.runDue()).toEqual({ fired: 1, skipped: 0 });
    expect(await a.deps.timers.runDue()).toEqual({ fired: 0, skipped: 0 });
    expect((await a.t.db('timers').where({ instance_id: n.id }).orderBy('id').select('send_id', 'status')).map((t) => [t.send_id, t.status])).toEqual([
      ['referral_reminder', 'fired'], ['referral_escalation', 'fired'],
    ]);
    expect(await count(a.t.db, 'outbox', { instance_id: n.id, template: 'need_reminder' })).toBeGreaterThan(0);
    // the escalation goes to the level above the street: the district
    const escalated = await a.t.db('outbox').where({ instance_id: n.id, template: 'need_escalation' }).pluck('to_addr');
    expect(escalated).toEqual(expect.arrayContaining(['district@example.org']));
    expect((await a.t.db('needs').where({ id: n.id }).first()).escalated_at).toBe(plusMs(deadlineAt, 1));

    // the need's own community may not resolve it any more; the street does
    await expect(needs.send(c1, n.id, { type: 'RESOLVE', resolution: 'x' })).rejects.toMatchObject({ status: 403, reasons: [{ code: 'NOT_REFERRED_PARTY' }] });
    await needs.send(street, n.id, { type: 'RESOLVE', resolution: '街道已协调物业安装扶手。' });
    await needs.send(c1, n.id, { type: 'INFORM_RESIDENT', note: '已电话告知居民。' });
    const done = await a.t.db('needs').where({ id: n.id }).first();
    expect(done).toMatchObject({ state: 'resolved', deadline: null });
    expect(done.resolved_at).not.toBeNull();
    expect(done.informed_at).not.toBeNull();
    expect(await count(a.t.db, 'workflow_waits', { instance_id: n.id })).toBe(0);
    const history = await a.deps.engine.history(n.id);
    expect(history.map((h) => h.type)).toEqual(['$start', 'REFER', 'REFERRAL_REMINDER', 'REFERRAL_ESCALATION', 'RESOLVE', 'INFORM_RESIDENT']);
    // personal fields entered the hash as salted digests
    // (no register entry named: a null beneficiaryId is no personal value)
    expect(Object.keys(history[0]!.digests ?? {}).sort()).toEqual(['input.contact', 'input.description']);
    const report = await verifyAll(a.deps.engine, a.t.db);
    expect(report.problems).toEqual([]);
    expect(report.checked).toBeGreaterThan(1);
  });

  it('referral timers on the injected clock: resolved before they are due, both are cancelled and nothing fires; a worker behind fires both in order; two workers racing fire each once', async () => {
    const c1 = await user('community1@example.org');
    const street = await user('street@example.org');
    const { needs } = a.deps.services;
    const cal = createCalendar();
    const reminderAt = cal.addWorkingDays(T0, 7);
    const deadlineAt = cal.addWorkingDays(T0, 10);
    const timersOf = async (id: string) => (await a.t.db('timers').where({ instance_id: id }).orderBy('id').select('send_id', 'status', 'due_at')).map((t) => [t.send_id, t.status, t.due_at]);
    const typesOf = async (id: string) => (await a.deps.engine.history(id)).map((h) => h.type);

    // resolved by the street before the reminder: both timers cancelled with the referral
    const early = await newNeed(c1);
    await needs.send(c1, early.id, { type: 'REFER', to: 'street' });
    expect(await timersOf(early.id)).toEqual([['referral_reminder', 'pending', reminderAt], ['referral_escalation', 'pending', deadlineAt]]);
    a.clock.set(plusMs(reminderAt, -1));
    expect(await a.deps.timers.runDue()).toEqual({ fired: 0, skipped: 0 });
    await needs.send(street, early.id, { type: 'RESOLVE', resolution: '街道已处理。' });
    expect((await timersOf(early.id)).map(([id, status]) => [id, status])).toEqual([['referral_reminder', 'cancelled'], ['referral_escalation', 'cancelled']]);

    // referred to a community of the street (its dates from the event's time, the clock's); the
    // worker is behind: at once past both, the reminder fires before the escalation
    const late = await newNeed(c1, { type: 'daily_care' });
    await needs.send(c1, late.id, { type: 'REFER', to: 'community', communityId: 'cm-yuehai' });
    const lateReminder = cal.addWorkingDays(a.clock.now().toISOString(), 7);
    const lateDeadline = cal.addWorkingDays(a.clock.now().toISOString(), 10);
    expect((await timersOf(late.id)).map(([, , due]) => due)).toEqual([lateReminder, lateDeadline]);
    a.clock.set(plusMs(lateDeadline, 1));
    expect(await a.deps.timers.fireOne()).not.toBeNull();
    expect(await a.deps.timers.fireOne()).not.toBeNull();
    expect(await typesOf(late.id)).toEqual(['$start', 'REFER', 'REFERRAL_REMINDER', 'REFERRAL_ESCALATION']);
    // the escalation goes to the level above the community: its street
    expect(await a.t.db('outbox').where({ instance_id: late.id, template: 'need_escalation' }).pluck('to_addr')).toEqual(expect.arrayContaining(['street@example.org']));
    expect((await a.t.db('needs').where({ id: late.id }).first()).escalated_at).toBe(plusMs(lateDeadline, 1));

    expect(await a.deps.timers.runDue()).toEqual({ fired: 0, skipped: 0 });

    // another worker on its own connection (another process, in effect) races this one: each timer
    // fires once. (better-sqlite3 is synchronous: two of its connections in one thread cannot wait
    // for each other's lock, as two processes do; there the second worker runs after the first.)
    const raced = await newNeed(c1, { type: 'supplies' });
    await needs.send(c1, raced.id, { type: 'REFER', to: 'street' });
    const racedDeadline = cal.addWorkingDays(a.clock.now().toISOString(), 10);
    const db2 = a.t.reopen();
    const c2 = buildComponents({ config: a.deps.config, db: db2, clock: a.clock, logger: a.deps.logger });
    const engine2 = createEngine({ db: db2, clock: a.clock, workflows: c2.workflows, effects: c2.effects, enrichEnv: c2.enrichEnv });
    const other = createTimerWorker({ db: db2, engine: engine2, clock: a.clock, logger: a.deps.logger });
    a.clock.set(plusMs(racedDeadline, 1));
    const [mine, theirs] = kind === 'better-sqlite3'
      ? [await a.deps.timers.runDue(), await other.runDue()]
      : await Promise.all([a.deps.timers.runDue(), other.runDue()]);
    // On PostgreSQL a worker's claim that skips a locked row may hold the other timer's row for an
    // instant, so the other worker's pass can end one timer early: it fires on the next pass, as a
    // polling worker's would. Once the passes are done, each timer has fired exactly once.
    const after = await a.deps.timers.runDue();
    expect(mine.fired + theirs.fired + after.fired).toBe(2);
    expect(mine.skipped + theirs.skipped + after.skipped).toBe(0);
    expect(await a.deps.timers.runDue()).toEqual({ fired: 0, skipped: 0 });
    expect((await typesOf(raced.id)).sort()).toEqual(['$start', 'REFER', 'REFERRAL_ESCALATION', 'REFERRAL_REMINDER']);
    expect((await timersOf(raced.id)).map(([, status]) => status)).toEqual(['fired', 'fired']);
    // the escalation mailed to the district once per recipient, however the workers raced
    const escalations = await a.t.db('outbox').where({ instance_id: raced.id, template: 'need_escalation' }).pluck('to_addr');
    expect(escalations).toContain('district@example.org');
    expect(new Set(escalations).size).toBe(escalations.length);
    expect(await typesOf(early.id)).toEqual(['$start', 'REFER', 'RESOLVE']);
    const report = await verifyAll(a.deps.engine, a.t.db);
    expect(report.problems).toEqual([]);
  });

  it('needs recorded at the same time get distinct references', async () => {
    const c1 = await user('community1@example.org');
    const made = await Promise.all(Array.from({ length: 6 }, (_, i) => newNeed(c1, { description: `同时提交的需求 ${i}` })));
    expect(new Set(made.map((n) => n.ref)).size).toBe(6);
    expect(made.map((n) => n.ref).sort().at(-1)).toMatch(/-XQ-2026-0006$/);
  });

  it('ADOPT with a new project creates the draft in the same transaction; a refused draft leaves the need received', async () => {
    const c1 = await user('community1@example.org');
    const { needs } = a.deps.services;
    const n = await newNeed(c1);
    const projectsBefore = await count(a.t.db, 'projects');
    // the draft breaks the rules of a new project: 422, and nothing of either workflow is written
    await expect(needs.send(c1, n.id, { type: 'ADOPT', newProject: { ...NEW_PROJECT, category: 'no-such' } })).rejects.toMatchObject({
      status: 422, fields: { 'newProject.category': 'validation.category' },
    });
    expect(await a.t.db('needs').where({ id: n.id }).first()).toMatchObject({ state: 'received', project_id: null });
    expect(await count(a.t.db, 'projects')).toBe(projectsBefore);
    expect(await count(a.t.db, 'need_projects')).toBe(0);
    expect(await count(a.t.db, 'workflow_history', { instance_id: n.id })).toBe(1);

    await needs.send(c1, n.id, { type: 'ADOPT', newProject: NEW_PROJECT });
    const need = await a.t.db('needs').where({ id: n.id }).first();
    expect(need.state).toBe('adopted');
    const project = await a.t.db('projects').where({ id: need.project_id }).first();
    expect(project).toMatchObject({ state: 'draft', community_id: 'cm-lianhua', title: NEW_PROJECT.title, created_by: c1.id });
    expect(await a.t.db('need_projects').select('need_id', 'project_id')).toEqual([{ need_id: n.id, project_id: project.id }]);
    expect((await a.deps.engine.history(project.id)).map((h) => h.type)).toEqual(['$start']);
    expect((await verifyAll(a.deps.engine, a.t.db)).problems).toEqual([]);
  });

  it('two needs adopted into one existing project are linked both ways; another community\'s project is refused', async () => {
    const c1 = await user('community1@example.org');
    const c3 = await user('community3@example.org');
    const { needs, projects } = a.deps.services;
    const p = await projects.create(c1, NEW_PROJECT);
    const other = await projects.create(c3, { ...NEW_PROJECT, title: '海滨社区扶手' });
    const n1 = await newNeed(c1);
    const n2 = await newNeed(c1, { source: 'visit', type: 'daily_care' });
    await expect(needs.send(c1, n1.id, { type: 'ADOPT', projectId: other.id })).rejects.toMatchObject({ status: 409, reasons: [{ code: 'PROJECT_OTHER_COMMUNITY' }] });
    await expect(needs.send(c1, n1.id, { type: 'ADOPT', projectId: 'no-such-project' })).rejects.toMatchObject({ status: 409, reasons: [{ code: 'PROJECT_NOT_FOUND' }] });
    await needs.send(c1, n1.id, { type: 'ADOPT', projectId: p.id });
    await needs.send(c1, n2.id, { type: 'ADOPT', projectId: p.id });
    expect(await a.t.db('need_projects').where({ project_id: p.id }).orderBy('need_id').pluck('need_id')).toEqual([n1.id, n2.id].sort());
    const behind = await needs.list(c1, { projectId: p.id });
    expect(behind.total).toBe(2);
    expect(behind.needs.map((x) => x.projectId)).toEqual([p.id, p.id]);
    expect((await needs.get(c1, n1.id)).projectId).toBe(p.id);
    expect((await verifyAll(a.deps.engine, a.t.db)).problems).toEqual([]);
  });

  it('an effect that crashes halfway (after writing its rows) leaves nothing half-written', async () => {
    const c1 = await user('community1@example.org');
    const n = await newNeed(c1);
    // the same components, with each need effect crashing right after doing its work
    const components = buildComponents({ config: a.deps.config, db: a.t.db, clock: a.clock, logger: a.deps.logger });
    const crashing = (h: EffectHandler): EffectHandler => async (e, ctx) => {
      await h(e, ctx);
      throw new Error('crash after the effect wrote its rows');
    };
    const effects = { ...components.effects, 'need.notify': crashing(components.effects['need.notify']!), 'need.adopt': crashing(components.effects['need.adopt']!) };
    const engine = createEngine({ db: a.t.db, clock: a.clock, workflows: components.workflows, effects, enrichEnv: components.enrichEnv });
    components.needBinding.engine = engine;
    const before = { instances: await count(a.t.db, 'workflow_instances'), history: await count(a.t.db, 'workflow_history'), projects: await count(a.t.db, 'projects'), outbox: await count(a.t.db, 'outbox'), timers: await count(a.t.db, 'timers') };
    const actor = { id: c1.id, role: 'community', communityId: 'cm-lianhua' };
    await expect(engine.send(n.id, { type: 'REFER', to: 'street' }, { actor })).rejects.toThrow('crash');
    await expect(engine.send(n.id, { type: 'ADOPT', newProject: NEW_PROJECT }, { actor })).rejects.toThrow('crash');
    const after = { instances: await count(a.t.db, 'workflow_instances'), history: await count(a.t.db, 'workflow_history'), projects: await count(a.t.db, 'projects'), outbox: await count(a.t.db, 'outbox'), timers: await count(a.t.db, 'timers') };
    expect(after).toEqual(before);
    expect(await a.t.db('needs').where({ id: n.id }).first()).toMatchObject({ state: 'received', project_id: null, referred_to: null });
    expect(await count(a.t.db, 'need_projects')).toBe(0);
    expect(await a.t.db('workflow_waits').where({ instance_id: n.id }).pluck('role')).toEqual(['community']);
    expect((await verifyAll(a.deps.engine, a.t.db)).problems).toEqual([]);
    // and the need's hash chain is checked: a rewritten description is found
    const first = await a.t.db('workflow_history').where({ instance_id: n.id, seq: 1 }).first('payload');
    const payload = JSON.parse(typeof first.payload === 'string' ? first.payload : JSON.stringify(first.payload)) as { input: { description: string } };
    payload.input.description = '改写过的描述';
    await a.t.db('workflow_history').where({ instance_id: n.id, seq: 1 }).update({ payload: JSON.stringify(payload) });
    expect((await verifyAll(a.deps.engine, a.t.db)).problems.map((p) => p.instanceId)).toEqual([n.id]);
  });
});
