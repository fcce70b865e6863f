// Engine time is injected: tests and the sandbox move a ManualClock; production uses the system
// clock — after the demo was seeded, on a HandOverClock that then hands over to it.
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export class ManualClock implements Clock {
  private ms: number;
  constructor(start: Date | string | number = Date.UTC(2026, 0, 5, 1, 0, 0)) {
    this.ms = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): Date {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('a clock only moves forward');
    this.ms += ms;
    return this.now();
  }
  set(to: Date | string | number): Date {
    const next = new Date(to).getTime();
    if (next < this.ms) throw new RangeError('a clock only moves forward');
    this.ms = next;
    return this.now();
  }
  /**
   * Moves the sandbox back, for a generator that drives independent parts of its data one after
   * another (`seed --scale`: one street's ten years, then the next street's). Nothing else may.
   */
  rewind(to: Date | string | number): Date {
    this.ms = new Date(to).getTime();
    return this.now();
  }
}

/**
 * The clock `npm start` builds the engine and the workers on. It starts manual (a sandbox moved
 * by hand, so the demo stories can run from weeks ago and their deadlines fall due as they would
 * have) and handOver() makes it follow the system clock for good: the engine and the workers keep
 * the same clock and are never rebuilt. Time never runs backwards: the sandbox stays behind the
 * system clock.
 */
export class HandOverClock extends ManualClock {
  private live = false;

  /** True until handOver(): only then may the clock be moved by hand. */
  get manual(): boolean {
    return !this.live;
  }
  override now(): Date {
    return this.live ? systemClock.now() : super.now();
  }
  override advance(ms: number): Date {
    this.assertBehindSystem(super.now().getTime() + ms);
    return super.advance(ms);
  }
  override set(to: Date | string | number): Date {
    this.assertBehindSystem(new Date(to).getTime());
    return super.set(to);
  }
  /** The served clock never runs backwards. */
  override rewind(): Date {
    throw new RangeError('a served clock only moves forward');
  }
  /** From now on, follow the system clock. */
  handOver(): void {
    this.live = true;
  }
  private assertBehindSystem(ms: number): void {
    if (this.live) throw new RangeError('the clock was handed over to the system clock');
    if (ms > systemClock.now().getTime()) throw new RangeError('the sandbox may not run ahead of the system clock');
  }
}

/** A clock that may be moved by hand: a ManualClock, unless it is a HandOverClock already handed over. */
export function isManual(clock: Clock): clock is ManualClock {
  return clock instanceof ManualClock && !(clock instanceof HandOverClock && !clock.manual);
}

export function isoNow(clock: Clock): string {
  return clock.now().toISOString();
}
