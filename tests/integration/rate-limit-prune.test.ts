// The one limiter's table does not grow for ever (issue 9 item 6): rows whose windows and waits are
// long over are deleted as the limiter writes, a bounded batch at a time on the limiter's own clock,
// and the counts that still hold stay, on every database.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PRUNE_BATCH, PRUNE_EVERY_MS, createRateLimiter } from '../../src/auth/rate-limit.js';
import { UnauthenticatedError } from '../../src/errors.js';
import { ManualClock } from '../../src/lib/clock.js';
import { STORAGE_KINDS, createTestDb, type TestDb } from '../support/db.js';

const T0 = '2026-03-02T01:00:00.000Z';
const HOUR = 3600_000;
const WINDOW = 15 * 60_000;

describe.each(STORAGE_KINDS)('pruning the limiter on %s', (kind) => {
  let t: TestDb;
  let clock: ManualClock;
  let limiter: ReturnType<typeof createRateLimiter>;
  beforeEach(async () => {
    t = await createTestDb(kind);
    clock = new ManualClock(T0);
    limiter = createRateLimiter({ db: t.db, clock, secret: 'prune-test', login: { perAccount: 2, perAddress: 3, windowMs: WINDOW }, objections: { perAddress: 2, windowMs: HOUR } });
  });
  afterEach(async () => {
    await t.cleanup();
  });

  const fail = (email: string, address: string) =>
    limiter.signIn({ email, address }, async () => {
      throw new UnauthenticatedError('wrong password');
    }).then(() => 200, (err: { status?: number }) => err.status ?? 500);
  const keys = async () => (await t.db('rate_limits').orderBy('key').pluck('key')) as string[];
  const row = (key: string) => t.db('rate_limits').where({ key }).first();

  it('when windows are long over, then the next write deletes their rows and the live counts still refuse', async () => {
    // at T0: an address and an account at their limits, an objection address at its share
    for (let n = 0; n < 3; n++) await fail('old@example.org', '10.0.0.1');
    expect(await fail('old@example.org', '10.0.0.1')).toBe(429);
    await limiter.objection('10.0.0.9');
    await limiter.objection('10.0.0.9');
    // a wait still owed long after the last failure (beyond anything the limits give, but kept all the same)
    await t.db('rate_limits').insert({ key: 'login-acct:waiting@example.org', count: 9, window_start: T0, updated_at: T0, blocked_until: '2026-03-09T01:00:00.000Z' });
    expect(await keys()).toEqual(['login-acct:old@example.org', 'login-acct:waiting@example.org', 'login-ip:10.0.0.1', 'objection-ip:10.0.0.9']);

    // over an hour later the longest window (1 h) is over, but not a whole window past: nothing goes
    clock.advance(HOUR + PRUNE_EVERY_MS);
    expect(await fail('mid@example.org', '10.0.0.3')).toBe(401);
    expect(await keys()).toContain('login-ip:10.0.0.1');

    // two hours after T0: the rows of T0 go with the next write; the wait still owed and the live rows stay
    clock.set(Date.parse(T0) + 2 * HOUR + 1);
    expect(await fail('live@example.org', '10.0.0.2')).toBe(401);
    expect(await fail('live@example.org', '10.0.0.2')).toBe(401);
    expect(await fail('live@example.org', '10.0.0.2')).toBe(429); // the account's third failure owes 1 s
    await limiter.objection('10.0.0.8');
    await limiter.objection('10.0.0.8');
    expect(await keys()).toEqual([
      'login-acct:live@example.org', 'login-acct:mid@example.org', 'login-acct:waiting@example.org', 'login-ip:10.0.0.2', 'login-ip:10.0.0.3', 'objection-ip:10.0.0.8',
    ]);
    expect((await row('login-ip:10.0.0.2')).count).toBe(3);
    expect((await row('login-acct:live@example.org')).count).toBe(3);
    expect((await row('objection-ip:10.0.0.8')).count).toBe(2);
    // … and still refuse: the address has had its 3 failures, the objection address its 2
    clock.advance(2000);
    expect(await fail('other@example.org', '10.0.0.2')).toBe(429);
    await expect(limiter.objection('10.0.0.8')).rejects.toMatchObject({ status: 429 });
    // the pruned address and account start afresh, as they would have on their stale rows
    expect(await fail('old@example.org', '10.0.0.1')).toBe(401);
    expect((await row('login-ip:10.0.0.1')).count).toBe(1);
  });

  it('when more rows are stale than one batch, then each write deletes a batch until none is left, then prunes again only after PRUNE_EVERY_MS', async () => {
    const insertStale = async (n: number, from = 0) => {
      const rows = Array.from({ length: n }, (_, i) => ({ key: `login-ip:192.0.2.${from + i}`, count: 1, window_start: T0, updated_at: T0, blocked_until: null }));
      for (let i = 0; i < rows.length; i += 100) await t.db('rate_limits').insert(rows.slice(i, i + 100));
    };
    const total = async () => Number((await t.db('rate_limits').count({ n: '*' }).first())!.n);
    await insertStale(2 * PRUNE_BATCH + 120);
    clock.advance(3 * HOUR);
    expect(await limiter.prune()).toBe(PRUNE_BATCH);
    expect(await total()).toBe(PRUNE_BATCH + 120);
    // a write prunes one batch; it was full, so the next write prunes again, and that one is the last
    await limiter.objection('10.0.0.7');
    expect(await total()).toBe(120 + 1);
    await limiter.objection('10.0.0.6');
    expect(await keys()).toEqual(['objection-ip:10.0.0.6', 'objection-ip:10.0.0.7']);
    // the batch came back short: the next prune waits PRUNE_EVERY_MS on the limiter's clock
    await insertStale(3, 1000);
    await limiter.objection('10.0.0.5');
    expect(await total()).toBe(6);
    clock.advance(PRUNE_EVERY_MS);
    await limiter.objection('10.0.0.5');
    expect(await keys()).toEqual(['objection-ip:10.0.0.5', 'objection-ip:10.0.0.6', 'objection-ip:10.0.0.7']);
  });
});
