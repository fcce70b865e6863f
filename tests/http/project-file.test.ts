// The project file (一项目一档案, issue 11 item 4): a goods project driven to closed with documents of
// several kinds (implied by their event, or named by their uploader), its printable page (the
// sections in the auditor's order, a missing required invoice flagged, the chain verified), its ZIP
// (every document the page lists, index.html, and a history.json whose hash chain the test
// recomputes), who may fetch it, and what is masked for whom.
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import yauzl from 'yauzl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import {
  api, passNotice, passNoticeIfHeld, shanghaiDay, goodsProject, DELIBERATION_OK, GOOD_CHECKLIST, SIGNATORIES, U, VENDORS, type Api,
} from '../support/lifecycle.js';
import { agentFor, type Agent } from './pages-helpers.js';
import { GENESIS_HASH, rowHash, rowHashV2, versionField } from '../../src/engine/hash.js';
import { verifyShippedHistory } from '../../src/engine/verify.js';
import { migrationSource } from '../../db/migrations/index.js';

const UPLOAD_DIR = `/tmp/wss-test-uploads-file-${process.pid}`;
const sha256 = (buf: Buffer) => createHash('sha256').update(buf).digest('hex');

const SECTION_ORDER = [
  'application', 'screening', 'minutes', 'notices', 'approvals', 'quotes', 'contract', 'deliveryEvidence', 'acceptanceReport', 'invoice', 'payments',
  'fundStatement', 'evaluation', 'history',
];

/** The ZIP's entries by name. */
function unzip(buf: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buf, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('no zip'));
      const out = new Map<string, Buffer>();
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e ?? new Error('no stream'));
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            out.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

async function download(agent: Agent, path: string) {
  return agent.get(path).buffer(true).parse((res, cb) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => cb(null, Buffer.concat(chunks)));
  });
}

interface ShippedRow {
  seq: number; type: string; from: string | null; to: string; at: string; actor: unknown; payload: Record<string, unknown>;
  workflowVersion?: number; hashScheme?: number; digests?: Record<string, { digest: string; salt?: string }>; prevHash: string; hash: string; masked: boolean;
}

/** The chain recomputed row by row with the engine's hash functions (scheme 1, or 2 with the digests shipped). */
function recomputeChain(instanceId: string, rows: ShippedRow[]): string {
  let prev = GENESIS_HASH;
  for (const [i, r] of rows.entries()) {
    expect(r.seq).toBe(i + 1);
    expect(r.prevHash, `row ${r.seq}`).toBe(prev);
    const base = { instanceId, seq: r.seq, type: r.type, payload: r.payload, actor: r.actor, from: r.from, to: r.to, at: r.at, ...versionField(r.workflowVersion) };
    const hash = (r.hashScheme ?? 1) === 1
      ? rowHash(prev, base)
      : rowHashV2(prev, base, Object.fromEntries(Object.entries(r.digests ?? {}).map(([p, d]) => [p, d.digest])));
    expect(hash, `row ${r.seq} ${r.type}`).toBe(r.hash);
    prev = r.hash;
  }
  return prev;
}

describe('the project file (一项目一档案)', () => {
  let app: TestApp;
  let a: Api;
  let id: string;
  const docs: Record<string, string> = {};
  let beneficiaryId: string;

  /** Uploads a PDF through the API, naming a kind when given; its id. */
  async function upload(email: string, name: string, kind?: string): Promise<string> {
    const bytes = Buffer.from(`%PDF-1.4\n% ${name} ${Math.random()}\n%%EOF\n`, 'latin1');
    const req = app.http.post('/api/v1/documents').set({ Authorization: `Bearer ${await app.token(email)}` });
    if (kind) void req.field('kind', kind);
    const res = await req.attach('file', bytes, { filename: name, contentType: 'application/pdf' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return (docs[name] = res.body.documents[0].id as string);
  }

  beforeAll(async () => {
    app = await createTestApp({ env: { UPLOAD_DIR } });
    a = api(app);
    const p = await a.create(U.c1, goodsProject({ title: '档案测试爬楼机' }));
    id = p.id;
    await a.ok(U.c1, id, 'SUBMIT');
    await a.ok(U.c2, id, 'SCREEN_PASS', { checklist: GOOD_CHECKLIST });
    const noticed = await a.ok(U.c1, id, 'RECORD_DELIBERATION', { ...DELIBERATION_OK, minutes: await upload(U.c1, '议事会纪要.pdf'), heldOn: shanghaiDay(app) });
    await passNotice(app, noticed);
    await a.ok(U.street, id, 'APPROVE');
    await passNoticeIfHeld(app, await a.ok(U.district, id, 'APPROVE_BUDGET', { approvedFen: 3_600_000 }));
    expect((await a.project(U.c1, id)).state).toBe('procurement.preparing');
    // a direct purchase: the vendor's written quote goes with the award, named as a quote by its uploader
    await a.ok(U.c1, id, 'AWARD', { vendorId: VENDORS.kangfu, amountFen: 3_600_000, justification: '单一来源直接采购。', attachments: [await upload(U.c1, '报价单.pdf', 'quote')] });
    await a.ok(U.c1, id, 'SIGN_CONTRACT', {
      contractNo: 'HT-FILE-1', items: [{ name: '履带式爬楼机', quantity: 2, unitFen: 1_800_000 }], amountFen: 3_600_000, dueOn: shanghaiDay(app, 30),
      attachments: [await upload(U.c1, '合同.pdf')],
    });
    const delivering = await a.ok(U.v1, id, 'CONFIRM_CONTRACT');
    await a.ok(U.finance, id, 'RECORD_PAYMENT', { tranche: 'advance', amountFen: 1_080_000, voucherNo: 'PZ-A1', attachments: [await upload(U.finance, '预付款凭证.pdf')] });
    beneficiaryId = ((await a.get(U.c1, '/beneficiaries')).body.beneficiaries as Array<{ id: string }>)[0]!.id;
    const item = delivering.contract!.items[0]!;
    await a.ok(U.v1, id, 'RECORD_DELIVERY', { itemId: item.id, quantity: 2, serials: ['SC-1', 'SC-2'], beneficiaryRef: beneficiaryId, evidence: [await upload(U.v1, '交付照片.pdf')] });
    await a.ok(U.c2, id, 'CONFIRM_RECEIPT', { itemId: item.id, quantity: 2 });
    await a.ok(U.v1, id, 'REQUEST_ACCEPTANCE');
    const accepted = await a.ok(U.c2, id, 'RECORD_ACCEPTANCE', { passed: true, satisfactionPct: 95, signatories: SIGNATORIES, attachments: [await upload(U.c2, '验收报告.pdf')] });
    await passNoticeIfHeld(app, accepted);
    // the final payment's voucher; no invoice is ever uploaded
    await a.ok(U.finance, id, 'RECORD_PAYMENT', { tranche: 'final', amountFen: 2_340_000, voucherNo: 'PZ-F1', attachments: [await upload(U.finance, '验收款凭证.pdf')] });
    const warranty = await a.ok(U.district2, id, 'RECORD_EVALUATION', { score: 90, grade: '优秀', notes: '居民满意。', attachments: [await upload(U.district2, '绩效评价.pdf')] });
    // the community files the fund statement with a comment, naming its kind
    await a.ok(U.c1, id, 'COMMENT', { text: '资金结算表', attachments: [await upload(U.c1, '资金结算表.pdf', 'fund_statement')] });
    await a.advance(Date.parse(String(warranty.deadlines.warrantyEndsAt)) - app.clock.now().getTime() + 60_000);
    const closed = await a.ok(U.finance, id, 'RELEASE_RETENTION', { amountFen: 180_000, voucherNo: 'PZ-R1' });
    expect(closed.state).toBe('closed');
  });
  afterAll(async () => {
    await app?.close();
    fs.rmSync(UPLOAD_DIR, { recursive: true, force: true });
  });

  it('when events link documents, then each link has the kind its event implies or its uploader named', async () => {
    const rows = await app.deps.db('document_links').where({ project_id: id }).select('document_id', 'kind');
    const kinds = Object.fromEntries(rows.map((r: { document_id: string; kind: string }) => [r.document_id, r.kind]));
    expect(kinds).toEqual({
      [docs['议事会纪要.pdf']!]: 'minutes', [docs['报价单.pdf']!]: 'quote', [docs['合同.pdf']!]: 'contract', [docs['预付款凭证.pdf']!]: 'payment_voucher',
      [docs['交付照片.pdf']!]: 'delivery_evidence', [docs['验收报告.pdf']!]: 'acceptance_report', [docs['验收款凭证.pdf']!]: 'payment_voucher',
      [docs['绩效评价.pdf']!]: 'evaluation', [docs['资金结算表.pdf']!]: 'fund_statement',
    });
  });

  it('when an upload names a kind that does not exist, then it is refused naming the field', async () => {
    const res = await app.http.post('/api/v1/documents').set({ Authorization: `Bearer ${await app.token(U.c1)}` })
      .field('kind', 'selfie').attach('file', Buffer.from('%PDF-1.4\n%%EOF\n'), { filename: 'x.pdf', contentType: 'application/pdf' });
    expect(res.status).toBe(422);
    expect(Object.keys(res.body.error.fields)).toEqual(['kind']);
  });

  it('when the community fetches the page, then the sections come in the auditor\'s order, the missing invoice is flagged and the chain verifies', async () => {
    const agent = await agentFor(app, U.c1);
    const res = await agent.get(`/projects/${id}/file`);
    expect(res.status).toBe(200);
    const html = res.text;
    expect([...html.matchAll(/data-section="([^"]+)"/g)].map((m) => m[1])).toEqual(SECTION_ORDER);
    const section = (key: string) => html.slice(html.indexOf(`data-section="${key}"`), html.indexOf('</section>', html.indexOf(`data-section="${key}"`)));
    expect(section('invoice')).toContain('data-missing');
    expect(section('invoice')).toContain('发票');
    for (const key of SECTION_ORDER.filter((k) => k !== 'invoice')) expect(section(key), key).not.toContain('data-missing');
    expect(html).toContain('id="missing-summary"');
    expect(html).toContain('data-verified="ok"');
    // every linked document, each in its section; vouchers with their numbers; the signatories unmasked for the own community
    for (const [name, doc] of Object.entries(docs)) expect(html, name).toContain(`data-document="${doc}"`);
    expect(section('payments')).toContain('PZ-F1');
    expect(section('quotes')).toContain(`data-document="${docs['报价单.pdf']}"`);
    expect(section('fundStatement')).toContain(`data-document="${docs['资金结算表.pdf']}"`);
    expect(section('acceptanceReport')).toContain('黄秀英');
    expect(section('deliveryEvidence')).toContain(beneficiaryId);
    // English too
    const en = await agent.get(`/projects/${id}/file?lang=en`);
    expect(en.status).toBe(200);
    expect(en.text).toContain('Required document missing: Invoice');
  });

  it('when the community downloads the ZIP, then it holds every document the page lists, the page, and a history.json whose chain recomputes', async () => {
    const agent = await agentFor(app, U.c1);
    const page = (await agent.get(`/projects/${id}/file`)).text;
    const listed = [...new Set([...page.matchAll(/data-document="([0-9a-f]{64})"/g)].map((m) => m[1]!))];
    expect(listed.length).toBe(Object.keys(docs).length);
    const res = await download(agent, `/projects/${id}/file.zip`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    const entries = await unzip(res.body as Buffer);
    const documents = [...entries.keys()].filter((n) => n.startsWith('documents/'));
    // content-addressed: each file's sha256 is its document id
    expect(documents.map((n) => sha256(entries.get(n)!)).sort()).toEqual([...listed].sort());
    expect(documents).toContain('documents/fund_statement/资金结算表.pdf');
    expect(documents).toContain('documents/minutes/议事会纪要.pdf');
    const index = entries.get('index.html')!.toString('utf8');
    expect(index).toContain('<style>');
    expect(index).toContain('href="documents/contract/合同.pdf"');
    expect(index).not.toContain('/documents/');

    const history = JSON.parse(entries.get('history.json')!.toString('utf8')) as { chain: { instanceId: string; head: string }; verification: { ok: boolean }; rows: ShippedRow[] };
    expect(history.verification.ok).toBe(true);
    expect(history.rows.some((r) => r.masked)).toBe(false);
    expect(history.rows[0]!.type).toBe('$start');
    expect(recomputeChain(history.chain.instanceId, history.rows)).toBe(history.chain.head);
    // a tampered row breaks it
    const tampered = structuredClone(history.rows);
    tampered.find((r) => r.type === 'RECORD_PAYMENT')!.payload.amountFen = 1;
    expect(() => recomputeChain(history.chain.instanceId, tampered)).toThrow();
  });

  it('when a vendor, another community or an admin asks for the file, then it is refused; signed out, they are sent to sign in', async () => {
    for (const email of [U.v1, U.c3, U.admin]) {
      const agent = await agentFor(app, email);
      expect((await agent.get(`/projects/${id}/file`)).status, email).toBe(403);
      expect((await agent.get(`/projects/${id}/file.zip`)).status, email).toBe(403);
    }
    const anonymous = await agentFor(app);
    expect((await anonymous.get(`/projects/${id}/file`)).status).toBe(302);
    expect((await anonymous.get(`/projects/${id}/file.zip`)).status).toBe(302);
    expect((await (await agentFor(app, U.street)).get('/projects/no-such-project/file')).status).toBe(404);
  });

  it('when the street or finance reads the file, then beneficiaries\' personal data is masked as the presenter masks it, and the masked history still verifies', async () => {
    const street = await agentFor(app, U.street);
    const html = (await street.get(`/projects/${id}/file`)).text;
    expect(html).not.toContain('黄秀英');
    expect(html).toMatch(/data-signatory[^>]*>黄/);
    const zip = await unzip((await download(street, `/projects/${id}/file.zip`)).body as Buffer);
    const shipped = JSON.parse(zip.get('history.json')!.toString('utf8')) as { chain: { instanceId: string; head: string }; rows: ShippedRow[] };
    expect(zip.get('history.json')!.toString('utf8')).not.toContain('黄秀英');
    expect(shipped.rows.some((r) => r.masked)).toBe(true);
    expect(verifyShippedHistory(shipped.chain.instanceId, shipped.rows, { head: shipped.chain.head })).toMatchObject({ ok: true, problems: [] });

    // finance may not see whom a delivery served
    const finance = await agentFor(app, U.finance);
    const fin = (await finance.get(`/projects/${id}/file`)).text;
    expect(fin).not.toContain(beneficiaryId);
    expect(fin).toMatch(/data-beneficiary[^>]*>（已隐去）/);
    const finZip = await unzip((await download(finance, `/projects/${id}/file.zip`)).body as Buffer);
    expect(finZip.get('history.json')!.toString('utf8')).not.toContain(beneficiaryId);
    expect(finZip.get('index.html')!.toString('utf8')).not.toContain(beneficiaryId);
  });

  it('when the kinds migration runs on links made before it, then each gets the kind its linking event implies (uploader-named kinds were not recorded then: other)', async () => {
    const name = '20261206130000_document_kinds';
    await app.deps.db.migrate.down({ migrationSource, name });
    await app.deps.db.migrate.up({ migrationSource, name });
    const rows = await app.deps.db('document_links').where({ project_id: id }).select('document_id', 'kind');
    const kinds = Object.fromEntries(rows.map((r: { document_id: string; kind: string }) => [r.document_id, r.kind]));
    expect(kinds).toEqual({
      [docs['议事会纪要.pdf']!]: 'minutes', [docs['报价单.pdf']!]: 'other', [docs['合同.pdf']!]: 'contract', [docs['预付款凭证.pdf']!]: 'payment_voucher',
      [docs['交付照片.pdf']!]: 'delivery_evidence', [docs['验收报告.pdf']!]: 'acceptance_report', [docs['验收款凭证.pdf']!]: 'payment_voucher',
      [docs['绩效评价.pdf']!]: 'evaluation', [docs['资金结算表.pdf']!]: 'other',
    });
  });
});
