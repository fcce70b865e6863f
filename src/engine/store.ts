// The engine's repository: the only place that knows its tables. Every function takes the
// transaction it runs in.
import { isPostgres, parseJson, type Queryable, type Trx } from '../lib/db.js';
import type { InstanceRow } from './types.js';

interface InstanceRecord {
  id: string;
  workflow: string;
  workflow_version: number;
  state: string;
  status: 'active' | 'done';
  snapshot: string;
  version: number;
  history_head: string;
  created_at: string;
  updated_at: string;
}

function toInstance(r: InstanceRecord): InstanceRow {
  return {
    id: r.id,
    workflow: r.workflow,
    workflowVersion: Number(r.workflow_version),
    state: r.state,
    status: r.status,
    snapshot: parseJson(r.snapshot),
    version: Number(r.version),
    historyHead: r.history_head,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/**
 * Loads an instance and takes its write lock for the rest of the transaction: a row lock on
 * PostgreSQL (FOR UPDATE); on SQLite the transaction already holds the database's write lock,
 * because src/lib/db.ts begins every transaction IMMEDIATE.
 */
export async function lockInstance(trx: Trx, id: string): Promise<InstanceRow | undefined> {
  const q = trx<InstanceRecord>('workflow_instances').where({ id }).first();
  const r = isPostgres(trx) ? await q.forUpdate() : await q;
  return r ? toInstance(r) : undefined;
}

export async function getInstance(db: Queryable, id: string): Promise<InstanceRow | undefined> {
  const r = await db<InstanceRecord>('workflow_instances').where({ id }).first();
  return r ? toInstance(r) : undefined;
}

export async function insertInstance(trx: Trx, row: InstanceRow): Promise<void> {
  await trx('workflow_instances').insert({
    id: row.id,
    workflow: row.workflow,
    workflow_version: row.workflowVersion,
    state: row.state,
    status: row.status,
    snapshot: JSON.stringify(row.snapshot),
    version: row.version,
    history_head: row.historyHead,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  });
}

export async function updateInstance(
  trx: Trx,
  id: string,
  expectVersion: number,
  patch: { state: string; status: 'active' | 'done'; snapshot: unknown; version: number; historyHead: string; updatedAt: string; workflowVersion: number },
): Promise<void> {
  const n = await trx('workflow_instances').where({ id, version: expectVersion }).update({
    state: patch.state,
    status: patch.status,
    snapshot: JSON.stringify(patch.snapshot),
    version: patch.version,
    history_head: patch.historyHead,
    updated_at: patch.updatedAt,
    workflow_version: patch.workflowVersion,
  });
  // The row is locked, so this can only fail if the lock was not taken: a programming error.
  if (n !== 1) throw new Error(`instance ${id} changed under its lock`);
}

export interface HistoryRow {
  seq: number;
  type: string;
  payload: Record<string, unknown>;
  actor: Record<string, unknown>;
  from: string | null;
  to: string;
  at: string;
  prevHash: string;
  hash: string;
}

export async function appendHistory(trx: Trx, instanceId: string, row: HistoryRow): Promise<void> {
  await trx('workflow_history').insert({
    instance_id: instanceId,
    seq: row.seq,
    type: row.type,
    payload: JSON.stringify(row.payload),
    actor: JSON.stringify(row.actor),
    from_state: row.from,
    to_state: row.to,
    at: row.at,
    prev_hash: row.prevHash,
    hash: row.hash,
  });
}

export async function listHistory(db: Queryable, instanceId: string): Promise<HistoryRow[]> {
  const rows = await db('workflow_history').where({ instance_id: instanceId }).orderBy('seq');
  return rows.map((r) => ({
    seq: Number(r.seq),
    type: r.type,
    payload: parseJson(r.payload),
    actor: parseJson(r.actor),
    from: r.from_state ?? null,
    to: r.to_state,
    at: r.at,
    prevHash: r.prev_hash,
    hash: r.hash,
  }));
}

export async function insertTimer(
  trx: Trx,
  t: { instanceId: string; sendId: string; event: unknown; dueAt: string; createdSeq: number; createdAt: string },
): Promise<void> {
  await trx('timers').insert({
    instance_id: t.instanceId,
    send_id: t.sendId,
    event: JSON.stringify(t.event),
    due_at: t.dueAt,
    status: 'pending',
    created_seq: t.createdSeq,
    created_at: t.createdAt,
  });
}

export async function cancelTimers(trx: Trx, instanceId: string, sendId: string, at: string): Promise<number> {
  return trx('timers')
    .where({ instance_id: instanceId, send_id: sendId, status: 'pending' })
    .update({ status: 'cancelled', fired_at: at });
}

export async function findIdempotent(
  trx: Trx,
  actorId: string,
  key: string,
): Promise<{ instanceId: string; eventType: string; response: unknown } | undefined> {
  const r = await trx('idempotency_keys').where({ actor_id: actorId, key }).first();
  return r ? { instanceId: r.instance_id, eventType: r.event_type, response: parseJson(r.response) } : undefined;
}

export async function saveIdempotent(
  trx: Trx,
  r: { actorId: string; key: string; instanceId: string; eventType: string; response: unknown; at: string },
): Promise<void> {
  await trx('idempotency_keys').insert({
    actor_id: r.actorId,
    key: r.key,
    instance_id: r.instanceId,
    event_type: r.eventType,
    response: JSON.stringify(r.response),
    created_at: r.at,
  });
}
