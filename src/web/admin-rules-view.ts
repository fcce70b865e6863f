// The programme rules on the admin pages: every value of a version with its source (and
// "unverified" where no primary source was found), and the publish form that edits every value —
// the notices held and their days, the positive and negative lists (add, edit, remove entries), the
// parties, the payment plan and per-type plans, the categories where the beneficiary signs, and the
// sources. Turning the flat form into the nested rules object is presentation work and lives here;
// validation stays in the rules service (RulesSchema).
import { t, type Lang } from '../lib/i18n.js';
import { InvalidError } from '../errors.js';
import { formatYuan } from '../../workflows/shared/money.js';
import { stateLabel } from '../lib/reason-text.js';
import { DOCUMENT_KINDS, NOTICE_KINDS, RULE_KEYS, STAGES, maxRatingCodes, minRatings, type ListEntry, type ProgrammeRules } from '../../workflows/project/index.js';
import { TIMED_STAGES } from '../monitoring/stage-clock.js';
import { DEFAULT_NEED_RULES } from '../../workflows/need/index.js';
import { SUPPLY_TYPES, type Category } from '../reference/reference.js';
import { field as f, toPayload, type FieldSpec, type FormBody, type FormSpec } from './forms/form-model.js';
import { formView, type Values } from './forms/form-view.js';

type RuleKey = (typeof RULE_KEYS)[number];
const LISTS = ['positiveAreas', 'negativeItems'] as const;
type ListName = (typeof LISTS)[number];
const PLAN_FIELDS = ['advancePct', 'finalPct', 'retentionPct', 'warrantyMonths'] as const;
/** Blank rows each list offers for new entries. */
export const BLANK_LIST_ROWS = 3;
const MAX_LIST_ROWS = 60;
/** Blank rows the required documents offer for new entries. */
export const BLANK_DOC_ROWS = 2;
const MAX_DOC_ROWS = 100;
/** The stages a document may be required from: any but the ends that are no project file's (rejected, withdrawn, cancelled). */
const DOC_FROM_STAGES = STAGES.filter((s) => s !== 'rejected' && s !== 'withdrawn' && s !== 'cancelled');
/** `stageDays.procurement.preparing.days` → its stage's entry in the form's tree (stage names hold dots). */
const stageKey = (stage: string) => `states.${stage.replace(/\./g, '_')}`;

export const PARTY_OPTIONS = {
  purchaser: ['community', 'street'],
  budgetApprover: ['district', 'street'],
  payer: ['district', 'street'],
} as const;

/** A rule's heading key (the screening lists' heading is not the state `screening`'s name). */
const sectionLabel = (key: RuleKey) => `admin.rules.sections.${key === 'screening' ? 'lists' : key}`;
const label = (path: string) => `admin.rules.fields.${path.replace(/\./g, '_')}`;
const fld = (name: string, kind: FieldSpec['kind'], extra: Partial<FieldSpec> = {}) => f(name, kind, { label: label(name), ...extra });
const planFields = (base: string) => PLAN_FIELDS.map((p) => fld(`${base}.${p}`, p === 'warrantyMonths' ? 'int' : 'number', { label: label(`payment.${p}`) }));

/** One section per rule (RULE_KEYS order): its own fields, and subgroups drawn in their own fieldset. */
interface Section { key: RuleKey; fields: FieldSpec[]; groups?: Array<{ legend: string; params?: Record<string, unknown>; fields: FieldSpec[] }> }
const SECTIONS: Section[] = [
  { key: 'capsFen', fields: SUPPLY_TYPES.map((x) => fld(`capsFen.${x}`, 'yuan', { hint: 'admin.yuanHint' })) },
  {
    key: 'notices', fields: [],
    groups: NOTICE_KINDS.map((k) => ({
      legend: `notices.kinds.${k}`,
      fields: [fld(`notices.${k}.held`, 'checkbox', { label: 'admin.rules.fields.notices_held' }), fld(`notices.${k}.workingDays`, 'int', { label: 'admin.rules.fields.notices_workingDays' })],
    })),
  },
  { key: 'quorum', fields: [fld('quorum.num', 'int'), fld('quorum.den', 'int')] },
  { key: 'majority', fields: [fld('majority.num', 'int'), fld('majority.den', 'int')] },
  { key: 'screening', fields: [] },
  { key: 'budgetYearsAhead', fields: [fld('budgetYearsAhead', 'int', { hint: 'admin.rules.hints.budgetYearsAhead' })] },
  { key: 'parties', fields: (Object.keys(PARTY_OPTIONS) as Array<keyof typeof PARTY_OPTIONS>).map((p) => fld(`parties.${p}`, 'select', { options: `party_${p}` })) },
  {
    key: 'procurement',
    fields: [
      fld('procurement.directBelowFen', 'yuan', { hint: 'admin.yuanHint' }), fld('procurement.quotationUpToFen', 'yuan', { hint: 'admin.yuanHint' }),
      fld('procurement.minQuotes.direct', 'int'), fld('procurement.minQuotes.quotation', 'int'), fld('procurement.minQuotes.competitive', 'int'),
    ],
  },
  {
    key: 'acceptance',
    fields: [
      fld('acceptance.satisfactionPct', 'number'), fld('acceptance.signatories', 'text', { hint: 'admin.rules.listHint' }),
      ...SUPPLY_TYPES.map((x) => fld(`acceptance.extraSignatories.${x}`, 'text', { hint: 'admin.rules.listHint' })),
      fld('acceptance.beneficiarySignsFor.categories', 'checkboxes', { options: 'categories', hint: 'admin.rules.hints.beneficiarySignsFor' }),
      fld('acceptance.minRatings', 'int'), fld('acceptance.maxRatingCodes', 'int'),
    ],
  },
  {
    key: 'payment', fields: planFields('payment'),
    groups: SUPPLY_TYPES.map((x) => ({
      legend: 'admin.rules.byTypeLegend', params: { type: x },
      fields: [fld(`payment.byType.${x}.differs`, 'checkbox', { label: 'admin.rules.fields.payment_byType_differs' }), ...planFields(`payment.byType.${x}`)],
    })),
  },
  { key: 'reviewReminderWorkingDays', fields: [fld('reviewReminderWorkingDays', 'int')] },
  { key: 'reviewEscalationWorkingDays', fields: [fld('reviewEscalationWorkingDays', 'int')] },
  {
    key: 'stageDays', fields: [],
    groups: TIMED_STAGES.map((s) => ({
      legend: stageKey(s),
      fields: [
        fld(`stageDays.${s}.days`, 'int', { label: 'admin.rules.fields.stageDays_days', optional: true }),
        fld(`stageDays.${s}.working`, 'checkbox', { label: 'admin.rules.fields.stageDays_working' }),
      ],
    })),
  },
  { key: 'requiredDocuments', fields: [] },
  { key: 'needs', fields: [fld('needs.referralWorkingDays', 'int'), fld('needs.reminderWorkingDaysBefore', 'int')] },
];

const sourceFields = (key: RuleKey) => [
  f(`sources.${key}.source`, 'text', { label: 'admin.rules.sourceText', optional: true }),
  f(`sources.${key}.verified`, 'checkbox', { label: 'admin.rules.sourceVerified' }),
];

/** The rules form (every field but the list rows, which are drawn and read by this module). */
export const RULES_FORM: FormSpec = {
  labels: 'admin.rules',
  fields: [
    ...SECTIONS.flatMap((s) => [...s.fields, ...(s.groups ?? []).flatMap((g) => g.fields), ...sourceFields(s.key)]),
    f('note', 'textarea', { rows: 3 }),
  ],
};

// ── reading the form ──

const splitList = (v: unknown): string[] => (typeof v === 'string' ? v.split(/[,，、\s]+/).map((s) => s.trim()).filter(Boolean) : []);
const one = (body: FormBody, name: string): string => {
  const v = body[name];
  const x = Array.isArray(v) ? v[0] : v;
  return typeof x === 'string' ? x.trim() : '';
};

/** A list's rows as posted, in order, without blank and removed rows (the order errors are numbered in). */
export function listRowsOf(body: FormBody, list: ListName): ListEntry[] {
  const out: ListEntry[] = [];
  const base = `screening.${list}`;
  for (let i = 0; i < MAX_LIST_ROWS && `${base}.${i}.code` in body; i++) {
    const row = { code: one(body, `${base}.${i}.code`), zh: one(body, `${base}.${i}.zh`), en: one(body, `${base}.${i}.en`) };
    if (['on', 'true', '1'].includes(one(body, `${base}.${i}.remove`))) continue;
    if (!row.code && !row.zh && !row.en) continue;
    out.push(row);
  }
  return out;
}

/** The required documents as posted, in order, without blank (no kind) and removed rows. */
export function docRowsOf(body: FormBody): Array<{ kind: string; from: string; types: string[] }> {
  const out = [];
  for (let i = 0; i < MAX_DOC_ROWS && `requiredDocuments.${i}.kind` in body; i++) {
    const base = `requiredDocuments.${i}`;
    if (['on', 'true', '1'].includes(one(body, `${base}.remove`))) continue;
    const kind = one(body, `${base}.kind`);
    if (!kind) continue;
    const raw = body[`${base}.types`];
    const types = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter((x): x is string => typeof x === 'string' && x !== '');
    out.push({ kind, from: one(body, `${base}.from`), types });
  }
  return out;
}

/** A value of the form's tree at a dotted path (stage names hold dots). */
const pathOf = (tree: unknown, dotted: string): unknown =>
  dotted.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), tree);

/** The stages' expected days as posted: a stage without days has no entry. */
function stageDaysOf(p: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of TIMED_STAGES) {
    const d = pathOf(p.stageDays, s) as { days?: unknown; working?: unknown } | undefined;
    if (d?.days !== undefined) out[s] = { days: d.days, working: d.working === true };
  }
  return out;
}

/**
 * The rules form → the nested rules object RulesSchema validates. Values that cannot be read at all
 * ("abc" as days) are refused here with their field, before anything is published.
 */
export function rulesFromForm(body: FormBody): Record<string, unknown> {
  const { payload, errors } = toPayload(RULES_FORM, body);
  if (Object.keys(errors).length) throw new InvalidError('unreadable rules form', { fields: errors });
  const p = payload as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- a form's loose tree, validated by RulesSchema
  const notices: Record<string, unknown> = {};
  for (const k of NOTICE_KINDS) if (p.notices?.[k]?.held) notices[k] = { workingDays: p.notices[k].workingDays };
  const extra: Record<string, string[]> = {};
  for (const x of SUPPLY_TYPES) {
    const l = splitList(p.acceptance?.extraSignatories?.[x]);
    if (l.length) extra[x] = l;
  }
  const { byType: typed, ...plan } = (p.payment ?? {}) as Record<string, unknown> & { byType?: Record<string, Record<string, unknown>> };
  const byType: Record<string, unknown> = {};
  for (const x of SUPPLY_TYPES) {
    const tp = typed?.[x];
    if (tp?.differs) byType[x] = Object.fromEntries(PLAN_FIELDS.map((k) => [k, tp[k]]));
  }
  const sources: Record<string, unknown> = {};
  for (const k of RULE_KEYS) {
    const s = p.sources?.[k];
    if (typeof s?.source === 'string' && s.source) sources[k] = { source: s.source, verified: s.verified === true };
  }
  return {
    capsFen: p.capsFen ?? {},
    notices,
    quorum: p.quorum ?? {},
    majority: p.majority ?? {},
    screening: { positiveAreas: listRowsOf(body, 'positiveAreas'), negativeItems: listRowsOf(body, 'negativeItems') },
    budgetYearsAhead: p.budgetYearsAhead,
    parties: p.parties ?? {},
    procurement: p.procurement ?? {},
    acceptance: {
      satisfactionPct: p.acceptance?.satisfactionPct,
      signatories: splitList(p.acceptance?.signatories),
      extraSignatories: extra,
      beneficiarySignsFor: { categories: p.acceptance?.beneficiarySignsFor?.categories ?? [] },
      minRatings: p.acceptance?.minRatings,
      maxRatingCodes: p.acceptance?.maxRatingCodes,
    },
    payment: { ...plan, ...(Object.keys(byType).length ? { byType } : {}) },
    reviewReminderWorkingDays: p.reviewReminderWorkingDays,
    reviewEscalationWorkingDays: p.reviewEscalationWorkingDays,
    stageDays: stageDaysOf(p),
    requiredDocuments: docRowsOf(body),
    needs: { referralWorkingDays: p.needs?.referralWorkingDays, reminderWorkingDaysBefore: p.needs?.reminderWorkingDaysBefore },
    sources,
  };
}

// ── filling the form ──

const yuanText = (fen: unknown) => (typeof fen === 'number' ? (fen / 100).toFixed(2) : '');
const check = (b: unknown) => (b ? 'on' : '');

/** The form's values from a rules version (a new version starts from the one in force). */
export function rulesToValues(rules: ProgrammeRules): Values {
  const v: Values = {};
  for (const x of SUPPLY_TYPES) v[`capsFen.${x}`] = yuanText(rules.capsFen[x]);
  for (const k of NOTICE_KINDS) {
    const n = rules.notices[k];
    v[`notices.${k}.held`] = check(n);
    v[`notices.${k}.workingDays`] = n ? String(n.workingDays) : '';
  }
  for (const x of ['quorum', 'majority'] as const) {
    v[`${x}.num`] = String(rules[x].num);
    v[`${x}.den`] = String(rules[x].den);
  }
  v.budgetYearsAhead = String(rules.budgetYearsAhead);
  for (const p of Object.keys(PARTY_OPTIONS) as Array<keyof typeof PARTY_OPTIONS>) v[`parties.${p}`] = rules.parties[p];
  v['procurement.directBelowFen'] = yuanText(rules.procurement.directBelowFen);
  v['procurement.quotationUpToFen'] = yuanText(rules.procurement.quotationUpToFen);
  for (const m of ['direct', 'quotation', 'competitive'] as const) v[`procurement.minQuotes.${m}`] = String(rules.procurement.minQuotes[m]);
  v['acceptance.satisfactionPct'] = String(rules.acceptance.satisfactionPct);
  v['acceptance.signatories'] = rules.acceptance.signatories.join(', ');
  for (const x of SUPPLY_TYPES) v[`acceptance.extraSignatories.${x}`] = (rules.acceptance.extraSignatories[x] ?? []).join(', ');
  v['acceptance.beneficiarySignsFor.categories'] = [...rules.acceptance.beneficiarySignsFor.categories];
  v['acceptance.minRatings'] = String(minRatings(rules));
  v['acceptance.maxRatingCodes'] = String(maxRatingCodes(rules));
  for (const k of PLAN_FIELDS) v[`payment.${k}`] = String(rules.payment[k]);
  for (const x of SUPPLY_TYPES) {
    const tp = rules.payment.byType?.[x];
    v[`payment.byType.${x}.differs`] = check(tp);
    for (const k of PLAN_FIELDS) v[`payment.byType.${x}.${k}`] = tp ? String(tp[k]) : '';
  }
  v.reviewReminderWorkingDays = String(rules.reviewReminderWorkingDays);
  v.reviewEscalationWorkingDays = String(rules.reviewEscalationWorkingDays);
  for (const s of TIMED_STAGES) {
    const d = rules.stageDays?.[s];
    v[`stageDays.${s}.days`] = d ? String(d.days) : '';
    v[`stageDays.${s}.working`] = check(d?.working);
  }
  docValues(v, rules.requiredDocuments ?? []);
  const needs = rules.needs ?? DEFAULT_NEED_RULES;
  v['needs.referralWorkingDays'] = String(needs.referralWorkingDays);
  v['needs.reminderWorkingDaysBefore'] = String(needs.reminderWorkingDaysBefore);
  for (const k of RULE_KEYS) {
    const s = rules.sources[k];
    v[`sources.${k}.source`] = s?.source ?? '';
    v[`sources.${k}.verified`] = check(s?.verified);
  }
  for (const list of LISTS) {
    rules.screening[list].forEach((e, i) => {
      v[`screening.${list}.${i}.code`] = e.code;
      v[`screening.${list}.${i}.zh`] = e.zh;
      v[`screening.${list}.${i}.en`] = e.en;
    });
  }
  return v;
}

/** The required documents' rows as the form's values, numbered from 0. */
function docValues(v: Values, docs: ReadonlyArray<{ kind: string; from: string; types: readonly string[] }>): void {
  docs.forEach((d, i) => {
    v[`requiredDocuments.${i}.kind`] = d.kind;
    v[`requiredDocuments.${i}.from`] = d.from;
    v[`requiredDocuments.${i}.types`] = [...d.types];
  });
}

/** What was typed, as the form's values (list rows renumbered as rulesFromForm numbers them). */
export function typedValues(body: FormBody): Values {
  const v: Values = {};
  for (const spec of RULES_FORM.fields) {
    const raw = body[spec.name];
    if (typeof raw === 'string') v[spec.name] = raw;
    else if (Array.isArray(raw)) v[spec.name] = raw.filter((x): x is string => typeof x === 'string');
  }
  for (const list of LISTS) {
    listRowsOf(body, list).forEach((e, i) => {
      v[`screening.${list}.${i}.code`] = e.code;
      v[`screening.${list}.${i}.zh`] = e.zh;
      v[`screening.${list}.${i}.en`] = e.en;
    });
  }
  docValues(v, docRowsOf(body));
  return v;
}

// ── drawing the form ──

const categoryName = (lang: Lang, c: Category | undefined, code: string) => (c ? (lang === 'en' ? c.nameEn : c.nameZh) : code);

function listView(lang: Lang, list: ListName, values: Values, fieldErrors: Record<string, string>) {
  const base = `screening.${list}`;
  const rows = [];
  let n = 0;
  for (; `${base}.${n}.code` in values; n++);
  for (let i = 0; i < n + BLANK_LIST_ROWS; i++) {
    const cell = (col: 'code' | 'zh' | 'en') => {
      const name = `${base}.${i}.${col}`;
      const error = fieldErrors[name];
      return {
        name, id: `f-${name}`, value: typeof values[name] === 'string' ? values[name] : '', error, errorId: error ? `f-${name}-error` : undefined,
        label: t(lang, `admin.rules.list.${col}`), rowLabel: t(lang, 'admin.rules.list.row', { n: i + 1 }),
      };
    };
    rows.push({ n: i + 1, cells: [cell('code'), cell('zh'), cell('en')], removeName: `${base}.${i}.remove`, removeId: `f-${base}.${i}.remove`, isNew: i >= n });
  }
  const error = fieldErrors[base];
  return { isEntries: true, id: `f-${base}`, legend: t(lang, `admin.rules.fields.screening_${list}`), hint: t(lang, 'admin.rules.list.hint'), error, errorId: error ? `f-${base}-error` : undefined, rows };
}

/** The required documents' rows: kind, from which stage, for which types, and removal; blank rows add. */
function docRowsView(lang: Lang, values: Values, fieldErrors: Record<string, string>) {
  const base = 'requiredDocuments';
  let n = 0;
  for (; `${base}.${n}.kind` in values; n++);
  const err = (name: string) => {
    const error = fieldErrors[name];
    return { error, errorId: error ? `f-${name}-error` : undefined };
  };
  const str = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : '');
  const rows = [];
  for (let i = 0; i < n + BLANK_DOC_ROWS; i++) {
    const at = `${base}.${i}`;
    const rowLabel = t(lang, 'admin.rules.list.row', { n: i + 1 });
    const kind = str(`${at}.kind`);
    const from = str(`${at}.from`) || 'public_notice';
    const types = [values[`${at}.types`] ?? []].flat();
    const kindSelect = {
      name: `${at}.kind`, id: `f-${at}.kind`, label: t(lang, 'admin.rules.docs.kind'), ...err(`${at}.kind`),
      options: [{ value: '', label: t(lang, 'admin.rules.docs.none'), selected: kind === '' }, ...DOCUMENT_KINDS.map((k) => ({ value: k, label: t(lang, `documents.kinds.${k}`), selected: k === kind }))],
    };
    const fromSelect = {
      name: `${at}.from`, id: `f-${at}.from`, label: t(lang, 'admin.rules.docs.from'), ...err(`${at}.from`),
      options: DOC_FROM_STAGES.map((s) => ({ value: s, label: t(lang, stageKey(s)), selected: s === from })),
    };
    rows.push({
      n: i + 1, isNew: i >= n, rowLabel, selects: [kindSelect, fromSelect],
      types: {
        name: `${at}.types`, label: t(lang, 'admin.rules.docs.types'), ...err(`${at}.types`),
        options: SUPPLY_TYPES.map((x) => ({ value: x, id: `f-${at}.types-${x}`, label: t(lang, `typeNames.${x}`), checked: types.includes(x) })),
      },
      removeName: `${at}.remove`, removeId: `f-${at}.remove`,
    });
  }
  const error = fieldErrors[base];
  return { isDocRows: true, id: `f-${base}`, legend: t(lang, 'admin.rules.docs.legend'), hint: t(lang, 'admin.rules.docs.hint'), error, errorId: error ? `f-${base}-error` : undefined, rows };
}

/** The publish form's view: one fieldset per rule with its fields, subgroups, lists and source. */
export function rulesFormModel(lang: Lang, values: Values, categories: Category[], err?: unknown) {
  const built = formView({
    lang, form: RULES_FORM, values, err,
    options: {
      categories: categories.map((c) => ({ value: c.code, label: categoryName(lang, c, c.code) })),
      ...Object.fromEntries((Object.keys(PARTY_OPTIONS) as Array<keyof typeof PARTY_OPTIONS>).map((p) => [`party_${p}`, PARTY_OPTIONS[p].map((o) => ({ value: o, label: t(lang, `admin.rules.partyOptions.${p}_${o}`) }))])),
    },
  });
  const byName = new Map(built.fields.map((x) => [x.name, x]));
  const fieldErrors = Object.fromEntries(Object.entries(built.errors?.fields ?? {}));
  // list-row errors link to their cells (the summary's links are built for the form's own fields):
  // the summary's first lines are the field errors, in the order of their paths
  const paths = Object.keys(fieldErrors);
  const rowPath = (p: string | undefined) => p !== undefined && (p.startsWith('screening.') || p.startsWith('requiredDocuments.'));
  const summary = (built.errors?.summary ?? []).map((s, i) => (!s.href && rowPath(paths[i]) ? { ...s, href: `#f-${paths[i]}` } : s));
  const sections = SECTIONS.map((s) => ({
    key: s.key,
    legend: t(lang, sectionLabel(s.key)),
    fields: s.fields.map((x) => byName.get(x.name)!),
    groups: (s.groups ?? []).map((g) => ({ legend: t(lang, g.legend, g.params && { type: t(lang, `typeNames.${String(g.params.type)}`) }), fields: g.fields.map((x) => byName.get(x.name)!) })),
    lists: s.key === 'screening' ? LISTS.map((l) => listView(lang, l, values, fieldErrors)) : s.key === 'requiredDocuments' ? [docRowsView(lang, values, fieldErrors)] : [],
    source: sourceFields(s.key).map((x) => byName.get(x.name)!),
  }));
  return { sections, note: byName.get('note')!, errors: built.errors && { ...built.errors, summary } };
}

// ── showing a version ──

/** Every value of a rules version, by rule, each with its source or "unverified". */
export function presentRules(lang: Lang, rules: ProgrammeRules, categories: Category[]) {
  const yuan = (fen: number) => formatYuan(fen, { lang });
  const roles = (l: string[] | undefined) => (l && l.length ? l.map((r) => t(lang, `projects.roles.${r}`, { defaultValue: r })).join(lang === 'en' ? ', ' : '、') : t(lang, 'admin.rules.none'));
  const row = (path: string, value: string) => ({ label: t(lang, label(path)), value });
  const planText = (p: { advancePct: number; finalPct: number; retentionPct: number; warrantyMonths: number }) =>
    t(lang, 'admin.rules.planText', { advance: p.advancePct, final: p.finalPct, retention: p.retentionPct, months: p.warrantyMonths });
  const rowsOf = (key: RuleKey): Array<{ label: string; value: string }> => {
    switch (key) {
      case 'capsFen':
        return SUPPLY_TYPES.map((x) => row(`capsFen.${x}`, yuan(rules.capsFen[x])));
      case 'notices':
        return NOTICE_KINDS.map((k) => ({
          label: t(lang, `notices.kinds.${k}`),
          value: rules.notices[k] ? t(lang, 'admin.rules.workingDays', { count: rules.notices[k]!.workingDays, n: rules.notices[k]!.workingDays }) : t(lang, 'admin.rules.notHeld'),
        }));
      case 'quorum':
      case 'majority':
        return [row(key, t(lang, `admin.rules.${key}Text`, { num: rules[key].num, den: rules[key].den }))];
      case 'screening':
        return [];
      case 'budgetYearsAhead':
        return [row('budgetYearsAhead', String(rules.budgetYearsAhead))];
      case 'parties':
        return (Object.keys(PARTY_OPTIONS) as Array<keyof typeof PARTY_OPTIONS>).map((p) => row(`parties.${p}`, t(lang, `admin.rules.partyOptions.${p}_${rules.parties[p]}`)));
      case 'procurement':
        return [
          row('procurement.directBelowFen', yuan(rules.procurement.directBelowFen)), row('procurement.quotationUpToFen', yuan(rules.procurement.quotationUpToFen)),
          ...(['direct', 'quotation', 'competitive'] as const).map((m) => row(`procurement.minQuotes.${m}`, String(rules.procurement.minQuotes[m]))),
        ];
      case 'acceptance':
        return [
          row('acceptance.satisfactionPct', `${rules.acceptance.satisfactionPct}%`), row('acceptance.signatories', roles(rules.acceptance.signatories)),
          ...SUPPLY_TYPES.map((x) => row(`acceptance.extraSignatories.${x}`, roles(rules.acceptance.extraSignatories[x]))),
          row('acceptance.beneficiarySignsFor.categories', rules.acceptance.beneficiarySignsFor.categories.length
            ? rules.acceptance.beneficiarySignsFor.categories.map((c) => categoryName(lang, categories.find((x) => x.code === c), c)).join(lang === 'en' ? ', ' : '、')
            : t(lang, 'admin.rules.none')),
          row('acceptance.minRatings', String(minRatings(rules))), row('acceptance.maxRatingCodes', String(maxRatingCodes(rules))),
        ];
      case 'payment':
        return [
          { label: t(lang, 'admin.rules.defaultPlan'), value: planText(rules.payment) },
          ...SUPPLY_TYPES.flatMap((x) => (rules.payment.byType?.[x] ? [{ label: t(lang, 'admin.rules.byTypeLegend', { type: t(lang, `typeNames.${x}`) }), value: planText(rules.payment.byType[x]!) }] : [])),
        ];
      case 'reviewReminderWorkingDays':
      case 'reviewEscalationWorkingDays':
        return [row(key, t(lang, 'admin.rules.workingDays', { count: rules[key], n: rules[key] }))];
      case 'stageDays':
        return Object.entries(rules.stageDays ?? {}).map(([stage, d]) => ({
          label: stateLabel(lang, stage),
          value: t(lang, d.working ? 'admin.rules.workingDays' : 'admin.rules.calendarDays', { count: d.days, n: d.days }),
        }));
      case 'needs': {
        const n = rules.needs ?? DEFAULT_NEED_RULES;
        return [
          row('needs.referralWorkingDays', t(lang, 'admin.rules.workingDays', { count: n.referralWorkingDays, n: n.referralWorkingDays })),
          row('needs.reminderWorkingDaysBefore', t(lang, 'admin.rules.workingDays', { count: n.reminderWorkingDaysBefore, n: n.reminderWorkingDaysBefore })),
        ];
      }
      case 'requiredDocuments':
        return (rules.requiredDocuments ?? []).map((r) => ({
          label: t(lang, `documents.kinds.${r.kind}`),
          value: t(lang, 'admin.rules.requiredFrom', { stage: stateLabel(lang, r.from), types: r.types.length ? r.types.map((x) => t(lang, `typeNames.${x}`)).join(lang === 'en' ? ', ' : '、') : t(lang, 'admin.rules.allTypes') }),
        }));
    }
  };
  return RULE_KEYS.map((key) => {
    const s = rules.sources?.[key];
    return {
      key,
      legend: t(lang, sectionLabel(key)),
      rows: rowsOf(key),
      lists: key === 'screening' ? LISTS.map((l) => ({ legend: t(lang, `admin.rules.fields.screening_${l}`), entries: rules.screening[l], empty: rules.screening[l].length === 0 })) : [],
      source: s?.source ?? null,
      unverified: !s || !s.verified,
    };
  });
}
