// Phones first (issue 12): every page type, for every role, on a 360 × 740 phone in Chromium's mobile
// mode. On each page: nothing scrolls sideways (the page, or any element, except inside one marked
// .deliberately-wide), html and body do not hide horizontal overflow, no visible table cell is
// narrower than 40 px, and axe (WCAG 2.1 A + AA) finds no violations (on the residents' pages always;
// on staff pages in `npm run test:long`, since the axe-*.test.ts files check them in the desktop
// layout and CI has a time limit on a slow machine). Every <details> is opened
// first, so the header menu and the folded-away forms are measured too. The demo district is the
// setting; projects are driven through the JSON API to a draft, screening, a public notice with an
// objection, street review, quoting, delivery and settlement. One browser; one context per role.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { accept, api, deliverAll, goodsProject, invite, shanghaiDay, toDelivery, toPreparing, toStreetReview, worksProject, DELIBERATION_OK, GOOD_CHECKLIST, U, VENDORS } from '../support/lifecycle.js';
import { axe, signIn, skipBrowser, startBrowserHarness, type BrowserHarness } from './support.js';

/** Staff pages on the phone get axe too in `npm run test:long` (the residents' pages always do). */
const AXE_STAFF_PAGES = Boolean(process.env.TEST_LONG);

const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 } as const;

/** What the page script below reports: one line per problem found. */
type Layout = string[];

// Runs in the page (the project compiles without lib.dom, hence the loose types).
/* eslint-disable @typescript-eslint/no-explicit-any */
function measure(): Layout {
  const d = (globalThis as any).document;
  const w = globalThis as any;
  const problems: string[] = [];
  for (const det of d.querySelectorAll('details')) det.open = true;
  const name = (el: any) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : ''} "${String(el.textContent ?? '').trim().slice(0, 40)}"`;
  /** Clipped out of sight on purpose (.visually-hidden, a stacked table's header row). */
  const clippedAway = (el: any) => {
    for (let n = el; n && n !== d.body; n = n.parentElement) {
      const s = w.getComputedStyle(n);
      if ((s.clipPath !== 'none' || (s.clip !== 'auto' && s.clip !== '')) && n.getBoundingClientRect().width <= 1) return true;
    }
    return false;
  };
  const shown = (el: any) => el.checkVisibility({ visibilityProperty: true, contentVisibilityAuto: true }) && !clippedAway(el);
  for (const root of [d.documentElement, d.body]) {
    const o = w.getComputedStyle(root).overflowX;
    if (o === 'hidden' || o === 'clip') problems.push(`${root.tagName.toLowerCase()} has overflow-x: ${o}`);
  }
  const se = d.scrollingElement;
  if (se.scrollWidth > se.clientWidth) problems.push(`the page scrolls sideways: ${se.scrollWidth} > ${se.clientWidth}`);
  const vw = d.documentElement.clientWidth;
  for (const el of d.body.querySelectorAll('*')) {
    if (el.closest('.deliberately-wide') || !shown(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.right > vw + 0.5) problems.push(`${name(el)} reaches ${Math.round(r.right)} px (viewport ${vw})`);
    const s = w.getComputedStyle(el);
    if (['auto', 'scroll'].includes(s.overflowX) && el.scrollWidth > el.clientWidth + 1) problems.push(`${name(el)} scrolls sideways: ${el.scrollWidth} > ${el.clientWidth}`);
    if ((el.tagName === 'TD' || el.tagName === 'TH') && r.width < 40) problems.push(`${name(el)} is a table cell ${Math.round(r.width)} px wide`);
  }
  return problems;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

// A browser drives ~80 pages here: on a loaded 2-core machine that takes a minute or two.
describe.skipIf(skipBrowser)('pages on a 360-pixel phone', { timeout: 180_000 }, () => {
  let h: BrowserHarness;
  const contexts: BrowserContext[] = [];
  let noticeId: string;

  beforeAll(async () => {
    h = await startBrowserHarness();
    const app = h.app;
    const a = api(app);
    const goods = (title: string) => goodsProject({ title, items: [{ name: '履带式爬楼机', quantity: 1, unitFen: 1_800_000 }, { name: '防滑坡道', quantity: 2, unitFen: 900_000 }] });
    const items = [{ name: '履带式爬楼机', quantity: 1, unitFen: 1_800_000 }, { name: '防滑坡道', quantity: 2, unitFen: 900_000 }];
    // Those that move the clock first: in street review; quoting with one sealed quote; in delivery
    // with one line delivered; in settlement with a payment made.
    await toStreetReview(app, (await a.create(U.c1, goods('手机·街道审核中的项目'))).id);
    const quoting = await toPreparing(app, (await a.create(U.c1, worksProject({ title: '手机·居家适老化改造询价' }))).id);
    await invite(app, quoting.id, [VENDORS.kangfu, VENDORS.anju, VENDORS.xinyuan]);
    await a.ok(U.v2, quoting.id, 'SUBMIT_QUOTE', { amountFen: 5_400_000, items: [{ name: '居家适老化改造（每户）', quantity: 3, unitFen: 1_800_000 }], validUntil: shanghaiDay(app, 60) });
    const delivery = await toDelivery(app, (await a.create(U.c1, goods('手机·交付中的项目'))).id, VENDORS.kangfu, items);
    const first = delivery.contract!.items[0]!;
    await a.ok(U.v1, delivery.id, 'RECORD_DELIVERY', { itemId: first.id, quantity: first.quantity, evidence: [await a.upload(U.v1, 'photo-1.pdf')] });
    const paid = await toDelivery(app, (await a.create(U.c1, goods('手机·结算中的项目'))).id, VENDORS.kangfu, items);
    await deliverAll(app, paid.id, VENDORS.kangfu);
    const settling = await accept(app, paid.id);
    type Defaults = { fields?: Record<string, { default?: unknown }> };
    const pay = (settling.allowedEvents.find((e) => e.type === 'RECORD_PAYMENT') as Defaults | undefined)?.fields
      ?? ((await a.project(U.finance, paid.id)).allowedEvents.find((e) => e.type === 'RECORD_PAYMENT') as Defaults | undefined)?.fields ?? {};
    await a.ok(U.finance, paid.id, 'RECORD_PAYMENT', { tranche: pay.tranche?.default ?? 'final', amountFen: pay.amountFen?.default, voucherNo: 'PZ-MOBILE-1' });
    // Then a draft, one in screening, and one of community 1's own projects on its public notice
    // with an objection (the notice page, the objections in the project file).
    await a.create(U.c1, goods('手机·草稿'));
    await a.ok(U.c1, (await a.create(U.c1, goods('手机·初审中的项目'))).id, 'SUBMIT');
    const p = await a.create(U.c1, goodsProject({ title: '手机阅读测试：楼道扶手与防滑坡道安装（六层无电梯住宅）' }));
    await a.ok(U.c1, p.id, 'SUBMIT');
    await a.ok(U.c2, p.id, 'SCREEN_PASS', { checklist: GOOD_CHECKLIST });
    await a.ok(U.c1, p.id, 'RECORD_DELIBERATION', { ...DELIBERATION_OK, heldOn: shanghaiDay(app) });
    await a.send(null, p.id, 'OBJECT', { text: '希望优先考虑独居老人，并在坡道两侧加装扶手。' });
    noticeId = p.id;
  }, 150_000);
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await h?.close();
  });

  async function phone(email?: string): Promise<Page> {
    const context = await h.browser.newContext({ ...PHONE, locale: 'zh-CN', bypassCSP: true });
    contexts.push(context);
    const page = await context.newPage();
    if (email) await signIn(page, h.baseUrl, email);
    return page;
  }

  /** Opens each path and checks it; every problem of every page, in one list. */
  async function checkAll(page: Page, paths: string[], status = 200, withAxe = AXE_STAFF_PAGES): Promise<string[]> {
    const problems: string[] = [];
    for (const path of paths) {
      const res = await page.goto(`${h.baseUrl}${path}`);
      if (res?.status() !== status) {
        problems.push(`${path}: status ${res?.status()}`);
        continue;
      }
      for (const p of await page.evaluate(measure)) problems.push(`${path}: ${p}`);
      if (!withAxe) continue;
      const violations = await axe(page);
      if (violations.length) problems.push(`${path}: axe ${JSON.stringify(violations, null, 1)}`);
    }
    return problems;
  }

  /** The distinct links on the page under `selector` that match `pattern`. */
  async function links(page: Page, selector: string, pattern: RegExp): Promise<string[]> {
    const hrefs = await page.locator(selector).evaluateAll((as) => as.map((x) => (x as unknown as { getAttribute(n: string): string }).getAttribute('href')));
    return [...new Set(hrefs.filter((x): x is string => Boolean(x && pattern.test(x))))];
  }

  it('when a resident reads the public pages on a phone, then each fits the screen and passes axe', async () => {
    const page = await phone();
    await page.goto(`${h.baseUrl}/public/projects`);
    const projects = (await links(page, 'main table a', /^\/public\/projects\/[^/?]+$/)).slice(0, 4);
    expect(projects.length).toBeGreaterThan(0);
    const problems = await checkAll(page, [
      '/public', '/public/notices', `/public/notices/${noticeId}`, '/public/projects', '/public/projects?lang=en', ...projects,
      `/public/projects/${noticeId}/notice`, '/public/stats', '/public/stats?lang=en', '/login',
    ], 200, true);
    problems.push(...(await checkAll(page, ['/no-such-page'], 404, true)));
    expect(problems).toEqual([]);
  });

  it('when community staff use a phone, then the inbox, lists, forms, project pages, file, monitoring and reports fit', async () => {
    const page = await phone(U.c1);
    await page.goto(`${h.baseUrl}/projects`);
    const projects = await links(page, 'main table a', /^\/projects\/[^/?]+$/);
    expect(projects.length).toBeGreaterThan(2);
    const problems = await checkAll(page, [
      '/inbox', '/projects', '/projects?lang=en', '/projects/new', ...projects.slice(0, 5), `/projects/${noticeId}?lang=en`,
      `/projects/${noticeId}/file`, '/monitoring', '/monitoring/stages', '/reports', '/profile',
    ]);
    const second = await phone(U.c2);
    problems.push(...(await checkAll(second, ['/inbox'])));
    expect(problems).toEqual([]);
  }, 180_000);

  it('when street, district and finance staff use a phone, then every project page type and the reports fit', async () => {
    const problems: string[] = [];
    const street = await phone(U.street);
    await street.goto(`${h.baseUrl}/inbox`);
    const review = (await links(street, 'main table a', /^\/projects\/[^/?]+$/)).slice(0, 2);
    problems.push(...(await checkAll(street, ['/inbox', '/projects', ...review, '/monitoring', '/reports'])));
    // The district sees every project: each stage of the demo district, as the role most pages have actions for.
    const district = await phone(U.district);
    await district.goto(`${h.baseUrl}/projects`);
    const all = await links(district, 'main table a', /^\/projects\/[^/?]+$/);
    expect(all.length).toBeGreaterThanOrEqual(8);
    problems.push(...(await checkAll(district, ['/inbox', '/projects', ...all, ...all.slice(0, 4).map((p) => `${p}/file`), '/monitoring/stages', '/reports?lang=en'])));
    const finance = await phone(U.finance);
    await finance.goto(`${h.baseUrl}/inbox`);
    const paying = (await links(finance, 'main table a', /^\/projects\/[^/?]+$/)).slice(0, 2);
    problems.push(...(await checkAll(finance, ['/inbox', ...paying, '/reports'])));
    expect(problems).toEqual([]);
  }, 180_000);

  it('when a vendor and an administrator use a phone, then the vendor portal and every administration page fit', async () => {
    const vendor = await phone(U.v1);
    await vendor.goto(`${h.baseUrl}/vendor`);
    const own = (await links(vendor, 'main a', /^\/projects\/[^/?]+$/)).slice(0, 3);
    expect(own.length).toBeGreaterThan(0);
    const problems = await checkAll(vendor, ['/inbox', '/vendor', '/vendor?lang=en', ...own, '/profile']);
    // the vendor invited to quote (the quote form)
    const quoter = await phone(U.v2);
    await quoter.goto(`${h.baseUrl}/vendor`);
    problems.push(...(await checkAll(quoter, (await links(quoter, 'main a', /^\/projects\/[^/?]+$/)).slice(0, 1))));
    const admin = await phone(U.admin);
    const userId = (await h.app.deps.services.users.findByEmail(U.c1))!.id;
    problems.push(...(await checkAll(admin, [
      '/inbox', '/projects', '/reports', '/admin', '/admin/users', '/admin/users/new', `/admin/users/${userId}`, '/admin/places', '/admin/places/communities/new',
      '/admin/vendors', '/admin/vendors/new', '/admin/vendors/vd-kangfu', '/admin/categories', '/admin/groups', '/admin/allocations', '/admin/rules', '/admin/rules/new',
      '/admin/rules/0', '/admin/calendar', '/admin/outbox', '/admin/emails', '/admin/emails/awarded?mail=zh-CN',
    ])));
    expect(problems).toEqual([]);
  }, 180_000);
});
