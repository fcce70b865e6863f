// The service-project library's administration pages (服务项目库, issue 14 item 3): admins list
// (paged, counted), create, edit and retire entries, and import and export them as Excel; the
// district reads; nobody else. Every form carries CSRF; bad input comes back on its form with a
// clear message in zh-CN and en, 4xx, and nothing changed; an import with any bad row imports
// nothing; an export imports back as it was.
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { U, VENDORS } from '../support/lifecycle.js';
import { agentFor, csrfOf, postForm, type Agent } from './pages-helpers.js';

const UNTRANSLATED = /\b(library|validation|reasons|errors)\.[a-zA-Z_]+\b/;
const GOOD = {
  code: 'T-001', name: '助浴服务', category: '便民服务', type: 'services', unit: 'session', referenceFen: '80', ceilingFen: '100',
  description: '为失能长者提供上门助浴服务。', validFrom: '2026-01-01', validTo: '2027-12-31', vendorIds: [VENDORS.xinyuan, VENDORS.kangfu],
};

async function xlsx(rows: Array<Array<string | number>>): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('library');
  ws.addRow(['code', 'name', 'category', 'type', 'unit', 'reference', 'ceiling', 'description', 'validFrom', 'validTo', 'vendorIds']);
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

describe('the service-project library pages', () => {
  let app: TestApp;
  let admin: Agent;
  const count = async () => Number(((await app.deps.db('library_entries').count({ n: '*' })) as Array<{ n: number | string }>)[0]!.n);

  beforeAll(async () => {
    app = await createTestApp();
    admin = await agentFor(app, U.admin);
  });
  afterAll(async () => app?.close());

  it('when each role opens the library, then admins and the district read it (paged, counted) in both languages, others are refused', async () => {
    for (const email of [U.admin, U.district]) {
      const agent = email === U.admin ? admin : await agentFor(app, email);
      for (const q of ['', '?lang=en']) {
        const res = await agent.get(`/admin/library${q}`);
        expect(res.status, email).toBe(200);
        expect(res.text).not.toMatch(UNTRANSLATED);
        expect(res.text).toContain(q ? '5 entries' : '共 5 项');
        expect(res.text).toContain('爬楼机租赁（含操作员）');
      }
      const one = await agent.get('/admin/library/lib-visit');
      expect(one.status).toBe(200);
      expect(one.text).toContain('上门探访与心理慰藉');
    }
    expect((await (await agentFor(app, U.district)).get('/admin/library/new')).status).toBe(403);
    for (const email of [U.c1, U.street, U.finance, U.v1]) expect((await (await agentFor(app, email)).get('/admin/library')).status, email).toBe(403);
    expect((await (await agentFor(app)).get('/admin/library')).status).toBe(302);
    const paged = await admin.get('/admin/library?page=2');
    expect(paged.status).toBe(200);
    expect(paged.text).toContain('2 / 1');
  });

  it('when an admin creates, edits and retires an entry, then each is saved; bad input comes back on the form with nothing changed', async () => {
    const before = await count();
    // without the CSRF token: refused, nothing saved
    expect((await admin.post('/admin/library').type('form').send(GOOD)).status).toBe(403);
    // the ceiling below the reference, an unknown vendor, an amount that is not one
    for (const [bad, zh, en] of [
      [{ ceilingFen: '50' }, '最高限价不能低于参考单价', 'ceiling price may not be below'],
      [{ vendorIds: ['vd-nobody'] }, '所选供应商不存在', 'That vendor does not exist'],
      [{ referenceFen: 'abc' }, '', ''],
      [{ code: '有 空格' }, '编号只能由字母', 'letters, digits'],
      [{ validTo: '2025-01-01' }, '有效期止不能早于有效期起', 'end of validity'],
    ] as Array<[Record<string, string | string[]>, string, string]>) {
      for (const lang of ['', '?lang=en']) {
        const res = await postForm(admin, `/admin/library/new${lang}`, `/admin/library${lang}`, { ...GOOD, ...bad });
        expect(res.status, JSON.stringify(bad)).toBe(422);
        expect(res.text).toContain('error-summary');
        expect(res.text).not.toMatch(UNTRANSLATED);
        if (zh) expect(res.text, res.text.match(/<div class="error-summary"[\s\S]*?<\/div>/)?.[0]).toContain(lang ? en : zh);
      }
    }
    // a district user may not post
    const district = await agentFor(app, U.district);
    expect((await postForm(district, '/admin/library', '/admin/library', GOOD)).status).toBe(403);
    expect(await count()).toBe(before);

    const created = await postForm(admin, '/admin/library/new', '/admin/library', GOOD);
    expect(created.status).toBe(303);
    expect(await count()).toBe(before + 1);
    const row = await app.deps.db('library_entries').where({ code: 'T-001' }).first();
    expect(row).toMatchObject({ name: '助浴服务', unit: 'session', version: 1 });
    expect(Number(row.reference_fen)).toBe(8_000);
    expect(Number(row.ceiling_fen)).toBe(10_000);
    const entry = await app.deps.services.library.get(row.id);
    expect(entry.vendorIds).toEqual([VENDORS.kangfu, VENDORS.xinyuan]);
    // the same code again
    expect((await postForm(admin, '/admin/library/new', '/admin/library', GOOD)).status).toBe(422);

    const edited = await postForm(admin, `/admin/library/${row.id}`, `/admin/library/${row.id}`, { ...GOOD, ceilingFen: '120', vendorIds: [VENDORS.xinyuan] });
    expect(edited.status).toBe(303);
    const after = await app.deps.services.library.get(row.id);
    expect(after).toMatchObject({ ceilingFen: 12_000, version: 2, vendorIds: [VENDORS.xinyuan] });
    // a bad edit changes nothing
    expect((await postForm(admin, `/admin/library/${row.id}`, `/admin/library/${row.id}`, { ...GOOD, ceilingFen: '1' })).status).toBe(422);
    expect(await app.deps.services.library.get(row.id)).toEqual(after);

    const retired = await postForm(admin, `/admin/library/${row.id}`, `/admin/library/${row.id}/retire`, {});
    expect(retired.status).toBe(303);
    expect((await app.deps.services.library.get(row.id)).retiredAt).not.toBeNull();
    expect((await admin.get('/admin/library')).text).toContain('已停用服务项目“助浴服务”'); // the flash, once
    expect((await admin.get('/admin/library')).text).not.toContain('助浴服务');
    expect((await admin.get('/admin/library?all=1')).text).toContain('助浴服务');
    // retiring twice: a clear 409, not a 500
    expect((await postForm(admin, `/admin/library/${row.id}`, `/admin/library/${row.id}/retire`, {})).status).toBe(409);
    expect((await admin.get('/admin/library/no-such-entry')).status).toBe(404);
  });

  it('when an admin exports the library and imports it back, then nothing changes; a sheet with one bad row imports nothing and names each row in both languages', async () => {
    const exported = await admin.get('/admin/library/export.xlsx').buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(exported.status).toBe(200);
    expect(exported.headers['content-type']).toContain('spreadsheetml');
    const before = await app.deps.services.library.active();

    const upload = async (agent: Agent, file: Buffer, lang = '') => {
      const page = await agent.get(`/admin/library/import${lang}`);
      return agent.post(`/admin/library/import?_csrf=${encodeURIComponent(csrfOf(page.text))}${lang ? '&lang=en' : ''}`).attach('file', file, 'library.xlsx');
    };
    const round = await upload(admin, exported.body as Buffer);
    expect(round.status, round.text.slice(0, 500)).toBe(303);
    expect(await app.deps.services.library.active()).toEqual(before);

    const total = await count();
    const sheet = await xlsx([
      ['N-001', '陪诊服务', '便民服务', 'services', 'session', 120, 150, '陪同长者就医。', '2026-01-01', '2026-12-31', VENDORS.xinyuan],
      ['N-002', '理发服务', '便民服务', 'services', 'session', 30, 20, '上门理发。', '2026-01-01', '2026-12-31', ''],
      ['N-003', '', '无此类别', 'services', 'weekly', 'x', 20, '', '2026-13-01', '2026-12-31', 'vd-nobody'],
      ['N-001', '重复', '便民服务', 'services', 'session', 1, 2, '重复编号。', '2026-01-01', '2026-12-31', ''],
    ]);
    const zh = await upload(admin, sheet);
    expect(zh.status).toBe(422);
    expect(zh.text).toContain('第 3 行的最高限价低于参考单价');
    expect(zh.text).toContain('第 4 行“名称 name”填写有误');
    expect(zh.text).toContain('第 5 行的编号 N-001 与第 2 行重复');
    expect(zh.text).not.toMatch(UNTRANSLATED);
    const en = await upload(admin, sheet, '?lang=en');
    expect(en.status).toBe(422);
    expect(en.text).toContain('Row 3: the ceiling price is below the reference price.');
    expect(en.text).toContain('Row 5: code N-001 repeats row 2.');
    expect(await count()).toBe(total);

    // not a workbook, and no file: clear 422s
    expect((await upload(admin, Buffer.from('not a spreadsheet'))).status).toBe(422);
    const page = await admin.get('/admin/library/import');
    expect((await admin.post(`/admin/library/import?_csrf=${encodeURIComponent(csrfOf(page.text))}`).field('x', 'y')).status).toBe(422);
    // without the token: refused
    expect((await admin.post('/admin/library/import').attach('file', sheet, 'library.xlsx')).status).toBe(403);
    expect(await count()).toBe(total);

    const good = await upload(admin, await xlsx([['N-001', '陪诊服务', '便民服务', 'services', 'session', 120, 150, '陪同长者就医。', '2026-01-01', '2026-12-31', VENDORS.xinyuan]]));
    expect(good.status).toBe(303);
    expect(await count()).toBe(total + 1);
    const n1 = await app.deps.db('library_entries').where({ code: 'N-001' }).first();
    expect(Number(n1.ceiling_fen)).toBe(15_000);
  });
});
