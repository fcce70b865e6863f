// `npm run bench` (second part): transitions per second of the REAL `project` workflow, as the app
// builds it (createDeps, the demo's reference data), with its effects (notices → outbox rows), its
// read model (the `projects` row through syncReadModel, `project_vendors`) and the engine's
// "waiting for" rows (`workflow_waits`, from the workflow's `describe` hook) — against a bare-knex
// baseline that writes the same rows in the same number of transactions. Rounds alternate
// baseline/engine after a warm-up; medians are compared, as run.ts does for the toy workflow.
//
// The steady-state mix keeps every project alive: drafts are COMMENTed, EDITed and SUBMITted;
// screening is COMMENTed or RETURNed to draft (by the other community user: four-eyes rows); a
// few projects sit in procurement.quoting with three invited vendors and are COMMENTed (the read
// model reads `project_vendors`). Both sides draw the same plans; one last round on each side
// counts the rows written, table by table, and prints them side by side.
//   BENCH_PROJECT_TRANSITIONS  per measured run (default 600)   BENCH_PROJECT_ROUNDS  (default 7)
// better-sqlite3 always; BENCH_DATABASE_URL or TEST_DATABASE_URL = postgres://… adds PostgreSQL.
import { dropSchema } from '../support/db.js';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { alternate } from './rounds.js';
import { stringify } from 'safe-stable-stringify';
import { loadConfig, parseDatabaseUrl } from '../../src/config.js';
import { createDeps, type Deps } from '../../src/deps.js';
import { toActor, type User } from '../../src/auth/users.js';
import type { Actor } from '../../src/engine/types.js';
import { isPostgres, type Db, type Trx } from '../../src/lib/db.js';
import { ManualClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';

const TRANSITIONS = Number(process.env.BENCH_PROJECT_TRANSITIONS ?? 600);
const ROUNDS = Number(process.env.BENCH_PROJECT_ROUNDS ?? 7);
/** per side: projects cycling draft ⇄ screening, and projects in procurement.quoting */
const CYCLING = 24;
const QUOTING = 4;
const T0 = '2026-03-02T01:00:00.000Z'; // Monday 09:00 in Shanghai, a working day
const DAY_MS = 86_400_000;

const NEW_PROJECT = {
  title: '爬楼机配置', type: 'goods', category: '助行', mainGroup: '残疾人', estimatedFen: 3_600_000,
  description: '为无电梯高层住户配置履带式爬楼机两台。',
  items: [{ name: '履带式爬楼机', quantity: 2, unitFen: 1_800_000 }], beneficiaryCount: 2,
};
const DELIBERATION_OK = { members: 9, present: 7, for: 6, against: 1, abstain: 0, minutes: '居民议事会会议纪要：同意立项。' };
const GOOD_CHECKLIST = { positiveArea: 'mutual_help', negativeItems: { property_management: false, duplicate_government: false }, duplicate: false };

type Stage = 'draft' | 'screening' | 'procurement.quoting';
type Kind = 'COMMENT' | 'EDIT' | 'SUBMIT' | 'RETURN';
interface Step {
  inst: number;
  type: Kind;
}

/** A deterministic plan over `states` (changed as it goes): quoting projects only COMMENT. */
function makePlan(n: number, states: Stage[], seed: number): Step[] {
  let a = seed >>> 0;
  const rnd = () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return a / 4294967296;
  };
  const plan: Step[] = [];
  for (let i = 0; i < n; i++) {
    const inst = i % states.length;
    const r = rnd();
    let type: Kind = 'COMMENT';
    if (states[inst] === 'draft') {
      type = r < 0.4 ? 'COMMENT' : r < 0.7 ? 'EDIT' : 'SUBMIT';
      if (type === 'SUBMIT') states[inst] = 'screening';
    } else if (states[inst] === 'screening') {
      type = r < 0.4 ? 'COMMENT' : 'RETURN';
      if (type === 'RETURN') states[inst] = 'draft';
    }
    plan.push({ inst, type });
  }
  return plan;
}

/** The event as a user sends it (the engine validates it to exactly this payload). */
function eventOf(type: Kind, i: number): { type: string } & Record<string, unknown> {
  switch (type) {
    case 'COMMENT':
      return { type, text: `第${i}条意见：请补充爬楼机的售后与培训安排。` };
    case 'EDIT':
      return { type, fields: { title: `爬楼机配置（第${i % 50}版）`, description: `为无电梯高层住户配置履带式爬楼机两台。修订 ${i}。` } };
    case 'SUBMIT':
      return { type };
    case 'RETURN':
      return { type, reason: '材料不全，请补充住户名单后再提交。' };
  }
}

interface WaitTemplate {
  role: string;
  scope: string;
  excluded_user_id: string | null;
  tasks: string;
  deadline_at: string | null;
}

interface Written {
  history: number;
  instances: number;
  projects: number;
  waitsDeletes: number;
  waitsInserted: number;
  outbox: number;
}

const TABLES: Record<string, keyof Written> = {
  'insert workflow_history': 'history',
  'update workflow_instances': 'instances',
  'update projects': 'projects',
  'delete workflow_waits': 'waitsDeletes',
  'insert workflow_waits': 'waitsInserted',
  'insert outbox': 'outbox',
};

/** Counts the rows each write statement names (statements, and for inserts their rows) while on. */
function writeCounter(db: Db) {
  let on: Written | null = null;
  let statements = 0;
  db.on('query', (q: { sql: string; bindings?: unknown[] }) => {
    if (!on) return;
    statements++;
    const m = /^\s*(insert into|update|delete from)\s+(?:"[^"]+"\.)?[`"]?(\w+)[`"]?/i.exec(q.sql);
    if (!m) return;
    const verb = m[1]!.toLowerCase().split(' ')[0]!;
    const key = TABLES[`${verb} ${m[2]}`];
    if (!key) return;
    if (verb === 'insert') {
      // rows = bindings / columns (every value here is bound, whether knex writes VALUES or UNION ALL)
      const cols = /^\s*insert into\s+\S+\s*\(([^)]*)\)/i.exec(q.sql)?.[1]?.split(',').length ?? 1;
      on[key] += Math.round((q.bindings?.length ?? cols) / cols);
    } else {
      on[key] += 1; // one statement, one instance: a row
    }
  });
  return {
    /** The rows written while fn runs, and how many statements (reads too) it sent. */
    async count(fn: () => Promise<unknown>): Promise<{ rows: Written; statements: number }> {
      on = { history: 0, instances: 0, projects: 0, waitsDeletes: 0, waitsInserted: 0, outbox: 0 };
      statements = 0;
      const w = on;
      try {
        await fn();
      } finally {
        on = null;
      }
      return { rows: w, statements };
    },
  };
}

interface Target {
  name: string;
  url: string;
  cleanup(): Promise<void>;
}

function sqliteTarget(): Target {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wss-bench-project-'));
  return { name: 'sqlite (better-sqlite3)', url: `sqlite:${path.join(dir, 'bench.db')}`, cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }) };
}

function postgresTarget(url: string): Target {
  const base = parseDatabaseUrl(url);
  if (base.client !== 'pg') throw new Error('BENCH_DATABASE_URL must be postgres://');
  const schema = `bench_project_${process.pid}_${randomBytes(3).toString('hex')}`;
  const u = new URL(url);
  u.searchParams.set('schema', schema);
  return {
    name: 'postgres',
    url: u.toString(),
    cleanup: async () => {
      await dropSchema(base.connectionString, schema);
    },
  };
}

interface Measured {
  name: string;
  baseline: number;
  engine: number;
  ratio: number;
  same: boolean;
}

async function benchTarget(target: Target): Promise<Measured> {
  const clock = new ManualClock(T0);
  const config = loadConfig({
    NODE_ENV: 'test', CLOCK: 'manual', LOG_LEVEL: 'silent', DEMO: '1', DATABASE_URL: target.url,
    DATA_DIR: path.join(os.tmpdir(), 'wss-bench-project-data'),
  });
  const deps: Deps = await createDeps(config, { clock, logger: createLogger('silent') });
  try {
    return await benchDeps(target.name, deps, clock);
  } finally {
    await deps.close();
  }
}

async function benchDeps(name: string, deps: Deps, clock: ManualClock): Promise<Measured> {
  const { db, engine, services } = deps;
  const pg = isPostgres(db);
  await services.seedDemo();
  const user = async (email: string): Promise<User> => (await services.users.findByEmail(email))!;
  const c1 = await user('community1@example.org');
  const c2 = await user('community2@example.org');
  const street = await user('street@example.org');
  const district = await user('district@example.org');
  const A = { c1: toActor(c1), c2: toActor(c2), street: toActor(street), district: toActor(district) };
  const send = (id: string, ev: { type: string } & Record<string, unknown>, actor: Actor) => engine.send(id, ev, { actor });
  const create = async () => (await services.projects.create(c1, NEW_PROJECT)).id as string;

  // Projects for both sides, created the same way; a probe shows which waits rows each state gets.
  const engineIds: string[] = [];
  const baseIds: string[] = [];
  for (let i = 0; i < CYCLING + QUOTING; i++) {
    engineIds.push(await create());
    baseIds.push(await create());
  }
  const probe = await create();
  const waitsOf = async (id: string) =>
    (await db('workflow_waits').where({ instance_id: id }).orderBy(['role', 'scope', 'tasks']).select('role', 'scope', 'excluded_user_id', 'tasks', 'deadline_at')) as WaitTemplate[];
  const templates: Record<'draft' | 'screening', WaitTemplate[]> = { draft: await waitsOf(probe), screening: [] };
  await send(probe, { type: 'SUBMIT' }, A.c1);
  templates.screening = await waitsOf(probe);

  // The quoting projects: submitted, screened, deliberated, past the notice, approved, budgeted, invited.
  const quoting = [...engineIds.slice(CYCLING), ...baseIds.slice(CYCLING)];
  const vendors = (await db('vendors').orderBy('id').pluck('id')) as string[];
  const today = () => new Date(clock.now().getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
  for (const id of quoting) {
    await send(id, { type: 'SUBMIT' }, A.c1);
    await send(id, { type: 'SCREEN_PASS', checklist: GOOD_CHECKLIST }, A.c2);
    await send(id, { type: 'RECORD_DELIBERATION', ...DELIBERATION_OK, heldOn: today() }, A.c1);
  }
  clock.advance(30 * DAY_MS);
  await deps.timers.runDue();
  for (const id of quoting) {
    await send(id, { type: 'APPROVE' }, A.street);
    await send(id, { type: 'APPROVE_BUDGET', approvedFen: NEW_PROJECT.estimatedFen }, A.district);
  }
  // past the confirmed-project notice (项目确定公示) before anything is bought
  clock.advance(30 * DAY_MS);
  await deps.timers.runDue();
  for (const id of quoting) {
    await send(id, { type: 'INVITE', vendorIds: vendors, deadline: new Date(clock.now().getTime() + 120 * DAY_MS).toISOString() }, A.c1);
  }
  const states = async (ids: string[]) => (await db('workflow_instances').whereIn('id', ids).select('id', 'state')).reduce((m, r) => m.set(r.id, r.state), new Map<string, string>());
  const check = await states(quoting);
  if ([...check.values()].some((s) => s !== 'procurement.quoting')) throw new Error(`setup: not all in quoting: ${JSON.stringify([...check])}`);
  const engineStates: Stage[] = [...Array<Stage>(CYCLING).fill('draft'), ...Array<Stage>(QUOTING).fill('procurement.quoting')];
  const baseStates: Stage[] = [...engineStates];
  // History rows carry the workflow version that wrote them where the schema has the column.
  const historyVersion = (await db.schema.hasColumn('workflow_history', 'workflow_version')) ? { workflow_version: 1 } : {};
  const communityMail = (await db('users').where({ role: 'community', community_id: c1.communityId, disabled: false }).count<{ n: number }[]>({ n: '*' }))[0]!.n;

  // Both sides draw the same sequence of plans, so they write the same kinds of rows.
  let engineSeed = 1;
  let baseSeed = 1;
  async function runEngine(n: number): Promise<number> {
    const plan = makePlan(n, engineStates, engineSeed++);
    const t0 = process.hrtime.bigint();
    for (const [i, s] of plan.entries()) {
      clock.advance(1000);
      await send(engineIds[s.inst]!, eventOf(s.type, i), s.type === 'RETURN' ? A.c2 : A.c1);
    }
    return Number(process.hrtime.bigint() - t0) / 1e6;
  }

  /**
   * What a hand-written transition costs: read and lock the instance, change the snapshot, hash,
   * write history, instance, the projects row, the waits when the parties change and the notices,
   * in one transaction.
   */
  async function baselineStep(trx: Trx, id: string, ev: { type: string } & Record<string, unknown>, actor: Actor, at: string): Promise<void> {
    const q = trx('workflow_instances').where({ id }).first('version', 'history_head', 'state', 'snapshot');
    const row = await (pg ? q.forUpdate() : q);
    const seq = Number(row.version) + 1;
    const snap = (typeof row.snapshot === 'string' ? JSON.parse(row.snapshot) : row.snapshot) as { value: unknown; context: Record<string, unknown> & { actors: Record<string, string> } };
    const c = snap.context;
    const { type, ...payload } = ev;
    const from = row.state as string;
    let to = from;
    c.actors = { ...c.actors, [type]: actor.id };
    let notice: string | null = null;
    if (type === 'COMMENT') c.commentCount = Number(c.commentCount) + 1;
    else if (type === 'EDIT') Object.assign(c, payload.fields as object);
    else if (type === 'SUBMIT') {
      to = 'screening';
      notice = 'task_assigned';
    } else if (type === 'RETURN') {
      to = 'draft';
      notice = 'returned';
      c.decisions = [...(c.decisions as unknown[]), { type, reason: payload.reason, actorId: actor.id, stage: from, at }];
    }
    if (to !== from) {
      snap.value = to;
      c.stage = to;
    }
    if (notice) {
      const list = await trx('users').where({ role: 'community', community_id: c.communityId, disabled: false }).select('email', 'name');
      await trx('outbox').insert(list.map((r) => ({
        instance_id: id, message_id: `<${randomUUID()}@weishishi.local>`, template: notice, to_addr: r.email,
        subject: `【${String(c.ref)}】${String(c.title)}：${notice === 'returned' ? '已退回' : '待您处理'}`,
        text: `${String(r.name)}，您好：\n项目 ${String(c.ref)}「${String(c.title)}」${notice === 'returned' ? `已退回，原因：${String(payload.reason)}` : '已提交，等待社区初审'}。\n查看：http://localhost:3000/projects/${id}\n`,
        html: null, status: 'pending', attempts: 0, next_attempt_at: at, created_at: at,
      })));
    }
    const hash = createHash('sha256')
      .update(row.history_head)
      .update('\n')
      .update(stringify({ instanceId: id, seq, type, payload, actor, from, to, at })!)
      .digest('hex');
    await trx('workflow_history').insert({
      instance_id: id, seq, type, payload: JSON.stringify(payload), actor: JSON.stringify(actor),
      from_state: from, to_state: to, at, prev_hash: row.history_head, hash, ...historyVersion,
    });
    await trx('workflow_instances').where({ id, version: row.version }).update({
      state: to, status: 'active', snapshot: JSON.stringify(snap), version: seq, history_head: hash, updated_at: at, workflow_version: 1, described_version: 1,
    });
    const rules = c.rules as { version: number };
    const award = c.award as { vendorId: string } | null;
    await trx('projects').where({ id }).update({
      ref: c.ref, district_id: c.districtId, street_id: c.streetId, community_id: c.communityId, year: c.year, type: c.type,
      category: c.category, title: c.title, description: c.description, estimated_fen: c.estimatedFen, approved_fen: c.approvedFen,
      awarded_fen: c.awardedFen, paid_fen: c.paidFen, vendor_id: award?.vendorId ?? null, state: to,
      next_deadline_at: to === 'procurement.quoting' ? (c.procurement as { deadline: string }).deadline : null,
      rules_version: rules.version, updated_at: at,
      ...(to !== from ? { stage_entered_at: at } : {}),
      ...(c.deliberation ? { public_since: trx.raw('coalesce(public_since, ?)', [(c.deliberation as { at: string }).at]) } : {}),
    });
    const invitations = (c.procurement as { invitations: string[] } | null)?.invitations ?? [];
    if (invitations.length) {
      const have = new Set((await trx('project_vendors').where({ project_id: id }).pluck('vendor_id')) as string[]);
      const add = invitations.filter((v) => !have.has(v));
      if (add.length) await trx('project_vendors').insert(add.map((v) => ({ project_id: id, vendor_id: v })));
    }
    if (to !== from) {
      await trx('workflow_waits').where({ instance_id: id }).del();
      const rows = templates[to as 'draft' | 'screening'];
      if (rows.length) await trx('workflow_waits').insert(rows.map((w) => ({ instance_id: id, workflow: 'project', ...w, since: at })));
    }
  }

  async function runBaseline(n: number): Promise<number> {
    const plan = makePlan(n, baseStates, baseSeed++);
    const t0 = process.hrtime.bigint();
    for (const [i, s] of plan.entries()) {
      clock.advance(1000);
      const at = clock.now().toISOString();
      const ev = eventOf(s.type, i);
      await db.transaction((trx) => baselineStep(trx, baseIds[s.inst]!, ev, s.type === 'RETURN' ? A.c2 : A.c1, at));
    }
    return Number(process.hrtime.bigint() - t0) / 1e6;
  }

  const { base, eng, baseline: mb, engine: me } = await alternate(TRANSITIONS, ROUNDS, runBaseline, runEngine);


  // One more round each, untimed, counting the rows every write statement touches.
  const counter = writeCounter(db);
  const engineRun = await counter.count(() => runEngine(TRANSITIONS));
  const baseRun = await counter.count(() => runBaseline(TRANSITIONS));
  const same = JSON.stringify(engineRun.rows) === JSON.stringify(baseRun.rows);
  // And the tables as they stand: every history row, the waits and the read model, per side.
  const tally = async (ids: string[]) => ({
    history: Number((await db('workflow_history').whereIn('instance_id', ids).count<{ n: number }[]>({ n: '*' }))[0]!.n),
    waits: Number((await db('workflow_waits').whereIn('instance_id', ids).count<{ n: number }[]>({ n: '*' }))[0]!.n),
    outbox: Number((await db('outbox').whereIn('instance_id', ids).count<{ n: number }[]>({ n: '*' }))[0]!.n),
    projectVendors: Number((await db('project_vendors').whereIn('project_id', ids).count<{ n: number }[]>({ n: '*' }))[0]!.n),
    readModelInStep: Number((await db('projects').join('workflow_instances', 'workflow_instances.id', 'projects.id').whereIn('projects.id', ids)
      .whereRaw('projects.updated_at = workflow_instances.updated_at and projects.state = workflow_instances.state').count<{ n: number }[]>({ n: '*' }))[0]!.n),
  });
  const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(' ');
  console.log(`project workflow on ${name}: ${CYCLING} projects cycling draft ⇄ screening + ${QUOTING} in procurement.quoting per side, ` +
    `${ROUNDS} rounds of ${TRANSITIONS} transitions (sequential, one transaction each; ${communityMail} community users get each notice)`);
  console.log(`  waits rows per state (engine-written, copied by the baseline): draft ${templates.draft.length}, screening ${templates.screening.length}`);
  const perStep = (n: number) => (n / TRANSITIONS).toFixed(1);
  console.log(`  last round, rows written  engine  : ${JSON.stringify(engineRun.rows)}  statements/transition ${perStep(engineRun.statements)}`);
  console.log(`  last round, rows written  baseline: ${JSON.stringify(baseRun.rows)}  statements/transition ${perStep(baseRun.statements)}${same ? '' : '  ← DIFFERENT'}`);
  console.log(`  tables now  engine  : ${JSON.stringify(await tally(engineIds))} (incl. setup)`);
  console.log(`  tables now  baseline: ${JSON.stringify(await tally(baseIds))}`);
  console.log(`  baseline transitions/s: median ${mb.toFixed(0)}  (runs: ${fmt(base)})`);
  console.log(`  engine   transitions/s: median ${me.toFixed(0)}  (runs: ${fmt(eng)})`);
  return { name, baseline: mb, engine: me, ratio: me / mb, same };
}

const started = Date.now();
const targets: (() => Target)[] = [sqliteTarget];
const pgUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
if (pgUrl) targets.push(() => postgresTarget(pgUrl));
const results: Measured[] = [];
for (const make of targets) {
  const target = make();
  try {
    results.push(await benchTarget(target));
  } finally {
    await target.cleanup();
  }
}
console.log('\nproject workflow bench (transitions/s, medians)');
console.log(`  ${'database'.padEnd(24)} ${'baseline'.padStart(9)} ${'engine'.padStart(9)}  project/baseline`);
for (const r of results) {
  console.log(`  ${r.name.padEnd(24)} ${r.baseline.toFixed(0).padStart(9)} ${r.engine.toFixed(0).padStart(9)}  ${r.ratio.toFixed(2).padStart(16)}${r.same ? '' : '  (rows written differ!)'}`);
}
// The line to read beside run.ts's `engine/baseline ratio`: the default driver's.
console.log(`project/baseline ratio: ${results[0]!.ratio.toFixed(2)}`);
console.log(`project bench took ${((Date.now() - started) / 1000).toFixed(1)} s`);
if (results.some((r) => !r.same)) process.exitCode = 1;
