// Shared snapshot parts: the large, unchanging pieces of context that many instances hold alike —
// the programme rules a project runs under are 4.6 KB of its 5.7 KB snapshot, the same for every
// project of a district and rules version. The instance row stores `{"$part": "<sha256>"}` in their
// place (a workflow names the keys: `sharedContext`); the part is stored once in `snapshot_parts`,
// keyed by the sha256 of its canonical JSON, and kept in memory once read. A part is content-
// addressed, so a kept copy never goes stale, and `verify` checks each one against its key.
//
// A transition reads and writes the small row only: parsing, restoring and persisting a snapshot
// cost a fifth of what they did (`npm run bench`, project workflow). Readers never see a reference:
// the store hands out snapshots with their parts in place (`hydrate`).
import { createHash } from 'node:crypto';
import type { Queryable, Trx } from '../lib/db.js';
import { deepFreeze } from '../lib/freeze.js';
import { canonicalJson } from './hash.js';

export const PART_KEY = '$part';
const HEX64 = /^[0-9a-f]{64}$/;

export interface PartRef {
  [PART_KEY]: string;
}

/** A context value that stands for a stored part. */
export function isPartRef(v: unknown): v is PartRef {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && keys[0] === PART_KEY && typeof (v as PartRef)[PART_KEY] === 'string' && HEX64.test((v as PartRef)[PART_KEY]);
}

/** The key of a part: sha256 of its canonical JSON (key order does not matter). */
export function partHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

// Parts by key, deep-frozen: one copy serves every snapshot that holds it (nothing may change it,
// and nothing can: a write to it throws). A part object read from the database knows its key.
const MAX_KEPT = 512;
const kept = new Map<string, object>();
const stored = new WeakMap<object, string>();

function keep(hash: string, json: string): object {
  const part = deepFreeze(JSON.parse(json) as object);
  if (kept.size >= MAX_KEPT) kept.delete(kept.keys().next().value!);
  kept.set(hash, part);
  stored.set(part, hash);
  return part;
}

/**
 * A parsed snapshot with every part reference in its context replaced by the part (in place, the
 * object is the caller's own). Throws when the database lacks a part (verify names it).
 */
export async function hydrate<T>(q: Queryable, snapshot: T): Promise<T> {
  const context = (snapshot as { context?: unknown } | null)?.context;
  if (typeof context !== 'object' || context === null) return snapshot;
  const ctx = context as Record<string, unknown>;
  for (const key of Object.keys(ctx)) {
    const v = ctx[key];
    if (!isPartRef(v)) continue;
    const hash = v[PART_KEY];
    let part = kept.get(hash);
    if (!part) {
      const row = (await q('snapshot_parts').where({ hash }).first('json')) as { json: string } | undefined;
      if (!row) throw new Error(`snapshot part ${hash} is missing`);
      part = keep(hash, row.json);
    }
    ctx[key] = part;
  }
  return snapshot;
}

/**
 * The context as the row stores it: each of `keys` that holds an object replaced by its reference,
 * the part written (once: an existing key is left as it is) when it did not come from the database.
 * Answers the replacements only; undefined when there are none.
 */
export async function dehydrate(trx: Trx, context: Record<string, unknown>, keys: readonly string[], at: string): Promise<Record<string, PartRef> | undefined> {
  let out: Record<string, PartRef> | undefined;
  for (const key of keys) {
    const v = context[key];
    if (typeof v !== 'object' || v === null) continue;
    let hash = stored.get(v);
    if (hash === undefined) {
      // a new part (a new instance's rules): stored in this transaction, so it commits or rolls back with the row
      hash = partHash(v);
      await trx('snapshot_parts').insert({ hash, json: JSON.stringify(v), created_at: at }).onConflict('hash').ignore();
    }
    (out ??= {})[key] = { [PART_KEY]: hash };
  }
  return out;
}

/** The keys of the stored parts, and those whose content does not hash to its key (verify). */
export async function storedParts(q: Queryable): Promise<{ keys: Set<string>; corrupt: string[] }> {
  const keys = new Set<string>();
  const corrupt: string[] = [];
  for (let after = ''; ;) {
    const rows = (await q('snapshot_parts').where('hash', '>', after).orderBy('hash').limit(200).select('hash', 'json')) as Array<{ hash: string; json: string }>;
    if (rows.length === 0) return { keys, corrupt };
    for (const r of rows) {
      keys.add(r.hash);
      let ok: boolean;
      try {
        ok = partHash(JSON.parse(r.json)) === r.hash;
      } catch {
        ok = false;
      }
      if (!ok) corrupt.push(r.hash);
    }
    after = rows[rows.length - 1]!.hash;
  }
}
