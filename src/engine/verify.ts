// `weishishi verify`: the history is the truth. For every instance, recompute the hash chain and
// replay the stored events through the machine; both must reproduce what is stored. Each row is
// replayed with the workflow version that wrote it: where the version changes, the snapshot is
// migrated as the engine migrated it (`migrateSnapshot`), and replay goes on with the newer machine.
import { initialTransition, type AnyMachineSnapshot } from 'xstate';
import { isPostgres, parseJson, type Db, type Queryable } from '../lib/db.js';
import type { Engine } from './engine.js';
import { START_EVENT } from './engine.js';
import { canonicalJson, fieldDigest, GENESIS_HASH, getPath, HASH_SCHEME, rowHash, rowHashV2, versionField, type FieldDigest, type HashedRow } from './hash.js';
import { hydrate, isPartRef, PART_KEY, storedParts } from './parts.js';
import { persist, pureTransition, restore, stateName } from './snapshot.js';
import { listHistory } from './store.js';
import type { InstanceRow, WorkflowDefinition } from './types.js';

export interface VerifyProblem {
  instanceId: string;
  seq?: number;
  problem: string;
}

export interface VerifyReport {
  checked: number;
  events: number;
  problems: VerifyProblem[];
}

/** What a history row's hash is computed from, in either scheme, as stored or as presented. */
export type HashableRow = Omit<HashedRow, 'instanceId' | 'digested'> & {
  /** scheme 2: each personal field's digest by path, with its salt where the value is shown as it is */
  digests?: Record<string, FieldDigest>;
};

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * A row's hash recomputed from its content, after `prev`. Scheme 2: a digest shipped with its salt
 * must be the digest of the value the payload holds at its path; one without (a masked, dropped or
 * nulled value) is taken as it is, since the hash covers it. `requireSalts`: every digest must have
 * its salt (the stored history).
 */
function recomputeHash(prev: string, instanceId: string, row: HashableRow, opts: { requireSalts: boolean }): { hash: string } | { problem: string } {
  const base = {
    instanceId, seq: row.seq, type: row.type, payload: row.payload, actor: row.actor, from: row.from, to: row.to, at: row.at,
    ...versionField(row.workflowVersion),
  };
  const scheme = row.hashScheme ?? 1;
  if (scheme === 1) return { hash: rowHash(prev, base) };
  if (scheme !== HASH_SCHEME) return { problem: `unknown hash scheme ${String(scheme)}` };
  const digests = row.digests ?? {};
  if (typeof digests !== 'object' || digests === null || Array.isArray(digests)) return { problem: 'digests are not an object' };
  const byPath: Record<string, string> = {};
  for (const [path, d] of Object.entries(digests)) {
    if (typeof d !== 'object' || d === null || typeof d.digest !== 'string' || !HEX64.test(d.digest)) return { problem: `personal field ${path}: no digest` };
    if (d.salt === undefined) {
      if (opts.requireSalts) return { problem: `personal field ${path}: no salt` };
    } else {
      const value = typeof d.salt === 'string' ? getPath(row.payload, path) : undefined;
      if (value === undefined) return { problem: `personal field ${path}: a salt without its value` };
      if (fieldDigest(d.salt, value) !== d.digest) return { problem: `personal field ${path} does not match its digest` };
    }
    byPath[path] = d.digest;
  }
  const hash = rowHashV2(prev, base, byPath);
  return hash === undefined ? { problem: 'the digests do not fit the payload' } : { hash };
}

export async function verifyInstance(engine: Engine, db: Queryable, instance: InstanceRow): Promise<{ events: number; problem?: VerifyProblem }> {
  const id = instance.id;
  const history = await listHistory(db, id);
  const fail = (problem: string, seq?: number) => ({ events: history.length, problem: { instanceId: id, problem, ...(seq ? { seq } : {}) } });
  if (history.length !== instance.version) return fail(`history has ${history.length} rows, instance is at version ${instance.version}`);
  let prev = GENESIS_HASH;
  let lastScheme = 1;
  for (const [i, row] of history.entries()) {
    if (row.seq !== i + 1) return fail(`sequence gap: expected ${i + 1}, found ${row.seq}`, row.seq);
    if (row.prevHash !== prev) return fail('prev_hash does not match the previous row', row.seq);
    const scheme = row.hashScheme ?? 1;
    if (scheme < lastScheme) return fail(`hash scheme goes back from ${lastScheme} to ${scheme}`, row.seq);
    lastScheme = scheme;
    const r = recomputeHash(prev, id, row, { requireSalts: true });
    if ('problem' in r) return fail(r.problem, row.seq);
    if (r.hash !== row.hash) return fail('row content does not match its hash', row.seq);
    prev = r.hash;
  }
  if (prev !== instance.historyHead) return fail('the last history row is not the instance head (rows removed?)');

  // Rows written outside the engine (no version recorded) count as the instance's version.
  const versionOf = (row: { workflowVersion?: number }) => row.workflowVersion ?? instance.workflowVersion;
  const definitionOf = (version: number): WorkflowDefinition | undefined => {
    try {
      return engine.definition(instance.workflow, version);
    } catch {
      return undefined;
    }
  };
  const notRegistered = (version: number, seq?: number) => fail(`workflow ${instance.workflow}@${version} is not registered: cannot replay`, seq);
  const [first, ...rest] = history;
  if (!first || first.type !== START_EVENT) return fail(`first history row is not ${START_EVENT}`, 1);
  const last = history.at(-1)!;
  if (versionOf(last) !== instance.workflowVersion) {
    return fail(`the last history row was written by version ${versionOf(last)}, the instance is stored at ${instance.workflowVersion}`, last.seq);
  }
  let wf = definitionOf(versionOf(first));
  if (!wf) return notRegistered(versionOf(first));
  let snap: AnyMachineSnapshot;
  try {
    snap = initialTransition(wf.machine, first.payload.input)[0];
    if (stateName(snap.value) !== first.to) return fail(`replay reached ${stateName(snap.value)}, history says ${first.to}`, 1);
    for (const row of rest) {
      const version = versionOf(row);
      if (version !== wf.version) {
        // The engine stored the snapshot with the older machine, and the newer one migrated it on load.
        if (version < wf.version) return fail(`history goes back from version ${wf.version} to ${version}`, row.seq);
        const next = definitionOf(version);
        if (!next) return notRegistered(version, row.seq);
        const migrated = next.migrateSnapshot?.(wf.version, persist(wf.machine, snap));
        if (migrated === undefined) return fail(`${instance.workflow}@${version} has no migration from version ${wf.version}`, row.seq);
        snap = restore(next.machine, migrated);
        wf = next;
      }
      const event = { ...row.payload, type: row.type, actor: row.actor, at: row.at };
      if (!snap.can(event)) return fail(`replay: ${row.type} is not accepted in ${stateName(snap.value)}`, row.seq);
      snap = pureTransition(wf.machine, snap, event)[0];
      if (stateName(snap.value) !== row.to) return fail(`replay reached ${stateName(snap.value)}, history says ${row.to}`, row.seq);
    }
  } catch (err) {
    return fail(`replay threw: ${(err as Error).message}`);
  }
  if (canonicalJson(persist(wf.machine, snap)) !== canonicalJson(instance.snapshot)) {
    return fail('replayed snapshot differs from the stored snapshot');
  }
  return { events: history.length };
}

export async function verifyAll(engine: Engine, db: Db, opts: { stopAtFirst?: boolean } = {}): Promise<VerifyReport> {
  const report: VerifyReport = { checked: 0, events: 0, problems: [] };
  // The shared snapshot parts first: each must hash to its key, or every snapshot naming it is suspect.
  const { keys: partKeys, corrupt } = await storedParts(db);
  for (const hash of corrupt) {
    report.problems.push({ instanceId: `snapshot_parts:${hash}`, problem: 'the snapshot part does not match its key' });
    if (opts.stopAtFirst) return report;
  }
  const pageSize = 500;
  for (let offset = 0; ; offset += pageSize) {
    const rows = await db('workflow_instances').orderBy('id').limit(pageSize).offset(offset).select('id');
    if (rows.length === 0) break;
    for (const { id } of rows) {
      // The instance row and its history are read in one transaction (repeatable read on
      // PostgreSQL), so an event committed meanwhile cannot look like a missing history row.
      const res = await db.transaction(
        async (trx) => {
          const r = await trx('workflow_instances').where({ id }).first();
          if (!r) return undefined; // removed meanwhile: nothing to check
          const stored = parseJson<{ context?: Record<string, unknown> }>(r.snapshot);
          // each shared part the row names must be stored (not merely kept in this process's memory)
          const missing = Object.values(stored?.context ?? {}).filter(isPartRef).map((ref) => ref[PART_KEY]).find((h) => !partKeys.has(h));
          if (missing) return { events: 0, problem: { instanceId: id, problem: `snapshot part ${missing} is missing` } };
          const instance: InstanceRow = {
            id: r.id, workflow: r.workflow, workflowVersion: Number(r.workflow_version), state: r.state, status: r.status,
            snapshot: await hydrate(trx, stored), version: Number(r.version), historyHead: r.history_head, createdAt: r.created_at, updatedAt: r.updated_at,
          };
          return verifyInstance(engine, trx, instance);
        },
        isPostgres(db) ? { isolationLevel: 'repeatable read' } : undefined,
      );
      if (!res) continue;
      report.checked++;
      report.events += res.events;
      if (res.problem) {
        report.problems.push(res.problem);
        if (opts.stopAtFirst) return report;
      }
    }
  }
  return report;
}

/** A history row as a reader was given it (project presenter, `history.json`). */
export interface ShippedHistoryRow extends HashableRow {
  /** absent for a sealed reader: such a copy cannot be checked */
  hash?: string;
}

export interface ShippedHistoryCheck {
  /** every row recomputes its hash, the chain links from genesis, and (when given) ends at `head` */
  ok: boolean;
  rows: number;
  /** the last row's hash as shipped */
  head: string | null;
  problems: Array<{ seq?: number; problem: string }>;
}

/**
 * Verifies a history as shipped to a reader, masked or not (`presentHistory`, `history.json`),
 * without the database: rows numbered 1..n, each hash recomputed after the previous row's. A scheme 2
 * row verifies with its personal fields masked, dropped or nulled, from the digests shipped with it;
 * where a salt is shipped, the value must match its digest. A scheme 1 row (written before scheme 2)
 * recomputes only from its unmasked payload. Every row is checked (a failing row's shipped hash links
 * the next), and every problem is reported. `head`: the instance's history head, when known.
 */
export function verifyShippedHistory(instanceId: string, rows: readonly ShippedHistoryRow[], opts: { head?: string } = {}): ShippedHistoryCheck {
  const problems: ShippedHistoryCheck['problems'] = [];
  let prev = GENESIS_HASH;
  let lastScheme = 1;
  if (rows.length === 0) problems.push({ problem: 'no history rows' });
  for (const [i, row] of rows.entries()) {
    const seq = typeof row?.seq === 'number' ? row.seq : undefined;
    if (seq !== i + 1) problems.push({ ...(seq === undefined ? {} : { seq }), problem: `sequence gap: expected ${i + 1}, found ${String(seq)}` });
    if (typeof row?.hash !== 'string') {
      problems.push({ seq: i + 1, problem: 'row has no hash (a sealed copy cannot be checked)' });
      continue;
    }
    const scheme = row.hashScheme ?? 1;
    if (typeof scheme === 'number' && scheme < lastScheme) problems.push({ seq: i + 1, problem: `hash scheme goes back from ${lastScheme} to ${scheme}` });
    else if (typeof scheme === 'number') lastScheme = scheme;
    let r: { hash: string } | { problem: string };
    try {
      r = recomputeHash(prev, instanceId, row, { requireSalts: false });
    } catch (err) {
      r = { problem: `row cannot be hashed: ${(err as Error).message}` };
    }
    if ('problem' in r) problems.push({ seq: i + 1, problem: r.problem });
    else if (r.hash !== row.hash) {
      problems.push({
        seq: i + 1,
        problem: scheme === 1 ? 'row content does not match its hash (scheme 1 hashes the unmasked payload)' : 'row content does not match its hash',
      });
    }
    prev = row.hash;
  }
  const head = rows.length > 0 && typeof rows.at(-1)?.hash === 'string' ? rows.at(-1)!.hash! : null;
  if (opts.head !== undefined && head !== opts.head) problems.push({ problem: 'the last row is not the instance head (rows removed?)' });
  return { ok: problems.length === 0, rows: rows.length, head, problems };
}
