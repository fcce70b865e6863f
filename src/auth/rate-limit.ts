// The one limiter (issue 9 item 6). Page and API share it, its counts live in the database
// (rate-limit-store.ts), so every process sees the same counts and a restart keeps them, and it
// reads its own clock (wall time in production; tests move a ManualClock instead of waiting).
// - Log-in failures per address: `perAddress` per window, then refused until the window ends.
// - Log-in failures per account: growing delays, never a lockout. Up to `perAccount` failures cost
//   nothing; the next one answers 429 with Retry-After 1 s, and each further failure doubles the
//   wait, up to 60 s. A quiet `windowMs` since the last failure forgets them; a sign-in clears them.
// - A device that signed in to the account before (device-cookie.ts) has its own count instead of
//   the account's, so a burst from elsewhere does not delay the owner. The address limit still holds.
// - Objections from the public: `perAddress` per window per address, through the page and the API.
// - Rows that count for nothing any more (a whole window past the longest window, no wait owed) are
//   deleted as the limiter writes: a bounded batch at most every PRUNE_EVERY_MS of its clock, and
//   again at the next write while batches come back full, so the table does not grow with every
//   address and account that ever failed.
import type { Clock } from '../lib/clock.js';
import type { Db } from '../lib/db.js';
import { RateLimitedError, isAppError } from '../errors.js';
import { deviceCookieName, issueDeviceCookie, normaliseEmail, verifyDeviceCookie, type DeviceCookie } from './device-cookie.js';
import { pruneLimits, readLimits, updateLimit, type LimitRow } from './rate-limit-store.js';

export interface LoginLimits {
  /** Failures per account that cost no delay. */
  perAccount: number;
  /** Failures per address in a window before the address is refused. */
  perAddress: number;
  windowMs: number;
}

export interface ObjectionLimits {
  perAddress: number;
  windowMs: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perAccount: 5, perAddress: 20, windowMs: 15 * 60_000 };
export const DEFAULT_OBJECTION_LIMITS: ObjectionLimits = { perAddress: 10, windowMs: 3600_000 };
/** Residents' ratings per address (issue 14 item 4): a household's sheets rated from one phone pass, a burst does not. */
export const DEFAULT_RATING_LIMITS: ObjectionLimits = { perAddress: 20, windowMs: 3600_000 };
/** Needs the public reports per address (issue 15 items 2 and 6): the form, the JSON API and Open311 count together. */
export const DEFAULT_NEED_LIMITS: ObjectionLimits = { perAddress: 10, windowMs: 3600_000 };

const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 60_000;

/** How often, on the limiter's clock, a write also prunes rows that count for nothing. */
export const PRUNE_EVERY_MS = 10 * 60_000;
/** The most rows one prune deletes (a write never waits on a long delete). */
export const PRUNE_BATCH = 500;

/** The wait after the `failures`-th failure: nothing up to `free`, then 1 s, doubling, capped at 60 s. */
export function accountDelayMs(failures: number, free: number): number {
  if (failures <= free) return 0;
  return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.min(16, failures - free - 1));
}

export interface LoginAttempt {
  email: string;
  /** The client's address, as the trusted proxies report it. */
  address: string;
  /** The value of this account's device cookie, when the client sent one. */
  device?: string | undefined;
}

export interface RateLimiterDeps {
  db: Db;
  clock: Clock;
  /** Signs device cookies (the session secret). */
  secret: string;
  login?: Partial<LoginLimits>;
  objections?: Partial<ObjectionLimits>;
  ratings?: Partial<ObjectionLimits>;
  needs?: Partial<ObjectionLimits>;
}

function refuse(waitMs: number): never {
  throw new RateLimitedError('too many attempts', { context: { retryAfter: Math.max(1, Math.ceil(waitMs / 1000)) } });
}

export function createRateLimiter(deps: RateLimiterDeps) {
  const { db, clock, secret } = deps;
  const login: LoginLimits = { ...DEFAULT_LOGIN_LIMITS, ...deps.login };
  const objections: ObjectionLimits = { ...DEFAULT_OBJECTION_LIMITS, ...deps.objections };
  const ratings: ObjectionLimits = { ...DEFAULT_RATING_LIMITS, ...deps.ratings };
  const needs: ObjectionLimits = { ...DEFAULT_NEED_LIMITS, ...deps.needs };

  // A row untouched for this long counts for nothing: every window is measured from a time no later
  // than its updated_at, and no wait (blocked_until, checked apart) is longer than the window. Twice
  // the longest window, so what is pruned is long over.
  const keepMs = 2 * Math.max(login.windowMs, objections.windowMs, ratings.windowMs, needs.windowMs, MAX_DELAY_MS);
  let nextPrune = 0;

  /** One batch of rows that count for nothing deleted; answers how many. */
  async function prune(now = clock.now().getTime()): Promise<number> {
    return pruneLimits(db, { before: new Date(now - keepMs).toISOString(), now: new Date(now).toISOString(), limit: PRUNE_BATCH });
  }

  /** With each write: a prune when one is due (a full batch leaves the next one due at once). */
  async function pruneIfDue(now: number): Promise<void> {
    if (now < nextPrune) return;
    nextPrune = now + PRUNE_EVERY_MS;
    try {
      if ((await prune(now)) >= PRUNE_BATCH) nextPrune = now;
    } catch {
      // housekeeping never fails the request it rides on; the next due write tries again
    }
  }

  /** A fixed window: counts from its first hit for windowMs. */
  const windowEnds = (row: LimitRow, windowMs: number) => Date.parse(row.windowStart) + windowMs;

  function keys(attempt: LoginAttempt) {
    const email = normaliseEmail(attempt.email);
    const nonce = verifyDeviceCookie(secret, email, attempt.device);
    return { email, address: `login-ip:${attempt.address}`, account: nonce ? `login-device:${email}:${nonce}` : `login-acct:${email}` };
  }

  /** Refuses (429) an attempt the address or the account (or device) may not make yet. */
  async function checkLogin(k: ReturnType<typeof keys>, now: number): Promise<void> {
    const rows = await readLimits(db, [k.address, k.account]);
    const byAddress = rows.get(k.address);
    if (byAddress && windowEnds(byAddress, login.windowMs) > now && byAddress.count >= login.perAddress) {
      refuse(windowEnds(byAddress, login.windowMs) - now);
    }
    const blockedUntil = rows.get(k.account)?.blockedUntil;
    if (blockedUntil && Date.parse(blockedUntil) > now) refuse(Date.parse(blockedUntil) - now);
  }

  /** Counts a failure against the address and the account (or device); answers the wait it now owes. */
  async function countFailure(k: ReturnType<typeof keys>, now: number): Promise<number> {
    const at = new Date(now).toISOString();
    await pruneIfDue(now);
    await updateLimit(db, k.address, (row) => ({
      row: row && windowEnds(row, login.windowMs) > now
        ? { ...row, count: row.count + 1, updatedAt: at }
        : { count: 1, windowStart: at, blockedUntil: null, updatedAt: at },
      result: undefined,
    }));
    return updateLimit(db, k.account, (row) => {
      // Failures are forgotten after a quiet window since the last one, so a long burst keeps its delays.
      const count = row && Date.parse(row.updatedAt) + login.windowMs > now ? row.count + 1 : 1;
      const wait = accountDelayMs(count, login.perAccount);
      return {
        row: { count, windowStart: row && count > 1 ? row.windowStart : at, blockedUntil: wait ? new Date(now + wait).toISOString() : null, updatedAt: at },
        result: wait,
      };
    });
  }


  /** One hit on `key`; refused (429) once the window has had `limits.perAddress` of them. */
  async function countHit(key: string, limits: ObjectionLimits): Promise<void> {
    const now = clock.now().getTime();
    const at = new Date(now).toISOString();
    await pruneIfDue(now);
    const wait = await updateLimit(db, key, (row) => {
      const open = row && windowEnds(row, limits.windowMs) > now;
      if (row && open && row.count >= limits.perAddress) return { row, result: windowEnds(row, limits.windowMs) - now };
      return { row: open ? { ...row, count: row.count + 1, updatedAt: at } : { count: 1, windowStart: at, blockedUntil: null, updatedAt: at }, result: 0 };
    });
    if (wait > 0) refuse(wait);
  }

  return {
    login,
    objections,
    /** Deletes one batch (PRUNE_BATCH) of rows whose windows and waits are long over; answers how many. */
    prune: () => prune(),
    /** The name of the cookie that marks a device known to this account. */
    deviceCookieName: (email: string) => deviceCookieName(secret, email),

    /**
     * Tries a sign-in under the limits: refused (429, Retry-After) before `authenticate` runs when a
     * limit holds; a failure is counted and, once it owes a wait, answered 429 too. A success
     * clears the account's (or device's) failures and issues a fresh device cookie.
     */
    async signIn<U>(attempt: LoginAttempt, authenticate: () => Promise<U>): Promise<{ user: U; device: DeviceCookie }> {
      const k = keys(attempt);
      await checkLogin(k, clock.now().getTime());
      let user: U;
      try {
        user = await authenticate();
      } catch (err) {
        if (!isAppError(err) || err.code !== 'UNAUTHENTICATED') throw err;
        const wait = await countFailure(k, clock.now().getTime());
        if (wait > 0) refuse(wait);
        throw err;
      }
      await updateLimit(db, k.account, () => ({ row: null, result: undefined }));
      return { user, device: issueDeviceCookie(secret, k.email) };
    },

    /** Counts one objection from this address; refuses it (429) once the address has had its share. */
    objection: (address: string): Promise<void> => countHit(`objection-ip:${address}`, objections),
    /** Counts one resident's rating from this address, the same way. */
    rating: (address: string): Promise<void> => countHit(`rating-ip:${address}`, ratings),
    /** Counts one need reported by the public from this address (form, JSON API, Open311), the same way. */
    need: (address: string): Promise<void> => countHit(`need-ip:${address}`, needs),
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
