// The performance record's arithmetic (src/vendors/vendor-performance.ts) on hand-made history rows:
// on time by the Asia/Shanghai calendar day, days late, re-signed contracts, rectifications from a
// failed acceptance and an upheld objection, quarters, the threshold's flag, paging.
import { describe, expect, it } from 'vitest';
import { flagOf, pageOf, performanceFrom, quarterOf, type HistoryFact } from '../../src/vendors/vendor-performance.js';

let seq = 0;
const fact = (projectId: string, type: string, at: string, payload: Record<string, unknown> = {}, from: string | null = null, to = 'x'): HistoryFact =>
  ({ projectId, ref: `XZ-${projectId}`, title: projectId, state: 'closed', seq: ++seq, type, payload, from, to, at });

function contract(projectId: string, vendorId: string, dueOn: string, requestedAt: string | null, extra: () => HistoryFact[] = () => []): HistoryFact[] {
  // (in seq order: the extra rows come after the contract's)
  return [
    fact(projectId, 'AWARD', '2026-01-05T02:00:00Z', { vendorId }),
    fact(projectId, 'SIGN_CONTRACT', '2026-01-06T02:00:00Z', { contractNo: 'OLD', amountFen: 1, dueOn: '2025-01-01' }),
    fact(projectId, 'SIGN_CONTRACT', '2026-01-07T02:00:00Z', { contractNo: `HT-${projectId}`, amountFen: 100_000, dueOn }),
    fact(projectId, 'CONFIRM_CONTRACT', '2026-01-08T02:00:00Z'),
    ...(requestedAt ? [fact(projectId, 'REQUEST_ACCEPTANCE', requestedAt, {}, 'delivery', 'acceptance')] : []),
    ...extra(),
  ];
}

describe("a vendor's performance record", () => {
  it('when acceptance is requested at 23:59 in Shanghai on the due date, then it is on time; a minute later it is one day late', () => {
    const r = performanceFrom([
      ...contract('p1', 'vd-a', '2026-03-10', '2026-03-10T15:59:00Z'),
      ...contract('p2', 'vd-a', '2026-03-10', '2026-03-10T16:00:00Z'),
      ...contract('p3', 'vd-a', '2026-03-10', '2026-03-20T01:00:00Z'),
      ...contract('p4', 'vd-a', '2026-03-10', null),
    ], '2026-04-01').get('vd-a')!;
    const byId = Object.fromEntries(r.contracts.map((c) => [c.projectId, c]));
    expect([byId.p1!.onTime, byId.p1!.daysLate]).toEqual([true, 0]);
    expect([byId.p2!.onTime, byId.p2!.daysLate]).toEqual([false, 1]);
    expect([byId.p3!.onTime, byId.p3!.daysLate]).toEqual([false, 10]);
    expect([byId.p4!.onTime, byId.p4!.daysLate]).toEqual([null, null]);
    // the last SIGN_CONTRACT before CONFIRM_CONTRACT is the contract
    expect(byId.p1).toMatchObject({ contractNo: 'HT-p1', amountFen: 100_000, dueOn: '2026-03-10' });
    expect(r.summary).toMatchObject({ contracts: 4, contractFen: 400_000, requested: 3, onTime: 1, onTimeShare: 1 / 3, overdueOpen: 1 });
  });

  it('when acceptance fails, an objection is upheld, deliveries are refused and evaluations are scored, then each counts, with averages per quarter', () => {
    const r = performanceFrom([
      ...contract('p1', 'vd-a', '2026-03-10', '2026-03-01T02:00:00Z', () => [
        fact('p1', 'DISPUTE_DELIVERY', '2026-02-01T02:00:00Z', { itemId: 'i1', quantity: 2, reason: '型号不符' }, 'delivery', 'delivery'),
        fact('p1', 'RECORD_ACCEPTANCE', '2026-03-02T02:00:00Z', { passed: false }, 'acceptance', 'rectification'),
        fact('p1', 'RECORD_ACCEPTANCE', '2026-03-05T02:00:00Z', { passed: true, satisfactionPct: 95 }, 'acceptance', 'acceptance_notice'),
        fact('p1', 'UPHOLD_OBJECTION', '2026-03-20T02:00:00Z', {}, 'acceptance_objection_review', 'rectification'),
        fact('p1', 'RECORD_ACCEPTANCE', '2026-04-02T02:00:00Z', { passed: true, satisfactionPct: 70 }, 'acceptance', 'rectification'),
        fact('p1', 'RECORD_EVALUATION', '2026-03-30T02:00:00Z', { score: 80, grade: '良好' }, 'evaluation', 'closed'),
      ]),
      ...contract('p2', 'vd-a', '2026-06-10', '2026-06-01T02:00:00Z', () => [fact('p2', 'RECORD_EVALUATION', '2026-06-30T17:00:00Z', { score: 91, grade: '优秀' }, 'evaluation', 'closed')]),
    ], '2026-08-01').get('vd-a')!;
    expect(r.summary).toMatchObject({ disputes: 1, rectifications: 3, acceptances: 3, acceptancesPassed: 1, evaluations: 2, averageScore: 85.5 });
    expect(r.rectifications.map((x) => x.cause).sort()).toEqual(['acceptance_failed', 'acceptance_failed', 'objection_upheld']);
    // 2026-06-30T17:00Z is 1 July in Shanghai: the third quarter
    expect(r.byQuarter).toEqual([
      { quarter: '2026-Q1', evaluations: 1, averageScore: 80, acceptances: 2, passed: 1 },
      { quarter: '2026-Q2', evaluations: 0, averageScore: null, acceptances: 1, passed: 0 },
      { quarter: '2026-Q3', evaluations: 1, averageScore: 91, acceptances: 0, passed: 0 },
    ]);
    expect(quarterOf('2026-12-31T16:00:00Z')).toBe('2027-Q1');
  });

  it('when a threshold is given, then a record with enough contracts below it is flagged with each reason; too few contracts or no threshold never flag', () => {
    const summary = { contracts: 3, contractFen: 0, requested: 3, onTime: 2, onTimeShare: 2 / 3, overdueOpen: 0, disputes: 0, rectifications: 0, acceptances: 0, acceptancesPassed: 0, evaluations: 2, averageScore: 65 };
    const t = { minAverageScore: 70, minOnTimeShare: 0.8, minContracts: 3 };
    expect(flagOf(summary, t).reasons).toEqual([
      { code: 'VENDOR_LOW_SCORE', params: { average: 65, min: 70 } },
      { code: 'VENDOR_OFTEN_LATE', params: { sharePct: 67, minPct: 80 } },
    ]);
    expect(flagOf({ ...summary, contracts: 2 }, t).flagged).toBe(false);
    expect(flagOf(summary, null).flagged).toBe(false);
    expect(flagOf({ ...summary, averageScore: 70, onTimeShare: 0.8 }, t).flagged).toBe(false);
  });

  it('when a list is paged, then the total is the whole list and pages past the end show the last', () => {
    const list = Array.from({ length: 45 }, (_, i) => i);
    expect(pageOf(list, 1, 20)).toMatchObject({ total: 45, page: 1, pages: 3, items: list.slice(0, 20) });
    expect(pageOf(list, 9, 20)).toMatchObject({ page: 3, items: list.slice(40) });
    expect(pageOf([], 1, 20)).toMatchObject({ total: 0, page: 1, pages: 1, items: [] });
    expect(pageOf(list, 1, 1000).pageSize).toBe(200);
  });
});
