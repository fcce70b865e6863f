// The vendor record pages (issue 14, item 1): the vendor's own record in the portal (/vendor/record,
// a form whose changes wait for an admin), the admin's list of changes to confirm
// (/admin/vendor-changes) and a vendor's record with its violations (/admin/vendors/:id/record).
// Forms are specs of the one form model; validation stays in src/vendors/vendor-records.ts.
import { InvalidError } from '../errors.js';
import { t, type Lang } from '../lib/i18n.js';
import { formatShanghai } from '../lib/calendar.js';
import { RATINGS } from '../../workflows/project/index.js';
import type { Vendor } from '../reference/reference.js';
import type { RecordChange, RecordFields, Violation } from '../vendors/vendor-records.js';
import { field as f, toPayload, type FormBody, type FormSpec } from './forms/form-model.js';
import { formView } from './forms/form-view.js';

/** The rating select's "no rating" choice (an empty choice would mean "leave it as it is"). */
const NO_RATING = 'none';

export const RECORD_FORM: FormSpec = {
  labels: 'vendorRecord',
  fields: [
    f('registeredOn', 'date', { hint: 'vendorRecord.registeredOnHint' }),
    f('rating', 'select', { options: 'ratings', optional: true }),
    f('fullTimeStaff', 'int'),
  ],
};

export const VIOLATION_FORM: FormSpec = {
  labels: 'vendorRecord',
  fields: [
    f('occurredOn', 'date', { label: 'vendorRecord.violationOn' }),
    f('source', 'text', { label: 'vendorRecord.violationSource' }),
    f('description', 'text', { label: 'vendorRecord.violationDescription' }),
  ],
};

/** A posted form as a service's input; what could not be read at all is a 422 naming its field. */
export function formInput(spec: FormSpec, body: FormBody): Record<string, unknown> {
  const { payload, errors } = toPayload(spec, body);
  if (Object.keys(errors).length > 0) throw new InvalidError('invalid form', { fields: errors });
  if (payload.rating === NO_RATING) payload.rating = '';
  return payload;
}

const ratingOptions = (lang: Lang) => [{ value: NO_RATING, label: t(lang, 'vendorRecord.ratingNone') }, ...RATINGS.map((r) => ({ value: r, label: r }))];

const unknown = (lang: Lang, v: unknown) => (v === null || v === undefined || v === '' ? t(lang, 'vendorRecord.unknown') : String(v));

/** A record's fields as one line: 登记成立日期 2011-06-20；评估等级 3A；专职工作人员数 6. */
function fieldsText(lang: Lang, r: RecordFields): string {
  const parts: string[] = [];
  if (r.registeredOn !== undefined) parts.push(`${t(lang, 'vendorRecord.registeredOn')} ${r.registeredOn}`);
  if (r.rating !== undefined) parts.push(`${t(lang, 'vendorRecord.rating')} ${r.rating ?? t(lang, 'vendorRecord.ratingNone')}`);
  if (r.fullTimeStaff !== undefined) parts.push(`${t(lang, 'vendorRecord.fullTimeStaff')} ${r.fullTimeStaff}`);
  return parts.join(lang === 'en' ? '; ' : '；');
}

function currentView(lang: Lang, v: Vendor) {
  return [
    { label: t(lang, 'vendorRecord.registeredOn'), value: unknown(lang, v.registeredOn) },
    { label: t(lang, 'vendorRecord.rating'), value: v.rating ?? t(lang, 'vendorRecord.ratingNone') },
    { label: t(lang, 'vendorRecord.fullTimeStaff'), value: unknown(lang, v.fullTimeStaff) },
  ];
}

const violationsView = (violations: Violation[]) => violations.map((x) => ({ on: x.on, source: x.source, description: x.description }));

function changesView(lang: Lang, changes: RecordChange[]) {
  return changes.map((c) => ({
    requestedAt: formatShanghai(c.requestedAt, 'datetime'), proposed: fieldsText(lang, c.changes), previous: fieldsText(lang, c.previous),
    status: t(lang, `vendorRecord.status.${c.status}`), pending: c.status === 'pending', note: c.note ?? '',
  }));
}

type Record_ = { vendor: Vendor; violations: Violation[]; changes: RecordChange[] };

/** The vendor's own record page: what holds now, the form (prefilled with it), violations and changes. */
export function ownRecordView(lang: Lang, d: Record_, form?: { values: Record<string, string>; err: unknown }) {
  const v = d.vendor;
  const values = form?.values ?? { registeredOn: v.registeredOn ?? '', rating: v.rating ?? NO_RATING, fullTimeStaff: v.fullTimeStaff === null ? '' : String(v.fullTimeStaff) };
  return {
    title: t(lang, 'vendorRecord.title'), name: v.name, current: currentView(lang, v),
    ...formView({ lang, form: RECORD_FORM, values, options: { ratings: ratingOptions(lang) }, err: form?.err }),
    violations: violationsView(d.violations), changes: changesView(lang, d.changes),
  };
}

/** The admin's view of one vendor's record, with the violation form. */
export function adminRecordView(lang: Lang, d: Record_, form?: { values: Record<string, string>; err: unknown }) {
  return {
    title: `${d.vendor.name} · ${t(lang, 'vendorRecord.record')}`, name: d.vendor.name, vendorId: d.vendor.id, current: currentView(lang, d.vendor),
    ...formView({ lang, form: VIOLATION_FORM, values: form?.values ?? {}, err: form?.err }),
    violations: violationsView(d.violations), changes: changesView(lang, d.changes),
  };
}

/** The changes waiting for an admin. */
export function pendingView(lang: Lang, changes: RecordChange[]) {
  return {
    title: t(lang, 'vendorRecord.pendingTitle'),
    changes: changes.map((c) => ({
      id: c.id, vendor: c.vendorName, recordHref: `/admin/vendors/${encodeURIComponent(c.vendorId)}/record`,
      requestedAt: formatShanghai(c.requestedAt, 'datetime'), proposed: fieldsText(lang, c.changes), previous: fieldsText(lang, c.previous),
    })),
  };
}
