// View-models of the project pages (list, detail, new) and the one query each page route makes to
// gather what it shows. Templates receive these objects and make no decisions.
import { t, type Lang } from '../lib/i18n.js';
import { formatYuan } from '../../workflows/shared/money.js';
import { formatShanghai } from '../lib/calendar.js';
import type { Services } from '../services.js';
import { undefinedIfNotFound } from '../errors.js';
import type { User } from '../auth/users.js';
import type { PresentedProject } from '../projects/project-presenter.js';
import { STAGES } from '../../workflows/project/index.js';
import { maskAddress } from '../beneficiaries/mask.js';
import { NEW_PROJECT_FORM, formSpec, type FormSpec } from './project-forms.js';
import { DOCUMENT_KINDS, GRADES, OBJECTION_CHANNELS, SATISFACTION_METHODS, TRANCHES } from '../../workflows/project/index.js';
import { anchorsOf, errorState, formFields, reasonText, type Option, type Options, type Values } from './project-form-view.js';
import { documentIds, timelineView } from './project-timeline.js';
import { stateLabel, statechartModel } from './statechart.js';
import type { ProjectType } from '../../workflows/project/index.js';
import type { VendorEligibility } from '../vendors/vendor-records.js';
import type { VendorPerformance } from '../vendors/vendor-performance.js';
import { recordLine } from './vendor-performance-view.js';
import { libraryVendorReasons, type LibraryFacts } from '../../workflows/project/project.rules.library.js';

export interface PageCtx {
  lang: Lang;
  /** 'lang=en' when the page was asked for in a language by ?lang=, so that links and forms keep it */
  langQs: string;
  csrfToken: string;
  /** which page of the timeline (?historyPage=, 1 = the latest TIMELINE_PAGE_SIZE entries) */
  historyPage?: number;
}

/** The project page shows the latest 50 history entries and pages back (the project file shows all). */
export const TIMELINE_PAGE_SIZE = 50;

/** The page of the history to show, newest page first, each page in time order, with links to the pages around it. */
function timelinePage(ctx: PageCtx, id: string, total: number) {
  const pages = Math.max(1, Math.ceil(total / TIMELINE_PAGE_SIZE));
  const page = Math.min(Math.max(1, Math.trunc(ctx.historyPage ?? 1) || 1), pages);
  const end = total - (page - 1) * TIMELINE_PAGE_SIZE;
  const start = Math.max(0, end - TIMELINE_PAGE_SIZE);
  const href = (n: number) => withLang(ctx, `/projects/${encodeURIComponent(id)}${n > 1 ? `?historyPage=${n}` : ''}`) + '#timeline';
  return {
    start, end,
    paging: pages > 1 ? {
      summary: t(ctx.lang, 'projects.detail.timelineRange', { from: start + 1, to: end, total }),
      earlierHref: page < pages ? href(page + 1) : null,
      laterHref: page > 1 ? href(page - 1) : null,
    } : null,
  };
}

export function withLang(ctx: PageCtx, url: string): string {
  return ctx.langQs ? `${url}${url.includes('?') ? '&' : '?'}${ctx.langQs}` : url;
}

const yuanText = (lang: Lang, fen: number | null | undefined) => (typeof fen === 'number' ? formatYuan(fen, { lang }) : '—');
const yuanInput = (fen: number | null | undefined) => (typeof fen === 'number' ? (fen / 100).toFixed(2) : '');
const named = (lang: Lang, r: { nameZh: string; nameEn: string } | undefined, fallback: string) => (r ? (lang === 'en' ? r.nameEn : r.nameZh) : fallback);

/** A vendor as the page names it; status and types only where a form chooses one (INVITE, AWARD). */
type PageVendor = { id: string; name: string; status?: string; types?: readonly string[] };

/** Everything the detail page shows, gathered in one call. */
export async function loadProjectPage(services: Services, user: User, id: string) {
  const { project, history } = await services.projects.detail(user, id);
  // Beside each vendor the invitation and award forms offer: its eligibility under the project's rules, now.
  const choosesVendor = project.allowedEvents.some((e) => (e.type === 'INVITE' || e.type === 'AWARD') && e.allowed);
  // The project's own community and street by key: a city has hundreds. The other lists come from
  // the kept reference lists the public pages share (categories and groups, and the vendors' names),
  // and every vendor with its status and types is read only for the forms that choose one.
  const [chosen, community, street, ref] = await Promise.all([
    choosesVendor ? services.reference.vendors() : null,
    services.reference.community(project.communityId).catch(undefinedIfNotFound), services.reference.street(project.streetId).catch(undefinedIfNotFound),
    services.publicSite.reference(),
  ]);
  const vendors: readonly PageVendor[] = chosen ?? ref.vendors;
  // names of inactive categories and groups too: a project keeps the ones it named
  const [allCategories, allGroups] = [ref.categories, ref.groups];
  const [categories, groups] = [allCategories.filter((c) => c.active), allGroups.filter((g) => g.active)];
  const docIds = [...history.flatMap((h) => documentIds(h.payload)), ...(project.contract?.items.flatMap((i) => i.deliveries.flatMap((d) => d.evidence)) ?? [])];
  const documents = await services.documents.describe(docIds);
  // a removed user keeps their id in the history
  const users = await services.users.names(history.map((h) => h.actor.id));
  // Beneficiaries to choose from when recording a delivery: masked for vendors (no personal data).
  const mayDeliver = project.allowedEvents.some((e) => e.type === 'RECORD_DELIVERY' && e.allowed);
  const beneficiaries = mayDeliver ? await services.beneficiaries.list(user, project.communityId, 'delivery-form') : [];
  // the rules version the project runs under: help texts cite its values, never fixed numbers
  const rules = (await services.rules.version(project.districtId, project.rulesVersion))?.rules ?? null;
  const type = project.type as ProjectType;
  // the active vendors of the project's type: those the forms offer
  const offered = chosen?.filter((v) => v.status === 'active' && v.types.includes(type)).map((v) => v.id) ?? [];
  const eligibility = chosen && rules
    ? await services.vendorRecords.eligibility(rules, type, offered)
    : new Map<string, VendorEligibility>();
  // A project from the service-project library: only its entry's qualified vendors, by the guard's own rule.
  if (chosen && project.library) await withLibraryEligibility(services, project.id, project.library, chosen.filter((v) => v.status === 'active').map((v) => v.id), eligibility);
  // and its performance record in one line (src/vendors/vendor-performance.ts), flagged under the district's threshold
  const performance = chosen
    ? await services.vendors.lines(offered, project.districtId)
    : new Map<string, VendorPerformance>();
  // the needs behind the project (need_projects), for the roles that read needs, scoped as the need service scopes them
  const needsBehind = ['community', 'street', 'district'].includes(user.role) ? (await services.needs.list(user, { projectId: id, pageSize: 200 })).needs : [];
  return { project, history, vendors, community, street, categories, allCategories, groups, allGroups, documents, users, beneficiaries, rules, eligibility, performance, needsBehind };
}

/**
 * Adds to each vendor's eligibility the library's refusal (VENDOR_NOT_IN_LIBRARY), from the facts
 * `enrich` would put on INVITE and AWARD now and the rule function the machine's guard uses.
 */
async function withLibraryEligibility(services: Services, projectId: string, library: LibraryFacts, vendorIds: string[], into: Map<string, VendorEligibility>): Promise<void> {
  const facts = await services.library.qualifiedNow(projectId);
  for (const id of vendorIds) {
    const reasons = libraryVendorReasons(library, [id], facts);
    if (reasons.length === 0) continue;
    const e = into.get(id);
    into.set(id, e ? { ...e, reasons: [...e.reasons, ...reasons] } : { reasons, required: true, preferred: false, rating: null });
  }
}

export type ProjectPageData = Awaited<ReturnType<typeof loadProjectPage>>;

export interface FailedForm {
  type: string;
  values: Values;
  err: unknown;
  /** the form's uploads, pending: carried in hidden inputs so they need not be sent again */
  pending?: Record<string, string[]>;
}

function baseOptions(lang: Lang, d: Pick<ProjectPageData, 'categories'> & { groups?: ProjectPageData['groups']; budgetYears?: number[] }): Options {
  return {
    types: (['goods', 'works', 'services'] as const).map((v) => ({ value: v, label: t(lang, `projects.types.${v}`) })),
    categories: d.categories.map((c) => ({ value: c.code, label: lang === 'en' ? c.nameEn : c.nameZh })),
    groups: (d.groups ?? []).map((g) => ({ value: g.code, label: lang === 'en' ? g.nameEn : g.nameZh })),
    budgetYears: (d.budgetYears ?? []).map((y) => ({ value: String(y), label: String(y) })),
    grades: GRADES.map((g, i) => ({ value: g, label: t(lang, `projects.grades.${i}`) })),
    tranches: TRANCHES.map((v) => ({ value: v, label: t(lang, `projects.tranches.${v}`) })),
    yesno: [{ value: 'yes', label: t(lang, 'projects.yes') }, { value: 'no', label: t(lang, 'projects.no') }],
  };
}

/**
 * A vendor as the invitation and award forms offer it: disabled with the rule's reason when the
 * engine would refuse it, else "eligible" where the rules require anything, and the rating preference.
 */
function vendorOption(lang: Lang, d: ProjectPageData, value: string, label: string): Option {
  const e = d.eligibility.get(value);
  const record = d.performance.get(value);
  if (!e) return record ? { value, label, note: recordLine(lang, record, { flag: true }) } : { value, label };
  const refusals = e.reasons.map((r) => reasonText(lang, r.code, r.params));
  const notes = [
    ...(refusals.length ? refusals : e.required ? [t(lang, 'eligibility.eligible')] : []),
    ...(e.preferred && e.rating ? [t(lang, 'eligibility.preferred', { rating: e.rating })] : []),
    ...(record ? [recordLine(lang, record, { flag: true })] : []),
  ];
  return { value, label, ...(refusals.length ? { disabled: true } : {}), ...(notes.length ? { note: notes.join(lang === 'en' ? '; ' : '；') } : {}) };
}

/** A select has no room beside an option: the note goes into its label. */
const inLabel = (lang: Lang, o: Option): Option => (o.note ? { ...o, label: lang === 'en' ? `${o.label} (${o.note})` : `${o.label}（${o.note}）` } : o);

function projectOptions(lang: Lang, d: ProjectPageData): Options {
  const p = d.project;
  const vendorName = (id: string) => d.vendors.find((v) => v.id === id)?.name ?? id;
  const eligible = d.vendors.filter((v) => v.status === 'active' && v.types?.includes(p.type)).map((v) => vendorOption(lang, d, v.id, v.name));
  const quoted = (p.procurement?.quotes ?? []).filter((q) => !q.sealed && typeof q.amountFen === 'number');
  return {
    ...baseOptions(lang, d),
    vendors: eligible,
    awardVendors: (quoted.length ? quoted.map((q) => vendorOption(lang, d, q.vendorId, `${vendorName(q.vendorId)}（${yuanText(lang, q.amountFen)}）`)) : eligible).map((o) => inLabel(lang, o)),
    contractItems: (p.contract?.items ?? []).map((i) => ({ value: i.id, label: t(lang, 'projects.itemOption', { name: i.name, delivered: i.delivered, quantity: i.quantity }) })),
    beneficiaries: d.beneficiaries.map((b) => ({ value: b.id, label: `${b.name} · ${b.masked ? b.address : maskAddress(b.address)}` })),
    positiveAreas: (d.rules?.screening.positiveAreas ?? []).map((a) => ({ value: a.code, label: lang === 'en' ? a.en : a.zh })),
    objectionChannels: OBJECTION_CHANNELS.map((c) => ({ value: c, label: t(lang, `projects.objectionChannels.${c}`) })),
    satisfactionMethods: SATISFACTION_METHODS.map((m) => ({ value: m, label: t(lang, `projects.satisfactionMethods.${m}`) })),
    documentKinds: DOCUMENT_KINDS.map((k) => ({ value: k, label: t(lang, `documents.kinds.${k}`) })),
  };
}

/** A workflow default in the form's own terms (元 for money, Shanghai time for instants). */
function formValue(kind: string, d: unknown): Values[string] {
  if (d === undefined || d === null) return undefined;
  if (kind === 'yuan' && typeof d === 'number') return yuanInput(d);
  if (kind === 'datetime' && typeof d === 'string') return new Date(Date.parse(d) + 8 * 3_600_000).toISOString().slice(0, 16);
  if (kind === 'checkbox') return d === true ? 'on' : '';
  return String(d);
}

/**
 * What a form shows the first time: the workflow's defaults for the event (`fields` of the allowed
 * event: amounts still to pay, the award, the required signatories …), and for EDIT the proposal.
 */
function defaults(type: string, p: PresentedProject, spec: FormSpec): Values {
  const v: Values = {};
  const fields = p.allowedEvents.find((e) => e.type === type)?.fields ?? {};
  const items = (prefix: string, list: Array<{ name: string; quantity: number; unitFen: number }>) => list.forEach((i, n) => {
    v[`${prefix}.${n}.name`] = i.name;
    v[`${prefix}.${n}.quantity`] = String(i.quantity);
    v[`${prefix}.${n}.unitFen`] = yuanInput(i.unitFen);
  });
  if (type === 'EDIT') {
    Object.assign(v, { 'fields.title': p.title, 'fields.type': p.type, 'fields.category': p.category, 'fields.description': p.description, 'fields.estimatedFen': yuanInput(p.estimatedFen), 'fields.beneficiaryCount': p.beneficiaryCount == null ? '' : String(p.beneficiaryCount) });
    items('fields.items', p.items);
  }
  for (const field of spec.fields) {
    const d = fields[field.name];
    if (!d) continue;
    if (field.kind === 'items' && Array.isArray(d.default)) items(field.name, d.default as Array<{ name: string; quantity: number; unitFen: number }>);
    // one row per signatory the rules version requires
    else if (field.kind === 'signatories') (d.options ?? []).forEach((role, i) => (v[`${field.name}.${i}.role`] = role));
    else v[field.name] = formValue(field.kind, d.default);
  }
  return v;
}

/** The option lists narrowed and ordered as the workflow says for this event (items to confirm, quoted vendors …). */
function eventOptions(options: Options, spec: FormSpec, fields: Record<string, { options?: readonly string[] }>): Options {
  const out: Options = { ...options };
  for (const field of spec.fields) {
    const allowed = fields[field.name]?.options;
    if (!field.options || !allowed) continue;
    const all = options[field.options] ?? [];
    out[`${field.options}:${field.name}`] = allowed.flatMap((value) => all.filter((o) => o.value === value));
  }
  return out;
}

/**
 * A form whose fields depend on the rules version: one yes/no field per key the workflow offers
 * (SCREEN_PASS: each negative item of the project's rules, labelled with its name).
 */
function expandSpec(lang: Lang, spec: FormSpec | undefined, fields: Record<string, unknown>, rules: ProjectPageData['rules']): FormSpec | undefined {
  if (!spec?.fields.some((f) => f.kind === 'yesnomap')) return spec;
  const named = new Map((rules?.screening.negativeItems ?? []).map((i) => [i.code, lang === 'en' ? i.en : i.zh]));
  return {
    ...spec,
    fields: spec.fields.flatMap((f) => f.kind !== 'yesnomap' ? [f] : Object.keys(fields).filter((k) => k.startsWith(`${f.name}.`)).map((k) => {
      const code = k.slice(f.name.length + 1);
      return { name: k, kind: 'yesno' as const, options: 'yesno', blank: true, labelText: t(lang, 'projects.fields.negativeItem', { item: named.get(code) ?? code }) };
    })),
  };
}

const SECONDARY = new Set(['COMMENT', 'OBJECT']);

const CN_DIGITS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];
/** A rules fraction as people write it: 三分之二, 2/3. */
const fractionText = (lang: Lang, f: { num: number; den: number }) =>
  (lang === 'zh-CN' && f.den <= 10 && f.num <= 10 ? `${CN_DIGITS[f.den]}分之${CN_DIGITS[f.num]}` : `${f.num}/${f.den}`);

/**
 * The rule values an event's help and hints cite (issue 10 item 11): from the project's own rules
 * version and the event's form defaults, so a district's changed rules show on its pages.
 */
function ruleParams(lang: Lang, d: ProjectPageData, fields: Record<string, { min?: number; options?: readonly string[] }>): Record<string, unknown> {
  const p = d.project;
  const r = d.rules;
  const plan = r ? r.payment.byType?.[p.type as keyof NonNullable<typeof r.payment.byType>] ?? r.payment : undefined;
  return {
    ...(r ? { quorum: fractionText(lang, r.quorum), majority: fractionText(lang, r.majority), satisfactionPct: r.acceptance.satisfactionPct } : {}),
    ...(plan ? { advancePct: plan.advancePct, finalPct: plan.finalPct, retentionPct: plan.retentionPct, warrantyMonths: plan.warrantyMonths } : {}),
    method: t(lang, `projects.methods.${p.procurement?.method ?? 'direct'}`),
    ...(fields.vendorIds?.min !== undefined ? { min: fields.vendorIds.min } : {}),
    ...(fields.signatories?.options ? { signatories: fields.signatories.options.map((role) => t(lang, `projects.roles.${role}`)).join(lang === 'en' ? ', ' : '、') } : {}),
  };
}

function actionsView(ctx: PageCtx, d: ProjectPageData, failed: FailedForm | undefined, failedFields: Record<string, string>) {
  const { lang } = ctx;
  const p = d.project;
  const options = projectOptions(lang, d);
  const forms = [];
  const blocked = [];
  let anchors = new Map<string, string>();
  for (const e of p.allowedEvents) {
    const spec = expandSpec(lang, formSpec(e.type), e.fields ?? {}, d.rules);
    if (!spec) continue;
    const label = t(lang, `projects.events.${e.type}.name`);
    if (!e.allowed) {
      if (e.reasons.some((r) => r.code === 'NOT_ALLOWED_IN_STATE' || r.code === 'UNKNOWN_EVENT')) continue;
      blocked.push({ label, reasons: e.reasons.map((r) => reasonText(lang, r.code, r.params)) });
      continue;
    }
    const isFailed = failed?.type === e.type;
    const params = ruleParams(lang, d, e.fields ?? {});
    const built = formFields({ lang, spec, prefix: `${e.type}-`, values: isFailed ? failed.values : defaults(e.type, p, spec), errors: isFailed ? failedFields : {}, options: eventOptions(options, spec, e.fields ?? {}), params });
    if (isFailed) anchors = anchorsOf(built);
    const multipart = Boolean(spec.files?.length);
    const action = `/projects/${p.id}/events/${e.type}`;
    forms.push({
      type: e.type, id: `form-${e.type}`, headingId: `form-${e.type}-title`, label, help: t(lang, `projects.events.${e.type}.help`, params),
      submit: t(lang, `projects.events.${e.type}.submit`), warning: Boolean(spec.warning), multipart,
      // multipart bodies are parsed after the CSRF check, so their token rides in the query string
      action: withLang(ctx, multipart ? `${action}?_csrf=${encodeURIComponent(ctx.csrfToken)}` : action),
      expectedVersion: p.version, csrfToken: ctx.csrfToken, ...built,
      secondary: spec.warning || SECONDARY.has(e.type), open: isFailed,
      pending: isFailed ? Object.entries(failed.pending ?? {}).flatMap(([field, ids]) => ids.map((id) => `${field}:${id}`)) : [],
    });
  }
  // a form that takes files gets the upload progress script (static/upload.js; the page works without it)
  return { primary: forms.filter((f) => !f.secondary), secondary: forms.filter((f) => f.secondary), blocked, anchors, hasFiles: forms.some((f) => f.multipart) };
}

/** The positive-list area screening put the proposal under, named as the project's rules name it. */
function positiveArea(lang: Lang, d: ProjectPageData): string | null {
  const area = d.project.positiveArea;
  return area === null ? null : lang === 'en' ? area.en : area.zh;
}

function factsView(lang: Lang, d: ProjectPageData) {
  const p = d.project;
  const { community, street } = d;
  const category = d.allCategories.find((c) => c.code === p.category);
  const group = (code: string) => named(lang, d.allGroups.find((g) => g.code === code), code);
  const vendor = p.vendorId ? d.vendors.find((v) => v.id === p.vendorId)?.name ?? p.vendorId : '—';
  const row = (key: string, value: string) => ({ label: t(lang, `projects.fields.${key}`), value });
  const deadlines = Object.entries(p.deadlines).filter(([, v]) => typeof v === 'string').map(([k, v]) => row(k, formatShanghai(v as string, 'datetime')));
  return [
    row('ref', p.ref), row('state', stateLabel(lang, p.state)), row('type', t(lang, `projects.types.${p.type}`)),
    row('category', named(lang, category, p.category)), row('community', named(lang, community, p.communityId)), row('street', named(lang, street, p.streetId)),
    row('mainGroup', p.mainGroup ? group(p.mainGroup) : '—'),
    ...(positiveArea(lang, d) ? [row('positiveArea', positiveArea(lang, d)!)] : []),
    ...(p.otherGroups.length ? [row('otherGroups', p.otherGroups.map(group).join('、'))] : []),
    row('budgetYear', p.carriedOver ? `${p.budgetYear}（${t(lang, 'projects.carriedOver')}）` : String(p.budgetYear)),
    row('year', String(p.year)), row('estimatedFen', yuanText(lang, p.estimatedFen)), row('approvedFen', yuanText(lang, p.approvedFen)),
    row('awardedFen', yuanText(lang, p.awardedFen)), row('paidFen', yuanText(lang, p.paidFen)), row('vendor', vendor),
    row('beneficiaryCount', p.beneficiaryCount == null ? '—' : String(p.beneficiaryCount)), row('stageEnteredAt', formatShanghai(p.stageEnteredAt, 'datetime')),
    ...deadlines,
    ...(p.deadlines.weekdaysOnly ? [row('weekdaysOnly', t(lang, 'projects.weekdaysOnlyNote'))] : []),
    // from the service-project library: the entry, its version, unit and ceiling as recorded at the start
    ...(p.library ? [{
      label: t(lang, 'library.title'),
      value: `${p.library.name}（${t(lang, `library.units.${p.library.unit}`)}）· ${t(lang, 'library.start.from', { name: p.library.name, version: p.library.version, ceiling: formatYuan(p.library.ceilingFen, { lang }) })}`,
    }] : []),
  ];
}

export function detailView(ctx: PageCtx, d: ProjectPageData, failed?: FailedForm) {
  const { lang } = ctx;
  const p = d.project;
  const vendorName = (id: string) => d.vendors.find((v) => v.id === id)?.name ?? id;
  const items = p.contract?.items ?? [];
  const masked = new Map(d.beneficiaries.map((b) => [b.id, b.name]));
  const docHref = (id: string) => withLang(ctx, `/documents/${id}`);
  const refs = {
    vendorName, itemName: (id: string) => items.find((i) => i.id === id)?.name ?? id, userName: (id: string) => d.users.get(id),
    beneficiaryLabel: (id: string) => masked.get(id) ?? t(lang, 'projects.beneficiaryRecorded'), documents: d.documents, docHref,
  };
  const failedErr = failed ? errorState(lang, failed.err) : undefined;
  const actions = actionsView(ctx, d, failed, failedErr?.fields ?? {});
  const errors = failed ? errorState(lang, failed.err, actions.anchors) : undefined;
  return {
    title: `${p.ref} ${p.title}`,
    project: { id: p.id, ref: p.ref, title: p.title, description: p.description, state: stateLabel(lang, p.state), carriedOver: p.carriedOver ? t(lang, 'projects.carriedOver') : undefined },
    facts: factsView(lang, d),
    items: p.items.map((i) => ({ name: i.name, quantity: i.quantity, unit: yuanText(lang, i.unitFen), total: yuanText(lang, i.quantity * i.unitFen) })),
    procurement: p.procurement && {
      method: t(lang, `projects.methods.${p.procurement.method}`), round: p.procurement.round,
      deadline: p.procurement.deadline ? formatShanghai(p.procurement.deadline, 'datetime') : '—',
      invitations: p.procurement.invitations.map(vendorName).join('、') || '—',
      quotes: p.procurement.quotes.map((q) => ({ vendor: vendorName(q.vendorId), at: formatShanghai(q.submittedAt, 'datetime'), amount: q.sealed ? t(lang, 'projects.sealed') : yuanText(lang, q.amountFen), validUntil: q.validUntil ?? '—' })),
    },
    contract: p.contract && {
      contractNo: p.contract.contractNo, amount: yuanText(lang, p.contract.amountFen), dueOn: p.contract.dueOn,
      confirmed: p.contract.confirmedAt ? formatShanghai(p.contract.confirmedAt, 'datetime') : t(lang, 'projects.notYet'),
      items: items.map((i) => ({
        name: i.name, quantity: i.quantity, unit: yuanText(lang, i.unitFen), delivered: i.delivered,
        status: t(lang, i.confirmed ? 'projects.itemStatus.confirmed' : i.disputed ? 'projects.itemStatus.disputed' : i.delivered >= i.quantity ? 'projects.itemStatus.delivered' : 'projects.itemStatus.open'),
        // partial receipts: how much is confirmed and how much was refused, with each refusal
        received: t(lang, 'projects.itemReceived', { confirmed: i.confirmedQty ?? (i.confirmed ? i.quantity : 0), disputed: i.disputedQty ?? 0 }),
        disputes: (i.disputes ?? []).map((x) => t(lang, 'projects.itemDispute', { at: formatShanghai(x.at, 'datetime'), quantity: x.quantity, reason: x.reason })),
        evidence: i.deliveries.flatMap((x) => x.evidence).map((id) => ({ href: docHref(id), name: d.documents.get(id)?.filename ?? id.slice(0, 12) })),
      })),
    },
    payments: p.payments.map((x) => ({ tranche: t(lang, `projects.tranches.${x.tranche}`), amount: yuanText(lang, x.amountFen), voucherNo: 'voucherNo' in x ? x.voucherNo : '', at: formatShanghai(x.at, 'datetime') })),
    acceptances: p.acceptances.map((a) => ({
      at: formatShanghai(a.at, 'datetime'), passed: t(lang, a.passed ? 'projects.yes' : 'projects.no'), satisfaction: `${a.satisfactionPct}%`,
      accepted: t(lang, a.accepted ? 'projects.acceptance.accepted' : 'projects.acceptance.rectify'),
      signatories: a.signatories.map((s) => `${t(lang, `projects.roles.${s.role}`)}：${s.name}`).join('；'), defects: a.defects,
    })),
    evaluation: p.evaluation && { score: p.evaluation.score, grade: t(lang, `projects.grades.${GRADES.indexOf(p.evaluation.grade as (typeof GRADES)[number])}`), notes: p.evaluation.notes },
    objections: p.objections.map((o) => ({
      text: o.text, at: formatShanghai(o.at, 'datetime'), status: t(lang, `projects.objectionStatus.${o.status}`), response: o.response,
      notice: t(lang, `notices.kinds.${o.notice ?? 'proposal'}`) + ('receivedVia' in o && o.receivedVia ? ` · ${t(lang, `projects.objectionChannels.${o.receivedVia}`)}` : ''),
    })),
    // every council meeting, void ones too, and every public notice held
    meetings: p.meetings.map((m) => ({
      heldOn: m.heldOn,
      votes: t(lang, 'projects.meetingVotes', { members: m.members, present: m.present, for: m.for, against: m.against, abstain: m.abstain }),
      outcome: m.failures.some((f) => f.code === 'QUORUM_NOT_MET') ? t(lang, 'projects.meetingVoid') : m.failures.length ? t(lang, 'projects.meetingRejected') : t(lang, 'projects.meetingCarried'),
    })),
    notices: p.notices.map((n) => ({ kind: t(lang, `notices.kinds.${n.kind}`), period: t(lang, 'projects.noticePeriod', { from: formatShanghai(n.startedAt, 'date'), to: formatShanghai(n.endsAt, 'date') }) })),
    ...((tp) => ({ timeline: timelineView(lang, d.history.slice(tp.start, tp.end), refs), timelinePaging: tp.paging }))(timelinePage(ctx, p.id, d.history.length)),
    chart: statechartModel(lang, p.state, d.history.map((h) => ({ from: h.from, to: h.to }))),
    actions,
    errors,
    needsBehind: d.needsBehind.map((n) => ({ href: withLang(ctx, `/needs/${encodeURIComponent(n.id)}`), ref: n.ref, type: t(lang, `needs.types.${n.type}`), state: t(lang, `needs.stateNames.${n.state}`) })),
    showNeeds: d.needsBehind.length > 0,
    links: { list: withLang(ctx, '/projects') },
  };
}

const v1s = (v: Values[string]) => (Array.isArray(v) ? v[0] : v)?.trim() ?? '';

/** What the proposal form offers (services.projects.proposalChoices). */
export interface ProposalChoices {
  categories: ProjectPageData['categories'];
  groups: ProjectPageData['groups'];
  budgetYears: number[];
  defaultBudgetYear: number;
}

/** The proposal form, empty (the budget year: this year) or with what the user typed and its errors. */
export function newProjectView(ctx: PageCtx, choices: ProposalChoices, values: Values = { budgetYear: String(choices.defaultBudgetYear) }, err?: unknown) {
  const { lang } = ctx;
  // A blank total is derived from the items: while they are wrong, say so there, not on the total.
  const raw = err ? errorState(lang, err) : undefined;
  const omit = raw && !v1s(values.estimatedFen) && Object.keys(raw.fields).some((k) => k.startsWith('items')) ? ['estimatedFen'] : [];
  const first = err ? errorState(lang, err, undefined, omit) : undefined;
  const built = formFields({ lang, spec: NEW_PROJECT_FORM as FormSpec, prefix: '', values, errors: first?.fields ?? {}, options: baseOptions(lang, choices) });
  return {
    title: t(lang, 'projects.new.title'),
    form: { action: withLang(ctx, '/projects/new'), csrfToken: ctx.csrfToken, submit: t(lang, 'projects.new.submit'), ...built },
    errors: err ? errorState(lang, err, anchorsOf(built), omit) : undefined,
  };
}

/** The list page's filters, rows and pagination. */
export async function loadProjectList(services: Services, user: User, query: Record<string, unknown>) {
  const [result, communities, streets, categories, groups] = await Promise.all([
    services.projects.list(user, query), services.reference.communities(), services.reference.streets(), services.reference.categories(undefined, { all: true }),
    services.reference.groups(undefined, { all: true }),
  ]);
  return { result, communities, streets, categories, groups };
}

export function listView(ctx: PageCtx, user: User, d: Awaited<ReturnType<typeof loadProjectList>>, filter: Record<string, string>) {
  const { lang } = ctx;
  const { projects, total, page, pageSize } = d.result;
  const opt = (value: string, label: string, current?: string) => ({ value, label, selected: value === (current ?? '') });
  const any = t(lang, 'projects.list.any');
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const qs = (n: number) => {
    const params = new URLSearchParams({ ...Object.fromEntries(Object.entries(filter).filter(([, v]) => v)), page: String(n) });
    return withLang(ctx, `/projects?${params.toString()}`);
  };
  const states = ['procurement', ...STAGES];
  return {
    title: t(lang, 'projects.list.title'),
    canCreate: user.role === 'community',
    newHref: withLang(ctx, '/projects/new'),
    action: '/projects',
    langValue: ctx.langQs ? lang : undefined,
    filters: {
      q: filter.q ?? '', year: filter.year ?? '', budgetYear: filter.budgetYear ?? '',
      groups: [opt('', any, filter.group), ...d.groups.map((g) => opt(g.code, lang === 'en' ? g.nameEn : g.nameZh, filter.group))],
      states: [opt('', any, filter.state), ...states.map((s) => opt(s, stateLabel(lang, s), filter.state))],
      types: [opt('', any, filter.type), ...(['goods', 'works', 'services'] as const).map((s) => opt(s, t(lang, `projects.types.${s}`), filter.type))],
      categories: [opt('', any, filter.category), ...d.categories.map((c) => opt(c.code, lang === 'en' ? c.nameEn : c.nameZh, filter.category))],
      streets: [opt('', any, filter.streetId), ...d.streets.map((s) => opt(s.id, named(lang, s, s.id), filter.streetId))],
      communities: [opt('', any, filter.communityId), ...d.communities.map((c) => opt(c.id, named(lang, c, c.id), filter.communityId))],
    },
    rows: projects.map((p) => ({
      href: withLang(ctx, `/projects/${p.id}`), ref: p.ref, title: p.title, state: stateLabel(lang, p.state),
      type: t(lang, `projects.types.${p.type}`), category: named(lang, d.categories.find((c) => c.code === p.category), p.category),
      community: named(lang, d.communities.find((c) => c.id === p.communityId), p.communityId), estimated: yuanText(lang, p.estimatedFen),
      stageEnteredAt: formatShanghai(p.stageEnteredAt, 'date'),
      budgetYear: p.budgetYear, carriedOver: p.carriedOver ? t(lang, 'projects.carriedOver') : undefined,
      waitingFor: p.waitingFor.map((r) => t(lang, `roleNames.${r}`)).join('、') || '—',
    })),
    empty: projects.length === 0,
    summary: t(lang, 'projects.list.summary', { total, page, pages }),
    prev: page > 1 ? qs(page - 1) : undefined,
    next: page < pages ? qs(page + 1) : undefined,
  };
}
