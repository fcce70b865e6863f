// Role, scope and four-eyes (ARCHITECTURE §4, §6).
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, TIMER_EVENTS, authorize, preconditions, type Actor } from '../../workflows/project/index.js';
import { A, CHECKLIST_OK, DAY, GOOD_VOTE, Project, SIGNATORIES, STREET_RULES, T0, input, plus, projectAt, type Stop } from './project.support.js';

const codes = (r: { code: string }[]) => r.map((x) => x.code);

describe('roles', () => {
  it('when an admin sends any lifecycle event, then it is WRONG_ROLE', () => {
    const p = projectAt('delivery');
    for (const type of EVENT_TYPES) expect(codes(p.authz(type, A.admin)), type).toEqual(['WRONG_ROLE']);
  });

  it('when anyone but the system sends a timer event, then it is WRONG_ROLE; the system may', () => {
    const p = projectAt('public_notice');
    for (const type of TIMER_EVENTS) {
      for (const actor of [A.community, A.street, A.district, A.finance, A.v1, A.anonymous, A.admin]) {
        expect(codes(p.authz(type, actor)), `${type} by ${actor.role}`).toEqual(['WRONG_ROLE']);
      }
      expect(p.authz(type, A.system)).toEqual([]);
    }
  });

  it('when the system sends a user event, then it is WRONG_ROLE', () => {
    const p = projectAt('screening');
    expect(codes(p.authz('SCREEN_PASS', A.system))).toEqual(['WRONG_ROLE']);
    expect(codes(p.authz('COMMENT', A.system))).toEqual(['WRONG_ROLE']);
  });

  it('when anonymous, then only OBJECT is allowed', () => {
    const p = projectAt('public_notice');
    for (const type of EVENT_TYPES) {
      expect(codes(p.authz(type, A.anonymous)), type).toEqual(type === 'OBJECT' ? [] : ['WRONG_ROLE']);
    }
  });

  it.each<[Stop, Actor, Actor[]]>([
    ['screening', A.community2, [A.street, A.district]],
    ['street_review', A.street, [A.community, A.district]],
    ['budget_approval', A.district, [A.community, A.street]],
  ])('when in %s, then RETURN and REJECT belong to its reviewer only', (stop, reviewer, others) => {
    const p = projectAt(stop);
    for (const type of ['RETURN', 'REJECT'] as const) {
      expect(p.authz(type, reviewer)).toEqual([]);
      for (const o of others) expect(codes(p.authz(type, o))).toEqual(['WRONG_ROLE']);
    }
  });

  it.each([
    ['APPROVE', 'street_review', A.community],
    ['APPROVE_BUDGET', 'budget_approval', A.street],
    ['RECORD_PAYMENT', 'delivery', A.district],
    ['CONFIRM_RECEIPT', 'delivery', A.v1],
    ['RECORD_DELIVERY', 'delivery', A.community],
    ['CANCEL', 'delivery', A.community],
    ['RECORD_EVALUATION', 'evaluation', A.finance],
  ] as const)('when %s is sent in %s by the wrong role, then WRONG_ROLE', (type, stop, actor) => {
    expect(codes(projectAt(stop).authz(type, actor))).toEqual(['WRONG_ROLE']);
  });
});

describe('scope', () => {
  it('when a community or street user is not the project\'s own, then OUT_OF_SCOPE', () => {
    expect(codes(projectAt('screening').authz('SCREEN_PASS', A.otherCommunity))).toEqual(['OUT_OF_SCOPE']);
    expect(codes(projectAt('street_review').authz('APPROVE', A.otherStreet))).toEqual(['OUT_OF_SCOPE']);
    expect(codes(projectAt('street_review').authz('COMMENT', A.otherCommunity))).toEqual(['OUT_OF_SCOPE']);
  });

  it('when a district or finance user acts, then the whole district is in scope', () => {
    expect(projectAt('budget_approval').authz('APPROVE_BUDGET', A.district)).toEqual([]);
    expect(projectAt('delivery').authz('RECORD_PAYMENT', A.finance)).toEqual([]);
  });

  it('when a vendor was not invited, then it may neither quote nor comment', () => {
    const p = projectAt('procurement.quoting');
    expect(p.authz('SUBMIT_QUOTE', A.v2)).toEqual([]);
    expect(codes(p.authz('SUBMIT_QUOTE', A.v9))).toEqual(['OUT_OF_SCOPE']);
    expect(codes(p.authz('WITHDRAW_QUOTE', A.v9))).toEqual(['OUT_OF_SCOPE']);
    expect(codes(p.authz('COMMENT', A.v9))).toEqual(['OUT_OF_SCOPE']);
    expect(p.authz('COMMENT', A.v3)).toEqual([]);
  });

  it.each([
    ['CONFIRM_CONTRACT', 'signed'],
    ['RECORD_DELIVERY', 'delivery'],
    ['REQUEST_ACCEPTANCE', 'delivered'],
  ] as const)('when an invited vendor that was not awarded sends %s, then OUT_OF_SCOPE', (type, stop) => {
    const p = projectAt(stop);
    expect(p.authz(type, A.v1)).toEqual([]);
    expect(codes(p.authz(type, A.v2))).toEqual(['OUT_OF_SCOPE']);
  });

  it('when a vendor other than the awarded one sends RECTIFIED, then OUT_OF_SCOPE', () => {
    const p = projectAt('acceptance');
    p.send(
      'RECORD_ACCEPTANCE',
      {
        passed: false,
        satisfactionPct: 50,
        signatories: [
          { role: 'community', name: 'a' },
          { role: 'residents_rep', name: 'b' },
          { role: 'beneficiary', name: 'c' },
        ],
      },
      A.community2,
    );
    expect(p.stage).toBe('rectification');
    expect(p.authz('RECTIFIED', A.v1)).toEqual([]);
    expect(codes(p.authz('RECTIFIED', A.v3))).toEqual(['OUT_OF_SCOPE']);
  });
});

describe('four-eyes', () => {
  it('when the user who sent SUBMIT screens, then FOUR_EYES; a colleague may', () => {
    const p = projectAt('screening');
    expect(codes(p.authz('SCREEN_PASS', A.community))).toEqual(['FOUR_EYES']);
    expect(p.authz('SCREEN_PASS', A.community2)).toEqual([]);
    // only SCREEN_PASS: the submitter may still return or reject (exactly the three pairs)
    expect(p.authz('RETURN', A.community)).toEqual([]);
  });

  it('when the user who sent AWARD records the acceptance, then FOUR_EYES', () => {
    const p = projectAt('acceptance');
    expect(codes(p.authz('RECORD_ACCEPTANCE', A.community))).toEqual(['FOUR_EYES']);
    expect(p.authz('RECORD_ACCEPTANCE', A.community2)).toEqual([]);
  });

  it('when the user who sent APPROVE_BUDGET records the evaluation, then FOUR_EYES', () => {
    const p = projectAt('evaluation');
    expect(codes(p.authz('RECORD_EVALUATION', A.district))).toEqual(['FOUR_EYES']);
    expect(p.authz('RECORD_EVALUATION', A.district2)).toEqual([]);
  });

  it('when authorize is given the snapshot instead of the context, then it answers the same', () => {
    const p = projectAt('evaluation');
    expect(authorize(p.snapshot, { type: 'RECORD_EVALUATION' }, A.district)).toEqual(
      authorize(p.ctx, { type: 'RECORD_EVALUATION' }, A.district),
    );
  });

  it('when explaining, then preconditions include the authorization reasons', () => {
    const p = projectAt('evaluation');
    expect(codes(preconditions(p.snapshot, 'RECORD_EVALUATION', A.district))).toEqual(['FOUR_EYES']);
    expect(preconditions(p.snapshot, 'RECORD_EVALUATION', A.district2)).toEqual([]);
    expect(codes(preconditions(p.snapshot, 'APPROVE', A.street))).toEqual(['NOT_ALLOWED_IN_STATE']);
  });
});

describe('who buys, approves and pays, as the rules version says', () => {
  const DIRECT = 3_000_000; // a direct purchase: one vendor, no quotes to wait for

  it('when the street buys, approves the budget and pays, then a project goes from draft to closed with those roles, and the others are refused', () => {
    const p = new Project(input({ rules: STREET_RULES }));
    p.send('SUBMIT', {}, A.community).send('SCREEN_PASS', { checklist: CHECKLIST_OK }, A.community2).send('RECORD_DELIBERATION', GOOD_VOTE, A.community);
    p.send('NOTICE_ENDED', {}, A.system, p.ctx.noticeEndsAt!);
    p.send('APPROVE', {}, A.street, plus(T0, 6 * DAY));
    expect(p.stage).toBe('budget_approval');
    // the street approves the budget, but not the user who approved the proposal (one level reviews and approves)
    expect(codes(p.authz('APPROVE_BUDGET', A.district))).toEqual(['WRONG_ROLE']);
    expect(codes(p.authz('APPROVE_BUDGET', A.street))).toEqual(['FOUR_EYES']);
    expect(codes(p.authz('APPROVE_BUDGET', A.otherStreet))).toEqual(['OUT_OF_SCOPE']);
    expect(codes(p.authz('RETURN', A.district))).toEqual(['WRONG_ROLE']);
    expect(p.emitted('notify').map((n) => n.to)).toEqual([{ role: 'street', streetId: 'str-1' }]);
    p.send('APPROVE_BUDGET', { approvedFen: DIRECT }, A.street2, plus(T0, 7 * DAY));
    expect(p.stage).toBe('procurement.preparing'); // this rules version holds no confirmation notice
    // the street buys
    expect(codes(p.authz('AWARD', A.community))).toEqual(['WRONG_ROLE']);
    p.send('AWARD', { vendorId: 'v-1', amountFen: DIRECT, justification: '直接采购' }, A.street, plus(T0, 8 * DAY));
    p.send('SIGN_CONTRACT', { contractNo: 'HT-S', items: [{ name: '爬楼机', quantity: 1, unitFen: DIRECT }], amountFen: DIRECT, dueOn: '2026-06-30' }, A.street, plus(T0, 8 * DAY));
    p.send('CONFIRM_CONTRACT', {}, A.v1, plus(T0, 9 * DAY));
    // the street's finance pays; district finance does not
    const advance = { tranche: 'advance', amountFen: 900_000, voucherNo: 'PZ-1' };
    expect(codes(p.authz('RECORD_PAYMENT', A.finance))).toEqual(['OUT_OF_SCOPE']);
    expect(codes(p.authz('RECORD_PAYMENT', { ...A.streetFinance, id: 'u-fin-9', streetId: 'str-9' }))).toEqual(['OUT_OF_SCOPE']);
    p.send('RECORD_PAYMENT', advance, A.streetFinance, plus(T0, 10 * DAY));
    p.send('RECORD_DELIVERY', { itemId: 'item-1', quantity: 1, evidence: ['d'] }, A.v1, plus(T0, 20 * DAY));
    p.send('CONFIRM_RECEIPT', { itemId: 'item-1', quantity: 1 }, A.community, plus(T0, 21 * DAY));
    p.send('REQUEST_ACCEPTANCE', {}, A.v1, plus(T0, 22 * DAY));
    // AWARD was the street's, so any community user may record the acceptance
    p.send('RECORD_ACCEPTANCE', { passed: true, satisfactionPct: 90, signatories: SIGNATORIES }, A.community, plus(T0, 23 * DAY));
    expect(p.stage).toBe('settlement');
    expect(p.emitted('notify').map((n) => n.to)).toEqual([{ role: 'finance', streetId: 'str-1' }]);
    p.send('RECORD_PAYMENT', { tranche: 'final', amountFen: DIRECT - 900_000, voucherNo: 'PZ-2' }, A.streetFinance, plus(T0, 24 * DAY));
    p.send('RECORD_EVALUATION', { score: 90, grade: '优秀', notes: '' }, A.district, plus(T0, 30 * DAY));
    expect(p.stage).toBe('closed');
  });

  it('when the district approves and pays (the defaults), then a street finance user may not pay and district finance may', () => {
    const p = projectAt('delivery');
    expect(codes(p.authz('RECORD_PAYMENT', A.streetFinance))).toEqual(['OUT_OF_SCOPE']);
    expect(p.authz('RECORD_PAYMENT', A.finance)).toEqual([]);
  });
});
