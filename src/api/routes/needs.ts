// Needs (需求, issue 15 item 2): record one (community staff, or the public without a token), the
// list (paged, counted, filtered by state/type/source/community/project, or `waiting=me`), one need,
// its history (masked by role, checkable with verifyShippedHistory) and its events (optional If-Match and Idempotency-Key, as a project's). The
// public submission is rate-limited per address, counted with the public form and Open311.
import express, { type RequestHandler } from 'express';
import type { Deps } from '../../deps.js';
import type { RateLimiter } from '../../auth/rate-limit.js';
import { needLimit } from '../../auth/rate-limit-http.js';
import { parseOr422 } from '../../errors.js';
import { NeedListQuerySchema } from '../../needs/need-service.js';
import type { BearerAuth } from '../bearer.js';
import { h } from '../handler.js';
import { parseIfMatch } from './projects.js';

export function needRoutes(deps: Deps, auth: BearerAuth, limiter: RateLimiter): express.Router {
  const { needs } = deps.services;
  const r = express.Router();

  // With a token: the user (401 when it is bad); without: the public.
  // Without a token, each submission counts against the address's share of public needs (429 beyond it).
  const limitPublic = needLimit(limiter);
  const userOrPublic: RequestHandler = (req, res, next) => (req.headers.authorization ? auth.requireUser(req, res, next) : limitPublic(req, res, next));

  r.post('/needs', userOrPublic, h(async (req, res) => {
    const need = await needs.create(req.user ?? null, req.body ?? {});
    if (req.user) res.setHeader('ETag', `"${(need as { version: number }).version}"`);
    res.status(201).json({ need });
  }));

  r.get('/needs', auth.requireUser, h(async (req, res) => {
    res.json(await needs.list(req.user!, parseOr422(NeedListQuerySchema, req.query, 'invalid filter')));
  }));

  r.get('/needs/:id', auth.requireUser, h(async (req, res) => {
    const need = await needs.get(req.user!, String(req.params.id));
    res.setHeader('ETag', `"${need.version}"`).json({ need });
  }));

  r.get('/needs/:id/history', auth.requireUser, h(async (req, res) => {
    res.json({ history: await needs.history(req.user!, String(req.params.id)) });
  }));

  r.post('/needs/:id/events', auth.requireUser, h(async (req, res) => {
    const id = String(req.params.id);
    const expectedVersion = parseIfMatch(req.header('if-match'));
    const idempotencyKey = req.header('idempotency-key')?.slice(0, 200) || undefined;
    const result = await needs.send(req.user!, id, (req.body ?? {}) as Record<string, unknown>, { expectedVersion, idempotencyKey });
    // A replay answers what the first request got (stored with the event).
    const need = (result.replayed && result.response ? result.response : await needs.get(req.user!, id)) as { version: number };
    res.setHeader('ETag', `"${need.version}"`).json({ need });
  }));

  return r;
}
