// Sign-in and sign-out. Log-in is rate-limited per account and per address (failures only).
import express from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps.js';
import { loginLimiters, type LoginLimits } from '../../auth/rate-limit.js';
import { isAppError } from '../../errors.js';
import { t } from '../../lib/i18n.js';
import { langOf, page, render } from '../render.js';
import { field, parseForm } from '../params.js';

const LoginForm = z.object({ email: field(200), password: field(200), next: field(500) });

/** Only local paths: an open redirect through ?next= would be a phishing aid. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?!\/)[\w\-./?=&%~+]*$/.test(next) && !next.startsWith('/login') ? next : '/inbox';
}

export function authRoutes(deps: Deps, csrfProtect: express.RequestHandler, limits?: LoginLimits): express.Router {
  const r = express.Router();

  r.get('/', (req, res) => res.redirect(req.user ? '/inbox' : '/public'));

  r.get('/login', (req, res) => {
    if (req.user) return res.redirect('/inbox');
    render(req, res, 'pages/auth/login', { title: t(langOf(req), 'login.title'), next: safeNext(req.query.next), email: '' });
  });

  r.post('/login', csrfProtect, ...loginLimiters(limits), page(async (req, res) => {
    const { email, password, next } = parseForm(req, LoginForm);
    try {
      const user = await deps.services.users.authenticate(email, password);
      // A new session id on log-in: a session fixed before log-in is worth nothing after it.
      await new Promise<void>((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
      req.session.userId = user.id;
      res.redirect(safeNext(next));
    } catch (err) {
      if (!isAppError(err) || err.code !== 'UNAUTHENTICATED') throw err;
      const lang = langOf(req);
      render(req, res, 'pages/auth/login', {
        title: t(lang, 'login.title'), next: safeNext(next), email,
        errors: { summary: [{ field: 'email', text: t(lang, 'login.failed') }], fields: { email: t(lang, 'login.failed') } },
      }, 401);
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
