// View-models and form readers of the administration pages. Every form here is a spec of the one
// form model (forms/form-model.ts) with its labels under its own `admin.*` namespace, drawn by
// forms/form-view.ts; turning a flat form into the nested input a service expects is presentation
// work and lives here too; validation stays in the services.
import { z } from 'zod';
import { t, type Lang } from '../lib/i18n.js';
import { parseYuan } from '../../workflows/shared/money.js';
import { ROLES, type User } from '../auth/users.js';
import { SUPPLY_TYPES, type Community, type Street, type Vendor } from '../reference/reference.js';
import { options, placeName } from './labels.js';
import { field, fieldList } from './params.js';
import { field as f, type FieldKind, type FieldSpec, type FormSpec } from './forms/form-model.js';
import { formView, type Values } from './forms/form-view.js';

const form = (labels: string, fields: FieldSpec[]): FormSpec => ({ labels, fields });

export const USER_FORM = form('admin.users', [
  f('name', 'text', { autocomplete: 'off' }), f('email', 'email', { autocomplete: 'off' }), f('role', 'select', { options: 'roles' }),
  f('communityId', 'select', { options: 'communities', label: 'admin.users.community', hint: 'admin.users.communityHint' }),
  f('streetId', 'select', { options: 'streets', label: 'admin.users.street', hint: 'admin.users.streetHint' }),
  f('vendorId', 'select', { options: 'vendors', label: 'admin.users.vendor', hint: 'admin.users.vendorHint' }),
  f('lang', 'select', { options: 'langs' }),
  f('password', 'password', { hint: 'admin.users.passwordHint', autocomplete: 'new-password' }),
]);
export const PASSWORD_FORM = form('admin.users', [f('password', 'password', { label: 'admin.users.newPassword', hint: 'admin.users.passwordHint', autocomplete: 'new-password' })]);
const PLACE_FIELDS = [f('nameZh', 'text'), f('nameEn', 'text')];
export const STREET_FORM = form('admin.places', PLACE_FIELDS);
export const COMMUNITY_FORM = form('admin.places', [f('streetId', 'select', { options: 'streets', label: 'admin.places.street' }), ...PLACE_FIELDS]);
export const VENDOR_FORM = form('admin.vendors', [
  f('name', 'text'), f('creditCode', 'text', { hint: 'admin.vendors.creditCodeHint' }), f('email', 'email'), f('phone', 'tel'),
  f('types', 'checkboxes', { options: 'types' }), f('status', 'select', { options: 'statuses', label: 'admin.vendors.statusLabel' }),
]);
export const CATEGORY_FORM = form('admin.categories', [
  f('code', 'text'), f('nameZh', 'text'), f('nameEn', 'text'), f('sort', 'int'), f('active', 'select', { options: 'active', label: 'admin.categories.state' }),
]);
export const CALENDAR_FORM = form('admin.calendar', [f('date', 'date', { hint: 'admin.calendar.dateHint' }), f('kind', 'select', { options: 'kinds' }), f('note', 'text')]);
/** `{{year}}` in the amount's label comes from the view's params. */
export const ALLOCATION_FORM = form('admin.allocations', [
  f('communityId', 'select', { options: 'communities', label: 'admin.allocations.community' }), f('allocated', 'yuan', { label: 'admin.allocations.amount', hint: 'admin.yuanHint' }),
]);
export const ALLOCATION_YEAR_FORM = form('admin.allocations', [f('year', 'select', { options: 'years' })]);

/** The user form's option lists: roles, languages and the scopes (each with "choose" first). */
export function userOptions(lang: Lang, ref: { streets: Street[]; communities: Community[]; vendors: Vendor[] }) {
  const none = t(lang, 'admin.users.choose');
  return {
    roles: ROLES.map((r) => ({ value: r, label: t(lang, `roleNames.${r}`) })),
    langs: [{ value: 'zh-CN', label: '中文' }, { value: 'en', label: 'English' }],
    communities: options(ref.communities.map((c) => ({ value: c.id, label: placeName(lang, c) })), '', none),
    streets: options(ref.streets.map((s) => ({ value: s.id, label: placeName(lang, s) })), '', none),
    vendors: options(ref.vendors.map((v) => ({ value: v.id, label: v.name })), '', none),
  };
}

export function presentUser(lang: Lang, u: User, ref: { streets: Street[]; communities: Community[]; vendors: Vendor[] }) {
  const scope = u.communityId
    ? placeName(lang, ref.communities.find((c) => c.id === u.communityId))
    : u.streetId
      ? placeName(lang, ref.streets.find((s) => s.id === u.streetId))
      : u.vendorId
        ? (ref.vendors.find((v) => v.id === u.vendorId)?.name ?? '—')
        : t(lang, 'admin.users.wholeDistrict');
  return {
    id: u.id, href: `/admin/users/${encodeURIComponent(u.id)}`, name: u.name, email: u.email, role: t(lang, `roleNames.${u.role}`), scope,
    status: u.disabled ? t(lang, 'admin.users.disabled') : t(lang, 'admin.users.active'), disabled: u.disabled,
  };
}

export const UserForm = z.object({
  email: field(200), name: field(200), role: field(20), password: field(300), lang: field(8),
  communityId: field(100), streetId: field(100), vendorId: field(100),
});

export const VendorForm = z.object({
  name: field(300), creditCode: field(40), email: field(200), phone: field(60), types: fieldList(), status: field(20),
});

export function vendorOptions(lang: Lang) {
  return {
    types: SUPPLY_TYPES.map((x) => ({ value: x, label: t(lang, `typeNames.${x}`) })),
    statuses: ['active', 'suspended'].map((s) => ({ value: s, label: t(lang, `admin.vendors.status.${s}`) })),
  };
}

export function presentVendor(lang: Lang, v: Vendor) {
  return {
    ...v,
    href: `/admin/vendors/${encodeURIComponent(v.id)}`,
    typesText: v.types.map((x) => t(lang, `typeNames.${x}`)).join('、'),
    statusText: t(lang, `admin.vendors.status.${v.status}`),
    suspended: v.status === 'suspended',
  };
}

/** Yuan typed by a person → fen; anything else goes through as is, for the service to refuse. */
export const yuanToFen = (v: unknown): unknown => (typeof v === 'string' && v.trim() !== '' ? (parseYuan(v) ?? v) : v === '' ? undefined : v);
const int = (v: unknown): unknown => (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v === '' ? undefined : v);
const num = (v: unknown): unknown => (typeof v === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v === '' ? undefined : v);
const list = (v: unknown): string[] => String(v ?? '').split(/[,，、\s]+/).map((s) => s.trim()).filter(Boolean);

/** The flat names of the rules form (dotted like the service's error paths, so errors land on fields). */
export const RULE_FIELDS = {
  yuan: ['capsFen.goods', 'capsFen.works', 'capsFen.services', 'procurement.directBelowFen', 'procurement.quotationUpToFen'],
  int: ['noticeWorkingDays', 'quorum.num', 'quorum.den', 'majority.num', 'majority.den', 'procurement.minQuotes.direct', 'procurement.minQuotes.quotation',
    'procurement.minQuotes.competitive', 'payment.warrantyMonths', 'reviewReminderWorkingDays', 'reviewEscalationWorkingDays'],
  pct: ['acceptance.satisfactionPct', 'payment.advancePct', 'payment.finalPct', 'payment.retentionPct'],
  list: ['acceptance.signatories', 'acceptance.extraSignatories.goods', 'acceptance.extraSignatories.works', 'acceptance.extraSignatories.services'],
} as const;

function setPath(o: Record<string, unknown>, path: string, v: unknown) {
  const parts = path.split('.');
  let cur = o;
  for (const p of parts.slice(0, -1)) cur = (cur[p] ??= {}) as Record<string, unknown>;
  cur[parts.at(-1)!] = v;
}
function getPath(o: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((cur, p) => (cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[p] : undefined), o);
}

/** The rules form's fields → the nested rules object RulesSchema validates. */
export function rulesFromForm(body: Record<string, unknown>): Record<string, unknown> {
  const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
  const out: Record<string, unknown> = {};
  for (const k of RULE_FIELDS.yuan) setPath(out, k, yuanToFen(str(k)));
  for (const k of RULE_FIELDS.int) setPath(out, k, int(str(k)));
  for (const k of RULE_FIELDS.pct) setPath(out, k, num(str(k)));
  setPath(out, 'acceptance.signatories', list(str('acceptance.signatories')));
  for (const x of SUPPLY_TYPES) {
    const l = list(str(`acceptance.extraSignatories.${x}`));
    if (l.length) setPath(out, `acceptance.extraSignatories.${x}`, l);
  }
  if (!getPath(out, 'acceptance.extraSignatories')) setPath(out, 'acceptance.extraSignatories', {});
  return out;
}

/** The rules → the form's values (yuan as text), for a new version prefilled from the current one. */
export function rulesToForm(rules: unknown, typed?: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of [...RULE_FIELDS.yuan, ...RULE_FIELDS.int, ...RULE_FIELDS.pct, ...RULE_FIELDS.list]) {
    if (typed) {
      out[k] = typeof typed[k] === 'string' ? (typed[k] as string) : '';
      continue;
    }
    const v = getPath(rules, k);
    out[k] = (RULE_FIELDS.yuan as readonly string[]).includes(k) && typeof v === 'number' ? (v / 100).toFixed(2) : Array.isArray(v) ? v.join(', ') : v === undefined ? '' : String(v);
  }
  return out;
}

const RULE_GROUPS: Array<[string, string[]]> = [
  ['caps', RULE_FIELDS.yuan.slice(0, 3)],
  ['periods', ['noticeWorkingDays', 'reviewReminderWorkingDays', 'reviewEscalationWorkingDays']],
  ['vote', ['quorum.num', 'quorum.den', 'majority.num', 'majority.den']],
  ['procurement', [...RULE_FIELDS.yuan.slice(3), 'procurement.minQuotes.direct', 'procurement.minQuotes.quotation', 'procurement.minQuotes.competitive']],
  ['acceptance', ['acceptance.satisfactionPct', ...RULE_FIELDS.list]],
  ['payment', ['payment.advancePct', 'payment.finalPct', 'payment.retentionPct', 'payment.warrantyMonths']],
];
const ruleKind = (name: string): FieldKind => ((RULE_FIELDS.yuan as readonly string[]).includes(name) ? 'yuan' : (RULE_FIELDS.int as readonly string[]).includes(name) ? 'int' : (RULE_FIELDS.pct as readonly string[]).includes(name) ? 'number' : 'text');
const ruleHint = (name: string) => ((RULE_FIELDS.yuan as readonly string[]).includes(name) ? 'admin.yuanHint' : (RULE_FIELDS.list as readonly string[]).includes(name) ? 'admin.rules.listHint' : undefined);

/** The rules form: every rule, labelled `admin.rules.fields.<path with _>`, then the version's note. */
export const RULES_FORM = form('admin.rules', [
  ...RULE_GROUPS.flatMap(([, names]) => names.map((name) => f(name, ruleKind(name), { label: `admin.rules.fields.${name.replace(/\./g, '_')}`, hint: ruleHint(name) }))),
  f('note', 'textarea', { rows: 3 }),
]);

/** The rules form's groups, each field with its label, value and error; the note; the error summary. */
export function rulesFormModel(lang: Lang, values: Values, err?: unknown) {
  const built = formView({ lang, form: RULES_FORM, values, err });
  const byName = new Map(built.fields.map((x) => [x.name, x]));
  return {
    groups: RULE_GROUPS.map(([group, names]) => ({ legend: t(lang, `admin.rules.groups.${group}`), fields: names.map((n) => byName.get(n)!) })),
    note: byName.get('note')!,
    errors: built.errors,
  };
}
