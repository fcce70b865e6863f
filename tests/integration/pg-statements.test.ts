// Prepared statements on PostgreSQL (src/lib/pg-statements.ts): a connection prepares the texts it
// sends again, never one sent once or one without parameters, holds a bounded number, and survives
// a schema change, its own pool's or another process's, with at most the one statement that met it
// failing. `prepare=0` in DATABASE_URL turns it off.
import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseDatabaseUrl } from '../../src/config.js';
import { createDb, type Db } from '../../src/lib/db.js';
import { prepareRepeatedStatements, statementPool, type StatementPool } from '../../src/lib/pg-statements.js';
import { createTestDb, type TestDb } from '../support/db.js';

/** The texts the connection running `q` has prepared. */
async function preparedOn(q: Knex | Knex.Transaction): Promise<string[]> {
  const rows = (await q.raw('select statement from pg_prepared_statements')).rows as Array<{ statement: string }>;
  return rows.map((r) => r.statement).sort();
}

describe.skipIf(!process.env.TEST_DATABASE_URL)('prepared statements on PostgreSQL', () => {
  let t: TestDb;
  const pools: Knex[] = [];
  /** A pool of one connection on the test schema, preparing as createDb's do (one connection: the test knows which one it talks to). */
  const onePool = (opts: { max?: number; shared?: StatementPool } = {}): Knex => {
    if (t.cfg.client !== 'pg') throw new Error('postgres only');
    const shared = opts.shared ?? statementPool();
    const k = knexFactory({
      client: 'pg',
      connection: { connectionString: t.cfg.connectionString },
      searchPath: [t.cfg.schema!, 'public'],
      pool: {
        min: 1,
        max: 1,
        afterCreate: (conn: Parameters<typeof prepareRepeatedStatements>[0], done: (err: Error | null, c: unknown) => void) => {
          prepareRepeatedStatements(conn, shared, { max: opts.max });
          done(null, conn);
        },
      },
    });
    pools.push(k);
    return k;
  };
  const selectAll = (q: Knex) => q('ps_rows').where({ id: 1 }).first();

  beforeAll(async () => {
    t = await createTestDb('postgres');
    await t.db.schema.createTable('ps_rows', (tb) => {
      tb.integer('id').primary();
      tb.string('label', 20).notNullable();
    });
    await t.db('ps_rows').insert([{ id: 1, label: 'one' }, { id: 2, label: 'two' }]);
  });
  afterAll(async () => {
    for (const k of pools) await k.destroy();
    await t?.cleanup();
  });

  it('when a text with parameters is sent a second time, then the connection has it prepared; sent once, or without parameters, it is not', async () => {
    const k = onePool();
    await k('ps_rows').where({ id: 1 }).first();
    await k('ps_rows').where({ label: 'two' }).select('id');
    await k.raw('select count(*) from ps_rows');
    await k.raw('select count(*) from ps_rows');
    expect(await preparedOn(k)).toEqual([]);
    // the second time it is prepared, and answers as before
    expect(await k('ps_rows').where({ id: 1 }).first()).toEqual({ id: 1, label: 'one' });
    expect(await k('ps_rows').where({ id: 2 }).first()).toEqual({ id: 2, label: 'two' });
    expect(await preparedOn(k)).toEqual(['select * from "ps_rows" where "id" = $1 limit $2']);
  });

  it('when more texts repeat than a connection may hold, then it drops them all and goes on preparing, never holding more', async () => {
    const k = onePool({ max: 3 });
    const most: number[] = [];
    for (let i = 0; i < 8; i++) {
      const q = () => k('ps_rows').where({ id: 1 }).select(k.raw(`${i} as n`), 'label');
      await q();
      expect(await q()).toEqual([{ n: i, label: 'one' }]);
      most.push((await preparedOn(k)).length);
    }
    expect(Math.max(...most)).toBe(3);
    // each time the fourth came, the three went and it was sent unprepared; the next texts start again
    expect(most).toEqual([1, 2, 3, 0, 1, 2, 3, 0]);
  });

  it('when its own pool changes a table, then every connection forgets what it prepared on it, and `select *` gives the new column', async () => {
    const shared = statementPool();
    const a = onePool({ shared });
    const b = onePool({ shared });
    for (const k of [a, b]) for (let i = 0; i < 2; i++) await selectAll(k);
    expect(await preparedOn(b)).toHaveLength(1);
    await a.schema.alterTable('ps_rows', (tb) => tb.string('note', 20).nullable());
    try {
      for (const k of [a, b]) expect(await selectAll(k)).toEqual({ id: 1, label: 'one', note: null });
      expect(await preparedOn(b)).toEqual([]);
    } finally {
      await t.db.schema.alterTable('ps_rows', (tb) => tb.dropColumn('note'));
    }
  });

  it('when another process changes a table, then only the statement that meets the change fails, even inside a transaction, and the next one is prepared afresh', async () => {
    const k = onePool();
    for (let i = 0; i < 2; i++) await selectAll(k);
    await t.db.schema.alterTable('ps_rows', (tb) => tb.string('note2', 20).nullable());
    try {
      await expect(k.transaction(async (trx) => trx('ps_rows').where({ id: 1 }).first())).rejects.toMatchObject({ code: '0A000' });
      expect(await selectAll(k)).toEqual({ id: 1, label: 'one', note2: null });
      await selectAll(k);
      expect(await preparedOn(k)).toEqual(['select * from "ps_rows" where "id" = $1 limit $2']);
    } finally {
      await t.db.schema.alterTable('ps_rows', (tb) => tb.dropColumn('note2'));
    }
  });

  it('when DATABASE_URL says prepare=0, then nothing is prepared; createDb prepares otherwise', async () => {
    if (t.cfg.client !== 'pg') throw new Error('postgres only');
    const url = new URL(process.env.TEST_DATABASE_URL!);
    url.searchParams.set('schema', t.cfg.schema!);
    const count = async (db: Db) =>
      db.transaction(async (trx) => {
        for (let i = 0; i < 3; i++) await trx('ps_rows').where({ id: 2 }).first();
        return (await preparedOn(trx)).length;
      });
    url.searchParams.set('prepare', '0');
    const off = createDb(parseDatabaseUrl(url.toString()));
    url.searchParams.set('prepare', '1');
    const on = createDb(parseDatabaseUrl(url.toString()));
    try {
      expect(parseDatabaseUrl(url.toString())).not.toHaveProperty('prepare');
      expect(await count(off)).toBe(0);
      expect(await count(on)).toBe(1);
    } finally {
      await off.destroy();
      await on.destroy();
    }
    url.searchParams.set('prepare', 'sometimes');
    expect(() => parseDatabaseUrl(url.toString())).toThrow(ConfigError);
  });
});
