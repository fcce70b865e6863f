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
import { field as f, type FieldSpec, type FormSpec } from './forms/form-model.js';

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
/** Editing a community: its names and its contact telephone (shown on its public notices). */
export const COMMUNITY_EDIT_FORM = form('admin.places', [...PLACE_FIELDS, f('phone', 'tel', { hint: 'admin.places.phoneHint', autocomplete: 'off' })]);
export const VENDOR_FORM = form('admin.vendors', [
  f('name', 'text'), f('creditCode', 'text', { hint: 'admin.vendors.creditCodeHint' }), f('email', 'email'), f('phone', 'tel'),
  f('types', 'checkboxes', { options: 'types' }),
]);
// (No status: the district suspends and reinstates a vendor on its record page, /vendors/:id, through
// the `vendor` workflow; the admin form shows the status read-only with a link there.)
export const CATEGORY_FORM = form('admin.categories', [
  f('code', 'text'), f('nameZh', 'text'), f('nameEn', 'text'), f('sort', 'int'), f('active', 'select', { options: 'active', label: 'admin.categories.state' }),
]);
/** A beneficiary group: the same fields as a category, labels under `admin.groups`. */
export const GROUP_FORM = form('admin.groups', [
  f('code', 'text'), f('nameZh', 'text'), f('nameEn', 'text'), f('sort', 'int'), f('active', 'select', { options: 'active', label: 'admin.groups.state' }),
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
  name: field(300), creditCode: field(40), email: field(200), phone: field(60), types: fieldList(),
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
    performanceHref: `/vendors/${encodeURIComponent(v.id)}`,
    typesText: v.types.map((x) => t(lang, `typeNames.${x}`)).join('、'),
    statusText: t(lang, `admin.vendors.status.${v.status}`),
    suspended: v.status === 'suspended',
  };
}

/** Yuan typed by a person → fen; anything else goes through as is, for the service to refuse. */
export const yuanToFen = (v: unknown): unknown => (typeof v === 'string' && v.trim() !== '' ? (parseYuan(v) ?? v) : v === '' ? undefined : v);

/** The rules' form and views: src/web/admin-rules-view.ts. */
export { RULES_FORM, rulesFormModel, rulesFromForm, rulesToValues, presentRules } from './admin-rules-view.js';
