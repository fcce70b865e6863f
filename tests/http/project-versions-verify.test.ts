// Histories written by version 1 of the `project` workflow — including the EDITs versions 2 and 3
// refuse (issue 9, item 2) — still verify: each row replays with the version that wrote it. Such a
// project still opens everywhere, shows its impossible amount as invalid, and is migrated to version 3
// by its next event, after which the mixed history verifies too. A version 2 project in delivery
// goes on under version 3 (issue 10): receipts in quantities, its rules keeping their meaning, and
// its history of two versions verifies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/engine/engine.js';
import { verifyAll } from '../../src/engine/verify.js';
import type { WorkflowDefinition } from '../../src/engine/types.js';
import { toActor } from '../../src/auth/users.js';
import { SYSTEM_ACTOR } from '../../src/engine/types.js';
import { projectDefinition, projectEffects } from '../../src/projects/project-definition.js';
import type { Notify } from '../../src/notifications/notifier.js';
import { CURRENT_VERSION, RULES_V1, projectMachine, projectMachineV1, projectMachineV2, type ProjectContext, type ProjectInput } from '../../workflows/project/index.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { api, DELIBERATION_OK, expectLedgerBalanced, expectRefused, reasonCodes, shanghaiDay, SIGNATORIES, U, VENDORS, type Api } from '../support/lifecycle.js';
import { agentFor } from './pages-helpers.js';

const HUGE_LINE = [{ name: '天价爬楼机', quantity: 1_000_000_000, unitFen: 1_000_000_000 }]; // 10^18 fen: past 2^53

describe('version 1 and 2 histories under version 3', () => {
  let app: TestApp;
  let a: Api;
  let v1: Engine;
  const ids: string[] = [];

  /** The engine as it was before version 2: only version 1 of the workflow registered. */
  function versionOneEngine(): Engine {
    const { migrateSnapshot: _m, olderVersions: _o, validate: _v, ...current } = projectDefinition() as WorkflowDefinition;
    // Version 1's schema let these payloads through; today's schema would stop them before the machine.
    const definition: WorkflowDefinition = { ...current, version: 1, machine: projectMachineV1 };
    // Drafts emit nothing but task e-mails: enough to write the histories this test needs.
    return createEngine({ db: app.deps.db, clock: app.clock, workflows: [definition], effects: { notify: async () => {} } });
  }

  /**
   * The engine as it was under version 2: version 2 of the workflow alone, its money effects on the
   * application's ledger, e-mails dropped. Version 2's schema took the whole-item receipts that
   * today's refuses, so no validation either.
   */
  function versionTwoEngine(): Engine {
    const { migrateSnapshot: _m, olderVersions: _o, validate: _v, ...current } = projectDefinition() as WorkflowDefinition;
    const definition: WorkflowDefinition = { ...current, version: 2, machine: projectMachineV2 };
    const effects = projectEffects({ ledger: app.deps.services.ledger, notify: (async () => {}) as unknown as Notify });
    const enrichEnv = (trx: Parameters<typeof app.deps.services.calendar.calendar>[0]) => app.deps.services.calendar.calendar(trx);
    return createEngine({ db: app.deps.db, clock: app.clock, workflows: [definition], effects, enrichEnv });
  }

  async function actorOf(email: string): Promise<ReturnType<typeof toActor>> {
    return toActor((await app.deps.services.users.findByEmail(email))!);
  }

  async function startV1(title: string, actor: ReturnType<typeof toActor>): Promise<string> {
    const id = `v1-${ids.length + 1}-${Date.now()}`;
    const input: ProjectInput = {
      id, ref: `XZ-2026-9${String(ids.length + 1).padStart(3, '0')}`, communityId: 'cm-lianhua', streetId: 'st-gongbei', districtId: 'xz', year: 2026,
      title, type: 'goods', category: '助残', estimatedFen: 3_600_000, description: '版本 1 写下的项目',
      items: [{ name: '履带式爬楼机', quantity: 2, unitFen: 1_800_000 }], beneficiaryCount: 2,
      // the rules of the time: the first defaults
      rules: RULES_V1, createdBy: actor.id,
    };
    await v1.start('project', input, { actor, id });
    ids.push(id);
    return id;
  }

  beforeAll(async () => {
    app = await createTestApp();
    a = api(app);
    v1 = versionOneEngine();
  });
  afterAll(async () => app?.close());

  it('when version 1 wrote the attacks versions 2 and 3 refuse, then verify replays them with version 1 and passes', async () => {
    const c1 = toActor((await app.deps.services.users.findByEmail(U.c1))!);
    // The estimate of 1 fen on items worth ¥9,999,999.99, then SUBMIT: version 1 allowed both.
    const cheap = await startV1('一分钱的预算', c1);
    await v1.send(cheap, { type: 'EDIT', fields: { estimatedFen: 1, items: [{ name: '爬楼机', quantity: 1, unitFen: 999_999_999 }] } }, { actor: c1 });
    await v1.send(cheap, { type: 'SUBMIT' }, { actor: c1 });
    // A line past 2^53 (the schema of version 1 let the product through).
    const huge = await startV1('天价项目', c1);
    await v1.send(huge, { type: 'EDIT', fields: { items: HUGE_LINE } }, { actor: c1 });
    await v1.send(huge, { type: 'COMMENT', text: '版本 1 的评论' }, { actor: c1 });

    const rows = await app.deps.db('workflow_history').whereIn('instance_id', [cheap, huge]).pluck('workflow_version');
    expect(new Set(rows)).toEqual(new Set([1]));
    expect(await app.deps.db('workflow_instances').whereIn('id', [cheap, huge]).pluck('workflow_version')).toEqual([1, 1]);

    // The application's engine registers version 3 and, for replay, versions 1 and 2.
    expect(CURRENT_VERSION).toBe(3);
    expect(app.deps.engine.definition('project').version).toBe(3);
    expect(app.deps.engine.definition('project', 1).machine).toBe(projectMachineV1);
    expect(app.deps.engine.definition('project', 2).machine).toBe(projectMachineV2);
    const report = await verifyAll(app.deps.engine, app.deps.db);
    expect(report.problems).toEqual([]);
    expect(report.checked).toBeGreaterThanOrEqual(2);

    // Replaying those rows with the rules of version 2 or 3 would not reproduce them: the version matters.
    const { olderVersions: _o, ...current } = projectDefinition() as WorkflowDefinition;
    for (const machine of [projectMachineV2, projectMachine]) {
      const wrong = createEngine({ db: app.deps.db, clock: app.clock, workflows: [current, { ...current, version: 1, machine }] });
      const problems = (await verifyAll(wrong, app.deps.db)).problems.filter((p) => p.instanceId === cheap || p.instanceId === huge);
      expect(problems.map((p) => p.instanceId).sort()).toEqual([cheap, huge].sort());
    }
  });

  it('when a project holds an amount past 2^53, then it still opens (API, history, page) and shows the amount as invalid', async () => {
    const huge = ids[1]!;
    const res = await a.get(U.c1, `/projects/${huge}`);
    expect(res.status).toBe(200);
    expect(res.body.project.invalidAmounts).toEqual(['items.0']);
    expect((await a.get(U.district, `/projects/${huge}`)).status).toBe(200);
    expect((await a.get(U.c1, `/projects/${huge}/history`)).status).toBe(200);
    for (const [email, lang, text] of [[U.c1, '', '金额无效'], [U.street, '?lang=en', 'invalid amount']] as const) {
      const agent = await agentFor(app, email);
      const page = await agent.get(`/projects/${huge}${lang}`);
      expect(page.status, email).toBe(200);
      expect(page.text).toContain(text);
    }
    expect((await app.http.get('/public/projects')).status).toBeLessThan(500);
  });

  it('when version 3 runs such a project, then it refuses SUBMIT and the estimate alone, takes a title, and migrates the instance', async () => {
    const huge = ids[1]!;
    const before = (await a.project(U.c1, huge)).version;
    const submit = await a.send(U.c1, huge, 'SUBMIT');
    expectRefused(submit, 409, 'EVENT_NOT_ALLOWED');
    expect(reasonCodes(submit)).toContain('AMOUNT_INVALID');
    expectRefused(await a.send(U.c1, huge, 'EDIT', { fields: { estimatedFen: 100 } }), 409, 'EVENT_NOT_ALLOWED', 'AMOUNT_INVALID');
    expect((await a.project(U.c1, huge)).version).toBe(before);

    const renamed = await a.ok(U.c1, huge, 'EDIT', { fields: { title: '改名后的项目' } });
    expect(renamed.version).toBe(before + 1);
    // Migrated (project.context.ts upgradeContext): the creation year as budget year, the main group
    // from the old category, the one proposal notice its rules held.
    const context = ((await app.deps.engine.get(huge)).snapshot as { context: ProjectContext }).context;
    expect(context).toMatchObject({ budgetYear: 2026, mainGroup: '残疾人', otherGroups: [], notices: [], meetings: [] });
    expect(Object.keys(context.rules.notices)).toEqual(['proposal']);
    const fixed = await a.ok(U.c1, huge, 'EDIT', { fields: { items: [{ name: '爬楼机', quantity: 2, unitFen: 1_800_000 }] } });
    expect({ estimatedFen: fixed.estimatedFen, invalidAmounts: fixed.invalidAmounts }).toEqual({ estimatedFen: 3_600_000, invalidAmounts: [] });
    expect((await a.ok(U.c1, huge, 'SUBMIT')).state).toBe('screening');

    const versions = await app.deps.db('workflow_history').where({ instance_id: huge }).orderBy('seq').pluck('workflow_version');
    expect(versions).toEqual([1, 1, 1, 3, 3, 3]);
    expect((await app.deps.db('workflow_instances').where({ id: huge }).first()).workflow_version).toBe(3);
    // The mixed history verifies: rows 1–3 with version 1, then the migration, then version 3.
    expect((await verifyAll(app.deps.engine, app.deps.db)).problems).toEqual([]);
  });

  it('when a row is moved to another version behind the engine, then verify reports the broken chain', async () => {
    const huge = ids[1]!;
    await app.deps.db('workflow_history').where({ instance_id: huge, seq: 5 }).update({ workflow_version: 1 });
    expect((await verifyAll(app.deps.engine, app.deps.db)).problems).toEqual([
      { instanceId: huge, seq: 5, problem: 'row content does not match its hash' },
    ]);
    await app.deps.db('workflow_history').where({ instance_id: huge, seq: 5 }).update({ workflow_version: 3 });
    expect((await verifyAll(app.deps.engine, app.deps.db)).problems).toEqual([]);
  });

  it('when a version 2 project in delivery goes on under version 3, then receipts count in quantities, its rules keep their meaning, and verify passes', async () => {
    const v2 = versionTwoEngine();
    const [c1, c2, street, district, vendor] = await Promise.all([actorOf(U.c1), actorOf(U.c2), actorOf(U.street), actorOf(U.district), actorOf(U.v1)]);
    const id = `v2-delivery-${Date.now()}`;
    // A project as version 2 started it: the first defaults (one proposal notice, 30/70 with no
    // retention, community buys, district approves and pays), no budget year nor group in the input.
    const input: ProjectInput = {
      id, ref: 'XZ-2026-9901', communityId: 'cm-lianhua', streetId: 'st-gongbei', districtId: 'xz', year: 2026,
      title: '版本 2 的爬楼机项目', type: 'goods', category: '助残', estimatedFen: 3_600_000, description: '版本 2 写下、版本 3 接着走的项目',
      items: [{ name: '履带式爬楼机', quantity: 2, unitFen: 1_500_000 }, { name: '防滑扶手', quantity: 4, unitFen: 150_000 }], beneficiaryCount: 2,
      rules: RULES_V1, createdBy: c1.id,
    };
    await v2.start('project', input, { actor: c1, id });
    await v2.send(id, { type: 'SUBMIT' }, { actor: c1 });
    // the yes/no checklist of versions 1 and 2
    await v2.send(id, { type: 'SCREEN_PASS', checklist: { positiveList: true, negativeList: false, duplicate: false } }, { actor: c2 });
    const voted = await v2.send(id, { type: 'RECORD_DELIBERATION', ...DELIBERATION_OK, heldOn: shanghaiDay(app) }, { actor: c1 });
    expect(voted.state).toBe('public_notice');
    app.clock.advance(14 * 86_400_000);
    await v2.send(id, { type: 'NOTICE_ENDED' }, { actor: SYSTEM_ACTOR });
    await v2.send(id, { type: 'APPROVE' }, { actor: street });
    // version 2 holds no confirmation notice: procurement starts at once
    expect((await v2.send(id, { type: 'APPROVE_BUDGET', approvedFen: 3_600_000 }, { actor: district })).state).toBe('procurement.preparing');
    await v2.send(id, { type: 'AWARD', vendorId: VENDORS.kangfu, amountFen: 3_600_000, justification: '单一来源直接采购，价格合理。' }, { actor: c1 });
    await v2.send(id, { type: 'SIGN_CONTRACT', contractNo: 'HT-V2-0001', items: input.items, amountFen: 3_600_000, dueOn: shanghaiDay(app, 30) }, { actor: c1 });
    expect((await v2.send(id, { type: 'CONFIRM_CONTRACT' }, { actor: vendor })).state).toBe('delivery');
    const stored = ((await app.deps.engine.get(id)).snapshot as { context: ProjectContext }).context;
    const [chair, rail] = stored.contract!.items;
    // Version 2: the chairs delivered and received whole; the rails delivered, not yet received.
    await v2.send(id, { type: 'RECORD_DELIVERY', itemId: chair!.id, quantity: 2, evidence: ['photo-v2-chairs'] }, { actor: vendor });
    await v2.send(id, { type: 'CONFIRM_RECEIPT', itemId: chair!.id }, { actor: c2 });
    await v2.send(id, { type: 'RECORD_DELIVERY', itemId: rail!.id, quantity: 4, evidence: ['photo-v2-rails'] }, { actor: vendor });
    const written = await app.deps.db('workflow_history').where({ instance_id: id }).orderBy('seq').pluck('workflow_version');
    expect(new Set(written)).toEqual(new Set([2]));
    expect((await app.deps.db('workflow_instances').where({ id }).first()).workflow_version).toBe(2);
    expect((await verifyAll(app.deps.engine, app.deps.db)).problems).toEqual([]);

    // Its read-model row as the database migration of issue 10 left rows it found: the main group
    // derived from the old category (as upgradeContext derives it).
    await app.deps.db('projects').where({ id }).update({ main_group: '残疾人' });

    // Still on version 2, it opens.
    const before = await a.project(U.c1, id);
    expect(before).toMatchObject({ state: 'delivery', budgetYear: 2026, mainGroup: '残疾人' });
    expect((await (await agentFor(app, U.c1)).get(`/projects/${id}`)).status).toBe(200);
    // Version 3 refuses the whole-item receipt, and takes a quantity of what was delivered.
    const whole = await a.send(U.c2, id, 'CONFIRM_RECEIPT', { itemId: rail!.id });
    expectRefused(whole, 422, 'INVALID');
    expect(Object.keys(whole.body.error.fields)).toEqual(['quantity']);
    expectRefused(await a.send(U.c2, id, 'CONFIRM_RECEIPT', { itemId: rail!.id, quantity: 5 }), 409, 'EVENT_NOT_ALLOWED', 'QUANTITY_ABOVE_PENDING');
    expectRefused(await a.send(U.c2, id, 'CONFIRM_RECEIPT', { itemId: chair!.id, quantity: 1 }), 409, 'EVENT_NOT_ALLOWED');
    expect((await app.deps.db('workflow_instances').where({ id }).first()).workflow_version).toBe(2);
    await a.ok(U.c2, id, 'CONFIRM_RECEIPT', { itemId: rail!.id, quantity: 3 });
    expectRefused(await a.send(U.v1, id, 'REQUEST_ACCEPTANCE'), 409, 'EVENT_NOT_ALLOWED');
    const received = await a.ok(U.c2, id, 'CONFIRM_RECEIPT', { itemId: rail!.id, quantity: 1 });
    expect(received.contract!.items.map((i) => i.confirmed)).toEqual([true, true]);
    const migrated = ((await app.deps.engine.get(id)).snapshot as { context: ProjectContext }).context;
    expect(migrated.contract!.items.map((i) => [i.deliveredQty, i.confirmedQty, i.disputedQty])).toEqual([[2, 2, 0], [4, 4, 0]]);
    expect(migrated).toMatchObject({ budgetYear: 2026, mainGroup: '残疾人', otherGroups: [] });
    expect(migrated.notices.map((n) => n.kind)).toEqual(['proposal']);
    expect(migrated.meetings).toHaveLength(1);
    expect(migrated.rules.notices).toEqual({ proposal: { workingDays: 5 } });
    expect(migrated.rules.payment).toMatchObject({ advancePct: 30, finalPct: 70, retentionPct: 0 });

    expect((await a.ok(U.v1, id, 'REQUEST_ACCEPTANCE')).state).toBe('acceptance');
    // Its rules ask the beneficiary to sign whatever the category (today's defaults would not for 助残)
    // and hold no acceptance notice, as they did: settlement at once.
    const unsigned = SIGNATORIES.filter((s) => s.role !== 'beneficiary');
    expectRefused(await a.send(U.c2, id, 'RECORD_ACCEPTANCE', { passed: true, satisfactionPct: 95, signatories: unsigned }), 409, 'EVENT_NOT_ALLOWED', 'MISSING_SIGNATORY');
    expect((await a.ok(U.c2, id, 'RECORD_ACCEPTANCE', { passed: true, satisfactionPct: 95, signatories: SIGNATORIES })).state).toBe('settlement');
    await expectLedgerBalanced(app);

    const versions = await app.deps.db('workflow_history').where({ instance_id: id }).orderBy('seq').pluck('workflow_version');
    expect(versions).toEqual([...written, 3, 3, 3, 3]);
    expect((await app.deps.db('workflow_instances').where({ id }).first()).workflow_version).toBe(3);
    // `weishishi verify`: version 2's rows replay with version 2, the migration, then version 3's.
    const report = await verifyAll(app.deps.engine, app.deps.db);
    expect(report.problems).toEqual([]);
    expect(report.checked).toBeGreaterThanOrEqual(3);
  });

  it('when a new project is created, then it starts on version 3', async () => {
    const res = await a.post(U.c1, '/projects', {
      title: '新项目', type: 'goods', category: '助行', mainGroup: '残疾人', estimatedFen: 100, description: '版本 3', items: [{ name: '扶手', quantity: 1, unitFen: 100 }],
    });
    expect(res.status).toBe(201);
    expect((await app.deps.db('workflow_instances').where({ id: res.body.project.id }).first()).workflow_version).toBe(3);
    expect(await app.deps.db('workflow_history').where({ instance_id: res.body.project.id }).pluck('workflow_version')).toEqual([3]);
  });
});
