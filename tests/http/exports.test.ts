// Exports (issue 11 item 3): the filtered project list, the statistics and a community's ledger as
// CSV (UTF-8 with a BOM, RFC 4180, formula-guarded) and .xlsx (exceljs, read back here), in the
// reader's scope and language, streamed page by page from the database.
import v8 from 'node:v8';
import vm from 'node:vm';
import ExcelJS from 'exceljs';
import supertest, { type Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/lib/db.js';
import { fenNumber, fenText } from '../../src/exports/table.js';
import { EXPORT_BATCH } from '../../src/exports/export-repo.js';
import { STORAGE_KINDS } from '../support/db.js';
import { createTestApp, DEMO_PASSWORD, T0, type TestApp } from '../support/app.js';
import { api, goodsProject, worksProject, U } from '../support/lifecycle.js';
import { parseCsv, readXlsx } from '../support/exports.js';

const BOM = '\ufeff';

/** Collects the body as bytes, whatever its type. */
function binary(res: Response, done: (err: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}

async function signIn(a: TestApp, email: string) {
  const agent = supertest.agent(a.app);
  const page = await agent.get('/login');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
  await agent.post('/login').type('form').send({ _csrf: csrf, email, password: DEMO_PASSWORD }).expect(302);
  return agent;
}



/** `n` project rows written straight into the read model (and their instances), as the engine leaves them. */
async function addProjects(db: Db, n: number, at: { community: string; street: string; year: number; prefix: string }) {
  type Row = Record<string, string | number | null>;
  const instances: Row[] = [];
  const projects: Row[] = [];
  for (let i = 0; i < n; i++) {
    const id = `${at.prefix}-${String(i).padStart(6, '0')}`;
    const stamp = new Date(Date.parse(T0) - (n - i) * 1000).toISOString();
    instances.push({ id, workflow: 'project', workflow_version: 1, state: 'screening', status: 'active', snapshot: '{}', version: 2, history_head: '0'.repeat(64), created_at: stamp, updated_at: stamp, described_version: 1 });
    projects.push({
      id, ref: `XZ-${at.year}-${at.prefix}-${String(i).padStart(6, '0')}`, district_id: 'xz', street_id: at.street, community_id: at.community, year: at.year, budget_year: at.year,
      type: 'goods', category: '助行', main_group: '残疾人', title: `批量项目 ${i}，含"引号"`, estimated_fen: 123_450 + i, paid_fen: 0, state: 'screening',
      stage_entered_at: stamp, rules_version: 1, created_by: 'seed', created_at: stamp, updated_at: stamp,
    });
  }
  await db.transaction(async (trx) => {
    await trx.batchInsert('workflow_instances', instances, 500);
    await trx.batchInsert('projects', projects, 500);
  });
}

describe('exact amounts', () => {
  it('when fen are written, then CSV text and Excel numbers come from integers', () => {
    expect(fenText(3_600_000)).toBe('36000.00');
    expect(fenText(123_450)).toBe('1234.50');
    expect(fenText(5)).toBe('0.05');
    expect(fenText(-105)).toBe('-1.05');
    expect(fenNumber(123_456_789)).toBe(1234567.89);
    for (const fen of [1, 10, 99, 1001, 123_456_789_01, 9_007_199_254_740_991]) expect(fenNumber(fen)).toBe(fen / 100);
  });
});

describe.each(STORAGE_KINDS)('exports on %s', (kind) => {
  let a: TestApp;
  beforeAll(async () => {
    a = await createTestApp({ kind });
    const x = api(a);
    await x.create(U.c1, goodsProject({ title: '莲花社区爬楼机' }));
    await x.create(U.c1, worksProject({ title: '莲花社区适老化改造' }));
    await x.create(U.c1, goodsProject({ title: '=HYPERLINK("http://evil.example","点我")' }));
    await x.create(U.c3, goodsProject({ title: '海滨社区爬楼机' }));
  });
  afterAll(async () => a?.close());

  const get = (agent: ReturnType<typeof supertest.agent>, url: string) => agent.get(url).buffer(true).parse(binary);

  it('when a community exports its list as CSV, then it gets a BOM, Chinese headers, 元 with two decimals, Shanghai times, and only its own rows', async () => {
    const agent = await signIn(a, U.c1);
    const res = await get(agent, '/projects/export.csv');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="projects-20260302\.csv"; filename\*=UTF-8''/);
    expect(decodeURIComponent(res.headers['content-disposition']!.split("''")[1]!)).toBe('项目清单_莲花社区.csv');
    const text = (res.body as Buffer).toString('utf8');
    expect(text.startsWith(BOM)).toBe(true);
    const [header, ...rows] = parseCsv(text.slice(1));
    expect(header!.slice(0, 4)).toEqual(['项目编号', '项目名称', '街道', '社区']);
    expect(header).toContain('申报金额（元）');
    const titles = rows.map((r) => r[1]);
    expect(titles).toContain('莲花社区爬楼机');
    expect(titles).not.toContain('海滨社区爬楼机');
    const climber = rows.find((r) => r[1] === '莲花社区爬楼机')!;
    const col = (name: string) => header!.indexOf(name);
    expect(climber[col('申报金额（元）')]).toBe('36000.00');
    expect(climber[col('社区')]).toBe('莲花社区');
    expect(climber[col('类型')]).toBe('货物');
    expect(climber[col('创建时间')]).toBe('2026-03-02 09:00'); // T0 is 01:00 UTC
    expect(climber[col('进入本阶段日期')]).toBe('2026-03-02');
    expect(text).not.toMatch(/为无电梯高层住户/); // no description
  });

  it('when a cell starts like a formula, then the CSV guards it with an apostrophe and the xlsx keeps it a string', async () => {
    const agent = await signIn(a, U.c1);
    const csv = (await get(agent, '/projects/export.csv')).body.toString('utf8') as string;
    expect(csv).toContain('"\'=HYPERLINK(""http://evil.example"",""点我"")"');
    expect(csv).not.toMatch(/(^|,)=HYPERLINK/m);
    const ws = await readXlsx((await get(agent, '/projects/export.xlsx')).body);
    const cells: ExcelJS.Cell[] = [];
    ws.eachRow((row) => row.eachCell((c) => { if (String(c.value).includes('HYPERLINK')) cells.push(c); }));
    expect(cells).toHaveLength(1);
    expect(cells[0]!.type).toBe(ExcelJS.ValueType.String);
    expect(cells[0]!.value).toBe('=HYPERLINK("http://evil.example","点我")');
  });

  it('when filters are given, then the export holds what the list holds, in the user\'s scope', async () => {
    const district = await signIn(a, U.district);
    const works = parseCsv((await get(district, '/projects/export.csv?type=works&q=莲花')).body.toString('utf8').slice(1));
    expect(works.slice(1).map((r) => r[1])).toEqual(['莲花社区适老化改造']);
    const haibin = parseCsv((await get(district, '/projects/export.csv?communityId=cm-haibin&state=&year=2026')).body.toString('utf8').slice(1));
    expect(haibin.slice(1).map((r) => r[1])).toEqual(['海滨社区爬楼机']);
    // a community asking for another community gets nothing of it; a street only its street
    const c1 = await signIn(a, U.c1);
    expect(parseCsv((await get(c1, '/projects/export.csv?communityId=cm-haibin')).body.toString('utf8').slice(1))).toHaveLength(1);
    const street = await signIn(a, U.street);
    const streetRows = parseCsv((await get(street, '/projects/export.csv')).body.toString('utf8').slice(1)).slice(1);
    expect(streetRows.map((r) => r[1])).toContain('莲花社区爬楼机');
    expect(streetRows.map((r) => r[1])).not.toContain('海滨社区爬楼机');
    // the API, with a token
    const apiCsv = await a.http.get('/api/v1/projects/export.csv?communityId=cm-haibin').set('authorization', `Bearer ${await a.token(U.c3)}`).buffer(true).parse(binary);
    expect(apiCsv.status).toBe(200);
    expect(parseCsv(apiCsv.body.toString('utf8').slice(1)).slice(1).map((r) => r[1])).toEqual(['海滨社区爬楼机']);
  });

  it('when a filter is bad, then the page and the API answer 422 naming it', async () => {
    const agent = await signIn(a, U.district);
    const page = await agent.get('/projects/export.csv?year=20x6');
    expect(page.status).toBe(422);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.headers['content-disposition']).toBeUndefined();
    const res = await a.http.get('/api/v1/projects/export.xlsx?type=spaceship').set('authorization', `Bearer ${await a.token(U.district)}`);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('INVALID');
    expect(Object.keys(res.body.error.fields)).toEqual(['type']);
    expect((await a.http.get('/api/v1/projects/export.csv')).status).toBe(401);
    expect((await a.http.get('/projects/export.csv')).status).toBe(302); // to the log-in
  });

  it('when the list is exported as xlsx, then row 1 names the filter, amounts are number cells of 元 and dates date cells', async () => {
    const agent = await signIn(a, U.district);
    const res = await get(agent, '/projects/export.xlsx?streetId=st-gongbei&state=draft&budgetYear=2026');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const ws = await readXlsx(res.body);
    expect(ws.name).toBe('项目清单');
    expect(ws.getCell('A1').value).toBe('项目清单 · 2026年度预算 · 拱北街道 · 阶段：草稿');
    const header = (ws.getRow(2).values as unknown[]).slice(1);
    expect(header[0]).toBe('项目编号');
    const amountCol = header.indexOf('申报金额（元）') + 1;
    const createdCol = header.indexOf('创建时间') + 1;
    const row = [3, 4, 5, 6].map((n) => ws.getRow(n)).find((r) => r.getCell(2).value === '莲花社区爬楼机')!;
    const amount = row.getCell(amountCol);
    expect(amount.type).toBe(ExcelJS.ValueType.Number);
    expect(amount.value).toBe(36000);
    expect(amount.numFmt).toBe('#,##0.00');
    const created = row.getCell(createdCol);
    expect(created.value).toEqual(new Date(Date.UTC(2026, 2, 2, 9, 0))); // Shanghai wall time
    expect(created.numFmt).toBe('yyyy-mm-dd hh:mm');
    const district = (await a.deps.services.users.findByEmail(U.district))!;
    const { total } = await a.deps.services.projects.list(district, { streetId: 'st-gongbei', state: 'draft', budgetYear: 2026 });
    expect(ws.rowCount).toBe(2 + total); // what the list holds, every page

    const en = await readXlsx((await get(agent, '/projects/export.xlsx?streetId=st-gongbei&lang=en')).body);
    expect(en.getCell('A1').value).toBe('Projects · Gongbei Street');
    expect(en.getRow(2).getCell(1).value).toBe('Reference');
  });

  it('when a community\'s ledger is exported, then its entries come with their amounts, and only to those allowed', async () => {
    const entries = await a.deps.services.ledger.entries({ communityId: 'cm-lianhua', year: 2026 });
    expect(entries.length).toBeGreaterThan(0);
    const c1 = await signIn(a, U.c1);
    const res = await get(c1, '/ledger/export.csv?year=2026');
    expect(res.status).toBe(200);
    const [header, ...rows] = parseCsv(res.body.toString('utf8').slice(1));
    expect(header).toEqual(['序号', '发生时间', '预算年度', '类型', '项目编号', '项目名称', '金额（元）', '备注']);
    expect(rows.map((r) => r[6])).toEqual(entries.map((e) => fenText(e.fen)));
    expect(rows[0]![3]).toBe('下达额度');
    expect(decodeURIComponent(res.headers['content-disposition']!.split("''")[1]!)).toBe('资金台账_莲花社区_2026年度预算.csv');

    expect((await c1.get('/ledger/export.csv?communityId=cm-haibin')).status).toBe(403);
    expect((await (await signIn(a, U.street)).get('/ledger/export.csv?communityId=cm-lianhua')).status).toBe(403);
    const district = await signIn(a, U.district);
    expect((await district.get('/ledger/export.csv')).status).toBe(422);
    expect((await district.get('/ledger/export.csv?communityId=cm-nowhere')).status).toBe(422);
    const ws = await readXlsx((await get(district, '/ledger/export.xlsx?communityId=cm-lianhua&year=2026')).body);
    expect(ws.getCell('A1').value).toBe('资金台账 · 莲花社区 · 2026年度预算');
    const fen = ws.getRow(3).getCell(7);
    expect(fen.type).toBe(ExcelJS.ValueType.Number);
    expect(fen.value).toBe(entries[0]!.fen / 100);
    expect(fen.numFmt).toBe('#,##0.00');
    const apiRes = await a.http.get('/api/v1/ledger/export.csv?communityId=cm-haibin&year=2026').set('authorization', `Bearer ${await a.token(U.finance)}`).buffer(true).parse(binary);
    expect(apiRes.status).toBe(200);
    expect((await a.http.get('/api/v1/ledger/export.csv?communityId=cm-lianhua').set('authorization', `Bearer ${await a.token(U.c3)}`)).status).toBe(403);
  });

  it('when the statistics are exported, then each group is a row with the totals last, for staff and the public', async () => {
    const district = await signIn(a, U.district);
    const res = await get(district, '/reports/export.csv?year=2026&groupBy=community');
    expect(res.status).toBe(200);
    const [header, ...rows] = parseCsv(res.body.toString('utf8').slice(1));
    expect(header![0]).toBe('社区');
    expect(header).toContain('核定金额（元）');
    expect(rows.at(-1)![0]).toBe('合计');
    expect(rows.map((r) => r[0])).toContain('莲花社区');
    const ws = await readXlsx((await get(district, '/reports/export.xlsx?year=2026')).body);
    expect(String(ws.getCell('A1').value)).toMatch(/^统计报表 · 2026年度预算/);
    const pub = await a.http.get('/public/stats/export.csv?year=2026').buffer(true).parse(binary);
    expect(pub.status).toBe(200);
    expect((await a.http.get('/public/stats/export.csv?year=1999')).status).toBe(422);
  });

  it('when 3,000 projects match, then the export streams them in batches (chunked, no Content-Length), every row once', async () => {
    await addProjects(a.deps.db, 3_000, { community: 'cm-yuehai', street: 'st-gongbei', year: 2031, prefix: 'vol' });
    const sizes: number[] = [];
    const onResponse = (r: unknown) => { if (Array.isArray(r)) sizes.push(r.length); };
    a.deps.db.on('query-response', onResponse);
    let res: Response;
    try {
      res = await get(await signIn(a, U.district), '/projects/export.csv?budgetYear=2031');
    } finally {
      a.deps.db.off('query-response', onResponse);
    }
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBeUndefined();
    expect(res.headers['transfer-encoding']).toBe('chunked');
    const rows = parseCsv(res.body.toString('utf8').slice(1)).slice(1);
    expect(rows).toHaveLength(3_000);
    expect(new Set(rows.map((r) => r[0])).size).toBe(3_000);
    expect(rows[0]![1]).toBe('批量项目 2999，含"引号"'); // newest first, quotes round-trip
    expect(Math.max(...sizes)).toBeLessThanOrEqual(EXPORT_BATCH);
    const xlsx = await get(await signIn(a, U.district), '/projects/export.xlsx?budgetYear=2031');
    expect(xlsx.headers['content-length']).toBeUndefined();
    expect((await readXlsx(xlsx.body)).rowCount).toBe(2 + 3_000);
  });
});

describe('a large export', () => {
  let a: TestApp;
  beforeAll(async () => {
    a = await createTestApp();
    await addProjects(a.deps.db, 20_000, { community: 'cm-lianhua', street: 'st-gongbei', year: 2032, prefix: 'big' });
  }, 60_000);
  afterAll(async () => a?.close());

  it.each(['csv', 'xlsx'])('when 20,000 rows are exported as %s, then the heap stays flat', async (format) => {
    const agent = await signIn(a, U.district);
    let received = 0;
    const count = (res: Response, done: (err: Error | null, body: number) => void) => {
      res.on('data', (c: Buffer) => { received += c.length; });
      res.on('end', () => done(null, received));
    };
    // What stays reachable while the rows stream (collected garbage is not growth): a full GC before each sample.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    gc();
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    const timer = setInterval(() => { gc(); peak = Math.max(peak, process.memoryUsage().heapUsed); }, 1000);
    try {
      const res = await agent.get(`/projects/export.${format}?budgetYear=2032`).buffer(true).parse(count);
      expect(res.status).toBe(200);
    } finally {
      clearInterval(timer);
    }
    expect(received).toBeGreaterThan(format === 'csv' ? 2_000_000 : 200_000);
    expect(peak - before).toBeLessThan(50 * 1024 * 1024);
  }, 60_000);
});
