// `npm run bench` (second part): requests per second of the busiest read pages and API calls,
// against GET /healthz (one trivial query) measured in the same run on the same server, so the
// ratios say what a page costs beyond the framework, whatever the machine's noise. The app runs
// on a fresh SQLite file with the demo stories; autocannon sends from this process over loopback,
// bounded in time.
//   BENCH_HTTP_SECONDS  per measurement (default 4)   BENCH_HTTP_CONNECTIONS  (default 8)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createDeps } from '../../src/deps.js';

const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 4);
const CONNECTIONS = Number(process.env.BENCH_HTTP_CONNECTIONS ?? 8);

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wss-bench-http-'));
  const config = loadConfig({ DATABASE_URL: `sqlite:${path.join(dir, 'bench.db')}`, DATA_DIR: dir, LOG_LEVEL: 'silent', NODE_ENV: 'test' });
  const deps = await createDeps(config);
  await deps.services.seedDemo({ stories: true });
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
  const results: Array<{ name: string; rps: number; p99: number; non2xx: number }> = [];
  for (const t of targets) {
    const r = await autocannon({ url: `${base}${t.path}`, connections: CONNECTIONS, duration: SECONDS, headers: t.headers ?? {} });
    results.push({ name: t.name, rps: r.requests.average, p99: r.latency.p99, non2xx: r.non2xx });
  }
  const baseline = results[0]!.rps;
  console.log(`http: ${CONNECTIONS} connections, ${SECONDS} s each, SQLite, demo data`);
  for (const r of results) {
    console.log(`  ${r.name.padEnd(36)} ${r.rps.toFixed(0).padStart(6)} req/s  p99 ${String(r.p99).padStart(4)} ms  ratio to healthz ${(r.rps / baseline).toFixed(2)}${r.non2xx ? `  (${r.non2xx} non-2xx!)` : ''}`);
  }
  await new Promise((r) => server.close(r));
  await deps.close();
  fs.rmSync(dir, { recursive: true, force: true });
  if (results.some((r) => r.non2xx > 0)) process.exitCode = 1;
}

await main();
