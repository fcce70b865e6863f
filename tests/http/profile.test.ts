// The profile page (/profile): a signed-in user chooses the language of the pages (users.lang);
// pages then follow it whenever the address has no ?lang=, and ?lang= still wins for one page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { U } from '../support/lifecycle.js';
import { agentFor, csrfOf, type Agent } from './pages-helpers.js';

describe('the profile page and its language choice', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => app?.close());

  const langOfUser = async (email: string) => (await app.deps.services.users.findByEmail(email))!.lang;
  const htmlLang = (html: string) => /<html lang="([^"]+)"/.exec(html)?.[1];

  async function save(agent: Agent, lang: string | undefined, path = '/profile') {
    const page = await agent.get(path);
    expect(page.status).toBe(200);
    return agent.post(path).type('form').send({ _csrf: csrfOf(page.text), ...(lang === undefined ? {} : { lang }) });
  }

  it('when anonymous visitors ask for /profile, then they are sent to /login, and a post is refused', async () => {
    const anon = await agentFor(app);
    const res = await anon.get('/profile');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/login?next=%2Fprofile');
    const login = await anon.get('/login');
    expect((await anon.post('/profile').type('form').send({ _csrf: csrfOf(login.text), lang: 'en' })).status).toBe(401);
  });

  it('when any signed-in user opens the header link, then the profile page shows the language choice as radio buttons', async () => {
    for (const email of Object.values(U)) {
      const agent = await agentFor(app, email);
      const inbox = await agent.get('/inbox');
      expect(inbox.text, email).toMatch(/<a class="who" href="\/profile">/);
      const res = await agent.get('/profile');
      expect(res.status, email).toBe(200);
      expect(res.text).toContain('<h1>个人设置</h1>');
      expect(res.text).toContain(email);
      expect(res.text).toMatch(/<input type="radio" id="f-lang" name="lang" value="zh-CN" checked>/);
      expect(res.text).toMatch(/<input type="radio" id="f-lang-en" name="lang" value="en">/);
      expect(res.text).toContain('<legend>页面语言</legend>');
      expect(res.text).toContain('aria-current="page"');
      const en = await agent.get('/profile?lang=en');
      expect(en.text).toContain('<h1>Your profile</h1>');
      expect(en.text).not.toMatch(/\bprofile\.[a-zA-Z]+\b/);
    }
  });

  it('when a user chooses English, then every page without ?lang= is in English, ?lang=zh-CN still wins, and choosing Chinese goes back', async () => {
    const agent = await agentFor(app, U.street);
    expect(await langOfUser(U.street)).toBe('zh-CN');
    const saved = await save(agent, 'en');
    expect(saved.status).toBe(303);
    expect(saved.headers.location).toBe('/profile');
    expect(await langOfUser(U.street)).toBe('en');
    const back = await agent.get('/profile');
    expect(htmlLang(back.text)).toBe('en');
    expect(back.text).toContain('Your profile was saved.');
    expect(back.text).toMatch(/value="en" checked/);
    // The profile beats the browser's Accept-Language; ?lang= beats the profile.
    for (const path of ['/inbox', '/projects', '/public']) {
      const res = await agent.get(path).set('Accept-Language', 'zh-CN,zh;q=0.9');
      expect(res.status, path).toBe(200);
      expect(htmlLang(res.text), path).toBe('en');
    }
    expect(htmlLang((await agent.get('/inbox?lang=zh-CN')).text)).toBe('zh-CN');
    // Signing in again keeps it (it is stored on the user, not in the session).
    const again = await agentFor(app, U.street);
    expect(htmlLang((await again.get('/inbox')).text)).toBe('en');

    // Back to Chinese, from the English page.
    const zh = await save(agent, 'zh-CN', '/profile?lang=en');
    expect(zh.status).toBe(303);
    expect(zh.headers.location).toBe('/profile');
    expect(await langOfUser(U.street)).toBe('zh-CN');
    const page = await agent.get('/inbox').set('Accept-Language', 'en');
    expect(htmlLang(page.text)).toBe('zh-CN');
    // Another user's language is untouched.
    expect(await langOfUser(U.district)).toBe('zh-CN');
  });

  it('when no language or an unknown one is posted, then the form comes back with its error and nothing changes', async () => {
    const agent = await agentFor(app, U.c1);
    for (const lang of [undefined, 'fr', '']) {
      const res = await save(agent, lang);
      expect(res.status, String(lang)).toBe(422);
      expect(res.text).toContain('class="error-summary"');
      expect(res.text).toContain('href="#f-lang"');
      expect(res.text).toContain('请选择页面语言。');
      expect(res.text).toContain('id="f-lang-error"');
    }
    const en = await save(agent, 'xx', '/profile?lang=en');
    expect(en.status).toBe(422);
    expect(en.text).toContain('Choose a language for the pages.');
    expect(await langOfUser(U.c1)).toBe('zh-CN');
  });

  it('when the profile form is posted without a valid CSRF token, then it is refused with 403 and the language stays', async () => {
    const agent = await agentFor(app, U.district);
    const other = await agentFor(app, U.finance);
    const stranger = csrfOf((await other.get('/profile')).text);
    for (const body of [{ lang: 'en' }, { lang: 'en', _csrf: 'forged' }, { lang: 'en', _csrf: stranger }]) {
      const res = await agent.post('/profile').type('form').send(body);
      expect(res.status, JSON.stringify(body)).toBe(403);
    }
    expect(await langOfUser(U.district)).toBe('zh-CN');
  });
});
