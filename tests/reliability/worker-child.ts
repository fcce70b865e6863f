// A worker in its own process, for the concurrent-worker tests on SQLite (two better-sqlite3
// connections in one process would block each other's event loop in the busy handler).
//   WORKER_DB    JSON DatabaseConfig
//   WORKER_KIND  timers | outbox
//   WORKER_NOW   ISO time of the worker's (manual) clock
// Prints READY, waits for GO on stdin (so that both workers start together), then:
//   timers: prints RESULT {"fired":…,"skipped":…}
//   outbox: prints SENT <message-id> for every message its transport accepted, then RESULT {…}
import readline from 'node:readline';
import nodemailer from 'nodemailer';
import type { DatabaseConfig } from '../../src/config.js';
import { createDb } from '../../src/lib/db.js';
import { ManualClock } from '../../src/lib/clock.js';
import { createTimerWorker } from '../../src/engine/timers.js';
import { createOutboxWorker } from '../../src/engine/outbox.js';
import { toyEngine } from '../support/engine.js';

const cfg = JSON.parse(process.env.WORKER_DB!) as DatabaseConfig;
const kind = process.env.WORKER_KIND;
const clock = new ManualClock(process.env.WORKER_NOW!);
const db = createDb(cfg);
const out = (line: string) => process.stdout.write(`${line}\n`);

await db.raw('select 1'); // open the connection before the race starts
out('READY');
const rl = readline.createInterface({ input: process.stdin });
await new Promise<void>((resolve) => rl.on('line', (l) => l.trim() === 'GO' && resolve()));
rl.close();

if (kind === 'timers') {
  const { engine } = toyEngine(db, clock);
  const r = await createTimerWorker({ db, engine, clock }).runDue();
  out(`RESULT ${JSON.stringify(r)}`);
} else {
  const transport = nodemailer.createTransport({
    name: 'counting',
    version: '1',
    send(mail: { message: { messageId(): string } }, done: (err: Error | null, info: unknown) => void) {
      const id = mail.message.messageId();
      out(`SENT ${id}`);
      setImmediate(() => done(null, { messageId: id }));
    },
  } as never);
  const worker = createOutboxWorker({ db, clock, transport, from: 'noreply@weishishi.local', maxAttempts: 5 });
  const total = await worker.drain(3);
  out(`RESULT ${JSON.stringify(total)}`);
}
await db.destroy();
