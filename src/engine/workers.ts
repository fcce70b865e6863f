// Runs the timer and outbox workers in a loop until stopped. One pass at a time, never overlapping;
// stop() waits for the pass under way, so a graceful shutdown never cuts a transaction.
import type { Logger } from '../lib/logger.js';
import type { OutboxWorker } from './outbox.js';
import type { TimerWorker } from './timers.js';

export interface RunningWorkers {
  stop(): Promise<void>;
  /** Runs one pass now (used by the sandbox clock and tests). */
  tick(): Promise<void>;
}

export function startWorkers(opts: { timers: TimerWorker; outbox?: OutboxWorker; pollMs: number; logger: Logger }): RunningWorkers {
  let stopped = false;
  let current: Promise<void> = Promise.resolve();
  let handle: NodeJS.Timeout | undefined;

  async function pass(): Promise<void> {
    try {
      const t = await opts.timers.runDue(500);
      if (t.fired || t.skipped) opts.logger.info(t, 'timers fired');
      if (opts.outbox) {
        const o = await opts.outbox.runOnce(50);
        if (o.sent || o.failed || o.dead) opts.logger.info(o, 'outbox pass');
      }
    } catch (err) {
      opts.logger.error({ err }, 'worker pass failed');
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
