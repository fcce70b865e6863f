// Residents' ratings (issue 14 item 4). Staff: the ratings page of a project and the printed sheets
// (POST: the codes exist only in that answer, never stored plain). Public, no log-in: /r (type a
// code), /r/<code> (rate: 1–5 stars and an optional comment, CSRF as every form, rate-limited per
// address). The code in the address is never logged (src/app.ts).
import express from 'express';
import QRCode from 'qrcode';
import { z } from 'zod';
import type { Deps } from '../../deps.js';
import type { RateLimiter } from '../../auth/rate-limit.js';
import { ratingLimit } from '../../auth/rate-limit-http.js';
import { isAppError } from '../../errors.js';
import { t, type Lang } from '../../lib/i18n.js';
import { langOf, page, render, requireRole } from '../render.js';
import { assets } from '../assets.js';
import { field, idParam, parseQuery } from '../params.js';
import { normaliseCode } from '../../ratings/rating-service.js';
import { codeUrl, ratingForm, rateAddress, refusalText, sheets, staffPanel } from '../ratings-view.js';

const langQuery = (lang: Lang) => (lang === 'en' ? '?lang=en' : '');
const CodeQuery = z.object({ code: z.preprocess((v) => (Array.isArray(v) ? v[0] : v), z.string().max(40)).optional().catch(undefined) });
const ThanksQuery = z.object({ project: z.preprocess((v) => (Array.isArray(v) ? v[0] : v), z.string().max(64)).optional().catch(undefined) });
const RatingBody = z.object({ stars: field(2), comment: field(5000) });

/** The QR code of one sheet's address, as inline SVG, labelled; not cached (each code is used once). */
async function sheetQr(url: string, label: string): Promise<string> {
  const svg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 4, color: { dark: '#000000', light: '#ffffff' } });
  const escaped = label.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return svg.trim().replace(/^<svg /, `<svg class="qr" role="img" aria-label="${escaped}" width="150" height="150" `);
}

export function ratingRoutes(deps: Deps, limiter: RateLimiter): express.Router {
  const r = express.Router();
  const ratings = deps.services.ratings;

  r.get('/projects/:id/ratings', requireRole(), page(async (req, res) => {
    const lang = langOf(req);
    const id = idParam(req);
    const project = await deps.services.projects.get(req.user!, id);
    const panel = staffPanel(lang, id, await ratings.staffView(req.user!, id));
    res.setHeader('Cache-Control', 'private, no-store');
    render(req, res, 'pages/ratings/staff', {
      title: t(lang, 'ratings.staff.title'), ...panel, ref: project.ref, projectTitle: project.title,
      backHref: `/projects/${encodeURIComponent(id)}${langQuery(lang)}`, defaultCount: Math.min(50, Math.max(1, project.beneficiaryCount ?? 20)),
    });
  }));

  // The sheets, printed at once: the plain codes are in this answer only (kept hashed).
  r.post('/projects/:id/ratings/sheets', requireRole('community'), page(async (req, res) => {
    const lang = langOf(req);
    const id = idParam(req);
    const project = await deps.services.projects.get(req.user!, id);
    const { codes } = await ratings.issue(req.user!, id, { count: (req.body as { count?: unknown } | undefined)?.count });
    const label = t(lang, 'ratings.sheets.qrLabel', { title: project.title });
    const withQr = await Promise.all(codes.map(async (code) => ({ code, qr: await sheetQr(codeUrl(deps.config.baseUrl, code), label) })));
    res.setHeader('Cache-Control', 'private, no-store');
    render(req, res, 'pages/ratings/sheets', {
      ...sheets(lang, { ref: project.ref, title: project.title, baseUrl: deps.config.baseUrl, codes: withQr }),
      layout: 'print', printCss: [assets().href('rating-sheets.css')],
    });
  }));

  // The address printed on the sheet: type the code here.
  r.get('/r', page(async (req, res) => {
    const lang = langOf(req);
    const { code } = parseQuery(req, CodeQuery);
    if (code) return res.redirect(303, `/r/${encodeURIComponent(normaliseCode(code))}${langQuery(lang)}`);
    render(req, res, 'pages/ratings/enter', { title: t(lang, 'ratings.enter.title'), address: rateAddress(deps.config.baseUrl), lang });
  }));

  r.get('/r/thanks', page(async (req, res) => {
    const lang = langOf(req);
    const { project } = parseQuery(req, ThanksQuery);
    render(req, res, 'pages/ratings/thanks', {
      title: t(lang, 'ratings.thanks.title'),
      projectHref: project ? `/public/projects/${encodeURIComponent(project)}${langQuery(lang)}` : null,
    });
  }));

  /** The rating page, or why this code cannot rate (used, period over, unknown: 404). */
  async function ratingPage(req: express.Request, res: express.Response, values?: { stars?: unknown; comment?: unknown }, err?: unknown, status = 200) {
    const lang = langOf(req);
    const code = normaliseCode(String(req.params.code ?? ''));
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    const o = await ratings.open(code);
    if (o.used || !o.open) {
      return render(req, res, 'pages/ratings/closed', {
        title: t(lang, 'ratings.page.title'), projectTitle: o.title, message: t(lang, o.used ? 'reasons.RATING_CODE_USED' : 'reasons.RATING_PERIOD_CLOSED'),
      }, status === 200 ? 200 : 409);
    }
    render(req, res, 'pages/ratings/rate', ratingForm(lang, { code, title: o.title, endsAt: o.endsAt, ...(values ? { values } : {}), err }), status);
  }

  r.get('/r/:code', page(async (req, res) => ratingPage(req, res)));

  r.post('/r/:code', ratingLimit(limiter), page(async (req, res) => {
    const lang = langOf(req);
    const code = normaliseCode(String(req.params.code ?? ''));
    const body = RatingBody.parse(req.body ?? {});
    try {
      const { projectId } = await ratings.rate(code, { stars: body.stars, comment: body.comment });
      res.redirect(303, `/r/thanks?project=${encodeURIComponent(projectId)}${lang === 'en' ? '&lang=en' : ''}`);
    } catch (err) {
      if (!isAppError(err) || (err.status !== 422 && err.status !== 409)) throw err;
      if (err.status === 409) {
        return render(req, res, 'pages/ratings/closed', { title: t(lang, 'ratings.page.title'), message: refusalText(lang, err) }, 409);
      }
      await ratingPage(req, res, body, err, 422);
    }
  }));

  return r;
}
