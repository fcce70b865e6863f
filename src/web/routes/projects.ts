// Project pages: the list with filters, the proposal form, the detail page (facts, statechart,
// timeline, the actions this user may take as forms) and one POST per lifecycle event. Each route
// parses its input, makes one service call (or one page query), and renders or redirects (PRG).
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps.js';
import { InvalidError, NotFoundError, isAppError, zodFields } from '../../errors.js';
import { t } from '../../lib/i18n.js';
import { NewProjectSchema } from '../../projects/project-service.js';
import { validate as validateEvent } from '../../../workflows/project/project.events.js';
import { parseUpload } from '../../documents/upload.js';
import { parseDocumentKind } from '../../documents/document-service.js';
import { flash, langOf, page, render, requireRole } from '../render.js';
import { parseQuery, queryText, queryYear } from '../params.js';
import { formSpec, toNewProject, toPayload, type FormBody } from '../project-forms.js';
import type { Values } from '../project-form-view.js';
import { PENDING_DOCUMENTS, pendingEntry, pendingOf } from '../forms/form-model.js';
import { detailView, listView, loadProjectList, loadProjectPage, newProjectView, withLang, type PageCtx } from '../project-view.js';
import { staffPanel } from '../ratings-view.js';
import { libraryStartRoutes, libraryProposal } from './library.js';

export function pageCtx(req: Request, res: Response): PageCtx {
  const lang = langOf(req);
  return { lang, langQs: typeof req.query.lang === 'string' ? `lang=${lang}` : '', csrfToken: String(res.locals.csrfToken ?? '') };
}

/** What the user typed, to show again after an error (never the CSRF token). */
export function typedValues(body: FormBody): Values {
  const out: Values = {};
  for (const [k, v] of Object.entries(body ?? {})) {
    if (k === '_csrf' || k === 'expectedVersion' || k === PENDING_DOCUMENTS) continue;
    if (typeof v === 'string') out[k] = v.slice(0, 20_000);
    else if (Array.isArray(v)) out[k] = v.filter((x): x is string => typeof x === 'string').slice(0, 200);
  }
  return out;
}

/** Conversion errors first, then whatever the schema says about the rest, in one InvalidError. */
function invalid(conversion: Record<string, string>, schema: Record<string, string>): InvalidError {
  return new InvalidError('invalid form', { fields: { ...schema, ...conversion } });
}

const ListFilter = z.object({
  state: queryText(64), category: queryText(16), type: queryText(16), streetId: queryText(64), communityId: queryText(64), year: queryYear(),
  budgetYear: queryYear(), group: queryText(16), q: queryText(100), page: z.preprocess((v) => (v === '' ? undefined : v), z.string().regex(/^\d{1,5}$/, 'validation.integer').optional()),
});

// The form's version: absent, or a number. Anything else is refused (422), never dropped: a dropped
// version would apply the event without its version check.
const Version = {
  parse(v: unknown): number | undefined {
    if (v === undefined) return undefined;
    if (typeof v === 'string' && /^\d{1,9}$/.test(v)) return Number(v);
    throw new InvalidError('expectedVersion must be a version number', { fields: { expectedVersion: 'validation.integer' } });
  },
};

const merged = (a: Record<string, string[]>, b: Record<string, string[]>) =>
  Object.fromEntries([...new Set([...Object.keys(a), ...Object.keys(b)])].map((k) => [k, [...new Set([...(a[k] ?? []), ...(b[k] ?? [])])]]));

export function projectRoutes(deps: Deps): express.Router {
  const { services } = deps;
  const r = express.Router();

  r.get('/projects', requireRole(), page(async (req, res) => {
    const raw = parseQuery(req, ListFilter);
    const filter = Object.fromEntries(Object.entries(raw).filter(([k, v]) => v !== undefined && k !== 'page')) as Record<string, string>;
    const data = await loadProjectList(services, req.user!, { ...filter, page: raw.page ?? '1' });
    render(req, res, 'pages/projects/list', listView(pageCtx(req, res), req.user!, data, filter));
  }));

  // the service-project library: choosing an entry to start from (before /projects/:id)
  r.use(libraryStartRoutes(deps));

  r.get('/projects/new', requireRole('community'), page(async (req, res) => {
    const ctx = pageCtx(req, res);
    const choices = await services.projects.proposalChoices(req.user!);
    // from the library: the items pre-filled at the entry's reference price, the quantity to fill in
    const fromLibrary = typeof req.query.library === 'string' ? await libraryProposal(deps, ctx.lang, req.query.library) : null;
    const view = fromLibrary
      ? newProjectView(ctx, choices, { budgetYear: String(choices.defaultBudgetYear), ...fromLibrary.values })
      : newProjectView(ctx, choices);
    render(req, res, 'pages/projects/new', { ...view, library: fromLibrary?.library });
  }));

  r.post('/projects/new', requireRole('community'), page(async (req, res) => {
    const ctx = pageCtx(req, res);
    const body = (req.body ?? {}) as FormBody;
    const libraryEntryId = typeof body.libraryEntryId === 'string' && body.libraryEntryId !== '' ? body.libraryEntryId : undefined;
    try {
      const { payload, errors } = toNewProject(body);
      if (libraryEntryId !== undefined) payload.libraryEntryId = libraryEntryId;
      if (Object.keys(errors).length) {
        const schema = NewProjectSchema.safeParse(payload);
        throw invalid(errors, schema.success ? {} : zodFields(schema.error));
      }
      const project = await services.projects.create(req.user!, payload);
      flash(req, 'projects.flash.created', { ref: project.ref });
      res.redirect(303, withLang(ctx, `/projects/${project.id}`));
    } catch (err) {
      if (!isAppError(err) || err.status >= 500 || err.status === 401) throw err;
      const fromLibrary = libraryEntryId !== undefined ? await libraryProposal(deps, ctx.lang, libraryEntryId).catch(() => null) : null;
      render(req, res, 'pages/projects/new', {
        ...newProjectView(ctx, await services.projects.proposalChoices(req.user!), typedValues(body), err), library: fromLibrary?.library,
      }, err.status);
    }
  }));

  r.get('/projects/:id', requireRole(), page(async (req, res) => {
    const data = await loadProjectPage(services, req.user!, String(req.params.id));
    const historyPage = /^\d{1,6}$/.test(String(req.query.historyPage ?? '')) ? Number(req.query.historyPage) : 1;
    const id = String(req.params.id);
    const ratings = await services.ratings.panel(req.user!, id);
    render(req, res, 'pages/projects/detail', { ...detailView({ ...pageCtx(req, res), historyPage }, data), ratingsPanel: ratings && staffPanel(langOf(req), id, ratings) });
  }));

  r.post('/projects/:id/events/:type', requireRole(), page(async (req, res) => {
    const id = String(req.params.id);
    const type = String(req.params.type);
    const spec = formSpec(type);
    if (!spec) throw new NotFoundError(`no form for ${type}`);
    const ctx = pageCtx(req, res);
    const user = req.user!;
    let body: FormBody = (req.body ?? {}) as FormBody;
    // This form's uploads, pending (linked to nothing until the event is accepted): those of earlier
    // tries, carried back in hidden inputs, and this try's files. Shown again if the event is refused.
    let pending: Record<string, string[]> = {};
    try {
      const files = await parseUpload(req, res);
      body = (req.body ?? {}) as FormBody;
      // Only the sender's own uploads may be carried: another's id is refused (and never shown back).
      const carried = pendingOf(spec, body);
      const own = await services.documents.uploadsOf(user, Object.values(carried).flat());
      let foreign: string | undefined;
      for (const [field, ids] of Object.entries(carried)) {
        const mine = ids.filter((d) => own.has(d));
        if (mine.length < ids.length) foreign ??= field;
        if (mine.length) pending[field] = mine;
      }
      const expectedVersion = Version.parse(body.expectedVersion);
      // Files first, as pending uploads linked to nothing; the accepted event links them.
      // an optional kind for this form's files (the project file): an invoice, a fund statement …
      const documentKind = parseDocumentKind(body.documentKind, 'documentKind');
      if (files.length) pending = merged(pending, await services.documents.storeForProject(user, id, files, documentKind ? { kind: documentKind } : {}));
      if (foreign) throw new InvalidError(`${foreign} carries an upload that is not the sender's`, { fields: { [foreign]: 'validation.pendingUpload' } });
      const { payload, errors } = toPayload(spec, body, pending);
      if (Object.keys(errors).length) {
        const schema = validateEvent({ type, ...payload });
        throw invalid(errors, schema.ok ? {} : schema.fields);
      }
      await services.projects.send(user, id, { type, ...payload }, { expectedVersion });
      flash(req, 'projects.flash.sent', { event: t(ctx.lang, `projects.events.${type}.name`) });
      res.redirect(303, withLang(ctx, `/projects/${id}`));
    } catch (err) {
      if (!isAppError(err) || err.status >= 500 || err.status === 401) throw err;
      // A stale or refused form comes back with the user's input, its uploads (by name, and their ids
      // in hidden inputs) and the reasons (never a blank page).
      const data = await loadProjectPage(services, user, id);
      const values = typedValues(body);
      const docs = await services.documents.uploadsOf(user, Object.values(pending).flat());
      const kept: Record<string, string[]> = {};
      for (const f of spec.files ?? []) {
        delete values[f.name]; // a file field's value is its uploads, never what a body says it is
        const ids = (pending[f.name] ?? []).filter((d) => docs.has(d));
        if (!ids.length) continue;
        kept[f.name] = ids;
        values[f.name] = ids.map((d) => pendingEntry(docs.get(d)!));
      }
      render(req, res, 'pages/projects/detail', detailView(ctx, data, { type, values, err, pending: kept }), err.status);
    }
  }));

  return r;
}
