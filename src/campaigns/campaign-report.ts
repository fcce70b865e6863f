// Care-call campaign reports (关爱电话报告, issue 15 item 4): per campaign and Asia/Shanghai day, the
// calls made and the reach rate, the residents called, the needs the calls raised and how they stand
// now (resolved directly, resolved after a referral, still referred, adopted into a project,
// declined, still received), the same by need type, the median time from a need's receipt to its
// outcome, and the projects the needs were adopted into.
//
// Counts are made in SQL (care_calls by day; care_call_needs joined to the needs' read model by day,
// type and outcome); the median is computed here from the durations (SQLite has no percentile
// function; a campaign raises at most thousands of needs). Staff in the campaign's scope only: the
// campaign service's `get` decides, and operators, though they see their campaign, get 403 here.
// No personal data: counts, need types and project references only.
import { z } from 'zod';
import { eachDay, isIsoDate } from '../lib/calendar.js';
import { ForbiddenError, parseOr422 } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { Db } from '../lib/db.js';
import type { User } from '../auth/users.js';
import { NEED_OUTCOMES, NEED_STATES, NEED_TYPES, OUTCOME_OF_STATE, OUTCOME_STATES, needOutcome, type NeedOutcome, type NeedState } from '../../workflows/need/index.js';
import { CAMPAIGN_STAFF, type Campaign, type CampaignService } from './campaign-service.js';

export interface Outcomes {
  /** resolved, never referred */
  resolvedDirectly: number;
  /** resolved after a referral (to the street or a community) */
  resolvedAfterReferral: number;
  /** referred, not resolved yet */
  referredOpen: number;
  /** adopted into a project */
  adopted: number;
  declined: number;
  /** received, nothing done yet */
  received: number;
}

/** The outcome columns, as the need workflow names them (workflows/need). */
export const OUTCOME_KEYS = NEED_OUTCOMES satisfies ReadonlyArray<keyof Outcomes>;
export type OutcomeKey = NeedOutcome;

export interface ReportDay {
  day: string;
  calls: number;
  reached: number;
  /** reached / calls; null when no call was made */
  reachRate: number | null;
  /** distinct residents called that day */
  residentsCalled: number;
  /** needs raised by that day's calls */
  needs: number;
  /** those needs, by how they stand now */
  outcomes: Outcomes;
}

/** Where referred needs went: the need's street, or a community. */
export interface ReferralSplit {
  street: number;
  community: number;
}

export interface CampaignReport {
  campaign: Campaign;
  /** members on the list */
  residents: number;
  /** the days shown: every day from max(start, from) to min(end, today, to) */
  from: string | null;
  to: string | null;
  days: ReportDay[];
  /** over the days shown; residentsCalled counts each resident once */
  totals: Omit<ReportDay, 'day'>;
  /** every need type, in the workflow's order */
  needsByType: Array<{ type: string; needs: number; outcomes: Outcomes }>;
  /** median of resolved_at − received_at over the needs that reached an outcome; null when none did */
  medianResolutionMs: number | null;
  /** the needs resolved after a referral and those still referred, by where they were referred */
  referrals: { resolved: ReferralSplit; open: ReferralSplit };
  adoptedProjects: Array<{ projectId: string; ref: string; title: string; needs: number }>;
}

export interface CampaignReportDeps {
  db: Db;
  clock: Clock;
  campaigns: Pick<CampaignService, 'get' | 'today'>;
}

const isDay = isIsoDate;
const optionalDay = z.preprocess((v) => (v === '' || v === null ? undefined : v), z.string({ error: 'validation.date' }).trim().refine(isDay, 'validation.date').optional());

export const ReportQuerySchema = z.object({ from: optionalDay, to: optionalDay })
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, { path: ['to'], error: 'campaigns.report.validation.toBeforeFrom' });

const num = (v: unknown) => Number(v ?? 0);
export const emptyOutcomes = (): Outcomes => ({ resolvedDirectly: 0, resolvedAfterReferral: 0, referredOpen: 0, adopted: 0, declined: 0, received: 0 });
const rate = (reached: number, calls: number) => (calls > 0 ? reached / calls : null);

/** The outcome of a need from its read model: its state, and whether it was ever referred (referred_to is kept after resolution). */
export const outcomeOf = (state: string, referredTo: string | null): OutcomeKey =>
  ((NEED_STATES as readonly string[]).includes(state) ? needOutcome(state as NeedState, referredTo !== null) : 'received');

/**
 * The same in SQL over `needs`, built from the workflow's table: a portable CASE with the states and
 * outcomes inlined as literals (PostgreSQL matches a GROUP BY expression to the select's only when
 * both are the same text, which bound parameters are not); they are the workflow's identifiers.
 */
const OUTCOME_SQL = (() => {
  const lit = (v: string) => {
    if (!/^[a-zA-Z_]+$/.test(v)) throw new Error(`not an identifier: ${v}`);
    return `'${v}'`;
  };
  const parts: string[] = [];
  for (const state of NEED_STATES) {
    const [direct, referred] = OUTCOME_OF_STATE[state];
    if (direct !== referred) parts.push(`when needs.state = ${lit(state)} and needs.referred_to is null then ${lit(direct)}`);
    parts.push(`when needs.state = ${lit(state)} then ${lit(referred)}`);
  }
  return `case ${parts.join(' ')} else 'received' end`;
})();
const REFERRED_LEVEL_SQL = "case when needs.referred_to like 'street:%' then 'street' else 'community' end";

/** The median of some numbers (the mean of the two middle ones when even); null when none. */
export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}


const isStaff = (u: User) => (CAMPAIGN_STAFF as readonly string[]).includes(u.role);

export function createCampaignReport(deps: CampaignReportDeps) {
  const { db } = deps;

  async function report(user: User, campaignId: string, query: unknown = {}): Promise<CampaignReport> {
    // the campaign's scope first (403 before the query is read), operators out: a report is the staff's
    if (!isStaff(user)) throw new ForbiddenError('campaign reports are for community, street or district staff', { reasons: [{ code: 'WRONG_ROLE' }] });
    const campaign = await deps.campaigns.get(user, campaignId);
    const q = parseOr422(ReportQuerySchema, query ?? {}, 'invalid report filter');
    const today = deps.campaigns.today();
    const first = [campaign.startOn, q.from].filter((d): d is string => !!d).sort().at(-1)!;
    const last = [campaign.endOn, today, q.to].filter((d): d is string => !!d).sort()[0]!;
    const days = eachDay(first, last);
    const residents = num(((await db('care_campaign_members').where({ campaign_id: campaignId }).count({ n: '*' })) as Array<{ n: unknown }>)[0]?.n);
    const base: CampaignReport = {
      campaign, residents, from: days[0] ?? null, to: days.at(-1) ?? null, days: [],
      totals: { calls: 0, reached: 0, reachRate: null, residentsCalled: 0, needs: 0, outcomes: emptyOutcomes() },
      needsByType: NEED_TYPES.map((type) => ({ type, needs: 0, outcomes: emptyOutcomes() })),
      medianResolutionMs: null, referrals: { resolved: { street: 0, community: 0 }, open: { street: 0, community: 0 } }, adoptedProjects: [],
    };
    if (days.length === 0) return base;
    const [lo, hi] = [days[0]!, days.at(-1)!];

    const calls = () => db('care_calls').where('campaign_id', campaignId).whereBetween('day', [lo, hi]);
    const callRows = (await calls().groupBy('day')
      .select('day', db.raw('count(*) as calls'), db.raw('sum(case when reached then 1 else 0 end) as reached'), db.raw('count(distinct beneficiary_id) as residents'))) as Array<Record<string, unknown>>;
    const calledTotal = (await calls().select(db.raw('count(distinct beneficiary_id) as n')).first()) as { n: unknown } | undefined;

    const needs = () => db('care_call_needs').join('needs', 'needs.id', 'care_call_needs.need_id').where('care_call_needs.campaign_id', campaignId).whereBetween('care_call_needs.day', [lo, hi]);
    const needRows = (await needs().groupByRaw(`care_call_needs.day, needs.type, ${OUTCOME_SQL}`)
      .select('care_call_needs.day as day', 'needs.type as type', db.raw(`${OUTCOME_SQL} as outcome`), db.raw('count(*) as n'))) as Array<Record<string, unknown>>;
    const referralRows = (await needs().whereIn('needs.state', NEED_STATES.filter((s) => ['resolvedAfterReferral', 'referredOpen'].includes(OUTCOME_OF_STATE[s][1]))).whereNotNull('needs.referred_to').groupByRaw(`needs.state, ${REFERRED_LEVEL_SQL}`)
      .select('needs.state as state', db.raw(`${REFERRED_LEVEL_SQL} as level`), db.raw('count(*) as n'))) as Array<Record<string, unknown>>;
    const durations = (await needs().whereIn('needs.state', [...OUTCOME_STATES]).whereNotNull('needs.resolved_at')
      .select('needs.received_at as received_at', 'needs.resolved_at as resolved_at')) as Array<{ received_at: string; resolved_at: string }>;
    const projects = (await needs().join('need_projects', 'need_projects.need_id', 'needs.id').join('projects', 'projects.id', 'need_projects.project_id')
      .groupBy('projects.id', 'projects.ref', 'projects.title').orderBy('projects.ref')
      .select('projects.id as id', 'projects.ref as ref', 'projects.title as title', db.raw('count(distinct needs.id) as n'))) as Array<Record<string, unknown>>;

    const byDay = new Map(days.map((day) => [day, { day, calls: 0, reached: 0, reachRate: null as number | null, residentsCalled: 0, needs: 0, outcomes: emptyOutcomes() }]));
    for (const r of callRows) {
      const d = byDay.get(String(r.day));
      if (!d) continue;
      d.calls = num(r.calls);
      d.reached = num(r.reached);
      d.residentsCalled = num(r.residents);
      d.reachRate = rate(d.reached, d.calls);
    }
    const byType = new Map(base.needsByType.map((x) => [x.type, x]));
    const totals = base.totals;
    for (const r of needRows) {
      const n = num(r.n);
      const outcome = String(r.outcome) as OutcomeKey;
      const d = byDay.get(String(r.day));
      if (d) {
        d.needs += n;
        d.outcomes[outcome] += n;
      }
      let ty = byType.get(String(r.type));
      if (!ty) { // a type the workflow no longer lists: shown all the same
        ty = { type: String(r.type), needs: 0, outcomes: emptyOutcomes() };
        byType.set(ty.type, ty);
        base.needsByType.push(ty);
      }
      ty.needs += n;
      ty.outcomes[outcome] += n;
      totals.needs += n;
      totals.outcomes[outcome] += n;
    }
    for (const d of byDay.values()) {
      totals.calls += d.calls;
      totals.reached += d.reached;
    }
    totals.reachRate = rate(totals.reached, totals.calls);
    totals.residentsCalled = num(calledTotal?.n);
    for (const r of referralRows) {
      const split = outcomeOf(String(r.state), 'referred') === 'resolvedAfterReferral' ? base.referrals.resolved : base.referrals.open;
      split[r.level === 'street' ? 'street' : 'community'] += num(r.n);
    }
    return {
      ...base,
      days: [...byDay.values()],
      medianResolutionMs: median(durations.map((x) => Date.parse(x.resolved_at) - Date.parse(x.received_at))),
      adoptedProjects: projects.map((p) => ({ projectId: String(p.id), ref: String(p.ref), title: String(p.title), needs: num(p.n) })),
    };
  }

  return { report };
}

export type CampaignReports = ReturnType<typeof createCampaignReport>;
