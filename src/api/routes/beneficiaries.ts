// The beneficiary register: community staff register residents; the service decides who may read
// which community's register, and masks it for everyone but the community itself.
import express from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps.js';
import { parseOr422 } from '../../errors.js';
import { h } from '../handler.js';

const RegisterQuery = z.object({ communityId: z.string().max(64).optional() });

export function beneficiaryRoutes(deps: Deps): express.Router {
  const { beneficiaries } = deps.services;
  const r = express.Router();
  r.post('/beneficiaries', h(async (req, res) => {
    res.status(201).json({ beneficiary: await beneficiaries.register(req.user!, req.body) });
  }));
  r.get('/beneficiaries', h(async (req, res) => {
    const { communityId } = parseOr422(RegisterQuery, req.query, 'invalid filter');
    res.json({ beneficiaries: await beneficiaries.browse(req.user!, communityId, 'api') });
  }));
  return r;
}
