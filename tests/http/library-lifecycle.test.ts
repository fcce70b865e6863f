// The service-project library (服务项目库, issue 14 item 3) through the JSON API: a proposal from a
// library entry goes draft → closed, and a price over the ceiling is refused — at the proposal
// (create and EDIT), in a quote and in the contract — with the reason in both languages; INVITE of a
// vendor the entry does not qualify is refused (API and the invitation form); an expired entry
// starts nothing while a project under way keeps working; the library facts are in the history.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import {
  api, deliverAll, expectLedgerBalanced, expectRefused, invite, passNoticeIfHeld, passQuoteDeadline, reasonCodes, shanghaiDay, toPreparing,
  SIGNATORIES, U, VENDORS, VENDOR_USER, type Api, type Project,
} from '../support/lifecycle.js';
import { agentFor, csrfOf } from './pages-helpers.js';
import { verifyAll } from '../../src/engine/verify.js';

const CEILING = 25_000;
const REFERENCE = 20_000;
const OUTSIDER = 'vd-outsider';

describe('a proposal from the service-project library', () => {
  let app: TestApp;
  let a: Api;
  let entryId = '';

  beforeAll(async () => {
    app = await createTestApp();
    a = api(app);
    const admin = (await app.deps.services.users.findByEmail(U.admin))!;
    // a vendor that is eligible for services under the rules, but not qualified for the entry
    await app.deps.services.reference.createVendor(
      { name: '珠海外围康复服务中心', email: 'x@outsider.example.org', types: ['goods', 'works', 'services'], registeredOn: '2012-01-01', fullTimeStaff: 9 },
      undefined, OUTSIDER,
    );
    const entry = await app.deps.services.library.create(admin, {
      code: 'T-REHAB', name: '康复训练课程（测试）', category: '康复训练', type: 'services', unit: 'session', referenceFen: REFERENCE, ceilingFen: CEILING,
      description: '康复治疗师上门康复训练，每课时45分钟。', validFrom: '2026-01-01', validTo: '2026-12-31',
      vendorIds: [VENDORS.kangfu, VENDORS.anju, VENDORS.xinyuan],
    });
    entryId = entry.id;
  });
  afterAll(async () => app?.close());

  const proposal = (unitFen: number, quantity = 300) => ({
    title: '莲花社区残疾人康复训练', type: 'services', category: '康复训练', mainGroup: '残疾人', estimatedFen: unitFen * quantity,
    description: '为辖区重度残疾人提供上门康复训练300课时。', items: [{ name: '康复训练课程（每课时）', quantity, unitFen }], beneficiaryCount: 20,
    libraryEntryId: entryId,
  });

  it('when the library is read through the API, then its entries come paged and counted, and one by id', async () => {
    const list = await a.get(U.c1, '/library?pageSize=2');
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ page: 1, pageSize: 2 });
    expect(list.body.total).toBeGreaterThanOrEqual(5);
    expect(list.body.entries).toHaveLength(2);
    const one = await a.get(U.v1, `/library/${entryId}`);
    expect(one.body.entry).toMatchObject({ code: 'T-REHAB', ceilingFen: CEILING, referenceFen: REFERENCE, unit: 'session' });
    expect((await a.get(U.c1, '/library/nope')).status).toBe(404);
    expect((await a.get(null, '/library')).status).toBe(401);
  });

  it('when a proposal from a library entry is driven from draft to closed, then every price over the ceiling is refused with its reason in both languages', async () => {
    // the proposal: a unit price over the ceiling starts nothing
    const over = await a.post(U.c1, '/projects', proposal(CEILING + 1));
    expectRefused(over, 409, 'EVENT_NOT_ALLOWED', 'PRICE_OVER_CEILING');
    const overEn = await a.post(U.c1, '/projects', proposal(CEILING + 1), { 'Accept-Language': 'en' });
    const zh = over.body.error.reasons.find((r: { code: string }) => r.code === 'PRICE_OVER_CEILING').message as string;
    const en = overEn.body.error.reasons.find((r: { code: string }) => r.code === 'PRICE_OVER_CEILING').message as string;
    expect(zh).toContain('最高限价');
    expect(zh).toContain('250.00');
    expect(en).toContain('ceiling');
    expect(en).toContain('250.00');
    // a type other than the entry's
    expect((await a.post(U.c1, '/projects', { ...proposal(REFERENCE), type: 'goods' })).status).toBe(422);
    expect((await a.post(U.c1, '/projects', { ...proposal(REFERENCE), libraryEntryId: 'no-such-entry' })).status).toBe(422);

    const created = await a.create(U.c1, proposal(REFERENCE) as never);
    const id = created.id;
    expect(created.library).toMatchObject({ entryId, version: 1, ceilingFen: CEILING, referenceFen: REFERENCE, unit: 'session' });
    // the `$start` row records the entry's facts (the pages leave the input out of the presented history)
    const start = (await app.deps.db('workflow_history').where({ instance_id: id, seq: 1 }).first()) as { type: string; payload: string };
    expect(start.type).toBe('$start');
    expect(JSON.parse(start.payload).input.library).toMatchObject({ entryId, ceilingFen: CEILING, vendorIds: [VENDORS.anju, VENDORS.kangfu, VENDORS.xinyuan] });

    // EDIT above the ceiling is refused; at the ceiling it is accepted
    const edit = await a.send(U.c1, id, 'EDIT', { fields: { items: [{ name: '康复训练课程（每课时）', quantity: 300, unitFen: CEILING + 100 }] } });
    expectRefused(edit, 409, 'EVENT_NOT_ALLOWED', 'PRICE_OVER_CEILING');
    await a.ok(U.c1, id, 'EDIT', { fields: { items: [{ name: '康复训练课程（每课时）', quantity: 300, unitFen: REFERENCE }] } });

    // an entry changed later (a lower ceiling) does not change what the project recorded
    const admin = (await app.deps.services.users.findByEmail(U.admin))!;
    const e = await app.deps.services.library.get(entryId);
    await app.deps.services.library.update(admin, entryId, { ...e, ceilingFen: 24_000 });
    expect((await a.project(U.c1, id)).library).toMatchObject({ ceilingFen: CEILING, version: 1 });

    const preparing = await toPreparing(app, id);
    expect(preparing.state).toBe('procurement.preparing');
    expect(preparing.procurement?.method).toBe('quotation');

    // INVITE: a vendor the entry does not qualify is refused
    const deadline = new Date(app.clock.now().getTime() + 7 * 86_400_000).toISOString();
    const bad = await a.send(U.c1, id, 'INVITE', { vendorIds: [VENDORS.kangfu, VENDORS.anju, OUTSIDER], deadline });
    expectRefused(bad, 409, 'EVENT_NOT_ALLOWED', 'VENDOR_NOT_IN_LIBRARY');
    const badEn = await a.send(U.c1, id, 'INVITE', { vendorIds: [VENDORS.kangfu, VENDORS.anju, OUTSIDER], deadline }, { 'Accept-Language': 'en' });
    expect(badEn.body.error.reasons.find((r: { code: string }) => r.code === 'VENDOR_NOT_IN_LIBRARY').message).toContain('not qualified');
    expect(bad.body.error.reasons.find((r: { code: string }) => r.code === 'VENDOR_NOT_IN_LIBRARY').message).toContain('入库供应商');

    // the invitation form disables it, with the same reason
    const agent = await agentFor(app, U.c1);
    const pageHtml = (await agent.get(`/projects/${id}`)).text;
    expect(pageHtml).toMatch(new RegExp(`value="${OUTSIDER}"[^>]*disabled`));
    expect(pageHtml).toContain('入库供应商名单');
    // posting it anyway through the page: refused on the form with the reason, nothing sent
    const inviteForm = /<form method="post" action="([^"]+)" id="form-INVITE"[\s\S]*?name="expectedVersion" value="(\d+)"/.exec(pageHtml)!;
    const localDeadline = new Date(Date.parse(deadline) + 8 * 3_600_000).toISOString().slice(0, 16);
    const posted = await agent.post(inviteForm[1]!.replace(/&amp;/g, '&')).type('form')
      .send({ _csrf: csrfOf(pageHtml), expectedVersion: inviteForm[2]!, vendorIds: [VENDORS.kangfu, VENDORS.anju, OUTSIDER], deadline: localDeadline });
    expect(posted.status).toBe(409);
    expect(posted.text).toContain('不在服务项目库');
    expect((await a.project(U.c1, id)).state).toBe('procurement.preparing');

    const quoting = await invite(app, id, [VENDORS.kangfu, VENDORS.anju, VENDORS.xinyuan]);
    expect(quoting.state).toBe('procurement.quoting');
    const inviteRow = (await a.get(U.district, `/projects/${id}/history`)).body.history.find((h: { type: string }) => h.type === 'INVITE');
    expect(inviteRow.payload.library).toMatchObject({ entryId, vendorIds: [VENDORS.anju, VENDORS.kangfu, VENDORS.xinyuan].sort() });

    // quotes: a line over the ceiling, or a total over ceiling × quantity, is refused
    const validUntil = shanghaiDay(app, 60);
    const q1 = await a.send(U.v1, id, 'SUBMIT_QUOTE', { amountFen: 300 * 26_000, items: [{ name: '康复训练', quantity: 300, unitFen: 26_000 }], validUntil });
    expectRefused(q1, 409, 'EVENT_NOT_ALLOWED', 'PRICE_OVER_CEILING');
    const q2 = await a.send(U.v1, id, 'SUBMIT_QUOTE', { amountFen: 300 * CEILING + 1, validUntil });
    expectRefused(q2, 409, 'EVENT_NOT_ALLOWED', 'QUOTE_OVER_CEILING');
    await a.ok(U.v1, id, 'SUBMIT_QUOTE', { amountFen: 5_700_000, items: [{ name: '康复训练', quantity: 300, unitFen: 19_000 }], validUntil });
    await a.ok(U.v2, id, 'SUBMIT_QUOTE', { amountFen: 5_850_000, validUntil });
    await a.ok(U.v3, id, 'SUBMIT_QUOTE', { amountFen: 5_940_000, validUntil });
    await passQuoteDeadline(app, quoting);
    expect((await a.project(U.c1, id)).state).toBe('procurement.evaluating');
    await a.ok(U.c1, id, 'AWARD', { vendorId: VENDORS.kangfu, amountFen: 5_700_000, justification: '三家报价中最低，且在服务项目库限价内。' });

    // the contract: a line over the ceiling is refused even when the lines add up to the award
    const sign = await a.send(U.c1, id, 'SIGN_CONTRACT', {
      contractNo: 'HT-LIB-001', items: [{ name: '康复训练', quantity: 200, unitFen: 26_000 }, { name: '评估', quantity: 100, unitFen: 5_000 }], amountFen: 5_700_000, dueOn: shanghaiDay(app, 60),
    });
    expectRefused(sign, 409, 'EVENT_NOT_ALLOWED', 'PRICE_OVER_CEILING');
    expect(reasonCodes(sign)).toEqual(['PRICE_OVER_CEILING']);
    await a.ok(U.c1, id, 'SIGN_CONTRACT', { contractNo: 'HT-LIB-001', items: [{ name: '康复训练课程（每课时）', quantity: 300, unitFen: 19_000 }], amountFen: 5_700_000, dueOn: shanghaiDay(app, 60) });
    expect((await a.ok(VENDOR_USER[VENDORS.kangfu]!, id, 'CONFIRM_CONTRACT')).state).toBe('delivery');

    // the entry expires (retired): no new proposal starts from it, the project under way goes on
    await app.deps.services.library.retire(admin, entryId);
    expectRefused(await a.post(U.c1, '/projects', proposal(REFERENCE)), 409, 'CONFLICT', 'LIBRARY_ENTRY_RETIRED');

    await deliverAll(app, id, VENDORS.kangfu);
    const accepted = await passNoticeIfHeld(app, await a.ok(U.c2, id, 'RECORD_ACCEPTANCE', { passed: true, satisfactionPct: 95, signatories: SIGNATORIES }));
    expect(accepted.state).toBe('settlement');
    // what is left to pay, as the payer's form offers it
    const due = async (type: string) => {
      const p: Project = await a.project(U.finance, id);
      return (p.allowedEvents.find((x) => x.type === type) as unknown as { fields: { amountFen: { default: number } } }).fields.amountFen.default;
    };
    const evaluation = await a.ok(U.finance, id, 'RECORD_PAYMENT', { tranche: 'final', amountFen: await due('RECORD_PAYMENT'), voucherNo: 'PZ-LIB-1' });
    expect(evaluation.state).toBe('evaluation');
    const warranty = await a.ok(U.district2, id, 'RECORD_EVALUATION', { score: 90, grade: '优秀', notes: '按计划完成康复训练。' });
    let closed = warranty;
    if (warranty.state === 'warranty') {
      await a.advance(Date.parse(String(warranty.deadlines.warrantyEndsAt)) - app.clock.now().getTime() + 60_000);
      closed = await a.ok(U.finance, id, 'RELEASE_RETENTION', { amountFen: await due('RELEASE_RETENTION'), voucherNo: 'PZ-LIB-2' });
    }
    expect(closed.state).toBe('closed');
    expect(closed.paidFen).toBe(5_700_000);
    await expectLedgerBalanced(app);

    // the history replays to the stored snapshot (the facts are on the events)
    const report = await verifyAll(app.deps.engine, app.deps.db);
    expect(report.problems).toEqual([]);
  });

  it('when an entry has expired, then it starts no proposal: a clear refusal in both languages, and the start page says why', async () => {
    const res = await a.post(U.c1, '/projects', {
      title: '长者助餐', type: 'services', category: '便民服务', mainGroup: '老年人', estimatedFen: 150_000,
      description: '为行动不便长者配送午餐。', items: [{ name: '助餐配送（每次）', quantity: 100, unitFen: 1_500 }], libraryEntryId: 'lib-meals',
    }, { 'Accept-Language': 'en' });
    expectRefused(res, 409, 'CONFLICT', 'LIBRARY_ENTRY_EXPIRED');
    expect(res.body.error.reasons[0].message).toContain('expired');
    const agent = await agentFor(app, U.c1);
    const page = await agent.get('/projects/library');
    expect(page.status).toBe(200);
    expect(page.text).toContain('已过期');
    expect(page.text).toContain('/projects/new?library&#x3D;lib-visit');
  });

  it('when community staff start from a library entry on the pages, then the form is pre-filled and the project records the entry', async () => {
    const agent = await agentFor(app, U.c1);
    const form = await agent.get('/projects/new?library=lib-visit');
    expect(form.status).toBe(200);
    expect(form.text).toContain('name="libraryEntryId" value="lib-visit"');
    expect(form.text).toContain('50.00');
    const body = {
      _csrf: csrfOf(form.text), libraryEntryId: 'lib-visit', title: '上门探访', type: 'services', category: '探访慰藉', mainGroup: '老年人',
      description: '社工上门探访独居长者。', 'items.0.name': '上门探访与心理慰藉（每次）', 'items.0.quantity': '100', 'items.0.unitFen': '90',
    };
    const refused = await agent.post('/projects/new').type('form').send(body);
    expect(refused.status, refused.text.match(/<div class="error-summary"[\s\S]*?<\/div>/)?.[0]).toBe(409);
    expect(refused.text).toContain('最高限价');
    const ok = await agent.post('/projects/new').type('form').send({ ...body, 'items.0.unitFen': '50' });
    expect(ok.status).toBe(303);
    const id = String(ok.headers.location).split('/').pop()!.split('?')[0]!;
    expect((await a.project(U.c1, id)).library).toMatchObject({ entryId: 'lib-visit', ceilingFen: 8_000 });
  });
});
