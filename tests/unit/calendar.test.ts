import { describe, expect, it } from 'vitest';
import { createCalendar, formatShanghai, shanghaiDate } from '../../src/lib/calendar.js';

const calendar = createCalendar();

describe('official schedule (chinese-days)', () => {
  it('when it is the 2025 National Day + Mid-Autumn break, then 1–8 Oct are off and 28 Sep / 11 Oct are make-up days', () => {
    for (let d = 1; d <= 8; d++) expect(calendar.isWorkingDay(`2025-10-0${d}`)).toBe(false);
    expect(calendar.isWorkingDay('2025-09-28')).toBe(true); // Sunday, 调休上班
    expect(calendar.isWorkingDay('2025-10-11')).toBe(true); // Saturday, 调休上班
    expect(calendar.isWorkingDay('2025-10-09')).toBe(true);
    expect(calendar.isWorkingDay('2025-10-12')).toBe(false); // plain Sunday
  });

  it('when it is the 2026 Spring Festival, then 15–23 Feb are off and Saturdays 14 and 28 Feb are worked', () => {
    for (let d = 15; d <= 23; d++) expect(calendar.isWorkingDay(`2026-02-${d}`)).toBe(false);
    expect(calendar.isWorkingDay('2026-02-14')).toBe(true);
    expect(calendar.isWorkingDay('2026-02-28')).toBe(true);
    expect(calendar.isWorkingDay('2026-02-13')).toBe(true); // Friday before
    expect(calendar.isWorkingDay('2026-02-24')).toBe(true); // Tuesday after
    expect(calendar.isWorkingDay('2026-02-21')).toBe(false); // a Saturday inside the break
  });

  it('when it is 2026 National Day, then 1–7 Oct are off and Sun 20 Sep / Sat 10 Oct are worked', () => {
    for (let d = 1; d <= 7; d++) expect(calendar.isWorkingDay(`2026-10-0${d}`)).toBe(false);
    expect(calendar.isWorkingDay('2026-09-20')).toBe(true);
    expect(calendar.isWorkingDay('2026-10-10')).toBe(true);
    expect(calendar.isWorkingDay('2026-10-08')).toBe(true);
  });

  it('when no holiday applies, then Mon–Fri work and weekends are off', () => {
    expect(calendar.isWorkingDay('2026-03-16')).toBe(true); // Monday
    expect(calendar.isWorkingDay('2026-03-20')).toBe(true); // Friday
    expect(calendar.isWorkingDay('2026-03-21')).toBe(false); // Saturday
    expect(calendar.isWorkingDay('2026-03-22')).toBe(false); // Sunday
  });

  it('knows the years chinese-days has and nothing else', () => {
    expect(calendar.isKnownYear(2004)).toBe(true);
    expect(calendar.isKnownYear(2025)).toBe(true);
    expect(calendar.isKnownYear(2026)).toBe(true);
    expect(calendar.isKnownYear(2003)).toBe(false);
    expect(calendar.isKnownYear(2099)).toBe(false);
    expect(calendar.isKnownYear(2025.5)).toBe(false);
  });
});

describe('overrides', () => {
  it('when a holiday is overridden as a workday and a workday as a holiday, then the override wins both ways', () => {
    const cal = createCalendar([
      { date: '2026-10-05', kind: 'workday', note: 'district duty day' },
      { date: '2026-03-16', kind: 'holiday', note: 'typhoon closure' },
      { date: '2026-02-14', kind: 'holiday' }, // cancels a make-up Saturday
    ]);
    expect(cal.isWorkingDay('2026-10-05')).toBe(true);
    expect(cal.isWorkingDay('2026-03-16')).toBe(false);
    expect(cal.isWorkingDay('2026-02-14')).toBe(false);
    expect(cal.isWorkingDay('2026-10-06')).toBe(false); // untouched neighbour
    expect(calendar.isWorkingDay('2026-10-05')).toBe(false); // other calendars unaffected
  });

  it('when an override falls in an unknown year, then it wins there too but the year stays unknown', () => {
    const cal = createCalendar([{ date: '2099-01-03', kind: 'workday' }]); // a Saturday
    expect(cal.isWorkingDay('2099-01-03')).toBe(true);
    expect(cal.isKnownYear(2099)).toBe(false);
    expect(cal.unknownYearsIn('2099-01-01', '2099-12-31')).toEqual([2099]);
  });

  it('when overrides are invalid or contradict each other, then createCalendar throws a RangeError', () => {
    expect(() => createCalendar([{ date: '2026-02-30', kind: 'holiday' }])).toThrow(RangeError);
    expect(() =>
      createCalendar([
        { date: '2026-05-06', kind: 'holiday' },
        { date: '2026-05-06', kind: 'workday' },
      ]),
    ).toThrow(/Conflicting/);
  });
});

describe('unknown years', () => {
  it('when the year is not in chinese-days, then Mon–Fri are working days even on 1 Oct', () => {
    expect(calendar.isWorkingDay('2099-10-01')).toBe(true); // Thursday
    expect(calendar.isWorkingDay('2099-10-03')).toBe(false); // Saturday
    expect(calendar.isWorkingDay('2003-10-01')).toBe(true); // Wednesday, before the data starts
  });

  it('when a range crosses into unknown years, then unknownYearsIn lists them in order', () => {
    expect(calendar.unknownYearsIn('2026-06-01T00:00:00Z', '2026-12-31T00:00:00Z')).toEqual([]);
    expect(calendar.unknownYearsIn('2026-06-01T00:00:00Z', '2029-01-01T00:00:00Z')).toEqual([2027, 2028, 2029]);
    expect(calendar.unknownYearsIn('2029-01-01T00:00:00Z', '2026-06-01T00:00:00Z')).toEqual([2027, 2028, 2029]);
    // 31 Dec 2026 20:00 UTC is already 1 Jan 2027 in Shanghai.
    expect(calendar.unknownYearsIn('2026-12-01T00:00:00Z', '2026-12-31T20:00:00Z')).toEqual([2027]);
  });

  it('when a deadline runs past the known data, then it is counted on plain weekdays', () => {
    // Thu 2099-01-01 + 2 working days = Mon 2099-01-05 (no 元旦 known).
    expect(calendar.addWorkingDays('2099-01-01T04:00:00Z', 2)).toBe('2099-01-05T15:59:59.999Z');
  });
});

describe('addWorkingDays', () => {
  it('when counting across 2026 National Day, then the holiday week is skipped', () => {
    // Wed 30 Sep; 1–7 Oct off; Thu 8 Oct is day 1, Fri 9 Oct day 2, Sat 10 Oct (make-up) day 3.
    expect(calendar.addWorkingDays('2026-09-30T02:00:00Z', 1)).toBe('2026-10-08T15:59:59.999Z');
    expect(calendar.addWorkingDays('2026-09-30T02:00:00Z', 2)).toBe('2026-10-09T15:59:59.999Z');
    expect(calendar.addWorkingDays('2026-09-30T02:00:00Z', 3)).toBe('2026-10-10T15:59:59.999Z');
  });

  it('when counting across the 2025 break, then make-up Saturday 11 Oct counts', () => {
    expect(calendar.addWorkingDays('2025-09-30T02:00:00Z', 3)).toBe('2025-10-11T15:59:59.999Z');
  });

  it('when the instant is late evening UTC, then the count starts from the Shanghai date', () => {
    // 2026-09-29T17:00Z is 30 Sep 01:00 in Shanghai; 2026-09-29T15:00Z is still 29 Sep 23:00.
    expect(calendar.addWorkingDays('2026-09-29T17:00:00Z', 1)).toBe('2026-10-08T15:59:59.999Z');
    expect(calendar.addWorkingDays('2026-09-29T15:00:00Z', 1)).toBe('2026-09-30T15:59:59.999Z');
    expect(calendar.addWorkingDays('2026-09-30T01:00:00+08:00', 1)).toBe('2026-10-08T15:59:59.999Z');
  });

  it('when days is 0, then the end of the start date is returned', () => {
    expect(calendar.addWorkingDays('2026-10-03T02:00:00Z', 0)).toBe('2026-10-03T15:59:59.999Z');
  });

  it('agrees with workingDaysBetween', () => {
    const from = '2026-02-10T09:00:00Z';
    for (const n of [0, 1, 3, 5, 12, 40]) {
      expect(calendar.workingDaysBetween(from, calendar.addWorkingDays(from, n))).toBe(n);
    }
    // 10 Feb → 28 Feb 2026: 11,12,13,14(make-up) + 24,25,26,27,28(make-up) = 9
    expect(calendar.workingDaysBetween(from, '2026-02-28T12:00:00Z')).toBe(9);
    expect(calendar.workingDaysBetween('2026-02-28T12:00:00Z', from)).toBe(-9);
  });

  it('rejects a negative, fractional or absurd number of days', () => {
    expect(() => calendar.addWorkingDays('2026-01-05T00:00:00Z', -1)).toThrow(RangeError);
    expect(() => calendar.addWorkingDays('2026-01-05T00:00:00Z', 1.5)).toThrow(RangeError);
    expect(() => calendar.addWorkingDays('2026-01-05T00:00:00Z', 1e9)).toThrow(RangeError);
  });
});

describe('end of day and months in Asia/Shanghai', () => {
  it('when asked for the end of a date, then it is 23:59:59.999 at UTC+8', () => {
    expect(calendar.endOfDay('2026-10-09')).toBe('2026-10-09T15:59:59.999Z');
    expect(calendar.endOfDay('2024-02-29')).toBe('2024-02-29T15:59:59.999Z');
    expect(calendar.endOfDay('2026-01-01')).toBe('2026-01-01T15:59:59.999Z');
  });

  it('when adding months, then the day is clamped to the end of a shorter month', () => {
    expect(calendar.addMonths('2026-01-31T04:00:00Z', 1)).toBe('2026-02-28T15:59:59.999Z');
    expect(calendar.addMonths('2024-01-31T04:00:00Z', 1)).toBe('2024-02-29T15:59:59.999Z');
    expect(calendar.addMonths('2026-11-15T04:00:00Z', 3)).toBe('2027-02-15T15:59:59.999Z');
    expect(calendar.addMonths('2026-03-31T04:00:00Z', -1)).toBe('2026-02-28T15:59:59.999Z');
    expect(calendar.addMonths('2026-01-15T04:00:00Z', 12)).toBe('2027-01-15T15:59:59.999Z');
    // 31 Mar 20:00 UTC is 1 Apr in Shanghai.
    expect(calendar.addMonths('2026-03-31T20:00:00Z', 1)).toBe('2026-05-01T15:59:59.999Z');
  });

  it('converts instants to Shanghai dates and display strings', () => {
    expect(shanghaiDate('2026-10-09T15:59:59.999Z')).toBe('2026-10-09');
    expect(shanghaiDate('2026-10-09T16:00:00Z')).toBe('2026-10-10');
    expect(shanghaiDate('2026-10-09T23:30:00+08:00')).toBe('2026-10-09');
    expect(shanghaiDate('2026-10-09')).toBe('2026-10-09');
    expect(formatShanghai('2026-10-09T15:59:59.999Z', 'date')).toBe('2026-10-09');
    expect(formatShanghai('2026-10-09T15:59:59.999Z', 'datetime')).toBe('2026-10-09 23:59');
    expect(formatShanghai('2026-12-31T16:05:00Z', 'datetime')).toBe('2027-01-01 00:05');
    expect(calendar.formatShanghai('2026-10-09T01:02:00Z', 'datetime')).toBe('2026-10-09 09:02');
  });
});

describe('input validation', () => {
  it.each(['', '2026-13-01', '2026-02-29', '2026-1-5', '26-01-05', 'tomorrow', '2026-01-05T10:00'])(
    'when given %j, then it throws a RangeError',
    (bad) => {
      expect(() => calendar.addWorkingDays(bad, 1)).toThrow(RangeError);
      expect(() => shanghaiDate(bad)).toThrow(RangeError);
    },
  );

  it('rejects garbage dates in isWorkingDay and endOfDay with a clear message', () => {
    expect(() => calendar.isWorkingDay('2026-02-30')).toThrow(/no such calendar date/);
    expect(() => calendar.endOfDay('2026/10/09')).toThrow(/expected 'YYYY-MM-DD'/);
    expect(() => calendar.isWorkingDay(undefined as unknown as string)).toThrow(RangeError);
  });
});

describe('working days between two instants', () => {
  it('counts them as a day-by-day count does, across years and overrides', () => {
    const cal = createCalendar([{ date: '2025-12-31', kind: 'holiday' }, { date: '2027-02-06', kind: 'workday' }, { date: '2031-01-03', kind: 'holiday' }]);
    let seed = 11;
    const rnd = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 4294967296;
    };
    const dayOf = (iso: string) => Date.parse(`${shanghaiDate(iso)}T00:00:00Z`);
    for (let i = 0; i < 400; i++) {
      // from 2024 to 2032: known years, years the package does not know, leap years, both directions
      const a = new Date(Date.parse('2024-01-01T00:00:00Z') + rnd() * 8 * 365 * 86_400_000).toISOString();
      const b = new Date(Date.parse(a) + (rnd() - 0.3) * (rnd() < 0.8 ? 40 : 900) * 86_400_000).toISOString();
      const [lo, hi, sign] = a <= b ? [a, b, 1] : [b, a, -1];
      let n = 0;
      for (let d = dayOf(lo) + 86_400_000; d <= dayOf(hi); d += 86_400_000) if (cal.isWorkingDay(new Date(d).toISOString().slice(0, 10))) n++;
      expect(cal.workingDaysBetween(a, b) + 0, `${a} → ${b}`).toBe(sign * n + 0);
    }
  });
});
