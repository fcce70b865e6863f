// Small helpers every page route uses: the page language, rendering with the common locals, the
// async-handler wrapper and flashes.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { LANGS, t, type Lang } from '../lib/i18n.js';
import { UnauthenticatedError, ForbiddenError } from '../errors.js';
import type { Role } from '../auth/users.js';
import { requestLang } from './errors.js';

export type PageHandler = (req: Request, res: Response) => Promise<unknown>;

export const page = (fn: PageHandler): RequestHandler => (req: Request, res: Response, next: NextFunction) => {
  fn(req, res).catch(next);
};

export function langOf(req: Request): Lang {
  return requestLang(req);
}

/** A URL carrying on the language the page was asked for with ?lang= (for links, form actions and redirects after a post). */
export function keepLang(req: Request, url: string): string {
  return typeof req.query.lang === 'string' ? `${url}${url.includes('?') ? '&' : '?'}lang=${langOf(req)}` : url;
}

/** The locals every layout needs, with the page's model over them (no side effects: the flash is render's). */
export function pageLocals(req: Request, res: Response, model: Record<string, unknown>, flash?: { kind: string; text: string }): Record<string, unknown> {
  const lang = langOf(req);
  return {
    lang,
    htmlLang: lang,
    otherLangs: LANGS.filter((l) => l !== lang),
    user: req.user,
    csrfToken: res.locals.csrfToken,
    nav: res.locals.nav,
    path: req.path,
    flash,
    ...model,
  };
}

/** Renders a page with the locals every layout needs. */
export function render(req: Request, res: Response, view: string, model: Record<string, unknown> = {}, status = 200): void {
  const lang = langOf(req);
  const flash = req.session?.flash;
  if (flash && req.session) req.session.flash = undefined;
  res.status(status).render(view, pageLocals(req, res, model, flash ? { kind: flash.kind, text: t(lang, flash.key, flash.params) } : undefined));
}

export function flash(req: Request, key: string, params?: Record<string, unknown>, kind: 'success' | 'info' = 'success'): void {
  if (req.session) req.session.flash = { kind, key, ...(params ? { params } : {}) };
}

/** Signed-in users only (optionally of these roles); pages redirect anonymous visitors to /login. */
export function requireRole(...roles: Role[]): RequestHandler {
  return (req, res, next) => {
    if (!req.user) {
      if (req.method === 'GET') return res.redirect(`/login?next=${encodeURIComponent(req.originalUrl)}`);
      return next(new UnauthenticatedError('sign in first'));
    }
    if (roles.length && !roles.includes(req.user.role)) return next(new ForbiddenError('wrong role', { reasons: [{ code: 'WRONG_ROLE' }] }));
    next();
  };
}

