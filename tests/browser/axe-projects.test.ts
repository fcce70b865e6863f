// axe-core (WCAG 2.1 A + AA) on every project page type, in both languages: the list with filters,
// the proposal form (empty and with errors), the detail page in a representative set of states as
// the role that acts there (with its forms), a detail page showing a form's error summary, and the
// vendor portal. The projects are prepared through the JSON API (fast), the pages only looked at.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { api, goodsProject, shanghaiDay, worksProject, DELIBERATION_OK, GOOD_CHECKLIST, SIGNATORIES, U, VENDORS, type Project } from '../support/lifecycle.js';
import { expectNoViolations, newContext, signInAs, skipBrowser, startBrowserHarness, withLang, type BrowserHarness } from './support.js';

const DAY = 86_400_000;

// A browser drives every page here: on a loaded 2-core machine a test can take over a minute.
describe.skipIf(skipBrowser)('accessibility of the project pages', { timeout: 180_000 }, () => {
  let h: BrowserHarness;
  let context: BrowserContext;
  let page: Page;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    h = await startBrowserHarness();
    const a = api(h.app);
    const app = h.app;
    // Everything that must pass a public notice first, together: one clock move ends every notice.
    const later = ['street_review', 'budget_approval', 'confirmation_notice', 'quoting', 'contracting', 'delivery', 'acceptance', 'acceptance_notice', 'closed'] as const;
    const noticed: Project[] = [];
    for (const name of later) {
      const body = name === 'quoting' ? worksProject({ title: `无障碍·${name}` }) : goodsProject({ title: `无障碍·${name}`, items: [{ name: '履带式爬楼机', quantity: 1, unitFen: 1_800_000 }, { name: '防滑坡道', quantity: 2, unitFen: 900_000 }] });
      const p = await a.create(U.c1, body);
      ids[name] = p.id;
      await a.ok(U.c1, p.id, 'SUBMIT');
      await a.ok(U.c2, p.id, 'SCREEN_PASS', { checklist: GOOD_CHECKLIST });
      noticed.push(await a.ok(U.c1, p.id, 'RECORD_DELIBERATION', { ...DELIBERATION_OK, heldOn: shanghaiDay(app) }));
    }
    const passNotices = async (ps: Project[]) => {
      const end = Math.max(...ps.map((p) => Date.parse(String(p.deadlines.noticeEndsAt))));
      await a.advance(end - app.clock.now().getTime() + 60_000);
    };
    await passNotices(noticed);
    for (const name of later.filter((n) => n !== 'street_review')) await a.ok(U.street, ids[name]!, 'APPROVE');
    // the budget approved, the confirmed project's notice (项目确定公示) passes before procurement
    const approveBudget = async (name: string) => {
      const p = await a.project(U.district, ids[name]!);
      return a.ok(U.district, p.id, 'APPROVE_BUDGET', { approvedFen: p.estimatedFen });
    };
    const buying = later.filter((n) => !['street_review', 'budget_approval', 'confirmation_notice'].includes(n));
    const confirmed: Project[] = [];
    for (const name of buying) confirmed.push(await approveBudget(name));
    await passNotices(confirmed);
    const items = [{ name: '履带式爬楼机', quantity: 1, unitFen: 1_750_000 }, { name: '防滑坡道', quantity: 2, unitFen: 900_000 }];
    /** contracting → delivery → acceptance (and on), as far as `name` goes; the first line delivered in any case. */
    const deliver = async (name: (typeof later)[number]) => {
      await a.ok(U.c1, ids[name]!, 'AWARD', { vendorId: VENDORS.kangfu, amountFen: 3_550_000, justification: '单一来源直接采购，价格合理。' });
      if (name === 'contracting') return;
      await a.ok(U.c1, ids[name]!, 'SIGN_CONTRACT', { contractNo: `HT-${name}`, items, amountFen: 3_550_000, dueOn: shanghaiDay(app, 30) });
      const d = await a.ok(U.v1, ids[name]!, 'CONFIRM_CONTRACT');
      const [first, second] = d.contract!.items;
      // delivery: the first line delivered (c2 can confirm or dispute it), the second still open
      await a.ok(U.v1, d.id, 'RECORD_DELIVERY', { itemId: first!.id, quantity: first!.quantity, evidence: [await a.upload(U.v1, 'photo-1.pdf')] });
      if (name === 'delivery') return;
      await a.ok(U.v1, d.id, 'RECORD_DELIVERY', { itemId: second!.id, quantity: second!.quantity, evidence: [await a.upload(U.v1, 'photo-2.pdf')] });
      for (const item of d.contract!.items) await a.ok(U.c2, d.id, 'CONFIRM_RECEIPT', { itemId: item.id, quantity: item.quantity });
      await a.ok(U.v1, d.id, 'REQUEST_ACCEPTANCE');
      if (name === 'acceptance') return;
      // the acceptance result goes on public notice (验收结果公示)
      await a.ok(U.c2, d.id, 'RECORD_ACCEPTANCE', { passed: true, satisfactionPct: 95, signatories: SIGNATORIES });
    };
    // closed first: its acceptance notice and its 12-month warranty move the clock on, before the
    // others set deadlines of their own
    await deliver('closed');
    await passNotices([await a.project(U.c1, ids.closed!)]);
    type Defaults = { fields?: Record<string, { default?: unknown }> };
    const defaultsOf = async (type: string) => ((await a.project(U.finance, ids.closed!)).allowedEvents.find((e) => e.type === type) as Defaults | undefined)?.fields ?? {};
    for (let i = 0; i < 3 && (await a.project(U.finance, ids.closed!)).state === 'settlement'; i++) {
      const f = await defaultsOf('RECORD_PAYMENT');
      await a.ok(U.finance, ids.closed!, 'RECORD_PAYMENT', { tranche: f.tranche?.default ?? 'final', amountFen: f.amountFen?.default, voucherNo: `PZ-AXE-${i}` });
    }
    const warranty = await a.ok(U.district2, ids.closed!, 'RECORD_EVALUATION', { score: 90, grade: '优秀', notes: '按期交付。' });
    expect(warranty.state).toBe('warranty');
    await a.advance(Date.parse(String(warranty.deadlines.warrantyEndsAt)) - app.clock.now().getTime() + 60_000);
    await a.ok(U.finance, ids.closed!, 'RELEASE_RETENTION', { amountFen: (await defaultsOf('RELEASE_RETENTION')).amountFen?.default, voucherNo: 'PZ-AXE-R' });
    for (const name of ['contracting', 'delivery', 'acceptance', 'acceptance_notice'] as const) await deliver(name);
    // quoting: three invited, one sealed quote in
    await a.ok(U.c1, ids.quoting!, 'INVITE', { vendorIds: [VENDORS.kangfu, VENDORS.anju, VENDORS.xinyuan], deadline: new Date(app.clock.now().getTime() + 7 * DAY).toISOString() });
    await a.ok(U.v2, ids.quoting!, 'SUBMIT_QUOTE', { amountFen: 5_400_000, items: [{ name: '居家适老化改造（每户）', quantity: 3, unitFen: 1_800_000 }], validUntil: shanghaiDay(app, 60) });
    // and one confirmed project on its notice now
    await approveBudget('confirmation_notice');
    // A draft, one in screening and one in its public notice now (after the clock moved).
    ids.draft = (await a.create(U.c1, goodsProject({ title: '无障碍·draft' }))).id;
    ids.screening = (await a.create(U.c1, goodsProject({ title: '无障碍·screening' }))).id;
    await a.ok(U.c1, ids.screening, 'SUBMIT');
    ids.public_notice = (await a.create(U.c1, goodsProject({ title: '无障碍·public_notice' }))).id;
    await a.ok(U.c1, ids.public_notice, 'SUBMIT');
    await a.ok(U.c2, ids.public_notice, 'SCREEN_PASS', { checklist: GOOD_CHECKLIST });
    await a.ok(U.c1, ids.public_notice, 'RECORD_DELIBERATION', { ...DELIBERATION_OK, heldOn: shanghaiDay(app) });
    await a.send(null, ids.public_notice, 'OBJECT', { text: '希望优先考虑独居老人。' });

    const expected: Record<string, string> = {
      draft: 'draft', screening: 'screening', public_notice: 'public_notice', street_review: 'street_review', budget_approval: 'budget_approval',
      confirmation_notice: 'confirmation_notice', quoting: 'procurement.quoting', contracting: 'procurement.contracting', delivery: 'delivery',
      acceptance: 'acceptance', acceptance_notice: 'acceptance_notice', closed: 'closed',
    };
    for (const [name, state] of Object.entries(expected)) expect((await a.project(U.district, ids[name]!)).state, name).toBe(state);
    context = await newContext(h);
    page = await context.newPage();
  }, 120_000);
  afterAll(async () => {
    await context?.close();
    await h?.close();
  });

  const expectClean = (label: string, lang: string) => expectNoViolations(page, label, lang);

  /** The page at `path` in both languages: 200 and no axe violations; `selector` must be on it. */
  async function check(path: string, selector?: string) {
    for (const lang of ['zh-CN', 'en']) {
      const url = `${h.baseUrl}${withLang(path, lang)}`;
      const res = await page.goto(url);
      expect(res?.status(), url).toBe(200);
      if (selector) expect(await page.locator(selector).count(), `${url} has ${selector}`).toBeGreaterThan(0);
      await expectClean(url, lang);
    }
  }

  const as = (email: string) => signInAs(context, page, h.baseUrl, email);

  it('when a community worker opens the list, the proposal form and the projects it acts on, then axe finds nothing', async () => {
    await as(U.c1);
    await check('/projects', 'table');
    await check('/projects?state=procurement&type=goods&category=%E5%8A%A9%E6%AE%8B&streetId=st-gongbei&communityId=cm-lianhua&year=2026&q=%E6%97%A0%E9%9A%9C%E7%A2%8D', 'form.filters');
    await check('/projects?q=nothing-matches-this');
    await check('/projects/new', 'form');
    await check(`/projects/${ids.draft}`, '#form-SUBMIT');
    await check(`/projects/${ids.public_notice}`, 'svg.statechart');
    await check(`/projects/${ids.quoting}`, '#form-COMMENT');
    await check(`/projects/${ids.contracting}`, '#form-SIGN_CONTRACT');
    // The proposal form sent empty and with a bad amount: error summary and field messages.
    for (const lang of ['zh-CN', 'en']) {
      await page.goto(`${h.baseUrl}${withLang('/projects/new', lang)}`);
      await page.fill('#f-items\\.0\\.unitFen', 'abc');
      await Promise.all([page.waitForNavigation(), page.click('main form button[type=submit]')]);
      expect(await page.locator('.error-summary').count()).toBe(1);
      expect(await page.locator('.error-message').count()).toBeGreaterThan(1);
      await expectClean(`/projects/new with errors (${lang})`, lang);
    }
  });

  it('when reviewers open projects at their stages, then axe finds nothing (forms and error summaries included)', async () => {
    await as(U.c2);
    await check(`/projects/${ids.screening}`, '#form-SCREEN_PASS');
    await check(`/projects/${ids.delivery}`, '#form-CONFIRM_RECEIPT');
    await check(`/projects/${ids.acceptance}`, '#form-RECORD_ACCEPTANCE');
    await check(`/projects/${ids.acceptance_notice}`, '.timeline');
    // The acceptance form sent with a bad satisfaction and no signatures: errors by the signatory rows.
    for (const lang of ['zh-CN', 'en']) {
      await page.goto(`${h.baseUrl}${withLang(`/projects/${ids.acceptance}`, lang)}`);
      await page.fill('#f-RECORD_ACCEPTANCE-satisfactionPct', 'abc');
      await Promise.all([page.waitForNavigation(), page.click('#form-RECORD_ACCEPTANCE button[type=submit]')]);
      expect(await page.locator('.error-summary').count()).toBe(1);
      await expectClean(`RECORD_ACCEPTANCE with errors (${lang})`, lang);
    }
    await as(U.street);
    await check(`/projects/${ids.street_review}`, '#form-APPROVE');
    await as(U.district);
    await check(`/projects/${ids.budget_approval}`, '#form-APPROVE_BUDGET');
    await check(`/projects/${ids.confirmation_notice}`, '.timeline');
    await check(`/projects/${ids.closed}`, '.timeline');
    // An event form posted with a bad amount comes back with its error summary.
    for (const lang of ['zh-CN', 'en']) {
      await page.goto(`${h.baseUrl}${withLang(`/projects/${ids.budget_approval}`, lang)}`);
      await page.fill('#f-APPROVE_BUDGET-approvedFen', 'abc');
      await Promise.all([page.waitForNavigation(), page.click('#form-APPROVE_BUDGET button[type=submit]')]);
      expect(await page.locator('.error-summary').count()).toBe(1);
      await expectClean(`APPROVE_BUDGET with errors (${lang})`, lang);
    }
  });

  it('when a signed-in user opens the profile page (and sends it without a choice), then axe finds nothing', async () => {
    await as(U.finance);
    await check('/profile', 'input[type=radio]');
    await page.goto(`${h.baseUrl}/profile?lang=en`);
    await page.evaluate(() => {
      // no language chosen: the server's error summary (a browser cannot untick a radio itself)
      const w = globalThis as unknown as { document: { querySelectorAll(s: string): Array<{ checked: boolean }> } };
      for (const r of w.document.querySelectorAll('input[name=lang]')) r.checked = false;
    });
    await Promise.all([page.waitForNavigation(), page.click('main form button[type=submit]')]);
    expect(await page.locator('.error-summary').count()).toBe(1);
    await expectClean('/profile with an error (en)', 'en');
  });

  it('when a vendor opens its portal and the projects it quotes for and delivers, then axe finds nothing', async () => {
    await as(U.v1);
    await check('/vendor', 'table');
    await check(`/projects/${ids.quoting}`, '#form-SUBMIT_QUOTE input[type=file]');
    await check(`/projects/${ids.delivery}`, '#form-RECORD_DELIVERY input[type=file]');
  });
});
