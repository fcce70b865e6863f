// Care-call lists in the pages and the JSON API (issue 15 item 3): staff create a campaign through
// the form; the demo operator opens today's list and logs calls through the call form (radio
// buttons, problem checkboxes, a note) in both languages; CSRF refused; bad input comes back on the
// form with a clear message and changes nothing; other roles and other operators get 403.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, DEMO_PASSWORD, type TestApp } from '../support/app.js';
import { U } from '../support/lifecycle.js';
import { agentFor, postForm, type Agent } from './pages-helpers.js';

const OPERATOR = 'operator@example.org';
const UNTRANSLATED = /\b(campaigns|validation|reasons|errors|nav|roleNames|needs)\.[a-zA-Z_]+\b/;

describe('care-call pages and API', () => {
  let app: TestApp;
  let c1: Agent;
  let op: Agent;
  let campaignId = '';
  let operatorId = '';
  const count = async (table: string, where: Record<string, unknown> = {}) => Number(((await app.deps.db(table).where(where).count({ n: '*' })) as Array<{ n: number | string }>)[0]!.n);

  beforeAll(async () => {
    app = await createTestApp();
    // 60 residents living alone in 莲花 (two pages for one operator)
    const c1User = (await app.deps.services.users.findByEmail(U.c1))!;
    const at = app.clock.now().toISOString();
    await app.deps.db('beneficiaries').insert(Array.from({ length: 60 }, (_, i) => ({
      id: `hb-${String(i).padStart(3, '0')}`, community_id: 'cm-lianhua', id_number: `4404021950010100${String(i).padStart(2, '0')}`, name: `电话居民${i}`,
      phone: `1370000${String(1000 + i)}`, address: `香洲区拱北莲花路${i}号`, living_situation: 'alone', lives_alone: true, needs_daily_contact: i % 2 === 0, created_by: c1User.id, created_at: at,
    })));
    operatorId = (await app.deps.services.users.findByEmail(OPERATOR))!.id;
    c1 = await agentFor(app, U.c1);
    op = await agentFor(app, OPERATOR);
  }, 120_000);
  afterAll(async () => app?.close());

  it('when community staff create a campaign through the form, then bad input comes back with a message and nothing made, then it is made and shown with its count', async () => {
    const form = await c1.get('/campaigns/new');
    expect(form.status).toBe(200);
    expect(form.text).toContain('何静（关爱热线话务员）');
    expect(form.text).not.toMatch(UNTRANSLATED);
    const bad = await postForm(c1, '/campaigns/new', '/campaigns/new', { name: '独居老人关爱电话', area: 'community:cm-lianhua', flags: 'alone', startOn: '2026-03-02', endOn: '2026-03-01', callsPerDay: '1', missLimit: '3' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('请至少选择一名话务员');
    expect(bad.text).toContain('结束日期不能早于开始日期');
    const other = await postForm(c1, '/campaigns/new', '/campaigns/new', { name: '越权', area: 'community:cm-haibin', startOn: '2026-03-02', endOn: '2026-03-08', callsPerDay: '1', missLimit: '3', operatorIds: operatorId });
    expect(other.status).toBe(403);
    expect(await count('care_campaigns')).toBe(0);
    const noCsrf = await c1.post('/campaigns/new').type('form').send({ name: 'x', area: 'community:cm-lianhua', startOn: '2026-03-02', endOn: '2026-03-08', operatorIds: operatorId });
    expect(noCsrf.status).toBe(403);
    expect(await count('care_campaigns')).toBe(0);

    const ok = await postForm(c1, '/campaigns/new', '/campaigns/new', { name: '独居老人关爱电话', area: 'community:cm-lianhua', flags: 'alone', startOn: '2026-03-02', endOn: '2026-03-08', callsPerDay: '1', missLimit: '3', operatorIds: operatorId });
    expect(ok.status, ok.text.slice(0, 400)).toBe(303);
    campaignId = decodeURIComponent(ok.headers.location!.split('/').pop()!);
    const residents = await count('care_campaign_members', { campaign_id: campaignId });
    expect(residents).toBeGreaterThanOrEqual(60);
    const show = await c1.get(`/campaigns/${campaignId}`);
    expect(show.status).toBe(200);
    expect(show.text).toContain(`${residents} 人`);
    expect(show.text).not.toContain('电话居民'); // staff see counts, not the list
    expect((await c1.get(`/campaigns/${campaignId}?lang=en`)).text).toContain(`${residents} residents`);
    expect((await c1.get('/campaigns')).text).toContain('独居老人关爱电话');
    // the operator's pages are the operator's
    expect((await c1.get(`/campaigns/${campaignId}/calls`)).status).toBe(403);
    expect((await op.get(`/campaigns/${campaignId}`)).status).toBe(403);
    const c3 = await agentFor(app, U.c3);
    expect((await c3.get(`/campaigns/${campaignId}`)).status).toBe(403);
    expect((await (await agentFor(app, U.v1)).get('/campaigns')).status).toBe(403);
  });

  it('when the operator opens today\'s list in either language, then it sees its residents unmasked, paged, with the day\'s progress, logged as read', async () => {
    const before = await count('beneficiary_access_log', { user_id: operatorId, purpose: 'care-call' });
    const inbox = await op.get('/inbox');
    expect(inbox.status).toBe(200);
    expect(inbox.text).toContain('href="/campaigns"');
    expect(inbox.text).not.toMatch(UNTRANSLATED);
    const home = await op.get('/campaigns');
    expect(home.status).toBe(200);
    expect(home.text).toContain(`/campaigns/${campaignId}/calls`);
    expect(home.text).toContain('关爱电话');
    const list = await op.get(`/campaigns/${campaignId}/calls`);
    expect(list.status).toBe(200);
    expect(list.text).toContain('电话居民0');
    expect(list.text).toContain('13700001000');
    expect(list.text).toContain('已拨打 0 次，接通 0 次');
    expect(list.text).toMatch(/第 1 \/ 2 页/);
    expect(list.text).not.toMatch(UNTRANSLATED);
    const en = await op.get(`/campaigns/${campaignId}/calls?lang=en&page=2`);
    expect(en.status).toBe(200);
    expect(en.text).toContain('0 calls made, 0 reached');
    expect(en.text).toContain('Page 2 of 2');
    expect(en.text).not.toMatch(UNTRANSLATED);
    expect(await count('beneficiary_access_log', { user_id: operatorId, purpose: 'care-call' })).toBeGreaterThan(before + 50);
  });

  it('when the operator logs calls through the form, then a few keystrokes record it, problems become needs, a repeat and bad input are refused, and CSRF is required', async () => {
    const path = `/campaigns/${campaignId}/calls/hb-001`;
    const form = await op.get(path);
    expect(form.status).toBe(200);
    expect(form.text).toContain('type="radio"');
    expect(form.text).toContain('type="checkbox"');
    expect(form.text).toContain('<textarea');
    expect(form.text).toContain('tel:13700001001');
    expect(form.text).not.toMatch(UNTRANSLATED);
    expect((await op.get(`${path}?lang=en`)).text).toContain('Not reached');

    const noCsrf = await op.post(path).type('form').send({ reached: 'yes' });
    expect(noCsrf.status).toBe(403);
    const missing = await postForm(op, path, path, { note: '' });
    expect(missing.status).toBe(422);
    expect(missing.text).toContain('是否接通');
    const missingEn = await postForm(op, `${path}?lang=en`, `${path}?lang=en`, { reached: 'no', problems: 'daily_care' });
    expect(missingEn.status).toBe(422);
    expect(missingEn.text).toContain('A call that did not reach the resident raises no problems');
    expect(await count('care_calls')).toBe(0);

    const done = await postForm(op, path, path, { reached: 'yes', problems: ['daily_care', 'supplies'], note: '需要助餐和米面油' });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe(`/campaigns/${campaignId}/calls`);
    const needs = await app.deps.db('needs').where({ beneficiary_id: 'hb-001', source: 'call' }).orderBy('type');
    expect(needs.map((n) => n.type)).toEqual(['daily_care', 'supplies']);
    const after = await op.get(`/campaigns/${campaignId}/calls`);
    expect(after.text).toContain('已登记 电话居民1 的通话。');
    expect(after.text).toContain('已拨打 1 次，接通 1 次');
    const again = await postForm(op, path, path, { reached: 'yes' });
    expect(again.status).toBe(409);
    expect(again.text).toContain('该居民今天的电话已经登记');
    expect(await count('care_calls')).toBe(1);

    const en = await postForm(op, `/campaigns/${campaignId}/calls/hb-002?lang=en`, `/campaigns/${campaignId}/calls/hb-002?lang=en`, { reached: 'no' });
    expect(en.status).toBe(303);
    const listEn = await op.get(`/campaigns/${campaignId}/calls?lang=en`);
    expect(listEn.text).toContain('1 reached');
  });

  it('when staff change the running campaign through the form or the API, then bad input comes back with its message and changes nothing; residents registered since join', async () => {
    const path = `/campaigns/${campaignId}/edit`;
    const form = await c1.get(path);
    expect(form.status).toBe(200);
    expect(form.text).toContain('value="2026-03-08"');
    expect(form.text).not.toMatch(UNTRANSLATED);
    expect((await c1.get(`${path}?lang=en`)).text).toContain('Take in residents registered since');
    expect((await c1.get(`/campaigns/${campaignId}`)).text).toContain(`href="${path}"`);
    expect((await op.get(path)).status).toBe(403);
    const before = await count('care_campaign_members', { campaign_id: campaignId });
    const bad = await postForm(c1, path, path, { endOn: '2026-03-01', callsPerDay: '1', missLimit: '3', operatorIds: operatorId });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('结束日期已过');
    const badEn = await postForm(c1, `${path}?lang=en`, `${path}?lang=en`, { endOn: '2026-03-01', callsPerDay: '1', missLimit: '3', operatorIds: operatorId });
    expect(badEn.text).toContain('The end date has passed');
    expect((await app.deps.db('care_campaigns').where({ id: campaignId }).first('end_on')).end_on).toBe('2026-03-08');
    const c1User = (await app.deps.services.users.findByEmail(U.c1))!;
    await app.deps.db('beneficiaries').insert({
      id: 'hb-late', community_id: 'cm-lianhua', id_number: '440402195001019988', name: '后登记居民', phone: '13700009999', address: '香洲区拱北莲花路99号',
      living_situation: 'alone', lives_alone: true, needs_daily_contact: false, created_by: c1User.id, created_at: app.clock.now().toISOString(),
    });
    const ok = await postForm(c1, path, path, { endOn: '2026-03-15', callsPerDay: '1', missLimit: '4', operatorIds: operatorId, addResidents: 'on' });
    expect(ok.status, ok.text.slice(0, 400)).toBe(303);
    expect(await count('care_campaign_members', { campaign_id: campaignId })).toBe(before + 1);
    const shown = await c1.get(`/campaigns/${campaignId}`);
    expect(shown.text).toContain('新增 1 名居民');
    expect(shown.text).toContain('最近修改于');
    // asked in English: the redirect keeps the language
    const okEn = await postForm(c1, `${path}?lang=en`, `${path}?lang=en`, { endOn: '2026-03-15', callsPerDay: '1', missLimit: '4', operatorIds: operatorId });
    expect(okEn.headers.location).toBe(`/campaigns/${campaignId}?lang=en`);
    expect((await c1.get(okEn.headers.location!)).text).toContain('0 residents joined the list');
    // the API: back to the 8th; the operator may not
    const opt = await app.token(OPERATOR);
    const c1t = await app.token(U.c1);
    const body = { endOn: '2026-03-08', callsPerDay: 1, missLimit: 3, operatorIds: [operatorId] };
    expect((await app.http.patch(`/api/v1/campaigns/${campaignId}`).set('Authorization', `Bearer ${opt}`).send(body)).status).toBe(403);
    const badApi = await app.http.patch(`/api/v1/campaigns/${campaignId}`).set('Authorization', `Bearer ${c1t}`).send({ ...body, operatorIds: [] });
    expect(badApi.status).toBe(422);
    expect(badApi.body.error.fields).toMatchObject({ operatorIds: expect.any(String) });
    const patched = await app.http.patch(`/api/v1/campaigns/${campaignId}`).set('Authorization', `Bearer ${c1t}`).send(body);
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body).toMatchObject({ added: 0, campaign: { endOn: '2026-03-08', missLimit: 3 } });
  });

  it('when the JSON API is used, then staff list and create campaigns and see a day\'s progress, the operator gets its list and logs a call, others 403', async () => {
    const c1t = await app.token(U.c1);
    const opt = await app.token(OPERATOR);
    const listed = await app.http.get('/api/v1/campaigns').set('Authorization', `Bearer ${c1t}`);
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({ total: 1, campaigns: [{ id: campaignId, residentCount: expect.any(Number) }] });
    const created = await app.http.post('/api/v1/campaigns').set('Authorization', `Bearer ${c1t}`)
      .send({ name: '每日联系', area: 'community:cm-lianhua', flags: ['daily'], startOn: '2026-03-02', endOn: '2026-03-31', operatorIds: [operatorId], missLimit: 2 });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.campaign.residentCount).toBeGreaterThanOrEqual(30);
    const bad = await app.http.post('/api/v1/campaigns').set('Authorization', `Bearer ${c1t}`).send({ name: '', area: 'nowhere' });
    expect(bad.status).toBe(422);
    expect(bad.body.error.fields).toMatchObject({ name: expect.any(String), area: expect.any(String), operatorIds: expect.any(String) });

    const calls = await app.http.get(`/api/v1/campaigns/${campaignId}/calls?day=2026-03-02&pageSize=10`).set('Authorization', `Bearer ${opt}`);
    expect(calls.status).toBe(200);
    expect(calls.body.calls).toHaveLength(10);
    expect(calls.body.calls[0].beneficiary).toMatchObject({ masked: false });
    expect(calls.body.progress).toMatchObject({ calls: 2, reached: 1 });
    const logged = await app.http.post(`/api/v1/campaigns/${campaignId}/calls`).set('Authorization', `Bearer ${opt}`)
      .send({ beneficiaryId: calls.body.calls[0].beneficiary.id, reached: true, problems: [{ type: 'emotional_support', description: '想找人聊天' }] });
    expect(logged.status).toBe(201);
    expect(logged.body.call.needIds).toHaveLength(1);
    const staffDay = await app.http.get(`/api/v1/campaigns/${campaignId}/calls?day=2026-03-02`).set('Authorization', `Bearer ${c1t}`);
    expect(staffDay.status).toBe(200);
    expect(staffDay.body.progress).toMatchObject({ calls: 3, reached: 2 });
    expect(JSON.stringify(staffDay.body)).not.toContain('电话居民');
    expect((await app.http.get(`/api/v1/campaigns/${campaignId}/calls?day=bad`).set('Authorization', `Bearer ${c1t}`)).status).toBe(422);
    const c3t = await app.token(U.c3);
    expect((await app.http.get(`/api/v1/campaigns/${campaignId}/calls`).set('Authorization', `Bearer ${c3t}`)).status).toBe(403);
    expect((await app.http.post(`/api/v1/campaigns/${campaignId}/calls`).set('Authorization', `Bearer ${c1t}`).send({ beneficiaryId: 'hb-003', reached: true })).status).toBe(403);
    expect((await app.http.get('/api/v1/beneficiaries?communityId=cm-lianhua').set('Authorization', `Bearer ${opt}`)).status).toBe(403);

    // another operator, not assigned: 403, and the campaign's end: 403
    // the administrator makes operators like any other user
    const admin = await agentFor(app, U.admin);
    expect((await admin.get('/admin/users/new')).text).toContain('话务员');
    const made = await postForm(admin, '/admin/users/new', '/admin/users', { email: 'op-other@example.org', name: '其他话务员', role: 'operator', password: DEMO_PASSWORD, lang: 'zh-CN' });
    expect(made.status, made.text.slice(0, 300)).toBe(303);
    const other = await app.token('op-other@example.org');
    expect((await app.http.get(`/api/v1/campaigns/${campaignId}/calls`).set('Authorization', `Bearer ${other}`)).status).toBe(403);
    app.clock.set('2026-03-09T01:00:00.000Z');
    const ended = await app.http.get(`/api/v1/campaigns/${campaignId}/calls`).set('Authorization', `Bearer ${opt}`);
    expect(ended.status).toBe(403);
    expect(ended.body.error.reasons).toEqual([expect.objectContaining({ code: 'CAMPAIGN_NOT_RUNNING' })]);
    expect((await op.get(`/campaigns/${campaignId}/calls`)).status).toBe(403);
  });
});
