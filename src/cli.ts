// weishishi <serve|worker|migrate|verify|…>: the operator's entry points.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import { loadConfig, ConfigError } from './config.js';
import { isAppError } from './errors.js';
import { createDeps, type Deps, type DepsOptions } from './deps.js';
import { verifyAll } from './engine/verify.js';
import { removeBodiesOlderThan } from './engine/outbox.js';
import { auditProjectLedgers } from './projects/project-audit.js';
import { createDb, isPostgres, migrateLatest, migrationConfig } from './lib/db.js';
import { onShutdown, runWorkersOnly, startServer } from './server.js';
import { ManualClock } from './lib/clock.js';
import { STORY_SPAN_MS } from './demo/stories.js';
import { DEMO_YEAR_PROJECTS, demoYearTargets, generateYear, storiesStartFor } from './demo/year.js';
import { CITY_YEARS, generateCity, lastSettledYear, PROJECTS_PER_STREET } from './demo/city.js';
import { mergeCopy, watermarks, type Watermarks } from './demo/city-merge.js';
import { LOCKDOWN, lockdownStartFor, seedLockdown } from './demo/lockdown.js';
import { BackupError, createBackup, restoreBackup } from './backup/backup.js';
import { auditVendorStatus } from './vendors/vendor-status.js';
import { checkLinkedDocuments } from './backup/document-check.js';
import { LockHeldError } from './backup/lock.js';

/** Opens the app's dependencies (migrating the database), runs fn, and always closes them. */
async function withDeps<T>(fn: (deps: Deps) => Promise<T>, opts: DepsOptions = {}, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  const deps = await createDeps(loadConfig(env), opts);
  try {
    return await fn(deps);
  } finally {
    await deps.close();
  }
}

const program = new Command()
  .name('weishishi')
  .description('民生微实事 workflow engine and web application')
  .showHelpAfterError();

program
  .command('serve')
  .description('run the web server with the timer and e-mail workers in one process (what `npm start` runs)')
  .option('--no-workers', 'serve pages only; run `weishishi worker` elsewhere')
  .action(async (opts: { workers: boolean }) => {
    const running = await startServer(loadConfig(), { withWorkers: opts.workers });
    onShutdown(running.stop);
  });

program
  .command('worker')
  .description('run the timer and e-mail workers alone (several may run against one PostgreSQL)')
  .action(async () => {
    const running = await runWorkersOnly(loadConfig());
    onShutdown(running.stop);
  });

program
  .command('migrate')
  .description('bring the database schema up to date (serve does this too)')
  .action(async () => {
    const config = loadConfig();
    const db = createDb(config.database);
    try {
      await migrateLatest(db, config.database);
      const [, pending] = (await db.migrate.list(migrationConfig(config.database))) as [unknown[], unknown[]];
      process.stdout.write(`migrations up to date (${pending.length} pending)\n`);
    } finally {
      await db.destroy();
    }
  });

program
  .command('verify')
  .description("replay every instance's history through its machine, check the hash chains, rebuild every allocation from its ledger entries, and check each project holds what its history says")
  .option('--first', 'stop at the first broken instance')
  .action(async (opts: { first?: boolean }) => {
    await withDeps(async (deps) => {
      const report = await verifyAll(deps.engine, deps.db, { stopAtFirst: Boolean(opts.first) });
      for (const p of report.problems) process.stdout.write(`BROKEN ${p.instanceId}${p.seq ? ` at seq ${p.seq}` : ''}: ${p.problem}\n`);
      process.stdout.write(`verified ${report.checked} instances, ${report.events} events: ${report.problems.length ? `${report.problems.length} broken` : 'all intact'}\n`);
      const ledger = await deps.services.ledger.audit();
      for (const p of ledger) process.stdout.write(`LEDGER ${p.communityId}/${p.year}: ${p.problem}\n`);
      process.stdout.write(`ledger: ${ledger.length ? `${ledger.length} allocations do not match their entries` : 'every allocation matches its entries'}\n`);
      const held = await auditProjectLedgers(deps.db);
      for (const p of held) process.stdout.write(`LEDGER ${p.ref} (${p.projectId}): ${p.problem}\n`);
      process.stdout.write(`projects: ${held.length ? `${held.length} projects hold other amounts than their histories say` : "every project holds what its history says"}\n`);
      // Duplicates stored before registration refused them: listed for an admin, never deleted.
      // Only beneficiary ids and communities are printed, no personal data.
      const dups = await deps.services.beneficiaries.duplicateIdNumbers();
      for (const [i, group] of dups.entries()) {
        process.stdout.write(`DUPLICATE ID NUMBER group ${i + 1}: ${group.map((b) => `${b.id} (${b.communityId})`).join(', ')}\n`);
      }
      process.stdout.write(`beneficiaries: ${dups.length ? `${dups.length} ID numbers registered more than once` : 'every ID number registered once'}\n`);
      // A vendor's status column is the read model of its `vendor` workflow instance: the two agree.
      const vendors = await auditVendorStatus(deps.db);
      for (const v of vendors) process.stdout.write(`VENDOR ${v.vendorId}: status ${v.status} but its workflow is ${v.state}\n`);
      process.stdout.write(`vendors: ${vendors.length ? `${vendors.length} vendors' status differs from their workflow` : "every vendor's status is its workflow's"}\n`);
      const docs = await checkLinkedDocuments(deps.db, deps.config.uploadDir);
      for (const p of docs.problems) process.stdout.write(`DOCUMENT ${p.documentId} ${p.problem.toUpperCase()}: ${p.detail}\n`);
      process.stdout.write(`documents: ${docs.problems.length ? `${docs.problems.length} of ${docs.checked} linked documents missing or altered` : `all ${docs.checked} linked documents present with their sha256`}\n`);
      process.exitCode = report.problems.length || ledger.length || held.length || dups.length || vendors.length || docs.problems.length ? 1 : 0;
    });
  });

program
  .command('backup <file>')
  .description('SQLite: copy the database online (consistent while the server writes) and every stored document into one tar archive (.tar.gz / .tgz: gzipped) with a manifest of sha256s; PostgreSQL: prints the pg_dump to run instead')
  .action(async (file: string) => {
    const config = loadConfig();
    const r = await createBackup({ database: config.database, uploadDir: config.uploadDir, file });
    for (const m of r.missing) process.stdout.write(`MISSING ${m.id}${m.linked ? ' (linked to a project)' : ' (a pending upload, swept since?)'}: no file in UPLOAD_DIR\n`);
    for (const id of r.altered) process.stdout.write(`CHANGED ${id}: its bytes are not those its row names (a scrub ran during the backup? take it again)\n`);
    process.stdout.write(`backup ${r.file}: the database and ${r.documents} documents, ${r.bytes} bytes\n`);
    if (r.missing.some((m) => m.linked) || r.altered.length) process.exitCode = 1;
  });

program
  .command('restore <file>')
  .description('SQLite: replace the database (kept as <file>.before-restore-<time>) and add the documents to UPLOAD_DIR from a backup, after checking every sha256; refused while a server or worker holds the database')
  .action(async (file: string) => {
    const config = loadConfig();
    const r = await restoreBackup({ database: config.database, uploadDir: config.uploadDir, file });
    process.stdout.write(`restored ${r.database} as of ${r.manifest.createdAt} and ${r.documents} documents into ${config.uploadDir}${r.previous ? `; the database it replaced is ${r.previous}` : ''}\nrun \`weishishi verify\` next\n`);
  });

program
  .command('seed')
  .description('seed the demo district on an empty database (serve does this unless DEMO=0); with --demo-year, then a year of projects on the sandbox clock; with --scale alone, a city\'s ten years')
  .option('--demo-year <year>', "generate that year's projects through the engine (2021: Xiangzhou's 264 projects for disabled people, ¥11,057,500)", intOption(2000, 2100))
  .option('--scale <n>', `with --demo-year: how many projects the year has (default ${DEMO_YEAR_PROJECTS}); alone: N projects over the ten years that are over, in a city of about N/${PROJECTS_PER_STREET} streets (continues an interrupted run)`, intOption(1, 1_000_000))
  .option('--jobs <n>', 'with --scale alone: drive the streets in this many processes at once (default: one per CPU core, at most 4)', intOption(1, 16))
  .option('--shard <i/n>', 'internal: the process of --jobs that drives every n-th street from the i-th')
  .option('--ref-blocks', 'internal: with --shard, in a copy of the database: each street numbers its projects in its own block')
  .option('--lockdown', `alone: the demo district, then a lockdown care-call campaign over the fortnight before now: ${LOCKDOWN.residents} disabled residents of 拱北街道, ${LOCKDOWN.calls} calls, ${LOCKDOWN.needs} needs, all resolved (also on a database the demo was seeded into)`)
  .action(async (opts: { demoYear?: number; scale?: number; lockdown?: boolean; jobs?: number; shard?: string; refBlocks?: boolean }) => {
    if (opts.lockdown) {
      if (opts.demoYear !== undefined || opts.scale !== undefined) throw new ConfigError('--lockdown goes alone, without --demo-year or --scale');
      return seedLockdownDemo();
    }
    if (opts.demoYear === undefined && opts.scale === undefined) {
      await withDeps(async (deps) => {
        const r = deps.seeded!;
        process.stdout.write(r.created ? `demo data created; password for every demo user: ${r.password}\n` : 'the database already has data: nothing seeded\n');
      }, { seedDemo: true });
      return;
    }
    if (opts.demoYear === undefined) {
      if (opts.shard !== undefined) return seedCityShard(opts.scale!, opts.shard, Boolean(opts.refBlocks));
      return seedCity(opts.scale!, opts.jobs ?? Math.min(4, os.availableParallelism()));
    }
    if (opts.jobs !== undefined || opts.shard !== undefined) throw new ConfigError('--jobs goes with --scale alone');
    const year = opts.demoYear;
    const projects = opts.scale ?? DEMO_YEAR_PROJECTS;
    // The sandbox clock runs to the end of the next year's first quarter: that must lie in the past,
    // or the served site's clock (the system clock) would stand before the data.
    if (new Date(year + 1, 3, 1).getTime() > Date.now()) throw new ConfigError(`--demo-year ${year}: the year and the quarter after it must be over`);
    // The stories end on the last day before the year; the year then runs on the same manual clock.
    const clock = new ManualClock(storiesStartFor(year, STORY_SPAN_MS));
    await withDeps(async (deps) => {
      const r = deps.seeded!;
      if (!r.created) {
        process.stdout.write('the database already has data: nothing seeded (a demo year needs an empty database)\n');
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`demo district created; password for every demo user: ${r.password}\n`);
      const bar = new SingleBar({
        format: `${year} {bar} {percentage}% | {date} | {done}/{count} projects | {events} events`,
        hideCursor: true, stopOnComplete: false,
      }, Presets.shades_classic);
      let started = false;
      const summary = await bulkLoad(deps, () => generateYear({ ...deps.services, db: deps.db, clock, engine: deps.engine, timers: deps.timers }, {
        year, projects, groupTargets: demoYearTargets(year, projects),
        onProgress: (p) => {
          if (p.phase === 'district') {
            process.stdout.write(`${p.message}\n`);
            return;
          }
          const payload = { date: new Date(p.clockMs).toISOString().slice(0, 10), done: p.done, count: p.total, events: p.events };
          const value = Math.round((1000 * (p.clockMs - p.startMs)) / Math.max(1, p.untilMs - p.startMs));
          if (!started) {
            bar.start(1000, value, payload);
            started = true;
          } else bar.update(value, payload);
        },
      }));
      if (started) bar.stop();
      const states = Object.entries(summary.byState).sort((a, b) => b[1] - a[1]).map(([s, n]) => `${s} ${n}`).join(', ');
      process.stdout.write(`${summary.projects} projects of ${year} over ${summary.streets} streets and ${summary.communities} communities, ${summary.events} events (${summary.timerEvents} by timers), sandbox clock ${summary.startedAt.slice(0, 10)} → ${summary.endedAt.slice(0, 10)}, in ${(summary.ms / 1000).toFixed(1)} s\n`);
      process.stdout.write(`states: ${states}\n`);
      const offPlan = Object.entries(summary.offPlan);
      if (offPlan.length) process.stdout.write(`ended elsewhere than planned: ${offPlan.map(([k, n]) => `${k} ${n}`).join(', ')}\n`);
      for (const [group, g] of Object.entries(summary.byGroup)) {
        process.stdout.write(`${group}: ${g.proposed} proposed, ${g.confirmed} confirmed, ¥${(g.approvedFen / 100).toLocaleString('en', { minimumFractionDigits: 2 })} approved\n`);
      }
    }, { seedDemo: true, clock }, GENERATOR_ENV);
  });

/**
 * The generators act for a whole district's or city's staff and vendors on a sandbox clock that
 * runs years in minutes: a vendor with many projects uploads more than an interactive person may in
 * an hour. The per-user upload limit (anti-abuse) is lifted for them, unless set explicitly.
 */
const GENERATOR_ENV = { UPLOAD_RATE_PER_HOUR: '1000000', ...process.env };

/**
 * A bulk load: on SQLite the transactions skip the fsync until the end (a crash half-way means
 * seeding again), then the database is made durable at once. PostgreSQL keeps its settings.
 */
async function bulkLoad<T>(deps: Deps, fn: () => Promise<T>, opts: { checkpoint?: boolean } = {}): Promise<T> {
  const sqlite = !isPostgres(deps.db);
  if (sqlite) {
    await deps.db.raw('PRAGMA synchronous = OFF');
    // a city's file outgrows the default 2 MB page cache at once: every lookup would go to the OS
    await deps.db.raw('PRAGMA cache_size = -262144');
  }
  try {
    return await fn();
  } finally {
    if (sqlite) {
      await deps.db.raw('PRAGMA synchronous = FULL');
      await deps.db.raw('PRAGMA cache_size = -2000');
      // (one of several writers leaves the checkpoint to the last: it would wait for the others)
      if (opts.checkpoint !== false) await deps.db.raw('PRAGMA wal_checkpoint(TRUNCATE)');
    }
  }
}

/** `seed --scale N`: the city's ten years (src/demo/city.ts), on an empty database or continuing one, in `jobs` processes. */
async function seedCity(projects: number, jobs: number): Promise<void> {
  const t0 = Date.now();
  const lastYear = lastSettledYear(Date.now());
  const clock = () => new ManualClock(storiesStartFor(lastYear - CITY_YEARS + 1, STORY_SPAN_MS));
  const city = (deps: Deps, c: ManualClock) => ({ ...deps.services, db: deps.db, clock: c, engine: deps.engine, timers: deps.timers });
  const bar = new SingleBar({
    format: '{bar} {percentage}% | ETA {eta_formatted} | {street} {date} | {value}/{total} projects | {events} events',
    hideCursor: true, stopOnComplete: false, etaBuffer: 200,
  }, Presets.shades_classic);
  let started = false;
  const show = (value: number, payload: Record<string, unknown>) => {
    if (!started) {
      bar.start(projects, value, payload);
      started = true;
    } else bar.update(value, payload);
  };
  const onDistrict = (message: string) => process.stdout.write(`${message}\n`);

  if (jobs <= 1) {
    const c = clock();
    await withDeps(async (deps) => {
      process.stdout.write(deps.seeded!.created ? `demo district created; password for every demo user: ${deps.seeded!.password}\n` : 'continuing the city in this database\n');
      const summary = await bulkLoad(deps, async () => {
        const s = await generateCity(city(deps, c), {
          projects, lastYear,
          onProgress: (p) => {
            if (p.phase === 'district') return onDistrict(p.message);
            show(p.projectsBefore + p.done, { street: p.street, date: new Date(p.clockMs).toISOString().slice(0, 10), events: p.events });
          },
        });
        // the new vendors' status instances now, as --jobs does before its processes start
        await deps.services.vendorStatus.ensureAll();
        return s;
      });
      if (started) bar.stop();
      printCity(summary, Date.now() - t0);
    }, { seedDemo: true, clock: c }, GENERATOR_ENV);
    return;
  }

  // one process prepares the city (places, vendors, log-ins); then `jobs` processes drive its streets
  const c = clock();
  await withDeps(async (deps) => {
    process.stdout.write(deps.seeded!.created ? `demo district created; password for every demo user: ${deps.seeded!.password}\n` : 'continuing the city in this database\n');
    await bulkLoad(deps, async () => {
      await generateCity(city(deps, c), { projects, lastYear, prepareOnly: true, onProgress: (p) => p.phase === 'district' && onDistrict(p.message) });
      // the new vendors' status instances now (a process starts those missing): not once per copy
      await deps.services.vendorStatus.ensureAll();
    });
  }, { seedDemo: true, clock: c }, GENERATOR_ENV);
  // SQLite: each process drives its streets in a copy of the prepared file, merged back at the end
  // (src/demo/city-merge.ts); PostgreSQL: all on the one database, side by side
  const database = loadConfig(GENERATOR_ENV).database;
  const copies = database.client === 'sqlite' ? database : null;
  const files: string[] = [];
  let marks: Watermarks | undefined;
  if (copies) {
    const db = createDb(copies);
    try {
      marks = await watermarks(db);
    } finally {
      await db.destroy();
    }
    for (let i = 0; i < jobs; i++) {
      const file = `${copies.filename}.job${i}`;
      for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
      fs.copyFileSync(copies.filename, file);
      files.push(file);
    }
  }
  process.stdout.write(`driving the streets in ${jobs} processes${copies ? ', each in a copy of the database' : ''}\n`);
  type ShardProgress = { projects: number; events: number; timerEvents: number; street: string; date: string };
  const shards = new Map<number, ShardProgress>();
  const cli = fileURLToPath(import.meta.url);
  const failures: string[] = [];
  const succeeded: number[] = [];
  await Promise.all(Array.from({ length: jobs }, (_, i) => new Promise<void>((resolve) => {
    const env = copies ? { ...GENERATOR_ENV, DATABASE_URL: `${copies.driver}:${files[i]}` } : GENERATOR_ENV;
    const args = ['seed', '--scale', String(projects), '--shard', `${i}/${jobs}`, ...(copies ? ['--ref-blocks'] : [])];
    const child = fork(cli, args, { execArgv: process.execArgv, env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
    child.on('message', (m: ShardProgress) => {
      shards.set(i, m);
      const all = [...shards.values()];
      show(all.reduce((n, s) => n + s.projects, 0), { street: all.map((s) => s.street).join(' '), date: all.map((s) => s.date).join(' '), events: all.reduce((n, s) => n + s.events, 0) });
    });
    child.on('exit', (code, signal) => {
      if (code !== 0) failures.push(`process ${i + 1} of ${jobs} ended with ${signal ?? `code ${code}`}: ${stderr.trim()}`);
      else succeeded.push(i);
      resolve();
    });
  })));
  if (started) bar.stop();
  if (copies) {
    // the copies that finished are merged (a failed one is dropped: its streets are driven again next time)
    const db = createDb(copies);
    try {
      for (const i of succeeded.sort()) {
        const t = Date.now();
        const added = await mergeCopy(db, files[i]!, marks!);
        process.stdout.write(`merged copy ${i + 1} of ${jobs} in ${((Date.now() - t) / 1000).toFixed(1)} s: ${added.projects ?? 0} projects, ${added.workflow_history ?? 0} history rows\n`);
      }
      await db.raw('PRAGMA wal_checkpoint(TRUNCATE)');
    } finally {
      await db.destroy();
    }
    for (const file of files) for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
  }
  if (failures.length) throw new Error(`seed --scale: ${failures.join('\n')}\n(run the same command again: it continues where it stopped)`);
  await withDeps(async (deps) => {
    const summary = await generateCity(city(deps, clock()), { projects, lastYear, prepareOnly: true });
    const all = [...shards.values()];
    printCity({ ...summary, events: all.reduce((n, s) => n + s.events, 0), timerEvents: all.reduce((n, s) => n + s.timerEvents, 0) }, Date.now() - t0);
  }, { clock: clock() }, GENERATOR_ENV);
}

/** One of `seed --scale N --jobs J`'s processes: every J-th street, its progress told to the parent. */
async function seedCityShard(projects: number, shard: string, refBlocks: boolean): Promise<void> {
  const m = /^(\d+)\/(\d+)$/.exec(shard);
  if (!m || Number(m[1]) >= Number(m[2])) throw new ConfigError(`--shard ${shard}: expected i/n with i < n`);
  const lastYear = lastSettledYear(Date.now());
  const clock = new ManualClock(storiesStartFor(lastYear - CITY_YEARS + 1, STORY_SPAN_MS));
  // a street's progress counts its own events: the streets before add up here
  let street = '';
  let before = { events: 0, timerEvents: 0 };
  let last = before;
  await withDeps(async (deps) => {
    await bulkLoad(deps, () => generateCity({ ...deps.services, db: deps.db, clock, engine: deps.engine, timers: deps.timers }, {
      projects, lastYear, shard: { index: Number(m[1]), count: Number(m[2]) }, refBlocks,
      onProgress: (p) => {
        if (p.phase !== 'projects') return;
        if (p.street !== street) {
          street = p.street;
          before = { events: before.events + last.events, timerEvents: before.timerEvents + last.timerEvents };
        }
        last = { events: p.events, timerEvents: p.timerEvents };
        process.send?.({ projects: p.projectsBefore + p.done, events: before.events + p.events, timerEvents: before.timerEvents + p.timerEvents, street: p.street, date: new Date(p.clockMs).toISOString().slice(0, 10) });
      },
    }), { checkpoint: refBlocks }); // (in its own copy, a process checkpoints it for the merge)
  }, { clock }, GENERATOR_ENV);
}

function printCity(summary: Awaited<ReturnType<typeof generateCity>>, ms: number): void {
  process.stdout.write(`${summary.projects} projects of ${summary.years[0]}–${summary.years[1]} over ${summary.streets} streets and ${summary.communities} communities with ${summary.vendors} vendors; this run: ${summary.events} events (${summary.timerEvents} by timers) in ${(ms / 1000).toFixed(1)} s${summary.skippedStreets ? `, ${summary.skippedStreets} streets already there` : ''}\n`);
  process.stdout.write(`by budget year: ${Object.entries(summary.byYear).map(([y, n]) => `${y} ${n}`).join(', ')}\n`);
  process.stdout.write(`states: ${Object.entries(summary.byState).sort((a, b) => b[1] - a[1]).map(([s, n]) => `${s} ${n}`).join(', ')}\n`);
}

/**
 * `seed --lockdown`: the demo district (with its stories, on an empty database; or the demo already
 * there) and then the lockdown scenario of issue 15 item 7 (src/demo/lockdown.ts), dated the
 * fortnight before now. A CLI option rather than part of `npm start`'s seed (src/demo/seed.ts),
 * because: it takes about 5 s on SQLite with the bulk load below but about 30 s without it (as
 * `npm start` seeds: an fsync per transaction) and about 40 s on PostgreSQL (2,278 calls, each its
 * own transaction through CampaignService.logCall), over the ~15 s a start may spend seeding;
 * the served clock (a HandOverClock) cannot go back, and the stories already run it from
 * STORY_SPAN_MS ago up to now, so a past lockdown has no room there; and the seed's dependencies hold
 * neither the campaign nor the need service. Here the sandbox is a ManualClock: after the stories it
 * is rewound to the lockdown's start (independent data, as `seed --scale` rewinds per street; the
 * timers it fires each morning are long fired or not yet due) and put back to where the stories
 * ended. Run twice, the second run finds the campaign and adds nothing.
 */
async function seedLockdownDemo(): Promise<void> {
  const now = Date.now();
  const clock = new ManualClock(now - STORY_SPAN_MS);
  await withDeps(async (deps) => {
    const r = deps.seeded!;
    process.stdout.write(r.created ? `demo district created; password for every demo user: ${r.password}\n` : 'the demo is there already: adding the lockdown to it\n');
    if (await deps.db('care_campaigns').where({ name: LOCKDOWN.name }).first('id')) {
      process.stdout.write('the lockdown campaign is there already: nothing seeded\n');
      return;
    }
    const storiesEnd = clock.now().getTime();
    clock.rewind(lockdownStartFor(now));
    const s = deps.services;
    const summary = await bulkLoad(deps, () => seedLockdown({ db: deps.db, clock, users: s.users, beneficiaries: s.beneficiaries, campaigns: s.campaigns, needs: s.needs, timers: deps.timers }));
    if (clock.now().getTime() < storiesEnd) clock.set(storiesEnd);
    process.stdout.write(`lockdown campaign ${summary.campaignId} (${LOCKDOWN.name}), ${summary.startOn} → ${summary.endOn}: ${summary.residents} residents (${summary.registered} registered now), ${summary.calls} calls (${summary.reached} reached), ${summary.escalations} escalated, ${summary.needs} needs resolved (${summary.routes.direct} directly, ${summary.routes.street} by the street, ${summary.routes.community} by the other community), in ${(summary.ms / 1000).toFixed(1)} s\n`);
  }, { seedDemo: true, clock });
}

/** A commander parser for an integer option within bounds. */
function intOption(min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`an integer from ${min} to ${max}`);
    return n;
  };
}

const user = program.command('user').description('manage users');
user
  .command('create')
  .description('create a user')
  .requiredOption('--email <email>')
  .requiredOption('--name <name>')
  .requiredOption('--role <role>', 'community | street | district | finance | vendor | admin')
  .option('--community <id>', 'community id (role community)')
  .option('--street <id>', 'street id (role street)')
  .option('--district <id>', 'district id (roles district, finance, admin)')
  .option('--vendor <id>', 'vendor id (role vendor)')
  .option('--lang <lang>', 'zh-CN or en', 'zh-CN')
  .action(async (o: { email: string; name: string; role: string; community?: string; street?: string; district?: string; vendor?: string; lang: string }) => {
    const password = process.env.WEISHISHI_PASSWORD;
    if (!password) throw new ConfigError('set the new password in WEISHISHI_PASSWORD (kept out of the shell history and process list)');
    await withDeps(async (deps) => {
      const u = await deps.services.users.create({
        email: o.email, name: o.name, role: o.role as never, password, lang: o.lang as never,
        ...(o.community ? { communityId: o.community } : {}), ...(o.street ? { streetId: o.street } : {}),
        ...(o.district ? { districtId: o.district } : {}), ...(o.vendor ? { vendorId: o.vendor } : {}),
    });
    process.stdout.write(`created ${u.email} (${u.role}) id ${u.id}\n`);
    });
  });
user
  .command('reset-password')
  .description("set a user's password from WEISHISHI_PASSWORD; their API tokens are revoked")
  .requiredOption('--email <email>')
  .action(async (o: { email: string }) => {
    const password = process.env.WEISHISHI_PASSWORD;
    if (!password) throw new ConfigError('set the new password in WEISHISHI_PASSWORD');
    await withDeps(async (deps) => {
      const u = await deps.services.users.findByEmail(o.email);
      if (!u) throw new ConfigError(`no user ${o.email}`);
      await deps.services.users.setPassword(u.id, password);
      process.stdout.write(`password reset for ${u.email}\n`);
    });
  });
user
  .command('list')
  .description('list users')
  .action(async () => {
    await withDeps(async (deps) => {
      for (const u of await deps.services.users.list()) process.stdout.write(`${u.email.padEnd(32)} ${u.role.padEnd(10)} ${u.disabled ? 'disabled' : ''}\n`);
    });
  });

const outbox = program.command('outbox').description('the e-mail outbox');
outbox
  .command('remove-bodies')
  .description('empty the text and HTML of e-mails sent longer ago than OUTBOX_KEEP_BODIES_DAYS (or --days); recipient, subject, template, Message-ID and times stay. The workers do this every hour')
  .option('--days <n>', 'instead of OUTBOX_KEEP_BODIES_DAYS', intOption(1, 36_500))
  .action(async (o: { days?: number }) => {
    await withDeps(async (deps) => {
      const days = o.days ?? deps.config.outboxKeepBodiesDays;
      if (days === 0) {
        process.stdout.write('OUTBOX_KEEP_BODIES_DAYS is 0: sent e-mails keep their bodies for ever\n');
        return;
      }
      process.stdout.write(`removed the bodies of ${await removeBodiesOlderThan(deps.db, deps.clock, days)} e-mails sent more than ${days} days ago\n`);
    });
  });

const documents = program.command('documents').description('uploaded documents');
documents
  .command('sweep')
  .description('delete pending uploads that no event linked within 24 hours (rows and files)')
  .action(async () => {
    await withDeps(async (deps) => {
      process.stdout.write(`deleted ${await deps.services.documents.sweep()} unlinked uploads\n`);
    });
  });
documents
  .command('scrub')
  .description('re-encode stored images that still carry metadata (EXIF/XMP/IPTC: GPS, camera), are not upright or exceed 2048 px; ids stay, replacements are recorded with old and new content hashes')
  .option('--all', 're-encode every stored image, not only those that need it')
  .action(async (opts: { all?: boolean }) => {
    await withDeps(async (deps) => {
      const r = await deps.services.documents.scrub({ all: Boolean(opts.all) });
      for (const id of r.unreadable) process.stdout.write(`UNREADABLE ${id}: not an image sharp can decode, left as it is\n`);
      process.stdout.write(`scrubbed ${r.replaced} of ${r.checked} images${r.missing ? ` (${r.missing} files missing from UPLOAD_DIR)` : ''}\n`);
      if (r.missing || r.unreadable.length) process.exitCode = 1;
    });
  });

const calendar = program.command('calendar').description('working-day calendar overrides');
calendar
  .command('list')
  .description('list overrides and the coming years the official calendar does not know')
  .action(async () => {
    await withDeps(async (deps) => {
      for (const o of await deps.services.calendar.overrides()) process.stdout.write(`${o.date} ${o.kind}${o.note ? ` ${o.note}` : ''}\n`);
      const unknown = deps.services.calendar.unknownYearsAhead();
      if (unknown.length) process.stdout.write(`warning: no official holiday schedule for ${unknown.join(', ')}: deadlines fall back to Monday–Friday unless overrides are added\n`);
    });
  });
calendar
  .command('set <date> <kind>')
  .description('mark a date (YYYY-MM-DD) as a workday or a holiday')
  .option('--note <note>')
  .action(async (date: string, kind: string, o: { note?: string }) => {
    await withDeps(async (deps) => {
      const r = await deps.services.calendar.setOverride({ date, kind, ...(o.note ? { note: o.note } : {}) }, 'cli');
      process.stdout.write(`${r.date} is now a ${r.kind}${r.unknownYear ? ' (the official calendar does not know this year)' : ''}\n`);
    });
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof BackupError || err instanceof LockHeldError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  if (err instanceof ConfigError || isAppError(err)) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
