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
// connection waited for the checkpoint all the same.)
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';

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
  stop(): Promise<void>;
}

// The thread's code: CommonJS, as `eval` workers are; the driver's path comes from the parent, so it
// resolves wherever the app is installed.
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.filename, { timeout: 5000 });
let runs = 0;
function run() {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    runs++;
    return { ok: true, result: r, runs };
  } catch (err) {
    return { ok: false, error: String(err && err.message || err), runs };
  }
}
// a timed run says something only when it fails
const timer = workerData.intervalMs > 0 ? setInterval(() => {
  const r = run();
  if (!r.ok) parentPort.postMessage({ kind: 'error', error: r.error, runs: r.runs });
}, workerData.intervalMs) : null;
parentPort.on('message', (m) => {
  if (m.kind === 'checkpoint') parentPort.postMessage({ kind: 'done', id: m.id, ...run() });
  if (m.kind === 'stop') {
    if (timer) clearInterval(timer);
    db.close();
    parentPort.postMessage({ kind: 'stopped' });
    parentPort.close();
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
export function startCheckpointer(filename: string, opts: { intervalMs?: number; onError?: (message: string) => void } = {}): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(THREAD, { eval: true, workerData: { filename, driver, intervalMs: opts.intervalMs ?? CHECKPOINT_INTERVAL_MS } });
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
