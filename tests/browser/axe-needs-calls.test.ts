// axe-core (WCAG 2.1 A + AA) on the register, care-call and need pages (issue 15), in both
// languages: the beneficiary register (list, masked list, entry form, edit form, both with their
// error summaries, a resident's page, the import form), the care-call campaigns (list, page with an
// escalation, new-campaign form empty and with errors), the operator's call list, the call form
// (empty, with errors, and for a resident already called today), the needs (list with filters, one
// need, the new-need form empty and with errors) and the public report-need form (empty, with
// errors, its confirmation and status page). The data is prepared through the services (fast), the
// pages only looked at.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { U } from '../support/lifecycle.js';
import { expectNoViolations, newContext, signInAs, skipBrowser, startBrowserHarness, withLang, type BrowserHarness } from './support.js';

const OPERATOR = 'operator@example.org';

// A browser drives every page here: on a loaded 2-core machine a test can take over a minute.
describe.skipIf(skipBrowser)('accessibility of the register, care-call and need pages', { timeout: 180_000 }, () => {
  let h: BrowserHarness;
  let context: BrowserContext;
  let page: Page;
  let residentId = '';
  let campaignId = '';
  let calledId = '';
  let dueId = '';
  let needId = '';

  beforeAll(async () => {
    h = await startBrowserHarness();
    const { services, db } = h.app.deps;
    const c1 = (await services.users.findByEmail(U.c1))!;
    const operator = (await services.users.findByEmail(OPERATOR))!;
    // a few more residents of 莲花 living alone, to call
    const at = h.app.clock.now().toISOString();
    await db('beneficiaries').insert(Array.from({ length: 4 }, (_, i) => ({
      id: `axe-b-${i}`, community_id: 'cm-lianhua', id_number: `44040219500101${String(1000 + i)}`, name: `无障碍居民${i}`,
      phone: `1371111${String(1000 + i)}`, address: `香洲区拱北莲花路${i + 1}号`, living_situation: 'alone', lives_alone: true, needs_daily_contact: false, created_by: c1.id, created_at: at,
    })));
    residentId = ((await db('beneficiaries').where({ community_id: 'cm-lianhua' }).orderBy('created_at').first('id')) as { id: string }).id;
    const today = services.campaigns.today();
    // missing one call escalates: the campaign's page lists an escalation (with its link)
    const c = await services.campaigns.create(c1, { name: '独居老人关爱电话（无障碍）', area: 'community:cm-lianhua', flags: ['alone'], startOn: today, endOn: today, callsPerDay: 1, missLimit: 1, operatorIds: [operator.id] });
    campaignId = c.id;
    const list = await services.campaigns.callList(operator, c.id);
    expect(list.rows.length).toBeGreaterThanOrEqual(3);
    const [first, second, third] = list.rows.map((r) => r.beneficiary.id);
    const done = await services.campaigns.logCall(operator, c.id, { beneficiaryId: first, reached: true, problems: [{ type: 'daily_care' }], note: '需要助餐' });
    needId = done.call.needIds[0]!;
    const missed = await services.campaigns.logCall(operator, c.id, { beneficiaryId: second, reached: false, note: '无人接听' });
    expect(missed.call.escalated).toBe(true);
    calledId = first!;
    dueId = third!;
    context = await newContext(h);
    page = await context.newPage();
  }, 120_000);
  afterAll(async () => {
    await context?.close();
    await h?.close();
  });

  const expectClean = (label: string, lang: string) => expectNoViolations(page, label, lang);

  /** The page at `path` in both languages: `status` (200) and no axe violations; `selector` must be on it. */
  async function check(path: string, selector?: string, status = 200) {
    for (const lang of ['zh-CN', 'en']) {
      const url = `${h.baseUrl}${withLang(path, lang)}`;
      const res = await page.goto(url);
      expect(res?.status(), url).toBe(status);
      if (selector) expect(await page.locator(selector).count(), `${url} has ${selector}`).toBeGreaterThan(0);
      await expectClean(url, lang);
    }
  }

  /** The form at `path` sent in both languages after `prepare`: it comes back with its error summary, clean. */
  async function checkErrors(path: string, submit: string, prepare?: () => Promise<void>) {
    for (const lang of ['zh-CN', 'en']) {
      await page.goto(`${h.baseUrl}${withLang(path, lang)}`);
      await prepare?.();
      await Promise.all([page.waitForNavigation(), page.click(submit)]);
      expect(await page.locator('.error-summary').count(), `${path} (${lang}) shows its errors`).toBe(1);
      expect(await page.locator('.error-message').count(), `${path} (${lang}) marks its fields`).toBeGreaterThan(0);
      await expectClean(`${path} with errors (${lang})`, lang);
    }
  }

  const as = (email: string) => signInAs(context, page, h.baseUrl, email);

  it('when community staff open the register, its forms (empty and with errors) and a resident, and street staff the masked register, then axe finds nothing', async () => {
    await as(U.c1);
    await check('/beneficiaries', 'table');
    await check('/beneficiaries?flag=alone&q=%E6%97%A0%E9%9A%9C%E7%A2%8D', 'table');
    await check('/beneficiaries?q=nothing-matches-this');
    await check('/beneficiaries/new', 'main form');
    await checkErrors('/beneficiaries/new', 'main form button[type=submit]', async () => {
      await page.fill('#f-idNumber', '123');
      await page.fill('#f-householdSize', 'abc');
    });
    await check(`/beneficiaries/${residentId}`, 'dl.facts');
    await check(`/beneficiaries/${residentId}/edit`, 'main form');
    await checkErrors(`/beneficiaries/${residentId}/edit`, 'main form button[type=submit]', async () => {
      await page.fill('#f-name', '');
      await page.fill('#f-householdSize', 'abc');
    });
    await check('/beneficiaries/import', 'input[type=file]');
    await as(U.street);
    await check('/beneficiaries', '#register-community');
    await check('/beneficiaries?communityId=cm-lianhua', 'table');
    await check(`/beneficiaries/${residentId}`, 'dl.facts');
  });

  it('when community staff open the campaigns, a campaign with an escalation and the new-campaign form (empty and with errors), then axe finds nothing', async () => {
    await as(U.c1);
    await check('/campaigns', 'ul.cards');
    await check(`/campaigns/${campaignId}`, 'main li a[href^="/beneficiaries/"]'); // the escalation, linked to the resident
    await check('/campaigns/new', 'main form');
    // no name, no operator, the end before the start: the error summary and the messages by the fields
    await checkErrors('/campaigns/new', 'main form button[type=submit]', async () => {
      await page.fill('#f-endOn', '2020-01-01');
      await page.fill('#f-callsPerDay', 'abc');
    });
  });

  it('when the operator opens its campaigns, today\'s call list and the call form (empty, with errors, and already called), then axe finds nothing', async () => {
    await as(OPERATOR);
    await check('/campaigns', 'ul.cards');
    await check(`/campaigns/${campaignId}/calls`, 'ul.cards');
    await check(`/campaigns/${campaignId}/calls/${dueId}`, 'input[type=radio]');
    // nothing chosen: "reached?" is required
    await checkErrors(`/campaigns/${campaignId}/calls/${dueId}`, 'main form button[type=submit]');
    // not reached, yet a problem raised: refused with a message by the problems
    await checkErrors(`/campaigns/${campaignId}/calls/${dueId}`, 'main form button[type=submit]', async () => {
      await page.check('#f-reached-no');
      await page.check('#f-problems');
    });
    await check(`/campaigns/${campaignId}/calls/${calledId}`, 'p.notice');
    // A language chosen with ?lang= (not the profile's) is kept by the links and the form
    // (what the error pages above showed in English); the profile's needs no parameter.
    await page.goto(`${h.baseUrl}/campaigns/${campaignId}/calls?lang=en`);
    expect(await page.getAttribute('main ul.cards a.button', 'href')).toBe(`/campaigns/${campaignId}/calls/${dueId}?lang=en`);
    await page.goto(`${h.baseUrl}/campaigns/${campaignId}/calls/${dueId}?lang=en`);
    expect(await page.getAttribute('main form', 'action')).toBe(`/campaigns/${campaignId}/calls/${dueId}?lang=en`);
    await page.goto(`${h.baseUrl}/campaigns/${campaignId}/calls`);
    expect(await page.getAttribute('main ul.cards a.button', 'href')).toBe(`/campaigns/${campaignId}/calls/${dueId}`);
    expect(await h.app.deps.db('care_calls').where({ campaign_id: campaignId }).count({ n: '*' }).first()).toMatchObject({ n: 2 });
  });

  it('when community and street staff open the needs, one need and the new-need form (empty and with errors), then axe finds nothing', async () => {
    await as(U.c1);
    await check('/needs', 'table');
    await check('/needs?state=received&type=daily_care&source=call', 'table');
    await check('/needs?type=employment');
    await check(`/needs/${needId}`, '.timeline');
    await check('/needs/new', 'main form');
    await checkErrors('/needs/new', 'main form button[type=submit]');
    await as(U.street);
    await check('/needs', '#communityId');
    await check(`/needs/${needId}`, '.timeline');
  });

  it('when the public report a need (empty and with errors) and follow it, then axe finds nothing', async () => {
    await context.clearCookies();
    await check('/report-need', 'main form');
    await checkErrors('/report-need', 'main form button[type=submit]', async () => {
      await page.fill('#f-phone', 'abc');
    });
    for (const lang of ['zh-CN', 'en']) {
      await page.goto(`${h.baseUrl}${withLang('/report-need', lang)}`);
      await page.selectOption('#f-communityId', 'cm-lianhua');
      await page.selectOption('#f-type', 'accessibility');
      await page.fill('#f-description', '楼道口台阶太高，轮椅上不去。');
      await Promise.all([page.waitForURL(/\/thanks/), page.click('main form button[type=submit]')]);
      await expectClean(`report-need thanks (${lang})`, lang);
      await Promise.all([page.waitForNavigation(), page.click('#need-status-link')]);
      expect(await page.locator('#need-status').count()).toBe(1);
      await expectClean(`report-need status (${lang})`, lang);
    }
  });
});
