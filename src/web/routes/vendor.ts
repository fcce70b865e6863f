// The vendor portal (/vendor): what waits for this vendor now. The actions themselves are the
// forms on each project's page (SUBMIT_QUOTE, CONFIRM_CONTRACT, RECORD_DELIVERY, RECTIFIED …).
import express from 'express';
import type { Deps } from '../../deps.js';
import { page, render, requireRole } from '../render.js';
import { loadVendorPortal, vendorView } from '../vendor-view.js';
import { pageCtx } from './projects.js';

export function vendorRoutes(deps: Deps): express.Router {
  const r = express.Router();
  r.get('/vendor', requireRole('vendor'), page(async (req, res) => {
    const data = await loadVendorPortal(deps.services, req.user!);
    render(req, res, 'pages/vendor/index', vendorView(pageCtx(req, res), req.user!, data));
  }));
  return r;
}
