// Composition root: the one place that builds knex, the clock, the mailer, the engine, the workers
// and the services — in that order, each handed what it needs — and hands them on as one typed
// object. No module-level singletons hold state, and nothing is attached late.
import type { Transporter } from 'nodemailer';
import type { Config } from './config.js';
import { createEngine, type Engine } from './engine/engine.js';
import { createOutboxWorker, type OutboxWorker } from './engine/outbox.js';
import { createTimerWorker, type TimerWorker } from './engine/timers.js';
import { HandOverClock, ManualClock, systemClock, type Clock } from './lib/clock.js';
import { createDb, migrateLatest, type Db } from './lib/db.js';
import { createLogger, type Logger } from './lib/logger.js';
import { createTransport } from './lib/mailer.js';
import { buildComponents, buildServices, type DemoSeedResult, type Services } from './services.js';
import { createHbsMailRenderer } from './notifications/render-hbs.js';
import { STORY_SPAN_MS } from './demo/stories.js';

export interface Deps {
  config: Config;
  db: Db;
  clock: Clock;
  logger: Logger;
  engine: Engine;
  timers: TimerWorker;
  /** Absent without SMTP_URL: e-mails then wait in the outbox, visible to admins. */
  outbox: OutboxWorker | undefined;
  services: Services;
  /** What seeding the demo did, when it was asked for (DepsOptions.seedDemo). */
  seeded: DemoSeedResult | undefined;
  close(): Promise<void>;
}

export interface DepsOptions {
  db?: Db;
  /** The engine's clock (tests pass a ManualClock, and keep it manual). */
  clock?: Clock;
  logger?: Logger;
  transport?: Transporter;
  /**
   * Seed the demo district and its stories into an empty database before returning (npm start,
   * `weishishi seed`). The stories drive the one engine on its own clock, still manual, from
   * STORY_SPAN_MS ago up to now; the clock is then handed over to the system clock.
   */
  seedDemo?: boolean;
  /** A long-running process (serve, worker): on an SQLite file, checkpoint in a thread (lib/checkpointer.ts). */
  serving?: boolean;
}

export async function createDeps(config: Config, opts: DepsOptions = {}): Promise<Deps> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  const db = opts.db ?? createDb(config.database, {
    checkpointInThread: opts.serving === true,
    onCheckpointError: (message) => logger.warn({ err: message }, 'the WAL checkpoint thread failed; the serving connection checkpoints at 64 MB of log'),
  });
  await migrateLatest(db, config.database);
  const clock = opts.clock ?? engineClock(config, Boolean(opts.seedDemo));
  const base = { config, db, clock, logger, renderMail: createHbsMailRenderer() };
  const components = buildComponents(base);
  const engine = createEngine({ db, clock, workflows: components.workflows, effects: components.effects, enrichEnv: components.enrichEnv });
  // Instances written before their workflow's description (or by an older one) get it now.
  await engine.rebuildDescriptions();
  const timers = createTimerWorker({ db, engine, clock, logger });
  const services = buildServices({ ...base, components, engine, timers });
  const transport = opts.transport ?? (config.smtpUrl ? createTransport(config.smtpUrl) : undefined);
  const outbox = transport
    ? createOutboxWorker({ db, clock, transport, from: config.mailFrom, maxAttempts: config.outboxMaxAttempts, logger })
    : undefined;

  const seeded = opts.seedDemo ? await services.seedDemo({ stories: true }) : undefined;
  // Every vendor has its `vendor` workflow instance (its status history): those written before the
  // workflow existed, or by a path that writes the row only, get it now (src/vendors/vendor-status.ts).
  await services.vendorStatus.ensureAll();
  // Before anything serves: the sandbox follows the system clock from now on. A manual clock that
  // seeded nothing (the demo was there already) catches up with now rather than stay weeks behind.
  if (clock instanceof HandOverClock) clock.handOver();
  else if (opts.seedDemo && !opts.clock && !seeded?.created && clock instanceof ManualClock) clock.set(Date.now());

  return {
    config, db, clock, logger, engine, timers, outbox, services, seeded,
    async close() {
      transport?.close();
      if (!opts.db) await db.destroy();
    },
  };
}

/**
 * The engine's one clock. CLOCK=manual: a ManualClock, moved by POST /api/v1/_clock. Otherwise the
 * system clock — or, with the demo to seed, a HandOverClock that starts STORY_SPAN_MS ago so the
 * stories end at now.
 */
function engineClock(config: Config, seedDemo: boolean): Clock {
  const start = Date.now() - (seedDemo ? STORY_SPAN_MS : 0);
  if (config.clock === 'manual') return new ManualClock(start);
  return seedDemo ? new HandOverClock(start) : systemClock;
}
