// View-models of a vendor's performance record (履约记录, issue 14 item 2): the record page (district,
// streets, admin at /vendors/:id; the vendor itself at /vendor/performance), the district's list
// (/vendors, flagged ones with ?flagged=1), the status form (SUSPEND / REINSTATE, district only),
// and the one line the invitation form shows beside each vendor. Figures come from
// src/vendors/vendor-performance.ts through src/vendors/vendor-overview.ts; nothing is computed here
// but formatting.
import { t, type Lang } from '../lib/i18n.js';
import { formatShanghai, shanghaiDate } from '../lib/calendar.js';
import { formatYuan } from '../../workflows/shared/money.js';
import type { Vendor } from '../reference/reference.js';
import type { VendorPerformance } from '../vendors/vendor-performance.js';
import type { RecordPage } from '../vendors/vendor-overview.js';
import { field as f, type FormSpec } from './forms/form-model.js';
import { formView } from './forms/form-view.js';
import { reasonText } from './project-form-view.js';
import { stateLabel } from './statechart.js';

/** The status form: a reason (required) and a comment; the event type is the form's hidden field. */
export const STATUS_FORM: FormSpec = {
  labels: 'vendorPerformance.fields',
  fields: [f('reason', 'textarea', { hint: 'vendorPerformance.fields.reasonHint' }), f('comment', 'textarea', { optional: true })],
};

/** How many rows of the lists other than contracts a page shows (their totals are counted in full). */
export const LIST_LIMIT = 50;

const pct = (share: number | null) => (share === null ? '—' : `${Math.round(share * 100)}%`);
const score = (n: number | null) => (n === null ? '—' : n.toFixed(1));
const sep = (lang: Lang) => (lang === 'en' ? '; ' : '；');

/** "12 contracts · 83% on time · average score 84.2 · 1 refused delivery · 0 rectifications" */
export function recordLine(lang: Lang, r: VendorPerformance, opts: { flag?: boolean } = {}): string {
  const s = r.summary;
  const parts = [
    t(lang, 'vendorPerformance.line.contracts', { count: s.contracts }),
    ...(s.requested ? [t(lang, 'vendorPerformance.line.onTime', { pct: pct(s.onTimeShare) })] : []),
    ...(s.averageScore !== null ? [t(lang, 'vendorPerformance.line.score', { score: score(s.averageScore) })] : []),
    t(lang, 'vendorPerformance.line.disputes', { count: s.disputes }),
    t(lang, 'vendorPerformance.line.rectifications', { count: s.rectifications }),
  ];
  const line = parts.join(' · ');
  return opts.flag && r.flag.flagged ? `${t(lang, 'vendorPerformance.flagged')} · ${line}` : line;
}

export const flagTexts = (lang: Lang, r: Pick<VendorPerformance, 'flag'>) => r.flag.reasons.map((x) => reasonText(lang, x.code, x.params));

function summaryFacts(lang: Lang, r: Pick<VendorPerformance, 'summary'>) {
  const s = r.summary;
  const k = (key: string) => t(lang, `vendorPerformance.summary.${key}`);
  return [
    { label: k('contracts'), value: String(s.contracts) },
    { label: k('contractFen'), value: formatYuan(s.contractFen, { lang }) },
    { label: k('onTime'), value: s.requested ? t(lang, 'vendorPerformance.summary.onTimeValue', { pct: pct(s.onTimeShare), onTime: s.onTime, requested: s.requested }) : '—' },
    { label: k('overdueOpen'), value: String(s.overdueOpen) },
    { label: k('disputes'), value: String(s.disputes) },
    { label: k('rectifications'), value: String(s.rectifications) },
    { label: k('acceptances'), value: s.acceptances ? t(lang, 'vendorPerformance.summary.acceptancesValue', { passed: s.acceptancesPassed, total: s.acceptances }) : '—' },
    { label: k('averageScore'), value: s.evaluations ? t(lang, 'vendorPerformance.summary.scoreValue', { score: score(s.averageScore), count: s.evaluations }) : '—' },
  ];
}

const when = (iso: string) => formatShanghai(iso, 'datetime');
const day = (iso: string) => shanghaiDate(iso);

export interface PerformancePageCtx { lang: Lang; csrfToken: string; base: string }

/** The record page; `form` is the status form coming back with an error. */
export function recordPageView(ctx: PerformancePageCtx, d: RecordPage, form?: { type: string; values: Record<string, string>; err: unknown }) {
  const { lang } = ctx;
  const r = d.record;
  const v = d.vendor;
  const projectHref = (id: string) => `/projects/${encodeURIComponent(id)}`;
  const c = r.contracts;
  const pageHref = (n: number) => `${ctx.base}?page=${n}#contracts`;
  const limited = <T>(l: T[]) => ({ rows: l.slice(0, LIST_LIMIT), total: l.length, more: l.length > LIST_LIMIT ? t(lang, 'vendorPerformance.showing', { shown: LIST_LIMIT, total: l.length }) : null });
  const statusEvent = d.allowed.find((a) => a.allowed);
  const fv = formView({ lang, form: STATUS_FORM, values: form?.values ?? {}, err: form?.err });
  return {
    title: `${v.name} · ${t(lang, 'vendorPerformance.title')}`,
    name: v.name,
    vendorId: v.id,
    statusText: t(lang, `vendorPerformance.status.${v.status}`),
    suspended: v.status === 'suspended',
    flag: d.showFlag && r.flag.flagged ? { reasons: flagTexts(lang, r) } : null,
    threshold: d.showFlag && r.flag.threshold ? t(lang, 'vendorPerformance.threshold', {
      score: r.flag.threshold.minAverageScore, pct: Math.round(r.flag.threshold.minOnTimeShare * 100), contracts: r.flag.threshold.minContracts,
    }) : null,
    summary: summaryFacts(lang, r),
    quarters: r.byQuarter.map((q) => ({ quarter: q.quarter, evaluations: q.evaluations, averageScore: score(q.averageScore), acceptances: q.acceptances, passed: q.passed })),
    contracts: {
      rows: c.items.map((x) => ({
        href: projectHref(x.projectId), ref: x.ref, title: x.title, state: stateLabel(lang, x.state), contractNo: x.contractNo, amount: formatYuan(x.amountFen, { lang }), dueOn: x.dueOn,
        requestedOn: x.acceptanceRequestedAt ? day(x.acceptanceRequestedAt) : '—',
        timeliness: x.onTime === null ? t(lang, 'vendorPerformance.notRequested') : x.onTime ? t(lang, 'vendorPerformance.onTime') : t(lang, 'vendorPerformance.daysLate', { count: x.daysLate ?? 0 }),
        late: x.onTime === false,
      })),
      total: c.total,
      range: c.total ? t(lang, 'vendorPerformance.range', { from: (c.page - 1) * c.pageSize + 1, to: (c.page - 1) * c.pageSize + c.items.length, total: c.total }) : null,
      prevHref: c.page > 1 ? pageHref(c.page - 1) : null,
      nextHref: c.page < c.pages ? pageHref(c.page + 1) : null,
    },
    disputes: limited(r.disputes.map((x) => ({ href: projectHref(x.projectId), ref: x.ref, at: when(x.at), quantity: x.quantity ?? '—', reason: x.reason }))),
    rectifications: limited(r.rectifications.map((x) => ({ href: projectHref(x.projectId), ref: x.ref, at: when(x.at), cause: t(lang, `vendorPerformance.causes.${x.cause}`) }))),
    acceptances: limited(r.acceptances.map((x) => ({
      href: projectHref(x.projectId), ref: x.ref, at: when(x.at), result: x.passed ? t(lang, 'vendorPerformance.passed') : t(lang, 'vendorPerformance.failed'),
      satisfaction: x.satisfactionPct === null ? '—' : `${x.satisfactionPct}%`,
    }))),
    evaluations: limited(r.evaluations.map((x) => ({ href: projectHref(x.projectId), ref: x.ref, at: when(x.at), score: x.score, grade: x.grade }))),
    statusChanges: d.statusChanges.map((x) => ({
      at: when(x.at), event: t(lang, `vendorPerformance.events.${x.type}`), reason: x.reason, comment: x.comment, actor: x.actorName,
    })),
    statusForm: statusEvent ? {
      action: `/vendors/${encodeURIComponent(v.id)}/status`, type: statusEvent.type, heading: t(lang, `vendorPerformance.events.${statusEvent.type}`),
      submit: t(lang, `vendorPerformance.submit.${statusEvent.type}`),
      fields: fv.fields,
    } : null,
    // the error summary at the top of the page (the form's fields, or a refusal of the event as a whole)
    errors: fv.errors,
  };
}

/** The list of vendors with their one-line records (flagged first when the district asks for them). */
export function listView(lang: Lang, rows: Array<{ vendor: Vendor; record: VendorPerformance }>, flagged: boolean) {
  return {
    title: t(lang, flagged ? 'vendorPerformance.flaggedTitle' : 'vendorPerformance.listTitle'),
    flaggedOnly: flagged,
    vendors: rows.map(({ vendor, record }) => ({
      href: `/vendors/${encodeURIComponent(vendor.id)}`, name: vendor.name,
      statusText: t(lang, `vendorPerformance.status.${vendor.status}`), suspended: vendor.status === 'suspended',
      line: recordLine(lang, record), flagged: record.flag.flagged, flagText: flagTexts(lang, record).join(sep(lang)),
    })),
  };
}
