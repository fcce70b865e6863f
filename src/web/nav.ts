// The navigation for each role (and its counts). Builds res.locals.nav for the layout.
import type { RequestHandler } from 'express';
import type { Deps } from '../deps.js';
import { t, type Lang } from '../lib/i18n.js';
import { langOf } from './render.js';

type Item = { href: string; key: string; roles?: string[] };

const ITEMS: Item[] = [
  { href: '/inbox', key: 'nav.inbox' },
  { href: '/projects', key: 'nav.projects', roles: ['community', 'street', 'district', 'finance', 'admin'] },
  { href: '/projects/new', key: 'nav.newProject', roles: ['community'] },
  { href: '/projects/library', key: 'nav.library', roles: ['community'] },
  { href: '/needs', key: 'nav.needs', roles: ['community', 'street', 'district'] },
  { href: '/beneficiaries', key: 'nav.beneficiaries', roles: ['community', 'street', 'district'] },
  { href: '/campaigns', key: 'nav.campaigns', roles: ['community', 'street', 'district', 'operator'] },
  { href: '/monitoring', key: 'nav.monitoring', roles: ['community', 'street', 'district', 'finance'] },
  { href: '/reports', key: 'nav.reports', roles: ['community', 'street', 'district', 'finance', 'admin'] },
  { href: '/vendors', key: 'nav.vendors', roles: ['district', 'street'] },
  { href: '/vendor', key: 'nav.vendor', roles: ['vendor'] },
  { href: '/admin/library', key: 'nav.library', roles: ['district', 'admin'] },
  { href: '/admin', key: 'nav.admin', roles: ['admin'] },
  { href: '/public', key: 'nav.public' },
];

function buildNav(role: string, path: string, lang: Lang, inboxCount: number) {
  return ITEMS.filter((i) => !i.roles || i.roles.includes(role)).map((i) => ({
    href: i.href,
    label: t(lang, i.key),
    current: path === i.href || (i.href !== '/projects' && path.startsWith(`${i.href}/`) && !(i.href === '/admin' && path.startsWith('/admin/library'))),
    ...(i.href === '/inbox' && inboxCount > 0 ? { count: inboxCount, countLabel: t(lang, 'inbox.navCount', { count: inboxCount }) } : {}),
  }));
}

export function navMiddleware(deps: Deps): RequestHandler {
  return (req, res, next) => {
    if (!req.user) return next();
    const lang = langOf(req);
    // Only pages (GET) show the navigation and its counts; a form post pays nothing for them.
    const counted = req.method === 'GET' ? deps.services.inbox.count(req.user) : Promise.resolve(0);
    counted.then((count) => {
      res.locals.nav = buildNav(req.user!.role, req.path, lang, count);
      next();
    }, next);
  };
}
