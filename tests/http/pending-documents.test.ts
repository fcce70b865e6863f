// Issue 9, items 3 and 4, on the real database: every document an event names must be one the
// sender may use; uploads are pending until an accepted event links them; a refused event links
// nothing; a refused page form keeps its uploads; the sweep deletes what nothing linked in 24 h;
// and each user's pending quota and upload rate hold at their limits.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { api, goodsProject, toDelivery, U, VENDORS, type Api } from '../support/lifecycle.js';
import { agentFor } from './pages-helpers.js';

const UPLOAD_DIR = `/tmp/wss-test-uploads-pending-${process.pid}`;
const pdf = (text: string, pad = 0) => Buffer.concat([Buffer.from(`%PDF-1.4\n% ${text}\n`, 'latin1'), Buffer.alloc(pad, 0x20)]);
const links = (app: TestApp, doc: string) => app.deps.db('document_links').where({ document_id: doc }).select('project_id');

describe('document references and pending uploads', () => {
  let app: TestApp;
  let a: Api;
  let delivery: string;
  let item: string;

  beforeAll(async () => {
    app = await createTestApp({ env: { UPLOAD_DIR, UPLOAD_PENDING_QUOTA_MB: '1', UPLOAD_RATE_PER_HOUR: '6' } });
    a = api(app);
    const p = await a.create(U.c1, goodsProject({ title: '待链接文件测试' }));
    const d = await toDelivery(app, p.id, VENDORS.kangfu, goodsProject().items);
    delivery = d.id;
    item = d.contract!.items[0]!.id;
  });
  afterAll(async () => {
    await app?.close();
    fs.rmSync(UPLOAD_DIR, { recursive: true, force: true });
  });

  it('when RECORD_DELIVERY names evidence that is not a document, then 422 names the field and nothing changes', async () => {
    const before = await a.project(U.c1, delivery);
    const res = await a.send(U.v1, delivery, 'RECORD_DELIVERY', { itemId: item, quantity: 1, evidence: ['x'] });
    expect(res.status).toBe(422);
    expect(res.body.error.fields).toHaveProperty('evidence');
    const unknown = await a.send(U.v1, delivery, 'RECORD_DELIVERY', { itemId: item, quantity: 1, evidence: ['a'.repeat(64)] });
    expect(unknown.status).toBe(422);
    expect((await a.project(U.c1, delivery)).version).toBe(before.version);
  });

  it("when a COMMENT names another community's document, then 422 and the filename never shows", async () => {
    const other = await a.create(U.c3, goodsProject({ title: '他社区项目' }));
    const secret = await a.upload(U.c3, '他社区机密.pdf');
    await a.ok(U.c3, other.id, 'COMMENT', { text: '附件', attachments: [secret] });
    expect(await links(app, secret)).toEqual([{ project_id: other.id }]);
    const res = await a.send(U.c1, delivery, 'COMMENT', { text: '偷看', attachments: [secret] });
    expect(res.status).toBe(422);
    expect(res.body.error.fields).toHaveProperty('attachments');
    const history = await a.get(U.c1, `/projects/${delivery}/history`);
    expect(JSON.stringify(history.body)).not.toContain(secret);
    const page = await (await agentFor(app, U.c1)).get(`/projects/${delivery}`);
    expect(page.text).not.toContain('他社区机密');
    // nor a pending document of someone else
    const pending = await a.upload(U.c3, 'pending.pdf');
    expect((await a.send(U.c1, delivery, 'COMMENT', { text: 'x', attachments: [pending] })).status).toBe(422);
    expect((await (await agentFor(app, U.c1)).get(`/documents/${pending}`)).status).toBe(404);
  });

  it('when the wrong vendor records a delivery, then 403 and its PDF stays pending; the right vendor links it', async () => {
    const wrong = await a.upload(U.v2, 'wrong-vendor.pdf');
    const refused = await a.send(U.v2, delivery, 'RECORD_DELIVERY', { itemId: item, quantity: 1, evidence: [wrong] });
    expect(refused.status).toBe(403);
    expect(await links(app, wrong)).toEqual([]);
    const right = await a.upload(U.v1, 'delivery.pdf');
    expect(await links(app, right)).toEqual([]);
    await a.ok(U.v1, delivery, 'RECORD_DELIVERY', { itemId: item, quantity: 1, evidence: [right] });
    expect(await links(app, right)).toEqual([{ project_id: delivery }]);
    // RECTIFIED-style evidence sent by another user: c1 may reuse a document it sees on its project
    const history = await a.get(U.c1, `/projects/${delivery}/history`);
    expect(JSON.stringify(history.body)).toContain(right);
  });

  it('when an upload stays unlinked for 24 hours on the manual clock, then the sweep deletes its row and file', async () => {
    const doc = await a.upload(U.c2, 'abandoned.pdf');
    const kept = (await app.deps.db('document_links').first('document_id')).document_id as string;
    expect(fs.existsSync(`${UPLOAD_DIR}/${doc}`)).toBe(true);
    app.clock.set(app.clock.now().getTime() + 23 * 3600_000);
    await app.deps.services.documents.sweep();
    expect(await app.deps.db('documents').where({ id: doc }).first()).toBeDefined();
    app.clock.set(app.clock.now().getTime() + 3600_000 + 1);
    expect(await app.deps.services.documents.sweep()).toBeGreaterThanOrEqual(1);
    expect(await app.deps.db('documents').where({ id: doc }).first()).toBeUndefined();
    expect(await app.deps.db('document_uploads').where({ document_id: doc }).first()).toBeUndefined();
    expect(fs.existsSync(`${UPLOAD_DIR}/${doc}`)).toBe(false);
    // linked documents stay
    expect(await app.deps.db('documents').where({ id: kept }).first()).toBeDefined();
  });

  it('when a user reaches the pending quota, then exactly the limit passes and one more byte is 413', async () => {
    const token = await app.token(U.district);
    const up = (buf: Buffer, name: string) => app.http.post('/api/v1/documents').set({ Authorization: `Bearer ${token}` }).attach('file', buf, name);
    const half = 512 * 1024;
    const first = pdf('quota 1');
    const ok1 = await up(Buffer.concat([first, Buffer.alloc(half - first.length, 0x20)]), 'q1.pdf');
    expect(ok1.status).toBe(201);
    expect(ok1.body.documents[0]).toMatchObject({ mime: 'application/pdf', size: half, filename: 'q1.pdf' });
    const second = pdf('quota 2');
    const ok2 = await up(Buffer.concat([second, Buffer.alloc(half - second.length, 0x20)]), 'q2.pdf');
    expect(ok2.status).toBe(201);
    const over = await up(pdf('quota 3'), 'q3.pdf');
    expect(over.status).toBe(413);
    expect(over.body.error.code).toBe('UPLOAD_QUOTA_EXCEEDED');
    expect(over.body.error.message).toBeTruthy();
  });

  it('when a user reaches the upload rate, then the limit passes and the next file is 429 until an hour passes', async () => {
    const token = await app.token(U.street);
    const up = (n: number) => app.http.post('/api/v1/documents').set({ Authorization: `Bearer ${token}` }).attach('file', pdf(`rate ${n}`), `r${n}.pdf`);
    for (let n = 1; n <= 6; n++) expect((await up(n)).status).toBe(201);
    const over = await up(7);
    expect(over.status).toBe(429);
    expect(over.body.error.message).toBeTruthy();
    app.clock.set(app.clock.now().getTime() + 3600_000 + 1);
    expect((await up(8)).status).toBe(201);
  });

  it('the defaults are 200 MB of pending uploads and 60 files an hour', async () => {
    const { loadConfig } = await import('../../src/config.js');
    const c = loadConfig({ NODE_ENV: 'test' });
    expect(c.uploadPendingQuotaBytes).toBe(200 * 1024 * 1024);
    expect(c.uploadRatePerHour).toBe(60);
  });
});
