// Projects: the list with filters, proposing, one project, its history, and its events (the one
// route the public may use without a token: OBJECT, rate-limited per address).
import express, { type RequestHandler } from 'express';
import type { Deps } from '../../deps.js';
import { InvalidError, parseOr422 } from '../../errors.js';
import type { RateLimiter } from '../../auth/rate-limit.js';
import { objectionLimit } from '../../auth/rate-limit-http.js';
import { ListQuerySchema } from '../../projects/project-service.js';
import type { BearerAuth } from '../bearer.js';
import { h } from '../handler.js';

/** If-Match: 3 or "3" (or W/"3") → 3. */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header === '') return undefined;
  const m = /^(?:W\/)?"?(\d{1,9})"?$/.exec(header.trim());
  if (!m) throw new InvalidError('If-Match must be a version number', { fields: { 'If-Match': 'validation.ifMatch' } });
  return Number(m[1]);
}

export function projectRoutes(deps: Deps, auth: BearerAuth, limiter: RateLimiter): express.Router {
  const { projects } = deps.services;
  const r = express.Router();

  // OBJECT is the one event the public may send, without a token; limited per address, counted
  // together with the objection form's (one limiter).
  const objections = objectionLimit(limiter);
  const userOrObjection: RequestHandler = (req, res, next) => {
    if (!req.headers.authorization && (req.body as { type?: unknown } | undefined)?.type === 'OBJECT') return objections(req, res, next);
    return auth.requireUser(req, res, next);
  };

  r.post('/projects/:id/events', userOrObjection, h(async (req, res) => {
    const id = String(req.params.id);
    const expectedVersion = parseIfMatch(req.header('if-match'));
    const idempotencyKey = req.header('idempotency-key')?.slice(0, 200) || undefined;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const result = await projects.send(req.user ?? null, id, body, { expectedVersion, idempotencyKey });
    // With an Idempotency-Key the answer was built and stored with the event: a replay answers it as it was.
    const project = (result.response ?? (req.user ? await projects.get(req.user, id) : { id, state: result.state, version: result.version })) as { version: number };
    // The version as this caller is told it (a sealed reader's counts only what it may see).
    res.setHeader('ETag', `"${project.version}"`);
    res.json({ project });
  }));

  r.get('/projects', auth.requireUser, h(async (req, res) => {
    res.json(await projects.list(req.user!, parseOr422(ListQuerySchema, req.query, 'invalid filter')));
  }));

  r.post('/projects', auth.requireUser, h(async (req, res) => {
    const project = await projects.create(req.user!, req.body);
    res.status(201).setHeader('ETag', `"${project.version}"`).json({ project });
  }));

  r.get('/projects/:id', auth.requireUser, h(async (req, res) => {
    const project = await projects.get(req.user!, String(req.params.id));
    res.setHeader('ETag', `"${project.version}"`).json({ project });
  }));

  r.get('/projects/:id/history', auth.requireUser, h(async (req, res) => {
    res.json({ history: await projects.history(req.user!, String(req.params.id)) });
  }));

  return r;
}
