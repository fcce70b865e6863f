// Vendor records (issue 14, item 1): the vendor keeps its record current in the portal; an admin
// confirms or rejects each change and records violations. One service call per route.
import express from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps.js';
import { flash, langOf, page, render, requireRole } from '../render.js';
import { field, idParam, parseForm } from '../params.js';
import { isFormError } from '../forms/form-view.js';
import type { FormBody } from '../forms/form-model.js';
import { adminRecordView, formInput, ownRecordView, pendingView, RECORD_FORM, VIOLATION_FORM } from '../vendor-record-view.js';

const DecisionForm = z.object({ decision: field(20), note: field(500) });
const valuesOf = (body: FormBody, names: string[]) => Object.fromEntries(names.map((n) => [n, typeof body[n] === 'string' ? (body[n] as string) : '']));

export function vendorRecordRoutes(deps: Deps): express.Router {
  const r = express.Router();
  const records = deps.services.vendorRecords;

  r.get('/vendor/record', requireRole('vendor'), page(async (req, res) => {
    render(req, res, 'pages/vendor/record', ownRecordView(langOf(req), await records.ownRecord(req.user!)));
  }));
  r.post('/vendor/record', requireRole('vendor'), page(async (req, res) => {
    const body = (req.body ?? {}) as FormBody;
    try {
      await records.propose(req.user!, formInput(RECORD_FORM, body));
      flash(req, 'vendorRecord.submitted');
      res.redirect(303, '/vendor/record');
    } catch (err) {
      if (!isFormError(err)) throw err;
      const values = valuesOf(body, RECORD_FORM.fields.map((x) => x.name));
      render(req, res, 'pages/vendor/record', ownRecordView(langOf(req), await records.ownRecord(req.user!), { values, err }), 422);
    }
  }));

  r.get('/admin/vendor-changes', requireRole('admin'), page(async (req, res) => {
    render(req, res, 'pages/admin/vendor-changes', pendingView(langOf(req), await records.pending(req.user!)));
  }));
  r.post('/admin/vendor-changes/:id', requireRole('admin'), page(async (req, res) => {
    const form = parseForm(req, DecisionForm);
    const c = await records.decide(req.user!, idParam(req), { decision: form.decision, note: form.note || undefined });
    flash(req, c.status === 'confirmed' ? 'vendorRecord.confirmed' : 'vendorRecord.declined', { vendor: c.vendorName });
    res.redirect(303, '/admin/vendor-changes');
  }));

  r.get('/admin/vendors/:id/record', requireRole('admin'), page(async (req, res) => {
    render(req, res, 'pages/admin/vendor-record', adminRecordView(langOf(req), await records.recordOf(req.user!, idParam(req))));
  }));
  r.post('/admin/vendors/:id/violations', requireRole('admin'), page(async (req, res) => {
    const id = idParam(req);
    const body = (req.body ?? {}) as FormBody;
    try {
      await records.addViolation(req.user!, id, formInput(VIOLATION_FORM, body));
      flash(req, 'vendorRecord.violationAdded', { vendor: (await deps.services.reference.vendor(id)).name });
      res.redirect(303, `/admin/vendors/${encodeURIComponent(id)}/record`);
    } catch (err) {
      if (!isFormError(err)) throw err;
      const values = valuesOf(body, VIOLATION_FORM.fields.map((x) => x.name));
      render(req, res, 'pages/admin/vendor-record', adminRecordView(langOf(req), await records.recordOf(req.user!, id), { values, err }), 422);
    }
  }));
  return r;
}
