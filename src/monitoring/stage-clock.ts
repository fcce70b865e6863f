// When a project is expected to leave a stage, decided once, when it enters it, from the project's
// own rules version and the working-day calendar, and stored on its stage visit: the stuck list is
// then one indexed query that reads neither snapshots nor history.
import type { WorkingCalendar } from '../lib/calendar.js';
import { FINAL_STAGES, STAGES, type ProgrammeRules, type Stage } from '../../workflows/project/index.js';

/**
 * Stages whose own deadline governs them: the notice's end, the quote deadline, the contract's due
 * date, the warranty's end (workflows/project describe `deadlineOf`). The street review's deadline is
 * a reminder, not an end: it is measured by its rule like the other stages.
 */
export const OWN_DEADLINE_STAGES: readonly Stage[] = ['public_notice', 'confirmation_notice', 'acceptance_notice', 'procurement.quoting', 'delivery', 'warranty'];
const OWN_DEADLINE_KINDS = new Set(['noticeEndsAt', 'quoteDeadline', 'dueAt', 'warrantyEndsAt']);

/** The stages a rules version gives an expected time (`stageDays`): neither final nor governed by their own deadline. */
export const TIMED_STAGES: readonly Stage[] = STAGES.filter((s) => !FINAL_STAGES.includes(s) && !OWN_DEADLINE_STAGES.includes(s));

export interface Expectation {
  /** the instant the project should have left the stage by; null: no expectation (final stages, no rule) */
  endAt: string | null;
  /** whether the stage's time is counted in working days */
  working: boolean;
  /** `stageDays`, or the workflow's deadline kind it comes from */
  basis: string | null;
}

const DAY_MS = 86_400_000;

/**
 * A stage's expected end for a visit entered at `enteredAt`: the workflow's own deadline for the
 * stages it governs, else `stageDays[stage]` counted from the entry — working days on the calendar
 * (holidays and make-up days) or calendar days, ending at the end of that day in Asia/Shanghai.
 */
export function expectedEnd(
  stage: string,
  enteredAt: string,
  rules: Pick<ProgrammeRules, 'stageDays'> | undefined,
  deadline: { at: string; kind: string } | null,
  calendar: WorkingCalendar,
): Expectation {
  if ((OWN_DEADLINE_STAGES as readonly string[]).includes(stage)) {
    return deadline && OWN_DEADLINE_KINDS.has(deadline.kind) ? { endAt: deadline.at, working: false, basis: deadline.kind } : { endAt: null, working: false, basis: null };
  }
  const rule = rules?.stageDays?.[stage as Stage];
  if (!rule) return { endAt: null, working: false, basis: null };
  const endAt = rule.working
    ? calendar.addWorkingDays(enteredAt, rule.days)
    : calendar.endOfDay(calendar.shanghaiDate(new Date(Date.parse(enteredAt) + rule.days * DAY_MS).toISOString()));
  return { endAt, working: rule.working, basis: 'stageDays' };
}

/** Whether a stage's expected end is counted in working days: the caller then needs the calendar's overrides. */
export function needsWorkingDays(stage: string, rules: Pick<ProgrammeRules, 'stageDays'> | undefined): boolean {
  return !(OWN_DEADLINE_STAGES as readonly string[]).includes(stage) && rules?.stageDays?.[stage as Stage]?.working === true;
}
