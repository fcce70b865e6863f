// The public pages every visitor without a session sees alike (src/web/shared-pages.ts): the project
// list and the statistics are served whole, before the session, CSRF and navigation middleware. What
// a visitor gets that way must be the page the full chain renders, byte for byte, in each language
// and for each filter; it sets no cookie; it follows the data when the data changes (a renamed street); a signed-in user
// still gets their own page; and a refused query still gets its error page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_IDS } from '../../src/demo/seed.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { agentFor } from './pages-helpers.js';

/** A session cookie no server signed: express-session finds no session, so the full chain renders the page for an anonymous visitor. */
const FORGED = 'wss.sid=s%3Anot-a-session.forged';

describe('the shared public pages', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  const PAGES: Array<[string, Record<string, string>]> = [
    ['/public/projects', {}],
    ['/public/projects?page=1&lang=en', {}],
    ['/public/projects', { 'accept-language': 'en-GB,en;q=0.9' }],
    [`/public/projects?community=${DEMO_IDS.communities.lianhua}`, {}],
    ['/public/stats', {}],
    ['/public/stats?lang=en', {}],
    [`/public/stats?street=${DEMO_IDS.streets.gongbei}`, { 'accept-language': 'en' }],
  ];

  it.each(PAGES)('when a visitor without a session asks for %s (%o), then they get the page the full chain renders, byte for byte, with no cookie', async (url, headers) => {
    const whole = await app.http.get(url).set(headers);
    const full = await app.http.get(url).set(headers).set('cookie', FORGED);
    expect(whole.status).toBe(200);
    expect(full.status).toBe(200);
    expect(whole.text).toBe(full.text);
    expect(whole.headers['content-type']).toBe(full.headers['content-type']);
    expect(whole.headers.etag).toBe(full.headers.etag);
    // the full chain gives an anonymous visitor the CSRF cookies; the whole page has no form that needs them
    expect(full.headers['set-cookie']).toBeDefined();
    expect(whole.headers['set-cookie']).toBeUndefined();
    expect(whole.text).not.toContain('name="_csrf"');
    // the same bytes again (kept), and a 304 to a browser that has them
    const again = await app.http.get(url).set(headers);
    expect(again.text).toBe(whole.text);
    expect((await app.http.get(url).set(headers).set('if-none-match', whole.headers.etag!)).status).toBe(304);
  });

  it('when a street is renamed, then the next visitor without a session sees the new name on both pages', async () => {
    const GONGBEI = DEMO_IDS.streets.gongbei;
    const list = await app.http.get('/public/projects');
    const stats = await app.http.get('/public/stats?lang=en');
    expect(list.text).toContain('拱北街道');
    expect(stats.text).toContain('Gongbei Street');
    await app.deps.services.reference.renamePlace('street', GONGBEI, { nameZh: '拱北新街道', nameEn: 'New Gongbei Street' });
    try {
      const listAfter = await app.http.get('/public/projects');
      expect(listAfter.text).toContain('拱北新街道');
      expect(listAfter.headers.etag).not.toBe(list.headers.etag);
      const statsAfter = await app.http.get('/public/stats?lang=en');
      expect(statsAfter.text).toContain('New Gongbei Street');
      expect(statsAfter.text).toBe((await app.http.get('/public/stats?lang=en').set('cookie', FORGED)).text);
    } finally {
      await app.deps.services.reference.renamePlace('street', GONGBEI, { nameZh: '拱北街道', nameEn: 'Gongbei Street' });
    }
  });

  it('when a signed-in user opens the public list, then they get their own page, with their navigation', async () => {
    const agent = await agentFor(app, 'district@example.org');
    const mine = await agent.get('/public/projects');
    expect(mine.status).toBe(200);
    expect(mine.text).toContain('href="/inbox"');
    expect((await app.http.get('/public/projects')).text).not.toContain('href="/inbox"');
  });

  it('when a visitor without a session sends a refused query, then they get the full chain\'s error page and nothing is kept', async () => {
    for (const url of ['/public/stats?year=abc', '/public/stats?year=1999&lang=en']) {
      const whole = await app.http.get(url);
      const full = await app.http.get(url).set('cookie', FORGED);
      expect(whole.status).toBeGreaterThanOrEqual(400);
      expect(whole.status).toBeLessThan(500);
      expect(whole.status).toBe(full.status);
      const tokenless = (html: string) => html.replace(/name="_csrf" value="[^"]*"/g, '');
      expect(tokenless(whole.text)).toBe(tokenless(full.text));
    }
  });
});
