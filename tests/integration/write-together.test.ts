// writeTogether (src/lib/db.ts): a transition's independent writes — the history row, the waits rows
// and the instance; the project row and its stage visits — go to PostgreSQL as one statement (one
// round trip) and run one by one on SQLite. Both must leave the same rows, report the last
// statement's count, keep every value a parameter, and write nothing when one part fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTogether, type Db } from '../../src/lib/db.js';
import { STORAGE_KINDS, createTestDb, statementsSent, type TestDb } from '../support/db.js';

describe.each(STORAGE_KINDS)('writeTogether on %s', (kind) => {
  let t: TestDb;
  let db: Db;
  const rows = async (owner: string) =>
    (await db('wt_rows').where({ owner }).orderBy('id').select('label', 'open')).map((r: { label: string; open: unknown }) => ({ label: r.label, open: Boolean(Number(r.open)) }));

  beforeAll(async () => {
    t = await createTestDb(kind);
    db = t.db;
    await db.schema.createTable('wt_rows', (tb) => {
      tb.increments('id').primary();
      tb.string('owner', 20).notNullable();
      tb.string('label', 200).notNullable();
      tb.integer('open').notNullable();
      tb.unique(['owner', 'label']);
    });
  });
  afterAll(async () => t?.cleanup());


  it('when the rows as they stand are deleted and the new ones inserted together, then only the new ones remain, in one round trip on PostgreSQL', async () => {
    await db('wt_rows').insert([{ owner: 'a', label: 'x', open: 1 }, { owner: 'a', label: 'y', open: 1 }]);
    const statements = await statementsSent(db, () => db.transaction((trx) => writeTogether(trx, [
      trx('wt_rows').where({ owner: 'a' }).del(),
      trx('wt_rows').insert([{ owner: 'a', label: 'y2', open: 1 }, { owner: 'a', label: 'z', open: 1 }]),
    ])));
    expect((await rows('a')).map((r) => r.label).sort()).toEqual(['y2', 'z']);
    // BEGIN, the statements, COMMIT
    expect(statements - 2).toBe(kind === 'postgres' ? 1 : 2);
  });

  it('when the open row is closed and a new open one inserted, then exactly the new one is open (the close does not see it)', async () => {
    await db('wt_rows').insert({ owner: 'b', label: 'stage-1', open: 1 });
    await db.transaction((trx) => writeTogether(trx, [
      trx('wt_rows').where({ owner: 'b', open: 1 }).update({ open: 0 }),
      trx('wt_rows').insert({ owner: 'b', label: 'stage-2', open: 1 }),
    ]));
    expect(await rows('b')).toEqual([{ label: 'stage-1', open: false }, { label: 'stage-2', open: true }]);
  });

  it('when the last statement is an update, then its count is returned (0 when it matched nothing)', async () => {
    await db('wt_rows').insert([{ owner: 'c', label: 'p', open: 1 }, { owner: 'c', label: 'q', open: 1 }]);
    const two = await db.transaction((trx) => writeTogether(trx, [
      trx('wt_rows').insert({ owner: 'c2', label: 'r', open: 1 }),
      trx('wt_rows').where({ owner: 'c' }).update({ open: 0 }),
    ]));
    expect(two).toBe(2);
    const none = await db.transaction((trx) => writeTogether(trx, [
      trx('wt_rows').insert({ owner: 'c2', label: 's', open: 1 }),
      trx('wt_rows').where({ owner: 'nobody' }).update({ open: 0 }),
    ]));
    expect(none).toBe(0);
    expect(await db.transaction((trx) => writeTogether(trx, []))).toBe(0);
  });

  it('when values hold quotes, question marks, dollar signs and backslashes, then they are stored exactly (parameters, never SQL text)', async () => {
    const labels = [`O'Brien "x" ? ?? $1 \\ \\' ; drop table wt_rows; --`, '居家适老化改造？$2', '?'];
    await db('wt_rows').insert({ owner: 'd', label: 'before', open: 1 });
    await db.transaction((trx) => writeTogether(trx, [
      trx('wt_rows').insert({ owner: 'd', label: labels[0]!, open: 1 }),
      trx('wt_rows').insert({ owner: 'd', label: labels[1]!, open: 0 }),
      trx('wt_rows').where({ owner: 'd', label: 'before' }).update({ label: labels[2]! }),
    ]));
    // (PostgreSQL may run the parts in any order: the ids say nothing)
    expect((await rows('d')).map((r) => r.label).sort()).toEqual([...labels].sort());
  });

  it('when a statement touches a row an earlier one wrote, then the databases differ: the rule the callers keep', async () => {
    await db.transaction((trx) => writeTogether(trx, [
      trx('wt_rows').insert({ owner: 'f', label: 'new', open: 1 }),
      trx('wt_rows').where({ owner: 'f' }).update({ open: 0 }),
    ]));
    // PostgreSQL's update ran against the rows as they stood before the statement; SQLite's after the insert
    expect(await rows('f')).toEqual([{ label: 'new', open: kind === 'postgres' }]);
  });

  it('when one part fails, then the transaction writes nothing of the others', async () => {
    await db('wt_rows').insert({ owner: 'e', label: 'kept', open: 1 });
    await expect(db.transaction((trx) => writeTogether(trx, [
      trx('wt_rows').where({ owner: 'e' }).update({ open: 0 }),
      trx('wt_rows').insert({ owner: 'e2', label: 'new', open: 1 }),
      trx('wt_rows').insert({ owner: 'e', label: 'kept', open: 1 }), // the unique key refuses it
    ]))).rejects.toThrow();
    expect(await rows('e')).toEqual([{ label: 'kept', open: true }]);
    expect(await rows('e2')).toEqual([]);
  });
});
