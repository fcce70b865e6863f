// `seed --scale N --jobs J` on SQLite (issue 13): SQLite has one writer, and a write transaction
// holds it through the engine's whole work, so J processes on one file queue behind each other
// (1.15× for 2). Instead each process drives its streets in a copy of the prepared file, and the
// copies' new rows are merged back here: rows the real engine, effects and read model wrote, copied
// as they are (their history hashes chain per instance, not per row id).
//
// What makes the copies mergeable, and what is checked rather than assumed:
// - each copy's new rows are those past the prepared file's largest rowid in each table (SQLite
//   gives a new row the largest rowid plus one); rows of tables with an integer key get new ids
//   here, and no merged row refers to another by such an id (checked from the foreign keys);
// - the rows the copy had from the prepared file are unchanged, save the reference counters (each
//   street numbers its projects in a block of its own: city.ts), checked table by table;
// - documents are named by their content's sha256: the same file uploaded in two copies is one
//   document (and one upload of it per user).
import type { Db } from '../lib/db.js';

/**
 * The prepared file as the copies start from it: the largest rowid of every table (where a copy's
 * new rows start), and the rows a copy may change, as they were (what it changed is what differs).
 */
export interface Watermarks {
  rowids: Record<string, number>;
  originals: Record<string, Array<Record<string, unknown>>>;
}

/** Tables whose rows the merge leaves alone: the migrator's own. */
const SKIP = new Set(['knex_migrations', 'knex_migrations_lock', 'sqlite_sequence', 'sqlite_stat1', 'sqlite_stat4']);
/**
 * Rows a copy may change among those it started with, by their key: the reference counters (the
 * larger wins), and the allocations of its streets' communities (a street sets its communities'
 * money for the ten years, over an allocation the demo district may have made for one of them).
 */
const UPDATED: Record<string, { key: string[]; merge: 'max' | 'changed' }> = {
  ref_counters: { key: ['district_id', 'year'], merge: 'max' },
  allocations: { key: ['community_id', 'year'], merge: 'changed' },
};
/** Content-addressed rows: the same row may come from two copies. */
const SHARED = new Set(['documents', 'document_uploads', 'snapshot_parts']);

interface TableInfo {
  name: string;
  columns: string[];
  /** the INTEGER PRIMARY KEY column (an alias of the rowid), renumbered on merge */
  intKey: string | null;
  references: string[];
}

async function tables(db: Db, schema: string): Promise<TableInfo[]> {
  const names = (await db.raw(`select name from ${schema}.sqlite_master where type = 'table' order by name`)) as Array<{ name: string }>;
  const out: TableInfo[] = [];
  for (const { name } of names) {
    if (SKIP.has(name) || name.startsWith('sqlite_')) continue;
    const cols = (await db.raw(`pragma ${schema}.table_info("${name}")`)) as Array<{ name: string; type: string; pk: number }>;
    const pks = cols.filter((c) => c.pk > 0);
    const intKey = pks.length === 1 && pks[0]!.type.toUpperCase() === 'INTEGER' ? pks[0]!.name : null;
    const fks = (await db.raw(`pragma ${schema}.foreign_key_list("${name}")`)) as Array<{ table: string }>;
    out.push({ name, columns: cols.map((c) => c.name), intKey, references: [...new Set(fks.map((f) => f.table))] });
  }
  return out;
}

/** The tables with their referenced tables first, so that the foreign keys hold row by row. */
function inDependencyOrder(all: TableInfo[]): TableInfo[] {
  const byName = new Map(all.map((t) => [t.name, t]));
  const done = new Set<string>();
  const out: TableInfo[] = [];
  const visit = (t: TableInfo, path: Set<string>) => {
    if (done.has(t.name) || path.has(t.name)) return;
    path.add(t.name);
    for (const r of t.references) {
      const dep = byName.get(r);
      if (dep && dep.name !== t.name) visit(dep, path);
    }
    done.add(t.name);
    out.push(t);
  };
  for (const t of all) visit(t, new Set());
  return out;
}

export async function watermarks(db: Db): Promise<Watermarks> {
  const out: Watermarks = { rowids: {}, originals: {} };
  for (const t of await tables(db, 'main')) {
    const r = (await db.raw(`select max(rowid) as m from "${t.name}"`)) as Array<{ m: number | null }>;
    out.rowids[t.name] = Number(r[0]?.m ?? 0);
    if (UPDATED[t.name]?.merge === 'changed') out.originals[t.name] = (await db.raw(`select ${t.columns.filter((c) => c !== t.intKey).map(q).join(', ')} from "${t.name}"`)) as Array<Record<string, unknown>>;
  }
  return out;
}

const q = (c: string) => `"${c}"`;

/**
 * Merges the rows a copy of the prepared file added past `marks` into `db` (the prepared file), in
 * one transaction; the reference counters end at the larger of the two. Refuses (changing nothing)
 * when the copy changed a row it started with, or added rows that refer to renumbered ones.
 * Returns the rows merged per table.
 */
export async function mergeCopy(db: Db, file: string, prepared: Watermarks): Promise<Record<string, number>> {
  const marks = prepared.rowids;
  await db.raw('attach database ? as shard', [file]);
  try {
    const all = inDependencyOrder(await tables(db, 'main'));
    const added: Record<string, number> = {};
    for (const t of all) {
      const mark = marks[t.name] ?? 0;
      const n = Number(((await db.raw(`select count(*) as n from shard."${t.name}" where rowid > ?`, [mark])) as Array<{ n: number }>)[0]!.n);
      if (n > 0) added[t.name] = n;
    }
    // a renumbered row must be referred to by nothing that comes along
    const renumbered = new Set(all.filter((t) => t.intKey && added[t.name]).map((t) => t.name));
    for (const t of all) {
      const bad = t.references.filter((r) => renumbered.has(r) && added[t.name]);
      if (bad.length) throw new Error(`merge: ${t.name}'s new rows refer to renumbered rows of ${bad.join(', ')}`);
    }
    // the rows it started with are the prepared file's (history is append-only: its count suffices)
    for (const t of all) {
      if (UPDATED[t.name]) continue;
      const mark = marks[t.name] ?? 0;
      const cols = t.columns.map(q).join(', ');
      const sql = t.name === 'workflow_history'
        ? `select (select count(*) from shard."${t.name}" where rowid <= ?) - (select count(*) from main."${t.name}" where rowid <= ?) as n`
        : `select count(*) as n from (select ${cols} from shard."${t.name}" where rowid <= ? except select ${cols} from main."${t.name}" where rowid <= ?)`;
      const changed = Number(((await db.raw(sql, [mark, mark])) as Array<{ n: number }>)[0]!.n);
      if (changed !== 0) throw new Error(`merge: ${file} changed ${Math.abs(changed)} rows of ${t.name} it started with`);
    }
    await db.transaction(async (trx) => {
      for (const t of all) {
        if (!added[t.name] || UPDATED[t.name]?.merge === 'max') continue; // (the counters: below)
        const cols = t.columns.filter((c) => c !== t.intKey).map(q).join(', ');
        const or = SHARED.has(t.name) ? 'or ignore ' : '';
        await trx.raw(`insert ${or}into main."${t.name}" (${cols}) select ${cols} from shard."${t.name}" where rowid > ? order by rowid`, [marks[t.name] ?? 0]);
      }
      for (const [name, how] of Object.entries(UPDATED)) {
        const t = all.find((x) => x.name === name);
        if (!t) continue;
        const cols = t.columns.filter((c) => c !== t.intKey);
        const list = cols.map(q).join(', ');
        const key = how.key.map(q).join(', ');
        if (how.merge === 'max') {
          // each street's block of references ends below the next one's: the larger counter wins
          await trx.raw(`insert into main."${name}" (${list}) select ${list} from shard."${name}" where true
            on conflict (${key}) do update set next = max(next, excluded.next)`);
        } else {
          // the rows it changed: those that differ from the prepared file's (not from the merged
          // file's, where an earlier copy may have changed another of them)
          const mark = marks[name] ?? 0;
          const keyOf = (r: Record<string, unknown>) => JSON.stringify(how.key.map((k) => r[k]));
          const before = new Map((prepared.originals[name] ?? []).map((r) => [keyOf(r), JSON.stringify(r)]));
          const rows = (await trx.raw(`select ${list} from shard."${name}" where rowid <= ?`, [mark])) as Array<Record<string, unknown>>;
          const set = cols.filter((c) => !how.key.includes(c)).map((c) => `${q(c)} = excluded.${q(c)}`).join(', ');
          for (const r of rows) {
            if (before.get(keyOf(r)) === JSON.stringify(r)) continue;
            await trx.raw(`insert into main."${name}" (${list}) values (${cols.map(() => '?').join(', ')}) on conflict (${key}) do update set ${set}`, cols.map((c) => r[c] as never));
          }
        }
      }
    });
    return added;
  } finally {
    await db.raw('detach database shard');
  }
}
