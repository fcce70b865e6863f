// Calendar overrides, the e-mail outbox (dead letters, retry) and a preview of every e-mail template.
import express from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps.js';
import { LANGS, t, type Lang } from '../../lib/i18n.js';
import { NotFoundError } from '../../errors.js';
import { flash, langOf, page, render } from '../render.js';
import { field, parseForm, parseQuery, queryChoice } from '../params.js';
import { CALENDAR_FORM } from '../admin-view.js';
import { formView, isFormError } from '../forms/form-view.js';
import { createHbsMailRenderer, sampleMailData } from '../../notifications/render-hbs.js';
import { NOTIFY_TEMPLATES, type NotifyTemplate } from '../../../workflows/project/index.js';
import { OUTBOX_STATUSES } from '../../admin/outbox-admin.js';

const OverrideForm = z.object({ date: field(20), kind: field(20), note: field(300) });
const OutboxQuery = z.object({ status: queryChoice(OUTBOX_STATUSES) });
const MailQuery = z.object({ mail: queryChoice(LANGS) });

export function adminSystemRoutes(deps: Deps): express.Router {
  const r = express.Router();
  const admin = deps.services.admin;
  const mail = createHbsMailRenderer();

  // ── calendar ──
  const calendarPage = async (req: express.Request, res: express.Response, values: Record<string, string>, err?: unknown, status = 200) => {
    const lang = langOf(req);
    const m = await admin.calendar();
    render(req, res, 'pages/admin/calendar', {
      title: t(lang, 'admin.calendar.title'),
      ...formView({
        lang, form: CALENDAR_FORM, values: { kind: 'holiday', ...values }, err,
        options: { kinds: ['holiday', 'workday'].map((k) => ({ value: k, label: t(lang, `admin.calendar.kinds.${k}`) })) },
      }),
      unknownYearsText: m.unknownYears.length ? t(lang, 'admin.calendar.unknownYears', { years: m.unknownYears.join(', ') }) : null,
      overrides: m.overrides.map((o) => ({ ...o, kindText: t(lang, `admin.calendar.kinds.${o.kind}`), removeAction: `/admin/calendar/${o.date}/delete` })),
    }, status);
  };
  r.get('/calendar', page(async (req, res) => calendarPage(req, res, {})));
  r.post('/calendar', page(async (req, res) => {
    const form = parseForm(req, OverrideForm);
    try {
      const o = await admin.setOverride(req.user!, { date: form.date, kind: form.kind, ...(form.note ? { note: form.note } : {}) });
      if (o.unknownYear) flash(req, 'admin.flash.overrideUnknownYear', { date: o.date, year: o.date.slice(0, 4) }, 'info');
      else flash(req, 'admin.flash.overrideSaved', { date: o.date });
      res.redirect(303, '/admin/calendar');
    } catch (err) {
      if (!isFormError(err)) throw err;
      await calendarPage(req, res, form, err, 422);
    }
  }));
  r.post('/calendar/:date/delete', page(async (req, res) => {
    await admin.removeOverride(String(req.params.date));
    flash(req, 'admin.flash.overrideRemoved', { date: String(req.params.date) });
    res.redirect(303, '/admin/calendar');
  }));

  // ── outbox ──
  r.get('/outbox', page(async (req, res) => {
    const lang = langOf(req);
    const m = await admin.outbox(parseQuery(req, OutboxQuery).status);
    render(req, res, 'pages/admin/outbox', {
      title: t(lang, 'admin.outbox.title'),
      filters: [{ href: '/admin/outbox', label: t(lang, 'admin.outbox.all'), current: !m.status }, ...OUTBOX_STATUSES.map((s) => ({
        href: `/admin/outbox?status=${s}`, label: `${t(lang, `admin.outbox.status.${s}`)} (${m.counts[s] ?? 0})`, current: m.status === s,
      }))],
      rows: m.rows.map((row) => ({
        ...row, statusText: t(lang, `admin.outbox.status.${row.status}`), dead: row.status === 'dead',
        templateText: row.template ?? '—', retryAction: `/admin/outbox/${row.id}/retry`,
      })),
      hasRows: m.rows.length > 0,
    });
  }));
  r.post('/outbox/:id/retry', page(async (req, res) => {
    const id = Number(req.params.id);
    if (!Number.isSafeInteger(id)) throw new NotFoundError('no such e-mail');
    await admin.retryMail(id);
    flash(req, 'admin.flash.mailRetried', { id });
    res.redirect(303, '/admin/outbox?status=dead');
  }));

  // ── e-mail previews ──
  const templateOf = (req: express.Request): NotifyTemplate => {
    const name = String(req.params.template);
    if (!(NOTIFY_TEMPLATES as readonly string[]).includes(name)) throw new NotFoundError('no such template');
    return name as NotifyTemplate;
  };
  const mailLang = (req: express.Request): Lang => parseQuery(req, MailQuery).mail ?? 'zh-CN';

  r.get('/emails', (req, res) => {
    const lang = langOf(req);
    render(req, res, 'pages/admin/emails', {
      title: t(lang, 'admin.emails.title'),
      templates: NOTIFY_TEMPLATES.map((name) => ({
        name, label: t(lang, `admin.emails.names.${name}`),
        previews: LANGS.map((l) => ({ href: `/admin/emails/${name}?mail=${l}${lang === 'en' ? '&lang=en' : ''}`, label: l === 'en' ? 'English' : '中文', lang: l })),
      })),
    });
  });
  r.get('/emails/:template', (req, res) => {
    const lang = langOf(req);
    const name = templateOf(req);
    const ml = mailLang(req);
    const m = mail(name, ml, sampleMailData(name, ml));
    render(req, res, 'pages/admin/email', {
      title: t(lang, 'admin.emails.preview', { name: t(lang, `admin.emails.names.${name}`) }), name, mailLang: ml,
      subject: m.subject, text: m.text, htmlSrc: `/admin/emails/${name}/html?mail=${ml}`,
      frameTitle: t(lang, 'admin.emails.frameTitle'),
    });
  });
  // The e-mail's own HTML, framed by the preview page: inline styles allowed, nothing else.
  r.get('/emails/:template/html', (req, res) => {
    const name = templateOf(req);
    const ml = mailLang(req);
    res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'");
    res.setHeader('X-Frame-Options', 'SAMEORIGIN');
    res.type('html').send(mail(name, ml, sampleMailData(name, ml)).html);
  });

  return r;
}
