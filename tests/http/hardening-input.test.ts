// Issue 9, items 2, 8 and the text part of 9, reproduced on the real database through the API and
// the pages: each attack now answers 422 and changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { api, expectRefused, goodsProject, U, type Api } from '../support/lifecycle.js';
import { agentFor, postForm } from './pages-helpers.js';

describe('hardening: amounts, numbers and text', () => {
  let app: TestApp;
  let a: Api;

  beforeAll(async () => {
    app = await createTestApp();
    a = api(app);
  });
  afterAll(async () => app?.close());

  /** Sends an EDIT that must be refused, and checks that the project did not change and still opens. */
  async function refusedEdit(id: string, fields: unknown, status: number, code: string, field?: string) {
    const before = await a.project(U.c1, id);
    const res = await a.send(U.c1, id, 'EDIT', { fields });
    expectRefused(res, status, code);
    if (field) expect(Object.keys(res.body.error.fields ?? {}), JSON.stringify(res.body)).toContain(field);
    const after = await a.project(U.c1, id);
    expect({ version: after.version, estimatedFen: after.estimatedFen, items: after.items, title: (after as { title?: string }).title })
      .toEqual({ version: before.version, estimatedFen: before.estimatedFen, items: before.items, title: (before as { title?: string }).title });
    return res;
  }

  const countProjects = async () => (await a.get(U.c1, '/projects')).body.total as number;

  describe('item 2: one EDIT makes a project unreadable', () => {
    it('when an EDIT sends a line worth more than 2^53, then it is 422 and the project still opens', async () => {
      const p = await a.create(U.c1, goodsProject());
      await refusedEdit(p.id, { items: [{ name: '天价', quantity: 1_000_000_000, unitFen: 1_000_000_000 }] }, 422, 'INVALID', 'fields.items.0.quantity');
      await refusedEdit(p.id, { items: [{ name: '天价', quantity: 9_000_000, unitFen: 9_000_000_000 }] }, 422, 'INVALID', 'fields.items.0.unitFen');
      await refusedEdit(p.id, { items: Array.from({ length: 3 }, (_, i) => ({ name: `行${i}`, quantity: 1, unitFen: 9_000_000_000_000 })) }, 422, 'INVALID', 'fields.items');
      expect((await app.http.get(`/projects/${p.id}`)).status).toBeLessThan(500);
    });

    it('when an EDIT sets an estimate of 1 fen on items worth ¥9,999,999.99, then it is 422 and SUBMIT still sees the true sum', async () => {
      const p = await a.create(U.c1, goodsProject());
      await refusedEdit(p.id, { estimatedFen: 1, items: [{ name: '爬楼机', quantity: 1, unitFen: 999_999_999 }] }, 422, 'INVALID', 'fields.estimatedFen');
      // The estimate alone against the items the project holds: a rule on the state (409).
      const res = await refusedEdit(p.id, { estimatedFen: 1 }, 409, 'EVENT_NOT_ALLOWED');
      expect(res.body.error.reasons[0]).toMatchObject({ code: 'ESTIMATE_NOT_ITEMS_SUM', params: { sumFen: 3_600_000, estimatedFen: 1 } });
      expect(res.body.error.reasons[0].message).toContain('¥36,000.00');
    });

    it('when an EDIT changes the items only, then the estimate is recomputed from them', async () => {
      const p = await a.create(U.c1, goodsProject());
      const edited = await a.ok(U.c1, p.id, 'EDIT', { fields: { items: [{ name: '扶手', quantity: 3, unitFen: 45_000 }] } });
      expect(edited.estimatedFen).toBe(135_000);
      const history = (await a.get(U.c1, `/projects/${p.id}/history`)).body.history as Array<{ type: string; payload: { fields?: { estimatedFen?: number } } }>;
      expect(history.at(-1)!.payload.fields?.estimatedFen).toBe(135_000);
      expect((await a.ok(U.c1, p.id, 'SUBMIT')).state).toBe('screening');
    });

    it('when an EDIT breaks another rule of a new project, then it is 422', async () => {
      const p = await a.create(U.c1, goodsProject());
      await refusedEdit(p.id, { category: '火箭' }, 422, 'INVALID', 'fields.category');
      await refusedEdit(p.id, { estimatedFen: 0 }, 422, 'INVALID', 'fields.estimatedFen');
      await refusedEdit(p.id, { description: '' }, 422, 'INVALID', 'fields.description');
      await refusedEdit(p.id, { items: [] }, 422, 'INVALID', 'fields.items');
    });
  });

  describe('item 8: numbers read wrongly', () => {
    it('when POST /projects sends fen as strings, hex, fractions or past the bound, then it is 422 and nothing is created', async () => {
      const before = await countProjects();
      const one = [{ name: '扶手', quantity: 1, unitFen: 100 }];
      for (const [estimatedFen, items] of [
        ['0x64', one], ['100', one], ['1e2', one], [100.5, [{ name: '扶手', quantity: 1, unitFen: 100.5 }]],
        [100, [{ name: '扶手', quantity: '1', unitFen: 100 }]], [100, [{ name: '扶手', quantity: 1, unitFen: '0x64' }]],
        [2 ** 53, [{ name: '扶手', quantity: 1, unitFen: 2 ** 53 }]], [-100, [{ name: '扶手', quantity: -1, unitFen: 100 }]],
      ] as const) {
        const res = await a.post(U.c1, '/projects', { ...goodsProject(), estimatedFen, items });
        expectRefused(res, 422, 'INVALID');
      }
      expect(await countProjects()).toBe(before);
      // A JSON integer (also written 1e2 in JSON) is an integer of fen.
      expect((await app.http.post('/api/v1/projects').set('authorization', `Bearer ${await app.token(U.c1)}`).set('content-type', 'application/json')
        .send(JSON.stringify({ ...goodsProject(), items: one }).replace('"estimatedFen":3600000', '"estimatedFen":1e2'))).status).toBe(201);
    });

    it('when the admin allocation form sends 0x10 or 1e3, then it is 422 and the allocation is unchanged; decimal yuan is taken', async () => {
      const admin = await agentFor(app, U.admin);
      const year = 2026;
      const allocation = async () => (await app.deps.db('allocations').where({ community_id: 'cm-lianhua', year }).first()).allocated_fen as number;
      const before = await allocation();
      for (const allocated of ['0x10', '1e3', '-5', '12.345', '', '１e３']) {
        const res = await postForm(admin, `/admin/allocations?year=${year}`, '/admin/allocations', { communityId: 'cm-lianhua', year: String(year), allocated });
        expect(res.status, allocated).toBe(422);
        expect(Number(await allocation()), allocated).toBe(Number(before));
      }
      const ok = await postForm(admin, `/admin/allocations?year=${year}`, '/admin/allocations', { communityId: 'cm-lianhua', year: String(year), allocated: '3,000,000.50' });
      expect(ok.status).toBe(303);
      expect(Number(await allocation())).toBe(300_000_050);
    });

    it('when the ledger is asked directly with a string amount, then it refuses it', async () => {
      await expect(app.deps.services.ledger.setAllocation({ communityId: 'cm-lianhua', year: 2026, allocatedFen: '100' }, app.clock.now().toISOString()))
        .rejects.toMatchObject({ code: 'INVALID' });
    });
  });

  describe('item 9: text hygiene', () => {
    it.each([
      ['NUL', 'a\u0000b', 'validation.text_control'],
      ['a lone surrogate', 'x\uD83Dy', 'validation.text_surrogate'],
      ['only zero-width characters', '\u200B\u200C\u200D\u2060', 'validation.text_invisible'],
      ['CR/LF in a one-line field', '标题\r\n伪造的第二行', 'validation.one_line'],
    ])('when a new project title holds %s, then it is 422 with an i18n key and nothing is created', async (_what, title, key) => {
      const before = await countProjects();
      const res = await a.post(U.c1, '/projects', goodsProject({ title }));
      expectRefused(res, 422, 'INVALID');
      expect(res.body.error.fields.title).toBeTruthy();
      expect(await countProjects()).toBe(before);
      // the key is translated, not shown raw
      expect(res.body.error.fields.title).not.toBe(key);
    });

    it('when free text holds a line break, then it is taken; NUL, zero-width-only text and line breaks in names are refused', async () => {
      const p = await a.create(U.c1, goodsProject({ description: '第一段\r\n第二段' }));
      expect(p.description).toBe('第一段\r\n第二段');
      await refusedEdit(p.id, { title: '\u200B' }, 422, 'INVALID', 'fields.title');
      await refusedEdit(p.id, { items: [{ name: '扶手\n', quantity: 1, unitFen: 100 }, { name: 'a\nb', quantity: 1, unitFen: 1 }] }, 422, 'INVALID', 'fields.items.1.name');
      const version = (await a.project(U.c1, p.id)).version;
      expectRefused(await a.send(U.c1, p.id, 'COMMENT', { text: 'x\u0000' }), 422, 'INVALID');
      expectRefused(await a.send(U.c1, p.id, 'COMMENT', { text: '\uFEFF\u200B' }), 422, 'INVALID');
      expect((await a.project(U.c1, p.id)).version).toBe(version);
      expect((await a.ok(U.c1, p.id, 'COMMENT', { text: '多行\n评论' })).version).toBe(version + 1);
    });

    it('when a user, a street or a vendor is named with CR/LF or NUL, then the service refuses it', async () => {
      const { users, reference } = app.deps.services;
      await expect(users.create({ email: 'crlf@example.org', name: '张三\r\nBcc: x', role: 'district', password: 'long-enough-password', districtId: 'xz' }))
        .rejects.toMatchObject({ code: 'INVALID', fields: { name: 'validation.one_line' } });
      await expect(reference.createStreet({ districtId: 'xz', nameZh: '街道\u0000', nameEn: 'Street' })).rejects.toMatchObject({ code: 'INVALID' });
      await expect(reference.createStreet({ districtId: 'xz', nameZh: '\u200B', nameEn: 'Street' })).rejects.toMatchObject({ code: 'INVALID' });
      expect(await app.deps.db('users').where({ email: 'crlf@example.org' }).first()).toBeUndefined();
    });
  });
});
