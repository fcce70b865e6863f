// Open data without a token (OCDS 1.1.5): a project's release package, its record, and the release
// package of a budget year (streamed). Mounted before the token check (src/api/index.ts).
import { once } from 'node:events';
import express from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps.js';
import { parseOr422 } from '../../errors.js';
import { createOcdsService } from '../../ocds/ocds-service.js';
import { h } from '../handler.js';

const YearSchema = z.object({ year: z.coerce.number().int().min(2000).max(2100) });

export function ocdsRoutes(deps: Deps): express.Router {
  const { projects, reference, rules } = deps.services;
  const ocds = createOcdsService({ db: deps.db, clock: deps.clock, projects, reference, rules, prefix: deps.config.ocdsPrefix, baseUrl: deps.config.baseUrl });
  const r = express.Router();

  r.get('/projects/:id/ocds', h(async (req, res) => {
    res.json(await ocds.projectPackage(String(req.params.id)));
  }));

  r.get('/projects/:id/ocds/record', h(async (req, res) => {
    res.json(await ocds.projectRecord(String(req.params.id)));
  }));

  r.get('/ocds/:year.json', h(async (req, res) => {
    const { year } = parseOr422(YearSchema, req.params, 'invalid year');
    const write = async (chunk: string) => {
      if (!res.write(chunk)) await once(res, 'drain');
    };
    const start = () => {
      res.status(200).type('application/json; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="ocds-${year}.json"`);
    };
    try {
      await ocds.streamYear(year, write, start);
    } catch (err) {
      // Before the first byte the error handler answers (404 for a year without public projects);
      // after it, the package is cut short rather than ending as valid JSON with a release missing.
      if (!res.headersSent) throw err;
      deps.logger.error({ err, year }, 'OCDS yearly package failed while streaming');
      res.destroy(err as Error);
      return;
    }
    res.end();
  }));

  return r;
}
