// Every refusal of the lifecycle through the JSON API, with its code and reason (issue 3c), and the
// rule-driven transitions (a failed vote, low satisfaction, an objection). A refusal changes
// nothing: the project's version, its history and the ledger are checked to stand still.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { DEFAULT_RULES } from '../../workflows/project/index.js';
import {
  accept, api, deliverAll, expectLedgerBalanced, expectRefused, goodsProject, invite, passNotice, passQuoteDeadline, reasonCodes, shanghaiDay,
  toBudgetApproval, toContracting, toDelivery, toPreparing, toStreetReview, worksProject,
  DELIBERATION_OK, GOOD_CHECKLIST, SIGNATORIES, WORKS_SIGNATORIES, U, VENDORS, type Api, type NewProject, type Project,
} from '../support/lifecycle.js';

const ONE_STAIR = [{ name: '履带式爬楼机', quantity: 2, unitFen: 1_800_000 }];

describe('API refusals', () => {
  let app: TestApp;
  let a: Api;

  beforeAll(async () => {
    app = await createTestApp();
    a = api(app);
  });
  afterAll(async () => app?.close());

  const draft = (over: Partial<NewProject> = {}) => a.create(U.c1, goodsProject(over));

  /** Sends an event that must be refused with `status`/`code`/`reason`, and checks that nothing changed. */
  async function refused(email: string | null, id: string, type: string, payload: Record<string, unknown>, status: number, code: string, reason?: string, headers: Record<string, string> = {}) {
    const before = await a.project(U.district, id);
    const history = (await a.get(U.district, `/projects/${id}/history`)).body.history as unknown[];
    const ledger = await expectLedgerBalanced(app);
    const res = await a.send(email, id, type, payload, headers);
    expectRefused(res, status, code, reason);
    const after = await a.project(U.district, id);
    expect({ state: after.state, version: after.version }, `${type} changed the project`).toEqual({ state: before.state, version: before.version });
    expect((await a.get(U.district, `/projects/${id}/history`)).body.history, `${type} wrote history`).toHaveLength(history.length);
    expect(await expectLedgerBalanced(app), `${type} moved money`).toEqual(ledger);
    return res;
  }

  describe('wrong role', () => {
    it('when the street, a vendor, finance or an admin sends a community event, then it is FORBIDDEN with WRONG_ROLE', async () => {
      const p = await draft();
      for (const who of [U.street, U.finance, U.district, U.admin]) await refused(who, p.id, 'SUBMIT', {}, 403, 'FORBIDDEN', 'WRONG_ROLE');
      // A vendor not invited cannot see the project at all: FORBIDDEN, whichever reason comes first.
      await refused(U.v1, p.id, 'SUBMIT', {}, 403, 'FORBIDDEN');
      await refused(U.admin, p.id, 'COMMENT', { text: '管理员不能发送流程事件' }, 403, 'FORBIDDEN', 'WRONG_ROLE');
      await refused(U.c1, p.id, 'CANCEL', { reason: '社区不能撤销' }, 403, 'FORBIDDEN', 'WRONG_ROLE');
    });

    it('when anyone sends a timer event, then it is FORBIDDEN with WRONG_ROLE (only the system sends those)', async () => {
      const p = await draft();
      for (const type of ['NOTICE_ENDED', 'QUOTE_DEADLINE_PASSED', 'WARRANTY_ENDED']) await refused(U.district, p.id, type, {}, 403, 'FORBIDDEN', 'WRONG_ROLE');
    });

    it('when an anonymous caller sends anything but OBJECT, then it is 401 UNAUTHENTICATED', async () => {
      const p = await draft();
      await refused(null, p.id, 'SUBMIT', {}, 401, 'UNAUTHENTICATED');
      await refused(null, p.id, 'COMMENT', { text: 'hi' }, 401, 'UNAUTHENTICATED');
    });

    it('when community staff approve at the street or budget stage, then it is FORBIDDEN with WRONG_ROLE', async () => {
      const p = await draft();
      await toStreetReview(app, p.id);
      await refused(U.c1, p.id, 'APPROVE', {}, 403, 'FORBIDDEN', 'WRONG_ROLE');
      await refused(U.c1, p.id, 'RETURN', { reason: '社区不能在街道审核时退回' }, 403, 'FORBIDDEN', 'WRONG_ROLE');
      await a.ok(U.street, p.id, 'APPROVE');
      await refused(U.street, p.id, 'APPROVE_BUDGET', { approvedFen: 3_600_000 }, 403, 'FORBIDDEN', 'WRONG_ROLE');
      await refused(U.finance, p.id, 'APPROVE_BUDGET', { approvedFen: 3_600_000 }, 403, 'FORBIDDEN', 'WRONG_ROLE');
    });

    it('when a vendor or community staff create a project, then only community staff may', async () => {
      for (const who of [U.v1, U.street, U.district, U.admin]) expectRefused(await a.post(who, '/projects', goodsProject()), 403, 'FORBIDDEN', 'WRONG_ROLE');
    });
  });

  describe('wrong scope', () => {
    it('when staff of another community or street act on a project, then it is FORBIDDEN with OUT_OF_SCOPE', async () => {
      const p = await draft();
      await refused(U.c3, p.id, 'SUBMIT', {}, 403, 'FORBIDDEN', 'OUT_OF_SCOPE');
      await refused(U.c3, p.id, 'EDIT', { fields: { title: '改标题' } }, 403, 'FORBIDDEN', 'OUT_OF_SCOPE');
      const h = await a.create(U.c3, goodsProject({ title: '海滨社区' }));
      await a.ok(U.c3, h.id, 'SUBMIT');
      await refused(U.c2, h.id, 'SCREEN_PASS', { checklist: GOOD_CHECKLIST }, 403, 'FORBIDDEN', 'OUT_OF_SCOPE');
      await refused(U.street, h.id, 'COMMENT', { text: '不是本街道' }, 403, 'FORBIDDEN', 'OUT_OF_SCOPE');
    });

    it('when a vendor not invited quotes, or a vendor not awarded confirms the contract, then it is FORBIDDEN with OUT_OF_SCOPE', async () => {
      const p = await draft();
      await toContracting(app, p.id, VENDORS.kangfu, 3_600_000);
      await a.ok(U.c1, p.id, 'SIGN_CONTRACT', { contractNo: 'HT-S1', items: ONE_STAIR, amountFen: 3_600_000, dueOn: shanghaiDay(app, 30) });
      await refused(U.v2, p.id, 'CONFIRM_CONTRACT', {}, 403, 'FORBIDDEN', 'OUT_OF_SCOPE');

      const q = await a.create(U.c1, worksProject());
      await toPreparing(app, q.id);
      // Vendor 2 quotes where it is invited, but not on p, where it never was.
      await invite(app, q.id, [VENDORS.kangfu, VENDORS.anju, VENDORS.xinyuan]);
      await a.ok(U.v2, q.id, 'SUBMIT_QUOTE', { amountFen: 5_000_000, validUntil: shanghaiDay(app, 30) });
      await refused(U.v2, p.id, 'SUBMIT_QUOTE', { amountFen: 1, validUntil: shanghaiDay(app, 30) }, 403, 'FORBIDDEN', 'OUT_OF_SCOPE');
      // An invited vendor sending a buyer's event has the wrong role.
      await refused(U.v2, q.id, 'INVITE', { vendorIds: [VENDORS.anju], deadline: new Date(app.clock.now().getTime() + 86_400_000).toISOString() }, 403, 'FORBIDDEN', 'WRONG_ROLE');
      await refused(U.v2, q.id, 'CANCEL', { reason: '供应商不能撤销' }, 403, 'FORBIDDEN', 'WRONG_ROLE');
    });
  });

  describe('four eyes', () => {
    it('when the user who submitted also screens, then it is FORBIDDEN with FOUR_EYES, and a colleague may', async () => {
      const p = await draft();
      await a.ok(U.c1, p.id, 'SUBMIT');
      await refused(U.c1, p.id, 'SCREEN_PASS', { checklist: GOOD_CHECKLIST }, 403, 'FORBIDDEN', 'FOUR_EYES');
      expect((await a.ok(U.c2, p.id, 'SCREEN_PASS', { checklist: GOOD_CHECKLIST })).state).toBe('deliberation');
    });

    it('when the user who awarded also records the acceptance, then it is FORBIDDEN with FOUR_EYES', async () => {
      const p = await draft();
      await toDelivery(app, p.id, VENDORS.kangfu, ONE_STAIR);
      await deliverAll(app, p.id, VENDORS.kangfu);
      await refused(U.c1, p.id, 'RECORD_ACCEPTANCE', { passed: true, satisfactionPct: 95, signatories: SIGNATORIES }, 403, 'FORBIDDEN', 'FOUR_EYES');
      expect((await a.ok(U.c2, p.id, 'RECORD_ACCEPTANCE', { passed: true, satisfactionPct: 95, signatories: SIGNATORIES })).state).toBe('acceptance_notice');
    });

    it('when the user who approved the budget also evaluates, then it is FORBIDDEN with FOUR_EYES', async () => {
      const p = await draft();
      await toDelivery(app, p.id, VENDORS.kangfu, ONE_STAIR);
      await deliverAll(app, p.id, VENDORS.kangfu);
      await accept(app, p.id);
      // all but the 5% retention (¥1,800 of ¥36,000), which waits for the warranty
      await a.ok(U.finance, p.id, 'RECORD_PAYMENT', { tranche: 'final', amountFen: 3_420_000, voucherNo: 'PZ-9' });
      await refused(U.district, p.id, 'RECORD_EVALUATION', { score: 90, grade: '优秀', notes: '' }, 403, 'FORBIDDEN', 'FOUR_EYES');
      expect((await a.ok(U.district2, p.id, 'RECORD_EVALUATION', { score: 90, grade: '优秀', notes: '' })).state).toBe('warranty');
    });
  });

  describe('proposal rules', () => {
    it('when a goods project above the ¥200,000 cap is submitted, then it is EVENT_NOT_ALLOWED with OVER_CAP', async () => {
      const p = await draft({ estimatedFen: 20_000_002, items: [{ name: '爬楼机', quantity: 2, unitFen: 10_000_001 }] });
      const res = await refused(U.c1, p.id, 'SUBMIT', {}, 409, 'EVENT_NOT_ALLOWED', 'OVER_CAP');
      expect(res.body.error.reasons[0].params).toMatchObject({ capFen: 20_000_000, estimatedFen: 20_000_002 });
      // Exactly at the cap is fine.
      const ok = await draft({ estimatedFen: 20_000_000, items: [{ name: '爬楼机', quantity: 2, unitFen: 10_000_000 }] });
      expect((await a.ok(U.c1, ok.id, 'SUBMIT')).state).toBe('screening');
    });

    it('when the screening checklist fails on any item, then it is EVENT_NOT_ALLOWED with CHECKLIST_FAILED naming the item', async () => {
      const p = await draft();
      await a.ok(U.c1, p.id, 'SUBMIT');
      for (const item of ['property_management', 'duplicate_government'] as const) {
        const checklist = { ...GOOD_CHECKLIST, negativeItems: { ...GOOD_CHECKLIST.negativeItems, [item]: true } };
        const res = await refused(U.c2, p.id, 'SCREEN_PASS', { checklist }, 409, 'EVENT_NOT_ALLOWED', 'CHECKLIST_FAILED');
        expect(res.body.error.reasons).toEqual([expect.objectContaining({ code: 'CHECKLIST_FAILED', params: expect.objectContaining({ item, expected: false }) })]);
        // the message names the item as the rules version names it
        const name = DEFAULT_RULES.screening.negativeItems.find((i) => i.code === item)!.zh;
        expect(res.body.error.reasons[0].message).toContain(name);
      }
      const dup = await refused(U.c2, p.id, 'SCREEN_PASS', { checklist: { ...GOOD_CHECKLIST, duplicate: true } }, 409, 'EVENT_NOT_ALLOWED', 'CHECKLIST_FAILED');
      expect(dup.body.error.reasons[0].params).toEqual({ item: 'duplicate', expected: false });
      await refused(U.c2, p.id, 'SCREEN_PASS', { checklist: { ...GOOD_CHECKLIST, positiveArea: 'space' } }, 409, 'EVENT_NOT_ALLOWED', 'UNKNOWN_POSITIVE_AREA');
      // the old shape (three yes/no answers) is refused with the new fields named
      const old = await refused(U.c2, p.id, 'SCREEN_PASS', { checklist: { positiveList: true, negativeList: false, duplicate: false } }, 422, 'INVALID');
      expect(Object.keys(old.body.error.fields).sort()).toEqual(['checklist.negativeItems', 'checklist.positiveArea']);
      expect((await a.project(U.c1, p.id)).state).toBe('screening');
    });

    it('when a deliberation is held in the future, then it is EVENT_NOT_ALLOWED with HELD_ON_IN_FUTURE', async () => {
      const p = await draft();
      await a.ok(U.c1, p.id, 'SUBMIT');
      await a.ok(U.c2, p.id, 'SCREEN_PASS', { checklist: GOOD_CHECKLIST });
      await refused(U.c1, p.id, 'RECORD_DELIBERATION', { ...DELIBERATION_OK, heldOn: shanghaiDay(app, 1) }, 409, 'EVENT_NOT_ALLOWED', 'HELD_ON_IN_FUTURE');
    });

    it('when the budget approved is above the estimate or zero, then it is EVENT_NOT_ALLOWED with BUDGET_ABOVE_ESTIMATE / AMOUNT_NOT_POSITIVE', async () => {
      const p = await draft();
      await toBudgetApproval(app, p.id);
      await refused(U.district, p.id, 'APPROVE_BUDGET', { approvedFen: 3_600_001 }, 409, 'EVENT_NOT_ALLOWED', 'BUDGET_ABOVE_ESTIMATE');
      await refused(U.district, p.id, 'APPROVE_BUDGET', { approvedFen: 0 }, 409, 'EVENT_NOT_ALLOWED', 'AMOUNT_NOT_POSITIVE');
    });

    it('when the allocation is short, then APPROVE_BUDGET is 409 INSUFFICIENT_BUDGET and nothing is reserved', async () => {
      const p = await a.create(U.c3, goodsProject({ title: '海滨社区预算不足' }));
      await a.ok(U.c3, p.id, 'SUBMIT');
      // community3 is alone in cm-haibin: another community user of it screens.
      const other = await app.deps.services.users.create({ email: 'community4@example.org', name: '海滨二', role: 'community', communityId: 'cm-haibin', password: 'weishishi-demo' });
      expect(other.communityId).toBe('cm-haibin');
      await a.ok('community4@example.org', p.id, 'SCREEN_PASS', { checklist: GOOD_CHECKLIST });
      const noticed = await a.ok(U.c3, p.id, 'RECORD_DELIBERATION', { ...DELIBERATION_OK, heldOn: shanghaiDay(app) });
      await passNotice(app, noticed);
      // st-jida has no street user in the demo; a district user cannot APPROVE (street role), so add one.
      await app.deps.services.users.create({ email: 'street2@example.org', name: '吉大街道', role: 'street', streetId: 'st-jida', password: 'weishishi-demo' });
      await a.ok('street2@example.org', p.id, 'APPROVE');
      await app.deps.services.ledger.setAllocation({ communityId: 'cm-haibin', year: 2026, allocatedFen: 3_599_999 }, app.clock.now().toISOString());
      const res = await refused(U.district, p.id, 'APPROVE_BUDGET', { approvedFen: 3_600_000 }, 409, 'INSUFFICIENT_BUDGET', 'INSUFFICIENT_BUDGET');
      expect(res.body.error.reasons[0].params).toMatchObject({ availableFen: 3_599_999, neededFen: 3_600_000 });
      expect((await a.ok(U.district, p.id, 'APPROVE_BUDGET', { approvedFen: 3_599_999 })).state).toBe('confirmation_notice');
      const alloc = (await expectLedgerBalanced(app)).find((x) => x.communityId === 'cm-haibin' && x.year === 2026)!;
      expect(alloc).toMatchObject({ availableFen: 0, reservedFen: 3_599_999 });
    });
  });

  describe('procurement rules', () => {
    it('when fewer vendors than the method\'s minimum are invited, or the deadline is not in the future, then INVITE is refused with TOO_FEW_INVITATIONS / DEADLINE_NOT_IN_FUTURE', async () => {
      const p = await a.create(U.c1, worksProject());
      await toPreparing(app, p.id);
      const deadline = new Date(app.clock.now().getTime() + 7 * 86_400_000).toISOString();
      const res = await refused(U.c1, p.id, 'INVITE', { vendorIds: [VENDORS.kangfu, VENDORS.anju], deadline }, 409, 'EVENT_NOT_ALLOWED', 'TOO_FEW_INVITATIONS');
      expect(res.body.error.reasons[0].params).toMatchObject({ min: 3, count: 2, method: 'quotation' });
      // The same vendor three times is still one invitation.
      await refused(U.c1, p.id, 'INVITE', { vendorIds: [VENDORS.kangfu, VENDORS.kangfu, VENDORS.kangfu], deadline }, 409, 'EVENT_NOT_ALLOWED', 'TOO_FEW_INVITATIONS');
      await refused(U.c1, p.id, 'INVITE', { vendorIds: [VENDORS.kangfu, VENDORS.anju, VENDORS.xinyuan], deadline: app.clock.now().toISOString() }, 409, 'EVENT_NOT_ALLOWED', 'DEADLINE_NOT_IN_FUTURE');
      // An unknown vendor is bad input.
      await refused(U.c1, p.id, 'INVITE', { vendorIds: [VENDORS.kangfu, VENDORS.anju, 'vd-nobody'], deadline }, 422, 'INVALID');
      // A direct project may not be awarded by quotation's rules and vice versa.
      await refused(U.c1, p.id, 'AWARD', { vendorId: VENDORS.kangfu, amountFen: 5_000_000, justification: '直接采购' }, 409, 'EVENT_NOT_ALLOWED', 'NOT_DIRECT_METHOD');
    });

    it('when a quote arrives after the deadline, then it is refused with QUOTE_AFTER_DEADLINE (before and after the timer fired)', async () => {
      const p = await a.create(U.c1, worksProject());
      await toPreparing(app, p.id);
      const quoting = await invite(app, p.id, [VENDORS.kangfu, VENDORS.anju, VENDORS.xinyuan], 3);
      await a.ok(U.v1, p.id, 'SUBMIT_QUOTE', { amountFen: 5_000_000, validUntil: shanghaiDay(app, 30) });
      // The engine's clock passes the deadline, but the timer has not run yet: the rule still refuses.
      app.clock.set(Date.parse(quoting.procurement!.deadline!));
      await refused(U.v2, p.id, 'SUBMIT_QUOTE', { amountFen: 4_000_000, validUntil: shanghaiDay(app, 30) }, 409, 'EVENT_NOT_ALLOWED', 'QUOTE_AFTER_DEADLINE');
      await refused(U.v1, p.id, 'WITHDRAW_QUOTE', {}, 409, 'EVENT_NOT_ALLOWED', 'QUOTE_AFTER_DEADLINE');
      // Awarding before the timer moved the procurement on is refused too.
      await refused(U.c1, p.id, 'AWARD', { vendorId: VENDORS.kangfu, amountFen: 5_000_000, justification: 'x' }, 409, 'EVENT_NOT_ALLOWED', 'QUOTE_DEADLINE_NOT_PASSED');
      await passQuoteDeadline(app, quoting);
      expect((await a.project(U.c1, p.id)).state).toBe('procurement.evaluating');
      await refused(U.v2, p.id, 'SUBMIT_QUOTE', { amountFen: 4_000_000, validUntil: shanghaiDay(app, 30) }, 409, 'EVENT_NOT_ALLOWED', 'QUOTE_AFTER_DEADLINE');
      // One quote of the three needed: no award, only 流标.
      await refused(U.c1, p.id, 'AWARD', { vendorId: VENDORS.kangfu, amountFen: 5_000_000, justification: 'x' }, 409, 'EVENT_NOT_ALLOWED', 'TOO_FEW_QUOTES');
      expect((await a.ok(U.c1, p.id, 'DECLARE_FAILED', { reason: '有效报价不足三家' })).state).toBe('procurement.preparing');
    });

    it('when the award is unequal to the vendor\'s quote or above the approved amount, then AWARD is refused with AWARD_NOT_EQUAL_QUOTE / AWARD_ABOVE_APPROVED', async () => {
      const p = await a.create(U.c1, worksProject());
      await toPreparing(app, p.id, 5_500_000);
      const quoting = await invite(app, p.id, [VENDORS.kangfu, VENDORS.anju, VENDORS.xinyuan]);
      const validUntil = shanghaiDay(app, 60);
      await a.ok(U.v1, p.id, 'SUBMIT_QUOTE', { amountFen: 5_900_000, validUntil });
      await a.ok(U.v2, p.id, 'SUBMIT_QUOTE', { amountFen: 5_400_000, validUntil });
      await a.ok(U.v3, p.id, 'SUBMIT_QUOTE', { amountFen: 5_450_000, validUntil });
      await passQuoteDeadline(app, quoting);
      await refused(U.c1, p.id, 'AWARD', { vendorId: VENDORS.anju, amountFen: 5_300_000, justification: '压价' }, 409, 'EVENT_NOT_ALLOWED', 'AWARD_NOT_EQUAL_QUOTE');
      const above = await refused(U.c1, p.id, 'AWARD', { vendorId: VENDORS.kangfu, amountFen: 5_900_000, justification: '质量好' }, 409, 'EVENT_NOT_ALLOWED', 'AWARD_ABOVE_APPROVED');
      expect(above.body.error.reasons.find((r: { code: string }) => r.code === 'AWARD_ABOVE_APPROVED').params).toEqual({ approvedFen: 5_500_000, amountFen: 5_900_000 });
      expect((await a.ok(U.c1, p.id, 'AWARD', { vendorId: VENDORS.anju, amountFen: 5_400_000, justification: '最低价' })).state).toBe('procurement.contracting');
    });

    it('when a direct award is above the approved amount, then it is refused with AWARD_ABOVE_APPROVED', async () => {
      const p = await draft();
      await toPreparing(app, p.id, 3_000_000);
      await refused(U.c1, p.id, 'AWARD', { vendorId: VENDORS.kangfu, amountFen: 3_000_001, justification: '直接采购' }, 409, 'EVENT_NOT_ALLOWED', 'AWARD_ABOVE_APPROVED');
    });

    it('when the contract items do not sum to the amount, or the amount differs from the award, then SIGN_CONTRACT is refused', async () => {
      const p = await draft();
      await toContracting(app, p.id, VENDORS.kangfu, 3_600_000);
      const due = shanghaiDay(app, 30);
      const res = await refused(U.c1, p.id, 'SIGN_CONTRACT', { contractNo: 'HT-X', items: [{ name: '爬楼机', quantity: 2, unitFen: 1_700_000 }], amountFen: 3_600_000, dueOn: due }, 409, 'EVENT_NOT_ALLOWED', 'ITEMS_SUM_MISMATCH');
      expect(res.body.error.reasons[0].params).toEqual({ sumFen: 3_400_000, amountFen: 3_600_000 });
      await refused(U.c1, p.id, 'SIGN_CONTRACT', { contractNo: 'HT-X', items: [{ name: '爬楼机', quantity: 2, unitFen: 1_700_000 }], amountFen: 3_400_000, dueOn: due }, 409, 'EVENT_NOT_ALLOWED', 'CONTRACT_NOT_EQUAL_AWARD');
      await refused(U.c1, p.id, 'SIGN_CONTRACT', { contractNo: 'HT-X', items: ONE_STAIR, amountFen: 3_600_000, dueOn: shanghaiDay(app, -1) }, 409, 'EVENT_NOT_ALLOWED', 'DUE_ON_IN_PAST');
      // No contract yet: the vendor cannot confirm.
      await refused(U.v1, p.id, 'CONFIRM_CONTRACT', {}, 409, 'EVENT_NOT_ALLOWED', 'NO_CONTRACT');
    });
  });

  describe('delivery, acceptance and payment rules', () => {
    it('when the acceptance lacks a required signatory, then it is refused with MISSING_SIGNATORY naming the role (supervisor for works)', async () => {
      const p = await a.create(U.c1, worksProject({ estimatedFen: 3_000_000, items: [{ name: '适老化改造', quantity: 1, unitFen: 3_000_000 }] }));
      await toDelivery(app, p.id, VENDORS.anju, [{ name: '适老化改造', quantity: 1, unitFen: 3_000_000 }]);
      await deliverAll(app, p.id, VENDORS.anju);
      const res = await refused(U.c2, p.id, 'RECORD_ACCEPTANCE', { passed: true, satisfactionPct: 95, signatories: SIGNATORIES }, 409, 'EVENT_NOT_ALLOWED', 'MISSING_SIGNATORY');
      expect(res.body.error.reasons).toEqual([expect.objectContaining({ code: 'MISSING_SIGNATORY', params: { role: 'supervisor' } })]);
      const noBeneficiary = WORKS_SIGNATORIES.filter((s) => s.role !== 'beneficiary');
      const res2 = await refused(U.c2, p.id, 'RECORD_ACCEPTANCE', { passed: true, satisfactionPct: 95, signatories: noBeneficiary }, 409, 'EVENT_NOT_ALLOWED', 'MISSING_SIGNATORY');
      expect(res2.body.error.reasons[0].params).toEqual({ role: 'beneficiary' });
    });

    it('when payments exceed the plan or the contract, then RECORD_PAYMENT is refused with PAYMENT_ABOVE_PLAN / PAYMENT_ABOVE_CONTRACT / WRONG_TRANCHE', async () => {
      const p = await draft();
      await toDelivery(app, p.id, VENDORS.kangfu, ONE_STAIR);
      // advance is 30% of 3,600,000 = 1,080,000
      await refused(U.finance, p.id, 'RECORD_PAYMENT', { tranche: 'advance', amountFen: 1_080_001, voucherNo: 'PZ-A' }, 409, 'EVENT_NOT_ALLOWED', 'PAYMENT_ABOVE_PLAN');
      await refused(U.finance, p.id, 'RECORD_PAYMENT', { tranche: 'final', amountFen: 100, voucherNo: 'PZ-A' }, 409, 'EVENT_NOT_ALLOWED', 'WRONG_TRANCHE');
      await refused(U.finance, p.id, 'RECORD_PAYMENT', { tranche: 'advance', amountFen: 3_600_001, voucherNo: 'PZ-A' }, 409, 'EVENT_NOT_ALLOWED', 'PAYMENT_ABOVE_CONTRACT');
      await a.ok(U.finance, p.id, 'RECORD_PAYMENT', { tranche: 'advance', amountFen: 1_080_000, voucherNo: 'PZ-A' });
      await deliverAll(app, p.id, VENDORS.kangfu);
      await accept(app, p.id);
      const res = await refused(U.finance, p.id, 'RECORD_PAYMENT', { tranche: 'final', amountFen: 2_520_001, voucherNo: 'PZ-B' }, 409, 'EVENT_NOT_ALLOWED', 'PAYMENT_ABOVE_CONTRACT');
      expect(res.body.error.reasons.find((r: { code: string }) => r.code === 'PAYMENT_ABOVE_CONTRACT').params).toEqual({ contractFen: 3_600_000, paidFen: 1_080_000 });
      // 65% after acceptance: the 5% retention (¥1,800) waits for the warranty
      const plan = await refused(U.finance, p.id, 'RECORD_PAYMENT', { tranche: 'final', amountFen: 2_340_001, voucherNo: 'PZ-B' }, 409, 'EVENT_NOT_ALLOWED', 'PAYMENT_ABOVE_PLAN');
      expect(plan.body.error.reasons[0].params).toEqual({ tranche: 'final', planFen: 2_340_000, paidFen: 0 });
      expect((await a.ok(U.finance, p.id, 'RECORD_PAYMENT', { tranche: 'final', amountFen: 2_340_000, voucherNo: 'PZ-B' })).state).toBe('evaluation');
    });

    it('when a delivery or receipt breaks the contract, then it is refused with its reason', async () => {
      const p = await draft();
      const d = await toDelivery(app, p.id, VENDORS.kangfu, ONE_STAIR);
      const itemId = d.contract!.items[0]!.id;
      const x = await a.upload(U.v1, 'x.pdf');
      await refused(U.v1, p.id, 'RECORD_DELIVERY', { itemId, quantity: 3, evidence: [x] }, 409, 'EVENT_NOT_ALLOWED', 'DELIVERY_ABOVE_CONTRACT');
      await refused(U.v1, p.id, 'RECORD_DELIVERY', { itemId: 'item-99', quantity: 1, evidence: [x] }, 409, 'EVENT_NOT_ALLOWED', 'UNKNOWN_ITEM');
      await refused(U.v1, p.id, 'RECORD_DELIVERY', { itemId, quantity: 1, evidence: [] }, 422, 'INVALID');
      await refused(U.v1, p.id, 'RECORD_DELIVERY', { itemId, quantity: 1, evidence: [x], beneficiaryRef: 'not-a-beneficiary' }, 422, 'INVALID');
      await refused(U.c2, p.id, 'CONFIRM_RECEIPT', { itemId, quantity: 1 }, 409, 'EVENT_NOT_ALLOWED', 'NOTHING_DELIVERED');
      // the old shape (a whole item) is refused with the new field named
      const old = await refused(U.c2, p.id, 'CONFIRM_RECEIPT', { itemId }, 422, 'INVALID');
      expect(Object.keys(old.body.error.fields)).toEqual(['quantity']);
      const oldDispute = await refused(U.c2, p.id, 'DISPUTE_DELIVERY', { itemId, reason: '损坏' }, 422, 'INVALID');
      expect(Object.keys(oldDispute.body.error.fields)).toEqual(['quantity']);
      await refused(U.v1, p.id, 'REQUEST_ACCEPTANCE', {}, 409, 'EVENT_NOT_ALLOWED', 'ITEMS_NOT_CONFIRMED');
    });
  });

  describe('rule-driven transitions', () => {
    async function toDeliberation(): Promise<Project> {
      const p = await draft();
      await a.ok(U.c1, p.id, 'SUBMIT');
      return a.ok(U.c2, p.id, 'SCREEN_PASS', { checklist: GOOD_CHECKLIST });
    }

    it('when fewer than two thirds of the members are present, then the meeting is void and recorded, and a quorate meeting later decides', async () => {
      const p = await toDeliberation();
      const r = await a.ok(U.c1, p.id, 'RECORD_DELIBERATION', { members: 9, present: 5, for: 5, against: 0, abstain: 0, heldOn: shanghaiDay(app), minutes: '到会不足' });
      expect(r.state).toBe('deliberation');
      expect((r.deliberation as { failures: Array<{ code: string }> }).failures.map((f) => f.code)).toEqual(['QUORUM_NOT_MET']);
      expect((await a.get(U.c1, `/projects/${p.id}/history`)).body.history.filter((h: { type: string }) => h.type === 'RECORD_DELIBERATION')).toHaveLength(1);
      await a.advance(86_400_000);
      const second = await a.ok(U.c1, p.id, 'RECORD_DELIBERATION', { ...DELIBERATION_OK, heldOn: shanghaiDay(app) });
      expect(second.state).toBe('public_notice');
      expect((second.meetings as unknown[]).length).toBe(2);
      await refused(U.c1, p.id, 'EDIT', { fields: { title: '再改' } }, 409, 'EVENT_NOT_ALLOWED', 'NOT_ALLOWED_IN_STATE');
    });

    it('when no more than half of those present vote for it, then the vote records MAJORITY_NOT_MET and the proposal is rejected', async () => {
      const p = await toDeliberation();
      const r = await a.ok(U.c1, p.id, 'RECORD_DELIBERATION', { members: 9, present: 8, for: 4, against: 3, abstain: 1, heldOn: shanghaiDay(app), minutes: '半数未过' });
      expect(r.state).toBe('rejected');
      expect((r.deliberation as { failures: Array<{ code: string }> }).failures.map((f) => f.code)).toEqual(['MAJORITY_NOT_MET']);
    });

    it('when the vote counts do not add up, then it is 422 INVALID and nothing changes', async () => {
      const p = await toDeliberation();
      const res = await refused(U.c1, p.id, 'RECORD_DELIBERATION', { members: 9, present: 7, for: 5, against: 1, abstain: 0, heldOn: shanghaiDay(app), minutes: 'x' }, 422, 'INVALID');
      expect(Object.keys(res.body.error.fields)).toContain('for');
      await refused(U.c1, p.id, 'RECORD_DELIBERATION', { members: 5, present: 7, for: 7, against: 0, abstain: 0, heldOn: shanghaiDay(app), minutes: 'x' }, 422, 'INVALID');
    });

    it('when an objection is open at the end of the notice, then the project goes to objection_review, and upholding it sends it back to draft', async () => {
      const p = await toDeliberation();
      const noticed = await a.ok(U.c1, p.id, 'RECORD_DELIBERATION', { ...DELIBERATION_OK, heldOn: shanghaiDay(app) });
      const objected = await a.send(null, p.id, 'OBJECT', { text: '此项目与物业职责重复。' });
      expect(objected.status).toBe(200);
      expect(objected.body.project).toMatchObject({ id: p.id, state: 'public_notice' });
      await passNotice(app, noticed);
      const review = await a.project(U.c1, p.id);
      expect(review.state).toBe('objection_review');
      expect(review.objections).toEqual([expect.objectContaining({ status: 'open', text: '此项目与物业职责重复。' })]);
      // The public may not object once the notice is over.
      await refused(null, p.id, 'OBJECT', { text: '迟到的异议' }, 409, 'EVENT_NOT_ALLOWED', 'NOT_ALLOWED_IN_STATE');
      const back = await a.ok(U.c1, p.id, 'UPHOLD_OBJECTION', { response: '异议成立，退回修改。' });
      expect(back.state).toBe('draft');
      expect(back.objections[0]!.status).toBe('upheld');
    });

    it('when an objection is sent after the notice period ended but before the timer fired, then it is refused with NOTICE_PERIOD_OVER', async () => {
      const p = await toDeliberation();
      const noticed = await a.ok(U.c1, p.id, 'RECORD_DELIBERATION', { ...DELIBERATION_OK, heldOn: shanghaiDay(app) });
      app.clock.set(Date.parse(noticed.deadlines.noticeEndsAt!));
      await refused(null, p.id, 'OBJECT', { text: '迟到' }, 409, 'EVENT_NOT_ALLOWED', 'NOTICE_PERIOD_OVER');
      await a.advance(1);
      expect((await a.project(U.c1, p.id)).state).toBe('street_review');
    });

    it('when the acceptance fails or satisfaction is below the threshold, then the project goes to rectification, and back to acceptance once rectified', async () => {
      const p = await draft();
      await toDelivery(app, p.id, VENDORS.kangfu, ONE_STAIR);
      await deliverAll(app, p.id, VENDORS.kangfu);
      const low = await a.ok(U.c2, p.id, 'RECORD_ACCEPTANCE', { passed: true, satisfactionPct: 79.9, signatories: SIGNATORIES });
      expect(low.state).toBe('rectification');
      await refused(U.v1, p.id, 'RECTIFIED', { evidence: [] }, 422, 'INVALID');
      expect((await a.ok(U.v1, p.id, 'RECTIFIED', { evidence: [await a.upload(U.v1, 'fix.pdf')] })).state).toBe('acceptance');
      const failed = await a.ok(U.c2, p.id, 'RECORD_ACCEPTANCE', { passed: false, satisfactionPct: 100, signatories: SIGNATORIES, defects: '无法折叠' });
      expect(failed.state).toBe('rectification');
      await a.ok(U.v1, p.id, 'RECTIFIED', { evidence: [await a.upload(U.v1, 'fix-2.pdf')] });
      expect((await a.ok(U.c2, p.id, 'RECORD_ACCEPTANCE', { passed: true, satisfactionPct: 80, signatories: SIGNATORIES })).state).toBe('acceptance_notice');
    });

    it('when the district cancels a project holding reserved money, then the reservation goes back to the allocation', async () => {
      const p = await draft();
      await toPreparing(app, p.id);
      const held = (await expectLedgerBalanced(app)).find((x) => x.communityId === 'cm-lianhua' && x.year === 2026)!;
      const c = await a.ok(U.district, p.id, 'CANCEL', { reason: '需求已由其他渠道解决' });
      expect(c.state).toBe('cancelled');
      const after = (await expectLedgerBalanced(app)).find((x) => x.communityId === 'cm-lianhua' && x.year === 2026)!;
      expect(after.reservedFen).toBe(held.reservedFen - 3_600_000);
      expect(after.availableFen).toBe(held.availableFen + 3_600_000);
    });
  });

  describe('bad input', () => {
    it('when an event payload is invalid, then it is 422 INVALID with field messages (zh-CN, or en on request), never a 500', async () => {
      const p = await draft();
      await toBudgetApproval(app, p.id);
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ approvedFen: -1 }, 'approvedFen'],
        [{ approvedFen: 1.5 }, 'approvedFen'],
        [{ approvedFen: '3600000' }, 'approvedFen'],
        [{}, 'approvedFen'],
        [{ approvedFen: 1, comment: 42 }, 'comment'],
      ];
      for (const [payload, field] of cases) {
        const res = await refused(U.district, p.id, 'APPROVE_BUDGET', payload, 422, 'INVALID');
        expect(Object.keys(res.body.error.fields), JSON.stringify(payload)).toContain(field);
        expect(res.body.error.fields[field]).toMatch(/[\u4e00-\u9fff]/);
      }
      const en = await refused(U.district, p.id, 'APPROVE_BUDGET', { approvedFen: -1 }, 422, 'INVALID', undefined, { 'Accept-Language': 'en' });
      expect(en.body.error.fields.approvedFen).toMatch(/^[\x20-\x7e]+$/);
      expect(en.body.error.message).toMatch(/^[\x20-\x7e]+$/);
    });

    it('when the event type is missing or unknown, then it is 422 INVALID', async () => {
      const p = await draft();
      await refused(U.c1, p.id, '', {}, 422, 'INVALID');
      const unknown = await refused(U.c1, p.id, 'LAUNCH_ROCKET', {}, 422, 'INVALID');
      expect(Object.keys(unknown.body.error.fields)).toEqual(['type']);
      const res = await a.post(U.c1, `/projects/${p.id}/events`, { type: 42 });
      expectRefused(res, 422, 'INVALID');
      expectRefused(await a.post(U.c1, `/projects/${p.id}/events`, [1, 2]), 422, 'INVALID');
    });

    it('when the body is not JSON, then it is 400, not 500', async () => {
      const p = await draft();
      const res = await app.http.post(`/api/v1/projects/${p.id}/events`).set('Authorization', `Bearer ${await app.token(U.c1)}`)
        .set('Content-Type', 'application/json').send('{"type": "SUBMIT",');
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('BAD_REQUEST');
      expect((await a.project(U.c1, p.id)).state).toBe('draft');
    });

    it('when If-Match names an old version, then it is 412 VERSION_CONFLICT with the current ETag; a garbage If-Match is 422', async () => {
      const p = await draft();
      const res = await refused(U.c1, p.id, 'SUBMIT', {}, 412, 'VERSION_CONFLICT', undefined, { 'If-Match': '"7"' });
      expect(res.headers.etag).toBe(`"${p.version}"`);
      await refused(U.c1, p.id, 'SUBMIT', {}, 422, 'INVALID', undefined, { 'If-Match': 'banana' });
      const ok = await a.send(U.c1, p.id, 'SUBMIT', {}, { 'If-Match': `"${p.version}"` });
      expect(ok.status).toBe(200);
      expect(ok.headers.etag).toBe(`"${p.version + 1}"`);
    });

    it('when the same Idempotency-Key is sent twice, then the event happens once; reused for another event, it is 422', async () => {
      const p = await draft();
      const first = await a.send(U.c1, p.id, 'COMMENT', { text: '第一次' }, { 'Idempotency-Key': 'k-123' });
      const second = await a.send(U.c1, p.id, 'COMMENT', { text: '第一次' }, { 'Idempotency-Key': 'k-123' });
      expect([first.status, second.status]).toEqual([200, 200]);
      expect(second.body.project.version).toBe(first.body.project.version);
      const history = (await a.get(U.c1, `/projects/${p.id}/history`)).body.history as Array<{ type: string }>;
      expect(history.filter((h) => h.type === 'COMMENT')).toHaveLength(1);
      await refused(U.c1, p.id, 'SUBMIT', {}, 422, 'INVALID', 'IDEMPOTENCY_KEY_REUSED', { 'Idempotency-Key': 'k-123' });
    });

    it('when a new project is invalid, then POST /projects is 422 with the fields named and nothing is created', async () => {
      const count = async () => (await a.get(U.c1, '/projects')).body.total as number;
      const before = await count();
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ ...goodsProject(), estimatedFen: 3_600_001 }, 'estimatedFen'],
        [{ ...goodsProject(), category: '火箭' }, 'category'],
        [{ ...goodsProject(), type: 'spaceship' }, 'type'],
        [{ ...goodsProject(), items: [] }, 'items'],
        [{ ...goodsProject(), title: '' }, 'title'],
        [{ ...goodsProject(), estimatedFen: 'lots' }, 'estimatedFen'],
        [{ ...goodsProject(), items: [{ name: 'x', quantity: -1, unitFen: 1 }] }, 'items.0.quantity'],
      ];
      for (const [body, field] of cases) {
        const res = await a.post(U.c1, '/projects', body);
        expectRefused(res, 422, 'INVALID');
        expect(Object.keys(res.body.error.fields), JSON.stringify(body)).toContain(field);
      }
      expectRefused(await a.post(U.c1, '/projects', 'not json'), 422, 'INVALID');
      expect(await count()).toBe(before);
    });

    it('when EDIT sends a bad field, then it is 422; a good EDIT keeps the ledger and the state', async () => {
      const p = await draft();
      await refused(U.c1, p.id, 'EDIT', { fields: { estimatedFen: -5 } }, 422, 'INVALID');
      await refused(U.c1, p.id, 'EDIT', { fields: 'title' }, 422, 'INVALID');
      const edited = await a.ok(U.c1, p.id, 'EDIT', { fields: { title: '新标题' } });
      expect(edited).toMatchObject({ state: 'draft', title: '新标题' });
    });
  });

  it('when an event is not allowed in the current state, then it is 409 EVENT_NOT_ALLOWED with NOT_ALLOWED_IN_STATE and allowedEvents explains it', async () => {
    const p = await draft();
    const res = await refused(U.district, p.id, 'APPROVE_BUDGET', { approvedFen: 100 }, 409, 'EVENT_NOT_ALLOWED', 'NOT_ALLOWED_IN_STATE');
    expect(res.body.error.reasons[0].params).toMatchObject({ state: 'draft' });
    const view = await a.project(U.c1, p.id);
    expect(view.allowedEvents.find((e) => e.type === 'SUBMIT')).toMatchObject({ allowed: true });
    expect(reasonCodes({ body: { error: { reasons: view.allowedEvents.find((e) => e.type === 'APPROVE')!.reasons } } } as never)).toEqual(['NOT_ALLOWED_IN_STATE']);
  });
});
