// The beneficiary register in the pages (issue 15, item 1): community staff list, register, edit and
// import their residents; street, district and finance staff read a community's register masked. Who
// sees what, the masks and the access log are the service's (src/beneficiaries), as for the API.
import express from 'express';
import multer from 'multer';
import type { Deps } from '../../deps.js';
import { InvalidError } from '../../errors.js';
import { formatShanghai } from '../../lib/calendar.js';
import { t, type Lang } from '../../lib/i18n.js';
import type { User } from '../../auth/users.js';
import { LIVING_SITUATIONS, type BeneficiaryView, type RegisterPage } from '../../beneficiaries/beneficiaries.js';
import { readRegisterSheet, registerTemplate } from '../../beneficiaries/register-sheet.js';
import { flash, keepLang, langOf, page, render, requireRole } from '../render.js';
import { idParam } from '../params.js';
import { field as f, toPayload, type FormBody, type FormSpec } from '../forms/form-model.js';
import { errorState, formView, isFormError } from '../forms/form-view.js';

const DETAILS = [
  f('name', 'text', { autocomplete: 'off' }), f('phone', 'tel', { optional: true, autocomplete: 'off' }), f('address', 'text', { autocomplete: 'off' }),
  f('groupCode', 'select', { options: 'groups', blank: true, optional: true }), f('disabilityType', 'text', { optional: true }),
  f('disabilityLevel', 'text', { optional: true }), f('householdSize', 'int', { optional: true }),
  f('livingSituation', 'select', { options: 'living', blank: true, optional: true }), f('needsDailyContact', 'checkbox'),
];
export const REGISTER_FORM: FormSpec = { labels: 'register.fields', hints: 'register.hints', summaryNamesFields: true, fields: [f('idNumber', 'text', { autocomplete: 'off' }), ...DETAILS] };
export const EDIT_FORM: FormSpec = { labels: 'register.fields', hints: 'register.hints', summaryNamesFields: true, fields: DETAILS };

const READERS = ['community', 'street', 'district', 'finance'] as const;
const IMPORT_MAX_BYTES = 5 * 1024 * 1024;
const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: IMPORT_MAX_BYTES, files: 1, fields: 5, parts: 6 } }).single('file');

function readUpload(req: express.Request, res: express.Response): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    upload(req, res, (err?: unknown) => {
      if (err) return reject(new InvalidError('bad upload', { fields: { file: 'validation.importFile' } }));
      const file = (req as express.Request & { file?: { buffer: Buffer; size: number } }).file;
      if (!file || file.size === 0) return reject(new InvalidError('no file', { fields: { file: 'validation.importFile' } }));
      resolve(file.buffer);
    });
  });
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

export function beneficiaryPageRoutes(deps: Deps): express.Router {
  const { beneficiaries, reference } = deps.services;
  const r = express.Router();

  const groupNames = async (lang: Lang) => new Map((await reference.groups()).map((g) => [g.code, lang === 'en' ? g.nameEn : g.nameZh]));
  const options = async (lang: Lang) => ({
    groups: [...(await groupNames(lang))].map(([value, label]) => ({ value, label })),
    living: LIVING_SITUATIONS.map((v) => ({ value: v, label: t(lang, `register.living.${v}`) })),
  });

  /** The communities a reader may open: community staff their own, street staff their street's, district and finance all. */
  async function communitiesFor(user: User, lang: Lang) {
    const all = await reference.communities();
    return all
      .filter((c) => (user.role === 'community' ? c.id === user.communityId : user.role === 'street' ? c.streetId === user.streetId : true))
      .map((c) => ({ value: c.id, label: lang === 'en' ? c.nameEn : c.nameZh }));
  }

  function rowView(lang: Lang, b: BeneficiaryView, groups: Map<string, string>) {
    const flags = [b.livesAlone ? t(lang, 'register.flagAlone') : null, b.needsDailyContact ? t(lang, 'register.flagDaily') : null].filter(Boolean).join(lang === 'en' ? ', ' : '、');
    return {
      ...b, href: `/beneficiaries/${encodeURIComponent(b.id)}`, editHref: `/beneficiaries/${encodeURIComponent(b.id)}/edit`,
      group: b.groupCode ? (groups.get(b.groupCode) ?? b.groupCode) : '',
      disability: [b.disabilityType, b.disabilityLevel].filter(Boolean).join(' · '),
      living: b.livingSituation ? t(lang, `register.living.${b.livingSituation}`) : '',
      flags,
    };
  }

  r.get('/beneficiaries', requireRole(...READERS), page(async (req, res) => {
    const lang = langOf(req);
    const user = req.user!;
    const communities = await communitiesFor(user, lang);
    const communityId = user.role === 'community' ? user.communityId! : str(req.query.communityId) || undefined;
    const filter = { flag: str(req.query.flag) || undefined, group: str(req.query.group) || undefined, q: str(req.query.q) || undefined, page: str(req.query.page) || undefined };
    let result: RegisterPage | null = null;
    if (communityId) result = await beneficiaries.page(user, communityId, filter, 'page');
    const groups = await groupNames(lang);
    const pages = result ? Math.max(1, Math.ceil(result.total / result.pageSize)) : 1;
    const link = (n: number) => `/beneficiaries?${new URLSearchParams({
      ...(user.role !== 'community' && communityId ? { communityId } : {}), ...(filter.flag ? { flag: filter.flag } : {}),
      ...(filter.group ? { group: filter.group } : {}), ...(filter.q ? { q: filter.q } : {}), page: String(n),
    }).toString()}`;
    render(req, res, 'pages/beneficiaries/index', {
      title: t(lang, 'register.title'),
      isCommunity: user.role === 'community',
      chooser: user.role !== 'community' ? communities.map((c) => ({ ...c, selected: c.value === communityId })) : null,
      communityId,
      communityName: communities.find((c) => c.value === communityId)?.label ?? '',
      flags: [['', 'flagAny'], ['alone', 'flagAlone'], ['daily', 'flagDaily']].map(([value, key]) => ({ value, label: t(lang, `register.${key}`), selected: (filter.flag ?? '') === value })),
      groups: [{ value: '', label: t(lang, 'register.groupAny'), selected: !filter.group }, ...[...groups].map(([value, label]) => ({ value, label, selected: filter.group === value }))],
      q: filter.q ?? '',
      result: result && {
        unmasked: result.unmasked,
        countText: t(lang, 'register.count', { total: result.total }),
        rows: result.rows.map((b) => rowView(lang, b, groups)),
        pageText: t(lang, 'register.pager', { page: result.page, pages }),
        prev: result.page > 1 ? link(result.page - 1) : null,
        next: result.page < pages ? link(result.page + 1) : null,
      },
    });
  }));

  const formPage = async (req: express.Request, res: express.Response, o: { spec: FormSpec; values: Record<string, string>; action: string; heading: string; err?: unknown; status?: number; b?: BeneficiaryView }) => {
    const lang = langOf(req);
    render(req, res, 'pages/beneficiaries/form', {
      title: o.heading, heading: o.heading, action: o.action, submit: t(lang, o.b ? 'register.save' : 'register.register'),
      idNumber: o.b?.idNumber ?? null,
      meta: o.b ? [t(lang, 'register.registeredAt', { at: formatShanghai(o.b.createdAt, 'datetime') }), ...(o.b.updatedAt ? [t(lang, 'register.lastEdited', { at: formatShanghai(o.b.updatedAt, 'datetime') })] : [])] : [],
      ...formView({ lang, form: o.spec, values: o.values, options: await options(lang), err: o.err }),
    }, o.status ?? 200);
  };
  const posted = (spec: FormSpec, body: FormBody) => {
    const { payload, errors } = toPayload(spec, body);
    if (Object.keys(errors).length) throw new InvalidError('invalid beneficiary', { fields: errors });
    return { ...payload, needsDailyContact: payload.needsDailyContact === true };
  };
  const typed = (spec: FormSpec, body: FormBody) => Object.fromEntries(spec.fields.map((x) => [x.name, str(body[x.name])]));
  const valuesOf = (b: BeneficiaryView): Record<string, string> => ({
    name: b.name, phone: b.phone ?? '', address: b.address, groupCode: b.groupCode ?? '', disabilityType: b.disabilityType ?? '', disabilityLevel: b.disabilityLevel ?? '',
    householdSize: b.householdSize === null ? '' : String(b.householdSize), livingSituation: b.livingSituation ?? '', needsDailyContact: b.needsDailyContact ? 'on' : '',
  });

  r.get('/beneficiaries/new', requireRole('community'), page(async (req, res) => {
    await formPage(req, res, { spec: REGISTER_FORM, values: {}, action: '/beneficiaries/new', heading: t(langOf(req), 'register.newTitle') });
  }));
  r.post('/beneficiaries/new', requireRole('community'), page(async (req, res) => {
    const body = (req.body ?? {}) as FormBody;
    try {
      const b = await beneficiaries.register(req.user!, posted(REGISTER_FORM, body));
      flash(req, 'register.created', { name: b.name });
      res.redirect(303, keepLang(req, '/beneficiaries'));
    } catch (err) {
      if (!isFormError(err)) throw err;
      await formPage(req, res, { spec: REGISTER_FORM, values: typed(REGISTER_FORM, body), action: '/beneficiaries/new', heading: t(langOf(req), 'register.newTitle'), err, status: (err as { status: number }).status });
    }
  }));

  r.get('/beneficiaries/import', requireRole('community'), page(async (req, res) => importPage(req, res)));
  r.get('/beneficiaries/import/template.xlsx', requireRole('community'), page(async (_req, res) => {
    res.setHeader('Content-Type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    res.setHeader('Content-Disposition', `attachment; filename="beneficiaries.xlsx"; filename*=UTF-8''${encodeURIComponent('受益人名册模板.xlsx')}`);
    res.send(await registerTemplate());
  }));
  async function importPage(req: express.Request, res: express.Response, err?: unknown, status = 200) {
    const lang = langOf(req);
    const community = await reference.community(req.user!.communityId!);
    const fieldLabel = (name: string) => (name ? t(lang, `register.fields.${name}`) : t(lang, 'register.fields.file'));
    const rowErrors = ((err as { reasons?: Array<{ code: string; params?: Record<string, unknown> }> } | undefined)?.reasons ?? [])
      .filter((x) => x.code === 'IMPORT_ROW')
      .map((x) => t(lang, 'register.rowError', { row: x.params?.row, field: fieldLabel(String(x.params?.field ?? '')), message: t(lang, String(x.params?.key ?? 'validation.invalid')) }));
    render(req, res, 'pages/beneficiaries/import', {
      title: t(lang, 'register.importTitle'),
      lead: t(lang, 'register.importLead', { community: lang === 'en' ? community.nameEn : community.nameZh }),
      // the rows are listed below, each with its field: the summary says only that the file was refused
      errors: err ? errorState(lang, rowErrors.length ? new InvalidError('rows refused', { fields: { file: 'validation.importRows' } }) : err) : undefined,
      rowErrors,
    }, status);
  }
  r.post('/beneficiaries/import', requireRole('community'), page(async (req, res) => {
    try {
      const sheet = await readRegisterSheet(await readUpload(req, res));
      const done = await beneficiaries.importRows(req.user!, sheet.rows, sheet.firstRow);
      flash(req, 'register.imported', done);
      res.redirect(303, keepLang(req, '/beneficiaries'));
    } catch (err) {
      if (!isFormError(err)) throw err;
      await importPage(req, res, err, (err as { status: number }).status);
    }
  }));

  r.get('/beneficiaries/:id', requireRole(...READERS), page(async (req, res) => {
    const lang = langOf(req);
    const b = await beneficiaries.get(req.user!, idParam(req), 'page');
    render(req, res, 'pages/beneficiaries/show', {
      title: b.name, b: rowView(lang, b, await groupNames(lang)), mayEdit: !b.masked && req.user!.role === 'community',
      householdSize: b.householdSize ?? '',
    });
  }));
  r.get('/beneficiaries/:id/edit', requireRole('community'), page(async (req, res) => {
    const b = await beneficiaries.get(req.user!, idParam(req), 'edit');
    if (b.masked) return void res.redirect(303, keepLang(req, `/beneficiaries/${encodeURIComponent(b.id)}`));
    await formPage(req, res, { spec: EDIT_FORM, values: valuesOf(b), action: `/beneficiaries/${encodeURIComponent(b.id)}/edit`, heading: t(langOf(req), 'register.editTitle'), b });
  }));
  r.post('/beneficiaries/:id/edit', requireRole('community'), page(async (req, res) => {
    const id = idParam(req);
    const body = (req.body ?? {}) as FormBody;
    try {
      // an ID number sent with the form is checked against the stored one (it never changes)
      const b = await beneficiaries.update(req.user!, id, { ...posted(EDIT_FORM, body), ...(str(body.idNumber) ? { idNumber: str(body.idNumber) } : {}) });
      flash(req, 'register.updated', { name: b.name });
      res.redirect(303, keepLang(req, `/beneficiaries/${encodeURIComponent(id)}`));
    } catch (err) {
      if (!isFormError(err)) throw err;
      const b = await beneficiaries.get(req.user!, id, 'edit');
      await formPage(req, res, { spec: EDIT_FORM, values: typed(EDIT_FORM, body), action: `/beneficiaries/${encodeURIComponent(id)}/edit`, heading: t(langOf(req), 'register.editTitle'), err, status: (err as { status: number }).status, b });
    }
  }));
  return r;
}
