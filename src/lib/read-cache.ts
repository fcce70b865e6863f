// Answers of the public reads (the public project list, the notices, the public statistics and the
// reference data under them) kept until the data under them may have changed: the public pages at a
// city's size (issue 13) are read far more often than a project moves, and the statistics of a year
// of 10,000 projects take tens of milliseconds to count.
//
// What "may have changed" means, checked on every read:
// - this process wrote anything but its own bookkeeping (any INSERT, UPDATE or DELETE through the
//   database handle, seen on knex's `query` event; sessions, tokens, rate limits, the access log,
//   idempotency keys, pending uploads, the outbox and timers' claims do not count);
// - on SQLite, any other connection committed anything to the file (`PRAGMA data_version`, which
//   SQLite keeps per connection without reading a page: another server, a worker process, the CLI);
// - on PostgreSQL, any process recorded a transition (the history's highest id: one index read);
// - the day changed in Asia/Shanghai (what is "carried over" or a notice's days left follow it).
// An answer computed while this process wrote is not kept. On SQLite that is every change there is:
// an answer is kept until one of them, however long. On PostgreSQL, what no mark shows (another
// process's edit of reference data or the rules; a read that starts in the instant a COMMIT of this
// process is on the wire, counted when knex sends it and seen by readers once it is done) shows
// once the answer is `ttlMs` (5 s) old, as a proxy's `max-age` with `stale-while-revalidate` would:
// the first read after that still gets the kept answer and starts its renewal, the reads after the
// renewal get the new one, and an answer `2 × ttlMs` old is never given. (SQLite had the same renewal
// until its marks saw every commit: at a city's size the statistics take half a second to count, and
// with better-sqlite3 that half second holds the event loop, every 5 s, for nothing that had changed.)
// A kept answer is frozen: a caller that changed it would change every later reader's, so a change
// throws instead.
import { AsyncLocalStorage } from 'node:async_hooks';
import { LRUCache } from 'lru-cache';
import type { Clock } from './clock.js';
import { isPostgres, sqliteConnectionsOpened, type Db } from './db.js';
import { shanghaiDate } from './calendar.js';
import { deepFreeze } from './freeze.js';

/** Statements that change nothing public: reads, transaction control, and bookkeeping tables. */
const NOT_PUBLIC = /^\s*(?:select|with|pragma|explain|begin|savepoint|release|show|set)\b|^\s*(?:insert\s+(?:or\s+\w+\s+)?into|update|delete\s+from)\s+["`]?(?:sessions|api_tokens|rate_limits|beneficiary_access_log|idempotency_keys|document_uploads|outbox|timers)["`]?[\s(]/i;
const END = /^\s*(?:commit|rollback)\b/i;

export interface ReadCache {
  /** `compute()`'s answer for `key`, kept while nothing it may depend on changed. */
  get<T>(key: string, compute: () => Promise<T>): Promise<T>;
  /** how many reads were answered from the cache and how many computed (for the bench and tests) */
  /** misses: computations started; joined: misses that waited for one already running; stale: answers older than `ttlMs` (by the clock alone) given while one renewed them */
  stats(): { hits: number; misses: number; joined: number; stale: number; entries: number };
}

/**
 * One count of writes per database handle, however many services share it (one listener each). A
 * write counts when it is sent and again when its transaction ends: on PostgreSQL a read between the
 * two sees the data before the commit, and must not be kept under the count that follows it.
 */
const counters = new WeakMap<Db, { writes: number }>();
function writeCounter(db: Db): { writes: number } {
  let c = counters.get(db);
  if (!c) {
    const counter = { writes: 0 };
    const writing = new Set<unknown>();
    db.on('query', (q: { sql?: unknown; __knexTxId?: unknown }) => {
      if (typeof q.sql !== 'string') {
        counter.writes++;
      } else if (END.test(q.sql)) {
        if (writing.delete(q.__knexTxId)) counter.writes++;
      } else if (!NOT_PUBLIC.test(q.sql)) {
        counter.writes++;
        if (q.__knexTxId !== undefined) writing.add(q.__knexTxId);
      }
    });
    counters.set(db, (c = counter));
  }
  return c;
}

/** How old a kept answer may grow before it is renewed by the clock alone: on PostgreSQL only (above). */
export const POSTGRES_TTL_MS = 5_000;

export function createReadCache(db: Db, clock: Clock, opts: { max?: number; ttlMs?: number } = {}): ReadCache {
  const counter = writeCounter(db);
  const sqlite = !isPostgres(db);
  const ttlMs = opts.ttlMs ?? (sqlite ? Infinity : POSTGRES_TTL_MS);
  // the age is read on the engine's clock (tests move it; they never wait)
  const entries = new LRUCache<string, { mark: string; at: number; value: object }>({ max: opts.max ?? 256 });
  const inflight = new Map<string, Promise<unknown>>();
  let hits = 0;
  let misses = 0;
  let joined = 0;
  let stale = 0;
  /** set while a computation runs: the kept answers it reads are never the old ones */
  const computing = new AsyncLocalStorage<true>();

  async function mark(): Promise<string> {
    const local = counter.writes;
    const day = shanghaiDate(clock.now().toISOString());
    if (sqlite) {
      const rows = (await db.raw('PRAGMA data_version')) as Array<{ data_version: number }>;
      return `${local}:${sqliteConnectionsOpened(db) ?? 0}.${rows[0]?.data_version ?? 0}:${day}`;
    }
    const last = (await db('workflow_history').max({ id: 'id' }).first()) as { id: number | string | null } | undefined;
    return `${local}:${last?.id ?? 0}:${day}`;
  }

  return {
    async get<T>(key: string, compute: () => Promise<T>): Promise<T> {
      const now = await mark();
      const kept = entries.get(key);
      const age = kept && kept.mark === now ? clock.now().getTime() - kept.at : Infinity;
      if (age < ttlMs) {
        hits++;
        return kept!.value as T;
      }
      // One computation per key and mark at a time: the requests that miss while it runs wait for
      // it. Fifty connections missing at once would otherwise compute fifty times, queued on the one
      // SQLite connection (the scale bench saw p99 of seconds on the public pages for that alone).
      const flightKey = `${key}\u0000${now}`;
      const start = (): Promise<T> => {
        misses++;
        const writesBefore = counter.writes;
        const run = (async () => {
          try {
            const value = await computing.run(true, compute);
            if (counter.writes === writesBefore && value !== null && typeof value === 'object') {
              entries.set(key, { mark: now, at: clock.now().getTime(), value: deepFreeze(value) });
              return value;
            }
            // not kept (data changed while it ran): the callers sharing it may not change it either
            return value !== null && typeof value === 'object' ? deepFreeze(value) : value;
          } finally {
            inflight.delete(flightKey);
          }
        })();
        inflight.set(flightKey, run);
        return run;
      };
      if (age < 2 * ttlMs && !computing.getStore()) {
        // Old only by the clock (every mark the same): answered at once while one computation renews
        // it. Waiting would put every reader behind that computation each `ttlMs` (the statistics of
        // a year of 10,000 projects take half a second, longer under load). A failed renewal is
        // tried again by the next reader; an answer twice `ttlMs` old is never given. A computation
        // reading another kept answer (the lists read the reference data) never gets an old one.
        stale++;
        if (!inflight.has(flightKey)) start().catch(() => {});
        return kept!.value as T;
      }
      const flying = inflight.get(flightKey) as Promise<T> | undefined;
      if (flying) {
        joined++;
        return flying;
      }
      return start();
    },
    stats: () => ({ hits, misses, joined, stale, entries: entries.size }),
  };
}


/**
 * What a page derives from a kept answer (its model in one language, name finders over its
 * reference lists), built once per variant and kept with the answer: a kept answer is frozen and
 * stays one object until the data under it changes, so a WeakMap on it renews with it. An answer
 * that is not kept (not frozen: no cache, or computed while this process wrote) is derived afresh.
 */
export function derivedOnce<K extends object, V, A extends string = string>(build: (answer: K, variant: A) => V): (answer: K, variant: A) => V {
  const kept = new WeakMap<K, Map<A, V>>();
  return (answer, variant) => {
    if (!Object.isFrozen(answer)) return build(answer, variant);
    let byVariant = kept.get(answer);
    if (!byVariant) kept.set(answer, (byVariant = new Map()));
    let v = byVariant.get(variant);
    if (v === undefined) byVariant.set(variant, (v = build(answer, variant)));
    return v;
  };
}
