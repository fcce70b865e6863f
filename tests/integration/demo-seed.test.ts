import { afterEach, describe, expect, it } from 'vitest';
import { verifyAll } from '../../src/engine/verify.js';
import { STORAGE_KINDS } from '../support/db.js';
import { createTestApp, type TestApp } from '../support/app.js';

describe.each(STORAGE_KINDS)('the demo stories on %s', (kind) => {
  let a: TestApp | undefined;
  afterEach(async () => {
    await a?.close();
  });

  it('when npm start seeds an empty database, then projects stand at eight stages, driven through the real workflow, and verify passes', async () => {
    // createTestApp seeds the minimal set; a fresh app with DEMO data off lets us seed the stories.
    a = await createTestApp({ kind, seed: false });
    const r = await a.deps.services.seedDemo({ stories: true });
    expect(r.created).toBe(true);
    const rows = await a.deps.db('projects').orderBy('ref').select('ref', 'state', 'paid_fen', 'approved_fen');
    expect(rows.map((p) => p.state)).toEqual([
      'closed', 'delivery', 'procurement.quoting', 'budget_approval', 'street_review', 'public_notice', 'screening', 'draft',
    ]);
    expect(Number(rows[0].paid_fen)).toBe(3_600_000);
    // The clock the stories ran on stopped at "now": nothing that was due is left unfired.
    const overdue = await a.deps.db('timers').where('status', 'pending').andWhere('due_at', '<=', a.clock.now().toISOString());
    expect(overdue).toEqual([]);
    expect(await verifyAll(a.deps.engine, a.deps.db)).toMatchObject({ checked: 8, problems: [] });
    for (const al of await a.deps.services.ledger.allocations()) {
      expect(al.availableFen + al.reservedFen + al.committedFen + al.spentFen).toBe(al.allocatedFen);
      expect(Math.min(al.availableFen, al.reservedFen, al.committedFen, al.spentFen)).toBeGreaterThanOrEqual(0);
    }
    // Every allocation can be rebuilt from its ledger entries…
    expect(await a.deps.services.ledger.audit()).toEqual([]);
    // …so money moved behind the ledger's back is caught, whichever side was edited.
    await a.deps.db('allocations').where({ community_id: 'cm-lianhua', year: 2026 }).update({ spent_fen: a.deps.db.raw('spent_fen - 100'), reserved_fen: a.deps.db.raw('reserved_fen + 100') });
    expect((await a.deps.services.ledger.audit()).map((p) => p.communityId)).toContain('cm-lianhua');
    await a.deps.db('allocations').where({ community_id: 'cm-lianhua', year: 2026 }).update({ spent_fen: a.deps.db.raw('spent_fen + 100'), reserved_fen: a.deps.db.raw('reserved_fen - 100') });
    expect(await a.deps.services.ledger.audit()).toEqual([]);
    await a.deps.db('ledger_entries').where({ kind: 'spend' }).orderBy('id').limit(1).update({ fen: 1 });
    expect(await a.deps.services.ledger.audit()).toEqual([
      expect.objectContaining({ communityId: 'cm-lianhua', year: 2026, problem: expect.stringContaining('spent') }),
      expect.objectContaining({ communityId: 'cm-lianhua', year: 2026, problem: expect.stringContaining('reserved + committed') }),
    ]);
    // Seeding again changes nothing.
    expect((await a.deps.services.seedDemo({ stories: true })).created).toBe(false);
    expect(await a.deps.db('projects').count({ n: '*' })).toEqual([{ n: 8 }]);
  });
});
