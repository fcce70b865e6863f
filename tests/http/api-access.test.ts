// Who may read what through the JSON API: authentication, the scope of GET/list/history/allocations
// per role, beneficiaries' personal data (masked or absent for other roles, every unmasked read
// logged) and sealed quotes (no role, not even the buyer, sees an amount before the deadline).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import {
  api, deliverAll, expectRefused, goodsProject, invite, passQuoteDeadline, shanghaiDay, toDelivery, toPreparing,
  worksProject, GOOD_CHECKLIST, SIGNATORIES, U, VENDORS, type Api, type Project,
} from '../support/lifecycle.js';

const BENEFICIARY = { name: '黄秀英', idNumber: '440402195003150020', phone: '13800001111', address: '珠海市香洲区莲花路18号3栋601' };

describe('API access', () => {
  let app: TestApp;
  let a: Api;
  let lianhua: Project; // a cm-lianhua project (street st-gongbei)
  let haibin: Project; // a cm-haibin project (street st-jida)

  beforeAll(async () => {
    app = await createTestApp();
    a = api(app);
    lianhua = await a.create(U.c1, goodsProject({ title: '莲花社区访问测试' }));
    haibin = await a.create(U.c3, goodsProject({ title: '海滨社区访问测试' }));
  });
  afterAll(async () => app?.close());

  describe('authentication', () => {
    it('when a request carries no token, then every read answers 401 UNAUTHENTICATED', async () => {
      for (const path of ['/me', '/projects', `/projects/${lianhua.id}`, `/projects/${lianhua.id}/history`, '/allocations', '/vendors', '/beneficiaries']) {
        const res = await app.http.get(`/api/v1${path}`);
        expectRefused(res, 401, 'UNAUTHENTICATED');
      }
      expectRefused(await app.http.post('/api/v1/projects').send(goodsProject()), 401, 'UNAUTHENTICATED');
      expectRefused(await app.http.post(`/api/v1/projects/${lianhua.id}/events`).send({ type: 'SUBMIT' }), 401, 'UNAUTHENTICATED');
      expectRefused(await app.http.post('/api/v1/_clock').send({ advanceMs: 1 }), 401, 'UNAUTHENTICATED');
      expect((await a.project(U.c1, lianhua.id)).state).toBe('draft');
    });

    it('when the token is malformed or unknown, then the answer is 401 UNAUTHENTICATED', async () => {
      expectRefused(await app.http.get('/api/v1/me').set('Authorization', 'Bearer short'), 401, 'UNAUTHENTICATED');
      expectRefused(await app.http.get('/api/v1/me').set('Authorization', 'Basic dXNlcjpwYXNz'), 401, 'UNAUTHENTICATED');
      expectRefused(await app.http.get('/api/v1/me').set('Authorization', `Bearer ${'x'.repeat(43)}`), 401, 'UNAUTHENTICATED');
    });

    it('when /auth/token gets a wrong password, an unknown e-mail or no fields, then it answers 401 UNAUTHENTICATED and no token', async () => {
      for (const body of [{ email: U.c1, password: 'wrong-password' }, { email: 'nobody@example.org', password: 'weishishi-demo' }, {}, { email: U.c1 }]) {
        const res = await app.http.post('/api/v1/auth/token').send(body);
        expectRefused(res, 401, 'UNAUTHENTICATED');
        expect(res.body.token).toBeUndefined();
      }
    });

    it('when /auth/token gets the right password, then the token works for /me, which shows who is signed in and no secrets', async () => {
      const login = await app.http.post('/api/v1/auth/token').send({ email: U.c1, password: 'weishishi-demo' });
      expect(login.status).toBe(200);
      expect(login.body.user).toMatchObject({ email: U.c1, role: 'community', communityId: 'cm-lianhua' });
      const me = await app.http.get('/api/v1/me').set('Authorization', `Bearer ${login.body.token}`);
      expect(me.status).toBe(200);
      expect(me.body.user).toMatchObject({ email: U.c1, role: 'community', communityId: 'cm-lianhua', streetId: 'st-gongbei' });
      expect(typeof me.body.user.id).toBe('string');
      expect(typeof me.body.user.name).toBe('string');
      expect(JSON.stringify(me.body)).not.toMatch(/password|hash/i);
      const vendor = await a.get(U.v2, '/me');
      expect(vendor.body.user).toMatchObject({ role: 'vendor', vendorId: VENDORS.anju });
      const street = await a.get(U.street, '/me');
      expect(street.body.user).toMatchObject({ role: 'street', streetId: 'st-gongbei' });
      expect(street.body.user.communityId).toBeUndefined();
    });

    it('when an error is answered, then its message is in zh-CN by default and in English with Accept-Language: en', async () => {
      const zh = await app.http.get('/api/v1/me');
      expect(zh.body.error.message).toMatch(/[\u4e00-\u9fff]/);
      const en = await app.http.get('/api/v1/me').set('Accept-Language', 'en-GB,en;q=0.9');
      expect(en.body.error.code).toBe('UNAUTHENTICATED');
      expect(en.body.error.message).toMatch(/^[\x20-\x7e]+$/);
      const enReason = await a.get(U.c3, `/projects/${lianhua.id}`, { 'Accept-Language': 'en' });
      expectRefused(enReason, 403, 'FORBIDDEN', 'OUT_OF_SCOPE');
      expect(enReason.body.error.message).toMatch(/^[\x20-\x7e]+$/);
      expect(enReason.body.error.reasons[0].message).toMatch(/^[\x20-\x7e]+$/);
      const zhReason = await a.get(U.c3, `/projects/${lianhua.id}`);
      expect(zhReason.body.error.reasons[0].message).toMatch(/[\u4e00-\u9fff]/);
    });
  });

  describe('scope of reads', () => {
    it('when community staff read another community\'s project, its history or its allocations, then they are refused with OUT_OF_SCOPE or see nothing', async () => {
      expectRefused(await a.get(U.c3, `/projects/${lianhua.id}`), 403, 'FORBIDDEN', 'OUT_OF_SCOPE');
      expectRefused(await a.get(U.c3, `/projects/${lianhua.id}/history`), 403, 'FORBIDDEN', 'OUT_OF_SCOPE');
      expectRefused(await a.send(U.c3, lianhua.id, 'COMMENT', { text: '看看' }), 403, 'FORBIDDEN', 'OUT_OF_SCOPE');
      const list = await a.get(U.c3, '/projects?pageSize=200');
      const ids = (list.body.projects as Array<{ id: string; communityId: string }>);
      expect(ids.map((p) => p.id)).toContain(haibin.id);
      expect(ids.every((p) => p.communityId === 'cm-haibin')).toBe(true);
      // An explicit filter for another community widens nothing.
      const filtered = await a.get(U.c3, '/projects?communityId=cm-lianhua');
      expect(filtered.body).toMatchObject({ projects: [], total: 0 });
      const alloc = await a.get(U.c3, '/allocations?communityId=cm-lianhua');
      expect(alloc.status).toBe(200);
      expect(alloc.body.allocations).toEqual([]);
      const own = await a.get(U.c3, '/allocations');
      expect(new Set((own.body.allocations as Array<{ communityId: string }>).map((x) => x.communityId))).toEqual(new Set(['cm-haibin']));
    });

    it('when the street reads, then it sees its own street\'s communities only', async () => {
      expect((await a.project(U.street, lianhua.id)).id).toBe(lianhua.id);
      expectRefused(await a.get(U.street, `/projects/${haibin.id}`), 403, 'FORBIDDEN', 'OUT_OF_SCOPE');
      expectRefused(await a.get(U.street, `/projects/${haibin.id}/history`), 403, 'FORBIDDEN', 'OUT_OF_SCOPE');
      const list = await a.get(U.street, '/projects?pageSize=200');
      const streets = new Set((list.body.projects as Array<{ streetId: string }>).map((p) => p.streetId));
      expect(streets).toEqual(new Set(['st-gongbei']));
      expect(list.body.total).toBe(list.body.projects.length);
      const alloc = await a.get(U.street, '/allocations?year=2026');
      expect(new Set((alloc.body.allocations as Array<{ communityId: string }>).map((x) => x.communityId))).toEqual(new Set(['cm-lianhua', 'cm-yuehai']));
    });

    it('when the district or finance read, then they see the whole district', async () => {
      for (const who of [U.district, U.finance]) {
        const list = await a.get(who, '/projects?pageSize=200');
        const ids = (list.body.projects as Array<{ id: string }>).map((p) => p.id);
        expect(ids).toEqual(expect.arrayContaining([lianhua.id, haibin.id]));
        expect((await a.project(who, haibin.id)).id).toBe(haibin.id);
        const alloc = await a.get(who, '/allocations?year=2026');
        expect((alloc.body.allocations as unknown[]).length).toBe(3);
      }
    });

    it('when a vendor reads, then it sees only projects it is invited to and no allocations', async () => {
      expectRefused(await a.get(U.v1, `/projects/${lianhua.id}`), 403, 'FORBIDDEN', 'OUT_OF_SCOPE');
      expect((await a.get(U.v1, '/projects')).body).toMatchObject({ projects: [], total: 0 });
      expectRefused(await a.get(U.v1, '/allocations'), 403, 'FORBIDDEN', 'WRONG_ROLE');
      const p = await a.create(U.c1, worksProject({ title: '邀请可见性测试' }));
      await toPreparing(app, p.id);
      await invite(app, p.id, [VENDORS.kangfu, VENDORS.anju, VENDORS.xinyuan]);
      const seen = await a.get(U.v1, '/projects?pageSize=200');
      expect((seen.body.projects as Array<{ id: string }>).map((x) => x.id)).toEqual([p.id]);
      const view = await a.project(U.v1, p.id);
      expect(view.procurement!.invitations).toEqual([VENDORS.kangfu]);
      expect((await a.get(U.v1, `/projects/${p.id}/history`)).status).toBe(200);
      expectRefused(await a.get(U.v1, `/projects/${lianhua.id}/history`), 403, 'FORBIDDEN', 'OUT_OF_SCOPE');
    });

    it('when a project id does not exist, then GET, history and events answer 404 NOT_FOUND', async () => {
      expectRefused(await a.get(U.district, '/projects/no-such-project'), 404, 'NOT_FOUND');
      expectRefused(await a.get(U.district, '/projects/no-such-project/history'), 404, 'NOT_FOUND');
      expectRefused(await a.send(U.district, 'no-such-project', 'CANCEL', { reason: 'x' }), 404, 'NOT_FOUND');
      expectRefused(await a.get(U.district, '/no-such-route'), 404, 'NOT_FOUND');
    });

    it('when list filters are out of range, then the answer is 422 INVALID, not 500', async () => {
      expectRefused(await a.get(U.district, '/projects?pageSize=500'), 422, 'INVALID');
      expectRefused(await a.get(U.district, '/projects?page=0'), 422, 'INVALID');
      expectRefused(await a.get(U.district, '/projects?type=spaceship'), 422, 'INVALID');
      const year = await a.get(U.district, '/allocations?year=abc');
      expectRefused(year, 422, 'INVALID');
      expect(Object.keys(year.body.error.fields)).toEqual(['year']);
      const community = await a.get(U.district, `/allocations?communityId=${'x'.repeat(65)}`);
      expectRefused(community, 422, 'INVALID');
      expect(Object.keys(community.body.error.fields)).toEqual(['communityId']);
      const ok = await a.get(U.district, '/projects?q=%25_%5C&pageSize=200');
      expect(ok.status).toBe(200);
    });
  });

  describe('personal data of beneficiaries', () => {
    async function accessLogCount(): Promise<number> {
      const r = await app.deps.db('beneficiary_access_log').count<{ n: number | string }[]>({ n: '*' });
      return Number(r[0]!.n);
    }

    it('when the beneficiary\'s own community reads the register, then it is unmasked and every read is logged with the reader', async () => {
      const before = await accessLogCount();
      const res = await a.get(U.c2, '/beneficiaries');
      expect(res.status).toBe(200);
      const list = res.body.beneficiaries as Array<Record<string, unknown>>;
      expect(list.length).toBe(3);
      // registered at the same instant as the demo's, so found by its number rather than its place
      expect(list.find((b) => b.idNumber === BENEFICIARY.idNumber)).toMatchObject({ ...BENEFICIARY, masked: false, disabilityType: '肢体' });
      expect(await accessLogCount()).toBe(before + list.length);
      const c2 = (await a.get(U.c2, '/me')).body.user.id as string;
      for (const b of list) {
        const log = await app.deps.services.beneficiaries.accessLog(String(b.id));
        expect(log.at(-1)).toMatchObject({ userId: c2, purpose: 'api' });
      }
    });

    it('when the street, the district or finance read the register, then names, ID numbers, phones and addresses are masked, health data is absent and nothing is logged', async () => {
      const before = await accessLogCount();
      for (const who of [U.street, U.district, U.finance]) {
        const res = await a.get(who, '/beneficiaries?communityId=cm-lianhua');
        expect(res.status).toBe(200);
        const first = (res.body.beneficiaries as Array<Record<string, unknown>>).find((b) => b.idNumber === '4404**********0020');
        expect(first).toMatchObject({ name: '黄*英', idNumber: '4404**********0020', phone: '138****1111', address: '珠海市香洲区***', disabilityType: null, disabilityLevel: null, masked: true });
        const text = JSON.stringify(res.body);
        for (const secret of Object.values(BENEFICIARY)) expect(text).not.toContain(secret);
        expect(text).not.toContain('肢体');
      }
      expect(await accessLogCount()).toBe(before);
    });

    it('when a vendor, an admin or another community asks for the register, then it is refused', async () => {
      expectRefused(await a.get(U.v1, '/beneficiaries?communityId=cm-lianhua'), 403, 'FORBIDDEN', 'WRONG_ROLE');
      expectRefused(await a.get(U.admin, '/beneficiaries?communityId=cm-lianhua'), 403, 'FORBIDDEN', 'WRONG_ROLE');
      expectRefused(await a.get(U.c3, '/beneficiaries?communityId=cm-lianhua'), 403, 'FORBIDDEN', 'OUT_OF_SCOPE');
      expectRefused(await a.get(U.street, '/beneficiaries?communityId=cm-haibin'), 403, 'FORBIDDEN', 'OUT_OF_SCOPE');
      expectRefused(await a.get(U.district, '/beneficiaries?communityId=no-such'), 404, 'NOT_FOUND');
      expectRefused(await a.get(U.district, '/beneficiaries'), 422, 'INVALID');
    });

    it('when a beneficiary is registered with an invalid ID number or by another role, then it is refused and nothing is stored', async () => {
      const count = async () => Number((await app.deps.db('beneficiaries').count<{ n: number }[]>({ n: '*' }))[0]!.n);
      const before = await count();
      const bad = await a.post(U.c1, '/beneficiaries', { ...BENEFICIARY, idNumber: '440402195003150021' });
      expectRefused(bad, 422, 'INVALID');
      expect(Object.keys(bad.body.error.fields)).toContain('idNumber');
      expectRefused(await a.post(U.street, '/beneficiaries', BENEFICIARY), 403, 'FORBIDDEN', 'WRONG_ROLE');
      expect(await count()).toBe(before);
    });

    it('when a project names beneficiaries and an objector, then other roles get masks or nothing, and the own community sees them', async () => {
      const beneficiaries = (await a.get(U.c1, '/beneficiaries')).body.beneficiaries as Array<{ id: string }>;
      // Objection while on public notice, from a resident with a phone number.
      const p = await a.create(U.c1, goodsProject({ title: '受益人信息保护测试' }));
      await a.ok(U.c1, p.id, 'SUBMIT');
      await a.ok(U.c2, p.id, 'SCREEN_PASS', { checklist: GOOD_CHECKLIST });
      await a.ok(U.c1, p.id, 'RECORD_DELIBERATION', { members: 9, present: 7, for: 6, against: 1, abstain: 0, heldOn: shanghaiDay(app), minutes: '同意' });
      expect((await a.send(null, p.id, 'OBJECT', { text: '请公开采购价格。', contact: '13912345678' })).status).toBe(200);
      const own = await a.project(U.c2, p.id);
      expect(own.objections[0]!.contact).toBe('13912345678');
      for (const who of [U.street, U.district, U.finance]) {
        const view = await a.project(who, p.id);
        expect(view.objections[0]!.contact).toBe('139****5678');
        expect(JSON.stringify(view)).not.toContain('13912345678');
        const history = await a.get(who, `/projects/${p.id}/history`);
        expect(JSON.stringify(history.body)).not.toContain('13912345678');
      }

      // A delivery to a beneficiary and an acceptance signed by the beneficiary.
      const q = await a.create(U.c1, goodsProject({ title: '受益人签收测试', estimatedFen: 1_800_000, items: [{ name: '爬楼机', quantity: 1, unitFen: 1_800_000 }] }));
      const delivering = await toDelivery(app, q.id, VENDORS.kangfu, [{ name: '爬楼机', quantity: 1, unitFen: 1_800_000 }]);
      const item = delivering.contract!.items[0]!;
      await a.ok(U.v1, q.id, 'RECORD_DELIVERY', { itemId: item.id, quantity: 1, beneficiaryRef: beneficiaries[0]!.id, evidence: [await a.upload(U.v1, 'photo.pdf')] });
      await a.ok(U.c2, q.id, 'CONFIRM_RECEIPT', { itemId: item.id, quantity: item.quantity });
      await a.ok(U.v1, q.id, 'REQUEST_ACCEPTANCE');
      await a.ok(U.c2, q.id, 'RECORD_ACCEPTANCE', { passed: true, satisfactionPct: 95, signatories: SIGNATORIES });
      expect((await a.project(U.c1, q.id)).acceptances[0]!.signatories).toContainEqual({ role: 'beneficiary', name: '黄秀英' });
      for (const who of [U.street, U.district, U.finance, U.v1]) {
        const view = await a.project(who, q.id);
        expect(view.acceptances[0]!.signatories).toContainEqual({ role: 'beneficiary', name: '黄*英' });
        const history = await a.get(who, `/projects/${q.id}/history`);
        expect(history.status).toBe(200);
        for (const text of [JSON.stringify(view), JSON.stringify(history.body)]) {
          for (const secret of Object.values(BENEFICIARY)) expect(text, who).not.toContain(secret);
        }
      }
      // Finance has no need for the beneficiary reference of a delivery.
      expect((await a.project(U.finance, q.id)).contract!.items[0]!.deliveries[0]!.beneficiaryRef).toBeNull();
      for (const who of [U.finance, U.admin]) {
        const history = (await a.get(who, `/projects/${q.id}/history`)).body.history as Array<{ type: string; payload: Record<string, unknown> }>;
        expect(history.find((h) => h.type === 'RECORD_DELIVERY')!.payload.beneficiaryRef, who).toBeNull();
        expect(JSON.stringify(history), who).not.toContain(beneficiaries[0]!.id);
      }
      expect((await a.project(U.c1, q.id)).contract!.items[0]!.deliveries[0]!.beneficiaryRef).toBe(beneficiaries[0]!.id);
    });
  });

  describe('sealed quotes', () => {
    it('when quotes are in, then no role — not even the buyer — sees an amount before the deadline, a vendor sees only its own, and all are open after', async () => {
      const p = await a.create(U.c1, worksProject({ title: '密封报价测试' }));
      await toPreparing(app, p.id);
      const quoting = await invite(app, p.id, [VENDORS.kangfu, VENDORS.anju, VENDORS.xinyuan]);
      const validUntil = shanghaiDay(app, 60);
      const amounts: Record<string, number> = { [VENDORS.kangfu]: 5_811_111, [VENDORS.anju]: 5_422_222, [VENDORS.xinyuan]: 5_733_333 };
      await a.ok(U.v1, p.id, 'SUBMIT_QUOTE', { amountFen: amounts[VENDORS.kangfu], items: [{ name: '改造', quantity: 1, unitFen: amounts[VENDORS.kangfu] }], validUntil });
      await a.ok(U.v2, p.id, 'SUBMIT_QUOTE', { amountFen: 5_999_999, validUntil });
      // A resubmission replaces the quote; still sealed.
      await a.ok(U.v2, p.id, 'SUBMIT_QUOTE', { amountFen: amounts[VENDORS.anju], validUntil });
      await a.ok(U.v3, p.id, 'SUBMIT_QUOTE', { amountFen: amounts[VENDORS.xinyuan], validUntil });

      const secrets = [...Object.values(amounts), 5_999_999].map(String);
      for (const who of [U.c1, U.c2, U.street, U.district, U.district2, U.finance]) {
        const view = await a.project(who, p.id);
        expect(view.state).toBe('procurement.quoting');
        expect(view.procurement!.quotes).toHaveLength(3);
        for (const q of view.procurement!.quotes) {
          expect(q.sealed, who).toBe(true);
          expect(q.amountFen, who).toBeUndefined();
        }
        const history = await a.get(who, `/projects/${p.id}/history`);
        const list = await a.get(who, '/projects?pageSize=200');
        for (const text of [JSON.stringify(view), JSON.stringify(history.body), JSON.stringify(list.body)]) {
          for (const s of secrets) expect(text, `${who} sees ${s}`).not.toContain(s);
        }
      }
      for (const [vendorId, email] of [[VENDORS.kangfu, U.v1], [VENDORS.anju, U.v2], [VENDORS.xinyuan, U.v3]] as const) {
        const view = await a.project(email, p.id);
        expect(view.procurement!.quotes).toEqual([expect.objectContaining({ vendorId, sealed: false, amountFen: amounts[vendorId] })]);
        const history = (await a.get(email, `/projects/${p.id}/history`)).body.history as Array<{ type: string; actor: { role: string }; payload: Record<string, unknown> }>;
        const quotes = history.filter((h) => h.type === 'SUBMIT_QUOTE');
        // sealed procurement: before the award a vendor sees only its own quotes (anju quoted twice)
        expect(quotes).toHaveLength(vendorId === VENDORS.anju ? 2 : 1);
        const others = secrets.filter((s) => s !== String(amounts[vendorId]) && !(vendorId === VENDORS.anju && s === '5999999'));
        for (const s of others) expect(JSON.stringify(history), `${email} sees ${s}`).not.toContain(s);
        expect(JSON.stringify(history)).toContain(String(amounts[vendorId]));
      }

      await passQuoteDeadline(app, quoting);
      const open = await a.project(U.c1, p.id);
      expect(open.state).toBe('procurement.evaluating');
      expect(Object.fromEntries(open.procurement!.quotes.map((q) => [q.vendorId, q.amountFen]))).toEqual(amounts);
      const history = await a.get(U.district, `/projects/${p.id}/history`);
      expect(JSON.stringify(history.body)).toContain(String(amounts[VENDORS.anju]));
      // After the deadline a vendor still sees only its own quote.
      const v1 = await a.project(U.v1, p.id);
      expect(v1.procurement!.quotes.map((q) => q.vendorId)).toEqual([VENDORS.kangfu]);
      expect(JSON.stringify(v1)).not.toContain(String(amounts[VENDORS.anju]));
    });
  });

  it('when a project is awarded directly (no invitation), then the awarded vendor sees it and acts on it, and other vendors do not', async () => {
    const p = await a.create(U.c1, goodsProject({ title: '直接采购：中标供应商可见' }));
    await toDelivery(app, p.id, VENDORS.anju, [{ name: '爬楼机', quantity: 2, unitFen: 1_800_000 }]);
    expect((await a.project(U.v2, p.id)).state).toBe('delivery');
    expect(((await a.get(U.v2, '/projects?pageSize=200')).body.projects as Array<{ id: string }>).map((x) => x.id)).toContain(p.id);
    expectRefused(await a.get(U.v1, `/projects/${p.id}`), 403, 'FORBIDDEN', 'OUT_OF_SCOPE');
    expect((await deliverAll(app, p.id, VENDORS.anju)).state).toBe('acceptance');
  });
});
