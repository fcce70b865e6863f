// weishishi <serve|worker|migrate|verify|…>: the operator's entry points.
import { Command } from 'commander';
import { loadConfig, ConfigError } from './config.js';
import { createDeps } from './deps.js';
import { verifyAll } from './engine/verify.js';
import { createDb, migrateLatest } from './lib/db.js';
import { onShutdown, runWorkersOnly, startServer } from './server.js';

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
  .description("replay every instance's history through its machine and check the hash chain")
  .option('--first', 'stop at the first broken instance')
  .action(async (opts: { first?: boolean }) => {
    const deps = await createDeps(loadConfig());
    try {
      const report = await verifyAll(deps.engine, deps.db, { stopAtFirst: Boolean(opts.first) });
      for (const p of report.problems) process.stdout.write(`BROKEN ${p.instanceId}${p.seq ? ` at seq ${p.seq}` : ''}: ${p.problem}\n`);
      process.stdout.write(`verified ${report.checked} instances, ${report.events} events: ${report.problems.length ? `${report.problems.length} broken` : 'all intact'}\n`);
      process.exitCode = report.problems.length ? 1 : 0;
    } finally {
      await deps.close();
    }
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
