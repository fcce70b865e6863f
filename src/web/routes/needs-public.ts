// The public form to report a need (issue 15 item 2), no log-in: /report-need (community, type,
// description, optional phone; CSRF as every form; rate-limited per address, counted with POST
// /api/v1/needs and Open311), the thank-you page naming only the need's reference, and
// /report-need/<ref>: its public status (open or closed and a fixed note), nothing personal.
// The phone is the need's contact: stored, never shown back (not even on a refused form).
import express from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps.js';
import type { RateLimiter } from '../../auth/rate-limit.js';
import { needLimit } from '../../auth/rate-limit-http.js';
import { NotFoundError, isAppError } from '../../errors.js';
import { t, type Lang } from '../../lib/i18n.js';
import { NEED_TYPES } from '../../../workflows/need/index.js';
import { createPublicNeeds, type PublicNeed } from '../../open311/public-needs.js';
import { field as fieldSpec, type FormSpec } from '../forms/form-model.js';
import { formView, isFormError, type Values } from '../forms/form-view.js';
import { placeName } from '../labels.js';
import { langOf, page, render } from '../render.js';
import { field, idParam, parseForm } from '../params.js';

const langQuery = (lang: Lang) => (lang === 'en' ? '?lang=en' : '');

export const REPORT_NEED_FORM: FormSpec = {
  labels: 'reportNeed.fields',
  hints: 'reportNeed.hints',
  fields: [
    fieldSpec('communityId', 'select', { options: 'communities', blank: true }),
    fieldSpec('type', 'select', { options: 'types', blank: true }),
    fieldSpec('description', 'textarea', { rows: 6 }),
    fieldSpec('phone', 'tel', { optional: true, autocomplete: 'tel' }),
  ],
};

const ReportForm = z.object({ communityId: field(64), type: field(64), description: field(5000), phone: field(40) });

export function needsPublicRoutes(deps: Deps, limiter: RateLimiter): express.Router {
  const r = express.Router();
  const needs = createPublicNeeds(deps);
  // Beyond the address's share: 429 on the error page, saying so in the reader's language.
  const counted = needLimit(limiter);
  const limit: express.RequestHandler = (req, res, next) => counted(req, res, (err?: unknown) => {
    if (!isAppError(err) || err.code !== 'RATE_LIMITED') return next(err as Error | undefined);
    const lang = langOf(req);
    if (typeof err.context?.retryAfter === 'number') res.setHeader('Retry-After', String(err.context.retryAfter));
    render(req, res, 'pages/error', { title: t(lang, 'reportNeed.title'), status: 429, message: t(lang, 'reportNeed.rateLimited') }, 429);
  });

  async function formPage(req: express.Request, res: express.Response, values: Values = {}, err?: unknown, status = 200) {
    const lang = langOf(req);
    const [streets, communities] = await Promise.all([deps.services.reference.streets(), deps.services.reference.communities()]);
    const streetOf = new Map(streets.map((s) => [s.id, s]));
    const options = {
      communities: communities.map((c) => ({ value: c.id, label: `${placeName(lang, c)}${lang === 'en' ? ', ' : ' · '}${placeName(lang, streetOf.get(c.streetId))}` })),
      types: NEED_TYPES.map((code) => ({ value: code, label: t(lang, `needs.types.${code}`) })),
    };
    res.setHeader('Cache-Control', 'no-store');
    render(req, res, 'pages/public/report-need', {
      title: t(lang, 'reportNeed.title'), action: `/report-need${langQuery(lang)}`,
      ...formView({ lang, form: REPORT_NEED_FORM, values, options, err, rename: { 'contact.phone': 'phone', contact: 'phone' } }),
    }, status);
  }

  r.get('/report-need', page(async (req, res) => formPage(req, res)));

  r.post('/report-need', limit, page(async (req, res) => {
    const lang = langOf(req);
    const form = parseForm(req, ReportForm);
    try {
      const { ref } = await needs.report({ communityId: form.communityId, type: form.type, description: form.description, phone: form.phone.trim() || undefined });
      res.redirect(303, `/report-need/${encodeURIComponent(ref)}/thanks${langQuery(lang)}`);
    } catch (err) {
      if (!isFormError(err)) throw err;
      // what was typed comes back, except the phone (personal data is never shown back)
      await formPage(req, res, { communityId: form.communityId, type: form.type, description: form.description }, err, 422);
    }
  }));

  async function known(req: express.Request): Promise<PublicNeed> {
    const n = await needs.byRef(idParam(req, 'ref'));
    if (!n) throw new NotFoundError('no such need');
    return n;
  }

  r.get('/report-need/:ref/thanks', page(async (req, res) => {
    const lang = langOf(req);
    const n = await known(req);
    res.setHeader('Cache-Control', 'no-store');
    render(req, res, 'pages/public/report-need-thanks', {
      title: t(lang, 'reportNeed.thanks.title'), ref: n.ref, statusHref: `/report-need/${encodeURIComponent(n.ref)}${langQuery(lang)}`,
    });
  }));

  r.get('/report-need/:ref', page(async (req, res) => {
    const lang = langOf(req);
    const n = await known(req);
    const note = n.state === 'referred' ? `referred_${n.referredLevel ?? 'street'}` : n.state;
    res.setHeader('Cache-Control', 'no-store');
    render(req, res, 'pages/public/report-need-status', {
      title: t(lang, 'reportNeed.status.title', { ref: n.ref }), ref: n.ref, type: t(lang, `needs.types.${n.type}`),
      status: n.status, statusText: t(lang, n.status === 'open' ? 'reportNeed.status.statusOpen' : 'reportNeed.status.statusClosed'), notes: t(lang, `open311.notes.${note}`),
      receivedAt: n.receivedAt, updatedAt: n.updatedAt, againHref: `/report-need${langQuery(lang)}`,
    });
  }));

  return r;
}
