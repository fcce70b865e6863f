// The needs component's commands and queries (需求, issue 15 item 2). The JSON API calls these; the
// engine does every write of the lifecycle (workflows/need), the read model is its `project` hook's.
//
// Personal data: a need may name a resident of the beneficiary register (`beneficiaryId`) and carry
// a contact (name, phone) given on the phone or the public form. The register's rule applies
// (src/beneficiaries/CONTEXT.md): unmasked only for the need's own community, each such read
// logged; everyone else gets masks. The contact is unmasked for the own community and the party the
// need was referred to (who must call the resident back). The public gets back the reference only.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Engine } from '../engine/engine.js';
import type { SendResult } from '../engine/types.js';
import { canonicalJson, getPath, type FieldDigest } from '../engine/hash.js';
import { ForbiddenError, InvalidError, NotFoundError, parseOr422 } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { Db, Queryable, Trx } from '../lib/db.js';
import { shanghaiDate } from '../lib/calendar.js';
import { toActor, type User } from '../auth/users.js';
import type { ReferenceService } from '../reference/reference.js';
import type { RulesService } from '../rules/rules-service.js';
import type { BeneficiaryService } from '../beneficiaries/beneficiaries.js';
import { maskName, maskPhone } from '../beneficiaries/mask.js';
import {
  CLOSED_PROJECT_STATES, DEFAULT_NEED_RULES, NEED_SOURCES, NEED_STATES, NEED_TYPES, NEED_WORKFLOW, inScope, isNeedEventType, isNeedTimerEvent, isReferredParty, parseNewNeed,
  type Actor, type NeedContext, type NeedInput, type NeedRules,
} from '../../workflows/need/index.js';
import { getNeedRow, listNeedRows, needsWaitingFor, nextNeedRef, type NeedRow, type NeedScope } from './need-repo.js';

export const NeedListQuerySchema = z.object({
  state: z.enum(NEED_STATES, { error: 'validation.enum' }).optional(),
  type: z.enum(NEED_TYPES, { error: 'validation.enum' }).optional(),
  source: z.enum(NEED_SOURCES, { error: 'validation.enum' }).optional(),
  communityId: z.string().max(64).optional(),
  projectId: z.string().max(64).optional(),
  /** `me`: the needs waiting for the caller (the needs' part of the inbox) */
  waiting: z.enum(['me'], { error: 'validation.enum' }).optional(),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(20),
});

/** Where a need is recorded, and the rules it starts under: read before the transaction that starts it. */
export interface NeedPlace {
  districtId: string;
  districtCode: string;
  streetId: string;
  communityId: string;
  rules: NeedRules;
}

/** The place of a need of a community (NotFoundError when there is no such community). */
export async function needPlaceOf(deps: { reference: ReferenceService; rules: RulesService }, communityId: string, q?: Queryable): Promise<NeedPlace> {
  const c = await deps.reference.community(communityId, q);
  const district = (await deps.reference.districts(q)).find((d) => d.id === c.districtId);
  if (!district) throw new NotFoundError(`district of community ${communityId} not found`);
  return { districtId: district.id, districtCode: district.code, streetId: c.streetId, communityId: c.id, rules: needRulesOf(await deps.rules.current(district.id, q)) };
}

/**
 * Starts one need in the caller's transaction: the next reference of the district and year, then
 * the `need` workflow through the engine. The one way a need begins: the staff and public form
 * (create below) and a care call's problems (src/campaigns), whose call row commits with it.
 */
export async function startNeedIn(engine: Engine, trx: Trx, place: NeedPlace, n: {
  actor: Actor; at: string; source: NeedInput['source']; type: NeedInput['type']; description: string; beneficiaryId?: string | null; contact?: NeedInput['contact'];
}): Promise<{ id: string; ref: string }> {
  const id = randomUUID();
  const ref = await nextNeedRef(trx, place.districtId, place.districtCode, Number(shanghaiDate(n.at).slice(0, 4)));
  const input: NeedInput = {
    id, ref, districtId: place.districtId, streetId: place.streetId, communityId: place.communityId, source: n.source, type: n.type, description: n.description,
    beneficiaryId: n.beneficiaryId ?? null, contact: n.contact ?? null, rules: place.rules, createdBy: n.actor.id, receivedAt: n.at,
  };
  await engine.start(NEED_WORKFLOW, input, { actor: n.actor, id, trx });
  return { id, ref };
}

/** The need rules of a district's programme rules version; the defaults where it has none. */
export function needRulesOf(rules: unknown): NeedRules {
  const r = (rules as { needs?: Partial<NeedRules> } | null)?.needs;
  const days = r?.referralWorkingDays;
  const before = r?.reminderWorkingDaysBefore;
  if (Number.isInteger(days) && Number.isInteger(before) && days! >= 1 && before! >= 0 && before! < days!) return { referralWorkingDays: days!, reminderWorkingDaysBefore: before! };
  return { ...DEFAULT_NEED_RULES };
}

/** The digests a reader gets: every one, with its salt only where the reader sees the value as stored. */
function shippedDigests(digests: Record<string, FieldDigest>, stored: unknown, shown: unknown): Record<string, FieldDigest> {
  const same = (path: string) => {
    const v = getPath(shown, path);
    return v !== undefined && canonicalJson(v) === canonicalJson(getPath(stored, path));
  };
  return Object.fromEntries(Object.entries(digests).map(([path, d]) => [path, same(path) ? { digest: d.digest, salt: d.salt } : { digest: d.digest }]));
}

/** Whether a need may be referred to this community: another community of the need's street (the pages offer exactly these). */
export function mayReferTo(need: Pick<NeedContext, 'streetId' | 'communityId'>, community: { id: string; streetId: string }): boolean {
  return community.streetId === need.streetId && community.id !== need.communityId;
}

const ANONYMOUS: Actor = { id: 'anonymous', role: 'anonymous' };

export interface NeedServiceDeps {
  db: Db;
  clock: Clock;
  engine: Engine;
  reference: ReferenceService;
  rules: RulesService;
  beneficiaries: BeneficiaryService;
}

export function createNeedService(deps: NeedServiceDeps) {
  const { db, clock, engine } = deps;

  const actorOf = (user: User): Actor => toActor(user) as Actor;

  function scopeOf(user: User): NeedScope {
    if (user.role === 'community') return { communityId: user.communityId ?? '-' };
    if (user.role === 'street') return { streetId: user.streetId ?? '-' };
    if (user.role === 'district') return { districtId: user.districtId };
    throw new ForbiddenError('needs are for community, street and district staff', { reasons: [{ code: 'WRONG_ROLE' }] });
  }

  async function contextOf(id: string, q: Queryable = db): Promise<{ context: NeedContext; version: number; state: string }> {
    const instance = await engine.get(id, q);
    const { snapshot } = engine.load(instance);
    return { context: snapshot.context as NeedContext, version: instance.version, state: instance.state };
  }

  /** The need row, if this user may read it (403 outside their scope, 404 when unknown). */
  async function readable(user: User, id: string, q: Queryable = db): Promise<{ row: NeedRow; context: NeedContext; version: number }> {
    scopeOf(user);
    const row = await getNeedRow(q, id);
    if (!row) throw new NotFoundError(`need ${id} not found`);
    const { context, version } = await contextOf(id, q);
    if (!inScope(context, actorOf(user))) throw new ForbiddenError('need outside your scope', { reasons: [{ code: 'OUT_OF_SCOPE' }] });
    return { row, context, version };
  }

  /**
   * Records a need: community staff for their own community, or the public (user null) for the
   * community it names, with source `public` and no beneficiary id. The public gets its reference only.
   */
  async function create(user: User | null, body: unknown): Promise<{ id: string; ref: string; state: string } | Awaited<ReturnType<typeof get>>> {
    if (user && user.role !== 'community') throw new ForbiddenError('only community staff record needs', { reasons: [{ code: 'WRONG_ROLE' }] });
    const parsed = parseNewNeed(body);
    if (!parsed.ok) throw new InvalidError('invalid need', { fields: parsed.fields });
    const n = parsed.value;
    let communityId: string;
    if (user) {
      if (!user.communityId) throw new ForbiddenError('no community', { reasons: [{ code: 'OUT_OF_SCOPE' }] });
      if (n.communityId !== undefined && n.communityId !== user.communityId) throw new ForbiddenError('another community', { reasons: [{ code: 'OUT_OF_SCOPE' }] });
      communityId = user.communityId;
    } else {
      if (n.communityId === undefined) throw new InvalidError('community required', { fields: { communityId: 'validation.required' } });
      if (n.beneficiaryId !== undefined) throw new InvalidError('the public names no register entry', { fields: { beneficiaryId: 'validation.beneficiary' } });
      communityId = n.communityId;
    }
    const place = await needPlaceOf(deps, communityId).catch((err: unknown) => {
      if (err instanceof NotFoundError) throw new InvalidError('unknown community', { fields: { communityId: 'validation.needCommunity' } });
      throw err;
    });
    if (n.beneficiaryId !== undefined && !(await deps.beneficiaries.exists(n.beneficiaryId, place.communityId))) {
      throw new InvalidError('unknown beneficiary', { fields: { beneficiaryId: 'validation.beneficiary' } });
    }
    const actor = user ? actorOf(user) : ANONYMOUS;
    const { id, ref } = await db.transaction((trx: Trx) => startNeedIn(engine, trx, place, {
      actor, at: clock.now().toISOString(), source: user ? n.source : 'public', type: n.type, description: n.description, beneficiaryId: n.beneficiaryId, contact: n.contact,
    }));
    if (!user) return { id, ref, state: 'received' };
    return get(user, id);
  }

  /** Checks the database must make before the engine: a referral to another community of the need's street. */
  async function checkReferences(context: NeedContext, event: Record<string, unknown>): Promise<void> {
    if (event.type === 'REFER' && event.to === 'community' && typeof event.communityId === 'string') {
      const c = await deps.reference.community(event.communityId).catch(() => null);
      if (!c || !mayReferTo(context, c)) throw new InvalidError('refer within the street', { fields: { communityId: 'validation.referralCommunity' } });
    }
  }

  /** A user sends an event of a need's lifecycle. */
  async function send(user: User, id: string, event: { type?: unknown } & Record<string, unknown>, opts: { expectedVersion?: number; idempotencyKey?: string } = {}): Promise<SendResult> {
    if (typeof event.type !== 'string' || !event.type) throw new InvalidError('event type missing', { fields: { type: 'validation.required' } });
    if (!isNeedEventType(event.type)) throw new InvalidError(`unknown event type ${event.type.slice(0, 50)}`, { fields: { type: 'validation.enum' } });
    if (isNeedTimerEvent(event.type)) throw new ForbiddenError('timer events come from the system', { reasons: [{ code: 'WRONG_ROLE' }] });
    const { context } = await readable(user, id);
    await checkReferences(context, event);
    // With a key, the answer is built in the transaction and stored, so a retry gets what the first
    // request got; its register entry masked (an unmasked read is logged, outside this transaction).
    const respond = async (trx: Trx) => present(user, (await getNeedRow(trx, id))!, trx, { unmaskRegister: false });
    return engine.send(id, event as { type: string }, { actor: actorOf(user), ...opts, respond });
  }

  /** A need as this user sees it: personal data masked unless the user needs it (see the header). */
  async function present(user: User, row: NeedRow, q: Queryable, opts: { unmaskRegister: boolean } = { unmaskRegister: true }) {
    const { context: c, version } = await contextOf(row.id, q);
    const actor = actorOf(user);
    const own = user.role === 'community' && user.communityId === c.communityId;
    const contactVisible = own || isReferredParty(c, actor);
    let beneficiary: { id: string; name: string; phone: string | null; address: string; masked: boolean } | null = null;
    if (c.beneficiaryId) {
      const b = own && opts.unmaskRegister ? await deps.beneficiaries.get(user, c.beneficiaryId, 'need') : (await deps.beneficiaries.masked([c.beneficiaryId], q)).get(c.beneficiaryId);
      if (b) beneficiary = { id: b.id, name: b.name, phone: b.phone, address: b.address, masked: b.masked };
    }
    const contact = c.contact === null ? null : contactVisible
      ? { ...c.contact, masked: false }
      : { ...(c.contact.name ? { name: maskName(c.contact.name) } : {}), ...(c.contact.phone ? { phone: maskPhone(c.contact.phone) } : {}), masked: true };
    const instance = await engine.get(row.id, q);
    const { wf, snapshot } = engine.load(instance);
    return {
      id: row.id, ref: row.ref, state: row.state, version, type: c.type, source: c.source, description: c.description,
      districtId: c.districtId, streetId: c.streetId, communityId: c.communityId, receivedAt: c.receivedAt,
      beneficiary, contact,
      referral: c.referral ? { target: c.referral.target, note: c.referral.note, at: c.referral.at, reminderAt: c.referral.reminderAt, deadlineAt: c.referral.deadlineAt, remindedAt: c.referral.remindedAt, escalatedAt: c.referral.escalatedAt } : null,
      outcome: c.outcome, projectId: c.projectId, projectCreated: c.projectCreated, informed: c.informed, deadline: row.deadline,
      allowedEvents: engine.explainSnapshot(wf, snapshot, actor),
    };
  }

  /**
   * The need's history as this user may read it, checkable without the database
   * (verifyShippedHistory): outside the need's own community the register entry is nulled and the
   * contact masked in `$start`; their digests are shipped without salts (a salted digest of a phone
   * number cannot be brute-forced without it), the other digests with theirs.
   */
  async function history(user: User, id: string) {
    const { context: c } = await readable(user, id);
    const own = user.role === 'community' && user.communityId === c.communityId;
    const contactVisible = own || isReferredParty(c, actorOf(user));
    return (await engine.history(id)).map((h) => {
      let payload = h.payload as Record<string, unknown>;
      if (h.type === '$start' && !own) {
        const input = { ...(payload.input as Record<string, unknown>) };
        if (input.beneficiaryId != null) input.beneficiaryId = null;
        const contact = input.contact as { name?: string; phone?: string } | null | undefined;
        if (contact && !contactVisible) input.contact = { ...(contact.name ? { name: maskName(contact.name) } : {}), ...(contact.phone ? { phone: maskPhone(contact.phone) } : {}) };
        payload = { ...payload, input };
      }
      return {
        seq: h.seq, type: h.type, from: h.from, to: h.to, at: h.at, payload, actor: h.actor, hash: h.hash,
        ...(h.workflowVersion === undefined ? {} : { workflowVersion: h.workflowVersion }), hashScheme: h.hashScheme ?? 1,
        ...(h.digests ? { digests: shippedDigests(h.digests, h.payload, payload) } : {}),
      };
    });
  }

  async function get(user: User, id: string) {
    const { row } = await readable(user, id);
    return present(user, row, db);
  }

  /** Listed needs carry no personal data (whether a register entry is named, not which). */
  function listRow(r: NeedRow) {
    return {
      id: r.id, ref: r.ref, state: r.state, type: r.type, source: r.source, districtId: r.districtId, streetId: r.streetId, communityId: r.communityId,
      receivedAt: r.receivedAt, resolvedAt: r.resolvedAt, deadline: r.deadline, referredTo: r.referredTo, escalatedAt: r.escalatedAt,
      informedAt: r.informedAt, projectId: r.projectId, hasBeneficiary: r.beneficiaryId !== null,
    };
  }

  async function list(user: User, query: unknown) {
    const { page, pageSize, waiting, ...filter } = parseOr422(NeedListQuerySchema, query, 'invalid filter');
    const scope = scopeOf(user);
    if (waiting === 'me') {
      const scopes = user.role === 'community' ? [`community:${user.communityId}`] : user.role === 'street' ? [`street:${user.streetId}`] : [];
      const { rows, total } = await needsWaitingFor(db, user.role, scopes, { page, pageSize });
      return { needs: rows.map((r) => ({ ...listRow(r), tasks: r.tasks, waitingSince: r.since })), total, page, pageSize };
    }
    const { rows, total } = await listNeedRows(db, filter, scope, { page, pageSize });
    return { needs: rows.map(listRow), total, page, pageSize };
  }

  /**
   * The projects a need of this community may be adopted into now, by the workflow's own rule
   * (need.checks.ts: the same community, not closed): what the page's ADOPT form offers.
   */
  async function adoptableProjects(communityId: string): Promise<Array<{ id: string; ref: string; title: string; state: string }>> {
    const rows = await db('projects').where({ community_id: communityId }).whereNotIn('state', [...CLOSED_PROJECT_STATES]).orderBy('ref', 'desc').limit(200).select('id', 'ref', 'title', 'state');
    return rows.map((r: Record<string, unknown>) => ({ id: String(r.id), ref: String(r.ref), title: String(r.title), state: String(r.state) }));
  }

  return { create, send, get, history, list, readable, adoptableProjects };
}

export type NeedService = ReturnType<typeof createNeedService>;
