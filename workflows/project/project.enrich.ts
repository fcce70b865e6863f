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

export interface WorkingCalendar {
  /** `days` working days after `fromIso` on the PRC official calendar, as ISO UTC */
  addWorkingDays(fromIso: string, days: number): string;
  /** 23:59:59.999 Asia/Shanghai of a `YYYY-MM-DD` date, as ISO UTC */
  endOfDay(date: string): string;
  addMonths(fromIso: string, months: number): string;
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
      return { ...event, ...noticeEnd(e, context, 'acceptance', calendar) };
    // both may lead into street_review, whose entry schedules the reminder and the escalation
    case 'NOTICE_ENDED':
    case 'DISMISS_OBJECTIONS':
      return { ...event, ...reviewDeadlines(e, context, calendar) };
    case 'INVITE': {
      // the user gives the deadline; normalise it to ISO UTC so comparisons and timers agree
      const ms = typeof e.deadline === 'string' ? Date.parse(e.deadline) : Number.NaN;
      return Number.isNaN(ms) ? event : { ...event, deadline: new Date(ms).toISOString() };
    }
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
