// The navigation for each role (and its counts). Builds res.locals.nav for the layout.
import type { RequestHandler } from 'express';
import type { Deps } from '../deps.js';
import { t } from '../lib/i18n.js';
import { langOf } from './render.js';

type Item = { href: string; key: string; roles?: string[] };

const ITEMS: Item[] = [
  { href: '/inbox', key: 'nav.inbox' },
  { href: '/projects', key: 'nav.projects', roles: ['community', 'street', 'district', 'finance', 'admin'] },
  { href: '/projects/new', key: 'nav.newProject', roles: ['community'] },
  { href: '/vendor', key: 'nav.vendor', roles: ['vendor'] },
  { href: '/admin', key: 'nav.admin', roles: ['admin'] },
  { href: '/public', key: 'nav.public' },
];

export function navMiddleware(_deps: Deps): RequestHandler {
  return (req, res, next) => {
    if (!req.user) return next();
    const lang = langOf(req);
    res.locals.nav = ITEMS.filter((i) => !i.roles || i.roles.includes(req.user!.role)).map((i) => ({
      href: i.href,
      label: t(lang, i.key),
      current: req.path === i.href || (i.href !== '/projects' && req.path.startsWith(`${i.href}/`)),
    }));
    next();
  };
}
