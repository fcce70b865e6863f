// Reference data: streets and communities, vendors, categories, beneficiary groups.
import express from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps.js';
import { NotFoundError } from '../../errors.js';
import { t } from '../../lib/i18n.js';
import { flash, langOf, page, render } from '../render.js';
import { field, idParam, parseForm } from '../params.js';
import { options, placeName } from '../labels.js';
import { CATEGORY_FORM, COMMUNITY_EDIT_FORM, COMMUNITY_FORM, GROUP_FORM, presentVendor, STREET_FORM, VENDOR_FORM, VendorForm, vendorOptions } from '../admin-view.js';
import { formView, isFormError } from '../forms/form-view.js';
import { toActor } from '../../auth/users.js';
import type { Vendor } from '../../reference/reference.js';

const PlaceForm = z.object({ nameZh: field(200), nameEn: field(200), streetId: field(100), phone: field(60) });
const CategoryForm = z.object({ code: field(40), nameZh: field(100), nameEn: field(100), sort: field(10), active: field(5) });

export function adminReferenceRoutes(deps: Deps): express.Router {
  const r = express.Router();
  const admin = deps.services.admin;

  // ── streets and communities ──
  r.get('/places', page(async (req, res) => {
    const lang = langOf(req);
    const p = await admin.places();
    render(req, res, 'pages/admin/places', {
      title: t(lang, 'admin.places.title'),
      streets: p.streets.map((s) => ({ ...s, communities: p.communities.filter((c) => c.streetId === s.id) })),
    });
  }));

  const placeForm = async (req: express.Request, res: express.Response, kind: 'street' | 'community', values: Record<string, string>, err?: unknown, status = 200) => {
    const lang = langOf(req);
    const p = await admin.places();
    render(req, res, 'pages/admin/place-new', {
      title: t(lang, `admin.places.new_${kind}`), heading: t(lang, `admin.places.new_${kind}`), action: kind === 'street' ? '/admin/places/streets' : '/admin/places/communities',
      ...formView({
        lang, form: kind === 'community' ? COMMUNITY_FORM : STREET_FORM, values, err,
        options: { streets: options(p.streets.map((s) => ({ value: s.id, label: placeName(lang, s) })), '', t(lang, 'admin.users.choose')) },
      }),
    }, status);
  };
  r.get('/places/streets/new', page(async (req, res) => placeForm(req, res, 'street', {})));
  r.get('/places/communities/new', page(async (req, res) => placeForm(req, res, 'community', {})));
  for (const kind of ['street', 'community'] as const) {
    r.post(kind === 'street' ? '/places/streets' : '/places/communities', page(async (req, res) => {
      const form = parseForm(req, PlaceForm);
      try {
        if (kind === 'street') await admin.createStreet(req.user!, form);
        else await admin.createCommunity(form);
        flash(req, 'admin.flash.placeCreated', { name: form.nameZh });
        res.redirect(303, '/admin/places');
      } catch (err) {
        if (!isFormError(err)) throw err;
        await placeForm(req, res, kind, form, err, 422);
      }
    }));
  }

  // Renaming (names only; see ReferenceService.renamePlace).
  const renameForm = async (req: express.Request, res: express.Response, kind: 'street' | 'community', id: string, values?: Record<string, string>, err?: unknown, status = 200) => {
    const lang = langOf(req);
    const p = await admin.places();
    const place = (kind === 'street' ? p.streets : p.communities).find((x) => x.id === id);
    if (!place) throw new NotFoundError(`${kind} ${id} not found`);
    const heading = t(lang, `admin.places.edit_${kind}`);
    render(req, res, 'pages/admin/place-new', {
      title: heading, heading, action: `/admin/places/${kind === 'street' ? 'streets' : 'communities'}/${id}`,
      ...formView({
        lang, form: kind === 'community' ? COMMUNITY_EDIT_FORM : STREET_FORM, err,
        values: values ?? { nameZh: place.nameZh, nameEn: place.nameEn, phone: 'phone' in place && typeof place.phone === 'string' ? place.phone : '' },
      }),
    }, status);
  };
  for (const kind of ['street', 'community'] as const) {
    const base = kind === 'street' ? '/places/streets' : '/places/communities';
    r.get(`${base}/:id/edit`, page(async (req, res) => renameForm(req, res, kind, idParam(req))));
    r.post(`${base}/:id`, page(async (req, res) => {
      const form = parseForm(req, kind === 'community' ? PlaceForm.pick({ nameZh: true, nameEn: true, phone: true }) : PlaceForm.pick({ nameZh: true, nameEn: true }));
      // the telephone changes only when the form sends it ('' clears it)
      const input = 'phone' in form && !('phone' in ((req.body ?? {}) as object)) ? { nameZh: form.nameZh, nameEn: form.nameEn } : form;
      try {
        await admin.renamePlace(kind, idParam(req), input);
        flash(req, 'admin.flash.placeSaved', { name: form.nameZh });
        res.redirect(303, '/admin/places');
      } catch (err) {
        if (!isFormError(err)) throw err;
        await renameForm(req, res, kind, idParam(req), form, err, 422);
      }
    }));
  }

  // ── vendors ──
  r.get('/vendors', page(async (req, res) => {
    const lang = langOf(req);
    render(req, res, 'pages/admin/vendors', { title: t(lang, 'admin.vendors.title'), vendors: (await admin.vendors()).map((v) => presentVendor(lang, v)) });
  }));

  // The status is read-only here: the district suspends and reinstates on the vendor's record page.
  const vendorForm = (req: express.Request, res: express.Response, values: Record<string, string | string[]>, action: string, heading: string, err?: unknown, status = 200, current?: Vendor) => {
    const lang = langOf(req);
    const statusView = current ? { statusText: t(lang, `admin.vendors.status.${current.status}`), suspended: current.status === 'suspended', performanceHref: `/vendors/${encodeURIComponent(current.id)}` } : {};
    render(req, res, 'pages/admin/vendor-form', { title: heading, heading, action, ...statusView, ...formView({ lang, form: VENDOR_FORM, values, options: vendorOptions(lang), err }) }, status);
  };
  r.get('/vendors/new', (req, res) => vendorForm(req, res, { types: [] }, '/admin/vendors', t(langOf(req), 'admin.vendors.new')));
  r.post('/vendors', page(async (req, res) => {
    const form = parseForm(req, VendorForm);
    try {
      const v = await admin.createVendor(form);
      // its status history starts with it (the `vendor` workflow)
      await deps.services.vendorStatus.ensure(v.id, toActor(req.user!));
      flash(req, 'admin.flash.vendorSaved', { name: v.name });
      res.redirect(303, '/admin/vendors');
    } catch (err) {
      if (!isFormError(err)) throw err;
      vendorForm(req, res, form, '/admin/vendors', t(langOf(req), 'admin.vendors.new'), err, 422);
    }
  }));
  r.get('/vendors/:id', page(async (req, res) => {
    const v = await admin.vendor(idParam(req));
    vendorForm(req, res, { name: v.name, creditCode: v.creditCode ?? '', email: v.email, phone: v.phone ?? '', types: v.types }, `/admin/vendors/${encodeURIComponent(v.id)}`, v.name, undefined, 200, v);
  }));
  r.post('/vendors/:id', page(async (req, res) => {
    const form = parseForm(req, VendorForm);
    const id = idParam(req);
    try {
      const v = await admin.updateVendor(id, form);
      flash(req, 'admin.flash.vendorSaved', { name: v.name });
      res.redirect(303, '/admin/vendors');
    } catch (err) {
      if (!isFormError(err)) throw err;
      vendorForm(req, res, form, `/admin/vendors/${encodeURIComponent(id)}`, form.name || t(langOf(req), 'admin.vendors.edit'), err, 422, await admin.vendor(id));
    }
  }));

  // ── categories ──
  const categoriesPage = async (req: express.Request, res: express.Response, values: Record<string, string>, err?: unknown, status = 200) => {
    const lang = langOf(req);
    const cats = await admin.categories();
    render(req, res, 'pages/admin/categories', {
      title: t(lang, 'admin.categories.title'),
      categories: cats.map((c) => ({ ...c, activeText: t(lang, c.active ? 'admin.categories.active' : 'admin.categories.inactive') })),
      ...formView({
        lang, form: CATEGORY_FORM, values, err,
        options: { active: [{ value: 'true', label: t(lang, 'admin.categories.active') }, { value: '', label: t(lang, 'admin.categories.inactive') }] },
      }),
    }, status);
  };
  r.get('/categories', page(async (req, res) => categoriesPage(req, res, { active: 'true', sort: '0' })));
  r.post('/categories', page(async (req, res) => {
    const form = parseForm(req, CategoryForm);
    try {
      await admin.upsertCategory({ ...form, active: form.active === 'true' });
      flash(req, 'admin.flash.categorySaved', { code: form.code });
      res.redirect(303, '/admin/categories');
    } catch (err) {
      if (!isFormError(err)) throw err;
      await categoriesPage(req, res, form, err, 422);
    }
  }));

  // ── beneficiary groups: like categories, never deleted (projects keep their codes), only made inactive ──
  const groupsPage = async (req: express.Request, res: express.Response, values: Record<string, string>, err?: unknown, status = 200) => {
    const lang = langOf(req);
    const groups = await admin.groups();
    render(req, res, 'pages/admin/groups', {
      title: t(lang, 'admin.groups.title'),
      groups: groups.map((g) => ({ ...g, activeText: t(lang, g.active ? 'admin.groups.active' : 'admin.groups.inactive') })),
      ...formView({
        lang, form: GROUP_FORM, values, err,
        options: { active: [{ value: 'true', label: t(lang, 'admin.groups.active') }, { value: '', label: t(lang, 'admin.groups.inactive') }] },
      }),
    }, status);
  };
  r.get('/groups', page(async (req, res) => groupsPage(req, res, { active: 'true', sort: '0' })));
  r.post('/groups', page(async (req, res) => {
    const form = parseForm(req, CategoryForm);
    try {
      await admin.upsertGroup({ ...form, active: form.active === 'true' });
      flash(req, 'admin.flash.groupSaved', { code: form.code });
      res.redirect(303, '/admin/groups');
    } catch (err) {
      if (!isFormError(err)) throw err;
      await groupsPage(req, res, form, err, 422);
    }
  }));

  return r;
}
