// weishishi <serve|worker|migrate|verify|…>: the operator's entry points.
import { Command } from 'commander';
import { loadConfig, ConfigError } from './config.js';
import { isAppError } from './errors.js';
import { createDeps, type Deps, type DepsOptions } from './deps.js';
import { verifyAll } from './engine/verify.js';
import { auditProjectLedgers } from './projects/project-audit.js';
import { createDb, migrateLatest } from './lib/db.js';
import { onShutdown, runWorkersOnly, startServer } from './server.js';

/** Opens the app's dependencies (migrating the database), runs fn, and always closes them. */
async function withDeps<T>(fn: (deps: Deps) => Promise<T>, opts: DepsOptions = {}): Promise<T> {
  const deps = await createDeps(loadConfig(), opts);
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
      const [, pending] = (await db.migrate.list()) as [unknown[], unknown[]];
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
      process.exitCode = report.problems.length || ledger.length || held.length || dups.length ? 1 : 0;
    });
  });

program
  .command('seed')
  .description('seed the demo district on an empty database (serve does this unless DEMO=0)')
  .action(async () => {
    await withDeps(async (deps) => {
      const r = deps.seeded!;
      process.stdout.write(r.created ? `demo data created; password for every demo user: ${r.password}\n` : 'the database already has data: nothing seeded\n');
    }, { seedDemo: true });
  });

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

const documents = program.command('documents').description('uploaded documents');
documents
  .command('sweep')
  .description('delete pending uploads that no event linked within 24 hours (rows and files)')
  .action(async () => {
    await withDeps(async (deps) => {
      process.stdout.write(`deleted ${await deps.services.documents.sweep()} unlinked uploads\n`);
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
  if (err instanceof ConfigError || isAppError(err)) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
