// The service-project library's pages (服务项目库, issue 14 item 3): /admin/library — the list
// (paged, counted), an entry's form, retiring, the Excel export and import — for admins, and to
// read for the district; and /projects/library, where community staff start a proposal from an
// entry (the proposal form then comes pre-filled: /projects/new?library=<id>).
import express from 'express';
import multer from 'multer';
import type { Deps } from '../../deps.js';
import { InvalidError } from '../../errors.js';
import { t, type Lang } from '../../lib/i18n.js';
import { shanghaiDate } from '../../lib/calendar.js';
import { formatYuan } from '../../../workflows/shared/money.js';
import { PROJECT_TYPES } from '../../../workflows/project/project.types.js';
import { LIBRARY_UNITS, libraryStartReasons } from '../../../workflows/project/project.rules.library.js';
import type { LibraryEntry } from '../../library/library-service.js';
import { flash, langOf, page, render, requireRole } from '../render.js';
import { idParam } from '../params.js';
import { field as f, toPayload, type FormBody, type FormSpec } from '../forms/form-model.js';
import { errorState, formView, isFormError, reasonText } from '../forms/form-view.js';

export const LIBRARY_FORM: FormSpec = {
  labels: 'library.fields',
  hints: 'library.hints',
  fields: [
    f('code', 'text', { autocomplete: 'off' }), f('name', 'text'), f('category', 'select', { options: 'categories', blank: true }),
    f('type', 'select', { options: 'types', blank: true }), f('unit', 'select', { options: 'units', blank: true }),
    f('referenceFen', 'yuan', { label: 'library.fields.reference' }), f('ceilingFen', 'yuan', { label: 'library.fields.ceiling', hint: 'library.hints.ceiling' }),
    f('description', 'textarea', { rows: 4 }), f('validFrom', 'date'), f('validTo', 'date'),
    f('vendorIds', 'checkboxes', { options: 'vendors', optional: true }),
  ],
};

const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: 2 * 1024 * 1024, files: 1, fields: 5, parts: 6 } }).single('file');

/** The multipart import body's one file (2 MB at most), or a form error naming `file`. */
function readUpload(req: express.Request, res: express.Response): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    upload(req, res, (err?: unknown) => {
      if (err) return reject(new InvalidError('bad upload', { fields: { file: 'validation.xlsx' } }));
      const file = (req as express.Request & { file?: { buffer: Buffer; size: number } }).file;
      if (!file || file.size === 0) return reject(new InvalidError('no file', { fields: { file: 'validation.xlsx' } }));
      resolve(file.buffer);
    });
  });
}

const yuanValue = (fen: number) => (fen / 100).toFixed(2);

export function presentEntry(lang: Lang, e: LibraryEntry, today: string) {
  const expired = e.validTo < today;
  return {
    ...e,
    href: `/admin/library/${encodeURIComponent(e.id)}`,
    unitText: t(lang, `library.units.${e.unit}`),
    typeText: t(lang, `typeNames.${e.type}`),
    referenceText: formatYuan(e.referenceFen, { lang }),
    ceilingText: formatYuan(e.ceilingFen, { lang }),
    validityText: t(lang, 'library.validity', { from: e.validFrom, to: e.validTo }),
    vendorsText: t(lang, 'library.vendorsCount', { count: e.vendorIds.length }),
    statusText: e.retiredAt ? t(lang, 'library.retired') : expired ? t(lang, 'library.expired') : t(lang, 'library.active'),
    inactive: Boolean(e.retiredAt) || expired,
  };
}

export function libraryAdminRoutes(deps: Deps): express.Router {
  const { library, reference } = deps.services;
  const r = express.Router();
  const today = () => shanghaiDate(deps.clock.now().toISOString());
  const readers = requireRole('admin', 'district');
  const admins = requireRole('admin');

  const formOptions = async (lang: Lang) => ({
    categories: (await reference.categories()).map((c) => ({ value: c.code, label: lang === 'en' ? c.nameEn : c.nameZh })),
    types: PROJECT_TYPES.map((x) => ({ value: x, label: t(lang, `typeNames.${x}`) })),
    units: LIBRARY_UNITS.map((u) => ({ value: u, label: t(lang, `library.units.${u}`) })),
    vendors: (await reference.vendors()).map((v) => ({ value: v.id, label: v.name })),
  });

  r.get('/', readers, page(async (req, res) => {
    const lang = langOf(req);
    const q = typeof req.query.q === 'string' ? req.query.q.slice(0, 100) : '';
    const pageNo = /^\d{1,5}$/.test(String(req.query.page ?? '')) ? Math.max(1, Number(req.query.page)) : 1;
    const all = req.query.all === '1';
    const result = await library.list({ q: q || undefined, page: pageNo, pageSize: 20, ...(all ? { all: '1' } : {}) });
    const pages = Math.max(1, Math.ceil(result.total / result.pageSize));
    const link = (n: number) => `/admin/library?${new URLSearchParams({ ...(q ? { q } : {}), ...(all ? { all: '1' } : {}), page: String(n) }).toString()}`;
    const d = today();
    render(req, res, 'pages/admin/library', {
      title: t(lang, 'library.title'),
      isAdmin: req.user!.role === 'admin',
      q, all,
      countText: t(lang, 'library.count', { total: result.total }),
      entries: result.entries.map((e) => presentEntry(lang, e, d)),
      prev: pageNo > 1 ? link(pageNo - 1) : null,
      next: pageNo < pages ? link(pageNo + 1) : null,
      pageText: `${pageNo} / ${pages}`,
    });
  }));

  r.get('/export.xlsx', readers, page(async (_req, res) => {
    const buf = await library.exportXlsx();
    res.setHeader('Content-Type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    res.setHeader('Content-Disposition', `attachment; filename="library.xlsx"; filename*=UTF-8''${encodeURIComponent('服务项目库.xlsx')}`);
    res.send(buf);
  }));

  const importPage = (req: express.Request, res: express.Response, err?: unknown, status = 200) => {
    const lang = langOf(req);
    render(req, res, 'pages/admin/library-import', { title: t(lang, 'library.import'), errors: err ? errorState(lang, err) : undefined }, status);
  };
  r.get('/import', admins, (req, res) => importPage(req, res));
  r.post('/import', admins, page(async (req, res) => {
    try {
      const buf = await readUpload(req, res);
      const done = await library.importXlsx(req.user!, buf);
      flash(req, 'library.flash.imported', done);
      res.redirect(303, '/admin/library');
    } catch (err) {
      if (!isFormError(err)) throw err;
      importPage(req, res, err, (err as { status: number }).status);
    }
  }));

  const entryForm = async (req: express.Request, res: express.Response, values: Record<string, string | string[]>, action: string, heading: string, err?: unknown, status = 200, entry?: LibraryEntry) => {
    const lang = langOf(req);
    render(req, res, 'pages/admin/library-form', {
      title: heading, heading, action, entry: entry && presentEntry(lang, entry, today()),
      retireAction: entry && !entry.retiredAt && req.user!.role === 'admin' ? `${action}/retire` : null,
      readOnly: req.user!.role !== 'admin',
      ...formView({ lang, form: LIBRARY_FORM, values, options: await formOptions(lang), err }),
    }, status);
  };

  /** The posted form as the service's input; what could not be read at all is a 422 naming its field. */
  const input = (req: express.Request) => {
    const body = (req.body ?? {}) as FormBody;
    const { payload, errors } = toPayload(LIBRARY_FORM, body);
    if (Object.keys(errors).length) throw new InvalidError('invalid library entry', { fields: errors });
    return { ...payload, vendorIds: (payload.vendorIds as string[] | undefined) ?? [] };
  };
  const typed = (req: express.Request): Record<string, string | string[]> => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const out: Record<string, string | string[]> = {};
    for (const fs of LIBRARY_FORM.fields) {
      const v = body[fs.name];
      if (typeof v === 'string') out[fs.name] = v;
      else if (Array.isArray(v)) out[fs.name] = v.filter((x): x is string => typeof x === 'string');
    }
    return out;
  };

  r.get('/new', admins, page(async (req, res) => entryForm(req, res, { vendorIds: [] }, '/admin/library', t(langOf(req), 'library.new'))));
  r.post('/', admins, page(async (req, res) => {
    try {
      const e = await library.create(req.user!, input(req));
      flash(req, 'library.flash.saved', { name: e.name });
      res.redirect(303, '/admin/library');
    } catch (err) {
      if (!isFormError(err)) throw err;
      await entryForm(req, res, typed(req), '/admin/library', t(langOf(req), 'library.new'), err, (err as { status: number }).status);
    }
  }));

  r.get('/:id', readers, page(async (req, res) => {
    const e = await library.get(idParam(req));
    const values = {
      code: e.code, name: e.name, category: e.category, type: e.type, unit: e.unit, referenceFen: yuanValue(e.referenceFen), ceilingFen: yuanValue(e.ceilingFen),
      description: e.description, validFrom: e.validFrom, validTo: e.validTo, vendorIds: e.vendorIds,
    };
    await entryForm(req, res, values, `/admin/library/${encodeURIComponent(e.id)}`, e.name, undefined, 200, e);
  }));
  r.post('/:id', admins, page(async (req, res) => {
    const id = idParam(req);
    const before = await library.get(id);
    try {
      const e = await library.update(req.user!, id, input(req));
      flash(req, 'library.flash.saved', { name: e.name });
      res.redirect(303, '/admin/library');
    } catch (err) {
      if (!isFormError(err)) throw err;
      await entryForm(req, res, typed(req), `/admin/library/${encodeURIComponent(id)}`, before.name, err, (err as { status: number }).status, before);
    }
  }));
  r.post('/:id/retire', admins, page(async (req, res) => {
    const e = await library.retire(req.user!, idParam(req));
    flash(req, 'library.flash.retired', { name: e.name });
    res.redirect(303, '/admin/library');
  }));
  return r;
}

/** /projects/library: the entries a community may start a proposal from today, and why not the others. */
export function libraryStartRoutes(deps: Deps): express.Router {
  const r = express.Router();
  r.get('/projects/library', requireRole('community'), page(async (req, res) => {
    const lang = langOf(req);
    const d = shanghaiDate(deps.clock.now().toISOString());
    const entries = (await deps.services.library.active()).map((e) => {
      const reasons = libraryStartReasons({ name: e.name, validFrom: e.validFrom, validTo: e.validTo, retired: e.retiredAt !== null }, d);
      return {
        ...presentEntry(lang, e, d),
        startHref: `/projects/new?library=${encodeURIComponent(e.id)}${lang === 'en' ? '&lang=en' : ''}`,
        refusal: reasons.map((x) => reasonText(lang, x.code, x.params)).join(' '),
      };
    });
    render(req, res, 'pages/projects/library', { title: t(lang, 'library.start.title'), entries });
  }));
  return r;
}

/**
 * The proposal form's values from a library entry (title, type, category, description, one item at
 * the reference price, the quantity left to fill in) and the note the form shows; a 404 for an
 * unknown entry. Whether the entry may start a proposal today is the service's to say (409).
 */
export async function libraryProposal(deps: Deps, lang: Lang, entryId: string) {
  const e = await deps.services.library.get(entryId);
  return {
    values: {
      title: e.name, type: e.type, category: e.category, description: e.description,
      'items.0.name': `${e.name}（${t(lang, `library.units.${e.unit}`)}）`, 'items.0.unitFen': yuanValue(e.referenceFen), 'items.0.quantity': '',
    } as Record<string, string>,
    library: {
      id: e.id,
      note: t(lang, 'library.start.from', { name: e.name, version: e.version, ceiling: formatYuan(e.ceilingFen, { lang }) }),
    },
  };
}
