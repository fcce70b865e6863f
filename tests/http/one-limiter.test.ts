// Issue 9 item 6: one limiter for the log-in page and the token API and for objections, its counts
// in the database. Two server instances on one database (as two processes would be), the limiter
// on a sandbox clock of its own: page and API failures count together, a burst of wrong passwords
// from one address neither locks the owner out of a device that signed in before nor gets past the
// address limit, and a restart (a new instance) keeps the counts. Objection e-mails are one digest
// per notice per hour.
import supertest from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type AppOptions } from '../../src/app.js';
import { DEFAULT_LOGIN_LIMITS } from '../../src/auth/rate-limit.js';
import { createDeps } from '../../src/deps.js';
import { ManualClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { createTestApp, DEMO_PASSWORD, T0, type TestApp } from '../support/app.js';
import { STORAGE_KINDS } from '../support/db.js';
import { api, DELIBERATION_OK, GOOD_CHECKLIST, goodsProject, shanghaiDay, U } from '../support/lifecycle.js';
import { csrfOf } from './pages-helpers.js';

/** Another server instance on the same database (its own connection pool, deps and limiter). */
async function anotherInstance(a: TestApp, opts: AppOptions) {
  const deps = await createDeps(a.deps.config, { db: a.t.reopen(), clock: a.clock, logger: createLogger('silent') });
  const app = createApp(deps, opts);
  return { deps, app, http: supertest(app) };
}

type Instance = { app: TestApp['app']; http: ReturnType<typeof supertest> };

async function pageLogin(i: Instance, email: string, password: string, from: string, cookie?: string) {
  const agent = supertest.agent(i.app);
  const page = await agent.get('/login').set('X-Forwarded-For', from);
  const req = agent.post('/login').set('X-Forwarded-For', from).type('form');
  if (cookie) req.set('Cookie', cookie);
  return req.send({ _csrf: csrfOf(page.text), email, password });
}

function apiLogin(i: Instance, email: string, password: string, from: string, cookie?: string) {
  const req = i.http.post('/api/v1/auth/token').set('X-Forwarded-For', from);
  if (cookie) req.set('Cookie', cookie);
  return req.send({ email, password });
}

function deviceCookie(res: { headers: Record<string, unknown> }): string {
  const set = (res.headers['set-cookie'] as string[] | undefined) ?? [];
  const c = set.find((s) => s.startsWith('wss.device.'));
  if (!c) throw new Error('no device cookie');
  return c.split(';')[0]!;
}

describe.each(STORAGE_KINDS)('the one limiter on %s', (kind) => {
  let a: TestApp | undefined;
  afterEach(async () => {
    await a?.close();
    a = undefined;
  });

  it('when page and API failures come through two instances, then they count together; a burst from one address does not keep the owner out of a known device, its address stays refused, and a restart keeps the counts', async () => {
    const clock = new ManualClock(T0);
    const opts: AppOptions = { loginLimits: DEFAULT_LOGIN_LIMITS, limiterClock: clock };
    a = await createTestApp({ kind, app: opts });
    const b = await anotherInstance(a, opts);
    const HOME = '203.0.113.10';
    const BURST = '198.51.100.66';
    const ELSEWHERE = '192.0.2.44';
    const OWNER = U.street;

    // The owner signs in on the page of instance a: this browser is now a known device.
    const first = await pageLogin(a, OWNER, DEMO_PASSWORD, HOME);
    expect(first.status).toBe(302);
    const device = deviceCookie(first);
    expect(((first.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('wss.device.')))).toMatch(/HttpOnly/);

    // Page and API failures, through both instances, count together: 3 + 2, then the 6th owes 1 s.
    for (let i = 0; i < 3; i++) expect((await apiLogin(a, OWNER, 'wrong-1', BURST)).status).toBe(401);
    for (let i = 0; i < 2; i++) expect((await pageLogin(b, OWNER, 'wrong-2', BURST)).status).toBe(401);
    const sixth = await apiLogin(b, OWNER, 'wrong-3', BURST);
    expect(sixth.status).toBe(429);
    expect(sixth.headers['retry-after']).toBe('1');
    let failures = 6;
    const waits = [1];

    // The burst goes on, honouring every delay, through alternating instances and paths.
    let ownerSignedIn = false;
    while (failures < DEFAULT_LOGIN_LIMITS.perAddress) {
      clock.advance(waits.at(-1)! * 1000);
      const via = failures % 2 ? apiLogin(b, OWNER, `wrong-${failures}`, BURST) : pageLogin(a, OWNER, `wrong-${failures}`, BURST);
      const res = await via;
      expect(res.status).toBe(429);
      failures++;
      waits.push(Number(res.headers['retry-after']));
      if (failures === 12 && !ownerSignedIn) {
        // Mid-burst: the account owes a wait. From elsewhere, without the device cookie, even the
        // right password waits; from the known device, the owner signs in on the first try.
        expect((await apiLogin(a, OWNER, DEMO_PASSWORD, ELSEWHERE)).status).toBe(429);
        expect((await pageLogin(b, OWNER, DEMO_PASSWORD, HOME, device)).status).toBe(302);
        expect((await apiLogin(a, OWNER, DEMO_PASSWORD, HOME, device)).status).toBe(200);
        ownerSignedIn = true;
      }
    }
    expect(ownerSignedIn).toBe(true);
    // Growing delays, doubling from 1 s and capped at 60 s.
    expect(waits.slice(0, 8)).toEqual([1, 2, 4, 8, 16, 32, 60, 60]);
    expect(Math.max(...waits)).toBe(60);

    // A restart: a new instance on the same database keeps every count — the account's delay…
    const c = await anotherInstance(a, opts);
    expect((await apiLogin(c, OWNER, DEMO_PASSWORD, ELSEWHERE)).status).toBe(429);
    // …and the burst's address, which has had its share: refused whatever it tries, on every instance.
    expect((await apiLogin(c, U.district, DEMO_PASSWORD, BURST)).status).toBe(429);
    clock.advance(60_000);
    const refused = await apiLogin(a, U.district, DEMO_PASSWORD, BURST);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await pageLogin(b, U.district, DEMO_PASSWORD, BURST)).status).toBe(429);
    expect((await apiLogin(c, OWNER, DEMO_PASSWORD, HOME, device)).status).toBe(200);
    // Nothing is kept in memory: the counts are rows.
    expect(await a.deps.db('rate_limits').where('key', `login-ip:${BURST}`).first()).toMatchObject({ count: DEFAULT_LOGIN_LIMITS.perAddress });
  });

  it('when objections come through the API of one instance and the page of another, then ten an hour are allowed in all, and the community gets one digest for the hour', async () => {
    const clock = new ManualClock(T0);
    const opts: AppOptions = { limiterClock: clock, loginLimits: { perAccount: 1000, perAddress: 1000 } };
    a = await createTestApp({ kind, app: opts });
    const b = await anotherInstance(a, opts);
    const x = api(a);
    const p = await x.create(U.c1, goodsProject());
    await x.ok(U.c1, p.id, 'SUBMIT');
    await x.ok(U.c2, p.id, 'SCREEN_PASS', { checklist: GOOD_CHECKLIST });
    await x.ok(U.c1, p.id, 'RECORD_DELIBERATION', { ...DELIBERATION_OK, heldOn: shanghaiDay(a) });

    for (let i = 0; i < 6; i++) {
      expect((await a.http.post(`/api/v1/projects/${p.id}/events`).send({ type: 'OBJECT', text: `异议 ${i}` })).status).toBe(200);
    }
    const resident = supertest.agent(b.app);
    const objectOnPage = async (text: string) => {
      const page = await resident.get(`/public/notices/${p.id}`);
      return resident.post(`/public/notices/${p.id}`).type('form').send({ _csrf: csrfOf(page.text), text, contact: '' });
    };
    for (let i = 6; i < 10; i++) expect((await objectOnPage(`异议 ${i}`)).status).toBe(303);
    const viaApi = await b.http.post(`/api/v1/projects/${p.id}/events`).send({ type: 'OBJECT', text: '第11条' });
    expect(viaApi.status).toBe(429);
    expect(viaApi.body.error.code).toBe('RATE_LIMITED');
    expect(Number(viaApi.headers['retry-after'])).toBeGreaterThan(0);
    expect((await objectOnPage('第12条')).status).toBe(429);
    const view = await x.project(U.c1, p.id);
    expect((view.objections as unknown[]).length).toBe(10);

    // One e-mail per community user for the hour, not one per objection, due at the end of the hour.
    const mails = await a.deps.db('outbox').where({ instance_id: p.id, template: 'objection_received' });
    const recipients = new Set(mails.map((m: { to_addr: string }) => m.to_addr));
    expect(mails.length).toBeGreaterThan(0);
    expect(mails.length).toBe(recipients.size);
    for (const m of mails) {
      expect(m.status).toBe('pending');
      expect(m.next_attempt_at).toBe('2026-03-02T02:00:00.000Z');
      expect(m.text).toContain('10');
    }
    // The next hour's objections make the next hour's digest.
    a.clock.advance(3600_000);
    clock.advance(3600_000);
    expect((await b.http.post(`/api/v1/projects/${p.id}/events`).send({ type: 'OBJECT', text: '下一小时' })).status).toBe(200);
    const after = await a.deps.db('outbox').where({ instance_id: p.id, template: 'objection_received' });
    expect(after.length).toBe(2 * recipients.size);
  });
});
