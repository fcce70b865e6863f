// POST /_clock {advanceMs}: the sandbox clock (admins only, CLOCK=manual only; see src/admin/sandbox-clock.ts).
import express from 'express';
import type { Deps } from '../../deps.js';
import { h } from '../handler.js';

export function clockRoutes(deps: Deps): express.Router {
  const r = express.Router();
  r.post('/_clock', h(async (req, res) => {
    res.json(await deps.services.sandboxClock.advance(req.user!, req.body));
  }));
  return r;
}
