// Runs the timer and outbox workers in a loop until stopped, and the housekeeping that runs less
// often, once an hour on the injected clock (a ManualClock in tests and the sandbox, so an hour
// passes without waiting for one): the sweep of pending uploads nothing linked within 24 hours, and
// the removal of old sent e-mails' bodies. One pass at a time, never overlapping; stop() waits for
// the pass under way, so a graceful shutdown never cuts a transaction.
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { OutboxWorker } from './outbox.js';
import type { TimerWorker } from './timers.js';

export interface RunningWorkers {
  stop(): Promise<void>;
  /** Runs one pass now (used by the sandbox clock and tests). */
  tick(): Promise<void>;
}

/** How often the housekeeping runs, on the workers' clock. */
export const SWEEP_EVERY_MS = 60 * 60 * 1000;

export interface Housekeeping {
  /** The clock the rows are stamped with (the engine's). */
  clock: Clock;
  /** Each job answers how many rows it dealt with; its name says what, in the log. */
  jobs: ReadonlyArray<{ name: string; run(): Promise<number> }>;
  /** SWEEP_EVERY_MS unless given. */
  everyMs?: number;
}

export function startWorkers(opts: { timers: TimerWorker; outbox?: OutboxWorker | undefined; housekeeping?: Housekeeping | undefined; pollMs: number; logger: Logger }): RunningWorkers {
  let stopped = false;
  let current: Promise<void> = Promise.resolve();
  let handle: NodeJS.Timeout | undefined;
  let lastHousekeeping: number | undefined;

  /** Each job on its own: one that fails does not keep the others from running. */
  async function pass(): Promise<void> {
    try {
      const t = await opts.timers.runDue(500);
      if (t.fired || t.skipped) opts.logger.info(t, 'timers fired');
    } catch (err) {
      opts.logger.error({ err }, 'timer pass failed');
    }
    if (opts.outbox) {
      try {
        const o = await opts.outbox.runOnce(50);
        if (o.sent || o.failed || o.dead) opts.logger.info(o, 'outbox pass');
      } catch (err) {
        opts.logger.error({ err }, 'outbox pass failed');
      }
    }
    const house = opts.housekeeping;
    if (house) {
      const now = house.clock.now().getTime();
      // the first pass runs the jobs; then once every hour of the clock (a failed job waits its hour too)
      if (lastHousekeeping === undefined || now - lastHousekeeping >= (house.everyMs ?? SWEEP_EVERY_MS)) {
        lastHousekeeping = now;
        for (const job of house.jobs) {
          try {
            const n = await job.run();
            if (n) opts.logger.info({ n }, job.name);
          } catch (err) {
            opts.logger.error({ err }, `${job.name} failed`);
          }
        }
      }
    }
  }

  function schedule() {
    if (stopped) return;
    handle = setTimeout(() => {
      current = pass().finally(schedule);
    }, opts.pollMs);
    handle.unref();
  }
  schedule();

  return {
    async stop() {
      stopped = true;
      if (handle) clearTimeout(handle);
      await current;
    },
    tick() {
      current = current.then(pass);
      return current;
    },
  };
}
