// Care-call lists (关爱电话, issue 15 item 3). Community, street or district staff build a campaign
// from the beneficiary register; its residents are fixed at creation and split among the operators
// (话务员) assigned to it. Every day each operator calls its share: the residents due today, those
// not reached on their last call first. A call logs reached / not reached, raises needs (source
// `call`) and a note; after N misses in a row the resident is escalated to the community (a row in
// care_escalations and an e-mail notice to the community's staff through the outbox).
//
// Personal data: an operator reads residents unmasked only through its own running campaigns
// (start ≤ today ≤ end, Asia/Shanghai days from the injected clock), each read logged by the
// register (purpose `care-call`); outside that it gets 403, never masks. Staff see counts and
// masked names only.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ConflictError, ForbiddenError, InvalidError, NotFoundError, parseOr422 } from '../errors.js';
import type { Queryable, Trx } from '../lib/db.js';
import { shanghaiDate, isIsoDate } from '../lib/calendar.js';
import { t, type Lang } from '../lib/i18n.js';
import { absoluteUrl } from '../lib/urls.js';
import { enqueueMail } from '../engine/outbox.js';
import { toActor, type User } from '../auth/users.js';
import type { BeneficiaryView } from '../beneficiaries/beneficiaries.js';
import { NEED_TYPES } from '../../workflows/need/index.js';
import { line, optionalParagraph } from '../../workflows/shared/text.js';
import { needPlaceOf, startNeedIn, type NeedPlace, type NeedServiceDeps } from '../needs/need-service.js';

export const CAMPAIGN_STAFF = ['community', 'street', 'district'] as const;
export const CARE_FLAGS = ['alone', 'daily'] as const;
export const DISABILITY_LEVELS = ['一级', '二级', '三级', '四级'] as const;
export const CALL_PAGE_SIZE = 50;

const isDay = isIsoDate;
const day = (key = 'validation.date') => z.string({ error: 'validation.required' }).trim().refine(isDay, key);
const list = <T extends z.ZodTypeAny>(item: T) => z.preprocess((v) => (v === undefined || v === null || v === '' ? [] : Array.isArray(v) ? v : [v]), z.array(item).max(50));
const int = (min: number, max: number, dflt: number) => z.preprocess((v) => (v === undefined || v === null || v === '' ? dflt : v), z.coerce.number({ error: 'validation.integer' }).int('validation.integer').min(min, 'validation.too_small').max(max, 'validation.too_big'));

export const NewCampaignSchema = z.object({
  name: line(200),
  /** `community:<id>`, `street:<id>` or `district` */
  area: z.string({ error: 'validation.required' }).trim().min(1, 'validation.required').max(80).regex(/^(community:.+|street:.+|district)$/, 'validation.invalid'),
  groups: list(z.string().trim().min(1).max(16)),
  disabilityLevels: list(z.string().trim().min(1).max(16)),
  flags: list(z.enum(CARE_FLAGS, { error: 'validation.enum' })),
  startOn: day(),
  endOn: day(),
  callsPerDay: int(1, 10, 1),
  /** the disability levels called every day; the rest of the list is called until reached once (none chosen: everyone daily) */
  dailyLevels: list(z.enum(DISABILITY_LEVELS, { error: 'validation.enum' })),
  missLimit: int(1, 30, 3),
  operatorIds: list(z.string().trim().min(1).max(64)).refine((v) => v.length > 0, 'validation.operatorsRequired'),
}).refine((c) => !isDay(c.startOn) || !isDay(c.endOn) || c.startOn <= c.endOn, { path: ['endOn'], error: 'validation.endBeforeStart' });
export type NewCampaign = z.input<typeof NewCampaignSchema>;

/** What may change while a campaign runs; the area, selection, cadence and start stay as made. */
export const CampaignChangeSchema = z.object({
  endOn: day(),
  callsPerDay: int(1, 10, 1),
  missLimit: int(1, 30, 3),
  operatorIds: list(z.string().trim().min(1).max(64)).refine((v) => v.length > 0, 'validation.operatorsRequired'),
  /** take in the residents registered since who match the campaign's selection */
  addResidents: z.preprocess((v) => v === true || v === 'on' || v === 'true' || v === 'yes', z.boolean()).default(false),
});
export type CampaignChange = z.input<typeof CampaignChangeSchema>;

export const CallSchema = z.object({
  beneficiaryId: z.string({ error: 'validation.required' }).trim().min(1, 'validation.required').max(64),
  reached: z.preprocess((v) => (v === 'yes' || v === 'true' ? true : v === 'no' || v === 'false' ? false : v), z.boolean({ error: 'validation.required' })),
  problems: z.array(z.object({
    type: z.enum(NEED_TYPES, { error: 'validation.enum' }),
    description: optionalParagraph(500).optional(),
  })).max(NEED_TYPES.length, 'validation.too_big').default([]),
  note: optionalParagraph(1000).optional(),
}).refine((c) => c.reached || c.problems.length === 0, { path: ['problems'], error: 'validation.problemsNeedReach' });
export type CallInput = z.input<typeof CallSchema>;

const ListQuery = z.object({
  page: z.coerce.number({ error: 'validation.integer' }).int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number({ error: 'validation.integer' }).int().min(1).max(200).default(CALL_PAGE_SIZE),
});
const CallsQuery = ListQuery.extend({ day: day().optional() });

export interface Selection {
  groups: string[];
  disabilityLevels: string[];
  flags: Array<(typeof CARE_FLAGS)[number]>;
}

export interface Campaign {
  id: string;
  name: string;
  districtId: string;
  area: string;
  areaLevel: 'community' | 'street' | 'district';
  streetId: string | null;
  communityId: string | null;
  selection: Selection;
  startOn: string;
  endOn: string;
  callsPerDay: number;
  /** levels called daily; empty: everyone daily */
  dailyLevels: string[];
  missLimit: number;
  residentCount: number;
  operators: Array<{ id: string; name: string; slot: number }>;
  createdBy: string;
  createdAt: string;
  /** the last change while it ran (update), if any */
  updatedBy: string | null;
  updatedAt: string | null;
  /** whether start ≤ today ≤ end (Asia/Shanghai) */
  running: boolean;
}

export interface CallListRow {
  beneficiary: BeneficiaryView;
  lastOutcome: 'reached' | 'missed' | null;
  lastCallOn: string | null;
  cadence: Cadence;
  misses: number;
  callsToday: number;
}

/** daily: due every day; once: due until reached once */
export type Cadence = 'daily' | 'once';

export interface Progress {
  calls: number;
  reached: number;
  due: number;
}

/** A campaign's calls start needs: the need service's dependencies, and the base URL of the e-mails' links. */
export interface CampaignServiceDeps extends NeedServiceDeps {
  baseUrl: string;
}

/** A member's cadence from the campaign's daily levels and the resident's level (none chosen: everyone daily). */
export const cadenceOf = (dailyLevels: readonly string[], level: string | null): Cadence =>
  dailyLevels.length === 0 || (level !== null && dailyLevels.includes(level)) ? 'daily' : 'once';

const isStaff = (u: User) => (CAMPAIGN_STAFF as readonly string[]).includes(u.role);
const num = (v: unknown) => Number(v ?? 0);

export function createCampaignService(deps: CampaignServiceDeps) {
  const { db, clock } = deps;
  const today = () => shanghaiDate(clock.now().toISOString());

  async function operatorsOf(q: Queryable, ids: string[]) {
    if (ids.length === 0) return new Map<string, Array<{ id: string; name: string; slot: number }>>();
    const rows = await q('care_campaign_operators').join('users', 'users.id', 'care_campaign_operators.user_id').whereIn('campaign_id', ids).orderBy([{ column: 'campaign_id' }, { column: 'slot' }])
      .select('campaign_id', 'users.id', 'users.name', 'slot');
    const out = new Map<string, Array<{ id: string; name: string; slot: number }>>();
    for (const r of rows) out.set(r.campaign_id, [...(out.get(r.campaign_id) ?? []), { id: r.id, name: r.name, slot: num(r.slot) }]);
    return out;
  }

  function toCampaign(r: Record<string, unknown>, ops: Array<{ id: string; name: string; slot: number }>): Campaign {
    const level = r.area_level as Campaign['areaLevel'];
    const d = today();
    return {
      id: r.id as string, name: r.name as string, districtId: r.district_id as string, areaLevel: level,
      area: level === 'district' ? 'district' : level === 'street' ? `street:${r.street_id as string}` : `community:${r.community_id as string}`,
      streetId: (r.street_id as string | null) ?? null, communityId: (r.community_id as string | null) ?? null,
      selection: JSON.parse(r.selection as string) as Selection, startOn: r.start_on as string, endOn: r.end_on as string,
      callsPerDay: num(r.calls_per_day), dailyLevels: JSON.parse((r.daily_levels as string | null) ?? '[]') as string[], missLimit: num(r.miss_limit), residentCount: num(r.resident_count), operators: ops,
      createdBy: r.created_by as string, createdAt: r.created_at as string,
      updatedBy: (r.updated_by as string | null) ?? null, updatedAt: (r.updated_at as string | null) ?? null, running: (r.start_on as string) <= d && d <= (r.end_on as string),
    };
  }

  /** The campaigns a staff user sees: those whose area covers their community, street or district. */
  function staffScope(user: User, q: ReturnType<Queryable>) {
    if (user.role === 'district') return q.where('care_campaigns.district_id', user.districtId ?? '-');
    if (user.role === 'street') {
      return q.where((w) => w.where('street_id', user.streetId ?? '-').orWhere((x) => x.where('area_level', 'district').andWhere('care_campaigns.district_id', user.districtId ?? '-')));
    }
    return q.where((w) => w.where((x) => x.where('area_level', 'community').andWhere('community_id', user.communityId ?? '-'))
      .orWhere((x) => x.where('area_level', 'street').andWhere('street_id', user.streetId ?? '-'))
      .orWhere((x) => x.where('area_level', 'district').andWhere('care_campaigns.district_id', user.districtId ?? '-')));
  }

  /** The area a user may build a campaign over (403 outside their scope, 422 unknown). */
  async function resolveArea(user: User, area: string): Promise<{ level: Campaign['areaLevel']; districtId: string; streetId: string | null; communityId: string | null; communityIds: string[] }> {
    const communities = await deps.reference.communities();
    const outside = () => new ForbiddenError('outside your scope', { reasons: [{ code: 'OUT_OF_SCOPE' }] });
    const unknown = () => new InvalidError('unknown area', { fields: { area: 'validation.invalid' } });
    if (area === 'district') {
      if (user.role !== 'district' || !user.districtId) throw outside();
      return { level: 'district', districtId: user.districtId, streetId: null, communityId: null, communityIds: communities.filter((c) => c.districtId === user.districtId).map((c) => c.id) };
    }
    const [level, id] = [area.slice(0, area.indexOf(':')), area.slice(area.indexOf(':') + 1)];
    if (level === 'street') {
      const inStreet = communities.filter((c) => c.streetId === id);
      const street = (await deps.reference.streets()).find((s) => s.id === id);
      if (!street) throw unknown();
      if (user.role === 'community' || (user.role === 'street' && user.streetId !== id) || (user.role === 'district' && user.districtId !== street.districtId)) throw outside();
      return { level: 'street', districtId: street.districtId, streetId: id, communityId: null, communityIds: inStreet.map((c) => c.id) };
    }
    const c = communities.find((x) => x.id === id);
    if (!c) throw unknown();
    if ((user.role === 'community' && user.communityId !== c.id) || (user.role === 'street' && user.streetId !== c.streetId) || (user.role === 'district' && user.districtId !== c.districtId)) throw outside();
    return { level: 'community', districtId: c.districtId, streetId: c.streetId, communityId: c.id, communityIds: [c.id] };
  }

  /** The register rows a selection matches in some communities: within a criterion any value, across criteria all. */
  function matching(q: Queryable, communityIds: string[], s: Selection) {
    const b = q('beneficiaries').whereIn('community_id', communityIds.length ? communityIds : ['-']);
    if (s.groups.length) b.whereIn('group_code', s.groups);
    if (s.disabilityLevels.length) b.whereIn('disability_level', s.disabilityLevels);
    if (s.flags.length) {
      b.where((w) => {
        if (s.flags.includes('alone')) w.orWhere('lives_alone', true);
        if (s.flags.includes('daily')) w.orWhere('needs_daily_contact', true);
      });
    }
    return b;
  }

  /** Active operators of the district (or of none), each once; 422 otherwise. */
  async function checkedOperators(ids: string[], districtId: string): Promise<string[]> {
    const operatorIds = [...new Set(ids)];
    const ops = await db('users').whereIn('id', operatorIds).where({ role: 'operator', disabled: false }).select('id', 'district_id');
    if (ops.length !== operatorIds.length || ops.some((o) => o.district_id && o.district_id !== districtId)) {
      throw new InvalidError('unknown operator', { fields: { operatorIds: 'validation.operator' } });
    }
    return operatorIds;
  }

  /** The member rows of residents joining a campaign at positions from `from`, their share and cadence. */
  const memberRows = (id: string, residents: Array<Record<string, unknown>>, from: number, operators: number, dailyLevels: string[]) =>
    residents.map((m, i) => ({
      campaign_id: id, beneficiary_id: m.id, community_id: m.community_id, position: from + i, slot: (from + i) % operators, calls_on_day: 0, misses: 0,
      cadence: cadenceOf(dailyLevels, (m.disability_level as string | null) ?? null),
    }));

  async function create(user: User, input: unknown): Promise<Campaign> {
    if (!isStaff(user)) throw new ForbiddenError('campaigns are made by community, street or district staff', { reasons: [{ code: 'WRONG_ROLE' }] });
    const c = parseOr422(NewCampaignSchema, input, 'invalid campaign');
    const area = await resolveArea(user, c.area);
    if (c.endOn < today()) throw new InvalidError('the campaign has ended', { fields: { endOn: 'validation.endInPast' } });
    const operatorIds = await checkedOperators(c.operatorIds, area.districtId);
    if (c.groups.length) {
      const known = new Set((await deps.reference.groups()).map((g) => g.code));
      if (c.groups.some((g) => !known.has(g))) throw new InvalidError('unknown group', { fields: { groups: 'validation.unknownGroup' } });
    }
    const selection: Selection = { groups: c.groups, disabilityLevels: c.disabilityLevels, flags: c.flags };
    const id = randomUUID();
    const at = clock.now().toISOString();
    await db.transaction(async (trx) => {
      const members = await matching(trx, area.communityIds, selection).orderBy([{ column: 'community_id' }, { column: 'created_at' }, { column: 'id' }]).select('id', 'community_id', 'disability_level');
      if (members.length === 0) throw new InvalidError('no resident matches', { fields: { area: 'validation.noResidents' } });
      await trx('care_campaigns').insert({
        id, name: c.name, district_id: area.districtId, area_level: area.level, street_id: area.streetId, community_id: area.communityId,
        selection: JSON.stringify(selection), start_on: c.startOn, end_on: c.endOn, calls_per_day: c.callsPerDay, daily_levels: JSON.stringify(c.dailyLevels), miss_limit: c.missLimit,
        resident_count: members.length, operator_count: operatorIds.length, created_by: user.id, created_at: at,
      });
      await trx('care_campaign_operators').insert(operatorIds.map((userId, slot) => ({ campaign_id: id, user_id: userId, slot })));
      const rows = memberRows(id, members, 0, operatorIds.length, c.dailyLevels);
      for (let i = 0; i < rows.length; i += 100) await trx('care_campaign_members').insert(rows.slice(i, i + 100));
    });
    return get(user, id);
  }

  /**
   * Staff who could have made the campaign change it while it has not ended: the end date (not
   * before today or its start), calls per day, the miss limit, the operators (the list is shared
   * out again, position mod operators), and, on request, the residents registered since who match
   * its selection join the end of the list. Returns the campaign and how many joined.
   */
  async function update(user: User, id: string, input: unknown): Promise<{ campaign: Campaign; added: number }> {
    if (!isStaff(user)) throw new ForbiddenError('campaigns are changed by community, street or district staff', { reasons: [{ code: 'WRONG_ROLE' }] });
    const current = await get(user, id);
    const area = await resolveArea(user, current.area);
    const c = parseOr422(CampaignChangeSchema, input, 'invalid change');
    if (current.endOn < today()) throw new ConflictError('the campaign has ended', { reasons: [{ code: 'CAMPAIGN_ENDED' }] });
    if (c.endOn < today()) throw new InvalidError('the campaign would have ended', { fields: { endOn: 'validation.endInPast' } });
    if (c.endOn < current.startOn) throw new InvalidError('end before start', { fields: { endOn: 'validation.endBeforeStart' } });
    const operatorIds = await checkedOperators(c.operatorIds, current.districtId);
    const at = clock.now().toISOString();
    const added = await db.transaction(async (trx) => {
      let added = 0;
      const sameOperators = operatorIds.length === current.operators.length && operatorIds.every((o, i) => current.operators[i]?.id === o);
      if (!sameOperators) {
        await trx('care_campaign_operators').where({ campaign_id: id }).delete();
        await trx('care_campaign_operators').insert(operatorIds.map((userId, slot) => ({ campaign_id: id, user_id: userId, slot })));
        if (operatorIds.length !== current.operators.length) await trx('care_campaign_members').where({ campaign_id: id }).update({ slot: trx.raw('position % ?', [operatorIds.length]) });
      }
      if (c.addResidents) {
        const joining = await matching(trx, area.communityIds, current.selection)
          .whereNotIn('id', trx('care_campaign_members').where({ campaign_id: id }).select('beneficiary_id'))
          .orderBy([{ column: 'community_id' }, { column: 'created_at' }, { column: 'id' }]).select('id', 'community_id', 'disability_level');
        const last = (await trx('care_campaign_members').where({ campaign_id: id }).max({ p: 'position' }).first()) as { p: number | string | null } | undefined;
        const rows = memberRows(id, joining, last?.p == null ? 0 : num(last.p) + 1, operatorIds.length, current.dailyLevels);
        for (let i = 0; i < rows.length; i += 100) await trx('care_campaign_members').insert(rows.slice(i, i + 100));
        added = rows.length;
      }
      await trx('care_campaigns').where({ id }).update({
        end_on: c.endOn, calls_per_day: c.callsPerDay, miss_limit: c.missLimit, operator_count: operatorIds.length,
        resident_count: trx.raw('resident_count + ?', [added]), updated_by: user.id, updated_at: at,
      });
      return added;
    });
    return { campaign: await get(user, id), added };
  }

  async function row(id: string, q: Queryable = db) {
    const r = await q('care_campaigns').where({ id }).first();
    if (!r) throw new NotFoundError('campaign not found');
    return r as Record<string, unknown>;
  }

  /** A campaign as a staff user in its scope, or an operator assigned to it, sees it. */
  async function get(user: User, id: string): Promise<Campaign> {
    const r = await row(id);
    const ops = (await operatorsOf(db, [id])).get(id) ?? [];
    if (user.role === 'operator') {
      if (!ops.some((o) => o.id === user.id)) throw new ForbiddenError('not your campaign', { reasons: [{ code: 'OUT_OF_SCOPE' }] });
    } else if (!isStaff(user) || !(await staffScope(user, db('care_campaigns').where('id', id)).first('id'))) {
      throw new ForbiddenError('outside your scope', { reasons: [{ code: isStaff(user) ? 'OUT_OF_SCOPE' : 'WRONG_ROLE' }] });
    }
    return toCampaign(r, ops);
  }

  /** The campaigns a user sees, newest first, paged and counted. Operators: those assigned to them. */
  async function listFor(user: User, query: unknown = {}) {
    const { page, pageSize } = parseOr422(ListQuery, query, 'invalid filter');
    let base: () => ReturnType<Queryable>;
    if (user.role === 'operator') {
      base = () => db('care_campaigns').join('care_campaign_operators', 'care_campaign_operators.campaign_id', 'care_campaigns.id').where('care_campaign_operators.user_id', user.id);
    } else if (isStaff(user)) {
      base = () => staffScope(user, db('care_campaigns'));
    } else {
      throw new ForbiddenError('no campaigns for this role', { reasons: [{ code: 'WRONG_ROLE' }] });
    }
    const counted = (await base().count({ n: '*' }).first()) as { n: number | string } | undefined;
    const rows = await base().orderBy([{ column: 'care_campaigns.start_on', order: 'desc' }, { column: 'care_campaigns.id' }]).limit(pageSize).offset((page - 1) * pageSize).select('care_campaigns.*') as Array<Record<string, unknown>>;
    const ops = await operatorsOf(db, rows.map((r) => r.id as string));
    return { campaigns: rows.map((r) => toCampaign(r, ops.get(r.id as string) ?? [])), total: num(counted?.n), page, pageSize };
  }

  /** The operators a campaign may be given (users with role operator, of the district or none). */
  async function operatorChoices(user: User): Promise<Array<{ id: string; name: string; email: string }>> {
    if (!isStaff(user)) throw new ForbiddenError('wrong role', { reasons: [{ code: 'WRONG_ROLE' }] });
    const rows = await db('users').where({ role: 'operator', disabled: false }).where((w) => w.whereNull('district_id').orWhere('district_id', user.districtId ?? '-')).orderBy('name').select('id', 'name', 'email');
    return rows.map((r) => ({ id: r.id, name: r.name, email: r.email }));
  }

  /**
   * The operator's standing in a campaign on the engine's today: assigned (else 403 OUT_OF_SCOPE)
   * and running (else 403 CAMPAIGN_NOT_RUNNING). Anyone else: 403 WRONG_ROLE.
   */
  async function operatorSlot(user: User, id: string, q: Queryable = db): Promise<{ campaign: Record<string, unknown>; slot: number; day: string }> {
    if (user.role !== 'operator') throw new ForbiddenError('calls are made by operators', { reasons: [{ code: 'WRONG_ROLE' }] });
    const campaign = await row(id, q);
    const a = await q('care_campaign_operators').where({ campaign_id: id, user_id: user.id }).first('slot');
    if (!a) throw new ForbiddenError('not your campaign', { reasons: [{ code: 'OUT_OF_SCOPE' }] });
    const d = today();
    if (!((campaign.start_on as string) <= d && d <= (campaign.end_on as string))) throw new ForbiddenError('the campaign is not running', { reasons: [{ code: 'CAMPAIGN_NOT_RUNNING' }] });
    return { campaign, slot: num(a.slot), day: d };
  }

  /** Members due on day d: not yet called perDay times that day and, for those called once, not reached yet. */
  const dueToday = (q: ReturnType<Queryable>, d: string, perDay: number) =>
    q.where((w) => w.whereNull('last_call_on').orWhere('last_call_on', '<>', d).orWhere('calls_on_day', '<', perDay))
      .where((w) => w.where('cadence', 'daily').orWhereNull('last_outcome').orWhere('last_outcome', '<>', 'reached'));

  /** An operator's progress today: calls made and reached, residents still due in its share. */
  async function progressOf(campaignId: string, d: string, operatorId: string | null, slot: number | null, perDay: number): Promise<Progress> {
    const calls = db('care_calls').where({ campaign_id: campaignId, day: d });
    if (operatorId) calls.where('operator_id', operatorId);
    const made = (await calls.clone().count({ n: '*' }).first()) as { n: number | string } | undefined;
    const reached = (await calls.clone().where('reached', true).count({ n: '*' }).first()) as { n: number | string } | undefined;
    const members = db('care_campaign_members').where({ campaign_id: campaignId });
    if (slot !== null) members.where('slot', slot);
    const due = (await dueToday(members, d, perDay).count({ n: '*' }).first()) as { n: number | string } | undefined;
    return { calls: num(made?.n), reached: num(reached?.n), due: num(due?.n) };
  }

  /**
   * Today's call list of an operator: its share of the campaign's residents still due today, those
   * not reached on their last call first, then in the campaign's order; paged and counted. The rows
   * shown are read unmasked and logged (purpose `care-call`).
   */
  async function callList(user: User, id: string, query: unknown = {}) {
    const { page, pageSize, day: asked } = parseOr422(CallsQuery, query, 'invalid filter');
    const { campaign, slot, day: d } = await operatorSlot(user, id);
    if (asked !== undefined && asked !== d) throw new InvalidError('an operator calls today', { fields: { day: 'validation.callToday' } });
    const perDay = num(campaign.calls_per_day);
    const base = () => dueToday(db('care_campaign_members').where({ campaign_id: id, slot }), d, perDay);
    const counted = (await base().count({ n: '*' }).first()) as { n: number | string } | undefined;
    const rows = await base().orderByRaw("case when last_outcome = 'missed' then 0 else 1 end").orderBy('position').limit(pageSize).offset((page - 1) * pageSize) as Array<Record<string, unknown>>;
    const people = await deps.beneficiaries.careCallRead(user, rows.map((r) => r.beneficiary_id as string));
    const out: CallListRow[] = rows.flatMap((r) => {
      const b = people.get(r.beneficiary_id as string);
      return b ? [{ beneficiary: b, lastOutcome: (r.last_outcome as CallListRow['lastOutcome']) ?? null, lastCallOn: (r.last_call_on as string | null) ?? null, cadence: r.cadence as Cadence, misses: num(r.misses), callsToday: r.last_call_on === d ? num(r.calls_on_day) : 0 }] : [];
    });
    const ops = (await operatorsOf(db, [id])).get(id) ?? [];
    return { campaign: toCampaign(campaign, ops), day: d, rows: out, total: num(counted?.n), page, pageSize, progress: await progressOf(id, d, user.id, slot, perDay) };
  }

  /** One resident of an operator's running campaign, unmasked and logged; 404 when not a member. */
  async function resident(user: User, id: string, beneficiaryId: string) {
    const { campaign, day: d } = await operatorSlot(user, id);
    const m = await db('care_campaign_members').where({ campaign_id: id, beneficiary_id: beneficiaryId }).first();
    if (!m) throw new NotFoundError('not a resident of this campaign');
    const b = (await deps.beneficiaries.careCallRead(user, [beneficiaryId])).get(beneficiaryId);
    if (!b) throw new NotFoundError('beneficiary not found');
    const ops = (await operatorsOf(db, [id])).get(id) ?? [];
    return {
      campaign: toCampaign(campaign, ops), day: d, beneficiary: b, lastOutcome: (m.last_outcome as CallListRow['lastOutcome']) ?? null, misses: num(m.misses), cadence: m.cadence as Cadence,
      due: (m.last_call_on !== d || num(m.calls_on_day) < num(campaign.calls_per_day)) && (m.cadence === 'daily' || m.last_outcome !== 'reached'),
    };
  }

  /** Staff: a day's progress of a campaign in their scope (counts, and the calls with no personal data). */
  async function dayOf(user: User, id: string, query: unknown = {}) {
    const { page, pageSize, day: asked } = parseOr422(CallsQuery, query, 'invalid filter');
    const campaign = await get(user, id);
    const d = asked ?? today();
    const calls = await db('care_calls').where({ campaign_id: id, day: d }).orderBy('id').limit(pageSize).offset((page - 1) * pageSize);
    const progress = await progressOf(id, d, null, null, campaign.callsPerDay);
    const byOperator = [];
    for (const o of campaign.operators) byOperator.push({ operatorId: o.id, name: o.name, ...(await progressOf(id, d, o.id, o.slot, campaign.callsPerDay)) });
    return {
      campaign, day: d, progress, byOperator, page, pageSize,
      calls: calls.map((c) => ({ id: num(c.id), beneficiaryId: c.beneficiary_id as string, operatorId: c.operator_id as string, reached: Boolean(c.reached), needIds: JSON.parse(c.need_ids as string) as string[], calledAt: c.called_at as string })),
    };
  }

  /** The escalations of a campaign a staff user sees: their own community's, or all in a wider scope (masked names). */
  async function escalations(user: User, id: string) {
    const campaign = await get(user, id);
    const q = db('care_escalations').where({ campaign_id: id }).orderBy('id', 'desc').limit(200);
    if (user.role === 'community') q.where('community_id', user.communityId ?? '-');
    const rows = await q;
    const masked = await deps.beneficiaries.masked(rows.map((r) => r.beneficiary_id as string));
    return {
      campaign,
      escalations: rows.map((r) => ({ id: num(r.id), beneficiaryId: r.beneficiary_id as string, name: masked.get(r.beneficiary_id as string)?.name ?? '', communityId: r.community_id as string, misses: num(r.misses), notices: num(r.notices), escalatedAt: r.escalated_at as string })),
    };
  }

  /**
   * An operator logs a call. In one transaction: the member's counters (refused with 409 when the
   * resident is not due today: a form sent twice does not count twice), the call row, a need per
   * problem raised (source `call`, started through the engine in this same transaction, see
   * needs/need-service.ts startNeedIn) and, at the N-th miss in a row, the escalation and its notices.
   */
  async function logCall(user: User, id: string, input: unknown, lang: Lang = 'zh-CN') {
    const c = parseOr422(CallSchema, input, 'invalid call');
    const { campaign, day: d } = await operatorSlot(user, id);
    const member = await db('care_campaign_members').where({ campaign_id: id, beneficiary_id: c.beneficiaryId }).first('community_id');
    if (!member) throw new NotFoundError('not a resident of this campaign');
    // what the needs are started with, read before the transaction (a read on db while a SQLite
    // transaction holds the one connection would wait for it)
    const place: NeedPlace | null = c.problems.length ? await needPlaceOf(deps, member.community_id as string) : null;
    const perDay = num(campaign.calls_per_day);
    const at = clock.now().toISOString();
    return db.transaction(async (trx: Trx) => {
      const counters = c.reached
        ? { misses: 0, escalated_at: null, last_outcome: 'reached' }
        : { misses: trx.raw('misses + 1'), last_outcome: 'missed' };
      const n = await dueToday(trx('care_campaign_members').where({ campaign_id: id, beneficiary_id: c.beneficiaryId }), d, perDay)
        .update({ ...counters, calls_on_day: trx.raw('case when last_call_on = ? then calls_on_day + 1 else 1 end', [d]), last_call_on: d });
      if (n === 0) throw new ConflictError('already called today', { reasons: [{ code: 'CALL_NOT_DUE' }] });
      const m = (await trx('care_campaign_members').where({ campaign_id: id, beneficiary_id: c.beneficiaryId }).first())!;
      const [inserted] = await trx('care_calls').insert({
        campaign_id: id, beneficiary_id: c.beneficiaryId, operator_id: user.id, day: d, reached: c.reached, note: c.note || null, need_ids: '[]', called_at: at,
      }).returning('id');
      const callId = num(typeof inserted === 'object' ? (inserted as { id: number }).id : inserted);
      const needIds: string[] = [];
      for (const p of c.problems) {
        const description = p.description || c.note || t(lang, 'campaigns.needDefault', { campaign: campaign.name as string });
        needIds.push((await startNeedIn(deps.engine, trx, place!, { actor: toActor(user), at, source: 'call', beneficiaryId: c.beneficiaryId, type: p.type, description })).id);
      }
      if (needIds.length) {
        await trx('care_calls').where({ id: callId }).update({ need_ids: JSON.stringify(needIds) });
        await trx('care_call_needs').insert(needIds.map((needId) => ({ need_id: needId, campaign_id: id, call_id: callId, day: d })));
      }
      let escalated = false;
      if (!c.reached && num(m.misses) >= num(campaign.miss_limit) && !m.escalated_at) {
        escalated = true;
        await trx('care_campaign_members').where({ campaign_id: id, beneficiary_id: c.beneficiaryId }).update({ escalated_at: at });
        const notices = await notifyCommunity(trx, campaign, m.community_id as string, num(m.misses), at);
        await trx('care_escalations').insert({ campaign_id: id, beneficiary_id: c.beneficiaryId, community_id: m.community_id, misses: num(m.misses), call_id: callId, notices, escalated_at: at });
      }
      return { call: { id: callId, campaignId: id, beneficiaryId: c.beneficiaryId, day: d, reached: c.reached, needIds, calledAt: at, misses: num(m.misses), escalated } };
    });
  }

  /**
   * The escalation notice: one e-mail per active community staff user of the resident's community,
   * in their language, through the outbox in the call's transaction. It names the campaign and
   * links to it, never the resident (personal data stays in the system: the page shows them to the
   * community, logged).
   */
  async function notifyCommunity(trx: Trx, campaign: Record<string, unknown>, communityId: string, misses: number, at: string): Promise<number> {
    const staff = await trx('users').where({ role: 'community', community_id: communityId, disabled: false }).select('email', 'name', 'lang');
    const url = absoluteUrl(deps.baseUrl, `/campaigns/${encodeURIComponent(campaign.id as string)}`);
    for (const u of staff) {
      const lang: Lang = u.lang === 'en' ? 'en' : 'zh-CN';
      const params = { name: u.name, campaign: campaign.name, misses, url };
      await enqueueMail(trx, { to: u.email, subject: t(lang, 'campaigns.mail.subject', params), text: t(lang, 'campaigns.mail.text', params), template: 'care_escalation' }, at);
    }
    return staff.length;
  }

  return { create, update, get, listFor, operatorChoices, callList, resident, dayOf, escalations, logCall, today };
}

export type CampaignService = ReturnType<typeof createCampaignService>;
