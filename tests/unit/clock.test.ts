import { describe, expect, it } from 'vitest';
import { HandOverClock, isManual, ManualClock, systemClock } from '../../src/lib/clock.js';

const DAY = 86_400_000;

describe('HandOverClock', () => {
  it('when it runs as a sandbox, then it moves only by hand, forward, and never past the system clock', () => {
    const start = Date.now() - 45 * DAY;
    const clock = new HandOverClock(start);
    expect(isManual(clock)).toBe(true);
    expect(clock.now().getTime()).toBe(start);
    expect(clock.advance(DAY).getTime()).toBe(start + DAY);
    expect(clock.set(start + 2 * DAY).getTime()).toBe(start + 2 * DAY);
    expect(() => clock.set(start)).toThrow(RangeError);
    expect(() => clock.set(Date.now() + DAY)).toThrow(RangeError);
    expect(() => clock.advance(100 * DAY)).toThrow(RangeError);
  });

  it('when it is handed over, then it follows the system clock and refuses to be moved', () => {
    const clock = new HandOverClock(Date.now() - DAY);
    clock.handOver();
    expect(isManual(clock)).toBe(false);
    const before = Date.now();
    const now = clock.now().getTime();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
    expect(() => clock.advance(1)).toThrow(RangeError);
    expect(() => clock.set(Date.now() - DAY)).toThrow(RangeError);
  });

  it('a ManualClock stays manual; the system clock never is', () => {
    expect(isManual(new ManualClock())).toBe(true);
    expect(isManual(systemClock)).toBe(false);
  });
});
