// Open311 GeoReport v2 (issue 15, "what it must show"): every answer of /open311/v2 checked field by
// field against the specification's own example answers (tests/fixtures/open311, from
// https://wiki.open311.org/GeoReport_v2): the same field names, the same JSON types (null only where
// the spec lets a field be empty or not returned), arrays where the spec has arrays, datetimes in the
// spec's w3 format with a time zone, status only open or closed, errors as [{code, description}] with
// the HTTP status, and no field beyond the spec's, so nothing personal can ride along.
// Also the spec's rules on GET requests: service_request_id overrides the other filters, the default
// span is the most recent 90 days, start_date..end_date spans at most 90 days; a description is at
// most 4,000 characters; a closed request's updated_datetime is when it was closed.
import fs from 'node:fs';
import path from 'node:path';
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/auth/users.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { STORAGE_KINDS } from '../support/db.js';
import { U } from '../support/lifecycle.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };
type JsonType = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';

const FIXTURES = path.join(import.meta.dirname, '../fixtures/open311');
const spec = <T = Json>(file: string): T => JSON.parse(fs.readFileSync(path.join(FIXTURES, file), 'utf8')) as T;

const SPEC = {
  services: spec<JsonObject[]>('services.json'),
  definition: spec<JsonObject>('service-definition.json'),
  post: spec<JsonObject[]>('post-request.json'),
  requests: spec<JsonObject[]>('requests.json'),
  request: spec<JsonObject[]>('request.json'),
  errors: spec<JsonObject[]>('errors.json'),
  datetimes: spec<string[]>('datetimes.json'),
};

/** The subset of ISO 8601 of the w3 note the spec requires: a date, a time, and a time zone (Z or ±hh:mm). */
const W3C_DATETIME = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;
const DATETIMES = new Set(['requested_datetime', 'updated_datetime', 'expected_datetime']);
/** Identifiers: the spec's JSON writes them as numbers (even 001), its XML as text; either is one. */
const IDS = new Set(['service_request_id', 'service_code', 'address_id', 'account_id', 'token', 'key', 'code_attribute']);

/**
 * Fields that may be null in our answers, per resource, each for a reason the spec gives: the
 * spec's own example is null or empty there, or the spec says "May not be returned". The location
 * fields of a request are empty in every answer of ours: a resident's need is about a person, and its
 * place would be their home (the spec's location parameter is one of lat/long, address_string or
 * address_id; ours is the community, address_id on the way in, agency_responsible on the way out).
 */
const NULLABLE = {
  services: [] as string[],
  definition: ['datatype_description'],
  post: ['service_notice', 'account_id'],
  request: ['status_notes', 'description', 'agency_responsible', 'service_notice', 'expected_datetime', 'address', 'address_id', 'zipcode', 'lat', 'long', 'media_url'],
  errors: [] as string[],
};
/** Where our answers stay empty whatever the need: never a place, never media, never an account. */
const ALWAYS_NULL = ['address', 'address_id', 'zipcode', 'lat', 'long', 'media_url', 'expected_datetime', 'service_notice'];

const jsonType = (v: unknown): JsonType => (v === null ? 'null' : Array.isArray(v) ? 'array' : (typeof v as JsonType));

/** The JSON types each field of the spec's examples takes, widened by the rules above. */
function rulesOf(examples: JsonObject[], nullable: string[]): Map<string, Set<JsonType>> {
  const rules = new Map<string, Set<JsonType>>();
  for (const e of examples) {
    for (const [k, v] of Object.entries(e)) {
      const s = rules.get(k) ?? new Set<JsonType>();
      s.add(jsonType(v));
      rules.set(k, s);
    }
  }
  for (const [k, s] of rules) {
    if (IDS.has(k)) (['string', 'number'] as const).forEach((t) => s.add(t));
    // null in every example: in the spec's XML an empty text element, so text when present
    if (s.size === 1 && s.has('null')) s.add('string');
    if (!nullable.includes(k)) s.delete('null');
    else s.add('null');
  }
  return rules;
}

/** One answer's objects against the spec's examples of the same resource, field by field. */
function expectLikeSpec(label: string, ours: unknown, examples: JsonObject[], nullable: string[], opts: { omit?: string[] } = {}) {
  const rules = rulesOf(examples, nullable);
  const specKeys = [...rules.keys()].filter((k) => !opts.omit?.includes(k)).sort();
  const items = Array.isArray(ours) ? (ours as unknown[]) : [ours];
  expect(items.length, `${label}: an empty answer proves nothing`).toBeGreaterThan(0);
  for (const [i, item] of items.entries()) {
    expect(jsonType(item), `${label}[${i}]`).toBe('object');
    const o = item as Record<string, unknown>;
    expect(Object.keys(o).sort(), `${label}[${i}]: the spec's field names, no more, no fewer`).toEqual(specKeys);
    for (const k of specKeys) {
      expect([...rules.get(k)!], `${label}[${i}].${k} = ${JSON.stringify(o[k])}`).toContain(jsonType(o[k]));
      if (typeof o[k] === 'string') {
        if (DATETIMES.has(k)) expect(o[k], `${label}[${i}].${k}: w3 datetime with a time zone`).toMatch(W3C_DATETIME);
        if (IDS.has(k)) expect((o[k] as string).length, `${label}[${i}].${k}`).toBeGreaterThan(0);
      }
    }
  }
}

/** The path a supertest answer was for (its request, which the typings leave out). */
const pathOf = (res: Response): string => (res as unknown as { req?: { path?: string } }).req?.path ?? '';
const expectJson = (res: Response) => expect(res.headers['content-type'], pathOf(res)).toBe('application/json; charset=utf-8');

/** An error answer: the HTTP status, and [{code, description}] with code the status (as the spec's example). */
function expectSpecError(res: Response, status: number) {
  expect(res.status, res.text).toBe(status);
  expectJson(res);
  expect(Array.isArray(res.body)).toBe(true);
  expectLikeSpec(`errors ${pathOf(res)}`, res.body, SPEC.errors, NULLABLE.errors);
  for (const e of res.body as Array<{ code: number; description: string }>) {
    expect(e.code).toBe(status);
    expect(e.description.length).toBeGreaterThan(0);
  }
}

describe('the Open311 fixtures are the spec\'s examples', () => {
  it('have the shapes the spec documents', () => {
    for (const d of SPEC.datetimes) expect(d).toMatch(W3C_DATETIME);
    for (const r of [...SPEC.requests, ...SPEC.request]) {
      for (const k of DATETIMES) expect(r[k]).toMatch(W3C_DATETIME);
      expect(['open', 'closed']).toContain(r.status);
    }
    expect(Object.keys(SPEC.request[0]!).sort()).toEqual(Object.keys(SPEC.requests[0]!).sort());
    expect(Object.keys(SPEC.requests[0]!)).toEqual([
      'service_request_id', 'status', 'status_notes', 'service_name', 'service_code', 'description', 'agency_responsible', 'service_notice',
      'requested_datetime', 'updated_datetime', 'expected_datetime', 'address', 'address_id', 'zipcode', 'lat', 'long', 'media_url',
    ]);
    expect(Object.keys(SPEC.post[0]!)).toEqual(['service_request_id', 'service_notice', 'account_id']);
    expect(Object.keys(SPEC.errors[0]!)).toEqual(['code', 'description']);
    expect(SPEC.services.every((s) => ['realtime', 'batch', 'blackbox'].includes(String(s.type)) && typeof s.metadata === 'boolean')).toBe(true);
    // the rules widen the examples only as the spec allows
    expect([...rulesOf(SPEC.requests, NULLABLE.request).get('status')!]).toEqual(['string']);
    expect([...rulesOf(SPEC.requests, NULLABLE.request).get('lat')!].sort()).toEqual(['null', 'number']);
    expect([...rulesOf(SPEC.requests, NULLABLE.request).get('agency_responsible')!].sort()).toEqual(['null', 'string']);
  });
});

const PHONE = '13922223333';
const NAME = '欧阳规范';
const ADDRESS = '莲花路规范1号';

describe.each(STORAGE_KINDS)('Open311 answers against the GeoReport v2 examples on %s', (kind) => {
  let app: TestApp;
  let n = 0;
  const from = () => `10.0.31.${++n}`;
  let c1: User;
  const file = (body: Record<string, unknown>) => app.http.post('/open311/v2/requests.json').set('X-Forwarded-For', from()).send(body);
  const needId = async (ref: string) => (await app.t.db('needs').where({ ref }).first('id')).id as string;
  /** Every personal value any test here sent, and the masks of the phone. */
  const personal = [PHONE, NAME, ADDRESS, '139****3333', '3333'];
  const expectNothingPersonal = (res: Response) => {
    for (const p of personal) expect(res.text, pathOf(res)).not.toContain(p);
  };

  beforeAll(async () => {
    app = await createTestApp({ kind, app: { needLimits: { perAddress: 50, windowMs: 3600_000 } } });
    c1 = await app.deps.services.users.get((await app.t.db('users').where({ email: U.c1 }).first('id')).id);
  });
  afterAll(async () => app?.close());

  it('GET services.json: the spec\'s service list, field by field', async () => {
    for (const lang of ['zh-CN', 'en']) {
      const res = await app.http.get(`/open311/v2/services.json?lang=${lang}`);
      expect(res.status).toBe(200);
      expectJson(res);
      expect(Array.isArray(res.body)).toBe(true);
      expectLikeSpec('services', res.body, SPEC.services, NULLABLE.services);
      for (const s of res.body as JsonObject[]) {
        expect(s.type).toBe('realtime'); // so a POST answers service_request_id, never a token
        expect(s.metadata).toBe(false);
        expect(String(s.keywords).split(',').every((k) => k.trim().length > 0)).toBe(true);
      }
    }
  });

  it('GET services/<code>.json: no definition to ask for, as metadata false tells the spec\'s clients (404 in the spec\'s error shape)', async () => {
    // The spec's definition example (service-definition.json) is the shape a definition would take;
    // with metadata false on every service the spec's clients never call it.
    expect(jsonType(SPEC.definition)).toBe('object');
    expectSpecError(await app.http.get('/open311/v2/services/daily_care.json'), 404);
  });

  it('POST requests.json: the spec\'s answer (service_request_id, no token), for form-encoded and JSON bodies', async () => {
    const form = await app.http.post('/open311/v2/requests.json').set('X-Forwarded-For', from()).type('form').send({
      service_code: 'accessibility', description: '楼道口需要加装扶手。', address_id: 'cm-lianhua', phone: PHONE,
      first_name: NAME, last_name: '测试', email: 'resident@example.org', address_string: ADDRESS, lat: '22.27', long: '113.57', device_id: 'dev-1', account_id: 'acc-1',
    });
    expect(form.status, form.text).toBe(201);
    expectJson(form);
    expectLikeSpec('post', form.body, SPEC.post, NULLABLE.post, { omit: ['token'] });
    expect(form.body).toHaveLength(1);
    expect(form.body[0].account_id).toBeNull(); // the account the client sent is not ours to answer
    expectNothingPersonal(form);
    const json = await file({ service_code: 'supplies', description: '需要一台助行器。', 'attribute[community]': 'cm-lianhua' });
    expect(json.status).toBe(201);
    expectLikeSpec('post', json.body, SPEC.post, NULLABLE.post, { omit: ['token'] });
  });

  it('GET requests.json and requests/<id>.json: the spec\'s request, field by field, open and closed, with nothing personal', async () => {
    const open = (await file({ service_code: 'daily_care', description: '需要助餐服务。', address_id: 'cm-lianhua', phone: PHONE, first_name: NAME, address_string: ADDRESS })).body[0].service_request_id as string;
    const closed = (await file({ service_code: 'employment', description: '想找一份兼职。', address_id: 'cm-haibin' })).body[0].service_request_id as string;
    const staff = await app.deps.services.needs.create(c1, { source: 'call', type: 'emotional_support', description: `${NAME}独居。`, contact: { name: NAME, phone: PHONE } }) as { ref: string; id: string };
    const c3 = await app.deps.services.users.get((await app.t.db('users').where({ email: U.c3 }).first('id')).id);
    app.clock.advance(3600_000);
    await app.deps.services.needs.send(c3, await needId(closed), { type: 'RESOLVE', resolution: `已联系${NAME}，电话${PHONE}。` });
    const resolvedAt = (await app.t.db('needs').where({ ref: closed }).first('resolved_at')).resolved_at as string;
    // a later step on a closed need does not move its updated_datetime: the spec's is when it was closed
    app.clock.advance(3600_000);
    await app.deps.services.needs.send(c3, await needId(closed), { type: 'INFORM_RESIDENT', note: `已告知${NAME}。` });

    for (const lang of ['zh-CN', 'en']) {
      const list = await app.http.get(`/open311/v2/requests.json?lang=${lang}&page_size=200`);
      expect(list.status).toBe(200);
      expectJson(list);
      expect(Array.isArray(list.body)).toBe(true);
      expectLikeSpec('requests', list.body, SPEC.requests, NULLABLE.request);
      expectNothingPersonal(list);
      const refs = (list.body as JsonObject[]).map((r) => r.service_request_id);
      expect(refs).toEqual(expect.arrayContaining([open, closed, staff.ref]));
      for (const r of list.body as JsonObject[]) {
        expect(['open', 'closed']).toContain(r.status);
        for (const k of ALWAYS_NULL) expect(r[k], `${String(r.service_request_id)}.${k}`).toBeNull();
        expect(Date.parse(String(r.updated_datetime))).toBeGreaterThanOrEqual(Date.parse(String(r.requested_datetime)));
      }
      for (const ref of [open, closed, staff.ref]) {
        const one = await app.http.get(`/open311/v2/requests/${ref}.json?lang=${lang}`);
        expect(one.status).toBe(200);
        expectJson(one);
        expect(Array.isArray(one.body), 'GET a request answers an array of one, as the spec').toBe(true);
        expect(one.body).toHaveLength(1);
        expectLikeSpec('request', one.body, SPEC.request, NULLABLE.request);
        expectNothingPersonal(one);
        expect(one.body[0]).toEqual((list.body as JsonObject[]).find((r) => r.service_request_id === ref));
      }
    }
    const one = async (ref: string) => (await app.http.get(`/open311/v2/requests/${ref}.json`)).body[0] as JsonObject;
    expect(await one(open)).toMatchObject({ status: 'open', description: '需要助餐服务。', status_notes: expect.any(String), agency_responsible: expect.any(String) });
    expect(await one(closed)).toMatchObject({ status: 'closed', updated_datetime: resolvedAt });
    expect(await one(staff.ref)).toMatchObject({ status: 'open', description: null }); // staff's words are not public
  });

  it('GET requests.json: service_request_id overrides the other filters; start_date..end_date spans at most 90 days', async () => {
    const ref = (await file({ service_code: 'other', description: '覆盖测试', address_id: 'cm-lianhua' })).body[0].service_request_id as string;
    const res = await app.http.get(`/open311/v2/requests.json?service_request_id=${ref}&status=closed&service_code=employment&start_date=2099-01-01T00:00:00Z`);
    expect(res.status).toBe(200);
    expect(res.body.map((r: JsonObject) => r.service_request_id)).toEqual([ref]);
    expectLikeSpec('requests', res.body, SPEC.requests, NULLABLE.request);
    // status and service_code may be declared several times, or comma delimited
    const both = await app.http.get('/open311/v2/requests.json?status=open&status=closed&page_size=200');
    expect(both.status, both.text).toBe(200);
    expect(both.body.length).toBe((await app.http.get('/open311/v2/requests.json?status=open,closed&page_size=200')).body.length);
    expect((await app.http.get('/open311/v2/requests.json?service_code=other&service_code=employment&page_size=200')).status).toBe(200);
    expectSpecError(await app.http.get('/open311/v2/requests.json?status=open&status=pending'), 400);
    expectSpecError(await app.http.get('/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z'), 400);
    const ok = await app.http.get('/open311/v2/requests.json?start_date=2026-02-01T00:00:00Z&end_date=2026-04-01T00:00:00%2B08:00');
    expect(ok.status).toBe(200);
    expect(ok.body.length).toBeGreaterThan(0);
  });

  it('errors are the spec\'s [{code, description}] with the HTTP status as code', async () => {
    expectSpecError(await file({}), 400);
    expectSpecError(await file({ service_code: 'potholes', description: 'x', address_id: 'cm-lianhua' }), 400);
    expectSpecError(await file({ service_code: 'other', description: 'x', address_id: 'cm-nowhere' }), 400);
    // the spec limits a description to 4,000 characters
    expectSpecError(await file({ service_code: 'other', description: '长'.repeat(4001), address_id: 'cm-lianhua' }), 400);
    expect((await file({ service_code: 'other', description: '长'.repeat(4000), address_id: 'cm-lianhua' })).status).toBe(201);
    expectSpecError(await app.http.get('/open311/v2/requests.json?status=pending'), 400);
    expectSpecError(await app.http.get('/open311/v2/requests/XZ-XQ-1999-9999.json'), 404);
    expectSpecError(await app.http.get('/open311/v2/tokens/12345.json'), 404);
    // XML: the spec makes it the required format; this server offers JSON only and says so in the spec's error shape
    expectSpecError(await app.http.get('/open311/v2/services.xml'), 400);
    expectSpecError(await app.http.get('/open311/v2/requests.xml'), 400);
  });

  it('GET requests.json without dates is the most recent 90 days (the spec\'s default span); older needs stay reachable by id and dates', async () => {
    const old = (await file({ service_code: 'other', description: '九十天测试', address_id: 'cm-lianhua' })).body[0].service_request_id as string;
    const ids = async (q = '') => ((await app.http.get(`/open311/v2/requests.json?page_size=200${q}`)).body as JsonObject[]).map((r) => r.service_request_id);
    expect(await ids()).toContain(old);
    const receivedAt = (await app.t.db('needs').where({ ref: old }).first('received_at')).received_at as string;
    app.clock.advance(91 * 24 * 3600_000);
    const fresh = (await file({ service_code: 'other', description: '新的', address_id: 'cm-lianhua' })).body[0].service_request_id as string;
    const recent = await ids();
    expect(recent).toContain(fresh);
    expect(recent).not.toContain(old);
    expect(await ids(`&service_request_id=${old}`)).toEqual([old]);
    expect(await ids(`&start_date=${encodeURIComponent(receivedAt)}`)).toEqual(expect.arrayContaining([old, fresh]));
    expect((await app.http.get(`/open311/v2/requests/${old}.json`)).status).toBe(200);
  });
});
