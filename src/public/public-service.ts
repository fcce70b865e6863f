// What the public may see without signing in: current public notices (公示) and objections to them,
// projects from their public notice on, and the district's statistics. Nothing personal: the
// project presenter masks for the null viewer, and the timeline here carries stages only.
import { z } from 'zod';
import { NotFoundError, parseOr422 } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { Db } from '../lib/db.js';
import { shanghaiDate } from '../lib/calendar.js';
import type { Ledger } from '../budgets/ledger.js';
import type { ReferenceService } from '../reference/reference.js';
import type { ProjectService } from '../projects/project-service.js';
import { getRow, listRows, type ProjectRow } from '../projects/project-repo.js';
import { isCarriedOver } from '../projects/project-presenter.js';
import { NOTICE_STAGES, PROJECT_TYPES, STAGES, eventSchemas, isNoticeStage } from '../../workflows/project/index.js';
import { projectYears } from '../reports/stats-repo.js';
import { createReportService } from '../reports/report-service.js';
import type { Engine } from '../engine/engine.js';
import { lastNotice, type NoticeFacts } from './notice-period.js';
import type { ReadCache } from '../lib/read-cache.js';


export const PublicListSchema = z.object({
  state: z.enum(['procurement', ...STAGES] as [string, ...string[]]).optional().or(z.literal('').transform(() => undefined)),
  category: z.string().max(16).optional().or(z.literal('').transform(() => undefined)),
  type: z.enum(PROJECT_TYPES).optional().or(z.literal('').transform(() => undefined)),
  streetId: z.string().max(64).optional().or(z.literal('').transform(() => undefined)),
  year: z.coerce.number().int().min(2000).max(2100).optional().or(z.literal('').transform(() => undefined)),
  q: z.string().trim().max(100).optional().or(z.literal('').transform(() => undefined)),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
});
export type PublicListQuery = z.infer<typeof PublicListSchema>;

// The limits are the OBJECT event's own: the page and the API accept the same objection.
const OBJECT_SHAPE = eventSchemas.OBJECT.shape;
export const ObjectionSchema = z.object({
  text: z.string({ error: 'validation.required' }).trim().min(1, 'validation.required').max(OBJECT_SHAPE.text.maxLength ?? 5000, 'validation.too_long'),
  contact: z.string().trim().max(OBJECT_SHAPE.contact.unwrap().maxLength ?? 200, 'validation.too_long').optional().transform((v) => (v ? v : undefined)),
});

const PAGE_SIZE = 20;
/** The notices list's page (a light page on a phone, issue 12): the ones ending first on the first page. */
export const NOTICES_PAGE_SIZE = 50;

/**
 * `engine` reads the notices a project held (its context's `notices`); without it, the proposal
 * notice from the history. `cache` keeps the answers every visitor shares (the list, the notices,
 * the statistics, the reference data) until the data under them may have changed (src/lib/read-cache.ts).
 */
export function createPublicService(deps: { db: Db; clock: Clock; reference: ReferenceService; ledger: Ledger; projects: ProjectService; engine?: Pick<Engine, 'get' | 'load'>; cache?: ReadCache }) {
  const { db } = deps;
  const cached = <T>(key: string, compute: () => Promise<T>): Promise<T> => (deps.cache ? deps.cache.get(key, compute) : compute());
  const reports = createReportService({ db, clock: deps.clock, reference: deps.reference });

  /**
   * The notice a project is in (or last held) and its community's contact telephone: public facts
   * only (never objectors' contacts or beneficiaries).
   */
  async function noticeOf(row: ProjectRow, project: { deadlines: { noticeEndsAt: string | null } }) {
    let facts: NoticeFacts = { noticeEndsAt: project.deadlines.noticeEndsAt };
    if (deps.engine) {
      const context = deps.engine.load(await deps.engine.get(row.id)).snapshot.context as NoticeFacts;
      facts = { notices: context.notices ?? null, noticeEndsAt: context.noticeEndsAt ?? project.deadlines.noticeEndsAt };
    }
    const history = facts.notices?.length ? [] : (await deps.projects.history(null, row.id)).filter((h) => h.from !== h.to).map((h) => ({ at: h.at, to: h.to }));
    const community = await deps.reference.community(row.communityId);
    return { notice: lastNotice(facts, history, row.state, deps.clock.now().toISOString()), phone: community.phone };
  }

  async function publicRow(id: string): Promise<ProjectRow> {
    const row = await getRow(db, id);
    // Public from its first notice on (the workflow's `publicSince`, kept by the read model).
    if (!row || row.publicSince === null) throw new NotFoundError(`project ${id} not public`);
    return row;
  }

  const reference = () => cached('reference', async () => {
    const [streets, communities, categories, groups, vendors] = await Promise.all([
      deps.reference.streets(), deps.reference.communities(), deps.reference.categories(db, { all: true }), deps.reference.groups(db, { all: true }), deps.reference.vendors(),
    ]);
    // Vendors are organisations: their names are public facts of a contract. Contacts are not shown.
    return { streets, communities, categories, groups, vendors: vendors.map((v) => ({ id: v.id, name: v.name })) };
  });

  return {
    reference,

    /** Projects in a public notice (any the rules hold: proposal, confirmed project, acceptance result), the one ending first at the top. */
    async notices(page = 1) {
      return cached(`notices:${page}`, async () => {
        const { rows, total } = await listRows(db, { states: [...NOTICE_STAGES] }, null, { page, pageSize: NOTICES_PAGE_SIZE, order: 'oldestStage' });
        return { notices: rows, total, page, pageSize: NOTICES_PAGE_SIZE, ref: await reference() };
      });
    },

    async notice(id: string) {
      const row = await publicRow(id);
      const project = await deps.projects.get(null, id);
      return { row, project, open: isNoticeStage(row.state), ...(await noticeOf(row, project)), ref: await reference() };
    },

    /** An objection from a member of the public (OBJECT, anonymous). */
    async object(id: string, input: unknown) {
      await publicRow(id);
      const o = parseOr422(ObjectionSchema, input, 'invalid objection');
      return deps.projects.send(null, id, { type: 'OBJECT', text: o.text, ...(o.contact ? { contact: o.contact } : {}) });
    },

    async list(query: unknown) {
      const p = PublicListSchema.safeParse(query);
      const filter = p.success ? p.data : { page: 1 };
      const { page, year, ...rest } = filter as PublicListQuery;
      return cached(`list:${JSON.stringify(filter)}`, async () => {
        // the year offered is an allocation's: the projects charged to it (their budget year)
        const { rows: found, total } = await listRows(db, { ...rest, ...(year !== undefined ? { budgetYear: year } : {}), isPublic: true }, null, { page: page ?? 1, pageSize: PAGE_SIZE });
        const thisYear = Number(shanghaiDate(deps.clock.now().toISOString()).slice(0, 4));
        const rows = found.map((r) => ({ ...r, carriedOver: isCarriedOver(r, thisYear) }));
        return { rows, total, page: page ?? 1, pageSize: PAGE_SIZE, filter, years: await projectYears(db), ref: await reference() };
      });
    },

    /** Facts, amounts, vendor, stage, and the stages it went through (no payloads, no actors). */
    async project(id: string) {
      const row = await publicRow(id);
      const [project, history] = await Promise.all([deps.projects.get(null, id), deps.projects.history(null, id)]);
      const stages = history.filter((h) => h.from !== h.to).map((h) => ({ at: h.at, from: h.from, to: h.to }));
      return { row, project, stages, ...(await noticeOf(row, project)), ref: await reference() };
    },

    /** The printable notice (A4, for the community's notice board): the notice running, else the last one held. */
    async printNotice(id: string) {
      const row = await publicRow(id);
      const project = await deps.projects.get(null, id);
      const n = await noticeOf(row, project);
      if (!n.notice) throw new NotFoundError(`project ${id} has held no notice`);
      return { row, project, notice: n.notice, phone: n.phone, ref: await reference() };
    },

    /**
     * The public statistics of a budget year or a range (`to`): every breakdown, budget use and the
     * street execution view, counting only projects that have been public (src/reports), with the
     * communities of one street (`street`; none without it). The by-group, category, type and street
     * tables keep their earlier shape (count = proposed).
     */
    async stats(yearInput: unknown, toInput?: unknown, streetInput?: unknown) {
      // the overview checks its query first: a refused query (422) is never kept. The whole answer
      // is one kept object, so the page can present it once (src/web/routes/public.ts).
      return cached(`stats:${JSON.stringify([yearInput ?? null, toInput ?? null, streetInput ?? null])}`, async () => {
        const o = await reports.publicOverview({ year: yearInput, to: toInput, street: streetInput });
        const legacy = (rows: typeof o.rows) => rows.map((r) => ({ key: r.key, count: r.proposed, estimatedFen: r.estimatedFen, approvedFen: r.approvedFen, paidFen: r.paidFen }));
        return {
          ...o,
          year: o.from,
          byCategory: legacy(o.breakdowns.category), byGroup: legacy(o.breakdowns.group), byType: legacy(o.breakdowns.type), byStreet: legacy(o.breakdowns.street),
          progress: { confirmed: o.totals.confirmed, completed: o.totals.completed },
          money: o.budgetTotals,
          ref: await reference(),
        };
      });
    },
  };
}

export type PublicService = ReturnType<typeof createPublicService>;
