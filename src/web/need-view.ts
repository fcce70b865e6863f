// View-models of the need pages (需求, issue 15 item 2: list, new, detail) and the one query each
// page route makes. What a need's page offers comes from the workflow itself: one form per event
// the engine's `explain` (workflows/need/need.describe.ts explainNeed, through the need service)
// allows this user now; the refused ones are listed with their reasons, and events the state does
// not take are not shown. The choices a form offers follow the workflow's and the service's own
// rules: a referral to another community of the need's street (need-service `mayReferTo`), adoption
// into an open project of the need's community (need.checks.ts CLOSED_PROJECT_STATES, through
// need-service `adoptableProjects`). Templates receive these objects and make no decisions.
import { t, type Lang } from '../lib/i18n.js';
import { formatShanghai } from '../lib/calendar.js';
import { isAppError } from '../errors.js';
import type { Services } from '../services.js';
import type { User } from '../auth/users.js';
import { maskAddress } from '../beneficiaries/mask.js';
import { NEED_SOURCES, NEED_STATES, NEED_TYPES } from '../../workflows/need/index.js';
import { mayReferTo } from '../needs/need-service.js';
import { field as f, str, type ConvertResult, type FieldSpec, type FormBody, type FormSpec, toPayload } from './forms/form-model.js';
import { anchorsOf, errorState, formFields, reasonText, type Option, type Options, type Values } from './forms/form-view.js';
import { NEW_PROJECT_FORM, toNewProject } from './project-forms.js';
import { stateLabel } from './statechart.js';
import { withLang, type PageCtx } from './project-view.js';

/** Needs a list page shows. */
export const NEED_PAGE_SIZE = 50;

const needForm = (fields: FieldSpec[], extra: Partial<FormSpec> = {}): FormSpec => ({ labels: 'needsPages.fields', hints: 'needsPages.hints', summaryNamesFields: true, fields, ...extra });

/** Recording a need (/needs/new): NewNeedSchema's fields as community staff give them (never `public`). */
export const NEW_NEED_FORM: FormSpec = needForm([
  f('source', 'radios', { options: 'sources' }), f('type', 'select', { options: 'types', blank: true }), f('description', 'textarea', { rows: 5 }),
  f('beneficiaryId', 'select', { options: 'beneficiaries', blank: true, optional: true }),
  f('contact.name', 'text', { optional: true, label: 'needsPages.fields.contactName', autocomplete: 'off' }),
  f('contact.phone', 'tel', { optional: true, label: 'needsPages.fields.contactPhone', autocomplete: 'off' }),
]);

/** The sources staff record (the public form records `public` itself). */
export const STAFF_SOURCES = NEED_SOURCES.filter((s) => s !== 'public');

/** ADOPT's new draft: the proposal form's fields under `newProject.`, labelled as the proposal form labels them. */
const NEW_DRAFT_FIELDS: FieldSpec[] = NEW_PROJECT_FORM.fields.map((x) => ({ ...x, name: `newProject.${x.name}`, label: x.label ?? `projects.fields.${x.name}` }));

/** One form per event a person may send (timer events have none). */
export const NEED_EVENT_FORMS: Record<string, FormSpec> = {
  REFER: needForm([f('to', 'radios', { options: 'referTo' }), f('communityId', 'select', { options: 'referCommunities', blank: true, optional: true }), f('note', 'textarea', { optional: true })]),
  RESOLVE: needForm([f('resolution', 'textarea')]),
  ADOPT: needForm([f('projectId', 'select', { options: 'openProjects', blank: true, optional: true }), ...NEW_DRAFT_FIELDS]),
  DECLINE: needForm([f('reason', 'textarea')], { warning: true }),
  INFORM_RESIDENT: needForm([f('note', 'textarea')]),
  COMMENT: needForm([f('text', 'textarea')]),
};

/** Every need field, so a failed form's summary names its field whichever form failed. */
const ALL_NEED_FIELDS: FormSpec = needForm(Object.values(NEED_EVENT_FORMS).flatMap((s) => s.fields));

/**
 * A posted event form → the event's payload. ADOPT: an existing project when one is chosen, a new
 * draft when its fields are filled (the budget year alone is the select's default, not a draft);
 * both or neither go on as they are, for the workflow's schema to refuse (validation.adoptOneOf).
 */
export function toNeedPayload(type: string, body: FormBody): ConvertResult {
  const spec = NEED_EVENT_FORMS[type]!;
  if (type !== 'ADOPT') return toPayload(spec, body);
  const payload: Record<string, unknown> = {};
  const projectId = str(body, 'projectId');
  if (projectId) payload.projectId = projectId;
  const sub: FormBody = {};
  for (const [k, v] of Object.entries(body)) if (k.startsWith('newProject.')) sub[k.slice('newProject.'.length)] = v;
  const draft = toNewProject(sub);
  const filled = Object.keys(draft.payload).some((k) => k !== 'budgetYear' && k !== 'estimatedFen') || Object.keys(draft.errors).length > 0;
  if (filled) payload.newProject = draft.payload;
  return { payload, errors: Object.fromEntries(Object.entries(draft.errors).map(([k, v]) => [`newProject.${k}`, v])) };
}

const named = (lang: Lang, r: { nameZh: string; nameEn: string } | undefined, fallback: string) => (r ? (lang === 'en' ? r.nameEn : r.nameZh) : fallback);
const needState = (lang: Lang, s: string | null | undefined) => (s ? t(lang, `needs.stateNames.${s}`) : '—');
const when = (iso: string | null | undefined) => (iso ? formatShanghai(iso, 'datetime') : '—');

// ── the list ──

export async function loadNeedList(services: Services, user: User, query: Record<string, unknown>) {
  const [result, communities] = await Promise.all([services.needs.list(user, { ...query, pageSize: NEED_PAGE_SIZE }), services.reference.communities()]);
  return { result, communities };
}

export function needListView(ctx: PageCtx, user: User, d: Awaited<ReturnType<typeof loadNeedList>>, filter: Record<string, string>) {
  const { lang } = ctx;
  const { needs, total, page, pageSize } = d.result;
  const opt = (value: string, label: string, current?: string) => ({ value, label, selected: value === (current ?? '') });
  const any = t(lang, 'projects.list.any');
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const qs = (n: number) => withLang(ctx, `/needs?${new URLSearchParams({ ...Object.fromEntries(Object.entries(filter).filter(([, v]) => v)), page: String(n) }).toString()}`);
  // the community filter for those who see several communities
  const inScope = user.role === 'street' ? d.communities.filter((c) => c.streetId === user.streetId) : user.role === 'district' ? d.communities : [];
  const community = (id: string) => named(lang, d.communities.find((c) => c.id === id), id);
  const referred = (to: string | null) => {
    if (!to) return '';
    const [level, id] = to.split(':') as [string, string];
    return level === 'street' ? t(lang, 'needsPages.referredToStreet') : community(id);
  };
  return {
    title: t(lang, 'needsPages.list.title'),
    canCreate: user.role === 'community',
    newHref: withLang(ctx, '/needs/new'),
    langValue: ctx.langQs ? lang : undefined,
    filters: {
      states: [opt('', any, filter.state), ...NEED_STATES.map((s) => opt(s, needState(lang, s), filter.state))],
      types: [opt('', any, filter.type), ...NEED_TYPES.map((s) => opt(s, t(lang, `needs.types.${s}`), filter.type))],
      sources: [opt('', any, filter.source), ...NEED_SOURCES.map((s) => opt(s, t(lang, `needs.sources.${s}`), filter.source))],
      communities: inScope.length ? [opt('', any, filter.communityId), ...inScope.map((c) => opt(c.id, named(lang, c, c.id), filter.communityId))] : undefined,
    },
    rows: needs.map((n) => ({
      href: withLang(ctx, `/needs/${encodeURIComponent(n.id)}`), ref: n.ref, type: t(lang, `needs.types.${n.type}`), source: t(lang, `needs.sources.${n.source}`),
      state: needState(lang, n.state), community: community(n.communityId), receivedAt: formatShanghai(n.receivedAt, 'date'),
      deadline: n.deadline ? formatShanghai(n.deadline, 'datetime') : '—', referredTo: referred(n.referredTo) || '—',
    })),
    empty: needs.length === 0,
    summary: t(lang, 'needsPages.list.summary', { total, page, pages }),
    prev: page > 1 ? qs(page - 1) : undefined,
    next: page < pages ? qs(page + 1) : undefined,
  };
}

// ── recording a need ──

export async function loadNewNeed(services: Services, user: User) {
  // the community's register to choose from (its own staff read it unmasked; the read is logged)
  const register = await services.beneficiaries.page(user, user.communityId ?? undefined, { pageSize: 200 }, 'need-form');
  return { beneficiaries: register.rows, more: register.total > register.rows.length };
}

export function newNeedView(ctx: PageCtx, d: Awaited<ReturnType<typeof loadNewNeed>>, values: Values = { source: 'call' }, err?: unknown) {
  const { lang } = ctx;
  const options: Options = {
    sources: STAFF_SOURCES.map((s) => ({ value: s, label: t(lang, `needs.sources.${s}`) })),
    types: NEED_TYPES.map((s) => ({ value: s, label: t(lang, `needs.types.${s}`) })),
    beneficiaries: d.beneficiaries.map((b) => ({ value: b.id, label: `${b.name} · ${b.masked ? b.address : maskAddress(b.address)}` })),
  };
  const first = err ? errorState(lang, err, { form: NEW_NEED_FORM }) : undefined;
  const built = formFields({ lang, spec: NEW_NEED_FORM, prefix: '', values, errors: first?.fields ?? {}, options });
  return {
    title: t(lang, 'needsPages.new.title'),
    registerNote: d.more ? t(lang, 'needsPages.new.registerMore', { count: d.beneficiaries.length }) : undefined,
    form: { action: withLang(ctx, '/needs/new'), csrfToken: ctx.csrfToken, submit: t(lang, 'needsPages.new.submit'), ...built },
    errors: err ? errorState(lang, err, { form: NEW_NEED_FORM, anchors: anchorsOf(built) }) : undefined,
    links: { list: withLang(ctx, '/needs') },
  };
}

// ── one need ──

/** Everything a need's page shows, gathered in one call. */
export async function loadNeedPage(services: Services, user: User, id: string, now: Date) {
  const need = await services.needs.get(user, id);
  const [history, communities, streets] = await Promise.all([services.needs.history(user, id), services.reference.communities(), services.reference.streets()]);
  // a removed user (or the public) keeps their id in the history
  const users = await services.users.names(history.map((h) => String(h.actor.id)));
  const allowed = new Set(need.allowedEvents.filter((e) => e.allowed).map((e) => e.type));
  const adoptable = allowed.has('ADOPT') ? await services.needs.adoptableProjects(need.communityId) : [];
  const choices = allowed.has('ADOPT') ? await services.projects.proposalChoices(user) : null;
  // the project it was adopted into: its ref and title where this user may read it
  const project = need.projectId ? await services.projects.get(user, need.projectId).then((p) => ({ id: p.id, ref: p.ref, title: p.title, state: p.state }), () => null) : null;
  return { need, history, communities, streets, users, adoptable, choices, project, now };
}

export type NeedPageData = Awaited<ReturnType<typeof loadNeedPage>>;

export interface FailedNeedForm {
  type: string;
  values: Values;
  err: unknown;
}

function needOptions(lang: Lang, d: NeedPageData): Options {
  const n = d.need;
  const street = d.streets.find((s) => s.id === n.streetId);
  const referCommunities: Option[] = d.communities.filter((c) => mayReferTo(n, c)).map((c) => ({ value: c.id, label: named(lang, c, c.id) }));
  return {
    referTo: [
      { value: 'street', label: t(lang, 'needsPages.referTo.street', { street: named(lang, street, n.streetId) }) },
      ...(referCommunities.length ? [{ value: 'community', label: t(lang, 'needsPages.referTo.community') }] : []),
    ],
    referCommunities,
    openProjects: d.adoptable.map((p) => ({ value: p.id, label: `${p.ref} ${p.title}（${stateLabel(lang, p.state)}）` })),
    types: (['goods', 'works', 'services'] as const).map((v) => ({ value: v, label: t(lang, `projects.types.${v}`) })),
    categories: (d.choices?.categories ?? []).map((c) => ({ value: c.code, label: lang === 'en' ? c.nameEn : c.nameZh })),
    groups: (d.choices?.groups ?? []).map((g) => ({ value: g.code, label: lang === 'en' ? g.nameEn : g.nameZh })),
    budgetYears: (d.choices?.budgetYears ?? []).map((y) => ({ value: String(y), label: String(y) })),
  };
}

/** What a form shows the first time. */
function defaults(type: string, d: NeedPageData): Values {
  if (type === 'REFER') return { to: 'street' };
  if (type === 'ADOPT' && d.choices) return { 'newProject.budgetYear': String(d.choices.defaultBudgetYear) };
  return {};
}

const SECONDARY = new Set(['COMMENT']);

function actionsView(ctx: PageCtx, d: NeedPageData, failed: FailedNeedForm | undefined, failedFields: Record<string, string>) {
  const { lang } = ctx;
  const n = d.need;
  const options = needOptions(lang, d);
  const forms = [];
  const blocked = [];
  let anchors = new Map<string, string>();
  for (const e of n.allowedEvents) {
    const spec = NEED_EVENT_FORMS[e.type];
    if (!spec) continue;
    const label = t(lang, `needs.events.${e.type}`);
    if (!e.allowed) {
      if (e.reasons.some((r) => r.code === 'NOT_ALLOWED_IN_STATE')) continue;
      blocked.push({ label, reasons: e.reasons.map((r) => reasonText(lang, r.code, r.params)) });
      continue;
    }
    const isFailed = failed?.type === e.type;
    const built = formFields({ lang, spec, prefix: `${e.type}-`, values: isFailed ? failed.values : defaults(e.type, d), errors: isFailed ? failedFields : {}, options });
    if (isFailed) anchors = anchorsOf(built);
    forms.push({
      type: e.type, id: `form-${e.type}`, headingId: `form-${e.type}-title`, label, help: t(lang, `needsPages.events.${e.type}.help`),
      submit: t(lang, `needsPages.events.${e.type}.submit`), warning: Boolean(spec.warning), multipart: false,
      action: withLang(ctx, `/needs/${encodeURIComponent(n.id)}/events/${e.type}`), expectedVersion: n.version, csrfToken: ctx.csrfToken, pending: [], ...built,
      secondary: SECONDARY.has(e.type), open: isFailed,
    });
  }
  return { primary: forms.filter((x) => !x.secondary), secondary: forms.filter((x) => x.secondary), blocked, anchors };
}

/** The text fields of an event's payload, as the timeline shows them. */
const TEXT_FIELDS = ['resolution', 'reason', 'note', 'text', 'comment'] as const;

function timelineView(lang: Lang, d: NeedPageData) {
  const community = (id: unknown) => named(lang, d.communities.find((c) => c.id === id), String(id));
  return d.history.map((h) => {
    const p = (h.payload ?? {}) as Record<string, unknown>;
    const lines: string[] = [];
    if (h.type === 'REFER') {
      lines.push(p.to === 'community' ? t(lang, 'needsPages.timeline.referredTo', { to: community(p.communityId) }) : t(lang, 'needsPages.timeline.referredTo', { to: t(lang, 'needsPages.referredToStreet') }));
      if (typeof p.deadlineAt === 'string') lines.push(t(lang, 'needsPages.timeline.deadline', { at: formatShanghai(p.deadlineAt, 'datetime') }));
    }
    if (h.type === 'ADOPT' && typeof p.projectId === 'string') lines.push(t(lang, p.created ? 'needsPages.timeline.adoptedNew' : 'needsPages.timeline.adoptedInto'));
    for (const k of TEXT_FIELDS) if (typeof p[k] === 'string' && p[k]) lines.push(String(p[k]));
    return {
      event: h.type === '$start' ? t(lang, 'needsPages.timeline.start') : t(lang, `needs.events.${h.type}`),
      at: formatShanghai(h.at, 'datetime'),
      by: d.users.get(String(h.actor.id)) ?? t(lang, `roleNames.${String(h.actor.role)}`, { defaultValue: String(h.actor.role) }),
      change: h.from && h.to && h.from !== h.to ? `${needState(lang, h.from)} → ${needState(lang, h.to)}` : undefined,
      lines,
    };
  });
}

/**
 * A refusal as a need's page says it: "not in this state" names the need's state (the shared
 * sentence names a project's stage); every other reason as the workflow gave it.
 */
function forNeed(lang: Lang, err: unknown): unknown {
  if (!isAppError(err) || !err.reasons.some((r) => r.code === 'NOT_ALLOWED_IN_STATE')) return err;
  const reasons = err.reasons.map((r) => (r.code === 'NOT_ALLOWED_IN_STATE' ? { code: 'NEED_NOT_ALLOWED_IN_STATE', params: { needState: needState(lang, String(r.params?.state ?? '')) } } : r));
  return Object.assign(Object.create(Object.getPrototypeOf(err) as object) as object, err, { reasons });
}

export function needDetailView(ctx: PageCtx, d: NeedPageData, failed?: FailedNeedForm) {
  const { lang } = ctx;
  const n = d.need;
  const row = (key: string, value: string) => ({ label: t(lang, `needsPages.fields.${key}`), value });
  const community = (id: string) => named(lang, d.communities.find((c) => c.id === id), id);
  const target = n.referral?.target;
  const facts = [
    row('ref', n.ref), row('state', needState(lang, n.state)), row('type', t(lang, `needs.types.${n.type}`)), row('source', t(lang, `needs.sources.${n.source}`)),
    row('community', community(n.communityId)), row('street', named(lang, d.streets.find((s) => s.id === n.streetId), n.streetId)), row('receivedAt', when(n.receivedAt)),
    ...(n.referral && target ? [
      row('referredTo', target.level === 'street' ? named(lang, d.streets.find((s) => s.id === target.streetId), target.streetId) : community(target.communityId)),
      row('referredAt', when(n.referral.at)), row('deadline', when(n.referral.deadlineAt)), row('reminderAt', when(n.referral.reminderAt)),
      ...(n.referral.escalatedAt ? [row('escalatedAt', when(n.referral.escalatedAt))] : []),
    ] : []),
    ...(n.outcome ? [row('outcome', `${needState(lang, n.outcome.state)} · ${when(n.outcome.at)}`)] : []),
  ];
  const err = failed ? forNeed(lang, failed.err) : undefined;
  const failedErr = failed ? errorState(lang, err, { form: ALL_NEED_FIELDS }) : undefined;
  const actions = actionsView(ctx, d, failed, failedErr?.fields ?? {});
  const errors = failed ? errorState(lang, err, { form: ALL_NEED_FIELDS, anchors: actions.anchors }) : undefined;
  const masked = t(lang, 'needsPages.detail.masked');
  return {
    title: `${n.ref} ${t(lang, `needs.types.${n.type}`)}`,
    need: { id: n.id, ref: n.ref, state: needState(lang, n.state), type: t(lang, `needs.types.${n.type}`), description: n.description, overdue: Boolean(n.deadline && Date.parse(n.deadline) < d.now.getTime()) },
    facts,
    // personal data exactly as the service returned it for this user (masked outside the own community)
    beneficiary: n.beneficiary && { name: n.beneficiary.name, phone: n.beneficiary.phone ?? '—', address: n.beneficiary.address, masked: n.beneficiary.masked ? masked : undefined },
    contact: n.contact && { name: n.contact.name ?? '—', phone: n.contact.phone ?? '—', masked: n.contact.masked ? masked : undefined },
    projects: n.projectId ? [{ href: withLang(ctx, `/projects/${encodeURIComponent(n.projectId)}`), text: d.project ? `${d.project.ref} ${d.project.title}` : n.projectId, state: d.project ? stateLabel(lang, d.project.state) : undefined }] : [],
    informed: n.informed.map((i) => ({ at: when(i.at), note: i.note })),
    timeline: timelineView(lang, d),
    actions,
    errors,
    links: { list: withLang(ctx, '/needs') },
  };
}
