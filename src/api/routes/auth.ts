// POST /auth/token (sign in for a token, through the one limiter shared with the log-in page) and GET /me.
import express from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps.js';
import { UnauthenticatedError } from '../../errors.js';
import type { RateLimiter } from '../../auth/rate-limit.js';
import { loginAttempt, rememberDevice } from '../../auth/rate-limit-http.js';
import type { User } from '../../auth/users.js';
import type { BearerAuth } from '../bearer.js';
import { h } from '../handler.js';

const Credentials = z.object({ email: z.string().max(200), password: z.string().max(200) });

export function presentUser(u: User) {
  return {
    id: u.id, email: u.email, name: u.name, role: u.role, lang: u.lang,
    ...(u.districtId ? { districtId: u.districtId } : {}), ...(u.communityId ? { communityId: u.communityId } : {}),
    ...(u.streetId ? { streetId: u.streetId } : {}), ...(u.vendorId ? { vendorId: u.vendorId } : {}),
  };
}

export function authRoutes(deps: Deps, auth: BearerAuth, limiter: RateLimiter): express.Router {
  const { users } = deps.services;
  const r = express.Router();

  r.post('/auth/token', h(async (req, res) => {
    // Missing or malformed credentials are a failed sign-in (401), like wrong ones: nothing to fix
    // field by field; they count as failures of the address.
    const body = Credentials.safeParse(req.body);
    const { email, password } = body.success ? body.data : { email: '', password: '' };
    const { user, device } = await limiter.signIn(loginAttempt(limiter, req, email), async () => {
      if (!body.success) throw new UnauthenticatedError('e-mail and password required');
      return users.authenticate(email, password);
    });
    // A client that keeps cookies is a known device next time (the cookie signs nothing in).
    rememberDevice(res, device, deps.config.env === 'production');
    res.json({ token: await users.issueToken(user), user: presentUser(user) });
  }));

  r.get('/me', auth.requireUser, h(async (req, res) => {
    res.json({ user: presentUser(req.user!) });
  }));

  return r;
}
