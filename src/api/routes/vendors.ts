// A vendor's performance record and status (issue 14, item 2): GET /vendors/:id/record (district,
// streets, admin; a vendor its own) with the contracts paged, and POST /vendors/:id/events {type:
// SUSPEND | REINSTATE, reason, comment?} (district only: an engine transition of the `vendor` workflow).
import express from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps.js';
import { parseOr422 } from '../../errors.js';
import { h } from '../handler.js';

const RecordQuery = z.object({
  page: z.coerce.number({ error: 'validation.integer' }).int('validation.integer').min(1, 'validation.range').max(100_000, 'validation.range').optional(),
  pageSize: z.coerce.number({ error: 'validation.integer' }).int('validation.integer').min(1, 'validation.range').max(200, 'validation.range').optional(),
});
const EventBody = z.object({ type: z.string({ error: 'validation.enum' }).max(40, 'validation.enum') }).passthrough();

export function vendorApiRoutes(deps: Deps): express.Router {
  const { vendors, reference } = deps.services;
  const r = express.Router();
  r.get('/vendors/:id/record', h(async (req, res) => {
    const q = parseOr422(RecordQuery, req.query, 'invalid query');
    const d = await vendors.recordPage(req.user!, String(req.params.id), { page: q.page ?? 1, pageSize: q.pageSize ?? 50 });
    const { record } = d;
    res.json({
      record: {
        vendor: { id: d.vendor.id, name: d.vendor.name, status: d.vendor.status },
        summary: record.summary,
        byQuarter: record.byQuarter,
        contracts: record.contracts,
        disputes: record.disputes,
        rectifications: record.rectifications,
        acceptances: record.acceptances,
        evaluations: record.evaluations,
        ...(d.showFlag ? { flag: record.flag } : {}),
        statusChanges: d.statusChanges.map((c) => ({ seq: c.seq, type: c.type, reason: c.reason, comment: c.comment, at: c.at, actor: { id: c.actorId, name: c.actorName }, from: c.from, to: c.to })),
        allowedEvents: d.allowed,
      },
    });
  }));
  r.post('/vendors/:id/events', h(async (req, res) => {
    const body = parseOr422(EventBody, req.body ?? {}, 'invalid event');
    const id = String(req.params.id);
    const result = await vendors.change(req.user!, id, body as { type: string } & Record<string, unknown>);
    const v = await reference.vendor(id);
    res.json({ vendor: { id: v.id, name: v.name, status: v.status }, version: result.version });
  }));
  return r;
}
