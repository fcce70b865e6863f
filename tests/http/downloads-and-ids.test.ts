// Issue 9 item 9 (non-text parts): served filenames, Chinese validation messages, one ID number per deployment.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { migrationSource } from '../../db/migrations/index.js';
import { createBeneficiaryService } from '../../src/beneficiaries/beneficiaries.js';
import { servedFilename } from '../../src/documents/filename.js';
import { migrateLatest } from '../../src/lib/db.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { STORAGE_KINDS } from '../support/db.js';
import { api, goodsProject, U } from '../support/lifecycle.js';
import { agentFor, csrfOf } from './pages-helpers.js';

// a real image (4 × 3): images are decoded and re-encoded when stored, so magic bytes alone no longer pass
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAQAAAADCAIAAAA7ljmRAAAACXBIWXMAAAPoAAAD6AG1e1JrAAAAEElEQVQImWMwXlUORww4OQAzzg/xUTK2PQAAAABJRU5ErkJggg==', 'base64');
const person = (idNumber: string) => ({ name: '测试人', idNumber, address: '珠海市香洲区测试路1号' });

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/** A valid 18-digit ID number from 17 digits (its check character appended). */
const withCheck = (body: string) => `${body}${'10X98765432'[ID_WEIGHTS.reduce((s, w, i) => s + w * Number(body[i]), 0) % 11]}`;
/** The n-th valid ID number of a test's own series (prefix: 6 digits), distinct from the demo's. */
const idNo = (prefix: string, n: number) => withCheck(`${prefix}19900101${String(n).padStart(3, '0')}`);
/** The k-th number of the series whose check character is X (so upper and lower case differ). */
function idNoX(prefix: string, k: number): string {
  for (let n = 0, seen = 0; ; n++) {
    const id = idNo(prefix, n);
    if (id.endsWith('X') && seen++ === k) return id;
  }
}

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

// The registry (beneficiary_id_numbers) makes one registration per ID number a database rule, on
// every driver: concurrent registrations cannot both pass, and duplicates stored before the rule
// survive its migration and are still listed for verify.
describe.each(STORAGE_KINDS)('one registration per ID number on %s', (kind) => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  const holders = async (a: TestApp, idNumber: string) =>
    (await a.deps.db('beneficiaries').select('id', 'id_number')).filter((r) => String(r.id_number).replace(/\s+/g, '').toUpperCase() === idNumber);

  it('when the same ID number is registered concurrently, then exactly one answer is 201 and every other 409, and one beneficiary holds it', async () => {
    app = await createTestApp({ kind });
    const a = app;
    const tokens = [await a.token(U.c1), await a.token(U.c3), await a.token(U.c1), await a.token(U.c3)];
    for (let round = 0; round < 4; round++) {
      const idNumber = idNoX('440403', round);
      // the same number in the forms people type it: spaced, lower-case x, as is
      const forms = [idNumber, idNumber.toLowerCase(), `${idNumber.slice(0, 6)} ${idNumber.slice(6)}`, idNumber];
      const answers = await Promise.all(tokens.map((t, i) => a.http.post('/api/v1/beneficiaries').set('authorization', `Bearer ${t}`).send(person(forms[i]!))));
      expect(answers.map((r) => r.status).sort(), JSON.stringify(answers.map((r) => r.body))).toEqual([201, 409, 409, 409]);
      for (const r of answers.filter((x) => x.status === 409)) {
        expect(r.body.error.fields.idNumber).toBeDefined();
        expect(JSON.stringify(r.body)).not.toMatch(/lianhua|yuehai|莲花|粤海|cm-/);
      }
      const won = answers.find((r) => r.status === 201)!.body.beneficiary.id as string;
      expect((await holders(a, idNumber)).map((r) => r.id)).toEqual([won]);
      expect(await a.deps.db('beneficiary_id_numbers').where({ id_number_key: idNumber }).first()).toEqual({ id_number_key: idNumber, beneficiary_id: won });
    }
    expect(await a.deps.services.beneficiaries.duplicateIdNumbers()).toEqual([]);
  }, 60_000);

  // better-sqlite3 is synchronous: a second connection waiting for the write lock would block the
  // event loop that must commit the first. The asynchronous drivers show the race step by step.
  it.skipIf(kind === 'better-sqlite3')('when a registration waits on another, uncommitted registration of the same number, then it answers 409 once that commits', async () => {
    app = await createTestApp({ kind });
    const a = app;
    const idNumber = idNo('440404', 1);
    const other = a.t.reopen(); // a second process, in effect
    const c1 = (await a.deps.services.users.findByEmail(U.c1))!;
    const token = await a.token(U.c3); // before the lock is taken: signing in writes
    const trx = await other.transaction();
    let settled = false;
    let pending: Promise<{ status: number; body: unknown }> | undefined;
    let held: { id: string };
    try {
      held = await createBeneficiaryService({ db: other, clock: a.clock }).register(c1, person(idNumber), trx);
      pending = a.http.post('/api/v1/beneficiaries').set('authorization', `Bearer ${token}`).send(person(idNumber)).then((r) => {
        settled = true;
        return r;
      });
      await new Promise((r) => setTimeout(r, 400));
      expect(settled).toBe(false); // waiting on the uncommitted holder, not answered from a stale read
      await trx.commit();
    } finally {
      if (!trx.isCompleted()) await trx.rollback();
    }
    const res = await pending;
    expect(res.status, JSON.stringify(res.body)).toBe(409);
    expect((await holders(a, idNumber)).map((r) => r.id)).toEqual([held.id]);
  }, 60_000);

  it('when the registry migration runs on a database already holding duplicates, then it succeeds, keeps them all, gives each number to its oldest holder, and verify still lists them', async () => {
    app = await createTestApp({ kind });
    const a = app;
    const db = a.deps.db;
    const schema = a.t.cfg.client === 'pg' ? a.t.cfg.schema : undefined;
    // only this migration is undone and applied again (later ones stay, whatever they are)
    const opts = { migrationSource, name: '20261205120000_id_number_registry', ...(schema ? { schemaName: schema } : {}) };
    const t1 = await a.token(U.c1);
    const dupNumber = idNoX('440405', 0);
    const first = await a.http.post('/api/v1/beneficiaries').set('authorization', `Bearer ${t1}`).send(person(dupNumber));
    expect(first.status).toBe(201);
    // Back to the schema before the registry, and duplicates stored the way they were before the rule.
    const [, undone] = (await db.migrate.down(opts)) as [unknown, string[]];
    expect(undone.map((n) => String(n))).toEqual(['20261205120000_id_number_registry']);
    const row = await db('beneficiaries').where({ id: first.body.beneficiary.id }).first();
    const later = (min: number) => new Date(Date.parse(row.created_at as string) + min * 60_000).toISOString();
    const earlier = new Date(Date.parse(row.created_at as string) - 60_000).toISOString();
    // (id_number is varchar(18): a number stored with a space could only be a shorter one; case is what varies)
    const dups = [
      { ...row, id: '00000000-0000-4000-8000-00000000d0c2', community_id: 'cm-yuehai', id_number: dupNumber.toLowerCase(), created_at: later(1) },
      { ...row, id: '00000000-0000-4000-8000-00000000d0c3', community_id: 'cm-yuehai', id_number: dupNumber, created_at: later(2) },
    ];
    // a second number whose oldest holder was stored in lower case, its later duplicate normalised
    const second = idNoX('440405', 1);
    const oldest = { ...row, id: '00000000-0000-4000-8000-00000000d0c4', id_number: second.toLowerCase(), created_at: earlier };
    const younger = { ...row, id: '00000000-0000-4000-8000-00000000d0c5', id_number: second, created_at: later(3) };
    await db('beneficiaries').insert([...dups, oldest, younger]);
    const before = Number((await db('beneficiaries').count({ n: '*' }).first())?.n);

    await migrateLatest(db, a.t.cfg);

    expect(Number((await db('beneficiaries').count({ n: '*' }).first())?.n)).toBe(before);
    const registry = await db('beneficiary_id_numbers').select('id_number_key', 'beneficiary_id');
    // every stored number registered once, held by its oldest beneficiary
    expect(registry).toHaveLength(before - 3);
    expect(registry).toEqual(expect.arrayContaining([
      { id_number_key: dupNumber, beneficiary_id: first.body.beneficiary.id },
      { id_number_key: second, beneficiary_id: oldest.id },
    ]));
    const groups = (await a.deps.services.beneficiaries.duplicateIdNumbers()).map((g) => g.map((b) => b.id).sort()).sort((x, y) => x[0]!.localeCompare(y[0]!));
    expect(groups).toEqual([[first.body.beneficiary.id as string, dups[0]!.id, dups[1]!.id].sort(), [oldest.id, younger.id]].sort((x, y) => x[0]!.localeCompare(y[0]!)));
    // and the numbers stay taken
    for (const n of [dupNumber, second]) {
      const again = await a.http.post('/api/v1/beneficiaries').set('authorization', `Bearer ${await a.token(U.c3)}`).send(person(n));
      expect(again.status).toBe(409);
    }
    // the migration undoes cleanly too, the duplicates untouched
    await db.migrate.down(opts);
    expect(Number((await db('beneficiaries').count({ n: '*' }).first())?.n)).toBe(before);
    await migrateLatest(db, a.t.cfg);
  }, 60_000);
});
