// A vendor keeps its own record current in the portal; an admin confirms (or rejects) each change
// before it takes effect, and records violations; every change is kept (issue 14, item 1). Storage
// (the pending change, the record, the violations) on every storage kind; the pages on SQLite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { STORAGE_KINDS } from '../support/db.js';
import { api, expectRefused, goodsProject, toPreparing, U, VENDORS } from '../support/lifecycle.js';
import { agentFor, csrfOf, postForm } from './pages-helpers.js';
import type { User } from '../../src/auth/users.js';

const user = async (app: TestApp, email: string) => (await app.deps.services.users.findByEmail(email)) as User;
const servicesProject = () => goodsProject({
  title: '上门探访服务', type: 'services', category: '探访慰藉', mainGroup: '老年人', estimatedFen: 3_000_000,
  items: [{ name: '上门探访（人次）', quantity: 600, unitFen: 5_000 }],
});

describe.each(STORAGE_KINDS)('vendor record changes on %s', (kind) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ kind });
  }, 120_000);
  afterAll(() => app?.close());

  it('when a vendor proposes a change, then nothing changes until an admin confirms it; a rejected one never takes effect; a decided one cannot be decided again', async () => {
    const { vendorRecords, reference } = app.deps.services;
    const [vendor, admin] = [await user(app, U.v3), await user(app, U.admin)];
    const before = await reference.vendor(VENDORS.xinyuan);
    const rejected = await vendorRecords.propose(vendor, { fullTimeStaff: 1 });
    expect((await reference.vendor(VENDORS.xinyuan)).fullTimeStaff).toBe(before.fullTimeStaff);
    await vendorRecords.decide(admin, rejected.id, { decision: 'reject', note: '人数与社保记录不符' });
    expect((await reference.vendor(VENDORS.xinyuan)).fullTimeStaff).toBe(before.fullTimeStaff);
    const change = await vendorRecords.propose(vendor, { registeredOn: '2013-03-15', rating: '5A', fullTimeStaff: 11 });
    expect((await vendorRecords.pending(admin)).map((c) => c.id)).toEqual([change.id]);
    await vendorRecords.decide(admin, change.id, { decision: 'confirm' });
    expect(await reference.vendor(VENDORS.xinyuan)).toMatchObject({ registeredOn: '2013-03-15', rating: '5A', fullTimeStaff: 11 });
    await expect(vendorRecords.decide(admin, change.id, { decision: 'reject' })).rejects.toMatchObject({ status: 409 });
    const history = await vendorRecords.changes(VENDORS.xinyuan);
    expect(history.map((c) => [c.status, c.changes])).toEqual([['confirmed', { registeredOn: '2013-03-15', rating: '5A', fullTimeStaff: 11 }], ['declined', { fullTimeStaff: 1 }]]);
    expect(history[0]!.previous).toMatchObject({ fullTimeStaff: before.fullTimeStaff });
    expect(await vendorRecords.pending(admin)).toEqual([]);
  }, 120_000);

  it('when a proposal is invalid or comes from someone else, then it is refused with a field or a role and nothing is stored', async () => {
    const { vendorRecords } = app.deps.services;
    const vendor = await user(app, U.v1);
    await expect(vendorRecords.propose(vendor, { registeredOn: '2099-01-01' })).rejects.toMatchObject({ status: 422, fields: { registeredOn: 'validation.notInFuture' } });
    await expect(vendorRecords.propose(vendor, { rating: '6A' })).rejects.toMatchObject({ status: 422, fields: { rating: 'validation.enum' } });
    await expect(vendorRecords.propose(vendor, { fullTimeStaff: -1 })).rejects.toMatchObject({ status: 422 });
    await expect(vendorRecords.propose(vendor, {})).rejects.toMatchObject({ status: 422 });
    await expect(vendorRecords.propose(await user(app, U.c1), { fullTimeStaff: 3 })).rejects.toMatchObject({ status: 403 });
    await expect(vendorRecords.addViolation(vendor, VENDORS.kangfu, { occurredOn: '2025-01-01', source: '自报', description: '无' })).rejects.toMatchObject({ status: 403 });
    expect(await vendorRecords.changes(VENDORS.kangfu)).toEqual([]);
  }, 120_000);

  it('when the staff count a vendor proposed falls below the rules and an admin confirms it, then the vendor can no longer be invited to a service project', async () => {
    const { vendorRecords } = app.deps.services;
    const a = api(app);
    const p = await toPreparing(app, (await a.create(U.c1, servicesProject())).id);
    const change = await vendorRecords.propose(await user(app, U.v1), { fullTimeStaff: 2 });
    const deadline = new Date(app.clock.now().getTime() + 7 * 86_400_000).toISOString();
    // pending: the record in force still holds 12
    await vendorRecords.decide(await user(app, U.admin), change.id, { decision: 'confirm' });
    expectRefused(await a.send(U.c1, p.id, 'INVITE', { vendorIds: [VENDORS.kangfu], deadline }), 409, 'EVENT_NOT_ALLOWED', 'VENDOR_TOO_FEW_STAFF');
  }, 120_000);
});

describe('vendor record pages', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  }, 120_000);
  afterAll(() => app?.close());

  it('when the vendor changes its record in the portal and the admin confirms it on the changes page, then the record takes effect and both pages show its history', async () => {
    const vendor = await agentFor(app, U.v3);
    const form = await vendor.get('/vendor/record');
    expect(form.status).toBe(200);
    expect(form.text).toContain('2013-03-15');
    const posted = await vendor.post('/vendor/record').type('form').send({ _csrf: csrfOf(form.text), registeredOn: '2013-03-15', rating: '5A', fullTimeStaff: '15' });
    expect(posted.status).toBe(303);
    expect((await app.deps.services.reference.vendor(VENDORS.xinyuan)).fullTimeStaff).toBe(8);
    expect((await vendor.get('/vendor/record')).text).toContain('待确认');

    const admin = await agentFor(app, U.admin);
    const list = await admin.get('/admin/vendor-changes');
    expect(list.text).toContain('香洲区心缘社会工作服务中心');
    const id = /action="\/admin\/vendor-changes\/([^"]+)"/.exec(list.text)![1]!;
    const decided = await admin.post(`/admin/vendor-changes/${id}`).type('form').send({ _csrf: csrfOf(list.text), decision: 'confirm', note: '' });
    expect(decided.status).toBe(303);
    expect(await app.deps.services.reference.vendor(VENDORS.xinyuan)).toMatchObject({ rating: '5A', fullTimeStaff: 15 });
    expect((await admin.get('/admin/vendor-changes')).text).toContain('没有待确认的变更');
    expect((await vendor.get('/vendor/record')).text).toContain('已确认');
  }, 120_000);

  it('when the vendor posts an unreadable staff count or a future date, then the form comes back 422 with the field\'s message and nothing is proposed', async () => {
    const vendor = await agentFor(app, U.v1);
    const bad = await postForm(vendor, '/vendor/record', '/vendor/record', { registeredOn: '2012-05-08', rating: 'none', fullTimeStaff: '三个' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('error-message');
    const future = await postForm(vendor, '/vendor/record', '/vendor/record', { registeredOn: '2099-01-01', rating: 'none', fullTimeStaff: '3' });
    expect(future.status).toBe(422);
    expect(future.text).toContain('日期不能晚于今天');
    expect(await app.deps.services.vendorRecords.changes(VENDORS.kangfu)).toEqual([]);
    // others may not use the vendor's page or the admin's
    expect((await (await agentFor(app, U.c1)).get('/vendor/record')).status).toBe(403);
    expect((await vendor.get('/admin/vendor-changes')).status).toBe(403);
  }, 120_000);

  it('when the admin records a violation on a vendor\'s record page, then it is listed, and a service project can no longer invite that vendor', async () => {
    const admin = await agentFor(app, U.admin);
    const res = await postForm(admin, `/admin/vendors/${VENDORS.xinyuan}/record`, `/admin/vendors/${VENDORS.xinyuan}/violations`, { occurredOn: '2025-11-20', source: '区民政局专项检查', description: '服务记录造假' });
    expect(res.status).toBe(303);
    expect((await admin.get(`/admin/vendors/${VENDORS.xinyuan}/record`)).text).toContain('服务记录造假');
    const a = api(app);
    const p = await toPreparing(app, (await a.create(U.c1, servicesProject())).id);
    const deadline = new Date(app.clock.now().getTime() + 7 * 86_400_000).toISOString();
    expectRefused(await a.send(U.c1, p.id, 'INVITE', { vendorIds: [VENDORS.xinyuan], deadline }), 409, 'EVENT_NOT_ALLOWED', 'VENDOR_RECENT_VIOLATION');
  }, 120_000);
});
