// Sign-in and sign-out. Log-in goes through the one limiter (src/auth/rate-limit.ts), shared with the API.
import express from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps.js';
import type { RateLimiter } from '../../auth/rate-limit.js';
import { loginAttempt, rememberDevice } from '../../auth/rate-limit-http.js';
import { InvalidError, isAppError } from '../../errors.js';
import { t, type Lang } from '../../lib/i18n.js';
import { langOf, page, render } from '../render.js';
import { field, parseForm } from '../params.js';
import { field as f, type FormSpec } from '../forms/form-model.js';
import { formView } from '../forms/form-view.js';

const LoginForm = z.object({ email: field(200), password: field(200), next: field(500) });

/** The sign-in form (labels `login.*`); the browser may check that both are filled. */
export const LOGIN_FORM: FormSpec = {
  labels: 'login',
  fields: [f('email', 'email', { autocomplete: 'username', required: true }), f('password', 'password', { autocomplete: 'current-password', required: true })],
};

/** The password is never shown back. */
const loginView = (lang: Lang, next: string, email: string, err?: unknown) => ({ title: t(lang, 'login.title'), next, ...formView({ lang, form: LOGIN_FORM, values: { email }, err }) });

/** Only local paths: an open redirect through ?next= would be a phishing aid. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?!\/)[\w\-./?=&%~+]*$/.test(next) && !next.startsWith('/login') ? next : '/inbox';
}

export function authRoutes(deps: Deps, csrfProtect: express.RequestHandler, limiter: RateLimiter): express.Router {
  const r = express.Router();

  r.get('/', (req, res) => res.redirect(req.user ? '/inbox' : '/public'));

  r.get('/login', (req, res) => {
    if (req.user) return res.redirect('/inbox');
    render(req, res, 'pages/auth/login', loginView(langOf(req), safeNext(req.query.next), ''));
  });

  r.post('/login', csrfProtect, page(async (req, res) => {
    const { email, password, next } = parseForm(req, LoginForm);
    try {
      const { user, device } = await limiter.signIn(loginAttempt(limiter, req, email), () => deps.services.users.authenticate(email, password));
      rememberDevice(res, device, deps.config.env === 'production');
      // A new session id on log-in: a session fixed before log-in is worth nothing after it.
      await new Promise<void>((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
      req.session.userId = user.id;
      res.redirect(safeNext(next));
    } catch (err) {
      if (!isAppError(err) || err.code !== 'UNAUTHENTICATED') throw err;
      // One message on the e-mail field: which of the two was wrong is not said.
      const failed = new InvalidError('sign-in failed', { fields: { email: 'login.failed' } });
      render(req, res, 'pages/auth/login', loginView(langOf(req), safeNext(next), email, failed), 401);
    }
  }));

  r.post('/logout', csrfProtect, (req, res, next) => {
    req.session.destroy((err) => {
      if (err) return next(err);
      res.clearCookie('wss.sid');
      res.redirect('/public');
    });
  });

  return r;
}
