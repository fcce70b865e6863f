// Emergency supplies of a care-call campaign in the pages (应急物资配送, issue 15 item 5): a
// campaign's supply plans, the create-plan form, a plan's page (a day's delivery list with a
// one-click "delivered" form per household, the day's totals and the day-by-day table) and the
// day-by-day totals as CSV or .xlsx. Who sees and logs what, and the unmasked reads and their log,
// are the service's (src/campaigns/supplies.ts). Relief money, never the micro-project ledger.
import express from 'express';
import type { Deps } from '../../deps.js';
import { InvalidError } from '../../errors.js';
import { formatShanghai } from '../../lib/calendar.js';
import { t, type Lang } from '../../lib/i18n.js';
import type { User } from '../../auth/users.js';
import { formatYuan } from '../../../workflows/shared/money.js';
import { CAMPAIGN_STAFF, CARE_FLAGS, DISABILITY_LEVELS } from '../../campaigns/campaign-service.js';
import { DEFAULT_AMOUNT_FEN, type SeriesDay, type SupplyPlan } from '../../campaigns/supplies.js';
import { joinTitle, type ExportTable } from '../../exports/table.js';
import { flash, langOf, page, render, requireRole } from '../render.js';
import { idParam } from '../params.js';
import { field as f, toPayload, type FormBody, type FormSpec } from '../forms/form-model.js';
import { errorState, formView, isFormError } from '../forms/form-view.js';
import { EXPORT_FORMATS, sendExport } from './exports.js';

export const PLAN_FORM: FormSpec = {
  labels: 'supplies.fields', hints: 'supplies.hints', summaryNamesFields: true,
  fields: [
    f('item', 'text'), f('amountFen', 'yuan'), f('startOn', 'date'), f('endOn', 'date'),
    f('levels', 'checkboxes', { options: 'levels', optional: true }), f('flags', 'checkboxes', { options: 'flags', optional: true }),
  ],
};

const STAFF = [...CAMPAIGN_STAFF];
const str = (v: unknown) => (typeof v === 'string' ? v : '');
const strs = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : []);
const enc = encodeURIComponent;
const yuan = (fen: number, lang: Lang) => formatYuan(fen, { lang });

/** The query of a plan's page the forms carry back (day, status, page), as a query string. */
function planQuery(q: Record<string, unknown>, extra: Record<string, string> = {}): string {
  const out = new URLSearchParams();
  for (const k of ['day', 'status', 'page', 'lang']) if (typeof q[k] === 'string' && q[k] !== '') out.set(k, q[k]);
  for (const [k, v] of Object.entries(extra)) out.set(k, v);
  const s = out.toString();
  return s ? `?${s}` : '';
}

const scopeKey = (user: User) => (user.role === 'community' ? 'supplies.scopeCommunity' : user.role === 'street' ? 'supplies.scopeStreet' : 'supplies.scopeDistrict');

export function planRow(p: SupplyPlan, lang: Lang) {
  return {
    ...p, amountText: t(lang, 'supplies.perDay', { amount: yuan(p.amountFen, lang) }), datesText: t(lang, 'supplies.dates', { start: p.startOn, end: p.endOn, days: p.days }),
    householdsText: t(lang, 'supplies.households', { count: p.householdCount }), href: `/campaigns/${enc(p.campaignId)}/supplies/${enc(p.id)}`,
  };
}

/** The day-by-day totals as an export table: dates, counts and amounts only, no household. */
export function seriesTable(lang: Lang, c: { name: string }, plan: SupplyPlan, user: User, series: { days: SeriesDay[]; totals: { deliveries: number; costFen: number } }): ExportTable {
  const parts = [t(lang, 'supplies.exportTitle'), c.name, plan.item, t(lang, 'supplies.dates', { start: plan.startOn, end: plan.endOn, days: plan.days }), t(lang, scopeKey(user))];
  const col = (k: string) => t(lang, `supplies.columns.${k}`);
  return {
    title: joinTitle(parts),
    sheetName: t(lang, 'supplies.exportSheet'),
    filename: [t(lang, 'supplies.exportTitle'), c.name, plan.item, plan.startOn].join('_'),
    asciiFilename: `supplies-${plan.startOn.replace(/-/g, '')}-${plan.endOn.replace(/-/g, '')}-${plan.id.slice(0, 8)}`,
    columns: [
      { header: col('day'), kind: 'text', width: 12 }, { header: col('covered'), kind: 'int' }, { header: col('delivered'), kind: 'int' },
      { header: col('notDelivered'), kind: 'int' }, { header: col('cost'), kind: 'fen' }, { header: col('cumulativeDeliveries'), kind: 'int' }, { header: col('cumulative'), kind: 'fen' },
    ],
    rows: [
      ...series.days.map((d) => [d.day, d.covered, d.delivered, d.notDelivered, d.costFen, d.cumulativeDeliveries, d.cumulativeFen]),
      [t(lang, 'supplies.total'), null, series.totals.deliveries, null, series.totals.costFen, series.totals.deliveries, series.totals.costFen],
    ],
  };
}

export function campaignSupplyRoutes(deps: Deps): express.Router {
  const { supplies } = deps.services;
  const r = express.Router();

  r.get('/campaigns/:id/supplies', requireRole(...STAFF), page(async (req, res) => {
    const lang = langOf(req);
    const id = idParam(req);
    const l = await supplies.listPlans(req.user!, id, { page: str(req.query.page) || undefined });
    const pages = Math.max(1, Math.ceil(l.total / l.pageSize));
    const base = `/campaigns/${enc(id)}/supplies`;
    render(req, res, 'pages/campaigns/supplies/index', {
      title: t(lang, 'supplies.title'), c: l.campaign, campaignHref: `/campaigns/${enc(id)}`, newHref: `${base}/new`,
      rows: l.plans.map((p) => planRow(p, lang)), countText: t(lang, 'supplies.count', { total: l.total }),
      pageText: t(lang, 'supplies.pager', { page: l.page, pages }),
      prev: l.page > 1 ? `${base}?page=${l.page - 1}` : null, next: l.page < pages ? `${base}?page=${l.page + 1}` : null,
    });
  }));

  const formOptions = (lang: Lang) => ({
    levels: DISABILITY_LEVELS.map((v) => ({ value: v, label: v })),
    flags: CARE_FLAGS.map((v) => ({ value: v, label: t(lang, v === 'alone' ? 'campaigns.flagAlone' : 'campaigns.flagDaily') })),
  });
  const createPage = async (req: express.Request, res: express.Response, values: Record<string, string | string[]>, err?: unknown, status = 200) => {
    const lang = langOf(req);
    const id = idParam(req);
    const campaign = await supplies.campaign(req.user!, id);
    render(req, res, 'pages/campaigns/supplies/new', {
      title: t(lang, 'supplies.newTitle'), c: campaign, campaignHref: `/campaigns/${enc(id)}`, action: `/campaigns/${enc(id)}/supplies/new`, plansHref: `/campaigns/${enc(id)}/supplies`,
      ...formView({ lang, form: PLAN_FORM, values, options: formOptions(lang), err }),
    }, status);
  };

  r.get('/campaigns/:id/supplies/new', requireRole(...STAFF), page(async (req, res) => {
    const campaign = await supplies.campaign(req.user!, idParam(req));
    const today = supplies.today();
    const start = today > campaign.startOn ? today : campaign.startOn;
    await createPage(req, res, { item: '', amountFen: (DEFAULT_AMOUNT_FEN / 100).toFixed(2), startOn: start, endOn: campaign.endOn });
  }));
  r.post('/campaigns/:id/supplies/new', requireRole(...STAFF), page(async (req, res) => {
    const id = idParam(req);
    const body = (req.body ?? {}) as FormBody;
    const typed = Object.fromEntries(PLAN_FORM.fields.map((x) => [x.name, x.kind === 'checkboxes' ? strs(body[x.name]) : str(body[x.name])]));
    try {
      const { payload, errors } = toPayload(PLAN_FORM, body);
      if (Object.keys(errors).length) throw new InvalidError('invalid supply plan', { fields: errors });
      const p = await supplies.createPlan(req.user!, id, payload);
      flash(req, 'supplies.created', { item: p.item, count: p.householdCount });
      res.redirect(303, `/campaigns/${enc(id)}/supplies/${enc(p.id)}`);
    } catch (err) {
      if (!isFormError(err)) throw err;
      await createPage(req, res, typed, err, (err as { status: number }).status);
    }
  }));

  const planPage = async (req: express.Request, res: express.Response, query: Record<string, unknown>, err?: unknown, status = 200) => {
    const lang = langOf(req);
    const user = req.user!;
    const id = idParam(req);
    const planId = idParam(req, 'planId');
    const l = await supplies.dayList(user, id, planId, { day: query.day, status: query.status, page: query.page });
    const s = await supplies.totals(user, id, planId, { day: l.day });
    const pages = Math.max(1, Math.ceil(l.total / l.pageSize));
    const base = `/campaigns/${enc(id)}/supplies/${enc(planId)}`;
    const keep = { day: l.day, status: l.status, ...(typeof query.lang === 'string' ? { lang: query.lang } : {}) };
    const canLog = l.day <= l.today;
    const totals = l.totals;
    render(req, res, 'pages/campaigns/supplies/show', {
      title: l.plan.item, c: l.campaign, plan: planRow(l.plan, lang), campaignHref: `/campaigns/${enc(id)}`, plansHref: `/campaigns/${enc(id)}/supplies`,
      scopeText: t(lang, scopeKey(user)), day: l.day, action: base,
      statuses: (['all', 'pending', 'delivered'] as const).map((v) => ({ value: v, label: t(lang, `supplies.status${v[0]!.toUpperCase()}${v.slice(1)}`), selected: v === l.status })),
      dayTitle: t(lang, 'supplies.dayTitle', { day: l.day }),
      dayTotalsText: t(lang, 'supplies.dayTotals', { covered: totals.covered, delivered: totals.delivered, notDelivered: totals.notDelivered, cost: yuan(totals.costFen, lang) }),
      cumulativeText: t(lang, 'supplies.cumulativeTotals', { day: l.day, deliveries: totals.cumulativeDeliveries, cost: yuan(totals.cumulativeFen, lang), planned: yuan(totals.plannedFen, lang) }),
      future: canLog ? null : t(lang, 'supplies.future'),
      countText: t(lang, 'supplies.listCount', { total: l.total }),
      amountLabel: t(lang, 'supplies.amountOptional', { amount: yuan(l.plan.amountFen, lang) }),
      rows: l.households.map((h) => ({
        ...h, phone: h.phone ?? '—',
        statusText: h.delivered ? t(lang, 'supplies.deliveredText', { amount: yuan(h.delivered.amountFen, lang), at: formatShanghai(h.delivered.deliveredAt, 'datetime') }) : t(lang, 'supplies.pendingText'),
        form: !h.delivered && canLog ? { action: `${base}/deliveries${planQuery(keep, { page: String(l.page) })}`, idPrefix: `d-${h.beneficiaryId}` } : null,
      })),
      pageText: t(lang, 'supplies.pager', { page: l.page, pages }),
      prev: l.page > 1 ? `${base}${planQuery(keep, { page: String(l.page - 1) })}` : null,
      next: l.page < pages ? `${base}${planQuery(keep, { page: String(l.page + 1) })}` : null,
      series: s.series.days.map((d) => ({ ...d, costText: yuan(d.costFen, lang), cumulativeText: yuan(d.cumulativeFen, lang), current: d.day === l.day, href: `${base}${planQuery({ ...keep, status: 'all' }, { day: d.day })}` })),
      seriesTotal: { deliveries: s.series.totals.deliveries, costText: yuan(s.series.totals.costFen, lang) },
      exports: EXPORT_FORMATS.map((fmt) => ({ href: `${base}/export.${fmt}${planQuery(typeof query.lang === 'string' ? { lang: query.lang } : {})}`, label: t(lang, fmt === 'csv' ? 'supplies.exportCsv' : 'supplies.exportXlsx') })),
      errors: err === undefined ? undefined : errorState(lang, err),
    }, status);
  };

  r.get('/campaigns/:id/supplies/:planId', requireRole(...STAFF), page(async (req, res) => planPage(req, res, req.query as Record<string, unknown>)));

  // one household's delivery of a day: {beneficiaryId, day, amountFen? (yuan), note?}
  r.post('/campaigns/:id/supplies/:planId/deliveries', requireRole(...STAFF), page(async (req, res) => {
    const lang = langOf(req);
    const id = idParam(req);
    const planId = idParam(req, 'planId');
    const body = (req.body ?? {}) as FormBody;
    const query = req.query as Record<string, unknown>;
    try {
      const { payload, errors } = toPayload({ labels: 'supplies.fields', fields: [f('beneficiaryId', 'text'), f('day', 'date'), f('amountFen', 'yuan'), f('note', 'textarea')] }, body);
      if (Object.keys(errors).length) throw new InvalidError('invalid delivery', { fields: errors });
      const done = await supplies.logDelivery(req.user!, id, planId, payload);
      const d = done.delivery;
      flash(req, 'supplies.logged', { name: done.household.name, day: d.day, amount: yuan(d.amountFen, lang) });
      res.redirect(303, `/campaigns/${enc(id)}/supplies/${enc(planId)}${planQuery({ ...query, day: d.day })}`);
    } catch (err) {
      if (!isFormError(err)) throw err;
      await planPage(req, res, { ...query, day: str(body.day) || query.day }, err, (err as { status: number }).status);
    }
  }));

  for (const format of EXPORT_FORMATS) {
    // the day-by-day totals in the reader's scope: dates, counts and amounts, nobody's name
    r.get(`/campaigns/:id/supplies/:planId/export.${format}`, requireRole(...STAFF), page(async (req, res) => {
      const lang = langOf(req);
      const s = await supplies.totals(req.user!, idParam(req), idParam(req, 'planId'), {});
      await sendExport(res, seriesTable(lang, s.campaign, s.plan, req.user!, s.series), format, deps.logger);
    }));
  }
  return r;
}
