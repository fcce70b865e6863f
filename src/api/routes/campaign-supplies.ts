// Emergency supplies of a care-call campaign (issue 15 item 5): a campaign's supply plans, a day's
// delivery list, a delivery, and the totals. Who may do what, the register's masks and the log of
// unmasked reads are the service's (src/campaigns/supplies.ts). Relief money, never the ledger.
import express from 'express';
import type { Deps } from '../../deps.js';
import { h } from '../handler.js';

export function campaignSupplyRoutes(deps: Deps): express.Router {
  const { supplies } = deps.services;
  const r = express.Router();
  const ids = (req: express.Request) => [String(req.params.id), String(req.params.planId)] as const;
  // ?page=&pageSize= (≤ 200)
  r.get('/campaigns/:id/supplies', h(async (req, res) => {
    const l = await supplies.listPlans(req.user!, String(req.params.id), req.query);
    res.json({ plans: l.plans, total: l.total, page: l.page, pageSize: l.pageSize });
  }));
  // {item, amountFen? (default 10000), startOn, endOn, levels?: string[], flags?: ('alone' | 'daily')[]}
  r.post('/campaigns/:id/supplies', h(async (req, res) => {
    res.status(201).json({ plan: await supplies.createPlan(req.user!, String(req.params.id), req.body) });
  }));
  // ?day=YYYY-MM-DD&status=all|pending|delivered&page=&pageSize=
  r.get('/campaigns/:id/supplies/:planId/deliveries', h(async (req, res) => {
    const l = await supplies.dayList(req.user!, ...ids(req), req.query);
    res.json({ plan: l.plan, day: l.day, status: l.status, households: l.households, total: l.total, page: l.page, pageSize: l.pageSize, totals: l.totals });
  }));
  // {beneficiaryId, day? (default today), amountFen? (default the plan's), note?}
  r.post('/campaigns/:id/supplies/:planId/deliveries', h(async (req, res) => {
    res.status(201).json(await supplies.logDelivery(req.user!, ...ids(req), req.body));
  }));
  // ?day=: that day's totals and cumulative totals, and the whole plan day by day
  r.get('/campaigns/:id/supplies/:planId/totals', h(async (req, res) => {
    const s = await supplies.totals(req.user!, ...ids(req), req.query);
    res.json({ plan: s.plan, day: s.day, totals: s.totals, series: s.series });
  }));
  return r;
}
