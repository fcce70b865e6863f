// Real databases for storage tests: a fresh SQLite file per call, on better-sqlite3 always and on the
// sqlite3 driver too when TEST_SQLITE3=1, and (when TEST_DATABASE_URL is set) a fresh PostgreSQL
// schema per call, so parallel test files never see each other's rows.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import knexFactory from 'knex';
import { parseDatabaseUrl, type DatabaseConfig, type SqliteDriver } from '../../src/config.js';
import { createDb, migrateLatest, type Db } from '../../src/lib/db.js';

/** A database and its driver: the two SQLite drivers, and PostgreSQL. */
export type StorageKind = SqliteDriver | 'postgres';

/** The databases the storage suites run on, named as they appear in the test output. */
export const STORAGE_KINDS: StorageKind[] = [
  'better-sqlite3',
  ...(process.env.TEST_SQLITE3 === '1' ? (['sqlite3'] as const) : []),
  ...(process.env.TEST_DATABASE_URL ? (['postgres'] as const) : []),
];

/**
 * The databases the generator suites run on (a demo year, a small city, vendor records recounted
 * from a generated year): thousands of transitions each, through the same engine whose storage
 * behaviours the engine, crash, workers and ledger suites prove on sqlite3 too. On a second SQLite
 * driver they would prove nothing more and cost CI minutes, so they run on better-sqlite3 and
 * PostgreSQL.
 */
export const GENERATOR_KINDS: StorageKind[] = STORAGE_KINDS.filter((k) => k !== 'sqlite3');

export interface TestDb {
  kind: StorageKind;
  cfg: DatabaseConfig;
  db: Db;
  /** Opens another, independent connection pool on the same database (a second process, in effect). */
  reopen(): Db;
  cleanup(): Promise<void>;
}

let template: Promise<string> | undefined;
/**
 * A SQLite file migrated to the latest schema, once per test process: each new SQLite test database
 * starts as a copy of it (migrating took a quarter to half a second a database, hundreds of times a
 * run; a copy takes a millisecond). The file format is the drivers' common one; migrateLatest still
 * runs on the copy, and finds nothing to do.
 */
function migratedSqliteFile(): Promise<string> {
  template ??= (async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wss-template-'));
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    const cfg: DatabaseConfig = { client: 'sqlite', driver: 'better-sqlite3', filename: path.join(dir, 'template.db') };
    const db = createDb(cfg);
    try {
      await migrateLatest(db, cfg);
      await db.raw('PRAGMA wal_checkpoint(TRUNCATE)');
    } finally {
      await db.destroy();
    }
    return cfg.filename;
  })();
  return template;
}

export async function createTestDb(kind: StorageKind): Promise<TestDb> {
  let cfg: DatabaseConfig;
  let drop: () => Promise<void>;
  if (kind !== 'postgres') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wss-test-'));
    cfg = { client: 'sqlite', driver: kind, filename: path.join(dir, 'test.db') };
    fs.copyFileSync(await migratedSqliteFile(), cfg.filename);
    drop = async () => fs.rmSync(dir, { recursive: true, force: true });
  } else {
    const url = process.env.TEST_DATABASE_URL;
    if (!url) throw new Error('TEST_DATABASE_URL is not set');
    const base = parseDatabaseUrl(url);
    if (base.client !== 'pg') throw new Error('TEST_DATABASE_URL must be postgres://');
    const schema = `t_${process.pid}_${randomBytes(4).toString('hex')}`;
    cfg = { ...base, schema };
    drop = () => dropSchema(base.connectionString, schema);
  }
  const db = createDb(cfg);
  await migrateLatest(db, cfg);
  const opened: Db[] = [db];
  return {
    kind,
    cfg,
    db,
    reopen() {
      const other = createDb(cfg);
      opened.push(other);
      return other;
    },
    async cleanup() {
      for (const d of opened) await d.destroy().catch(() => undefined);
      await drop();
    },
  };
}

/** Drops a PostgreSQL schema and everything in it, on a connection of its own (tests and benches). */
export async function dropSchema(connectionString: string, schema: string): Promise<void> {
  const admin = knexFactory({ client: 'pg', connection: connectionString, pool: { min: 0, max: 1 } });
  try {
    await admin.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
  } finally {
    await admin.destroy();
  }
}

/** Runs fn and counts the SQL statements it sends on db (reads, writes, BEGIN and COMMIT). */
export async function statementsSent(db: Db, fn: () => Promise<unknown>): Promise<number> {
  let n = 0;
  const count = () => void n++;
  db.on('query', count);
  try {
    await fn();
  } finally {
    db.off('query', count);
  }
  return n;
}
