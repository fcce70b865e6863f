// A whole project lifecycle (issue 13): weishishi's `project` workflow, as the app builds it
// (createDeps, the demo's reference data and users), against the same lifecycle modelled in BPMN
// 2.0 (tests/bench/lifecycle.bpmn) and run by the npm package bpmn-engine, its state saved to the
// same database after every step. Step for step, both sides do what a persisted process does
// between two human steps: one transaction that reads the instance's stored state, takes the
// step, and writes the new state plus an append-only history row.
//
// - weishishi: each project is created with services.projects.create and driven with
//   services.projects.send — the calls the JSON API makes, which tests/support/lifecycle.ts drives
//   (toPreparing, a direct AWARD, SIGN_CONTRACT, CONFIRM_CONTRACT, the 30% advance, deliverAll,
//   accept + passNoticeIfHeld, the 65% final payment, RECORD_EVALUATION, the warranty,
//   RELEASE_RETENTION) — on a ManualClock: the three notices and the warranty end when the clock is
//   advanced and the timer worker (deps.timers.runDue) fires NOTICE_ENDED / WARRANTY_ENDED.
// - bpmn-engine: one Engine per project; step 0 executes the process up to its first user task;
//   every later step recovers a new Engine from the saved state (Engine().recover(state)), resumes
//   it, signals the waiting user task (or message catch event, for the notices and the warranty)
//   with the same payload, and saves `await engine.getState()` (JSON) into bench_bpmn_states
//   (upsert) plus a bench_bpmn_history row, each step in its own transaction (SELECT … FOR UPDATE
//   on PostgreSQL; SQLite transactions begin IMMEDIATE, as for weishishi).
// Both sides drive N projects in lock step (step k of every project, then step k + 1), rounds
// alternate which side goes first (rounds.ts), and medians are compared.
//
//   BENCH_LIFECYCLES  lifecycles per side per measured run (default 1)   BENCH_LIFECYCLE_ROUNDS  (default 5)
//   BENCH_LIFECYCLE_WARMUP  lifecycles per side run unmeasured first (default 4)
//   BENCH_LIFECYCLE_TRACE=1  also prints the counted lifecycle's statements by SQL text, with the time each took, longest first
// (defaults sized for a ~60 s run on a busy 2-core machine: a bpmn-engine lifecycle takes ~1–2 s)
// better-sqlite3 always; BENCH_DATABASE_URL or TEST_DATABASE_URL = postgres://… adds PostgreSQL.
import { writeResult } from './results.js';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine } from 'bpmn-engine';
import { dropSchema } from '../support/db.js';
import { alternate } from './rounds.js';
import { loadConfig, parseDatabaseUrl } from '../../src/config.js';
import { createDeps, type Deps } from '../../src/deps.js';
import type { User } from '../../src/auth/users.js';
import { isPostgres, type Db, type Trx } from '../../src/lib/db.js';
import { ManualClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BPMN_SOURCE = fs.readFileSync(path.join(HERE, 'lifecycle.bpmn'), 'utf8');
const T0 = '2026-03-02T01:00:00.000Z'; // Monday 09:00 in Shanghai, a working day
const DAY_MS = 86_400_000;

// The demo users and data tests/support/lifecycle.ts uses (copied: that module imports vitest).
const U = {
  c1: 'community1@example.org',
  c2: 'community2@example.org',
  street: 'street@example.org',
  district: 'district@example.org',
  district2: 'district2@example.org',
  finance: 'finance@example.org',
  v1: 'vendor1@example.org',
} as const;
type Who = keyof typeof U;
const VENDOR = 'vd-kangfu'; // vendor1's
const GOOD_CHECKLIST = { positiveArea: 'mutual_help', negativeItems: { property_management: false, duplicate_government: false }, duplicate: false };
const DELIBERATION_OK = { members: 9, present: 7, for: 6, against: 1, abstain: 0, minutes: '居民议事会会议纪要：同意立项。' };
const SIGNATORIES = [
  { role: 'community', name: '王强' },
  { role: 'residents_rep', name: '陈大文' },
  { role: 'beneficiary', name: '黄秀英' },
];
const NEW_PROJECT = {
  title: '爬楼机配置', type: 'goods', category: '助行', mainGroup: '残疾人', estimatedFen: 3_600_000,
  description: '为无电梯高层住户配置履带式爬楼机两台。',
  items: [{ name: '履带式爬楼机', quantity: 2, unitFen: 1_800_000 }], beneficiaryCount: 2,
};
const APPROVED_FEN = 3_600_000; // direct purchase: below ¥50,000
const CONTRACT_FEN = 3_500_000; // paid 30% / 65% / 5%
const PAID = { advance: 1_050_000, final: 2_275_000, retention: 175_000 };
/** Clock moves: past a notice (5 working days, holidays included), past the 12-month warranty. */
const PAST_NOTICE_MS = 30 * DAY_MS;
const PAST_WARRANTY_MS = 400 * DAY_MS;
/**
 * Lifecycles each side runs unmeasured before the rounds. Half a round (one lifecycle) left the
 * rounds speeding up through the whole run on PostgreSQL (4.1, 4.6, 6.1, 6.8 lifecycles/s): the
 * server plans a prepared statement afresh for its first five runs on a connection, and the JIT had
 * not settled. Four bring both sides to what a server that has run for a minute does.
 */
const DEFAULT_WARMUP = 4;

type Payload = Record<string, unknown>;
/**
 * One step of the lifecycle: a user's event (weishishi) = a user task signalled with the same
 * payload (BPMN), or a deadline (`timer`): the clock passes it and the timer worker fires it
 * (weishishi) = the message catch event is signalled (BPMN).
 */
type Step =
  | { kind: 'user'; type: string; who: Who; bpmn: string; payload: (ctx: StepCtx) => Payload; state: string }
  | { kind: 'timer'; type: string; advanceMs: number; bpmn: string; state: string };
interface StepCtx {
  /** the Asia/Shanghai date `days` after now */
  day(days?: number): string;
  /** this lifecycle's evidence document (uploaded before the run) */
  evidence: string;
  i: number;
}

/** The lifecycle after $start / process start (the mapping is in lifecycle.bpmn's comment). */
const STEPS: Step[] = [
  { kind: 'user', type: 'SUBMIT', who: 'c1', bpmn: 'Task_Submit', payload: () => ({}), state: 'screening' },
  { kind: 'user', type: 'SCREEN_PASS', who: 'c2', bpmn: 'Task_Screen', payload: () => ({ checklist: GOOD_CHECKLIST }), state: 'deliberation' },
  { kind: 'user', type: 'RECORD_DELIBERATION', who: 'c1', bpmn: 'Task_Deliberation', payload: (c) => ({ ...DELIBERATION_OK, heldOn: c.day() }), state: 'public_notice' },
  { kind: 'timer', type: 'NOTICE_ENDED', advanceMs: PAST_NOTICE_MS, bpmn: 'Catch_ProposalNoticeEnded', state: 'street_review' },
  { kind: 'user', type: 'APPROVE', who: 'street', bpmn: 'Task_StreetReview', payload: () => ({}), state: 'budget_approval' },
  { kind: 'user', type: 'APPROVE_BUDGET', who: 'district', bpmn: 'Task_BudgetApproval', payload: () => ({ approvedFen: APPROVED_FEN }), state: 'confirmation_notice' },
  { kind: 'timer', type: 'NOTICE_ENDED', advanceMs: PAST_NOTICE_MS, bpmn: 'Catch_ConfirmationNoticeEnded', state: 'procurement.preparing' },
  {
    kind: 'user', type: 'AWARD', who: 'c1', bpmn: 'Task_DirectAward', state: 'procurement.contracting',
    payload: () => ({ vendorId: VENDOR, amountFen: CONTRACT_FEN, justification: '单一来源直接采购，报价低于预算。' }),
  },
  {
    kind: 'user', type: 'SIGN_CONTRACT', who: 'c1', bpmn: 'Task_SignContract', state: 'procurement.contracting',
    payload: (c) => ({ contractNo: `HT-${c.i}`, items: [{ name: '履带式爬楼机', quantity: 2, unitFen: 1_750_000 }], amountFen: CONTRACT_FEN, dueOn: c.day(30) }),
  },
  { kind: 'user', type: 'CONFIRM_CONTRACT', who: 'v1', bpmn: 'Task_ConfirmContract', payload: () => ({}), state: 'delivery' },
  {
    kind: 'user', type: 'RECORD_PAYMENT', who: 'finance', bpmn: 'Task_AdvancePayment', state: 'delivery',
    payload: (c) => ({ tranche: 'advance', amountFen: PAID.advance, voucherNo: `PZ-${c.i}-1` }),
  },
  { kind: 'user', type: 'RECORD_DELIVERY', who: 'v1', bpmn: 'Task_RecordDelivery', payload: (c) => ({ itemId: 'item-1', quantity: 2, evidence: [c.evidence] }), state: 'delivery' },
  { kind: 'user', type: 'CONFIRM_RECEIPT', who: 'c2', bpmn: 'Task_ConfirmReceipt', payload: () => ({ itemId: 'item-1', quantity: 2 }), state: 'delivery' },
  { kind: 'user', type: 'REQUEST_ACCEPTANCE', who: 'v1', bpmn: 'Task_RequestAcceptance', payload: () => ({}), state: 'acceptance' },
  {
    kind: 'user', type: 'RECORD_ACCEPTANCE', who: 'c2', bpmn: 'Task_Acceptance', state: 'acceptance_notice',
    payload: () => ({ passed: true, satisfactionPct: 95, signatories: SIGNATORIES }),
  },
  { kind: 'timer', type: 'NOTICE_ENDED', advanceMs: PAST_NOTICE_MS, bpmn: 'Catch_AcceptanceNoticeEnded', state: 'settlement' },
  {
    kind: 'user', type: 'RECORD_PAYMENT', who: 'finance', bpmn: 'Task_FinalPayment', state: 'evaluation',
    payload: (c) => ({ tranche: 'final', amountFen: PAID.final, voucherNo: `PZ-${c.i}-2` }),
  },
  { kind: 'user', type: 'RECORD_EVALUATION', who: 'district2', bpmn: 'Task_Evaluation', payload: () => ({ score: 92, grade: '优秀', notes: '按期交付，居民满意。' }), state: 'warranty' },
  { kind: 'timer', type: 'WARRANTY_ENDED', advanceMs: PAST_WARRANTY_MS, bpmn: 'Catch_WarrantyEnded', state: 'warranty' },
  {
    kind: 'user', type: 'RELEASE_RETENTION', who: 'finance', bpmn: 'Task_ReleaseRetention', state: 'closed',
    payload: (c) => ({ amountFen: PAID.retention, voucherNo: `PZ-${c.i}-3` }),
  },
];
/** Saved states per lifecycle, each side: the start, then every step. */
const STEPS_PER_LIFECYCLE = STEPS.length + 1;

// ---------------------------------------------------------------------------------------------
// The BPMN side

/**
 * The rule functions the BPMN gateways call (environment.services), standing in for the machine's
 * guards over the same payloads: a quorate majority carries the vote, a direct purchase below
 * ¥50,000, the 30/65/5 payment plan, the three notices held.
 */
const gatewayServices = {
  screenPassed: (o: Payload | undefined) => Boolean(o?.checklist),
  carried: (o: { members: number; present: number; for: number } | undefined) => !!o && o.present * 3 >= o.members * 2 && o.for * 2 > o.present,
  carriedWithNotice: (o: { members: number; present: number; for: number } | undefined) => gatewayServices.carried(o) && gatewayServices.noticeHeld('proposal'),
  noticeHeld: (_kind: string) => true,
  openObjections: (o: { objections?: unknown[] } | undefined) => (o?.objections?.length ?? 0) > 0,
  direct: (o: { approvedFen: number } | undefined) => !!o && o.approvedFen < 5_000_000,
  allConfirmed: (contract: { items: Array<{ quantity: number }> } | undefined, receipt: { quantity: number } | undefined) =>
    !!contract && !!receipt && contract.items.reduce((s, i) => s + i.quantity, 0) <= receipt.quantity,
  accepted: (o: { passed: boolean; satisfactionPct: number } | undefined) => !!o && o.passed && o.satisfactionPct >= 60,
  acceptedWithNotice: (o: { passed: boolean; satisfactionPct: number } | undefined) => gatewayServices.accepted(o) && gatewayServices.noticeHeld('acceptance'),
  settled: (contract: { amountFen: number } | undefined, advance: { amountFen: number } | undefined, final: { amountFen: number } | undefined) =>
    !!contract && (advance?.amountFen ?? 0) + (final?.amountFen ?? 0) >= Math.round(contract.amountFen * 0.95),
  retentionHeld: () => true,
};

/** bpmn-engine's debug logger costs ~40% of its run time even when off: a silent one, as a tuned deployment would pass. */
const silent = () => undefined;
const quietLogger = () => ({ debug: silent, error: silent, warn: silent });

interface WaitApi {
  id: string;
  signal(payload?: unknown): void;
}
interface ElementApi {
  id: string;
  content: { output?: unknown };
  environment: { output: Record<string, unknown> };
}

/** An engine for one project, its listener, and a way to wait for the next user task (or the end). */
function bpmnRun(engine: Engine) {
  const listener = new EventEmitter();
  // the documented way to keep a task's result for later conditions: its output, by element id
  listener.on('activity.end', (api: ElementApi) => {
    if (api.content.output !== undefined) api.environment.output[api.id] = api.content.output;
  });
  const next = () =>
    new Promise<WaitApi | null>((resolve, reject) => {
      const onWait = (api: WaitApi) => {
        off();
        resolve(api);
      };
      const onEnd = () => {
        off();
        resolve(null);
      };
      const onError = (err: unknown) => {
        off();
        reject(err instanceof Error ? err : new Error(String(err)));
      };
      const off = () => {
        listener.off('wait', onWait);
        engine.off('end', onEnd);
        engine.off('error', onError);
      };
      listener.on('wait', onWait);
      engine.once('end', onEnd);
      engine.once('error', onError);
    });
  return { listener, next };
}

async function createBpmnTables(db: Db): Promise<void> {
  await db.schema.dropTableIfExists('bench_bpmn_history');
  await db.schema.dropTableIfExists('bench_bpmn_states');
  await db.schema.createTable('bench_bpmn_states', (t) => {
    t.string('id', 64).primary();
    t.text('state').notNullable();
    t.string('waiting', 100).nullable(); // the element it waits in (null: ended)
    t.integer('version').notNullable();
    t.string('updated_at', 30).notNullable();
  });
  await db.schema.createTable('bench_bpmn_history', (t) => {
    t.increments('id');
    t.string('instance_id', 64).notNullable().references('id').inTable('bench_bpmn_states');
    t.integer('seq').notNullable();
    t.string('element', 100).notNullable();
    t.text('payload').notNullable();
    t.text('actor').notNullable();
    t.string('at', 30).notNullable();
    t.unique(['instance_id', 'seq']);
  });
}

// ---------------------------------------------------------------------------------------------

export interface SideResult {
  /** lifecycles per second (median of the rounds) */
  perSecond: number;
  msPerLifecycle: number;
  /** saved states (transactions) per lifecycle, counted in the database */
  steps: number;
}
export interface LifecycleResult {
  weishishi: SideResult;
  bpmn: SideResult;
  /** weishishi lifecycles/s ÷ bpmn-engine lifecycles/s */
  ratio: number;
  rounds: number;
  lifecycles: number;
  /** lifecycles each side ran unmeasured first */
  warmup: number;
  /** per-round rates, lifecycles/s */
  runs: { weishishi: number[]; bpmn: number[] };
  /** SQL statements per step (reads included; weishishi's count its timer worker and project creation) */
  statementsPerStep: { weishishi: number; bpmn: number };
  /** mean size of a saved state, bytes (weishishi: the instance snapshot) */
  stateBytes: { weishishi: number; bpmn: number };
}

/**
 * Runs the comparison on `databaseUrl`: `sqlite:<file>` (used as given: pass a fresh file) or
 * `postgres://…` (a fresh schema is created under it and dropped after).
 */
export async function benchLifecycle(opts: { databaseUrl: string; lifecycles?: number; rounds?: number; warmup?: number }): Promise<LifecycleResult> {
  const lifecycles = opts.lifecycles ?? 1;
  const rounds = opts.rounds ?? 5;
  const warmup = opts.warmup ?? DEFAULT_WARMUP;
  const base = parseDatabaseUrl(opts.databaseUrl);
  let url = opts.databaseUrl;
  let dropAfter: (() => Promise<void>) | null = null;
  if (base.client === 'pg') {
    const schema = `bench_lifecycle_${process.pid}_${randomBytes(3).toString('hex')}`;
    const u = new URL(opts.databaseUrl);
    u.searchParams.set('schema', schema);
    url = u.toString();
    dropAfter = () => dropSchema(base.connectionString, schema);
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wss-bench-lifecycle-data-'));
  const clock = new ManualClock(T0);
  try {
    const config = loadConfig({
      NODE_ENV: 'test', CLOCK: 'manual', LOG_LEVEL: 'silent', DEMO: '1', DATABASE_URL: url, DATA_DIR: dataDir,
      UPLOAD_RATE_PER_HOUR: '1000000',
    });
    const deps = await createDeps(config, { clock, logger: createLogger('silent') });
    try {
      return await benchDeps(deps, clock, lifecycles, rounds, warmup);
    } finally {
      await deps.close();
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (dropAfter) await dropAfter();
  }
}

async function benchDeps(deps: Deps, clock: ManualClock, lifecycles: number, rounds: number, warmup: number): Promise<LifecycleResult> {
  const { db, services, timers } = deps;
  const pg = isPostgres(db);
  await services.seedDemo();
  const users = {} as Record<Who, User>;
  for (const [k, email] of Object.entries(U) as Array<[Who, string]>) {
    const u = await services.users.findByEmail(email);
    if (!u) throw new Error(`no demo user ${email}`);
    users[k] = u;
  }
  const communityId = users.c1.communityId!;
  const shanghaiDay = (days = 0) => new Date(clock.now().getTime() + days * DAY_MS + 8 * 3_600_000).toISOString().slice(0, 10);

  // The minimal demo (no stories) holds no timers: the timer worker fires only this bench's.
  const pending = Number((await db('timers').where({ status: 'pending' }).count<{ n: number }[]>({ n: '*' }))[0]!.n);
  if (pending) throw new Error(`setup: ${pending} demo timers pending`);
  await createBpmnTables(db);

  /** Untimed, before each run: this budget year's allocation, and one evidence upload per lifecycle (vendor1's). */
  async function prepare(n: number): Promise<string[]> {
    const year = Number(shanghaiDay().slice(0, 4));
    await services.ledger.setAllocation({ communityId, year, allocatedFen: 1_000_000_000 }, clock.now().toISOString());
    const evidence: string[] = [];
    for (let i = 0; i < n; i++) {
      const bytes = Buffer.from(`%PDF-1.4\n% delivery photo ${randomBytes(8).toString('hex')}\n%%EOF\n`, 'latin1');
      const stored = await services.documents.store(users.v1, [{ field: 'evidence', originalname: `photo-${i}.pdf`, buffer: bytes, size: bytes.length }]);
      evidence.push(stored.evidence![0]!);
    }
    return evidence;
  }

  let serial = 0;
  const weishishiIds: string[] = [];
  async function runWeishishi(n: number): Promise<number> {
    const evidence = await prepare(n);
    const first = serial;
    serial += n;
    const t0 = process.hrtime.bigint();
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await services.projects.create(users.c1, NEW_PROJECT)).id as string);
    for (const step of STEPS) {
      if (step.kind === 'timer') {
        clock.advance(step.advanceMs);
        const { fired, skipped } = await timers.runDue();
        if (fired !== n || skipped) throw new Error(`${step.type}: ${fired} timers fired, ${skipped} skipped, for ${n} projects`);
        continue;
      }
      for (const [i, id] of ids.entries()) {
        const ctx: StepCtx = { day: shanghaiDay, evidence: evidence[i]!, i: first + i };
        await services.projects.send(users[step.who], id, { type: step.type, ...step.payload(ctx) });
      }
    }
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const states = await db('workflow_instances').whereIn('id', ids).pluck('state');
    if (states.some((s) => s !== 'closed')) throw new Error(`weishishi: not all closed: ${states.join(', ')}`);
    weishishiIds.push(...ids);
    return ms;
  }

  const bpmnIds: string[] = [];
  const actorOf = (u: User) => JSON.stringify({ id: u.id, role: u.role });
  /** Step 0: a new process, run to its first wait, saved. */
  async function bpmnStart(id: string): Promise<void> {
    await db.transaction(async (trx) => {
      const engine = new Engine({ name: id, source: BPMN_SOURCE, services: gatewayServices, Logger: quietLogger });
      const run = bpmnRun(engine);
      const waiting = run.next();
      await engine.execute({ listener: run.listener });
      const w = await waiting;
      await saveBpmn(trx, id, engine, w, 0, 'Start', {}, actorOf(users.c1), true);
    });
  }
  /** A later step: the saved state recovered and resumed, the waiting element signalled, the new state saved. */
  async function bpmnStep(id: string, element: string, payload: Payload, actor: string): Promise<void> {
    await db.transaction(async (trx) => {
      const q = trx('bench_bpmn_states').where({ id }).first('state', 'version', 'waiting');
      const row = (await (pg ? q.forUpdate() : q)) as { state: string; version: number; waiting: string | null };
      if (row.waiting !== element) throw new Error(`bpmn ${id}: waits in ${row.waiting}, not ${element}`);
      const engine = new Engine({ name: id, services: gatewayServices, Logger: quietLogger }).recover(JSON.parse(row.state));
      const run = bpmnRun(engine);
      const resumed = run.next();
      await engine.resume({ listener: run.listener });
      const w = await resumed;
      if (w?.id !== element) throw new Error(`bpmn ${id}: resumed in ${w?.id}, not ${element}`);
      const after = run.next();
      w.signal(payload);
      const next = await after;
      await saveBpmn(trx, id, engine, next, Number(row.version) + 1, element, payload, actor, false);
    });
  }
  async function saveBpmn(trx: Trx, id: string, engine: Engine, waiting: WaitApi | null, seq: number, element: string, payload: Payload, actor: string, insert: boolean) {
    const at = clock.now().toISOString();
    const state = JSON.stringify(await engine.getState());
    const row = { state, waiting: waiting?.id ?? null, version: seq, updated_at: at };
    if (insert) await trx('bench_bpmn_states').insert({ id, ...row });
    else await trx('bench_bpmn_states').where({ id }).update(row);
    await trx('bench_bpmn_history').insert({ instance_id: id, seq, element, payload: JSON.stringify(payload), actor, at });
  }

  async function runBpmn(n: number): Promise<number> {
    const evidence = await prepare(n);
    const first = serial;
    serial += n;
    const t0 = process.hrtime.bigint();
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const id = `bpmn-${first + i}`;
      await bpmnStart(id);
      ids.push(id);
    }
    const system = JSON.stringify({ id: 'system', role: 'system' });
    for (const step of STEPS) {
      if (step.kind === 'timer') clock.advance(step.advanceMs);
      for (const [i, id] of ids.entries()) {
        const ctx: StepCtx = { day: shanghaiDay, evidence: evidence[i]!, i: first + i };
        if (step.kind === 'timer') await bpmnStep(id, step.bpmn, {}, system);
        else await bpmnStep(id, step.bpmn, step.payload(ctx), actorOf(users[step.who]));
      }
    }
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const ended = await db('bench_bpmn_states').whereIn('id', ids).pluck('waiting');
    if (ended.some((w) => w !== null)) throw new Error(`bpmn: not all ended: ${ended.join(', ')}`);
    bpmnIds.push(...ids);
    return ms;
  }

  const m = await alternate(lifecycles, rounds, runBpmn, runWeishishi, warmup);

  // One more lifecycle each, untimed, counting the SQL statements (reads too) each side sends.
  let statements = 0;
  // BENCH_LIFECYCLE_TRACE: weishishi's, by SQL text, with the time from sending each to its answer
  const seen = new Map<string, { n: number; ms: number }>();
  const sentAt = new Map<string, { key: string; at: number }>();
  let tracing = false;
  const onQuery = (q: { sql: string; __knexQueryUid?: string }) => {
    statements++;
    if (!tracing) return;
    const key = q.sql.replace(/\s+/g, ' ').slice(0, 140);
    const s = seen.get(key) ?? { n: 0, ms: 0 };
    s.n++;
    seen.set(key, s);
    if (q.__knexQueryUid) sentAt.set(q.__knexQueryUid, { key, at: performance.now() });
  };
  const onAnswer = (_: unknown, q: { __knexQueryUid?: string }) => {
    const sent = q.__knexQueryUid ? sentAt.get(q.__knexQueryUid) : undefined;
    if (!sent) return;
    sentAt.delete(q.__knexQueryUid!);
    seen.get(sent.key)!.ms += performance.now() - sent.at;
  };
  db.on('query', onQuery);
  db.on('query-response', onAnswer);
  db.on('query-error', onAnswer);
  const countStatements = async (run: (n: number) => Promise<number>) => {
    statements = 0;
    await run(1);
    return statements / STEPS_PER_LIFECYCLE;
  };
  tracing = Boolean(process.env.BENCH_LIFECYCLE_TRACE);
  const weishishiPerStep = await countStatements(runWeishishi);
  tracing = false;
  const perStep = { weishishi: weishishiPerStep, bpmn: await countStatements(runBpmn) };
  db.off('query', onQuery);
  db.off('query-response', onAnswer);
  db.off('query-error', onAnswer);
  if (seen.size > 0) {
    const total = [...seen.values()].reduce((t, s) => t + s.ms, 0);
    console.log(`  weishishi's statements in one lifecycle, by text (count, ms from sending to answer; ${total.toFixed(1)} ms in all):`);
    console.log([...seen].sort((a, b) => b[1].ms - a[1].ms).map(([k, s]) => `  ${String(s.n).padStart(4)} ${s.ms.toFixed(1).padStart(7)} ${k}`).join('\n'));
  }

  // What each lifecycle wrote: saved states (= history rows) per instance, and their mean size.
  const count = async (table: string, column: string, ids: string[]) =>
    Number((await db(table).whereIn(column, ids).count<{ n: number }[]>({ n: '*' }))[0]!.n);
  const wSteps = (await count('workflow_history', 'instance_id', weishishiIds)) / weishishiIds.length;
  const bSteps = (await count('bench_bpmn_history', 'instance_id', bpmnIds)) / bpmnIds.length;
  if (wSteps !== STEPS_PER_LIFECYCLE || bSteps !== STEPS_PER_LIFECYCLE) throw new Error(`steps per lifecycle: weishishi ${wSteps}, bpmn ${bSteps}, expected ${STEPS_PER_LIFECYCLE}`);
  const meanBytes = async (table: string, column: string, ids: string[]) => {
    const rows = (await db(table).whereIn('id', ids).select(column)) as Array<Record<string, string>>;
    return Math.round(rows.reduce((s, r) => s + Buffer.byteLength(String(r[column])), 0) / rows.length);
  };
  const side = (perSecond: number, steps: number): SideResult => ({ perSecond, msPerLifecycle: 1000 / perSecond, steps });
  return {
    weishishi: side(m.engine, wSteps),
    bpmn: side(m.baseline, bSteps),
    ratio: m.engine / m.baseline,
    rounds,
    lifecycles,
    warmup,
    runs: { weishishi: m.eng, bpmn: m.base },
    statementsPerStep: perStep,
    stateBytes: { weishishi: await meanBytes('workflow_instances', 'snapshot', weishishiIds), bpmn: await meanBytes('bench_bpmn_states', 'state', bpmnIds) },
  };
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const started = Date.now();
  const lifecycles = Number(process.env.BENCH_LIFECYCLES ?? 1);
  const rounds = Number(process.env.BENCH_LIFECYCLE_ROUNDS ?? 5);
  const warmup = Number(process.env.BENCH_LIFECYCLE_WARMUP ?? DEFAULT_WARMUP);
  const targets: Array<{ name: string; run: () => Promise<LifecycleResult> }> = [
    {
      name: 'sqlite (better-sqlite3)',
      run: async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wss-bench-lifecycle-'));
        try {
          return await benchLifecycle({ databaseUrl: `sqlite:${path.join(dir, 'bench.db')}`, lifecycles, rounds, warmup });
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      },
    },
  ];
  const pgUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (pgUrl && /^postgres(ql)?:/.test(pgUrl)) targets.push({ name: 'postgres', run: () => benchLifecycle({ databaseUrl: pgUrl, lifecycles, rounds, warmup }) });

  const results: Array<{ name: string; r: LifecycleResult }> = [];
  for (const t of targets) {
    const r = await t.run();
    const fmt = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(' ');
    console.log(`${t.name}: ${r.rounds} rounds of ${r.lifecycles} lifecycles per side after ${r.warmup} unmeasured, ${r.weishishi.steps} saved steps per lifecycle each`);
    const sp = r.statementsPerStep;
    console.log(`  weishishi lifecycles/s per round: ${fmt(r.runs.weishishi)}   (snapshot ≈ ${r.stateBytes.weishishi} B, ${sp.weishishi.toFixed(1)} statements/step)`);
    console.log(`  bpmn      lifecycles/s per round: ${fmt(r.runs.bpmn)}   (state ≈ ${r.stateBytes.bpmn} B, ${sp.bpmn.toFixed(1)} statements/step)`);
    results.push({ name: t.name, r });
  }
  console.log('\nwhole project lifecycle: weishishi vs bpmn-engine (medians)');
  console.log(`  ${'database'.padEnd(24)} ${'weishishi/s'.padStart(12)} ${'ms each'.padStart(9)} ${'bpmn/s'.padStart(9)} ${'ms each'.padStart(9)}  ${'ratio'.padStart(6)}  steps`);
  for (const { name, r } of results) {
    console.log(
      `  ${name.padEnd(24)} ${r.weishishi.perSecond.toFixed(2).padStart(12)} ${r.weishishi.msPerLifecycle.toFixed(0).padStart(9)} ` +
        `${r.bpmn.perSecond.toFixed(2).padStart(9)} ${r.bpmn.msPerLifecycle.toFixed(0).padStart(9)}  ${r.ratio.toFixed(2).padStart(6)}  ${r.weishishi.steps}/${r.bpmn.steps}`,
    );
  }
  console.log(`weishishi/bpmn-engine lifecycle ratio: ${results[0]!.r.ratio.toFixed(2)} (target ≥ 5)`);
  console.log(`lifecycle bench took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  writeResult('lifecycle', { results: results.map(({ name, r }) => ({ name, weishishi: r.weishishi, bpmn: r.bpmn, ratio: r.ratio, rounds: r.rounds, lifecycles: r.lifecycles, warmup: r.warmup })) });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
