// `npm run bench` (the city): makes sure the generated city database is there at its size, and
// verifies it. BENCH_SCALE projects (default 100,000) over ten years, generated once by
// `weishishi seed --scale N` into BENCH_SCALE_DB (default tests/bench/data/city.db, git-ignored)
// and reused by later runs; a smaller file is continued (the generator skips the streets it has).
// Then `weishishi verify` on the whole file — every history replayed, every hash chain, every ledger
// and linked document — timed. Figures in tests/bench/results/city.json.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { writeResult } from './results.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SCALE = Number(process.env.BENCH_SCALE ?? 100_000);
export const CITY_DB = path.resolve(ROOT, process.env.BENCH_SCALE_DB ?? 'tests/bench/data/city.db');
export const CITY_DIR = path.resolve(ROOT, process.env.BENCH_SCALE_DATA_DIR ?? path.join(path.dirname(CITY_DB), 'city'));

/** Projects of the city's years in the file (the demo's own stories are dated before them). */
export function cityProjects(file = CITY_DB): number {
  if (!fs.existsSync(file)) return 0;
  const db = new Database(file, { readonly: true });
  try {
    const hasTable = db.prepare("select 1 from sqlite_master where type = 'table' and name = 'projects'").get();
    if (!hasTable) return 0;
    const stories = (db.prepare('select min(year) as y from projects').get() as { y: number | null }).y;
    return (db.prepare('select count(*) as n from projects where year > ?').get(stories ?? 0) as { n: number }).n;
  } finally {
    db.close();
  }
}

function cli(args: string[]): { status: number | null; ms: number; out: string } {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: `better-sqlite3:${CITY_DB}`, DATA_DIR: CITY_DIR, LOG_LEVEL: 'silent', DEMO: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, ms: Date.now() - t0, out: r.stdout };
}

async function main() {
  fs.mkdirSync(path.dirname(CITY_DB), { recursive: true });
  const before = cityProjects();
  let seedMs: number | null = null;
  if (before < SCALE * 0.99) {
    console.log(`city: ${before} projects in ${path.relative(ROOT, CITY_DB)}; generating up to ${SCALE} (seed --scale ${SCALE}; it continues a smaller file)`);
    const r = cli(['seed', '--scale', String(SCALE)]);
    process.stdout.write(r.out);
    if (r.status !== 0) throw new Error(`seed --scale ${SCALE} failed (${r.status})`);
    seedMs = r.ms;
  }
  const projects = cityProjects();
  const db = new Database(CITY_DB, { readonly: true });
  const history = (db.prepare('select count(*) as n from workflow_history').get() as { n: number }).n;
  db.close();
  const bytes = fs.statSync(CITY_DB).size;
  console.log(`city: ${projects} projects, ${history} history rows, ${(bytes / 2 ** 20).toFixed(0)} MiB; verifying`);
  const v = cli(['verify']);
  process.stdout.write(v.out.split('\n').filter((l) => !/^(BROKEN|LEDGER|DOCUMENT|DUPLICATE)/.test(l) || v.status !== 0).slice(0, 40).join('\n') + '\n');
  console.log(`verify took ${(v.ms / 1000).toFixed(1)} s: ${v.status === 0 ? 'passed' : 'FAILED'}`);
  writeResult('city', { scale: SCALE, projects, history, bytes, seedMs, verify: { ms: v.ms, passed: v.status === 0, summary: v.out.trim().split('\n').filter((l) => /^(verified|ledger|projects|beneficiaries|documents):?/.test(l)) } });
  if (v.status !== 0) process.exitCode = 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
