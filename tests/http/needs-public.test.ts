// The public form to report a need (issue 15 item 2): no log-in, in Chinese and in English; a need
// recorded with source `public` and its phone as the contact; the thank-you page and the status
// page show the reference and the public status only; CSRF; 422 with messages in both languages;
// a burst from one address refused (429) with nothing recorded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { U } from '../support/lifecycle.js';
import { agentFor, csrfOf, type Agent } from './pages-helpers.js';

const PHONE = '13700137000';
const GOOD = { communityId: 'cm-lianhua', type: 'daily_care', description: '独居老人需要助餐服务。', phone: PHONE };
const needCount = async (app: TestApp) => Number((await app.t.db('needs').count({ n: '*' }).first())!.n);

async function post(agent: Agent, body: Record<string, string>, opts: { lang?: 'en'; ip?: string; csrf?: boolean } = {}) {
  const q = opts.lang === 'en' ? '?lang=en' : '';
  const form = await agent.get(`/report-need${q}`);
  const req = agent.post(`/report-need${q}`).type('form');
  if (opts.ip) req.set('X-Forwarded-For', opts.ip);
  return req.send(opts.csrf === false ? body : { ...body, _csrf: csrfOf(form.text) });
}

describe('the public need form', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ app: { needLimits: { perAddress: 50, windowMs: 3600_000 } } });
  });
  afterAll(async () => app?.close());

  it('shows the form without a log-in, in Chinese and in English, with the communities and the need types', async () => {
    const agent = await agentFor(app);
    const zh = await agent.get('/report-need');
    expect(zh.status).toBe(200);
    expect(zh.text).toContain('反映需求');
    expect(zh.text).toContain('name="communityId"');
    expect(zh.text).toContain('value="cm-lianhua"');
    expect(zh.text).toContain('生活照料');
    expect(zh.text).toContain('name="phone"');
    expect(zh.text).toContain('name="_csrf"');
    const en = await agent.get('/report-need?lang=en');
    expect(en.status).toBe(200);
    expect(en.text).toContain('Report a need');
    expect(en.text).toContain('action="/report-need?lang&#x3D;en"');
    // linked from the public pages' navigation
    expect((await agent.get('/public')).text).toContain('href="/report-need"');
  });

  it('records a need (source public, the phone as its contact) and thanks with the reference only', async () => {
    const agent = await agentFor(app);
    const before = await needCount(app);
    const res = await post(agent, GOOD);
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^\/report-need\/[A-Z]+-XQ-2026-\d{4}\/thanks$/);
    expect(await needCount(app)).toBe(before + 1);
    const location = String(res.headers.location);
    const ref = decodeURIComponent(location.split('/')[2]!);
    const row = await app.t.db('needs').where({ ref }).first();
    expect(row).toMatchObject({ source: 'public', community_id: 'cm-lianhua', type: 'daily_care', state: 'received', beneficiary_id: null });
    const c1 = await app.deps.services.users.get((await app.t.db('users').where({ email: U.c1 }).first('id')).id);
    expect((await app.deps.services.needs.get(c1, row.id)).contact).toEqual({ phone: PHONE, masked: false });

    const thanks = await agent.get(location);
    expect(thanks.status).toBe(200);
    expect(thanks.text).toContain(ref);
    expect(thanks.text).not.toContain(PHONE);
    expect(thanks.text).not.toContain('助餐服务');
    expect(thanks.text).toContain(`href="/report-need/${ref}"`);

    const status = await agent.get(`/report-need/${ref}`);
    expect(status.status).toBe(200);
    expect(status.text).toContain('data-status="open"');
    expect(status.text).toContain('已受理，正在办理。');
    expect(status.text).not.toContain(PHONE);
    // declined by the community: closed, with the fixed note and never the reason given
    await app.deps.services.needs.send(c1, row.id, { type: 'DECLINE', reason: `已电话联系${PHONE}，由家属照料。` });
    const closed = await agent.get(`/report-need/${ref}?lang=en`);
    expect(closed.text).toContain('data-status="closed"');
    expect(closed.text).toContain('Not taken up.');
    expect(closed.text).not.toContain(PHONE);
    expect(closed.text).not.toContain('家属');
    expect((await agent.get('/report-need/XZ-XQ-1999-0001')).status).toBe(404);
    expect((await agent.get('/report-need/XZ-XQ-1999-0001/thanks')).status).toBe(404);
  });

  it('refuses a post without its CSRF token (403) and records nothing', async () => {
    const agent = await agentFor(app);
    const before = await needCount(app);
    const res = await post(agent, GOOD, { csrf: false });
    expect(res.status).toBe(403);
    expect(await needCount(app)).toBe(before);
  });

  it('returns bad input with 422 and messages in either language; the phone is never echoed back', async () => {
    const agent = await agentFor(app);
    const before = await needCount(app);
    const zh = await post(agent, { communityId: '', type: 'potholes', description: '', phone: PHONE });
    expect(zh.status).toBe(422);
    expect(zh.text).toContain('error-summary');
    expect(zh.text).toContain('aria-invalid="true"');
    expect(zh.text).not.toContain(PHONE);
    const zhSummary = /<div class="error-summary"[\s\S]*?<\/div>/.exec(zh.text)![0];
    expect(zhSummary).toMatch(/[\u4e00-\u9fff]/);
    const en = await post(agent, { communityId: 'cm-nowhere', type: 'daily_care', description: 'Needs a ramp.', phone: 'call me' }, { lang: 'en' });
    expect(en.status).toBe(422);
    expect(en.text).toContain('Needs a ramp.');
    expect(en.text).toMatch(/id="f-phone-error"/);
    expect(en.text).toMatch(/id="f-communityId-error"/);
    const summary = /<div class="error-summary"[\s\S]*?<\/div>/.exec(en.text)![0];
    expect(summary.replace(/<[^>]+>/g, '')).toMatch(/^[\x20-\x7e\s]+$/);
    expect(await needCount(app)).toBe(before);
  });
});

describe('the public need form: a burst from one address', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ app: { needLimits: { perAddress: 2, windowMs: 3600_000 } } });
  });
  afterAll(async () => app?.close());

  it('is refused (429) beyond the limit with a message in the reader\'s language, and nothing more is recorded', async () => {
    const agent = await agentFor(app);
    const before = await needCount(app);
    const statuses: number[] = [];
    for (let i = 0; i < 2; i++) statuses.push((await post(agent, { ...GOOD, description: `第${i}条` }, { ip: '10.7.7.7' })).status);
    expect(statuses).toEqual([303, 303]);
    const zh = await post(agent, GOOD, { ip: '10.7.7.7' });
    expect(zh.status).toBe(429);
    expect(zh.headers['retry-after']).toMatch(/^\d+$/);
    expect(zh.text).toContain('同一网络提交的需求过多');
    const en = await post(agent, GOOD, { ip: '10.7.7.7', lang: 'en' });
    expect(en.status).toBe(429);
    expect(en.text).toContain('Too many needs were sent from this network');
    expect(await needCount(app)).toBe(before + 2);
    // Open311 from the same address counts with the form
    const o311 = await app.http.post('/open311/v2/requests.json').set('X-Forwarded-For', '10.7.7.7').send({ service_code: 'other', description: 'x', address_id: 'cm-lianhua' });
    expect(o311.status).toBe(429);
    expect(await needCount(app)).toBe(before + 2);
  });
});
