// The beneficiary register and the logs (issue 15, "what it must show"): residents with names, ID
// numbers, phones, addresses and disability details go through every action that touches the
// register — the register's API and pages (list, name search, create, edit, import from Excel, a
// refused row, a duplicate ID number), masked reads by street staff, the operator's call list and
// call logging (pages and API), needs recorded with a resident (pages and API) — and through the
// public pages and Open311. The log lines the app's own logger (createLogger: its redaction and
// serializers) writes meanwhile never hold one of those values; every unmasked read is recorded in
// beneficiary_access_log with its reader and purpose, and a masked read records nothing; the public
// pages and Open311 never show register data.
import ExcelJS from 'exceljs';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/lib/logger.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { STORAGE_KINDS } from '../support/db.js';
import { U } from '../support/lifecycle.js';
import { agentFor, csrfOf, postForm, type Agent } from './pages-helpers.js';

const OPERATOR = 'operator@example.org';
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/** A valid 18-character resident ID number (GB 11643 check character), born 1961-05-<day>. */
function idNumber(day: number, seq: number): string {
  const body = `440402196105${String(day).padStart(2, '0')}${String(seq).padStart(3, '0')}`;
  const sum = WEIGHTS.reduce((s, w, k) => s + w * Number(body[k]), 0);
  return body + '10X98765432'[sum % 11]!;
}

interface Resident { name: string; idNumber: string; phone: string; address: string; disabilityType: string; disabilityLevel: string }
const resident = (i: number, name: string): Resident => ({
  name, idNumber: idNumber(10 + i, 100 + i), phone: `1390555${String(1000 + i)}`, address: `珠海市香洲区隐私巷${i}号${i}01室`,
  disabilityType: `隐私障碍类别${i}`, disabilityLevel: `隐私${i}级`,
});
/** Registered through the API, the register form, and an Excel import; the last one's row is refused. */
const API_ONE = resident(1, '欧阳甲秘');
const FORM_ONE = resident(2, '司马乙秘');
const IMPORTED = [resident(3, '诸葛丙秘'), resident(4, '上官丁秘')];
const REFUSED = resident(5, '东方戊秘');
const EDITED_PHONE = '13905559999';
const EDITED_ADDRESS = '珠海市香洲区隐私巷改后9号';
const RESIDENTS = [API_ONE, FORM_ONE, ...IMPORTED, REFUSED];
/** Every personal value sent anywhere in this file. */
const SECRETS = [...RESIDENTS.flatMap((r) => [r.name, r.idNumber, r.phone, r.address, r.disabilityType, r.disabilityLevel]), EDITED_PHONE, EDITED_ADDRESS];

async function sheet(rows: Resident[]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('名册');
  ws.addRow(['姓名', '身份证号码', '电话', '居住地址', '受益群体', '残疾类别', '残疾等级', '家庭人数', '居住情况', '需每日联系']);
  for (const r of rows) ws.addRow([r.name, r.idNumber, r.phone, r.address, '', r.disabilityType, r.disabilityLevel, 1, '独居', '是']);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

describe.each(STORAGE_KINDS)('the register never in the logs, unmasked reads logged, on %s', (kind) => {
  let app: TestApp;
  const lines: string[] = [];
  let c1: Agent;
  let street: Agent;
  let op: Agent;
  const ids = new Map<string, string>(); // name → beneficiary id
  const users: Record<string, string> = {};
  let tokenC1 = '';
  let tokenStreet = '';
  let tokenOp = '';
  let lastLogId = 0;

  /** The access-log rows written since the last call, as reader/purpose/resident. */
  async function readsSince(): Promise<Array<{ who: string; purpose: string; id: string }>> {
    const rows = await app.deps.db('beneficiary_access_log').where('id', '>', lastLogId).orderBy('id').select('id', 'user_id', 'purpose', 'beneficiary_id');
    if (rows.length) lastLogId = Number(rows.at(-1)!.id);
    const who = (id: string) => Object.entries(users).find(([, v]) => v === id)?.[0] ?? id;
    return rows.map((r) => ({ who: who(String(r.user_id)), purpose: String(r.purpose), id: String(r.beneficiary_id) }));
  }
  const mark = async () => void (await readsSince());
  const expectNoSecrets = (label: string, text: string) => {
    for (const s of SECRETS) expect(text.includes(s), `${label} shows ${s}`).toBe(false);
  };

  beforeAll(async () => {
    // The app's real logger, at its most verbose, its lines captured instead of written to stdout.
    const logger = createLogger('trace');
    const sink = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
    (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] = sink;
    app = await createTestApp({ kind, logger, app: { needLimits: { perAddress: 100, windowMs: 3600_000 } } });
    for (const [k, email] of Object.entries({ c1: U.c1, c3: U.c3, street: U.street, district: U.district, operator: OPERATOR })) {
      users[k] = (await app.deps.services.users.findByEmail(email))!.id;
    }
    [c1, street, op] = await Promise.all([agentFor(app, U.c1), agentFor(app, U.street), agentFor(app, OPERATOR)]);
    [tokenC1, tokenStreet, tokenOp] = await Promise.all([app.token(U.c1), app.token(U.street), app.token(OPERATOR)]);
    await mark();
  }, 120_000);
  afterAll(async () => app?.close());

  const api = (token: string) => ({
    get: (path: string) => app.http.get(path).set('Authorization', `Bearer ${token}`),
    post: (path: string, body: object) => app.http.post(path).set('Authorization', `Bearer ${token}`).send(body),
    patch: (path: string, body: object) => app.http.patch(path).set('Authorization', `Bearer ${token}`).send(body),
  });

  it('the register API: create, search, list, edit, refused and duplicate registrations; each unmasked read logged as api/edit by its reader, masked reads not at all', async () => {
    const created = await api(tokenC1).post(`/api/v1/beneficiaries?note=${encodeURIComponent(API_ONE.name)}`, { ...API_ONE, livingSituation: 'alone' });
    expect(created.status, created.text).toBe(201);
    ids.set(API_ONE.name, created.body.beneficiary.id);
    await mark();

    const search = await api(tokenC1).get(`/api/v1/beneficiaries?q=${encodeURIComponent(API_ONE.name)}`);
    expect(search.status).toBe(200);
    expect(search.body.beneficiaries.map((r: { name: string }) => r.name)).toEqual([API_ONE.name]);
    expect(await readsSince()).toEqual([{ who: 'c1', purpose: 'api', id: ids.get(API_ONE.name) }]);

    const list = await api(tokenC1).get('/api/v1/beneficiaries?pageSize=200');
    expect(list.status).toBe(200);
    const listed = await readsSince();
    expect(listed.length).toBe(list.body.beneficiaries.length);
    expect(listed.every((r) => r.who === 'c1' && r.purpose === 'api')).toBe(true);
    expect(listed.map((r) => r.id)).toContain(ids.get(API_ONE.name));

    const edited = await api(tokenC1).patch(`/api/v1/beneficiaries/${ids.get(API_ONE.name)}`, { ...API_ONE, idNumber: undefined, phone: EDITED_PHONE, livingSituation: 'alone' });
    expect(edited.status, edited.text).toBe(200);
    expect(await readsSince()).toEqual([{ who: 'c1', purpose: 'edit', id: ids.get(API_ONE.name) }]);

    // refused: a bad ID number (422) and the same ID number again (409), bodies full of personal data
    expect((await api(tokenC1).post('/api/v1/beneficiaries', { ...REFUSED, idNumber: `${REFUSED.idNumber.slice(0, 17)}0` })).status).toBe(422);
    expect((await api(tokenC1).post('/api/v1/beneficiaries', { ...REFUSED, idNumber: API_ONE.idNumber })).status).toBe(409);

    // street staff read the register masked: nothing unmasked, nothing logged; a name search is refused
    const masked = await api(tokenStreet).get('/api/v1/beneficiaries?communityId=cm-lianhua&pageSize=200');
    expect(masked.status).toBe(200);
    expectNoSecrets('the street\'s masked register', masked.text);
    expect((await api(tokenStreet).get(`/api/v1/beneficiaries?communityId=cm-lianhua&q=${encodeURIComponent(API_ONE.name)}`)).status).toBe(403);
    expect(await readsSince()).toEqual([]);
  });

  it('the register pages: create, search, a resident\'s page, edit, import and a refused import; each unmasked read logged as page/edit', async () => {
    const made = await postForm(c1, '/beneficiaries/new', '/beneficiaries/new', { ...FORM_ONE, householdSize: '2', livingSituation: 'alone' } as unknown as Record<string, string>);
    expect(made.status, made.text.slice(0, 300)).toBe(303);
    const id = (await app.deps.db('beneficiaries').where({ name: FORM_ONE.name }).first('id')).id as string;
    ids.set(FORM_ONE.name, id);
    await mark();

    const found = await c1.get(`/beneficiaries?communityId=cm-lianhua&q=${encodeURIComponent(FORM_ONE.name)}`);
    expect(found.status).toBe(200);
    expect(found.text).toContain(FORM_ONE.name);
    expect(await readsSince()).toEqual([{ who: 'c1', purpose: 'page', id }]);

    const one = await c1.get(`/beneficiaries/${id}`);
    expect(one.status).toBe(200);
    expect(one.text).toContain(FORM_ONE.idNumber);
    // exactly the resident shown, nobody else
    expect(await readsSince()).toEqual([{ who: 'c1', purpose: 'page', id }]);

    const edit = await c1.get(`/beneficiaries/${id}/edit`);
    expect(edit.status).toBe(200);
    const saved = await c1.post(`/beneficiaries/${id}/edit`).type('form').send({ ...FORM_ONE, idNumber: '', address: EDITED_ADDRESS, householdSize: '2', livingSituation: 'alone', _csrf: csrfOf(edit.text) });
    expect(saved.status, saved.text.slice(0, 300)).toBe(303);
    const edits = await readsSince();
    expect(edits.length).toBeGreaterThanOrEqual(2);
    expect(edits.every((r) => r.who === 'c1' && r.purpose === 'edit' && r.id === id)).toBe(true);

    const upload = async (file: Buffer) => {
      const page = await c1.get('/beneficiaries/import');
      return c1.post(`/beneficiaries/import?_csrf=${encodeURIComponent(csrfOf(page.text))}`).attach('file', file, 'register.xlsx');
    };
    const refused = await upload(await sheet([...IMPORTED, { ...REFUSED, idNumber: '440402196105150000' }]));
    expect(refused.status).toBe(422);
    expect(Number((await app.deps.db('beneficiaries').whereIn('name', IMPORTED.map((r) => r.name)).count({ n: '*' }).first())!.n)).toBe(0);
    const imported = await upload(await sheet(IMPORTED));
    expect(imported.status, imported.text.slice(0, 300)).toBe(303);
    for (const r of IMPORTED) ids.set(r.name, (await app.deps.db('beneficiaries').where({ name: r.name }).first('id')).id as string);
    expect(await readsSince()).toEqual([]); // writing is not reading

    // street staff's pages: masked, nothing logged
    const streetPage = await street.get('/beneficiaries?communityId=cm-lianhua');
    expect(streetPage.status).toBe(200);
    expectNoSecrets('the street\'s register page', streetPage.text);
    expect((await street.get(`/beneficiaries/${id}`)).status).toBe(200);
    expect(await readsSince()).toEqual([]);
  });

  it('needs with a resident: the form\'s register read logged as need-form, the need\'s own community reads it as need, others masked and unlogged', async () => {
    const form = await c1.get('/needs/new');
    expect(form.status).toBe(200);
    expect(form.text).toContain(FORM_ONE.name);
    const formReads = await readsSince();
    expect(formReads.length).toBeGreaterThan(0);
    expect(formReads.every((r) => r.who === 'c1' && r.purpose === 'need-form')).toBe(true);
    const posted = await c1.post('/needs/new').type('form').send({ _csrf: csrfOf(form.text), source: 'call', type: 'daily_care', description: '需要助餐。', beneficiaryId: ids.get(FORM_ONE.name)! });
    expect(posted.status, posted.text.slice(0, 300)).toBe(303);
    await mark();

    const created = await api(tokenC1).post('/api/v1/needs', { source: 'visit', type: 'accessibility', description: '楼道需要扶手。', beneficiaryId: ids.get(API_ONE.name) });
    expect(created.status, created.text).toBe(201);
    const needId = created.body.need?.id ?? created.body.id;
    expect(typeof needId).toBe('string');
    const onCreate = await readsSince();
    expect(onCreate.every((r) => r.who === 'c1' && r.purpose === 'need' && r.id === ids.get(API_ONE.name))).toBe(true);

    const got = await api(tokenC1).get(`/api/v1/needs/${needId}`);
    expect(got.status).toBe(200);
    expect(got.text).toContain(API_ONE.name);
    expect(await readsSince()).toEqual([{ who: 'c1', purpose: 'need', id: ids.get(API_ONE.name) }]);
    const page = await c1.get(`/needs/${needId}`);
    expect(page.status).toBe(200);
    expect(await readsSince()).toEqual([{ who: 'c1', purpose: 'need', id: ids.get(API_ONE.name) }]);

    for (const res of [await api(tokenStreet).get(`/api/v1/needs/${needId}`), await street.get(`/needs/${needId}`)]) {
      expect(res.status).toBe(200);
      expectNoSecrets('a need read by the street', res.text);
    }
    // a step answered with the need: shown to its own community as a read is, and logged as one
    const commented = await api(tokenC1).post(`/api/v1/needs/${needId}/events`, { type: 'COMMENT', text: '已上门了解情况。' });
    expect(commented.status, commented.text).toBeLessThan(300);
    const onStep = await readsSince();
    expect(onStep.every((r) => r.who === 'c1' && r.purpose === 'need' && r.id === ids.get(API_ONE.name))).toBe(true);
    expect(onStep.length > 0).toBe(commented.text.includes(API_ONE.name));
  });

  it('the operator\'s call list and call logging, pages and API: every resident shown is logged as care-call by the operator', async () => {
    const campaign = await api(tokenC1).post('/api/v1/campaigns', { name: '隐私测试关爱电话', area: 'community:cm-lianhua', flags: ['alone'], startOn: '2026-03-02', endOn: '2026-03-31', operatorIds: [users.operator], missLimit: 3 });
    expect(campaign.status, campaign.text).toBe(201);
    const cid = campaign.body.campaign.id as string;
    const members = await app.deps.db('care_campaign_members').where({ campaign_id: cid }).pluck('beneficiary_id');
    expect(members).toEqual(expect.arrayContaining([ids.get(API_ONE.name), ids.get(FORM_ONE.name), ...IMPORTED.map((r) => ids.get(r.name))]));
    expect(await readsSince()).toEqual([]); // staff see counts, not people

    const list = await op.get(`/campaigns/${cid}/calls`);
    expect(list.status).toBe(200);
    const listed = await readsSince();
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.every((r) => r.who === 'operator' && r.purpose === 'care-call')).toBe(true);

    const target = ids.get(IMPORTED[0]!.name)!;
    const path = `/campaigns/${cid}/calls/${target}`;
    const form = await op.get(path);
    expect(form.status).toBe(200);
    expect(form.text).toContain(IMPORTED[0]!.phone);
    expect(await readsSince()).toContainEqual({ who: 'operator', purpose: 'care-call', id: target });
    const logged = await op.post(path).type('form').send({ _csrf: csrfOf(form.text), reached: 'yes', problems: ['daily_care'], note: '居民需要助餐' });
    expect(logged.status, logged.text.slice(0, 300)).toBe(303);
    await mark();

    const calls = await api(tokenOp).get(`/api/v1/campaigns/${cid}/calls?pageSize=20`);
    expect(calls.status).toBe(200);
    const apiReads = await readsSince();
    expect(apiReads.length).toBeGreaterThan(0);
    expect(apiReads.every((r) => r.who === 'operator' && r.purpose === 'care-call')).toBe(true);
    const second = ids.get(IMPORTED[1]!.name)!;
    const byApi = await api(tokenOp).post(`/api/v1/campaigns/${cid}/calls`, { beneficiaryId: second, reached: true, problems: [{ type: 'emotional_support', description: '想找人聊天' }] });
    expect(byApi.status, byApi.text).toBe(201);
    // the needs the calls raised name their resident
    expect(Number((await app.deps.db('needs').whereIn('beneficiary_id', [target, second]).where({ source: 'call' }).count({ n: '*' }).first())!.n)).toBe(2);
    const staffDay = await api(tokenC1).get(`/api/v1/campaigns/${cid}/calls`);
    expect(staffDay.status).toBe(200);
    expectNoSecrets('the campaign\'s progress for staff', staffDay.text);
    await mark();
  });

  it('the public pages and Open311 never show register data', async () => {
    const refs = (await app.deps.db('needs').whereNotNull('beneficiary_id').pluck('ref')) as string[];
    expect(refs.length).toBeGreaterThanOrEqual(4);
    const anon = await agentFor(app);
    const form = await anon.get('/report-need');
    expect(form.status).toBe(200);
    const filed = await anon.post('/report-need').type('form').set('X-Forwarded-For', '10.0.77.1')
      .send({ _csrf: csrfOf(form.text), communityId: 'cm-lianhua', type: 'other', description: '路灯坏了。', phone: '13905558888' });
    expect(filed.status, filed.text.slice(0, 300)).toBeLessThan(400);
    const paths = [
      '/public', '/public/projects', '/public/notices', '/public/stats', '/public?lang=en', '/report-need', '/report-need?lang=en',
      ...refs.flatMap((ref) => [`/report-need/${ref}`, `/open311/v2/requests/${ref}.json`]),
      '/open311/v2/services.json', '/open311/v2/requests.json?page_size=200', `/open311/v2/requests.json?service_request_id=${refs.join(',')}`,
    ];
    for (const p of paths) {
      const res = await anon.get(p);
      expect(res.status, p).toBe(200);
      expectNoSecrets(p, res.text);
    }
    expect(await readsSince()).toEqual([]);
  });

  it('and after all of it, no log line holds any of their personal data', () => {
    const log = lines.join('');
    expect(lines.length).toBeGreaterThan(50);
    expect(log).toContain('request completed');
    for (const s of SECRETS) expect(log.includes(s), `the log holds ${s}`).toBe(false);
    // nor their masks' visible parts next to a name, nor an ID number cut differently
    for (const r of RESIDENTS) expect(log).not.toContain(r.idNumber.slice(0, 14));
  });
});
