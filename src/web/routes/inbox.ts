// My inbox: what waits for the signed-in user, oldest stage first (issue 4 item 3).
import express from 'express';
import type { Deps } from '../../deps.js';
import { t } from '../../lib/i18n.js';
import { langOf, page, render, requireRole } from '../render.js';
import { presentInbox } from '../inbox-view.js';

export function inboxRoutes(deps: Deps): express.Router {
  const r = express.Router();
  r.get('/inbox', requireRole(), page(async (req, res) => {
    const lang = langOf(req);
    const user = req.user!;
    const n = typeof req.query.page === 'string' && /^\d{1,5}$/.test(req.query.page) ? Math.max(1, Number(req.query.page)) : 1;
    const needsPage = typeof req.query.needsPage === 'string' && /^\d{1,5}$/.test(req.query.needsPage) ? Math.max(1, Number(req.query.needsPage)) : 1;
    const model = await deps.services.inbox.page(user, n, needsPage);
    render(req, res, 'pages/inbox/index', { title: t(lang, 'inbox.title'), ...presentInbox(lang, user, model) });
  }));
  return r;
}
