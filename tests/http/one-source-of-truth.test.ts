// One source of truth (issue 8 item 4b), through the real pages and the real outbox: the inbox, the
// project page, the public project page and the e-mail name a state with the same words; the public
// objection form states the OBJECT event's own limit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { api, DELIBERATION_OK, GOOD_CHECKLIST, goodsProject, shanghaiDay, toBudgetApproval, toStreetReview, U } from '../support/lifecycle.js';
import { eventSchemas } from '../../workflows/project/index.js';
import { stateLabel } from '../../src/web/labels.js';
import { t, type Lang } from '../../src/lib/i18n.js';
import { agentFor, type Agent } from './pages-helpers.js';

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const html = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;');

/** The words in the project page's state tag. */
async function projectPageState(agent: Agent, id: string, lang: Lang): Promise<string | undefined> {
  const res = await agent.get(`/projects/${id}${lang === 'en' ? '?lang=en' : ''}`);
  expect(res.status).toBe(200);
  return /<span class="state-tag">([^<]*)<\/span>/.exec(res.text)?.[1];
}

/** The words next to "stage" on the public project page. */
async function publicPageState(app: TestApp, id: string, lang: Lang): Promise<string | undefined> {
  const res = await app.http.get(`/public/projects/${id}${lang === 'en' ? '?lang=en' : ''}`);
  expect(res.status).toBe(200);
  return new RegExp(`<dt>${escapeRe(html(t(lang, 'public.col.stage')))}</dt><dd>([^<]*)</dd>`).exec(res.text)?.[1];
}

describe('one label per state on every page and in every e-mail', () => {
  let app: TestApp;
  let approvalId: string;
  let rejectedId: string;

  beforeAll(async () => {
    app = await createTestApp();
    const a = api(app);
    approvalId = (await a.create(U.c1, goodsProject({ title: '标签一致的项目' }))).id;
    await toBudgetApproval(app, approvalId);
    rejectedId = (await a.create(U.c1, goodsProject({ title: '不予立项的项目' }))).id;
    await toStreetReview(app, rejectedId);
    await a.ok(U.street, rejectedId, 'REJECT', { reason: '不在正面清单范围内。' });
  });
  afterAll(async () => app?.close());

  for (const lang of ['zh-CN', 'en'] as Lang[]) {
    // budget_approval: the inbox once said 区级预算审批 where the project page said 预算审批
    it(`when a project waits for budget approval, then the inbox, the project page and the public page all say "${stateLabel(lang, 'budget_approval')}" (${lang})`, async () => {
      const label = html(stateLabel(lang, 'budget_approval'));
      const district = await agentFor(app, U.district);
      const inbox = await district.get(`/inbox${lang === 'en' ? '?lang=en' : ''}`);
      const row = new RegExp(`<tr>\\s*<td[^>]*><a href="/projects/${approvalId}[^"]*">[\\s\\S]*?</tr>`).exec(inbox.text)?.[0] ?? '';
      expect(row, 'the project is in the district’s inbox').not.toBe('');
      expect([...row.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((m) => m[1])).toContain(label);
      expect(await projectPageState(district, approvalId, lang)).toBe(label);
      expect(await publicPageState(app, approvalId, lang)).toBe(label);
    });
  }

  // rejected: the e-mail once said 【不予通过】 where the project page said 不予立项
  it('when a project is rejected, then the e-mail to the community, the project page and the public page all say 不予立项', async () => {
    const label = stateLabel('zh-CN', 'rejected');
    expect(label).toBe('不予立项');
    const mails = await app.deps.db('outbox').where({ instance_id: rejectedId, template: 'rejected' }).select('subject', 'text', 'html');
    expect(mails.length).toBeGreaterThan(0);
    for (const m of mails) {
      expect(/^【([^】]+)】/.exec(m.subject)?.[1]).toBe(label);
      expect(m.text).toContain(label);
      expect(m.html).toContain(label);
    }
    const c1 = await agentFor(app, U.c1);
    expect(await projectPageState(c1, rejectedId, 'zh-CN')).toBe(label);
    expect(await publicPageState(app, rejectedId, 'zh-CN')).toBe(label);
  });

  it('when someone opens a public notice, then the objection form states the OBJECT event\'s limit, in both languages', async () => {
    const a = api(app);
    const id = (await a.create(U.c1, goodsProject({ title: '公示中的项目' }))).id;
    await a.ok(U.c1, id, 'SUBMIT');
    await a.ok(U.c2, id, 'SCREEN_PASS', { checklist: GOOD_CHECKLIST });
    expect((await a.ok(U.c1, id, 'RECORD_DELIBERATION', { ...DELIBERATION_OK, heldOn: shanghaiDay(app) })).state).toBe('public_notice');
    const max = eventSchemas.OBJECT.shape.text.maxLength!;
    expect(max).toBeGreaterThan(0);
    const zh = await app.http.get(`/public/notices/${id}`);
    expect(zh.status).toBe(200);
    expect(zh.text).toContain(`不超过${max}字`);
    const en = await app.http.get(`/public/notices/${id}?lang=en`);
    expect(en.text).toContain(`Up to ${max.toLocaleString('en')} characters`);
  });
});
