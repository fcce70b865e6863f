import fs from 'node:fs';
import { inflateSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyAll } from '../../src/engine/verify.js';
import type { User } from '../../src/auth/users.js';
import { STORAGE_KINDS } from '../support/db.js';
import { createTestApp, type TestApp } from '../support/app.js';

interface HistoryRow { instance_id: string; type: string; from_state: string | null; to_state: string; payload: string }

describe.each(STORAGE_KINDS)('the demo stories on %s', (kind) => {
  let a: TestApp | undefined;
  afterEach(async () => {
    await a?.close();
  });

  it('when npm start seeds an empty database, then ten projects stand at nine stages over both streets and all three communities, driven through the real workflow, and verify passes', async () => {
    // createTestApp seeds the minimal set; a fresh app with DEMO data off lets us seed the stories.
    a = await createTestApp({ kind, seed: false });
    const { db, services } = a.deps;
    const r = await services.seedDemo({ stories: true });
    expect(r.created).toBe(true);
    const rows = await db('projects').orderBy('ref').select('id', 'ref', 'title', 'state', 'category', 'type', 'paid_fen', 'approved_fen', 'community_id', 'street_id', 'budget_year');
    expect(rows.map((p) => p.state)).toEqual([
      'warranty', 'delivery', 'acceptance_notice', 'procurement.quoting', 'budget_approval', 'street_review', 'street_review', 'public_notice', 'screening', 'draft',
    ]);
    const byTitle = (t: string) => rows.find((p) => String(p.title).includes(t))!;
    const stair = byTitle('爬楼机');
    const history = (await db('workflow_history').orderBy('id').select('instance_id', 'type', 'from_state', 'to_state', 'payload')) as HistoryRow[];
    const historyOf = (id: string) => history.filter((h) => h.instance_id === id);
    const district = (await services.users.findByEmail('district@example.org')) as User;

    // Both streets and all three communities have projects; each community has two staff users,
    // and each street a reviewer who approved projects and has one waiting.
    const communities = await db('communities').select('id', 'street_id');
    expect(communities).toHaveLength(3);
    for (const c of communities) {
      expect(rows.filter((p) => p.community_id === c.id).length, c.id).toBeGreaterThanOrEqual(2);
      expect((await db('users').where({ role: 'community', community_id: c.id })).length, c.id).toBeGreaterThanOrEqual(2);
    }
    for (const s of await db('streets').select('id')) {
      const reviewers = await db('users').where({ role: 'street', street_id: s.id }).select('id');
      expect(reviewers, s.id).toHaveLength(1);
      const inStreet = rows.filter((p) => p.street_id === s.id);
      expect(inStreet.some((p) => p.state === 'street_review'), s.id).toBe(true);
      const approvals = history.filter((h) => h.type === 'APPROVE' && inStreet.some((p) => p.id === h.instance_id));
      expect(approvals.length, s.id).toBeGreaterThan(0);
      for (const h of approvals) expect(JSON.parse((await db('workflow_history').where({ instance_id: h.instance_id, type: 'APPROVE' }).first()).actor).id).toBe(reviewers[0]!.id);
    }

    // Vendors have distinct types, and the stories invite only vendors that supply the project's type.
    const vendors = (await services.reference.vendors()).map((v) => ({ id: v.id, types: [...v.types].sort() }));
    expect(new Set(vendors.map((v) => v.types.join())).size).toBeGreaterThan(1);
    expect(vendors.find((v) => v.id === 'vd-anju')!.types).toEqual(['works']);
    const invites = history.filter((h) => h.type === 'INVITE');
    expect(invites.length).toBeGreaterThan(0);
    for (const h of invites) {
      const p = rows.find((x) => x.id === h.instance_id)!;
      const invited = JSON.parse(h.payload).vendorIds as string[];
      expect(invited.length).toBeGreaterThanOrEqual(3);
      for (const id of invited) expect(vendors.find((v) => v.id === id)!.types, `${id} for ${String(p.type)}`).toContain(p.type);
      expect(invited).not.toContain('vd-anju');
    }
    for (const p of rows.filter((x) => x.state === 'delivery' || x.state === 'warranty' || x.state === 'acceptance_notice')) {
      const awarded = JSON.parse(historyOf(p.id).find((h) => h.type === 'AWARD')!.payload).vendorId as string;
      expect(vendors.find((v) => v.id === awarded)!.types).toContain(p.type);
    }

    // Employment help appears, and its acceptance notice took an objection that was upheld: rectified, accepted again.
    const jobs = rows.find((p) => p.category === '就业帮扶')!;
    expect(jobs).toMatchObject({ type: 'services', state: 'acceptance_notice' });
    expect(historyOf(jobs.id).map((h) => `${h.type}:${h.from_state}>${h.to_state}`)).toEqual(expect.arrayContaining([
      'OBJECT:acceptance_notice>acceptance_notice',
      'NOTICE_ENDED:acceptance_notice>acceptance_objection_review',
      'UPHOLD_OBJECTION:acceptance_objection_review>rectification',
      'RECTIFIED:rectification>acceptance',
    ]));
    expect(historyOf(jobs.id).filter((h) => h.type === 'RECORD_ACCEPTANCE')).toHaveLength(2);

    // A council meeting without quorum is void; the next, quorate one carries the proposal.
    const meetings = history.filter((h) => h.type === 'RECORD_DELIBERATION');
    const voided = meetings.find((h) => h.to_state === 'deliberation')!;
    expect(JSON.parse(voided.payload)).toMatchObject({ members: 11, present: 6 });
    expect(historyOf(voided.instance_id).filter((h) => h.type === 'RECORD_DELIBERATION').map((h) => h.to_state)).toEqual(['deliberation', 'public_notice']);

    // Every project past budget approval went through its confirmed-project notice (项目确定公示).
    for (const p of rows.filter((x) => x.approved_fen !== null)) {
      expect(historyOf(p.id).some((h) => h.type === 'NOTICE_ENDED' && h.from_state === 'confirmation_notice' && h.to_state === 'procurement.preparing'), String(p.ref)).toBe(true);
    }

    // The stair-climbers: one machine refused and replaced (the other stayed confirmed), accepted,
    // paid but for the 5% retention, which is held through a twelve-month warranty.
    const sp = await services.projects.get(district, stair.id);
    expect(sp.contract!.items[0]).toMatchObject({ quantity: 2, confirmedQty: 2, disputedQty: 1, confirmed: true });
    expect(historyOf(stair.id).filter((h) => h.type === 'DISPUTE_DELIVERY').map((h) => JSON.parse(h.payload))).toEqual([
      expect.objectContaining({ quantity: 1, serials: ['SC-2026-0118'] }),
    ]);
    expect(Number(stair.paid_fen)).toBe(3_600_000 - 180_000);
    expect(sp.payments.map((p) => p.tranche)).toEqual(['advance', 'final']);
    const warrantyEndsAt = sp.deadlines.warrantyEndsAt!;
    const evaluatedAt = history.filter((h) => h.instance_id === stair.id && h.type === 'RECORD_EVALUATION');
    expect(evaluatedAt).toHaveLength(1);
    expect(Date.parse(warrantyEndsAt)).toBeGreaterThan(a.clock.now().getTime() + 300 * 86_400_000);
    const pending = await db('timers').where({ instance_id: stair.id, status: 'pending' }).select('send_id', 'due_at');
    expect(pending.map((t) => [t.send_id, Date.parse(t.due_at)])).toEqual([['warranty', Date.parse(warrantyEndsAt)]]);

    // Evidence PDFs carry Chinese text in an embedded Noto Sans SC subset with a ToUnicode CMap.
    const minutes = JSON.parse(historyOf(stair.id).find((h) => h.type === 'RECORD_DELIBERATION')!.payload).minutes as string;
    const c1 = (await services.users.findByEmail('community1@example.org')) as User;
    const doc = await services.documents.open(c1, minutes);
    const pdf = fs.readFileSync(doc.file);
    const text = pdf.toString('latin1');
    expect(text.startsWith('%PDF-')).toBe(true);
    expect(text).toMatch(/\/BaseFont \/[A-Z]{6}\+NotoSansSC-Regular/);
    expect(text).toContain('/Subtype /CIDFontType2');
    expect(text).toContain('/FontFile2');
    const cmap = /\/ToUnicode (\d+) 0 R/.exec(text)!;
    const cmapBody = new RegExp(`\\n${cmap[1]} 0 obj\\n<<[^>]*>>\\nstream\\n([\\s\\S]*?)\\nendstream`).exec(text)![1]!;
    // 议事会 (U+8BAE U+4E8B U+4F1A) is among the characters the page draws
    for (const cp of ['8BAE', '4E8B', '4F1A']) expect(cmapBody).toContain(`<${cp}>`);
    // The embedded font is a small TrueType subset, not the whole font.
    const fontObj = /\/Length (\d+) \/Length1 (\d+) \/Filter \/FlateDecode >>\nstream\n/.exec(text)!;
    const start = fontObj.index + fontObj[0].length;
    const ttf = inflateSync(pdf.subarray(start, start + Number(fontObj[1])));
    expect(ttf.length).toBe(Number(fontObj[2]));
    expect(ttf.readUInt32BE(0)).toBe(0x00010000);
    expect(ttf.length).toBeLessThan(100_000);

    // The clock the stories ran on stopped at "now": nothing that was due is left unfired.
    const overdue = await db('timers').where('status', 'pending').andWhere('due_at', '<=', a.clock.now().toISOString());
    expect(overdue).toEqual([]);
    // the care work of today: a running campaign with a call made and its need, and a home-visit need referred to the street
    expect(await verifyAll(a.deps.engine, db)).toMatchObject({ checked: 12, problems: [] });
    const operator = (await services.users.findByEmail('operator@example.org'))!;
    const [campaign] = (await services.campaigns.listFor(operator)).campaigns;
    expect(campaign).toMatchObject({ running: true, residentCount: 3, dailyLevels: ['一级', '二级'] });
    expect((await services.campaigns.callList(operator, campaign!.id)).progress).toMatchObject({ calls: 1, reached: 1 });
    expect((await db('needs').orderBy('source').select('source', 'state', 'referred_to'))).toEqual([
      { source: 'call', state: 'received', referred_to: null }, { source: 'visit', state: 'referred', referred_to: 'street:st-gongbei' },
    ]);
    for (const al of await services.ledger.allocations()) {
      expect(al.availableFen + al.reservedFen + al.committedFen + al.spentFen).toBe(al.allocatedFen);
      expect(Math.min(al.availableFen, al.reservedFen, al.committedFen, al.spentFen)).toBeGreaterThanOrEqual(0);
    }
    // Every allocation can be rebuilt from its ledger entries…
    expect(await services.ledger.audit()).toEqual([]);
    // …so money moved behind the ledger's back is caught, whichever side was edited.
    const year = Number(stair.budget_year);
    await db('allocations').where({ community_id: 'cm-lianhua', year }).update({ spent_fen: db.raw('spent_fen - 100'), reserved_fen: db.raw('reserved_fen + 100') });
    expect((await services.ledger.audit()).map((p) => p.communityId)).toContain('cm-lianhua');
    await db('allocations').where({ community_id: 'cm-lianhua', year }).update({ spent_fen: db.raw('spent_fen + 100'), reserved_fen: db.raw('reserved_fen - 100') });
    expect(await services.ledger.audit()).toEqual([]);
    const firstSpend = await db('ledger_entries').where({ kind: 'spend' }).orderBy('id').first('id');
    await db('ledger_entries').where({ id: firstSpend.id }).update({ fen: 1 });
    expect(await services.ledger.audit()).toEqual([
      expect.objectContaining({ communityId: 'cm-lianhua', year, problem: expect.stringContaining('spent') }),
      expect.objectContaining({ communityId: 'cm-lianhua', year, problem: expect.stringContaining('reserved + committed') }),
    ]);
    // Seeding again changes nothing.
    expect((await services.seedDemo({ stories: true })).created).toBe(false);
    expect(await db('projects').count({ n: '*' })).toEqual([{ n: 10 }]);
  });
});
