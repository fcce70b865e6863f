// `npm run bench` (second part): transitions per second of the REAL `project` workflow, as the app
// builds it (createDeps, the demo's reference data), with its effects (notices → outbox rows), its
// read model (the `projects` row through syncReadModel with its budget year and groups,
// `project_vendors`, the stuck report's `stage_visits` with their expected ends) and the engine's
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
import { alternateMany } from './rounds.js';
import { writeResult } from './results.js';
import BetterSqlite from 'better-sqlite3';
import pg from 'pg';
import { stringify } from 'safe-stable-stringify';
import { loadConfig, parseDatabaseUrl, type DatabaseConfig } from '../../src/config.js';
import { createDeps, type Deps } from '../../src/deps.js';
import { toActor, type User } from '../../src/auth/users.js';
import type { Actor } from '../../src/engine/types.js';
import { isPostgres, SQLITE_BUSY_TIMEOUT_MS, type Db, type Trx } from '../../src/lib/db.js';
import { ManualClock } from '../../src/lib/clock.js';
import { createCalendar, shanghaiDate } from '../../src/lib/calendar.js';
import { expectedEnd, needsWorkingDays } from '../../src/monitoring/stage-clock.js';
import type { NotifyTemplate, ProgrammeRules } from '../../workflows/project/index.js';
import { createHbsMailRenderer } from '../../src/notifications/render-hbs.js';
import { absoluteUrl } from '../../src/lib/urls.js';
import { isPartRef, PART_KEY } from '../../src/engine/parts.js';
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
  visitsClosed: number;
  visitsOpened: number;
}

const TABLES: Record<string, keyof Written> = {
  'insert workflow_history': 'history',
  'update workflow_instances': 'instances',
  'update projects': 'projects',
  'delete workflow_waits': 'waitsDeletes',
  'insert workflow_waits': 'waitsInserted',
  'insert outbox': 'outbox',
  'update stage_visits': 'visitsClosed',
  'insert stage_visits': 'visitsOpened',
};

/**
 * The statements one statement sent holds: itself, or, for the engine's grouped writes on PostgreSQL
 * (`with w0 as (…), w1 as (…) <last>`, src/lib/db.ts writeTogether), each part with its share of the
 * bindings (the placeholders are numbered in order across the parts).
 */
function partsOf(sql: string, bindings: unknown[] | undefined): Array<{ sql: string; bindings: unknown[] | undefined }> {
  if (!/^with w0 as \(/i.test(sql)) return [{ sql, bindings }];
  const parts: string[] = [];
  let i = 0;
  for (let m: RegExpExecArray | null; (m = /^(?:with|,)\s*w\d+ as \(/i.exec(sql.slice(i).trimStart())); ) {
    const start = sql.length - sql.slice(i).trimStart().length + m[0].length;
    let depth = 1;
    let j = start;
    for (; j < sql.length && depth > 0; j++) {
      if (sql[j] === '"') j = sql.indexOf('"', j + 1); // a quoted name
      else if (sql[j] === '(') depth++;
      else if (sql[j] === ')') depth--;
    }
    parts.push(sql.slice(start, j - 1));
    i = j;
  }
  parts.push(sql.slice(i).trim());
  let next = 0;
  return parts.map((part) => {
    const n = (part.match(/\$\d+|\?/g) ?? []).length;
    const slice = bindings?.slice(next, next + n);
    next += n;
    return { sql: part, bindings: slice };
  });
}

/** Counts the rows each write statement names (statements, and for inserts their rows) while on. */
function writeCounter(db: Db) {
  let on: Written | null = null;
  let statements = 0;
  db.on('query', (query: { sql: string; bindings?: unknown[] }) => {
    if (!on) return;
    statements++;
    for (const q of partsOf(query.sql, query.bindings)) {
      const m = /^\s*(insert into|update|delete from)\s+(?:"[^"]+"\.)?[`"]?(\w+)[`"]?/i.exec(q.sql);
      if (!m) continue;
      const verb = m[1]!.toLowerCase().split(' ')[0]!;
      const key = TABLES[`${verb} ${m[2]}`];
      if (!key) continue;
      if (verb === 'insert') {
        // rows = bindings / columns (every value here is bound, whether knex writes VALUES or UNION ALL)
        const cols = /^\s*insert into\s+\S+\s*\(([^)]*)\)/i.exec(q.sql)?.[1]?.split(',').length ?? 1;
        on[key] += Math.round((q.bindings?.length ?? cols) / cols);
      } else {
        on[key] += 1; // one statement, one instance: a row
      }
    }
  });
  return {
    /** The rows written while fn runs, and how many statements (reads too) it sent. */
    async count(fn: () => Promise<unknown>): Promise<{ rows: Written; statements: number }> {
      on = { history: 0, instances: 0, projects: 0, waitsDeletes: 0, waitsInserted: 0, outbox: 0, visitsClosed: 0, visitsOpened: 0 };
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
  /** transitions/s: bare knex, the raw driver's prepared statements, the engine */
  baseline: number;
  raw: number;
  engine: number;
  /** engine / baseline, engine / raw */
  ratio: number;
  rawRatio: number;
  same: boolean;
}

/** The writes of one hand-written transition, as a store performs them (in `tx`). */
interface StepStore {
  tx(fn: () => Promise<void>): Promise<void>;
  instance(id: string): Promise<{ version: number; history_head: string; state: string; snapshot: string }>;
  communityUsers(communityId: string): Promise<Array<{ email: string; name: string; lang: string | null }>>;
  insertOutbox(rows: Array<Record<string, unknown>>): Promise<void>;
  insertHistory(row: Record<string, unknown>): Promise<void>;
  updateInstance(id: string, version: number, fields: Record<string, unknown>): Promise<void>;
  updateProject(id: string, fields: Record<string, unknown>, publicSince: string | null): Promise<void>;
  projectVendors(id: string): Promise<string[]>;
  insertProjectVendors(id: string, vendorIds: string[]): Promise<void>;
  replaceWaits(id: string, rows: Array<Record<string, unknown>>): Promise<void>;
  /** the stuck report's read model: the open stage visit closed, the overrides, a visit opened */
  closeVisit(id: string, at: string, leftYear: number): Promise<void>;
  calendarOverrides(): Promise<Array<{ date: string; kind: string }>>;
  /** a shared snapshot part's JSON (the rules a project runs under), by its key */
  part(hash: string): Promise<string | undefined>;
  insertVisit(row: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

/** The bare-knex baseline: the query builder, in a knex transaction. */
function knexStepStore(db: Db, pg: boolean): StepStore {
  let trx: Trx | null = null;
  const q = () => trx!;
  return {
    async tx(fn) {
      await db.transaction(async (t) => {
        trx = t;
        try {
          await fn();
        } finally {
          trx = null;
        }
      });
    },
    async instance(id) {
      const sel = q()('workflow_instances').where({ id }).first('version', 'history_head', 'state', 'snapshot');
      return await (pg ? sel.forUpdate() : sel);
    },
    communityUsers: async (communityId) => await q()('users').where({ role: 'community', community_id: communityId, disabled: false }).select('email', 'name', 'lang'),
    insertOutbox: async (rows) => { await q()('outbox').insert(rows); },
    insertHistory: async (row) => { await q()('workflow_history').insert(row); },
    updateInstance: async (id, version, fields) => { await q()('workflow_instances').where({ id, version }).update(fields); },
    updateProject: async (id, fields, publicSince) => {
      await q()('projects').where({ id }).update({ ...fields, ...(publicSince ? { public_since: q().raw('coalesce(public_since, ?)', [publicSince]) } : {}) });
    },
    projectVendors: async (id) => (await q()('project_vendors').where({ project_id: id }).pluck('vendor_id')) as string[],
    insertProjectVendors: async (id, vendorIds) => { await q()('project_vendors').insert(vendorIds.map((v) => ({ project_id: id, vendor_id: v }))); },
    replaceWaits: async (id, rows) => {
      await q()('workflow_waits').where({ instance_id: id }).del();
      if (rows.length) await q()('workflow_waits').insert(rows);
    },
    closeVisit: async (id, at, leftYear) => { await q()('stage_visits').where({ project_id: id }).whereNull('left_at').update({ left_at: at, left_year: leftYear }); },
    calendarOverrides: async () => await q()('calendar_overrides').select('date', 'kind'),
    part: async (hash) => ((await q()('snapshot_parts').where({ hash }).first('json')) as { json: string } | undefined)?.json,
    insertVisit: async (row) => { await q()('stage_visits').insert(row); },
    close: async () => {},
  };
}

type RawTarget = { kind: 'sqlite'; filename: string } | { kind: 'pg'; connectionString: string; schema?: string };
const rawTargetOf = (d: DatabaseConfig): RawTarget => (d.client === 'sqlite' ? { kind: 'sqlite', filename: d.filename } : { kind: 'pg', connectionString: d.connectionString, ...(d.schema ? { schema: d.schema } : {}) });

/**
 * The storage limit: the same statements through the driver itself — better-sqlite3 or pg — each
 * prepared once (pg: named statements) and run with its values; one transaction per transition.
 */
async function rawStepStore(t: RawTarget): Promise<StepStore> {
  /** SQL for a write of these columns (the text names the statement; the values come in order) */
  const insertSql = (table: string, cols: string[], p: (i: number) => string) => `insert into ${table} (${cols.join(', ')}) values (${cols.map((_, i) => p(i)).join(', ')})`;
  const updateSql = (table: string, cols: string[], p: (i: number) => string, where: string[], extra = '') =>
    `update ${table} set ${cols.map((c, i) => `${c} = ${p(i)}`).join(', ')}${extra} where ${where.map((w, i) => `${w} = ${p(cols.length + i)}`).join(' and ')}`;
  const sqliteValue = (v: unknown) => (typeof v === 'boolean' ? Number(v) : v === undefined ? null : v);

  if (t.kind === 'sqlite') {
    const conn = new BetterSqlite(t.filename);
    conn.pragma('journal_mode = WAL');
    conn.pragma('synchronous = FULL');
    conn.pragma('foreign_keys = ON');
    conn.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    const statements = new Map<string, BetterSqlite.Statement>();
    const st = (sql: string) => {
      let s = statements.get(sql);
      if (!s) statements.set(sql, (s = conn.prepare(sql)));
      return s;
    };
    const p = () => '?';
    const begin = conn.prepare('BEGIN IMMEDIATE');
    const commit = conn.prepare('COMMIT');
    const rollback = conn.prepare('ROLLBACK');
    return {
      async tx(fn) {
        begin.run();
        try {
          await fn();
          commit.run();
        } catch (err) {
          rollback.run();
          throw err;
        }
      },
      instance: async (id) => st('select version, history_head, state, snapshot from workflow_instances where id = ?').get(id) as { version: number; history_head: string; state: string; snapshot: string },
      communityUsers: async (communityId) => st("select email, name, lang from users where role = 'community' and community_id = ? and disabled = 0").all(communityId) as Array<{ email: string; name: string; lang: string | null }>,
      insertOutbox: async (rows) => { for (const r of rows) st(insertSql('outbox', Object.keys(r), p)).run(...Object.values(r).map(sqliteValue)); },
      insertHistory: async (row) => { st(insertSql('workflow_history', Object.keys(row), p)).run(...Object.values(row).map(sqliteValue)); },
      updateInstance: async (id, version, f) => { st(updateSql('workflow_instances', Object.keys(f), p, ['id', 'version'])).run(...Object.values(f).map(sqliteValue), id, version); },
      updateProject: async (id, f, publicSince) => {
        const cols = Object.keys(f);
        const extra = publicSince ? `, public_since = coalesce(public_since, ?)` : '';
        const sql = `update projects set ${cols.map((c) => `${c} = ?`).join(', ')}${extra} where id = ?`;
        st(sql).run(...Object.values(f).map(sqliteValue), ...(publicSince ? [publicSince] : []), id);
      },
      projectVendors: async (id) => (st('select vendor_id from project_vendors where project_id = ?').all(id) as Array<{ vendor_id: string }>).map((r) => r.vendor_id),
      insertProjectVendors: async (id, vendorIds) => { for (const v of vendorIds) st('insert into project_vendors (project_id, vendor_id) values (?, ?)').run(id, v); },
      replaceWaits: async (id, rows) => {
        st('delete from workflow_waits where instance_id = ?').run(id);
        for (const r of rows) st(insertSql('workflow_waits', Object.keys(r), p)).run(...Object.values(r).map(sqliteValue));
      },
      closeVisit: async (id, at, leftYear) => { st('update stage_visits set left_at = ?, left_year = ? where project_id = ? and left_at is null').run(at, leftYear, id); },
      calendarOverrides: async () => st('select date, kind from calendar_overrides').all() as Array<{ date: string; kind: string }>,
      part: async (hash) => (st('select json from snapshot_parts where hash = ?').get(hash) as { json: string } | undefined)?.json,
      insertVisit: async (row) => { st(insertSql('stage_visits', Object.keys(row), p)).run(...Object.values(row).map(sqliteValue)); },
      close: async () => { conn.close(); },
    };
  }

  const client = new pg.Client({ connectionString: t.connectionString });
  await client.connect();
  if (t.schema) await client.query(`set search_path to "${t.schema}", public`);
  const names = new Map<string, string>();
  /** a named statement: pg prepares it on the connection once and afterwards only binds values */
  const run = async <R extends pg.QueryResultRow>(text: string, values: unknown[]) => {
    let name = names.get(text);
    if (!name) names.set(text, (name = `s${names.size}`));
    return (await client.query<R>({ name, text, values })).rows;
  };
  const p = (i: number) => `$${i + 1}`;
  return {
    async tx(fn) {
      await client.query('BEGIN');
      try {
        await fn();
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
    },
    instance: async (id) => (await run<{ version: number; history_head: string; state: string; snapshot: string }>('select version, history_head, state, snapshot from workflow_instances where id = $1 for update', [id]))[0]!,
    communityUsers: async (communityId) => await run<{ email: string; name: string; lang: string | null }>("select email, name, lang from users where role = 'community' and community_id = $1 and disabled = false", [communityId]),
    insertOutbox: async (rows) => { for (const r of rows) await run(insertSql('outbox', Object.keys(r), p), Object.values(r)); },
    insertHistory: async (row) => { await run(insertSql('workflow_history', Object.keys(row), p), Object.values(row)); },
    updateInstance: async (id, version, f) => { await run(updateSql('workflow_instances', Object.keys(f), p, ['id', 'version']), [...Object.values(f), id, version]); },
    updateProject: async (id, f, publicSince) => {
      const cols = Object.keys(f);
      const n = cols.length;
      const extra = publicSince ? `, public_since = coalesce(public_since, $${n + 1})` : '';
      await run(`update projects set ${cols.map((c, i) => `${c} = $${i + 1}`).join(', ')}${extra} where id = $${n + (publicSince ? 2 : 1)}`, [...Object.values(f), ...(publicSince ? [publicSince] : []), id]);
    },
    projectVendors: async (id) => (await run<{ vendor_id: string }>('select vendor_id from project_vendors where project_id = $1', [id])).map((r) => r.vendor_id),
    insertProjectVendors: async (id, vendorIds) => { for (const v of vendorIds) await run('insert into project_vendors (project_id, vendor_id) values ($1, $2)', [id, v]); },
    replaceWaits: async (id, rows) => {
      await run('delete from workflow_waits where instance_id = $1', [id]);
      for (const r of rows) await run(insertSql('workflow_waits', Object.keys(r), p), Object.values(r));
    },
    closeVisit: async (id, at, leftYear) => { await run('update stage_visits set left_at = $1, left_year = $2 where project_id = $3 and left_at is null', [at, leftYear, id]); },
    calendarOverrides: async () => await run<{ date: string; kind: string }>('select date, kind from calendar_overrides', []),
    part: async (hash) => (await run<{ json: string }>('select json from snapshot_parts where hash = $1', [hash]))[0]?.json,
    insertVisit: async (row) => { await run(insertSql('stage_visits', Object.keys(row), p), Object.values(row)); },
    close: async () => { await client.end(); },
  };
}

async function benchTarget(target: Target): Promise<Measured> {
  const clock = new ManualClock(T0);
  const config = loadConfig({
    NODE_ENV: 'test', CLOCK: 'manual', LOG_LEVEL: 'silent', DEMO: '1', DATABASE_URL: target.url,
    DATA_DIR: path.join(os.tmpdir(), 'wss-bench-project-data'),
  });
  const deps: Deps = await createDeps(config, { clock, logger: createLogger('silent') });
  try {
    return await benchDeps(target.name, deps, clock, rawTargetOf(config.database));
  } finally {
    await deps.close();
  }
}

async function benchDeps(name: string, deps: Deps, clock: ManualClock, rawTarget: RawTarget): Promise<Measured> {
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
  const rawIds: string[] = [];
  for (let i = 0; i < CYCLING + QUOTING; i++) {
    engineIds.push(await create());
    baseIds.push(await create());
    rawIds.push(await create());
  }
  const probe = await create();
  const waitsOf = async (id: string) =>
    (await db('workflow_waits').where({ instance_id: id }).orderBy(['role', 'scope', 'tasks']).select('role', 'scope', 'excluded_user_id', 'tasks', 'deadline_at')) as WaitTemplate[];
  const templates: Record<'draft' | 'screening', WaitTemplate[]> = { draft: await waitsOf(probe), screening: [] };
  await send(probe, { type: 'SUBMIT' }, A.c1);
  templates.screening = await waitsOf(probe);

  // The quoting projects: submitted, screened, deliberated, past the notice, approved, budgeted, invited.
  const quoting = [...engineIds.slice(CYCLING), ...baseIds.slice(CYCLING), ...rawIds.slice(CYCLING)];
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
  const rawStates: Stage[] = [...engineStates];
  // History rows carry the workflow version that wrote them where the schema has the column.
  const historyVersion = (await db.schema.hasColumn('workflow_history', 'workflow_version')) ? { workflow_version: 1 } : {};
  const communityMail = (await db('users').where({ role: 'community', community_id: c1.communityId, disabled: false }).count<{ n: number }[]>({ n: '*' }))[0]!.n;

  // Both sides draw the same sequence of plans, so they write the same kinds of rows.
  let engineSeed = 1;
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
   * in one transaction — through a store: knex (the bare-knex baseline) or the raw driver's
   * prepared statements (the storage limit).
   */
  async function baselineStep(st: StepStore, id: string, ev: { type: string } & Record<string, unknown>, actor: Actor, at: string): Promise<void> {
    const row = await st.instance(id);
    const seq = Number(row.version) + 1;
    const snap = (typeof row.snapshot === 'string' ? JSON.parse(row.snapshot) : row.snapshot) as { value: unknown; context: Record<string, unknown> & { actors: Record<string, string> } };
    const c = snap.context;
    // the rules are stored once and named by their key (src/engine/parts.ts): read once, then kept
    let rulesInForce = c.rules as ProgrammeRules;
    if (isPartRef(c.rules)) {
      const ref = c.rules[PART_KEY];
      let kept = parts.get(ref);
      if (!kept) parts.set(ref, (kept = JSON.parse((await st.part(ref))!) as ProgrammeRules));
      rulesInForce = kept;
    }
    const { type, ...payload } = ev;
    const from = row.state;
    let to = from;
    c.actors = { ...c.actors, [type]: actor.id };
    let notice: NotifyTemplate | null = null;
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
      const list = await st.communityUsers(String(c.communityId));
      // the same notice as the engine's: the app's e-mail templates, in each recipient's language
      await st.insertOutbox(list.map((r) => {
        const mail = renderMail(notice, r.lang === 'en' ? 'en' : 'zh-CN', {
          projectId: id, ref: String(c.ref), title: String(c.title), event: type, ...(typeof payload.reason === 'string' ? { reason: payload.reason } : {}),
          url: absoluteUrl(baseUrl, `/projects/${encodeURIComponent(id)}`), recipientName: String(r.name),
        });
        return {
          instance_id: id, message_id: `<${randomUUID()}@weishishi.local>`, template: notice, to_addr: r.email,
          subject: mail.subject, text: mail.text, html: mail.html ?? null, status: 'pending', attempts: 0, next_attempt_at: at, created_at: at,
        };
      }));
    }
    const hash = createHash('sha256')
      .update(row.history_head)
      .update('\n')
      .update(stringify({ instanceId: id, seq, type, payload, actor, from, to, at })!)
      .digest('hex');
    await st.insertHistory({
      instance_id: id, seq, type, payload: JSON.stringify(payload), actor: JSON.stringify(actor),
      from_state: from, to_state: to, at, prev_hash: row.history_head, hash, ...historyVersion,
    });
    await st.updateInstance(id, row.version, {
      state: to, status: 'active', snapshot: JSON.stringify(snap), version: seq, history_head: hash, updated_at: at, workflow_version: 1, described_version: 1,
    });
    const rules = rulesInForce;
    const award = c.award as { vendorId: string } | null;
    await st.updateProject(id, {
      ref: c.ref, district_id: c.districtId, street_id: c.streetId, community_id: c.communityId, year: c.year, type: c.type,
      category: c.category, title: c.title, description: c.description, estimated_fen: c.estimatedFen, approved_fen: c.approvedFen,
      awarded_fen: c.awardedFen, paid_fen: c.paidFen, vendor_id: award?.vendorId ?? null, state: to,
      next_deadline_at: to === 'procurement.quoting' ? (c.procurement as { deadline: string }).deadline : null,
      rules_version: rules.version, updated_at: at, budget_year: c.budgetYear ?? c.year,
      ...(typeof c.mainGroup === 'string' ? { main_group: c.mainGroup } : {}),
      ...(Array.isArray(c.otherGroups) ? { other_groups: JSON.stringify(c.otherGroups) } : {}),
      ...(to !== from ? { stage_entered_at: at } : {}),
    }, c.deliberation ? (c.deliberation as { at: string }).at : null);
    const invitations = (c.procurement as { invitations: string[] } | null)?.invitations ?? [];
    if (invitations.length) {
      const have = new Set(await st.projectVendors(id));
      const add = invitations.filter((v) => !have.has(v));
      if (add.length) await st.insertProjectVendors(id, add);
    }
    if (to !== from) {
      const rows = templates[to as 'draft' | 'screening'];
      await st.replaceWaits(id, rows.map((w) => ({ instance_id: id, workflow: 'project', ...w, since: at })));
      // the stage visits (where projects get stuck): the open one closed, the new one with its expected end
      await st.closeVisit(id, at, Number(shanghaiDate(at).slice(0, 4)));
      const stageRules: Pick<ProgrammeRules, 'stageDays'> = rulesInForce;
      const cal = needsWorkingDays(to, stageRules) ? createCalendar((await st.calendarOverrides()).map((o) => ({ date: o.date, kind: o.kind as 'workday' | 'holiday' }))) : createCalendar();
      const e = expectedEnd(to, at, stageRules, null, cal);
      await st.insertVisit({
        project_id: id, stage: to, entered_at: at, left_at: null, left_year: null, district_id: c.districtId, street_id: c.streetId,
        community_id: c.communityId, budget_year: c.budgetYear ?? c.year, expected_end_at: e.endAt, working: e.working, basis: e.basis,
      });
    }
  }

  const parts = new Map<string, ProgrammeRules>();
  const renderMail = createHbsMailRenderer();
  const baseUrl = deps.config.baseUrl;
  const knexStore = knexStepStore(db, pg);
  const rawStore = await rawStepStore(rawTarget);
  const baseline = (st: StepStore, ids: string[], states: Stage[], seeds: { n: number }) => async (n: number): Promise<number> => {
    const plan = makePlan(n, states, seeds.n++);
    const t0 = process.hrtime.bigint();
    for (const [i, s] of plan.entries()) {
      clock.advance(1000);
      const at = clock.now().toISOString();
      const ev = eventOf(s.type, i);
      await st.tx(() => baselineStep(st, ids[s.inst]!, ev, s.type === 'RETURN' ? A.c2 : A.c1, at));
    }
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  const runBaseline = baseline(knexStore, baseIds, baseStates, { n: 1 });
  const runRaw = baseline(rawStore, rawIds, rawStates, { n: 1 });

  const measured = await alternateMany(TRANSITIONS, ROUNDS, { baseline: runBaseline, raw: runRaw, engine: runEngine });
  const [base, eng, raw] = [measured.baseline.runs, measured.engine.runs, measured.raw.runs];
  const [mb, me, mr] = [measured.baseline.median, measured.engine.median, measured.raw.median];


  // One more round each, untimed, counting the rows every write statement touches.
  const counter = writeCounter(db);
  const engineRun = await counter.count(() => runEngine(TRANSITIONS));
  const baseRun = await counter.count(() => runBaseline(TRANSITIONS));
  await runRaw(TRANSITIONS);
  const same = JSON.stringify(engineRun.rows) === JSON.stringify(baseRun.rows);
  // And the tables as they stand: every history row, the waits and the read model, per side.
  const tally = async (ids: string[]) => ({
    history: Number((await db('workflow_history').whereIn('instance_id', ids).count<{ n: number }[]>({ n: '*' }))[0]!.n),
    waits: Number((await db('workflow_waits').whereIn('instance_id', ids).count<{ n: number }[]>({ n: '*' }))[0]!.n),
    outbox: Number((await db('outbox').whereIn('instance_id', ids).count<{ n: number }[]>({ n: '*' }))[0]!.n),
    // the notices' characters (subject, text, html): the same e-mails, not only as many
    outboxChars: Number((await db('outbox').whereIn('instance_id', ids).select(db.raw("sum(length(subject) + length(text) + length(coalesce(html, ''))) as n")))[0]!.n),
    projectVendors: Number((await db('project_vendors').whereIn('project_id', ids).count<{ n: number }[]>({ n: '*' }))[0]!.n),
    openVisits: Number((await db('stage_visits').whereIn('project_id', ids).whereNull('left_at').count<{ n: number }[]>({ n: '*' }))[0]!.n),
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
  const te = await tally(engineIds);
  console.log(`  tables now  engine  : ${JSON.stringify(te)} (incl. setup)`);
  const [tb, tr] = [await tally(baseIds), await tally(rawIds)];
  // the sides write the same notices: as many rows, and the same text within the refs' digits
  const sameMail = te.outbox === tb.outbox && Math.abs(te.outboxChars - tb.outboxChars) <= 0.01 * tb.outboxChars;
  console.log(`  tables now  baseline: ${JSON.stringify(tb)}`);
  console.log(`  tables now  raw     : ${JSON.stringify(tr)}${JSON.stringify(tb) === JSON.stringify(tr) ? '' : '  ← DIFFERENT'}`);
  console.log(`  raw      transitions/s: median ${mr.toFixed(0)}  (runs: ${fmt(raw)})`);
  console.log(`  baseline transitions/s: median ${mb.toFixed(0)}  (runs: ${fmt(base)})`);
  console.log(`  engine   transitions/s: median ${me.toFixed(0)}  (runs: ${fmt(eng)})`);
  await rawStore.close();
  return { name, baseline: mb, engine: me, raw: mr, ratio: me / mb, rawRatio: me / mr, same: same && sameMail && JSON.stringify(tb) === JSON.stringify(tr) };
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
console.log(`  ${'database'.padEnd(24)} ${'raw'.padStart(9)} ${'baseline'.padStart(9)} ${'engine'.padStart(9)}  project/baseline  project/raw`);
for (const r of results) {
  console.log(`  ${r.name.padEnd(24)} ${r.raw.toFixed(0).padStart(9)} ${r.baseline.toFixed(0).padStart(9)} ${r.engine.toFixed(0).padStart(9)}  ${r.ratio.toFixed(2).padStart(16)}  ${r.rawRatio.toFixed(2).padStart(11)}${r.same ? '' : '  (rows written differ!)'}`);
}
// The line to read beside run.ts's `engine/baseline ratio`: the default driver's.
console.log(`project/baseline ratio: ${results[0]!.ratio.toFixed(2)}`);
console.log(`project bench took ${((Date.now() - started) / 1000).toFixed(1)} s`);
writeResult('project', { transitions: TRANSITIONS, rounds: ROUNDS, results });
if (results.some((r) => !r.same)) process.exitCode = 1;
