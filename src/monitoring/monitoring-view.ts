// View-models of the monitoring pages: the stages' figures, the stuck projects and the month's
// movements, with names, dates and days in the page's language. Every decision is made here, none
// in the templates (templates/pages/monitoring/*.hbs).
import { t, type Lang } from '../lib/i18n.js';
import { formatShanghai } from '../lib/calendar.js';
import { stateLabel } from '../lib/reason-text.js';
import type { MonthReport, Paged, StagesReport, StuckProject } from './monitoring-service.js';

export interface Places {
  streets: Array<{ id: string; nameZh: string; nameEn: string }>;
  communities: Array<{ id: string; nameZh: string; nameEn: string; streetId: string }>;
}

const days = (n: number | null) => (n === null ? '—' : (Math.round(n * 10) / 10).toFixed(1));
const nameOf = (lang: Lang, p: { nameZh: string; nameEn: string } | undefined) => (p ? (lang === 'en' ? p.nameEn : p.nameZh) : '—');

/** The street and community selects of the filter form, the chosen ones marked. */
function filterView(lang: Lang, places: Places, f: { streetId?: string; communityId?: string }) {
  const all = { value: '', label: t(lang, 'monitoring.filter.all') };
  return {
    streets: [all, ...places.streets.map((s) => ({ value: s.id, label: nameOf(lang, s) }))].map((o) => ({ ...o, selected: o.value === (f.streetId ?? '') })),
    communities: [all, ...places.communities.map((c) => ({ value: c.id, label: nameOf(lang, c) }))].map((o) => ({ ...o, selected: o.value === (f.communityId ?? '') })),
  };
}

/** A pager's links, keeping the other parameters. */
function pager(lang: Lang, path: string, params: Record<string, string | number | undefined>, pageParam: string, p: { page: number; pageSize: number; total: number }) {
  const pages = Math.max(1, Math.ceil(p.total / p.pageSize));
  const href = (n: number) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...params, [pageParam]: n })) if (v !== undefined && v !== '') q.set(k, String(v));
    if (lang === 'en') q.set('lang', 'en');
    return `${path}?${q.toString()}`;
  };
  return {
    summary: t(lang, 'monitoring.summary', { total: p.total, page: p.page, pages }),
    prev: p.page > 1 ? href(p.page - 1) : undefined,
    next: p.page < pages ? href(p.page + 1) : undefined,
    hasPager: pages > 1,
  };
}

function stuckRows(lang: Lang, places: Places, stuck: Paged<StuckProject>) {
  const communities = new Map(places.communities.map((c) => [c.id, c]));
  return stuck.rows.map((r) => ({
    href: `/projects/${encodeURIComponent(r.projectId)}`,
    ref: r.ref,
    title: r.title,
    community: nameOf(lang, communities.get(r.communityId)),
    stage: stateLabel(lang, r.stage),
    entered: formatShanghai(r.enteredAt, 'date'),
    expectedEnd: formatShanghai(r.expectedEndAt, 'date'),
    overdue: r.overdueWorkingDays === null
      ? t(lang, 'monitoring.overdueDays', { count: r.overdueDays, n: r.overdueDays })
      : t(lang, 'monitoring.overdueWorking', { count: r.overdueDays, n: r.overdueDays, w: r.overdueWorkingDays }),
    // whom it waits for now; a project that has moved on since (a past month) waits for nobody there
    waitingFor: r.leftAt === null && r.waitingFor.length ? r.waitingFor.map((x) => t(lang, `roleNames.${x}`)).join(lang === 'en' ? ', ' : '、') : '—',
  }));
}

export function presentStages(lang: Lang, places: Places, m: StagesReport) {
  const params = { year: m.year, streetId: m.filter.streetId, communityId: m.filter.communityId };
  return {
    year: m.year,
    asOf: formatShanghai(m.asOf, 'datetime'),
    filter: filterView(lang, places, m.filter),
    stages: m.stages.map((s) => ({
      stage: stateLabel(lang, s.stage), now: s.now, n: s.calendarDays.n,
      median: days(s.calendarDays.median), p90: days(s.calendarDays.p90),
      wMedian: s.workingDays ? days(s.workingDays.median) : '—', wP90: s.workingDays ? days(s.workingDays.p90) : '—',
    })),
    stuck: stuckRows(lang, places, m.stuck),
    hasStuck: m.stuck.rows.length > 0,
    ...pager(lang, '/monitoring/stages', params, 'page', m.stuck),
  };
}

export function presentMonth(lang: Lang, places: Places, m: MonthReport) {
  const params = { month: m.month, streetId: m.filter.streetId, communityId: m.filter.communityId };
  const communities = new Map(places.communities.map((c) => [c.id, c]));
  const entriesPager = pager(lang, '/monitoring', { ...params, page: m.stuck.page }, 'mpage', m.entries);
  return {
    month: m.month,
    asOf: formatShanghai(m.asOf, 'datetime'),
    filter: filterView(lang, places, m.filter),
    stuck: stuckRows(lang, places, m.stuck),
    hasStuck: m.stuck.rows.length > 0,
    stuckPager: pager(lang, '/monitoring', { ...params, mpage: m.entries.page }, 'page', m.stuck),
    movements: m.movements.map((x) => ({ stage: stateLabel(lang, x.stage), entered: x.entered, left: x.left })),
    hasMovements: m.movements.length > 0,
    entries: m.entries.rows.map((r) => ({
      href: `/projects/${encodeURIComponent(r.projectId)}`, ref: r.ref, title: r.title,
      community: nameOf(lang, communities.get(r.communityId)),
      date: formatShanghai(r.enteredAt, 'datetime'),
      from: r.previous ? stateLabel(lang, r.previous) : '—',
      stage: stateLabel(lang, r.stage),
    })),
    hasEntries: m.entries.rows.length > 0,
    entriesPager,
  };
}
