// Need pages (需求, issue 15 item 2): the list with filters (scoped by role as the service scopes
// it), recording a need (community staff), one need with its timeline and one POST per event it
// offers. Each route parses its input, makes one service call (or one page query) and renders or
// redirects (PRG); a refused or invalid form comes back on the need's page with its messages.
import express from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps.js';
import { InvalidError, NotFoundError, isAppError } from '../../errors.js';
import { t } from '../../lib/i18n.js';
import { NEED_SOURCES, NEED_STATES, NEED_TYPES, parseNewNeed, validate as validateEvent } from '../../../workflows/need/index.js';
import { flash, page, render, requireRole } from '../render.js';
import { idParam, parseQuery, queryChoice, queryText } from '../params.js';
import { toPayload, type FormBody } from '../forms/form-model.js';
import { withLang } from '../project-view.js';
import { pageCtx, typedValues } from './projects.js';
import {
  NEED_EVENT_FORMS, NEW_NEED_FORM, loadNeedList, loadNeedPage, loadNewNeed, needDetailView, needListView, newNeedView, toNeedPayload,
} from '../need-view.js';

const ListFilter = z.object({
  state: queryChoice(NEED_STATES), type: queryChoice(NEED_TYPES), source: queryChoice(NEED_SOURCES), communityId: queryText(64),
  page: z.preprocess((v) => (v === '' ? undefined : v), z.string().regex(/^\d{1,5}$/, 'validation.integer').optional()),
});

/** The form's version: absent, or a number (anything else is refused, never dropped). */
function versionOf(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string' && /^\d{1,9}$/.test(v)) return Number(v);
  throw new InvalidError('expectedVersion must be a version number', { fields: { expectedVersion: 'validation.integer' } });
}

/** Errors a person can fix come back on the form; the rest go to the error page. */
const formError = (err: unknown) => isAppError(err) && err.status < 500 && err.status !== 401;

export function needPageRoutes(deps: Deps): express.Router {
  const { services } = deps;
  const r = express.Router();
  const staff = requireRole('community', 'street', 'district');

  r.get('/needs', staff, page(async (req, res) => {
    const raw = parseQuery(req, ListFilter);
    const filter = Object.fromEntries(Object.entries(raw).filter(([k, v]) => v !== undefined && k !== 'page')) as Record<string, string>;
    const data = await loadNeedList(services, req.user!, { ...filter, page: raw.page ?? '1' });
    render(req, res, 'pages/needs/list', needListView(pageCtx(req, res), req.user!, data, filter));
  }));

  r.get('/needs/new', requireRole('community'), page(async (req, res) => {
    render(req, res, 'pages/needs/new', newNeedView(pageCtx(req, res), await loadNewNeed(services, req.user!)));
  }));

  r.post('/needs/new', requireRole('community'), page(async (req, res) => {
    const ctx = pageCtx(req, res);
    const body = (req.body ?? {}) as FormBody;
    try {
      const { payload, errors } = toPayload(NEW_NEED_FORM, body);
      // every field's message at once: the workflow's schema, what could not be read, and a staff
      // form never records a need as the public's
      const parsed = parseNewNeed(payload);
      const fields = { ...(parsed.ok ? {} : parsed.fields), ...errors, ...(payload.source === 'public' ? { source: 'validation.enum' } : {}) };
      if (Object.keys(fields).length) throw new InvalidError('invalid form', { fields });
      const need = (await services.needs.create(req.user!, payload)) as { id: string; ref: string };
      flash(req, 'needsPages.flash.created', { ref: need.ref });
      res.redirect(303, withLang(ctx, `/needs/${need.id}`));
    } catch (err) {
      if (!formError(err)) throw err;
      render(req, res, 'pages/needs/new', newNeedView(ctx, await loadNewNeed(services, req.user!), typedValues(body), err), (err as { status: number }).status);
    }
  }));

  r.get('/needs/:id', staff, page(async (req, res) => {
    const data = await loadNeedPage(services, req.user!, idParam(req), deps.clock.now());
    render(req, res, 'pages/needs/detail', needDetailView(pageCtx(req, res), data));
  }));

  r.post('/needs/:id/events/:type', staff, page(async (req, res) => {
    const id = idParam(req);
    const type = String(req.params.type);
    if (!Object.hasOwn(NEED_EVENT_FORMS, type)) throw new NotFoundError(`no form for ${type.slice(0, 50)}`);
    const ctx = pageCtx(req, res);
    const user = req.user!;
    const body = (req.body ?? {}) as FormBody;
    try {
      const expectedVersion = versionOf(Array.isArray(body.expectedVersion) ? body.expectedVersion[0] : body.expectedVersion);
      const { payload, errors } = toNeedPayload(type, body);
      if (Object.keys(errors).length) {
        const schema = validateEvent({ type, ...payload });
        throw new InvalidError('invalid form', { fields: { ...(schema.ok ? {} : schema.fields), ...errors } });
      }
      await services.needs.send(user, id, { type, ...payload }, { expectedVersion });
      flash(req, 'needsPages.flash.sent', { event: t(ctx.lang, `needs.events.${type}`) });
      res.redirect(303, withLang(ctx, `/needs/${id}`));
    } catch (err) {
      if (!formError(err)) throw err;
      // the need's page again, with what was typed and why it was refused (nothing was changed)
      const data = await loadNeedPage(services, user, id, deps.clock.now());
      render(req, res, 'pages/needs/detail', needDetailView(ctx, data, { type, values: typedValues(body), err }), (err as { status: number }).status);
    }
  }));

  return r;
}
