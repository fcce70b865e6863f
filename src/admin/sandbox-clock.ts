// The sandbox clock (POST /api/v1/_clock): with CLOCK=manual (refused in production by config), an
// admin moves the engine's ManualClock forward, then every timer that fell due fires at once, so a
// trial run can pass a 7-day public notice in one call.
import { z } from 'zod';
import type { Config } from '../config.js';
import type { TimerWorker } from '../engine/timers.js';
import { ForbiddenError, parseOr422 } from '../errors.js';
import { ManualClock, type Clock } from '../lib/clock.js';
import type { User } from '../auth/users.js';

// Ten years at most: further than any deadline in the programme rules.
const AdvanceSchema = z.object({ advanceMs: z.number({ error: 'validation.integer' }).int('validation.integer').min(0, 'validation.integer').max(10 * 365 * 86_400_000) });

export interface SandboxClockDeps {
  config: Pick<Config, 'clock'>;
  clock: Clock;
  /** the one timer worker of the composition root */
  timers: TimerWorker;
}

export function createSandboxClock(deps: SandboxClockDeps) {
  const { clock, timers } = deps;

  /** Moves the clock by input.advanceMs, then fires every timer now due; answers the new time and what fired. */
  async function advance(user: User, input: unknown): Promise<{ now: string; fired: number; skipped: number }> {
    if (!(clock instanceof ManualClock) || deps.config.clock !== 'manual') throw new ForbiddenError('the sandbox clock is off', { reasons: [{ code: 'CLOCK_NOT_MANUAL' }] });
    if (user.role !== 'admin') throw new ForbiddenError('admins only', { reasons: [{ code: 'WRONG_ROLE' }] });
    const { advanceMs } = parseOr422(AdvanceSchema, input, 'advanceMs must be a non-negative integer');
    clock.advance(advanceMs);
    const fired = await timers.runDue();
    return { now: clock.now().toISOString(), ...fired };
  }

  return { advance };
}

export type SandboxClock = ReturnType<typeof createSandboxClock>;
