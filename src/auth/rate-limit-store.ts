// The one limiter's counts, in the database (`rate_limits`), so every process shares them and a
// restart keeps them. Each change is one transaction under the row's lock (PostgreSQL: the row is
// created if missing, then locked FOR UPDATE; SQLite: transactions begin IMMEDIATE).
import { isPostgres, type Db, type Trx } from '../lib/db.js';

export interface LimitRow {
  key: string;
  count: number;
  windowStart: string;
  blockedUntil: string | null;
  updatedAt: string;
}

function toRow(r: Record<string, unknown>): LimitRow {
  return {
    key: r.key as string,
    count: Number(r.count),
    windowStart: r.window_start as string,
    blockedUntil: (r.blocked_until as string | null) ?? null,
    updatedAt: r.updated_at as string,
  };
}

export async function readLimits(db: Db, keys: string[]): Promise<Map<string, LimitRow>> {
  const rows = keys.length ? await db('rate_limits').whereIn('key', keys).select() : [];
  return new Map(rows.map((r: Record<string, unknown>) => [r.key as string, toRow(r)]));
}

/** Runs `change` on the key's row (undefined when there is none) under its lock, and stores what it returns. */
export async function updateLimit<T>(
  db: Db,
  key: string,
  change: (row: LimitRow | undefined) => { row: Omit<LimitRow, 'key'> | null; result: T },
): Promise<T> {
  return db.transaction(async (trx: Trx) => {
    let current: Record<string, unknown> | undefined;
    if (isPostgres(trx)) {
      await trx.raw('insert into rate_limits (key, count, window_start, updated_at) values (?, 0, ?, ?) on conflict (key) do nothing', [key, '', '']);
      current = await trx('rate_limits').where({ key }).forUpdate().first();
      if (current && current.window_start === '') current = undefined;
    } else {
      current = await trx('rate_limits').where({ key }).first();
    }
    const { row, result } = change(current ? toRow(current) : undefined);
    const values = row ? { count: row.count, window_start: row.windowStart, blocked_until: row.blockedUntil, updated_at: row.updatedAt } : null;
    if (!values) await trx('rate_limits').where({ key }).delete();
    else await trx('rate_limits').insert({ key, ...values }).onConflict('key').merge(values);
    return result;
  });
}

/** Rows nobody has touched since `before` count for nothing any more. */
export async function pruneLimits(db: Db, before: string): Promise<number> {
  return db('rate_limits').where('updated_at', '<', before).delete();
}
