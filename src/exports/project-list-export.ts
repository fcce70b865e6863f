// The project list as an export: the same filters as GET /projects (ListQuerySchema), the same
// scope (a community its own, a street its street, a vendor its invitations), every matching row
// streamed in batches. The columns are the read model's public facts: no description, no
// beneficiary (the list carries no personal data, and neither does its export).
import { parseOr422 } from '../errors.js';
import { shanghaiDate } from '../lib/calendar.js';
import { t, type Lang } from '../lib/i18n.js';
import type { User } from '../auth/users.js';
import { ListQuerySchema, scopeOf } from '../projects/project-service.js';
import { isCarriedOver, presentListRow } from '../projects/project-presenter.js';
import type { ProjectFilter } from '../projects/project-repo.js';
import type { Db } from '../lib/db.js';
import { projectBatches } from './export-repo.js';
import { exportNames, type ExportLookups, type ExportNames } from './names.js';
import { joinTitle, type Cell, type ExportColumn, type ExportTable } from './table.js';

/** The list's filters without its paging. */
export const ProjectExportQuerySchema = ListQuerySchema.omit({ page: true, pageSize: true });

const COLUMNS: Array<[key: string, kind: ExportColumn['kind'], width?: number]> = [
  ['ref', 'text', 16], ['title', 'text', 30], ['street', 'text'], ['community', 'text'], ['type', 'text', 8], ['category', 'text'],
  ['mainGroup', 'text'], ['budgetYear', 'int', 10], ['state', 'text', 16], ['carriedOver', 'text', 8], ['estimatedFen', 'fen'],
  ['approvedFen', 'fen'], ['awardedFen', 'fen'], ['paidFen', 'fen'], ['vendor', 'text', 24], ['createdAt', 'datetime'],
  ['stageEnteredAt', 'date', 14], ['waitingFor', 'text', 16],
];

/** 项目清单 · 2026年度预算 · 拱北街道 · 阶段：交付: the filter in words (and the reader's own place when the scope narrows it). */
function titleParts(lang: Lang, f: ProjectFilter, user: User, n: ExportNames): string[] {
  const tf = (key: string, params: Record<string, unknown>) => t(lang, `exports.filters.${key}`, params);
  const street = f.streetId ?? (user.role === 'street' ? user.streetId : null);
  const community = f.communityId ?? (user.role === 'community' ? user.communityId : null);
  return [
    t(lang, 'exports.projects.title'),
    f.budgetYear !== undefined ? tf('budgetYear', { year: f.budgetYear }) : '',
    f.year !== undefined ? tf('year', { year: f.year }) : '',
    street ? n.street(street) : '',
    community ? n.community(community) : '',
    f.state ? tf('state', { value: n.stage(f.state) }) : '',
    f.type ? tf('type', { value: n.type(f.type) }) : '',
    f.category ? tf('category', { value: n.category(f.category) }) : '',
    f.group ? tf('group', { value: n.group(f.group) }) : '',
    f.q ? tf('q', { value: f.q }) : '',
  ].filter(Boolean);
}

export function projectListExport(deps: { db: Db; now: () => Date; lookups: () => Promise<ExportLookups> }) {
  return async function build(user: User, query: unknown, lang: Lang): Promise<ExportTable> {
    // Bad filters are refused here, before a byte is sent (422 naming the field).
    const filter = parseOr422(ProjectExportQuerySchema, query, 'invalid filter') as ProjectFilter;
    const n = exportNames(lang, await deps.lookups());
    const parts = titleParts(lang, filter, user, n);
    const thisYear = Number(shanghaiDate(deps.now().toISOString()).slice(0, 4));
    const yes = t(lang, 'exports.projects.yes');
    const scope = scopeOf(user);
    async function* rows(): AsyncGenerator<Cell[]> {
      for await (const batch of projectBatches(deps.db, filter, scope)) {
        for (const raw of batch) {
          const p = presentListRow(raw, user);
          yield [
            p.ref, p.title, n.street(p.streetId), n.community(p.communityId), n.type(p.type), n.category(p.category), n.group(p.mainGroup),
            p.budgetYear, n.stage(p.state), isCarriedOver(p, thisYear) ? yes : '', p.estimatedFen, p.approvedFen, p.awardedFen, p.paidFen,
            n.vendor(p.vendorId), p.createdAt, p.stageEnteredAt, p.waitingFor.map(n.role).join('、'),
          ];
        }
      }
    }
    return {
      title: joinTitle(parts),
      sheetName: t(lang, 'exports.projects.sheet'),
      filename: parts.join('_'),
      asciiFilename: `projects-${shanghaiDate(deps.now().toISOString()).replace(/-/g, '')}`,
      columns: COLUMNS.map(([key, kind, width]) => ({ header: t(lang, `exports.projects.columns.${key}`), kind, ...(width ? { width } : {}) })),
      rows: rows(),
    };
  };
}
