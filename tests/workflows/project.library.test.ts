// The service-project library in the pure machine (issue 14 item 3): the facts a project records at
// its start, the ones `enrich` puts on INVITE and AWARD, and the guards that refuse a price over the
// ceiling (EDIT, SUBMIT, quotes, the contract) and a vendor the entry does not qualify — with the same
// rule functions the forms and the service use. A project without the library is checked as before.
import { describe, expect, it } from 'vitest';
import { initialContext, refusalReasons, libraryPriceReasons, libraryQuoteReasons, libraryStartReasons, libraryVendorReasons, type LibraryFacts, type Reason } from '../../workflows/project/index.js';
import { enrich } from '../../workflows/project/project.enrich.js';
import { A, DAY, Project, T0, calendar, ev, input, plus, projectAt } from './project.support.js';

const codes = (reasons: Reason[]) => reasons.map((r) => r.code);
const LIB: LibraryFacts = {
  entryId: 'lib-1', version: 3, code: 'SL-001', name: '爬楼机租赁', unit: 'household', referenceFen: 2_500_000, ceilingFen: 3_000_000,
  validFrom: '2026-01-01', validTo: '2026-12-31', vendorIds: ['v-1', 'v-2', 'v-3'],
};
const libInput = () => input({ library: LIB });
const withQualified = (vendorIds: string[]) => ({ ...calendar, library: { entryId: 'lib-1', version: 4, vendorIds } });

describe('the service-project library in the machine', () => {
  it('records the entry in the context only when the project starts from it (other contexts keep their shape)', () => {
    expect('library' in initialContext(input())).toBe(false);
    expect(initialContext(libInput()).library).toEqual(LIB);
  });

  it('refuses a unit price over the ceiling in EDIT and SUBMIT, accepts one at the ceiling', () => {
    const p = new Project(input({ library: LIB, items: [{ name: '爬楼机租赁', quantity: 4, unitFen: 3_000_001 }], estimatedFen: 12_000_004 }));
    expect(codes(p.try('SUBMIT', {}, A.community))).toEqual(['PRICE_OVER_CEILING']);
    expect(p.try('EDIT', { fields: { items: [{ name: '爬楼机租赁', quantity: 4, unitFen: 3_100_000 }] } }, A.community)).toEqual([
      { code: 'PRICE_OVER_CEILING', params: { item: '爬楼机租赁', priceFen: 3_100_000, ceilingFen: 3_000_000 } },
    ]);
    expect(p.try('EDIT', { fields: { items: [{ name: '爬楼机租赁', quantity: 4, unitFen: 3_000_000 }] } }, A.community)).toEqual([]);
    expect(p.try('SUBMIT', {}, A.community)).toEqual([]);
  });

  it('puts the qualified vendors on INVITE and AWARD from the calendar, for the project\'s own entry only, never from the payload', () => {
    const p = projectAt('procurement.preparing', libInput());
    const e = enrich(ev('INVITE', { vendorIds: ['v-1'], deadline: plus(T0, 20 * DAY) }, A.community), p.ctx, withQualified(['v-1', 'v-2']));
    expect((e as { library?: unknown }).library).toEqual({ entryId: 'lib-1', version: 4, vendorIds: ['v-1', 'v-2'] });
    const other = enrich(ev('INVITE', { vendorIds: ['v-1'], deadline: plus(T0, 20 * DAY) }, A.community), p.ctx, { ...calendar, library: { entryId: 'lib-9', version: 1, vendorIds: ['v-1'] } });
    expect('library' in other).toBe(false);
    const sent = enrich({ ...ev('AWARD', { vendorId: 'v-1', amountFen: 1, justification: 'x' }, A.community), library: { entryId: 'lib-1', version: 1, vendorIds: ['v-1'] } } as never, initialContext(input()), calendar);
    expect('library' in (sent as object)).toBe(false);
  });

  it('refuses INVITE of a vendor the entry does not qualify (and NOT_ENRICHED without the facts); accepts the qualified ones', () => {
    const p = projectAt('procurement.preparing', libInput());
    const at = plus(T0, 15 * DAY);
    const inviteAt = (vendorIds: string[], cal = withQualified(['v-1', 'v-2', 'v-3'])) => {
      const e = enrich(ev('INVITE', { vendorIds, deadline: plus(T0, 20 * DAY) }, A.community, at), p.ctx, cal);
      return p.snapshot.can(e) ? [] : codes(refusalReasons(p.snapshot, e));
    };
    expect(inviteAt(['v-1', 'v-2', 'v-9'])).toContain('VENDOR_NOT_IN_LIBRARY');
    expect(libraryVendorReasons(LIB, ['v-1', 'v-9'], { entryId: 'lib-1', version: 3, vendorIds: ['v-1'] })).toEqual([{ code: 'VENDOR_NOT_IN_LIBRARY', params: { vendorId: 'v-9', entry: '爬楼机租赁' } }]);
    expect(codes(p.try('INVITE', { vendorIds: ['v-1', 'v-2', 'v-3'], deadline: plus(T0, 20 * DAY) }, A.community, at))).toEqual(['NOT_ENRICHED']);
    expect(inviteAt(['v-1', 'v-2', 'v-3'])).toEqual([]);
  });

  it('refuses a quote over the ceiling, by line or in total, and a contract line over it', () => {
    expect(codes(libraryQuoteReasons(LIB, [{ name: 'x', quantity: 4, unitFen: 1 }], { amountFen: 12_000_001 }))).toEqual(['QUOTE_OVER_CEILING']);
    expect(codes(libraryQuoteReasons(LIB, [{ name: 'x', quantity: 4, unitFen: 1 }], { amountFen: 1, items: [{ name: 'x', quantity: 1, unitFen: 3_000_001 }] }))).toEqual(['PRICE_OVER_CEILING']);
    expect(libraryQuoteReasons(LIB, [{ name: 'x', quantity: 4, unitFen: 1 }], { amountFen: 12_000_000 })).toEqual([]);
    expect(libraryPriceReasons(undefined, [{ name: 'x', quantity: 1, unitFen: 10 ** 12 }])).toEqual([]);
  });

  it('says when an entry may not start a proposal: retired, expired, not yet valid', () => {
    const e = { name: 'n', validFrom: '2026-01-01', validTo: '2026-12-31', retired: false };
    expect(libraryStartReasons(e, '2026-06-01')).toEqual([]);
    expect(codes(libraryStartReasons(e, '2027-01-01'))).toEqual(['LIBRARY_ENTRY_EXPIRED']);
    expect(codes(libraryStartReasons(e, '2025-12-31'))).toEqual(['LIBRARY_ENTRY_NOT_YET_VALID']);
    expect(codes(libraryStartReasons({ ...e, retired: true }, '2026-06-01'))).toEqual(['LIBRARY_ENTRY_RETIRED']);
  });

  it('checks a project without the library exactly as before (no facts needed on INVITE)', () => {
    const p = projectAt('procurement.preparing');
    expect(p.try('INVITE', { vendorIds: ['v-1', 'v-2', 'v-3'], deadline: plus(T0, 20 * DAY) }, A.community, plus(T0, 15 * DAY))).toEqual([]);
  });
});
