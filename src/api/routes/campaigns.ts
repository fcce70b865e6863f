// Care-call lists (issue 15 item 3): campaigns for staff, today's calls for operators. Who may do
// what, and the unmasked reads and their log, are the service's (src/campaigns).
import express from 'express';
import type { Deps } from '../../deps.js';
import { requestLang } from '../../web/errors.js';
import { h } from '../handler.js';

export function campaignRoutes(deps: Deps): express.Router {
  const { campaigns } = deps.services;
  const r = express.Router();
  // ?page=&pageSize= (≤ 200): staff the campaigns in their scope, operators those assigned to them
  r.get('/campaigns', h(async (req, res) => {
    res.json(await campaigns.listFor(req.user!, req.query));
  }));
  r.post('/campaigns', h(async (req, res) => {
    res.status(201).json({ campaign: await campaigns.create(req.user!, req.body) });
  }));
  // staff who could have made it, while it runs: {endOn, callsPerDay, missLimit, operatorIds, addResidents?}
  r.patch('/campaigns/:id', h(async (req, res) => {
    res.json(await campaigns.update(req.user!, String(req.params.id), req.body));
  }));
  // an operator: its call list for today (residents unmasked, each read logged); staff: the day's
  // progress and calls (no personal data). ?day=YYYY-MM-DD&page=&pageSize=
  r.get('/campaigns/:id/calls', h(async (req, res) => {
    const id = String(req.params.id);
    if (req.user!.role === 'operator') {
      const l = await campaigns.callList(req.user!, id, req.query);
      res.json({ campaign: l.campaign, day: l.day, calls: l.rows, total: l.total, page: l.page, pageSize: l.pageSize, progress: l.progress });
    } else {
      res.json(await campaigns.dayOf(req.user!, id, req.query));
    }
  }));
  // {beneficiaryId, reached, problems?: [{type, description?}], note?}
  r.post('/campaigns/:id/calls', h(async (req, res) => {
    res.status(201).json(await campaigns.logCall(req.user!, String(req.params.id), req.body, requestLang(req)));
  }));
  return r;
}
