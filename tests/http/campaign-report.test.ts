// A care-call campaign's report in the pages, the downloads and the JSON API (issue 15 item 4): the
// page in both languages (per-day table with totals, needs by type × outcome, the median, the
// adopted project linked), the CSV and the .xlsx read back and checked cell by cell, 403 for another
// community, an operator and a vendor, 422 for bad dates in both languages, and no personal data of
// the residents anywhere (names, phones, id numbers, register ids).
import type { Response } from 'superagent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../src/lib/i18n.js';
import type { User } from '../../src/auth/users.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { U } from '../support/lifecycle.js';
import { agentFor, type Agent } from './pages-helpers.js';
import { parseCsv, readXlsx } from '../support/exports.js';

const OPERATOR = 'operator@example.org';
const HOUR_MS = 3_600_000;
const UNTRANSLATED = /\b(campaigns|validation|reasons|errors|needs)\.[a-zA-Z_]+\b/;
/** Anything of a resident: the register ids, names, phones, id numbers and addresses given below. */
const PERSONAL = /rpt-ben-|报告居民|1360000\d{4}|440402194801\d{4}|莲花路\d+号/;
const NEW_PROJECT = {
  title: '楼道扶手安装', type: 'works', category: '居家改造', mainGroup: '残疾人', estimatedFen: 800_000,
  description: '为电话关爱中反映的楼道安装扶手。', items: [{ name: '不锈钢扶手（米）', quantity: 40, unitFen: 20_000 }],
};

function binary(res: Response, done: (err: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}



/** A table row of the page by its data attribute: the header cell and the data cells' text. */
function pageRow(html: string, attr: string, key: string): string[] {
  const m = new RegExp(`<tr ${attr}="${key}">(.*?)</tr>`, 's').exec(html);
  if (!m) throw new Error(`no row ${key}`);
  return [...m[1]!.matchAll(/<t[hd][^>]*>(.*?)<\/t[hd]>/gs)].map((x) => x[1]!.replace(/<[^>]+>/g, '').trim());
}

describe('care-call campaign report pages, downloads and API', () => {
  let app: TestApp;
  let c1: Agent;
  let campaignId = '';
  let projectId = '';
  let projectRef = '';

  beforeAll(async () => {
    app = await createTestApp();
    const users = app.deps.services.users;
    const c1User = (await users.findByEmail(U.c1))!;
    const street = (await users.get((await users.findByEmail(U.street))!.id)) as User;
    const me = (await users.get(c1User.id)) as User;
    const op = (await users.get((await users.findByEmail(OPERATOR))!.id)) as User;
    const at = app.clock.now().toISOString();
    await app.deps.db('beneficiaries').insert(Array.from({ length: 6 }, (_, i) => ({
      id: `rpt-ben-${String(i).padStart(3, '0')}`, community_id: 'cm-lianhua', id_number: `440402194801${String(1000 + i)}`, name: `报告居民${i}`,
      phone: `1360000${String(2000 + i)}`, address: `香洲区拱北莲花路${i}号`, living_situation: 'alone', lives_alone: true, needs_daily_contact: false, created_by: c1User.id, created_at: at,
    })));
    const { campaigns, needs } = app.deps.services;
    const c = await campaigns.create(me, { name: '春节关爱电话', area: 'community:cm-lianhua', flags: ['alone'], startOn: '2026-03-02', endOn: '2026-03-08', operatorIds: [op.id] });
    campaignId = c.id;
    const logCall = (n: number, reached: boolean, problems: string[] = []) =>
      campaigns.logCall(op, campaignId, { beneficiaryId: `rpt-ben-${String(n).padStart(3, '0')}`, reached, problems: problems.map((type) => ({ type })) }).then((r) => r.call.needIds);
    // day 1: three calls (one missed), three needs
    const [a, b] = await logCall(0, true, ['daily_care', 'accessibility']);
    await logCall(1, false);
    const [d] = await logCall(2, true, ['supplies']);
    app.clock.advance(6 * HOUR_MS);
    await needs.send(me, a!, { type: 'RESOLVE', resolution: '社区已安排志愿者上门。' }); // 6 h
    await needs.send(me, b!, { type: 'ADOPT', newProject: NEW_PROJECT }); // 6 h
    await needs.send(me, d!, { type: 'REFER', to: 'street' });
    app.clock.advance(18 * HOUR_MS);
    // day 2: two calls, one reached with a need left received
    await logCall(1, true, ['emotional_support']);
    await logCall(3, false);
    app.clock.advance(24 * HOUR_MS);
    await needs.send(street, d!, { type: 'RESOLVE', resolution: '街道已协调物资。' }); // 48 h
    // today: day 3, no call
    const p = await app.deps.db('needs').where({ id: b }).first('project_id');
    projectId = p.project_id as string;
    projectRef = (await app.deps.db('projects').where({ id: projectId }).first('ref')).ref as string;
    c1 = await agentFor(app, U.c1);
  }, 120_000);
  afterAll(async () => app?.close());

  const get = (agent: Agent, url: string) => agent.get(url).buffer(true).parse(binary);

  it('when staff open the report in either language, then the days, totals, needs by type × outcome, the median and the adopted project show, in accessible tables, without personal data', async () => {
    const show = await c1.get(`/campaigns/${campaignId}`);
    expect(show.text).toContain(`href="/campaigns/${campaignId}/report"`);
    expect(show.text).toContain('>报告<');

    const res = await c1.get(`/campaigns/${campaignId}/report`);
    expect(res.status).toBe(200);
    const html = res.text;
    expect(html).not.toMatch(UNTRANSLATED);
    expect(html).not.toMatch(PERSONAL);
    for (const word of ['通话次数', '接通率', '直接解决', '转办后解决', '转办中', '纳入项目', '不予采纳', '办结时长中位数']) expect(html).toContain(word);
    expect(html).toContain('<caption');
    expect(html).toContain('scope="col"');
    expect(html).toContain('scope="row"');
    // day, calls, reached, rate, residents, needs, then the six outcomes
    expect(pageRow(html, 'data-day', '2026-03-02')).toEqual(['2026-03-02', '3', '2', '66.7%', '3', '3', '1', '1', '0', '1', '0', '0']);
    expect(pageRow(html, 'data-day', '2026-03-03')).toEqual(['2026-03-03', '2', '1', '50.0%', '2', '1', '0', '0', '0', '0', '0', '1']);
    expect(pageRow(html, 'data-day', '2026-03-04')).toEqual(['2026-03-04', '0', '0', '—', '0', '0', '0', '0', '0', '0', '0', '0']);
    expect(pageRow(html, 'data-day', '_total')).toEqual(['合计', '5', '3', '60.0%', '4', '4', '1', '1', '0', '1', '0', '1']);
    expect(pageRow(html, 'data-type', 'supplies')).toEqual(['物资', '1', '0', '1', '0', '0', '0', '0']);
    expect(pageRow(html, 'data-type', 'employment')).toEqual(['就业', '0', '0', '0', '0', '0', '0', '0']);
    // durations 6 h, 6 h, 48 h: the median is 6 hours
    expect(html).toContain('6.0 小时（约 0.3 天）');
    expect(html).toContain('街道办 1 条');
    expect(html).toContain(`href="/projects/${projectId}"`);
    expect(html).toContain(projectRef);
    expect(html).toContain(NEW_PROJECT.title);

    const en = await c1.get(`/campaigns/${campaignId}/report?lang=en&from=2026-03-02&to=2026-03-02`);
    expect(en.status).toBe(200);
    expect(en.text).not.toMatch(UNTRANSLATED);
    expect(en.text).not.toMatch(PERSONAL);
    for (const word of ['Calls made', 'Reach rate', 'Resolved directly', 'Resolved after referral', 'Declined', 'Median time to resolution']) expect(en.text).toContain(word);
    expect(pageRow(en.text, 'data-day', '_total')).toEqual(['Total', '3', '2', '66.7%', '3', '3', '1', '1', '0', '1', '0', '0']);
    expect(en.text).not.toContain('data-day="2026-03-03"');
    expect(en.text).toContain(`href="/projects/${projectId}?lang&#x3D;en"`);
    expect(en.text).toContain('name="lang" value="en"');
  });

  it('when the report is downloaded, then the CSV and the xlsx hold the same figures, and no personal data', async () => {
    const csv = await get(c1, `/campaigns/${campaignId}/report.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.headers['content-disposition']).toMatch(/^attachment; filename="care-call-report_2026-03-02_2026-03-04\.csv"/);
    const text = (csv.body as Buffer).toString('utf8');
    expect(text.startsWith('\ufeff')).toBe(true);
    expect(text).not.toMatch(PERSONAL);
    const rows = parseCsv(text.slice(1));
    expect(rows[0]).toEqual(['分项', '日期 / 类型 / 项目', '通话次数', '接通次数', '接通率（%）', '通话居民数', '需求数', '直接解决', '转办后解决', '转办中', '纳入项目', '不予采纳', '已受理']);
    expect(rows[1]).toEqual(['每日', '2026-03-02', '3', '2', '66.7', '3', '3', '1', '1', '0', '1', '0', '0']);
    expect(rows[3]).toEqual(['每日', '2026-03-04', '0', '0', '', '0', '0', '0', '0', '0', '0', '0', '0']);
    expect(rows[4]).toEqual(['合计', '2026-03-02 至 2026-03-04', '5', '3', '60.0', '4', '4', '1', '1', '0', '1', '0', '1']);
    expect(rows.find((r) => r[1] === '物资')).toEqual(['需求类型', '物资', '', '', '', '', '1', '0', '1', '0', '0', '0', '0']);
    expect(rows.filter((r) => r[0] === '转办去向')).toEqual([
      ['转办去向', '街道办', '', '', '', '', '1', '', '1', '0', '', '', ''],
      ['转办去向', '社区', '', '', '', '', '0', '', '0', '0', '', '', ''],
    ]);
    expect(rows.find((r) => r[0] === '办结时长中位数')!.slice(0, 2)).toEqual(['办结时长中位数', '6.0 小时（约 0.3 天）']);
    expect(rows.find((r) => r[0] === '纳入项目')!.slice(0, 7)).toEqual(['纳入项目', `${projectRef} ${NEW_PROJECT.title}`, '', '', '', '', '1']);

    const xlsx = await get(c1, `/campaigns/${campaignId}/report.xlsx?lang=en&from=2026-03-03`);
    expect(xlsx.status).toBe(200);
    expect(xlsx.headers['content-type']).toContain('spreadsheetml');
    const ws = await readXlsx(xlsx.body as Buffer);
    const values = (n: number) => (ws.getRow(n).values as unknown[]).slice(1);
    expect(String(ws.getCell(1, 1).value)).toBe('Care-call report · 春节关爱电话 · 2026-03-03 to 2026-03-04');
    expect(values(2).slice(0, 5)).toEqual(['Section', 'Day / type / project', 'Calls made', 'Reached', 'Reach rate (%)']);
    expect(values(3)).toEqual(['Day', '2026-03-03', 2, 1, 0.5, 2, 1, 0, 0, 0, 0, 0, 1]);
    expect(values(4)).toEqual(['Day', '2026-03-04', 0, 0, undefined, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(values(5)).toEqual(['Total', '2026-03-03 to 2026-03-04', 2, 1, 0.5, 2, 1, 0, 0, 0, 0, 0, 1]);
    expect(ws.getCell(3, 5).numFmt).toBe('0.0%');
    const all: string[] = [];
    ws.eachRow((row) => all.push(JSON.stringify(row.values)));
    expect(all.join('\n')).not.toMatch(PERSONAL);
    expect(all.join('\n')).toContain('"Emotional support",null,null,null,null,1');
  });

  it('when someone outside the campaign\'s scope, an operator or a vendor asks, then 403 for the page, the downloads and the API', async () => {
    for (const email of [U.c3, OPERATOR, U.v1]) {
      const agent = await agentFor(app, email);
      for (const path of ['report', 'report.csv', 'report.xlsx']) {
        const res = await agent.get(`/campaigns/${campaignId}/${path}`);
        expect(res.status, `${email} ${path}`).toBe(403);
        expect(res.headers['content-disposition']).toBeUndefined();
      }
      const api = await app.http.get(`/api/v1/campaigns/${campaignId}/report`).set('Authorization', `Bearer ${await app.token(email)}`);
      expect(api.status, email).toBe(403);
    }
    expect((await app.http.get(`/api/v1/campaigns/${campaignId}/report`)).status).toBe(401);
    expect((await (await agentFor(app, U.street)).get(`/campaigns/${campaignId}/report`)).status).toBe(200);
  });

  it('when the dates are bad, then 422 names the field in either language, for the page, the downloads and the API', async () => {
    const bad = await c1.get(`/campaigns/${campaignId}/report?from=2026-02-30`);
    expect(bad.status).toBe(422);
    expect(bad.text).toContain(t('zh-CN', 'validation.date'));
    const order = await c1.get(`/campaigns/${campaignId}/report?lang=en&from=2026-03-04&to=2026-03-02`);
    expect(order.status).toBe(422);
    expect(order.text).toContain('The end date cannot be before the start date.');
    const zh = await c1.get(`/campaigns/${campaignId}/report?from=2026-03-04&to=2026-03-02`);
    expect(zh.text).toContain('结束日期不能早于开始日期。');
    const csv = await c1.get(`/campaigns/${campaignId}/report.csv?to=tomorrow`);
    expect(csv.status).toBe(422);
    expect(csv.headers['content-disposition']).toBeUndefined();
    expect((await c1.get(`/campaigns/${campaignId}/report.xlsx?from=2026-13-01`)).status).toBe(422);

    const token = await app.token(U.c1);
    const api = await app.http.get(`/api/v1/campaigns/${campaignId}/report?from=2026-03-04&to=2026-03-02`).set('Authorization', `Bearer ${token}`).set('Accept-Language', 'en');
    expect(api.status).toBe(422);
    expect(api.body.error.fields).toEqual({ to: 'The end date cannot be before the start date.' });
    const ok = await app.http.get(`/api/v1/campaigns/${campaignId}/report`).set('Authorization', `Bearer ${token}`);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ residents: 6, totals: { calls: 5, reached: 3, residentsCalled: 4, needs: 4 }, medianResolutionMs: 6 * HOUR_MS });
    expect(ok.body.days).toHaveLength(3);
    expect(ok.body.adoptedProjects).toEqual([{ projectId, ref: projectRef, title: NEW_PROJECT.title, needs: 1 }]);
    expect(JSON.stringify(ok.body)).not.toMatch(PERSONAL);
  });
});
