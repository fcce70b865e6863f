/**
 * Vendor eligibility (供应商资格) as programme rules (issue 14, item 1).
 *
 * A rules version may say, per project type, what a vendor must meet to be invited or awarded:
 * registered for some years, no violation in the last years, some full-time staff. A rating of 3A
 * or better (社会组织评估等级) is a preference shown beside the vendor, never a refusal.
 *
 * The machine never looks a vendor up: the engine puts the vendor's record as it stands when the
 * event is sent on INVITE and AWARD (`vendorRecords`, by `enrich`), so the history says why a
 * vendor could be invited, and a replay decides the same whatever the record says later.
 */
import type { ProjectType, Reason } from './project.types.js';
import { shanghaiDate } from './project.dates.js';

/** 社会组织评估等级: 1A (lowest) to 5A. */
export const RATINGS = ['1A', '2A', '3A', '4A', '5A'] as const;
export type Rating = (typeof RATINGS)[number];

/** What one project type requires of a vendor; an absent field is no requirement. */
export interface EligibilityRule {
  /** registered at least this many years before the event's date */
  minYearsRegistered?: number;
  /** no violation dated within this many years before the event's date */
  violationFreeYears?: number;
  /** at least this many full-time staff */
  minFullTimeStaff?: number;
  /** a rating this good or better is shown as preferred (never a refusal) */
  preferredRating?: Rating;
}

export type Eligibility = Partial<Record<ProjectType, EligibilityRule>>;

/** One violation on a vendor's record: when, who found it (the source), what. */
export interface VendorViolation {
  on: string;
  source: string;
  description: string;
}

/** A vendor's record as `enrich` puts it on INVITE and AWARD (null: the record does not say). */
export interface VendorRecordFacts {
  name: string;
  registeredOn: string | null;
  rating: Rating | null;
  fullTimeStaff: number | null;
  violations: VendorViolation[];
}

/** The defaults for service vendors (domain/PROGRAMME.md, Lifecycle 5, unverified): ≥ 1 year, no violation in 2 years, ≥ 3 staff, 3A preferred. */
export const DEFAULT_ELIGIBILITY: Eligibility = {
  services: { minYearsRegistered: 1, violationFreeYears: 2, minFullTimeStaff: 3, preferredRating: '3A' },
};

/** The eligibility rule kinds, as refusal codes name them. */
export const ELIGIBILITY_CODES = ['VENDOR_TOO_NEW', 'VENDOR_RECENT_VIOLATION', 'VENDOR_TOO_FEW_STAFF', 'VENDOR_REGISTRATION_UNKNOWN', 'VENDOR_STAFF_UNKNOWN'] as const;

/** `date` (YYYY-MM-DD) moved `years` back; 29 February falls back to 28 February. */
export function yearsBefore(date: string, years: number): string {
  const y = Number(date.slice(0, 4)) - years;
  const md = date.slice(5) === '02-29' ? '02-28' : date.slice(5);
  return `${String(y).padStart(4, '0')}-${md}`;
}

const ratingRank = (r: Rating | null): number => (r === null ? 0 : RATINGS.indexOf(r) + 1);

/** What the rules version requires of a vendor for this project type (undefined: nothing). */
export function eligibilityRule(rules: { eligibility?: Eligibility }, type: ProjectType): EligibilityRule | undefined {
  return rules.eligibility?.[type];
}

/**
 * Why `vendorId` may not be invited or awarded on a project of `type` at `at`, from its record:
 * VENDOR_TOO_NEW, VENDOR_RECENT_VIOLATION, VENDOR_TOO_FEW_STAFF, and VENDOR_REGISTRATION_UNKNOWN /
 * VENDOR_STAFF_UNKNOWN when the record lacks a fact the rule needs (it cannot be checked, so it is refused); NOT_ENRICHED when the engine put no record on the event. Empty when
 * the rules version requires nothing (every version before eligibility).
 */
export function vendorEligibilityReasons(
  rules: { eligibility?: Eligibility },
  type: ProjectType,
  vendorId: string,
  record: VendorRecordFacts | undefined,
  at: string,
): Reason[] {
  const rule = eligibilityRule(rules, type);
  if (rule === undefined) return [];
  const needs = rule.minYearsRegistered !== undefined || rule.violationFreeYears !== undefined || rule.minFullTimeStaff !== undefined;
  if (!needs) return [];
  if (record === undefined) return [{ code: 'NOT_ENRICHED', params: { field: `vendorRecords.${vendorId}` } }];
  const vendor = record.name;
  const today = shanghaiDate(at);
  const out: Reason[] = [];
  if (rule.minYearsRegistered !== undefined) {
    if (record.registeredOn === null) out.push({ code: 'VENDOR_REGISTRATION_UNKNOWN', params: { vendorId, vendor } });
    else if (record.registeredOn > yearsBefore(today, rule.minYearsRegistered)) {
      out.push({ code: 'VENDOR_TOO_NEW', params: { vendorId, vendor, registeredOn: record.registeredOn, minYears: rule.minYearsRegistered } });
    }
  }
  if (rule.violationFreeYears !== undefined) {
    const since = yearsBefore(today, rule.violationFreeYears);
    const recent = record.violations.filter((v) => v.on > since && v.on <= today).sort((a, b) => (a.on < b.on ? 1 : -1))[0];
    if (recent) out.push({ code: 'VENDOR_RECENT_VIOLATION', params: { vendorId, vendor, on: recent.on, source: recent.source, years: rule.violationFreeYears } });
  }
  if (rule.minFullTimeStaff !== undefined) {
    if (record.fullTimeStaff === null) out.push({ code: 'VENDOR_STAFF_UNKNOWN', params: { vendorId, vendor } });
    else if (record.fullTimeStaff < rule.minFullTimeStaff) {
      out.push({ code: 'VENDOR_TOO_FEW_STAFF', params: { vendorId, vendor, staff: record.fullTimeStaff, min: rule.minFullTimeStaff } });
    }
  }
  return out;
}

/** Every vendor's reasons, in the order given (duplicates once). */
export function vendorsEligibilityReasons(
  rules: { eligibility?: Eligibility },
  type: ProjectType,
  vendorIds: readonly string[],
  records: Readonly<Record<string, VendorRecordFacts>> | undefined,
  at: string,
): Reason[] {
  return [...new Set(vendorIds)].flatMap((id) => vendorEligibilityReasons(rules, type, id, records?.[id], at));
}

/** Whether the vendor's rating meets the rules' preference for this type (a preference, never a refusal). */
export function ratingPreferred(rules: { eligibility?: Eligibility }, type: ProjectType, rating: Rating | null): boolean {
  const preferred = eligibilityRule(rules, type)?.preferredRating;
  return preferred !== undefined && ratingRank(rating) >= ratingRank(preferred);
}
