// Open311 GeoReport v2 over the residents' needs (issue 15 item 6): the need types as services, a
// request filed (form-encoded or JSON) and read back open, then closed with a fixed note once the
// community resolves it; the list's filters and paging; errors in the spec's shape; no personal
// data in any answer; a burst from one address refused (429) with nothing recorded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { STORAGE_KINDS } from '../support/db.js';
import { U } from '../support/lifecycle.js';

const PHONE = '13800138000';
const NAME = '李秀兰';
const TYPES = ['daily_care', 'medical_rehab', 'accessibility', 'emotional_support', 'employment', 'supplies', 'other'];

describe.each(STORAGE_KINDS)('Open311 GeoReport v2 on %s', (kind) => {
  let app: TestApp;
  let n = 0;
  /** Each test posts from an address of its own, so the limit of one does not touch another. */
  const from = () => `10.0.11.${++n}`;

  beforeAll(async () => {
    app = await createTestApp({ kind, app: { needLimits: { perAddress: 50, windowMs: 3600_000 } } });
  });
  afterAll(async () => app?.close());

  const file = (body: Record<string, unknown>, ip = from()) => app.http.post('/open311/v2/requests.json').set('X-Forwarded-For', ip).send(body);
  const needOf = async (ref: string) => app.t.db('needs').where({ ref }).first();

  it('lists the need types as services, in Chinese by default and in English on request', async () => {
    const zh = await app.http.get('/open311/v2/services.json');
    expect(zh.status).toBe(200);
    expect(zh.body.map((s: { service_code: string }) => s.service_code)).toEqual(TYPES);
    expect(zh.body[0]).toEqual({
      service_code: 'daily_care', service_name: '生活照料', description: expect.stringMatching(/[\u4e00-\u9fff]/),
      metadata: false, type: 'realtime', keywords: expect.any(String), group: expect.any(String),
    });
    const en = await app.http.get('/open311/v2/services.json?lang=en');
    expect(en.body[0].service_name).toMatch(/^[\x20-\x7e]+$/);
    const accept = await app.http.get('/open311/v2/services.json').set('Accept-Language', 'en-GB,en;q=0.9');
    expect(accept.body[2].service_name).toBe(en.body[2].service_name);
    // no XML: a clear 400 in the spec's shape
    const xml = await app.http.get('/open311/v2/services.xml');
    expect(xml.status).toBe(400);
    expect(xml.body).toEqual([{ code: 400, description: expect.stringContaining('JSON') }]);
  });

  it('files a request (form-encoded), reads it open, then closed with a note once the community resolves it', async () => {
    const res = await app.http.post('/open311/v2/requests.json').set('X-Forwarded-For', from()).type('form')
      .send({ service_code: 'accessibility', description: '楼道口需要加装扶手。', 'attribute[community]': 'cm-lianhua', phone: PHONE, first_name: NAME, address_string: '莲花路 1 号' });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toEqual([{ service_request_id: expect.stringMatching(/-XQ-2026-\d{4}$/), service_notice: expect.any(String), account_id: null }]);
    const ref = res.body[0].service_request_id as string;
    const row = await needOf(ref);
    expect(row).toMatchObject({ source: 'public', type: 'accessibility', community_id: 'cm-lianhua', state: 'received', created_by: 'anonymous' });
    // the phone is the need's contact (for the community); the name and the address are not stored
    const need = await app.deps.services.needs.get(await app.deps.services.users.get((await app.t.db('users').where({ email: U.c1 }).first('id')).id), row.id);
    expect(need.contact).toEqual({ phone: PHONE, masked: false });

    const open = await app.http.get(`/open311/v2/requests/${ref}.json`);
    expect(open.status).toBe(200);
    expect(open.body).toHaveLength(1);
    expect(open.body[0]).toMatchObject({
      service_request_id: ref, status: 'open', status_notes: '已受理，正在办理。', service_code: 'accessibility', service_name: '无障碍设施',
      description: '楼道口需要加装扶手。', agency_responsible: expect.stringMatching(/[\u4e00-\u9fff]/), address: null,
      requested_datetime: row.received_at, updated_datetime: expect.any(String),
    });

    const c1 = await app.deps.services.users.get((await app.t.db('users').where({ email: U.c1 }).first('id')).id);
    await app.deps.services.needs.send(c1, row.id, { type: 'RESOLVE', resolution: `已联系${NAME}（${PHONE}），物业已安装扶手。` });
    const closed = await app.http.get(`/open311/v2/requests/${ref}.json?lang=en`);
    expect(closed.body[0]).toMatchObject({ status: 'closed', status_notes: 'Resolved.', service_name: expect.stringMatching(/^[\x20-\x7e]+$/) });
    // the resolution (staff's words) never goes out
    expect(closed.text).not.toContain('物业');
    expect(closed.text).not.toContain(PHONE);
  });

  it('files a request as JSON with address_id as the community; staff-recorded needs show no description', async () => {
    const res = await file({ service_code: 'supplies', description: '需要一台助行器。', address_id: 'cm-haibin' });
    expect(res.status).toBe(201);
    const ref = res.body[0].service_request_id as string;
    expect((await needOf(ref)).community_id).toBe('cm-haibin');
    const nested = await file({ service_code: 'other', description: '路灯不亮。', attribute: { community: 'cm-lianhua' } });
    expect(nested.status).toBe(201);
    // a need community staff recorded on a call: listed, its description withheld
    const c1 = await app.deps.services.users.get((await app.t.db('users').where({ email: U.c1 }).first('id')).id);
    const staff = await app.deps.services.needs.create(c1, { source: 'call', type: 'emotional_support', description: `${NAME}独居，子女在外地。`, contact: { name: NAME, phone: PHONE } }) as { ref: string };
    const got = await app.http.get(`/open311/v2/requests/${staff.ref}.json`);
    expect(got.body[0]).toMatchObject({ service_request_id: staff.ref, status: 'open', description: null });
    expect(got.text).not.toContain(NAME);
  });

  it('filters the list by id, code, status and dates, and pages it', async () => {
    const refs: string[] = [];
    for (const code of ['employment', 'employment', 'medical_rehab']) {
      refs.push((await file({ service_code: code, description: '筛选测试', 'attribute[community]': 'cm-lianhua' })).body[0].service_request_id);
    }
    const byId = await app.http.get(`/open311/v2/requests.json?service_request_id=${refs[0]},${refs[2]}`);
    expect(byId.status).toBe(200);
    expect(byId.body.map((r: { service_request_id: string }) => r.service_request_id).sort()).toEqual([refs[0], refs[2]].sort());
    const byCode = await app.http.get('/open311/v2/requests.json?service_code=employment');
    expect(byCode.body.length).toBe(2);
    expect(byCode.body.every((r: { service_code: string }) => r.service_code === 'employment')).toBe(true);
    const open = await app.http.get('/open311/v2/requests.json?status=open&page_size=200');
    const closed = await app.http.get('/open311/v2/requests.json?status=closed&page_size=200');
    expect(open.body.every((r: { status: string }) => r.status === 'open')).toBe(true);
    expect(closed.body.length).toBeGreaterThan(0);
    expect(closed.body.every((r: { status: string }) => r.status === 'closed')).toBe(true);
    const all = await app.http.get('/open311/v2/requests.json?page_size=200');
    expect(all.body.length).toBe(open.body.length + closed.body.length);
    expect(all.headers['x-total-count']).toBe(String(all.body.length));
    const paged = await app.http.get('/open311/v2/requests.json?page_size=2&page=2');
    expect(paged.body.map((r: { service_request_id: string }) => r.service_request_id)).toEqual(all.body.slice(2, 4).map((r: { service_request_id: string }) => r.service_request_id));
    expect((await app.http.get('/open311/v2/requests.json?start_date=2099-01-01T00:00:00Z')).body).toEqual([]);
    expect((await app.http.get('/open311/v2/requests.json?end_date=2000-01-01T00:00:00+08:00')).body).toEqual([]);
    expect((await app.http.get('/open311/v2/requests.json?start_date=2000-01-01T00:00:00Z')).body.length).toBe(Math.min(50, all.body.length));
    for (const bad of ['status=pending', 'service_code=nope', 'page_size=201', 'page=0', 'start_date=yesterday']) {
      const res = await app.http.get(`/open311/v2/requests.json?${bad}`);
      expect(res.status, bad).toBe(400);
      expect(res.body, bad).toEqual([{ code: 400, description: expect.any(String) }]);
    }
  });

  it('answers errors in the spec\'s shape: a bad service_code or community is 400, an unknown request 404', async () => {
    const bad = await file({ service_code: 'potholes', description: 'x', 'attribute[community]': 'cm-lianhua' });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual([{ code: 400, description: expect.stringContaining('service_code') }]);
    const missing = await file({});
    expect(missing.status).toBe(400);
    expect(missing.body.map((e: { description: string }) => e.description).join(' ')).toMatch(/service_code.*description.*attribute\[community\]/);
    const community = await file({ service_code: 'other', description: 'x', address_id: 'cm-nowhere' }).set('Accept-Language', 'en');
    expect(community.status).toBe(400);
    expect(community.body).toEqual([{ code: 400, description: 'Invalid parameter: attribute[community]' }]);
    const phone = await file({ service_code: 'other', description: 'x', address_id: 'cm-lianhua', phone: 'call me' });
    expect(phone.body).toEqual([{ code: 400, description: expect.stringContaining('phone') }]);
    const broken = await app.http.post('/open311/v2/requests.json').set('X-Forwarded-For', from()).type('json').send('{"service_code":');
    expect(broken.status).toBe(400);
    expect(broken.body[0].code).toBe(400);
    const unknown = await app.http.get('/open311/v2/requests/XZ-XQ-1999-9999.json');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual([{ code: 404, description: expect.any(String) }]);
    expect((await app.http.get('/open311/v2/nothing.json')).status).toBe(404);
  });

  it('never answers personal data: no contact, no names, no register entry', async () => {
    await file({ service_code: 'daily_care', description: '需要助餐服务。', 'attribute[community]': 'cm-lianhua', phone: PHONE, first_name: NAME });
    const all = await app.http.get('/open311/v2/requests.json?page_size=200');
    expect(all.status).toBe(200);
    expect(all.body.length).toBeGreaterThan(3);
    expect(all.text).not.toContain(PHONE);
    expect(all.text).not.toContain('138****8000');
    expect(all.text).not.toContain(NAME);
    for (const r of all.body) {
      expect(Object.keys(r)).not.toContain('contact');
      expect(Object.keys(r)).not.toContain('beneficiary');
      expect(r.address).toBeNull();
    }
    for (const r of all.body) {
      const one = await app.http.get(`/open311/v2/requests/${r.service_request_id}.json`);
      expect(one.text).not.toContain(PHONE);
    }
  });
});

describe('Open311: a burst from one address', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ app: { needLimits: { perAddress: 3, windowMs: 3600_000 } } });
  });
  afterAll(async () => app?.close());

  it('is refused (429, in the spec\'s shape) beyond the limit, with nothing recorded; the JSON API counts with it', async () => {
    const count = async () => Number((await app.t.db('needs').count({ n: '*' }).first())!.n);
    const before = await count();
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await app.http.post('/open311/v2/requests.json').set('X-Forwarded-For', '10.9.9.9').send({ service_code: 'other', description: `第${i}条`, address_id: 'cm-lianhua' })).status);
    }
    const refused = await app.http.post('/open311/v2/requests.json').set('X-Forwarded-For', '10.9.9.9').send({ service_code: 'other', description: '多余', address_id: 'cm-lianhua' });
    expect(statuses).toEqual([201, 201, 201]);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(refused.body).toEqual([{ code: 429, description: expect.stringMatching(/[\u4e00-\u9fff]/) }]);
    expect(await count()).toBe(before + 3);
    // POST /api/v1/needs without a token shares the address's count
    const api = await app.http.post('/api/v1/needs').set('X-Forwarded-For', '10.9.9.9').set('Accept-Language', 'en').send({ source: 'call', type: 'other', description: 'x', communityId: 'cm-lianhua' });
    expect(api.status).toBe(429);
    expect(api.body.error.code).toBe('RATE_LIMITED');
    expect(await count()).toBe(before + 3);
    // another address is not held back
    expect((await app.http.post('/api/v1/needs').set('X-Forwarded-For', '10.9.9.10').send({ source: 'call', type: 'other', description: 'x', communityId: 'cm-lianhua' })).status).toBe(201);
  });
});
