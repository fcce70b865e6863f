// Issue 12 item 3: every page works without JavaScript. One whole flow with scripts turned off in
// Chromium: a resident opens the public notices, reads a notice (with its QR code), objects through
// the form (a first try refused for an empty text and shown again with the error), sees the thanks
// page, and the objection is recorded. Templates carry no inline script or on* handler at all;
// app.js only enhances (focus on an error summary, a confirm() before destructive actions).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, DELIBERATION_OK, goodsProject, GOOD_CHECKLIST, shanghaiDay, U } from '../support/lifecycle.js';
import { skipBrowser, startBrowserHarness, type BrowserHarness } from './support.js';
import { TEMPLATES_DIR } from '../../src/web/views.js';

function templates(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? templates(path.join(dir, e.name)) : e.name.endsWith('.hbs') ? [path.join(dir, e.name)] : []));
}

describe('no script in the templates', () => {
  it('when every template is read, then none has an inline script or an on* handler, and every script is a deferred static file', () => {
    const scripts: string[] = [];
    for (const file of templates(TEMPLATES_DIR)) {
      const text = fs.readFileSync(file, 'utf8');
      expect(text, file).not.toMatch(/\son[a-z]+\s*=/i);
      expect(text, file).not.toMatch(/javascript:/i);
      for (const m of text.matchAll(/<script\b[^>]*>/gi)) scripts.push(`${path.relative(TEMPLATES_DIR, file)}: ${m[0]}`);
    }
    // only files from src/web/static, deferred (no inline code: the CSP allows none either)
    expect(scripts.length).toBeGreaterThanOrEqual(1);
    for (const s of scripts) expect(s).toMatch(/: <script src="\{\{asset "[\w.-]+\.js"\}\}" defer>$/);
  });
});

describe.skipIf(skipBrowser)('a resident with JavaScript turned off', { timeout: 120_000 }, () => {
  let h: BrowserHarness;
  let id: string;

  beforeAll(async () => {
    h = await startBrowserHarness();
    const a = api(h.app);
    const p = await a.create(U.c1, goodsProject({ title: '无脚本公示测试：单元门坡道' }));
    await a.ok(U.c1, p.id, 'SUBMIT');
    await a.ok(U.c2, p.id, 'SCREEN_PASS', { checklist: GOOD_CHECKLIST });
    const noticed = await a.ok(U.c1, p.id, 'RECORD_DELIBERATION', { ...DELIBERATION_OK, heldOn: shanghaiDay(h.app) });
    expect(noticed.state).toBe('public_notice');
    id = p.id;
  }, 90_000);
  afterAll(async () => h?.close());

  it('when she opens the notices, reads one and objects through the form, then she sees the thanks page and the objection is recorded', async () => {
    const context = await h.browser.newContext({ locale: 'zh-CN', javaScriptEnabled: false, viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
    try {
      const page = await context.newPage();
      await page.goto(`${h.baseUrl}/public`);
      await Promise.all([page.waitForURL(/\/public\/notices$/), page.click('main a[href="/public/notices"]')]);
      // the notice's own page, from its row in the list
      await Promise.all([page.waitForURL(new RegExp(`/public/notices/${id}$`)), page.click(`main a[href="/public/notices/${id}"]`)]);
      expect(await page.textContent('h1')).toContain('无脚本公示测试：单元门坡道');
      expect(await page.textContent('#notice-period')).toMatch(/公示期：自\d{4}-\d{2}-\d{2}至\d{4}-\d{2}-\d{2}/);
      expect(await page.locator('svg.qr').count()).toBe(1);

      // an empty objection comes back with the error, the contact kept
      await page.fill('#f-contact', '13800001234');
      await Promise.all([page.waitForLoadState('domcontentloaded'), page.click('form.form button[type="submit"]')]);
      expect(await page.locator('.error-summary').count()).toBe(1);
      // app.js would have moved focus to the summary: it did not run
      expect(await page.locator('.error-summary:focus').count()).toBe(0);
      expect(await page.inputValue('#f-contact')).toBe('13800001234');

      await page.fill('#f-text', '坡道坡度偏陡，轮椅上下不便，建议放缓。');
      await Promise.all([page.waitForURL(new RegExp(`/public/notices/${id}/thanks`)), page.click('form.form button[type="submit"]')]);
      expect(await page.textContent('h1')).toContain('异议已提交');
    } finally {
      await context.close();
    }
    const staff = (await h.app.deps.services.users.findByEmail(U.c1))!;
    const project = await h.app.deps.services.projects.get(staff, id);
    expect(project.objections.map((o) => o.text)).toEqual(['坡道坡度偏陡，轮椅上下不便，建议放缓。']);
    const objection = project.objections[0]!;
    expect('contact' in objection ? objection.contact : null).toBe('13800001234');
  });
});
