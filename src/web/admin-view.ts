// View-models and form readers of the administration pages. Turning a flat form into the nested
// input a service expects is presentation work and lives here; validation stays in the services.
import type { Request } from 'express';
import { z } from 'zod';
import { hasKey, t, type Lang } from '../lib/i18n.js';
import { isAppError } from '../errors.js';
import { parseYuan } from '../../workflows/shared/money.js';
import { ROLES, type User } from '../auth/users.js';
import { SUPPLY_TYPES, type Community, type Street, type Vendor } from '../reference/reference.js';
import { formErrors, langOf } from './render.js';
import { options, placeName } from './labels.js';
import { field, fieldList } from './params.js';

/** formErrors, with any message that is not one of our keys (zod's English defaults) shown as "invalid". */
export function adminErrors(req: Request, err: unknown) {
  const lang = langOf(req);
  const e = formErrors(req, err);
  if (!e || !isAppError(err)) return e;
  const fields = Object.fromEntries(Object.entries(err.fields ?? {}).map(([k, v]) => [k, message(lang, v)]));
  return { fields, summary: e.summary.map((s) => (s.field ? { field: s.field, text: fields[s.field] ?? s.text } : s)) };
}

export const message = (lang: Lang, key: string) => (hasKey(lang, key) ? t(lang, key) : t(lang, 'validation.invalid'));

export const roleOptions = (lang: Lang, selected?: string) => options(ROLES.map((r) => ({ value: r, label: t(lang, `roleNames.${r}`) })), selected);
export const langOptions = (selected?: string) => options([{ value: 'zh-CN', label: '中文' }, { value: 'en', label: 'English' }], selected);

export function scopeOptions(lang: Lang, ref: { streets: Street[]; communities: Community[]; vendors: Vendor[] }, form: Record<string, unknown>) {
  const none = t(lang, 'admin.users.choose');
  return {
    communityOptions: options(ref.communities.map((c) => ({ value: c.id, label: placeName(lang, c) })), form.communityId, none),
    streetOptions: options(ref.streets.map((s) => ({ value: s.id, label: placeName(lang, s) })), form.streetId, none),
    vendorOptions: options(ref.vendors.map((v) => ({ value: v.id, label: v.name })), form.vendorId, none),
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

export function vendorFormModel(lang: Lang, form: { types?: string[]; status?: string } & Record<string, unknown>) {
  return {
    typeOptions: SUPPLY_TYPES.map((x) => ({ value: x, label: t(lang, `typeNames.${x}`), checked: (form.types ?? []).includes(x) })),
    statusOptions: options(['active', 'suspended'].map((s) => ({ value: s, label: t(lang, `admin.vendors.status.${s}`) })), form.status ?? 'active'),
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

/** The rules form's groups, each field with its label, value and error. */
export function rulesFormModel(lang: Lang, values: Record<string, string>, errors?: { fields: Record<string, string> }) {
  const f = (name: string, hintKey?: string) => ({
    name, label: t(lang, `admin.rules.fields.${name.replace(/\./g, '_')}`), value: values[name] ?? '', error: errors?.fields[name],
    ...(hintKey ? { hint: t(lang, hintKey) } : {}),
  });
  return [
    { legend: t(lang, 'admin.rules.groups.caps'), fields: RULE_FIELDS.yuan.slice(0, 3).map((k) => f(k, 'admin.yuanHint')) },
    { legend: t(lang, 'admin.rules.groups.periods'), fields: ['noticeWorkingDays', 'reviewReminderWorkingDays', 'reviewEscalationWorkingDays'].map((k) => f(k)) },
    { legend: t(lang, 'admin.rules.groups.vote'), fields: ['quorum.num', 'quorum.den', 'majority.num', 'majority.den'].map((k) => f(k)) },
    { legend: t(lang, 'admin.rules.groups.procurement'), fields: [...RULE_FIELDS.yuan.slice(3).map((k) => f(k, 'admin.yuanHint')), ...['procurement.minQuotes.direct', 'procurement.minQuotes.quotation', 'procurement.minQuotes.competitive'].map((k) => f(k))] },
    { legend: t(lang, 'admin.rules.groups.acceptance'), fields: [f('acceptance.satisfactionPct'), ...RULE_FIELDS.list.map((k) => f(k, 'admin.rules.listHint'))] },
    { legend: t(lang, 'admin.rules.groups.payment'), fields: ['payment.advancePct', 'payment.finalPct', 'payment.retentionPct', 'payment.warrantyMonths'].map((k) => f(k)) },
  ];
}
