// Indexes that hold (issue 13, item 5): the SQL the list, inbox, public list and notices, report,
// monitoring and export queries send — captured as the services issue them, for a district, a
// street and a community user and for the public — is handed back to the database's planner with
// the same bindings, over a few thousand projects. No plan may read a whole table of projects or of
// history: on SQLite no `SCAN projects` (or its alias) unless through a covering index or, under an
// ORDER BY … LIMIT without GROUP BY, through an index walked in order and left after a page; on
// PostgreSQL no `Seq Scan on projects|workflow_history`. A year's aggregation over an index on the
// year (SEARCH … USING INDEX) is fine. PLANS=1 prints every statement and its plan.
//
// PostgreSQL, even after ANALYZE, may prefer a sequential scan of a table of a few thousand rows
// (a handful of pages) to any index: that says nothing of 100,000 projects. Where it does, the query
// is planned again with `enable_seqscan = off` for its transaction, which makes the planner take an
// index whenever one can serve the query; a Seq Scan that remains means none can. A connection
// prepares the statements it repeats (src/lib/pg-statements.ts), and PostgreSQL then settles on one
// generic plan for any values: each query's generic plan is held to the same rule.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/auth/users.js';
import { isPostgres, type Db } from '../../src/lib/db.js';
import { STAGES } from '../../workflows/project/index.js';
import { STORAGE_KINDS } from '../support/db.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { U } from '../support/lifecycle.js';

const PROJECTS = 3_000;
const BASE = Date.parse('2017-01-01T00:00:00.000Z');
/** ten years of projects, as a city's (issue 13): a budget year holds about a tenth of them */
const HOURS_APART = Math.floor((10 * 365 * 24) / PROJECTS);
const PLACES = [
  { street: 'st-gongbei', community: 'cm-lianhua' },
  { street: 'st-gongbei', community: 'cm-yuehai' },
  { street: 'st-jida', community: 'cm-haibin' },
] as const;
const GROUPS = ['残疾人', '老年人', '儿童', '困难群众'];
const CATEGORIES = ['助行', '居家改造', '探访慰藉', '康复'];
const TYPES = ['goods', 'works', 'services'];
/** the tables no plan may read whole */
const GUARDED = ['projects', 'workflow_history'];

type Row = Record<string, string | number | boolean | null>;

/** A few thousand projects over six budget years, every stage, all places, as the read model holds them. */
async function addProjects(db: Db): Promise<void> {
  const instances: Row[] = [];
  const projects: Row[] = [];
  const waits: Row[] = [];
  const visits: Row[] = [];
  const ledger: Row[] = [];
  for (let i = 0; i < PROJECTS; i++) {
    const id = `plan-${String(i).padStart(5, '0')}`;
    const place = PLACES[i % PLACES.length]!;
    const createdAt = new Date(BASE + i * HOURS_APART * 3_600_000).toISOString();
    const year = Number(createdAt.slice(0, 4));
    const state = STAGES[i % STAGES.length]!;
    const stageAt = new Date(Date.parse(createdAt) + 86_400_000 * 3).toISOString();
    const isPublic = i % 3 !== 0;
    instances.push({ id, workflow: 'project', workflow_version: 1, state, status: 'active', snapshot: '{}', version: 2, history_head: '0'.repeat(64), created_at: createdAt, updated_at: stageAt, described_version: 1 });
    projects.push({
      id, ref: `XZ-${year}-P${String(i).padStart(5, '0')}`, district_id: 'xz', street_id: place.street, community_id: place.community, year, budget_year: year + (i % 7 === 0 ? 1 : 0),
      type: TYPES[i % TYPES.length]!, category: CATEGORIES[i % CATEGORIES.length]!, main_group: GROUPS[i % GROUPS.length]!, other_groups: JSON.stringify([GROUPS[(i + 1) % GROUPS.length]]),
      title: `计划测试 ${i}`, estimated_fen: 100_000 + i, approved_fen: i % 2 ? 90_000 : null, paid_fen: 0, state, stage_entered_at: stageAt,
      next_deadline_at: new Date(Date.parse(stageAt) + 86_400_000 * 10).toISOString(), public_since: isPublic ? stageAt : null,
      rules_version: 1, created_by: 'seed', created_at: createdAt, updated_at: stageAt,
    });
    const scope = i % 5 === 0 ? ['district', 'district:xz'] : i % 5 === 1 ? ['street', `street:${place.street}`] : ['community', `community:${place.community}`];
    waits.push({ instance_id: id, workflow: 'project', role: scope[0]!, scope: scope[1]!, excluded_user_id: null, tasks: 'SCREEN_PASS,RETURN', since: stageAt, deadline_at: new Date(Date.parse(stageAt) + 86_400_000 * 10).toISOString() });
    const common = { project_id: id, district_id: 'xz', street_id: place.street, community_id: place.community, budget_year: year, working: true, basis: 'stageDays' };
    visits.push({ ...common, stage: 'draft', entered_at: createdAt, left_at: stageAt, left_year: Number(stageAt.slice(0, 4)), expected_end_at: stageAt });
    visits.push({ ...common, stage: state, entered_at: stageAt, left_at: null, left_year: null, expected_end_at: new Date(Date.parse(stageAt) + 86_400_000 * 10).toISOString() });
    if (i % 2) ledger.push({ project_id: id, reserved_fen: 90_000, committed_fen: 0, spent_fen: 0 });
  }
  await db.transaction(async (trx) => {
    await trx.batchInsert('workflow_instances', instances, 200);
    await trx.batchInsert('projects', projects, 200);
    await trx.batchInsert('workflow_waits', waits, 200);
    await trx.batchInsert('stage_visits', visits, 200);
    await trx.batchInsert('project_ledger', ledger, 200);
  });
}

interface Captured {
  label: string;
  sql: string;
  bindings: unknown[];
}

interface Plan extends Captured {
  plan: string[];
  /** PostgreSQL: planned again with enable_seqscan off (see the head of this file) */
  forced?: string[];
  /** PostgreSQL: the generic plan a prepared statement settles on (src/lib/pg-statements.ts), the same way */
  generic?: string[];
}

/** The guarded tables and the aliases the statement gives them (`projects as p`). */
function namesIn(sql: string): string[] {
  const names = new Set<string>();
  const re = /\b(?:from|join)\s+[`"]?(\w+)[`"]?(?:\s+(?:as\s+)?[`"]?(\w+)[`"]?)?/gi;
  for (const m of sql.matchAll(re)) {
    if (!GUARDED.includes(m[1]!)) continue;
    names.add(m[1]!);
    const alias = m[2];
    if (alias && !/^(where|on|left|inner|join|group|order|limit|union|cross)$/i.test(alias)) names.add(alias);
  }
  return [...names];
}

/**
 * SQLite: a SCAN of a guarded table, unless through an index. Through a covering index it reads the
 * index only (a true count, the years there are); through any other index it reads every row in the
 * index's order, which is fine only where a LIMIT stops it after a page (ORDER BY … LIMIT, no GROUP BY).
 */
function sqliteScans(p: Plan): string[] {
  const names = namesIn(p.sql);
  const stopsEarly = /\border by\b/i.test(p.sql) && /\blimit\b/i.test(p.sql) && !/\bgroup by\b/i.test(p.sql);
  return p.plan.filter((line) => names.some((n) => {
    if (!new RegExp(`^SCAN ${n}(?: |$)`).test(line)) return false;
    if (/ USING COVERING INDEX /.test(line)) return false;
    return !(stopsEarly && / USING INDEX /.test(line));
  }));
}

const pgScans = (plan: string[]) => plan.filter((line) => new RegExp(`Seq Scan on (?:${GUARDED.join('|')})\\b`).test(line));

let prepared = 0;
async function explain(db: Db, q: Captured): Promise<Plan> {
  if (!isPostgres(db)) {
    const rows = (await db.raw(`EXPLAIN QUERY PLAN ${q.sql}`, q.bindings as never)) as Array<{ detail: string }>;
    return { ...q, plan: rows.map((r) => r.detail) };
  }
  // The statement as sent ($1, $2 …), back to knex's placeholders for the same bindings.
  if (q.sql.includes('?')) throw new Error(`a literal ? in ${q.sql}`);
  const sql = `EXPLAIN ${q.sql.replace(/\$\d+/g, '?')}`;
  const lines = (res: { rows: Array<Record<string, string>> }) => res.rows.map((r) => r['QUERY PLAN']!);
  const plan = lines(await db.raw(sql, q.bindings as never));
  const forced = pgScans(plan).length === 0 ? undefined : await db.transaction(async (trx) => {
    await trx.raw('SET LOCAL enable_seqscan = off');
    return lines(await trx.raw(sql, q.bindings as never));
  });
  // A statement the server has prepared is planned once for any values after its fifth run: the
  // generic plan, planned here with `plan_cache_mode = force_generic_plan` (the values as literals:
  // EXECUTE takes no parameters), and again without sequential scans if it has one.
  const values = q.bindings.map((b) => db.raw('?', [b as never]).toQuery());
  // a statement's generic plan is made once, at its first EXECUTE: enable_seqscan must be off before it
  const planGeneric = (seqscan: boolean) => db.transaction(async (trx) => {
    const name = `qp_generic_${++prepared}`;
    await trx.raw('SET LOCAL plan_cache_mode = force_generic_plan');
    if (!seqscan) await trx.raw('SET LOCAL enable_seqscan = off');
    await trx.raw(`PREPARE ${name} AS ${q.sql}`);
    const p = lines(await trx.raw(`EXPLAIN EXECUTE ${name}${values.length ? `(${values.join(', ')})` : ''}`));
    await trx.raw(`DEALLOCATE ${name}`);
    return p;
  });
  let generic = await planGeneric(true);
  if (pgScans(generic).length > 0) generic = await planGeneric(false);
  return { ...q, plan, ...(forced ? { forced } : {}), generic };
}

describe.each(STORAGE_KINDS)('query plans on %s', (kind) => {
  let app: TestApp;
  const users: Record<'district' | 'street' | 'community', User> = {} as never;

  beforeAll(async () => {
    app = await createTestApp({ kind });
    const { services, db } = app.deps;
    users.district = (await services.users.findByEmail(U.district))!;
    users.street = (await services.users.findByEmail(U.street))!;
    users.community = (await services.users.findByEmail(U.c2))!;
    await addProjects(db);
    // PostgreSQL plans with fresh statistics, as autovacuum keeps them in service; the app never
    // runs ANALYZE on SQLite, so SQLite plans here as it does in service, without sqlite_stat1.
    if (isPostgres(db)) await db.raw('ANALYZE');
  }, 120_000);
  afterAll(async () => app?.close());

  it(`when the lists, inbox, public pages, reports, monitoring and exports run over ${PROJECTS} projects, then no plan reads a whole table of projects or history`, async () => {
    const { services, db } = app.deps;
    const { district, street } = users;
    const captured: Captured[] = [];
    let label = '';
    const listen = (q: { sql: string; bindings?: unknown[] }) => {
      if (namesIn(q.sql).length) captured.push({ label, sql: q.sql, bindings: q.bindings ?? [] });
    };
    const run = async (name: string, fn: () => Promise<unknown>) => {
      label = name;
      await fn();
    };
    const drain = async (table: { rows: AsyncIterable<unknown> | Iterable<unknown> }) => {
      let n = 0;
      for await (const _ of table.rows) n++;
      return n;
    };
    db.on('query', listen);
    try {
      for (const [who, user] of Object.entries(users)) {
        await run(`${who}: list`, () => services.projects.list(user, { page: '1' }));
        await run(`${who}: list page 3 in a state`, () => services.projects.list(user, { state: 'street_review', page: '3' }));
        await run(`${who}: list in procurement`, () => services.projects.list(user, { state: 'procurement' }));
        await run(`${who}: list of a budget year and group`, () => services.projects.list(user, { budgetYear: '2022', group: '残疾人' }));
        await run(`${who}: list of a year and type`, () => services.projects.list(user, { year: '2021', type: 'works' }));
        await run(`${who}: inbox`, () => services.inbox.page(user, 1));
        await run(`${who}: inbox count`, () => services.inbox.count(user));
        await run(`${who}: summary by group`, () => services.reports.summary(user, { year: '2022', groupBy: 'group' }));
        await run(`${who}: summary by street over three years`, () => services.reports.summary(user, { year: '2021', to: '2023', groupBy: 'street' }));
        await run(`${who}: stuck projects`, () => services.monitoring.stages(user, { year: '2022' }));
        await run(`${who}: a month`, () => services.monitoring.month(user, { month: '2021-06' }));
        await run(`${who}: export`, async () => drain(await services.exporter.projects(user, {}, 'zh-CN')));
        await run(`${who}: export of a budget year`, async () => drain(await services.exporter.projects(user, { budgetYear: '2022' }, 'zh-CN')));
      }
      await run('district: list of a street', () => services.projects.list(district, { streetId: 'st-jida', page: '2' }));
      await run('street: list of a community', () => services.projects.list(street, { communityId: 'cm-yuehai' }));
      await run('public: list', () => services.publicSite.list({}));
      await run('public: list of a year', () => services.publicSite.list({ year: '2022', page: '2' }));
      await run('public: list of a street in notice', () => services.publicSite.list({ streetId: 'st-gongbei', state: 'public_notice' }));
      await run('public: notices', () => services.publicSite.notices(1));
      await run('public: summary', () => services.reports.publicSummary({ year: '2022' }));
      await run('public: statistics', () => services.publicSite.stats('2022'));
    } finally {
      db.off('query', listen);
    }

    // every kind of query was seen
    for (const what of ['inbox', 'list', 'summary', 'stuck', 'export', 'public: notices', 'public: statistics']) {
      expect(captured.some((c) => c.label.includes(what)), what).toBe(true);
    }
    const seen = new Set<string>();
    const plans: Plan[] = [];
    for (const q of captured) {
      const key = `${q.sql}\u0000${JSON.stringify(q.bindings)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      plans.push(await explain(db, q));
    }
    const bad = plans
      .flatMap((p) => isPostgres(db)
        ? [{ label: p.label, sql: p.sql, plan: p.forced ?? p.plan }, { label: `${p.label} (generic plan)`, sql: p.sql, plan: p.generic! }].map((x) => ({ ...x, scans: pgScans(x.plan) }))
        : [{ label: p.label, sql: p.sql, plan: p.plan, scans: sqliteScans(p) }])
      .filter((p) => p.scans.length > 0);
    if (process.env.PLANS === '1') {
      for (const p of plans) console.log(`── ${p.label}\n${p.sql}\n${p.plan.join('\n')}${p.forced ? `\n[enable_seqscan off]\n${p.forced.join('\n')}` : ''}${p.generic ? `\n[generic]\n${p.generic.join('\n')}` : ''}\n`);
    }
    expect(bad, bad.map((b) => `${b.label}: ${b.sql}\n  ${b.plan.join('\n  ')}`).join('\n\n')).toEqual([]);
    expect(plans.length).toBeGreaterThan(20);
  }, 300_000);
});
