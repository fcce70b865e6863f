// Working days = chinese-days' official schedule + admin-editable overrides (calendar_overrides).
import { z } from 'zod';
import { InvalidError, parseOr422 } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { createCalendar, type CalendarOverride, type WorkingCalendar } from '../lib/calendar.js';
import type { Db, Queryable } from '../lib/db.js';

const OverrideSchema = z.object({
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'validation.date'),
  kind: z.enum(['workday', 'holiday'], { error: 'validation.invalid' }),
  note: z.string().trim().max(200).optional(),
});

/**
 * The working-day calendar as it stands in a transaction, read once per transaction: a transition
 * asks for it in `enrich` and again for its stage visit's expected end. Outside a transaction it is
 * read each time (an admin may change the overrides between two reads).
 */
const perTransaction = new WeakMap<object, Promise<WorkingCalendar>>();
export function calendarIn(q: Queryable): Promise<WorkingCalendar> {
  if (!(q as { isTransaction?: boolean }).isTransaction) return readCalendar(q);
  let c = perTransaction.get(q);
  if (!c) {
    c = readCalendar(q);
    perTransaction.set(q, c);
  }
  return c;
}

async function readCalendar(q: Queryable): Promise<WorkingCalendar> {
  return createCalendar((await q('calendar_overrides').select('date', 'kind')).map((r) => ({ date: r.date as string, kind: r.kind as CalendarOverride['kind'] })));
}

export function createCalendarService(deps: { db: Db; clock: Clock }) {
  const { db, clock } = deps;

  async function overrides(q: Queryable = db): Promise<CalendarOverride[]> {
    return (await q('calendar_overrides').orderBy('date')).map((r) => ({ date: r.date, kind: r.kind, ...(r.note ? { note: r.note } : {}) }));
  }

  /** The calendar as it stands now, read inside the caller's transaction. */
  function calendar(q: Queryable = db): Promise<WorkingCalendar> {
    return calendarIn(q);
  }

  async function setOverride(input: unknown, userId: string): Promise<CalendarOverride & { unknownYear: boolean }> {
    const o = parseOr422(OverrideSchema, input, 'invalid override');
    try {
      createCalendar([o]); // validates the date itself (no 2026-02-30)
    } catch {
      throw new InvalidError('invalid date', { fields: { date: 'validation.date' } });
    }
    await db.transaction(async (trx) => {
      await trx('calendar_overrides').where({ date: o.date }).delete();
      await trx('calendar_overrides').insert({ date: o.date, kind: o.kind, note: o.note ?? null, updated_by: userId, updated_at: clock.now().toISOString() });
    });
    return { ...o, unknownYear: !createCalendar().isKnownYear(Number(o.date.slice(0, 4))) };
  }

  async function removeOverride(date: string): Promise<void> {
    await db('calendar_overrides').where({ date }).delete();
  }

  /** Years from now to two years ahead that the official calendar does not know: admins must add overrides. */
  function unknownYearsAhead(): number[] {
    const now = clock.now().toISOString();
    const later = new Date(clock.now().getTime() + 2 * 365 * 86_400_000).toISOString();
    return createCalendar().unknownYearsIn(now, later);
  }

  return { overrides, calendar, setOverride, removeOverride, unknownYearsAhead };
}

export type CalendarService = ReturnType<typeof createCalendarService>;
