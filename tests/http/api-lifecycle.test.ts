// The whole lifecycle through the JSON API (issue 3a, and the programme's rules of issue 10): a
// stair-climber project (goods, direct purchase, one machine refused and delivered again) and a
// home-adaptation project (works, three households, written quotes, an objection upheld at the
// acceptance notice) each go from draft through the three notices and the 12-month warranty to
// closed. Notices, the quote deadline and the warranty pass on the sandbox clock (POST
// /api/v1/_clock), and the ledger is checked after every step.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { STORAGE_KINDS } from '../support/db.js';
import {
  api, expectInboxMatchesAllowed, expectLedgerBalanced, expectRefused, goodsProject, worksProject, shanghaiDay, passNotice, passQuoteDeadline,
  DELIBERATION_OK, GOOD_CHECKLIST, SIGNATORIES, WORKS_SIGNATORIES, U, VENDORS, type Api, type Project, type AllocationView,
} from '../support/lifecycle.js';

const LIANHUA = 'cm-lianhua';
const YEAR = 2026;

describe.each(STORAGE_KINDS)('the JSON API lifecycle on %s', (kind) => {
  let app: TestApp;
  let a: Api;
  let base: AllocationView;
  // What this test has moved in the cm-lianhua allocation of the budget year being driven so far.
  const moved = { reserved: 0, committed: 0, spent: 0 };
  let year = YEAR;

  beforeAll(async () => {
    app = await createTestApp({ kind });
    a = api(app);
  });
  afterAll(async () => app?.close());

  /** After every step: the invariant everywhere, and our community's sums exactly as expected. */
  async function ledgerAfter(step: string) {
    const all = await expectLedgerBalanced(app);
    const mine = all.find((x) => x.communityId === LIANHUA && x.year === year)!;
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
    // 项目确定公示: the confirmed project and its amount are noticed before anything is bought
    expect(approved).toMatchObject({ state: 'confirmation_notice', approvedFen: 3_600_000 });
    expect(approved.procurement?.method).toBe('direct');
    moved.reserved += 3_600_000;
    await ledgerAfter('APPROVE_BUDGET');
    await expectRefused(await a.send(U.c1, id, 'AWARD', { vendorId: VENDORS.kangfu, amountFen: 3_500_000, justification: 'x' }), 409, 'EVENT_NOT_ALLOWED', 'NOT_ALLOWED_IN_STATE');
    await passNotice(app, approved);
    expect((await a.project(U.c1, id)).state).toBe('procurement.preparing');
    await ledgerAfter('NOTICE_ENDED');

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
    // One machine is confirmed, the other refused (拒收): only that one goes back to the vendor.
    const part = await step(U.c2, id, 'CONFIRM_RECEIPT', { itemId: item.id, quantity: 1, serials: ['SC-0001'] }, 'delivery');
    expect(part.contract!.items[0]).toMatchObject({ delivered: 2, confirmedQty: 1, confirmed: false });
    const refusedOne = await step(U.c2, id, 'DISPUTE_DELIVERY', { itemId: item.id, quantity: 1, serials: ['SC-0002'], reason: '电机异响，退回重交' }, 'delivery');
    expect(refusedOne.contract!.items[0]).toMatchObject({ delivered: 1, confirmedQty: 1, disputedQty: 1, confirmed: false });
    await step(U.v1, id, 'RECORD_DELIVERY', {
      itemId: item.id, quantity: 1, serials: ['SC-0002'], beneficiaryRef: beneficiaries[0]!.id, evidence: [await a.upload(U.v1, 'redelivery-photo.pdf')],
    }, 'delivery');
    const confirmed = await step(U.c2, id, 'CONFIRM_RECEIPT', { itemId: item.id, quantity: 1, serials: ['SC-0002'] }, 'delivery');
    expect(confirmed.contract!.items[0]).toMatchObject({ delivered: 2, confirmedQty: 2, confirmed: true });
    await step(U.v1, id, 'REQUEST_ACCEPTANCE', {}, 'acceptance');
    // c1 sent AWARD, so c2 records the acceptance (four eyes); 验收结果公示 follows before any payment.
    const accepted = await step(U.c2, id, 'RECORD_ACCEPTANCE', { passed: true, satisfactionPct: 96, signatories: SIGNATORIES }, 'acceptance_notice');
    await expectRefused(await a.send(U.finance, id, 'RECORD_PAYMENT', { tranche: 'final', amountFen: 1, voucherNo: 'PZ-X' }), 409, 'EVENT_NOT_ALLOWED', 'NOT_ALLOWED_IN_STATE');
    await passNotice(app, accepted);
    expect((await a.project(U.c1, id)).state).toBe('settlement');

    // 65% after acceptance; the 5% retention waits for the 12-month warranty.
    moved.committed -= 2_275_000;
    moved.spent += 2_275_000;
    const settled = await step(U.finance, id, 'RECORD_PAYMENT', { tranche: 'final', amountFen: 2_275_000, voucherNo: 'PZ-002' }, 'evaluation');
    expect(settled.paidFen).toBe(3_325_000);
    // district sent APPROVE_BUDGET, so district2 evaluates (four eyes); the retention → warranty.
    const warranty = await step(U.district2, id, 'RECORD_EVALUATION', { score: 92, grade: '优秀', notes: '按期交付，居民满意。' }, 'warranty');
    await expectRefused(await a.send(U.finance, id, 'RELEASE_RETENTION', { amountFen: 175_000, voucherNo: 'PZ-003' }), 409, 'EVENT_NOT_ALLOWED', 'WARRANTY_NOT_ENDED');
    // A year on (the next budget year), the warranty ends and the retention is paid from 2026's allocation.
    await a.advance(Date.parse(String(warranty.deadlines.warrantyEndsAt)) - app.clock.now().getTime() + 60_000);
    expect((await a.project(U.c1, id)).state).toBe('warranty');
    moved.committed -= 175_000;
    moved.spent += 175_000;
    const closed = await step(U.finance, id, 'RELEASE_RETENTION', { amountFen: 175_000, voucherNo: 'PZ-003' }, 'closed');
    expect(closed.paidFen).toBe(3_500_000);
    expect(closed.allowedEvents.filter((e) => e.allowed)).toEqual([]);

    const history = (await a.get(U.district, `/projects/${id}/history`)).body.history as Array<{ seq: number; type: string; from: string | null; to: string; hash: string }>;
    expect(history.map((h) => h.type)).toEqual([
      '$start', 'SUBMIT', 'SCREEN_PASS', 'RECORD_DELIBERATION', 'NOTICE_ENDED', 'APPROVE', 'APPROVE_BUDGET', 'NOTICE_ENDED', 'AWARD', 'SIGN_CONTRACT',
      'CONFIRM_CONTRACT', 'RECORD_PAYMENT', 'RECORD_DELIVERY', 'CONFIRM_RECEIPT', 'DISPUTE_DELIVERY', 'RECORD_DELIVERY', 'CONFIRM_RECEIPT',
      'REQUEST_ACCEPTANCE', 'RECORD_ACCEPTANCE', 'NOTICE_ENDED', 'RECORD_PAYMENT', 'RECORD_EVALUATION', 'WARRANTY_ENDED', 'RELEASE_RETENTION',
    ]);
    expect(history.map((h) => h.seq)).toEqual(history.map((_, i) => i + 1));
    expect(history.at(-1)).toMatchObject({ from: 'warranty', to: 'closed' });
    expect(new Set(history.map((h) => h.hash)).size).toBe(history.length);

    const entries = await app.deps.services.ledger.entries({ projectId: id });
    expect(entries.map((e) => [e.kind, e.fen])).toEqual([
      ['reserve', 3_600_000], ['commit', 3_500_000], ['release', 100_000], ['spend', 1_050_000], ['spend', 2_275_000], ['spend', 175_000],
    ]);
    // carried over into 2027, paid from 2026: the 2027 allocation is untouched
    const next = (await expectLedgerBalanced(app)).find((x) => x.communityId === LIANHUA && x.year === YEAR + 1);
    if (next) expect(next.spentFen + next.reservedFen + next.committedFen).toBe(0);
  });

  it('when a home-adaptation project (works, three households, written quotes) is driven from draft to closed through an objection, sealed quotes and a rectification, then the ledger balances at every step', async () => {
    // the first project's warranty moved the clock a year on: this one is for that year's budget
    year = Number(shanghaiDay(app).slice(0, 4));
    expect(year).toBe(YEAR + 1);
    await app.deps.services.ledger.setAllocation({ communityId: LIANHUA, year, allocatedFen: 200_000_000 }, app.clock.now().toISOString());
    base = (await expectLedgerBalanced(app)).find((x) => x.communityId === LIANHUA && x.year === year)!;
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
    const approved = await step(U.district, id, 'APPROVE_BUDGET', { approvedFen: 6_000_000 }, 'confirmation_notice');
    expect(approved.procurement?.method).toBe('quotation');
    await passNotice(app, approved);
    expect((await a.project(U.c1, id)).state).toBe('procurement.preparing');

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
      await step(U.c2, id, 'CONFIRM_RECEIPT', { itemId: item.id, quantity: 1 }, 'delivery');
    }
    await step(U.v2, id, 'REQUEST_ACCEPTANCE', {}, 'acceptance');
    // Satisfaction below the 80% threshold sends the works back to the vendor.
    await step(U.c2, id, 'RECORD_ACCEPTANCE', { passed: true, satisfactionPct: 70, signatories: WORKS_SIGNATORIES, defects: '第2户扶手松动。' }, 'rectification');
    await step(U.v2, id, 'RECTIFIED', { evidence: [await a.upload(U.v2, 'rectified.pdf')] }, 'acceptance');
    const accepted = await step(U.c2, id, 'RECORD_ACCEPTANCE', { passed: true, satisfactionPct: 90, signatories: WORKS_SIGNATORIES }, 'acceptance_notice');
    // A resident objects to the acceptance result; the objection is upheld and the vendor puts it right.
    expect((await a.send(null, id, 'OBJECT', { text: '第3户坡道过陡，轮椅无法通行。' })).status).toBe(200);
    await passNotice(app, accepted);
    expect((await a.project(U.c1, id)).state).toBe('acceptance_objection_review');
    await ledgerAfter('NOTICE_ENDED');
    await step(U.c1, id, 'UPHOLD_OBJECTION', { response: '异议成立，责成供应商整改第3户坡道。' }, 'rectification');
    await step(U.v2, id, 'RECTIFIED', { evidence: [await a.upload(U.v2, 'ramp-rebuilt.pdf')] }, 'acceptance');
    const again = await step(U.c2, id, 'RECORD_ACCEPTANCE', { passed: true, satisfactionPct: 95, signatories: WORKS_SIGNATORIES }, 'acceptance_notice');
    await passNotice(app, again);
    expect((await a.project(U.c1, id)).state).toBe('settlement');

    // 65% after acceptance (¥35,100); the 5% retention (¥2,700) waits for the warranty
    moved.committed -= 3_510_000;
    moved.spent += 3_510_000;
    await step(U.finance, id, 'RECORD_PAYMENT', { tranche: 'final', amountFen: 3_510_000, voucherNo: 'PZ-102' }, 'evaluation');
    const warranty = await step(U.district2, id, 'RECORD_EVALUATION', { score: 85, grade: '良好', notes: '整改及时。' }, 'warranty');
    await a.advance(Date.parse(String(warranty.deadlines.warrantyEndsAt)) - app.clock.now().getTime() + 60_000);
    moved.committed -= 270_000;
    moved.spent += 270_000;
    const closed = await step(U.finance, id, 'RELEASE_RETENTION', { amountFen: 270_000, voucherNo: 'PZ-103' }, 'closed');
    expect(closed).toMatchObject({ approvedFen: 6_000_000, awardedFen: 5_400_000, paidFen: 5_400_000, vendorId: VENDORS.anju });
    expect(closed.objections.map((o) => [o.notice, o.status])).toEqual([['proposal', 'dismissed'], ['acceptance', 'upheld']]);

    const list = await a.get(U.district, `/projects?state=closed&communityId=${LIANHUA}`);
    expect(list.status).toBe(200);
    expect((list.body.projects as Array<{ id: string }>).map((p) => p.id)).toContain(id);
    const after = (await expectLedgerBalanced(app)).find((x) => x.communityId === LIANHUA && x.year === year)!;
    expect(after.availableFen).toBe(base.availableFen - 5_400_000);
  });
});
