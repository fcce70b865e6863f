// `npm run bench`: engine transitions per second against a bare-knex baseline that writes the same
// rows (instance snapshot, hashed history row, timer insert/cancel, outbox row) in the same number
// of transactions. Rounds alternate baseline/engine after a warm-up; medians are compared.
//   BENCH_TRANSITIONS  per measured run (default 2000)   BENCH_ROUNDS  (default 7)
// Runs on both SQLite drivers (better-sqlite3, the default, and sqlite3) and prints them side by side.
//   BENCH_DATABASE_URL or TEST_DATABASE_URL = postgres://…  also benchmarks PostgreSQL
import { dropSchema } from '../support/db.js';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { alternate } from './rounds.js';
import { writeResult } from './results.js';
import { parseDatabaseUrl, type DatabaseConfig, type SqliteDriver } from '../../src/config.js';
import { createDb, isPostgres, migrateLatest, type Db } from '../../src/lib/db.js';
import { ManualClock } from '../../src/lib/clock.js';
import { toyEngine } from '../support/engine.js';
import { USER } from '../support/toy-workflow.js';

const TRANSITIONS = Number(process.env.BENCH_TRANSITIONS ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const INSTANCES = 16;

type Kind = 'BUMP' | 'MAIL' | 'SUBMIT' | 'WITHDRAW';
interface Step {
  inst: number;
  type: Kind;
}

/** A deterministic plan: mostly BUMP, some MAIL, and SUBMIT always followed (on that instance) by WITHDRAW. */
function makePlan(n: number, states: ('open' | 'review')[], seed: number): Step[] {
  let a = seed >>> 0;
  const rnd = () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return a / 4294967296;
  };
  const plan: Step[] = [];
  for (let i = 0; i < n; i++) {
    const inst = i % states.length;
    let type: Kind;
    if (states[inst] === 'review') {
      type = 'WITHDRAW';
      states[inst] = 'open';
    } else {
      const r = rnd();
      type = r < 0.8 ? 'BUMP' : r < 0.9 ? 'MAIL' : 'SUBMIT';
      if (type === 'SUBMIT') states[inst] = 'review';
    }
    plan.push({ inst, type });
  }
  return plan;
}

function eventOf(type: Kind, i: number): { type: string } & Record<string, unknown> {
  if (type === 'BUMP') return { type, by: 1 + (i % 10) };
  if (type === 'MAIL') return { type, to: `resident${i % 97}@example.org` };
  return { type };
}

interface Target {
  name: string;
  cfg: DatabaseConfig;
  db: Db;
  cleanup(): Promise<void>;
}

async function sqliteTarget(driver: SqliteDriver): Promise<Target> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wss-bench-'));
  const cfg: DatabaseConfig = { client: 'sqlite', driver, filename: path.join(dir, 'bench.db') };
  const db = createDb(cfg);
  await migrateLatest(db, cfg);
  return { name: `sqlite (${driver})`, cfg, db, cleanup: async () => { await db.destroy(); fs.rmSync(dir, { recursive: true, force: true }); } };
}

async function postgresTarget(url: string): Promise<Target> {
  const base = parseDatabaseUrl(url);
  if (base.client !== 'pg') throw new Error('BENCH_DATABASE_URL must be postgres://');
  const schema = `bench_${process.pid}_${randomBytes(3).toString('hex')}`;
  const cfg: DatabaseConfig = { ...base, schema };
  const db = createDb(cfg);
  await migrateLatest(db, cfg);
  return {
    name: 'postgres',
    cfg,
    db,
    cleanup: async () => {
      await db.destroy();
      await dropSchema(base.connectionString, schema);
    },
  };
}

interface Measured {
  name: string;
  baseline: number;
  engine: number;
  ratio: number;
}

async function benchTarget(target: Target): Promise<Measured> {
  const { db } = target;
  const pg = isPostgres(db);
  const clock = new ManualClock(Date.UTC(2026, 2, 2, 1, 0, 0));
  const { engine } = toyEngine(db, clock);

  // Engine instances, and as many baseline instances with a snapshot of the same shape and size.
  const engineIds: string[] = [];
  const engineStates: ('open' | 'review')[] = [];
  for (let i = 0; i < INSTANCES; i++) {
    engineIds.push((await engine.start('toy', { title: `bench ${i} 助残爬楼机`, reviewDays: 2 }, { actor: USER })).instanceId);
    engineStates.push('open');
  }
  const sample = await db('workflow_instances').where({ id: engineIds[0] }).first();
  const template = JSON.parse(sample.snapshot as string) as { context: { count: number } };
  const baseIds: string[] = [];
  const baseStates: ('open' | 'review')[] = [];
  const at0 = clock.now().toISOString();
  for (let i = 0; i < INSTANCES; i++) {
    const id = `base-${randomBytes(14).toString('hex')}`;
    baseIds.push(id);
    baseStates.push('open');
    await db('workflow_instances').insert({
      id, workflow: 'toy', workflow_version: 1, state: 'open', status: 'active', snapshot: JSON.stringify(template),
      version: 0, history_head: '0'.repeat(64), created_at: at0, updated_at: at0,
    });
  }

  // Both sides draw the same sequence of plans, so they write exactly the same kinds of rows.
  let engineSeed = 1;
  let baseSeed = 1;
  async function runEngine(n: number): Promise<number> {
    const plan = makePlan(n, engineStates, engineSeed++);
    const t0 = process.hrtime.bigint();
    for (const [i, s] of plan.entries()) {
      clock.advance(1000);
      await engine.send(engineIds[s.inst]!, eventOf(s.type, i), { actor: USER });
    }
    return Number(process.hrtime.bigint() - t0) / 1e6;
  }

  /** What a hand-written transition costs: read the row, hash, write the same rows, one transaction. */
  async function runBaseline(n: number): Promise<number> {
    const plan = makePlan(n, baseStates, baseSeed++);
    const t0 = process.hrtime.bigint();
    for (const [i, s] of plan.entries()) {
      clock.advance(1000);
      const id = baseIds[s.inst]!;
      const at = clock.now().toISOString();
      const ev = eventOf(s.type, i);
      await db.transaction(async (trx) => {
        const q = trx('workflow_instances').where({ id }).first('version', 'history_head', 'state', 'snapshot');
        const row = await (pg ? q.forUpdate() : q);
        const seq = Number(row.version) + 1;
        const snap = JSON.parse(row.snapshot as string) as { context: { count: number }; value: string };
        snap.context.count += 1;
        const to = s.type === 'SUBMIT' ? 'review' : s.type === 'WITHDRAW' ? 'open' : row.state;
        snap.value = to;
        const { type, ...payload } = ev;
        const hash = createHash('sha256')
          .update(row.history_head)
          .update('\n')
          .update(JSON.stringify({ instanceId: id, seq, type, payload, actor: USER, from: row.state, to, at }))
          .digest('hex');
        if (s.type === 'SUBMIT') {
          await trx('timers').insert({
            instance_id: id, send_id: 'deadline', event: JSON.stringify({ type: 'DEADLINE' }),
            due_at: new Date(Date.parse(at) + 2 * 86_400_000).toISOString(), status: 'pending', created_seq: seq, created_at: at,
          });
        } else if (s.type === 'WITHDRAW') {
          await trx('timers').where({ instance_id: id, send_id: 'deadline', status: 'pending' }).update({ status: 'cancelled', fired_at: at });
        } else if (s.type === 'MAIL') {
          await trx('outbox').insert({
            instance_id: id, message_id: `<${randomBytes(16).toString('hex')}@weishishi.local>`, to_addr: String(ev.to),
            subject: `bench #${snap.context.count}`, text: 'hello', status: 'pending', attempts: 0, next_attempt_at: at, created_at: at,
          });
        }
        await trx('workflow_history').insert({
          instance_id: id, seq, type, payload: JSON.stringify(payload), actor: JSON.stringify(USER),
          from_state: row.state, to_state: to, at, prev_hash: row.history_head, hash,
        });
        await trx('workflow_instances').where({ id }).update({
          state: to, snapshot: JSON.stringify(snap), version: seq, history_head: hash, updated_at: at,
        });
      });
    }
    return Number(process.hrtime.bigint() - t0) / 1e6;
  }

  const { base, eng, baseline: mb, engine: me } = await alternate(TRANSITIONS, ROUNDS, runBaseline, runEngine);


  // Same proportions of side rows in both runs (the plans are drawn the same way).
  const sideRows = async (ids: string[]) => ({
    timers: Number((await db('timers').whereIn('instance_id', ids).count<{ n: number }[]>({ n: '*' }))[0]!.n),
    outbox: Number((await db('outbox').whereIn('instance_id', ids).count<{ n: number }[]>({ n: '*' }))[0]!.n),
    history: Number((await db('workflow_history').whereIn('instance_id', ids).count<{ n: number }[]>({ n: '*' }))[0]!.n),
  });
  const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(' ');
  console.log(`${target.name}: ${INSTANCES} instances, ${ROUNDS} rounds of ${TRANSITIONS} transitions (sequential, one transaction each)`);
  console.log(`  engine   rows: ${JSON.stringify(await sideRows(engineIds))} (incl. ${INSTANCES} $start)`);
  console.log(`  baseline rows: ${JSON.stringify(await sideRows(baseIds))}`);
  console.log(`  baseline transitions/s: median ${mb.toFixed(0)}  (runs: ${fmt(base)})`);
  console.log(`  engine   transitions/s: median ${me.toFixed(0)}  (runs: ${fmt(eng)})`);
  return { name: target.name, baseline: mb, engine: me, ratio: me / mb };
}

const started = Date.now();
const targets: (() => Promise<Target>)[] = [() => sqliteTarget('better-sqlite3'), () => sqliteTarget('sqlite3')];
const pgUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
if (pgUrl) targets.push(() => postgresTarget(pgUrl));
const results: Measured[] = [];
for (const make of targets) {
  const target = await make();
  try {
    results.push(await benchTarget(target));
  } finally {
    await target.cleanup();
  }
}
// One table, every database side by side. The last column compares each engine with the default
// driver's engine, measured in this same run.
const first = results[0]!;
console.log('\nengine bench (transitions/s, medians)');
console.log(`  ${'database'.padEnd(24)} ${'baseline'.padStart(9)} ${'engine'.padStart(9)}  engine/baseline  engine vs better-sqlite3`);
for (const r of results) {
  console.log(`  ${r.name.padEnd(24)} ${r.baseline.toFixed(0).padStart(9)} ${r.engine.toFixed(0).padStart(9)}  ${r.ratio.toFixed(2).padStart(15)}  ${(r.engine / first.engine).toFixed(2).padStart(23)}`);
}
// The line earlier notes and scripts read: the default driver's ratio.
console.log(`engine/baseline ratio: ${first.ratio.toFixed(2)}`);
const low = results.filter((r) => r.ratio < 0.7).map((r) => r.name);
console.log(`bench took ${((Date.now() - started) / 1000).toFixed(1)} s${low.length ? ` — ratio below the 0.70 target on ${low.join(', ')}` : ''}`);
writeResult('engine', { transitions: TRANSITIONS, rounds: ROUNDS, results: results.map((r) => ({ name: r.name, baseline: r.baseline, engine: r.engine, ratio: r.ratio })) });
