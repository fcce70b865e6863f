// Issue 9 item 9 (non-text parts): served filenames, Chinese validation messages, one ID number per deployment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servedFilename } from '../../src/documents/filename.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { api, goodsProject, U } from '../support/lifecycle.js';
import { agentFor, csrfOf } from './pages-helpers.js';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(48, 7)]);
const person = (idNumber: string) => ({ name: '测试人', idNumber, address: '珠海市香洲区测试路1号' });

describe('downloads and ID numbers (issue 9 item 9)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ env: { UPLOAD_DIR: `/tmp/wss-test-uploads-dl-${process.pid}` } });
  });
  afterAll(async () => app?.close());

  it('when a filename claims another type or carries bidi/control characters, then the served name has the sniffed extension and none of them', () => {
    expect(servedFilename('evil\u202Egpj.html', 'image/png')).toBe('evilgpj.png');
    expect(servedFilename('report.html', 'application/pdf')).toBe('report.pdf');
    expect(servedFilename('a\r\nb\u0000c\u200F.pdf', 'application/pdf')).toBe('abc.pdf');
    expect(servedFilename('.html', 'image/jpeg')).toBe('html.jpg');
    expect(servedFilename('\u202E', 'image/jpeg')).toBe('document.jpg');
    expect(servedFilename('照片', 'image/webp')).toBe('照片.webp');
  });

  it('when a stored document has a hostile filename, then GET /documents/:id serves it under a clean name with its real extension', async () => {
    const p = await api(app).create(U.c1, goodsProject({ title: '文件名测试' }));
    const c1 = await agentFor(app, U.c1);
    const page = await c1.get(`/projects/${p.id}`);
    const version = /name="expectedVersion" value="(\d+)"/.exec(page.text)![1]!;
    const up = await c1.post(`/projects/${p.id}/events/COMMENT?_csrf=${encodeURIComponent(csrfOf(page.text))}`)
      .field('expectedVersion', version).field('text', '附件').attach('attachments', PNG, { filename: 'x.png', contentType: 'image/png' });
    expect(up.status, up.text.slice(0, 200)).toBe(303);
    const doc = await app.deps.db('documents').orderBy('id').first('id');
    await app.deps.db('documents').where({ id: doc.id }).update({ filename: 'invoice\u202Egnp.html' });
    const res = await c1.get(`/documents/${doc.id}`);
    expect(res.status).toBe(200);
    const cd = String(res.headers['content-disposition']);
    expect(cd).toContain('filename="invoicegnp.png"');
    expect(cd).not.toMatch(/\.html|%E2%80%AE/i);
  });

  it('when query filters, a beneficiary or a beneficiary count are invalid in a zh-CN answer, then every message is Chinese', async () => {
    const token = await app.token(U.c1);
    const zh = (s: string) => expect(s, s).toMatch(/[\u4e00-\u9fff]/);
    const q = await app.http.get('/api/v1/projects?year=abc&pageSize=0&type=x').set('authorization', `Bearer ${token}`).set('accept-language', 'zh-CN');
    expect(q.status).toBe(422);
    for (const m of Object.values(q.body.error.fields as Record<string, string>)) zh(m);
    const b = await app.http.post('/api/v1/beneficiaries').set('authorization', `Bearer ${token}`).set('accept-language', 'zh-CN')
      .send({ name: '', idNumber: '123', phone: 'x', address: '', householdSize: 0.5 });
    expect(b.status).toBe(422);
    for (const m of Object.values(b.body.error.fields as Record<string, string>)) zh(m);
    const c = await app.http.post('/api/v1/projects').set('authorization', `Bearer ${token}`).set('accept-language', 'zh-CN')
      .send({ ...goodsProject({ title: '受益人数' }), beneficiaryCount: -1.5 });
    expect(c.status).toBe(422);
    expect(c.body.error.fields.beneficiaryCount).toBeDefined();
    for (const m of Object.values(c.body.error.fields as Record<string, string>)) zh(m);
  });

  it('when an ID number registered in one community is registered again anywhere, then it answers 409 without naming the community, and stored duplicates are listed for verify', async () => {
    const id = '44040219800101003X'.slice(0, 17);
    // a valid number with check character X
    const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const check = (body: string) => '10X98765432'[weights.reduce((s, w, i) => s + w * Number(body[i]), 0) % 11]!;
    let base = id;
    for (let n = 0; check(base) !== 'X'; n++) base = `4404021980010${String(100 + n).padStart(4, '0')}`;
    const full = `${base}X`;
    const t1 = await app.token(U.c1);
    const t3 = await app.token(U.c3);
    const count = async () => Number((await app.deps.db('beneficiaries').count({ n: '*' }).first())?.n);
    const first = await app.http.post('/api/v1/beneficiaries').set('authorization', `Bearer ${t1}`).send(person(full));
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const n0 = await count();
    for (const [token, idNumber] of [[t1, full], [t3, full.toLowerCase()], [t3, `${full.slice(0, 6)} ${full.slice(6)}`]] as const) {
      const again = await app.http.post('/api/v1/beneficiaries').set('authorization', `Bearer ${token}`).set('accept-language', 'zh-CN').send(person(idNumber));
      expect(again.status, JSON.stringify(again.body)).toBe(409);
      expect(again.body.error.fields.idNumber).toBe('该身份证号码已登记。');
      expect(JSON.stringify(again.body)).not.toMatch(/lianhua|莲花|cm-/);
    }
    expect(await count()).toBe(n0);

    // Duplicates stored before the rule: listed (ids and communities only), never deleted.
    const row = await app.deps.db('beneficiaries').where({ id: first.body.beneficiary.id }).first();
    await app.deps.db('beneficiaries').insert({ ...row, id: '00000000-0000-4000-8000-00000000d0b1', community_id: 'cm-yuehai', id_number: full.toLowerCase() });
    const dups = await app.deps.services.beneficiaries.duplicateIdNumbers();
    expect(dups).toHaveLength(1);
    expect([...dups[0]!].sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      [{ id: first.body.beneficiary.id as string, communityId: row.community_id as string }, { id: '00000000-0000-4000-8000-00000000d0b1', communityId: 'cm-yuehai' }].sort((a, b) => a.id.localeCompare(b.id)),
    );
    expect(JSON.stringify(dups)).not.toContain(full.slice(0, 10));
    expect(await count()).toBe(n0 + 1);
  });
});
