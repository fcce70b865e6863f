// Emergency supplies of a care-call campaign (应急物资配送, issue 15 item 5). A campaign may
// schedule daily deliveries to households: a supply plan names what is delivered (肉菜水果), the
// amount per household per day in fen (default ¥100) and its Asia/Shanghai days within the
// campaign's; the households it covers are fixed at creation from the campaign's members in the
// creator's scope, all or those matching disability levels or care flags. Each delivery is one row
// per plan × household × day. This is relief money (救助物资), a campaign cost: it never touches
// the micro-project ledger.
//
// Scope: campaign staff only (community, street, district; operators and everyone else 403). A
// user sees and counts the plan's households of its own scope — community staff its community,
// street staff its street's communities, the district all — and logs deliveries for those only.
// Names: community staff of the resident's community read them unmasked, each read logged by the
// register (purpose `supplies`); everyone else reads the register's masks.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ConflictError, ForbiddenError, InvalidError, NotFoundError, parseOr422 } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { Db, Queryable } from '../lib/db.js';
import { eachDay, shanghaiDate, isIsoDate } from '../lib/calendar.js';
import type { User } from '../auth/users.js';
import type { ReferenceService } from '../reference/reference.js';
import type { BeneficiaryService, BeneficiaryView } from '../beneficiaries/beneficiaries.js';
import { line, optionalParagraph } from '../../workflows/shared/text.js';
import { CAMPAIGN_STAFF, CARE_FLAGS, DISABILITY_LEVELS, type Campaign, type CampaignService } from './campaign-service.js';

/** ¥100 of meat, vegetables and fruit per household per day, as the report describes. */
export const DEFAULT_AMOUNT_FEN = 10_000;
/** The most one household gets in a day: ¥10,000 (a typing slip of 100× is refused, not paid). */
export const MAX_AMOUNT_FEN = 1_000_000;
export const SUPPLY_PAGE_SIZE = 50;
export const DELIVERY_STATUSES = ['all', 'pending', 'delivered'] as const;

const isDay = isIsoDate;
const day = () => z.string({ error: 'validation.required' }).trim().refine(isDay, 'validation.date');
const optionalDay = () => z.preprocess((v) => (v === '' ? undefined : v), day().optional());
const list = <T extends z.ZodTypeAny>(item: T) => z.preprocess((v) => (v === undefined || v === null || v === '' ? [] : Array.isArray(v) ? v : [v]), z.array(item).max(20));
/** Checkbox values from a fixed list; a wrong one names the field itself (not `levels.0`), so the form shows it there. */
const choices = <T extends string>(values: readonly T[]) => list(z.string({ error: 'validation.enum' }).max(16, 'validation.enum'))
  .refine((v) => v.every((x) => (values as readonly string[]).includes(x)), 'validation.enum').transform((v) => v as T[]);
const fen = () => z.coerce.number({ error: 'validation.integer' }).int('validation.integer').min(1, 'validation.too_small').max(MAX_AMOUNT_FEN, 'validation.supplyAmountTooBig');
const blank = (v: unknown) => v === undefined || v === null || v === '';

export const NewPlanSchema = z.object({
  // a blank form field arrives absent: read as '' so that the dates' own check still runs and both are said at once
  item: z.preprocess((v) => v ?? '', line(200)),
  amountFen: z.preprocess((v) => (blank(v) ? DEFAULT_AMOUNT_FEN : v), fen()),
  startOn: day(),
  endOn: day(),
  levels: choices(DISABILITY_LEVELS),
  flags: choices(CARE_FLAGS),
}).refine((p) => !isDay(p.startOn) || !isDay(p.endOn) || p.startOn <= p.endOn, { path: ['endOn'], error: 'validation.endBeforeStart' });
export type NewPlan = z.input<typeof NewPlanSchema>;

export const DeliverySchema = z.object({
  beneficiaryId: z.string({ error: 'validation.required' }).trim().min(1, 'validation.required').max(64),
  /** the day delivered for (default today); never a future day */
  day: optionalDay(),
  /** default the plan's amount; less for a partial delivery */
  amountFen: z.preprocess((v) => (blank(v) ? undefined : v), fen().optional()),
  note: optionalParagraph(500).optional(),
});
export type DeliveryInput = z.input<typeof DeliverySchema>;

const Paging = z.object({
  page: z.coerce.number({ error: 'validation.integer' }).int('validation.integer').min(1, 'validation.too_small').max(100_000, 'validation.too_big').default(1),
  pageSize: z.coerce.number({ error: 'validation.integer' }).int('validation.integer').min(1, 'validation.too_small').max(200, 'validation.too_big').default(SUPPLY_PAGE_SIZE),
});
const DayQuery = Paging.extend({ day: optionalDay(), status: z.preprocess((v) => (blank(v) ? 'all' : v), z.enum(DELIVERY_STATUSES, { error: 'validation.enum' })) });
const TotalsQuery = z.object({ day: optionalDay() });

export interface PlanSelection {
  levels: string[];
  flags: Array<(typeof CARE_FLAGS)[number]>;
}

export interface SupplyPlan {
  id: string;
  campaignId: string;
  item: string;
  amountFen: number;
  startOn: string;
  endOn: string;
  /** the plan's days, inclusive */
  days: number;
  selection: PlanSelection;
  householdCount: number;
  createdBy: string;
  createdAt: string;
}

/** A household on a day's list, as this user may see it (the register's masks for all but its own community's staff). */
export interface SupplyHousehold {
  beneficiaryId: string;
  communityId: string;
  name: string;
  phone: string | null;
  address: string;
  householdSize: number | null;
  masked: boolean;
  delivered: { id: number; amountFen: number; deliveredBy: string; deliveredAt: string; note: string | null } | null;
}

export interface DayTotals {
  day: string;
  /** households the plan covers in the user's scope */
  covered: number;
  delivered: number;
  notDelivered: number;
  costFen: number;
  /** deliveries and their cost from the plan's first day through this one */
  cumulativeDeliveries: number;
  cumulativeFen: number;
  /** covered × amount × the plan's days: what the whole plan costs if every delivery is made in full */
  plannedFen: number;
}

/** One day of the plan's series: the day's totals without the plan's planned cost. */
export type SeriesDay = Omit<DayTotals, 'plannedFen'>;

export interface SupplyServiceDeps {
  db: Db;
  clock: Clock;
  reference: ReferenceService;
  beneficiaries: BeneficiaryService;
  campaigns: Pick<CampaignService, 'get'>;
}

const num = (v: unknown) => Number(v ?? 0);
const isStaff = (u: User) => (CAMPAIGN_STAFF as readonly string[]).includes(u.role);

export function createSupplyService(deps: SupplyServiceDeps) {
  const { db, clock } = deps;
  const today = () => shanghaiDate(clock.now().toISOString());

  function toPlan(r: Record<string, unknown>): SupplyPlan {
    return {
      id: r.id as string, campaignId: r.campaign_id as string, item: r.item as string, amountFen: num(r.amount_fen),
      startOn: r.start_on as string, endOn: r.end_on as string, days: eachDay(r.start_on as string, r.end_on as string).length,
      selection: JSON.parse(r.selection as string) as PlanSelection, householdCount: num(r.household_count),
      createdBy: r.created_by as string, createdAt: r.created_at as string,
    };
  }

  /** The campaign, for campaign staff in its scope only (operators, vendors, finance, admin: 403 WRONG_ROLE). */
  async function campaignFor(user: User, campaignId: string): Promise<Campaign> {
    if (!isStaff(user)) throw new ForbiddenError('supplies are for campaign staff', { reasons: [{ code: 'WRONG_ROLE' }] });
    return deps.campaigns.get(user, campaignId);
  }

  /** The communities whose households this user sees and serves: its own, its street's, its district's. */
  async function scopeOf(user: User): Promise<string[]> {
    if (user.role === 'community') return user.communityId ? [user.communityId] : [];
    const all = await deps.reference.communities();
    if (user.role === 'street') return all.filter((c) => c.streetId === user.streetId).map((c) => c.id);
    return all.filter((c) => c.districtId === user.districtId).map((c) => c.id);
  }
  const inScope = (communities: string[]) => (communities.length ? communities : ['-']);

  async function planOf(user: User, campaignId: string, planId: string) {
    const campaign = await campaignFor(user, campaignId);
    const r = await db('care_supply_plans').where({ id: planId, campaign_id: campaignId }).first();
    if (!r) throw new NotFoundError('supply plan not found');
    return { campaign, plan: toPlan(r as Record<string, unknown>), communities: await scopeOf(user) };
  }

  /**
   * A plan over the campaign's members in the creator's scope, all or those matching the levels and
   * flags (within a criterion any value, across criteria all); its days within the campaign's, not
   * ended. Households fixed here, in the campaign's order. No household matches: 422.
   */
  async function createPlan(user: User, campaignId: string, input: unknown): Promise<SupplyPlan> {
    const campaign = await campaignFor(user, campaignId);
    const p = parseOr422(NewPlanSchema, input, 'invalid supply plan');
    const outside: Record<string, string> = {};
    if (p.startOn < campaign.startOn || p.startOn > campaign.endOn) outside.startOn = 'validation.supplyOutsideCampaign';
    if (p.endOn < campaign.startOn || p.endOn > campaign.endOn) outside.endOn = 'validation.supplyOutsideCampaign';
    if (Object.keys(outside).length) throw new InvalidError('outside the campaign', { fields: outside });
    if (p.endOn < today()) throw new InvalidError('the plan has ended', { fields: { endOn: 'validation.endInPast' } });
    const selection: PlanSelection = { levels: [...new Set(p.levels)], flags: [...new Set(p.flags)] };
    const communities = await scopeOf(user);
    const id = randomUUID();
    await db.transaction(async (trx) => {
      const q = trx('care_campaign_members').join('beneficiaries', 'beneficiaries.id', 'care_campaign_members.beneficiary_id')
        .where('care_campaign_members.campaign_id', campaignId).whereIn('care_campaign_members.community_id', inScope(communities));
      if (selection.levels.length) q.whereIn('beneficiaries.disability_level', selection.levels);
      if (selection.flags.length) {
        q.where((w) => {
          if (selection.flags.includes('alone')) w.orWhere('beneficiaries.lives_alone', true);
          if (selection.flags.includes('daily')) w.orWhere('beneficiaries.needs_daily_contact', true);
        });
      }
      const members = await q.orderBy('care_campaign_members.position').select('care_campaign_members.beneficiary_id', 'care_campaign_members.community_id', 'care_campaign_members.position');
      if (members.length === 0) throw new InvalidError('no household matches', { fields: { levels: 'validation.noHouseholds' } });
      await trx('care_supply_plans').insert({
        id, campaign_id: campaignId, item: p.item, amount_fen: p.amountFen, start_on: p.startOn, end_on: p.endOn,
        selection: JSON.stringify(selection), household_count: members.length, created_by: user.id, created_at: clock.now().toISOString(),
      });
      const rows = members.map((m) => ({ plan_id: id, beneficiary_id: m.beneficiary_id, community_id: m.community_id, position: num(m.position) }));
      for (let i = 0; i < rows.length; i += 200) await trx('care_supply_households').insert(rows.slice(i, i + 200));
    });
    return toPlan((await db('care_supply_plans').where({ id }).first()) as Record<string, unknown>);
  }

  /** A campaign's plans, newest first, paged and counted. */
  async function listPlans(user: User, campaignId: string, query: unknown = {}) {
    const { page, pageSize } = parseOr422(Paging, query, 'invalid filter');
    const campaign = await campaignFor(user, campaignId);
    const counted = (await db('care_supply_plans').where({ campaign_id: campaignId }).count({ n: '*' }).first()) as { n: number | string } | undefined;
    const rows = await db('care_supply_plans').where({ campaign_id: campaignId }).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id' }])
      .limit(pageSize).offset((page - 1) * pageSize);
    return { campaign, plans: rows.map((r) => toPlan(r as Record<string, unknown>)), total: num(counted?.n), page, pageSize };
  }

  /** The day a plan's page opens on: today, kept within the plan's days. */
  function defaultDay(plan: SupplyPlan): string {
    const d = today();
    return d < plan.startOn ? plan.startOn : d > plan.endOn ? plan.endOn : d;
  }

  function checkDay(plan: SupplyPlan, d: string) {
    if (d < plan.startOn || d > plan.endOn) throw new InvalidError('not a day of the plan', { fields: { day: 'validation.supplyDayOutside' } });
  }

  async function dayTotalsOf(plan: SupplyPlan, communities: string[], d: string, q: Queryable = db): Promise<DayTotals> {
    const covered = (await q('care_supply_households').where({ plan_id: plan.id }).whereIn('community_id', inScope(communities)).count({ n: '*' }).first()) as { n: number | string } | undefined;
    const deliveries = () => q('care_supply_deliveries').where({ plan_id: plan.id }).whereIn('community_id', inScope(communities));
    const that = (await deliveries().where('day', d).count({ n: '*' }).sum({ fen: 'amount_fen' }).first()) as { n: number | string; fen: number | string | null } | undefined;
    const upTo = (await deliveries().where('day', '<=', d).count({ n: '*' }).sum({ fen: 'amount_fen' }).first()) as { n: number | string; fen: number | string | null } | undefined;
    const households = num(covered?.n);
    return {
      day: d, covered: households, delivered: num(that?.n), notDelivered: households - num(that?.n), costFen: num(that?.fen),
      cumulativeDeliveries: num(upTo?.n), cumulativeFen: num(upTo?.fen), plannedFen: Number(BigInt(households) * BigInt(plan.amountFen) * BigInt(plan.days)),
    };
  }

  /**
   * A day's list of a plan (default today, kept within the plan's days; another day outside them:
   * 422): the households of the user's scope in the campaign's order, each with its delivery of
   * that day if any, filtered by status (all, pending, delivered), paged and counted; with the
   * day's totals. Community staff read their residents unmasked (logged, purpose `supplies`).
   */
  async function dayList(user: User, campaignId: string, planId: string, query: unknown = {}) {
    const { page, pageSize, status, day: asked } = parseOr422(DayQuery, query, 'invalid filter');
    const { campaign, plan, communities } = await planOf(user, campaignId, planId);
    const d = asked ?? defaultDay(plan);
    checkDay(plan, d);
    const base = () => {
      const q = db('care_supply_households as h')
        .leftJoin('care_supply_deliveries as x', (j) => j.on('x.plan_id', 'h.plan_id').andOn('x.beneficiary_id', 'h.beneficiary_id').andOn('x.day', db.raw('?', [d])))
        .where('h.plan_id', planId).whereIn('h.community_id', inScope(communities));
      if (status === 'pending') q.whereNull('x.id');
      if (status === 'delivered') q.whereNotNull('x.id');
      return q;
    };
    const counted = (await base().count({ n: '*' }).first()) as { n: number | string } | undefined;
    const rows = await base().orderBy('h.position').limit(pageSize).offset((page - 1) * pageSize)
      .select('h.beneficiary_id', 'h.community_id', 'x.id as delivery_id', 'x.amount_fen', 'x.delivered_by', 'x.delivered_at', 'x.note') as Array<Record<string, unknown>>;
    const people = await readPeople(user, rows.map((r) => ({ id: r.beneficiary_id as string, communityId: r.community_id as string })));
    const households: SupplyHousehold[] = rows.flatMap((r) => {
      const b = people.get(r.beneficiary_id as string);
      if (!b) return [];
      return [{
        beneficiaryId: b.id, communityId: b.communityId, name: b.name, phone: b.phone, address: b.address, householdSize: b.householdSize, masked: b.masked,
        delivered: r.delivery_id == null ? null : { id: num(r.delivery_id), amountFen: num(r.amount_fen), deliveredBy: r.delivered_by as string, deliveredAt: r.delivered_at as string, note: (r.note as string | null) ?? null },
      }];
    });
    return { campaign, plan, day: d, today: today(), status, households, total: num(counted?.n), page, pageSize, totals: await dayTotalsOf(plan, communities, d) };
  }

  /** The register's views: its own residents unmasked for community staff (each read logged), masks for everyone else. */
  async function readPeople(user: User, rows: Array<{ id: string; communityId: string }>): Promise<Map<string, BeneficiaryView>> {
    const own = rows.filter((r) => user.role === 'community' && r.communityId === user.communityId).map((r) => r.id);
    const out = await deps.beneficiaries.masked(rows.filter((r) => !own.includes(r.id)).map((r) => r.id));
    for (const id of own) out.set(id, await deps.beneficiaries.get(user, id, 'supplies'));
    return out;
  }

  /**
   * Logs a household's delivery for a day (default today; never a future day: 422): refused outside
   * the plan's days (409 SUPPLY_OUTSIDE_PLAN), for a household outside the user's scope (403
   * OUT_OF_SCOPE) or not in the plan (404), and once delivered that day (409
   * SUPPLY_ALREADY_DELIVERED: a form sent twice does not pay twice). The amount defaults to the plan's.
   */
  async function logDelivery(user: User, campaignId: string, planId: string, input: unknown) {
    const x = parseOr422(DeliverySchema, input, 'invalid delivery');
    const { plan, communities } = await planOf(user, campaignId, planId);
    const d = x.day ?? today();
    if (d > today()) throw new InvalidError('a delivery is logged once made', { fields: { day: 'validation.supplyDayFuture' } });
    if (d < plan.startOn || d > plan.endOn) throw new ConflictError('not a day of the plan', { reasons: [{ code: 'SUPPLY_OUTSIDE_PLAN', params: { start: plan.startOn, end: plan.endOn } }] });
    const h = await db('care_supply_households').where({ plan_id: planId, beneficiary_id: x.beneficiaryId }).first('community_id');
    if (!h) throw new NotFoundError('not a household of this plan');
    if (!communities.includes(h.community_id as string)) throw new ForbiddenError('outside your scope', { reasons: [{ code: 'OUT_OF_SCOPE' }] });
    const row = {
      plan_id: planId, beneficiary_id: x.beneficiaryId, community_id: h.community_id, day: d, amount_fen: x.amountFen ?? plan.amountFen,
      delivered_by: user.id, delivered_at: clock.now().toISOString(), note: x.note || null,
    };
    // ON CONFLICT DO NOTHING: the unique (plan, household, day) decides between two concurrent
    // forms on every database, with no driver error codes and no aborted PostgreSQL transaction
    const inserted = await db('care_supply_deliveries').insert(row).onConflict(['plan_id', 'beneficiary_id', 'day']).ignore().returning('id');
    if (inserted.length === 0) throw new ConflictError('already delivered that day', { reasons: [{ code: 'SUPPLY_ALREADY_DELIVERED', params: { day: d } }] });
    const first = inserted[0] as unknown;
    const id = num(typeof first === 'object' && first !== null ? (first as { id: number }).id : first);
    // the household as this user may see it, for the answer's confirmation (one read, logged as any)
    const b = (await readPeople(user, [{ id: x.beneficiaryId, communityId: h.community_id as string }])).get(x.beneficiaryId);
    return {
      delivery: { id, planId, beneficiaryId: x.beneficiaryId, communityId: row.community_id as string, day: d, amountFen: row.amount_fen, deliveredBy: user.id, deliveredAt: row.delivered_at, note: row.note },
      household: { name: b?.name ?? '', masked: b?.masked ?? true },
    };
  }

  /** Every day of the plan with its totals in the user's scope (days to come count nothing yet), and the plan's totals. */
  async function seriesOf(plan: SupplyPlan, communities: string[]) {
    const covered = (await db('care_supply_households').where({ plan_id: plan.id }).whereIn('community_id', inScope(communities)).count({ n: '*' }).first()) as { n: number | string } | undefined;
    const households = num(covered?.n);
    const byDay = await db('care_supply_deliveries').where({ plan_id: plan.id }).whereIn('community_id', inScope(communities))
      .groupBy('day').select('day').count({ n: '*' }).sum({ fen: 'amount_fen' }) as Array<{ day: string; n: number | string; fen: number | string | null }>;
    const found = new Map(byDay.map((r) => [r.day, { n: num(r.n), fen: num(r.fen) }]));
    const days: SeriesDay[] = [];
    let cumulativeDeliveries = 0;
    let cumulativeFen = 0;
    for (const d of eachDay(plan.startOn, plan.endOn)) {
      const f = found.get(d) ?? { n: 0, fen: 0 };
      cumulativeDeliveries += f.n;
      cumulativeFen += f.fen;
      days.push({ day: d, covered: households, delivered: f.n, notDelivered: households - f.n, costFen: f.fen, cumulativeDeliveries, cumulativeFen });
    }
    return { covered: households, days, totals: { deliveries: cumulativeDeliveries, costFen: cumulativeFen, plannedFen: Number(BigInt(households) * BigInt(plan.amountFen) * BigInt(plan.days)) } };
  }

  /** A day's totals (default as the plan's page opens) and the per-day series of the whole plan, in the user's scope. */
  async function totals(user: User, campaignId: string, planId: string, query: unknown = {}) {
    const { day: asked } = parseOr422(TotalsQuery, query, 'invalid filter');
    const { campaign, plan, communities } = await planOf(user, campaignId, planId);
    const d = asked ?? defaultDay(plan);
    checkDay(plan, d);
    return { campaign, plan, day: d, totals: await dayTotalsOf(plan, communities, d), series: await seriesOf(plan, communities) };
  }

  return { campaign: campaignFor, createPlan, listPlans, dayList, logDelivery, totals, today };
}

export type SupplyService = ReturnType<typeof createSupplyService>;
