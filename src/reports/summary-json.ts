// The summary as GET /api/v1/reports/summary answers it: integer fen, counts, rates as fractions
// (0–1, null when there is nothing to divide by), and each key's label in the answer's language.
import type { Lang } from '../lib/i18n.js';
import { namer } from '../web/labels.js';
import type { GroupBy } from './summary-repo.js';
import type { Summary } from './report-service.js';

/** The name of a key of `groupBy` in one language. */
export function keyLabeler(lang: Lang, ref: Summary['ref']) {
  const n = namer(lang, ref);
  return (groupBy: GroupBy, key: string): string => {
    switch (groupBy) {
      case 'group': return n.group(key || null);
      case 'category': return n.category(key);
      case 'type': return n.type(key);
      case 'street': return n.street(key);
      case 'community': return n.community(key);
    }
  };
}

export function presentSummaryJson(lang: Lang, s: Summary) {
  const label = keyLabeler(lang, s.ref);
  return {
    from: s.from,
    to: s.to,
    groupBy: s.groupBy,
    page: s.page,
    pageSize: s.pageSize,
    totalRows: s.totalRows,
    rows: s.rows.map((r) => ({ key: r.key, label: label(s.groupBy, r.key), ...figures(r) })),
    totals: figures(s.totals),
    budget: s.budget.map((b) => ({
      key: b.key, label: label('street', b.key), ...money(b),
      communities: b.communities.map((c) => ({ key: c.key, label: label('community', c.key), ...money(c) })),
    })),
    budgetTotals: money(s.budgetTotals),
    execution: s.execution.map((e) => ({ ...e, label: label('street', e.key) })),
  };
}

type F = Summary['totals'];
function figures(r: F) {
  return {
    proposed: r.proposed, confirmed: r.confirmed, underway: r.underway, completed: r.completed,
    estimatedFen: r.estimatedFen, approvedFen: r.approvedFen, committedFen: r.committedFen, paidFen: r.paidFen, completionRate: r.completionRate,
  };
}

type M = Summary['budgetTotals'];
function money(b: M) {
  return { allocatedFen: b.allocatedFen, reservedFen: b.reservedFen, committedFen: b.committedFen, spentFen: b.spentFen, availableFen: b.availableFen, carriedOverFen: b.carriedOverFen };
}
