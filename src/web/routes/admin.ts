// Administration (admin role only): one router per area, all behind requireRole('admin').
import express from 'express';
import type { Deps } from '../../deps.js';
import { t } from '../../lib/i18n.js';
import { langOf, page, render, requireRole } from '../render.js';
import { adminUserRoutes } from './admin-users.js';
import { adminReferenceRoutes } from './admin-reference.js';
import { adminMoneyRoutes } from './admin-money.js';
import { adminSystemRoutes } from './admin-system.js';
import { libraryAdminRoutes } from './library.js';

export function adminRoutes(deps: Deps): express.Router {
  const r = express.Router();
  // the service-project library: admins maintain it, the district reads it (its own role checks)
  r.use('/library', libraryAdminRoutes(deps));
  r.use(requireRole('admin'));
  r.get('/', page(async (req, res) => {
    const lang = langOf(req);
    const d = await deps.services.admin.dashboard();
    render(req, res, 'pages/admin/index', {
      title: t(lang, 'admin.title'), ...d,
      unknownYearsText: d.unknownYears.length ? t(lang, 'admin.calendar.unknownYears', { years: d.unknownYears.join(', ') }) : null,
      deadText: d.deadLetters ? t(lang, 'admin.outbox.deadCount', { count: d.deadLetters }) : null,
    });
  }));
  r.use(adminUserRoutes(deps));
  r.use(adminReferenceRoutes(deps));
  r.use(adminMoneyRoutes(deps));
  r.use(adminSystemRoutes(deps));
  return r;
}
