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

  it('when a loaded session is touched before its stored expiry is due, then no statement is sent at all; a due touch, or one after another process moved the row, still writes', async () => {
    const base = Date.now() + 8 * HOUR;
    await call((cb) => store.set('s3', sessionExpiring(base), cb));
    const fresh = new KnexSessionStore(t.db); // another process: it knows the row only once it reads it
    let statements = 0;
    const count = () => statements++;
    t.db.on('query', count);
    try {
      await new Promise((resolve, reject) => fresh.get('s3', (err, s) => (err ? reject(err) : resolve(s))));
      expect(statements).toBe(1); // the page's read of its session
      await call((cb) => fresh.touch('s3', sessionExpiring(base + 1_000), cb));
      await call((cb) => fresh.touch('s3', sessionExpiring(base + TOUCH_AFTER_MS), cb));
      expect(statements).toBe(1);
      // due: written, and known from then on
      await call((cb) => fresh.touch('s3', sessionExpiring(base + TOUCH_AFTER_MS + 1), cb));
      expect(statements).toBe(2);
      expect(await stored('s3')).toBe(new Date(base + TOUCH_AFTER_MS + 1).toISOString());
      await call((cb) => fresh.touch('s3', sessionExpiring(base + 2 * TOUCH_AFTER_MS), cb));
      expect(statements).toBe(3); // (the stored() read above)
    } finally {
      t.db.removeListener('query', count);
    }
    // the first store still knows the row as it wrote it: its due touch writes once the stored expiry is behind
    await call((cb) => store.touch('s3', sessionExpiring(base + 3 * TOUCH_AFTER_MS), cb));
    expect(await stored('s3')).toBe(new Date(base + 3 * TOUCH_AFTER_MS).toISOString());
    // signed out elsewhere: a touch here brings nothing back
    await call((cb) => fresh.destroy('s3', cb));
    await call((cb) => store.touch('s3', sessionExpiring(base + 10 * TOUCH_AFTER_MS), cb));
    expect(await stored('s3')).toBeUndefined();
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
