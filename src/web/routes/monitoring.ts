// Where projects get stuck (issue 11, item 2): the stages' figures with the stuck projects, and the
// monthly page a street chases from. Staff only, scoped like the other staff lists.
import express from 'express';
import type { Deps } from '../../deps.js';
import { t } from '../../lib/i18n.js';
import { langOf, page, render, requireRole } from '../render.js';
import { MONITORING_ROLES } from '../../monitoring/monitoring-service.js';
import { presentMonth, presentStages, type Places } from '../../monitoring/monitoring-view.js';

export function monitoringRoutes(deps: Deps): express.Router {
  const r = express.Router();
  const { monitoring, reference } = deps.services;
  const places = async (): Promise<Places> => ({ streets: await reference.streets(), communities: await reference.communities() });
  r.get('/monitoring', requireRole(...MONITORING_ROLES), page(async (req, res) => {
    const lang = langOf(req);
    const m = await monitoring.month(req.user!, req.query);
    render(req, res, 'pages/monitoring/month', { title: t(lang, 'monitoring.title'), ...presentMonth(lang, await places(), m) });
  }));
  r.get('/monitoring/stages', requireRole(...MONITORING_ROLES), page(async (req, res) => {
    const lang = langOf(req);
    const m = await monitoring.stages(req.user!, req.query);
    render(req, res, 'pages/monitoring/stages', { title: t(lang, 'monitoring.stagesTitle'), ...presentStages(lang, await places(), m) });
  }));
  return r;
}
