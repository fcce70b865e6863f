/**
 * `enrich(event, context, calendar)`: add the facts the machine cannot compute itself (working-day
 * deadlines, end of a day in Asia/Shanghai, months). The engine calls it after stamping `at` and
 * `actor` and before the transition, and stores the enriched event in the history so a replay
 * reproduces the snapshot whatever the calendar says later. Pure: same input, same output.
 *
 * Derived fields always overwrite whatever the payload carried (the zod schemas strip them anyway).
 */
import type { ProjectEvent } from './project.events.js';
import { contextOf, type ContextSource, type ProjectContext } from './project.types.js';
import { noticeDays, planFor, type NoticeKind } from './project.rules.js';
import type { VendorRecordFacts } from './project.rules.vendors.js';
import type { LibraryVendorFacts } from './project.rules.library.js';
import { derivedSatisfactionPct, type RatingsTally, type SatisfactionFacts } from './project.ratings.js';

export interface WorkingCalendar {
  /** `days` working days after `fromIso` on the PRC official calendar, as ISO UTC */
  addWorkingDays(fromIso: string, days: number): string;
  /** 23:59:59.999 Asia/Shanghai of a `YYYY-MM-DD` date, as ISO UTC */
  endOfDay(date: string): string;
  addMonths(fromIso: string, months: number): string;
  /**
   * The records of the vendors an INVITE or AWARD names, as they stand now (the engine reads them in
   * the event's transaction); absent where the caller has none (a unit test, a replay).
   */
  vendorRecords?: Readonly<Record<string, VendorRecordFacts>>;
  /** The qualified vendors of the project's library entry as they stand now, for INVITE and AWARD (project.rules.library.ts). */
  library?: LibraryVendorFacts;
  /** The residents' ratings of the project so far, for RECORD_ACCEPTANCE by the ratings method. */
  ratings?: RatingsTally;
}

/**
 * RECORD_ACCEPTANCE by a satisfaction method: the tally the server read (never the payload's) and
 * the figure the method yields (project.ratings.ts). Without a method the figure stays as entered.
 */
function withSatisfaction<E>(event: E, e: StampedEvent, cal: WorkingCalendar): E {
  if (e.satisfactionMethod === undefined) return event;
  const { ratings: _sent, satisfactionPct: _pct, ...rest } = event as StampedEvent;
  void _sent; void _pct;
  const facts = { ...rest, ...(e.satisfactionMethod === 'ratings' && cal.ratings ? { ratings: cal.ratings } : {}) } as SatisfactionFacts & StampedEvent;
  const pct = derivedSatisfactionPct(facts);
  return (pct === undefined ? facts : { ...facts, satisfactionPct: pct }) as E;
}

/** The vendors whose records an event needs (eligibility): INVITE's and AWARD's. */
export function eligibilityVendorIds(event: { type: string } & Record<string, unknown>): string[] {
  if (event.type === 'INVITE' && Array.isArray(event.vendorIds)) return [...new Set(event.vendorIds.filter((v): v is string => typeof v === 'string'))];
  if (event.type === 'AWARD' && typeof event.vendorId === 'string') return [event.vendorId];
  return [];
}

/** The named vendors' records the calendar carries; never what the payload said (the schemas strip it anyway). */
function withVendorRecords<E>(event: E, e: StampedEvent, cal: WorkingCalendar): E {
  const { vendorRecords: _sent, ...rest } = event as StampedEvent;
  void _sent;
  const records = Object.fromEntries(eligibilityVendorIds(e).flatMap((id) => (cal.vendorRecords?.[id] ? [[id, cal.vendorRecords[id]]] : [])));
  return (Object.keys(records).length > 0 ? { ...rest, vendorRecords: records } : rest) as E;
}

/**
 * A library project's INVITE and AWARD: its entry's qualified vendors as the calendar carries them
 * (only for the project's own entry; never what the payload said).
 */
function withLibrary<E>(event: E, c: ProjectContext, cal: WorkingCalendar): E {
  const { library: _sent, ...rest } = event as StampedEvent;
  void _sent;
  const facts = c.library && cal.library?.entryId === c.library.entryId ? cal.library : undefined;
  return (facts ? { ...rest, library: { entryId: facts.entryId, version: facts.version, vendorIds: [...facts.vendorIds] } } : rest) as E;
}

/** Minimal shape accepted by `enrich`: a stamped event of any type. */
export type StampedEvent = { type: string; at: string } & Record<string, unknown>;

function reviewDeadlines(e: StampedEvent, c: ProjectContext, cal: WorkingCalendar) {
  return {
    reviewReminderAt: cal.addWorkingDays(e.at, c.rules.reviewReminderWorkingDays),
    reviewEscalationAt: cal.addWorkingDays(e.at, c.rules.reviewEscalationWorkingDays),
  };
}

/** The end of a notice of `kind`, when the rules hold one. */
function noticeEnd(e: StampedEvent, c: ProjectContext, kind: NoticeKind, cal: WorkingCalendar): { noticeEndsAt?: string } {
  const days = noticeDays(c.rules, kind);
  return days === null ? {} : { noticeEndsAt: cal.addWorkingDays(e.at, days) };
}

/**
 * The events `enrich` adds facts to: the engine reads the calendar and the vendors' records, and
 * calls `enrich`, only for these (every other event is returned as it came; a test holds `enrich`
 * to that with a calendar that throws when touched).
 */
export const ENRICHED_EVENTS = [
  'RECORD_DELIBERATION', 'APPROVE_BUDGET', 'RECORD_ACCEPTANCE', 'NOTICE_ENDED', 'DISMISS_OBJECTIONS',
  'INVITE', 'AWARD', 'CONFIRM_CONTRACT', 'RECORD_EVALUATION',
] as const satisfies readonly ProjectEvent['type'][];

/** Takes the context or the snapshot before the transition. */
export function enrich<E extends StampedEvent | ProjectEvent>(event: E, source: ContextSource, calendar: WorkingCalendar): E {
  const context = contextOf(source);
  const e = event as StampedEvent;
  switch (e.type) {
    // The vote may open the proposal's notice, or (without one) lead straight to the street's review.
    case 'RECORD_DELIBERATION':
      return { ...event, ...noticeEnd(e, context, 'proposal', calendar), ...reviewDeadlines(e, context, calendar) };
    // Budget approval may open the confirmed project's notice; a passed acceptance the result's.
    case 'APPROVE_BUDGET':
      return { ...event, ...noticeEnd(e, context, 'confirmation', calendar) };
    case 'RECORD_ACCEPTANCE':
      return { ...withSatisfaction(event, e, calendar), ...noticeEnd(e, context, 'acceptance', calendar) };
    // both may lead into street_review, whose entry schedules the reminder and the escalation
    case 'NOTICE_ENDED':
    case 'DISMISS_OBJECTIONS':
      return { ...event, ...reviewDeadlines(e, context, calendar) };
    case 'INVITE': {
      // the user gives the deadline; normalise it to ISO UTC so comparisons and timers agree
      const ms = typeof e.deadline === 'string' ? Date.parse(e.deadline) : Number.NaN;
      const invite = withLibrary(withVendorRecords(event, e, calendar), context, calendar);
      return Number.isNaN(ms) ? invite : { ...invite, deadline: new Date(ms).toISOString() };
    }
    // the vendors' records as they stand now: the history says why a vendor could be invited or awarded
    case 'AWARD':
      return withLibrary(withVendorRecords(event, e, calendar), context, calendar);
    case 'CONFIRM_CONTRACT': {
      const dueOn = context.contract?.dueOn;
      return dueOn === undefined ? event : { ...event, dueAt: calendar.endOfDay(dueOn) };
    }
    // leads into warranty when the plan holds a retention; harmless otherwise
    case 'RECORD_EVALUATION':
      return { ...event, warrantyEndsAt: calendar.addMonths(e.at, planFor(context.rules, context.type).warrantyMonths) };
    default:
      return event;
  }
}
