// knex on embedded SQLite (WAL; better-sqlite3 by default, or sqlite3) or PostgreSQL, as DATABASE_URL says.
import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { createRequire } from 'node:module';
import type { DatabaseConfig, SqliteDriver } from '../config.js';
import { migrationSource } from '../../db/migrations/index.js';
import { SAFETY_PAGES, startCheckpointer, type Checkpointer } from './checkpointer.js';
import { prepareRepeatedStatements, statementPool } from './pg-statements.js';

export type Db = Knex;
export type Trx = Knex.Transaction;
/** Anything that runs queries: the root knex or a transaction. */
export type Queryable = Knex | Knex.Transaction;

export const SQLITE_BUSY_TIMEOUT_MS = 10_000;

// bigint (int8) columns hold fen and counts; every value we store is below 2^53, so read them as
// numbers rather than strings. A value beyond that range is refused rather than rounded.
pg.types.setTypeParser(20, (v: string) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${v} is beyond the safe integer range`);
  return n;
});

// knex begins SQLite transactions with a deferred BEGIN, which takes the write lock only at the
// first write: a transaction that reads first and writes later can then fail with SQLITE_BUSY
// (another process wrote in between) instead of waiting. Every transaction here may write, so these
// clients begin them IMMEDIATE: the write lock is taken at BEGIN, and waits use the busy timeout.
// knex has no option for it; a subclass of its own client is the supported way to customise a
// dialect (`client` accepts a class). Both SQLite drivers get the same subclass and the same pragmas.
const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- knex's dialect classes are untyped internals
type KnexClientClass = new (config: Knex.Config) => any;
const TransactionSqlite = require('knex/lib/dialects/sqlite3/execution/sqlite-transaction.js') as new (...args: unknown[]) => { query(conn: unknown, sql: string): Promise<unknown> };

class ImmediateTransaction extends TransactionSqlite {
  begin(conn: unknown) {
    return this.query(conn, 'BEGIN IMMEDIATE;');
  }
}

function immediate(base: KnexClientClass): KnexClientClass {
  return class extends base {
    transaction(...args: unknown[]) {
      return new ImmediateTransaction(this, ...args);
    }
  };
}

/** Prepared statements kept per better-sqlite3 connection, by SQL text (the least recently used go first). */
export const STATEMENT_CACHE_SIZE = 1000;

// knex prepares every query afresh; better-sqlite3's prepare is a third of a simple query's cost
// (`npm run bench`). The same SQL text gets the same prepared statement back from a bounded cache
// (SQLite re-prepares a cached statement by itself if the schema changed under it). knex runs a
// statement to completion (`all`/`run`) before the next, so sharing one is safe.
function cachedStatements(base: KnexClientClass): KnexClientClass {
  return class extends base {
    async acquireRawConnection() {
      const conn = (await super.acquireRawConnection()) as { prepare(sql: string): unknown };
      const prepare = conn.prepare.bind(conn);
      const cache = new Map<string, unknown>();
      conn.prepare = (sql: string) => {
        let st = cache.get(sql);
        if (st) {
          cache.delete(sql);
        } else {
          st = prepare(sql);
          if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
        }
        cache.set(sql, st);
        return st;
      };
      return conn;
    }
  };
}

// better-sqlite3 runs every query on the event loop, synchronously, so a request, once begun, went
// from query to query as microtasks, and the loop came back to its sockets only when every request in
// flight was done. libuv accepts one new connection per turn of the loop: under load, new connections
// were let in one every few hundred milliseconds, and their first answers came after up to 6 s (the
// scale bench, 10,000 projects, 50 connections) while the server took at most 122 ms over any
// request. So a query first yields to the loop (setImmediate) once no query has yielded for
// YIELD_AFTER_MS: the loop then accepts, reads and writes at least that often while queries run (after
// an idle spell the first query yields once more than it needs to: one turn). Yielding before every
// query (as the sqlite3 driver's pool in effect does) cost up to 30 % of the pages' throughput.
export const YIELD_AFTER_MS = 20;
let lastTurn = performance.now();

function yieldingQueries(base: KnexClientClass): KnexClientClass {
  return class extends base {
    async _query(connection: unknown, obj: unknown) {
      if (performance.now() - lastTurn > YIELD_AFTER_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        lastTurn = performance.now();
      }
      return super._query(connection, obj);
    }
  };
}

const SQLITE_CLIENTS: Record<SqliteDriver, KnexClientClass> = {
  'better-sqlite3': immediate(yieldingQueries(cachedStatements(require('knex/lib/dialects/better-sqlite3/index.js') as KnexClientClass))),
  sqlite3: immediate(require('knex/lib/dialects/sqlite3/index.js') as KnexClientClass),
};

const SQLITE_PRAGMAS = [
  'journal_mode = WAL',
  // FULL: a committed transition survives power loss, not only a crash. Public money.
  'synchronous = FULL',
  'foreign_keys = ON',
  `busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`,
];

type Done = (err: Error | null, conn: unknown) => void;

/** Sets the pragmas on a new connection, with whichever call its driver offers. */
const SQLITE_AFTER_CREATE: Record<SqliteDriver, (pragmas: string[]) => (conn: never, done: Done) => void> = {
  'better-sqlite3': (pragmas) => (conn: { pragma(s: string): unknown }, done: Done) => {
    try {
      for (const p of pragmas) conn.pragma(p);
      done(null, conn);
    } catch (err) {
      done(err as Error, conn);
    }
  },
  sqlite3: (pragmas) => (conn: { exec(sql: string, cb: (err: Error | null) => void): void }, done: Done) => {
    conn.exec(pragmas.map((p) => `PRAGMA ${p};`).join(' '), (err) => done(err, conn));
  },
};

export interface DbOptions {
  /**
   * SQLite file: checkpoint the WAL in a worker thread (lib/checkpointer.ts) instead of on this
   * process's connection. What a server and a worker process do; tests and one-off commands don't.
   */
  checkpointInThread?: boolean;
  /** The thread's interval (checkpointer.ts's CHECKPOINT_INTERVAL_MS; 0: only when asked, for tests). */
  checkpointIntervalMs?: number;
  /** Told when the thread's checkpoint fails (the serving connection's own then takes over at SAFETY_PAGES). */
  onCheckpointError?: (message: string) => void;
}

const checkpointers = new WeakMap<Db, Checkpointer>();
const sqliteConnections = new WeakMap<Db, { count: number }>();

/**
 * On SQLite, how many connections this handle has opened so far (its pool holds one at a time).
 * `PRAGMA data_version` counts other connections' commits per connection, so a value read on a new
 * connection is not comparable with one read on the last: the read cache keys its marks by both.
 * Undefined for PostgreSQL.
 */
export function sqliteConnectionsOpened(db: Db): number | undefined {
  return sqliteConnections.get(db)?.count;
}

/** The thread checkpointing this database's WAL, when createDb started one. */
export function checkpointerOf(db: Db): Checkpointer | undefined {
  return checkpointers.get(db);
}

export function createDb(cfg: DatabaseConfig, opts: DbOptions = {}): Db {
  if (cfg.client === 'sqlite') {
    const file = cfg.filename !== ':memory:';
    if (file) fs.mkdirSync(path.dirname(path.resolve(cfg.filename)), { recursive: true });
    const thread = file && opts.checkpointInThread === true;
    const afterCreate = SQLITE_AFTER_CREATE[cfg.driver](thread ? [...SQLITE_PRAGMAS, `wal_autocheckpoint = ${SAFETY_PAGES}`] : SQLITE_PRAGMAS);
    const opened = { count: 0 };
    const db = knexFactory({
      client: SQLITE_CLIENTS[cfg.driver] as unknown as typeof Knex.Client,
      connection: { filename: cfg.filename },
      useNullAsDefault: true,
      // One connection: SQLite has one writer anyway, and a single connection makes every
      // transaction in this process queue instead of failing with SQLITE_BUSY.
      pool: {
        min: 1, max: 1,
        afterCreate: (conn: never, done: Done) => {
          opened.count++;
          afterCreate(conn, done);
        },
      },
    });
    sqliteConnections.set(db, opened);
    if (thread) {
      const checkpointer = startCheckpointer(cfg.filename, cfg.driver, { intervalMs: opts.checkpointIntervalMs, onError: opts.onCheckpointError });
      checkpointers.set(db, checkpointer);
      // knex.destroy() ends in its client's destroy: the thread stops first, then the last
      // connection to close checkpoints what is left.
      const client = db.client as { destroy(cb?: unknown): Promise<unknown> };
      const destroy = client.destroy.bind(client);
      client.destroy = async (cb?: unknown) => {
        await checkpointer.stop();
        return destroy(cb);
      };
    }
    return db;
  }
  const statements = statementPool();
  return knexFactory({
    client: 'pg',
    connection: { connectionString: cfg.connectionString },
    searchPath: cfg.schema ? [cfg.schema, 'public'] : undefined,
    pool: {
      min: 0,
      max: 10,
      afterCreate: (conn: Parameters<typeof prepareRepeatedStatements>[0], done: (err: Error | null, conn: unknown) => void) => {
        if (cfg.prepare !== false) prepareRepeatedStatements(conn, statements);
        done(null, conn);
      },
    },
  });
}

export function isPostgres(db: Queryable): boolean {
  return db.client.dialect === 'postgresql';
}

/**
 * Sends data-changing statements that do not depend on each other as one round trip on PostgreSQL,
 * and runs them one by one, in order, on SQLite. Returns how many rows the last one changed when it
 * is an update or a delete.
 *
 * PostgreSQL runs them as one statement (`WITH w0 AS (…), w1 AS (…) <last>`), and every part sees
 * the tables as they were before the statement: none sees what another writes. SQLite has no such
 * `WITH`, and its driver runs in the process, so a round trip costs it nothing. The two agree when
 * no statement touches a row an earlier one wrote or changed: closing the open rows and inserting
 * new open ones is fine (in that order), updating a row two statements over is not. A row a
 * foreign key of a later statement points at must already exist before the call.
 *
 * Each statement is a knex builder that has not run; its bindings stay parameters (nothing is
 * written into the SQL text). A group whose parameters would pass `MAX_GROUP_BINDINGS` goes as
 * several statements, in order, each seeing what the ones before wrote (which, by the rule above,
 * changes nothing).
 */
export async function writeTogether(trx: Queryable, statements: ReadonlyArray<Knex.QueryBuilder>): Promise<number> {
  if (statements.length === 0) return 0;
  if (!isPostgres(trx) || statements.length === 1) {
    let changed = 0;
    // knex gives an update's or delete's count as a number (an insert's ids are not a count)
    for (const s of statements) {
      const r: unknown = await s;
      changed = typeof r === 'number' ? r : 0;
    }
    return changed;
  }
  // A statement takes at most 65,535 parameters: a long group (a notice to thousands of users) is
  // sent as several statements; the last one ends with the group's last part, whose count is returned.
  const parts = statements.map((s) => s.toSQL());
  let changed = 0;
  for (let from = 0; from < parts.length;) {
    let to = from + 1;
    let bound = parts[from]!.bindings.length;
    while (to < parts.length && bound + parts[to]!.bindings.length <= MAX_GROUP_BINDINGS) bound += parts[to++]!.bindings.length;
    const group = parts.slice(from, to);
    const last = group.length - 1;
    const sql = last === 0 ? group[0]!.sql : `with ${group.slice(0, last).map((p, i) => `w${i} as (${p.sql})`).join(', ')} ${group[last]!.sql}`;
    const result = (await trx.raw(sql, group.flatMap((p) => p.bindings as Knex.RawBinding[]))) as { rowCount: number | null };
    changed = result.rowCount ?? 0;
    from = to;
  }
  return changed;
}

/** Parameters one grouped statement carries at most (PostgreSQL allows 65,535). */
export const MAX_GROUP_BINDINGS = 30_000;

/**
 * Appends that can wait for a transaction's grouped write. While the engine carries out a
 * transition's actions it gathers on the transaction (`gatherAppends`); an effect or the engine that
 * inserts rows no later statement of the transition reads (e-mails into the outbox, ledger entries,
 * timers) hands them to `appendRows`, and the engine sends what was gathered with the history row
 * and the instance's update (`writeTogether`): on PostgreSQL no round trip of their own. Outside a
 * gathering `appendRows` inserts at once, so a caller that is not the engine loses nothing.
 *
 * The rows of one table go as one insert, in the order they came, so their ids keep that order
 * (PostgreSQL runs the parts of a `WITH` in no set order: two inserts into one table would number
 * their rows either way; past 500 rows a table's rows go as several inserts, each keeping its own
 * order). `appendStatement` gathers a statement that changes rows none of the transition's other
 * writes touch (a timer's cancellation, the project row's update, its stage visit's close and
 * open); statements go before the inserts, in the order they came. What is gathered obeys
 * `writeTogether`'s rule, and what its foreign keys point at exists already.
 */
interface Gathering {
  statements: Knex.QueryBuilder[];
  rows: Map<string, Array<Record<string, unknown>>>;
}
const gathered = new WeakMap<Queryable, Gathering>();

/** Rows of one insert at most (knex writes SQLite's as a compound select, which takes 500). */
const ROWS_PER_INSERT = 500;

/**
 * Starts gathering on `trx`, and says whether it did: inside a gathering already begun (a transition
 * an effect starts in the same transaction) it joins that one, whose owner ends it.
 */
export function gatherAppends(trx: Queryable): boolean {
  if (gathered.has(trx)) return false;
  gathered.set(trx, { statements: [], rows: new Map() });
  return true;
}

/** Ends the gathering on `trx` and returns its statements (none when none was begun). */
export function takeAppends(trx: Queryable): Knex.QueryBuilder[] {
  const g = gathered.get(trx);
  gathered.delete(trx);
  if (!g) return [];
  return [...g.statements, ...[...g.rows].flatMap(([table, rows]) => inserts(trx, table, rows))];
}

/** Inserts rows that name the same columns, 500 a statement, in order. */
export async function insertRows(q: Queryable, table: string, rows: ReadonlyArray<Record<string, unknown>>): Promise<void> {
  for (const insert of inserts(q, table, rows)) await insert;
}

function inserts(q: Queryable, table: string, rows: ReadonlyArray<Record<string, unknown>>): Knex.QueryBuilder[] {
  const columns = Object.keys(rows[0]!).sort().join();
  if (rows.some((r) => Object.keys(r).sort().join() !== columns)) throw new Error(`rows appended to ${table} must name the same columns`);
  const out: Knex.QueryBuilder[] = [];
  for (let from = 0; from < rows.length; from += ROWS_PER_INSERT) out.push(q(table).insert(rows.slice(from, from + ROWS_PER_INSERT)));
  return out;
}

/** Gives the rows to the gathering on `trx`, or inserts them now when there is none. */
export async function appendRows(trx: Queryable, table: string, rows: ReadonlyArray<Record<string, unknown>>): Promise<void> {
  if (rows.length === 0) return;
  const g = gathered.get(trx);
  if (!g) return insertRows(trx, table, rows);
  const list = g.rows.get(table);
  if (list) list.push(...rows);
  else g.rows.set(table, [...rows]);
}

/** Gives the statement to the gathering on `trx`, or runs it now when there is none. */
export async function appendStatement(trx: Queryable, statement: Knex.QueryBuilder): Promise<void> {
  const g = gathered.get(trx);
  if (g) g.statements.push(statement);
  else await statement;
}

/** The migrator's settings: our migrations (bundled, not a directory), in the configured schema. */
export function migrationConfig(cfg?: DatabaseConfig) {
  return { migrationSource, ...(cfg?.client === 'pg' && cfg.schema ? { schemaName: cfg.schema } : {}) };
}

export async function migrateLatest(db: Db, cfg?: DatabaseConfig): Promise<void> {
  if (cfg?.client === 'pg' && cfg.schema) await db.raw('CREATE SCHEMA IF NOT EXISTS ??', [cfg.schema]);
  await db.migrate.latest(migrationConfig(cfg));
}

/** Runs fn in a transaction, or inside the caller's one when it passes trx. */
export async function inTransaction<T>(db: Db, trx: Trx | undefined, fn: (trx: Trx) => Promise<T>): Promise<T> {
  if (trx) return fn(trx);
  return db.transaction(fn);
}

export function parseJson<T>(text: unknown): T {
  if (typeof text !== 'string') return text as T; // pg json columns arrive parsed
  return JSON.parse(text) as T;
}
