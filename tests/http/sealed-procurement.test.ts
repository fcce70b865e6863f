// Sealed procurement (issue 9 item 1): three vendors are invited, two quote with a PDF through the
// page form. Until the award, nothing a vendor can reach (the project answer, its history, the
// project page and its timeline, /vendor, /inbox, documents, its e-mails) names another vendor, that
// vendor's users, a quote's time, document or file name, or anything it could count the others by;
// the public sees no vendor at all. A failed round (流标) is sealed again in the next one. After the
// award every vendor sees the tender as the public does, and the quotes' documents open to readers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { api, expectRefused, invite, passQuoteDeadline, shanghaiDay, toPreparing, worksProject, U, VENDORS, type Api, type Project } from '../support/lifecycle.js';
import { agentFor, csrfOf, type Agent } from './pages-helpers.js';
import { formatShanghai } from '../../src/lib/calendar.js';
import { formatYuan } from '../../workflows/shared/money.js';
import { verifyShippedHistory } from '../../src/engine/verify.js';

const VENDOR_IDS = [VENDORS.kangfu, VENDORS.anju, VENDORS.xinyuan] as const;
type VendorId = (typeof VENDOR_IDS)[number];
const EMAIL: Record<VendorId, string> = { [VENDORS.kangfu]: U.v1, [VENDORS.anju]: U.v2, [VENDORS.xinyuan]: U.v3 };
const AMOUNT: Record<VendorId, number> = { [VENDORS.kangfu]: 5_811_100, [VENDORS.anju]: 5_422_200, [VENDORS.xinyuan]: 5_733_300 };
const FILENAME: Record<VendorId, string> = { [VENDORS.kangfu]: '康复辅具报价单-甲.pdf', [VENDORS.anju]: '安居改造报价单-乙.pdf', [VENDORS.xinyuan]: '心缘服务报价单-丙.pdf' };
const pdf = (text: string) => Buffer.from(`%PDF-1.4\n% ${text}\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n`);

interface Quoted {
  docId: string;
  at: string;
}

type History = Array<{ seq: number; type: string; at: string; hash?: string; actor: { id: string; role: string }; payload: Record<string, unknown> }>;

describe('sealed procurement', () => {
  let app: TestApp;
  let a: Api;
  let p: Project;
  const agents = new Map<string, Agent>();
  /** Per vendor: what identifies it (id, names, its users' names and e-mails). */
  const identity = new Map<VendorId, string[]>();
  const quoted = new Map<VendorId, Quoted>();

  /** A quote through the project page's SUBMIT_QUOTE form, with a PDF. */
  async function quoteByPage(vendorId: VendorId): Promise<Quoted> {
    const agent = agents.get(EMAIL[vendorId])!;
    const page = await agent.get(`/projects/${p.id}`);
    expect(page.status).toBe(200);
    const version = /name="expectedVersion" value="(\d+)"/.exec(page.text)![1]!;
    const res = await agent.post(`/projects/${p.id}/events/SUBMIT_QUOTE?_csrf=${encodeURIComponent(csrfOf(page.text))}`)
      .field('expectedVersion', version).field('amountFen', (AMOUNT[vendorId] / 100).toFixed(2)).field('validUntil', shanghaiDay(app, 60))
      .attach('attachments', pdf(`${vendorId} round quote ${quoted.size}`), { filename: FILENAME[vendorId], contentType: 'application/pdf' });
    expect(res.status, res.text.slice(0, 500)).toBe(303);
    const history = await app.deps.engine.history(p.id);
    const row = history.filter((h) => h.type === 'SUBMIT_QUOTE' && (h.actor as { vendorId?: string }).vendorId === vendorId).at(-1)!;
    const docId = (row.payload.attachments as string[])[0]!;
    expect(docId).toMatch(/^[0-9a-f]{64}$/);
    return { docId, at: row.at };
  }

  /** Everything that would give this vendor's part away to someone else. */
  function secretsOf(vendorId: VendorId): string[] {
    const out = [...identity.get(vendorId)!, FILENAME[vendorId]];
    const q = quoted.get(vendorId);
    if (q) out.push(q.docId, q.docId.slice(0, 12), q.at, formatShanghai(q.at, 'datetime'), String(AMOUNT[vendorId]), formatYuan(AMOUNT[vendorId]));
    return out;
  }

  /** Everything this vendor can reach about the project, as text (pages, API answers, its e-mails). */
  async function reach(vendorId: VendorId): Promise<Record<string, string>> {
    const email = EMAIL[vendorId];
    const agent = agents.get(email)!;
    const get = async (path: string) => {
      const res = await agent.get(path);
      expect(res.status, `${email} ${path}`).toBe(200);
      return res.text;
    };
    const project = await a.get(email, `/projects/${p.id}`);
    const history = await a.get(email, `/projects/${p.id}/history`);
    expect(project.status).toBe(200);
    expect(history.status).toBe(200);
    const users = (await app.deps.db('users').where({ vendor_id: vendorId }).select('email')).map((u) => u.email as string);
    const mails = await app.deps.db('outbox').whereIn('to_addr', users).select('to_addr', 'subject', 'text', 'html');
    return {
      'GET /api/v1/projects/:id': JSON.stringify(project.body),
      'GET /api/v1/projects/:id/history': JSON.stringify(history.body),
      'GET /projects/:id': await get(`/projects/${p.id}`),
      'GET /projects/:id?lang=en': await get(`/projects/${p.id}?lang=en`),
      'GET /vendor': await get('/vendor'),
      'GET /inbox': await get('/inbox'),
      'e-mails': JSON.stringify(mails),
    };
  }

  /** The public's view: the service answers (the API has no anonymous project) and the public page. */
  async function publicReach(): Promise<Record<string, string>> {
    const page = await app.http.get(`/public/projects/${p.id}`);
    expect(page.status).toBe(200);
    return {
      project: JSON.stringify(await app.deps.services.projects.get(null, p.id)),
      history: JSON.stringify(await app.deps.services.projects.history(null, p.id)),
      'GET /public/projects/:id': page.text,
    };
  }

  function expectNone(where: string, texts: Record<string, string>, secrets: string[]): void {
    for (const [surface, text] of Object.entries(texts)) {
      for (const s of secrets) expect(text.includes(s), `${where} ${surface} shows ${s}`).toBe(false);
    }
  }

  async function historyOf(email: string): Promise<History> {
    const res = await a.get(email, `/projects/${p.id}/history`);
    expect(res.status).toBe(200);
    return res.body.history as History;
  }

  /** A vendor's history has no gaps to count by: its own running numbers, and no hash chain. */
  async function expectNothingToCount(email: string): Promise<void> {
    const history = await historyOf(email);
    expect(history.map((h) => h.seq), email).toEqual(history.map((_, i) => i + 1));
    for (const h of history) expect(h.hash, `${email} ${h.type}`).toBeUndefined();
  }

  /**
   * What must not change when others quote: the pages and answers, minus the form tokens and the
   * bounds the forms take from the clock (now, in ms). The version stays: a sealed reader's version
   * counts only the history rows it may see.
   */
  const steady = (texts: Record<string, string>) => Object.fromEntries(Object.entries(texts).map(([k, v]) => [k, v
    .replace(/name="_csrf" value="[^"]*"/g, '')
    .replace(/"min":\d{13}/g, '')]));

  async function docStatus(email: string, docId: string): Promise<number> {
    return (await agents.get(email)!.get(`/documents/${docId}`)).status;
  }

  beforeAll(async () => {
    app = await createTestApp({ env: { UPLOAD_DIR: `/tmp/wss-test-uploads-sealed-${process.pid}` } });
    a = api(app);
    for (const email of [U.v1, U.v2, U.v3, U.c1, U.district]) agents.set(email, await agentFor(app, email));
    for (const vendorId of VENDOR_IDS) {
      const vendor = await app.deps.db('vendors').where({ id: vendorId }).first();
      const users = await app.deps.db('users').where({ vendor_id: vendorId }).select('name', 'email');
      identity.set(vendorId, [vendorId, vendor.name as string, vendor.email as string, ...users.flatMap((u) => [u.name as string, u.email as string])]);
    }
    p = await a.create(U.c1, worksProject({ title: '密封报价测试项目' }));
    const preparing = await toPreparing(app, p.id);
    expect(preparing.procurement!.method).toBe('quotation');
  });
  afterAll(async () => app?.close());

  it('when three vendors are invited and two quote with a PDF, then until the deadline each vendor and the public see no other vendor, no other quote and nothing to count', async () => {
    p = await invite(app, p.id, [...VENDOR_IDS]);
    expect(p.state).toBe('procurement.quoting');
    // What the vendor that will not quote sees before anyone quotes …
    const before = steady(await reach(VENDORS.xinyuan));

    await a.advance(7 * 60_000);
    quoted.set(VENDORS.kangfu, await quoteByPage(VENDORS.kangfu));
    await a.advance(13 * 60_000);
    quoted.set(VENDORS.anju, await quoteByPage(VENDORS.anju));
    // … is what it sees after two others quoted: nothing moved that it could count.
    expect(steady(await reach(VENDORS.xinyuan))).toEqual(before);

    for (const vendorId of VENDOR_IDS) {
      const email = EMAIL[vendorId];
      const others = VENDOR_IDS.filter((v) => v !== vendorId);
      expectNone(email, await reach(vendorId), others.flatMap(secretsOf));
      const view = await a.project(email, p.id);
      expect(view.procurement!.invitations).toEqual([vendorId]);
      expect(view.procurement!.quotes.map((q) => q.vendorId)).toEqual(quoted.has(vendorId) ? [vendorId] : []);
      await expectNothingToCount(email);
      // Its own part it does see: its invitation, its quote and its document.
      const history = await historyOf(email);
      expect(history.find((h) => h.type === 'INVITE')!.payload.vendorIds).toEqual([vendorId]);
      expect(history.filter((h) => h.type === 'SUBMIT_QUOTE')).toHaveLength(quoted.has(vendorId) ? 1 : 0);
      const q = quoted.get(vendorId);
      if (q) {
        expect(await docStatus(email, q.docId), `${email} own quote document`).toBe(200);
        expect((await agents.get(email)!.get(`/projects/${p.id}`)).text).toContain(FILENAME[vendorId]);
      }
      // Another vendor's quote document does not exist, as far as it can tell.
      for (const other of others) {
        const doc = quoted.get(other);
        if (doc) expect(await docStatus(email, doc.docId), `${email} reads ${other}'s quote document`).toBe(404);
      }
    }
    // The invitation e-mail went to each vendor alone.
    const invitations = await app.deps.db('outbox').where({ instance_id: p.id, template: 'invited_to_quote' }).select('to_addr');
    expect(invitations.map((m) => m.to_addr).sort()).toEqual([U.v1, U.v2, U.v3]);

    // The public sees no vendor at all.
    expectNone('public', await publicReach(), VENDOR_IDS.flatMap(secretsOf));
    expect((await app.deps.services.projects.get(null, p.id)).procurement!.invitations).toEqual([]);

    // Staff see the procurement as before: every invitation, every quote sealed, its documents not yet.
    const staff = await a.project(U.c1, p.id);
    expect(staff.procurement!.invitations).toEqual([...VENDOR_IDS]);
    expect(staff.procurement!.quotes.map((q) => [q.vendorId, q.sealed])).toEqual([[VENDORS.kangfu, true], [VENDORS.anju, true]]);
    const staffHistory = await historyOf(U.district);
    expect(staffHistory.filter((h) => h.type === 'SUBMIT_QUOTE')).toHaveLength(2);
    expect(staffHistory.every((h) => typeof h.hash === 'string')).toBe(true);
    // the quotes come sealed (no amount, file or date they were valid until), and the copy still verifies
    for (const q of staffHistory.filter((h) => h.type === 'SUBMIT_QUOTE')) expect(q).toMatchObject({ sealed: true, payload: {} });
    const head = (await app.deps.engine.get(p.id)).historyHead;
    expect(verifyShippedHistory(p.id, staffHistory as never, { head })).toMatchObject({ ok: true, problems: [] });
    for (const q of quoted.values()) expect(await docStatus(U.c1, q.docId), 'community while quoting').toBe(404);

    // The version a vendor is told is the one it sends back: it holds when others quote, and a stale
    // one is refused without naming the stored version (which would count every quote). (A minute
    // on, so its own comment is not stamped with the instant of another's quote.)
    await a.advance(60_000);
    const told = (await a.project(U.v3, p.id)).version;
    const stored = (await app.deps.engine.get(p.id)).version;
    expect(told).toBeLessThan(stored);
    const stale = await a.send(U.v3, p.id, 'COMMENT', { text: '请问踏勘时间' }, { 'If-Match': `"${told - 1}"` });
    expect(stale.status).toBe(412);
    expect(JSON.stringify(stale.body)).not.toContain(String(stored));
    const ok = await a.send(U.v3, p.id, 'COMMENT', { text: '请问踏勘时间' }, { 'If-Match': `"${told}"` });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.headers.etag).toBe(`"${told + 1}"`);
    expect(ok.body.project.version).toBe(told + 1);
  });

  it('when the deadline passes with too few quotes and the round fails (流标), then staff read the quotes and their documents, and the next round is sealed again from vendors', async () => {
    await passQuoteDeadline(app, p);
    expect((await a.project(U.c1, p.id)).state).toBe('procurement.evaluating');
    // Staff evaluate: amounts and documents open to them, still not to other vendors.
    for (const [vendorId, q] of quoted) {
      expect(await docStatus(U.c1, q.docId), `community reads ${vendorId}'s document after the deadline`).toBe(200);
      for (const other of VENDOR_IDS.filter((v) => v !== vendorId)) expect(await docStatus(EMAIL[other], q.docId)).toBe(404);
    }
    expect((await a.project(U.c1, p.id)).procurement!.quotes.map((q) => q.amountFen)).toEqual([AMOUNT[VENDORS.kangfu], AMOUNT[VENDORS.anju]]);
    expectRefused(await a.send(U.c1, p.id, 'AWARD', { vendorId: VENDORS.kangfu, amountFen: AMOUNT[VENDORS.kangfu], justification: '报价最低且符合要求。' }), 409, 'EVENT_NOT_ALLOWED', 'TOO_FEW_QUOTES');
    await a.ok(U.c1, p.id, 'DECLARE_FAILED', { reason: '有效报价不足，本轮流标。' });
    p = await invite(app, p.id, [...VENDOR_IDS]);
    expect(p.procurement).toMatchObject({ round: 2 });

    for (const vendorId of VENDOR_IDS) {
      const others = VENDOR_IDS.filter((v) => v !== vendorId);
      expectNone(`round 2 ${EMAIL[vendorId]}`, await reach(vendorId), others.flatMap(secretsOf));
      await expectNothingToCount(EMAIL[vendorId]);
    }
    expectNone('public, round 2', await publicReach(), VENDOR_IDS.flatMap(secretsOf));
  });

  it('when the award is made, then every vendor sees the tender as the public does, and the quote documents open to those who may read the project', async () => {
    quoted.clear();
    for (const vendorId of VENDOR_IDS) {
      await a.advance(11 * 60_000);
      quoted.set(vendorId, await quoteByPage(vendorId));
    }
    // Still sealed: each vendor sees only its own quote.
    for (const vendorId of VENDOR_IDS) {
      expectNone(`round 2 quoted ${EMAIL[vendorId]}`, await reach(vendorId), VENDOR_IDS.filter((v) => v !== vendorId).flatMap(secretsOf));
    }
    await passQuoteDeadline(app, p);
    await a.ok(U.c1, p.id, 'AWARD', { vendorId: VENDORS.anju, amountFen: AMOUNT[VENDORS.anju], justification: '报价最低且符合要求。' });

    const tender = (x: Project) => ({
      invitations: x.procurement!.invitations,
      quotes: x.procurement!.quotes.map((q) => ({ vendorId: q.vendorId, amountFen: q.amountFen })),
    });
    const pub = (await app.deps.services.projects.get(null, p.id)) as unknown as Project;
    expect(tender(pub)).toEqual({ invitations: [...VENDOR_IDS], quotes: VENDOR_IDS.map((v) => ({ vendorId: v, amountFen: AMOUNT[v] })) });
    for (const vendorId of VENDOR_IDS) {
      const email = EMAIL[vendorId];
      const view = await a.project(email, p.id);
      expect(tender(view), email).toEqual(tender(pub));
      const history = await historyOf(email);
      expect(history.find((h) => h.type === 'INVITE')!.payload.vendorIds).toEqual([...VENDOR_IDS]);
      expect(history.filter((h) => h.type === 'SUBMIT_QUOTE').map((h) => h.payload.amountFen)).toHaveLength(5);
      const page = (await agents.get(email)!.get(`/projects/${p.id}`)).text;
      for (const other of VENDOR_IDS) {
        expect(page, `${email} page names ${other}`).toContain(identity.get(other)![1]!);
        expect(await docStatus(email, quoted.get(other)!.docId), `${email} reads ${other}'s document after the award`).toBe(200);
      }
    }
    for (const q of quoted.values()) expect(await docStatus(U.district, q.docId)).toBe(200);
  });
});
