// The beneficiary register in the pages (issue 15, item 1), on every database: community staff list
// (paged and counted over thousands of residents), register, edit and import from Excel; the import
// checks every row and imports nothing when one is wrong; other roles read masked registers within
// their scope; only the rows shown unmasked are logged; the ID number never changes; CSRF on every
// form; both languages.
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { STORAGE_KINDS } from '../support/db.js';
import { U } from '../support/lifecycle.js';
import { agentFor, csrfOf, postForm, type Agent } from './pages-helpers.js';

const UNTRANSLATED = /\b(register|validation|reasons|errors)\.[a-zA-Z_]+\b/;
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/** Distinct valid 18-character resident ID numbers (GB 11643: the check character computed). */
function ids(count: number, offset = 0): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < count; i++) {
    const seq = String((offset + i) % 1000).padStart(3, '0');
    const day = 1 + (Math.floor((offset + i) / 1000) % 28);
    const body = `4404021950${String(1 + (Math.floor((offset + i) / 28000) % 12)).padStart(2, '0')}${String(day).padStart(2, '0')}${seq}`;
    const sum = WEIGHTS.reduce((s, w, k) => s + w * Number(body[k]), 0);
    out.push(body + '10X98765432'[sum % 11]!);
  }
  return out;
}

async function sheet(rows: Array<Array<string | number>>, header = ['姓名', '身份证号码', '电话', '居住地址', '受益群体', '残疾类别', '残疾等级', '家庭人数', '居住情况', '需每日联系']): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('名册');
  ws.addRow(header);
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

describe.each(STORAGE_KINDS)('the beneficiary register pages on %s', (kind) => {
  let app: TestApp;
  let c1: Agent;
  const count = async (community = 'cm-lianhua') => Number(((await app.deps.db('beneficiaries').where({ community_id: community }).count({ n: '*' })) as Array<{ n: number | string }>)[0]!.n);
  const logged = async () => Number(((await app.deps.db('beneficiary_access_log').count({ n: '*' })) as Array<{ n: number | string }>)[0]!.n);
  const upload = async (agent: Agent, file: Buffer, lang = '') => {
    const page = await agent.get(`/beneficiaries/import${lang ? '?lang=en' : ''}`);
    return agent.post(`/beneficiaries/import?_csrf=${encodeURIComponent(csrfOf(page.text))}${lang ? '&lang=en' : ''}`).attach('file', file, 'register.xlsx');
  };

  beforeAll(async () => {
    app = await createTestApp({ kind });
    c1 = await agentFor(app, U.c1);
  }, 120_000);
  afterAll(async () => app?.close());

  it('when community staff import a district list of 2,400 residents, then all are registered in one go and the register pages and counts them truly, filtered by care flag and group', async () => {
    const before = await count();
    const numbers = ids(2400);
    const rows = numbers.map((n, i) => [`居民${i}`, n, `13${String(800000000 + i)}`, `香洲区拱北莲花路${i}号`, i % 3 === 0 ? '残疾人' : '老年人',
      i % 3 === 0 ? '肢体' : '', i % 3 === 0 ? '二级' : '', 1 + (i % 4), i % 5 === 0 ? '独居' : '与家人同住', i % 7 === 0 ? '是' : '否']);
    const res = await upload(c1, await sheet(rows));
    expect(res.status, res.text.slice(0, 500)).toBe(303);
    expect(await count()).toBe(before + 2400);

    const list = await c1.get('/beneficiaries');
    expect(list.status).toBe(200);
    expect(list.text).toContain(`共 ${before + 2400} 人`);
    expect(list.text).toContain(`第 1 / ${Math.ceil((before + 2400) / 50)} 页`);
    expect(list.text.match(/<tr>/g)!.length).toBe(51); // the heading and 50 rows
    expect(list.text).not.toMatch(UNTRANSLATED);
    const alone = await c1.get('/beneficiaries?flag=alone&lang=en');
    expect(alone.text).toContain(`${480} in all`);
    expect(alone.text).not.toMatch(UNTRANSLATED);
    const daily = await c1.get('/beneficiaries?flag=daily&group=残疾人');
    expect(daily.text).toContain(`共 ${rows.filter((_, i) => i % 7 === 0 && i % 3 === 0).length} 人`);
    const last = await c1.get(`/beneficiaries?page=${Math.ceil((before + 2400) / 50)}`);
    expect(last.text.match(/<tr>/g)!.length).toBe(1 + ((before + 2400) % 50 || 50));
    expect(last.text).not.toContain('rel="next"');
    const search = await c1.get(`/beneficiaries?q=${encodeURIComponent('居民239')}`);
    expect(search.text).toContain('共 11 人'); // 居民239 and 居民2390–2399
    const pct = await c1.get(`/beneficiaries?q=${encodeURIComponent('%')}`);
    expect(pct.text).toContain('共 0 人'); // LIKE's wildcard is a literal character
  });

  it('when a file has a bad row, then nothing is imported and every bad row is named with its field, in both languages', async () => {
    const before = await count();
    const [a, b] = ids(2, 50_000);
    const rows = [
      ['张三', a!, '13800000001', '莲花路1号', '残疾人', '', '', 2, '独居', '是'],
      ['', b!, '13800000002', '莲花路2号', '', '', '', '', '', ''], // no name
      ['李四', '440402195001011234', '13800000003', '莲花路3号', '', '', '', '', '', ''], // bad check digit
      ['王五', a!, '13800000004', '莲花路4号', '不存在的群体', '', '', '', '住在月球', '也许'], // twice, unknown group, living, flag
    ];
    for (const lang of ['', 'en']) {
      const res = await upload(c1, await sheet(rows), lang);
      expect(res.status).toBe(422);
      expect(res.text).not.toMatch(UNTRANSLATED);
      if (lang) {
        expect(res.text).toContain('Row 3, Name: This field is required.');
        expect(res.text).toContain('Row 4, ID number');
        expect(res.text).toContain('Row 5, ID number: This ID number appears more than once in the file.');
        expect(res.text).toContain('Row 5, Group (optional): Choose a group from the list.');
      } else {
        expect(res.text).toContain('第 3 行 姓名：此项必填。');
        expect(res.text).toContain('第 5 行 身份证号码：该身份证号码在文件中出现了不止一次。');
      }
    }
    expect(await count()).toBe(before);
    // a number registered already anywhere refuses the file too
    const taken = (await app.deps.db('beneficiaries').first('id_number')).id_number as string;
    expect((await upload(c1, await sheet([['赵六', taken, '', '莲花路5号', '', '', '', '', '', '']]))).status).toBe(422);
    // not a spreadsheet, no headings, and an empty sheet
    expect((await upload(c1, Buffer.from('not a spreadsheet'))).status).toBe(422);
    expect((await upload(c1, await sheet([['x', 'y']], ['foo', 'bar']))).status).toBe(422);
    expect((await upload(c1, await sheet([]))).status).toBe(422);
    expect(await count()).toBe(before);
  });

  it('when community staff register and edit a resident, then the register keeps it; the ID number cannot change; bad input returns the form with nothing changed', async () => {
    const [n] = ids(1, 60_000);
    const body = { idNumber: n!, name: '周七', phone: '0756-2123456', address: '香洲区拱北莲花路88号3栋601', groupCode: '残疾人', disabilityType: '肢体', disabilityLevel: '一级', householdSize: '2', livingSituation: 'alone', needsDailyContact: 'on' };
    const bad = await postForm(c1, '/beneficiaries/new', '/beneficiaries/new', { ...body, phone: 'abc', householdSize: 'x' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('周七'); // the typed values come back
    expect(bad.text).not.toMatch(UNTRANSLATED);
    const created = await postForm(c1, '/beneficiaries/new', '/beneficiaries/new', body);
    expect(created.status).toBe(303);
    const row = await app.deps.db('beneficiaries').where({ id_number: n }).first();
    expect(row).toMatchObject({ name: '周七', group_code: '残疾人', living_situation: 'alone', needs_daily_contact: kind === 'postgres' ? true : 1, lives_alone: kind === 'postgres' ? true : 1 });
    const page = await c1.get(`/beneficiaries/${row.id}`);
    expect(page.text).toContain(n);
    expect(page.text).toContain('独居、需每日联系');

    const edit = `/beneficiaries/${row.id}/edit`;
    const again = await postForm(c1, edit, edit, { ...body, idNumber: ids(1, 70_000)[0]!, livingSituation: 'family', needsDailyContact: '' });
    expect(again.status).toBe(422); // the ID number never changes
    const saved = await postForm(c1, edit, edit, { ...body, idNumber: n!, livingSituation: 'family', needsDailyContact: '', address: '香洲区拱北莲花路88号3栋602' });
    expect(saved.status).toBe(303);
    expect(await app.deps.db('beneficiaries').where({ id: row.id }).first()).toMatchObject({ id_number: n, address: '香洲区拱北莲花路88号3栋602', living_situation: 'family' });
    expect(Boolean((await app.deps.db('beneficiaries').where({ id: row.id }).first()).lives_alone)).toBe(false);
    // another community's staff cannot edit it, and no form goes without its CSRF token
    const c3 = await agentFor(app, U.c3);
    expect((await c3.get(edit)).status).toBe(403); // outside its register, not even masked …
    expect((await c3.get(`/beneficiaries/${row.id}`)).status).toBe(403);
    expect((await postForm(c3, '/beneficiaries', edit, body)).status).toBe(403); // … and the post refused
    expect((await c1.post(edit).type('form').send(body)).status).toBe(403);
    expect((await c1.post('/beneficiaries/new').type('form').send(body)).status).toBe(403);
  });

  it('when other roles open registers, then the street sees its own communities masked, the district any masked, vendors and admins none; only shown unmasked rows are logged', async () => {
    const street = await agentFor(app, U.street);
    const before = await logged();
    const own = await street.get('/beneficiaries?communityId=cm-lianhua');
    expect(own.status).toBe(200);
    expect(own.text).toMatch(/居\*+\d/); // 居民12 → 居**2
    expect(own.text).not.toMatch(/居民\d/);
    expect(own.text).not.toContain('肢体');
    expect(own.text).not.toContain('name="q"'); // no name search on a masked register
    expect((await street.get(`/beneficiaries?communityId=cm-lianhua&q=${encodeURIComponent('居民')}`)).status).toBe(403);
    expect((await street.get('/beneficiaries?communityId=cm-haibin')).status).toBe(403);
    expect(await logged()).toBe(before); // masked reads are not unmasked reads
    const district = await agentFor(app, U.district);
    expect((await district.get('/beneficiaries?communityId=cm-haibin')).status).toBe(200);
    for (const email of [U.admin, U.v1]) expect((await (await agentFor(app, email)).get('/beneficiaries')).status, email).toBe(403);
    // the community's own page of 50 logs 50 reads
    await c1.get('/beneficiaries?page=2');
    expect(await logged()).toBe(before + 50);
  });
});
