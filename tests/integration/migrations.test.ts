// The schema on every database the storage suites run on: the migrations apply, undo and apply
// again, and what they build holds its constraints (foreign keys on, the ledger's CHECKs).
import { afterEach, describe, expect, it } from 'vitest';
import { migrationSource } from '../../db/migrations/index.js';
import { isPostgres, migrateLatest, type Db } from '../../src/lib/db.js';
import { STORAGE_KINDS, createTestDb, type TestDb } from '../support/db.js';

async function tables(db: Db, schema?: string): Promise<string[]> {
  if (isPostgres(db)) {
    const rows = await db('information_schema.tables').where({ table_schema: schema }).select('table_name');
    return rows.map((r) => r.table_name as string).sort();
  }
  const rows = await db('sqlite_master').where({ type: 'table' }).whereNot('name', 'like', 'sqlite_%').select('name');
  return rows.map((r) => r.name as string).sort();
}

describe.each(STORAGE_KINDS)('migrations on %s', (kind) => {
  let t: TestDb;
  afterEach(async () => {
    await t.cleanup();
  });

  it('when every migration is undone and applied again, then the same tables come back and the schema is up to date', async () => {
    t = await createTestDb(kind);
    const schema = t.cfg.client === 'pg' ? t.cfg.schema : undefined;
    const opts = { migrationSource, ...(schema ? { schemaName: schema } : {}) };
    const before = await tables(t.db, schema);
    expect(before).toEqual(expect.arrayContaining(['workflow_instances', 'workflow_history', 'timers', 'outbox', 'projects', 'ledger_entries', 'allocations']));

    await t.db.migrate.rollback(opts, true);
    expect((await tables(t.db, schema)).filter((n) => !n.startsWith('knex_'))).toEqual([]);

    await migrateLatest(t.db, t.cfg);
    expect(await tables(t.db, schema)).toEqual(before);
    const [, pending] = (await t.db.migrate.list(opts)) as [unknown[], unknown[]];
    expect(pending).toEqual([]);
  });

  it('when a row breaks a foreign key or the ledger balance, then the database itself refuses it', async () => {
    t = await createTestDb(kind);
    const at = '2026-03-02T01:00:00.000Z';
    await expect(
      t.db('workflow_history').insert({
        instance_id: 'no-such-instance', seq: 1, type: 'X', payload: '{}', actor: '{}', from_state: null, to_state: 'a', at, prev_hash: '0', hash: '1',
      }),
    ).rejects.toThrow(/foreign key/i);
    await t.db('districts').insert({ id: 'd1', code: 'XZ', name_zh: '香洲区', name_en: 'Xiangzhou' });
    await t.db('streets').insert({ id: 's1', district_id: 'd1', name_zh: '拱北街道', name_en: 'Gongbei' });
    await t.db('communities').insert({ id: 'c1', street_id: 's1', name_zh: '莲花社区', name_en: 'Lianhua' });
    await t.db('allocations').insert({ community_id: 'c1', year: 2026, allocated_fen: 100 });
    // More reserved than allocated: the balance CHECK refuses it, and the row stays as it was.
    await expect(t.db('allocations').where({ community_id: 'c1' }).update({ reserved_fen: 101 })).rejects.toThrow(/check/i);
    expect(Number((await t.db('allocations').first('reserved_fen')).reserved_fen)).toBe(0);
  });
});
