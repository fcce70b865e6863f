// The budget year and the beneficiary groups (issue 10, items 5 and 6), through the JSON API on
// every database: a proposal names the budget year it is for (within the years the rules allow)
// and draws on that year's allocation, even when it is paid the year after (结转: carried over);
// it names a main beneficiary group (and maybe others), which the statistics count by, per
// budget year. The demo district has allocations for 2025, 2026 and 2027; the clock starts on
// Monday 2026-03-02 (Shanghai).
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { STORAGE_KINDS } from '../support/db.js';
import {
  allocation, api, expectLedgerBalanced, expectRefused, goodsProject, passNotice, shanghaiDay, toBudgetApproval, toStreetReview, U, VENDORS,
  type Api, type Project,
} from '../support/lifecycle.js';
import { agentFor, postForm } from './pages-helpers.js';

const LIANHUA = 'cm-lianhua';
/** 2027-01-01 00:00 in Shanghai. */
const NEXT_NEW_YEAR = Date.parse('2026-12-31T16:00:00.000Z');

describe.each(STORAGE_KINDS)('budget year and beneficiary groups on %s', (kind) => {
  let app: TestApp;
  let a: Api;
  const start = async () => {
    app = await createTestApp({ kind });
    a = api(app);
  };
  afterEach(async () => app?.close());

  /** budget_approval → APPROVE_BUDGET (the reservation), then past the confirmed-project notice when the rules hold one. */
  async function approveBudget(id: string, approvedFen: number): Promise<Project> {
    await toBudgetApproval(app, id);
    const p = await a.ok(U.district, id, 'APPROVE_BUDGET', { approvedFen });
    if (p.state !== 'confirmation_notice') return p;
    await passNotice(app, p);
    return a.project(U.c1, id);
  }

  it('when a proposal names next year as its budget year, then APPROVE_BUDGET reserves from next year’s allocation and this year’s is untouched', async () => {
    await start();
    const before2026 = await allocation(app, LIANHUA, 2026);
    const before2027 = await allocation(app, LIANHUA, 2027);
    const created = await a.create(U.c1, goodsProject({ budgetYear: 2027, mainGroup: '残疾人', otherGroups: ['老年人'] }));
    expect(created).toMatchObject({ year: 2026, budgetYear: 2027, mainGroup: '残疾人', otherGroups: ['老年人'], carriedOver: false });
    expect(created.ref).toMatch(/^XZ-2026-/); // the reference carries the year of creation

    const approved = await approveBudget(created.id, 3_600_000);
    expect(approved.state).toBe('procurement.preparing');
    const after2027 = await allocation(app, LIANHUA, 2027);
    const after2026 = await allocation(app, LIANHUA, 2026);
    expect(after2027.reservedFen - before2027.reservedFen).toBe(3_600_000);
    expect(after2026).toEqual(before2026);
    const entries = await app.deps.services.ledger.entries({ projectId: created.id });
    expect(entries.map((e) => [e.kind, e.year, e.fen])).toEqual([['reserve', 2027, 3_600_000]]);
  });

  it('when a proposal names a budget year outside the allowed ones, or no main group, or groups that are inactive or repeated, then it is 422 naming the field and nothing is created', async () => {
    await start();
    const count = async () => (await a.get(U.c1, '/projects')).body.total as number;
    const before = await count();
    // the old shape (no mainGroup) names the new field
    const { mainGroup: _omitted, ...old } = goodsProject();
    const noGroup = await a.post(U.c1, '/projects', old);
    expectRefused(noGroup, 422, 'INVALID');
    expect(Object.keys(noGroup.body.error.fields)).toContain('mainGroup');

    await app.deps.services.reference.upsertGroup({ code: '旧群体', nameZh: '旧群体', nameEn: 'Old group', active: false });
    await app.deps.services.reference.upsertCategory({ code: '助残', nameZh: '助残', nameEn: 'Disability support', active: false });
    const cases: Array<[object, string]> = [
      [goodsProject({ budgetYear: 2028 }), 'budgetYear'], // DEFAULT_RULES.budgetYearsAhead = 1
      [goodsProject({ budgetYear: 2025 }), 'budgetYear'],
      [{ ...goodsProject(), budgetYear: '2027' }, 'budgetYear'],
      [goodsProject({ mainGroup: '火星人' }), 'mainGroup'],
      [goodsProject({ mainGroup: '旧群体' }), 'mainGroup'],
      [goodsProject({ otherGroups: ['旧群体'] }), 'otherGroups'],
      [goodsProject({ mainGroup: '残疾人', otherGroups: ['残疾人'] }), 'otherGroups'],
      [goodsProject({ otherGroups: ['老年人', '老年人'] }), 'otherGroups'],
      [goodsProject({ category: '助残' }), 'category'], // an old category, now inactive
    ];
    for (const [body, field] of cases) {
      const res = await a.post(U.c1, '/projects', body);
      expectRefused(res, 422, 'INVALID');
      expect(Object.keys(res.body.error.fields), JSON.stringify(body)).toContain(field);
    }
    expect(await count()).toBe(before);

    // a create without a budget year is for the year of creation
    const plain = await a.create(U.c1, goodsProject());
    expect(plain).toMatchObject({ year: 2026, budgetYear: 2026, mainGroup: '残疾人', otherGroups: [] });
  });

  it('when the proposal form is used, then it offers the allowed budget years, the active groups, and creates the project with them', async () => {
    await start();
    const agent = await agentFor(app, U.c1);
    const form = await agent.get('/projects/new');
    expect(form.status).toBe(200);
    const years = [...form.text.matchAll(/<option value="(\d{4})"/g)].map((m) => m[1]);
    expect(years).toEqual(['2026', '2027']);
    expect(form.text).toContain('name="mainGroup"');
    expect(form.text).toContain('value="低保特困"');
    const res = await postForm(agent, '/projects/new', '/projects/new', {
      title: '表单建的项目', type: 'goods', category: '助行', mainGroup: '老年人', otherGroups: ['残疾人', '儿童'], budgetYear: '2027',
      description: '为长者配置助行器。', 'items.0.name': '助行器', 'items.0.quantity': '2', 'items.0.unitFen': '500',
    });
    expect(res.status, res.text.slice(0, 2000)).toBe(303);
    const id = String(res.headers.location).split('/').pop()!.split('?')[0]!;
    expect(await a.project(U.c1, id)).toMatchObject({ budgetYear: 2027, mainGroup: '老年人', otherGroups: ['残疾人', '儿童'] });
    const page = await agent.get(`/projects/${id}`);
    expect(page.text).toContain('主要受益群体');
    expect(page.text).toContain('预算年度');

    // without a main group: the form comes back naming it
    const refused = await postForm(agent, '/projects/new', '/projects/new', {
      title: '缺少群体', type: 'goods', category: '助行', budgetYear: '2026', description: '说明。', 'items.0.name': '助行器', 'items.0.quantity': '1', 'items.0.unitFen': '500',
    });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('<a href="#f-mainGroup">');
  });

  it('when an admin adds a group on the groups page, then new proposals may name it, and an inactive one they may not', async () => {
    await start();
    const admin = await agentFor(app, U.admin);
    const page = await admin.get('/admin/groups');
    expect(page.status).toBe(200);
    expect(page.text).toContain('低保/特困');
    const saved = await postForm(admin, '/admin/groups', '/admin/groups', { code: '孤寡老人', nameZh: '孤寡老人', nameEn: 'Older people living alone', sort: '8', active: 'true' });
    expect(saved.status).toBe(303);
    expect((await a.create(U.c1, goodsProject({ mainGroup: '孤寡老人' }))).mainGroup).toBe('孤寡老人');
    await postForm(admin, '/admin/groups', '/admin/groups', { code: '孤寡老人', nameZh: '孤寡老人', nameEn: 'Older people living alone', sort: '8', active: '' });
    expectRefused(await a.post(U.c1, '/projects', goodsProject({ mainGroup: '孤寡老人' })), 422, 'INVALID');
  });

  it('when projects are public, then the statistics count them by main group for their budget year, and the list filters by budget year and group', async () => {
    await start();
    const elderly = await a.create(U.c1, goodsProject({ title: '长者助行器', budgetYear: 2027, mainGroup: '老年人', estimatedFen: 1_000_000, items: [{ name: '助行器', quantity: 10, unitFen: 100_000 }] }));
    const disabled = await a.create(U.c1, goodsProject({ title: '爬楼机', budgetYear: 2027, mainGroup: '残疾人', otherGroups: ['老年人'] }));
    const thisYear = await a.create(U.c1, goodsProject({ title: '今年的爬楼机', mainGroup: '残疾人' }));
    for (const p of [elderly, disabled, thisYear]) await toStreetReview(app, p.id);

    const stats2027 = await app.deps.services.publicSite.stats(2027);
    const byGroup = Object.fromEntries(stats2027.byGroup.map((r) => [r.key, [r.count, r.estimatedFen]]));
    expect(byGroup).toEqual({ 老年人: [1, 1_000_000], 残疾人: [1, 3_600_000] });
    const stats2026 = await app.deps.services.publicSite.stats(2026);
    expect(stats2026.byGroup.find((r) => r.key === '残疾人')?.count).toBe(1);
    expect(stats2026.byGroup.find((r) => r.key === '老年人')).toBeUndefined();
    const page = await app.http.get('/public/stats?year=2027');
    expect(page.status).toBe(200);
    expect(page.text).toContain('按受益群体');

    const pub = await app.http.get(`/public/projects/${disabled.id}`);
    expect(pub.status).toBe(200);
    expect(pub.text).toContain('预算年度');
    expect(pub.text).toMatch(/残疾人（另含：老年人）/);

    const list = async (q: string) => ((await a.get(U.district, `/projects?${q}`)).body.projects as Array<{ id: string }>).map((p) => p.id).sort();
    expect(await list('budgetYear=2027')).toEqual([elderly.id, disabled.id].sort());
    // a group matches the main group or one of the others
    expect(await list(`budgetYear=2027&group=${encodeURIComponent('老年人')}`)).toEqual([elderly.id, disabled.id].sort());
    const disabledAny = await list(`group=${encodeURIComponent('残疾人')}`);
    expect(disabledAny).toEqual(expect.arrayContaining([disabled.id, thisYear.id]));
    expect(disabledAny).not.toContain(elderly.id);
  });

  it('when a project is still open after its budget year ends, then it is carried over, keeps its commitment, and a payment the next year spends its budget year’s allocation, leaving the next year’s untouched', async () => {
    await start();
    const created = await a.create(U.c1, goodsProject({ title: '结转的爬楼机' }));
    expect(created.budgetYear).toBe(2026);
    await approveBudget(created.id, 3_600_000);
    await a.ok(U.c1, created.id, 'AWARD', { vendorId: VENDORS.kangfu, amountFen: 3_600_000, justification: '单一来源直接采购，价格合理。' });
    await a.ok(U.c1, created.id, 'SIGN_CONTRACT', {
      contractNo: 'HT-2026-CARRY', items: [{ name: '履带式爬楼机', quantity: 2, unitFen: 1_800_000 }], amountFen: 3_600_000, dueOn: shanghaiDay(app, 30),
    });
    const delivering = await a.ok(U.v1, created.id, 'CONFIRM_CONTRACT');
    expect(delivering).toMatchObject({ state: 'delivery', carriedOver: false });
    const held2026 = await allocation(app, LIANHUA, 2026);
    const before2027 = await allocation(app, LIANHUA, 2027);
    expect(held2026.committedFen).toBeGreaterThanOrEqual(3_600_000);

    // the year ends (the clock passes 2027-01-01 in Shanghai): nothing is released
    await a.advance(NEXT_NEW_YEAR - app.clock.now().getTime() + 60_000);
    const carried = await a.project(U.c1, created.id);
    expect(carried).toMatchObject({ state: 'delivery', budgetYear: 2026, carriedOver: true });
    const rows = (await a.get(U.c1, '/projects')).body.projects as Array<{ id: string; carriedOver: boolean }>;
    expect(rows.find((r) => r.id === created.id)?.carriedOver).toBe(true);
    expect(await allocation(app, LIANHUA, 2026)).toEqual(held2026);
    const detail = await (await agentFor(app, U.c1)).get(`/projects/${created.id}`);
    expect(detail.status).toBe(200);
    expect(detail.text).toContain('结转');
    const publicList = await app.http.get('/public/projects?year=2026');
    expect(publicList.text).toMatch(/结转的爬楼机[\s\S]*?结转/);

    // paid in 2027: spent from 2026's allocation
    await a.ok(U.finance, created.id, 'RECORD_PAYMENT', { tranche: 'advance', amountFen: 1_000_000, voucherNo: 'PZ-2027-001' });
    const after2026 = await allocation(app, LIANHUA, 2026);
    expect(after2026.spentFen - held2026.spentFen).toBe(1_000_000);
    expect(held2026.committedFen - after2026.committedFen).toBe(1_000_000);
    expect(await allocation(app, LIANHUA, 2027)).toEqual(before2027);
    const spend = (await app.deps.services.ledger.entries({ projectId: created.id })).filter((e) => e.kind === 'spend');
    expect(spend.map((e) => [e.year, e.fen])).toEqual([[2026, 1_000_000]]);
    await expectLedgerBalanced(app);
  });
});
