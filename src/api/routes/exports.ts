// The exports over the API, with a Bearer token: GET /projects/export.csv|xlsx (the list's filters),
// /ledger/export.csv|xlsx?communityId=&year=, /reports/summary.csv|xlsx?year=&to=&groupBy=. Errors
// before the first byte are JSON (422 INVALID, 403 FORBIDDEN); the language is Accept-Language's.
// Mounted before the projects router, whose /projects/:id would otherwise take /projects/export.csv.
import express from 'express';
import type { Deps } from '../../deps.js';
import type { BearerAuth } from '../bearer.js';
import { h } from '../handler.js';
import { requestLang } from '../../web/errors.js';
import { EXPORT_FORMATS, exportQuery, sendExport } from '../../web/routes/exports.js';

export function exportRoutes(deps: Deps, auth: BearerAuth): express.Router {
  const { exporter } = deps.services;
  const r = express.Router();
  for (const format of EXPORT_FORMATS) {
    r.get(`/projects/export.${format}`, auth.requireUser, h(async (req, res) => {
      await sendExport(res, await exporter.projects(req.user!, exportQuery(req), requestLang(req)), format, deps.logger);
    }));
    r.get(`/ledger/export.${format}`, auth.requireUser, h(async (req, res) => {
      await sendExport(res, await exporter.ledger(req.user!, exportQuery(req), requestLang(req)), format, deps.logger);
    }));
    r.get(`/reports/summary.${format}`, auth.requireUser, h(async (req, res) => {
      await sendExport(res, await exporter.stats(req.user!, exportQuery(req), requestLang(req)), format, deps.logger);
    }));
  }
  return r;
}
