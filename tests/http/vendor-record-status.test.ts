// Suspending and reinstating a vendor (issue 14, item 2): the district only, with a reason, as an
// engine transition of the `vendor` workflow whose read model is vendors.status — through the pages
// (CSRF forms) and the JSON API; everyone else 403, no reason 422, twice 409, never a change;
// a suspended vendor is refused on INVITE and a reinstated one invitable; the history verifies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { api, expectRefused, goodsProject, toPreparing, U, VENDORS, DAY_MS } from '../support/lifecycle.js';
import { agentFor, csrfOf, postForm } from './pages-helpers.js';
import { verifyAll } from '../../src/engine/verify.js';
import { vendorInstanceId } from '../../workflows/vendor/index.js';
import { auditVendorStatus } from '../../src/vendors/vendor-status.js';

const V: string = VENDORS.kangfu;

describe('suspending and reinstating a vendor', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  }, 120_000);
  afterAll(() => app?.close());

  const status = async (id = V) => (await app.deps.db('vendors').where({ id }).first('status')).status as string;
  const historyRows = async (id = V) => Number((await app.deps.db('workflow_history').where({ instance_id: vendorInstanceId(id) }).count({ n: '*' }).first())!.n);
  const deadline = () => new Date(app.clock.now().getTime() + 7 * DAY_MS).toISOString();

  it('when the admin, a street, a community or a vendor posts the status form, then it is 403 and nothing changes', async () => {
    for (const email of [U.admin, U.street, U.c1, U.v1]) {
      const agent = await agentFor(app, email);
      const page = await agent.get('/inbox');
      const res = await agent.post(`/vendors/${V}/status`).type('form').send({ _csrf: csrfOf(page.text), type: 'SUSPEND', reason: '不应由我办理' });
      expect(res.status, email).toBe(403);
      expect(await status()).toBe('active');
    }
    const a = api(app);
    for (const email of [U.admin, U.street, U.c1, U.finance]) {
      expectRefused(await a.post(email, `/vendors/${V}/events`, { type: 'SUSPEND', reason: '越权' }), 403, 'FORBIDDEN', 'WRONG_ROLE');
    }
    expect(await status()).toBe('active');
  }, 60_000);

  it('when the form is posted without its CSRF token, then it is refused and nothing changes', async () => {
    const agent = await agentFor(app, U.district);
    const res = await agent.post(`/vendors/${V}/status`).type('form').send({ type: 'SUSPEND', reason: '无令牌' });
    expect(res.status).toBe(403);
    expect(await status()).toBe('active');
  });

  it('when the district posts the form without a reason, then the page comes back 422 naming the field in either language, and nothing changes', async () => {
    const agent = await agentFor(app, U.district);
    const zh = await postForm(agent, `/vendors/${V}`, `/vendors/${V}/status`, { type: 'SUSPEND', reason: '  ' });
    expect(zh.status).toBe(422);
    expect(zh.text).toContain('error-summary');
    expect(zh.text).toContain('理由');
    const en = await postForm(agent, `/vendors/${V}?lang=en`, `/vendors/${V}/status?lang=en`, { type: 'SUSPEND', reason: '' });
    expect(en.status).toBe(422);
    expect(en.text).toContain('Reason');
    const bad = await postForm(agent, `/vendors/${V}`, `/vendors/${V}/status`, { type: 'DELETE', reason: 'x' });
    expect(bad.status).toBe(422);
    expect(await status()).toBe('active');
    const r = await api(app).post(U.district, `/vendors/${V}/events`, { type: 'SUSPEND' }, { 'Accept-Language': 'en' });
    expectRefused(r, 422, 'INVALID');
    expect(r.body.error.fields.reason).toBeTruthy();
  }, 60_000);

  it('when the district suspends through the page with a reason, then vendors.status follows, the history holds the change, INVITE refuses it, and suspending again is 409', async () => {
    const agent = await agentFor(app, U.district);
    const page = await agent.get(`/vendors/${V}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('vp-status-form');
    const res = await postForm(agent, `/vendors/${V}`, `/vendors/${V}/status`, { type: 'SUSPEND', reason: '<b>服务质量</b>多次不达标' });
    expect(res.status).toBe(303);
    expect(await status()).toBe('suspended');
    expect(await historyRows()).toBe(2); // $start, SUSPEND
    const after = await agent.get(`/vendors/${V}`);
    expect(after.text).toContain('&lt;b&gt;服务质量&lt;/b&gt;多次不达标');
    expect(after.text).not.toContain('<b>服务质量</b>');

    const a = api(app);
    const p = await toPreparing(app, (await a.create(U.c1, goodsProject())).id);
    expectRefused(await a.send(U.c1, p.id, 'INVITE', { vendorIds: [V, VENDORS.xinyuan], deadline: deadline() }), 409, 'CONFLICT', 'VENDOR_SUSPENDED');
    expect((await a.project(U.c1, p.id)).state).toBe('procurement.preparing');

    expectRefused(await a.post(U.district, `/vendors/${V}/events`, { type: 'SUSPEND', reason: '再次暂停' }), 409, 'EVENT_NOT_ALLOWED', 'VENDOR_ALREADY_SUSPENDED');
    const twice = await postForm(agent, `/vendors/${V}`, `/vendors/${V}/status`, { type: 'SUSPEND', reason: '再次暂停' });
    expect(twice.status).toBe(409);
    expect(await historyRows()).toBe(2);
  }, 120_000);

  it('when the admin edits the suspended vendor, then its form has no status field and saving keeps it suspended', async () => {
    const agent = await agentFor(app, U.admin);
    const form = await agent.get(`/admin/vendors/${V}`);
    expect(form.text).not.toContain('name="status"');
    expect(form.text).toContain(`/vendors/${V}`);
    const res = await postForm(agent, `/admin/vendors/${V}`, `/admin/vendors/${V}`, { name: '珠海康复辅具有限公司', email: 'sales@kangfu.example.org', types: ['goods', 'services'], status: 'active' });
    expect(res.status).toBe(303);
    expect(await status()).toBe('suspended');
  }, 60_000);

  it('when the district reinstates through the API with a reason, then the vendor is invitable again and every instance verifies', async () => {
    const a = api(app);
    expectRefused(await a.post(U.district, `/vendors/${V}/events`, { type: 'REINSTATE', reason: '' }), 422, 'INVALID');
    const res = await a.post(U.district, `/vendors/${V}/events`, { type: 'REINSTATE', reason: '已完成整改，经复核恢复' });
    expect(res.status).toBe(200);
    expect(res.body.vendor).toMatchObject({ id: V, status: 'active' });
    expect(await status()).toBe('active');
    const p = await toPreparing(app, (await a.create(U.c1, goodsProject())).id);
    // the invitation form shows each vendor's record in one line
    const form = await (await agentFor(app, U.c1)).get(`/projects/${p.id}`);
    expect(form.text).toMatch(/合同\d+份 · (按期\d+% · )?(平均得分[\d.]+ · )?拒收\d+次 · 整改\d+次/);
    const formEn = await (await agentFor(app, U.c1)).get(`/projects/${p.id}?lang=en`);
    expect(formEn.text).toMatch(/\d+ contracts · .*\d+ refused deliveries · \d+ rectifications/);
    const invited = await a.send(U.c1, p.id, 'INVITE', { vendorIds: [V, VENDORS.xinyuan], deadline: deadline() });
    expect(invited.status).toBe(200);

    const record = await a.get(U.district, `/vendors/${V}/record`);
    expect(record.status).toBe(200);
    expect(record.body.record.statusChanges.map((c: { type: string; reason: string }) => [c.type, c.reason])).toEqual([
      ['SUSPEND', '<b>服务质量</b>多次不达标'], ['REINSTATE', '已完成整改，经复核恢复'],
    ]);
    expect(record.body.record.flag).toBeDefined();

    const report = await verifyAll(app.deps.engine, app.deps.db);
    expect(report.problems).toEqual([]);
    expect(await auditVendorStatus(app.deps.db)).toEqual([]);
    expect(await app.deps.db('workflow_instances').where({ workflow: 'vendor' }).pluck('id')).toContain(vendorInstanceId(V));
  }, 120_000);

  it('when records are read, then the district, street and admin read any, a vendor only its own (without the flag), a community none', async () => {
    const a = api(app);
    for (const email of [U.district, U.street, U.admin]) expect((await a.get(email, `/vendors/${VENDORS.anju}/record`)).status, email).toBe(200);
    const own = await a.get(U.v1, `/vendors/${V}/record`);
    expect(own.status).toBe(200);
    expect(own.body.record.flag).toBeUndefined();
    expectRefused(await a.get(U.v1, `/vendors/${VENDORS.anju}/record`), 403, 'FORBIDDEN');
    expectRefused(await a.get(U.c1, `/vendors/${V}/record`), 403, 'FORBIDDEN');
    expectRefused(await a.get(U.district, '/vendors/vd-nobody/record'), 404, 'NOT_FOUND');
    expectRefused(await a.get(U.district, `/vendors/${V}/record?page=abc`), 422, 'INVALID');

    const agent = await agentFor(app, U.v1);
    const mine = await agent.get('/vendor/performance');
    expect(mine.status).toBe(200);
    expect(mine.text).not.toContain('vp-status-form');
    expect((await agent.get(`/vendors/${VENDORS.anju}`)).status).toBe(403);
    const c = await agentFor(app, U.c1);
    expect((await c.get('/vendors')).status).toBe(403);
    const d = await agentFor(app, U.district);
    const list = await d.get('/vendors?flagged=1');
    expect(list.status).toBe(200);
    expect((await d.get('/vendors?lang=en')).text).toContain('contracts');
  }, 60_000);

  it('when a new vendor is created by the admin, then its status history starts with it', async () => {
    const agent = await agentFor(app, U.admin);
    const res = await postForm(agent, '/admin/vendors/new', '/admin/vendors', { name: '新建供应商甲', email: 'new-a@example.org', types: ['services'] });
    expect(res.status).toBe(303);
    const v = (await app.deps.services.reference.vendors()).find((x) => x.name === '新建供应商甲')!;
    expect(v.status).toBe('active');
    expect(await historyRows(v.id)).toBe(1);
  }, 60_000);

  it('when vendors were written without an instance (older data, one of them suspended), then the startup backfill starts one for each with its status, and the district may reinstate it', async () => {
    const { db } = app.deps;
    await db('vendors').insert({ id: 'vd-old-a', name: '旧供应商甲', email: 'old-a@example.org', types: JSON.stringify(['goods']), status: 'suspended', created_at: app.clock.now().toISOString() });
    await db('vendors').insert({ id: 'vd-old-b', name: '旧供应商乙', email: 'old-b@example.org', types: JSON.stringify(['goods']), status: 'active', created_at: app.clock.now().toISOString() });
    const started = await app.deps.services.vendorStatus.ensureAll();
    expect(started).toBeGreaterThanOrEqual(2);
    expect(await app.deps.services.vendorStatus.ensureAll()).toBe(0);
    expect((await db('workflow_instances').where({ id: vendorInstanceId('vd-old-a') }).first('state')).state).toBe('suspended');
    expect((await db('workflow_instances').where({ id: vendorInstanceId('vd-old-b') }).first('state')).state).toBe('active');
    expect(await auditVendorStatus(db)).toEqual([]);
    const res = await api(app).post(U.district, '/vendors/vd-old-a/events', { type: 'REINSTATE', reason: '历史数据核实无误' });
    expect(res.status).toBe(200);
    expect(await status('vd-old-a')).toBe('active');
    expect((await verifyAll(app.deps.engine, db)).problems).toEqual([]);
  }, 60_000);
});
