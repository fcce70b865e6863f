import supertest from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LOGIN_LIMITS } from '../../src/auth/rate-limit.js';
import { ManualClock } from '../../src/lib/clock.js';
import { createTestApp, DEMO_PASSWORD, T0, type TestApp } from '../support/app.js';

describe('log-in limits', () => {
  let a: TestApp | undefined;
  afterEach(async () => {
    await a?.close();
  });

  async function formLogin(agent: ReturnType<typeof supertest.agent>, email: string, password: string, lang = '') {
    const page = await agent.get(`/login${lang}`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    return agent.post(`/login${lang}`).type('form').send({ _csrf: csrf, email, password });
  }

  it('when an account fails its password too often, then it waits a growing delay (429 with Retry-After), not a lockout, and other accounts still sign in', async () => {
    const clock = new ManualClock(T0);
    a = await createTestApp({ app: { loginLimits: DEFAULT_LOGIN_LIMITS, limiterClock: clock } });
    const agent = supertest.agent(a.app);
    for (let i = 0; i < DEFAULT_LOGIN_LIMITS.perAccount; i++) {
      expect((await formLogin(agent, 'street@example.org', 'wrong-password')).status).toBe(401);
    }
    // The 6th failure owes 1 s; until then even the right password is refused, in the page's language.
    const sixth = await formLogin(agent, 'street@example.org', 'wrong-password');
    expect(sixth.status).toBe(429);
    expect(sixth.headers['retry-after']).toBe('1');
    const blocked = await formLogin(agent, 'street@example.org', DEMO_PASSWORD);
    expect(blocked.status).toBe(429);
    expect(blocked.text).toContain('请求过于频繁');
    expect((await formLogin(agent, 'STREET@example.org ', DEMO_PASSWORD, '?lang=en')).text).toContain('Too many requests');
    // The limit is per account: a colleague at the same address is not delayed.
    expect((await formLogin(supertest.agent(a.app), 'district@example.org', DEMO_PASSWORD)).status).toBe(302);
    // A delay, not a lockout: once it has passed, the right password signs in.
    clock.advance(1000);
    expect((await formLogin(agent, 'street@example.org', DEMO_PASSWORD)).status).toBe(302);
    // The API's token log-in counts in the same limiter as the page.
    for (let i = 0; i < DEFAULT_LOGIN_LIMITS.perAccount; i++) {
      expect((await a.http.post('/api/v1/auth/token').send({ email: 'finance@example.org', password: 'nope-nope-nope' })).status).toBe(401);
    }
    const api = await a.http.post('/api/v1/auth/token').send({ email: 'finance@example.org', password: 'nope-nope-nope' });
    expect(api.status).toBe(429);
    expect(api.body.error.code).toBe('RATE_LIMITED');
    expect(api.headers['retry-after']).toBe('1');
    expect((await formLogin(supertest.agent(a.app), 'finance@example.org', DEMO_PASSWORD)).status).toBe(429);
  });

  it('when one address fails for many accounts, then that address is refused', async () => {
    a = await createTestApp({ app: { loginLimits: { ...DEFAULT_LOGIN_LIMITS, perAddress: 6 } } });
    for (let i = 0; i < 6; i++) {
      expect((await a.http.post('/api/v1/auth/token').send({ email: `nobody${i}@example.org`, password: 'x' })).status).toBe(401);
    }
    expect((await a.http.post('/api/v1/auth/token').send({ email: 'admin@example.org', password: DEMO_PASSWORD })).status).toBe(429);
  });

  it('when a person signs in and out many times, then they are never locked out', async () => {
    a = await createTestApp({ app: { loginLimits: DEFAULT_LOGIN_LIMITS } });
    const agent = supertest.agent(a.app);
    for (let i = 0; i < 3 * DEFAULT_LOGIN_LIMITS.perAccount; i++) {
      const res = await formLogin(agent, 'community1@example.org', DEMO_PASSWORD);
      expect(res.status).toBe(302);
      const inbox = await agent.get('/inbox');
      const csrf = /name="_csrf" value="([^"]+)"/.exec(inbox.text)![1];
      expect((await agent.post('/logout').type('form').send({ _csrf: csrf })).status).toBe(302);
    }
  });

  it('when the session cookie is set, then it is HttpOnly and SameSite=Lax, and each log-in gets a new session id', async () => {
    a = await createTestApp();
    const agent = supertest.agent(a.app);
    const page = await agent.get('/login');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    const res = await agent.post('/login').type('form').send({ _csrf: csrf, email: 'community1@example.org', password: DEMO_PASSWORD });
    const cookie = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('wss.sid='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/); // only in production
    // Signing in again over the same session gives a new id (no session fixation).
    const page2 = await agent.get('/public');
    const csrf2 = /name="_csrf" value="([^"]+)"/.exec(page2.text)![1];
    const res2 = await agent.post('/login').type('form').send({ _csrf: csrf2, email: 'community2@example.org', password: DEMO_PASSWORD });
    const cookie2 = ((res2.headers['set-cookie'] as unknown as string[] | undefined) ?? []).find((c) => c.startsWith('wss.sid='));
    expect(cookie2).toBeDefined();
    expect(cookie2!.split(';')[0]).not.toBe(cookie.split(';')[0]);
    // The password never lands in the session store.
    const rows = await a.deps.db('sessions').select('sess');
    expect(JSON.stringify(rows)).not.toContain(DEMO_PASSWORD);
  });
});

describe('objections from the public', () => {
  let a: TestApp | undefined;
  afterEach(async () => {
    await a?.close();
  });

  it('when one address lodges more than ten objections in an hour, then the next is refused with 429 and not recorded', async () => {
    a = await createTestApp();
    const { api, goodsProject, DELIBERATION_OK, GOOD_CHECKLIST, shanghaiDay, U } = await import('../support/lifecycle.js');
    const x = api(a);
    const p = await x.create(U.c1, goodsProject());
    await x.ok(U.c1, p.id, 'SUBMIT');
    await x.ok(U.c2, p.id, 'SCREEN_PASS', { checklist: GOOD_CHECKLIST });
    await x.ok(U.c1, p.id, 'RECORD_DELIBERATION', { ...DELIBERATION_OK, heldOn: shanghaiDay(a) });
    for (let i = 0; i < 10; i++) {
      expect((await a.http.post(`/api/v1/projects/${p.id}/events`).send({ type: 'OBJECT', text: `异议 ${i}` })).status).toBe(200);
    }
    const refused = await a.http.post(`/api/v1/projects/${p.id}/events`).send({ type: 'OBJECT', text: '第11条' });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('RATE_LIMITED');
    const view = await x.project(U.c1, p.id);
    expect((view.objections as unknown[]).length).toBe(10);
  });
});
