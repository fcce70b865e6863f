// GET /allocations?year=&communityId=: the allocations the user may see (the ledger decides which).
import express from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps.js';
import { parseOr422 } from '../../errors.js';
import { h } from '../handler.js';

const AllocationQuery = z.object({
  year: z.coerce.number({ error: 'validation.year' }).int('validation.year').min(2000, 'validation.year').max(2100, 'validation.year').optional(),
  communityId: z.string().max(64).optional(),
});

export function allocationRoutes(deps: Deps): express.Router {
  const { ledger } = deps.services;
  const r = express.Router();
  r.get('/allocations', h(async (req, res) => {
    const filter = parseOr422(AllocationQuery, req.query, 'invalid filter');
    res.json({ allocations: await ledger.visibleAllocations(req.user!, filter) });
  }));
  return r;
}
