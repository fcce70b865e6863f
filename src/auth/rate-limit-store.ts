// The one limiter's counts, in the database (`rate_limits`), so every process shares them and a
// restart keeps them. Each change is one transaction under the row's lock (PostgreSQL: the row is
// created if missing, then locked FOR UPDATE; SQLite: transactions begin IMMEDIATE). Rows whose
// windows and waits are long over are pruned by the limiter as it writes (pruneLimits).
import type { Knex } from 'knex';
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

/**
 * Deletes up to `limit` rows that count for nothing any more: untouched since `before` (the limiter
 * picks a time after which every window a row could belong to is over) and refusing nothing at
 * `now`. Answers how many it deleted. The conditions are checked again on the row the delete finds
 * (PostgreSQL re-reads a row another transaction changed meanwhile), so a row written since the
 * batch was chosen stays.
 */
export async function pruneLimits(db: Db, opts: { before: string; now: string; limit: number }): Promise<number> {
  const stale = (q: Knex.QueryBuilder): Knex.QueryBuilder =>
    q.where('updated_at', '<', opts.before).andWhere((w) => w.whereNull('blocked_until').orWhere('blocked_until', '<=', opts.now));
  return stale(db('rate_limits').whereIn('key', stale(db('rate_limits').select('key')).orderBy('updated_at').limit(opts.limit))).delete();
}
