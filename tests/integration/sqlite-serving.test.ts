// An SQLite file under a serving process: the WAL checkpoint runs in a worker thread
// (src/lib/checkpointer.ts), on both drivers: the serving connection no longer copies the log into
// the database file when it passes 1,000 pages (that copy and its fsync held the event loop), the
// thread does, and nothing is lost; a server and a worker process start the thread, tests and
// one-off commands don't. And better-sqlite3's queries, which run on the event loop, give it a turn
// when it has not had one for a while (src/lib/db.ts): a timer, a new connection, waits no longer
// than that behind a run of queries.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteDriver } from '../../src/config.js';
import { checkpointerOf, createDb, type Db } from '../../src/lib/db.js';
import { SAFETY_PAGES } from '../../src/lib/checkpointer.js';
import { createDeps } from '../../src/deps.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/lib/logger.js';
import { STORAGE_KINDS } from '../support/db.js';

const SQLITE_DRIVERS = STORAGE_KINDS.filter((k): k is SqliteDriver => k !== 'postgres');
const ROW = 'x'.repeat(4000);

describe.each(SQLITE_DRIVERS)('checkpointing in a thread on %s', (driver) => {
  let dir: string;
  let db: Db | undefined;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wss-checkpoint-'));
  });
  afterEach(async () => {
    await db?.destroy();
    db = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const file = () => path.join(dir, 'app.db');
  const open = (thread: boolean) => createDb({ client: 'sqlite', driver, filename: file() }, { checkpointInThread: thread, checkpointIntervalMs: 0 });
  /** 2,400 pages of rows in 12 transactions: past the 1,000-page autocheckpoint several times. */
  async function writeLog(d: Db) {
    await d.schema.createTable('t', (t) => {
      t.increments('id');
      t.text('body');
    });
    for (let tx = 0; tx < 12; tx++) {
      await d.transaction(async (trx) => {
        for (let i = 0; i < 200; i++) await trx('t').insert({ body: ROW });
      });
    }
  }
  const pragma = async (d: Db, p: string) => Object.values(((await d.raw(`PRAGMA ${p}`)) as Record<string, number>[])[0]!)[0];

  it('when the log passes 1,000 pages, then the serving connection leaves it to the thread, and the thread copies all of it', async () => {
    db = open(true);
    expect(await pragma(db, 'wal_autocheckpoint')).toBe(SAFETY_PAGES);
    await writeLog(db);
    // nothing was copied into the database file by the serving connection
    expect(fs.statSync(file()).size).toBeLessThan(1024 * 1024);
    const done = await checkpointerOf(db)!.checkpoint();
    expect(done.busy).toBe(0);
    expect(done.log).toBeGreaterThan(2_400);
    expect(done.checkpointed).toBe(done.log);
    expect(fs.statSync(file()).size).toBeGreaterThan(9 * 1024 * 1024);
    expect(await db('t').count({ n: '*' }).first()).toEqual({ n: 2_400 });
    expect(checkpointerOf(db)!.stats()).toEqual({ runs: 1 });
    // the log starts again from its beginning at the next write, instead of growing
    const walBefore = fs.statSync(`${file()}-wal`).size;
    await db('t').insert({ body: ROW });
    expect(fs.statSync(`${file()}-wal`).size).toBe(walBefore);
    expect((await checkpointerOf(db)!.checkpoint()).log).toBeLessThan(10);
  });

  it('when the thread opens the file, then it does so with the connection\'s own driver (one copy of SQLite in the process), and the wal-index stays whole under both', async () => {
    // Two copies of SQLite in one process each take the other's connection for none (POSIX locks
    // belong to the process) and truncate the -shm under the other's mapping: SIGBUS.
    db = open(true);
    expect(checkpointerOf(db)!.driver).toBe(driver);
    await writeLog(db);
    await checkpointerOf(db)!.checkpoint();
    await db('t').insert({ body: ROW });
    await checkpointerOf(db)!.checkpoint();
    expect(fs.statSync(`${file()}-shm`).size).toBeGreaterThanOrEqual(32 * 1024);
    expect(await db('t').count({ n: '*' }).first()).toEqual({ n: 2_401 });
    expect(await pragma(db, 'integrity_check')).toBe('ok');
  });

  it('when no thread runs, then the serving connection checkpoints by itself (what the thread takes over)', async () => {
    db = open(false);
    expect(checkpointerOf(db)).toBeUndefined();
    expect(await pragma(db, 'wal_autocheckpoint')).toBe(1000);
    await writeLog(db);
    expect(fs.statSync(file()).size).toBeGreaterThan(4 * 1024 * 1024);
  });

  it('when the database closes, then the thread stops and what it had not copied is in the file', async () => {
    db = open(true);
    await writeLog(db);
    const checkpointer = checkpointerOf(db)!;
    await db.destroy();
    db = undefined;
    await expect(checkpointer.checkpoint()).rejects.toThrow(/stopped/);
    expect(fs.statSync(file()).size).toBeGreaterThan(9 * 1024 * 1024);
    expect(fs.existsSync(`${file()}-wal`) ? fs.statSync(`${file()}-wal`).size : 0).toBe(0);
  });

  it('when the app is opened to serve, then it checkpoints in a thread; opened otherwise, it does not', async () => {
    const config = loadConfig({ DATABASE_URL: `${driver}:${file()}`, DEMO: '0', LOG_LEVEL: 'silent' });
    const logger = createLogger('silent');
    const serving = await createDeps(config, { serving: true, logger });
    try {
      expect(checkpointerOf(serving.db)).toBeDefined();
      expect(await pragma(serving.db, 'wal_autocheckpoint')).toBe(SAFETY_PAGES);
    } finally {
      await serving.close();
    }
    const oneOff = await createDeps(config, { logger });
    try {
      expect(checkpointerOf(oneOff.db)).toBeUndefined();
    } finally {
      await oneOff.close();
    }
  });
});

describe('better-sqlite3 queries and the event loop', () => {
  it('when a long run of queries holds the loop, then a timer still gets its turn within it', async () => {
    const db = createDb({ client: 'sqlite', driver: 'better-sqlite3', filename: ':memory:' });
    try {
      let fired = false;
      let queriesBefore = -1;
      let n = 0;
      setTimeout(() => {
        fired = true;
        queriesBefore = n;
      }, 0);
      // each query resolves at once on better-sqlite3: without a yield, the timer would wait for all of them
      for (; n < 200_000 && !fired; n++) await db.raw('select 1');
      expect(fired).toBe(true);
      expect(queriesBefore).toBeLessThan(200_000);
    } finally {
      await db.destroy();
    }
  });
});
