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

  it('when projects exist before the groups and budget year, then the migration gives each its year as budget year and a main group from its old category, deactivates the old categories, and undoes it all', async () => {
    t = await createTestDb(kind);
    const schema = t.cfg.client === 'pg' ? t.cfg.schema : undefined;
    const opts = { migrationSource, ...(schema ? { schemaName: schema } : {}) };
    const name = '20261205130000_groups_and_budget_year';
    await t.db.migrate.down({ ...opts, name });
    const at = '2026-03-02T01:00:00.000Z';
    await t.db('districts').insert({ id: 'd1', code: 'XZ', name_zh: '香洲区', name_en: 'Xiangzhou' });
    await t.db('streets').insert({ id: 's1', district_id: 'd1', name_zh: '拱北街道', name_en: 'Gongbei' });
    await t.db('communities').insert({ id: 'c1', street_id: 's1', name_zh: '莲花社区', name_en: 'Lianhua' });
    // the old demo's categories; 助行 and 公共设施 were among them, and stay after `down`
    await t.db('categories').whereIn('code', ['助行', '公共设施']).update({ active: true });
    await t.db('categories').insert([
      { code: '助残', name_zh: '助残', name_en: 'Disability support', sort: 0, active: true },
      { code: '助老', name_zh: '助老', name_en: 'Older people', sort: 1, active: true },
      { code: '便民利民', name_zh: '便民利民', name_en: 'Neighbourhood services', sort: 3, active: true },
    ]);
    const old: Array<[string, string]> = [['p1', '助残'], ['p2', '助老'], ['p3', '便民利民']];
    for (const [i, [id, category]] of old.entries()) {
      await t.db('workflow_instances').insert({ id, workflow: 'project', workflow_version: 2, state: 'draft', status: 'active', snapshot: '{}', version: 1, history_head: '0', created_at: at, updated_at: at });
      await t.db('projects').insert({
        id, ref: `XZ-2025-000${i + 1}`, district_id: 'd1', street_id: 's1', community_id: 'c1', year: 2025, type: 'goods', category, title: id,
        estimated_fen: 100, state: 'draft', stage_entered_at: at, rules_version: 1, created_by: 'u1', created_at: at, updated_at: at,
      });
    }

    await migrateLatest(t.db, t.cfg);
    const rows = await t.db('projects').orderBy('id').select('id', 'category', 'budget_year', 'main_group', 'other_groups');
    expect(rows.map((r) => [r.id, r.category, Number(r.budget_year), r.main_group, r.other_groups])).toEqual([
      ['p1', '助残', 2025, '残疾人', '[]'], ['p2', '助老', 2025, '老年人', '[]'], ['p3', '便民利民', 2025, '全体居民', '[]'],
    ]);
    const active = async () => (await t.db('categories').where({ active: true }).orderBy('sort').pluck('code')) as string[];
    expect(await active()).toEqual(['助行', '居家改造', '探访慰藉', '康复训练', '就业帮扶', '文体活动', '公共设施', '便民服务']);
    expect((await t.db('categories').whereIn('code', ['助残', '助老', '便民利民']).pluck('active')).map(Boolean)).toEqual([false, false, false]);
    expect(await t.db('beneficiary_groups').orderBy('sort').pluck('name_zh')).toEqual(['残疾人', '老年人', '儿童', '学生', '低保/特困', '困境儿童', '全体居民']);

    await t.db.migrate.down({ ...opts, name });
    expect(await tables(t.db, schema)).not.toContain('beneficiary_groups');
    expect(Object.keys(await t.db('projects').first())).not.toContain('budget_year');
    expect((await active()).sort()).toEqual(['便民利民', '助残', '助老', '助行', '公共设施'].sort());
    await migrateLatest(t.db, t.cfg);
  });
});
