// The browser suites' harness: the whole app on an ephemeral loopback port (SQLite, sandbox clock,
// demo data), Debian's chromium through playwright-core, and signing in through the real form.
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { expect } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createTestApp, DEMO_PASSWORD, type TestApp } from '../support/app.js';

export const CHROMIUM = '/usr/bin/chromium';
/** CI installs chromium; locally the suite is skipped only when it is missing. */
export const skipBrowser = !fs.existsSync(CHROMIUM) && !process.env.CI;

export interface BrowserHarness {
  app: TestApp;
  baseUrl: string;
  browser: Browser;
  close(): Promise<void>;
}

export async function startBrowserHarness(env: Record<string, string> = {}): Promise<BrowserHarness> {
  const app = await createTestApp({ env });
  const server: Server = await new Promise((resolve) => {
    const s = app.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    app, baseUrl, browser,
    async close() {
      await browser.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close();
    },
  };
}

/**
 * A fresh browser context in Chinese (the browser's Accept-Language, as a resident's PC sends it).
 * bypassCSP lets the test inject axe-core into pages whose CSP forbids inline scripts.
 */
export function newContext(h: BrowserHarness): Promise<BrowserContext> {
  return h.browser.newContext({ locale: 'zh-CN', bypassCSP: true });
}

/** Signs in through the /login form (mouse-free: fills and presses Enter). */
export async function signIn(page: Page, baseUrl: string, email: string, password = DEMO_PASSWORD): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.fill('#f-email', email);
  await page.fill('#f-password', password);
  await Promise.all([page.waitForURL(/\/inbox/), page.press('#f-password', 'Enter')]);
}

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** The little of the DOM the page scripts here touch (the project compiles without lib.dom). */
export interface Win {
  document: { activeElement: { id: string; matches(selector: string): boolean; classList: { contains(c: string): boolean } } | null };
  axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: AxeViolation[] }> };
}

export interface AxeViolation { id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[]; html: string }> }

/** axe-core with the WCAG 2.1 A and AA rules on the page as it stands. */
export async function axe(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ content: AXE_SOURCE });
  return page.evaluate(async () => {
    const w = globalThis as unknown as Win;
    const r = await w.axe.run(w.document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => ({ target: n.target, html: n.html.slice(0, 200) })) }));
  });
}

/** The little of the DOM the keyboard checks read (the project compiles without lib.dom). */
export interface KbEl { id: string; tagName: string; value?: string; checked?: boolean; textContent: string | null; matches(s: string): boolean; classList: { contains(c: string): boolean } }
export interface KbWin {
  document: { activeElement: KbEl | null; querySelector(s: string): KbEl | null };
  getComputedStyle(e: KbEl): { outlineStyle: string; outlineWidth: string };
}

/** Whether the element matching `selector` has the focus. */
export const isFocused = (page: Page, selector: string): Promise<boolean> =>
  page.evaluate((s) => (globalThis as unknown as KbWin).document.activeElement?.matches(s) ?? false, selector);

/** The focused element is drawn with an outline (WCAG 2.4.7). */
export async function expectFocusVisible(page: Page, where: string): Promise<void> {
  const style = await page.evaluate(() => {
    const w = globalThis as unknown as KbWin;
    const e = w.document.activeElement;
    if (!e) return null;
    const s = w.getComputedStyle(e);
    return { style: s.outlineStyle, width: s.outlineWidth, tag: e.tagName, id: e.id };
  });
  expect(style, where).not.toBeNull();
  expect(style!.style, `${where}: ${JSON.stringify(style)}`).not.toBe('none');
  expect(style!.width, `${where}: ${JSON.stringify(style)}`).not.toBe('0px');
}

/**
 * Presses Tab (or Shift+Tab) until `selector` has focus, at most `max` times; checks the focus is
 * visible there unless told not to.
 */
export async function tabTo(page: Page, selector: string, opts: { back?: boolean; max?: number; visible?: boolean } = {}): Promise<void> {
  for (let i = 0; i < (opts.max ?? 250); i++) {
    if (await isFocused(page, selector)) {
      if (opts.visible !== false) await expectFocusVisible(page, selector);
      return;
    }
    await page.keyboard.press(opts.back ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`could not reach ${selector} with ${opts.back ? 'Shift+Tab' : 'Tab'}`);
}

/** A path asked for in English (?lang=en), or as it is for zh-CN. */
export const withLang = (path: string, lang: string): string => (lang === 'en' ? `${path}${path.includes('?') ? '&' : '?'}lang=en` : path);

/** axe finds nothing on the page as it stands (and, given a language, the page is in it). */
export async function expectNoViolations(page: Page, label: string, lang?: string): Promise<void> {
  if (lang !== undefined) expect(await page.getAttribute('html', 'lang'), label).toBe(lang);
  const violations = await axe(page);
  expect(violations, `${label}\n${JSON.stringify(violations, null, 1)}`).toEqual([]);
}

/** Signs in as another user on a fresh set of cookies. */
export async function signInAs(context: BrowserContext, page: Page, baseUrl: string, email: string): Promise<void> {
  await context.clearCookies();
  await signIn(page, baseUrl, email);
}
