// Vendors' performance records (履约记录, issue 14 item 2): the district's, streets' and admin's list
// (/vendors, ?flagged=1 for the flagged ones) and record pages (/vendors/:id), the vendor's own
// (/vendor/performance), and the district's status form (POST /vendors/:id/status: SUSPEND or
// REINSTATE with a reason, an engine transition of the `vendor` workflow). One service call per route.
import express from 'express';
import { z } from 'zod';
import type { Request, Response } from 'express';
import type { Deps } from '../../deps.js';
import { InvalidError } from '../../errors.js';
import { flash, langOf, page, render, requireRole } from '../render.js';
import { field, idParam, parseForm, parseQuery } from '../params.js';
import { isFormError } from '../forms/form-view.js';
import { listView, recordPageView } from '../vendor-performance-view.js';

const PageQuery = z.object({ page: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(1).max(100_000).optional()).catch(undefined) });
const ListQuery = z.object({ flagged: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['1', '0']).optional()).catch(undefined) });
const StatusForm = z.object({ type: field(20), reason: field(5000), comment: field(5000) });

export function vendorPerformanceRoutes(deps: Deps): express.Router {
  const r = express.Router();
  const vendors = deps.services.vendors;

  async function recordPage(req: Request, res: Response, vendorId: string, base: string, form?: { type: string; values: Record<string, string>; err: unknown }, status = 200) {
    const { page: n } = parseQuery(req, PageQuery);
    const d = await vendors.recordPage(req.user!, vendorId, { page: n ?? 1 });
    render(req, res, 'pages/vendor/performance', { ...recordPageView({ lang: langOf(req), csrfToken: String(res.locals.csrfToken ?? ''), base }, d, form), portal: req.user!.role === 'vendor' }, status);
  }

  r.get('/vendors', requireRole('district', 'street', 'admin'), page(async (req, res) => {
    const flagged = parseQuery(req, ListQuery).flagged === '1';
    render(req, res, 'pages/vendor/performance-list', listView(langOf(req), await vendors.list(req.user!, { flagged }), flagged));
  }));

  r.get('/vendors/:id', requireRole('district', 'street', 'admin', 'vendor'), page(async (req, res) => {
    const id = idParam(req);
    await recordPage(req, res, id, `/vendors/${encodeURIComponent(id)}`);
  }));

  r.get('/vendor/performance', requireRole('vendor'), page(async (req, res) => {
    await recordPage(req, res, req.user!.vendorId ?? '', '/vendor/performance');
  }));

  // Only the district may; the engine says so (403 for anyone else, 422 without a reason, 409 when
  // the vendor already is in that status). A refusal comes back on the page; nothing is changed.
  r.post('/vendors/:id/status', requireRole(), page(async (req, res) => {
    const id = idParam(req);
    const form = parseForm(req, StatusForm);
    const values = { reason: form.reason, comment: form.comment };
    try {
      if (form.type !== 'SUSPEND' && form.type !== 'REINSTATE') throw new InvalidError('unknown status event', { fields: { type: 'validation.enum' } });
      await vendors.change(req.user!, id, { type: form.type, reason: form.reason, ...(form.comment.trim() ? { comment: form.comment } : {}) });
      flash(req, `vendorPerformance.flash.${form.type}`);
      res.redirect(303, `/vendors/${encodeURIComponent(id)}`);
    } catch (err) {
      if (!isFormError(err)) throw err;
      const status = (err as { status: number }).status;
      // a reader who may not read the record gets the error page, not the record
      if (status === 403 && !['district', 'street', 'admin'].includes(req.user!.role) && !(req.user!.role === 'vendor' && req.user!.vendorId === id)) throw err;
      if (status === 404) throw err;
      await recordPage(req, res, id, `/vendors/${encodeURIComponent(id)}`, { type: form.type, values, err }, status);
    }
  }));
  return r;
}
