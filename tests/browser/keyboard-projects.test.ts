// Project flows done with the keyboard alone (Tab, Shift+Tab, Enter, Space, arrow keys and typing;
// no mouse, no fill): a community worker proposes a project through /projects/new — an empty
// submission first, whose error summary takes focus and links to the fields — and submits it from
// its page; the street reviewer opens a project from the inbox and approves it with a comment; the
// district switches the page to English and approves the budget after fixing a wrong amount, and the
// confirmation notice passes on the sandbox clock; a user chooses English on the profile page. Every
// element reached shows a visible focus outline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../support/app.js';
import { api, goodsProject, passNoticeIfHeld, toStreetReview, U } from '../support/lifecycle.js';
import { expectFocusVisible, newContext, skipBrowser, startBrowserHarness, tabTo, type BrowserHarness, type KbWin } from './support.js';

async function active(page: Page): Promise<{ id: string; tag: string; summary: boolean } | null> {
  return page.evaluate(() => {
    const e = (globalThis as unknown as KbWin).document.activeElement;
    return e ? { id: e.id, tag: e.tagName.toLowerCase(), summary: e.classList.contains('error-summary') } : null;
  });
}



const valueOf = (page: Page, selector: string) => page.evaluate((s) => (globalThis as unknown as KbWin).document.querySelector(s)?.value ?? null, selector);

// A browser drives every page here: on a loaded 2-core machine a test can take over a minute.
describe.skipIf(skipBrowser)('project flows with the keyboard alone', { timeout: 180_000 }, () => {
  let h: BrowserHarness;
  let context: BrowserContext;
  let page: Page;
  let reviewId: string;

  beforeAll(async () => {
    h = await startBrowserHarness();
    const p = await api(h.app).create(U.c1, goodsProject({ title: '键盘审批测试' }));
    await toStreetReview(h.app, p.id);
    reviewId = p.id;
    context = await newContext(h);
    page = await context.newPage();
  }, 120_000);
  afterAll(async () => {
    await context?.close();
    await h?.close();
  });

  async function signInByKeyboard(email: string) {
    await context.clearCookies();
    await page.goto(`${h.baseUrl}/login`);
    await tabTo(page, '#f-email');
    await page.keyboard.type(email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(DEMO_PASSWORD);
    await Promise.all([page.waitForURL(/\/inbox/), page.keyboard.press('Enter')]);
  }

  const stateOf = async (id: string) => (await h.app.deps.db('projects').where({ id }).first('state')).state as string;

  it('when a community worker proposes a project and submits it with the keyboard, then the error summary takes focus and the project reaches screening', async () => {
    await signInByKeyboard(U.c1);
    // From the inbox to the proposal form through the navigation.
    await tabTo(page, 'header a[href="/projects/new"]');
    await Promise.all([page.waitForURL(/\/projects\/new$/), page.keyboard.press('Enter')]);
    // An empty submission: the error summary takes focus, its first link leads to the title.
    await tabTo(page, 'main form button[type=submit]');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    expect((await active(page))?.summary, 'the error summary has focus').toBe(true);
    await expectFocusVisible(page, 'error summary');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (globalThis as unknown as KbWin).document.activeElement?.matches('.error-summary a[href="#f-title"]') ?? false)).toBe(true);
    await expectFocusVisible(page, 'error summary link');
    await page.keyboard.press('Enter');
    await tabTo(page, '#f-title');
    await page.keyboard.type('楼道无障碍扶手（键盘）');
    await page.keyboard.press('Tab');
    expect((await active(page))?.id).toBe('f-type');
    await page.keyboard.press('ArrowDown'); // 物资 / goods
    expect(await valueOf(page, '#f-type')).toBe('goods');
    await page.keyboard.press('Tab');
    expect((await active(page))?.id).toBe('f-category');
    await page.keyboard.press('ArrowDown');
    expect(await valueOf(page, '#f-category')).not.toBe('');
    // the main beneficiary group is required; the budget year offers this year already chosen
    await page.keyboard.press('Tab');
    expect((await active(page))?.id).toBe('f-mainGroup');
    await page.keyboard.press('ArrowDown');
    expect(await valueOf(page, '#f-mainGroup')).not.toBe('');
    await tabTo(page, '#f-budgetYear');
    expect(await valueOf(page, '#f-budgetYear')).toMatch(/^\d{4}$/);
    await tabTo(page, '#f-description');
    await page.keyboard.type('为两栋老楼楼道安装扶手。');
    await tabTo(page, '[id="f-items.0.name"]');
    await page.keyboard.type('不锈钢扶手');
    await page.keyboard.press('Tab');
    await page.keyboard.type('2');
    await page.keyboard.press('Tab');
    await page.keyboard.type('3000');
    // Back up one field with Shift+Tab to check the quantity, then on to the button.
    await tabTo(page, '[id="f-items.0.quantity"]', { back: true });
    expect(await valueOf(page, '[id="f-items.0.quantity"]')).toBe('2');
    await tabTo(page, 'main form button[type=submit]');
    await Promise.all([page.waitForURL(/\/projects\/[0-9a-f-]{36}$/), page.keyboard.press('Enter')]);
    const id = /\/projects\/([0-9a-f-]{36})$/.exec(page.url())![1]!;
    expect(await stateOf(id)).toBe('draft');
    expect(await page.textContent('h1')).toContain('楼道无障碍扶手（键盘）');

    // Submit it from its page: Tab to the SUBMIT form's button, press Enter.
    await tabTo(page, '#form-SUBMIT button[type=submit]');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    expect(await page.locator('.notice-success').count()).toBe(1);
    expect(await stateOf(id)).toBe('screening');
    const row = await h.app.deps.db('projects').where({ id }).first();
    expect(row.estimated_fen).toBe(600_000);
  });

  it('when the street approves and the district fixes a wrong amount and approves the budget with the keyboard, then the project reaches procurement', async () => {
    // The street reviewer finds the project in the inbox and opens it with Enter.
    await signInByKeyboard(U.street);
    await tabTo(page, `main a[href^="/projects/${reviewId}"]`);
    await Promise.all([page.waitForURL(new RegExp(`/projects/${reviewId}`)), page.keyboard.press('Enter')]);
    await tabTo(page, '[id="f-APPROVE-comment"]');
    await page.keyboard.type('同意，按计划推进。');
    await tabTo(page, '#form-APPROVE button[type=submit]');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Space')]);
    expect(await page.locator('.error-summary').count()).toBe(0);
    expect(await stateOf(reviewId)).toBe('budget_approval');

    // The district opens it from the inbox too, and switches the page to English from the header.
    await signInByKeyboard(U.district);
    await tabTo(page, `main a[href^="/projects/${reviewId}"]`);
    await Promise.all([page.waitForURL(new RegExp(`/projects/${reviewId}`)), page.keyboard.press('Enter')]);
    await tabTo(page, 'header a[hreflang="en"]', { back: true });
    await Promise.all([page.waitForURL(/lang=en/), page.keyboard.press('Enter')]);
    await tabTo(page, '[id="f-APPROVE_BUDGET-approvedFen"]');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('abc');
    await tabTo(page, '#form-APPROVE_BUDGET button[type=submit]');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    expect((await active(page))?.summary, 'the error summary has focus').toBe(true);
    await expectFocusVisible(page, 'error summary');
    expect(await stateOf(reviewId)).toBe('budget_approval');
    // The summary's link leads to the field, which keeps what was typed.
    await tabTo(page, '.error-summary a[href="#f-APPROVE_BUDGET-approvedFen"]');
    await page.keyboard.press('Enter');
    await tabTo(page, '[id="f-APPROVE_BUDGET-approvedFen"]');
    expect(await valueOf(page, '[id="f-APPROVE_BUDGET-approvedFen"]')).toBe('abc');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('36000');
    await tabTo(page, '#form-APPROVE_BUDGET button[type=submit]');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    expect(await page.locator('.error-summary').count()).toBe(0);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    // the confirmed project goes on public notice first; when it ends (sandbox clock), procurement starts
    expect(await stateOf(reviewId)).toBe('confirmation_notice');
    await passNoticeIfHeld(h.app, await api(h.app).project(U.c1, reviewId));
    expect(await stateOf(reviewId)).toBe('procurement.preparing');
  });

  it('when a user chooses English on the profile page with the keyboard, then the pages follow the choice', async () => {
    await signInByKeyboard(U.finance);
    await tabTo(page, 'header a[href="/profile"]');
    await Promise.all([page.waitForURL(/\/profile$/), page.keyboard.press('Enter')]);
    await tabTo(page, 'input[name=lang]:checked');
    expect(await valueOf(page, 'input[name=lang]:checked')).toBe('zh-CN');
    await page.keyboard.press('ArrowDown'); // radios: the arrow moves the choice
    expect(await valueOf(page, 'input[name=lang]:checked')).toBe('en');
    await tabTo(page, 'main form button[type=submit]');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.textContent('h1')).toBe('Your profile');
    expect((await h.app.deps.services.users.findByEmail(U.finance))!.lang).toBe('en');
  });
});
