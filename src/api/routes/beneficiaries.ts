// The beneficiary register: community staff register residents; the service decides who may read
// which community's register, and masks it for everyone but the community itself.
import express from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps.js';
import { parseOr422 } from '../../errors.js';
import { h } from '../handler.js';

const RegisterQuery = z.object({ communityId: z.string().max(64).optional() }).passthrough();

export function beneficiaryRoutes(deps: Deps): express.Router {
  const { beneficiaries } = deps.services;
  const r = express.Router();
  r.post('/beneficiaries', h(async (req, res) => {
    res.status(201).json({ beneficiary: await beneficiaries.register(req.user!, req.body) });
  }));
  // a page of the register, counted: ?communityId=&flag=alone|daily&group=&q=&page=&pageSize= (≤ 200)
  r.get('/beneficiaries', h(async (req, res) => {
    const { communityId, ...filter } = parseOr422(RegisterQuery, req.query, 'invalid filter');
    const p = await beneficiaries.page(req.user!, communityId, filter, 'api');
    res.json({ beneficiaries: p.rows, total: p.total, page: p.page, pageSize: p.pageSize });
  }));
  r.patch('/beneficiaries/:id', h(async (req, res) => {
    res.json({ beneficiary: await beneficiaries.update(req.user!, String(req.params.id), req.body) });
  }));
  return r;
}
