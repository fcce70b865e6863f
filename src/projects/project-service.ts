// The micro-project component's commands and queries. Pages and the JSON API both call these; the
// engine does every write of the lifecycle.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Engine } from '../engine/engine.js';
import type { Actor, InstanceRow, SendResult } from '../engine/types.js';
import type { HistoryRow } from '../engine/store.js';
import { EventNotAllowedError, ForbiddenError, InvalidError, NotFoundError, parseOr422, VersionConflictError, zodFields } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { Db, Queryable, Trx } from '../lib/db.js';
import { shanghaiDate } from '../lib/calendar.js';
import { toActor, type User } from '../auth/users.js';
import type { ReferenceService } from '../reference/reference.js';
import type { RulesService } from '../rules/rules-service.js';
import type { BeneficiaryService } from '../beneficiaries/beneficiaries.js';
import type { LibraryService } from '../library/library-service.js';
import { libraryPriceReasons } from '../../workflows/project/project.rules.library.js';
import { PROJECT_TYPES, TIMER_EVENTS, checkEstimate, isEventType, proposalFields, type ProjectContext, type ProjectInput } from '../../workflows/project/index.js';
import { allowedBudgetYears, checkGroups } from '../../workflows/project/project.proposal.js';
import { getRow, isVendorInvited, listRows, waitingRoles, nextRef, type ProjectFilter, type ProjectRow, type Scope } from './project-repo.js';
import { isCarriedOver, presentHistory, presentListRow, presentProject, procurementSealed, sealedVersion, type Viewer } from './project-presenter.js';
import { DOCUMENT_LIST_FIELDS, isDocumentId, referencedDocuments } from '../documents/refs.js';

/**
 * A new project: the proposal rules EDIT applies too (workflows/project/project.proposal.ts) —
 * amounts are JSON integers of fen (the page converts yuan before this; "100" or "0x64" is refused),
 * lines and their sum bounded, the estimate equal to the sum, text without control characters.
 */
export const NewProjectSchema = z
  .object({
    title: proposalFields.title,
    type: proposalFields.type,
    category: proposalFields.category,
    estimatedFen: proposalFields.estimatedFen,
    description: proposalFields.description,
    items: proposalFields.items,
    beneficiaryCount: proposalFields.beneficiaryCount.optional(),
    // the budget year (default: the year of creation) and the beneficiary groups (issue 10). A
    // create without mainGroup (the shape before groups) is refused naming it.
    budgetYear: proposalFields.budgetYear.optional(),
    mainGroup: proposalFields.mainGroup,
    otherGroups: proposalFields.otherGroups.optional(),
    /** started from this entry of the service-project library (src/library/) */
    libraryEntryId: z.string({ error: 'validation.libraryEntry' }).max(64, 'validation.libraryEntry').optional(),
  })
  .superRefine(checkEstimate)
  .superRefine(checkGroups);

export const ListQuerySchema = z.object({
  state: z.string().max(64).optional(),
  category: z.string().max(16).optional(),
  type: z.enum(PROJECT_TYPES).optional(),
  streetId: z.string().max(64).optional(),
  communityId: z.string().max(64).optional(),
  year: z.coerce.number().int().min(2000).max(2100).optional(),
  budgetYear: z.coerce.number().int().min(2000).max(2100).optional(),
  /** main or other beneficiary group */
  group: z.string().max(16).optional(),
  q: z.string().trim().max(100).optional(),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(20),
});

export function scopeOf(user: Viewer): Scope {
  if (!user) return null;
  if (user.role === 'community') return { communityId: user.communityId ?? '-' };
  if (user.role === 'street') return { streetId: user.streetId ?? '-' };
  if (user.role === 'vendor') return { vendorId: user.vendorId ?? '-' };
  return null; // district, finance, admin: the whole district
}

export interface ProjectServiceDeps {
  db: Db;
  clock: Clock;
  reference: ReferenceService;
  rules: RulesService;
  beneficiaries: BeneficiaryService;
  engine: Engine;
  /** the service-project library, for proposals started from one of its entries */
  library?: LibraryService;
}

const prefixed = (prefix: string, fields: Record<string, string>) => Object.fromEntries(Object.entries(fields).map(([k, v]) => [`${prefix}${k}`, v]));

/**
 * Starts a project draft in the caller's transaction, as `actor`, for a community: the proposal is
 * checked as POST /projects checks it (NewProjectSchema; an active category and groups; a budget
 * year the rules in force allow; from the library, the entry as it stands now, its type and
 * ceilings, recorded in the `$start` row), then the `project` workflow is started through the
 * engine. Every read goes through `trx`. A refusal names its field after `prefix` and rolls the
 * caller's transaction back. The one way a project begins: a community's proposal (create below)
 * and a need adopted into a new one (src/needs/need-adopt.ts), whose transition commits with it.
 */
export async function startProjectIn(
  deps: { engine: Engine; reference: ReferenceService; rules: RulesService; library?: LibraryService },
  trx: Trx,
  a: { id: string; communityId: string; actor: Actor; proposal: unknown; at: string; prefix?: string; fromLibrary?: boolean },
): Promise<void> {
  const prefix = a.prefix ?? '';
  const refuse = (message: string, field: string, key: string) => new InvalidError(message, { fields: { [`${prefix}${field}`]: key } });
  const parsed = NewProjectSchema.safeParse(a.proposal);
  if (!parsed.success) throw new InvalidError('invalid project', { fields: prefixed(prefix, zodFields(parsed.error)), cause: parsed.error });
  const p = parsed.data;
  if (p.libraryEntryId !== undefined && a.fromLibrary === false) throw refuse('no library entry here', 'libraryEntryId', 'validation.libraryEntry');
  // only active categories (kinds of help) and groups for a new project
  if (!(await deps.reference.categories(trx)).some((c) => c.code === p.category)) throw refuse('unknown category', 'category', 'validation.category');
  const groups = new Set((await deps.reference.groups(trx)).map((g) => g.code));
  if (!groups.has(p.mainGroup)) throw refuse('unknown beneficiary group', 'mainGroup', 'validation.group');
  if (p.otherGroups && !p.otherGroups.every((g) => groups.has(g))) throw refuse('unknown beneficiary group', 'otherGroups', 'validation.group');
  const community = await deps.reference.community(a.communityId, trx);
  const district = (await deps.reference.districts(trx)).find((d) => d.id === community.districtId)!;
  // Created in this year (Asia/Shanghai); charged to the budget year it names, by default this one,
  // within the years the rules in force allow (ARCHITECTURE §4).
  const year = Number(shanghaiDate(a.at).slice(0, 4));
  const rules = await deps.rules.current(district.id, trx);
  const budgetYear = p.budgetYear ?? year;
  if (!allowedBudgetYears(year, rules).includes(budgetYear)) throw refuse(`budget year ${budgetYear} not allowed`, 'budgetYear', 'validation.budgetYear');
  // From the library: the entry as it stands now; an entry retired, expired or not yet valid starts
  // nothing (409), and a line above its ceiling is refused as SUBMIT, EDIT, quotes and the contract
  // refuse it (the same rule function).
  let library: ProjectInput['library'];
  if (p.libraryEntryId !== undefined) {
    if (!deps.library) throw refuse('no service-project library here', 'libraryEntryId', 'validation.libraryEntry');
    library = await deps.library.startFacts(p.libraryEntryId, trx);
    const entryType = (await deps.library.get(library.entryId, trx)).type;
    if (entryType !== p.type) throw refuse('the type must be the library entry\'s', 'type', 'validation.libraryType');
    const over = libraryPriceReasons(library, p.items);
    if (over.length) throw new EventNotAllowedError('a unit price is above the library ceiling', { reasons: over });
  }
  const input: ProjectInput = {
    id: a.id, ref: await nextRef(trx, district.id, district.code, year), communityId: community.id, streetId: community.streetId,
    districtId: district.id, year, budgetYear, title: p.title, type: p.type, category: p.category, mainGroup: p.mainGroup,
    otherGroups: p.otherGroups ?? [], estimatedFen: p.estimatedFen, description: p.description, items: p.items,
    beneficiaryCount: p.beneficiaryCount ?? null, rules, createdBy: a.actor.id, ...(library ? { library } : {}),
  };
  await deps.engine.start('project', input, { actor: a.actor, id: a.id, trx });
}

export function createProjectService(deps: ProjectServiceDeps) {
  const { db, clock } = deps;
  const thisYear = () => Number(shanghaiDate(clock.now().toISOString()).slice(0, 4));

  /** Each group must be an active one (`fields` names the field in the 422), or one the project already names. */
  async function checkGroupCodes(fields: Record<string, unknown>, prefix: string, keep: readonly string[] = []): Promise<void> {
    if (fields.mainGroup === undefined && fields.otherGroups === undefined) return;
    const active = new Set((await deps.reference.groups()).map((g) => g.code));
    const known = (code: unknown) => typeof code === 'string' && (active.has(code) || keep.includes(code));
    if (fields.mainGroup !== undefined && !known(fields.mainGroup)) throw new InvalidError('unknown beneficiary group', { fields: { [`${prefix}mainGroup`]: 'validation.group' } });
    if (Array.isArray(fields.otherGroups) && !fields.otherGroups.every(known)) throw new InvalidError('unknown beneficiary group', { fields: { [`${prefix}otherGroups`]: 'validation.group' } });
  }

  /** What the proposal form offers this community user: active categories and groups, and the budget years the rules in force allow. */
  async function proposalChoices(user: User) {
    if (user.role !== 'community' || !user.communityId) throw new ForbiddenError('only community staff propose projects', { reasons: [{ code: 'WRONG_ROLE' }] });
    const community = await deps.reference.community(user.communityId);
    const [categories, groups, rules] = await Promise.all([deps.reference.categories(), deps.reference.groups(), deps.rules.current(community.districtId)]);
    const year = thisYear();
    return { categories, groups, budgetYears: allowedBudgetYears(year, rules), defaultBudgetYear: year };
  }

  async function canRead(user: User, row: ProjectRow): Promise<boolean> {
    switch (user.role) {
      case 'community':
        return user.communityId === row.communityId;
      case 'street':
        return user.streetId === row.streetId;
      case 'vendor':
        return Boolean(user.vendorId) && (await isVendorInvited(db, row.id, user.vendorId!));
      default:
        return true;
    }
  }

  async function readable(user: User, id: string): Promise<ProjectRow> {
    const row = await getRow(db, id);
    if (!row) throw new NotFoundError(`project ${id} not found`);
    if (!(await canRead(user, row))) throw new ForbiddenError('project outside your scope', { reasons: [{ code: 'OUT_OF_SCOPE' }] });
    return row;
  }

  async function create(user: User, input: unknown): Promise<ReturnType<typeof presentProject>> {
    if (user.role !== 'community' || !user.communityId) throw new ForbiddenError('only community staff propose projects', { reasons: [{ code: 'WRONG_ROLE' }] });
    const id = randomUUID();
    const communityId = user.communityId;
    await db.transaction((trx) => startProjectIn(deps, trx, { id, communityId, actor: toActor(user), proposal: input, at: clock.now().toISOString() }));
    return get(user, id);
  }

  /**
   * Every document the event names (evidence, attachments, minutes given as a 64-hex document id)
   * must exist, have been uploaded by the sender or be linked to this project, and be one the sender
   * may see there (as the presented history shows it: sealed quotes stay sealed). Otherwise 422
   * naming the field, before the engine: a refused event changes nothing.
   */
  async function checkDocuments(user: Viewer, row: ProjectRow, event: Record<string, unknown>): Promise<void> {
    const refs: Array<{ field: string; id: string }> = [];
    for (const field of DOCUMENT_LIST_FIELDS) {
      const v = event[field];
      if (!Array.isArray(v)) continue; // absent, or the payload schema refuses it
      for (const id of v) {
        if (!isDocumentId(id)) throw new InvalidError(`${field} must name uploaded documents`, { fields: { [field]: 'validation.documentRef' } });
        refs.push({ field, id });
      }
    }
    if (isDocumentId(event.minutes)) refs.push({ field: 'minutes', id: event.minutes });
    if (refs.length === 0) return;
    const refuse = (field: string) => new InvalidError(`${field} names a document you may not use here`, { fields: { [field]: 'validation.documentRef' } });
    if (!user) throw refuse(refs[0]!.field);
    const ids = [...new Set(refs.map((r) => r.id))];
    const existing = new Set((await db('documents').whereIn('id', ids).select('id')).map((r: { id: string }) => r.id));
    const mine = new Set((await db('document_uploads').where('user_id', user.id).whereIn('document_id', ids).select('document_id')).map((r: { document_id: string }) => r.document_id));
    const linked = new Set((await db('document_links').where('project_id', row.id).whereIn('document_id', ids).select('document_id')).map((r: { document_id: string }) => r.document_id));
    let visible: Set<string> | undefined;
    for (const r of refs) {
      if (!existing.has(r.id)) throw refuse(r.field);
      if (mine.has(r.id)) continue;
      if (!linked.has(r.id)) throw refuse(r.field);
      visible ??= new Set((await history(user, row.id)).flatMap((h) => referencedDocuments(h.payload as Record<string, unknown>)));
      if (!visible.has(r.id)) throw refuse(r.field);
    }
  }

  /** Checks that need the database (vendors exist and may supply the type; the beneficiary is the community's; documents). */
  async function checkReferences(row: ProjectRow, event: Record<string, unknown>, user: Viewer = null): Promise<void> {
    await checkDocuments(user, row, event);
    // EDIT applies the rules of a new project, the category's existence among them
    const fields = event.type === 'EDIT' && typeof event.fields === 'object' && event.fields !== null ? (event.fields as Record<string, unknown>) : {};
    const category = fields.category;
    // an active category, or the one the project already has (an inactive one stays with its projects)
    if (typeof category === 'string' && category.trim() !== row.category && !(await deps.reference.categories()).some((c) => c.code === category.trim())) {
      throw new InvalidError('unknown category', { fields: { 'fields.category': 'validation.category' } });
    }
    await checkGroupCodes(fields, 'fields.', [...(row.mainGroup ? [row.mainGroup] : []), ...row.otherGroups]);
    if (event.type === 'INVITE' && Array.isArray(event.vendorIds)) {
      await deps.reference.assertVendorMaySupply(event.vendorIds.map(String), row.type, db);
    }
    // an award names a known, active vendor of the type too (its eligibility is the rules' to decide)
    if (event.type === 'AWARD' && typeof event.vendorId === 'string' && event.vendorId) {
      await deps.reference.assertVendorMaySupply([event.vendorId], row.type, db).catch((err: unknown) => {
        throw err instanceof InvalidError ? new InvalidError('unknown vendor', { fields: { vendorId: 'validation.unknownVendor' } }) : err;
      });
    }
    if (event.type === 'RECORD_DELIVERY' && typeof event.beneficiaryRef === 'string' && event.beneficiaryRef) {
      if (!(await deps.beneficiaries.exists(event.beneficiaryRef, row.communityId))) {
        throw new InvalidError('unknown beneficiary', { fields: { beneficiaryRef: 'validation.beneficiary' } });
      }
    }
  }

  /** A user (or, for OBJECT, the public) sends a lifecycle event. */
  async function send(
    user: Viewer,
    id: string,
    event: { type?: unknown } & Record<string, unknown>,
    opts: { expectedVersion?: number; idempotencyKey?: string } = {},
  ): Promise<SendResult> {
    if (typeof event.type !== 'string' || !event.type) throw new InvalidError('event type missing', { fields: { type: 'validation.required' } });
    // An unknown type is bad input (422), not a question of role (the engine authorises before it validates).
    if (!isEventType(event.type)) throw new InvalidError(`unknown event type ${event.type.slice(0, 50)}`, { fields: { type: 'validation.enum' } });
    if ((TIMER_EVENTS as readonly string[]).includes(event.type)) {
      throw new ForbiddenError('timer events come from the system', { reasons: [{ code: 'WRONG_ROLE' }] });
    }
    const row = await getRow(db, id);
    // The public sees a project from its first notice on (as the public pages do): before, not even its stage.
    if (!row || (!user && row.publicSince === null)) throw new NotFoundError(`project ${id} not found`);
    if (user && !(await canRead(user, row))) throw new ForbiddenError('project outside your scope', { reasons: [{ code: 'OUT_OF_SCOPE' }] });
    await checkReferences(row, event, user);
    if (opts.expectedVersion !== undefined) opts = { ...opts, expectedVersion: await engineVersion(user, id, opts.expectedVersion) };
    if (!user) {
      // Anonymous callers all share one actor, so their keys would collide; telling them apart would
      // mean storing their addresses, which is not worth the personal data. Their keys are ignored.
      return deps.engine.send(id, event as { type: string }, { actor: { id: 'anonymous', role: 'anonymous' }, expectedVersion: opts.expectedVersion });
    }
    // With a key, the answer (the project as presented now) is built in the transaction and stored,
    // so a retry gets the same answer even after the project moved on.
    const respond = async (trx: Trx) => present(user, (await getRow(trx, id))!, trx);
    try {
      return await deps.engine.send(id, event as { type: string }, { actor: toActor(user), ...opts, respond });
    } catch (err) {
      // Someone acted between our check and the engine's: a sealed reader is not told the stored version.
      if (err instanceof VersionConflictError && (await isSealedFor(user, id))) throw new VersionConflictError('the project changed; reload it');
      throw err;
    }
  }

  async function isSealedFor(user: Viewer, id: string): Promise<boolean> {
    const instance = await deps.engine.get(id);
    return procurementSealed((instance.snapshot as { context: ProjectContext }).context, user);
  }

  /**
   * The engine's version for the version this reader was told. A sealed reader is told how many
   * history rows it may see (sealedVersion), so that other vendors' quotes do not move it; if that
   * still holds, the event is checked against the stored version read now.
   */
  async function engineVersion(user: Viewer, id: string, told: number): Promise<number> {
    const instance = await deps.engine.get(id);
    if (!procurementSealed((instance.snapshot as { context: ProjectContext }).context, user)) return told;
    const seen = sealedVersion(await deps.engine.history(id), user);
    if (seen !== told) throw new VersionConflictError(`the project is at version ${seen}, not ${told}`, { context: { version: seen } });
    return instance.version;
  }

  async function get(user: Viewer, id: string) {
    const row = user ? await readable(user, id) : await getRow(db, id);
    if (!row) throw new NotFoundError(`project ${id} not found`);
    return present(user, row, db);
  }

  /** A project as `user` sees it, read through `q` (inside a transaction, when one is given). */
  async function present(user: Viewer, row: ProjectRow, q: Queryable) {
    return presentInstance(user, row, await deps.engine.get(row.id, q), () => deps.engine.history(row.id, q));
  }

  /** A project as `user` sees it from its stored instance; its history rows are read only for a sealed reader. */
  async function presentInstance(user: Viewer, row: ProjectRow, instance: InstanceRow, historyRows: () => Promise<HistoryRow[]>) {
    const { wf, snapshot } = deps.engine.load(instance);
    const actor = user ? toActor(user) : { id: 'anonymous', role: 'anonymous' };
    const allowed = deps.engine.explainSnapshot(wf, snapshot, actor).filter((e) => !(TIMER_EVENTS as readonly string[]).includes(e.type));
    const context = snapshot.context as ProjectContext;
    const version = procurementSealed(context, user) ? sealedVersion(await historyRows(), user) : instance.version;
    return presentProject(row, version, context, user, allowed, thisYear());
  }

  async function history(user: Viewer, id: string) {
    const row = user ? await readable(user, id) : await getRow(db, id);
    if (!row) throw new NotFoundError(`project ${id} not found`);
    const instance = await deps.engine.get(id);
    const rows = await deps.engine.history(id);
    return presentHistory(rows, row.state, (instance.snapshot as { context: ProjectContext }).context, user);
  }

  /**
   * The project and its history as `user` sees them (the detail page): what get and history give,
   * from one read of its row, its instance and its history rows (each of the two had read all three).
   */
  async function detail(user: User, id: string) {
    const row = await readable(user, id);
    const [instance, rows] = await Promise.all([deps.engine.get(id), deps.engine.history(id)]);
    return {
      project: await presentInstance(user, row, instance, async () => rows),
      history: presentHistory(rows, row.state, (instance.snapshot as { context: ProjectContext }).context, user),
    };
  }

  async function list(user: Viewer, query: unknown) {
    const { page, pageSize, ...filter } = parseOr422(ListQuerySchema, query, 'invalid filter');
    const { rows, total } = await listRows(db, filter as ProjectFilter, scopeOf(user), { page, pageSize });
    const waiting = await waitingRoles(db, rows.map((r) => r.id));
    const year = thisYear();
    return { projects: rows.map((r) => ({ ...presentListRow(r, user), carriedOver: isCarriedOver(r, year), waitingFor: waiting.get(r.id) ?? [] })), total, page, pageSize };
  }

  return { create, send, get, history, detail, list, readable, canRead, proposalChoices };
}

export type ProjectService = ReturnType<typeof createProjectService>;
