// Sessions in the database, CSRF tokens on every form (double-submit, bound to the session), and
// the signed-in user on req.user / res.locals. Cookies: HttpOnly, SameSite=Lax, Secure in production.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { RequestHandler } from 'express';
import session from 'express-session';
import cookieParser from 'cookie-parser';
import { doubleCsrf } from 'csrf-csrf';
import type { Config } from '../config.js';
import type { Deps } from '../deps.js';
import { ForbiddenError } from '../errors.js';
import { KnexSessionStore } from './session-store.js';

declare module 'express-session' {
  interface SessionData {
    userId?: string;
    flash?: { kind: 'success' | 'info'; key: string; params?: Record<string, unknown> };
  }
}

/** SESSION_SECRET, or one generated once and kept in the data folder (never in production). */
export function sessionSecret(config: Config): string {
  if (config.sessionSecret) return config.sessionSecret;
  const file = path.join(config.dataDir, 'session-secret');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    fs.mkdirSync(config.dataDir, { recursive: true });
    const secret = randomBytes(48).toString('base64url');
    fs.writeFileSync(file, secret, { mode: 0o600 });
    return secret;
  }
}

export const SESSION_COOKIE = 'wss.sid';
export const CSRF_COOKIE = 'wss.csrf';
/** A random id for visitors without a session, so their forms' CSRF tokens have something to bind to. */
export const ANON_COOKIE = 'wss.anon';

export function securityMiddleware(deps: Deps): { session: RequestHandler; cookies: RequestHandler; csrfProtect: RequestHandler; csrfToken: RequestHandler; loadUser: RequestHandler } {
  const secret = sessionSecret(deps.config);
  const secure = deps.config.env === 'production';
  const sessionMw = session({
    name: SESSION_COOKIE,
    secret,
    store: new KnexSessionStore(deps.db),
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: { httpOnly: true, sameSite: 'lax', secure, maxAge: 8 * 3600_000 },
  });
  const csrf = doubleCsrf({
    getSecret: () => secret,
    // Bound to the session when there is one; anonymous forms (log-in, objections) fall back to
    // the CSRF cookie's own random value, set on first page view.
    getSessionIdentifier: (req) => (req.session?.userId ? req.sessionID : ((req.cookies as Record<string, string>)[ANON_COOKIE] ?? '')),
    cookieName: CSRF_COOKIE,
    cookieOptions: { httpOnly: true, sameSite: 'lax', secure, path: '/' },
    // Multipart forms (uploads) carry the token in the action's query string, because the body is
    // parsed later by multer; query strings are never logged and Referrer-Policy is no-referrer.
    getCsrfTokenFromRequest: (req) =>
      (req.body as { _csrf?: string } | undefined)?._csrf ?? (req.headers['x-csrf-token'] as string | undefined) ?? (typeof req.query._csrf === 'string' ? req.query._csrf : undefined),
  });
  const csrfProtect: RequestHandler = (req, res, next) => {
    csrf.doubleCsrfProtection(req, res, (err?: unknown) => {
      if (err) return next(new ForbiddenError('invalid CSRF token', { reasons: [{ code: 'CSRF' }] }));
      next();
    });
  };
  const csrfToken: RequestHandler = (req, res, next) => {
    const cookies = req.cookies as Record<string, string>;
    if (!req.session?.userId && !cookies[ANON_COOKIE]) {
      cookies[ANON_COOKIE] = randomBytes(24).toString('base64url');
      res.cookie(ANON_COOKIE, cookies[ANON_COOKIE], { httpOnly: true, sameSite: 'lax', secure, path: '/' });
    }
    res.locals.csrfToken = csrf.generateCsrfToken(req, res);
    next();
  };
  const loadUser: RequestHandler = (req, res, next) => {
    const id = req.session?.userId;
    if (!id) return next();
    deps.services.users.get(id).then(
      (u) => {
        if (u.disabled) {
          req.session.userId = undefined;
          return next();
        }
        req.user = u;
        res.locals.user = u;
        next();
      },
      () => {
        req.session.userId = undefined;
        next();
      },
    );
  };
  return { session: sessionMw, cookies: cookieParser(), csrfProtect, csrfToken, loadUser };
}
