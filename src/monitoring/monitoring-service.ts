// Where projects get stuck (issue 11, item 2): for every stage, how many projects are in it now, the
// median and 90th-percentile time spent in it per year (calendar days, and working days where its
// rule counts them), and the projects past their stage's expected end with whom each waits for; and
// the monthly page a street chases from. Everything is read from the stage visits and the read model
// (never the history or snapshots), scoped like the other staff lists.
import { z } from 'zod';
import { ForbiddenError, parseOr422 } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { Db } from '../lib/db.js';
import { shanghaiDate, type WorkingCalendar } from '../lib/calendar.js';
import type { User } from '../auth/users.js';
import type { CalendarService } from '../calendar/calendar-service.js';
import { waitingRoles, type Scope } from '../projects/project-repo.js';
import { scopeOf } from '../projects/project-service.js';
import { FINAL_STAGES, STAGES, type Stage } from '../../workflows/project/index.js';
import { closedVisits, countsNow, entriesBetween, movementCounts, stuckAt, type OpenVisitRow, type PlaceFilter } from './stage-visits.js';

/** The staff who follow up projects; vendors and the public do not. */
export const MONITORING_ROLES = ['community', 'street', 'district', 'finance', 'admin'] as const;
/** The stages a project can wait in (the final ones end the count). */
export const MONITORED_STAGES: readonly Stage[] = STAGES.filter((s) => !FINAL_STAGES.includes(s));

const DAY_MS = 86_400_000;
const id = z.string().trim().max(64).optional().transform((v) => v || undefined);
const pageNo = z.coerce.number().int().min(1).max(100_000).default(1);
const pageSize = z.coerce.number().int().min(1).max(200).default(50);

export const StuckQuerySchema = z.object({
  year: z.coerce.number().int().min(2000).max(2100).optional(),
  streetId: id,
  communityId: id,
  page: pageNo,
  pageSize,
});

export const MonthQuerySchema = z.object({
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'validation.invalid').optional(),
  streetId: id,
  communityId: id,
  page: pageNo,
  /** the page of the month's movements */
  mpage: pageNo,
  pageSize,
});

/**
 * The p-th percentile (0–1) of sorted values, interpolated between the two nearest ranks (as
 * PostgreSQL's percentile_cont and numpy's default): the median of 2, 4 is 3.
 */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const pos = (sorted.length - 1) * p;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export interface Spread {
  n: number;
  median: number | null;
  p90: number | null;
}

const spread = (values: number[]): Spread => {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, median: percentile(sorted, 0.5), p90: percentile(sorted, 0.9) };
};

export interface StageFigures {
  stage: Stage;
  /** projects in the stage now */
  now: number;
  /** closed visits that left in the year: days in the stage (elapsed time / 24 h) */
  calendarDays: Spread;
  /** the same visits where the stage's rule counts working days: working days after entry up to the day left; null: none */
  workingDays: Spread | null;
}

export interface StuckProject extends OpenVisitRow {
  /** calendar days from the expected end's date to the day looked at (Asia/Shanghai) */
  overdueDays: number;
  /** working days overdue, where the stage's rule counts working days */
  overdueWorkingDays: number | null;
  /** the roles it waits for now (workflow_waits) */
  waitingFor: string[];
}

export interface Paged<T> {
  rows: T[];
  total: number;
  page: number;
  pageSize: number;
}

export function createMonitoringService(deps: { db: Db; clock: Clock; calendar: CalendarService }) {
  const { db, clock } = deps;

  function scopeFor(user: User): Scope {
    if (!(MONITORING_ROLES as readonly string[]).includes(user.role)) throw new ForbiddenError('monitoring is for staff', { reasons: [{ code: 'WRONG_ROLE' }] });
    return scopeOf(user);
  }

  async function stuck(scope: Scope, f: PlaceFilter, asOf: string, page: { page: number; pageSize: number }, cal: WorkingCalendar): Promise<Paged<StuckProject>> {
    // at the present moment no visit has ended after asOf: only the open ones can be stuck
    const { rows, total } = await stuckAt(db, asOf, scope, f, page, { present: asOf >= clock.now().toISOString() });
    const roles = await waitingRoles(db, rows.filter((r) => r.leftAt === null).map((r) => r.projectId));
    const day = (iso: string) => Date.parse(`${shanghaiDate(iso)}T00:00:00Z`) / DAY_MS;
    return {
      rows: rows.map((r) => ({
        ...r,
        overdueDays: day(asOf) - day(r.expectedEndAt),
        overdueWorkingDays: r.working ? cal.workingDaysBetween(r.expectedEndAt, asOf) : null,
        waitingFor: roles.get(r.projectId) ?? [],
      })),
      total, ...page,
    };
  }

  /** Every stage's figures for a year (closed visits by the year they left), one stage's visits at a time. */
  async function figures(scope: Scope, f: PlaceFilter, year: number, cal: WorkingCalendar): Promise<StageFigures[]> {
    const now = await countsNow(db, scope, f);
    const out: StageFigures[] = [];
    for (const stage of MONITORED_STAGES) {
      const visits = await closedVisits(db, stage, year, scope, f);
      const working = visits.filter((v) => v.working);
      out.push({
        stage,
        now: now.get(stage) ?? 0,
        calendarDays: spread(visits.map((v) => (Date.parse(v.leftAt) - Date.parse(v.enteredAt)) / DAY_MS)),
        workingDays: working.length ? spread(working.map((v) => cal.workingDaysBetween(v.enteredAt, v.leftAt))) : null,
      });
    }
    return out;
  }

  /** The stages' figures for a year and the projects stuck now (GET /monitoring/stages, GET /api/v1/reports/stuck). */
  async function stages(user: User, query: unknown) {
    const q = parseOr422(StuckQuerySchema, query, 'invalid query');
    const scope = scopeFor(user);
    const asOf = clock.now().toISOString();
    const year = q.year ?? Number(shanghaiDate(asOf).slice(0, 4));
    const f: PlaceFilter = { streetId: q.streetId, communityId: q.communityId };
    const cal = await deps.calendar.calendar();
    return { asOf, year, filter: f, stages: await figures(scope, f, year, cal), stuck: await stuck(scope, f, asOf, { page: q.page, pageSize: q.pageSize }, cal) };
  }

  /** A month on a street (or community): what was stuck at its end (or now), and what moved in it. */
  async function month(user: User, query: unknown) {
    const q = parseOr422(MonthQuerySchema, query, 'invalid query');
    const scope = scopeFor(user);
    const now = clock.now().toISOString();
    const month = q.month ?? shanghaiDate(now).slice(0, 7);
    const [y, m] = month.split('-').map(Number) as [number, number];
    const from = new Date(`${month}-01T00:00:00+08:00`).toISOString();
    const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
    const to = new Date(`${next}-01T00:00:00+08:00`).toISOString();
    const asOf = to < now ? to : now;
    const f: PlaceFilter = { streetId: q.streetId, communityId: q.communityId };
    const cal = await deps.calendar.calendar();
    const counts = await movementCounts(db, from, to, scope, f);
    const entries = await entriesBetween(db, from, to, scope, f, { page: q.mpage, pageSize: q.pageSize });
    return {
      month, from, to, asOf, filter: f,
      stuck: await stuck(scope, f, asOf, { page: q.page, pageSize: q.pageSize }, cal),
      movements: MONITORED_STAGES.map((stage) => ({ stage, entered: counts.entered.get(stage) ?? 0, left: counts.left.get(stage) ?? 0 })).filter((x) => x.entered || x.left),
      entries: { ...entries, page: q.mpage, pageSize: q.pageSize },
    };
  }

  return { stages, month };
}

export type MonitoringService = ReturnType<typeof createMonitoringService>;
export type StagesReport = Awaited<ReturnType<MonitoringService['stages']>>;
export type MonthReport = Awaited<ReturnType<MonitoringService['month']>>;
