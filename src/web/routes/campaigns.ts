// Care-call lists in the pages (issue 15 item 3): staff list, create and open campaigns; an
// operator opens today's list of a running campaign it is assigned to, one resident at a time, and
// logs each call (reached or not, problems raised, a note). Phone-sized: one column, big targets.
// Who sees what, the unmasked reads and their log are the service's (src/campaigns).
import express from 'express';
import type { Deps } from '../../deps.js';
import { InvalidError } from '../../errors.js';
import { formatShanghai } from '../../lib/calendar.js';
import { t, type Lang } from '../../lib/i18n.js';
import type { User } from '../../auth/users.js';
import { CAMPAIGN_STAFF, CARE_FLAGS, DISABILITY_LEVELS, type Campaign } from '../../campaigns/campaign-service.js';
import { NEED_TYPES } from '../../../workflows/need/index.js';
import { flash, keepLang, langOf, page, render, requireRole } from '../render.js';
import { idParam } from '../params.js';
import { field as f, toPayload, type FormBody, type FormSpec } from '../forms/form-model.js';
import { formView, isFormError } from '../forms/form-view.js';

export const CAMPAIGN_FORM: FormSpec = {
  labels: 'campaigns.fields', hints: 'campaigns.hints', summaryNamesFields: true,
  fields: [
    f('name', 'text'), f('area', 'select', { options: 'areas' }), f('groups', 'checkboxes', { options: 'groups', optional: true }),
    f('disabilityLevels', 'checkboxes', { options: 'levels', optional: true }), f('flags', 'checkboxes', { options: 'flags', optional: true }),
    f('startOn', 'date'), f('endOn', 'date'), f('callsPerDay', 'int'), f('dailyLevels', 'checkboxes', { options: 'levels', optional: true }), f('missLimit', 'int'), f('operatorIds', 'checkboxes', { options: 'operators' }),
  ],
};
export const CAMPAIGN_CHANGE_FORM: FormSpec = {
  labels: 'campaigns.fields', hints: 'campaigns.hints', summaryNamesFields: true,
  fields: [
    f('endOn', 'date'), f('callsPerDay', 'int'), f('missLimit', 'int'), f('operatorIds', 'checkboxes', { options: 'operators' }),
    f('addResidents', 'checkbox', { optional: true }),
  ],
};
export const CALL_FORM: FormSpec = {
  labels: 'campaigns.fields', hints: 'campaigns.hints', summaryNamesFields: true,
  fields: [f('reached', 'radios', { options: 'reached' }), f('problems', 'checkboxes', { options: 'problems', optional: true }), f('note', 'textarea', { optional: true, rows: 3 })],
};

const STAFF = [...CAMPAIGN_STAFF];
const str = (v: unknown) => (typeof v === 'string' ? v : '');
const strs = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : []);

export function campaignPageRoutes(deps: Deps): express.Router {
  const { campaigns, reference } = deps.services;
  const r = express.Router();

  async function areaNames(lang: Lang) {
    const [streets, communities] = await Promise.all([reference.streets(), reference.communities()]);
    const name = (x: { nameZh: string; nameEn: string }) => (lang === 'en' ? x.nameEn : x.nameZh);
    return { streets, communities, name };
  }

  /** The areas a user may build a campaign over, as reference data names them. */
  async function areaOptions(user: User, lang: Lang) {
    const { streets, communities, name } = await areaNames(lang);
    const out: Array<{ value: string; label: string }> = [];
    if (user.role === 'district') out.push({ value: 'district', label: t(lang, 'campaigns.areaDistrict') });
    for (const s of streets) {
      if (user.role === 'district' ? s.districtId === user.districtId : user.role === 'street' && s.id === user.streetId) out.push({ value: `street:${s.id}`, label: t(lang, 'campaigns.areaStreet', { name: name(s) }) });
    }
    for (const c of communities) {
      const mine = user.role === 'district' ? c.districtId === user.districtId : user.role === 'street' ? c.streetId === user.streetId : c.id === user.communityId;
      if (mine) out.push({ value: `community:${c.id}`, label: name(c) });
    }
    return out;
  }

  async function areaLabel(c: Campaign, lang: Lang) {
    if (c.areaLevel === 'district') return t(lang, 'campaigns.areaDistrict');
    const { streets, communities, name } = await areaNames(lang);
    if (c.areaLevel === 'street') {
      const s = streets.find((x) => x.id === c.streetId);
      return t(lang, 'campaigns.areaStreet', { name: s ? name(s) : c.streetId });
    }
    const cm = communities.find((x) => x.id === c.communityId);
    return cm ? name(cm) : (c.communityId ?? '');
  }

  async function row(c: Campaign, lang: Lang, user: User) {
    return {
      ...c, href: user.role === 'operator' ? `/campaigns/${encodeURIComponent(c.id)}/calls` : `/campaigns/${encodeURIComponent(c.id)}`,
      areaText: await areaLabel(c, lang), datesText: t(lang, 'campaigns.dates', { start: c.startOn, end: c.endOn }),
      residentsText: t(lang, 'campaigns.residents', { count: c.residentCount }), operatorsText: c.operators.map((o) => o.name).join(lang === 'en' ? ', ' : '、'),
      statusText: t(lang, c.running ? 'campaigns.running' : 'campaigns.notRunning'),
    };
  }

  r.get('/campaigns', requireRole(...STAFF, 'operator'), page(async (req, res) => {
    const lang = langOf(req);
    const user = req.user!;
    const list = await campaigns.listFor(user, { page: str(req.query.page) || undefined });
    const pages = Math.max(1, Math.ceil(list.total / list.pageSize));
    render(req, res, 'pages/campaigns/index', {
      title: t(lang, 'campaigns.title'), isOperator: user.role === 'operator',
      rows: await Promise.all(list.campaigns.map((c) => row(c, lang, user))),
      countText: t(lang, 'campaigns.count', { total: list.total }),
      pageText: t(lang, 'campaigns.pager', { page: list.page, pages }),
      prev: list.page > 1 ? `/campaigns?page=${list.page - 1}` : null,
      next: list.page < pages ? `/campaigns?page=${list.page + 1}` : null,
    });
  }));

  const formOptions = async (user: User, lang: Lang) => ({
    areas: await areaOptions(user, lang),
    groups: (await reference.groups()).map((g) => ({ value: g.code, label: lang === 'en' ? g.nameEn : g.nameZh })),
    levels: DISABILITY_LEVELS.map((v) => ({ value: v, label: v })),
    flags: CARE_FLAGS.map((v) => ({ value: v, label: t(lang, v === 'alone' ? 'campaigns.flagAlone' : 'campaigns.flagDaily') })),
    operators: (await campaigns.operatorChoices(user)).map((o) => ({ value: o.id, label: `${o.name} <${o.email}>` })),
  });
  const createPage = async (req: express.Request, res: express.Response, values: Record<string, string | string[]>, err?: unknown, status = 200) => {
    const lang = langOf(req);
    render(req, res, 'pages/campaigns/new', {
      title: t(lang, 'campaigns.newTitle'),
      ...formView({ lang, form: CAMPAIGN_FORM, values, options: await formOptions(req.user!, lang), err }),
    }, status);
  };

  r.get('/campaigns/new', requireRole(...STAFF), page(async (req, res) => {
    const today = campaigns.today();
    await createPage(req, res, { startOn: today, endOn: today, callsPerDay: '1', missLimit: '3' });
  }));
  r.post('/campaigns/new', requireRole(...STAFF), page(async (req, res) => {
    const body = (req.body ?? {}) as FormBody;
    const typed = Object.fromEntries(CAMPAIGN_FORM.fields.map((x) => [x.name, x.kind === 'checkboxes' ? strs(body[x.name]) : str(body[x.name])]));
    try {
      const { payload, errors } = toPayload(CAMPAIGN_FORM, body);
      if (Object.keys(errors).length) throw new InvalidError('invalid campaign', { fields: errors });
      const c = await campaigns.create(req.user!, payload);
      flash(req, 'campaigns.created', { name: c.name, count: c.residentCount });
      res.redirect(303, keepLang(req, `/campaigns/${encodeURIComponent(c.id)}`));
    } catch (err) {
      if (!isFormError(err)) throw err;
      await createPage(req, res, typed, err, (err as { status: number }).status);
    }
  }));

  r.get('/campaigns/:id', requireRole(...STAFF), page(async (req, res) => {
    const lang = langOf(req);
    const id = idParam(req);
    const { campaign: c, escalations } = await campaigns.escalations(req.user!, id);
    const day = await campaigns.dayOf(req.user!, id, {});
    const groups = new Map((await reference.groups()).map((g) => [g.code, lang === 'en' ? g.nameEn : g.nameZh]));
    const any = t(lang, 'campaigns.any');
    const sep = lang === 'en' ? ', ' : '、';
    render(req, res, 'pages/campaigns/show', {
      title: c.name, c: await row(c, lang, req.user!),
      changeHref: c.endOn >= campaigns.today() ? `/campaigns/${encodeURIComponent(c.id)}/edit` : null,
      lastChangeText: c.updatedAt ? t(lang, 'campaigns.lastChange', { at: formatShanghai(c.updatedAt, 'datetime') }) : null,
      selection: [
        { label: t(lang, 'campaigns.fields.groups'), value: c.selection.groups.map((g) => groups.get(g) ?? g).join(sep) || any },
        { label: t(lang, 'campaigns.fields.disabilityLevels'), value: c.selection.disabilityLevels.join(sep) || any },
        { label: t(lang, 'campaigns.fields.flags'), value: c.selection.flags.map((x) => t(lang, x === 'alone' ? 'campaigns.flagAlone' : 'campaigns.flagDaily')).join(sep) || any },
      ],
      callsPerDayText: t(lang, 'campaigns.callsPerDay', { count: c.callsPerDay }),
      dailyLevelsText: c.dailyLevels.length ? t(lang, 'campaigns.dailyLevels', { levels: c.dailyLevels.join(sep) }) : t(lang, 'campaigns.everyoneDaily'), missLimitText: t(lang, 'campaigns.missLimit', { count: c.missLimit }),
      todayText: t(lang, 'campaigns.today', { day: day.day }), progressText: t(lang, 'campaigns.progress', { ...day.progress }),
      byOperator: day.byOperator.map((o) => ({ name: o.name, text: t(lang, 'campaigns.progress', { calls: o.calls, reached: o.reached, due: o.due }) })),
      escalations: escalations.map((e) => ({
        text: t(lang, 'campaigns.escalationRow', { name: e.name, misses: e.misses, at: formatShanghai(e.escalatedAt, 'datetime'), notices: e.notices }),
        href: req.user!.role === 'community' && req.user!.communityId === e.communityId ? `/beneficiaries/${encodeURIComponent(e.beneficiaryId)}` : null,
      })),
    });
  }));

  const changePage = async (req: express.Request, res: express.Response, c: Campaign, values: Record<string, string | string[]>, err?: unknown, status = 200) => {
    const lang = langOf(req);
    const operators = (await campaigns.operatorChoices(req.user!)).map((o) => ({ value: o.id, label: `${o.name} <${o.email}>` }));
    render(req, res, 'pages/campaigns/edit', {
      title: t(lang, 'campaigns.editTitle', { name: c.name }), c, action: `/campaigns/${encodeURIComponent(c.id)}/edit`,
      ...formView({ lang, form: CAMPAIGN_CHANGE_FORM, values, options: { operators }, err }),
    }, status);
  };
  r.get('/campaigns/:id/edit', requireRole(...STAFF), page(async (req, res) => {
    const c = await campaigns.get(req.user!, idParam(req));
    await changePage(req, res, c, { endOn: c.endOn, callsPerDay: String(c.callsPerDay), missLimit: String(c.missLimit), operatorIds: c.operators.map((o) => o.id) });
  }));
  r.post('/campaigns/:id/edit', requireRole(...STAFF), page(async (req, res) => {
    const id = idParam(req);
    const body = (req.body ?? {}) as FormBody;
    const typed = Object.fromEntries(CAMPAIGN_CHANGE_FORM.fields.map((x) => [x.name, x.kind === 'checkboxes' ? strs(body[x.name]) : str(body[x.name])]));
    try {
      const { payload, errors } = toPayload(CAMPAIGN_CHANGE_FORM, body);
      if (Object.keys(errors).length) throw new InvalidError('invalid change', { fields: errors });
      const done = await campaigns.update(req.user!, id, payload);
      flash(req, 'campaigns.changed', { name: done.campaign.name, count: done.added });
      res.redirect(303, keepLang(req, `/campaigns/${encodeURIComponent(id)}`));
    } catch (err) {
      if (!isFormError(err)) throw err;
      await changePage(req, res, await campaigns.get(req.user!, id), typed, err, (err as { status: number }).status);
    }
  }));

  r.get('/campaigns/:id/calls', requireRole('operator'), page(async (req, res) => {
    const lang = langOf(req);
    const id = idParam(req);
    const l = await campaigns.callList(req.user!, id, { page: str(req.query.page) || undefined });
    const pages = Math.max(1, Math.ceil(l.total / l.pageSize));
    render(req, res, 'pages/campaigns/calls', {
      title: t(lang, 'campaigns.callsTitle'), c: l.campaign, todayText: t(lang, 'campaigns.today', { day: l.day }),
      progressText: t(lang, 'campaigns.progress', { ...l.progress }), countText: t(lang, 'campaigns.callsCount', { total: l.total }),
      rows: l.rows.map((x) => ({
        name: x.beneficiary.name, phone: x.beneficiary.phone ?? t(lang, 'campaigns.noPhone'), address: x.beneficiary.address,
        missed: x.lastOutcome === 'missed' ? t(lang, 'campaigns.lastMissed', { misses: x.misses }) : null,
        href: `/campaigns/${encodeURIComponent(id)}/calls/${encodeURIComponent(x.beneficiary.id)}`,
      })),
      pageText: t(lang, 'campaigns.pager', { page: l.page, pages }),
      prev: l.page > 1 ? `/campaigns/${encodeURIComponent(id)}/calls?page=${l.page - 1}` : null,
      next: l.page < pages ? `/campaigns/${encodeURIComponent(id)}/calls?page=${l.page + 1}` : null,
    });
  }));

  const callOptions = (lang: Lang) => ({
    reached: [{ value: 'yes', label: t(lang, 'campaigns.reachedYes') }, { value: 'no', label: t(lang, 'campaigns.reachedNo') }],
    problems: NEED_TYPES.map((v) => ({ value: v, label: t(lang, `needs.types.${v}`) })),
  });
  const callPage = async (req: express.Request, res: express.Response, values: Record<string, string | string[]>, err?: unknown, status = 200) => {
    const lang = langOf(req);
    const id = idParam(req);
    const beneficiaryId = idParam(req, 'beneficiaryId');
    const x = await campaigns.resident(req.user!, id, beneficiaryId);
    render(req, res, 'pages/campaigns/call', {
      title: t(lang, 'campaigns.callTitle'), c: x.campaign, b: x.beneficiary, phoneHref: x.beneficiary.phone ? `tel:${x.beneficiary.phone.replace(/[^0-9+]/g, '')}` : null,
      missed: x.lastOutcome === 'missed' ? t(lang, 'campaigns.lastMissed', { misses: x.misses }) : null,
      notDue: !x.due, action: `/campaigns/${encodeURIComponent(id)}/calls/${encodeURIComponent(beneficiaryId)}`, back: `/campaigns/${encodeURIComponent(id)}/calls`,
      ...formView({ lang, form: CALL_FORM, values, options: callOptions(lang), err }),
    }, status);
  };

  r.get('/campaigns/:id/calls/:beneficiaryId', requireRole('operator'), page(async (req, res) => callPage(req, res, {})));
  r.post('/campaigns/:id/calls/:beneficiaryId', requireRole('operator'), page(async (req, res) => {
    const id = idParam(req);
    const body = (req.body ?? {}) as FormBody;
    const typed = { reached: str(body.reached), problems: strs(body.problems), note: str(body.note) };
    try {
      const { payload, errors } = toPayload(CALL_FORM, body);
      if (Object.keys(errors).length) throw new InvalidError('invalid call', { fields: errors });
      const problems = strs(payload.problems).map((type) => ({ type }));
      const done = await campaigns.logCall(req.user!, id, { beneficiaryId: idParam(req, 'beneficiaryId'), reached: payload.reached, problems, note: payload.note }, langOf(req));
      const b = await campaigns.resident(req.user!, id, done.call.beneficiaryId);
      if (done.call.escalated) flash(req, 'campaigns.loggedEscalated', { name: b.beneficiary.name, misses: done.call.misses });
      else flash(req, 'campaigns.logged', { name: b.beneficiary.name });
      res.redirect(303, keepLang(req, `/campaigns/${encodeURIComponent(id)}/calls`));
    } catch (err) {
      if (!isFormError(err)) throw err;
      await callPage(req, res, typed, err, (err as { status: number }).status);
    }
  }));
  return r;
}
