// Downloads of the exports (src/exports): the filtered project list, the statistics and a
// community's ledger, as CSV or .xlsx. Each route parses its query, makes one service call that
// checks the filter and the reader's scope (422/403 as a page before anything is sent), then
// streams the table. The JSON API mounts the same calls (src/api/routes/exports.ts).
import express, { type Request, type Response } from 'express';
import type { Deps } from '../../deps.js';
import { loggableError, type Logger } from '../../lib/logger.js';
import { writeTable } from '../../exports/export-service.js';
import { CONTENT_TYPES, contentDisposition } from '../../exports/filename.js';
import { ReaderGoneError } from '../../exports/stream-out.js';
import type { ExportFormat, ExportTable } from '../../exports/table.js';
import { langOf, page, requireRole } from '../render.js';

export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'xlsx'];

/** The query as the filters read it: a GET form's empty fields dropped, the page's language and paging ignored. */
export function exportQuery(req: Request): Record<string, unknown> {
  return Object.fromEntries(Object.entries(req.query).filter(([k, v]) => v !== '' && k !== 'lang' && k !== 'page' && k !== 'pageSize'));
}

const HEADERS = ['Content-Type', 'Content-Disposition', 'Cache-Control', 'X-Content-Type-Options'];

/**
 * Streams the table: chunked (no Content-Length), never cached. An error before the first byte goes
 * to the error page (or JSON); after it, the download is cut (the reader sees an incomplete file,
 * never a complete-looking wrong one) and the error logged.
 */
export async function sendExport(res: Response, table: ExportTable, format: ExportFormat, logger: Logger): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', CONTENT_TYPES[format]);
  res.setHeader('Content-Disposition', contentDisposition(table.filename, table.asciiFilename, format));
  res.setHeader('Cache-Control', 'private, no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  try {
    await writeTable(table, format, res);
  } catch (err) {
    if (!res.headersSent) {
      for (const h of HEADERS) res.removeHeader(h);
      throw err;
    }
    if (!(err instanceof ReaderGoneError)) (res.req.log ?? logger).error({ err: loggableError(err) }, 'export cut short');
    res.destroy();
  }
}

export function exportRoutes(deps: Deps): express.Router {
  const { exporter } = deps.services;
  const r = express.Router();
  for (const format of EXPORT_FORMATS) {
    // the list's filters and scope (GET /projects)
    r.get(`/projects/export.${format}`, requireRole(), page(async (req, res) => {
      await sendExport(res, await exporter.projects(req.user!, exportQuery(req), langOf(req)), format, deps.logger);
    }));
    // ?communityId=&year=: district, finance and admin; a community's staff their own
    r.get(`/ledger/export.${format}`, requireRole('community', 'district', 'finance', 'admin'), page(async (req, res) => {
      await sendExport(res, await exporter.ledger(req.user!, exportQuery(req), langOf(req)), format, deps.logger);
    }));
    // ?year=&to=&groupBy=: the staff statistics in the user's scope
    r.get(`/reports/export.${format}`, requireRole(), page(async (req, res) => {
      await sendExport(res, await exporter.stats(req.user!, exportQuery(req), langOf(req)), format, deps.logger);
    }));
    // the public statistics, for anyone
    r.get(`/public/stats/export.${format}`, page(async (req, res) => {
      await sendExport(res, await exporter.stats(null, exportQuery(req), langOf(req)), format, deps.logger);
    }));
  }
  return r;
}
