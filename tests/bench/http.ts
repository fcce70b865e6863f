// `npm run bench` (second part): requests per second of the busiest read pages and API calls,
// against GET /healthz (one trivial query) measured in the same run on the same server, so the
// ratios say what a page costs beyond the framework, whatever the machine's noise. The app runs
// on a fresh SQLite file with the demo stories, once per SQLite driver; autocannon sends from this
// process over loopback, bounded in time. The drivers are printed side by side.
//   BENCH_HTTP_SECONDS  per measurement (default 4)   BENCH_HTTP_CONNECTIONS  (default 8)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { createApp } from '../../src/app.js';
import { loadConfig, type SqliteDriver } from '../../src/config.js';
import { createDeps } from '../../src/deps.js';

const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 4);
const CONNECTIONS = Number(process.env.BENCH_HTTP_CONNECTIONS ?? 8);
const DRIVERS: SqliteDriver[] = ['better-sqlite3', 'sqlite3'];

interface Row {
  name: string;
  rps: number;
  p99: number;
  non2xx: number;
}

async function measure(driver: SqliteDriver): Promise<Row[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wss-bench-http-'));
  const config = loadConfig({ DATABASE_URL: `${driver}:${path.join(dir, 'bench.db')}`, DATA_DIR: dir, LOG_LEVEL: 'silent', NODE_ENV: 'test' });
  const deps = await createDeps(config, { seedDemo: true });
  const app = createApp(deps, { loginLimits: { perAccount: 1e6, perAddress: 1e6, windowMs: 60_000 } });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const login = await fetch(`${base}/api/v1/auth/token`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'district@example.org', password: 'weishishi-demo' }),
  });
  const { token } = (await login.json()) as { token: string };
  const closed = await deps.db('projects').where({ state: 'closed' }).first('id');
  const auth = { authorization: `Bearer ${token}` };

  const targets: Array<{ name: string; path: string; headers?: Record<string, string> }> = [
    { name: 'GET /healthz (baseline)', path: '/healthz' },
    { name: 'GET /public/projects', path: '/public/projects' },
    { name: 'GET /public/stats', path: '/public/stats' },
    { name: 'GET /api/v1/projects', path: '/api/v1/projects', headers: auth },
    { name: 'GET /api/v1/projects/:id', path: `/api/v1/projects/${closed.id}`, headers: auth },
    { name: 'GET /api/v1/projects/:id/history', path: `/api/v1/projects/${closed.id}/history`, headers: auth },
  ];
  const rows: Row[] = [];
  for (const t of targets) {
    const r = await autocannon({ url: `${base}${t.path}`, connections: CONNECTIONS, duration: SECONDS, headers: t.headers ?? {} });
    rows.push({ name: t.name, rps: r.requests.average, p99: r.latency.p99, non2xx: r.non2xx + r.errors + r.timeouts });
  }
  // autocannon stops mid-request; let the handlers it left behind finish before the pool closes
  // (the pool hands its one connection out in order, so two more round trips drain the queue).
  for (let i = 0; i < 2; i++) await fetch(`${base}/api/v1/projects/${closed.id}/history`, { headers: auth });
  await new Promise((r) => server.close(r));
  await deps.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return rows;
}

const byDriver = new Map<SqliteDriver, Row[]>();
for (const d of DRIVERS) byDriver.set(d, await measure(d));

console.log(`\nhttp: ${CONNECTIONS} connections, ${SECONDS} s each, SQLite, demo data; req/s, p99 and the ratio to /healthz on the same server`);
console.log(`  ${''.padEnd(34)} ${DRIVERS.map((d) => d.padEnd(30)).join(' ')}`);
const names = byDriver.get(DRIVERS[0]!)!.map((r) => r.name);
for (const [i, name] of names.entries()) {
  const cells = DRIVERS.map((d) => {
    const rows = byDriver.get(d)!;
    const r = rows[i]!;
    const ratio = r.rps / rows[0]!.rps;
    return `${r.rps.toFixed(0).padStart(6)} req/s p99 ${String(r.p99).padStart(4)} ms ${ratio.toFixed(2)}${r.non2xx ? ` (${r.non2xx} failed!)` : ''}`.padEnd(30);
  });
  console.log(`  ${name.padEnd(34)} ${cells.join(' ')}`);
}
if ([...byDriver.values()].flat().some((r) => r.non2xx > 0)) process.exitCode = 1;
