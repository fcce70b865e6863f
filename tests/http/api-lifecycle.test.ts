// The whole lifecycle through the JSON API (issue 3a): a stair-climber project (goods, direct
// purchase) and a home-adaptation project (works, three households, written quotes) each go from
// draft to closed. The notice period and the quote deadline pass on the sandbox clock
// (POST /api/v1/_clock), and the ledger is checked after every step.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { STORAGE_KINDS } from '../support/db.js';
import {
  api, expectInboxMatchesAllowed, expectLedgerBalanced, goodsProject, worksProject, shanghaiDay, passNotice, passQuoteDeadline,
  DELIBERATION_OK, GOOD_CHECKLIST, SIGNATORIES, WORKS_SIGNATORIES, U, VENDORS, type Api, type Project, type AllocationView,
} from '../support/lifecycle.js';

const LIANHUA = 'cm-lianhua';
const YEAR = 2026;

describe.each(STORAGE_KINDS)('the JSON API lifecycle on %s', (kind) => {
  let app: TestApp;
  let a: Api;
  let base: AllocationView;
  // What this test has moved in the cm-lianhua 2026 allocation so far.
  const moved = { reserved: 0, committed: 0, spent: 0 };

  beforeAll(async () => {
    app = await createTestApp({ kind });
    a = api(app);
  });
  afterAll(async () => app?.close());

  /** After every step: the invariant everywhere, and our community's sums exactly as expected. */
  async function ledgerAfter(step: string) {
    const all = await expectLedgerBalanced(app);
    const mine = all.find((x) => x.communityId === LIANHUA && x.year === YEAR)!;
    expect({ reserved: mine.reservedFen, committed: mine.committedFen, spent: mine.spentFen }, `after ${step}`).toEqual({
      reserved: base.reservedFen + moved.reserved, committed: base.committedFen + moved.committed, spent: base.spentFen + moved.spent,
    });
    expect(mine.allocatedFen, `after ${step}`).toBe(base.allocatedFen);
  }

  // The projects this test drives: after every step, each demo user's inbox must hold exactly those
  // on which the user may send an event other than a right.
  const driven = new Set<string>();

  /** Sends an event that must succeed and land in `state`, then checks the ledger and the inboxes. */
  async function step(email: string | null, id: string, type: string, payload: Record<string, unknown>, state: string): Promise<Project> {
    const p = await a.ok(email, id, type, payload);
    expect(p.state, `${type} → ${state}`).toBe(state);
    await ledgerAfter(type);
    driven.add(id);
    await expectInboxMatchesAllowed(app, [...driven], `after ${type} → ${state}`);
    return p;
  }

  it('when the sandbox clock is moved by anyone but an admin, then it is refused and time stands still', async () => {
    const before = app.clock.now().toISOString();
    const res = await a.post(U.district, '/_clock', { advanceMs: 1000 });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
    const bad = await a.post(U.admin, '/_clock', { advanceMs: -5 });
    expect(bad.status).toBe(422);
    expect(app.clock.now().toISOString()).toBe(before);
  });

  it('when a stair-climber project (goods, direct purchase) is driven from draft to closed, then every stage is reached and the ledger balances at every step', async () => {
    base = (await expectLedgerBalanced(app)).find((x) => x.communityId === LIANHUA && x.year === YEAR)!;
    expect(base.allocatedFen).toBe(200_000_000);

    const created = await a.create(U.c1, goodsProject({ title: '莲花社区爬楼机配置（API）' }));
    expect(created).toMatchObject({ state: 'draft', communityId: LIANHUA, streetId: 'st-gongbei', year: YEAR, estimatedFen: 3_600_000, version: 1 });
    expect(created.ref).toMatch(/^XZ-2026-\d{4}$/);
    const id = created.id;
    await ledgerAfter('create');

    await step(U.c1, id, 'SUBMIT', {}, 'screening');
    await step(U.c2, id, 'SCREEN_PASS', { checklist: GOOD_CHECKLIST }, 'deliberation');
    const noticed = await step(U.c1, id, 'RECORD_DELIBERATION', { ...DELIBERATION_OK, heldOn: shanghaiDay(app) }, 'public_notice');
    // 5 working days from Monday 2026-03-02 (Shanghai) end with Monday 2026-03-09.
    expect(noticed.deadlines.noticeEndsAt).toBe('2026-03-09T15:59:59.999Z');
    // One minute before the end nothing fires; a minute after, NOTICE_ENDED has moved it on.
    await a.advance(Date.parse(noticed.deadlines.noticeEndsAt!) - app.clock.now().getTime() - 60_000);
    expect((await a.project(U.c1, id)).state).toBe('public_notice');
    const clock = await a.advance(120_000);
    expect(clock.now).toBe('2026-03-09T16:00:59.999Z');
    expect((await a.project(U.c1, id)).state).toBe('street_review');
    await ledgerAfter('NOTICE_ENDED');

    await step(U.street, id, 'APPROVE', {}, 'budget_approval');
    const approved = await a.ok(U.district, id, 'APPROVE_BUDGET', { approvedFen: 3_600_000 });
    expect(approved).toMatchObject({ state: 'procurement.preparing', approvedFen: 3_600_000 });
    expect(approved.procurement?.method).toBe('direct');
    moved.reserved += 3_600_000;
    await ledgerAfter('APPROVE_BUDGET');

    const awarded = await step(U.c1, id, 'AWARD', { vendorId: VENDORS.kangfu, amountFen: 3_500_000, justification: '单一来源直接采购，报价低于预算。' }, 'procurement.contracting');
    expect(awarded.awardedFen).toBe(3_500_000);
    await step(U.c1, id, 'SIGN_CONTRACT', {
      contractNo: 'HT-2026-001', items: [{ name: '履带式爬楼机', quantity: 2, unitFen: 1_750_000 }], amountFen: 3_500_000, dueOn: shanghaiDay(app, 30),
    }, 'procurement.contracting');
    // Confirming commits the contract amount and releases the rest of the reservation.
    moved.reserved -= 3_600_000;
    moved.committed += 3_500_000;
    const delivering = await step(U.v1, id, 'CONFIRM_CONTRACT', {}, 'delivery');
    expect(delivering.contract).toMatchObject({ contractNo: 'HT-2026-001', amountFen: 3_500_000 });
    const item = delivering.contract!.items[0]!;

    moved.committed -= 1_050_000;
    moved.spent += 1_050_000;
    await step(U.finance, id, 'RECORD_PAYMENT', { tranche: 'advance', amountFen: 1_050_000, voucherNo: 'PZ-001' }, 'delivery');

    const beneficiaries = (await a.get(U.c1, '/beneficiaries')).body.beneficiaries as Array<{ id: string }>;
    await step(U.v1, id, 'RECORD_DELIVERY', {
      itemId: item.id, quantity: 2, serials: ['SC-0001', 'SC-0002'], beneficiaryRef: beneficiaries[0]!.id, evidence: [await a.upload(U.v1, 'delivery-photo.pdf')],
    }, 'delivery');
    const confirmed = await step(U.c2, id, 'CONFIRM_RECEIPT', { itemId: item.id }, 'delivery');
    expect(confirmed.contract!.items[0]).toMatchObject({ delivered: 2, confirmed: true });
    await step(U.v1, id, 'REQUEST_ACCEPTANCE', {}, 'acceptance');
    // c1 sent AWARD, so c2 records the acceptance (four eyes).
    await step(U.c2, id, 'RECORD_ACCEPTANCE', { passed: true, satisfactionPct: 96, signatories: SIGNATORIES }, 'settlement');

    moved.committed -= 2_450_000;
    moved.spent += 2_450_000;
    const settled = await step(U.finance, id, 'RECORD_PAYMENT', { tranche: 'final', amountFen: 2_450_000, voucherNo: 'PZ-002' }, 'evaluation');
    expect(settled.paidFen).toBe(3_500_000);
    // district sent APPROVE_BUDGET, so district2 evaluates (four eyes); no retention → closed.
    const closed = await step(U.district2, id, 'RECORD_EVALUATION', { score: 92, grade: '优秀', notes: '按期交付，居民满意。' }, 'closed');
    expect(closed.allowedEvents.filter((e) => e.allowed)).toEqual([]);

    const history = (await a.get(U.district, `/projects/${id}/history`)).body.history as Array<{ seq: number; type: string; from: string | null; to: string; hash: string }>;
    expect(history.map((h) => h.type)).toEqual([
      '$start', 'SUBMIT', 'SCREEN_PASS', 'RECORD_DELIBERATION', 'NOTICE_ENDED', 'APPROVE', 'APPROVE_BUDGET', 'AWARD', 'SIGN_CONTRACT',
      'CONFIRM_CONTRACT', 'RECORD_PAYMENT', 'RECORD_DELIVERY', 'CONFIRM_RECEIPT', 'REQUEST_ACCEPTANCE', 'RECORD_ACCEPTANCE', 'RECORD_PAYMENT', 'RECORD_EVALUATION',
    ]);
    expect(history.map((h) => h.seq)).toEqual(history.map((_, i) => i + 1));
    expect(history.at(-1)).toMatchObject({ from: 'evaluation', to: 'closed' });
    expect(new Set(history.map((h) => h.hash)).size).toBe(history.length);

    const entries = await app.deps.services.ledger.entries({ projectId: id });
    expect(entries.map((e) => [e.kind, e.fen])).toEqual([['reserve', 3_600_000], ['commit', 3_500_000], ['release', 100_000], ['spend', 1_050_000], ['spend', 2_450_000]]);
  });

  it('when a home-adaptation project (works, three households, written quotes) is driven from draft to closed through an objection, sealed quotes and a rectification, then the ledger balances at every step', async () => {
    base = (await expectLedgerBalanced(app)).find((x) => x.communityId === LIANHUA && x.year === YEAR)!;
    moved.reserved = 0;
    moved.committed = 0;
    moved.spent = 0;
    const beneficiaries = (await a.get(U.c1, '/beneficiaries')).body.beneficiaries as Array<{ id: string }>;
    expect(beneficiaries.length).toBeGreaterThanOrEqual(3);

    const created = await a.create(U.c1, worksProject({ title: '困难残疾人家庭居家适老化改造（API）' }));
    const id = created.id;
    await ledgerAfter('create');
    await step(U.c1, id, 'SUBMIT', {}, 'screening');
    await step(U.c2, id, 'SCREEN_PASS', { checklist: GOOD_CHECKLIST }, 'deliberation');
    const noticed = await step(U.c1, id, 'RECORD_DELIBERATION', { ...DELIBERATION_OK, heldOn: shanghaiDay(app) }, 'public_notice');

    // A resident objects without signing in; the notice ends into objection_review.
    const objected = await a.send(null, id, 'OBJECT', { text: '希望优先考虑独居老人家庭。', contact: '13912345678' });
    expect(objected.status).toBe(200);
    await passNotice(app, noticed);
    expect((await a.project(U.c1, id)).state).toBe('objection_review');
    await ledgerAfter('NOTICE_ENDED');
    await step(U.c1, id, 'DISMISS_OBJECTIONS', { response: '三户均为独居或重度残疾家庭，已在方案中说明。' }, 'street_review');

    await step(U.street, id, 'APPROVE', {}, 'budget_approval');
    moved.reserved += 6_000_000;
    const approved = await step(U.district, id, 'APPROVE_BUDGET', { approvedFen: 6_000_000 }, 'procurement.preparing');
    expect(approved.procurement?.method).toBe('quotation');

    const deadline = new Date(app.clock.now().getTime() + 7 * 86_400_000).toISOString();
    const quoting = await step(U.c1, id, 'INVITE', { vendorIds: [VENDORS.kangfu, VENDORS.anju, VENDORS.xinyuan], deadline }, 'procurement.quoting');
    expect(quoting.procurement?.deadline).toBe(deadline);
    const validUntil = shanghaiDay(app, 60);
    const houses = (unit: number) => [{ name: '居家适老化改造（每户）', quantity: 3, unitFen: unit }];
    await step(U.v1, id, 'SUBMIT_QUOTE', { amountFen: 5_850_000, items: houses(1_950_000), validUntil }, 'procurement.quoting');
    await step(U.v2, id, 'SUBMIT_QUOTE', { amountFen: 5_400_000, items: houses(1_800_000), validUntil }, 'procurement.quoting');
    await step(U.v3, id, 'SUBMIT_QUOTE', { amountFen: 5_700_000, items: houses(1_900_000), validUntil }, 'procurement.quoting');
    const sealed = await a.project(U.c1, id);
    expect(sealed.procurement!.quotes).toHaveLength(3);
    expect(sealed.procurement!.quotes.every((q) => q.sealed && q.amountFen === undefined)).toBe(true);

    await passQuoteDeadline(app, quoting);
    const evaluating = await a.project(U.c1, id);
    expect(evaluating.state).toBe('procurement.evaluating');
    expect(Object.fromEntries(evaluating.procurement!.quotes.map((q) => [q.vendorId, q.amountFen]))).toEqual({
      [VENDORS.kangfu]: 5_850_000, [VENDORS.anju]: 5_400_000, [VENDORS.xinyuan]: 5_700_000,
    });
    await ledgerAfter('QUOTE_DEADLINE_PASSED');

    await step(U.c1, id, 'AWARD', { vendorId: VENDORS.anju, amountFen: 5_400_000, justification: '三家报价中最低，资质符合。' }, 'procurement.contracting');
    const households = [1, 2, 3].map((n) => ({ name: `第${n}户居家适老化改造`, quantity: 1, unitFen: 1_800_000 }));
    await step(U.c1, id, 'SIGN_CONTRACT', { contractNo: 'HT-2026-002', items: households, amountFen: 5_400_000, dueOn: shanghaiDay(app, 45) }, 'procurement.contracting');
    moved.reserved -= 6_000_000;
    moved.committed += 5_400_000;
    const delivering = await step(U.v2, id, 'CONFIRM_CONTRACT', {}, 'delivery');
    expect(delivering.contract!.items).toHaveLength(3);

    moved.committed -= 1_620_000;
    moved.spent += 1_620_000;
    await step(U.finance, id, 'RECORD_PAYMENT', { tranche: 'advance', amountFen: 1_620_000, voucherNo: 'PZ-101' }, 'delivery');
    for (const [n, item] of delivering.contract!.items.entries()) {
      await step(U.v2, id, 'RECORD_DELIVERY', { itemId: item.id, quantity: 1, beneficiaryRef: beneficiaries[n]!.id, evidence: [await a.upload(U.v2, `house-${n + 1}.pdf`)] }, 'delivery');
      await step(U.c2, id, 'CONFIRM_RECEIPT', { itemId: item.id }, 'delivery');
    }
    await step(U.v2, id, 'REQUEST_ACCEPTANCE', {}, 'acceptance');
    // Satisfaction below the 80% threshold sends the works back to the vendor.
    await step(U.c2, id, 'RECORD_ACCEPTANCE', { passed: true, satisfactionPct: 70, signatories: WORKS_SIGNATORIES, defects: '第2户扶手松动。' }, 'rectification');
    await step(U.v2, id, 'RECTIFIED', { evidence: [await a.upload(U.v2, 'rectified.pdf')] }, 'acceptance');
    await step(U.c2, id, 'RECORD_ACCEPTANCE', { passed: true, satisfactionPct: 90, signatories: WORKS_SIGNATORIES }, 'settlement');

    moved.committed -= 3_780_000;
    moved.spent += 3_780_000;
    await step(U.finance, id, 'RECORD_PAYMENT', { tranche: 'final', amountFen: 3_780_000, voucherNo: 'PZ-102' }, 'evaluation');
    const closed = await step(U.district2, id, 'RECORD_EVALUATION', { score: 85, grade: '良好', notes: '整改及时。' }, 'closed');
    expect(closed).toMatchObject({ approvedFen: 6_000_000, awardedFen: 5_400_000, paidFen: 5_400_000, vendorId: VENDORS.anju });

    const list = await a.get(U.district, `/projects?state=closed&communityId=${LIANHUA}`);
    expect(list.status).toBe(200);
    expect((list.body.projects as Array<{ id: string }>).map((p) => p.id)).toContain(id);
    const after = (await expectLedgerBalanced(app)).find((x) => x.communityId === LIANHUA && x.year === YEAR)!;
    expect(after.availableFen).toBe(base.availableFen - 5_400_000);
  });
});
