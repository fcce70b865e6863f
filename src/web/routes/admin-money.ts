// Allocations per community and year; programme rules (every version; publish a new one).
import express from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps.js';
import { t } from '../../lib/i18n.js';
import { NotFoundError } from '../../errors.js';
import { flash, langOf, page, render } from '../render.js';
import { field, parseForm, parseQuery, queryYear } from '../params.js';
import { options, placeName } from '../labels.js';
import { ALLOCATION_FORM, ALLOCATION_YEAR_FORM, presentRules, rulesFormModel, rulesFromForm, rulesToValues, yuanToFen } from '../admin-view.js';
import { typedValues } from '../admin-rules-view.js';
import type { Values } from '../forms/form-view.js';
import { formView, isFormError } from '../forms/form-view.js';

const AllocationForm = z.object({ communityId: field(100), year: field(10), allocated: field(40) });
const AllocationsQuery = z.object({ year: queryYear() });

export function adminMoneyRoutes(deps: Deps): express.Router {
  const r = express.Router();
  const admin = deps.services.admin;

  const allocationsPage = async (req: express.Request, res: express.Response, values: Record<string, string>, err?: unknown, status = 200) => {
    const lang = langOf(req);
    const m = await admin.allocations(values.year || undefined);
    const byCommunity = new Map(m.allocations.map((a) => [a.communityId, a]));
    render(req, res, 'pages/admin/allocations', {
      title: t(lang, 'admin.allocations.title'), year: m.year,
      yearFilter: formView({ lang, form: ALLOCATION_YEAR_FORM, values: { year: String(m.year) }, options: { years: m.years.map((y) => ({ value: String(y), label: String(y) })) } }),
      // The service names the amount allocatedFen; the form calls it allocated.
      ...formView({
        lang, form: ALLOCATION_FORM, values, err, rename: { allocatedFen: 'allocated' }, params: { year: m.year },
        options: { communities: options(m.communities.map((c) => ({ value: c.id, label: placeName(lang, c) })), '', t(lang, 'admin.users.choose')) },
      }),
      rows: m.communities.map((c) => ({ name: placeName(lang, c), street: placeName(lang, m.streets.find((s) => s.id === c.streetId)), a: byCommunity.get(c.id) ?? null })),
    }, status);
  };
  r.get('/allocations', page(async (req, res) => allocationsPage(req, res, { year: parseQuery(req, AllocationsQuery).year ?? '' })));
  r.post('/allocations', page(async (req, res) => {
    const form = parseForm(req, AllocationForm);
    try {
      await admin.setAllocation({ communityId: form.communityId, year: form.year, allocatedFen: yuanToFen(form.allocated) ?? '' });
      flash(req, 'admin.flash.allocationSaved');
      res.redirect(303, `/admin/allocations?year=${encodeURIComponent(form.year)}`);
    } catch (err) {
      if (!isFormError(err)) throw err;
      await allocationsPage(req, res, form, err, 422);
    }
  }));

  // The version in force with every value and its source; every version, stored and built-in.
  r.get('/rules', page(async (req, res) => {
    const lang = langOf(req);
    const m = await admin.rules(req.user!);
    const v = m.inForce;
    render(req, res, 'pages/admin/rules', {
      title: t(lang, 'admin.rules.title'),
      inForce: { version: v.version, heading: t(lang, 'admin.rules.inForce', { version: v.version }), publishedAt: v.publishedAt, note: v.note, builtIn: v.publishedAt === null },
      sections: presentRules(lang, v.rules, m.categories),
      versions: m.versions.map((x) => ({
        version: x.version, href: `/admin/rules/${x.version}`, publishedAt: x.publishedAt, note: x.note, builtIn: x.publishedAt === null, inForce: x.version === v.version,
      })),
    });
  }));

  const rulesForm = async (req: express.Request, res: express.Response, values?: Values, note = '', err?: unknown, status = 200) => {
    const lang = langOf(req);
    const m = await admin.rules(req.user!);
    render(req, res, 'pages/admin/rules-new', {
      title: t(lang, 'admin.rules.new'), basedOn: m.inForce.version,
      ...rulesFormModel(lang, { ...(values ?? rulesToValues(m.current)), note }, m.categories, err),
    }, status);
  };
  r.get('/rules/new', page(async (req, res) => rulesForm(req, res)));
  r.post('/rules', page(async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const note = typeof body.note === 'string' ? body.note.slice(0, 500) : '';
    try {
      const v = await admin.publishRules(req.user!, rulesFromForm(body), note || undefined);
      flash(req, 'admin.flash.rulesPublished', { version: v.version });
      res.redirect(303, `/admin/rules/${v.version}`);
    } catch (err) {
      if (!isFormError(err)) throw err;
      await rulesForm(req, res, typedValues(body), note, err, 422);
    }
  }));
  r.get('/rules/:version', page(async (req, res) => {
    const lang = langOf(req);
    const version = Number(req.params.version);
    if (!Number.isSafeInteger(version) || version < 0) throw new NotFoundError('no such version');
    const v = await admin.rulesVersion(req.user!, version);
    const inForce = (await admin.rules(req.user!)).inForce.version === v.version;
    render(req, res, 'pages/admin/rules-version', {
      title: t(lang, 'admin.rules.version', { version: v.version }), heading: t(lang, 'admin.rules.version', { version: v.version }),
      publishedAt: v.publishedAt, note: v.note, inForce, sections: presentRules(lang, v.rules, v.categories),
    });
  }));

  return r;
}
