// `npm run bench` (third part): two processes on one SQLite file. A server (`weishishi serve`, with
// its workers) answers GET /healthz and a static file while a client sends COMMENT events; then a
// second process takes the write lock for LOCK_HOLD_MS of every LOCK_HOLD_MS + LOCK_GAP_MS, and the
// same load runs again. Once per driver: better-sqlite3 waits for the lock inside SQLite's busy
// handler on the event loop, so every request waits; sqlite3 waits on libuv's thread pool, so only
// requests that need the (single) database connection wait.
//   BENCH_LOCK_SECONDS  per measurement (default 5)
import { writeResult } from './results.js';
import { buildManifest } from '../../src/web/assets.js';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import autocannon from 'autocannon';
import type { SqliteDriver } from '../../src/config.js';
import { REPO_ROOT } from '../reliability/child.js';

const SECONDS = Number(process.env.BENCH_LOCK_SECONDS ?? 5);
const DRIVERS: SqliteDriver[] = ['better-sqlite3', 'sqlite3'];

async function freePort(): Promise<number> {
  const s = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

function spawnTs(script: string, args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
}

function line(child: ChildProcess, match: (l: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout! });
    rl.on('line', (l) => {
      if (match(l)) {
        rl.close();
        resolve(l);
      }
    });
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before the expected line`)));
  });
}

interface Phase {
  healthP50: number;
  healthP99: number;
  healthRps: number;
  staticP99: number;
  writeP99: number;
  writes: number;
  errors: number;
}

async function load(base: string, token: string, projectId: string): Promise<Phase> {
  const common = { duration: SECONDS };
  const [health, stat, write] = await Promise.all([
    autocannon({ ...common, url: `${base}/healthz`, connections: 4 }),
    autocannon({ ...common, url: `${base}${buildManifest().href('app.css')}`, connections: 2 }),
    autocannon({
      ...common, url: `${base}/api/v1/projects/${projectId}/events`, connections: 1, method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'COMMENT', text: '两进程基准测试备注' }),
    }),
  ]);
  return {
    healthP50: health.latency.p50, healthP99: health.latency.p99, healthRps: health.requests.average,
    staticP99: stat.latency.p99, writeP99: write.latency.p99, writes: write.requests.total,
    errors: health.non2xx + stat.non2xx + write.non2xx + health.errors + stat.errors + write.errors,
  };
}

async function measure(driver: SqliteDriver): Promise<{ quiet: Phase; held: Phase }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wss-bench-lock-'));
  const file = path.join(dir, 'bench.db');
  const port = await freePort();
  const server = spawnTs('src/cli.ts', ['serve'], {
    DATABASE_URL: `${driver}:${file}`, DATA_DIR: dir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent', NODE_ENV: 'test', DEMO: '1', WORKER_POLL_MS: '100',
  });
  let holder: ChildProcess | undefined;
  try {
    await line(server, (l) => l.startsWith('weishishi http'));
    const base = `http://127.0.0.1:${port}`;
    const res = await fetch(`${base}/api/v1/auth/token`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'community1@example.org', password: 'weishishi-demo' }),
    });
    const { token } = (await res.json()) as { token: string };
    const list = (await (await fetch(`${base}/api/v1/projects`, { headers: { authorization: `Bearer ${token}` } })).json()) as { projects: { id: string; state: string }[] };
    const projectId = list.projects.find((p) => p.state !== 'closed')!.id;

    const quiet = await load(base, token, projectId);
    holder = spawnTs('tests/bench/lock-holder.ts', [], { LOCK_DB: file });
    await line(holder, (l) => l === 'HOLDING');
    const held = await load(base, token, projectId);
    return { quiet, held };
  } finally {
    holder?.stdin?.end();
    if (holder) await new Promise((r) => holder!.once('exit', r));
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const results = new Map<SqliteDriver, { quiet: Phase; held: Phase }>();
for (const d of DRIVERS) results.set(d, await measure(d));

console.log(`\ntwo processes on one SQLite file: ${SECONDS} s per phase; /healthz at 4 connections, a static file at 2, COMMENT events at 1;`);
console.log(`"held": another process holds the write lock 200 ms of every 250 ms (latencies in ms)`);
console.log(`  ${'driver'.padEnd(16)} ${'phase'.padEnd(6)} ${'healthz p50'.padStart(11)} ${'healthz p99'.padStart(11)} ${'healthz req/s'.padStart(13)} ${'static p99'.padStart(10)} ${'COMMENT p99'.padStart(11)} ${'COMMENTs'.padStart(8)} ${'errors'.padStart(6)}`);
for (const [d, r] of results) {
  for (const [phase, p] of [['quiet', r.quiet], ['held', r.held]] as const) {
    console.log(`  ${d.padEnd(16)} ${phase.padEnd(6)} ${String(p.healthP50).padStart(11)} ${String(p.healthP99).padStart(11)} ${p.healthRps.toFixed(0).padStart(13)} ${String(p.staticP99).padStart(10)} ${String(p.writeP99).padStart(11)} ${String(p.writes).padStart(8)} ${String(p.errors).padStart(6)}`);
  }
}
writeResult('lock', { seconds: SECONDS, results: Object.fromEntries(results) });
