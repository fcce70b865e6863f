// View-models of the statistics pages (staff /reports and the public /public/stats): the breakdown
// table, budget use per street and community, the street execution view, and a bar chart with its
// own data table and text alternative for each (src/reports/charts.ts). Amounts stay fen here; the
// template formats them with {{yuanShort}} (zh-CN in 万, English in full yuan). Formatting only.
import { t, type Lang } from '../lib/i18n.js';
import { formatYuanShort } from '../../workflows/shared/money.js';
import { barChart } from '../reports/charts.js';
import { keyLabeler } from '../reports/summary-json.js';
import { GROUP_BY, type GroupBy } from '../reports/summary-repo.js';
import type { Summary, SummaryRow } from '../reports/report-service.js';

const percent = (r: number | null) => (r === null ? '—' : `${(Math.round(r * 1000) / 10).toFixed(1)}%`);
const langQuery = (lang: Lang) => (lang === 'en' ? '&lang=en' : '');
const separators = (lang: Lang) => (lang === 'en' ? { group: '; ', figure: ', ' } : { group: '；', figure: '，' });

type Chart = ReturnType<typeof barChart>;

/** The query string of a report page with other values. */
function href(path: string, lang: Lang, q: { from: number; to: number; groupBy?: GroupBy; page?: number }): string {
  const parts = [`year=${q.from}`, `to=${q.to}`, ...(q.groupBy ? [`groupBy=${q.groupBy}`] : []), ...(q.page && q.page > 1 ? [`page=${q.page}`] : [])];
  return `${path}?${parts.join('&')}${langQuery(lang)}`;
}

/** One breakdown: its rows with labels and rates, the totals, and two charts (counts, money). */
export function presentBreakdown(lang: Lang, s: Pick<Summary, 'ref' | 'totals'>, groupBy: GroupBy, rows: SummaryRow[], id: string) {
  const label = keyLabeler(lang, s.ref);
  const yuan = (fen: number) => formatYuanShort(fen, lang);
  const labelled = rows.map((r) => ({ ...r, label: label(groupBy, r.key), rate: percent(r.completionRate) }));
  const caption = t(lang, `reports.by.${groupBy}`);
  const keyHeader = t(lang, `reports.key.${groupBy}`);
  const more = (left: number) => t(lang, 'reports.chart.more', { count: left });
  const common = { keyHeader, more, separators: separators(lang) };
  const counts: Chart = barChart({
    id: `${id}-counts`, title: t(lang, 'reports.chart.counts', { by: caption }), summary: t(lang, 'reports.chart.countsDesc'), ...common,
    series: [{ name: t(lang, 'reports.col.proposed') }, { name: t(lang, 'reports.col.confirmed') }, { name: t(lang, 'reports.col.completed') }],
    groups: labelled.map((r) => ({ label: r.label, values: [r.proposed, r.confirmed, r.completed], texts: [String(r.proposed), String(r.confirmed), String(r.completed)] })),
  });
  const money: Chart = barChart({
    id: `${id}-money`, title: t(lang, 'reports.chart.money', { by: caption }), summary: t(lang, 'reports.chart.moneyDesc'), ...common,
    series: [{ name: t(lang, 'reports.col.estimated') }, { name: t(lang, 'reports.col.approved') }, { name: t(lang, 'reports.col.paid') }],
    groups: labelled.map((r) => ({ label: r.label, values: [r.estimatedFen, r.approvedFen, r.paidFen], texts: [yuan(r.estimatedFen), yuan(r.approvedFen), yuan(r.paidFen)] })),
  });
  return { id, caption, keyHeader, groupBy, rows: labelled, hasRows: labelled.length > 0, totals: { ...s.totals, rate: percent(s.totals.completionRate) }, charts: [counts, money] };
}

/**
 * Budget use per street (with its communities) and the street execution view, each with a chart.
 * `place` (the public page): only the chosen street's communities are listed (none when no street
 * is chosen), and each street links to its own.
 */
export function presentBudget(lang: Lang, s: Summary, place?: { street: string | null; href: (street: string, anchor: string) => string }) {
  const label = keyLabeler(lang, s.ref);
  const yuan = (fen: number) => formatYuanShort(fen, lang);
  const streets = s.budget.map((b) => ({
    ...b, label: label('street', b.key),
    ...(place ? { href: place.href(b.key, 'budget-use'), chosen: b.key === place.street } : {}),
    communities: !place || b.key === place.street ? b.communities.map((c) => ({ ...c, label: label('community', c.key) })) : [],
  }));
  const byStreet = t(lang, 'reports.key.street');
  const budgetChart: Chart = barChart({
    id: 'budget-chart', title: t(lang, 'reports.chart.budget'), summary: t(lang, 'reports.chart.budgetDesc'), keyHeader: byStreet, separators: separators(lang),
    series: [{ name: t(lang, 'reports.col.allocated') }, { name: t(lang, 'reports.col.committed') }, { name: t(lang, 'reports.col.spent') }],
    groups: streets.map((b) => ({ label: b.label, values: [b.allocatedFen, b.committedFen, b.spentFen], texts: [yuan(b.allocatedFen), yuan(b.committedFen), yuan(b.spentFen)] })),
  });
  const execution = s.execution.map((e) => ({ ...e, label: label('street', e.key), started: e.started, startedText: percent(e.startedShare), usedText: percent(e.fundsUsedShare) }));
  const executionChart: Chart = barChart({
    id: 'execution-chart', title: t(lang, 'reports.chart.execution'), summary: t(lang, 'reports.chart.executionDesc'), keyHeader: byStreet, separators: separators(lang),
    series: [{ name: t(lang, 'reports.col.startedShare') }, { name: t(lang, 'reports.col.fundsUsedShare') }],
    groups: execution.map((e) => ({ label: e.label, values: [e.startedShare ?? 0, e.fundsUsedShare ?? 0], texts: [e.startedText, e.usedText] })),
  });
  return {
    budget: streets, hasBudget: streets.length > 0, budgetTotals: s.budgetTotals, budgetChart,
    budgetNote: place && place.street === null && streets.length > 0 ? t(lang, 'reports.budget.chooseStreet') : null,
    execution, hasExecution: execution.length > 0, executionChart, carriedOverNote: t(lang, 'reports.carriedOverNote', { year: s.currentYear }),
  };
}

/** The year and grouping choices of a report page's GET form. */
function filters(lang: Lang, s: Summary, opts: { groupBy: boolean }) {
  const years = [...new Set([...s.years, s.from, s.to, s.currentYear])].sort((a, b) => b - a);
  return {
    from: years.map((y) => ({ value: String(y), label: String(y), selected: y === s.from })),
    to: years.map((y) => ({ value: String(y), label: String(y), selected: y === s.to })),
    groupBy: opts.groupBy ? (Object.keys(GROUP_BY) as GroupBy[]).map((g) => ({ value: g, label: t(lang, `reports.by.${g}`), selected: g === s.groupBy })) : null,
  };
}

function rangeText(lang: Lang, s: Summary) {
  return s.from === s.to ? t(lang, 'reports.oneYear', { year: s.from }) : t(lang, 'reports.range', { from: s.from, to: s.to });
}

/**
 * The staff page: one breakdown (paged), budget use and the execution view. Budget use lists the
 * communities of one street at a time where the scope has several streets (`street`, chosen by its
 * link), as the public page does; a street user's own street shows all of its communities.
 */
export function presentReport(lang: Lang, s: Summary) {
  const pages = Math.max(1, Math.ceil(s.totalRows / s.pageSize));
  const oneStreet = s.budget.length === 1 ? s.budget[0]!.key : null;
  const place = {
    street: oneStreet ?? s.street,
    href: (id: string, anchor: string) => `${href('/reports', lang, { from: s.from, to: s.to, groupBy: s.groupBy, page: s.page })}&street=${encodeURIComponent(id)}#${anchor}`,
  };
  return {
    isEn: lang === 'en',
    range: rangeText(lang, s),
    scopeNote: t(lang, 'reports.staffNote'),
    filters: filters(lang, s, { groupBy: true }),
    breakdown: presentBreakdown(lang, s, s.groupBy, s.rows, 'breakdown'),
    ...presentBudget(lang, s, place),
    pager: pages > 1 ? {
      text: t(lang, 'reports.pager', { page: s.page, pages, total: s.totalRows }),
      prev: s.page > 1 ? href('/reports', lang, { from: s.from, to: s.to, groupBy: s.groupBy, page: s.page - 1 }) : null,
      next: s.page < pages ? href('/reports', lang, { from: s.from, to: s.to, groupBy: s.groupBy, page: s.page + 1 }) : null,
    } : null,
    apiHref: `/api/v1/reports/summary?year=${s.from}&to=${s.to}&groupBy=${s.groupBy}`,
  };
}

/**
 * The public page: every breakdown (one chart pair each), budget use and the execution view. The
 * communities are those of the street the reader chose (`street`, a street's eight to
 * eleven): the street rows link to them, a form chooses among every street, and the CSV export
 * gives all of them at once. Their totals are the street's.
 */
export function presentPublicReport(lang: Lang, s: Summary & { breakdowns: Record<GroupBy, SummaryRow[]> }) {
  const street = s.street;
  const label = keyLabeler(lang, s.ref);
  const range = `year=${s.from}&to=${s.to}`;
  const href = (id: string, anchor: string) => `/public/stats?${range}&street=${encodeURIComponent(id)}${langQuery(lang)}#${anchor}`;
  const zero = { proposed: 0, confirmed: 0, underway: 0, completed: 0, estimatedFen: 0, approvedFen: 0, committedFen: 0, paidFen: 0, completionRate: null };
  const streetTotals = street === null ? null : (s.breakdowns.street.find((r) => r.key === street) ?? zero);
  const breakdowns = (Object.keys(GROUP_BY) as GroupBy[]).map((g) => {
    if (g === 'street') {
      const b = presentBreakdown(lang, s, g, s.breakdowns[g], `by-${g}`);
      return { ...b, rows: b.rows.map((r) => ({ ...r, href: href(r.key, 'by-community') })) };
    }
    if (g !== 'community') return presentBreakdown(lang, s, g, s.breakdowns[g], `by-${g}`);
    const b = presentBreakdown(lang, { ref: s.ref, totals: streetTotals ?? s.totals }, g, s.breakdowns[g], `by-${g}`);
    return {
      ...b,
      caption: street === null ? b.caption : t(lang, 'reports.byCommunityOf', { street: label('street', street) }),
      chooser: {
        lead: t(lang, street === null ? 'reports.communities.choose' : 'reports.communities.other'),
        year: s.from, to: s.to, isEn: lang === 'en',
        streets: [...s.ref.streets].map((x) => ({ value: x.id, label: label('street', x.id), selected: x.id === street }))
          .sort((a, b) => a.label.localeCompare(b.label, lang === 'en' ? 'en' : 'zh-CN')),
        allHref: `/public/stats/export.csv?${range}&groupBy=community${langQuery(lang)}`,
      },
      // no street chosen: the choice, not an empty table
      hidden: street === null,
    };
  });
  return {
    isEn: lang === 'en',
    range: rangeText(lang, s),
    filters: filters(lang, s, { groupBy: false }),
    breakdowns,
    ...presentBudget(lang, s, { street, href }),
  };
}
