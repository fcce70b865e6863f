// The projects read model: one row per project, kept in step with the instance by the workflow's
// `project` hook in the same transaction. Lists, inboxes, filters and statistics read it; the
// snapshot stays the truth.
import type { TransitionInfo } from '../engine/types.js';
import { appendStatement, parseJson, type Db, type Queryable, type Trx } from '../lib/db.js';
import { DEFAULT_RULES, STAGES, deadlineOf, type ProjectContext, type SnapshotLike } from '../../workflows/project/index.js';
import { stageVisitWrites, type VisitTransition } from '../monitoring/stage-visits.js';
import { linkDocuments } from '../documents/links.js';

export interface ProjectRow {
  id: string;
  ref: string;
  districtId: string;
  streetId: string;
  communityId: string;
  /** the year it was created in (Asia/Shanghai): its reference number carries it */
  year: number;
  /** the year whose allocation it draws on; statistics count by it */
  budgetYear: number;
  type: 'goods' | 'works' | 'services';
  /** the kind of help (助行 居家改造 …) */
  category: string;
  /** the main beneficiary group (残疾人 老年人 …); null only for a row written before groups */
  mainGroup: string | null;
  otherGroups: string[];
  title: string;
  description: string | null;
  estimatedFen: number;
  approvedFen: number | null;
  awardedFen: number | null;
  paidFen: number;
  vendorId: string | null;
  state: string;
  stageEnteredAt: string;
  nextDeadlineAt: string | null;
  /** the start of its first public notice; null: never public */
  publicSince: string | null;
  rulesVersion: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface ProjectFilter {
  state?: string;
  category?: string;
  type?: string;
  streetId?: string;
  communityId?: string;
  year?: number;
  budgetYear?: number;
  /** the main group, or one of the other groups */
  group?: string;
  q?: string;
  vendorId?: string;
  states?: string[];
  /** only projects that have had their first public notice */
  isPublic?: boolean;
}

/** Who can see which rows: null = everything. */
export type Scope = { communityId: string } | { streetId: string } | { vendorId: string } | null;

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function otherGroupsOf(v: unknown): string[] {
  if (v === null || v === undefined || v === '') return [];
  const list = parseJson<unknown>(v);
  return Array.isArray(list) ? list.filter((g): g is string => typeof g === 'string') : [];
}

export function toProjectRow(r: Record<string, unknown>): ProjectRow {
  return {
    id: r.id as string, ref: r.ref as string, districtId: r.district_id as string, streetId: r.street_id as string,
    communityId: r.community_id as string, year: Number(r.year), budgetYear: Number(r.budget_year ?? r.year), type: r.type as ProjectRow['type'],
    category: r.category as string, mainGroup: (r.main_group as string | null) ?? null, otherGroups: otherGroupsOf(r.other_groups),
    title: r.title as string, description: (r.description as string | null) ?? null, estimatedFen: Number(r.estimated_fen),
    approvedFen: num(r.approved_fen), awardedFen: num(r.awarded_fen), paidFen: Number(r.paid_fen ?? 0),
    vendorId: (r.vendor_id as string | null) ?? null, state: r.state as string, stageEnteredAt: r.stage_entered_at as string,
    nextDeadlineAt: (r.next_deadline_at as string | null) ?? null, publicSince: (r.public_since as string | null) ?? null, rulesVersion: Number(r.rules_version),
    createdBy: r.created_by as string, createdAt: r.created_at as string, updatedAt: r.updated_at as string,
  };
}

const budgetYearOf = (c: ProjectContext): number => c.budgetYear ?? c.year;

export async function syncReadModel(trx: Trx, info: TransitionInfo): Promise<void> {
  const c = info.snapshot.context as ProjectContext;
  const row = {
    ref: c.ref, district_id: c.districtId, street_id: c.streetId, community_id: c.communityId, year: c.year, type: c.type,
    category: c.category, title: c.title, description: c.description, estimated_fen: c.estimatedFen, approved_fen: c.approvedFen,
    awarded_fen: c.awardedFen, paid_fen: c.paidFen, vendor_id: c.award?.vendorId ?? null, state: info.to,
    next_deadline_at: info.description?.deadline?.at ?? null, rules_version: c.rules.version, updated_at: info.at,
    // A context from before the budget year and groups (workflow version 1 and 2 histories) says
    // nothing of them: the year stands for the budget year, and the migration's groups are kept.
    budget_year: budgetYearOf(c),
    ...(typeof c.mainGroup === 'string' ? { main_group: c.mainGroup } : {}),
    ...(Array.isArray(c.otherGroups) ? { other_groups: JSON.stringify(c.otherGroups) } : {}),
  };
  // Once public, always public (from the first notice): the first date seen is kept.
  const publicSince = info.description?.publicSince ?? null;
  const visit: VisitTransition = {
    projectId: info.instanceId, from: info.from, to: info.to, at: info.at, deadline: info.description?.deadline ?? null,
    rules: { stageDays: c.rules?.stageDays ?? DEFAULT_RULES.stageDays }, districtId: c.districtId, streetId: c.streetId, communityId: c.communityId, budgetYear: row.budget_year,
    previous: info.previous ? { budgetYear: budgetYearOf(info.previous.context as ProjectContext), deadline: deadlineOf(info.previous as SnapshotLike) } : null,
  };
  // The row and where projects get stuck (the stage visit closed and opened with this transition,
  // src/monitoring) go with the engine's grouped write (on PostgreSQL the transition's one round
  // trip); a new project's row first, as the stage visit's key points at it.
  if (info.from === null) {
    await trx('projects').insert({ id: info.instanceId, ...row, public_since: publicSince, stage_entered_at: info.at, created_by: c.createdBy, created_at: info.at });
  } else {
    await appendStatement(trx, trx('projects').where({ id: info.instanceId }).update({
      ...row,
      ...(info.from !== info.to ? { stage_entered_at: info.at } : {}),
      ...(publicSince !== null ? { public_since: trx.raw('coalesce(public_since, ?)', [publicSince]) } : {}),
    }));
  }
  for (const write of await stageVisitWrites(trx, visit)) await appendStatement(trx, write);
  // A direct award invites nobody: the awarded vendor must still see (and act on) its project.
  // The rows are written when a vendor joins: when the transition adds none, nothing is read.
  const vendorsOf = (x: ProjectContext) => [...new Set([...(x.procurement?.invitations ?? []), ...(x.award ? [x.award.vendorId] : [])])];
  const invited = vendorsOf(c);
  const before = info.previous ? new Set(vendorsOf(info.previous.context as ProjectContext)) : new Set<string>();
  if (invited.some((v) => !before.has(v))) {
    const have = new Set((await trx('project_vendors').where({ project_id: info.instanceId }).select('vendor_id')).map((r) => r.vendor_id as string));
    const add = invited.filter((v) => !have.has(v));
    if (add.length) await trx('project_vendors').insert(add.map((v) => ({ project_id: info.instanceId, vendor_id: v })));
  }
  // The documents this accepted event names are linked to its project here, in its transaction: a
  // refused event links nothing, and its uploads stay pending (documents/document-service.ts).
  // Each link gets its kind (the project file): documents/links.ts.
  await linkDocuments(trx, info.instanceId, info.event, info.at);
}

/** The next project reference for a district and year: XZ-2026-0001. Safe under concurrency. */
export async function nextRef(trx: Trx, districtId: string, code: string, year: number): Promise<string> {
  const n = await trx('ref_counters').where({ district_id: districtId, year }).update({ next: trx.raw('next + 1') });
  if (n === 0) await trx('ref_counters').insert({ district_id: districtId, year, next: 1 });
  const r = await trx('ref_counters').where({ district_id: districtId, year }).first('next');
  return `${code}-${year}-${String(r.next).padStart(4, '0')}`;
}

function applyScope(q: ReturnType<Db>, scope: Scope) {
  if (!scope) return q;
  if ('communityId' in scope) return q.where('projects.community_id', scope.communityId);
  if ('streetId' in scope) return q.where('projects.street_id', scope.streetId);
  return q.whereIn('projects.id', (sub) => sub.select('project_id').from('project_vendors').where('vendor_id', scope.vendorId));
}

export async function getRow(db: Queryable, id: string): Promise<ProjectRow | undefined> {
  const r = await db('projects').where({ id }).first();
  return r ? toProjectRow(r) : undefined;
}

export async function isVendorInvited(db: Queryable, projectId: string, vendorId: string): Promise<boolean> {
  return Boolean(await db('project_vendors').where({ project_id: projectId, vendor_id: vendorId }).first());
}

/** The projects a filter selects within a scope, unordered: the list pages through it, and so do the exports (src/exports). */
export function filteredProjects(db: Db, filter: ProjectFilter, scope: Scope) {
  const base = applyScope(db('projects'), scope);
  if (filter.state) {
    // 'procurement' matches every procurement sub-state: named one by one (an indexed `in`, where
    // `state like 'procurement.%'` would read every row); a state the workflow does not name, as given
    const within = STAGES.filter((s) => s === filter.state || s.startsWith(`${filter.state}.`));
    base.whereIn('projects.state', within.length ? within : [filter.state]);
  }
  if (filter.states) base.whereIn('projects.state', filter.states);
  if (filter.category) base.where('projects.category', filter.category);
  if (filter.type) base.where('projects.type', filter.type);
  if (filter.streetId) base.where('projects.street_id', filter.streetId);
  if (filter.communityId) base.where('projects.community_id', filter.communityId);
  if (filter.year !== undefined) base.where('projects.year', filter.year);
  if (filter.budgetYear !== undefined) base.where('projects.budget_year', filter.budgetYear);
  if (filter.group) {
    // the main group, or one of the others (a JSON array of codes: matched as its quoted element)
    const quoted = `%${JSON.stringify(filter.group).replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    base.where((w) => w.where('projects.main_group', filter.group!).orWhereRaw("projects.other_groups like ? escape '\\'", [quoted]));
  }
  if (filter.vendorId) base.where('projects.vendor_id', filter.vendorId);
  if (filter.isPublic) base.whereNotNull('projects.public_since');
  if (filter.q) {
    const like = `%${filter.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    base.where((w) => w.whereRaw("projects.title like ? escape '\\'", [like]).orWhereRaw("projects.ref like ? escape '\\'", [like]));
  }
  return base;
}

export async function listRows(
  db: Db,
  filter: ProjectFilter,
  scope: Scope,
  page: { page: number; pageSize: number; order?: 'recent' | 'oldestStage' },
): Promise<{ rows: ProjectRow[]; total: number }> {
  const base = filteredProjects(db, filter, scope);
  const [{ n }] = (await base.clone().count({ n: '*' })) as [{ n: number | string }];
  const ordered = page.order === 'oldestStage' ? base.orderBy([{ column: 'stage_entered_at' }, { column: 'ref' }]) : base.orderBy([{ column: 'created_at', order: 'desc' }, { column: 'ref', order: 'desc' }]);
  const rows = await ordered.select('projects.*').limit(page.pageSize).offset((page.page - 1) * page.pageSize);
  return { rows: rows.map(toProjectRow), total: Number(n) };
}

/** A party as the read model names it: the user's role, the scopes it acts in, and its id (four-eyes). */
export interface Party {
  role: string;
  scopes: string[];
  userId: string;
}

function waitsOf(db: Queryable, party: Party) {
  // the project inbox: other workflows (needs, vendors) wait in the same table
  return db('workflow_waits')
    .where('workflow_waits.workflow', 'project')
    .where('workflow_waits.role', party.role)
    .whereIn('workflow_waits.scope', party.scopes.length ? party.scopes : ['-'])
    .andWhere((w) => w.whereNull('workflow_waits.excluded_user_id').orWhereNot('workflow_waits.excluded_user_id', party.userId));
}

/**
 * The projects waiting for this party, oldest stage first, one page and the true count, with the
 * events each waits for: three indexed queries, whatever the number of projects.
 */
export async function listWaiting(
  db: Db,
  party: Party,
  page: { page: number; pageSize: number },
): Promise<{ rows: Array<ProjectRow & { tasks: string[] }>; total: number }> {
  const base = db('projects').whereIn('projects.id', waitsOf(db, party).select('workflow_waits.instance_id'));
  const [{ n }] = (await base.clone().count({ n: '*' })) as [{ n: number | string }];
  const rows = (await base.orderBy([{ column: 'stage_entered_at' }, { column: 'ref' }]).select('projects.*').limit(page.pageSize).offset((page.page - 1) * page.pageSize)).map(toProjectRow);
  const tasks = new Map<string, Set<string>>();
  if (rows.length) {
    for (const w of await waitsOf(db, party).whereIn('workflow_waits.instance_id', rows.map((r) => r.id)).select('instance_id', 'tasks')) {
      const set = tasks.get(w.instance_id) ?? new Set<string>();
      for (const t of String(w.tasks).split(',')) if (t) set.add(t);
      tasks.set(w.instance_id, set);
    }
  }
  return { rows: rows.map((r) => ({ ...r, tasks: [...(tasks.get(r.id) ?? [])] })), total: Number(n) };
}

/** For each of these projects, the events it waits for from this party (none: absent): one query. */
export async function waitingTasks(db: Queryable, party: Party, ids: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (ids.length === 0) return out;
  for (const w of await waitsOf(db, party).whereIn('workflow_waits.instance_id', ids).select('instance_id', 'tasks')) {
    const have = out.get(w.instance_id) ?? [];
    out.set(w.instance_id, [...have, ...String(w.tasks).split(',').filter((t) => t && !have.includes(t))]);
  }
  return out;
}

/** How many projects wait for this party (the navigation's count), or only those past `overdueAt`: one query. */
export async function countWaiting(db: Queryable, party: Party, overdueAt?: string): Promise<number> {
  const q = waitsOf(db, party);
  if (overdueAt !== undefined) q.where('workflow_waits.deadline_at', '<', overdueAt);
  const [{ n }] = (await q.countDistinct({ n: 'workflow_waits.instance_id' })) as [{ n: number | string }];
  return Number(n);
}

/** For each of these projects, the roles it waits for (the lists' "waiting for" column): one query. */
export async function waitingRoles(db: Queryable, ids: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (ids.length === 0) return out;
  for (const w of await db('workflow_waits').whereIn('instance_id', ids).distinct('instance_id', 'role').orderBy(['instance_id', 'role'])) {
    out.set(w.instance_id, [...(out.get(w.instance_id) ?? []), w.role]);
  }
  return out;
}
