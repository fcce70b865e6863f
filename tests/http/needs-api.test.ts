// The needs JSON API (/api/v1/needs): recording (community staff; the public without a token, told
// only the reference), the paged list, one need with personal data masked by role, events with
// If-Match and Idempotency-Key, and the 401/403/404/409/412/422 answers with messages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { U } from '../support/lifecycle.js';
import { verifyShippedHistory } from '../../src/engine/verify.js';

const NEED = { source: 'visit', type: 'medical_rehab', description: '走访发现：独居老人需康复训练。', contact: { name: '王秀英', phone: '13912345678' } };

describe('needs API', () => {
  let app: TestApp;
  let beneficiaryId = '';
  const auth = async (email: string) => ({ Authorization: `Bearer ${await app.token(email)}` });

  beforeAll(async () => {
    app = await createTestApp();
    beneficiaryId = (await app.t.db('beneficiaries').where({ community_id: 'cm-lianhua' }).first('id')).id;
  });
  afterAll(async () => {
    await app.close();
  });

  async function create(email: string, body: Record<string, unknown> = NEED) {
    const res = await app.http.post('/api/v1/needs').set(await auth(email)).send(body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.need as { id: string; ref: string; version: number; state: string };
  }

  it('community staff record a need of their community; the answer names the register entry unmasked to them, masked to the district', async () => {
    const need = await create(U.c1, { ...NEED, beneficiaryId });
    expect(need).toMatchObject({ state: 'received', version: 1, communityId: 'cm-lianhua', type: 'medical_rehab', source: 'visit' });
    const own = await app.http.get(`/api/v1/needs/${need.id}`).set(await auth(U.c1));
    expect(own.status).toBe(200);
    expect(own.headers.etag).toBe('"1"');
    expect(own.body.need.contact).toEqual({ name: '王秀英', phone: '13912345678', masked: false });
    expect(own.body.need.beneficiary.masked).toBe(false);
    const plain = own.body.need.beneficiary.name as string;
    const district = await app.http.get(`/api/v1/needs/${need.id}`).set(await auth(U.district));
    expect(district.status).toBe(200);
    expect(district.body.need.contact).toEqual({ name: '王*英', phone: '139****5678', masked: true });
    expect(district.body.need.beneficiary.masked).toBe(true);
    expect(district.body.need.beneficiary.name).not.toBe(plain);
    expect(JSON.stringify(district.body)).not.toContain('13912345678');
    // the unmasked read was logged by the register
    expect(Number((await app.t.db('beneficiary_access_log').where({ beneficiary_id: beneficiaryId, purpose: 'need' }).count({ n: '*' }).first())!.n)).toBeGreaterThan(0);
  });

  it('the history is masked outside the own community and still verifies without the database', async () => {
    const need = await create(U.c1, { ...NEED, beneficiaryId });
    await app.http.post(`/api/v1/needs/${need.id}/events`).set(await auth(U.c1)).send({ type: 'DECLINE', reason: '已由其他渠道解决' });
    await app.http.post(`/api/v1/needs/${need.id}/events`).set(await auth(U.c1)).send({ type: 'INFORM_RESIDENT', note: '已电话告知居民。' });
    const own = await app.http.get(`/api/v1/needs/${need.id}/history`).set(await auth(U.c1));
    const district = await app.http.get(`/api/v1/needs/${need.id}/history`).set(await auth(U.district));
    expect(own.status).toBe(200);
    expect(district.status).toBe(200);
    expect(own.body.history.map((h: { type: string }) => h.type)).toEqual(['$start', 'DECLINE', 'INFORM_RESIDENT']);
    expect(own.body.history[0].payload.input.contact).toEqual(NEED.contact);
    expect(own.body.history[0].digests['input.contact'].salt).toEqual(expect.any(String));
    const start = district.body.history[0];
    expect(start.payload.input).toMatchObject({ beneficiaryId: null, contact: { name: '王*英', phone: '139****5678' } });
    expect(start.digests['input.contact']).toEqual({ digest: expect.any(String) });
    expect(start.digests['input.beneficiaryId']).toEqual({ digest: expect.any(String) });
    expect(JSON.stringify(district.body)).not.toContain('13912345678');
    const head = (await app.t.db('workflow_instances').where({ id: need.id }).first('history_head')).history_head;
    for (const copy of [own.body.history, district.body.history]) expect(verifyShippedHistory(need.id, copy, { head })).toMatchObject({ ok: true, rows: 3 });
    expect((await app.http.get(`/api/v1/needs/${need.id}/history`).set(await auth(U.c3))).status).toBe(403);
  });

  it('the public records a need without a token and is told only its reference', async () => {
    const res = await app.http.post('/api/v1/needs').send({ ...NEED, source: 'call', communityId: 'cm-haibin' });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body.need).sort()).toEqual(['id', 'ref', 'state']);
    expect(JSON.stringify(res.body)).not.toContain('王秀英');
    const row = await app.t.db('needs').where({ id: res.body.need.id }).first();
    expect(row).toMatchObject({ source: 'public', community_id: 'cm-haibin', state: 'received', created_by: 'anonymous' });
    // no register entries from the public, and a community that exists
    expect((await app.http.post('/api/v1/needs').send({ ...NEED, communityId: 'cm-haibin', beneficiaryId })).status).toBe(422);
    const unknown = await app.http.post('/api/v1/needs').send({ ...NEED, communityId: 'cm-nowhere' });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.fields).toEqual({ communityId: expect.any(String) });
    // a bad token is not the public
    expect((await app.http.post('/api/v1/needs').set('Authorization', 'Bearer nope').send(NEED)).status).toBe(401);
  });

  it('refuses bad input with 422 and field messages in zh-CN or English', async () => {
    const bad = await app.http.post('/api/v1/needs').set(await auth(U.c1)).send({ source: 'fax', type: 'daily_care' });
    expect(bad.status).toBe(422);
    expect(Object.keys(bad.body.error.fields).sort()).toEqual(['description', 'source']);
    const en = await app.http.post('/api/v1/needs?lang=en').set(await auth(U.c1)).send({ source: 'call', type: 'daily_care', description: 'x', contact: { phone: 'abc' } });
    expect(en.status).toBe(422);
    expect(en.body.error.fields['contact.phone']).toMatch(/[a-z]/i);
    const need = await create(U.c1);
    const ev = (body: Record<string, unknown>) => app.http.post(`/api/v1/needs/${need.id}/events`).send(body);
    expect((await ev({ type: 'DECLINE' }).set(await auth(U.c1))).status).toBe(422);
    expect((await ev({ type: 'NOPE' }).set(await auth(U.c1))).status).toBe(422);
    expect((await ev({ type: 'ADOPT', projectId: 'x', newProject: {} }).set(await auth(U.c1))).status).toBe(422);
    // referral only within the need's street (海滨 is in 吉大街道)
    const out = await ev({ type: 'REFER', to: 'community', communityId: 'cm-haibin' }).set(await auth(U.c1));
    expect(out.status).toBe(422);
    expect(out.body.error.fields).toEqual({ communityId: expect.any(String) });
    expect((await ev({ type: 'REFER', to: 'community', communityId: 'cm-lianhua' }).set(await auth(U.c1))).status).toBe(422);
    expect((await ev({ type: 'REFERRAL_ESCALATION' }).set(await auth(U.c1))).status).toBe(403);
    expect((await ev({ type: 'INFORM_RESIDENT', note: 'x' }).set(await auth(U.c1))).status).toBe(409);
    expect((await app.http.get(`/api/v1/needs?state=bogus`).set(await auth(U.c1))).status).toBe(422);
  });

  it('another community gets 403; vendors and admins have no needs; an unknown need is 404', async () => {
    const need = await create(U.c1);
    const other = await app.http.get(`/api/v1/needs/${need.id}`).set(await auth(U.c3));
    expect(other.status).toBe(403);
    expect(other.body.error.reasons[0].code).toBe('OUT_OF_SCOPE');
    expect((await app.http.post(`/api/v1/needs/${need.id}/events`).set(await auth(U.c3)).send({ type: 'DECLINE', reason: 'x' })).status).toBe(403);
    expect((await app.http.post('/api/v1/needs').set(await auth(U.c3)).send({ ...NEED, communityId: 'cm-lianhua' })).status).toBe(403);
    expect((await app.http.get('/api/v1/needs').set(await auth(U.v1))).status).toBe(403);
    expect((await app.http.post('/api/v1/needs').set(await auth(U.street)).send(NEED)).status).toBe(403);
    expect((await app.http.get('/api/v1/needs/00000000-0000-4000-8000-000000000000').set(await auth(U.c1))).status).toBe(404);
    expect((await app.http.get('/api/v1/needs')).status).toBe(401);
    // the street of the need's community reads it, but acts only on what is referred to it
    expect((await app.http.get(`/api/v1/needs/${need.id}`).set(await auth(U.street))).status).toBe(200);
    expect((await app.http.post(`/api/v1/needs/${need.id}/events`).set(await auth(U.street)).send({ type: 'RESOLVE', resolution: 'x' })).status).toBe(403);
  });

  it('events take If-Match and Idempotency-Key; the street resolves what was referred to it; lists are paged, counted and scoped', async () => {
    const need = await create(U.c1, { ...NEED, type: 'accessibility' });
    const send = async (email: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
      app.http.post(`/api/v1/needs/${need.id}/events`).set({ ...(await auth(email)), ...headers }).send(body);
    expect((await send(U.c1, { type: 'REFER', to: 'street' }, { 'If-Match': '"7"' })).status).toBe(412);
    const a = await send(U.c1, { type: 'REFER', to: 'street', note: '请街道协调' }, { 'If-Match': '1', 'Idempotency-Key': 'need-k1' });
    expect(a.status).toBe(200);
    expect(a.body.need).toMatchObject({ state: 'referred', version: 2, referral: { target: { level: 'street', streetId: 'st-gongbei' } } });
    const b = await send(U.c1, { type: 'REFER', to: 'street', note: '请街道协调' }, { 'Idempotency-Key': 'need-k1' });
    expect(b.status).toBe(200);
    expect(b.body.need.version).toBe(2);
    expect(Number((await app.t.db('workflow_history').where({ instance_id: need.id, type: 'REFER' }).count({ n: '*' }).first())!.n)).toBe(1);
    // waiting for the street: its inbox part of the needs
    const waiting = await app.http.get('/api/v1/needs?waiting=me').set(await auth(U.street));
    expect(waiting.body.needs.map((n: { id: string }) => n.id)).toContain(need.id);
    expect(waiting.body.needs.find((n: { id: string }) => n.id === need.id).tasks).toEqual(['RESOLVE']);
    const resolved = await send(U.street, { type: 'RESOLVE', resolution: '已协调安装。' });
    expect(resolved.status).toBe(200);
    expect(resolved.body.need.state).toBe('resolved');

    const page = await app.http.get('/api/v1/needs?page=1&pageSize=2').set(await auth(U.c1));
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ page: 1, pageSize: 2 });
    expect(page.body.needs).toHaveLength(2);
    expect(page.body.total).toBeGreaterThan(2);
    expect(JSON.stringify(page.body)).not.toContain('13912345678');
    const byState = await app.http.get('/api/v1/needs?state=resolved&type=accessibility').set(await auth(U.district));
    expect(byState.body.needs.map((n: { id: string }) => n.id)).toEqual([need.id]);
    // 海滨社区 sees none of 莲花's needs
    const c3 = await app.http.get('/api/v1/needs').set(await auth(U.c3));
    expect(c3.body.needs.every((n: { communityId: string }) => n.communityId === 'cm-haibin')).toBe(true);
  });
});
