// Issue 10 item 3, on the real database: the confirmed-project notice (项目确定公示) after budget
// approval takes objections from the public page, from the API, and from staff who record one that
// came by phone; an upheld one sends the project back to budget approval and releases its
// reservation in the allocation; approved again, the project is noticed again, and procurement
// starts only when that notice ends. The notice is listed and printable while it runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { allocation, api, expectRefused, goodsProject, passNotice, toBudgetApproval, U, VENDORS, type Api } from '../support/lifecycle.js';
import { agentFor, csrfOf } from './pages-helpers.js';

describe('the confirmed-project notice', () => {
  let app: TestApp;
  let a: Api;

  beforeAll(async () => {
    app = await createTestApp();
    a = api(app);
  });
  afterAll(async () => app?.close());

  it('when objections come by page, API and phone and one is upheld, then the reservation is released, the budget decided again and noticed again before procurement', async () => {
    const p = await a.create(U.c1, goodsProject({ title: '确定公示异议测试' }));
    await toBudgetApproval(app, p.id);
    const before = await allocation(app, 'cm-lianhua', 2026);
    const approved = await a.ok(U.district, p.id, 'APPROVE_BUDGET', { approvedFen: 3_600_000 });
    expect(approved.state).toBe('confirmation_notice');
    expect((await allocation(app, 'cm-lianhua', 2026)).reservedFen).toBe(before.reservedFen + 3_600_000);

    // listed among the public notices, printable, and open to objections on the public page
    expect((await app.http.get('/public/notices')).text).toContain('确定公示异议测试');
    const print = await app.http.get(`/public/projects/${p.id}/notice`);
    expect(print.status).toBe(200);
    expect(print.text).toContain('项目确定公示');
    expect(print.text).toContain('公示期：自');
    const visitor = await agentFor(app);
    const form = await visitor.get(`/public/notices/${p.id}`);
    expect(form.status).toBe(200);
    const posted = await visitor.post(`/public/notices/${p.id}`).type('form').send({ _csrf: csrfOf(form.text), text: '核定金额偏高，请说明依据。' });
    expect(posted.status).toBe(303);
    expect((await a.send(null, p.id, 'OBJECT', { text: '建议先做需求调查。' })).status).toBe(200);
    // a resident phoned the community: staff record it, saying how it came
    const recorded = await a.ok(U.c2, p.id, 'OBJECT', { text: '电话反映：同类设备街道已配置。', contact: '13800138000', receivedVia: 'phone' });
    expect(recorded.objections.map((o) => o.notice)).toEqual(['confirmation', 'confirmation', 'confirmation']);
    expect((recorded.objections.at(-1) as unknown as { receivedVia: string }).receivedVia).toBe('phone');

    // nothing is bought while the notice runs
    await expectRefused(await a.send(U.c1, p.id, 'AWARD', { vendorId: VENDORS.kangfu, amountFen: 3_500_000, justification: 'x' }), 409, 'EVENT_NOT_ALLOWED', 'NOT_ALLOWED_IN_STATE');
    await passNotice(app, approved);
    expect((await a.project(U.c1, p.id)).state).toBe('confirmation_objection_review');
    const upheld = await a.ok(U.c1, p.id, 'UPHOLD_OBJECTION', { response: '异议成立：与街道已配置设备重复，重新核定。' });
    expect(upheld).toMatchObject({ state: 'budget_approval', approvedFen: null });
    expect(upheld.objections.every((o) => o.status === 'upheld')).toBe(true);
    // the reservation went back to the allocation, and the ledger still balances
    expect((await allocation(app, 'cm-lianhua', 2026)).reservedFen).toBe(before.reservedFen);

    const again = await a.ok(U.district, p.id, 'APPROVE_BUDGET', { approvedFen: 1_800_000 });
    expect(again.state).toBe('confirmation_notice');
    expect((again.notices as Array<{ kind: string }>).map((n) => n.kind)).toEqual(['proposal', 'confirmation', 'confirmation']);
    expect((await allocation(app, 'cm-lianhua', 2026)).reservedFen).toBe(before.reservedFen + 1_800_000);
    await passNotice(app, again);
    const preparing = await a.project(U.c1, p.id);
    expect(preparing).toMatchObject({ state: 'procurement.preparing', approvedFen: 1_800_000 });
    const entries = await app.deps.services.ledger.entries({ projectId: p.id });
    expect(entries.map((e) => [e.kind, e.fen])).toEqual([['reserve', 3_600_000], ['release', 3_600_000], ['reserve', 1_800_000]]);
  });
});
