// A community's ledger entries (资金台账) as an export, for one budget year or all. Who may: the
// district, finance and admin for any community; community staff for their own community only.
// Street staff and vendors do not (WRONG_ROLE). A ledger is a few hundred entries a year: read at
// once, then written.
import { z } from 'zod';
import { ForbiddenError, InvalidError, parseOr422 } from '../errors.js';
import { shanghaiDate } from '../lib/calendar.js';
import { t, type Lang } from '../lib/i18n.js';
import type { Db } from '../lib/db.js';
import type { User } from '../auth/users.js';
import type { Ledger } from '../budgets/ledger.js';
import { projectLabels } from './export-repo.js';
import { exportNames, type ExportLookups } from './names.js';
import { joinTitle, type Cell, type ExportColumn, type ExportTable } from './table.js';

const blank = (v: unknown) => (v === '' ? undefined : v);
export const LedgerExportQuerySchema = z.object({
  communityId: z.preprocess(blank, z.string().max(64).optional()),
  year: z.preprocess(blank, z.string().regex(/^(20\d\d|2100)$/, 'validation.year').transform(Number).optional()),
});

const COLUMNS: Array<[key: string, kind: ExportColumn['kind'], width?: number]> = [
  ['seq', 'int', 8], ['at', 'datetime'], ['year', 'int', 10], ['kind', 'text', 10], ['ref', 'text', 16], ['project', 'text', 30], ['fen', 'fen'], ['note', 'text', 30],
];

const ALL_COMMUNITIES = new Set(['district', 'finance', 'admin']);

export function ledgerExport(deps: { db: Db; ledger: Pick<Ledger, 'entries'>; now: () => Date; lookups: () => Promise<ExportLookups> }) {
  return async function build(user: User, query: unknown, lang: Lang): Promise<ExportTable> {
    const q = parseOr422(LedgerExportQuerySchema, query, 'invalid filter');
    if (user.role !== 'community' && !ALL_COMMUNITIES.has(user.role)) throw new ForbiddenError('no ledger for this role', { reasons: [{ code: 'WRONG_ROLE' }] });
    const communityId = q.communityId ?? (user.role === 'community' ? user.communityId : undefined);
    if (!communityId) throw new InvalidError('which community', { fields: { communityId: 'validation.required' } });
    if (user.role === 'community' && communityId !== user.communityId) throw new ForbiddenError('another community', { reasons: [{ code: 'OUT_OF_SCOPE' }] });
    const lookups = await deps.lookups();
    if (!lookups.communities.some((c) => c.id === communityId)) throw new InvalidError('unknown community', { fields: { communityId: 'validation.community' } });
    const n = exportNames(lang, lookups);

    const entries = await deps.ledger.entries({ communityId, ...(q.year !== undefined ? { year: q.year } : {}) });
    const labels = await projectLabels(deps.db, [...new Set(entries.map((e) => e.projectId as string | null).filter((id): id is string => Boolean(id)))]);
    const rows: Cell[][] = entries.map((e) => {
      const p = e.projectId ? labels.get(e.projectId as string) : undefined;
      return [e.id, e.at as string, e.year, t(lang, `exports.ledger.kinds.${e.kind}`, { defaultValue: e.kind }), p?.ref ?? '', p?.title ?? '', e.fen, (e.note as string | null) ?? ''];
    });
    const parts = [t(lang, 'exports.ledger.title'), n.community(communityId), q.year !== undefined ? t(lang, 'exports.filters.budgetYear', { year: q.year }) : t(lang, 'exports.filters.allYears')];
    return {
      title: joinTitle(parts),
      sheetName: t(lang, 'exports.ledger.sheet'),
      filename: parts.join('_'),
      asciiFilename: `ledger-${communityId.replace(/[^A-Za-z0-9-]/g, '')}-${q.year ?? 'all'}-${shanghaiDate(deps.now().toISOString()).replace(/-/g, '')}`,
      columns: COLUMNS.map(([key, kind, width]) => ({ header: t(lang, `exports.ledger.columns.${key}`), kind, ...(width ? { width } : {}) })),
      rows,
    };
  };
}
