// The statistics as an export: the rows of the report service's summary (src/reports, the figures
// behind GET /api/v1/reports/summary) for the same query (year, to, groupBy), every page of them,
// and the totals row. Staff get their scope's figures, the public the public ones. The source is
// the `StatsSource` below, so another one (e.g. the public page's older stats) plugs in alone.
import { t, type Lang } from '../lib/i18n.js';
import { shanghaiDate } from '../lib/calendar.js';
import type { User } from '../auth/users.js';
import { exportNames, type ExportLookups } from './names.js';
import { joinTitle, type Cell, type ExportColumn, type ExportTable } from './table.js';

interface Figures {
  proposed: number;
  confirmed: number;
  underway: number;
  completed: number;
  completionRate: number | null;
  estimatedFen: number;
  approvedFen: number;
  committedFen: number;
  paidFen: number;
}

/** What the export reads of a summary (src/reports/report-service.ts `Summary`). */
export interface SummaryLike {
  from: number;
  to: number;
  groupBy: string;
  totalRows: number;
  rows: Array<Figures & { key: string }>;
  totals: Figures;
  ref: ExportLookups;
}

/** Where the figures come from: the staff summary (scoped), or the public one (user null). */
export type StatsSource = (user: User | null, query: Record<string, unknown>) => Promise<SummaryLike>;

/** The report service as a source. */
export function summarySource(reports: { summary(user: User, query: unknown): Promise<SummaryLike>; publicSummary(query: unknown): Promise<SummaryLike> }): StatsSource {
  return (user, query) => (user ? reports.summary(user, query) : reports.publicSummary(query));
}

const PAGE = 200;
const FIGURES: Array<[key: keyof Figures, kind: ExportColumn['kind']]> = [
  ['proposed', 'int'], ['confirmed', 'int'], ['underway', 'int'], ['completed', 'int'], ['completionRate', 'percent'],
  ['estimatedFen', 'fen'], ['approvedFen', 'fen'], ['committedFen', 'fen'], ['paidFen', 'fen'],
];

const figureCells = (f: Figures): Cell[] => FIGURES.map(([k]) => f[k]);

export function statsExport(deps: { source: StatsSource; now: () => Date }) {
  return async function build(user: User | null, query: Record<string, unknown>, lang: Lang): Promise<ExportTable> {
    const { page: _p, pageSize: _s, ...rest } = query;
    // The first page validates the query (422 naming the field) before anything is sent.
    const first = await deps.source(user, { ...rest, page: '1', pageSize: String(PAGE) });
    const rows: Cell[][] = [];
    const n = exportNames(lang, first.ref);
    const label = (key: string) => {
      switch (first.groupBy) {
        case 'group': return n.group(key || null) || '—';
        case 'category': return n.category(key);
        case 'type': return n.type(key);
        case 'street': return n.street(key);
        case 'community': return n.community(key);
        default: return key;
      }
    };
    for (let page = 1, s = first; ; ) {
      for (const r of s.rows) rows.push([label(r.key), ...figureCells(r)]);
      if (page * PAGE >= s.totalRows || s.rows.length === 0) break;
      page += 1;
      s = await deps.source(user, { ...rest, page: String(page), pageSize: String(PAGE) });
    }
    rows.push([t(lang, 'exports.stats.total'), ...figureCells(first.totals)]);
    const dimension = t(lang, `exports.stats.dimensions.${first.groupBy}`, { defaultValue: first.groupBy });
    const parts = [
      t(lang, 'exports.stats.title'),
      first.from === first.to ? t(lang, 'exports.filters.budgetYear', { year: first.from }) : t(lang, 'exports.filters.years', { from: first.from, to: first.to }),
      t(lang, 'exports.filters.groupBy', { value: dimension }),
      ...(user ? [] : [t(lang, 'exports.filters.public')]),
    ];
    return {
      title: joinTitle(parts),
      sheetName: t(lang, 'exports.stats.sheet'),
      filename: parts.join('_'),
      asciiFilename: `statistics-${first.from}${first.to !== first.from ? `-${first.to}` : ''}-${first.groupBy}-${shanghaiDate(deps.now().toISOString()).replace(/-/g, '')}`,
      columns: [{ header: dimension, kind: 'text', width: 18 }, ...FIGURES.map(([k, kind]) => ({ header: t(lang, `exports.stats.columns.${k}`), kind }))],
      rows,
    };
  };
}
