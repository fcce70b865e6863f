// The staff statistics page (issue 11 item 1): GET /reports?year=&to=&groupBy=&page=&street=, in the signed-in
// user's scope (a street user its street, a community user its community). Vendors see none.
import express from 'express';
import type { Deps } from '../../deps.js';
import { t } from '../../lib/i18n.js';
import { langOf, page, render, requireRole } from '../render.js';
import { presentReport } from '../reports-view.js';

export function reportRoutes(deps: Deps): express.Router {
  const r = express.Router();
  r.get('/reports', requireRole('community', 'street', 'district', 'finance', 'admin'), page(async (req, res) => {
    const lang = langOf(req);
    const summary = await deps.services.reports.summary(req.user!, req.query);
    render(req, res, 'pages/reports/index', { title: t(lang, 'reports.title'), ...presentReport(lang, summary) });
  }));
  return r;
}
