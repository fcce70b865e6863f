// Small helpers every page route uses: the page language, rendering with the common locals, the
// async-handler wrapper, flashes, and turning a service error into a form with its messages.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { isAppError } from '../errors.js';
import { LANGS, t, type Lang } from '../lib/i18n.js';
import { reasonText } from '../lib/reason-text.js';
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

/** Renders a page with the locals every layout needs. */
export function render(req: Request, res: Response, view: string, model: Record<string, unknown> = {}, status = 200): void {
  const lang = langOf(req);
  const flash = req.session?.flash;
  if (flash && req.session) req.session.flash = undefined;
  res.status(status).render(view, {
    lang,
    htmlLang: lang,
    otherLangs: LANGS.filter((l) => l !== lang),
    user: req.user,
    csrfToken: res.locals.csrfToken,
    nav: res.locals.nav,
    path: req.path,
    flash: flash ? { kind: flash.kind, text: t(lang, flash.key, flash.params) } : undefined,
    ...model,
  });
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

/**
 * A form's error state from a service error: an error summary (GOV.UK style) and field messages,
 * translated. Returns undefined for errors that are not the user's to fix (those go to the handler).
 */
export function formErrors(req: Request, err: unknown): { summary: Array<{ field?: string; text: string }>; fields: Record<string, string> } | undefined {
  if (!isAppError(err) || err.status >= 500 || err.status === 401) return undefined;
  const lang = langOf(req);
  const fields = Object.fromEntries(Object.entries(err.fields ?? {}).map(([k, v]) => [k, t(lang, v)]));
  const summary = [
    ...Object.entries(fields).map(([field, text]) => ({ field, text })),
    ...err.reasons.map((r) => ({ text: reasonText(lang, r.code, r.params ?? {}) })),
  ];
  if (summary.length === 0) summary.push({ text: t(lang, `errors.${err.code}`) });
  return { summary, fields };
}
