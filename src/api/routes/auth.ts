// POST /auth/token (sign in for a token; rate-limited per account and address) and GET /me.
import express from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps.js';
import { UnauthenticatedError } from '../../errors.js';
import { loginLimiters, type LoginLimits } from '../../auth/rate-limit.js';
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

export function authRoutes(deps: Deps, auth: BearerAuth, limits?: LoginLimits): express.Router {
  const { users } = deps.services;
  const r = express.Router();

  r.post('/auth/token', ...loginLimiters(limits), h(async (req, res) => {
    // Missing or malformed credentials are a failed sign-in (401), like wrong ones: nothing to fix field by field.
    const body = Credentials.safeParse(req.body);
    if (!body.success) throw new UnauthenticatedError('e-mail and password required');
    const user = await users.authenticate(body.data.email, body.data.password);
    res.json({ token: await users.issueToken(user), user: presentUser(user) });
  }));

  r.get('/me', auth.requireUser, h(async (req, res) => {
    res.json({ user: presentUser(req.user!) });
  }));

  return r;
}
