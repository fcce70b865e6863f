// GET /api/v1/reports/summary?year=&to=&groupBy=&page=&pageSize=: the statistics of a budget year or
// a range of years in the caller's scope (issue 11 item 1). A query that does not fit is 422 INVALID
// naming its fields, in the Accept-Language language.
import express from 'express';
import type { Deps } from '../../deps.js';
import { requestLang } from '../../web/errors.js';
import { presentSummaryJson } from '../../reports/summary-json.js';
import { h } from '../handler.js';

export function reportRoutes(deps: Deps): express.Router {
  const r = express.Router();
  r.get('/reports/summary', h(async (req, res) => {
    res.json(presentSummaryJson(requestLang(req), await deps.services.reports.summary(req.user!, req.query)));
  }));
  return r;
}
