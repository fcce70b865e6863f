// Each rule refusal with its code, and the rule-driven branches of the lifecycle.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RULES,
  allowedEvents,
  publicSince,
  validate,
  type Reason,
  paymentPlan,
  procurementMethod,
  preconditions,
  refusalReasons,
} from '../../workflows/project/index.js';
import {
  A,
  CHECKLIST_OK,
  DAY,
  GOOD_VOTE,
  NO_RETENTION_RULES,
  Project,
  RETENTION_RULES,
  SIGNATORIES,
  T0,
  contractItems,
  input,
  plus,
  projectAt,
} from './project.support.js';

const codes = (reasons: Reason[]) => reasons.map((r) => r.code);

describe('rules as data', () => {
  it('picks the procurement method by amount: direct < ¥50,000 ≤ quotation ≤ ¥200,000 < competitive', () => {
    expect(procurementMethod(DEFAULT_RULES, 4_999_999, 'goods')).toBe('direct');
    expect(procurementMethod(DEFAULT_RULES, 5_000_000, 'goods')).toBe('quotation');
    expect(procurementMethod(DEFAULT_RULES, 20_000_000, 'services')).toBe('quotation');
    expect(procurementMethod(DEFAULT_RULES, 20_000_001, 'works')).toBe('competitive');
  });

  it('splits a contract into tranches that always sum to it', () => {
    expect(paymentPlan(NO_RETENTION_RULES, 1_000_001)).toEqual({ advance: 300_000, final: 700_001, retention: 0 });
    // the defaults (PROGRAMME.md): 30% on contract, 65% after acceptance, 5% after the warranty
    expect(paymentPlan(DEFAULT_RULES, 999_999)).toEqual({ advance: 299_999, final: 650_001, retention: 49_999 });
    // a plan may differ per type
    const byType = { ...DEFAULT_RULES, payment: { ...DEFAULT_RULES.payment, byType: { services: { advancePct: 50, finalPct: 50, retentionPct: 0, warrantyMonths: 0 } } } };
    expect(paymentPlan(byType, 1_000_000, 'services')).toEqual({ advance: 500_000, final: 500_000, retention: 0 });
    expect(paymentPlan(byType, 1_000_000, 'works')).toEqual({ advance: 300_000, final: 650_000, retention: 50_000 });
  });
});

describe('proposal', () => {
  it('when the estimate is over the cap of its type, then SUBMIT is refused with OVER_CAP', () => {
    const p = new Project(input({ type: 'services', estimatedFen: 20_000_001, items: [{ name: '上门服务', quantity: 1, unitFen: 20_000_001 }] }));
    expect(codes(p.try('SUBMIT', {}, A.community))).toEqual(['OVER_CAP']);
    expect(p.stage).toBe('draft');
    const works = new Project(input({ type: 'works', estimatedFen: 50_000_000, items: [{ name: '改造', quantity: 1, unitFen: 50_000_000 }] }));
    expect(works.try('SUBMIT', {}, A.community)).toEqual([]);
  });

  it('when an EDIT raises the estimate over the cap, then SUBMIT is refused, and explain says so beforehand', () => {
    // version 2: new items bring their estimate (10 × 3,000,000)
    const p = new Project().send('EDIT', { fields: { items: [{ name: '爬楼机', quantity: 10, unitFen: 3_000_000 }], title: 'x' } }, A.community);
    expect(p.ctx.title).toBe('x');
    expect(p.ctx.estimatedFen).toBe(30_000_000);
    expect(codes(preconditions(p.snapshot, 'SUBMIT', A.community))).toEqual(['OVER_CAP']);
    expect(codes(p.try('SUBMIT', {}, A.community))).toEqual(['OVER_CAP']);
  });

  it('when the screening checklist names no positive area of the rules or says yes to a negative item, then SCREEN_PASS is refused per item', () => {
    const p = projectAt('screening');
    const r = p.try('SCREEN_PASS', { checklist: { positiveArea: 'space_travel', negativeItems: { property_management: true, made_up: false }, duplicate: true } }, A.community2);
    expect(r).toEqual([
      { code: 'UNKNOWN_POSITIVE_AREA', params: { positiveArea: 'space_travel' } },
      { code: 'CHECKLIST_FAILED', params: { item: 'property_management', expected: false, name: { zh: '属于物业管理服务范围的事项', en: 'Work that property management should do' } } },
      { code: 'CHECKLIST_FAILED', params: { item: 'duplicate_government', expected: false, name: expect.objectContaining({ zh: '与政府投资项目或部门职责重复的事项' }) } },
      { code: 'UNKNOWN_NEGATIVE_ITEM', params: { item: 'made_up' } },
      { code: 'CHECKLIST_FAILED', params: { item: 'duplicate', expected: false } },
    ]);
    expect(p.stage).toBe('screening');
    // the old three yes/no answers are not a checklist any more: the schema names the new fields
    const old = validate({ type: 'SCREEN_PASS', checklist: { positiveList: true, negativeList: false, duplicate: false } });
    expect(old.ok).toBe(false);
    if (!old.ok) expect(Object.keys(old.fields).sort()).toEqual(['checklist.negativeItems', 'checklist.positiveArea']);
    p.send('SCREEN_PASS', { checklist: CHECKLIST_OK }, A.community2);
    expect(p.ctx.checklist).toEqual(CHECKLIST_OK);
  });

  it('when a district edits its lists, then screening checks against the lists of the project’s rules version', () => {
    const rules = { ...DEFAULT_RULES, screening: { positiveAreas: [{ code: 'elderly_care', zh: '养老服务', en: 'Elderly care' }], negativeItems: [{ code: 'commercial', zh: '商业经营', en: 'Commercial use' }] } };
    const p = projectAt('screening', input({ rules }));
    expect(codes(p.try('SCREEN_PASS', { checklist: CHECKLIST_OK }, A.community2))).toEqual(['UNKNOWN_POSITIVE_AREA', 'CHECKLIST_FAILED', 'UNKNOWN_NEGATIVE_ITEM', 'UNKNOWN_NEGATIVE_ITEM']);
    p.send('SCREEN_PASS', { checklist: { positiveArea: 'elderly_care', negativeItems: { commercial: false }, duplicate: false } }, A.community2);
    expect(p.stage).toBe('deliberation');
  });

  it('when the council met in the future, then RECORD_DELIBERATION is refused with HELD_ON_IN_FUTURE', () => {
    const p = projectAt('deliberation');
    expect(codes(p.try('RECORD_DELIBERATION', { ...GOOD_VOTE, heldOn: '2026-03-03' }, A.community))).toEqual(['HELD_ON_IN_FUTURE']);
    // same calendar day in Shanghai is not the future
    expect(p.try('RECORD_DELIBERATION', { ...GOOD_VOTE, heldOn: '2026-03-02' }, A.community)).toEqual([]);
  });

  it('when the vote counts do not add up, then it is refused with VOTE_COUNTS_MISMATCH', () => {
    const p = projectAt('deliberation');
    expect(codes(p.try('RECORD_DELIBERATION', { ...GOOD_VOTE, abstain: 2 }, A.community))).toEqual(['VOTE_COUNTS_MISMATCH']);
  });

  it('when the majority of a quorate meeting is missed (3 of 6 in favour is not more than half), then the proposal is rejected', () => {
    const p = projectAt('deliberation');
    p.send('RECORD_DELIBERATION', { ...GOOD_VOTE, members: 9, present: 6, for: 3, against: 3, abstain: 0 }, A.community);
    expect(p.stage).toBe('rejected');
    expect(codes(p.ctx.deliberation!.failures)).toEqual(['MAJORITY_NOT_MET']);
    expect(p.emitted('notify')[0]).toMatchObject({ template: 'rejected', to: { role: 'community', communityId: 'com-1' } });
  });

  it('when a meeting misses the quorum (5 of 9 present < 2/3), then it is void and recorded, and a later quorate meeting decides', () => {
    const p = projectAt('deliberation');
    p.send('RECORD_DELIBERATION', { ...GOOD_VOTE, members: 9, present: 5, for: 5, against: 0, abstain: 0, heldOn: '2026-02-20' }, A.community);
    expect(p.stage).toBe('deliberation');
    expect(p.emitted('notify')).toEqual([]);
    expect(p.ctx.meetings).toHaveLength(1);
    expect(codes(p.ctx.meetings[0]!.failures)).toEqual(['QUORUM_NOT_MET']); // 5 of 5 present in favour: the majority held
    expect(p.ctx.noticeEndsAt).toBeNull();
    p.send('RECORD_DELIBERATION', GOOD_VOTE, A.community, plus(T0, DAY));
    expect(p.stage).toBe('public_notice');
    expect(p.ctx.meetings.map((m) => m.heldOn)).toEqual(['2026-02-20', GOOD_VOTE.heldOn]);
    expect(p.ctx.deliberation!.failures).toEqual([]);
    expect(p.ctx.notices).toEqual([{ kind: 'proposal', startedAt: plus(T0, DAY), endsAt: plus(T0, 6 * DAY) }]);
  });

  it('when exactly 2/3 are present and 4 of 6 are for, then the proposal goes to public notice for N working days', () => {
    const p = projectAt('deliberation');
    p.send('RECORD_DELIBERATION', { ...GOOD_VOTE, present: 6, for: 4, against: 2, abstain: 0 }, A.community);
    expect(p.stage).toBe('public_notice');
    expect(p.ctx.noticeEndsAt).toBe(plus(T0, 5 * DAY));
    expect(p.raised()).toEqual([{ id: 'notice', delay: 5 * DAY, type: 'NOTICE_ENDED' }]);
  });

  it('when an objection is open at the end of the notice, then the project goes to objection_review', () => {
    const p = projectAt('public_notice');
    p.send('OBJECT', { text: '太贵了', contact: '13800000000' }, A.anonymous, plus(T0, DAY));
    expect(p.emitted('notify')[0]).toMatchObject({ template: 'objection_received' });
    expect(codes(p.try('NOTICE_ENDED', {}, A.system, plus(T0, DAY)))).toEqual(['NOTICE_NOT_ENDED']);
    p.send('NOTICE_ENDED', {}, A.system, p.ctx.noticeEndsAt!);
    expect(p.stage).toBe('objection_review');
    p.send('UPHOLD_OBJECTION', { response: '同意' }, A.community, plus(T0, 6 * DAY));
    expect(p.stage).toBe('draft');
    expect(p.ctx.objections[0]).toMatchObject({ status: 'upheld', response: '同意' });
  });

  it('when the notice period is over, then an OBJECT is refused with NOTICE_PERIOD_OVER', () => {
    const p = projectAt('public_notice');
    expect(codes(p.try('OBJECT', { text: 'late' }, A.anonymous, p.ctx.noticeEndsAt!))).toEqual(['NOTICE_PERIOD_OVER']);
  });

  it('when dismissing objections, then street review starts with its reminder and escalation timers', () => {
    const p = projectAt('public_notice');
    p.send('OBJECT', { text: 'x' }, A.anonymous);
    p.send('NOTICE_ENDED', {}, A.system, p.ctx.noticeEndsAt!);
    p.send('DISMISS_OBJECTIONS', { response: '已答复' }, A.community, plus(T0, 6 * DAY));
    expect(p.stage).toBe('street_review');
    expect(p.raised()).toEqual([
      { id: 'review_reminder', delay: 3 * DAY, type: 'REVIEW_REMINDER' },
      { id: 'review_escalation', delay: 10 * DAY, type: 'REVIEW_ESCALATION' },
    ]);
  });

  it('when the approved budget is above the estimate, then APPROVE_BUDGET is refused with BUDGET_ABOVE_ESTIMATE', () => {
    const p = projectAt('budget_approval');
    expect(codes(p.try('APPROVE_BUDGET', { approvedFen: 12_000_001 }, A.district))).toEqual(['BUDGET_ABOVE_ESTIMATE']);
    expect(codes(p.try('APPROVE_BUDGET', { approvedFen: 0 }, A.district))).toEqual(['AMOUNT_NOT_POSITIVE']);
    p.send('APPROVE_BUDGET', { approvedFen: 12_000_000 }, A.district);
    expect(p.emitted('ledger.reserve')).toEqual([{ type: 'ledger.reserve', fen: 12_000_000 }]);
    // 项目确定公示: the confirmed project and its amount, before any procurement
    expect(p.stage).toBe('confirmation_notice');
    expect(p.ctx.notices.at(-1)).toEqual({ kind: 'confirmation', startedAt: T0, endsAt: plus(T0, 5 * DAY) });
    expect(p.raised()).toEqual([{ id: 'notice', delay: 5 * DAY, type: 'NOTICE_ENDED' }]);
    expect(codes(p.try('INVITE', { vendorIds: ['v-1', 'v-2', 'v-3'], deadline: plus(T0, 9 * DAY) }, A.community))).toContain('NOT_ALLOWED_IN_STATE');
    p.send('NOTICE_ENDED', {}, A.system, p.ctx.noticeEndsAt!);
    expect(p.stage).toBe('procurement.preparing');
  });

  it('when staff record an objection that came by phone, then it says how and who wrote it down; the public cannot claim a channel', () => {
    const p = projectAt('confirmation_notice');
    p.send('OBJECT', { text: '电话反映：金额偏高', receivedVia: 'phone' }, A.community, plus(T0, 10 * DAY));
    p.send('OBJECT', { text: '网上提交', receivedVia: 'paper' }, A.anonymous, plus(T0, 10 * DAY));
    expect(p.ctx.objections.map((o) => [o.notice, o.receivedVia, o.recordedBy])).toEqual([
      ['confirmation', 'phone', A.community.id],
      ['confirmation', undefined, undefined],
    ]);
  });

  it('when the rules hold no confirmation notice, then budget approval leads straight to procurement', () => {
    const p = projectAt('budget_approval', input({ rules: { ...DEFAULT_RULES, notices: { proposal: { workingDays: 5 } } } }));
    p.send('APPROVE_BUDGET', { approvedFen: 12_000_000 }, A.district);
    expect(p.stage).toBe('procurement.preparing');
    expect(p.ctx.notices.map((n) => n.kind)).toEqual(['proposal']);
  });

  it('when an objection is upheld at the confirmed-project notice, then the project goes back to budget approval and its reservation is released', () => {
    const p = projectAt('confirmation_notice');
    p.send('OBJECT', { text: '金额偏高' }, A.anonymous, plus(T0, 10 * DAY));
    expect(p.ctx.objections.at(-1)).toMatchObject({ notice: 'confirmation', status: 'open' });
    p.send('NOTICE_ENDED', {}, A.system, p.ctx.noticeEndsAt!);
    expect(p.stage).toBe('confirmation_objection_review');
    p.send('UPHOLD_OBJECTION', { response: '异议成立，重新核定预算' }, A.community, plus(T0, 15 * DAY));
    expect(p.stage).toBe('budget_approval');
    expect(p.emitted('ledger.release')).toEqual([{ type: 'ledger.release' }]);
    expect(p.ctx.approvedFen).toBeNull();
    p.send('APPROVE_BUDGET', { approvedFen: 9_000_000 }, A.district, plus(T0, 16 * DAY));
    expect(p.emitted('ledger.reserve')).toEqual([{ type: 'ledger.reserve', fen: 9_000_000 }]);
    expect(p.ctx.notices.map((n) => n.kind)).toEqual(['proposal', 'confirmation', 'confirmation']);
  });
});

describe('procurement', () => {
  it('when fewer vendors are invited than the method needs, or the deadline is not ahead, then INVITE is refused', () => {
    const p = projectAt('procurement.preparing');
    expect(p.ctx.procurement!.method).toBe('quotation');
    const r = p.try('INVITE', { vendorIds: ['v-1', 'v-2', 'v-2'], deadline: T0 }, A.community, T0);
    expect(codes(r)).toEqual(['TOO_FEW_INVITATIONS', 'DEADLINE_NOT_IN_FUTURE']);
    expect(r[0]!.params).toMatchObject({ min: 3, count: 2 });
  });

  it('when the method is not direct, then AWARD in preparing is refused with NOT_DIRECT_METHOD', () => {
    const p = projectAt('procurement.preparing');
    expect(codes(p.try('AWARD', { vendorId: 'v-1', amountFen: 1_000, justification: 'x' }, A.community))).toEqual(['NOT_DIRECT_METHOD']);
  });

  it('when the method is direct, then AWARD in preparing goes to contracting, but not above the approved amount', () => {
    const p = projectAt('procurement.preparing', input(), 3_000_000);
    expect(p.ctx.procurement!.method).toBe('direct');
    expect(codes(p.try('AWARD', { vendorId: 'v-1', amountFen: 3_000_001, justification: 'x' }, A.community))).toEqual([
      'AWARD_ABOVE_APPROVED',
    ]);
    p.send('AWARD', { vendorId: 'v-1', amountFen: 2_900_000, justification: '单一来源' }, A.community);
    expect(p.stage).toBe('procurement.contracting');
    expect(p.ctx.award).toMatchObject({ vendorId: 'v-1', direct: true });
    expect(p.emitted('notify')[0]).toMatchObject({ template: 'awarded', to: { role: 'vendor', vendorIds: ['v-1'] } });
  });

  it('when a vendor was not invited or the deadline has passed, then SUBMIT_QUOTE is refused', () => {
    const p = projectAt('procurement.preparing');
    p.send('INVITE', { vendorIds: ['v-1', 'v-2', 'v-3'], deadline: plus(T0, 20 * DAY) }, A.community, plus(T0, 10 * DAY));
    expect(p.emitted('notify')[0]).toMatchObject({ template: 'invited_to_quote', to: { vendorIds: ['v-1', 'v-2', 'v-3'] } });
    expect(p.raised()).toEqual([{ id: 'quote_deadline', delay: 10 * DAY, type: 'QUOTE_DEADLINE_PASSED' }]);
    const quote = { amountFen: 9_000_000, validUntil: '2026-12-31' };
    expect(codes(p.try('SUBMIT_QUOTE', quote, A.v9, plus(T0, 11 * DAY)))).toEqual(['NOT_INVITED']);
    expect(codes(p.try('SUBMIT_QUOTE', quote, A.v1, plus(T0, 20 * DAY)))).toEqual(['QUOTE_AFTER_DEADLINE']);
    expect(codes(p.try('WITHDRAW_QUOTE', {}, A.v1, plus(T0, 11 * DAY)))).toEqual(['NO_QUOTE']);
    p.send('SUBMIT_QUOTE', quote, A.v1, plus(T0, 11 * DAY));
    p.send('SUBMIT_QUOTE', { ...quote, amountFen: 8_000_000 }, A.v1, plus(T0, 12 * DAY));
    expect(p.ctx.procurement!.quotes['v-1']!.amountFen).toBe(8_000_000);
    p.send('WITHDRAW_QUOTE', {}, A.v1, plus(T0, 13 * DAY));
    expect(p.ctx.procurement!.quotes).toEqual({});
    expect(codes(p.try('QUOTE_DEADLINE_PASSED', {}, A.system, plus(T0, 19 * DAY)))).toEqual(['DEADLINE_NOT_PASSED']);
    expect(codes(p.try('AWARD', { vendorId: 'v-1', amountFen: 1, justification: 'x' }, A.community))).toContain(
      'QUOTE_DEADLINE_NOT_PASSED',
    );
  });

  it('when the award differs from the quote, exceeds the approved amount or lacks quotes, then AWARD is refused', () => {
    const p = projectAt('procurement.evaluating');
    const award = (vendorId: string, amountFen: number) =>
      codes(p.try('AWARD', { vendorId, amountFen, justification: 'x' }, A.community, plus(T0, 21 * DAY)));
    expect(award('v-1', 9_000_001)).toEqual(['AWARD_NOT_EQUAL_QUOTE']);
    expect(award('v-3', 10_500_000)).toEqual(['AWARD_ABOVE_APPROVED']);
    expect(award('v-9', 1_000)).toEqual(['NO_QUOTE']);
    expect(codes(p.try('AWARD', { vendorId: 'v-1', amountFen: 9_000_000, justification: 'x' }, A.community, '2027-01-01T00:00:00.000Z'))).toEqual([
      'QUOTE_EXPIRED',
    ]);
  });

  it('when fewer quotes came in than the method needs, then AWARD is refused with TOO_FEW_QUOTES and 流标 starts again', () => {
    const p = projectAt('procurement.preparing');
    p.send('INVITE', { vendorIds: ['v-1', 'v-2', 'v-3'], deadline: plus(T0, 20 * DAY) }, A.community, plus(T0, 10 * DAY));
    p.send('SUBMIT_QUOTE', { amountFen: 9_000_000, validUntil: '2026-12-31' }, A.v1, plus(T0, 11 * DAY));
    p.send('QUOTE_DEADLINE_PASSED', {}, A.system, plus(T0, 20 * DAY));
    expect(codes(preconditions(p.snapshot, 'AWARD', A.community))).toEqual(['TOO_FEW_QUOTES']);
    expect(codes(p.try('AWARD', { vendorId: 'v-1', amountFen: 9_000_000, justification: 'x' }, A.community))).toEqual(['TOO_FEW_QUOTES']);
    p.send('DECLARE_FAILED', { reason: '不足三家' }, A.community);
    expect(p.stage).toBe('procurement.preparing');
    expect(p.ctx.procurement!.failures).toHaveLength(1);
  });

  it('when the contract items do not sum to its amount or it differs from the award, then SIGN_CONTRACT is refused', () => {
    const p = projectAt('procurement.contracting');
    const sign = (items: object[], amountFen: number, dueOn = '2026-06-30') =>
      codes(p.try('SIGN_CONTRACT', { contractNo: 'HT-1', items, amountFen, dueOn }, A.community, plus(T0, 22 * DAY)));
    expect(sign(contractItems(9_000_000), 9_000_001)).toEqual(['ITEMS_SUM_MISMATCH', 'CONTRACT_NOT_EQUAL_AWARD']);
    expect(sign(contractItems(8_000_000), 8_000_000)).toEqual(['CONTRACT_NOT_EQUAL_AWARD']);
    expect(sign(contractItems(9_000_000), 9_000_000, '2026-03-01')).toEqual(['DUE_ON_IN_PAST']);
    expect(codes(p.try('CONFIRM_CONTRACT', {}, A.v1))).toEqual(['NO_CONTRACT']);
  });

  it('when the awarded vendor confirms the contract, then the contract amount is committed and delivery has a due timer', () => {
    const p = projectAt('signed');
    expect(p.ctx.contract!.items.map((i) => i.id)).toEqual(['item-1', 'item-2']);
    p.send('CONFIRM_CONTRACT', {}, A.v1, plus(T0, 23 * DAY));
    expect(p.stage).toBe('delivery');
    expect(p.emitted('ledger.commit')).toEqual([{ type: 'ledger.commit', contractFen: 9_000_000, reservedFen: 10_000_000 }]);
    expect(p.ctx.contract!.dueAt).toBe('2026-06-30T15:59:59.999Z');
    expect(p.raised()).toEqual([
      { id: 'delivery_overdue', delay: Date.parse('2026-06-30T15:59:59.999Z') - Date.parse(plus(T0, 23 * DAY)), type: 'DELIVERY_OVERDUE' },
    ]);
  });
});

describe('delivery, acceptance and payment', () => {
  it('when items are not all confirmed, then REQUEST_ACCEPTANCE is refused with ITEMS_NOT_CONFIRMED', () => {
    const p = projectAt('delivery');
    expect(codes(preconditions(p.snapshot, 'REQUEST_ACCEPTANCE', A.v1))).toEqual(['ITEMS_NOT_CONFIRMED']);
    p.send('RECORD_DELIVERY', { itemId: 'item-1', quantity: 2, evidence: ['d'] }, A.v1);
    expect(codes(p.try('RECORD_DELIVERY', { itemId: 'item-1', quantity: 1, evidence: ['d'] }, A.v1))).toEqual(['DELIVERY_ABOVE_CONTRACT']);
    expect(codes(p.try('RECORD_DELIVERY', { itemId: 'item-7', quantity: 1, evidence: ['d'] }, A.v1))).toEqual(['UNKNOWN_ITEM']);
    expect(codes(p.try('CONFIRM_RECEIPT', { itemId: 'item-2', quantity: 1 }, A.community))).toEqual(['NOTHING_DELIVERED']);
    expect(codes(p.try('CONFIRM_RECEIPT', { itemId: 'item-1', quantity: 3 }, A.community))).toEqual(['QUANTITY_ABOVE_PENDING']);
    p.send('CONFIRM_RECEIPT', { itemId: 'item-1', quantity: 2 }, A.community);
    expect(codes(p.try('DISPUTE_DELIVERY', { itemId: 'item-1', quantity: 1, reason: 'x' }, A.community))).toEqual(['NOTHING_DELIVERED']);
    const r = p.try('REQUEST_ACCEPTANCE', {}, A.v1);
    expect(r).toEqual([{ code: 'ITEMS_NOT_CONFIRMED', params: { itemIds: ['item-2'] } }]);
  });

  it('when a delivery is disputed, then its quantity is rejected and the vendor delivers again', () => {
    const p = projectAt('delivery');
    p.send('RECORD_DELIVERY', { itemId: 'item-2', quantity: 1, evidence: ['d'] }, A.v1);
    p.send('DISPUTE_DELIVERY', { itemId: 'item-2', quantity: 1, reason: '损坏' }, A.community);
    expect(p.ctx.contract!.items[1]).toMatchObject({ deliveredQty: 0, disputedQty: 1, disputed: true, disputeReason: '损坏' });
    expect(codes(p.try('CONFIRM_RECEIPT', { itemId: 'item-2', quantity: 1 }, A.community))).toEqual(['NOTHING_DELIVERED']);
    p.send('RECORD_DELIVERY', { itemId: 'item-2', quantity: 1, evidence: ['d2'] }, A.v1);
    p.send('CONFIRM_RECEIPT', { itemId: 'item-2', quantity: 1 }, A.community);
    expect(p.ctx.contract!.items[1]).toMatchObject({ deliveredQty: 1, confirmedQty: 1, confirmed: true, disputed: false });
  });

  it('when one of 500 delivered sessions is disputed, then only that session goes back and the confirmed ones stay confirmed', () => {
    const p = projectAt('procurement.contracting', input({ type: 'services', category: '探访慰藉', items: [{ name: '上门探访', quantity: 800, unitFen: 15_000 }], estimatedFen: 12_000_000 }));
    p.send('SIGN_CONTRACT', { contractNo: 'HT-2', items: [{ name: '上门探访（次）', quantity: 600, unitFen: p.ctx.awardedFen! / 600 }], amountFen: p.ctx.awardedFen!, dueOn: '2026-12-30' }, A.community, plus(T0, 22 * DAY));
    p.send('CONFIRM_CONTRACT', {}, A.v1, plus(T0, 23 * DAY));
    p.send('RECORD_DELIVERY', { itemId: 'item-1', quantity: 300, evidence: ['sign-in-sheets-1'] }, A.v1, plus(T0, 30 * DAY));
    p.send('CONFIRM_RECEIPT', { itemId: 'item-1', quantity: 300 }, A.community, plus(T0, 31 * DAY));
    p.send('RECORD_DELIVERY', { itemId: 'item-1', quantity: 200, evidence: ['sign-in-sheets-2'] }, A.v1, plus(T0, 40 * DAY));
    // one visit of the second batch did not happen: only that one is refused
    p.send('DISPUTE_DELIVERY', { itemId: 'item-1', quantity: 1, reason: '3月12日探访未到' }, A.community, plus(T0, 41 * DAY));
    expect(p.ctx.contract!.items[0]).toMatchObject({ deliveredQty: 499, confirmedQty: 300, disputedQty: 1, confirmed: false });
    p.send('CONFIRM_RECEIPT', { itemId: 'item-1', quantity: 199 }, A.community, plus(T0, 41 * DAY));
    expect(p.ctx.contract!.items[0]).toMatchObject({ deliveredQty: 499, confirmedQty: 499 });
    // the vendor makes up the refused visit and delivers the rest
    p.send('RECORD_DELIVERY', { itemId: 'item-1', quantity: 101, evidence: ['sign-in-sheets-3'] }, A.v1, plus(T0, 50 * DAY));
    p.send('CONFIRM_RECEIPT', { itemId: 'item-1', quantity: 101 }, A.community, plus(T0, 51 * DAY));
    expect(p.ctx.contract!.items[0]).toMatchObject({ deliveredQty: 600, confirmedQty: 600, disputedQty: 1, confirmed: true });
    expect(p.ctx.contract!.items[0]!.disputes).toEqual([{ quantity: 1, serials: [], reason: '3月12日探访未到', at: plus(T0, 41 * DAY) }]);
    p.send('REQUEST_ACCEPTANCE', {}, A.v1, plus(T0, 52 * DAY));
    expect(p.stage).toBe('acceptance');
  });

  it('when a receipt or a refusal names serial numbers, then they must be delivered ones still awaiting receipt', () => {
    const p = projectAt('delivery');
    p.send('RECORD_DELIVERY', { itemId: 'item-1', quantity: 2, serials: ['PLJ-001', 'PLJ-002'], evidence: ['d'] }, A.v1);
    expect(codes(p.try('CONFIRM_RECEIPT', { itemId: 'item-1', quantity: 1, serials: ['PLJ-009'] }, A.community))).toEqual(['UNKNOWN_SERIAL']);
    expect(codes(p.try('CONFIRM_RECEIPT', { itemId: 'item-1', quantity: 1, serials: ['PLJ-001', 'PLJ-002'] }, A.community))).toEqual(['SERIALS_COUNT_MISMATCH']);
    p.send('CONFIRM_RECEIPT', { itemId: 'item-1', quantity: 1, serials: ['PLJ-001'] }, A.community);
    expect(codes(p.try('DISPUTE_DELIVERY', { itemId: 'item-1', quantity: 1, serials: ['PLJ-001'], reason: 'x' }, A.community))).toEqual(['UNKNOWN_SERIAL']);
    p.send('DISPUTE_DELIVERY', { itemId: 'item-1', quantity: 1, serials: ['PLJ-002'], reason: '电机异响' }, A.community);
    expect(p.ctx.contract!.items[0]).toMatchObject({ deliveredQty: 1, confirmedQty: 1, confirmedSerials: ['PLJ-001'], returnedSerials: ['PLJ-002'] });
    // the same machine, repaired, comes back under its serial number
    p.send('RECORD_DELIVERY', { itemId: 'item-1', quantity: 1, serials: ['PLJ-002'], evidence: ['d2'] }, A.v1);
    p.send('CONFIRM_RECEIPT', { itemId: 'item-1', quantity: 1, serials: ['PLJ-002'] }, A.community);
    expect(p.ctx.contract!.items[0]).toMatchObject({ confirmedQty: 2, confirmed: true });
  });

  it('when a payment exceeds the plan or the contract, then RECORD_PAYMENT is refused', () => {
    const p = projectAt('delivery'); // contract 9,000,000: advance 2,700,000
    const pay = (tranche: string, amountFen: number) =>
      codes(p.try('RECORD_PAYMENT', { tranche, amountFen, voucherNo: 'PZ' }, A.finance));
    expect(pay('advance', 2_700_001)).toEqual(['PAYMENT_ABOVE_PLAN']);
    expect(pay('advance', 9_000_001)).toEqual(['PAYMENT_ABOVE_CONTRACT', 'PAYMENT_ABOVE_PLAN']);
    expect(pay('final', 100)).toEqual(['WRONG_TRANCHE']);
    expect(pay('advance', 2_700_000)).toEqual([]);
    expect(p.emitted('ledger.spend')).toEqual([{ type: 'ledger.spend', fen: 2_700_000, tranche: 'advance' }]);
    expect(codes(preconditions(p.snapshot, 'RECORD_PAYMENT', A.finance))).toEqual(['NOTHING_TO_PAY']);
  });

  it('when a required signatory is missing, then RECORD_ACCEPTANCE is refused per role; works need a supervisor', () => {
    const p = projectAt('acceptance');
    // an assistive device for named beneficiaries (助行): the beneficiary signs too
    expect(codes(p.try('RECORD_ACCEPTANCE', { passed: true, satisfactionPct: 90, signatories: SIGNATORIES.slice(0, 2) }, A.community2))).toEqual(['MISSING_SIGNATORY']);
    const r = p.try('RECORD_ACCEPTANCE', { passed: true, satisfactionPct: 90, signatories: SIGNATORIES.slice(1) }, A.community2);
    expect(r).toEqual([{ code: 'MISSING_SIGNATORY', params: { role: 'community' } }]);
    const w = projectAt('acceptance', input({ type: 'works' }));
    const rw = w.try('RECORD_ACCEPTANCE', { passed: true, satisfactionPct: 90, signatories: SIGNATORIES }, A.community2);
    expect(rw).toEqual([{ code: 'MISSING_SIGNATORY', params: { role: 'supervisor' } }]);
  });

  it('when satisfaction is below the threshold, then the project goes to rectification, and back to acceptance when rectified', () => {
    const p = projectAt('acceptance');
    p.send('RECORD_ACCEPTANCE', { passed: true, satisfactionPct: 79.5, signatories: SIGNATORIES }, A.community2);
    expect(p.stage).toBe('rectification');
    expect(p.ctx.acceptances[0]!.accepted).toBe(false);
    p.send('RECTIFIED', { evidence: ['photo'] }, A.v1);
    expect(p.stage).toBe('acceptance');
    p.send('RECORD_ACCEPTANCE', { passed: false, satisfactionPct: 99, signatories: SIGNATORIES }, A.community2);
    expect(p.stage).toBe('rectification');
  });

  it('when the category serves everyone (a ramp, a canteen), then the beneficiary does not sign, and the form does not ask', () => {
    const p = projectAt('acceptance', input({ category: '公共设施', mainGroup: '全体居民' }));
    const fields = allowedEvents(p.snapshot, A.community2, T0).find((e) => e.type === 'RECORD_ACCEPTANCE')!.fields!;
    expect(fields.signatories!.options).toEqual(['community', 'residents_rep']);
    p.send('RECORD_ACCEPTANCE', { passed: true, satisfactionPct: 90, signatories: SIGNATORIES.slice(0, 2) }, A.community2);
    expect(p.stage).toBe('acceptance_notice');
  });

  it('when an objection is upheld at the acceptance notice, then the project goes to rectification and is accepted again', () => {
    const p = projectAt('acceptance_notice');
    expect(p.ctx.notices.at(-1)!.kind).toBe('acceptance');
    expect(codes(p.try('RECORD_PAYMENT', { tranche: 'final', amountFen: 100, voucherNo: 'x' }, A.finance))).toContain('NOT_ALLOWED_IN_STATE');
    p.send('OBJECT', { text: '扶手安装不牢' }, A.anonymous, plus(T0, 34 * DAY));
    p.send('NOTICE_ENDED', {}, A.system, p.ctx.noticeEndsAt!);
    expect(p.stage).toBe('acceptance_objection_review');
    p.send('UPHOLD_OBJECTION', { response: '异议成立，责成整改' }, A.community, plus(T0, 39 * DAY));
    expect(p.stage).toBe('rectification');
    expect(p.emitted('notify')).toEqual([expect.objectContaining({ template: 'returned', to: { role: 'vendor', vendorIds: ['v-1'] } })]);
    p.send('RECTIFIED', { evidence: ['photo'] }, A.v1, plus(T0, 40 * DAY));
    p.send('RECORD_ACCEPTANCE', { passed: true, satisfactionPct: 92, signatories: SIGNATORIES }, A.community2, plus(T0, 41 * DAY));
    expect(p.stage).toBe('acceptance_notice');
    p.send('NOTICE_ENDED', {}, A.system, p.ctx.noticeEndsAt!);
    expect(p.stage).toBe('settlement');
    expect(p.ctx.objections.map((o) => [o.notice, o.status])).toEqual([['acceptance', 'upheld']]);
  });

  it('when all but the retention is paid, then settlement moves on to evaluation; without retention evaluation closes', () => {
    const p = projectAt('settlement', input({ rules: NO_RETENTION_RULES }));
    expect(codes(p.try('RECORD_PAYMENT', { tranche: 'final', amountFen: 9_000_001, voucherNo: 'x' }, A.finance))).toEqual([
      'PAYMENT_ABOVE_CONTRACT',
      'PAYMENT_ABOVE_PLAN',
    ]);
    p.send('RECORD_PAYMENT', { tranche: 'final', amountFen: 4_000_000, voucherNo: 'PZ-2' }, A.finance);
    expect(p.stage).toBe('settlement');
    p.send('RECORD_PAYMENT', { tranche: 'final', amountFen: 5_000_000, voucherNo: 'PZ-3' }, A.finance);
    expect(p.stage).toBe('evaluation');
    expect(p.ctx.paidFen).toBe(9_000_000);
    p.send('RECORD_EVALUATION', { score: 90, grade: '优秀', notes: '' }, A.district2);
    expect(p.stage).toBe('closed');
  });

  it('when the plan holds a retention, then evaluation leads to warranty, and the retention is released after it', () => {
    const p = projectAt('warranty', input({ rules: RETENTION_RULES }));
    expect(p.ctx.warrantyEndsAt).toBe('2027-04-11T01:00:00.000Z');
    expect(p.raised()).toEqual([
      { id: 'warranty', delay: Date.parse('2027-04-11T01:00:00.000Z') - Date.parse(plus(T0, 40 * DAY)), type: 'WARRANTY_ENDED' },
    ]);
    const release = { amountFen: 450_000, voucherNo: 'PZ-9' };
    expect(codes(p.try('RELEASE_RETENTION', release, A.finance))).toEqual(['WARRANTY_NOT_ENDED']);
    expect(codes(p.try('WARRANTY_ENDED', {}, A.system, plus(T0, 41 * DAY)))).toEqual(['WARRANTY_NOT_ENDED']);
    p.send('WARRANTY_ENDED', {}, A.system, p.ctx.warrantyEndsAt!);
    expect(codes(p.try('RELEASE_RETENTION', { ...release, amountFen: 450_001 }, A.finance))).toEqual([
      'PAYMENT_ABOVE_CONTRACT',
      'PAYMENT_ABOVE_PLAN',
    ]);
    p.send('RELEASE_RETENTION', release, A.finance, plus(p.ctx.warrantyEndsAt!, DAY));
    expect(p.emitted('ledger.spend')).toEqual([{ type: 'ledger.spend', fen: 450_000, tranche: 'retention' }]);
    expect(p.stage).toBe('closed');
    expect(p.snapshot.status).toBe('done');
  });

  it('when the engine did not enrich an event, then the machine refuses it with NOT_ENRICHED', () => {
    const p = projectAt('deliberation');
    const raw = { type: 'RECORD_DELIBERATION', ...GOOD_VOTE, at: T0, actor: A.community } as const;
    expect(p.snapshot.can(raw as never)).toBe(false);
    expect(refusalReasons(p.snapshot, raw as never)).toEqual([{ code: 'NOT_ENRICHED', params: { field: 'noticeEndsAt' } }]);
    // the same event, enriched, is accepted
    expect(p.try('RECORD_DELIBERATION', GOOD_VOTE, A.community)).toEqual([]);
    const q = new Project().send('SUBMIT', {}, A.community).send('SCREEN_PASS', { checklist: CHECKLIST_OK }, A.community2);
    expect(q.stage).toBe('deliberation');
  });
});

describe('budget year, groups and visibility (version 3)', () => {
  it('when an EDIT names a budget year or groups, then the year must be one the rules allow and the other groups must not repeat the main one', () => {
    const p = new Project(input({ rules: { ...DEFAULT_RULES, budgetYearsAhead: 1 } }));
    expect(codes(p.try('EDIT', { fields: { budgetYear: 2028 } }, A.community))).toEqual(['BUDGET_YEAR_NOT_ALLOWED']);
    expect(codes(p.try('EDIT', { fields: { budgetYear: 2025 } }, A.community))).toEqual(['BUDGET_YEAR_NOT_ALLOWED']);
    expect(codes(p.try('EDIT', { fields: { otherGroups: ['残疾人'] } }, A.community))).toEqual(['GROUP_REPEATED']);
    p.send('EDIT', { fields: { budgetYear: 2027, mainGroup: '老年人', otherGroups: ['残疾人'] } }, A.community);
    expect(p.ctx).toMatchObject({ year: 2026, budgetYear: 2027, mainGroup: '老年人', otherGroups: ['残疾人'] });
  });

  it('when a proposal is rejected, withdrawn or cancelled before any notice, then it never becomes public; after its first notice it stays public', () => {
    const rejected = projectAt('deliberation').send('RECORD_DELIBERATION', { ...GOOD_VOTE, for: 1, against: 5, abstain: 1 }, A.community);
    expect(rejected.stage).toBe('rejected');
    expect(publicSince(rejected.snapshot)).toBeNull();
    expect(publicSince(new Project().send('WITHDRAW', { reason: 'x' }, A.community).snapshot)).toBeNull();
    expect(publicSince(projectAt('screening').send('CANCEL', { reason: 'x' }, A.district).snapshot)).toBeNull();
    // a void meeting is not a notice
    const voidMeeting = projectAt('deliberation').send('RECORD_DELIBERATION', { ...GOOD_VOTE, present: 3, for: 3, against: 0, abstain: 0 }, A.community);
    expect(publicSince(voidMeeting.snapshot)).toBeNull();
    const p = projectAt('public_notice');
    const since = publicSince(p.snapshot);
    expect(since).toBe(T0);
    p.send('OBJECT', { text: 'x' }, A.anonymous);
    p.send('NOTICE_ENDED', {}, A.system, p.ctx.noticeEndsAt!);
    p.send('UPHOLD_OBJECTION', { response: '异议成立' }, A.community, plus(T0, 6 * DAY));
    expect(p.stage).toBe('draft');
    expect(publicSince(p.snapshot)).toBe(since);
  });
});
