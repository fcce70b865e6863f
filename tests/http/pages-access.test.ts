// Every page route of the inbox, administration and public areas × every demo user (signed in
// through the real form) and anonymous: exactly the access each should get.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { U } from '../support/lifecycle.js';
import { agentFor, type Agent } from './pages-helpers.js';

const ADMIN_PAGES = [
  '/admin', '/admin/users', '/admin/users/new', '/admin/places', '/admin/places/streets/new', '/admin/places/communities/new',
  '/admin/vendors', '/admin/vendors/new', '/admin/vendors/vd-kangfu', '/admin/categories', '/admin/allocations', '/admin/allocations?year=2027',
  '/admin/rules', '/admin/rules/new', '/admin/rules/0', '/admin/calendar', '/admin/outbox', '/admin/outbox?status=dead',
  '/admin/emails', '/admin/emails/task_assigned?mail=zh-CN', '/admin/emails/awarded?mail=en', '/admin/emails/returned/html?mail=en',
];
/** A message key that fell through untranslated, e.g. admin.users.title. */
const UNTRANSLATED = /\b(admin|public|inbox|stageNames|typeNames|roleNames|validation|form|emails|reasons|errors)\.[a-zA-Z_]+\b/;
const PUBLIC_PAGES = ['/public', '/public/notices', '/public/projects', '/public/projects?state=procurement&type=goods&page=2', '/public/stats', '/public/stats?year=2025'];

describe('page access by role', () => {
  let app: TestApp;
  const agents = new Map<string, Agent>();
  let userId = '';

  beforeAll(async () => {
    app = await createTestApp();
    for (const email of Object.values(U)) agents.set(email, await agentFor(app, email));
    agents.set('anonymous', await agentFor(app));
    userId = (await app.deps.services.users.findByEmail(U.c1))!.id;
  });
  afterAll(async () => app?.close());

  it('when anyone opens a public page, then it answers 200 in both languages', async () => {
    for (const [who, agent] of agents) {
      for (const path of PUBLIC_PAGES) {
        for (const lang of ['', 'lang=en']) {
          const url = lang ? `${path}${path.includes('?') ? '&' : '?'}${lang}` : path;
          const res = await agent.get(url);
          expect(res.status, `${who} ${url}`).toBe(200);
          expect(res.text, `${url} shows a missing message key`).not.toMatch(UNTRANSLATED);
        }
      }
    }
  });

  it('when a signed-in user opens /inbox, then it answers 200; anonymous visitors are sent to /login', async () => {
    for (const [who, agent] of agents) {
      const res = await agent.get('/inbox');
      if (who === 'anonymous') {
        expect(res.status).toBe(302);
        expect(res.headers.location).toBe('/login?next=%2Finbox');
      } else {
        expect(res.status, who).toBe(200);
        expect(res.text).toContain('<h1>我的待办</h1>');
        expect(res.text).not.toMatch(UNTRANSLATED);
        expect((await agent.get('/inbox?lang=en')).text).not.toMatch(UNTRANSLATED);
      }
    }
  });

  it('when each role opens every administration page, then only the admin gets it, others 403, anonymous to /login', async () => {
    for (const [who, agent] of agents) {
      for (const path of [...ADMIN_PAGES, `/admin/users/${userId}`]) {
        const res = await agent.get(path);
        const expected = who === U.admin ? 200 : who === 'anonymous' ? 302 : 403;
        expect(res.status, `${who} ${path}`).toBe(expected);
        if (expected === 302) expect(res.headers.location).toMatch(/^\/login\?next=/);
        if (expected === 200) {
          expect(res.text, `${path} shows a missing message key`).not.toMatch(UNTRANSLATED);
          const en = await agent.get(`${path}${path.includes('?') ? '&' : '?'}lang=en`);
          expect(en.status).toBe(200);
          expect(en.text, `${path} (en) shows a missing message key`).not.toMatch(UNTRANSLATED);
        }
      }
    }
  });

  it('when someone not an admin posts to an administration form, then it is refused', async () => {
    const agent = agents.get(U.district)!;
    const page = await agent.get('/inbox');
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const res = await agent.post('/admin/vendors').type('form').send({ _csrf: token, name: 'X', email: 'x@example.org', types: 'goods' });
    expect(res.status).toBe(403);
    expect((await app.deps.services.reference.vendors()).some((v) => v.name === 'X')).toBe(false);
  });

  it('when a page or template does not exist, then the answer is 404, never 500', async () => {
    const admin = agents.get(U.admin)!;
    for (const path of ['/admin/users/nope', '/admin/vendors/nope', '/admin/rules/99', '/admin/rules/x', '/admin/emails/nope', '/public/projects/nope', '/public/notices/nope']) {
      expect((await admin.get(path)).status, path).toBe(404);
    }
  });
});
