// axe-core (WCAG 2.1 A + AA) on every page type of the inbox, administration and public areas in
// both languages: zero violations. And two flows done with the keyboard alone: signing in, and
// objecting to a public notice (including fixing an error the form reports).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { api, goodsProject, shanghaiDay, DELIBERATION_OK, GOOD_CHECKLIST, U } from '../support/lifecycle.js';
import { axe, newContext, type Win, signIn, skipBrowser, startBrowserHarness, type BrowserHarness, tabTo } from './support.js';

// A browser drives every page here: on a loaded 2-core machine a test can take over a minute.
describe.skipIf(skipBrowser)('accessibility of the inbox, administration and public pages', { timeout: 180_000 }, () => {
  let h: BrowserHarness;
  let noticeId: string;
  let publicProjectId: string;
  let userId: string;

  beforeAll(async () => {
    h = await startBrowserHarness();
    const a = api(h.app);
    const p = await a.create(U.c1, goodsProject({ title: '无障碍测试项目' }));
    await a.ok(U.c1, p.id, 'SUBMIT');
    await a.ok(U.c2, p.id, 'SCREEN_PASS', { checklist: GOOD_CHECKLIST });
    await a.ok(U.c1, p.id, 'RECORD_DELIBERATION', { ...DELIBERATION_OK, heldOn: shanghaiDay(h.app) });
    noticeId = p.id;
    publicProjectId = p.id;
    userId = (await h.app.deps.services.users.findByEmail(U.c1))!.id;
    // An overdue badge and a dead letter, so those styles are checked too.
    const now = h.app.clock.now().toISOString();
    await h.app.deps.db('outbox').insert({ message_id: '<axe@t>', to_addr: 'x@example.org', subject: '死信', text: 't', status: 'dead', attempts: 8, last_error: 'SMTP down', next_attempt_at: now, created_at: now });
  }, 120_000);
  afterAll(async () => h?.close());

  async function check(page: Page, path: string) {
    for (const lang of ['zh-CN', 'en']) {
      const url = `${h.baseUrl}${path}${lang === 'en' ? `${path.includes('?') ? '&' : '?'}lang=en` : ''}`;
      const res = await page.goto(url);
      expect(res?.status(), url).toBe(200);
      expect(await page.getAttribute('html', 'lang'), url).toBe(lang);
      const violations = await axe(page);
      expect(violations, `${url}\n${JSON.stringify(violations, null, 1)}`).toEqual([]);
    }
  }

  it('when the public pages are checked by axe in both languages, then there are no violations', async () => {
    const context = await newContext(h);
    const page = await context.newPage();
    for (const path of ['/public', '/public/notices', `/public/notices/${noticeId}`, '/public/projects', `/public/projects/${publicProjectId}`, '/public/stats', '/login']) {
      await check(page, path);
    }
    await context.close();
  });

  it('when the inbox and administration pages are checked by axe in both languages, then there are no violations', async () => {
    const context = await newContext(h);
    const page = await context.newPage();
    await signIn(page, h.baseUrl, U.street);
    await check(page, '/inbox');
    await page.context().clearCookies();
    await signIn(page, h.baseUrl, U.admin);
    for (const path of [
      '/inbox', '/admin', '/admin/users', '/admin/users/new', `/admin/users/${userId}`, '/admin/places', '/admin/places/communities/new',
      '/admin/vendors', '/admin/vendors/vd-kangfu', '/admin/categories', '/admin/allocations', '/admin/rules', '/admin/rules/new', '/admin/rules/0',
      '/admin/calendar', '/admin/outbox', '/admin/emails', '/admin/emails/awarded?mail=zh-CN',
    ]) await check(page, path);
    // A form showing its errors (error summary, field messages) passes too.
    await page.goto(`${h.baseUrl}/admin/users/new`);
    await page.fill('#f-email', 'not-an-email');
    await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
    expect(await page.locator('.error-summary').count()).toBe(1);
    expect(await axe(page)).toEqual([]);
    await context.close();
  }, 180_000);

  it('when a person uses only the keyboard, then they can sign in, and object to a public notice after fixing an error', async () => {
    const context: BrowserContext = await newContext(h);
    const page = await context.newPage();
    // Sign in: skip link first, then Tab through the page to the form.
    await page.goto(`${h.baseUrl}/login`);
    await tabTo(page, '#f-email');
    await page.keyboard.type(U.c1);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (globalThis as unknown as Win).document.activeElement?.id)).toBe('f-password');
    await page.keyboard.type('weishishi-demo');
    await Promise.all([page.waitForURL(/\/inbox/), page.keyboard.press('Enter')]);
    expect(await page.textContent('h1')).toBe('我的待办');
    await context.clearCookies();

    // Object: from the notices list to the form, an empty submission, the error summary, then a real one.
    await page.goto(`${h.baseUrl}/public/notices`);
    await tabTo(page, `a[href^="/public/notices/${noticeId}"]`);
    await Promise.all([page.waitForURL(new RegExp(`/public/notices/${noticeId}`)), page.keyboard.press('Enter')]);
    await tabTo(page, '#f-text');
    await tabTo(page, 'main button[type=submit]');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    // The error summary takes focus; its link leads to the field.
    expect(await page.evaluate(() => (globalThis as unknown as Win).document.activeElement?.classList.contains('error-summary'))).toBe(true);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await tabTo(page, '#f-text');
    await page.keyboard.type('希望增加一台爬楼机。');
    await tabTo(page, 'main button[type=submit]');
    await Promise.all([page.waitForURL(/\/thanks/), page.keyboard.press('Enter')]);
    expect(await page.textContent('h1')).toBe('异议已提交');
    expect((await h.app.deps.services.projects.get(null, noticeId)).objections.map((o) => o.text)).toContain('希望增加一台爬楼机。');
    await context.close();
  });
});

