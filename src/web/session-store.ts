// An express-session store on knex. connect-session-knex was tried first: it does not recognise
// knex's better-sqlite3 dialect and compares expiry with a CAST that SQLite turns into a number,
// so expired sessions would still load. This store keeps expiry as an ISO string (as every other
// time here) and checks it in the query. Sessions run on wall time, never the sandbox clock.
import session, { type SessionData } from 'express-session';
import { LRUCache } from 'lru-cache';
import type { Db } from '../lib/db.js';

const DEFAULT_TTL_MS = 8 * 3600_000;
/**
 * A touch (the rolling expiry, on every request of a signed-in user) writes only when the stored
 * expiry has fallen this far behind: otherwise every page view would be a write transaction, and on
 * SQLite a commit with its fsync on the server's one connection. A session may so end up to a
 * minute before its cookie says, never after (connect-mongo's `touchAfter` does the same).
 */
export const TOUCH_AFTER_MS = 60_000;

export class KnexSessionStore extends session.Store {
  private sets = 0;
  /**
   * The expiry each recent session had when this process last read or wrote its row. The stored
   * expiry only moves forward (a touch or a set) or the row goes (sign-out, expiry), so a touch that
   * this shows is not due yet needs no statement at all: a signed-in page view then sends none.
   */
  private readonly known = new LRUCache<string, string>({ max: 10_000 });
  constructor(private readonly db: Db) {
    super();
  }

  private expiry(sess: SessionData): string {
    const e = sess.cookie?.expires;
    return new Date(e ? new Date(e).getTime() : Date.now() + DEFAULT_TTL_MS).toISOString();
  }

  override get(sid: string, cb: (err: unknown, session?: SessionData | null) => void): void {
    this.db('sessions').where({ sid }).andWhere('expires_at', '>', new Date().toISOString()).first()
      .then((r) => {
        if (r) this.known.set(sid, String(r.expires_at));
        else this.known.delete(sid);
        cb(null, r ? (JSON.parse(r.sess) as SessionData) : null);
      }, cb);
  }

  override set(sid: string, sess: SessionData, cb?: (err?: unknown) => void): void {
    const row = { sid, sess: JSON.stringify(sess), expires_at: this.expiry(sess) };
    this.known.delete(sid);
    this.db('sessions').insert(row).onConflict('sid').merge(['sess', 'expires_at'])
      .then(() => {
        this.known.set(sid, row.expires_at);
        // Now and then, drop expired sessions.
        if (++this.sets % 100 === 0) return this.db('sessions').where('expires_at', '<=', new Date().toISOString()).delete().then(() => undefined);
        return undefined;
      })
      .then(() => cb?.(), (err) => cb?.(err));
  }

  override touch(sid: string, sess: SessionData, cb?: (err?: unknown) => void): void {
    const expires = this.expiry(sess);
    const stale = new Date(new Date(expires).getTime() - TOUCH_AFTER_MS).toISOString();
    const known = this.known.get(sid);
    if (known !== undefined && known >= stale) {
      cb?.();
      return;
    }
    // Matching no row changes no page: SQLite then commits nothing and syncs nothing.
    this.db('sessions').where({ sid }).andWhere('expires_at', '<', stale).update({ expires_at: expires })
      .then((n) => {
        if (Number(n) > 0) this.known.set(sid, expires);
        cb?.();
      }, (err) => cb?.(err));
  }

  override destroy(sid: string, cb?: (err?: unknown) => void): void {
    this.known.delete(sid);
    this.db('sessions').where({ sid }).delete().then(() => cb?.(), (err) => cb?.(err));
  }
}
