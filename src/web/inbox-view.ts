// View-model of the inbox page: rows with names, the task in words, the deadline, days in stage and
// an overdue flag. Every decision is made here, none in the template.
import type { Lang } from '../lib/i18n.js';
import { t } from '../lib/i18n.js';
import type { User } from '../auth/users.js';
import type { InboxPage } from '../inbox/inbox-service.js';
import { namer } from './labels.js';

export function presentInbox(lang: Lang, user: User, model: InboxPage) {
  const names = namer(lang, model.ref);
  const tasks = (model.tasks ?? []).map((x) => ({
    href: `/projects/${encodeURIComponent(x.project.id)}`,
    ref: x.project.ref,
    title: x.project.title,
    community: names.community(x.project.communityId),
    stage: names.stage(x.project.state),
    task: x.events.map((e) => t(lang, `projects.events.${e}.name`)).join('、'),
    deadline: x.project.nextDeadlineAt,
    daysInStage: x.daysInStage,
    overdue: x.overdue,
  }));
  const admin = model.admin && {
    items: [
      ...(model.admin.deadLetters > 0 ? [{ href: '/admin/outbox?status=dead', text: t(lang, 'inbox.admin.deadLetters', { count: model.admin.deadLetters }) }] : []),
      ...(model.admin.unknownYears.length ? [{ href: '/admin/calendar', text: t(lang, 'inbox.admin.unknownYears', { years: model.admin.unknownYears.join(', ') }) }] : []),
    ],
  };
  const pages = Math.max(1, Math.ceil(model.total / model.pageSize));
  const href = (n: number, needsPage = model.needs.page) => `/inbox?page=${n}${needsPage > 1 ? `&needsPage=${needsPage}` : ''}${lang === 'en' ? '&lang=en' : ''}`;
  // the needs waiting for this user, paged on their own (needsPage)
  const nd = model.needs;
  const needPages = Math.max(1, Math.ceil(nd.total / nd.pageSize));
  const needHref = (n: number) => `${href(model.page, n)}#needs`;
  const needs = {
    rows: nd.rows.map((x) => ({
      href: `/needs/${encodeURIComponent(x.need.id)}${lang === 'en' ? '?lang=en' : ''}`,
      ref: x.need.ref,
      type: t(lang, `needs.types.${x.need.type}`),
      community: names.community(x.need.communityId),
      state: t(lang, `needs.stateNames.${x.need.state}`),
      task: x.events.map((e) => t(lang, `needs.events.${e}`)).join('、'),
      deadline: x.need.deadline,
      overdue: x.overdue,
    })),
    total: nd.total,
    overdueCount: nd.overdue,
    has: nd.rows.length > 0,
    summary: t(lang, 'inbox.needs.summary', { total: nd.total, page: nd.page, pages: needPages }),
    prev: nd.page > 1 ? needHref(nd.page - 1) : undefined,
    next: nd.page < needPages ? needHref(nd.page + 1) : undefined,
    hasPager: needPages > 1,
  };
  return {
    roleName: t(lang, `roleNames.${user.role}`),
    tasks,
    total: model.total,
    summary: t(lang, 'inbox.summary', { total: model.total, page: model.page, pages }),
    prev: model.page > 1 ? href(model.page - 1) : undefined,
    next: model.page < pages ? href(model.page + 1) : undefined,
    hasPager: pages > 1,
    overdueCount: model.overdue,
    hasTasks: tasks.length > 0,
    needs,
    isAdmin: Boolean(admin),
    adminItems: admin?.items ?? [],
    hasAdminItems: Boolean(admin?.items.length),
  };
}
