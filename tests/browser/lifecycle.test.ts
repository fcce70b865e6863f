// A home-adaptation project (works, three households) from draft to closed through the pages only,
// signing in as each role in turn; the sandbox clock is moved from the test (deps.clock + timers).
// Screenshots of the key pages go to tests/browser/screenshots/ (gitignored).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { DEMO_PASSWORD, type TestApp } from '../support/app.js';
import { U } from '../support/lifecycle.js';
import { skipBrowser, startBrowserHarness, type BrowserHarness } from './support.js';

const SHOTS = path.resolve('tests/browser/screenshots');
const DAY = 86_400_000;
let app: TestApp;
let baseUrl: string;
let h: BrowserHarness;
let context: BrowserContext;
let page: Page;

/** Asia/Shanghai 'YYYY-MM-DD' (and 'HH:mm') of the sandbox clock plus `days`. */
function shanghai(days = 0): { date: string; time: string } {
  const iso = new Date(app.clock.now().getTime() + days * DAY + 8 * 3_600_000).toISOString();
  return { date: iso.slice(0, 10), time: iso.slice(11, 16) };
}

async function advanceTo(isoInstant: string) {
  const ms = Date.parse(isoInstant) - app.clock.now().getTime() + 60_000;
  app.clock.advance(Math.max(0, ms));
  await app.deps.timers.runDue();
}

/** Moves the sandbox clock past the project's next deadline (a notice's end, the warranty's end). */
async function passDeadline(id: string) {
  const row = await app.deps.db('projects').where({ id }).first('next_deadline_at');
  expect(row?.next_deadline_at, `project ${id} has a deadline`).toBeTruthy();
  await advanceTo(new Date(row.next_deadline_at).toISOString());
}

async function signInAs(email: string) {
  await context.clearCookies();
  await page.goto(`${baseUrl}/login`);
  await page.fill('#f-email', email);
  await page.fill('#f-password', DEMO_PASSWORD);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('form[action="/login"] button[type=submit]')]);
}

async function open(id: string) {
  await page.goto(`${baseUrl}/projects/${id}`);
}

/** Submits an action form; fails with the page's error summary when the server refused it. */
async function submit(type: string) {
  await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes(`/events/${type}`)), page.click(`#form-${type} button[type=submit]`)]);
  await page.waitForLoadState('load');
  // a form with files goes by XMLHttpRequest (static/upload.js) and then replaces the page: wait for that
  // (a selector, not a predicate: the page's CSP forbids eval, which string predicates need)
  await page.locator('form[aria-busy="true"]').first().waitFor({ state: 'detached' });
  const summary = page.locator('.error-summary');
  if (await summary.count()) throw new Error(`${type} refused: ${await summary.innerText()}`);
  await expect(page.locator('.notice-success').count()).resolves.toBe(1);
}

async function state(id: string): Promise<string> {
  return (await app.deps.db('projects').where({ id }).first('state')).state as string;
}

async function shot(name: string, selector?: string) {
  const file = path.join(SHOTS, `${name}.png`);
  if (selector) await page.locator(selector).first().screenshot({ path: file });
  else await page.screenshot({ path: file, fullPage: true });
}

// A browser drives every page here: on a loaded 2-core machine a test can take over a minute.
describe.skipIf(skipBrowser)('the lifecycle through the pages', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    h = await startBrowserHarness({ UPLOAD_DIR: `/tmp/wss-browser-uploads-${process.pid}` });
    ({ app, baseUrl } = h);
    context = await h.browser.newContext({ viewport: { width: 1200, height: 900 }, locale: 'zh-CN' });
    page = await context.newPage();
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('takes a home-adaptation project from draft to closed', async () => {
    // community1 proposes; an empty form first shows the error summary
    await signInAs(U.c1);
    await page.goto(`${baseUrl}/projects/new`);
    await shot('01-new-project');
    await page.click('form.form button[type=submit]');
    await expect(page.locator('.error-summary').count()).resolves.toBe(1);
    await shot('02-new-project-errors');
    await shot('02b-error-summary', 'main');
    await page.fill('#f-title', '困难家庭居家适老化改造（3户）');
    await page.selectOption('#f-type', 'works');
    await page.selectOption('#f-category', '居家改造');
    await page.selectOption('#f-mainGroup', '老年人');
    await page.fill('#f-description', '为3户困难老年人家庭安装扶手、防滑地面与坡道。');
    await page.fill('[id="f-items.0.name"]', '居家适老化改造（每户）');
    await page.fill('[id="f-items.0.quantity"]', '3');
    await page.fill('[id="f-items.0.unitFen"]', '20000');
    await page.fill('#f-beneficiaryCount', '3');
    await Promise.all([page.waitForURL(/\/projects\/[0-9a-f-]{36}$/), page.click('form.form button[type=submit]')]);
    const id = /\/projects\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    await submit('SUBMIT');
    expect(await state(id)).toBe('screening');

    // community2 screens (four-eyes) and records the deliberation
    await signInAs(U.c2);
    await open(id);
    // a negative-list question left unanswered comes back on its own field, not as a refusal
    await page.selectOption('[id="f-SCREEN_PASS-checklist.positiveArea"]', 'mutual_help');
    await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/events/SCREEN_PASS')), page.click('#form-SCREEN_PASS button[type=submit]')]);
    await page.waitForLoadState('load');
    await expect(page.locator('.error-summary a[href="#f-SCREEN_PASS-checklist.negativeItems.property_management"]').count()).resolves.toBe(1);
    await expect(page.inputValue('[id="f-SCREEN_PASS-checklist.positiveArea"]')).resolves.toBe('mutual_help');
    expect(await state(id)).toBe('screening');
    // an explicit answer to each screening question: the positive area, a "no" for each negative item
    await page.selectOption('[id="f-SCREEN_PASS-checklist.positiveArea"]', 'mutual_help');
    for (const item of ['property_management', 'duplicate_government']) await page.selectOption(`[id="f-SCREEN_PASS-checklist.negativeItems.${item}"]`, 'no');
    await page.selectOption('[id="f-SCREEN_PASS-checklist.duplicate"]', 'no');
    await submit('SCREEN_PASS');
    for (const [k, v] of Object.entries({ members: '9', present: '7', for: '6', against: '1', abstain: '0' })) await page.fill(`#f-RECORD_DELIBERATION-${k}`, v);
    await page.fill('#f-RECORD_DELIBERATION-heldOn', shanghai().date);
    await page.fill('#f-RECORD_DELIBERATION-minutes', '居民议事会会议纪要：同意立项。');
    await submit('RECORD_DELIBERATION');
    expect(await state(id)).toBe('public_notice');
    await shot('03-public-notice');

    // the notice period passes on the sandbox clock
    await passDeadline(id);
    expect(await state(id)).toBe('street_review');

    await signInAs(U.street);
    await open(id);
    await submit('APPROVE');
    await signInAs(U.district);
    await open(id);
    await submit('APPROVE_BUDGET');
    // the confirmed project is on public notice (项目确定公示) for five working days, then procurement starts
    expect(await state(id)).toBe('confirmation_notice');
    await passDeadline(id);
    expect(await state(id)).toBe('procurement.preparing');

    // community1 invites three vendors with a deadline a week away
    await signInAs(U.c1);
    await open(id);
    for (const v of ['vd-kangfu', 'vd-anju', 'vd-xinyuan']) await page.check(`#form-INVITE input[value="${v}"]`);
    const deadline = shanghai(7);
    await page.fill('#f-INVITE-deadline', `${deadline.date}T17:00`);
    await submit('INVITE');
    expect(await state(id)).toBe('procurement.quoting');

    // each vendor quotes, sealed, from its portal
    const quotes: Array<[string, string]> = [[U.v1, '57000'], [U.v2, '58500'], [U.v3, '59400']];
    for (const [email, amount] of quotes) {
      await signInAs(email);
      await page.goto(`${baseUrl}/vendor`);
      if (email === U.v1) await shot('04-vendor-portal');
      await Promise.all([page.waitForURL(/\/projects\//), page.click(`#vendor-quoting + * a, section[aria-labelledby="vendor-quoting"] a`)]);
      await page.fill('#f-SUBMIT_QUOTE-amountFen', amount);
      await page.fill('#f-SUBMIT_QUOTE-validUntil', shanghai(60).date);
      if (email === U.v1) await shot('05-quote-form');
      await submit('SUBMIT_QUOTE');
    }
    await signInAs(U.c1);
    await open(id);
    await expect(page.content()).resolves.not.toContain('¥58,500.00'); // sealed from the buyer

    // past the deadline; community1 awards and signs
    await advanceTo(new Date(`${deadline.date}T17:00:00+08:00`).toISOString());
    expect(await state(id)).toBe('procurement.evaluating');
    await open(id);
    await page.selectOption('#f-AWARD-vendorId', 'vd-kangfu');
    await page.fill('#f-AWARD-amountFen', '57000');
    await page.fill('#f-AWARD-justification', '三家报价中最低，资质齐全。');
    await submit('AWARD');
    await page.fill('#f-SIGN_CONTRACT-contractNo', 'HT-2026-001');
    await page.fill('[id="f-SIGN_CONTRACT-items.0.unitFen"]', '19000');
    await page.fill('#f-SIGN_CONTRACT-dueOn', shanghai(30).date);
    await submit('SIGN_CONTRACT');

    // the vendor confirms and records the delivery with a photo
    const photo = path.join(os.tmpdir(), `wss-evidence-${process.pid}.png`);
    fs.writeFileSync(photo, fs.readFileSync(path.join(SHOTS, '03-public-notice.png')));
    await signInAs(U.v1);
    await open(id);
    await submit('CONFIRM_CONTRACT');
    expect(await state(id)).toBe('delivery');
    await page.fill('#f-RECORD_DELIVERY-quantity', '3');
    await page.selectOption('#f-RECORD_DELIVERY-beneficiaryRef', { index: 1 });
    await page.setInputFiles('#f-RECORD_DELIVERY-evidence', photo);
    await shot('06-delivery-form');
    await shot('06b-delivery-form', '#form-RECORD_DELIVERY');
    await submit('RECORD_DELIVERY');
    await expect(page.locator('a[href^="/documents/"]').count()).resolves.toBeGreaterThan(0);

    // community2 confirms the receipt of all three households' work
    await signInAs(U.c2);
    await open(id);
    await expect(page.inputValue('#f-CONFIRM_RECEIPT-quantity')).resolves.toBe('3');
    await page.fill('#f-CONFIRM_RECEIPT-quantity', '3');
    await submit('CONFIRM_RECEIPT');
    // the 30% advance of the plan (30/65/5)
    await signInAs(U.finance);
    await open(id);
    await page.fill('#f-RECORD_PAYMENT-amountFen', '17100');
    await page.fill('#f-RECORD_PAYMENT-voucherNo', 'PZ-2026-0001');
    await submit('RECORD_PAYMENT');
    await signInAs(U.v1);
    await open(id);
    await submit('REQUEST_ACCEPTANCE');
    expect(await state(id)).toBe('acceptance');

    // community2 (not the one who awarded) records the acceptance with all four signatories
    await signInAs(U.c2);
    await open(id);
    await page.fill('#f-RECORD_ACCEPTANCE-satisfactionPct', '95');
    for (const [i, name] of ['王强', '陈大文', '黄秀英', '郑监理'].entries()) await page.fill(`[id="f-RECORD_ACCEPTANCE-signatories.${i}.name"]`, name);
    await submit('RECORD_ACCEPTANCE');
    // the acceptance result is on public notice (验收结果公示), then settlement
    expect(await state(id)).toBe('acceptance_notice');
    await passDeadline(id);
    expect(await state(id)).toBe('settlement');

    // the 65% on acceptance; the 5% retention waits for the warranty
    await signInAs(U.finance);
    await open(id);
    await expect(page.inputValue('#f-RECORD_PAYMENT-amountFen')).resolves.toBe('37050.00');
    await page.fill('#f-RECORD_PAYMENT-amountFen', '37050');
    await page.fill('#f-RECORD_PAYMENT-voucherNo', 'PZ-2026-0002');
    await submit('RECORD_PAYMENT');
    expect(await state(id)).toBe('evaluation');

    // district2 evaluates (district approved the budget: four-eyes)
    await signInAs(U.district2);
    await open(id);
    await page.fill('#f-RECORD_EVALUATION-score', '92');
    await page.selectOption('#f-RECORD_EVALUATION-grade', '优秀');
    await page.fill('#f-RECORD_EVALUATION-notes', '按期完成，居民满意。');
    await submit('RECORD_EVALUATION');
    expect(await state(id)).toBe('warranty');

    // twelve months on the sandbox clock the warranty ends; finance releases the 5% retention
    await passDeadline(id);
    expect(await state(id)).toBe('warranty');
    await signInAs(U.finance);
    await open(id);
    await page.fill('#f-RELEASE_RETENTION-amountFen', '2850');
    await page.fill('#f-RELEASE_RETENTION-voucherNo', 'PZ-2027-0001');
    await submit('RELEASE_RETENTION');
    expect(await state(id)).toBe('closed');
    await shot('07-closed-detail');
    await shot('07b-statechart', '.statechart');
    await page.goto(`${baseUrl}/projects/${id}?lang=en`);
    await shot('08-closed-detail-en');
    await page.goto(`${baseUrl}/projects`);
    await shot('09-project-list');
    const row = await app.deps.db('projects').where({ id }).first();
    expect(Number(row.paid_fen)).toBe(5_700_000);
  }, 90_000);
});
