// Public pages, no log-in (issue 4 item 7): notices with an objection form, projects, statistics.
// No personal data: the services hand over masked projects and stage-only timelines.
import express from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps.js';
import type { RateLimiter } from '../../auth/rate-limit.js';
import { objectionLimit } from '../../auth/rate-limit-http.js';
import { t } from '../../lib/i18n.js';
import { langOf, page, render } from '../render.js';
import { sharedPage, type SharedPage } from '../shared-pages.js';
import { field, idParam, parseForm, parseQuery, queryText, queryYear } from '../params.js';
import { PublicListSchema } from '../../public/public-service.js';
import { objectionForm, presentNotice, presentNotices, presentPublicList, presentPublicProject, presentStats, type Stats } from '../public-view.js';
import { isFormError } from '../forms/form-view.js';
import { presentPrintNotice } from '../public-notice-view.js';
import { qrSvg, shareTags } from '../share.js';
import { publicSummary } from '../ratings-view.js';
import { absoluteUrl } from '../../lib/urls.js';
import type { Lang } from '../../lib/i18n.js';
import { derivedOnce } from '../../lib/read-cache.js';

const ObjectionForm = z.object({ text: field(5000), contact: field(200) });
const NoticesQuery = z.object({ page: z.coerce.number().int().min(1).max(100_000).catch(1).default(1) });
const StatsQuery = z.object({ year: queryYear(), to: queryYear(), street: queryText(64) });

/**
 * The public pages every visitor sees alike, from their kept answers (src/lib/read-cache.ts): the
 * project list and the statistics. The full chain renders them for signed-in users
 * (publicRoutes), and they are served whole to everyone else (publicSharedRoutes, src/web/shared-pages.ts).
 * One per app's deps, so both routers share the statistics' rendered tables.
 */
const sharedOf = new WeakMap<Deps, ReturnType<typeof buildSharedPublicPages>>();
function sharedPublicPages(deps: Deps) {
  let shared = sharedOf.get(deps);
  if (!shared) sharedOf.set(deps, (shared = buildSharedPublicPages(deps)));
  return shared;
}

function buildSharedPublicPages(deps: Deps) {
  // The statistics are the same for every visitor in a language (and street), and at a city's size
  // their tables are a hundred kilobytes of HTML (every street, and one street's communities):
  // rendered once per kept answer and language, then placed into the layout as it is (for a
  // signed-in user's layout, with their navigation, on every view).
  // The views are the app's that serves the request (the routes are built before it is mounted).
  const statsHtmlOf = new WeakMap<express.Application, (stats: Stats, lang: Lang) => Promise<string>>();
  const statsHtml = (app: express.Application) => {
    let derive = statsHtmlOf.get(app);
    if (!derive) {
      derive = derivedOnce((stats: Stats, lang: Lang) => new Promise<string>((resolve, reject) => {
        app.render('pages/public/stats', { lang, ...presentStats(lang, stats), layout: false }, (err, html) => (err ? reject(err) : resolve(html!)));
      }));
      statsHtmlOf.set(app, derive);
    }
    return derive;
  };
  return {
    async list(req: express.Request): Promise<SharedPage> {
      const lang = langOf(req);
      const answer = await deps.services.publicSite.list(parseQuery(req, PublicListSchema));
      return { answer, view: 'pages/public/projects', model: () => ({ title: t(lang, 'public.projects.title'), ...presentPublicList(lang, answer) }) };
    },
    async stats(req: express.Request): Promise<SharedPage> {
      const lang = langOf(req);
      const range = parseQuery(req, StatsQuery);
      const answer = await deps.services.publicSite.stats(range.year, range.to, range.street);
      return { answer, view: 'pages/public/stats-page', model: async () => ({ title: t(lang, 'public.stats.title'), statsHtml: await statsHtml(req.app)(answer, lang) }) };
    },
  };
}

/**
 * The shared public pages served whole to visitors without a session, mounted before the session,
 * CSRF and navigation middleware (src/web/pages.ts); everyone else passes on to publicRoutes.
 */
export function publicSharedRoutes(deps: Deps): express.Router {
  const r = express.Router();
  const shared = sharedPublicPages(deps);
  r.get('/public/projects', sharedPage(shared.list));
  r.get('/public/stats', sharedPage(shared.stats));
  return r;
}

export function publicRoutes(deps: Deps, limiter: RateLimiter): express.Router {
  const r = express.Router();
  const shared = sharedPublicPages(deps);
  // Counted with the API's objections (one limiter, in the database).
  const limitObjections = objectionLimit(limiter);

  r.get('/public', page(async (req, res) => {
    const lang = langOf(req);
    const { total } = await deps.services.publicSite.notices();
    const q = lang === 'en' ? '?lang=en' : '';
    render(req, res, 'pages/public/index', {
      title: t(lang, 'public.home.title'), noticeCount: total,
      links: { notices: `/public/notices${q}`, projects: `/public/projects${q}`, stats: `/public/stats${q}` },
    });
  }));

  r.get('/public/notices', page(async (req, res) => {
    const lang = langOf(req);
    const { page: n } = parseQuery(req, NoticesQuery);
    render(req, res, 'pages/public/notices', { title: t(lang, 'public.notices.title'), ...presentNotices(lang, await deps.services.publicSite.notices(n)) });
  }));

  /** The notice page's model: the notice, its QR code (the page's own absolute address) and the chat-app tags. */
  async function noticePage(lang: Lang, id: string) {
    const model = presentNotice(lang, await deps.services.publicSite.notice(id));
    const path = `/public/notices/${encodeURIComponent(id)}`;
    const url = absoluteUrl(deps.config.baseUrl, path);
    const period = model.runningNotice?.period;
    return {
      ...model,
      title: model.heading,
      noticeUrl: url,
      qr: await qrSvg(url, t(lang, 'public.share.qrLabel', { title: model.project.title })),
      share: shareTags(deps.config.baseUrl, {
        title: model.heading, path: `${path}${lang === 'en' ? '?lang=en' : ''}`,
        description: [model.project.title, model.runningNotice?.kind, period ?? t(lang, 'public.share.noticeOver')].filter(Boolean).join(' · '),
      }),
    };
  }

  r.get('/public/notices/:id', page(async (req, res) => {
    const lang = langOf(req);
    render(req, res, 'pages/public/notice', { ...objectionForm(lang), ...(await noticePage(lang, idParam(req))) });
  }));

  r.post('/public/notices/:id', limitObjections, page(async (req, res) => {
    const lang = langOf(req);
    const id = idParam(req);
    const form = parseForm(req, ObjectionForm);
    try {
      await deps.services.publicSite.object(id, form);
      res.redirect(303, `/public/notices/${encodeURIComponent(id)}/thanks${lang === 'en' ? '?lang=en' : ''}`);
    } catch (err) {
      if (!isFormError(err)) throw err;
      render(req, res, 'pages/public/notice', { ...objectionForm(lang, form, err), ...(await noticePage(lang, id)) }, (err as { status?: number }).status ?? 422);
    }
  }));

  r.get('/public/notices/:id/thanks', page(async (req, res) => {
    const lang = langOf(req);
    const id = idParam(req);
    render(req, res, 'pages/public/thanks', { title: t(lang, 'public.thanks.title'), ...presentNotice(lang, await deps.services.publicSite.notice(id)) });
  }));

  r.get('/public/projects', page(async (req, res) => {
    const p = await shared.list(req);
    render(req, res, p.view, await p.model());
  }));

  r.get('/public/projects/:id', page(async (req, res) => {
    const lang = langOf(req);
    const id = idParam(req);
    const model = presentPublicProject(lang, await deps.services.publicSite.project(id));
    const share = shareTags(deps.config.baseUrl, {
      title: model.heading, path: `/public/projects/${encodeURIComponent(id)}${lang === 'en' ? '?lang=en' : ''}`,
      description: [model.project.title, model.runningNotice ? `${model.runningNotice.kind} · ${model.runningNotice.period}` : model.project.stage, `${model.project.community} · ${model.project.street}`].join(' · '),
    });
    // residents' ratings: count, average, share at 4–5 stars; never names or comments
    const ratings = publicSummary(lang, await deps.services.ratings.summary(id));
    render(req, res, 'pages/public/project', { title: model.heading, ...model, share, ratings });
  }));

  // The printable notice (A4) for the community's notice board: its own layout, no navigation.
  r.get('/public/projects/:id/notice', page(async (req, res) => {
    const lang = langOf(req);
    const id = idParam(req);
    const model = presentPrintNotice(lang, await deps.services.publicSite.printNotice(id), deps.config.baseUrl);
    // The QR code on the printed sheet opens the notice's page, where residents read it and object.
    const url = absoluteUrl(deps.config.baseUrl, `/public/notices/${encodeURIComponent(id)}`);
    const share = shareTags(deps.config.baseUrl, {
      title: `${model.kind}${lang === 'en' ? ': ' : '：'}${model.projectTitle}`, path: `/public/projects/${encodeURIComponent(id)}/notice${lang === 'en' ? '?lang=en' : ''}`,
      description: `${model.ref} ${model.projectTitle} · ${model.period}`,
    });
    render(req, res, 'pages/public/notice-print', { ...model, layout: 'print', noticeUrl: url, qr: await qrSvg(url, t(lang, 'public.share.qrLabel', { title: model.projectTitle })), share });
  }));

  r.get('/public/stats', page(async (req, res) => {
    const p = await shared.stats(req);
    render(req, res, p.view, await p.model());
  }));

  return r;
}
