// The service-project library in storage (issue 14 item 3), on every database the storage suites run
// on: entries and their qualified vendors (many-to-many, foreign keys), amounts as integer fen
// (bigint on PostgreSQL read back as numbers), versions on every change, search and paging with a
// count, retiring, an import applied all or nothing, and the facts a project records at its start.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORAGE_KINDS } from '../support/db.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { U, VENDORS } from '../support/lifecycle.js';

describe.each(STORAGE_KINDS)('the service-project library on %s', (kind) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ kind });
  });
  afterAll(async () => app?.close());

  const admin = async () => (await app.deps.services.users.findByEmail(U.admin))!;
  const entry = (over: Record<string, unknown> = {}) => ({
    code: 'S-001', name: '居家助浴（存储）', category: '便民服务', type: 'services', unit: 'household', referenceFen: 9_000_000_000_000, ceilingFen: 10_000_000_000_000,
    description: '上门助浴。', validFrom: '2026-01-01', validTo: '2026-12-31', vendorIds: [VENDORS.kangfu, VENDORS.anju], ...over,
  });

  it('when entries are created, changed, searched and retired, then they read back exactly, versioned, paged and counted', async () => {
    const library = app.deps.services.library;
    const e = await library.create(await admin(), entry());
    expect(e).toMatchObject({ code: 'S-001', referenceFen: 9_000_000_000_000, ceilingFen: 10_000_000_000_000, version: 1, vendorIds: [VENDORS.anju, VENDORS.kangfu], retiredAt: null });
    expect(typeof e.ceilingFen).toBe('number');
    const changed = await library.update(await admin(), e.id, entry({ ceilingFen: 9_500_000_000_000, vendorIds: [VENDORS.xinyuan] }));
    expect(changed).toMatchObject({ version: 2, ceilingFen: 9_500_000_000_000, vendorIds: [VENDORS.xinyuan] });
    expect(await app.deps.db('library_entry_vendors').where({ entry_id: e.id })).toHaveLength(1);

    const found = await library.list({ q: '助浴', pageSize: 1 });
    expect(found.total).toBe(1);
    expect(found.entries[0]!.id).toBe(e.id);
    const all = await library.list({ pageSize: 2, page: 2 });
    expect(all.total).toBe(6);
    expect(all.entries).toHaveLength(2);
    // a LIKE wildcard is searched for as itself
    expect((await library.list({ q: '%' })).total).toBe(0);

    // refused: a ceiling below the reference, an unknown vendor, a code taken, a non-admin
    await expect(library.create(await admin(), entry({ code: 'S-002', ceilingFen: 1 }))).rejects.toMatchObject({ status: 422, fields: { ceilingFen: 'validation.ceilingBelowReference' } });
    await expect(library.create(await admin(), entry({ code: 'S-002', vendorIds: ['vd-nobody'] }))).rejects.toMatchObject({ status: 422, fields: { vendorIds: 'validation.unknownVendor' } });
    await expect(library.create(await admin(), entry())).rejects.toMatchObject({ status: 422, fields: { code: 'validation.libraryCodeTaken' } });
    await expect(library.create((await app.deps.services.users.findByEmail(U.district))!, entry({ code: 'S-003' }))).rejects.toMatchObject({ status: 403 });
    // the foreign keys hold: a vendor link to no vendor is refused by the database itself
    if (kind === 'postgres') await expect(app.deps.db('library_entry_vendors').insert({ entry_id: e.id, vendor_id: 'vd-nobody' })).rejects.toThrow();

    await library.retire(await admin(), e.id);
    expect((await library.list({ q: '助浴' })).total).toBe(0);
    expect((await library.list({ q: '助浴', all: '1' })).total).toBe(1);
    await expect(library.startFacts(e.id)).rejects.toMatchObject({ status: 409, reasons: [{ code: 'LIBRARY_ENTRY_RETIRED' }] });
  });

  it('when a workbook is exported and imported, then it round-trips; one bad row imports nothing', async () => {
    const library = app.deps.services.library;
    const before = await library.active();
    const book = await library.exportXlsx();
    expect(await library.importXlsx(await admin(), book)).toEqual({ created: 0, updated: 0 });
    expect(await library.active()).toEqual(before);
    const count = async () => (await app.deps.db('library_entries').select('id')).length;
    const n = await count();
    await expect(library.importXlsx(await admin(), Buffer.from('PK not really'))).rejects.toMatchObject({ status: 422 });
    expect(await count()).toBe(n);
  });

  it('when a community starts a proposal from an entry, then the project records its facts and INVITE carries its qualified vendors', async () => {
    const c1 = (await app.deps.services.users.findByEmail(U.c1))!;
    const p = await app.deps.services.projects.create(c1, {
      title: '上门探访（存储）', type: 'services', category: '探访慰藉', mainGroup: '老年人', estimatedFen: 500_000,
      description: '社工上门探访。', items: [{ name: '上门探访（每次）', quantity: 100, unitFen: 5_000 }], libraryEntryId: 'lib-visit',
    });
    expect(p.library).toMatchObject({ entryId: 'lib-visit', version: 1, ceilingFen: 8_000, unit: 'session', vendorIds: [VENDORS.xinyuan] });
    const facts = await app.deps.services.library.qualifiedNow(p.id);
    expect(facts).toEqual({ entryId: 'lib-visit', version: 1, vendorIds: [VENDORS.xinyuan] });
  });
});
