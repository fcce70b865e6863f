// The lifecycle's word on residents' ratings (workflows/project/project.ratings.ts): pure functions.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RULES, DEFAULT_MIN_RATINGS, RULES_V1, derivedSatisfactionPct, minRatings, ratingPeriod, satisfactionReasons, sharePct, upgradeRules,
  enrich, type WorkingCalendar,
} from '../../workflows/project/index.js';

const cal = (ratings?: { count: number; stars: [number, number, number, number, number] }): WorkingCalendar => ({
  addWorkingDays: (from, days) => new Date(Date.parse(from) + days * 86_400_000).toISOString(),
  endOfDay: (d) => `${d}T15:59:59.999Z`,
  addMonths: (from) => from,
  ...(ratings ? { ratings } : {}),
});

describe('residents\u2019 ratings in the lifecycle', () => {
  it('rounds the share down, so a figure just under the threshold never passes it', () => {
    expect(sharePct(4, 5)).toBe(80);
    expect(sharePct(799, 1000)).toBe(79.9);
    expect(sharePct(7999, 10000)).toBe(79.9);
    expect(sharePct(2, 3)).toBe(66.6);
    expect(sharePct(0, 0)).toBe(0);
  });

  it('opens the rating period in acceptance and closes it when the acceptance notice ends', () => {
    const ends = '2026-05-10T00:00:00.000Z';
    expect(ratingPeriod('acceptance', { noticeEndsAt: null }, '2026-05-01T00:00:00.000Z').open).toBe(true);
    expect(ratingPeriod('acceptance_notice', { noticeEndsAt: ends }, '2026-05-09T23:59:59.000Z')).toEqual({ open: true, endsAt: ends });
    expect(ratingPeriod('acceptance_notice', { noticeEndsAt: ends }, ends).open).toBe(false);
    for (const s of ['delivery', 'settlement', 'rectification', 'acceptance_objection_review', 'closed']) expect(ratingPeriod(s, { noticeEndsAt: ends }, '2026-05-01T00:00:00.000Z').open).toBe(false);
  });

  it('gives rules stored before the field the default minimum, and keeps a version\u2019s own', () => {
    expect(upgradeRules(structuredClone(RULES_V1)).acceptance.minRatings).toBe(DEFAULT_MIN_RATINGS);
    expect(minRatings({ ...DEFAULT_RULES, acceptance: { ...DEFAULT_RULES.acceptance, minRatings: 3 } })).toBe(3);
    expect(minRatings(RULES_V1)).toBe(DEFAULT_MIN_RATINGS);
  });

  it('refuses the ratings method without the server\u2019s tally or below the minimum, and an inconsistent figure', () => {
    const rules = DEFAULT_RULES;
    expect(satisfactionReasons(rules, { satisfactionMethod: 'ratings' }).map((r) => r.code)).toEqual(['NOT_ENRICHED']);
    const few = { count: 9, stars: [0, 0, 0, 0, 9] as [number, number, number, number, number] };
    expect(satisfactionReasons(rules, { satisfactionMethod: 'ratings', ratings: few, satisfactionPct: 100 })).toEqual([{ code: 'TOO_FEW_RATINGS', params: { count: 9, min: 10 } }]);
    const enough = { count: 10, stars: [1, 1, 0, 0, 8] as [number, number, number, number, number] };
    expect(satisfactionReasons(rules, { satisfactionMethod: 'ratings', ratings: enough, satisfactionPct: 80 })).toEqual([]);
    expect(satisfactionReasons(rules, { satisfactionMethod: 'ratings', ratings: enough, satisfactionPct: 95 }).map((r) => r.code)).toEqual(['SATISFACTION_INCONSISTENT']);
    expect(satisfactionReasons(rules, { satisfactionMethod: 'paper', satisfied: 9, surveyed: 10, satisfactionPct: 90 })).toEqual([]);
    // an old history: the figure as entered
    expect(satisfactionReasons(rules, { satisfactionPct: 95 })).toEqual([]);
    expect(derivedSatisfactionPct({ satisfactionPct: 95 })).toBe(95);
  });

  it('lets enrich put the tally the server read on the event, never the one sent', () => {
    const snapshot = { stage: 'acceptance', rules: DEFAULT_RULES, notices: [], noticeEndsAt: null } as never;
    const sent = { type: 'RECORD_ACCEPTANCE', at: '2026-05-01T00:00:00.000Z', satisfactionMethod: 'ratings', satisfactionPct: 100, ratings: { count: 99, stars: [0, 0, 0, 0, 99] } };
    const read = { count: 10, stars: [0, 2, 0, 1, 7] as [number, number, number, number, number] };
    expect(enrich(sent, snapshot, cal(read))).toMatchObject({ ratings: read, satisfactionPct: 80 });
    const unread = enrich(sent, snapshot, cal()) as Record<string, unknown>;
    expect(unread.ratings).toBeUndefined();
    expect(unread.satisfactionPct).toBeUndefined();
    expect(enrich({ ...sent, satisfactionMethod: 'paper', satisfied: 3, surveyed: 4 }, snapshot, cal(read))).toMatchObject({ satisfactionPct: 75 });
  });
});
