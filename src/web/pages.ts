// The server-rendered pages: sessions, CSRF on every POST, the signed-in user, navigation, then one
// router per area. The JSON API is mounted separately (src/api) and uses none of this.
import express from 'express';
import type { Deps } from '../deps.js';
import type { RateLimiter } from '../auth/rate-limit.js';
import { securityMiddleware } from './security.js';
import { navMiddleware } from './nav.js';
import { refuseUnexpectedMultipart } from './errors.js';
import { authRoutes } from './routes/auth.js';
import { projectRoutes } from './routes/projects.js';
import { needPageRoutes } from './routes/needs.js';
import { exportRoutes } from './routes/exports.js';
import { vendorRoutes } from './routes/vendor.js';
import { vendorRecordRoutes } from './routes/vendor-records.js';
import { beneficiaryPageRoutes } from './routes/beneficiaries.js';
import { campaignPageRoutes } from './routes/campaigns.js';
import { campaignReportPageRoutes } from './routes/campaign-reports.js';
import { campaignSupplyRoutes } from './routes/campaign-supplies.js';
import { vendorPerformanceRoutes } from './routes/vendor-performance.js';
import { documentRoutes } from './routes/documents.js';
import { inboxRoutes } from './routes/inbox.js';
import { publicRoutes, publicSharedRoutes } from './routes/public.js';
import { adminRoutes } from './routes/admin.js';
import { profileRoutes } from './routes/profile.js';
import { monitoringRoutes } from './routes/monitoring.js';
import { reportRoutes } from './routes/reports.js';
import { projectFileRoutes } from './routes/project-file.js';
import { ratingRoutes } from './routes/ratings.js';
import { needsPublicRoutes } from './routes/needs-public.js';
import { staticRouter } from './assets.js';

export function pagesRouter(deps: Deps, opts: { limiter: RateLimiter }): express.Router {
  const r = express.Router();
  // Static files by their content's hash, cached for a year (src/web/assets.ts).
  r.use(staticRouter());
  // The public pages every visitor without a session sees alike, served whole before the session,
  // CSRF and navigation middleware (src/web/shared-pages.ts).
  r.use(publicSharedRoutes(deps));
  const sec = securityMiddleware(deps);
  // The body is read after the user is known, so a form too large to read gets the error page in the user's language.
  r.use(sec.cookies, sec.session, sec.loadUser, sec.csrfToken, navMiddleware(deps));
  r.use(express.urlencoded({ extended: false, limit: '200kb', parameterLimit: 2000 }));
  // Multipart is read only by the page that takes files; elsewhere it would leave no body to read.
  r.use(refuseUnexpectedMultipart);
  // Every state-changing request through the pages needs a valid CSRF token.
  r.use((req, res, next) => (['POST', 'PUT', 'PATCH', 'DELETE'].includes(req.method) ? sec.csrfProtect(req, res, next) : next()));
  r.use(authRoutes(deps, (_req, _res, next) => next(), opts.limiter));
  r.use(exportRoutes(deps)); // before /projects/:id
  r.use(projectFileRoutes(deps));
  r.use(ratingRoutes(deps, opts.limiter));
  r.use(needsPublicRoutes(deps, opts.limiter)); // the public need form, no log-in
  r.use(projectRoutes(deps));
  r.use(needPageRoutes(deps));
  r.use(vendorRoutes(deps));
  r.use(vendorRecordRoutes(deps));
  r.use(beneficiaryPageRoutes(deps));
  r.use(campaignPageRoutes(deps));
  r.use(campaignReportPageRoutes(deps));
  r.use(campaignSupplyRoutes(deps));
  r.use(vendorPerformanceRoutes(deps));
  r.use(documentRoutes(deps));
  r.use(inboxRoutes(deps));
  r.use(publicRoutes(deps, opts.limiter));
  r.use(profileRoutes(deps));
  r.use(monitoringRoutes(deps));
  r.use(reportRoutes(deps));
  r.use('/admin', adminRoutes(deps));
  return r;
}
