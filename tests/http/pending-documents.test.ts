// Issue 9, items 3 and 4, on the real database: every document an event names must be one the
// sender may use; uploads are pending until an accepted event links them; a refused event links
// nothing; a refused page form keeps its uploads (its own only) for a second try without the files;
// the sweep deletes what nothing linked in 24 h; and each user's pending quota and upload rate hold at their limits.
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { api, goodsProject, toDelivery, U, VENDORS, type Api } from '../support/lifecycle.js';
import { agentFor, type Agent } from './pages-helpers.js';

const UPLOAD_DIR = `/tmp/wss-test-uploads-pending-${process.pid}`;
const pdf = (text: string, pad = 0) => Buffer.concat([Buffer.from(`%PDF-1.4\n% ${text}\n`, 'latin1'), Buffer.alloc(pad, 0x20)]);
const links = (app: TestApp, doc: string) => app.deps.db('document_links').where({ document_id: doc }).select('project_id');
const sha256 = (buf: Buffer) => createHash('sha256').update(buf).digest('hex');
const unescape = (s: string) => s.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=').replace(/&#x27;/g, "'").replace(/&quot;/g, '"');

/** A page's form for `type`: where it posts (with its CSRF token in the query, as the browser does) and its version. */
function formOf(html: string, type: string): { action: string; version: string } {
  const form = new RegExp(`<form method="post" action="([^"]+)" id="form-${type}"[^>]*>([\\s\\S]*?)</form>`).exec(html);
  if (!form) throw new Error(`no ${type} form on the page`);
  return { action: unescape(form[1]!), version: /name="expectedVersion" value="(\d+)"/.exec(form[2]!)![1]! };
}

/** The hidden inputs a re-rendered form carries its uploads in. */
const carried = (html: string) => [...html.matchAll(/name="pendingDocuments" value="([^"]+)"/g)].map((m) => m[1]!);

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

  it('when a RECORD_DELIVERY page form with a PDF is refused, then it comes back with the upload kept, and a second try without the file links it', async () => {
    const p = await a.create(U.c1, goodsProject({ title: '表单重试测试' }));
    const d = await toDelivery(app, p.id, VENDORS.kangfu, goodsProject().items);
    const itemId = d.contract!.items[0]!.id;
    const version = (await a.project(U.c1, p.id)).version;
    const vendor: Agent = await agentFor(app, U.v1);
    const photo = pdf('delivery on a phone');
    const doc = sha256(photo);

    // more than the contract holds: the workflow refuses it (409), the file uploaded, pending and linked to nothing
    const first = formOf((await vendor.get(`/projects/${p.id}`)).text, 'RECORD_DELIVERY');
    const refused = await vendor.post(first.action)
      .field('expectedVersion', first.version).field('itemId', itemId).field('quantity', '99')
      .attach('evidence', photo, { filename: '交付照片.pdf', contentType: 'application/pdf' });
    expect(refused.status).toBe(409);
    expect(carried(refused.text)).toEqual([`evidence:${doc}`]);
    expect(refused.text).toContain('已上传，无需再次选择');
    expect(refused.text).toContain('<li>交付照片.pdf</li>');
    expect(await app.deps.db('document_uploads').where({ document_id: doc }).pluck('user_id')).toHaveLength(1);
    expect(await links(app, doc)).toEqual([]);
    expect((await a.project(U.c1, p.id)).version).toBe(version);

    // the corrected form, with the hidden input and no file: accepted, and the document linked
    const again = formOf(refused.text, 'RECORD_DELIVERY');
    const accepted = await vendor.post(again.action)
      .field('expectedVersion', again.version).field('itemId', itemId).field('quantity', '1').field('pendingDocuments', `evidence:${doc}`);
    expect(accepted.status, accepted.text.slice(0, 300)).toBe(303);
    expect(await links(app, doc)).toEqual([{ project_id: p.id }]);
    const recorded = (await app.deps.engine.history(p.id)).filter((h) => h.type === 'RECORD_DELIVERY').at(-1)!;
    expect(recorded.payload).toMatchObject({ itemId, quantity: 1, evidence: [doc] });
  });

  it("when a page form carries another user's pending upload, then 422, nothing is linked and neither its id nor its name comes back", async () => {
    const p = await a.create(U.c1, goodsProject({ title: '他人文件测试' }));
    const d = await toDelivery(app, p.id, VENDORS.kangfu, goodsProject().items);
    const itemId = d.contract!.items[0]!.id;
    const version = (await a.project(U.c1, p.id)).version;
    const theirs = await a.upload(U.v2, '别家供应商.pdf');
    const vendor = await agentFor(app, U.v1);

    const form = formOf((await vendor.get(`/projects/${p.id}`)).text, 'RECORD_DELIVERY');
    const res = await vendor.post(form.action)
      .field('expectedVersion', form.version).field('itemId', itemId).field('quantity', '1').field('pendingDocuments', `evidence:${theirs}`);
    expect(res.status).toBe(422);
    expect(res.text).toContain('此前随本表单上传的文件不是您上传的');
    expect(res.text).not.toContain(theirs);
    expect(res.text).not.toContain('别家供应商');
    expect(carried(res.text)).toEqual([]);
    expect(await links(app, theirs)).toEqual([]);
    expect((await a.project(U.c1, p.id)).version).toBe(version);

    // with a file of its own beside it: still 422, its own upload kept (and only that)
    const own = pdf('own evidence beside a foreign id');
    const form2 = formOf(res.text, 'RECORD_DELIVERY');
    const mixed = await vendor.post(form2.action)
      .field('expectedVersion', form2.version).field('itemId', itemId).field('quantity', '1').field('pendingDocuments', `evidence:${theirs}`)
      .attach('evidence', own, { filename: 'own.pdf', contentType: 'application/pdf' });
    expect(mixed.status).toBe(422);
    expect(carried(mixed.text)).toEqual([`evidence:${sha256(own)}`]);
    expect(mixed.text).toContain('own.pdf');
    expect(mixed.text).not.toContain(theirs);
    expect(await links(app, theirs)).toEqual([]);
    expect(await links(app, sha256(own))).toEqual([]);
    expect((await a.project(U.c1, p.id)).version).toBe(version);
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
