// Vendor eligibility as programme rules (issue 14, item 1), pure: the rule functions at their
// boundaries, the guard on INVITE and AWARD deciding from the records enrich put on the event and
// the project's own rules version, and older rules versions requiring nothing.
import { transition } from 'xstate';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RULES, RULES_V1, RULES_V2, enrich, projectMachine, ratingPreferred, refusalReasons, upgradeRules, vendorEligibilityReasons,
  type VendorRecordFacts,
} from '../../workflows/project/index.js';
import { A, calendar, DAY, ev, input, plus, projectAt, T0 } from './project.support.js';

// T0 is 2026-03-02 in Shanghai
const record = (over: Partial<VendorRecordFacts> = {}): VendorRecordFacts => ({ name: '心缘社工', registeredOn: '2015-01-01', rating: null, fullTimeStaff: 3, violations: [], ...over });
const codes = (r: Array<{ code: string }>) => r.map((x) => x.code);
const check = (r: VendorRecordFacts, type: 'services' | 'goods' | 'works' = 'services', rules = DEFAULT_RULES) => codes(vendorEligibilityReasons(rules, type, 'v-1', r, T0));

describe('eligibility rules (defaults: services registered ≥ 1 year, no violation in 2 years, ≥ 3 full-time staff)', () => {
  it('when a service vendor was registered exactly a year ago it is eligible; a day less is too new', () => {
    expect(check(record({ registeredOn: '2025-03-02' }))).toEqual([]);
    expect(vendorEligibilityReasons(DEFAULT_RULES, 'services', 'v-1', record({ registeredOn: '2025-03-03' }), T0)).toEqual([
      { code: 'VENDOR_TOO_NEW', params: { vendorId: 'v-1', vendor: '心缘社工', registeredOn: '2025-03-03', minYears: 1 } },
    ]);
  });

  it('when a violation is exactly two years old it no longer counts; a day younger refuses, naming the latest one and its source', () => {
    const v = (on: string) => ({ on, source: '区民政局', description: '违规' });
    expect(check(record({ violations: [v('2024-03-02')] }))).toEqual([]);
    const r = vendorEligibilityReasons(DEFAULT_RULES, 'services', 'v-1', record({ violations: [v('2024-03-03'), { ...v('2025-07-01'), source: '市场监管局' }] }), T0);
    expect(r).toEqual([{ code: 'VENDOR_RECENT_VIOLATION', params: { vendorId: 'v-1', vendor: '心缘社工', on: '2025-07-01', source: '市场监管局', years: 2 } }]);
  });

  it('when a vendor has three full-time staff it is eligible; two are too few', () => {
    expect(check(record({ fullTimeStaff: 3 }))).toEqual([]);
    expect(check(record({ fullTimeStaff: 2 }))).toEqual(['VENDOR_TOO_FEW_STAFF']);
  });

  it('when the record lacks a fact a rule needs, then the vendor is refused as unchecked; every failing rule is named', () => {
    expect(check(record({ registeredOn: null, fullTimeStaff: null }))).toEqual(['VENDOR_REGISTRATION_UNKNOWN', 'VENDOR_STAFF_UNKNOWN']);
    expect(check(record({ registeredOn: '2026-01-01', fullTimeStaff: 1, violations: [{ on: '2026-02-01', source: 's', description: 'd' }] })))
      .toEqual(['VENDOR_TOO_NEW', 'VENDOR_RECENT_VIOLATION', 'VENDOR_TOO_FEW_STAFF']);
  });

  it('when a vendor is rated below 3A or not at all, then nothing is refused; 3A and better are preferred', () => {
    for (const rating of ['1A', '2A', null] as const) {
      expect(check(record({ rating }))).toEqual([]);
      expect(ratingPreferred(DEFAULT_RULES, 'services', rating)).toBe(false);
    }
    for (const rating of ['3A', '4A', '5A'] as const) expect(ratingPreferred(DEFAULT_RULES, 'services', rating)).toBe(true);
  });

  it('when the project is goods or works, or its rules version predates eligibility, then nothing is required, not even a record', () => {
    const weak = record({ registeredOn: '2026-03-01', fullTimeStaff: 0 });
    expect(check(weak, 'goods')).toEqual([]);
    expect(check(weak, 'works')).toEqual([]);
    for (const rules of [RULES_V1, RULES_V2, upgradeRules(structuredClone(RULES_V2))]) {
      expect(rules.eligibility).toBeUndefined();
      expect(vendorEligibilityReasons(rules, 'services', 'v-1', undefined, T0)).toEqual([]);
    }
  });
});

describe('INVITE and AWARD decide from the vendors\' records on the event', () => {
  const services = (rules = DEFAULT_RULES) => input({ type: 'services', rules });

  it('when enrich puts the records on INVITE, then the stored event carries them and any the client sent are replaced', () => {
    const p = projectAt('procurement.preparing', services());
    const smuggled = { ...ev('INVITE', { vendorIds: ['v-1'], deadline: plus(T0, 20 * DAY) }, A.community, plus(T0, 15 * DAY)), vendorRecords: { 'v-1': record({ fullTimeStaff: 99 }) } };
    const e = enrich(smuggled, p.ctx, { ...calendar, vendorRecords: { 'v-1': record({ fullTimeStaff: 2 }) } }) as unknown as { vendorRecords: Record<string, VendorRecordFacts> };
    expect(e.vendorRecords).toEqual({ 'v-1': record({ fullTimeStaff: 2 }) });
  });

  it('when a service vendor is ineligible, then INVITE and a direct AWARD are refused with its reason and the snapshot stays', () => {
    const p = projectAt('procurement.preparing', services(), 3_000_000);
    const cal = { ...calendar, vendorRecords: { 'v-1': record({ fullTimeStaff: 1 }) } };
    const at = plus(T0, 15 * DAY);
    for (const e of [
      ev('INVITE', { vendorIds: ['v-1'], deadline: plus(T0, 20 * DAY) }, A.community, at),
      ev('AWARD', { vendorId: 'v-1', amountFen: 3_000_000, justification: '直接采购' }, A.community, at),
    ]) {
      const enriched = enrich(e, p.ctx, cal);
      expect(p.snapshot.can(enriched)).toBe(false);
      expect(codes(refusalReasons(p.snapshot, enriched))).toEqual(['VENDOR_TOO_FEW_STAFF']);
    }
    expect(p.stage).toBe('procurement.preparing');
  });

  it('when the engine put no records on INVITE under rules that require them, then it is refused NOT_ENRICHED', () => {
    const p = projectAt('procurement.preparing', services(), 3_000_000);
    const e = ev('INVITE', { vendorIds: ['v-9'], deadline: plus(T0, 20 * DAY) }, A.community, plus(T0, 15 * DAY));
    expect(refusalReasons(p.snapshot, e)).toEqual([{ code: 'NOT_ENRICHED', params: { field: 'vendorRecords.v-9' } }]);
  });

  it('when a project runs under rules version 2, then an INVITE stored without records replays to the same snapshot it always did', () => {
    const p = projectAt('procurement.preparing', services(RULES_V2), 3_000_000);
    const old = ev('INVITE', { vendorIds: ['v-new'], deadline: plus(T0, 20 * DAY) }, A.community, plus(T0, 15 * DAY));
    const [next] = transition(projectMachine, p.snapshot, old);
    expect(next.value).toEqual({ procurement: 'quoting' });
    expect(next.context.procurement!.invitations).toEqual(['v-new']);
  });

  it('when quotes are in and the best vendor has since become ineligible, then AWARD to it is refused with the rule (the records at the award count)', () => {
    const p = projectAt('procurement.evaluating', services());
    const best = Object.values(p.ctx.procurement!.quotes).sort((a, b) => a.amountFen - b.amountFen)[0]!;
    const at = plus(p.ctx.procurement!.deadline!, DAY);
    const e = enrich(ev('AWARD', { vendorId: best.vendorId, amountFen: best.amountFen, justification: '最低价' }, A.community, at), p.ctx,
      { ...calendar, vendorRecords: { [best.vendorId]: record({ violations: [{ on: '2026-03-20', source: '区民政局', description: '违规' }] }) } });
    expect(codes(refusalReasons(p.snapshot, e))).toContain('VENDOR_RECENT_VIOLATION');
  });
});
