// JSON API /api/v1 (ARCHITECTURE §7). Bearer tokens only, so no cookies and no CSRF. Each route
// parses its input, makes one service call and answers JSON.
import express, { type NextFunction, type Request, type Response, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { ForbiddenError, InvalidError, UnauthenticatedError } from '../errors.js';
import { ManualClock } from '../lib/clock.js';
import { loginLimiters, objectionLimiter } from '../auth/rate-limit.js';
import type { User } from '../auth/users.js';
import { scopeOf } from '../projects/project-service.js';

declare module 'express-serve-static-core' {
  interface Request {
    user?: User;
  }
}

type Handler = (req: Request, res: Response) => Promise<unknown>;
const h = (fn: Handler): RequestHandler => (req: Request, res: Response, next: NextFunction) => {
  fn(req, res).catch(next);
};

function presentUser(u: User) {
  return {
    id: u.id, email: u.email, name: u.name, role: u.role, lang: u.lang,
    ...(u.districtId ? { districtId: u.districtId } : {}), ...(u.communityId ? { communityId: u.communityId } : {}),
    ...(u.streetId ? { streetId: u.streetId } : {}), ...(u.vendorId ? { vendorId: u.vendorId } : {}),
  };
}

/** If-Match: 3 or "3" (or W/"3") → 3. */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header === '') return undefined;
  const m = /^(?:W\/)?"?(\d{1,9})"?$/.exec(header.trim());
  if (!m) throw new InvalidError('If-Match must be a version number', { fields: { 'If-Match': 'validation.ifMatch' } });
  return Number(m[1]);
}

export function apiRouter(deps: Deps, opts: { loginLimits?: Parameters<typeof loginLimiters>[0] } = {}): express.Router {
  const { services } = deps;
  const r = express.Router();
  r.use(express.json({ limit: '1mb' }));

  async function bearer(req: Request): Promise<User | undefined> {
    const auth = req.headers.authorization;
    if (!auth) return undefined;
    const m = /^Bearer\s+([A-Za-z0-9_-]{20,200})$/.exec(auth);
    if (!m) throw new UnauthenticatedError('malformed Authorization header');
    return services.users.userForToken(m[1]!);
  }
  const requireUser: RequestHandler = (req, res, next) => {
    bearer(req).then((u) => {
      if (!u) return next(new UnauthenticatedError('sign in first'));
      req.user = u;
      next();
    }, next);
  };

  r.post('/auth/token', ...loginLimiters(opts.loginLimits), h(async (req, res) => {
    const body = z.object({ email: z.string().max(200), password: z.string().max(200) }).safeParse(req.body);
    if (!body.success) throw new UnauthenticatedError('e-mail and password required');
    const user = await services.users.authenticate(body.data.email, body.data.password);
    res.json({ token: await services.users.issueToken(user), user: presentUser(user) });
  }));

  // OBJECT is the one event the public may send, without a token; rate-limited per address.
  const objections = objectionLimiter();
  r.post('/projects/:id/events', (req, res, next) => {
    if (!req.headers.authorization && (req.body as { type?: unknown } | undefined)?.type === 'OBJECT') return objections(req, res, next);
    return requireUser(req, res, next);
  }, h(async (req, res) => {
    const id = String(req.params.id);
    const expectedVersion = parseIfMatch(req.header('if-match'));
    const idempotencyKey = req.header('idempotency-key')?.slice(0, 200) || undefined;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const result = await services.projects.send(req.user ?? null, id, body, { expectedVersion, idempotencyKey });
    const project = req.user ? await services.projects.get(req.user, id) : { id, state: result.state, version: result.version };
    res.setHeader('ETag', `"${result.version}"`);
    res.json({ project });
  }));

  r.use(requireUser);

  r.get('/me', h(async (req, res) => {
    res.json({ user: presentUser(req.user!) });
  }));

  r.get('/projects', h(async (req, res) => {
    res.json(await services.projects.list(req.user!, req.query));
  }));

  r.post('/projects', h(async (req, res) => {
    const project = await services.projects.create(req.user!, req.body);
    res.status(201).setHeader('ETag', `"${project.version}"`).json({ project });
  }));

  r.get('/projects/:id', h(async (req, res) => {
    const project = await services.projects.get(req.user!, String(req.params.id));
    res.setHeader('ETag', `"${project.version}"`).json({ project });
  }));

  r.get('/projects/:id/history', h(async (req, res) => {
    res.json({ history: await services.projects.history(req.user!, String(req.params.id)) });
  }));

  r.get('/allocations', h(async (req, res) => {
    const user = req.user!;
    const q = z.object({ year: z.coerce.number().int().min(2000).max(2100).optional(), communityId: z.string().max(64).optional() }).safeParse(req.query);
    if (!q.success) {
      const fields = Object.fromEntries(q.error.issues.map((i) => [String(i.path[0] ?? '_'), i.path[0] === 'year' ? 'validation.year' : 'validation.invalid']));
      throw new InvalidError('invalid filter', { fields });
    }
    if (user.role === 'vendor') throw new ForbiddenError('vendors do not see allocations', { reasons: [{ code: 'WRONG_ROLE' }] });
    const scope = scopeOf(user);
    let communityIds: string[] | undefined;
    if (scope && 'communityId' in scope) communityIds = [scope.communityId];
    if (scope && 'streetId' in scope) communityIds = (await services.reference.communities()).filter((c) => c.streetId === scope.streetId).map((c) => c.id);
    const allocations = await services.ledger.allocations({ ...q.data, ...(communityIds ? { communityIds } : {}) });
    res.json({ allocations });
  }));

  r.get('/vendors', h(async (_req, res) => {
    res.json({ vendors: await services.reference.vendors() });
  }));
  r.get('/communities', h(async (_req, res) => {
    res.json({ communities: await services.reference.communities() });
  }));
  r.get('/streets', h(async (_req, res) => {
    res.json({ streets: await services.reference.streets() });
  }));
  r.get('/categories', h(async (_req, res) => {
    res.json({ categories: await services.reference.categories() });
  }));

  r.post('/beneficiaries', h(async (req, res) => {
    res.status(201).json({ beneficiary: await services.beneficiaries.register(req.user!, req.body) });
  }));
  r.get('/beneficiaries', h(async (req, res) => {
    const user = req.user!;
    const communityId = typeof req.query.communityId === 'string' ? req.query.communityId : user.communityId;
    if (!communityId) throw new InvalidError('communityId required', { fields: { communityId: 'validation.required' } });
    if (user.role === 'vendor' || user.role === 'admin') throw new ForbiddenError('no access to the register', { reasons: [{ code: 'WRONG_ROLE' }] });
    const c = await services.reference.community(communityId);
    if ((user.role === 'community' && user.communityId !== c.id) || (user.role === 'street' && user.streetId !== c.streetId)) {
      throw new ForbiddenError('outside your scope', { reasons: [{ code: 'OUT_OF_SCOPE' }] });
    }
    res.json({ beneficiaries: await services.beneficiaries.list(user, communityId, 'api') });
  }));

  // The sandbox clock: only with CLOCK=manual (refused in production by config), admins only.
  r.post('/_clock', h(async (req, res) => {
    if (!(deps.clock instanceof ManualClock) || deps.config.clock !== 'manual') throw new ForbiddenError('the sandbox clock is off', { reasons: [{ code: 'CLOCK_NOT_MANUAL' }] });
    if (req.user!.role !== 'admin') throw new ForbiddenError('admins only', { reasons: [{ code: 'WRONG_ROLE' }] });
    const body = z.object({ advanceMs: z.number().int().min(0).max(10 * 365 * 86_400_000) }).safeParse(req.body);
    if (!body.success) throw new InvalidError('advanceMs must be a non-negative integer', { fields: { advanceMs: 'validation.integer' } });
    deps.clock.advance(body.data.advanceMs);
    const fired = await deps.timers.runDue();
    res.json({ now: deps.clock.now().toISOString(), ...fired });
  }));

  return r;
}
