// The WAL checkpoint of an SQLite file, run in a worker thread with its own connection.
//
// In WAL mode, SQLite copies the log back into the database file ("checkpoints") by itself, on the
// connection whose commit took the log past 1,000 pages, and then syncs the database file. With
// better-sqlite3 that connection is the server's only one and every call is synchronous: the whole
// event loop waits for the copy and its fsync. On the 10,000-project city under the scale bench such a
// COMMIT took 79 ms (the largest, on a fast disk); the copy grows with the pages a log touches and
// the fsync with the disk. Here the serving connection checkpoints only if the log reaches
// SAFETY_PAGES (should this thread stop), and a worker thread checkpoints PASSIVE every INTERVAL_MS:
// it never waits for a reader or a writer and never blocks them, so the log is copied while the
// event loop goes on. (sqlite3 runs its calls in libuv's pool, not on the loop, but its one
// connection waited for the checkpoint all the same.) The thread uses the connection's driver (below).
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import type { SqliteDriver } from '../config.js';

/** How often the thread checkpoints. */
export const CHECKPOINT_INTERVAL_MS = 200;
/** The serving connection's own wal_autocheckpoint while the thread runs (64 MB of 4 KB pages). */
export const SAFETY_PAGES = 16_384;

/** What one PRAGMA wal_checkpoint(PASSIVE) answered: whether it was blocked, pages in the log, pages copied. */
export interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

export interface Checkpointer {
  /** Checkpoints now (in the thread) and says what it did. */
  checkpoint(): Promise<CheckpointResult>;
  /** How many checkpoints the thread had run at its last answer, and the last error it met, if any. */
  stats(): { runs: number; lastError?: string };
  /** the driver (and so the copy of SQLite) the thread opened the file with: the connection's own */
  readonly driver: SqliteDriver;
  stop(): Promise<void>;
}

// The thread's code: CommonJS, as `eval` workers are; the driver's path comes from the parent, so it
// resolves wherever the app is installed. The thread opens the file with the SAME driver as the
// process's connection: each driver carries its own copy of SQLite, and two copies in one process
// must never open one file. POSIX locks belong to the process, so each copy takes the other's
// connection for none, believes it opens the wal-index first, and truncates it (-shm) to 3 bytes
// under the other's mapping: the sqlite3 server died of SIGBUS at start on the 50,000-project city
// while a better-sqlite3 thread checkpointed ("How To Corrupt An SQLite Database File", §2.2.1).
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const driver = require(workerData.driverPath);
let checkpoint, close;
if (workerData.driver === 'better-sqlite3') {
  const db = new driver(workerData.filename, { timeout: 5000 });
  checkpoint = (cb) => {
    let r;
    try { r = db.pragma('wal_checkpoint(PASSIVE)')[0]; } catch (err) { return cb(err); }
    cb(null, r);
  };
  close = (cb) => { db.close(); cb(); };
} else {
  const db = new driver.Database(workerData.filename);
  db.configure('busyTimeout', 5000);
  checkpoint = (cb) => db.get('PRAGMA wal_checkpoint(PASSIVE)', cb);
  close = (cb) => db.close(() => cb());
}
let runs = 0;
function run(reply) {
  checkpoint((err, r) => {
    if (err) return reply({ ok: false, error: String(err && err.message || err), runs });
    runs++;
    reply({ ok: true, result: r, runs });
  });
}
// a timed run says something only when it fails; one runs at a time
let running = false;
const timer = workerData.intervalMs > 0 ? setInterval(() => {
  if (running) return;
  running = true;
  run((r) => {
    running = false;
    if (!r.ok) parentPort.postMessage({ kind: 'error', error: r.error, runs: r.runs });
  });
}, workerData.intervalMs) : null;
parentPort.on('message', (m) => {
  if (m.kind === 'checkpoint') run((r) => parentPort.postMessage({ kind: 'done', id: m.id, ...r }));
  if (m.kind === 'stop') {
    if (timer) clearInterval(timer);
    close(() => {
      parentPort.postMessage({ kind: 'stopped' });
      parentPort.close();
    });
  }
});
`;

interface Reply {
  kind: 'done' | 'error' | 'stopped';
  id?: number;
  ok?: boolean;
  result?: CheckpointResult;
  error?: string;
  runs?: number;
}

/**
 * Starts checkpointing `filename` in a worker thread, every `intervalMs` (0: only when asked, as the
 * tests do). The caller sets the serving connection's wal_autocheckpoint to SAFETY_PAGES.
 */
export function startCheckpointer(filename: string, driver: SqliteDriver, opts: { intervalMs?: number; onError?: (message: string) => void } = {}): Checkpointer {
  const driverPath = createRequire(import.meta.url).resolve(driver);
  const worker = new Worker(THREAD, { eval: true, workerData: { filename, driver, driverPath, intervalMs: opts.intervalMs ?? CHECKPOINT_INTERVAL_MS } });
  worker.unref();
  let runs = 0;
  let lastError: string | undefined;
  let nextId = 0;
  const waiting = new Map<number, { resolve(r: CheckpointResult): void; reject(e: Error): void }>();
  let stopped: Promise<void> | undefined;
  let exited = false;
  const failAll = (err: Error) => {
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };
  worker.on('message', (m: Reply) => {
    if (m.runs !== undefined) runs = m.runs;
    if (m.kind === 'error' || (m.kind === 'done' && !m.ok)) {
      lastError = m.error;
      opts.onError?.(m.error!);
    }
    if (m.kind === 'done') {
      const w = waiting.get(m.id!);
      waiting.delete(m.id!);
      if (m.ok) w?.resolve(m.result!);
      else w?.reject(new Error(m.error));
    }
  });
  worker.on('error', (err) => {
    lastError = err.message;
    opts.onError?.(err.message);
    failAll(err);
  });
  worker.on('exit', () => {
    exited = true;
    failAll(new Error('the checkpoint thread has stopped'));
  });
  return {
    checkpoint() {
      if (exited || stopped) return Promise.reject(new Error('the checkpoint thread has stopped'));
      const id = nextId++;
      return new Promise<CheckpointResult>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker.postMessage({ kind: 'checkpoint', id });
      });
    },
    stats: () => ({ runs, ...(lastError ? { lastError } : {}) }),
    driver,
    stop() {
      stopped ??= exited
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
          worker.once('exit', () => resolve());
          worker.postMessage({ kind: 'stop' });
        });
      return stopped;
    },
  };
}
