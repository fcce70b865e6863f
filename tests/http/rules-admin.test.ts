// Issue 10: the programme rules on the admin page (every value with its source, "unverified" where
// no primary source was found; a publish form that edits every value) and through the rules
// service; the community's contact telephone on the public notice page and the printed A4 notice.
import { assets } from '../../src/web/assets.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { STORAGE_KINDS } from '../support/db.js';
import { DEFAULT_RULES } from '../../workflows/project/index.js';
import { presentRules } from '../../src/web/admin-rules-view.js';
import { postPairs, rulesFormBody, rulesWithEveryValueChanged } from '../support/rules.js';
import { lastNotice } from '../../src/public/notice-period.js';
import { needRulesOf } from '../../src/needs/need-service.js';
import { agentFor, csrfOf, postForm, type Agent } from './pages-helpers.js';
import { api, DELIBERATION_OK, GOOD_CHECKLIST, goodsProject, shanghaiDay, U } from '../support/lifecycle.js';

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;').replace(/`/g, '&#x60;').replace(/=/g, '&#x3D;');
/** The page's section of the rules in force. */
const inForce = (html: string) => {
  const from = html.indexOf('<section id="in-force"');
  const to = html.indexOf('<section id="versions"');
  expect(from).toBeGreaterThan(-1);
  return html.slice(from, to);
};
const shown = (label: string, value: string) => `<dt>${escape(label)}</dt><dd>${escape(value)}</dd>`;

describe.each(STORAGE_KINDS)('programme rules on the admin page on %s', (kind) => {
  let a: TestApp;
  let admin: Agent;
  beforeAll(async () => {
    a = await createTestApp({ kind });
    admin = await agentFor(a, U.admin);
  });
  afterAll(async () => {
    await a?.close();
  });

  it('lists every value of the rules in force with its source, and "未经核实" where a value has no verified source', async () => {
    const res = await admin.get('/admin/rules');
    expect(res.status).toBe(200);
    const section = inForce(res.text);
    const categories = await a.deps.services.reference.categories(a.deps.db, { all: true });
    for (const s of presentRules('zh-CN', DEFAULT_RULES, categories)) {
      expect(section).toContain(`id="rule-${s.key}"`);
      for (const r of s.rows) expect(section).toContain(shown(r.label, r.value));
      for (const l of s.lists) for (const e of l.entries) expect(section).toContain(escape(e.zh));
      if (s.source) expect(section).toContain(escape(s.source));
    }
    // Zhuhai 2021's caps are verified; the quorum is an unverified programme default
    const rule = (key: string) => section.slice(section.indexOf(`id="rule-${key}"`), section.indexOf('</section>', section.indexOf(`id="rule-${key}"`)));
    expect(rule('capsFen')).not.toContain('未经核实');
    expect(rule('quorum')).toContain('未经核实');
    expect(rule('payment')).toContain('未经核实');
    // both built-in versions are listed, version 2 in force
    expect(res.text).toContain('href="/admin/rules/1"');
    expect(res.text).toContain('href="/admin/rules/2"');
    const v1 = await admin.get('/admin/rules/1');
    expect(v1.status).toBe(200);
    expect(v1.text).toContain('不举行'); // version 1 held one notice
    expect((await admin.get('/admin/rules?lang=en')).text).toContain('unverified');
  });

  it('publishing through the page with every value changed makes a new version that the page then shows, and none of the defaults in force', async () => {
    const changed = rulesWithEveryValueChanged();
    const body = rulesFormBody(changed, '2027 年实施细则');
    // one more negative-list row, ticked for removal: it is not published
    Object.assign(body, { 'screening.negativeItems.3.code': 'to_remove', 'screening.negativeItems.3.zh': '删除的条目', 'screening.negativeItems.3.en': 'Removed', 'screening.negativeItems.3.remove': 'on' });
    const res = await postPairs(admin, '/admin/rules/new', '/admin/rules', body);
    expect(res.status, res.text.slice(0, 2000)).toBe(303);
    expect(res.headers.location).toBe('/admin/rules/4');

    const stored = await a.deps.services.rules.current('xz');
    expect(stored).toEqual({ ...changed, version: 4 });
    expect(stored.screening.negativeItems.map((e) => e.code)).not.toContain('to_remove');

    const page = await admin.get('/admin/rules');
    const section = inForce(page.text);
    expect(section).toContain('第 4 版');
    const categories = await a.deps.services.reference.categories(a.deps.db, { all: true });
    const now = presentRules('zh-CN', stored, categories);
    const before = presentRules('zh-CN', DEFAULT_RULES, categories);
    for (const s of now) for (const r of s.rows) expect(section).toContain(shown(r.label, r.value));
    for (const s of before) {
      for (const r of s.rows) expect(section, `${s.key}: ${r.label}`).not.toContain(shown(r.label, r.value));
      for (const l of s.lists) for (const e of l.entries) expect(section).not.toContain(escape(e.zh));
    }
    expect(section).toContain(shown('需求转办办理时限（工作日）', '7 个工作日'));
    expect(section).toContain(shown('转办到期前提醒（提前工作日数）', '2 个工作日'));
    // a need started now copies the published need rules
    expect(needRulesOf(stored)).toEqual({ referralWorkingDays: 7, reminderWorkingDaysBefore: 2 });
    for (const text of ['7 个工作日', '85%', '合同签订后 20%，验收后 75%，质保金 5%', '3/4', '养老助老服务', '营利性经营活动', '街道办财务']) expect(section).toContain(escape(text));
    // the quorum has no source now: unverified; the others are verified
    expect(section.match(/未经核实/g)?.length).toBe(1);
    // the publish form starts from the new version
    const form = await admin.get('/admin/rules/new');
    expect(form.text).toContain('value="elder_care"');
    expect(form.text).not.toContain('value="mutual_help"');
    // the old versions are still shown as they were
    expect((await admin.get('/admin/rules/2')).text).toContain('互助关爱');
  });

  it('a bad value on the form is refused with its message and nothing is published', async () => {
    const before = await a.deps.services.rules.versions('xz');
    const body = rulesFormBody(rulesWithEveryValueChanged());
    Object.assign(body, { 'payment.finalPct': '70', 'screening.positiveAreas.1.code': 'elder_care', 'notices.confirmation.workingDays': '' });
    const res = await postPairs(admin, '/admin/rules/new', '/admin/rules', body);
    expect(res.status).toBe(422);
    expect(res.text).toContain('error-summary');
    expect(res.text).toContain('同一清单内代码不得重复');
    expect(res.text).toContain('href="#f-screening.positiveAreas.1.code"');
    expect(res.text).toContain('id="f-screening.positiveAreas.1.code"');
    expect(res.text).toContain('value="70"');
    // a reminder no earlier than the deadline is refused with its message, in either language
    const late = await postPairs(admin, '/admin/rules/new', '/admin/rules', { ...rulesFormBody(rulesWithEveryValueChanged()), 'needs.reminderWorkingDaysBefore': '7' });
    expect(late.status).toBe(422);
    expect(late.text).toContain('提醒须早于办理时限');
    expect(late.text).toContain('href="#f-needs.reminderWorkingDaysBefore"');
    const lateEn = await postPairs(admin, '/admin/rules/new?lang=en', '/admin/rules?lang=en', { ...rulesFormBody(rulesWithEveryValueChanged()), 'needs.reminderWorkingDaysBefore': '9' });
    expect(lateEn.status).toBe(422);
    expect(lateEn.text).toContain('The reminder must come before the deadline');
    expect(await a.deps.services.rules.versions('xz')).toEqual(before);
    // without the CSRF token: refused, nothing published
    expect((await admin.post('/admin/rules').type('form').send('quorum.num=1')).status).toBe(403);
    expect(await a.deps.services.rules.versions('xz')).toEqual(before);
  });

  it('a rules body in the old shape (noticeWorkingDays) is refused with a 422 naming notices, and nothing is stored', async () => {
    const before = await a.deps.services.rules.versions('xz');
    const { notices: _notices, ...old } = { ...rulesWithEveryValueChanged(), noticeWorkingDays: 7 };
    void _notices;
    await expect(a.deps.services.rules.publish('xz', old, null)).rejects.toMatchObject({ status: 422, fields: { notices: 'validation.rulesOldShape' } });
    expect(await a.deps.services.rules.versions('xz')).toEqual(before);
    // an older stored version keeps its meaning: its one notice
    await a.deps.db('districts').insert({ id: 'other', code: 'OT', name_zh: '另一区', name_en: 'Another District' });
    await a.deps.db('programme_rules').insert({ district_id: 'other', version: 2, rules: JSON.stringify({ ...structuredClone(DEFAULT_RULES), notices: undefined, noticeWorkingDays: 9 }), published_at: a.clock.now().toISOString() });
    const old2 = (await a.deps.services.rules.versions('other')).find((v) => v.version === 2)!;
    expect(old2.rules.notices).toEqual({ proposal: { workingDays: 9 } });
    // the stored version 2 shadows the built-in one; the built-in versions 3 and 1 stay listed
    expect((await a.deps.services.rules.versions('other')).map((v) => v.version)).toEqual([3, 2, 1]);
    // one version read alone is the one the list holds: the stored 2, the built-in 1 and 3, no 4
    for (const v of await a.deps.services.rules.versions('other')) expect(await a.deps.services.rules.version('other', v.version)).toEqual(v);
    expect((await a.deps.services.rules.version('other', 2))!.rules.notices).toEqual({ proposal: { workingDays: 9 } });
    expect(await a.deps.services.rules.version('other', 4)).toBeUndefined();
  });

  it('publishing through the page keeps the rules the form has no fields for (vendor eligibility, the vendor-record threshold) as the version in force holds them', async () => {
    const inForce = await a.deps.services.rules.current('xz');
    const custom = {
      eligibility: { services: { minYearsRegistered: 3, violationFreeYears: 1, minFullTimeStaff: 5 } },
      vendorRecord: { ...(inForce as unknown as { vendorRecord: Record<string, number> }).vendorRecord, minAverageScore: 85 },
    };
    const { version: _v, ...rest } = inForce;
    void _v;
    const withCustom = await a.deps.services.rules.publish('xz', { ...rest, ...custom }, null);
    const res = await postPairs(admin, '/admin/rules/new', '/admin/rules', rulesFormBody(rulesWithEveryValueChanged(), '只改表单上的规则'));
    expect(res.status, res.text.slice(0, 1000)).toBe(303);
    const after = await a.deps.services.rules.current('xz');
    expect(after.version).toBe(withCustom.version + 1);
    expect(after.eligibility).toEqual(withCustom.rules.eligibility);
    expect((after as unknown as { vendorRecord: unknown }).vendorRecord).toEqual(custom.vendorRecord);
  });
});

describe.each(STORAGE_KINDS)("the community's telephone on the public notice on %s", (kind) => {
  let a: TestApp;
  beforeAll(async () => {
    a = await createTestApp({ kind });
  });
  afterAll(async () => {
    await a?.close();
  });

  it('an admin sets the telephone (a bad one is refused, nothing changed); it shows with the notice period on the public page and the printed A4 notice', async () => {
    const admin = await agentFor(a, U.admin);
    const c = await a.deps.services.reference.community('cm-lianhua');
    const edit = '/admin/places/communities/cm-lianhua/edit';
    const bad = await postForm(admin, edit, '/admin/places/communities/cm-lianhua', { nameZh: c.nameZh, nameEn: c.nameEn, phone: 'call me <maybe>' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('error-summary');
    expect(bad.text).toContain('aria-invalid="true" aria-describedby="f-phone-hint f-phone-error"');
    expect((await a.deps.services.reference.community('cm-lianhua')).phone).toBeNull();
    const ok = await postForm(admin, edit, '/admin/places/communities/cm-lianhua', { nameZh: c.nameZh, nameEn: c.nameEn, phone: '0756-2123456' });
    expect(ok.status).toBe(303);
    expect((await a.deps.services.reference.community('cm-lianhua')).phone).toBe('0756-2123456');
    expect((await admin.get('/admin/places')).text).toContain('0756-2123456');
    expect((await admin.get(edit)).text).toContain('value="0756-2123456"');
    // renaming without the field leaves the telephone alone
    expect((await admin.post('/admin/places/communities/cm-lianhua').type('form').send({ nameZh: c.nameZh, nameEn: c.nameEn, _csrf: csrfOf((await admin.get(edit)).text) })).status).toBe(303);
    expect((await a.deps.services.reference.community('cm-lianhua')).phone).toBe('0756-2123456');

    const x = api(a);
    const p = await x.create(U.c1, goodsProject());
    await x.ok(U.c1, p.id, 'SUBMIT');
    await x.ok(U.c2, p.id, 'SCREEN_PASS', { checklist: GOOD_CHECKLIST });
    await x.ok(U.c1, p.id, 'RECORD_DELIBERATION', { ...DELIBERATION_OK, heldOn: shanghaiDay(a) });
    await x.send(null, p.id, 'OBJECT', { text: '我有意见', contact: '13912345678' });
    const project = await x.project(U.c1, p.id);
    expect(project.state).toBe('public_notice');
    const start = shanghaiDay(a);
    const end = new Date(Date.parse(String(project.deadlines.noticeEndsAt)) + 8 * 3_600_000).toISOString().slice(0, 10);
    const period = `公示期：自${start}至${end}`;

    const anyone = await agentFor(a);
    for (const path of [`/public/projects/${p.id}`, `/public/notices/${p.id}`]) {
      const page = await anyone.get(path);
      expect(page.status).toBe(200);
      expect(page.text).toContain(period);
      expect(page.text).toContain('0756-2123456');
      expect(page.text).toContain(`/public/projects/${p.id}/notice`);
      expect(page.text).not.toContain('13912345678');
    }
    const en = await anyone.get(`/public/projects/${p.id}?lang=en`);
    expect(en.text).toContain(`Notice period: ${start} to ${end}`);

    const print = await anyone.get(`/public/projects/${p.id}/notice`);
    expect(print.status).toBe(200);
    expect(print.text).toContain('议题公示');
    expect(print.text).toContain(period);
    expect(print.text).toContain('0756-2123456');
    expect(print.text).toContain(assets().href('print-notice.css'));
    expect(print.text).not.toContain('<nav');
    expect(print.text).not.toContain('skip-link');
    expect(print.text).not.toContain('13912345678');
    expect(print.text).not.toContain('我有意见');
    const css = await anyone.get(assets().href('print-notice.css'));
    expect(css.status).toBe(200);
    expect(css.text).toMatch(/@page\s*\{[^}]*size:\s*A4/);
    // a project that held no notice has no printed notice, and a private one is not found
    const draft = await x.create(U.c1, goodsProject());
    expect((await anyone.get(`/public/projects/${draft.id}/notice`)).status).toBe(404);
  });
});

describe('the notice a public page shows', () => {
  const history = [{ at: '2026-03-02T01:00:00.000Z', to: 'screening' }, { at: '2026-03-03T02:00:00.000Z', to: 'public_notice' }];
  it('reads the notices the lifecycle keeps, the last one current; before that list, the proposal notice from the history', () => {
    const now = '2026-03-04T02:00:00.000Z';
    expect(lastNotice({ noticeEndsAt: '2026-03-10T15:59:59.999Z' }, history, 'public_notice', now))
      .toEqual({ kind: 'proposal', startedAt: '2026-03-03T02:00:00.000Z', endsAt: '2026-03-10T15:59:59.999Z', running: true });
    const notices = [
      { kind: 'proposal' as const, startedAt: '2026-01-05T02:00:00.000Z', endsAt: '2026-01-12T15:59:59.999Z' },
      { kind: 'confirmation' as const, startedAt: '2026-03-03T02:00:00.000Z', endsAt: '2026-03-12T15:59:59.999Z' },
    ];
    expect(lastNotice({ notices, noticeEndsAt: null }, [], 'confirmation_notice', now)).toMatchObject({ kind: 'confirmation', running: true });
    expect(lastNotice({ notices, noticeEndsAt: null }, [], 'procurement.preparing', '2026-03-20T02:00:00.000Z')).toMatchObject({ kind: 'confirmation', running: false });
    expect(lastNotice({ noticeEndsAt: null }, history.slice(0, 1), 'screening', now)).toBeNull();
  });
});
