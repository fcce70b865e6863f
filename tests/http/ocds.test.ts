// Issue 11 item 5, on the real database through the public API: every project from its first public
// notice on, whatever its state, answers an OCDS 1.1.5 release (in a release package) that
// validates against the standard's schemas (tests/fixtures/ocds, ajv draft-04); a project never
// public answers 404; invitations and quotes stay hidden until the award; the procurement methods
// map onto the closed codelist; and no personal data appears anywhere in what is published.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { codelist, validators } from '../support/ocds.js';
import {
  accept, api, DELIBERATION_OK, deliverAll, GOOD_CHECKLIST, goodsProject, invite, passNotice, passQuoteDeadline, shanghaiDay,
  toBudgetApproval, toDelivery, toPreparing, U, VENDORS, worksProject, type Api,
} from '../support/lifecycle.js';
import { PROCUREMENT_METHOD, TENDER_STATUS } from '../../src/ocds/release.js';
import { STAGES } from '../../workflows/project/index.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- releases are read as plain JSON */
type Release = Record<string, any>;

describe('open contracting data (OCDS 1.1.5)', () => {
  let app: TestApp;
  let a: Api;
  let v: ReturnType<typeof validators>;
  /** strings that must never be published: beneficiaries, objectors, signatories, users, vouchers */
  const personal = new Set<string>(['13912345678', 'objector@example.net', '王强', '陈大文', '黄秀英', 'PZ-']);
  const hidden: string[] = [];
  const published: string[] = [];
  const CLOSED = {
    tag: codelist('releaseTag'), tender: codelist('tenderStatus'), method: codelist('method'), award: codelist('awardStatus'),
    contract: codelist('contractStatus'), milestoneStatus: codelist('milestoneStatus'), milestoneType: codelist('milestoneType'), role: codelist('partyRole'),
  };

  /** Every codelist value in the release is in the standard's list (the open ones too: our values all come from it). */
  function expectCodelists(r: Release, where: string) {
    for (const t of r.tag) expect(CLOSED.tag.has(t), `${where} tag ${t}`).toBe(true);
    expect(CLOSED.tender.has(r.tender.status), `${where} tender.status`).toBe(true);
    if (r.tender.procurementMethod) expect(CLOSED.method.has(r.tender.procurementMethod), where).toBe(true);
    for (const aw of r.awards ?? []) expect(CLOSED.award.has(aw.status), `${where} award`).toBe(true);
    for (const c of r.contracts ?? []) expect(CLOSED.contract.has(c.status), `${where} contract`).toBe(true);
    const milestones = [...r.planning.milestones, ...(r.contracts ?? []).flatMap((c: Release) => c.implementation?.milestones ?? [])];
    for (const m of milestones) {
      expect(CLOSED.milestoneStatus.has(m.status), `${where} milestone ${m.id} status`).toBe(true);
      expect(CLOSED.milestoneType.has(m.type), `${where} milestone ${m.id} type`).toBe(true);
    }
    for (const p of r.parties) for (const role of p.roles) expect(CLOSED.role.has(role), `${where} role ${role}`).toBe(true);
  }

  function expectNoPersonalData(text: string, where: string) {
    for (const s of personal) expect(text.includes(s), `${where} publishes ${s}`).toBe(false);
    // and it speaks as the pages do: none of the glossary's retired terms
    for (const w of ['四眼原则', '法定人数', '死信', '尾款', '支付质保金', '采纳异议', '估算金额', '批准预算', '批准金额', '竞争性谈判', '报区里']) {
      expect(text.includes(w), `${where} says ${w}`).toBe(false);
    }
  }

  /** GET /projects/:id/ocds without a token: a valid package of one valid release; its record too. */
  async function release(p: { id: string }, where: string): Promise<Release> {
    const res = await app.http.get(`/api/v1/projects/${p.id}/ocds`);
    expect(res.status, `${where}: ${res.text.slice(0, 300)}`).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    v.releasePackage(res.body, where);
    expect(res.body.releases).toHaveLength(1);
    const r = res.body.releases[0] as Release;
    v.release(r, where);
    expect(r.ocid).toBe(`ocds-xxxxxx-${p.id}`);
    expect(r.initiationType).toBe('tender');
    expect(r.buyer).toEqual(r.tender.procuringEntity);
    expectCodelists(r, where);
    expectNoPersonalData(res.text, where);
    const record = await app.http.get(`/api/v1/projects/${p.id}/ocds/record`);
    expect(record.status, where).toBe(200);
    v.recordPackage(record.body, `${where} record`);
    v.release(record.body.records[0].compiledRelease, `${where} compiled release`);
    expectNoPersonalData(record.text, `${where} record`);
    if (!published.includes(p.id)) published.push(p.id);
    return r;
  }

  async function expectNotPublic(id: string, where: string) {
    for (const path of [`/api/v1/projects/${id}/ocds`, `/api/v1/projects/${id}/ocds/record`]) {
      const res = await app.http.get(path);
      expect(res.status, `${where} ${path}`).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
  }

  /** Neither the invited vendors nor their quotes: not by id, not by name. */
  async function expectSealed(r: Release, where: string) {
    expect(r.tender.tenderers, where).toBeUndefined();
    expect(r.tender.numberOfTenderers, where).toBeUndefined();
    expect(r.tender.tenderPeriod, where).toBeUndefined();
    expect(r.awards, where).toBeUndefined();
    const text = JSON.stringify(r);
    for (const vendor of await app.deps.services.reference.vendors()) {
      expect(text.includes(vendor.id), `${where}: ${vendor.id}`).toBe(false);
      expect(text.includes(vendor.name), `${where}: ${vendor.name}`).toBe(false);
    }
    expect(r.parties.map((p: Release) => p.roles).flat()).not.toContain('tenderer');
  }

  const milestone = (r: Release, code: string) => r.planning.milestones.filter((m: Release) => m.code === code);
  const implementation = (r: Release) => r.contracts[0].implementation as Release;

  beforeAll(async () => {
    app = await createTestApp();
    a = api(app);
    v = validators();
    const db = app.deps.db;
    for (const b of await db('beneficiaries').select('name', 'id_number', 'phone', 'address')) {
      for (const s of [b.name, b.id_number, b.phone, b.address]) if (s) personal.add(String(s));
    }
    for (const u of await db('users').select('email')) personal.add(String(u.email));
    expect(personal.size).toBeGreaterThan(10);
  });
  afterAll(async () => app?.close());

  it('maps every state onto the closed tender status codelist, and each procurement method onto the method codelist', () => {
    const statuses = codelist('tenderStatus');
    for (const s of STAGES) expect(statuses.has(TENDER_STATUS[s]), s).toBe(true);
    expect(PROCUREMENT_METHOD).toEqual({
      direct: { code: 'direct', details: '直接采购' },
      quotation: { code: 'limited', details: '询价' },
      competitive: { code: 'limited', details: '竞争性磋商' },
    });
  });

  it('the validators refuse what the standard refuses (a status outside the closed codelist, a date that is not a date-time)', () => {
    const base = { ocid: 'ocds-xxxxxx-1', id: '1', date: '2026-03-02T01:00:00.000Z', tag: ['planning'], initiationType: 'tender', tender: { id: 't', status: 'planning' } };
    const ajvRelease = (doc: unknown) => { try { v.release(doc, 'negative'); return true; } catch { return false; } };
    expect(ajvRelease(base)).toBe(true);
    expect(ajvRelease({ ...base, tender: { id: 't', status: 'open' } })).toBe(false);
    expect(ajvRelease({ ...base, date: '2026-03-02' })).toBe(false);
    expect(ajvRelease({ ...base, tag: ['quoting'] })).toBe(false);
  });

  it('when a project has never been public, then it has no release (404) and no budget year package names it', async () => {
    const draft = await a.create(U.c1, goodsProject({ title: '未公开的提议' }));
    await expectNotPublic(draft.id, 'draft');
    await a.ok(U.c1, draft.id, 'SUBMIT');
    await a.ok(U.c2, draft.id, 'SCREEN_PASS', { checklist: GOOD_CHECKLIST });
    await expectNotPublic(draft.id, 'deliberation');
    hidden.push(draft.id);
    await expectNotPublic('no-such-project', 'unknown id');
    // a budget year without a public project: a package needs at least one release
    const empty = await app.http.get('/api/v1/ocds/2031.json');
    expect(empty.status).toBe(404);
    expect((await app.http.get('/api/v1/ocds/20x6.json')).status).toBe(422);
  });

  it('when a proposal is in its public notice, then it publishes planning with the council vote (counts only); an upheld objection returns it to draft, still public', async () => {
    const p = await a.create(U.c1, goodsProject({ title: '助残爬楼机（公示）' }));
    await a.ok(U.c1, p.id, 'SUBMIT');
    await a.ok(U.c2, p.id, 'SCREEN_PASS', { checklist: GOOD_CHECKLIST });
    // a void meeting (no quorum), then a carried vote
    await a.ok(U.c1, p.id, 'RECORD_DELIBERATION', { members: 9, present: 4, for: 4, against: 0, abstain: 0, heldOn: shanghaiDay(app), minutes: '到会不足，黄秀英列席' });
    const noticed = await a.ok(U.c1, p.id, 'RECORD_DELIBERATION', { ...DELIBERATION_OK, heldOn: shanghaiDay(app), minutes: '同意立项（王强主持）' });
    expect(noticed.state).toBe('public_notice');
    expect((await a.send(null, p.id, 'OBJECT', { text: '建议先核实受益人情况', contact: '13912345678' })).status).toBe(200);

    const r = await release(p, 'public_notice');
    expect(r.tag).toEqual(['planning']);
    expect(r.tender.status).toBe('planning');
    expect(r.tender.procurementMethod).toBeUndefined();
    expect(r.planning.rationale).toBe(noticed.description);
    expect(r.planning.budget.amount).toEqual({ amount: 36000, currency: 'CNY' });
    expect(r.planning.budget.projectID).toBe(p.ref);
    const votes = milestone(r, 'councilVote');
    expect(votes.map((m: Release) => m.status)).toEqual(['notMet', 'met']);
    expect(votes[1].description).toContain('应到 9 人，实到 7 人；赞成 6，反对 1，弃权 0');
    expect(JSON.stringify(r)).not.toContain('同意立项'); // the minutes are not published
    const notice = milestone(r, 'proposalNotice');
    expect(notice).toHaveLength(1);
    expect(notice[0]).toMatchObject({ type: 'engagement', status: 'scheduled', dueDate: noticed.deadlines.noticeEndsAt });
    expect(r.parties).toEqual([expect.objectContaining({ id: `community-${p.communityId}`, roles: ['buyer', 'procuringEntity'] })]);

    await passNotice(app, noticed);
    expect((await a.project(U.c1, p.id)).state).toBe('objection_review');
    const back = await a.ok(U.c1, p.id, 'UPHOLD_OBJECTION', { response: '异议成立，退回修改。' });
    expect(back.state).toBe('draft');
    const draft = await release(p, 'draft after an upheld objection');
    expect(draft.tender.status).toBe('planning');
    expect(milestone(draft, 'proposalNotice')[0]).toMatchObject({ status: 'met', description: expect.stringContaining('异议 1 件，成立 1 件') });
    expect(draft.id).not.toBe(r.id);
  });

  it('when a quotation (询价) is under way, then invitations and quotes stay hidden until the award, and are published with it', async () => {
    const p = await a.create(U.c1, worksProject({ title: '居家适老化改造（询价）' }));
    await toBudgetApproval(app, p.id);
    const approved = await a.ok(U.district, p.id, 'APPROVE_BUDGET', { approvedFen: 6_000_000 });
    expect(approved.state).toBe('confirmation_notice');
    const confirmation = await release(p, 'confirmation_notice');
    expect(confirmation.tag).toEqual(['planning', 'tender']);
    expect(confirmation.tender).toMatchObject({ status: 'planned', procurementMethod: 'limited', procurementMethodDetails: '询价', mainProcurementCategory: 'works', value: { amount: 60000, currency: 'CNY' } });
    expect(milestone(confirmation, 'budgetApproval')[0]).toMatchObject({ status: 'met', type: 'approval' });
    expect(milestone(confirmation, 'streetReview')[0]).toMatchObject({ status: 'met' });
    expect(milestone(confirmation, 'confirmationNotice')[0]).toMatchObject({ status: 'scheduled' });
    await expectSealed(confirmation, 'confirmation_notice');

    await passNotice(app, approved);
    const quoting = await invite(app, p.id, [VENDORS.kangfu, VENDORS.anju, VENDORS.xinyuan]);
    const validUntil = shanghaiDay(app, 60);
    const houses = (unit: number) => [{ name: '居家适老化改造（每户）', quantity: 3, unitFen: unit }];
    await a.ok(U.v1, p.id, 'SUBMIT_QUOTE', { amountFen: 5_850_000, items: houses(1_950_000), validUntil });
    await a.ok(U.v2, p.id, 'SUBMIT_QUOTE', { amountFen: 5_400_000, items: houses(1_800_000), validUntil });
    await a.ok(U.v3, p.id, 'SUBMIT_QUOTE', { amountFen: 5_700_000, items: houses(1_900_000), validUntil });
    const sealed = await release(p, 'procurement.quoting');
    expect(sealed.tender.status).toBe('active');
    await expectSealed(sealed, 'procurement.quoting');
    expect(JSON.stringify(sealed)).not.toMatch(/58500|54000|57000/);

    await passQuoteDeadline(app, quoting);
    const evaluating = await release(p, 'procurement.evaluating');
    expect(evaluating.tender.status).toBe('active');
    await expectSealed(evaluating, 'procurement.evaluating');
    expect(JSON.stringify(evaluating)).not.toMatch(/58500|54000|57000/);

    await a.ok(U.c1, p.id, 'AWARD', { vendorId: VENDORS.anju, amountFen: 5_400_000, justification: '三家报价中最低，资质符合。' });
    const awarded = await release(p, 'procurement.contracting');
    expect(awarded.tag).toEqual(['planning', 'tender', 'award']);
    expect(awarded.tender.status).toBe('complete');
    expect(awarded.tender.numberOfTenderers).toBe(3);
    expect(awarded.tender.tenderers.map((t: Release) => t.id).sort()).toEqual([VENDORS.kangfu, VENDORS.anju, VENDORS.xinyuan].map((x) => `vendor-${x}`).sort());
    expect(awarded.tender.tenderPeriod.endDate).toBe(quoting.procurement!.deadline);
    expect(awarded.tender.description).toContain('¥54000.00');
    expect(awarded.awards).toEqual([expect.objectContaining({ status: 'active', value: { amount: 54000, currency: 'CNY' }, suppliers: [expect.objectContaining({ id: `vendor-${VENDORS.anju}` })] })]);
    expect(awarded.contracts).toBeUndefined();
    const supplier = awarded.parties.find((x: Release) => x.id === `vendor-${VENDORS.anju}`);
    expect(supplier.roles).toEqual(['tenderer', 'supplier']);
    expect(Object.keys(supplier).sort()).toEqual(['id', 'name', 'roles']); // no contact point
    // the names of the project's own places and vendors, read by key, never an id in their place
    const vendorName = async (id: string) => ((await app.deps.db('vendors').where({ id }).first()) as { name: string }).name;
    expect(supplier.name).toBe(await vendorName(VENDORS.anju));
    for (const t of awarded.tender.tenderers as Release[]) expect(t.name).toBe(await vendorName(String(t.id).replace('vendor-', '')));
    expect(awarded.parties.find((x: Release) => String(x.id).startsWith('community-')).name).toMatch(/社区$/);

    const households = [1, 2, 3].map((n) => ({ name: `第${n}户居家适老化改造`, quantity: 1, unitFen: 1_800_000 }));
    await a.ok(U.c1, p.id, 'SIGN_CONTRACT', { contractNo: 'HT-OCDS-002', items: households, amountFen: 5_400_000, dueOn: shanghaiDay(app, 45) });
    const signed = await release(p, 'contract signed by the buyer');
    expect(signed.contracts).toEqual([expect.objectContaining({ status: 'pending', awardID: signed.awards[0].id, value: { amount: 54000, currency: 'CNY' } })]);
    expect(signed.contracts[0].implementation).toBeUndefined();

    const delivering = await a.ok(U.v2, p.id, 'CONFIRM_CONTRACT');
    expect(delivering.state).toBe('delivery');
    await a.ok(U.finance, p.id, 'RECORD_PAYMENT', { tranche: 'advance', amountFen: 1_620_000, voucherNo: 'PZ-101' });
    const beneficiaries = (await a.get(U.c1, '/beneficiaries')).body.beneficiaries as Array<{ id: string }>;
    const item = delivering.contract!.items[0]!;
    await a.ok(U.v2, p.id, 'RECORD_DELIVERY', { itemId: item.id, quantity: 1, beneficiaryRef: beneficiaries[0]!.id, evidence: [await a.upload(U.v2, 'house-1.pdf')] });
    await a.ok(U.c2, p.id, 'CONFIRM_RECEIPT', { itemId: item.id, quantity: 1 });
    const delivery = await release(p, 'delivery with an advance payment');
    expect(delivery.tag).toEqual(['planning', 'tender', 'award', 'contract', 'implementation']);
    expect(delivery.contracts[0].status).toBe('active');
    expect(implementation(delivery).transactions).toEqual([expect.objectContaining({ value: { amount: 16200, currency: 'CNY' }, payee: expect.objectContaining({ id: `vendor-${VENDORS.anju}` }), payer: expect.objectContaining({ id: expect.stringMatching(/^district-/) }) })]);
    const deliveries = implementation(delivery).milestones.filter((m: Release) => m.type === 'delivery');
    expect(deliveries.map((m: Release) => m.status)).toEqual(['met', 'scheduled', 'scheduled']);
    expect(JSON.stringify(delivery)).not.toContain(beneficiaries[0]!.id);
    expect(delivery.parties.find((x: Release) => x.roles.includes('payer'))).toBeTruthy();
  });

  it('when a direct purchase (直接采购) runs to closed with its retention released, then every stage of it is published', async () => {
    const items = [{ name: '履带式爬楼机', quantity: 2, unitFen: 1_800_000 }];
    const p = await a.create(U.c1, goodsProject({ title: '爬楼机（直接采购）' }));
    const delivering = await toDelivery(app, p.id, VENDORS.kangfu, items);
    const direct = await release(p, 'direct purchase in delivery');
    expect(direct.tender).toMatchObject({ procurementMethod: 'direct', procurementMethodDetails: '直接采购', status: 'complete', mainProcurementCategory: 'goods' });
    expect(direct.tender.tenderers).toBeUndefined(); // nobody quoted
    expect(direct.awards[0].description).toContain('直接采购');
    expect(delivering.state).toBe('delivery');

    await a.ok(U.finance, p.id, 'RECORD_PAYMENT', { tranche: 'advance', amountFen: 1_080_000, voucherNo: 'PZ-201' });
    await deliverAll(app, p.id, VENDORS.kangfu);
    const inAcceptance = await release(p, 'acceptance');
    expect(implementation(inAcceptance).milestones.filter((m: Release) => m.code === 'acceptance').map((m: Release) => m.status)).toEqual(['scheduled']);
    const settled = await accept(app, p.id);
    expect(settled.state).toBe('settlement');
    await a.ok(U.finance, p.id, 'RECORD_PAYMENT', { tranche: 'final', amountFen: 2_340_000, voucherNo: 'PZ-202' });
    const warranty = await a.ok(U.district2, p.id, 'RECORD_EVALUATION', { score: 90, grade: '优秀', notes: '王强反映居民满意。' });
    expect(warranty.state).toBe('warranty');
    const held = await release(p, 'warranty with the retention held');
    expect(held.contracts[0].status).toBe('active');
    expect(implementation(held).milestones.find((m: Release) => m.code === 'retention')).toMatchObject({ type: 'payment', status: 'scheduled', dueDate: warranty.deadlines.warrantyEndsAt });

    await a.advance(Date.parse(String(warranty.deadlines.warrantyEndsAt)) - app.clock.now().getTime() + 60_000);
    const closed = await a.ok(U.finance, p.id, 'RELEASE_RETENTION', { amountFen: 180_000, voucherNo: 'PZ-203' });
    expect(closed.state).toBe('closed');
    const r = await release(p, 'closed');
    expect(r.tender.status).toBe('complete');
    expect(r.awards[0].status).toBe('active');
    expect(r.contracts[0].status).toBe('terminated');
    const impl = implementation(r);
    expect(impl.transactions.map((t: Release) => t.value.amount)).toEqual([10800, 23400, 1800]);
    expect(impl.transactions.map((t: Release) => t.id)).toEqual(['payment-1-advance', 'payment-2-final', 'payment-3-retention']);
    const byCode = (code: string) => impl.milestones.filter((m: Release) => m.code === code);
    expect(byCode('delivery').every((m: Release) => m.status === 'met' && m.dateMet)).toBe(true);
    expect(byCode('acceptance')).toEqual([expect.objectContaining({ type: 'assessment', status: 'met' })]);
    expect(byCode('acceptanceNotice')).toEqual([expect.objectContaining({ type: 'engagement', status: 'met' })]);
    expect(byCode('evaluation')[0].description).toContain('优秀');
    expect(byCode('retention')[0]).toMatchObject({ status: 'met' });
    expect(JSON.stringify(r)).not.toContain('满意。'); // evaluation notes stay unpublished
  });

  it('when a project is above the quotation limit, then it is a competitive consultation (竞争性磋商) on the limited method', async () => {
    const p = await a.create(U.c1, worksProject({ title: '社区无障碍通道改造', estimatedFen: 25_000_000, items: [{ name: '无障碍坡道及扶手', quantity: 1, unitFen: 25_000_000 }] }));
    const preparing = await toPreparing(app, p.id);
    expect(preparing.state).toBe('procurement.preparing');
    const r = await release(p, 'competitive consultation');
    expect(r.tender).toMatchObject({ procurementMethod: 'limited', procurementMethodDetails: '竞争性磋商', status: 'planned', value: { amount: 250000, currency: 'CNY' } });
    await expectSealed(r, 'procurement.preparing');
  });

  it('when a budget year is downloaded, then its package holds every public project of the year (streamed), validates, and names no personal data', async () => {
    // the warranty moved the clock into the next year: projects of two budget years
    const years = [...new Set((await app.deps.db('projects').whereIn('id', published).select('budget_year')).map((r) => Number(r.budget_year)))].sort();
    expect(years.length).toBeGreaterThanOrEqual(1);
    const seen = new Set<string>();
    for (const year of years) {
      const rows = await app.deps.db('projects').where({ budget_year: year }).whereNotNull('public_since').select('id');
      const res = await app.http.get(`/api/v1/ocds/${year}.json`);
      expect(res.status, res.text.slice(0, 300)).toBe(200);
      expect(res.headers['content-type']).toMatch(/application\/json/);
      expect(res.headers['content-disposition']).toContain(`ocds-${year}.json`);
      const pkg = JSON.parse(res.text);
      v.releasePackage(pkg, `budget year ${year}`);
      expect(pkg.uri).toMatch(new RegExp(`/api/v1/ocds/${year}\\.json$`));
      const ocids = (pkg.releases as Release[]).map((r) => r.ocid);
      expect([...ocids].sort()).toEqual(rows.map((r) => `ocds-xxxxxx-${r.id}`).sort());
      ocids.forEach((o) => seen.add(o));
      for (const id of hidden) expect(res.text.includes(id), id).toBe(false);
      for (const r of pkg.releases as Release[]) {
        v.release(r, r.ocid);
        expectCodelists(r, r.ocid);
        // a project's own release (its names read by key) is the one its year's package holds (every name read at once)
        const own = await app.http.get(`/api/v1/projects/${String(r.ocid).replace('ocds-xxxxxx-', '')}/ocds`);
        expect(own.body.releases[0], r.ocid).toEqual(r);
      }
      expectNoPersonalData(res.text, `budget year ${year}`);
    }
    for (const id of published) expect(seen.has(`ocds-xxxxxx-${id}`), id).toBe(true);
  });

  it('when a project is public, then its public page links the download of its budget year', async () => {
    for (const lang of ['', '?lang=en']) {
      const res = await app.http.get(`/public/projects/${published[0]}${lang}`);
      expect(res.status).toBe(200);
      expect(res.text).toContain('href="/api/v1/ocds/2026.json"');
      expect(res.text).toMatch(lang ? /open contracting data/ : /开放合同数据/);
    }
  });
});

