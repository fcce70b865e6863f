// Issue 11, item 4: a masked project file must still verify. History rows written since hash
// scheme 2 hash their personal fields (beneficiary refs, signatories' names, objectors' contacts,
// the `$start` input no history shows) as salted digests and ship the digests, so the history a
// street or finance user gets, masked, recomputes the chain; rows written under scheme 1 keep their
// hash and verify as before, and salts never reach a reader who gets the value masked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, fieldDigest, GENESIS_HASH, getPath, rowHash, rowHashV2, versionField } from '../../src/engine/hash.js';
import { verifyAll, verifyShippedHistory } from '../../src/engine/verify.js';
import type { PresentedHistoryRow } from '../../src/projects/project-presenter.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { STORAGE_KINDS } from '../support/db.js';
import { api, GOOD_CHECKLIST, shanghaiDay, SIGNATORIES, toDelivery, U, VENDORS, type Api } from '../support/lifecycle.js';

const HEX = (n: number) => new RegExp(`^[0-9a-f]{${n}}$`);
const PHONE = '13912345678';

describe.each(STORAGE_KINDS)('history digests on %s', (kind) => {
  let app: TestApp;
  let a: Api;
  /** a project delivered to a beneficiary and accepted (signed by the beneficiary) */
  let q: string;
  /** a project on public notice with an objection that left a phone number */
  let p: string;
  let beneficiaryRef: string;

  beforeAll(async () => {
    app = await createTestApp({ kind });
    a = api(app);
    beneficiaryRef = ((await a.get(U.c1, '/beneficiaries')).body.beneficiaries as Array<{ id: string }>)[0]!.id;

    p = (await a.create(U.c1, { title: '异议联系方式测试', type: 'goods', category: '助行', mainGroup: '残疾人', estimatedFen: 3_600_000, description: '为无电梯高层住户配置履带式爬楼机两台。', items: [{ name: '履带式爬楼机', quantity: 2, unitFen: 1_800_000 }], beneficiaryCount: 2 })).id;
    await a.ok(U.c1, p, 'SUBMIT');
    await a.ok(U.c2, p, 'SCREEN_PASS', { checklist: GOOD_CHECKLIST });
    await a.ok(U.c1, p, 'RECORD_DELIBERATION', { members: 9, present: 7, for: 6, against: 1, abstain: 0, heldOn: shanghaiDay(app), minutes: '同意' });
    expect((await a.send(null, p, 'OBJECT', { text: '请公开采购价格。', contact: PHONE })).status).toBe(200);

    const items = [{ name: '爬楼机', quantity: 1, unitFen: 1_800_000 }];
    q = (await a.create(U.c1, { title: '受益人签收测试', type: 'goods', category: '助行', mainGroup: '残疾人', estimatedFen: 1_800_000, description: '为无电梯高层住户配置履带式爬楼机一台。', items, beneficiaryCount: 1 })).id;
    const delivering = await toDelivery(app, q, VENDORS.kangfu, items);
    const item = delivering.contract!.items[0]!;
    await a.ok(U.v1, q, 'RECORD_DELIVERY', { itemId: item.id, quantity: 1, beneficiaryRef, evidence: [await a.upload(U.v1, 'photo.pdf')] });
    await a.ok(U.c2, q, 'CONFIRM_RECEIPT', { itemId: item.id, quantity: 1 });
    await a.ok(U.v1, q, 'REQUEST_ACCEPTANCE');
    await a.ok(U.c2, q, 'RECORD_ACCEPTANCE', { passed: true, satisfactionPct: 95, signatories: SIGNATORIES });
  }, 120_000);
  afterAll(async () => app?.close());

  const stored = (id: string) => app.deps.engine.history(id);
  const head = async (id: string) => (await app.deps.engine.get(id)).historyHead;
  async function shipped(email: string | null, id: string): Promise<PresentedHistoryRow[]> {
    // the public's copy as the service gives it (the API's history wants a token), through JSON
    if (email === null) return copy(await app.deps.services.projects.history(null, id));
    const res = await a.get(email, `/projects/${id}/history`);
    expect(res.status).toBe(200);
    return res.body.history as PresentedHistoryRow[];
  }
  const copy = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
  const row = <T extends { type: string }>(h: readonly T[], type: string): T => h.find((r) => r.type === type)!;

  it('when events are appended, then every row is scheme 2, the payload is stored whole, and personal fields have salted digests', async () => {
    const rows = await stored(q);
    expect(rows.every((r) => r.hashScheme === 2)).toBe(true);
    expect(Object.keys(row(rows, '$start').digests!)).toEqual(['input']);
    expect(Object.keys(row(rows, 'SUBMIT').digests!)).toEqual([]);
    const delivery = row(rows, 'RECORD_DELIVERY');
    expect(delivery.payload.beneficiaryRef).toBe(beneficiaryRef);
    expect(Object.keys(delivery.digests!)).toEqual(['beneficiaryRef']);
    const acceptance = row(rows, 'RECORD_ACCEPTANCE');
    expect(acceptance.payload.signatories).toEqual(SIGNATORIES);
    expect(Object.keys(acceptance.digests!)).toEqual(['signatories[0].name', 'signatories[1].name', 'signatories[2].name']);
    const objection = row(await stored(p), 'OBJECT');
    expect(objection.payload.contact).toBe(PHONE);
    expect(Object.keys(objection.digests!)).toEqual(['contact']);
    for (const r of [...rows, ...(await stored(p))]) {
      for (const [path, d] of Object.entries(r.digests!)) {
        expect(d.salt).toMatch(HEX(32));
        expect(d.digest).toMatch(HEX(64));
        expect(fieldDigest(d.salt, getPath(r.payload, path))).toBe(d.digest);
      }
    }
    // each field its own salt
    expect(new Set(Object.values(acceptance.digests!).map((d) => d.salt)).size).toBe(3);
    expect((await verifyAll(app.deps.engine, app.deps.db)).problems).toEqual([]);
  });

  it('when a masked copy is shipped to street and finance users, then it verifies, and salts come only with unmasked values', async () => {
    const all = await stored(q);
    for (const [who, id] of [[U.street, q], [U.finance, q], [U.district, q], [U.c1, q], [null, q], [U.v1, q], [U.street, p], [U.district, p], [U.c2, p]] as const) {
      const history = await shipped(who, id);
      const check = verifyShippedHistory(id, history, { head: await head(id) });
      expect(check, `${who ?? 'public'} ${id === q ? 'q' : 'p'}`).toEqual({ ok: true, rows: history.length, head: await head(id), problems: [] });
      const byseq = new Map((await stored(id)).map((r) => [r.seq, r]));
      for (const h of history) {
        const s = byseq.get(h.seq)!;
        for (const [path, d] of Object.entries(h.digests ?? {})) {
          expect(d.digest).toBe(s.digests![path]!.digest);
          // a salt only where the reader sees the value as stored
          if (d.salt !== undefined) expect(canonicalJson(getPath(h.payload, path))).toBe(canonicalJson(getPath(s.payload, path)));
          else expect(canonicalJson(getPath(h.payload, path) ?? null)).not.toBe(canonicalJson(getPath(s.payload, path)));
        }
      }
      expect(row(history, '$start').digests!.input!.salt).toBeUndefined();
    }

    const street = await shipped(U.street, q);
    const acceptance = row(street, 'RECORD_ACCEPTANCE');
    expect(acceptance.payload.signatories).toContainEqual({ role: 'beneficiary', name: '黄*英' });
    expect(acceptance.digests!['signatories[2].name']!.salt).toBeUndefined();
    expect(acceptance.digests!['signatories[0].name']!.salt).toBe(row(all, 'RECORD_ACCEPTANCE').digests!['signatories[0].name']!.salt);
    expect(row(street, 'RECORD_DELIVERY').payload.beneficiaryRef).toBe(beneficiaryRef);
    expect(JSON.stringify(street)).not.toContain('黄秀英');
    expect(JSON.stringify(street)).not.toContain(row(all, 'RECORD_ACCEPTANCE').digests!['signatories[2].name']!.salt!);

    const finance = await shipped(U.finance, q);
    expect(row(finance, 'RECORD_DELIVERY').payload.beneficiaryRef).toBeNull();
    expect(row(finance, 'RECORD_DELIVERY').digests!.beneficiaryRef!.salt).toBeUndefined();
    expect(JSON.stringify(finance)).not.toContain(beneficiaryRef);
    expect(JSON.stringify(finance)).not.toContain(row(all, 'RECORD_DELIVERY').digests!.beneficiaryRef!.salt!);

    const own = await shipped(U.c1, q);
    expect(row(own, 'RECORD_ACCEPTANCE').digests!['signatories[2].name']!.salt).toBeDefined();
    expect(row(own, 'RECORD_ACCEPTANCE').payload.signatories).toEqual(SIGNATORIES);

    const objection = row(await shipped(U.street, p), 'OBJECT');
    expect(objection.payload.contact).toBe('139****5678');
    expect(objection.digests!.contact!.salt).toBeUndefined();
  });

  it('when a masked copy is altered, then it fails at that row', async () => {
    const street = await shipped(U.street, q);
    const finance = await shipped(U.finance, q);
    const seqOf = (h: PresentedHistoryRow[], type: string) => row(h, type).seq;
    const fails = (h: PresentedHistoryRow[], seq: number) => {
      const r = verifyShippedHistory(q, h);
      expect(r.ok).toBe(false);
      expect(r.problems.map((x) => x.seq)).toContain(seq);
    };
    const acc = seqOf(street, 'RECORD_ACCEPTANCE');
    const del = seqOf(street, 'RECORD_DELIVERY');
    const alter = (h: PresentedHistoryRow[], type: string, f: (r: PresentedHistoryRow) => void) => {
      const c = copy(h);
      f(row(c, type));
      return c;
    };
    const otherDigest = 'f'.repeat(64);

    // a masked field's digest
    fails(alter(street, 'RECORD_ACCEPTANCE', (r) => (r.digests!['signatories[2].name']!.digest = otherDigest)), acc);
    fails(alter(finance, 'RECORD_DELIVERY', (r) => (r.digests!.beneficiaryRef!.digest = otherDigest)), del);
    fails(alter(street, '$start', (r) => (r.digests!.input!.digest = otherDigest)), 1);
    // an unmasked personal value shipped with its salt
    fails(alter(street, 'RECORD_ACCEPTANCE', (r) => ((r.payload.signatories as Array<{ name: string }>)[0]!.name = '王刚')), acc);
    fails(alter(street, 'RECORD_DELIVERY', (r) => (r.payload.beneficiaryRef = 'someone-else')), del);
    // any other value of the payload, the actor, the stamp, the state
    fails(alter(street, 'RECORD_ACCEPTANCE', (r) => (r.payload.satisfactionPct = 100)), acc);
    fails(alter(finance, 'RECORD_DELIVERY', (r) => (r.payload.quantity = 2)), del);
    fails(alter(street, 'RECORD_DELIVERY', (r) => (r.actor.vendorId = VENDORS.anju)), del);
    fails(alter(street, 'RECORD_DELIVERY', (r) => (r.at = new Date(0).toISOString())), del);
    fails(alter(street, 'RECORD_ACCEPTANCE', (r) => (r.to = 'evaluation')), acc);
    // a digest removed, or one added over a value that is not personal
    fails(alter(finance, 'RECORD_DELIVERY', (r) => delete r.digests!.beneficiaryRef), del);
    fails(alter(street, 'RECORD_ACCEPTANCE', (r) => (r.digests!.satisfactionPct = { digest: otherDigest })), acc);
    // the row relabelled as scheme 1
    fails(alter(street, 'RECORD_ACCEPTANCE', (r) => (r.hashScheme = 1)), acc);
    // a row dropped, or the head not the instance's
    expect(verifyShippedHistory(q, copy(street).filter((r) => r.seq !== del)).problems[0]).toEqual({ seq: del + 1, problem: `sequence gap: expected ${del}, found ${del + 1}` });
    const truncated = copy(street).filter((r) => r.seq !== acc);
    expect(verifyShippedHistory(q, truncated).ok).toBe(true); // a shorter chain links: only the head tells
    expect(verifyShippedHistory(q, truncated, { head: await head(q) }).ok).toBe(false);
    expect(verifyShippedHistory(q, street, { head: GENESIS_HASH }).problems).toEqual([{ problem: 'the last row is not the instance head (rows removed?)' }]);
    // the mask itself is no evidence: another mask over a shipped digest still verifies
    expect(verifyShippedHistory(q, alter(street, 'RECORD_ACCEPTANCE', (r) => ((r.payload.signatories as Array<{ name: string }>)[2]!.name = '***'))).ok).toBe(true);
  });

  it('when a sealed reader gets the history, then it has no hashes or digests to check', async () => {
    const pub = await shipped(null, p); // before the award the public reads procurement sealed
    for (const h of pub) {
      expect(h.hash).toBeUndefined();
      expect(h.digests).toBeUndefined();
      expect(h.hashScheme).toBeUndefined();
    }
    expect(verifyShippedHistory(p, pub).problems[0]).toEqual({ seq: 1, problem: 'row has no hash (a sealed copy cannot be checked)' });
  });

  it('when the first rows were written under scheme 1, then the stored history and the copies verify, and a scheme that goes back fails', async () => {
    // Rewrite q's first rows as the code before scheme 2 wrote them (the hash over the whole payload),
    // and rechain the rest.
    const old = 6;
    const rows = await stored(q);
    let prev = GENESIS_HASH;
    for (const r of rows) {
      const base = { instanceId: q, seq: r.seq, type: r.type, payload: r.payload, actor: r.actor, from: r.from, to: r.to, at: r.at, ...versionField(r.workflowVersion) };
      const scheme1 = r.seq <= old;
      const hash = scheme1
        ? rowHash(prev, base)
        : rowHashV2(prev, base, Object.fromEntries(Object.entries(r.digests!).map(([k, d]) => [k, d.digest])))!;
      await app.deps.db('workflow_history').where({ instance_id: q, seq: r.seq }).update({
        prev_hash: prev, hash, ...(scheme1 ? { hash_scheme: 1, digests: null } : {}),
      });
      prev = hash;
    }
    await app.deps.db('workflow_instances').where({ id: q }).update({ history_head: prev });
    const mixed = await stored(q);
    expect(mixed.map((r) => r.hashScheme)).toEqual(rows.map((r) => (r.seq <= old ? 1 : 2)));
    expect(mixed.slice(0, old).every((r) => r.digests === undefined)).toBe(true);
    expect((await verifyAll(app.deps.engine, app.deps.db)).problems).toEqual([]);

    // A copy: the masked scheme 2 rows verify; scheme 1 `$start`, whose input no reader gets, cannot.
    for (const who of [U.street, U.finance, U.c1]) {
      const check = verifyShippedHistory(q, await shipped(who, q), { head: prev });
      expect(check.problems, who).toEqual([{ seq: 1, problem: 'row content does not match its hash (scheme 1 hashes the unmasked payload)' }]);
    }

    // Relabelling rows between schemes breaks the chain.
    await app.deps.db('workflow_history').where({ instance_id: q, seq: old + 1 }).update({ hash_scheme: 1 });
    expect((await verifyAll(app.deps.engine, app.deps.db)).problems).toEqual([{ instanceId: q, seq: old + 1, problem: 'row content does not match its hash' }]);
    await app.deps.db('workflow_history').where({ instance_id: q, seq: old + 1 }).update({ hash_scheme: 2 });
    await app.deps.db('workflow_history').where({ instance_id: q, seq: old }).update({ hash_scheme: 2, digests: '{}' });
    expect((await verifyAll(app.deps.engine, app.deps.db)).problems).toEqual([{ instanceId: q, seq: old, problem: 'row content does not match its hash' }]);
    await app.deps.db('workflow_history').where({ instance_id: q, seq: old }).update({ hash_scheme: 1, digests: null });
    // A scheme 1 row after a scheme 2 one.
    const last = mixed.at(-1)!;
    await app.deps.db('workflow_history').where({ instance_id: q, seq: last.seq }).update({ hash_scheme: 1 });
    expect((await verifyAll(app.deps.engine, app.deps.db)).problems).toEqual([{ instanceId: q, seq: last.seq, problem: 'hash scheme goes back from 2 to 1' }]);
    await app.deps.db('workflow_history').where({ instance_id: q, seq: last.seq }).update({ hash_scheme: 2 });
    // A stored personal value that no longer matches its digest.
    const del = mixed.find((r) => r.type === 'RECORD_DELIVERY')!;
    await app.deps.db('workflow_history').where({ instance_id: q, seq: del.seq }).update({ payload: JSON.stringify({ ...del.payload, beneficiaryRef: 'someone-else' }) });
    expect((await verifyAll(app.deps.engine, app.deps.db)).problems).toEqual([{ instanceId: q, seq: del.seq, problem: 'personal field beneficiaryRef does not match its digest' }]);
    await app.deps.db('workflow_history').where({ instance_id: q, seq: del.seq }).update({ payload: JSON.stringify(del.payload) });
    expect((await verifyAll(app.deps.engine, app.deps.db)).problems).toEqual([]);
  });
});
