// The inbox, administration and public pages under attack: forms without a valid CSRF token are
// refused and change nothing; hostile text comes back escaped everywhere it is shown; public pages
// never carry a beneficiary's name, phone or ID number.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { api, goodsProject, passNoticeIfHeld, shanghaiDay, toDelivery, DELIBERATION_OK, GOOD_CHECKLIST, U, VENDORS, type Project } from '../support/lifecycle.js';
import { agentFor, csrfOf, postForm, type Agent } from './pages-helpers.js';
import { postPairs, rulesFormBody } from '../support/rules.js';

const EVIL = `<script>alert("x")</script>' OR 1=1; DROP TABLE users; --`;
const RAW = '<script>alert(';
const ESCAPED = '&lt;script&gt;alert(';

describe('security of the inbox, administration and public pages', () => {
  let app: TestApp;
  let admin: Agent;
  let anon: Agent;
  let noticeId: string;
  let c1Id: string;

  beforeAll(async () => {
    app = await createTestApp();
    admin = await agentFor(app, U.admin);
    anon = await agentFor(app);
    c1Id = (await app.deps.services.users.findByEmail(U.c1))!.id;
    const a = api(app);
    const p = await a.create(U.c1, goodsProject({ title: `爬楼机 ${EVIL}`, description: `说明 ${EVIL}` }));
    noticeId = p.id;
    await a.ok(U.c1, p.id, 'SUBMIT');
    await a.ok(U.c2, p.id, 'SCREEN_PASS', { checklist: GOOD_CHECKLIST });
    await a.ok(U.c1, p.id, 'RECORD_DELIBERATION', { ...DELIBERATION_OK, heldOn: shanghaiDay(app) });
  });
  afterAll(async () => app?.close());

  /** State that a refused form must leave untouched. */
  async function snapshot() {
    const s = app.deps.services;
    return JSON.stringify({
      users: (await s.users.list()).map((u) => [u.email, u.disabled]),
      vendors: await s.reference.vendors(), streets: await s.reference.streets(), communities: await s.reference.communities(),
      categories: await s.reference.categories(app.deps.db, { all: true }), allocations: await s.ledger.allocations({}),
      rules: await s.rules.versions('xz'), overrides: await s.calendar.overrides(),
      outbox: (await app.deps.db('outbox').select('id', 'status')),
      objections: (await s.projects.get(null, noticeId)).objections.length,
    });
  }

  it('when any of our forms is posted without a CSRF token or with another session’s token, then it is refused with 403 and nothing changes', async () => {
    await app.deps.db('outbox').insert({ message_id: '<dead@test>', to_addr: 'x@example.org', subject: 's', text: 't', status: 'dead', attempts: 8, next_attempt_at: app.clock.now().toISOString(), created_at: app.clock.now().toISOString() });
    const dead = await app.deps.db('outbox').where({ status: 'dead' }).first('id');
    await app.deps.services.calendar.setOverride({ date: '2026-05-06', kind: 'holiday' }, c1Id);
    const forms: Array<[string, Record<string, string | string[]>]> = [
      ['/admin/users', { email: 'new@example.org', name: 'N', role: 'district', password: 'long-enough-pw', lang: 'zh-CN' }],
      [`/admin/users/${c1Id}/password`, { password: 'another-password-1' }],
      [`/admin/users/${c1Id}/disabled`, { disabled: 'true' }],
      ['/admin/places/streets', { nameZh: '新街道', nameEn: 'New Street' }],
      ['/admin/places/communities', { streetId: 'st-jida', nameZh: '新社区', nameEn: 'New Community' }],
      ['/admin/vendors', { name: '新供应商', email: 'v@example.org', types: ['goods'], status: 'active' }],
      ['/admin/vendors/vd-kangfu', { name: '改名', email: 'v@example.org', types: ['goods'], status: 'suspended' }],
      ['/admin/categories', { code: '新类', nameZh: '新类', nameEn: 'New', sort: '1', active: 'true' }],
      ['/admin/allocations', { communityId: 'cm-lianhua', year: '2026', allocated: '3000000' }],
      ['/admin/rules', { noticeWorkingDays: '7' }],
      ['/admin/calendar', { date: '2026-05-07', kind: 'holiday', note: 'n' }],
      ['/admin/calendar/2026-05-06/delete', {}],
      [`/admin/outbox/${dead.id}/retry`, {}],
      [`/public/notices/${noticeId}`, { text: '异议', contact: '' }],
    ];
    const before = await snapshot();
    const other = await agentFor(app, U.admin);
    const foreignToken = csrfOf((await other.get('/admin')).text);
    for (const [action, body] of forms) {
      const agent = action.startsWith('/public') ? anon : admin;
      const none = await agent.post(action).type('form').send(body);
      expect(none.status, `${action} without a token`).toBe(403);
      const forged = await agent.post(action).type('form').send({ ...body, _csrf: foreignToken });
      expect(forged.status, `${action} with another session's token`).toBe(403);
      const bogus = await agent.post(action).type('form').send({ ...body, _csrf: 'x'.repeat(40) });
      expect(bogus.status, `${action} with a made-up token`).toBe(403);
    }
    expect(await snapshot()).toBe(before);
  });

  it('when hostile text is typed into every free-text field we own, then every page that shows it escapes it', async () => {
    // An objection from the public (text and contact).
    const obj = await postForm(anon, `/public/notices/${noticeId}`, `/public/notices/${noticeId}`, { text: `异议 ${EVIL}`, contact: `13900001234 ${EVIL}` });
    expect(obj.status).toBe(303);
    expect((await app.deps.services.projects.get(null, noticeId)).objections).toHaveLength(1);
    // Administration: a user, a street, a community, a vendor, a category, a calendar note, a rules note.
    const ok = async (page: string, action: string, body: Record<string, string | string[]>) => {
      const res = await postForm(admin, page, action, body);
      expect(res.status, `${action}: ${res.text.slice(0, 400)}`).toBe(303);
    };
    await ok('/admin/users/new', '/admin/users', { email: 'evil@example.org', name: `用户${EVIL}`.slice(0, 100), role: 'finance', password: 'long-enough-pw', lang: 'zh-CN' });
    await ok('/admin/places/streets/new', '/admin/places/streets', { nameZh: `街道${EVIL}`, nameEn: `Street ${EVIL}` });
    await ok('/admin/places/communities/new', '/admin/places/communities', { streetId: 'st-jida', nameZh: `社区${EVIL}`, nameEn: `Community ${EVIL}` });
    await ok('/admin/vendors/new', '/admin/vendors', { name: `供应商${EVIL}`, email: 'evil-vendor@example.org', phone: '', creditCode: '', types: ['goods', 'works'], status: 'active' });
    await ok('/admin/categories', '/admin/categories', { code: '恶意', nameZh: `类别${EVIL}`.slice(0, 50), nameEn: `Category ${EVIL}`.slice(0, 80), sort: '9', active: 'true' });
    await ok('/admin/calendar', '/admin/calendar', { date: '2026-06-01', kind: 'holiday', note: `备注${EVIL}` });
    // the rules: a note, a source and a list entry's names (every free text of the rules form)
    const { version: _v, ...rules } = await app.deps.services.rules.current('xz');
    void _v;
    const rulesRes = await postPairs(admin, '/admin/rules/new', '/admin/rules', {
      ...rulesFormBody(rules), note: `说明${EVIL}`, 'sources.quorum.source': `来源${EVIL}`.slice(0, 500),
      'screening.positiveAreas.0.zh': `领域${EVIL}`.slice(0, 100), 'screening.positiveAreas.0.en': `Area ${EVIL}`.slice(0, 200),
    });
    expect(rulesRes.status, rulesRes.text.slice(0, 400)).toBe(303);

    const pages = [
      '/admin/users', '/admin/places', '/admin/vendors', '/admin/categories', '/admin/calendar', '/admin/rules', '/admin/allocations',
      '/admin/places/communities/new', '/admin/users/new', '/inbox',
    ];
    for (const path of pages) {
      const res = await admin.get(path);
      expect(res.status, path).toBe(200);
      expect(res.text, path).not.toContain(RAW);
    }
    const shown = (await admin.get('/admin/vendors')).text + (await admin.get('/admin/places')).text + (await admin.get('/admin/calendar')).text + (await admin.get('/admin/rules')).text;
    expect(shown).toContain(ESCAPED);
    expect((await admin.get('/admin/rules')).text).toContain(`来源${ESCAPED}`);
    for (const who of [U.c1, U.c2, U.street, U.district, U.finance, U.v1]) {
      const agent = await agentFor(app, who);
      const res = await agent.get('/inbox');
      expect(res.text, who).not.toContain(RAW);
    }
    const c2 = await agentFor(app, U.c2);
    const inbox = (await c2.get('/inbox')).text;
    for (const path of ['/public', '/public/notices', `/public/notices/${noticeId}`, '/public/projects', `/public/projects/${noticeId}`, `/public/projects/${noticeId}/notice`, '/public/stats', '/public/projects?q=%3Cscript%3E']) {
      for (const q of ['', path.includes('?') ? '&lang=en' : '?lang=en']) {
        const res = await anon.get(path + q);
        expect(res.status, path).toBe(200);
        expect(res.text, path).not.toContain(RAW);
        expect(res.text, path).not.toContain('13900001234');
      }
    }
    expect((await anon.get(`/public/notices/${noticeId}`)).text).toContain(ESCAPED);
    // The e-mails about it (objection received) are escaped in HTML too.
    const mails = await app.deps.db('outbox').where({ template: 'objection_received' });
    expect(mails.length).toBeGreaterThan(0);
    for (const m of mails) {
      expect(m.html).not.toContain(RAW);
      expect(m.html).toContain(ESCAPED);
    }
    expect(inbox).not.toContain(RAW);
    // And the tables survived the SQL metacharacters.
    expect((await app.deps.services.users.list()).length).toBeGreaterThan(10);
  });

  it('when a project went through delivery and acceptance with named beneficiaries, then no public page shows a name, phone or ID number', async () => {
    const a = api(app);
    const registered = await a.post(U.c1, '/beneficiaries', { name: '欧阳娜娜', idNumber: `44040219500315091${checkDigit('44040219500315091')}`, phone: '13712345678', address: '珠海市香洲区测试路1号' });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    const beneficiary = registered.body.beneficiary as { id: string; idNumber: string };
    const p = await a.create(U.c1, goodsProject({ title: '个人信息测试项目' }));
    const delivering: Project = await toDelivery(app, p.id, VENDORS.kangfu, [{ name: '履带式爬楼机', quantity: 1, unitFen: 1_800_000 }]);
    const item = delivering.contract!.items[0]!;
    await a.ok('vendor1@example.org', p.id, 'RECORD_DELIVERY', { itemId: item.id, quantity: 1, beneficiaryRef: beneficiary.id, evidence: [await api(app).upload('vendor1@example.org', 'photo-1.pdf')] });
    await a.ok(U.c2, p.id, 'CONFIRM_RECEIPT', { itemId: item.id, quantity: 1 });
    await a.ok('vendor1@example.org', p.id, 'REQUEST_ACCEPTANCE');
    // 助行: the beneficiary signs the acceptance; its result is then on public notice
    const noticed = await a.ok(U.c2, p.id, 'RECORD_ACCEPTANCE', {
      passed: true, satisfactionPct: 95, signatories: [{ role: 'community', name: '王强' }, { role: 'residents_rep', name: '陈大文' }, { role: 'beneficiary', name: '欧阳娜娜' }],
    });
    expect(noticed.state).toBe('acceptance_notice');

    const people = [
      { name: '黄秀英', idNumber: '440402195003150020', phone: '13800001111' },
      { name: '林国华', idNumber: '440402194811020019', phone: '13800002222' },
      { name: '何美玲', idNumber: '440402196207070027', phone: '13800003333' },
      { name: '欧阳娜娜', idNumber: beneficiary.idNumber, phone: '13712345678' },
    ];
    const list = await anon.get('/public/projects?q=%E4%B8%AA%E4%BA%BA%E4%BF%A1%E6%81%AF');
    expect(list.text).toContain('个人信息测试项目');
    const noPersonalData = async (when: string) => {
      const paths = ['/public', '/public/notices', `/public/notices/${noticeId}`, `/public/notices/${p.id}`, '/public/projects', `/public/projects/${p.id}`, `/public/projects/${noticeId}`, '/public/stats'];
      const projects = (await app.deps.services.projects.list(null, { pageSize: 200 })).projects;
      for (const pr of projects) paths.push(`/public/projects/${pr.id}`);
      for (const path of paths) {
        for (const q of ['', '?lang=en']) {
          const res = await anon.get(path + q);
          if (res.status === 404) continue; // not yet public (draft, screening, …) or no notice now
          expect(res.status, `${when}: ${path}`).toBe(200);
          for (const person of people) {
            expect(res.text, `${when}: ${path} shows ${person.name}`).not.toContain(person.name);
            expect(res.text, `${when}: ${path} shows an ID number`).not.toContain(person.idNumber);
            expect(res.text, `${when}: ${path} shows a phone`).not.toContain(person.phone);
          }
          expect(res.text, `${when}: ${path}`).not.toContain(beneficiary.id);
        }
      }
      // The masked project as the public service hands it over carries no personal data either.
      const payload = JSON.stringify(await app.deps.services.publicSite.project(p.id));
      for (const person of people) expect(payload, when).not.toContain(person.name);
      expect(payload, when).not.toContain(beneficiary.id);
    };
    // the acceptance result notice is on the public pages
    expect((await anon.get(`/public/notices/${p.id}`)).status).toBe(200);
    await noPersonalData('acceptance notice');
    expect((await passNoticeIfHeld(app, noticed)).state).toBe('settlement');
    await noPersonalData('settlement');
  });
});

/** GB 11643 check character for the first 17 digits. */
function checkDigit(first17: string): string {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  return '10X98765432'[[...first17].reduce((s, d, i) => s + Number(d) * w[i]!, 0) % 11]!;
}
