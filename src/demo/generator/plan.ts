// The plan of a generated year, before anything touches the engine: which projects, in which
// community, of which kind, for how much, and where each one's story ends. Pure and deterministic
// (a seeded Rng): the same inputs give the same plan. The amounts of a group with a target (Xiangzhou
// 2021: 残疾人, 264 confirmed projects, ¥11,057,500 approved) add up to it exactly, in integer fen.
import type { ProjectType } from '../../../workflows/project/index.js';
import type { Template } from './catalogue.js';
import type { Rng } from './rng.js';
import { DAY, HOUR, type OfficeHours } from './time.js';

/** Where a project's story stops: a state of the workflow, with the way it got there where it matters. */
export const OUTCOMES = [
  'draft', 'withdrawn', 'screening', 'rejected_screening', 'deliberation', 'rejected_vote', 'public_notice', 'objection_review',
  'street_review', 'rejected_street', 'budget_approval', 'rejected_budget', 'cancelled_before', 'cancelled_after',
  'confirmation_notice', 'procurement.preparing', 'procurement.quoting', 'procurement.evaluating', 'procurement.contracting',
  'delivery', 'acceptance', 'rectification', 'acceptance_notice', 'settlement', 'evaluation', 'warranty', 'closed',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Outcomes after APPROVE_BUDGET and not cancelled: the statistics' "confirmed". */
export const CONFIRMED: ReadonlySet<Outcome> = new Set<Outcome>([
  'confirmation_notice', 'procurement.preparing', 'procurement.quoting', 'procurement.evaluating', 'procurement.contracting',
  'delivery', 'acceptance', 'rectification', 'acceptance_notice', 'settlement', 'evaluation', 'warranty', 'closed',
]);
/** Outcomes that pass APPROVE_BUDGET on the way (cancelled_after is approved, then cancelled). */
export const APPROVED: ReadonlySet<Outcome> = new Set<Outcome>([...CONFIRMED, 'cancelled_after']);

const CONFIRMED_WEIGHTS: Array<[Outcome, number]> = [
  ['closed', 7], ['warranty', 50], ['evaluation', 3], ['settlement', 3], ['acceptance_notice', 2], ['acceptance', 2], ['rectification', 1],
  ['delivery', 13], ['procurement.contracting', 2], ['procurement.evaluating', 1], ['procurement.quoting', 2], ['procurement.preparing', 4],
  ['confirmation_notice', 2],
];
const UNCONFIRMED_WEIGHTS: Array<[Outcome, number]> = [
  ['draft', 14], ['withdrawn', 8], ['screening', 6], ['rejected_screening', 7], ['deliberation', 5], ['rejected_vote', 5], ['public_notice', 5],
  ['objection_review', 2], ['street_review', 8], ['rejected_street', 6], ['budget_approval', 7], ['rejected_budget', 5], ['cancelled_before', 6],
  ['cancelled_after', 7],
];

/** The projects of a group with a target: exactly `confirmed` confirmed, approving exactly `approvedFen`. */
export interface GroupTarget {
  confirmed: number;
  approvedFen: number;
}

export interface PlanCommunity {
  id: string;
  streetId: string;
  nameZh: string;
}

export interface PlanRules {
  capsFen: Record<ProjectType, number>;
  directBelowFen: number;
}

export interface Item {
  name: string;
  quantity: number;
  unitFen: number;
}

export interface Variants {
  /** the first council meeting lacks its quorum */
  voidMeeting: boolean;
  /** screening returns it once for more detail */
  returnedAtScreening: boolean;
  /** an objection in the proposal notice (dismissed; upheld sends a 'draft' outcome back to draft) */
  proposalObjection: 'dismissed' | 'upheld' | null;
  /** an objection in the confirmation notice (upheld: the budget approved again after review) */
  confirmationObjection: 'dismissed' | 'upheld' | null;
  /** a tender with too few quotes, declared failed (流标) and invited again */
  failedTender: boolean;
  /** one delivered unit refused and delivered again */
  dispute: boolean;
  /** the first acceptance fails and the vendor puts it right */
  acceptanceFailed: boolean;
  /** an objection in the acceptance notice */
  acceptanceObjection: 'dismissed' | 'upheld' | null;
  /** someone comments along the way */
  comment: boolean;
}

export interface ProjectPlan {
  n: number;
  /** the budget year it is proposed for */
  year: number;
  community: PlanCommunity;
  template: Template;
  title: string;
  description: string;
  beneficiaryCount: number;
  otherGroups: string[];
  qty: number;
  /** the share of the second line (delivery, supervision …) */
  extraShare: number;
  estimatedFen: number;
  items: Item[];
  /** what the district approves, for outcomes that pass budget approval */
  approvedFen: number | null;
  /** the lowest (or the only) offer: the contract's amount */
  contractFen: number | null;
  outcome: Outcome;
  /** when the community creates it */
  createAt: number;
  /** everyone acts promptly (the projects that close within the year's window) */
  fast: boolean;
  variants: Variants;
}

export interface PlanInput {
  year: number;
  projects: number;
  groupTargets: Record<string, GroupTarget>;
  rng: Rng;
  communities: PlanCommunity[];
  templates: Template[];
  rules: PlanRules;
  office: OfficeHours;
  /** the first working morning of the year */
  startMs: number;
  /** the clock's end */
  untilMs: number;
  /** streets whose projects move slowly (the monitoring's warning sign) */
  slowStreets?: string[];
  /**
   * A past year of a longer run (`seed --scale`): its projects had years to finish, so an outcome
   * that would stop half-way becomes `closed`, proposed any time in the year — except a few
   * (STUCK_SHARE), which stay where they stopped: the stuck projects a district must chase.
   */
  settled?: boolean;
}

/** Of a settled year's projects that would stop half-way, the share left stuck there. */
export const STUCK_SHARE = 0.01;
const SETTLED_KEEP: ReadonlySet<Outcome> = new Set<Outcome>(['draft', 'withdrawn', 'rejected_screening', 'rejected_vote', 'rejected_street', 'rejected_budget', 'cancelled_before', 'cancelled_after', 'closed']);

/** Group weights for the projects without a target (an admin-added group gets 5). */
const GROUP_WEIGHTS: Record<string, number> = { 老年人: 30, 全体居民: 28, 儿童: 10, 学生: 7, 低保特困: 10, 困境儿童: 7, 残疾人: 15 };
/** Projects of a target group that are not confirmed (drafts, rejected …), per confirmed one. */
const UNCONFIRMED_PER_CONFIRMED = 0.18;
/** Of the other groups' projects, this share is confirmed. */
const CONFIRMED_SHARE = 0.8;
const YUAN = 100;

/** The minimum number of projects `planYear` needs for these targets. */
export function minimumProjects(targets: Record<string, GroupTarget>): number {
  return Object.values(targets).reduce((s, t) => s + t.confirmed + Math.round(t.confirmed * UNCONFIRMED_PER_CONFIRMED), 0);
}

/** Counts that add up to `total`, proportional to the weights (largest remainders; ties by order). */
export function apportion(total: number, weights: number[]): number[] {
  const sum = weights.reduce((s, w) => s + w, 0);
  if (total === 0 || sum <= 0) return weights.map(() => 0);
  const exact = weights.map((w) => (total * w) / sum);
  const out = exact.map(Math.floor);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0, left = total - out.reduce((s, x) => s + x, 0); left > 0; k++, left--) out[order[k % order.length]![1]]!++;
  return out;
}

/**
 * Integer amounts near `raw` that add up to exactly `total` fen, each within its bounds: scaled,
 * rounded to `step` (¥100), the difference moved `step` by `step` onto amounts with room (chosen by
 * the rng), and what is left below a step onto one amount. Throws when the bounds cannot hold the total.
 */
export function distributeExact(raw: number[], total: number, bounds: Array<{ min: number; max: number }>, rng: Rng, step = 100 * YUAN): number[] {
  if (!Number.isSafeInteger(total) || total < 0) throw new RangeError('total must be a non-negative integer of fen');
  const n = raw.length;
  if (n === 0) {
    if (total !== 0) throw new RangeError('no amounts to hold the total');
    return [];
  }
  const minSum = bounds.reduce((s, b) => s + b.min, 0);
  const maxSum = bounds.reduce((s, b) => s + b.max, 0);
  if (total < minSum || total > maxSum) throw new RangeError(`the bounds hold ${minSum}–${maxSum} fen, not ${total}`);
  const rawSum = raw.reduce((s, x) => s + x, 0);
  const clamp = (x: number, i: number) => Math.min(bounds[i]!.max, Math.max(bounds[i]!.min, x));
  const out = raw.map((x, i) => clamp(Math.round((x * total) / rawSum / step) * step, i));
  let diff = total - out.reduce((s, x) => s + x, 0);
  // whole steps onto (or off) amounts with room, in a random order, round after round
  for (let guard = 0; Math.abs(diff) >= step && guard < 1000; guard++) {
    let moved = false;
    for (const i of rng.shuffle([...Array(n).keys()])) {
      if (Math.abs(diff) < step) break;
      const d = diff > 0 ? step : -step;
      const next = out[i]! + d;
      if (next < bounds[i]!.min || next > bounds[i]!.max) continue;
      out[i] = next;
      diff -= d;
      moved = true;
    }
    if (!moved) break;
  }
  // what is left (less than a step, or what whole steps could not place) onto amounts with room
  for (const i of rng.shuffle([...Array(n).keys()])) {
    if (diff === 0) break;
    const room = diff > 0 ? bounds[i]!.max - out[i]! : bounds[i]!.min - out[i]!;
    const d = diff > 0 ? Math.min(diff, room) : Math.max(diff, room);
    out[i]! += d;
    diff -= d;
  }
  if (diff !== 0) throw new RangeError(`could not place ${diff} fen within the bounds`);
  return out;
}

/**
 * The lines of an amount: the counted unit at a whole-yuan price, and the second line (delivery,
 * supervision …) taking the rest, so the lines add up to the amount exactly.
 */
export function itemsFor(t: Template, qty: number, amountFen: number, extraShare: number): Item[] {
  let unit = Math.floor((amountFen * (1 - extraShare)) / qty / YUAN) * YUAN;
  if (unit <= 0) unit = Math.max(1, Math.floor(amountFen / qty));
  const rest = amountFen - unit * qty;
  const main = { name: t.unit.name, quantity: qty, unitFen: unit };
  return rest > 0 ? [main, { name: t.extra.name, quantity: 1, unitFen: rest }] : [main];
}

const fill = (s: string, v: Record<string, string | number>) => s.replace(/\{(\w)\}/g, (_, k: string) => String(v[k] ?? ''));

/** The days (from the first working morning) in which a project with this outcome is proposed. */
function creationWindow(o: Outcome): [number, number] {
  switch (o) {
    case 'closed': return [0, 18];
    case 'warranty': return [0, 200];
    case 'evaluation': case 'settlement': case 'acceptance': case 'rectification': case 'acceptance_notice': return [150, 280];
    case 'delivery': return [180, 300];
    case 'procurement.preparing': case 'procurement.quoting': case 'procurement.evaluating': case 'procurement.contracting': return [220, 320];
    case 'confirmation_notice': case 'public_notice': return [250, 330];
    case 'cancelled_after': return [30, 300];
    case 'draft': case 'screening': case 'deliberation': case 'objection_review': case 'street_review': case 'budget_approval': return [250, 340];
    default: return [0, 330];
  }
}

export function planYear(input: PlanInput): ProjectPlan[] {
  const { rng, templates, rules, office } = input;
  const groups = [...new Set(templates.map((t) => t.group))];
  const targets = input.groupTargets;
  for (const g of Object.keys(targets)) if (!groups.includes(g)) throw new RangeError(`no templates for the target group ${g}`);
  // how many projects each group has
  const counts = new Map<string, { confirmed: number | null; total: number }>();
  for (const [g, t] of Object.entries(targets)) counts.set(g, { confirmed: t.confirmed, total: t.confirmed + Math.round(t.confirmed * UNCONFIRMED_PER_CONFIRMED) });
  const rest = input.projects - [...counts.values()].reduce((s, c) => s + c.total, 0);
  if (rest < 0) throw new RangeError(`${input.projects} projects cannot hold the group targets (at least ${minimumProjects(targets)})`);
  const free = groups.filter((g) => !(g in targets));
  apportion(rest, free.map((g) => GROUP_WEIGHTS[g] ?? 5)).forEach((n, i) => counts.set(free[i]!, { confirmed: null, total: n }));

  // communities: some are busier than others
  const cWeights = input.communities.map(() => 0.6 + rng.next() * 0.8);
  const slow = new Set(input.slowStreets ?? []);

  // Outcomes are dealt from decks in their proportions (every outcome at least once when there are
  // enough projects), so even a small run spreads over the states: one deck per target group, one
  // shared by the other groups.
  const deck = (n: number, weights: Array<[Outcome, number]>, r: Rng): Outcome[] => {
    const counts = apportion(n, weights.map(([, w]) => w));
    for (let i = 0; i < counts.length && n >= counts.length; i++) {
      if (counts[i] !== 0) continue;
      counts[counts.indexOf(Math.max(...counts))]!--;
      counts[i] = 1;
    }
    return r.shuffle(weights.flatMap(([o], i) => Array<Outcome>(counts[i]!).fill(o)));
  };
  const freeTotal = free.reduce((s, g) => s + counts.get(g)!.total, 0);
  const freeConfirmed = Math.round(freeTotal * CONFIRMED_SHARE);
  const freeDeck = rng.shuffle([...deck(freeConfirmed, CONFIRMED_WEIGHTS, rng.fork('deck:confirmed')), ...deck(freeTotal - freeConfirmed, UNCONFIRMED_WEIGHTS, rng.fork('deck:unconfirmed'))]);

  const plans: ProjectPlan[] = [];
  for (const g of groups) {
    const c = counts.get(g)!;
    const own = templates.filter((t) => t.group === g);
    const grng = rng.fork(`group:${g}`);
    const outcomes: Outcome[] = c.confirmed !== null
      ? [...deck(c.confirmed, CONFIRMED_WEIGHTS, grng.fork('deck:confirmed')), ...deck(c.total - c.confirmed, UNCONFIRMED_WEIGHTS, grng.fork('deck:unconfirmed'))]
      : freeDeck.splice(0, c.total);
    const drafts = outcomes.map((outcome) => {
      const template = grng.weighted(own.map((t) => [t, t.weight] as const));
      const community = grng.weighted(input.communities.map((cm, i) => [cm, cWeights[i]!] as const));
      const qty = grng.int(template.unit.qty[0], template.unit.qty[1]);
      const unitYuan = Math.round(grng.int(template.unit.unitYuan[0], template.unit.unitYuan[1]) / 10) * 10;
      const extraShare = template.extra.share[0] + grng.next() * (template.extra.share[1] - template.extra.share[0]);
      const cap = rules.capsFen[template.type];
      const raw = Math.min(cap, Math.round((qty * unitYuan * YUAN) / (1 - extraShare) / (100 * YUAN)) * 100 * YUAN);
      let o = outcome;
      // a settled year: what would stop half-way finished, save the stuck few
      if (input.settled && !SETTLED_KEEP.has(o) && !grng.chance(STUCK_SHARE)) o = 'closed';
      // a slow street: fewer of its confirmed projects got far
      if (!input.settled && slow.has(community.streetId) && (o === 'warranty' || o === 'closed') && grng.chance(0.45)) o = grng.pick(['delivery', 'procurement.preparing', 'procurement.contracting'] as const);
      return { template, community, qty, extraShare, raw, cap, outcome: o };
    });
    // approved amounts: exact for a target group, near the raw amount otherwise
    const approvedIdx = drafts.map((d, i) => (APPROVED.has(d.outcome) ? i : -1)).filter((i) => i >= 0);
    const approved = new Map<number, number>();
    if (c.confirmed !== null) {
      const target = targets[g]!;
      const confirmedIdx = drafts.map((d, i) => (CONFIRMED.has(d.outcome) ? i : -1)).filter((i) => i >= 0);
      const exact = distributeExact(
        confirmedIdx.map((i) => drafts[i]!.raw), target.approvedFen,
        confirmedIdx.map((i) => ({ min: Math.min(drafts[i]!.cap, Math.max(1_000 * YUAN, Math.round(drafts[i]!.raw * 0.5))), max: Math.min(drafts[i]!.cap, Math.round(drafts[i]!.raw * 1.8)) })),
        grng,
      );
      confirmedIdx.forEach((i, k) => approved.set(i, exact[k]!));
    }
    for (const i of approvedIdx) if (!approved.has(i)) approved.set(i, drafts[i]!.raw);

    drafts.forEach((d, i) => {
      const prng = grng.fork(`project:${i}`);
      const approvedFen = approved.get(i) ?? null;
      // the district sometimes trims what was asked for: the estimate is a little higher
      const base = approvedFen ?? d.raw;
      const markup = prng.chance(0.4) ? Math.ceil((base * prng.int(2, 10)) / 100 / (100 * YUAN)) * 100 * YUAN : 0;
      const estimatedFen = Math.min(d.cap, base + markup);
      const qty = Math.max(1, Math.min(d.qty, Math.floor(estimatedFen / YUAN)));
      const direct = approvedFen !== null && approvedFen < rules.directBelowFen;
      // a direct purchase at the approved amount (or a little under); quotes come in under it
      const contractFen = approvedFen === null ? null
        : direct ? approvedFen - (prng.chance(0.3) ? Math.floor((approvedFen * prng.int(1, 3)) / 100 / YUAN) * YUAN : 0)
          : Math.floor((approvedFen * prng.int(86, 99)) / 100 / YUAN) * YUAN;
      let outcome = d.outcome;
      // tenders only where the amount calls for written quotes
      if (direct && (outcome === 'procurement.quoting' || outcome === 'procurement.evaluating')) outcome = 'procurement.contracting';
      const [lo, hi] = input.settled && outcome === 'closed' ? [0, 330] : creationWindow(outcome);
      const day = prng.int(lo, hi);
      const createAt = office.next(input.startMs + day * DAY + prng.int(0, 7) * HOUR, prng);
      const beneficiaryCount = Math.max(1, Math.ceil(qty * d.template.perUnit));
      const vars = { n: qty, b: beneficiaryCount, c: d.community.nameZh };
      const voidMeeting = prng.chance(0.07);
      const variants: Variants = {
        voidMeeting,
        returnedAtScreening: prng.chance(0.04),
        proposalObjection: outcome === 'objection_review' ? 'dismissed' : outcome === 'draft' && prng.chance(0.25) ? 'upheld' : prng.chance(0.04) ? 'dismissed' : null,
        // an upheld confirmation objection re-approves the budget: kept out of target groups, whose
        // approvals are counted exactly
        confirmationObjection: prng.chance(0.03) ? (c.confirmed === null && prng.chance(0.5) ? 'upheld' : 'dismissed') : null,
        failedTender: !direct && prng.chance(0.15),
        dispute: d.template.type === 'goods' && prng.chance(0.12),
        acceptanceFailed: outcome === 'rectification' || prng.chance(0.03),
        acceptanceObjection: prng.chance(0.04) ? (prng.chance(0.4) ? 'upheld' : 'dismissed') : null,
        comment: prng.chance(0.15),
      };
      plans.push({
        n: 0, year: input.year, community: d.community, template: d.template,
        title: fill(prng.pick(d.template.titles), vars), description: fill(d.template.description, vars),
        beneficiaryCount, otherGroups: d.template.otherGroups ? prng.pick(d.template.otherGroups) : [],
        qty, extraShare: d.extraShare, estimatedFen, items: itemsFor(d.template, qty, estimatedFen, d.extraShare),
        approvedFen, contractFen, outcome, createAt, fast: outcome === 'closed' && !input.settled, variants,
      });
    });
  }
  // in the order they are proposed (ties by group order): the refs follow it
  plans.sort((a, b) => a.createAt - b.createAt);
  plans.forEach((p, i) => { p.n = i; });
  if (plans.some((p) => p.createAt >= input.untilMs)) throw new RangeError('a project would be created after the end of the run');
  return plans;
}
