// The programme's statistics for a budget year or a range of years (issue 11 item 1): projects
// proposed, confirmed, under way and completed, with the money applied for, approved, committed and
// paid, broken down by beneficiary group, category, type, street or community; budget use per
// street and community; and the street execution view (share of projects started against share of
// funds used). Staff see their scope (projects' scopeOf); the public sees only projects that have
// been public. Figures come from the read model and the ledger (summary-repo.ts), never snapshots.
import { z } from 'zod';
import { ForbiddenError, InvalidError, parseOr422 } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { Db } from '../lib/db.js';
import { shanghaiDate } from '../lib/calendar.js';
import type { User } from '../auth/users.js';
import type { ReferenceService } from '../reference/reference.js';
import { scopeOf } from '../projects/project-service.js';
import {
  GROUP_BY, breakdown, budgetByCommunity, byState, executionByStreet, reportYears, totals,
  type BudgetFigures, type Figures, type GroupBy, type ReportFilter,
} from './summary-repo.js';

/** At most this many budget years in one report: a decade keeps every query on its indexes' scale. */
export const MAX_YEARS = 10;
export const MAX_PAGE_SIZE = 200;
const DEFAULT_PAGE_SIZE = 100;
/**
 * The Shenzhen warning sign (PROGRAMME.md: a street had started 48% of its projects but used 28% of
 * its funds): a street whose share of projects started exceeds its share of funds used by at least
 * this many points is flagged. A presentation threshold, not a programme rule.
 */
export const EXECUTION_GAP = 0.2;

const blank = (v: unknown) => (v === '' ? undefined : v);
const yearField = z.preprocess((v) => (typeof v === 'number' ? String(v) : blank(v)), z.string('validation.year').regex(/^(20\d\d|2100)$/, 'validation.year').transform(Number).optional());
const intField = (min: number, max: number) => z.preprocess(blank, z.string('validation.integer').regex(/^\d{1,6}$/, 'validation.integer').transform(Number).pipe(z.number().int().min(min, 'validation.too_small').max(max, 'validation.too_big')).optional());

/** The query of the summary (API and pages alike); other fields (lang …) are ignored. */
export const SummaryQuerySchema = z.object({
  year: yearField,
  to: yearField,
  groupBy: z.preprocess(blank, z.enum(Object.keys(GROUP_BY) as [GroupBy, ...GroupBy[]], 'validation.enum').optional()),
  page: intField(1, 10_000),
  pageSize: intField(1, MAX_PAGE_SIZE),
  /** the street whose communities the pages list (a city has 700): one of the city's */
  street: z.preprocess(blank, z.string('validation.street').max(64, 'validation.street').optional()),
});

export type SummaryRow = Figures & { key: string; completionRate: number | null };
export type BudgetRow = BudgetFigures & { key: string };
export interface ExecutionRow {
  key: string;
  confirmed: number;
  started: number;
  /** started / confirmed, null when nothing is confirmed */
  startedShare: number | null;
  allocatedFen: number;
  spentFen: number;
  /** spent / allocated, null when nothing is allocated */
  fundsUsedShare: number | null;
  /** the Shenzhen warning sign: projects started well ahead of funds used */
  warning: boolean;
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
const withRate = <T extends Figures>(f: T): T & { completionRate: number | null } => ({ ...f, completionRate: ratio(f.completed, f.confirmed) });

function addBudget(into: BudgetFigures, r: BudgetFigures): BudgetFigures {
  for (const k of ['allocatedFen', 'reservedFen', 'committedFen', 'spentFen', 'availableFen', 'carriedOverFen'] as const) into[k] += r[k];
  return into;
}
const zeroBudget = (): BudgetFigures => ({ allocatedFen: 0, reservedFen: 0, committedFen: 0, spentFen: 0, availableFen: 0, carriedOverFen: 0 });

export function createReportService(deps: { db: Db; clock: Clock; reference: ReferenceService }) {
  const { db } = deps;
  const currentYear = () => Number(shanghaiDate(deps.clock.now().toISOString()).slice(0, 4));

  /** The query with its defaults: this year, one year, by beneficiary group, first page. */
  function parse(query: unknown) {
    const q = parseOr422(SummaryQuerySchema, query ?? {}, 'invalid report query');
    const from = q.year ?? currentYear();
    const to = q.to ?? from;
    if (to < from) throw new InvalidError('the range ends before it begins', { fields: { to: 'reports.validation.toBeforeFrom' } });
    if (to - from + 1 > MAX_YEARS) throw new InvalidError('too many years', { fields: { to: 'reports.validation.span' } });
    return { from, to, groupBy: q.groupBy ?? ('group' as GroupBy), page: q.page ?? 1, pageSize: q.pageSize ?? DEFAULT_PAGE_SIZE, street: q.street ?? null };
  }

  async function reference() {
    const [streets, communities, categories, groups] = await Promise.all([
      deps.reference.streets(), deps.reference.communities(), deps.reference.categories(db, { all: true }), deps.reference.groups(db, { all: true }),
    ]);
    return { streets, communities, categories, groups, vendors: [] as Array<{ id: string; name: string }> };
  }

  async function build(query: unknown, who: { publicOnly: boolean; scope: ReportFilter['scope'] }) {
    const q = parse(query);
    const filter: ReportFilter = { from: q.from, to: q.to, ...who };
    const year = currentYear();
    const [found, total, perCommunity, perStreet, years, ref] = await Promise.all([
      breakdown(db, filter, q.groupBy, q), totals(db, filter), budgetByCommunity(db, filter, year), executionByStreet(db, filter), reportYears(db), reference(),
    ]);
    if (q.street !== null && !ref.streets.some((s) => s.id === q.street)) throw new InvalidError(`unknown street ${q.street}`, { fields: { street: 'validation.street' } });
    // Per street: the sum of its communities (a handful of rows per street, already aggregated in SQL).
    const streets = new Map<string, { key: string; figures: BudgetFigures; communities: BudgetRow[] }>();
    for (const c of perCommunity) {
      const s = streets.get(c.streetId) ?? streets.set(c.streetId, { key: c.streetId, figures: zeroBudget(), communities: [] }).get(c.streetId)!;
      const { communityId, streetId: _street, ...figures } = c;
      addBudget(s.figures, figures);
      s.communities.push({ key: communityId, ...figures });
    }
    const budget = [...streets.values()].map((s) => ({ key: s.key, ...s.figures, communities: s.communities }));
    const execution: ExecutionRow[] = perStreet.map((s) => {
      const startedShare = ratio(s.started, s.confirmed);
      const fundsUsedShare = ratio(s.spentFen, s.allocatedFen);
      return {
        key: s.streetId, confirmed: s.confirmed, started: s.started, startedShare, allocatedFen: s.allocatedFen, spentFen: s.spentFen, fundsUsedShare,
        warning: startedShare !== null && startedShare - (fundsUsedShare ?? 0) >= EXECUTION_GAP,
      };
    });
    return {
      from: q.from, to: q.to, groupBy: q.groupBy, page: q.page, pageSize: q.pageSize, totalRows: found.totalRows, currentYear: year,
      /** the street whose communities the pages list (null: none chosen) */
      street: q.street,
      rows: found.rows.map(withRate) as SummaryRow[],
      totals: withRate(total),
      budget,
      budgetTotals: budget.reduce((a, s) => addBudget(a, s), zeroBudget()),
      execution,
      years,
      ref,
      publicOnly: who.publicOnly,
    };
  }

  return {
    /**
     * Staff statistics in the user's scope: a street user its street, a community user its community,
     * district, finance and admin the whole district. Staff figures count every proposal, also those
     * refused before their first notice. Vendors see no statistics.
     */
    async summary(user: User, query: unknown) {
      if (user.role === 'vendor') throw new ForbiddenError('vendors see no statistics', { reasons: [{ code: 'WRONG_ROLE' }] });
      const scope = scopeOf(user) as ReportFilter['scope'];
      return build(query, { publicOnly: false, scope });
    },

    /** The public figures: only projects that have been public (issue 10: never a proposal refused before its first notice). */
    async publicSummary(query: unknown) {
      return build(query, { publicOnly: true, scope: null });
    },

    /**
     * The public statistics page: the public summary by beneficiary group, plus every other
     * breakdown (each up to MAX_PAGE_SIZE keys) and the count per state. Communities are counted
     * for one street at a time (`street`, the page's choice): a city has 700 of them, more than a
     * page holds or a reader scans; without a street there are none (`street` null), and
     * the export gives them all (GET /public/stats/export.csv?groupBy=community).
     */
    async publicOverview(query: unknown) {
      const summary = await build({ ...(query as object), groupBy: 'group', page: undefined, pageSize: String(MAX_PAGE_SIZE) }, { publicOnly: true, scope: null });
      const { street } = summary;
      const filter: ReportFilter = { from: summary.from, to: summary.to, publicOnly: true, scope: null };
      const page = { page: 1, pageSize: MAX_PAGE_SIZE };
      const others = ['category', 'type', 'street'] as const;
      const [stages, communities, ...found] = await Promise.all([
        byState(db, filter),
        street === null ? null : breakdown(db, { ...filter, scope: { streetId: street } }, 'community', page),
        ...others.map((g) => breakdown(db, filter, g, page)),
      ]);
      const breakdowns: Record<GroupBy, SummaryRow[]> = { group: summary.rows, category: [], type: [], street: [], community: communities?.rows.map(withRate) ?? [] };
      others.forEach((g, i) => (breakdowns[g] = found[i]!.rows.map(withRate)));
      return { ...summary, breakdowns, byStage: stages };
    },
  };
}

export type ReportService = ReturnType<typeof createReportService>;
export type Summary = Awaited<ReturnType<ReportService['summary']>>;
