/** Pure date helpers: the machine never reads the clock, only `event.at`. */

/** The calendar date (YYYY-MM-DD) of an instant in Asia/Shanghai (UTC+8, no DST since 1991). */
export function shanghaiDate(iso: string): string {
  return new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 10);
}

/** Milliseconds from `fromIso` to `toIso`, never negative (a late timer fires at once). */
export function msUntil(toIso: string | null, fromIso: string): number {
  if (toIso === null) return 0;
  return Math.max(0, Date.parse(toIso) - Date.parse(fromIso));
}
