// A care-call campaign's report over the API (issue 15 item 4): GET /campaigns/:id/report?from=&to=
// (YYYY-MM-DD, Asia/Shanghai days; 422 naming the field otherwise). Staff in the campaign's scope
// only (403 otherwise, operators and vendors too); the figures are the report service's
// (src/campaigns/campaign-report.ts): counts, need types and project references, no personal data.
import express from 'express';
import type { Deps } from '../../deps.js';
import { h } from '../handler.js';

export function campaignReportRoutes(deps: Deps): express.Router {
  const { campaignReports } = deps.services;
  const r = express.Router();
  r.get('/campaigns/:id/report', h(async (req, res) => {
    res.json(await campaignReports.report(req.user!, String(req.params.id), { from: req.query.from, to: req.query.to }));
  }));
  return r;
}
