// Histories written by version 1 of the `project` workflow — including the EDITs version 2 refuses
// (issue 9, item 2) — still verify: each row replays with the version that wrote it. Such a project
// still opens everywhere, shows its impossible amount as invalid, and is migrated to version 2 by
// its next event, after which the mixed history verifies too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/engine/engine.js';
import { verifyAll } from '../../src/engine/verify.js';
import type { WorkflowDefinition } from '../../src/engine/types.js';
import { toActor } from '../../src/auth/users.js';
import { projectDefinition } from '../../src/projects/project-definition.js';
import { projectMachine, projectMachineV1, type ProjectInput } from '../../workflows/project/index.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { api, expectRefused, reasonCodes, U, type Api } from '../support/lifecycle.js';
import { agentFor } from './pages-helpers.js';

const HUGE_LINE = [{ name: '天价爬楼机', quantity: 1_000_000_000, unitFen: 1_000_000_000 }]; // 10^18 fen: past 2^53

describe('version 1 histories under version 2', () => {
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

  async function startV1(title: string, actor: ReturnType<typeof toActor>): Promise<string> {
    const id = `v1-${ids.length + 1}-${Date.now()}`;
    const input: ProjectInput = {
      id, ref: `XZ-2026-9${String(ids.length + 1).padStart(3, '0')}`, communityId: 'cm-lianhua', streetId: 'st-gongbei', districtId: 'xz', year: 2026,
      title, type: 'goods', category: '助残', estimatedFen: 3_600_000, description: '版本 1 写下的项目',
      items: [{ name: '履带式爬楼机', quantity: 2, unitFen: 1_800_000 }], beneficiaryCount: 2,
      rules: await app.deps.services.rules.current('xz'), createdBy: actor.id,
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

  it('when version 1 wrote the attacks version 2 refuses, then verify replays them with version 1 and passes', async () => {
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

    // The application's engine registers version 2 and, for replay, version 1.
    expect(app.deps.engine.definition('project').version).toBe(2);
    expect(app.deps.engine.definition('project', 1).machine).toBe(projectMachineV1);
    const report = await verifyAll(app.deps.engine, app.deps.db);
    expect(report.problems).toEqual([]);
    expect(report.checked).toBeGreaterThanOrEqual(2);

    // Replaying those rows with version 2's rules would not reproduce them: the version matters.
    const { olderVersions: _o, ...current } = projectDefinition() as WorkflowDefinition;
    const wrong = createEngine({ db: app.deps.db, clock: app.clock, workflows: [current, { ...current, version: 1, machine: projectMachine }] });
    const problems = (await verifyAll(wrong, app.deps.db)).problems.filter((p) => p.instanceId === cheap || p.instanceId === huge);
    expect(problems.map((p) => p.instanceId).sort()).toEqual([cheap, huge].sort());
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

  it('when version 2 runs such a project, then it refuses SUBMIT and the estimate alone, takes a title, and migrates the instance', async () => {
    const huge = ids[1]!;
    const before = (await a.project(U.c1, huge)).version;
    const submit = await a.send(U.c1, huge, 'SUBMIT');
    expectRefused(submit, 409, 'EVENT_NOT_ALLOWED');
    expect(reasonCodes(submit)).toContain('AMOUNT_INVALID');
    expectRefused(await a.send(U.c1, huge, 'EDIT', { fields: { estimatedFen: 100 } }), 409, 'EVENT_NOT_ALLOWED', 'AMOUNT_INVALID');
    expect((await a.project(U.c1, huge)).version).toBe(before);

    const renamed = await a.ok(U.c1, huge, 'EDIT', { fields: { title: '改名后的项目' } });
    expect(renamed.version).toBe(before + 1);
    const fixed = await a.ok(U.c1, huge, 'EDIT', { fields: { items: [{ name: '爬楼机', quantity: 2, unitFen: 1_800_000 }] } });
    expect({ estimatedFen: fixed.estimatedFen, invalidAmounts: fixed.invalidAmounts }).toEqual({ estimatedFen: 3_600_000, invalidAmounts: [] });
    expect((await a.ok(U.c1, huge, 'SUBMIT')).state).toBe('screening');

    const versions = await app.deps.db('workflow_history').where({ instance_id: huge }).orderBy('seq').pluck('workflow_version');
    expect(versions).toEqual([1, 1, 1, 2, 2, 2]);
    expect((await app.deps.db('workflow_instances').where({ id: huge }).first()).workflow_version).toBe(2);
    // The mixed history verifies: rows 1–3 with version 1, then the migration, then version 2.
    expect((await verifyAll(app.deps.engine, app.deps.db)).problems).toEqual([]);
  });

  it('when a row is moved to another version behind the engine, then verify reports the broken chain', async () => {
    const huge = ids[1]!;
    await app.deps.db('workflow_history').where({ instance_id: huge, seq: 5 }).update({ workflow_version: 1 });
    expect((await verifyAll(app.deps.engine, app.deps.db)).problems).toEqual([
      { instanceId: huge, seq: 5, problem: 'row content does not match its hash' },
    ]);
    await app.deps.db('workflow_history').where({ instance_id: huge, seq: 5 }).update({ workflow_version: 2 });
  });

  it('when a new project is created, then it starts on version 2', async () => {
    const res = await a.post(U.c1, '/projects', {
      title: '新项目', type: 'goods', category: '助残', estimatedFen: 100, description: '版本 2', items: [{ name: '扶手', quantity: 1, unitFen: 100 }],
    });
    expect(res.status).toBe(201);
    expect((await app.deps.db('workflow_instances').where({ id: res.body.project.id }).first()).workflow_version).toBe(2);
    expect(await app.deps.db('workflow_history').where({ instance_id: res.body.project.id }).pluck('workflow_version')).toEqual([2]);
  });
});
