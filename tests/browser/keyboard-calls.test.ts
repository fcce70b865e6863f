// A care-call operator's day done with the keyboard alone, on a 360 × 740 phone (issue 15): it signs
// in, opens the header menu, its campaigns and today's call list of a running campaign, and logs
// every call on the list, one resident after another, until the list is empty. Some residents are
// reached and raise problems (each becomes a need), one is reached with nothing to raise, some are
// not reached and get a note. Two mistakes on the way are fixed from the error summary: a call sent
// without saying whether the resident was reached, and a call not reached that still raised a
// problem. Only Tab, Shift+Tab, Enter, Space, the arrow keys and typing into the focused field; no
// mouse, no fill. Every element reached shows a visible focus outline; axe checks the pages on the
// phone as they come. Then the database shows every call with its outcome, note and needs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../support/app.js';
import { U } from '../support/lifecycle.js';
import { NEED_TYPES } from '../../workflows/need/index.js';
import { expectFocusVisible, expectNoViolations, isFocused, skipBrowser, startBrowserHarness, tabTo, type BrowserHarness, type KbWin } from './support.js';

const OPERATOR = 'operator@example.org';
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 } as const;

type NeedType = (typeof NEED_TYPES)[number];
/** What the operator hears on each call, by the resident's name. */
interface Plan { reached: boolean; problems: NeedType[]; note: string }
const PLANS: Record<string, Plan> = {
  键盘居民0: { reached: true, problems: ['daily_care', 'supplies'], note: '需要助餐和米面油' },
  键盘居民1: { reached: false, problems: [], note: '无人接听，明天再打' },
  键盘居民2: { reached: true, problems: [], note: '身体很好，一切安好' },
  键盘居民3: { reached: true, problems: ['medical_rehab'], note: '' },
  键盘居民4: { reached: false, problems: [], note: '电话停机' },
  键盘居民5: { reached: true, problems: ['emotional_support'], note: '想找人聊天' },
};
const NAMES = Object.keys(PLANS);

const checkedOf = (page: Page, selector: string) =>
  page.evaluate((s) => (globalThis as unknown as KbWin).document.querySelector(s)?.checked ?? null, selector);




// A browser drives every page here: on a loaded 2-core machine a test can take over a minute.
describe.skipIf(skipBrowser)('a day of care calls with the keyboard alone, on a phone', { timeout: 180_000 }, () => {
  let h: BrowserHarness;
  let context: BrowserContext;
  let page: Page;
  let campaignId = '';
  let operatorId = '';
  let today = '';

  beforeAll(async () => {
    h = await startBrowserHarness();
    const { services, db } = h.app.deps;
    const c1 = (await services.users.findByEmail(U.c1))!;
    operatorId = (await services.users.findByEmail(OPERATOR))!.id;
    // six residents of 莲花 living alone: the campaign's list (the demo's three do not live alone)
    const at = h.app.clock.now().toISOString();
    await db('beneficiaries').insert(NAMES.map((name, i) => ({
      id: `kb-${i}`, community_id: 'cm-lianhua', id_number: `44040219450101${String(2000 + i)}`, name,
      phone: `1372222${String(1000 + i)}`, address: `香洲区拱北莲花路${10 + i}号`, living_situation: 'alone', lives_alone: true, needs_daily_contact: false, created_by: c1.id, created_at: at,
    })));
    today = services.campaigns.today();
    const c = await services.campaigns.create(c1, { name: '独居老人每日关爱电话', area: 'community:cm-lianhua', flags: ['alone'], startOn: today, endOn: today, callsPerDay: 1, missLimit: 3, operatorIds: [operatorId] });
    expect(c.residentCount).toBe(NAMES.length);
    campaignId = c.id;
    context = await h.browser.newContext({ ...PHONE, locale: 'zh-CN', bypassCSP: true });
    page = await context.newPage();
  }, 120_000);
  afterAll(async () => {
    await context?.close();
    await h?.close();
  });

  /** On the call form: says whether the resident was reached (radio buttons: Space, or an arrow). */
  async function chooseReached(reached: boolean) {
    await tabTo(page, '#f-reached');
    if (reached) await page.keyboard.press('Space');
    else await page.keyboard.press('ArrowDown'); // the arrow moves the choice to 未接通
    expect(await checkedOf(page, reached ? '#f-reached' : '#f-reached-no')).toBe(true);
    expect(await isFocused(page, reached ? '#f-reached' : '#f-reached-no')).toBe(true);
    await expectFocusVisible(page, 'the reached radio');
  }

  /** Ticks (or unticks) problem checkboxes, in the order the form lists them. */
  async function toggleProblems(types: NeedType[], opts: { back?: boolean } = {}) {
    const sorted = [...types].sort((a, b) => NEED_TYPES.indexOf(a) - NEED_TYPES.indexOf(b));
    for (const type of opts.back ? sorted.reverse() : sorted) {
      const sel = `input[name=problems][value=${type}]`;
      const before = await checkedOf(page, sel);
      await tabTo(page, sel, opts);
      await page.keyboard.press('Space');
      expect(await checkedOf(page, sel), type).toBe(!before);
    }
  }

  async function typeNote(note: string) {
    if (!note) return;
    await tabTo(page, '#f-note');
    await page.keyboard.type(note);
  }

  /** Sends the call form with Enter on its button; `ok`: back on the list, else the form with its errors. */
  async function send(ok: boolean) {
    await tabTo(page, 'main form button[type=submit]');
    if (ok) {
      await Promise.all([page.waitForURL(new RegExp(`/campaigns/${campaignId}/calls$`)), page.keyboard.press('Enter')]);
    } else {
      await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
      expect(await page.locator('.error-summary').count()).toBe(1);
      expect(await isFocused(page, '.error-summary'), 'the error summary has focus').toBe(true);
      await expectFocusVisible(page, 'error summary');
    }
  }

  it('when the operator logs every call of the day with the keyboard on a phone, then each is recorded with its outcome and the problems become needs', async () => {
    // Sign in: Tab to the e-mail, type, Tab to the password, type, Enter.
    await page.goto(`${h.baseUrl}/login`);
    await tabTo(page, '#f-email');
    await page.keyboard.type(OPERATOR);
    await page.keyboard.press('Tab');
    expect(await isFocused(page, '#f-password')).toBe(true);
    await page.keyboard.type(DEMO_PASSWORD);
    await Promise.all([page.waitForURL(/\/inbox/), page.keyboard.press('Enter')]);

    // On a phone the navigation is folded into the header menu: Enter opens it, Tab reaches 关爱电话.
    await tabTo(page, 'details.nav-menu > summary');
    await page.keyboard.press('Enter');
    expect(await page.getAttribute('details.nav-menu', 'open')).not.toBeNull();
    await tabTo(page, 'details.nav-menu a[href="/campaigns"]');
    await Promise.all([page.waitForURL(/\/campaigns$/), page.keyboard.press('Enter')]);
    await expectNoViolations(page, 'the operator\'s campaigns (phone)');
    await tabTo(page, `main a.button[href="/campaigns/${campaignId}/calls"]`);
    await Promise.all([page.waitForURL(new RegExp(`/campaigns/${campaignId}/calls$`)), page.keyboard.press('Enter')]);
    expect(await page.locator('main ul.cards > li').count()).toBe(NAMES.length);
    await expectNoViolations(page, 'today\'s call list (phone)');

    const done: string[] = [];
    let mistakes = 0;
    for (let round = 0; round < NAMES.length + 2 && (await page.locator('main ul.cards > li').count()) > 0; round++) {
      // The first resident on the list, opened from its card's button.
      await tabTo(page, 'main ul.cards a.button');
      await Promise.all([page.waitForURL(new RegExp(`/campaigns/${campaignId}/calls/kb-\\d+$`)), page.keyboard.press('Enter')]);
      const name = NAMES.find((n) => page.url().endsWith(`/kb-${NAMES.indexOf(n)}`))!;
      expect(await page.textContent('h1')).toContain(name);
      const plan = PLANS[name]!;
      if (done.length === 0) {
        await expectNoViolations(page, 'the call form (phone)');
        // Mistake 1: sent before saying whether the resident was reached. The error summary takes
        // focus; its link leads to the question; the note typed is kept.
        await typeNote(plan.note);
        await send(false);
        mistakes++;
        await expectNoViolations(page, 'the call form with an error (phone)');
        await page.keyboard.press('Tab');
        expect(await isFocused(page, '.error-summary a[href="#f-reached"]')).toBe(true);
        await expectFocusVisible(page, 'error summary link');
        await page.keyboard.press('Enter');
        expect(await isFocused(page, '#f-reached'), 'the link leads to the first choice').toBe(true);
        expect(await page.inputValue('#f-note')).toBe(plan.note);
        await chooseReached(plan.reached);
        await toggleProblems(plan.problems);
      } else if (!plan.reached && mistakes === 1) {
        // Mistake 2: not reached, yet a problem ticked. Refused; the problem is unticked going
        // back up the form with Shift+Tab, and the call sent again.
        await chooseReached(false);
        await toggleProblems(['other']);
        await typeNote(plan.note);
        await send(false);
        mistakes++;
        expect(await checkedOf(page, '#f-reached-no')).toBe(true);
        expect(await page.inputValue('#f-note')).toBe(plan.note);
        await tabTo(page, 'main form button[type=submit]');
        await toggleProblems(['other'], { back: true });
      } else {
        await chooseReached(plan.reached);
        await toggleProblems(plan.problems);
        await typeNote(plan.note);
      }
      await send(true);
      done.push(name);
      // Back on the list: the notice names the resident, who is no longer on it.
      expect(await page.textContent('main .notice-success')).toContain(name);
      expect(await page.locator('main ul.cards h2', { hasText: name }).count()).toBe(0);
    }
    expect(mistakes).toBe(2);
    expect([...done].sort()).toEqual([...NAMES].sort());
    // The list is empty; its progress counts the day.
    expect(await page.locator('main ul.cards').count()).toBe(0);
    const reachedCount = Object.values(PLANS).filter((p) => p.reached).length;
    expect(await page.textContent('main')).toContain(`已拨打 ${NAMES.length} 次，接通 ${reachedCount} 次`);
    await expectNoViolations(page, 'the empty call list (phone)');

    // The database: one call per resident today, by this operator, with its outcome, note and needs.
    const { db, services } = h.app.deps;
    const calls = await db('care_calls').where({ campaign_id: campaignId }).orderBy('id');
    expect(calls).toHaveLength(NAMES.length);
    for (const [i, name] of NAMES.entries()) {
      const plan = PLANS[name]!;
      const call = calls.find((c) => c.beneficiary_id === `kb-${i}`);
      expect(call, name).toBeDefined();
      expect(call).toMatchObject({ operator_id: operatorId, day: today, note: plan.note || null });
      expect(Boolean(call.reached), name).toBe(plan.reached);
      const needIds = JSON.parse(call.need_ids as string) as string[];
      expect(needIds, name).toHaveLength(plan.problems.length);
      const needs = await db('needs').where({ beneficiary_id: `kb-${i}` }).orderBy('type');
      expect(needs.map((n) => n.type), name).toEqual([...plan.problems].sort());
      for (const n of needs) {
        expect(needIds).toContain(n.id);
        expect(n).toMatchObject({ source: 'call', community_id: 'cm-lianhua' });
      }
      const member = await db('care_campaign_members').where({ campaign_id: campaignId, beneficiary_id: `kb-${i}` }).first();
      expect(member, name).toMatchObject({ last_outcome: plan.reached ? 'reached' : 'missed', last_call_on: today, misses: plan.reached ? 0 : 1 });
    }
    // no need from a call that did not reach the resident, and none from the refused forms
    expect(await db('needs').where({ source: 'call' }).count({ n: '*' }).first()).toMatchObject({ n: Object.values(PLANS).reduce((s, p) => s + p.problems.length, 0) });
    // the service agrees: nothing left today, every call counted for this operator
    const operator = (await services.users.findByEmail(OPERATOR))!;
    const list = await services.campaigns.callList(operator, campaignId);
    expect(list.total).toBe(0);
    expect(list.progress).toEqual({ calls: NAMES.length, reached: reachedCount, due: 0 });
  });
});
