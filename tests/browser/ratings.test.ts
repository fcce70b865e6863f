// Residents rate the work (issue 14 item 4), on a 360-pixel phone: community staff print rating
// sheets; the QR code of a printed sheet (server-drawn SVG, rasterised with sharp and read back
// with jsQR) opens the rating page; a resident taps the stars and sends; the project's public page
// shows the new summary; the same code is refused the second time. axe finds nothing on the sheets
// or the rating page, in Chinese and in English.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import jsQRModule from 'jsqr';
import type { Page } from 'playwright-core';
import { U, type Project } from '../support/lifecycle.js';
import { projectInAcceptance } from '../support/ratings.js';
import { axe, signIn, skipBrowser, startBrowserHarness, type BrowserHarness } from './support.js';

// jsqr is CommonJS: under NodeNext its default import is the module, whose `default` is the function.
type JsQR = typeof jsQRModule.default;
const jsQR: JsQR = ((jsQRModule as unknown as { default?: JsQR }).default ?? jsQRModule) as JsQR;

const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 } as const;

async function decodeSvg(svg: string): Promise<string | null> {
  const { data, info } = await sharp(Buffer.from(svg), { density: 300 }).resize(400, 400, { kernel: 'nearest' }).flatten({ background: '#ffffff' }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return jsQR(new Uint8ClampedArray(data.buffer, data.byteOffset, data.length), info.width, info.height)?.data ?? null;
}

async function expectNoViolations(page: Page, where: string) {
  expect(await axe(page), where).toEqual([]);
}

/** Prints `count` sheets from the staff page (`lang` en or the default); the sheets page is left open. */
async function printSheets(page: Page, baseUrl: string, id: string, count: number, lang?: 'en') {
  await page.goto(`${baseUrl}/projects/${id}/ratings${lang ? '?lang=en' : ''}`);
  await page.fill('#count', String(count));
  await Promise.all([page.waitForURL(/\/ratings\/sheets/), page.click('form[action*="/ratings/sheets"] button[type=submit]')]);
}

describe.skipIf(skipBrowser)('residents rate the work on a phone', { timeout: 180_000 }, () => {
  let h: BrowserHarness;
  let p: Project;

  beforeAll(async () => {
    h = await startBrowserHarness();
    p = await projectInAcceptance(h.app, '楼道扶手安装评价');
  });
  afterAll(async () => h?.close());

  it('when a resident scans a printed sheet and rates, then the public summary changes and the code is spent', async () => {
    const staff = await h.browser.newContext({ locale: 'zh-CN', bypassCSP: true, ...PHONE });
    const resident = await h.browser.newContext({ locale: 'zh-CN', bypassCSP: true, ...PHONE });
    try {
      const sp = await staff.newPage();
      await signIn(sp, h.baseUrl, U.c1);
      await sp.goto(`${h.baseUrl}/projects/${p.id}/ratings`);
      await expectNoViolations(sp, 'staff ratings page (zh)');
      await printSheets(sp, h.baseUrl, p.id, 3);
      expect(await sp.locator('.rating-sheet').count()).toBe(3);
      await expectNoViolations(sp, 'rating sheets (zh)');
      const printed = (await sp.locator('.rating-sheet .code').first().textContent())!.replace(/\s/g, '');
      const svg = await sp.locator('.rating-sheet svg.qr').first().evaluate((el) => (el as unknown as { outerHTML: string }).outerHTML);
      const url = await decodeSvg(svg);
      expect(url).not.toBeNull();
      const path = new URL(url!).pathname;
      expect(path).toBe(`/r/${printed}`);
      expect(await sp.locator('.rating-sheet').first().textContent()).toContain('楼道扶手安装评价');

      // before: no ratings on the public page
      const rp = await resident.newPage();
      await rp.goto(`${h.baseUrl}/public/projects/${p.id}`);
      expect(await rp.locator('#ratings-summary').count()).toBe(0);

      // the address the QR code holds, on this test server
      await rp.goto(`${h.baseUrl}${path}`);
      await expectNoViolations(rp, 'rating page (zh)');
      await rp.locator('label[for="f-stars-4"]').tap();
      expect(await rp.locator('#f-stars-4').isChecked()).toBe(true);
      await rp.fill('#f-comment', '安装很及时');
      await Promise.all([rp.waitForURL(/\/r\/thanks/), rp.locator('.rating-form button[type=submit]').tap()]);
      await Promise.all([rp.waitForURL(/\/public\/projects\//), rp.locator('#project-link').tap()]);
      expect(await rp.locator('#ratings-count').textContent()).toBe('1');
      expect(await rp.locator('#ratings-satisfied').textContent()).toBe('100%');
      expect(await rp.content()).not.toContain('安装很及时');

      // the same code again: refused, nothing changes
      await rp.goto(`${h.baseUrl}${path}`);
      expect(await rp.locator('#rating-refused').textContent()).toContain('已经使用过');
      expect(await rp.locator('form.rating-form').count()).toBe(0);
      await rp.goto(`${h.baseUrl}/public/projects/${p.id}`);
      expect(await rp.locator('#ratings-count').textContent()).toBe('1');
    } finally {
      await staff.close();
      await resident.close();
    }
  });

  it('when the sheets and the rating page are in English, then axe finds nothing and a rating counts', async () => {
    const staff = await h.browser.newContext({ locale: 'en', bypassCSP: true, ...PHONE });
    const resident = await h.browser.newContext({ locale: 'en', bypassCSP: true, ...PHONE });
    try {
      const sp = await staff.newPage();
      await signIn(sp, h.baseUrl, U.c1);
      await printSheets(sp, h.baseUrl, p.id, 2, 'en');
      expect(await sp.locator('html').getAttribute('lang')).toBe('en');
      await expectNoViolations(sp, 'rating sheets (en)');
      const code = (await sp.locator('.rating-sheet .code').first().textContent())!.replace(/\s/g, '');
      const rp = await resident.newPage();
      await rp.goto(`${h.baseUrl}/r/${code}?lang=en`);
      expect(await rp.locator('html').getAttribute('lang')).toBe('en');
      await expectNoViolations(rp, 'rating page (en)');
      // sent without stars: the error summary, still accessible
      await rp.locator('.rating-form button[type=submit]').tap();
      await rp.waitForSelector('.error-summary');
      await expectNoViolations(rp, 'rating page with an error (en)');
      await rp.locator('label[for="f-stars-5"]').tap();
      await Promise.all([rp.waitForURL(/\/r\/thanks/), rp.locator('.rating-form button[type=submit]').tap()]);
      await rp.goto(`${h.baseUrl}/public/projects/${p.id}?lang=en`);
      expect(await rp.locator('#ratings-count').textContent()).toBe('2');
      // the address to type: the code entered by hand leads to the same page
      await rp.goto(`${h.baseUrl}/r?lang=en`);
      await expectNoViolations(rp, 'enter a code (en)');
    } finally {
      await staff.close();
      await resident.close();
    }
  });
});
