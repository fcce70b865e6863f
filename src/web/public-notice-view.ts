// The notice lines of the public pages ("公示期：自…至…" and the community's contact telephone),
// and the printable A4 notice for the community's notice board. Public facts only: never an
// objector's contact, never a beneficiary.
import { t, type Lang } from '../lib/i18n.js';
import { formatShanghai } from '../lib/calendar.js';
import type { PublicService } from '../public/public-service.js';
import type { CurrentNotice } from '../public/notice-period.js';
import { namer } from './labels.js';
import { absoluteUrl } from '../lib/urls.js';

type Awaited2<T> = T extends Promise<infer U> ? U : T;
type Print = Awaited2<ReturnType<PublicService['printNotice']>>;

const langQuery = (lang: Lang) => (lang === 'en' ? '?lang=en' : '');

/** "公示期：自2026-03-03至2026-03-09" (Asia/Shanghai dates). */
export function periodText(lang: Lang, n: Pick<CurrentNotice, 'startedAt' | 'endsAt'>): string {
  return t(lang, 'public.notice.period', { start: formatShanghai(n.startedAt, 'date'), end: formatShanghai(n.endsAt, 'date') });
}

/** What a project's public pages show while a notice runs: its kind, period, the community's telephone and the print link. */
export function noticeLines(lang: Lang, m: { row: { id: string }; notice: CurrentNotice | null; phone: string | null }) {
  const n = m.notice;
  if (!n || !n.running) return { runningNotice: null };
  return {
    runningNotice: {
      kind: t(lang, `notices.kinds.${n.kind}`),
      period: periodText(lang, n),
      phone: m.phone ? t(lang, 'public.notice.phone', { phone: m.phone }) : null,
      printHref: `/public/projects/${encodeURIComponent(m.row.id)}/notice${langQuery(lang)}`,
    },
  };
}

/** The printable notice: titled by its kind, the project's public facts, the period, how to object, the telephone. */
export function presentPrintNotice(lang: Lang, m: Print, baseUrl: string) {
  const nm = namer(lang, m.ref);
  const kind = t(lang, `notices.kinds.${m.notice.kind}`);
  const acceptance = m.project.acceptances.at(-1);
  const amount = m.notice.kind === 'proposal'
    ? { label: t(lang, 'public.printNotice.amountProposal'), fen: m.row.estimatedFen }
    : { label: t(lang, 'public.printNotice.amountApproved'), fen: m.row.approvedFen ?? m.row.estimatedFen };
  return {
    title: `${kind} · ${m.row.ref} ${m.row.title}`,
    kind,
    heading: t(lang, 'public.printNotice.title', { kind }),
    intro: t(lang, 'public.printNotice.intro'),
    ref: m.row.ref,
    projectTitle: m.row.title,
    community: nm.community(m.row.communityId),
    street: nm.street(m.row.streetId),
    type: nm.type(m.row.type),
    category: nm.category(m.row.category),
    amount,
    description: m.project.description,
    items: m.project.items,
    deliberation: m.notice.kind === 'proposal' && m.project.deliberation
      ? t(lang, 'public.notice.vote', {
        members: m.project.deliberation.members, present: m.project.deliberation.present,
        for: m.project.deliberation.for, against: m.project.deliberation.against, abstain: m.project.deliberation.abstain,
      })
      : null,
    deliberationOn: m.project.deliberation?.heldOn ?? null,
    acceptance: m.notice.kind === 'acceptance' && acceptance
      ? `${acceptance.passed ? t(lang, 'public.printNotice.passed') : t(lang, 'states.rectification')} · ${t(lang, 'public.printNotice.satisfaction', { pct: acceptance.satisfactionPct })}`
      : null,
    period: periodText(lang, m.notice),
    phone: m.phone ? t(lang, 'public.notice.phone', { phone: m.phone }) : null,
    objectHow: t(lang, 'public.printNotice.objectHow', { url: absoluteUrl(baseUrl, `/public/notices/${encodeURIComponent(m.row.id)}`) }),
    issuer: t(lang, 'public.printNotice.issuer', { community: nm.community(m.row.communityId), street: nm.street(m.row.streetId) }),
    issuedOn: formatShanghai(m.notice.startedAt, 'date'),
  };
}
