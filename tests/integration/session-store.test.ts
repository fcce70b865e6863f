// The session store's rolling expiry (src/web/session-store.ts) on every database: a signed-in
// user's every request touches the session, but the row is written only once the stored expiry has
// fallen TOUCH_AFTER_MS behind, so page views are not write transactions; a session never outlives
// its last write by more than its cookie's age, and an expired one does not load.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionData } from 'express-session';
import { KnexSessionStore, TOUCH_AFTER_MS } from '../../src/web/session-store.js';
import { STORAGE_KINDS, createTestDb, type TestDb } from '../support/db.js';

const HOUR = 3600_000;

function sessionExpiring(at: number): SessionData {
  return { cookie: { expires: new Date(at), originalMaxAge: 8 * HOUR }, userId: 'u-1' } as unknown as SessionData;
}

describe.each(STORAGE_KINDS)('the session store on %s', (kind) => {
  let t: TestDb;
  let store: KnexSessionStore;
  beforeEach(async () => {
    t = await createTestDb(kind);
    store = new KnexSessionStore(t.db);
  });
  afterEach(async () => {
    await t.cleanup();
  });

  const call = (fn: (cb: (err?: unknown) => void) => void) => new Promise<void>((resolve, reject) => fn((err) => (err ? reject(err) : resolve())));
  const stored = async (sid: string) => ((await t.db('sessions').where({ sid }).first()) as { expires_at: string } | undefined)?.expires_at;
  const load = (sid: string) => new Promise<SessionData | null | undefined>((resolve, reject) => store.get(sid, (err, s) => (err ? reject(err) : resolve(s))));

  it('when a session is touched within a minute of its stored expiry, then nothing is written; after that, the new expiry is', async () => {
    const base = Date.now() + 8 * HOUR;
    await call((cb) => store.set('s1', sessionExpiring(base), cb));
    expect(await stored('s1')).toBe(new Date(base).toISOString());

    // the next requests within the minute: the stored expiry stays
    await call((cb) => store.touch('s1', sessionExpiring(base + 1_000), cb));
    await call((cb) => store.touch('s1', sessionExpiring(base + TOUCH_AFTER_MS), cb));
    expect(await stored('s1')).toBe(new Date(base).toISOString());

    // a request more than a minute later moves it
    await call((cb) => store.touch('s1', sessionExpiring(base + TOUCH_AFTER_MS + 1), cb));
    expect(await stored('s1')).toBe(new Date(base + TOUCH_AFTER_MS + 1).toISOString());

    // another session is not touched by this one's requests
    await call((cb) => store.set('s2', sessionExpiring(base), cb));
    await call((cb) => store.touch('s1', sessionExpiring(base + 5 * TOUCH_AFTER_MS), cb));
    expect(await stored('s2')).toBe(new Date(base).toISOString());
    expect(await stored('s1')).toBe(new Date(base + 5 * TOUCH_AFTER_MS).toISOString());
  });

  it('when a session has expired, then a touch does not bring it back and it does not load', async () => {
    await call((cb) => store.set('old', sessionExpiring(Date.now() - HOUR), cb));
    expect(await load('old')).toBeNull();
    await call((cb) => store.touch('old', sessionExpiring(Date.now() - HOUR + 1_000), cb));
    expect(await load('old')).toBeNull();
    // set (a sign-in, a changed session) always writes
    await call((cb) => store.set('old', sessionExpiring(Date.now() + HOUR), cb));
    expect((await load('old'))?.userId).toBe('u-1');
  });
});
