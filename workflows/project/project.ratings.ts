/**
 * Residents rate the work themselves (issue 14 item 4): what the lifecycle says about rating sheets
 * and about the satisfaction figure of RECORD_ACCEPTANCE. Pure: no clock, no storage.
 *
 * - Sheets (one single-use code each) are printed while the project is in `acceptance`.
 * - A code may be used while the rating period is open: from `acceptance` until the acceptance
 *   notice (验收结果公示) ends (`context.noticeEndsAt` of that notice). Without an acceptance notice
 *   in the rules, or once the project has left acceptance otherwise, the period is closed.
 * - RECORD_ACCEPTANCE's satisfaction is EITHER the share of ratings at 4–5 stars (method `ratings`,
 *   usable only with at least `rules.acceptance.minRatings` codes used; the server puts the tally
 *   on the event, see project.enrich.ts) OR a paper survey's "N of M satisfied" (method `paper`).
 *   Either way `enrich` derives `satisfactionPct` and the checks below verify it, so the machine's
 *   threshold test reads `satisfactionPct` as it always did. An event without a method (every
 *   history written before) keeps its `satisfactionPct` as entered.
 */
import type { ProjectContext, Reason } from './project.types.js';
import type { ProgrammeRules } from './project.rules.js';

// paper first: a form's first choice must be usable without residents' ratings
export const SATISFACTION_METHODS = ['paper', 'ratings'] as const;
export type SatisfactionMethod = (typeof SATISFACTION_METHODS)[number];

/** The ratings gathered so far: how many codes were used, and how many gave each star (index 0 = 1 star). */
export interface RatingsTally {
  count: number;
  /** [1★, 2★, 3★, 4★, 5★] */
  stars: [number, number, number, number, number];
}

/** Rules versions stored before `acceptance.minRatings` read this (upgradeRules); unverified programme default. */
export const DEFAULT_MIN_RATINGS = 10;
/** Rules versions stored before `acceptance.maxRatingCodes` read this: the most codes one project may print. */
export const DEFAULT_MAX_RATING_CODES = 500;

export const minRatings = (rules: ProgrammeRules): number => rules.acceptance.minRatings ?? DEFAULT_MIN_RATINGS;
export const maxRatingCodes = (rules: ProgrammeRules): number => rules.acceptance.maxRatingCodes ?? DEFAULT_MAX_RATING_CODES;

/** Ratings at 4 or 5 stars. */
export const satisfiedOf = (t: RatingsTally): number => t.stars[3] + t.stars[4];

/**
 * `satisfied` of `surveyed` as a percentage, rounded DOWN to one decimal: a share just under the
 * threshold never rounds up to pass it.
 */
export function sharePct(satisfied: number, surveyed: number): number {
  return surveyed <= 0 ? 0 : Math.floor((1000 * satisfied) / surveyed) / 10;
}

/** The average stars of a tally (one decimal), or null without ratings. */
export function averageStars(t: RatingsTally): number | null {
  if (t.count === 0) return null;
  const sum = t.stars.reduce((s, n, i) => s + n * (i + 1), 0);
  return Math.round((10 * sum) / t.count) / 10;
}

/** Sheets may be printed only while the project is being accepted. */
export const canPrintRatingSheets = (state: string): boolean => state === 'acceptance';

export interface RatingPeriod {
  open: boolean;
  /** when it closes, once known (the acceptance notice's end) */
  endsAt: string | null;
}

/** Whether a code may be used now: in `acceptance`, or in the acceptance notice before it ends. */
export function ratingPeriod(state: string, c: Pick<ProjectContext, 'noticeEndsAt'>, at: string): RatingPeriod {
  if (state === 'acceptance') return { open: true, endsAt: null };
  if (state === 'acceptance_notice' && c.noticeEndsAt !== null) {
    return { open: Date.parse(at) < Date.parse(c.noticeEndsAt), endsAt: c.noticeEndsAt };
  }
  return { open: false, endsAt: null };
}

/** The satisfaction facts of a RECORD_ACCEPTANCE, as sent and enriched. */
export interface SatisfactionFacts {
  satisfactionMethod?: SatisfactionMethod | undefined;
  satisfactionPct?: number | undefined;
  satisfied?: number | undefined;
  surveyed?: number | undefined;
  ratings?: RatingsTally | undefined;
}

/** The percentage a method yields, or undefined when the facts it needs are missing. */
export function derivedSatisfactionPct(e: SatisfactionFacts): number | undefined {
  if (e.satisfactionMethod === 'ratings') return e.ratings ? sharePct(satisfiedOf(e.ratings), e.ratings.count) : undefined;
  if (e.satisfactionMethod === 'paper') return e.satisfied !== undefined && e.surveyed !== undefined ? sharePct(e.satisfied, e.surveyed) : undefined;
  return e.satisfactionPct;
}

/**
 * RECORD_ACCEPTANCE's satisfaction is consistent: the ratings method has its tally (put there by the
 * server) and at least the rules' minimum of ratings; the figure is the one the method yields.
 */
export function satisfactionReasons(rules: ProgrammeRules, e: SatisfactionFacts): Reason[] {
  if (e.satisfactionMethod === 'ratings') {
    if (!e.ratings) return [{ code: 'NOT_ENRICHED', params: { field: 'ratings' } }];
    const min = minRatings(rules);
    if (e.ratings.count < min) return [{ code: 'TOO_FEW_RATINGS', params: { count: e.ratings.count, min } }];
  }
  const expected = derivedSatisfactionPct(e);
  if (expected === undefined || e.satisfactionPct !== expected) {
    return [{ code: 'SATISFACTION_INCONSISTENT', params: { method: e.satisfactionMethod ?? 'direct' } }];
  }
  return [];
}
