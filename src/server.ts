// config → deps → listen → workers (timers, outbox, the hourly housekeeping: unlinked uploads, old e-mail bodies) → graceful shutdown.
import type { Server } from 'node:http';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { createDeps, type Deps } from './deps.js';
import { startWorkers, type RunningWorkers } from './engine/workers.js';
import { removeBodiesOlderThan } from './engine/outbox.js';
import { lockForServing, type HeldLock } from './backup/lock.js';

export interface Running {
  deps: Deps;
  server: Server;
  workers: RunningWorkers;
  url: string;
  stop(): Promise<void>;
}

/**
 * On an SQLite file, this process's entry in the file's lock (backup/lock.ts), so that `weishishi
 * restore` refuses to replace the database under it; released on clean shutdown. Null for PostgreSQL.
 */
function takeDbLock(config: Config, role: 'serve' | 'worker'): HeldLock | null {
  const db = config.database;
  return db.client === 'sqlite' && db.filename !== ':memory:' ? lockForServing(db.filename, role) : null;
}

/** Runs start with the lock held; releases it if start fails. */
async function withDbLock<T>(lock: HeldLock | null, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    lock?.release();
    throw err;
  }
}

export async function startServer(config: Config, opts: { withWorkers?: boolean } = {}): Promise<Running> {
  const lock = takeDbLock(config, 'serve');
  return withDbLock(lock, () => serve(config, opts, lock));
}

async function serve(config: Config, opts: { withWorkers?: boolean }, lock: HeldLock | null): Promise<Running> {
  // With DEMO on, the demo is seeded (on a sandbox clock, handed over to the system clock) before serving.
  const deps = await createDeps(config, { seedDemo: config.demo, serving: true });
  const seeded = deps.seeded;
  const app = createApp(deps);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://localhost:${port}`;
  const workers = opts.withWorkers === false
    ? { stop: async () => undefined, tick: async () => undefined }
    : startWorkers(workerJobs(deps));

  deps.logger.info({ url, database: config.database.client, clock: config.clock, smtp: Boolean(config.smtpUrl) }, 'weishishi is serving');
  if (!config.smtpUrl) deps.logger.warn('SMTP_URL is not set: e-mails wait in the outbox (see /admin/outbox)');
  if (seeded?.logins.length) {
    // Printed, not logged: the demo passwords are public and meant to be read by a person.
    process.stdout.write(`\nweishishi ${url}\nDemo log-ins (password: ${seeded.password}):\n${seeded.logins.map((l) => `  ${l.email.padEnd(28)} ${l.role}`).join('\n')}\n\n`);
  }

  let stopping: Promise<void> | undefined;
  async function stop() {
    stopping ??= (async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await workers.stop();
      await deps.close();
      lock?.release();
    })();
    return stopping;
  }
  return { deps, server, workers, url, stop };
}

/**
 * What the workers run: due timers, the outbox (with SMTP), and every hour the sweep of unlinked
 * uploads and the removal of the bodies of e-mails sent longer ago than OUTBOX_KEEP_BODIES_DAYS.
 */
function workerJobs(deps: Deps): Parameters<typeof startWorkers>[0] {
  const { documents } = deps.services;
  const keepDays = deps.config.outboxKeepBodiesDays;
  return {
    timers: deps.timers, outbox: deps.outbox, pollMs: deps.config.workerPollMs, logger: deps.logger,
    housekeeping: {
      clock: deps.clock,
      jobs: [
        { name: 'unlinked uploads swept', run: () => documents.sweep() },
        ...(keepDays > 0 ? [{ name: 'old e-mail bodies removed', run: () => removeBodiesOlderThan(deps.db, deps.clock, keepDays) }] : []),
      ],
    },
  };
}


export async function runWorkersOnly(config: Config): Promise<{ stop(): Promise<void> }> {
  const lock = takeDbLock(config, 'worker');
  const deps = await withDbLock(lock, () => createDeps(config, { serving: true }));
  const workers = startWorkers(workerJobs(deps));
  deps.logger.info('weishishi workers running');
  return {
    async stop() {
      await workers.stop();
      await deps.close();
      lock?.release();
    },
  };
}

export function onShutdown(stop: () => Promise<void>): void {
  let done = false;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      if (done) return;
      done = true;
      stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}
