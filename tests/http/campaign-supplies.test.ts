// Emergency supplies of care-call campaigns (issue 15 item 5) through the pages and the JSON API:
// a plan made through the form (bad input comes back in both languages and changes nothing; out of
// scope, operators and vendors 403; CSRF required); a day's list paged and counted, unmasked and
// logged for the community's own residents, masked for the street; deliveries logged one click
// each, a second the same day 409, days outside the plan refused; the day's and cumulative totals
// exact to the fen; the day-by-day totals as CSV and .xlsx, with nobody's name in them.
import ExcelJS from 'exceljs';
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { U } from '../support/lifecycle.js';
import { agentFor, csrfOf, postForm, type Agent } from './pages-helpers.js';
import { parseCsv } from '../support/exports.js';

const OPERATOR = 'operator@example.org';
const UNTRANSLATED = /\b(supplies|campaigns|validation|reasons|errors)\.[a-zA-Z_]+\b/;
const LIANHUA = 60;
const HAIBIN = 12;

function binary(res: Response, done: (err: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}


describe('emergency supplies pages and API', () => {
  let app: TestApp;
  let c1: Agent;
  let street: Agent;
  let campaignId = '';
  let lianhuaCampaign = '';
  let planId = '';
  let lianhuaMembers = 0;
  let members = 0;
  let haibinMembers = 0;
  const count = async (table: string, where: Record<string, unknown> = {}) => Number(((await app.deps.db(table).where(where).count({ n: '*' })) as Array<{ n: number | string }>)[0]!.n);
  const bearer = async (email: string) => `Bearer ${await app.token(email)}`;

  beforeAll(async () => {
    app = await createTestApp();
    const user = async (email: string) => app.deps.services.users.get((await app.deps.db('users').where({ email }).first('id')).id);
    const c1User = await user(U.c1);
    const at = app.clock.now().toISOString();
    const rows = [
      ...Array.from({ length: LIANHUA }, (_, i) => ({ i, community: 'cm-lianhua' })),
      ...Array.from({ length: HAIBIN }, (_, i) => ({ i: LIANHUA + i, community: 'cm-haibin' })),
    ].map(({ i, community }) => ({
      id: `sp-${String(i).padStart(3, '0')}`, community_id: community, id_number: `4404021960020200${String(i).padStart(2, '0')}`, name: `物资居民${i}`,
      phone: `1380000${String(1000 + i)}`, address: `香洲区拱北莲花路${i}号`, living_situation: 'alone', lives_alone: true, needs_daily_contact: false,
      disability_level: i % 3 === 0 ? '一级' : null, created_by: c1User.id, created_at: at,
    }));
    await app.deps.db('beneficiaries').insert(rows);
    const operatorId = (await app.deps.db('users').where({ email: OPERATOR }).first('id')).id as string;
    const district = await user(U.district);
    const base = { startOn: '2026-03-02', endOn: '2026-03-08', flags: ['alone'], operatorIds: [operatorId] };
    campaignId = (await app.deps.services.campaigns.create(district, { ...base, name: '全区独居老人关爱', area: 'district' })).id;
    lianhuaCampaign = (await app.deps.services.campaigns.create(c1User, { ...base, name: '莲花独居老人关爱', area: 'community:cm-lianhua' })).id;
    members = await count('care_campaign_members', { campaign_id: campaignId });
    lianhuaMembers = await count('care_campaign_members', { campaign_id: campaignId, community_id: 'cm-lianhua' });
    haibinMembers = await count('care_campaign_members', { campaign_id: campaignId, community_id: 'cm-haibin' });
    c1 = await agentFor(app, U.c1);
    street = await agentFor(app, U.street);
  }, 120_000);
  afterAll(async () => app?.close());

  it('when staff make a supply plan through the form, then bad input comes back in either language and nothing is made; out of scope, operators and vendors get 403; then it is made over the campaign\'s households in their scope', async () => {
    const campaign = await c1.get(`/campaigns/${campaignId}`);
    expect(campaign.text).toContain(`/campaigns/${campaignId}/supplies`);
    expect(campaign.text).toContain('应急物资配送');
    const index = await c1.get(`/campaigns/${campaignId}/supplies`);
    expect(index.status).toBe(200);
    expect(index.text).toContain('救助物资');
    expect(index.text).toContain('不是民生微实事项目资金');
    expect(index.text).not.toMatch(UNTRANSLATED);
    const newPath = `/campaigns/${campaignId}/supplies/new`;
    const form = await c1.get(newPath);
    expect(form.status).toBe(200);
    expect(form.text).toContain('每户每日金额（元）');
    expect(form.text).toContain('value="100.00"');
    expect(form.text).not.toMatch(UNTRANSLATED);
    expect((await c1.get(`${newPath}?lang=en`)).text).toContain('relief spending');

    const bad = await postForm(c1, newPath, newPath, { item: '', amountFen: '100', startOn: '2026-03-04', endOn: '2026-03-02' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('配送物资：此项必填。');
    expect(bad.text).toContain('结束日期不能早于开始日期');
    const badEn = await postForm(c1, `${newPath}?lang=en`, `${newPath}?lang=en`, { item: '肉菜水果', amountFen: '100', startOn: '2026-03-01', endOn: '2026-03-09' });
    expect(badEn.status).toBe(422);
    expect(badEn.text).toContain('Start date: The date must fall within the care-call campaign');
    expect(badEn.text).toContain('End date: The date must fall within the care-call campaign');
    expect(badEn.text).not.toMatch(UNTRANSLATED);
    const notAmount = await postForm(c1, `${newPath}?lang=en`, `${newPath}?lang=en`, { item: '肉菜水果', amountFen: 'abc', startOn: '2026-03-02', endOn: '2026-03-04' });
    expect(notAmount.status).toBe(422);
    expect(notAmount.text).toContain('Amount per household per day (yuan): Enter an amount in yuan');
    const tooMuch = await postForm(c1, newPath, newPath, { item: '肉菜水果', amountFen: '20000', startOn: '2026-03-02', endOn: '2026-03-04' });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.text).toContain('每户每日金额不能超过 1 万元');
    const c3 = await agentFor(app, U.c3);
    const other = await c3.get(`/campaigns/${lianhuaCampaign}/supplies/new`);
    expect(other.status).toBe(403);
    const noCsrf = await c1.post(newPath).type('form').send({ item: '肉菜水果', startOn: '2026-03-02', endOn: '2026-03-04' });
    expect(noCsrf.status).toBe(403);
    const op = await agentFor(app, OPERATOR);
    expect((await op.get(`/campaigns/${campaignId}/supplies`)).status).toBe(403);
    expect((await (await agentFor(app, U.v1)).get(`/campaigns/${campaignId}/supplies`)).status).toBe(403);
    const api = async (email: string) => app.http.post(`/api/v1/campaigns/${lianhuaCampaign}/supplies`).set('Authorization', await bearer(email)).send({ item: '肉菜水果', startOn: '2026-03-02', endOn: '2026-03-04' });
    expect((await api(U.c3)).body.error.reasons).toEqual([expect.objectContaining({ code: 'OUT_OF_SCOPE' })]);
    expect((await api(OPERATOR)).body.error.reasons).toEqual([expect.objectContaining({ code: 'WRONG_ROLE' })]);
    expect((await api(U.v1)).status).toBe(403);
    const apiBad = await app.http.post(`/api/v1/campaigns/${campaignId}/supplies`).set('Authorization', await bearer(U.c1)).set('Accept-Language', 'en').send({ item: '', amountFen: 1.5, startOn: 'soon' });
    expect(apiBad.status).toBe(422);
    expect(apiBad.body.error.fields).toEqual({ item: 'This field is required.', amountFen: 'Enter a whole number.', startOn: 'Enter a date as year-month-day, e.g. 2026-03-20.', endOn: 'This field is required.' });
    const apiBadZh = await app.http.post(`/api/v1/campaigns/${campaignId}/supplies`).set('Authorization', await bearer(U.c1)).send({ item: '肉', startOn: '2026-03-02', endOn: '2026-03-04', levels: ['五级'] });
    expect(apiBadZh.status).toBe(422);
    expect(Object.keys(apiBadZh.body.error.fields)).toEqual(['levels']);
    expect(apiBadZh.body.error.fields.levels).toMatch(/[\u4e00-\u9fff]/);
    expect(await count('care_supply_plans')).toBe(0);

    // community staff: the campaign's households of their own community
    const ok = await postForm(c1, newPath, newPath, { item: '肉菜水果', amountFen: '100', startOn: '2026-03-02', endOn: '2026-03-04' });
    expect(ok.status, ok.text.slice(0, 400)).toBe(303);
    const own = decodeURIComponent(ok.headers.location!.split('/').pop()!);
    expect(await count('care_supply_households', { plan_id: own })).toBe(lianhuaMembers);
    const shown = await c1.get(ok.headers.location!);
    expect(shown.text).toContain(`已创建配送计划“肉菜水果”，共 ${lianhuaMembers} 户。`);
    // levels chosen: only those households
    const level = await app.http.post(`/api/v1/campaigns/${campaignId}/supplies`).set('Authorization', await bearer(U.c1)).send({ item: '重度残疾人加送', amountFen: 5000, startOn: '2026-03-02', endOn: '2026-03-02', levels: ['一级'] });
    expect(level.status).toBe(201);
    const severe = (await app.deps.db('care_campaign_members').join('beneficiaries', 'beneficiaries.id', 'care_campaign_members.beneficiary_id')
      .where({ campaign_id: campaignId, 'care_campaign_members.community_id': 'cm-lianhua', disability_level: '一级' }).count({ n: '*' }).first()) as { n: number | string };
    expect(level.body.plan.householdCount).toBe(Number(severe.n));
    expect(Number(severe.n)).toBeGreaterThanOrEqual(LIANHUA / 3);
    // the district: every household of the campaign, at the default ¥100
    const all = await app.http.post(`/api/v1/campaigns/${campaignId}/supplies`).set('Authorization', await bearer(U.district)).send({ item: '肉菜水果', startOn: '2026-03-02', endOn: '2026-03-04' });
    expect(all.status, JSON.stringify(all.body)).toBe(201);
    expect(all.body.plan).toMatchObject({ amountFen: 10000, householdCount: members, days: 3, startOn: '2026-03-02', endOn: '2026-03-04' });
    planId = all.body.plan.id;
    const listed = await app.http.get(`/api/v1/campaigns/${campaignId}/supplies?pageSize=2`).set('Authorization', await bearer(U.street));
    expect(listed.body).toMatchObject({ total: 3, page: 1, pageSize: 2 });
    expect(listed.body.plans).toHaveLength(2);
    expect((await c1.get(`/campaigns/${campaignId}/supplies`)).text).toContain('共 3 个配送计划');
  });

  it('when the day\'s list opens, then community staff see their own residents unmasked, paged, counted and logged, and the street sees masks', async () => {
    const path = `/campaigns/${campaignId}/supplies/${planId}`;
    const logged = () => count('beneficiary_access_log', { purpose: 'supplies' });
    const before = await logged();
    const page1 = await c1.get(path);
    expect(page1.status).toBe(200);
    expect(page1.text).toContain('2026-03-02 配送名单');
    expect(page1.text).toContain(`覆盖 ${lianhuaMembers} 户，已配送 0 户，未配送 ${lianhuaMembers} 户；当日金额合计 ¥0.00`);
    expect(page1.text).toContain('物资居民0');
    expect(page1.text).not.toContain('物资居民60'); // 海滨's: not the community's to see
    expect(page1.text).toContain('13800001000');
    expect(page1.text).toContain('救助物资');
    expect(page1.text).toMatch(/第 1 \/ 2 页/);
    expect(page1.text).not.toMatch(UNTRANSLATED);
    expect(await logged()).toBe(before + 50);
    const page2 = await c1.get(`${path}?page=2&lang=en`);
    expect(page2.text).toContain('Page 2 of 2');
    expect(page2.text).toContain(`${lianhuaMembers} households`);
    expect(page2.text).not.toMatch(UNTRANSLATED);
    expect(await logged()).toBe(before + lianhuaMembers);

    const masked = await street.get(path);
    expect(masked.status).toBe(200);
    expect(masked.text).not.toContain('物资居民');
    expect(masked.text).toContain('物***0');
    expect(masked.text).not.toContain('13800001000');
    expect(await logged()).toBe(before + lianhuaMembers);
    const api = await app.http.get(`/api/v1/campaigns/${campaignId}/supplies/${planId}/deliveries?pageSize=10&page=2`).set('Authorization', await bearer(U.district));
    expect(api.status).toBe(200);
    expect(api.body).toMatchObject({ total: members, page: 2, pageSize: 10, day: '2026-03-02' });
    expect(api.body.households).toHaveLength(10);
    expect(api.body.households.every((h: { masked: boolean; name: string }) => h.masked && h.name.includes('*'))).toBe(true);
    expect((await app.http.get(`/api/v1/campaigns/${campaignId}/supplies/${planId}/deliveries?day=2026-03-05`).set('Authorization', await bearer(U.district))).status).toBe(422);
    expect((await app.http.get(`/api/v1/campaigns/${campaignId}/supplies/${planId}/deliveries?status=maybe`).set('Authorization', await bearer(U.district))).status).toBe(422);
    expect((await app.http.get(`/api/v1/campaigns/${campaignId}/supplies/${planId}/deliveries`).set('Authorization', await bearer(OPERATOR))).status).toBe(403);
    expect((await app.http.get(`/api/v1/campaigns/${campaignId}/supplies/nope/deliveries`).set('Authorization', await bearer(U.c1))).status).toBe(404);
  });

  it('when deliveries are logged, then one click records the plan\'s amount, a partial one its own, a second the same day is 409, and days outside the plan or to come are refused', async () => {
    const path = `/campaigns/${campaignId}/supplies/${planId}`;
    const page = await c1.get(path);
    expect(page.text).toContain('name="beneficiaryId" value="sp-000"');
    const done = await c1.post(`${path}/deliveries?day=2026-03-02&status=all&page=1`).type('form').send({ _csrf: csrfOf(page.text), beneficiaryId: 'sp-000', day: '2026-03-02' });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe(`${path}?day=2026-03-02&status=all&page=1`);
    const after = await c1.get(done.headers.location!);
    expect(after.text).toContain('已登记 物资居民0 2026-03-02 的配送（¥100.00）。');
    expect(after.text).toContain('已配送 ¥100.00');
    const again = await c1.post(`${path}/deliveries`).type('form').send({ _csrf: csrfOf(after.text), beneficiaryId: 'sp-000', day: '2026-03-02' });
    expect(again.status).toBe(409);
    expect(again.text).toContain('该户 2026-03-02 的配送已经登记');
    const partial = await c1.post(`${path}/deliveries`).type('form').send({ _csrf: csrfOf(after.text), beneficiaryId: 'sp-001', day: '2026-03-02', amountFen: '60.5', note: '缺水果' });
    expect(partial.status).toBe(303);
    const badAmount = await c1.post(`${path}/deliveries?lang=en`).type('form').send({ _csrf: csrfOf(after.text), beneficiaryId: 'sp-002', day: '2026-03-02', amountFen: 'lots' });
    expect(badAmount.status).toBe(422);
    expect(badAmount.text).not.toMatch(UNTRANSLATED);
    expect((await c1.post(`${path}/deliveries`).type('form').send({ beneficiaryId: 'sp-002' })).status).toBe(403); // no CSRF

    const post = (email: string, body: Record<string, unknown>) => bearer(email).then((b) => app.http.post(`/api/v1/campaigns/${campaignId}/supplies/${planId}/deliveries`).set('Authorization', b).send(body));
    // the community logs its own households only; the street its street's; the district any
    expect((await post(U.c1, { beneficiaryId: 'sp-060' })).body.error.reasons).toEqual([expect.objectContaining({ code: 'OUT_OF_SCOPE' })]);
    expect((await post(U.street, { beneficiaryId: 'sp-061' })).status).toBe(403);
    const c3 = await post(U.c3, { beneficiaryId: 'sp-060', amountFen: 8000, note: '部分配送' });
    expect(c3.status, JSON.stringify(c3.body)).toBe(201);
    expect(c3.body.delivery).toMatchObject({ beneficiaryId: 'sp-060', day: '2026-03-02', amountFen: 8000, note: '部分配送' });
    expect(c3.body.household).toMatchObject({ name: '物资居民60', masked: false });
    expect((await post(U.street, { beneficiaryId: 'sp-002' })).body.household.masked).toBe(true);
    expect((await post(U.district, { beneficiaryId: 'sp-061' })).status).toBe(201);
    expect((await post(OPERATOR, { beneficiaryId: 'sp-003' })).status).toBe(403);
    expect((await post(U.v1, { beneficiaryId: 'sp-003' })).status).toBe(403);
    expect((await post(U.c1, { beneficiaryId: 'nobody' })).status).toBe(404);
    const twice = await post(U.district, { beneficiaryId: 'sp-060' });
    expect(twice.status).toBe(409);
    expect(twice.body.error.reasons).toEqual([expect.objectContaining({ code: 'SUPPLY_ALREADY_DELIVERED' })]);
    const before = await post(U.c1, { beneficiaryId: 'sp-003', day: '2026-03-01' });
    expect(before.status).toBe(409);
    expect(before.body.error.reasons).toEqual([expect.objectContaining({ code: 'SUPPLY_OUTSIDE_PLAN' })]);
    expect(before.body.error.reasons[0].message).toContain('2026-03-02 至 2026-03-04');
    const future = await bearer(U.c1).then((b) => app.http.post(`/api/v1/campaigns/${campaignId}/supplies/${planId}/deliveries`).set('Authorization', b).set('Accept-Language', 'en').send({ beneficiaryId: 'sp-003', day: '2026-03-03' }));
    expect(future.status).toBe(422);
    expect(future.body.error.fields).toEqual({ day: 'A delivery after today cannot be logged' });
    expect((await post(U.c1, { beneficiaryId: 'sp-003', amountFen: 0 })).status).toBe(422);
    expect((await post(U.c1, { beneficiaryId: 'sp-003', amountFen: 1_000_001 })).status).toBe(422);
    expect(await count('care_supply_deliveries', { plan_id: planId })).toBe(5);

    // the next day: yesterday's late entries are taken, today's too; after the plan's end nothing
    app.clock.set('2026-03-03T02:00:00.000Z');
    expect((await post(U.c1, { beneficiaryId: 'sp-003', day: '2026-03-02', amountFen: 9999 })).status).toBe(201);
    expect((await post(U.c1, { beneficiaryId: 'sp-000' })).body.delivery).toMatchObject({ day: '2026-03-03', amountFen: 10000 });
    expect((await post(U.c3, { beneficiaryId: 'sp-060' })).status).toBe(201);
    const pending = await app.http.get(`/api/v1/campaigns/${campaignId}/supplies/${planId}/deliveries?status=pending&pageSize=200`).set('Authorization', await bearer(U.c3));
    expect(pending.body.total).toBe(haibinMembers - 1);
    expect(pending.body.households.map((h: { beneficiaryId: string }) => h.beneficiaryId)).not.toContain('sp-060');
    const delivered = await app.http.get(`/api/v1/campaigns/${campaignId}/supplies/${planId}/deliveries?status=delivered&day=2026-03-02`).set('Authorization', await bearer(U.district));
    expect(delivered.body.total).toBe(6);
    app.clock.set('2026-03-04T16:00:00.000Z'); // 00:00 on 5 March in Shanghai
    expect((await post(U.c1, { beneficiaryId: 'sp-004' })).body.error.reasons).toEqual([expect.objectContaining({ code: 'SUPPLY_OUTSIDE_PLAN' })]);
    const last = await post(U.c1, { beneficiaryId: 'sp-004', day: '2026-03-04' });
    expect(last.status).toBe(201);
    expect(await count('care_supply_deliveries', { plan_id: planId })).toBe(9);
  });

  it('when the totals are read, then each day\'s and the cumulative cost are exact to the fen, in the reader\'s scope', async () => {
    const totals = (email: string, q = '') => bearer(email).then((b) => app.http.get(`/api/v1/campaigns/${campaignId}/supplies/${planId}/totals${q}`).set('Authorization', b));
    // 2 March: sp-000 10000, sp-001 6050, sp-060 8000, sp-002 10000, sp-061 10000, sp-003 9999 (late)
    const d1 = await totals(U.district, '?day=2026-03-02');
    expect(d1.status).toBe(200);
    expect(d1.body.totals).toEqual({ day: '2026-03-02', covered: members, delivered: 6, notDelivered: members - 6, costFen: 54_049, cumulativeDeliveries: 6, cumulativeFen: 54_049, plannedFen: members * 10_000 * 3 });
    const d2 = await totals(U.district, '?day=2026-03-03');
    expect(d2.body.totals).toMatchObject({ delivered: 2, costFen: 20_000, cumulativeDeliveries: 8, cumulativeFen: 74_049 });
    // the page opens on the plan's last day once it has ended
    const d3 = await totals(U.district);
    expect(d3.body).toMatchObject({ day: '2026-03-04', totals: { delivered: 1, costFen: 10_000, cumulativeDeliveries: 9, cumulativeFen: 84_049 } });
    expect(d3.body.series.days.map((d: { day: string; delivered: number; costFen: number }) => [d.day, d.delivered, d.costFen])).toEqual([
      ['2026-03-02', 6, 54_049], ['2026-03-03', 2, 20_000], ['2026-03-04', 1, 10_000],
    ]);
    expect(d3.body.series.totals).toEqual({ deliveries: 9, costFen: 84_049, plannedFen: members * 10_000 * 3 });
    // 海滨's staff: their community only (sp-060: 8000 then 10000; sp-061: 10000 by the district)
    const c3 = await totals(U.c3, '?day=2026-03-03');
    expect(c3.body.totals).toMatchObject({ covered: haibinMembers, delivered: 1, costFen: 10_000, cumulativeDeliveries: 3, cumulativeFen: 28_000 });
    const recount = (await app.deps.db('care_supply_deliveries').where({ plan_id: planId }).select('amount_fen')).reduce((s, r) => s + Number(r.amount_fen), 0);
    expect(recount).toBe(84_049);
    const page = await c1.get(`/campaigns/${campaignId}/supplies/${planId}?day=2026-03-02`);
    expect(page.text).toContain(`覆盖 ${lianhuaMembers} 户，已配送 4 户，未配送 ${lianhuaMembers - 4} 户；当日金额合计 ¥360.49`);
    expect(page.text).toContain(`截至 2026-03-02：累计配送 4 户次，累计金额合计 ¥360.49；计划总额 ${'¥' + (lianhuaMembers * 300).toLocaleString('en-US')}.00`);
    expect(page.text).toContain('逐日统计');
    expect(page.text).toContain('¥560.49'); // 莲花's cost through 4 March, in the day-by-day table
    expect((await totals(U.c1, '?day=2026-02-28')).status).toBe(422);
  });

  it('when the day-by-day totals are exported, then CSV and Excel hold the exact figures and the total, and no household', async () => {
    const base = `/campaigns/${campaignId}/supplies/${planId}`;
    const district = await agentFor(app, U.district);
    const csv = await district.get(`${base}/export.csv`).buffer(true).parse(binary);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.headers['content-disposition']).toContain('.csv');
    const text = (csv.body as Buffer).toString('utf8');
    expect(text.startsWith('\ufeff')).toBe(true);
    const [header, ...rows] = parseCsv(text.slice(1));
    expect(header).toEqual(['日期', '覆盖户数', '已配送户数', '未配送户数', '当日金额', '累计配送户次', '累计金额']);
    expect(rows).toEqual([
      ['2026-03-02', String(members), '6', String(members - 6), '540.49', '6', '540.49'],
      ['2026-03-03', String(members), '2', String(members - 2), '200.00', '8', '740.49'],
      ['2026-03-04', String(members), '1', String(members - 1), '100.00', '9', '840.49'],
      ['合计', '', '9', '', '840.49', '9', '840.49'],
    ]);
    expect(text).not.toMatch(/物资居民|物\*|sp-\d|1380000/);

    const xlsx = await c1.get(`${base}/export.xlsx?lang=en`).buffer(true).parse(binary);
    expect(xlsx.status).toBe(200);
    expect(xlsx.headers['content-type']).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.body as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    expect(String(ws.getRow(1).getCell(1).value)).toContain('Emergency supplies day by day');
    expect(String(ws.getRow(1).getCell(1).value)).toContain("your community's households");
    expect(ws.getRow(2).values).toEqual([undefined, 'Day', 'Households covered', 'Delivered', 'Not delivered', 'Cost that day', 'Deliveries so far', 'Cost so far']);
    // 莲花 only: 36049 on the 2nd, 10000 on the 3rd, 10000 on the 4th
    expect(ws.getRow(3).values).toEqual([undefined, '2026-03-02', lianhuaMembers, 4, lianhuaMembers - 4, 360.49, 4, 360.49]);
    expect(ws.getRow(5).values).toEqual([undefined, '2026-03-04', lianhuaMembers, 1, lianhuaMembers - 1, 100, 6, 560.49]);
    expect(ws.getRow(6).values).toEqual([undefined, 'Total', undefined, 6, undefined, 560.49, 6, 560.49]);
    const all: string[] = [];
    ws.eachRow((r) => all.push(JSON.stringify(r.values)));
    expect(all.join('\n')).not.toMatch(/物资居民|sp-\d|1380000/);
    expect((await (await agentFor(app, OPERATOR)).get(`${base}/export.csv`)).status).toBe(403);
    const c3 = await agentFor(app, U.c3);
    expect((await c3.get(`/campaigns/${lianhuaCampaign}/supplies`)).status).toBe(403);
  });
});
