// `weishishi verify`: the history is the truth. For every instance, recompute the hash chain and
// replay the stored events through the machine; both must reproduce what is stored. Each row is
// replayed with the workflow version that wrote it: where the version changes, the snapshot is
// migrated as the engine migrated it (`migrateSnapshot`), and replay goes on with the newer machine.
import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { isPostgres, parseJson, type Db, type Queryable } from '../lib/db.js';
import type { Engine } from './engine.js';
import { START_EVENT } from './engine.js';
import { canonicalJson, GENESIS_HASH, rowHash, versionField } from './hash.js';
import { persist, restore, stateName } from './snapshot.js';
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

export async function verifyInstance(engine: Engine, db: Queryable, instance: InstanceRow): Promise<{ events: number; problem?: VerifyProblem }> {
  const id = instance.id;
  const history = await listHistory(db, id);
  const fail = (problem: string, seq?: number) => ({ events: history.length, problem: { instanceId: id, problem, ...(seq ? { seq } : {}) } });
  if (history.length !== instance.version) return fail(`history has ${history.length} rows, instance is at version ${instance.version}`);
  let prev = GENESIS_HASH;
  for (const [i, row] of history.entries()) {
    if (row.seq !== i + 1) return fail(`sequence gap: expected ${i + 1}, found ${row.seq}`, row.seq);
    if (row.prevHash !== prev) return fail('prev_hash does not match the previous row', row.seq);
    const hash = rowHash(prev, {
      instanceId: id, seq: row.seq, type: row.type, payload: row.payload, actor: row.actor, from: row.from, to: row.to, at: row.at,
      ...versionField(row.workflowVersion),
    });
    if (hash !== row.hash) return fail('row content does not match its hash', row.seq);
    prev = hash;
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
      snap = transition(wf.machine, snap, event)[0];
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
          const instance: InstanceRow = {
            id: r.id, workflow: r.workflow, workflowVersion: Number(r.workflow_version), state: r.state, status: r.status,
            snapshot: parseJson(r.snapshot), version: Number(r.version), historyHead: r.history_head, createdAt: r.created_at, updatedAt: r.updated_at,
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
