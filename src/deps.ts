// Composition root: the one place that builds knex, the clock, the mailer, the engine and the
// services, and hands them on as one typed object. No module-level singletons hold state.
import type { Transporter } from 'nodemailer';
import type { Config } from './config.js';
import { createEngine, type Engine } from './engine/engine.js';
import { createOutboxWorker, type OutboxWorker } from './engine/outbox.js';
import { createTimerWorker, type TimerWorker } from './engine/timers.js';
import { ManualClock, systemClock, type Clock } from './lib/clock.js';
import { createDb, migrateLatest, type Db } from './lib/db.js';
import { createLogger, type Logger } from './lib/logger.js';
import { createTransport } from './lib/mailer.js';
import { buildServices, type Services } from './services.js';
import { createHbsMailRenderer } from './notifications/render-hbs.js';

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
  close(): Promise<void>;
}

export interface DepsOverrides {
  db?: Db;
  clock?: Clock;
  logger?: Logger;
  transport?: Transporter;
}

export async function createDeps(config: Config, overrides: DepsOverrides = {}): Promise<Deps> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const db = overrides.db ?? createDb(config.database);
  await migrateLatest(db, config.database);
  const clock = overrides.clock ?? (config.clock === 'manual' ? new ManualClock(new Date()) : systemClock);
  const { workflows, effects, enrichEnv, services } = buildServices({ config, db, clock, logger, renderMail: createHbsMailRenderer() });
  const engine = createEngine({ db, clock, workflows, effects, enrichEnv });
  services.attachEngine(engine);
  const timers = createTimerWorker({ db, engine, clock, logger });
  const transport = overrides.transport ?? (config.smtpUrl ? createTransport(config.smtpUrl) : undefined);
  const outbox = transport
    ? createOutboxWorker({ db, clock, transport, from: config.mailFrom, maxAttempts: config.outboxMaxAttempts, logger })
    : undefined;
  return {
    config, db, clock, logger, engine, timers, outbox, services,
    async close() {
      transport?.close();
      if (!overrides.db) await db.destroy();
    },
  };
}
