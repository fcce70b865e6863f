// Office hours on the working-day calendar (Asia/Shanghai): people act on working days between
// 09:00 and 17:30, so the generated history reads like a district's.
import type { Rng } from './rng.js';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
const SHANGHAI = 8 * HOUR;

export interface WorkdayCalendar {
  isWorkingDay(date: string): boolean;
}

/** The Asia/Shanghai date of an instant, 'YYYY-MM-DD'. */
export const dateOf = (ms: number): string => new Date(ms + SHANGHAI).toISOString().slice(0, 10);
/** Midnight (Asia/Shanghai) of the day of `ms`, as an instant. */
export const dayStart = (ms: number): number => Math.floor((ms + SHANGHAI) / DAY) * DAY - SHANGHAI;
/** An instant on a Shanghai date, at that local time. */
export const at = (date: string, hh: number, mm = 0): number => Date.parse(`${date}T00:00:00.000Z`) - SHANGHAI + hh * HOUR + mm * 60_000;

export function createOfficeHours(cal: WorkdayCalendar) {
  const open = 9 * HOUR;
  const close = 17.5 * HOUR;
  /** `ms` if it falls in office hours, else the next opening (plus up to `jitterMin` minutes). */
  function next(ms: number, rng?: Rng, jitterMin = 60): number {
    let day = dayStart(ms);
    let t = ms;
    for (let i = 0; i < 60; i++) {
      const into = t - day;
      if (cal.isWorkingDay(dateOf(day)) && into < close) {
        if (into >= open) return t;
        return day + open + (rng ? rng.int(0, jitterMin) * 60_000 : 0);
      }
      day += DAY;
      t = day;
    }
    return t;
  }
  /** `days` working days after `ms` (the same time of day), then in office hours. */
  function addWorkingDays(ms: number, days: number, rng?: Rng): number {
    let t = next(ms, rng);
    for (let i = 0; i < days; i++) {
      t += DAY;
      while (!cal.isWorkingDay(dateOf(t))) t += DAY;
    }
    return next(t, rng);
  }
  /**
   * Some time later in office hours: `minDays`–`maxDays` working days (fractions are hours of the
   * working day) after `ms`.
   */
  function later(ms: number, rng: Rng, minDays: number, maxDays: number): number {
    const days = minDays + rng.next() * (maxDays - minDays);
    const whole = Math.floor(days);
    let t = addWorkingDays(ms, whole, rng);
    t += Math.round((days - whole) * 8 * HOUR);
    return next(t, rng);
  }
  return { next, addWorkingDays, later };
}

export type OfficeHours = ReturnType<typeof createOfficeHours>;
