// The engine's repository: the only place that knows its tables. Every function takes the
// transaction it runs in.
import type { Knex } from 'knex';
import { isPostgres, parseJson, type Queryable, type Trx } from '../lib/db.js';
import { hydrate } from './parts.js';
import type { InstanceRow, Waiting } from './types.js';

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
  waits_key?: string | null;
}

/** The row as the engine hands it out: its snapshot parsed, with its shared parts in place (parts.ts). */
async function toInstance(q: Queryable, r: InstanceRecord): Promise<InstanceRow> {
  return {
    id: r.id,
    workflow: r.workflow,
    workflowVersion: Number(r.workflow_version),
    state: r.state,
    status: r.status,
    snapshot: await hydrate(q, parseJson(r.snapshot)),
    version: Number(r.version),
    historyHead: r.history_head,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    waitsKey: r.waits_key ?? null,
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
  return r ? toInstance(trx, r) : undefined;
}

export async function getInstance(db: Queryable, id: string): Promise<InstanceRow | undefined> {
  const r = await db<InstanceRecord>('workflow_instances').where({ id }).first();
  return r ? toInstance(db, r) : undefined;
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

/** The instance's update at its locked version, not yet run (engine.ts sends it with the history row). */
export function instanceUpdate(
  trx: Trx,
  id: string,
  expectVersion: number,
  patch: { state: string; status: 'active' | 'done'; snapshotJson: string; version: number; historyHead: string; updatedAt: string; workflowVersion: number; describedVersion: number; waitsKey: string | null },
): Knex.QueryBuilder {
  return trx('workflow_instances').where({ id, version: expectVersion }).update({
    state: patch.state,
    status: patch.status,
    snapshot: patch.snapshotJson,
    version: patch.version,
    history_head: patch.historyHead,
    updated_at: patch.updatedAt,
    workflow_version: patch.workflowVersion,
    described_version: patch.describedVersion,
    waits_key: patch.waitsKey,
  });
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
  /** the workflow version that wrote the row (absent on rows written outside the engine) */
  workflowVersion?: number;
  /** how `hash` was computed (hash.ts): 1 over the payload as stored, 2 with personal fields as salted digests */
  hashScheme?: number;
  /** scheme 2: each personal field's salt and digest, by path */
  digests?: Record<string, { salt: string; digest: string }>;
}

/** A history row's insert, not yet run. */
export function historyInsert(trx: Trx, instanceId: string, row: HistoryRow): Knex.QueryBuilder {
  return trx('workflow_history').insert({
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
    workflow_version: row.workflowVersion ?? null,
    hash_scheme: row.hashScheme ?? 1,
    digests: row.digests === undefined ? null : JSON.stringify(row.digests),
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
    ...(r.workflow_version === null || r.workflow_version === undefined ? {} : { workflowVersion: Number(r.workflow_version) }),
    hashScheme: r.hash_scheme === null || r.hash_scheme === undefined ? 1 : Number(r.hash_scheme),
    ...(r.digests === null || r.digests === undefined ? {} : { digests: parseJson(r.digests) }),
  }));
}

/** A timer's row (the engine appends it to the transition's writes); cancelled when `cancelledAt` is set. */
export function timerRow(
  t: { instanceId: string; sendId: string; event: unknown; dueAt: string; createdSeq: number; createdAt: string; cancelledAt?: string | null },
): Record<string, unknown> {
  return {
    instance_id: t.instanceId,
    send_id: t.sendId,
    event: JSON.stringify(t.event),
    due_at: t.dueAt,
    status: t.cancelledAt ? 'cancelled' : 'pending',
    created_seq: t.createdSeq,
    created_at: t.createdAt,
    fired_at: t.cancelledAt ?? null,
  };
}

/** The cancellation of an instance's pending timers of one id, not yet run. */
export function timersCancel(trx: Trx, instanceId: string, sendId: string, at: string): Knex.QueryBuilder {
  return trx('timers')
    .where({ instance_id: instanceId, send_id: sendId, status: 'pending' })
    .update({ status: 'cancelled', fired_at: at });
}

export interface IdempotentRecord {
  instanceId: string;
  eventType: string;
  /** sha256 of the canonical body; null on rows written before bodies were hashed. */
  bodyHash: string | null;
  response: unknown;
}

export async function findIdempotent(trx: Trx, actorId: string, key: string): Promise<IdempotentRecord | undefined> {
  const r = await trx('idempotency_keys').where({ actor_id: actorId, key }).first();
  return r
    ? { instanceId: r.instance_id, eventType: r.event_type, bodyHash: (r.body_hash as string | null) ?? null, response: parseJson(r.response) }
    : undefined;
}

export async function saveIdempotent(
  trx: Trx,
  r: { actorId: string; key: string; instanceId: string; eventType: string; bodyHash: string; response: unknown; at: string },
): Promise<void> {
  await trx('idempotency_keys').insert({
    actor_id: r.actorId,
    key: r.key,
    instance_id: r.instanceId,
    event_type: r.eventType,
    body_hash: r.bodyHash,
    response: JSON.stringify(r.response),
    created_at: r.at,
  });
}

interface WaitRecord {
  role: string;
  scope: string;
  excluded_user_id: string | null;
  tasks: string;
  since: string;
  deadline_at: string | null;
}

const waitKey = (w: { role: string; scope: string; excludedUserId: string | null; tasks: string }) =>
  `${w.role}|${w.scope}|${w.excludedUserId ?? ''}|${w.tasks}`;

/**
 * What `waitsWrites` compares, as one string kept on the instance (`waits_key`): the parties with
 * their tasks, in any order, and the deadline. The same key means the same rows, so a transition
 * that keeps it (a COMMENT, most EDITs) neither reads nor writes `workflow_waits`.
 */
export function waitsKey(waits: readonly Waiting[], deadlineAt: string | null): string {
  const parties = waits.map((w) => waitKey({ ...w, tasks: w.tasks.join(',') })).sort();
  return JSON.stringify([parties, deadlineAt]);
}

/** The parties a key names (null: no key, or not one `waitsKey` wrote). */
function partiesOfKey(key: string | null): Set<string> | null {
  if (key === null) return null;
  try {
    const parsed = JSON.parse(key) as unknown;
    if (!Array.isArray(parsed) || !Array.isArray(parsed[0]) || !parsed[0].every((p) => typeof p === 'string')) return null;
    return new Set(parsed[0] as string[]);
  } catch {
    return null;
  }
}

/**
 * The writes that replace the parties an instance waits for, not yet run: the delete of the rows as
 * they stand and the insert of the new ones (independent: `writeTogether` sends them, with the
 * transition's other writes). A party that still waits for the same tasks keeps its `since`; a new
 * one waits since `at`. None when nothing changed.
 */
export async function waitsWrites(
  trx: Trx,
  instanceId: string,
  workflow: string,
  waits: readonly Waiting[],
  deadlineAt: string | null,
  at: string,
  previousKey: string | null = null,
): Promise<Knex.QueryBuilder[]> {
  const writes = (deleteOld: boolean, rows: Array<Record<string, unknown>>) => [
    ...(deleteOld ? [trx('workflow_waits').where({ instance_id: instanceId }).del()] : []),
    ...(rows.length > 0 ? [trx('workflow_waits').insert(rows)] : []),
  ];
  // When the key of the rows as they stand shows that no party waits on (a change of stage, mostly),
  // no `since` is kept: the rows are replaced without reading them.
  const before = partiesOfKey(previousKey);
  if (before !== null && !waits.some((w) => before.has(waitKey({ ...w, tasks: w.tasks.join(',') })))) {
    return writes(before.size > 0, waits.map((w) => ({
      instance_id: instanceId, workflow, role: w.role, scope: w.scope, excluded_user_id: w.excludedUserId, tasks: w.tasks.join(','), since: at, deadline_at: deadlineAt,
    })));
  }
  const old = (await trx('workflow_waits').where({ instance_id: instanceId }).select('role', 'scope', 'excluded_user_id', 'tasks', 'since', 'deadline_at')) as WaitRecord[];
  const since = new Map(old.map((r) => [waitKey({ role: r.role, scope: r.scope, excludedUserId: r.excluded_user_id, tasks: r.tasks }), r.since]));
  const rows = waits.map((w) => {
    const tasks = w.tasks.join(',');
    return {
      instance_id: instanceId, workflow, role: w.role, scope: w.scope, excluded_user_id: w.excludedUserId, tasks,
      since: since.get(waitKey({ ...w, tasks })) ?? at, deadline_at: deadlineAt,
    };
  });
  const same = rows.length === old.length && rows.every((r) => {
    const o = old.find((x) => waitKey({ role: x.role, scope: x.scope, excludedUserId: x.excluded_user_id, tasks: x.tasks }) === waitKey({ role: r.role, scope: r.scope, excludedUserId: r.excluded_user_id, tasks: r.tasks }));
    return o !== undefined && o.deadline_at === r.deadline_at;
  });
  return same ? [] : writes(old.length > 0, rows);
}

export async function setDescribedVersion(trx: Queryable, instanceId: string, version: number, key: string): Promise<void> {
  await trx('workflow_instances').where({ id: instanceId }).update({ described_version: version, waits_key: key });
}

/** Instances of `workflow` whose stored description was written by another version of its code. */
export async function staleDescriptions(db: Queryable, workflow: string, version: number, limit: number): Promise<string[]> {
  return db('workflow_instances').where({ workflow }).whereNot({ described_version: version }).orderBy('id').limit(limit).pluck('id');
}

/** When the instance entered its current state: the last history row that changed the state. */
export async function stateEnteredAt(db: Queryable, instanceId: string): Promise<string | undefined> {
  const r = await db('workflow_history')
    .where({ instance_id: instanceId })
    .andWhere((w) => w.whereNull('from_state').orWhereRaw('from_state <> to_state'))
    .orderBy('seq', 'desc')
    .first('at');
  return r?.at;
}
