// writeTogether (src/lib/db.ts): a transition's independent writes — the history row, the waits rows
// and the instance; the project row and its stage visits — go to PostgreSQL as one statement (one
// round trip) and run one by one on SQLite. Both must leave the same rows, report the last
// statement's count, keep every value a parameter, and write nothing when one part fails. The
// appends a transition gathers (appendRows, appendStatement) join them, keeping their order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_GROUP_BINDINGS, appendRows, appendStatement, gatherAppends, takeAppends, writeTogether, type Db } from '../../src/lib/db.js';
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

  it('when a group has more parameters than one statement may carry, then it goes as several and every row lands', async () => {
    // inserts of 500 rows of 3 values (SQLite's compound select takes 500): enough to pass the limit about twice
    const inserts = Math.ceil((MAX_GROUP_BINDINGS * 2.2) / 1500);
    const n = inserts * 500;
    const statements = await statementsSent(db, () => db.transaction(async (trx) => {
      const writes = Array.from({ length: inserts }, (_, k) => trx('wt_rows').insert(Array.from({ length: 500 }, (_, i) => ({ owner: 'big', label: `r${k * 500 + i}`, open: 1 }))));
      expect(await writeTogether(trx, [...writes, trx('wt_rows').whereIn('label', ['r0', 'r1']).update({ open: 0 })])).toBe(2);
    }));
    expect((await rows('big')).length).toBe(n);
    expect((await rows('big')).filter((r) => !r.open).map((r) => r.label)).toEqual(['r0', 'r1']);
    // BEGIN, the statements, COMMIT: on PostgreSQL three statements of at most 30,000 values each
    expect(statements - 2).toBe(kind === 'postgres' ? 3 : inserts + 1);
  });

  it('when appends are gathered, then nothing is sent until they are taken, a table\'s rows go as one insert in the order they came, and statements go first', async () => {
    await db('wt_rows').insert({ owner: 'g', label: 'old', open: 1 });
    const sent = await statementsSent(db, () => db.transaction(async (trx) => {
      expect(gatherAppends(trx)).toBe(true);
      expect(gatherAppends(trx)).toBe(false); // a second gathering joins the first
      await appendRows(trx, 'wt_rows', [{ owner: 'g', label: 'a', open: 1 }]);
      await appendStatement(trx, trx('wt_rows').where({ owner: 'g', label: 'old' }).update({ open: 0 }));
      await appendRows(trx, 'wt_rows', [{ owner: 'g', label: 'b', open: 1 }, { owner: 'g', label: 'c', open: 1 }]);
      expect(Number((await trx('wt_rows').where({ owner: 'g' }).count<{ n: number }[]>({ n: '*' }))[0]!.n)).toBe(1);
      const appends = takeAppends(trx);
      expect(appends.map((q) => q.toSQL().sql.split(' ')[0])).toEqual(['update', 'insert']);
      expect(takeAppends(trx)).toEqual([]);
      await writeTogether(trx, appends);
    }));
    // BEGIN, the count, the appends (one statement on PostgreSQL), COMMIT
    expect(sent - 3).toBe(kind === 'postgres' ? 1 : 2);
    expect(await rows('g')).toEqual([{ label: 'old', open: false }, { label: 'a', open: true }, { label: 'b', open: true }, { label: 'c', open: true }]);
  });

  it('when no gathering is begun, then appends are written at once; rows of one table must name the same columns', async () => {
    await db.transaction(async (trx) => {
      await appendRows(trx, 'wt_rows', [{ owner: 'h', label: 'now', open: 1 }]);
      await appendStatement(trx, trx('wt_rows').where({ owner: 'h' }).update({ open: 0 }));
      expect(await trx('wt_rows').where({ owner: 'h' }).select('label', 'open')).toEqual([{ label: 'now', open: 0 }]);
      gatherAppends(trx);
      await appendRows(trx, 'wt_rows', [{ owner: 'h', label: 'x', open: 1 }]);
      await appendRows(trx, 'wt_rows', [{ owner: 'h', label: 'y' }]);
      expect(() => takeAppends(trx)).toThrow(/same columns/);
    });
    expect((await rows('h')).map((r) => r.label)).toEqual(['now']);
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
