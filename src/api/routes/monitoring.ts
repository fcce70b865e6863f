// GET /reports/stuck?year=&streetId=&communityId=&page=&pageSize=: for every stage, how many projects
// are in it now and the median / 90th-percentile days spent in it in the year; and the projects past
// their stage's expected end (most overdue first, one page and the true count) with whom each waits for.
import express from 'express';
import type { Deps } from '../../deps.js';
import { h } from '../handler.js';

const round = (n: number | null) => (n === null ? null : Math.round(n * 100) / 100);
const spread = (s: { n: number; median: number | null; p90: number | null } | null) => s && { n: s.n, median: round(s.median), p90: round(s.p90) };

export function monitoringRoutes(deps: Deps): express.Router {
  const r = express.Router();
  r.get('/reports/stuck', h(async (req, res) => {
    const m = await deps.services.monitoring.stages(req.user!, req.query);
    res.json({
      asOf: m.asOf,
      year: m.year,
      stages: m.stages.map((s) => ({ stage: s.stage, now: s.now, calendarDays: spread(s.calendarDays), workingDays: spread(s.workingDays) })),
      projects: m.stuck.rows.map((p) => ({
        id: p.projectId, ref: p.ref, title: p.title, stage: p.stage, streetId: p.streetId, communityId: p.communityId,
        enteredAt: p.enteredAt, expectedEndAt: p.expectedEndAt, expectedBy: p.basis, workingDays: p.working,
        overdueDays: p.overdueDays, overdueWorkingDays: p.overdueWorkingDays, waitingFor: p.waitingFor,
      })),
      total: m.stuck.total,
      page: m.stuck.page,
      pageSize: m.stuck.pageSize,
    });
  }));
  return r;
}
