// JSON API /api/v1 (ARCHITECTURE §7). Bearer tokens only, so no cookies and no CSRF. This file only
// parses JSON, authenticates and mounts one small router per resource; each route parses its input
// (src/errors.ts parseOr422), makes one service call and answers JSON.
import express from 'express';
import type { Deps } from '../deps.js';
import type { RateLimiter } from '../auth/rate-limit.js';
import { NotFoundError } from '../errors.js';
import { bearerAuth } from './bearer.js';
import { authRoutes } from './routes/auth.js';
import { projectRoutes } from './routes/projects.js';
import { referenceRoutes } from './routes/reference.js';
import { vendorApiRoutes } from './routes/vendors.js';
import { allocationRoutes } from './routes/allocations.js';
import { beneficiaryRoutes } from './routes/beneficiaries.js';
import { clockRoutes } from './routes/clock.js';
import { documentRoutes } from './routes/documents.js';
import { monitoringRoutes } from './routes/monitoring.js';
import { exportRoutes } from './routes/exports.js';
import { ocdsRoutes } from './routes/ocds.js';
import { reportRoutes } from './routes/reports.js';
import { libraryRoutes } from './routes/library.js';
import { needRoutes } from './routes/needs.js';
import { campaignRoutes } from './routes/campaigns.js';
import { campaignReportRoutes } from './routes/campaign-reports.js';
import { campaignSupplyRoutes } from './routes/campaign-supplies.js';

export function apiRouter(deps: Deps, opts: { limiter: RateLimiter }): express.Router {
  const auth = bearerAuth(deps.services.users);
  const r = express.Router();
  r.use(express.json({ limit: '1mb' }));
  // Signing in and a project's events (the public may object without a token) come before the
  // token check; every route mounted after it has req.user.
  r.use(authRoutes(deps, auth, opts.limiter));
  r.use(exportRoutes(deps, auth)); // before /projects/:id
  r.use(projectRoutes(deps, auth, opts.limiter));
  // needs: the public may record one without a token
  r.use(needRoutes(deps, auth, opts.limiter));
  // open data (OCDS): public, no token
  r.use(ocdsRoutes(deps));
  r.use(auth.requireUser);
  r.use(referenceRoutes(deps));
  r.use(vendorApiRoutes(deps));
  r.use(allocationRoutes(deps));
  r.use(beneficiaryRoutes(deps));
  r.use(clockRoutes(deps));
  r.use(documentRoutes(deps));
  r.use(monitoringRoutes(deps));
  r.use(reportRoutes(deps));
  r.use(libraryRoutes(deps));
  r.use(campaignRoutes(deps));
  r.use(campaignReportRoutes(deps));
  r.use(campaignSupplyRoutes(deps));
  // Nothing else lives under /api/v1: an unknown call is a JSON 404 here, never a page (which would
  // answer a POST with a CSRF refusal).
  r.use((_req, _res, next) => next(new NotFoundError('no such API call')));
  return r;
}
