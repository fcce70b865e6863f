// The signed-in user's profile (/profile): the language of the pages (and of their e-mail), stored
// on the user (users.lang). Pages follow ?lang= first, then this choice, then the browser.
import express, { type Request, type Response } from 'express';
import type { Deps } from '../../deps.js';
import { InvalidError } from '../../errors.js';
import { LANGS, t, type Lang } from '../../lib/i18n.js';
import { flash, langOf, page, render, requireRole } from '../render.js';
import { field, type FormSpec } from '../forms/form-model.js';
import { formView } from '../forms/form-view.js';

/** The profile form: the language of the pages, one radio per language. */
export const PROFILE_FORM: FormSpec = { labels: 'profile', fields: [field('lang', 'radios', { options: 'langs', hint: 'profile.langHint' })] };

function profileView(req: Request, res: Response, chosen: string, err?: unknown) {
  const lang = langOf(req);
  const user = req.user!;
  const lq = typeof req.query.lang === 'string' ? `?lang=${lang}` : '';
  return {
    title: t(lang, 'profile.title'),
    account: [
      { label: t(lang, 'profile.name'), value: user.name },
      { label: t(lang, 'profile.email'), value: user.email },
      { label: t(lang, 'profile.role'), value: t(lang, `roleNames.${user.role}`) },
    ],
    action: `/profile${lq}`,
    csrfToken: String(res.locals.csrfToken ?? ''),
    ...formView({ lang, form: PROFILE_FORM, values: { lang: chosen }, options: { langs: LANGS.map((l) => ({ value: l, label: t(lang, `profile.langs.${l}`), lang: l })) }, err }),
  };
}

export function profileRoutes(deps: Deps): express.Router {
  const r = express.Router();
  r.get('/profile', requireRole(), (req, res) => {
    render(req, res, 'pages/profile/index', profileView(req, res, req.user!.lang));
  });
  r.post('/profile', requireRole(), page(async (req, res) => {
    const chosen = (req.body as { lang?: unknown } | undefined)?.lang;
    if (typeof chosen !== 'string' || !(LANGS as readonly string[]).includes(chosen)) {
      const err = new InvalidError('no language chosen', { fields: { lang: 'profile.chooseLang' } });
      return render(req, res, 'pages/profile/index', profileView(req, res, req.user!.lang, err), 422);
    }
    req.user = await deps.services.users.update(req.user!.id, { lang: chosen as Lang });
    flash(req, 'profile.saved');
    // No ?lang= on the way back: the page now speaks the language just chosen.
    res.redirect(303, '/profile');
  }));
  return r;
}
