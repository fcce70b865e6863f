// Failed log-ins are limited per account and per address. Only failures count
// (skipSuccessfulRequests), so a person who signs in and out often is never locked out.
// Rate limits run on wall time, never the sandbox clock.
import type { RequestHandler } from 'express';
import { rateLimit, ipKeyGenerator } from 'express-rate-limit';
import { RateLimitedError } from '../errors.js';

export interface LoginLimits {
  perAccount: number;
  perAddress: number;
  windowMs: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perAccount: 5, perAddress: 20, windowMs: 15 * 60_000 };

function limited(): RequestHandler {
  return (_req, _res, next) => next(new RateLimitedError('too many failed log-ins'));
}

export function loginLimiters(limits: LoginLimits = DEFAULT_LOGIN_LIMITS): RequestHandler[] {
  const common = {
    windowMs: limits.windowMs,
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-8' as const,
    legacyHeaders: false,
    handler: limited(),
  };
  return [
    rateLimit({ ...common, limit: limits.perAddress, keyGenerator: (req) => `ip:${ipKeyGenerator(req.ip ?? '')}` }),
    rateLimit({
      ...common,
      limit: limits.perAccount,
      keyGenerator: (req) => `acct:${String((req.body as { email?: unknown } | undefined)?.email ?? '').trim().toLowerCase()}`,
    }),
  ];
}

/** Objections from the public: a few per address per hour. */
export function objectionLimiter(limit = 10, windowMs = 3600_000): RequestHandler {
  return rateLimit({ windowMs, limit, standardHeaders: 'draft-8', legacyHeaders: false, handler: limited(), keyGenerator: (req) => `obj:${ipKeyGenerator(req.ip ?? '')}` });
}
