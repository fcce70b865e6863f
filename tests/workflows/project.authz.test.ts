// Role, scope and four-eyes (ARCHITECTURE §4, §6).
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, TIMER_EVENTS, authorize, preconditions, type Actor } from '../../workflows/project/index.js';
import { A, projectAt, type Stop } from './project.support.js';

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
