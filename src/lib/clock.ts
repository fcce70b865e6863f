// Engine time is injected: tests and the sandbox move a ManualClock; production uses the system clock.
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
}

export function isoNow(clock: Clock): string {
  return clock.now().toISOString();
}
