// `npm run bench` (last): the one table. Reads what each part left in tests/bench/results/ —
// engine (run.ts), project (project.ts), lifecycle (lifecycle.ts), city (city.ts), scale (scale.ts),
// lock (lock.ts) — prints every figure beside the baseline it was measured against in the same run
// and the target it is held to (met or not), and keeps the whole as results/bench-<time>.json.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readResult, RESULTS_DIR } from './results.js';

interface Row {
  measure: string;
  db: string;
  figure: string;
  against: string;
  ratio: string;
  target: string;
  met: boolean | null;
}

const rows: Row[] = [];
const add = (r: Row) => rows.push(r);
const n0 = (x: number) => x.toFixed(0);
const n2 = (x: number) => x.toFixed(2);
const missing: string[] = [];

type Side = { name: string; baseline: number; engine: number; ratio: number };
const engine = readResult<{ results: Side[] }>('engine');
if (engine) {
  for (const r of engine.results) add({ measure: 'toy workflow, transitions/s', db: r.name, figure: n0(r.engine), against: `bare knex ${n0(r.baseline)}`, ratio: n2(r.ratio), target: '≥ 0.70', met: r.ratio >= 0.7 });
} else missing.push('engine (tests/bench/run.ts)');

const project = readResult<{ results: Array<Side & { raw: number; rawRatio: number; same: boolean }> }>('project');
if (project) {
  for (const r of project.results) {
    add({ measure: 'project workflow, transitions/s', db: r.name, figure: n0(r.engine), against: `bare knex ${n0(r.baseline)}`, ratio: n2(r.ratio), target: '≥ 0.80', met: r.ratio >= 0.8 && r.same });
    add({ measure: '  … against the storage limit', db: r.name, figure: n0(r.engine), against: `raw prepared ${n0(r.raw)}`, ratio: n2(r.rawRatio), target: '(information)', met: null });
  }
} else missing.push('project (tests/bench/project.ts)');

type Life = { perSecond: number; msPerLifecycle: number; steps: number };
const lifecycle = readResult<{ results: Array<{ name: string; weishishi: Life; bpmn: Life; ratio: number }> }>('lifecycle');
if (lifecycle) {
  for (const r of lifecycle.results) {
    add({ measure: `whole lifecycle (${r.weishishi.steps} steps), ms`, db: r.name, figure: n0(r.weishishi.msPerLifecycle), against: `bpmn-engine ${n0(r.bpmn.msPerLifecycle)}`, ratio: `${n2(r.ratio)}×`, target: '≥ 5×', met: r.ratio >= 5 });
  }
} else missing.push('lifecycle (tests/bench/lifecycle.ts)');

const city = readResult<{ projects: number; history: number; bytes: number; seedMs: number | null; verify: { ms: number; passed: boolean } }>('city');
if (city) {
  add({ measure: `verify, ${city.projects} projects / ${city.history} events`, db: 'better-sqlite3', figure: `${(city.verify.ms / 1000).toFixed(0)} s`, against: `${(city.bytes / 2 ** 30).toFixed(1)} GiB file`, ratio: '', target: 'passes', met: city.verify.passed });
} else missing.push('city (tests/bench/city.ts)');

interface ScaleRow {
  name: string; rps: number; p50: number; p99: number; non2xx: number; peakRssMb?: number; firstP99?: number; firstMax?: number;
  bytes?: number; floor?: { rps: number; p50: number; p99: number; reachable: boolean };
  statements?: number; stackFloor?: { rps: number; p50: number; p99: number; reachable: boolean };
}
interface ScaleDriver {
  driver: string;
  rows: ScaleRow[];
  export?: { ms: number; rows?: number; bytes?: number; peakRssMb: number };
  summary?: { msMedian: number };
  stuck?: { msMedian: number };
  serverPeakRssMb?: number;
}
const scale = readResult<{ projects: number; connections: number; drivers: ScaleDriver[] }>('scale');
if (scale) {
  for (const d of scale.drivers) {
    for (const r of d.rows) {
      add({ measure: `HTTP ${r.name}`, db: d.driver, figure: r.rps > 0 ? `p50 ${r.p50} p99 ${r.p99} ms` : 'no answer in time', against: `${n0(r.rps)} req/s${r.firstMax !== undefined ? `, first answer on a new connection ≤ ${n0(r.firstMax)} ms` : ''}${r.peakRssMb !== undefined ? `, RSS ≤ ${n0(r.peakRssMb)} MB` : ''}${r.non2xx ? `, ${r.non2xx} failed` : ''}`, ratio: '', target: 'p99 ≤ 50 ms', met: r.rps > 0 && r.p99 <= 50 && r.non2xx === 0 });
      // what any server could do here for answers of that size (scale.ts measureFloor)
      if (r.floor && r.bytes !== undefined) {
        add({ measure: `  … floor: bare node:http, ${n0(r.bytes)} B an answer`, db: d.driver, figure: `p50 ${r.floor.p50} p99 ${r.floor.p99} ms`, against: `${n0(r.floor.rps)} req/s`, ratio: '', target: r.floor.reachable ? '(reachable)' : '(out of reach)', met: null });
      }
      // what any code on the fixed stack could do here with as many statements (scale.ts, startStackFloorServer)
      if (r.stackFloor && r.bytes !== undefined && r.statements !== undefined) {
        add({ measure: `  … stack floor: Express + ${r.statements.toFixed(1).replace(/\.0$/, '')} × select 1, ${n0(r.bytes)} B`, db: d.driver, figure: `p50 ${r.stackFloor.p50} p99 ${r.stackFloor.p99} ms`, against: `${n0(r.stackFloor.rps)} req/s`, ratio: '', target: r.stackFloor.reachable ? '(reachable)' : '(out of reach)', met: null });
      }
    }
    if (d.summary) add({ measure: 'yearly summary', db: d.driver, figure: `${n0(d.summary.msMedian)} ms`, against: '', ratio: '', target: '≤ 200 ms', met: d.summary.msMedian <= 200 });
    if (d.stuck) add({ measure: 'stuck-projects report', db: d.driver, figure: `${n0(d.stuck.msMedian)} ms`, against: '', ratio: '', target: '(information)', met: null });
    if (d.export) add({ measure: `Excel export${d.export.rows ? `, ${d.export.rows} rows` : ''}`, db: d.driver, figure: `${(d.export.ms / 1000).toFixed(1)} s`, against: `peak RSS ${n0(d.export.peakRssMb)} MB`, ratio: '', target: 'RSS ≤ 300 MB', met: d.export.peakRssMb <= 300 });
    if (d.serverPeakRssMb !== undefined) add({ measure: 'server peak RSS (whole run)', db: d.driver, figure: `${n0(d.serverPeakRssMb)} MB`, against: '', ratio: '', target: '≤ 300 MB', met: d.serverPeakRssMb <= 300 });
  }
} else missing.push('scale (tests/bench/scale.ts)');

const lock = readResult<{ results: Record<string, { quiet: { healthP99: number; writeP99: number }; held: { healthP99: number; writeP99: number; errors: number } }> }>('lock');
if (lock) {
  for (const [d, r] of Object.entries(lock.results)) {
    add({ measure: 'reads while another process writes, p99', db: d, figure: `${r.held.healthP99} ms`, against: `quiet ${r.quiet.healthP99} ms`, ratio: '', target: '(information)', met: null });
  }
} else missing.push('lock (tests/bench/lock.ts)');

const w = { measure: 54, db: 24, figure: 22, against: 26, ratio: 7, target: 14 };
const line = (r: Omit<Row, 'met'> & { met: string }) =>
  `${r.measure.padEnd(w.measure)} ${r.db.padEnd(w.db)} ${r.figure.padEnd(w.figure)} ${r.against.padEnd(w.against)} ${r.ratio.padStart(w.ratio)}  ${r.target.padEnd(w.target)} ${r.met}`;
console.log(`\nweishishi bench, ${new Date().toISOString()} — ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}, Node ${process.version}`);
if (scale) console.log(`HTTP: ${scale.connections} connections on ${scale.projects} projects`);
console.log(line({ measure: 'measure', db: 'database', figure: 'figure', against: 'against (same run)', ratio: 'ratio', target: 'target', met: 'met' }));
for (const r of rows) console.log(line({ ...r, met: r.met === null ? '' : r.met ? 'yes' : 'NO' }));
if (missing.length) console.log(`not measured in this run: ${missing.join(', ')}`);
const out = path.join(RESULTS_DIR, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
fs.mkdirSync(RESULTS_DIR, { recursive: true });
fs.writeFileSync(out, `${JSON.stringify({ at: new Date().toISOString(), machine: { cores: os.cpus().length, load: os.loadavg(), node: process.version }, rows, parts: { engine, project, lifecycle, city, scale, lock } }, null, 2)}\n`);
console.log(`written ${path.relative(process.cwd(), out)}`);
