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
import { PROJECT_TYPES, STAGES, WORK_ACCEPTED, eventSchemas } from '../../workflows/project/index.js';
import { moneyTotals, progressCounts, projectYears, statsBy } from '../reports/stats-repo.js';


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

export function createPublicService(deps: { db: Db; clock: Clock; reference: ReferenceService; ledger: Ledger; projects: ProjectService }) {
  const { db } = deps;

  async function publicRow(id: string): Promise<ProjectRow> {
    const row = await getRow(db, id);
    // Public from its first notice on (the workflow's `publicSince`, kept by the read model).
    if (!row || row.publicSince === null) throw new NotFoundError(`project ${id} not public`);
    return row;
  }

  async function reference() {
    const [streets, communities, categories, vendors] = await Promise.all([
      deps.reference.streets(), deps.reference.communities(), deps.reference.categories(db, { all: true }), deps.reference.vendors(),
    ]);
    // Vendors are organisations: their names are public facts of a contract. Contacts are not shown.
    return { streets, communities, categories, vendors: vendors.map((v) => ({ id: v.id, name: v.name })) };
  }

  return {
    reference,

    /** Projects in public notice, the one ending first at the top. */
    async notices() {
      const { rows } = await listRows(db, { states: ['public_notice'] }, null, { page: 1, pageSize: 200, order: 'oldestStage' });
      return { notices: rows, ref: await reference() };
    },

    async notice(id: string) {
      const row = await publicRow(id);
      const project = await deps.projects.get(null, id);
      return { row, project, open: row.state === 'public_notice', ref: await reference() };
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
      const { page, ...rest } = filter as PublicListQuery;
      const { rows, total } = await listRows(db, { ...rest, isPublic: true }, null, { page: page ?? 1, pageSize: PAGE_SIZE });
      return { rows, total, page: page ?? 1, pageSize: PAGE_SIZE, filter, years: await projectYears(db), ref: await reference() };
    },

    /** Facts, amounts, vendor, stage, and the stages it went through (no payloads, no actors). */
    async project(id: string) {
      const row = await publicRow(id);
      const [project, history] = await Promise.all([deps.projects.get(null, id), deps.projects.history(null, id)]);
      const stages = history.filter((h) => h.from !== h.to).map((h) => ({ at: h.at, from: h.from, to: h.to }));
      return { row, project, stages, ref: await reference() };
    },

    async stats(yearInput: unknown) {
      const years = await projectYears(db);
      const parsed = z.coerce.number().int().min(2000).max(2100).safeParse(yearInput);
      const year = parsed.success ? parsed.data : Number(shanghaiDate(deps.clock.now().toISOString()).slice(0, 4));
      const filter = { year };
      const [byStage, byCategory, byType, byStreet, progress, money] = await Promise.all([
        statsBy(db, 'state', filter), statsBy(db, 'category', filter), statsBy(db, 'type', filter), statsBy(db, 'street_id', filter),
        progressCounts(db, { finishedStates: WORK_ACCEPTED, year }), moneyTotals(db, year),
      ]);
      return { year, years, byStage, byCategory, byType, byStreet, progress, money, ref: await reference() };
    },
  };
}

export type PublicService = ReturnType<typeof createPublicService>;
