// The vendor portal's view-model: a vendor's projects grouped by what is asked of it now — the
// events each waits for from this vendor (the workflow's "waiting for", as the inbox reads it):
// quotes, contracts to confirm, deliveries to record, rectifications — and the rest. Each links to
// the project page, whose forms do the work.
import { stateLabel } from './statechart.js';
import { t } from '../lib/i18n.js';
import { formatYuan } from '../../workflows/shared/money.js';
import { formatShanghai } from '../lib/calendar.js';
import type { Services } from '../services.js';
import type { User } from '../auth/users.js';
import { withLang, type PageCtx } from './project-view.js';

const SECTIONS = ['quoting', 'contracting', 'delivery', 'rectification', 'other'] as const;
type Section = (typeof SECTIONS)[number];

/** Which section an event asked of the vendor belongs to (events, not states: what it may do now). */
const SECTION_OF: Record<string, Section> = {
  SUBMIT_QUOTE: 'quoting', WITHDRAW_QUOTE: 'quoting', CONFIRM_CONTRACT: 'contracting',
  RECORD_DELIVERY: 'delivery', REQUEST_ACCEPTANCE: 'delivery', RECTIFIED: 'rectification',
};

function sectionOf(tasks: readonly string[]): Section {
  for (const t of tasks) if (SECTION_OF[t]) return SECTION_OF[t]!;
  return 'other';
}

export async function loadVendorPortal(services: Services, user: User) {
  const { projects } = await services.projects.list(user, { pageSize: 200 });
  const tasks = await services.inbox.tasksOf(user, projects.map((p) => p.id));
  // The quoting ones need the vendor's own quote (sealed from everyone else).
  const quoting = projects.filter((p) => sectionOf(tasks.get(p.id) ?? []) === 'quoting');
  const details = new Map(await Promise.all(quoting.map(async (p) => [p.id, await services.projects.get(user, p.id)] as const)));
  return { projects, details, tasks };
}

export function vendorView(ctx: PageCtx, user: User, d: Awaited<ReturnType<typeof loadVendorPortal>>) {
  const { lang } = ctx;
  const groups = new Map<Section, Array<Record<string, unknown>>>(SECTIONS.map((s) => [s, []]));
  for (const p of d.projects) {
    const section = sectionOf(d.tasks.get(p.id) ?? []);
    const detail = d.details.get(p.id);
    const mine = detail?.procurement?.quotes.find((q) => q.vendorId === user.vendorId);
    const deadline = detail?.procurement?.deadline ?? p.nextDeadlineAt;
    groups.get(section)!.push({
      href: withLang(ctx, `/projects/${p.id}`), ref: p.ref, title: p.title, state: stateLabel(lang, p.state),
      deadline: deadline ? formatShanghai(deadline, 'datetime') : '—',
      quote: section === 'quoting' ? (mine && typeof mine.amountFen === 'number' ? t(lang, 'vendor.quoted', { amount: formatYuan(mine.amountFen, { lang }) }) : t(lang, 'vendor.notQuoted')) : undefined,
      next: t(lang, `vendor.next.${section}`),
    });
  }
  return {
    title: t(lang, 'vendor.title'),
    sections: SECTIONS.map((s) => ({ id: `vendor-${s}`, heading: t(lang, `vendor.sections.${s}`), rows: groups.get(s)!, empty: groups.get(s)!.length === 0, emptyText: t(lang, `vendor.empty.${s}`) })),
  };
}
