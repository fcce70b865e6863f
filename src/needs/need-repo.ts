// The needs' read model (`needs`, `need_projects`): written only by the need workflow's `project`
// hook in the transition's transaction (syncNeed), read by the need service.
import type { TransitionInfo } from '../engine/types.js';
import type { Db, Queryable, Trx } from '../lib/db.js';
import type { NeedContext } from '../../workflows/need/index.js';

export interface NeedRow {
  id: string;
  ref: string;
  districtId: string;
  streetId: string;
  communityId: string;
  type: string;
  source: string;
  state: string;
  receivedAt: string;
  resolvedAt: string | null;
  deadline: string | null;
  referredTo: string | null;
  escalatedAt: string | null;
  informedAt: string | null;
  beneficiaryId: string | null;
  projectId: string | null;
  createdBy: string;
  updatedAt: string;
}

export function toNeedRow(r: Record<string, unknown>): NeedRow {
  const s = (k: string) => (r[k] == null ? null : String(r[k]));
  return {
    id: String(r.id), ref: String(r.ref), districtId: String(r.district_id), streetId: String(r.street_id), communityId: String(r.community_id),
    type: String(r.type), source: String(r.source), state: String(r.state), receivedAt: String(r.received_at), resolvedAt: s('resolved_at'),
    deadline: s('deadline'), referredTo: s('referred_to'), escalatedAt: s('escalated_at'), informedAt: s('informed_at'),
    beneficiaryId: s('beneficiary_id'), projectId: s('project_id'), createdBy: String(r.created_by), updatedAt: String(r.updated_at),
  };
}

/** The columns that follow the instance, from its context and state. */
function columnsOf(c: NeedContext, state: string, at: string) {
  const t = c.referral?.target;
  return {
    state,
    resolved_at: c.outcome?.at ?? null,
    deadline: state === 'referred' ? (c.referral?.deadlineAt ?? null) : null,
    referred_to: t ? (t.level === 'street' ? `street:${t.streetId}` : `community:${t.communityId}`) : null,
    escalated_at: c.referral?.escalatedAt ?? null,
    informed_at: c.informed.at(-1)?.at ?? null,
    project_id: c.projectId,
    updated_at: at,
  };
}

/** The `project` hook of the need definition: the read model and the links, in the transition's transaction. */
export async function syncNeed(trx: Trx, info: TransitionInfo): Promise<void> {
  const c = info.snapshot.context as NeedContext;
  const cols = columnsOf(c, info.to, info.at);
  if (info.from === null) {
    await trx('needs').insert({
      id: info.instanceId, ref: c.ref, district_id: c.districtId, street_id: c.streetId, community_id: c.communityId,
      type: c.type, source: c.source, received_at: c.receivedAt, beneficiary_id: c.beneficiaryId, created_by: c.createdBy, ...cols,
    });
    return;
  }
  await trx('needs').where({ id: info.instanceId }).update(cols);
  // ADOPT: the need ↔ project link, both ways (the project side lists the needs behind it)
  if (info.event.type === 'ADOPT' && c.projectId) {
    await trx('need_projects').insert({ need_id: info.instanceId, project_id: c.projectId, linked_at: info.at });
  }
}

/** The next need reference of a district and year (XZ-XQ-2026-0001), in the creating transaction. */
export async function nextNeedRef(trx: Trx, districtId: string, code: string, year: number): Promise<string> {
  // The row first (a concurrent first need of the year waits on it rather than failing), then the
  // increment, which holds the row until the creating transaction ends.
  await trx('need_ref_counters').insert({ district_id: districtId, year, next: 0 }).onConflict(['district_id', 'year']).ignore();
  await trx('need_ref_counters').where({ district_id: districtId, year }).update({ next: trx.raw('next + 1') });
  const r = await trx('need_ref_counters').where({ district_id: districtId, year }).first('next');
  return `${code}-XQ-${year}-${String(r.next).padStart(4, '0')}`;
}

export async function getNeedRow(q: Queryable, id: string): Promise<NeedRow | undefined> {
  const r = await q('needs').where({ id }).first();
  return r ? toNeedRow(r) : undefined;
}

/** Who sees which needs: their community's (and those referred to it), their street's, or the district's. */
export type NeedScope = { communityId: string } | { streetId: string } | { districtId: string | null };

export interface NeedFilter {
  state?: string;
  type?: string;
  source?: string;
  communityId?: string;
  projectId?: string;
}

export async function listNeedRows(db: Db, filter: NeedFilter, scope: NeedScope, page: { page: number; pageSize: number }): Promise<{ rows: NeedRow[]; total: number }> {
  const q = db('needs');
  if ('communityId' in scope) q.where((w) => w.where('community_id', scope.communityId).orWhere('referred_to', `community:${scope.communityId}`));
  else if ('streetId' in scope) q.where((w) => w.where('street_id', scope.streetId).orWhere('referred_to', `street:${scope.streetId}`));
  else if (scope.districtId) q.where('district_id', scope.districtId);
  if (filter.state) q.where('state', filter.state);
  if (filter.type) q.where('type', filter.type);
  if (filter.source) q.where('source', filter.source);
  if (filter.communityId) q.where('community_id', filter.communityId);
  if (filter.projectId) q.whereIn('id', db('need_projects').where('project_id', filter.projectId).select('need_id'));
  const [{ n }] = (await q.clone().count({ n: '*' })) as [{ n: number | string }];
  const rows = await q.orderBy([{ column: 'received_at', order: 'desc' }, { column: 'ref', order: 'desc' }]).limit(page.pageSize).offset((page.page - 1) * page.pageSize).select('*');
  return { rows: rows.map(toNeedRow), total: Number(n) };
}

/** The needs behind a project (need_projects), oldest link first. */
export async function needsOfProject(q: Queryable, projectId: string): Promise<NeedRow[]> {
  const rows = await q('needs').join('need_projects', 'need_projects.need_id', 'needs.id').where('need_projects.project_id', projectId).orderBy('need_projects.linked_at').select('needs.*');
  return rows.map(toNeedRow);
}

/** The needs waiting for a party (role + scopes), from the engine's `workflow_waits`: the needs' part of an inbox. */
export async function needsWaitingFor(db: Db, role: string, scopes: string[], page: { page: number; pageSize: number }): Promise<{ rows: Array<NeedRow & { tasks: string[]; since: string }>; total: number }> {
  const waits = db('workflow_waits').where({ workflow: 'need', role }).whereIn('scope', scopes.length ? scopes : ['-']);
  const [{ n }] = (await waits.clone().countDistinct({ n: 'instance_id' })) as [{ n: number | string }];
  const rows = await waits.clone().join('needs', 'needs.id', 'workflow_waits.instance_id')
    .orderBy([{ column: 'workflow_waits.since' }, { column: 'needs.ref' }]).limit(page.pageSize).offset((page.page - 1) * page.pageSize)
    .select('needs.*', 'workflow_waits.tasks as wait_tasks', 'workflow_waits.since as wait_since');
  return { rows: rows.map((r: Record<string, unknown>) => ({ ...toNeedRow(r), tasks: String(r.wait_tasks).split(',').filter(Boolean), since: String(r.wait_since) })), total: Number(n) };
}

/** How many needs wait for a party (the inbox and its navigation count), or only those past `overdueAt`: one query. */
export async function countNeedsWaiting(q: Queryable, role: string, scopes: string[], overdueAt?: string): Promise<number> {
  const waits = q('workflow_waits').where({ workflow: 'need', role }).whereIn('scope', scopes.length ? scopes : ['-']);
  if (overdueAt !== undefined) waits.where('deadline_at', '<', overdueAt);
  const [{ n }] = (await waits.countDistinct({ n: 'instance_id' })) as [{ n: number | string }];
  return Number(n);
}
