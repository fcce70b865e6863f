/**
 * Working-day calendar for mainland China, in Asia/Shanghai.
 *
 * Deadlines in the programme rules are counted in working days (工作日): weekends are off, official
 * holidays (法定节假日) are off, and the make-up working days (调休上班, often a Saturday or Sunday)
 * are on. The official schedule is published by the State Council each November for the next year
 * (国务院办公厅关于部分节假日安排的通知) and is taken from the `chinese-days` package; a year it does
 * not know yet falls back to plain Monday–Friday, and `unknownYearsIn` lets the caller flag a
 * deadline computed that way.
 *
 * Asia/Shanghai is UTC+8 all year (no DST since 1991), so everything here is plain arithmetic on
 * day numbers — no clock, no process time zone, no I/O.
 */
// The package's published data, not its functions: those key the data with local-time getters and
// shift every holiday by one day when the process runs west of UTC (checked with TZ=America/Los_Angeles).
import chineseDaysData from 'chinese-days/dist/chinese-days.json' with { type: 'json' };

/** A calendar date 'YYYY-MM-DD' (a date in Asia/Shanghai, not an instant). */
export type IsoDate = string;

/** Every calendar day from `from` to `to`, both included ('YYYY-MM-DD'; none when `to` is earlier). */
export function eachDay(from: IsoDate, to: IsoDate): IsoDate[] {
  const out: IsoDate[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`), end = Date.parse(`${to}T00:00:00Z`); t <= end; t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/** Whether a string is a real calendar day 'YYYY-MM-DD' (2026-02-30 is not). */
export function isIsoDate(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);
}

/** A local decision that beats the official schedule, e.g. a district closing for a typhoon. */
export type CalendarOverride = { date: IsoDate; kind: 'workday' | 'holiday'; note?: string };

export interface WorkingCalendar {
  /** Override first, then the official schedule; in a year it does not know, Mon–Fri. */
  isWorkingDay(date: IsoDate): boolean;
  /** True iff `chinese-days` has the official schedule of that year (overrides do not count). */
  isKnownYear(year: number): boolean;
  /** End (23:59:59.999 Shanghai) of the `days`-th working day after the Shanghai date of `fromIso`. */
  addWorkingDays(fromIso: string, days: number): string;
  /** End (23:59:59.999 Shanghai) of a calendar date, as a UTC ISO instant. */
  endOfDay(date: IsoDate): string;
  /** Same day `months` calendar months later (clamped to the month's end), at the end of that day. */
  addMonths(fromIso: string, months: number): string;
  /** Years touched by [from, to] (Shanghai dates, either order) that the calendar does not know. */
  unknownYearsIn(fromIso: string, toIso: string): number[];
  /** Working days after from's date up to and including to's date; negative when to < from. */
  workingDaysBetween(fromIso: string, toIso: string): number;
  shanghaiDate(iso: string): IsoDate;
  formatShanghai(iso: string, style: 'date' | 'datetime'): string;
}

const DAY_MS = 86_400_000;
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
/** Guard against a runaway loop on a typo such as 10000 working days (~40 years). */
const MAX_WORKING_DAYS = 10_000;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
// An instant must carry its offset: a bare local time would depend on the process time zone.
const INSTANT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

type Ymd = { y: number; m: number; d: number };

// Howard Hinnant's days_from_civil / civil_from_days: proleptic Gregorian <-> days since 1970-01-01.
function daysFromCivil({ y, m, d }: Ymd): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function civilFromDays(days: number): Ymd {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(m) ? 30 : 31;
}

/** 0 = Sunday … 6 = Saturday; 1970-01-01 was a Thursday. */
function weekday(dayNumber: number): number {
  return (((dayNumber + 4) % 7) + 7) % 7;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
const formatYmd = ({ y, m, d }: Ymd): IsoDate => `${pad(y, 4)}-${pad(m)}-${pad(d)}`;

function parseDate(date: unknown, what = 'date'): Ymd {
  const match = typeof date === 'string' ? DATE_RE.exec(date) : null;
  if (!match) throw new RangeError(`Invalid ${what} ${JSON.stringify(date)}: expected 'YYYY-MM-DD'`);
  const ymd = { y: Number(match[1]), m: Number(match[2]), d: Number(match[3]) };
  if (ymd.y < 1000 || ymd.m < 1 || ymd.m > 12 || ymd.d < 1 || ymd.d > daysInMonth(ymd.y, ymd.m)) {
    throw new RangeError(`Invalid ${what} ${JSON.stringify(date)}: no such calendar date`);
  }
  return ymd;
}

/**
 * Day number (days since 1970-01-01) of the Shanghai calendar date of an instant. A bare
 * 'YYYY-MM-DD' is accepted and taken as that Shanghai date.
 */
function shanghaiDayNumber(iso: unknown, what = 'instant'): number {
  if (typeof iso === 'string' && DATE_RE.test(iso)) return daysFromCivil(parseDate(iso, what));
  const ms = typeof iso === 'string' && INSTANT_RE.test(iso) ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new RangeError(
      `Invalid ${what} ${JSON.stringify(iso)}: expected an ISO 8601 instant with offset, e.g. '2026-10-09T08:00:00Z'`,
    );
  }
  return Math.floor((ms + SHANGHAI_OFFSET_MS) / DAY_MS);
}

function endOfDayNumber(dayNumber: number): string {
  return new Date((dayNumber + 1) * DAY_MS - SHANGHAI_OFFSET_MS - 1).toISOString();
}

function assertInteger(n: unknown, what: string, min = -Number.MAX_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new RangeError(`Invalid ${what} ${String(n)}: expected an integer from ${min} to ${max}`);
  }
  return n;
}

/** The Asia/Shanghai calendar date of an ISO instant. */
export function shanghaiDate(iso: string): IsoDate {
  return formatYmd(civilFromDays(shanghaiDayNumber(iso)));
}

/** '2026-10-09' or '2026-10-09 23:59' in Asia/Shanghai, for pages and e-mails. */
export function formatShanghai(iso: string, style: 'date' | 'datetime'): string {
  if (style !== 'date' && style !== 'datetime') throw new RangeError(`Unknown format style ${String(style)}`);
  const day = shanghaiDayNumber(iso);
  const date = formatYmd(civilFromDays(day));
  if (style === 'date') return date;
  // A bare date has no time of day: show its start.
  const ms = DATE_RE.test(iso) ? day * DAY_MS - SHANGHAI_OFFSET_MS : Date.parse(iso);
  const shifted = new Date(ms + SHANGHAI_OFFSET_MS);
  return `${date} ${pad(shifted.getUTCHours())}:${pad(shifted.getUTCMinutes())}`;
}

type DayList = Record<string, string | undefined>;
const OFFICIAL_HOLIDAYS: DayList = chineseDaysData.holidays;
const OFFICIAL_WORKDAYS: DayList = chineseDaysData.workdays;

/**
 * The package has no list of years; a year is known when its New Year's Day (元旦) is in the
 * official data — every annual State Council notice starts with 元旦 of that year.
 */
export function chineseDaysKnowsYear(year: number): boolean {
  if (!Number.isSafeInteger(year) || year < 1000 || year > 9999) return false;
  return OFFICIAL_HOLIDAYS[`${year}-01-01`] !== undefined;
}

export function createCalendar(overrides: CalendarOverride[] = []): WorkingCalendar {
  const overrideByDay = new Map<number, boolean>();
  for (const o of overrides) {
    const day = daysFromCivil(parseDate(o.date, 'override date'));
    if (o.kind !== 'workday' && o.kind !== 'holiday') {
      throw new RangeError(`Invalid override kind ${JSON.stringify(o.kind)} for ${o.date}`);
    }
    const working = o.kind === 'workday';
    if (overrideByDay.get(day) === !working) throw new RangeError(`Conflicting overrides for ${o.date}`);
    overrideByDay.set(day, working);
  }

  const isKnownYear = chineseDaysKnowsYear;

  const isWorkingDayNumber = (day: number): boolean => {
    const override = overrideByDay.get(day);
    if (override !== undefined) return override;
    const ymd = civilFromDays(day);
    if (isKnownYear(ymd.y)) {
      const key = formatYmd(ymd);
      if (OFFICIAL_WORKDAYS[key] !== undefined) return true;
      if (OFFICIAL_HOLIDAYS[key] !== undefined) return false;
    }
    const wd = weekday(day);
    return wd >= 1 && wd <= 5;
  };

  // Working days counted once per year of this calendar: within[y][i] = working days among the
  // year's first i days. A count between two days is then a few lookups, however far apart (the
  // stuck report counts hundreds of thousands of stays).
  const yearCounts = new Map<number, Int16Array>();
  const countsOf = (year: number): Int16Array => {
    let c = yearCounts.get(year);
    if (!c) {
      const first = daysFromCivil({ y: year, m: 1, d: 1 });
      const days = daysFromCivil({ y: year + 1, m: 1, d: 1 }) - first;
      c = new Int16Array(days + 1);
      for (let i = 0; i < days; i++) c[i + 1] = c[i]! + (isWorkingDayNumber(first + i) ? 1 : 0);
      yearCounts.set(year, c);
    }
    return c;
  };
  /** working days among the days up to and including `day`, from 1 January of `base` */
  const cumulative = (day: number, base: number): number => {
    const { y } = civilFromDays(day);
    let n = countsOf(y)[day - daysFromCivil({ y, m: 1, d: 1 }) + 1]!;
    for (let year = base; year < y; year++) {
      const whole = countsOf(year);
      n += whole[whole.length - 1]!;
    }
    return n;
  };

  const workingDaysBetween = (fromIso: string, toIso: string): number => {
    const from = shanghaiDayNumber(fromIso, 'from instant');
    const to = shanghaiDayNumber(toIso, 'to instant');
    const [lo, hi, sign] = from <= to ? [from, to, 1] : [to, from, -1];
    // the days after lo up to hi
    const base = civilFromDays(lo).y;
    return sign * (cumulative(hi, base) - cumulative(lo, base));
  };

  return {
    isWorkingDay: (date) => isWorkingDayNumber(daysFromCivil(parseDate(date))),
    isKnownYear,
    addWorkingDays(fromIso, days) {
      assertInteger(days, 'number of working days', 0, MAX_WORKING_DAYS);
      let day = shanghaiDayNumber(fromIso, 'from instant');
      for (let left = days; left > 0; ) {
        day++;
        if (isWorkingDayNumber(day)) left--;
      }
      return endOfDayNumber(day);
    },
    endOfDay: (date) => endOfDayNumber(daysFromCivil(parseDate(date))),
    addMonths(fromIso, months) {
      assertInteger(months, 'number of months', -12_000, 12_000);
      const { y, m, d } = civilFromDays(shanghaiDayNumber(fromIso, 'from instant'));
      const index = y * 12 + (m - 1) + months;
      const ty = Math.floor(index / 12);
      const tm = index - ty * 12 + 1;
      return endOfDayNumber(daysFromCivil({ y: ty, m: tm, d: Math.min(d, daysInMonth(ty, tm)) }));
    },
    unknownYearsIn(fromIso, toIso) {
      const a = civilFromDays(shanghaiDayNumber(fromIso, 'from instant')).y;
      const b = civilFromDays(shanghaiDayNumber(toIso, 'to instant')).y;
      const years: number[] = [];
      for (let y = Math.min(a, b); y <= Math.max(a, b); y++) if (!isKnownYear(y)) years.push(y);
      return years;
    },
    workingDaysBetween,
    shanghaiDate,
    formatShanghai,
  };
}
