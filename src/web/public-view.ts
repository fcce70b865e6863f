// View-models of the public pages. Only public facts go in: titles, places, amounts, vendor names,
// stages and dates. Objections are counted, never quoted (their text may name a neighbour).
import { t, type Lang } from '../lib/i18n.js';
import type { PublicService } from '../public/public-service.js';
import { eventSchemas, isNoticeStage, STAGES } from '../../workflows/project/index.js';
import type { ProjectRow } from '../projects/project-repo.js';
import { namer, options, type Lookups } from './labels.js';
import { field, type FormSpec } from './forms/form-model.js';
import { formView, type Values } from './forms/form-view.js';
import { noticeLines } from './public-notice-view.js';
import { presentPublicReport } from './reports-view.js';
import { derivedOnce } from '../lib/read-cache.js';

type Awaited2<T> = T extends Promise<infer U> ? U : T;
type Notices = Awaited2<ReturnType<PublicService['notices']>>;
type Notice = Awaited2<ReturnType<PublicService['notice']>>;
type List = Awaited2<ReturnType<PublicService['list']>>;
type Detail = Awaited2<ReturnType<PublicService['project']>>;
export type Stats = Awaited2<ReturnType<PublicService['stats']>>;

const langQuery = (lang: Lang) => (lang === 'en' ? '?lang=en' : '');

/** The objection form's limit is the OBJECT event's own (workflows/project/project.events.ts), never a copy. */
export const OBJECTION_TEXT_MAX: number = eventSchemas.OBJECT.shape.text.maxLength ?? 0;

/** The objection form (labels `public.notice.*`; `{{max}}` in the text's hint comes from the view's params). */
export const OBJECTION_FORM: FormSpec = {
  labels: 'public.notice',
  fields: [field('text', 'textarea', { rows: 6, hint: 'public.notice.textHint' }), field('contact', 'text', { hint: 'public.notice.contactHint', autocomplete: 'tel' })],
};
/** The public list's filters (a GET form, labels `public.filters.*`). */
export const PUBLIC_FILTERS: FormSpec = {
  labels: 'public.filters',
  fields: [
    field('q', 'search'), field('state', 'select', { options: 'states' }), field('category', 'select', { options: 'categories' }),
    field('type', 'select', { options: 'types' }), field('streetId', 'select', { options: 'streets', label: 'public.filters.street' }), field('year', 'select', { options: 'years' }),
  ],
};
export const STATS_FILTERS: FormSpec = { labels: 'public.filters', fields: [field('year', 'select', { options: 'years' })] };

/** The objection form's fields, with what was typed and the service's error when it comes back. */
export function objectionForm(lang: Lang, values: Values = {}, err?: unknown) {
  const max = lang === 'en' ? OBJECTION_TEXT_MAX.toLocaleString('en') : String(OBJECTION_TEXT_MAX);
  return formView({ lang, form: OBJECTION_FORM, values, err, params: { max } });
}

function row(lang: Lang, ref: Lookups, p: ProjectRow & { carriedOver?: boolean }) {
  const n = namer(lang, ref);
  return {
    href: `/public/projects/${encodeURIComponent(p.id)}${langQuery(lang)}`,
    ref: p.ref,
    title: p.title,
    community: n.community(p.communityId),
    street: n.street(p.streetId),
    type: n.type(p.type),
    category: n.category(p.category),
    mainGroup: n.group(p.mainGroup),
    otherGroups: p.otherGroups.map((g) => n.group(g)).join('、'),
    stage: n.stage(p.state),
    vendor: n.vendor(p.vendorId),
    year: p.year,
    budgetYear: p.budgetYear,
    carriedOver: p.carriedOver === true,
    estimatedFen: p.estimatedFen,
    approvedFen: p.approvedFen,
    awardedFen: p.awardedFen,
    paidFen: p.paidFen,
  };
}

export function presentNotices(lang: Lang, m: Notices) {
  const notices = m.notices.map((p) => ({
    ...row(lang, m.ref, p),
    noticeHref: `/public/notices/${encodeURIComponent(p.id)}${langQuery(lang)}`,
    endsAt: p.nextDeadlineAt,
  }));
  const pages = Math.max(1, Math.ceil(m.total / m.pageSize));
  const href = (page: number) => {
    const q = new URLSearchParams();
    if (lang === 'en') q.set('lang', 'en');
    if (page > 1) q.set('page', String(page));
    const s = q.toString();
    return `/public/notices${s ? `?${s}` : ''}`;
  };
  return {
    notices, hasNotices: notices.length > 0,
    summary: pages > 1 ? t(lang, 'public.notices.summary', { total: m.total, page: m.page, pages }) : null,
    prevHref: m.page > 1 ? href(Math.min(m.page - 1, pages)) : null,
    nextHref: m.page < pages ? href(m.page + 1) : null,
  };
}

export function presentNotice(lang: Lang, m: Notice) {
  const base = row(lang, m.ref, m.row);
  return {
    project: base,
    heading: t(lang, 'public.notice.heading', { title: m.row.title }),
    description: m.project.description,
    items: m.project.items,
    beneficiaryCount: m.project.beneficiaryCount,
    deliberation: m.project.deliberation && {
      heldOn: m.project.deliberation.heldOn,
      summary: t(lang, 'public.notice.vote', {
        members: m.project.deliberation.members, present: m.project.deliberation.present,
        for: m.project.deliberation.for, against: m.project.deliberation.against, abstain: m.project.deliberation.abstain,
      }),
    },
    endsAt: m.project.deadlines.noticeEndsAt,
    ...noticeLines(lang, m),
    open: m.open,
    objectionCount: m.project.objections.length,
    action: `/public/notices/${encodeURIComponent(m.row.id)}${langQuery(lang)}`,
    backHref: `/public/notices${langQuery(lang)}`,
  };
}

export function presentPublicList(lang: Lang, m: List) {
  const n = namer(lang, m.ref);
  const f = m.filter as Record<string, unknown>;
  const stageList = ['procurement', ...STAGES.filter((s) => !s.startsWith('procurement.'))];
  const query = (page: number) => {
    const q = new URLSearchParams();
    for (const k of ['q', 'state', 'category', 'type', 'streetId', 'year']) if (f[k] !== undefined && f[k] !== '') q.set(k, String(f[k]));
    if (lang === 'en') q.set('lang', 'en');
    if (page > 1) q.set('page', String(page));
    const s = q.toString();
    return `/public/projects${s ? `?${s}` : ''}`;
  };
  const pages = Math.max(1, Math.ceil(m.total / m.pageSize));
  const any = t(lang, 'public.filters.any');
  return {
    rows: m.rows.map((p) => row(lang, m.ref, p)),
    hasRows: m.rows.length > 0,
    total: m.total,
    summary: t(lang, 'public.projects.summary', { total: m.total, page: m.page, pages }),
    isEn: lang === 'en',
    filters: formView({
      lang, form: PUBLIC_FILTERS,
      values: Object.fromEntries(PUBLIC_FILTERS.fields.map((x) => [x.name, f[x.name] === undefined || f[x.name] === null ? '' : String(f[x.name])])),
      options: {
        states: options(stageList.map((s) => ({ value: s, label: n.stage(s) })), '', any),
        categories: options(m.ref.categories.map((c) => ({ value: c.code, label: n.category(c.code) })), '', any),
        types: options(['goods', 'works', 'services'].map((x) => ({ value: x, label: n.type(x) })), '', any),
        streets: options(m.ref.streets.map((s) => ({ value: s.id, label: n.street(s.id) })), '', any),
        years: options(m.years.map((y) => ({ value: String(y), label: String(y) })), '', any),
      },
    }).fields,
    prevHref: m.page > 1 ? query(m.page - 1) : null,
    nextHref: m.page < pages ? query(m.page + 1) : null,
  };
}

export function presentPublicProject(lang: Lang, m: Detail) {
  const base = row(lang, m.ref, m.row);
  const n = namer(lang, m.ref);
  return {
    project: base,
    carriedOver: m.project.carriedOver,
    positiveArea: m.project.positiveArea && (lang === 'en' ? m.project.positiveArea.en : m.project.positiveArea.zh),
    heading: `${m.row.ref} ${m.row.title}`,
    description: m.project.description,
    items: m.project.items,
    beneficiaryCount: m.project.beneficiaryCount,
    contractNo: m.project.contract?.contractNo ?? null,
    contractFen: m.project.contract?.amountFen ?? null,
    dueOn: m.project.contract?.dueOn ?? null,
    payments: m.project.payments.map((p) => ({ tranche: t(lang, `public.tranches.${p.tranche}`), amountFen: p.amountFen, at: p.at })),
    hasPayments: m.project.payments.length > 0,
    evaluation: m.project.evaluation && { score: m.project.evaluation.score, grade: m.project.evaluation.grade },
    objectionCount: m.project.objections.length,
    inNotice: isNoticeStage(m.row.state),
    ...noticeLines(lang, m),
    noticeHref: `/public/notices/${encodeURIComponent(m.row.id)}${langQuery(lang)}`,
    timeline: m.stages.map((s) => ({ at: s.at, text: s.from ? t(lang, 'public.project.moved', { from: n.stage(s.from), to: n.stage(s.to) }) : t(lang, 'public.project.created') })),
    backHref: `/public/projects${langQuery(lang)}`,
  };
}

/** The statistics page's model: built once per language for a kept answer (src/lib/read-cache.ts). */
export const presentStats = (lang: Lang, m: Stats): ReturnType<typeof buildStats> => statsModel(m, lang);
const statsModel = derivedOnce((m: Stats, lang: Lang) => buildStats(lang, m));

function buildStats(lang: Lang, m: Stats) {
  const n = namer(lang, m.ref);
  const total = m.byStage.reduce((a, r) => ({ count: a.count + r.count, estimatedFen: a.estimatedFen + r.estimatedFen, approvedFen: a.approvedFen + r.approvedFen, paidFen: a.paidFen + r.paidFen }), { count: 0, estimatedFen: 0, approvedFen: 0, paidFen: 0 });
  return {
    ...presentPublicReport(lang, m),
    year: m.year,
    to: m.to,
    byStage: { id: 'by-stage', caption: t(lang, 'public.stats.byStage'), rows: m.byStage.map((r) => ({ ...r, label: n.stage(r.key) })), total, hasRows: m.byStage.length > 0 },
    progress: m.progress,
    money: m.money,
  };
}
