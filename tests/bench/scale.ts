// `npm run bench` (at scale, issue 13): the server as an operator runs it (`weishishi serve`, its own
// process, NODE_ENV=production behind a proxy on loopback) on a city's ten years of projects
// (`weishishi seed --scale N`), once per SQLite driver. autocannon, from this process, sends 50
// connections' worth of: COMMENTs on random open projects (JSON API); a mix of real transitions
// (EDIT, SUBMIT, RETURN on the bench's own drafts, one connection per draft at a time, so every
// event is allowed when it arrives); a staff project page, the inbox (pages, with a session signed
// in through /login); the filtered project list (API); the public list and statistics (pages);
// a random public project's OCDS release. Targets: p99 ≤ 50 ms each. Then, alone: the Excel export
// of every project (time, bytes, rows counted in the sheet, the server's RSS sampled every 50 ms),
// the yearly summary (median of 5, target ≤ 200 ms) and the stuck projects (median of 5); and the
// server's peak RSS over the run (VmHWM, target ≤ 300 MB).
//   BENCH_SCALE_DB (default tests/bench/data/city.db) with its data folder BENCH_SCALE_DATA_DIR
//   (default: the file's name without .db beside it), BENCH_SCALE_SECONDS (5), BENCH_SCALE_CONNECTIONS (50),
//   BENCH_SCALE_DRIVERS (better-sqlite3,sqlite3)
// Before measuring, the server's workers fire the timers that fell due while no server ran (the
// first run after a seed has months of them). Each load runs on one set of 50 connections: its first
// second is warm-up, and p50 / p99 / req/s count the answers after it on connections already open
// (a connection's later requests, as a browser or a proxy's keep-alive pool sends them). The first
// answer on each new connection is reported on its own: a busy server lets new connections in one
// per turn of its event loop (libuv accepts one connection per turn), and on better-sqlite3, whose
// queries hold the loop, they waited up to 6–8 s.
// Under each load, its floor: a bare node:http server in its own process answering every request at
// once with the load's mean answer size, measured the same way (the same connections, warm-up and
// seconds). Its p99 is the best any server could reach here for answers that size, with autocannon on
// the same two cores. And its stack floor: the brief's fixed stack (Express 5, helmet, pino-http, knex
// through the app's own database layer on the same file) answering the same bytes after as many
// statements as one of the load's requests sends (counted in this process before the servers start),
// each a `select 1`: no table read, no session, no template. Its p99 is the best any code on this
// stack could reach here with that many statements a request: the table says whether the target is
// in reach of code at all on this machine, and of code on this stack.
// Each run adds history rows (the COMMENTs and transitions) and a session and two tokens per user;
// the drafts are the same ones every run (found again by their title).
import { writeResult } from './results.js';
import { CITY_DB, CITY_DIR } from './city.js';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import yauzl from 'yauzl';
import type { SqliteDriver } from '../../src/config.js';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config.js';
import { createDeps } from '../../src/deps.js';
import { createApp } from '../../src/app.js';
import { benchDrafts, memoryOf, PROXIED, readCity, sampleRss, sessionFor, startFloorServer, startServer, startStackFloorServer, timersCaughtUp, tokenFor, type CityData, type ServerProcess } from './scale-targets.js';

export const P99_TARGET_MS = 50;
export const SUMMARY_TARGET_MS = 200;
export const RSS_TARGET_MB = 300;
const WARMUP_SECONDS = 1;

export interface ScaleRow {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  target: 'p99 ≤ 50 ms';
  met: boolean;
  /** the server's largest VmRSS sampled every 50 ms during this load (warm-up included): which load sets the peak */
  peakRssMb: number;
  /** the first answer on each of the load's new connections (in the warm-up): p99 and the slowest, ms */
  firstP99: number;
  firstMax: number;
  /** the mean size of an answer after the warm-up, headers included (bytes) */
  bytes: number;
  /**
   * The machine's floor for this load: a bare node:http server answering the same number of bytes
   * at once (scale-targets.ts startFloorServer), measured the same way. Its p99 is the best any
   * server could reach here for answers of this size; when it is over the target, so is every server.
   */
  floor: { rps: number; p50: number; p99: number; reachable: boolean };
  /** the statements the server sends through knex for one request of the load (the mix: the mean of its three), counted in-process */
  statements: number;
  /**
   * The fixed stack's floor for this load: Express, the app's outer middleware and its database layer
   * answering the same bytes after the same number of statements, each a `select 1`
   * (scale-targets.ts startStackFloorServer). When its p99 is over the target, no code on this stack
   * that sends that many statements a request can meet it here.
   */
  stackFloor: { rps: number; p50: number; p99: number; reachable: boolean };
}

export interface ScaleExport {
  ms: number;
  rows: number;
  bytes: number;
  /** the largest VmRSS sampled every 50 ms while the export ran */
  peakRssMb: number;
  /** VmRSS just before it */
  rssBeforeMb: number;
}

export interface ScaleDriverResult {
  driver: SqliteDriver;
  rows: ScaleRow[];
  export: ScaleExport;
  summary: { msMedian: number; target: '≤ 200 ms'; met: boolean };
  stuck: { msMedian: number };
  /** VmHWM at the end of the run: the server's peak RSS */
  serverPeakRssMb: number;
  rssMet: boolean;
  /** the first failed answers, warm-ups included (status and the start of the body) */
  failures: string[];
}

export interface ScaleResult {
  projects: number;
  lastYear: number;
  seconds: number;
  connections: number;
  drivers: ScaleDriverResult[];
}

interface Load {
  name: string;
  requests: autocannon.Request[];
}

/** Keeps the first failed answers (status, start of the body), to print: a bench whose requests fail measures nothing. */
function noteFailure(failed: string[], name: string) {
  return (status: number, body: string) => {
    if (status >= 200 && status < 300) return;
    if (failed.length < 20) failed.push(`${name}: ${status} ${body.slice(0, 200)}`);
  };
}

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
const json = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });

interface Sessions {
  district: string;
  proposer: string;
  returner: string;
  districtCookie: string;
}

/** The bench's users signed in on a server: API tokens for the district and two community users, a page session for the district. */
async function signIn(base: string): Promise<Sessions> {
  return {
    district: await tokenFor(base, 'district@example.org'),
    proposer: await tokenFor(base, 'community1@example.org'),
    returner: await tokenFor(base, 'community2@example.org'),
    districtCookie: await sessionFor(base, 'district@example.org'),
  };
}

function commentLoad(city: CityData, s: Sessions, failed: string[]): Load {
  const name = 'COMMENT (API, random open project)';
  let n = 0;
  return {
    name,
    requests: [{
      method: 'POST',
      setupRequest: (req) => ({ ...req, path: `/api/v1/projects/${pick(city.open)}/events`, headers: json(s.district), body: JSON.stringify({ type: 'COMMENT', text: `压测意见 ${++n}：请说明进度。` }) }),
      onResponse: noteFailure(failed, name),
    }],
  };
}

const MIX = 'EDIT/SUBMIT/RETURN (API, own drafts)';

/** One connection holds a draft for a whole EDIT → SUBMIT → RETURN cycle, then gives it back. */
function mixLoad(s: Sessions, drafts: string[], failed: string[]): Load {
  const free = [...drafts];
  let n = 0;
  const event = (ctx: object) => `/api/v1/projects/${(ctx as { id: string }).id}/events`;
  return {
    name: MIX,
    requests: [
      {
        method: 'POST',
        setupRequest: (req, ctx) => {
          const id = free.pop();
          if (!id) throw new Error('no free draft: more connections than drafts');
          (ctx as { id: string }).id = id;
          return { ...req, path: event(ctx), headers: json(s.proposer), body: JSON.stringify({ type: 'EDIT', fields: { description: `为无电梯高层住户配置履带式爬楼机两台。修订 ${++n}。` } }) };
        },
        onResponse: noteFailure(failed, `${MIX}: EDIT`),
      },
      { method: 'POST', setupRequest: (req, ctx) => ({ ...req, path: event(ctx), headers: json(s.proposer), body: JSON.stringify({ type: 'SUBMIT' }) }), onResponse: noteFailure(failed, `${MIX}: SUBMIT`) },
      {
        method: 'POST',
        setupRequest: (req, ctx) => ({ ...req, path: event(ctx), headers: json(s.returner), body: JSON.stringify({ type: 'RETURN', reason: '材料不全，请补充住户名单后再提交。' }) }),
        onResponse: (status, body, ctx) => {
          noteFailure(failed, `${MIX}: RETURN`)(status, body);
          free.unshift((ctx as { id: string }).id);
        },
      },
    ],
  };
}

function readLoads(city: CityData, s: Sessions, failed: string[]): Load[] {
  const bearer = { authorization: `Bearer ${s.district}` };
  const page = { ...PROXIED, cookie: s.districtCookie };
  const get = (name: string, p: () => string, headers: Record<string, string>): Load => ({
    name, requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: p(), headers }), onResponse: noteFailure(failed, name) }],
  });
  return [
    get('GET /projects/:id (page, district)', () => `/projects/${pick(city.all)}`, page),
    get('GET /inbox (page, district)', () => '/inbox', page),
    get(`GET /api/v1/projects?budgetYear&state=${city.busyState}`, () => `/api/v1/projects?budgetYear=${city.lastYear}&state=${encodeURIComponent(city.busyState)}`, bearer),
    get('GET /public/projects', () => '/public/projects', {}),
    get(`GET /public/stats?year=${city.lastYear}`, () => `/public/stats?year=${city.lastYear}`, {}),
    get('GET /api/v1/projects/:id/ocds (random public)', () => `/api/v1/projects/${pick(city.public)}/ocds`, {}),
  ];
}

/** Sends a load's first request once: a 2xx, or the bench stops naming the failure. */
async function preflight(base: string, l: Load): Promise<void> {
  const req = l.requests[0]!;
  const built = (req.setupRequest as (r: autocannon.Request, c: object) => autocannon.Request)({ ...req }, {});
  const res = await fetch(`${base}${built.path}`, { method: built.method, headers: built.headers as Record<string, string>, ...(built.body ? { body: built.body as string } : {}) });
  if (!res.ok) throw new Error(`${l.name}: ${built.method} ${built.path} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  await res.arrayBuffer();
}

/** The p-th percentile (0–100) of ascending `sorted`, rounded to the millisecond. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!);
}

interface Timed {
  result: autocannon.Result;
  /** latencies (ms) of the answers after the warm-up, but for a connection's first, ascending */
  measured: number[];
  /** their bytes, headers included, in all */
  measuredBytes: number;
  /** the first answer's latency on each connection, ascending */
  firsts: number[];
}

/** One autocannon run of warm-up + seconds on the same connections; answers are sorted into the two windows. */
async function run(base: string, l: Load, warmupSeconds: number, seconds: number, connections: number): Promise<Timed> {
  const measured: number[] = [];
  let measuredBytes = 0;
  const firsts: number[] = [];
  const seen = new Set<unknown>();
  const start = performance.now();
  const instance = autocannon({ url: base, connections, duration: warmupSeconds + seconds, requests: l.requests });
  (instance as unknown as NodeJS.EventEmitter).on('response', (client: unknown, _status: number, bytes: number, ms: number) => {
    if (!seen.has(client)) {
      // a connection's first answer waited for the server to accept it: counted on its own
      seen.add(client);
      firsts.push(ms);
    } else if (performance.now() - start >= warmupSeconds * 1000) {
      measured.push(ms);
      measuredBytes += bytes;
    }
  });
  const result = await instance;
  // the requests autocannon left in flight finish on the server before anything else starts
  await new Promise((res) => setTimeout(res, 500));
  return { result, measured: measured.sort((a, b) => a - b), measuredBytes, firsts: firsts.sort((a, b) => a - b) };
}

/**
 * The same load's shape against a floor server: the same method, connections, warm-up and seconds,
 * a request body of the same size (answers of the load's mean size are the floor server's part).
 */
async function measureFloor(l: Load, start: () => Promise<ServerProcess>, seconds: number, connections: number): Promise<ScaleRow['floor']> {
  const first = l.requests[0]!;
  const floor = await start();
  try {
    const body = first.method === 'POST' ? JSON.stringify({ type: 'COMMENT', text: '压测意见：请说明进度。' }) : undefined;
    const shape: Load = { name: `${l.name} (floor)`, requests: [{ method: first.method ?? 'GET', path: '/', ...(body ? { body, headers: { 'content-type': 'application/json' } } : {}) }] };
    const { measured } = await run(floor.base, shape, WARMUP_SECONDS, seconds, connections);
    const p99 = percentile(measured, 99);
    return { rps: measured.length / seconds, p50: percentile(measured, 50), p99, reachable: measured.length > 0 && p99 <= P99_TARGET_MS };
  } finally {
    await floor.stop();
  }
}

/**
 * A warm-up second (not counted: the first requests open the connections, compile code and fill
 * caches), then the measurement, on the same connections.
 */
async function measureLoad(base: string, pid: number, make: () => Promise<Load>, o: { seconds: number; connections: number; statements: Map<string, number>; driver: SqliteDriver; dbFile: string }): Promise<ScaleRow> {
  const sampler = sampleRss(pid, 50);
  const made = await make();
  // one real answer of the load, which the floors answer in its place (scale-targets.ts floorBodyArg)
  let answer: Buffer | undefined;
  const l: Load = {
    ...made,
    requests: made.requests.map((req) => ({
      ...req,
      onResponse: (status: number, body: string, ctx: unknown, headers: unknown) => {
        if (!answer && status >= 200 && status < 300) answer = Buffer.from(body, 'utf8');
        (req.onResponse as ((status: number, body: string, ctx: unknown, headers: unknown) => void) | undefined)?.(status, body, ctx, headers);
      },
    })),
  };
  const { result: r, measured, measuredBytes, firsts } = await run(base, l, WARMUP_SECONDS, o.seconds, o.connections);
  const peakRssMb = sampler.stop();
  const p99 = percentile(measured, 99);
  const bytes = measured.length ? measuredBytes / measured.length : 0;
  const statements = o.statements.get(l.name) ?? 0;
  return {
    peakRssMb, bytes, statements,
    floor: await measureFloor(l, () => startFloorServer(answer ?? bytes), o.seconds, o.connections),
    stackFloor: await measureFloor(l, () => startStackFloorServer(answer ?? bytes, statements, o.driver, o.dbFile), o.seconds, o.connections),
    name: l.name, rps: measured.length / o.seconds, p50: percentile(measured, 50), p99,
    firstP99: percentile(firsts, 99), firstMax: Math.round(firsts.at(-1) ?? 0),
    // no answer within the measurement is no figure, and certainly no met target
    non2xx: r.non2xx + r.errors + r.timeouts, target: 'p99 ≤ 50 ms', met: measured.length > 0 && p99 <= P99_TARGET_MS,
  };
}

/**
 * How many statements one request of each load sends through knex, counted in this process on an
 * app built on the same file (before any server opens it): each load's requests are sent once to warm
 * the caches and once more counted, one at a time. The mix is the mean of its EDIT, SUBMIT and RETURN.
 */
async function statementsPerLoad(city: CityData, dbFile: string, dataDir: string): Promise<Map<string, number>> {
  const config = loadConfig({
    ...process.env, NODE_ENV: 'production', DATABASE_URL: `better-sqlite3:${path.resolve(dbFile)}`, DATA_DIR: path.resolve(dataDir),
    LOG_LEVEL: 'silent', DEMO: '0', BASE_URL: 'http://127.0.0.1', TRUST_PROXY: 'loopback', SESSION_SECRET: randomBytes(32).toString('base64url'),
  });
  const deps = await createDeps(config);
  const server = createApp(deps).listen(0, '127.0.0.1');
  try {
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const s = await signIn(base);
    const failed: string[] = [];
    const loads = [commentLoad(city, s, failed), mixLoad(s, await benchDrafts(base, s.proposer, s.returner, 1), failed), ...readLoads(city, s, failed)];
    let sent = 0;
    deps.db.on('query', () => sent++);
    const counts = new Map<string, number>();
    for (const l of loads) {
      const ctx = {};
      let counted = 0;
      for (const pass of [0, 1]) {
        for (const req of l.requests) {
          const built = (req.setupRequest ? (req.setupRequest as (r: autocannon.Request, c: object) => autocannon.Request)({ ...req }, ctx) : req);
          const before = sent;
          const res = await fetch(`${base}${built.path ?? '/'}`, { method: built.method ?? 'GET', headers: (built.headers ?? {}) as Record<string, string>, ...(built.body ? { body: built.body as string } : {}) });
          const body = await res.text();
          (req.onResponse as ((status: number, body: string, ctx: object) => void) | undefined)?.(res.status, body, ctx);
          if (pass === 1) counted += sent - before;
        }
      }
      if (failed.length) throw new Error(`counting the statements: ${failed.join('; ')}`);
      counts.set(l.name, counted / l.requests.length);
    }
    return counts;
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await deps.close();
  }
}

/** Counts the <row> elements of the workbook's first sheet. */
async function sheetRows(xlsx: Buffer): Promise<number> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => yauzl.fromBuffer(xlsx, { lazyEntries: true }, (err, z) => (err ? reject(err) : resolve(z))));
  return new Promise((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', () => reject(new Error('no worksheet in the export')));
    zip.on('entry', (entry: yauzl.Entry) => {
      if (!/^xl\/worksheets\/sheet\d+\.xml$/.test(entry.fileName)) return zip.readEntry();
      zip.openReadStream(entry, (err, stream) => {
        if (err) return reject(err);
        let rows = 0;
        let tail = '';
        stream.on('data', (b: Buffer) => {
          const text = tail + b.toString('utf8');
          rows += text.match(/<row[ >]/g)?.length ?? 0;
          tail = text.slice(-4);
          // a tag split across chunks is counted once: the tail is too short to hold a whole one
        });
        stream.on('end', () => {
          zip.close();
          resolve(rows);
        });
        stream.on('error', reject);
      });
    });
    zip.readEntry();
  });
}

async function measureExport(base: string, pid: number, token: string): Promise<ScaleExport> {
  const rssBeforeMb = memoryOf(pid).rssMb;
  const sampler = sampleRss(pid, 50);
  const t0 = performance.now();
  const res = await fetch(`${base}/api/v1/projects/export.xlsx`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok || !res.body) {
    sampler.stop();
    throw new Error(`GET /api/v1/projects/export.xlsx answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  }
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const c of res.body as unknown as AsyncIterable<Uint8Array>) {
    chunks.push(Buffer.from(c));
    bytes += c.byteLength;
  }
  const ms = performance.now() - t0;
  const peakRssMb = sampler.stop();
  // row 1 is the title, row 2 the headers
  const rows = (await sheetRows(Buffer.concat(chunks))) - 2;
  return { ms, rows, bytes, peakRssMb, rssBeforeMb };
}

/** The median time of `n` sequential requests (each must answer 2xx). */
async function medianMs(url: string, headers: Record<string, string>, n = 5): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const res = await fetch(url, { headers });
    const body = await res.text();
    times.push(performance.now() - t0);
    if (!res.ok) throw new Error(`GET ${url} answered ${res.status}: ${body.slice(0, 300)}`);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

async function benchDriver(driver: SqliteDriver, city: CityData, opts: { dbFile: string; dataDir: string; seconds: number; connections: number; statements: Map<string, number> }): Promise<ScaleDriverResult> {
  const server = await startServer(driver, opts.dbFile, opts.dataDir);
  try {
    const { base, pid } = server;
    const timers = await timersCaughtUp(opts.dbFile);
    if (timers.due) process.stderr.write(`  ${driver}: ${timers.due} timers were due; ${timers.left ? `${timers.left} still pending after 120 s` : 'fired before measuring'}\n`);
    const s = await signIn(base);
    // a few drafts more than connections, so a connection finishing its cycle always finds one free;
    // set back to draft before each use (autocannon stops connections half-way through a cycle)
    const failed: string[] = [];
    const mix = async () => mixLoad(s, await benchDrafts(base, s.proposer, s.returner, opts.connections + 10), failed);
    const fixed = [commentLoad(city, s, failed), ...readLoads(city, s, failed)];
    for (const l of fixed) await preflight(base, l);
    const [comment, ...reads] = fixed.map((l) => async () => l);
    const rows: ScaleRow[] = [];
    for (const make of [comment!, mix, ...reads]) {
      rows.push(await measureLoad(base, pid, make, { ...opts, driver }));
      process.stderr.write(`  ${driver}: ${rows.at(-1)!.name} ${rows.at(-1)!.rps.toFixed(0)} req/s, RSS ≤ ${rows.at(-1)!.peakRssMb.toFixed(0)} MB\n`);
    }
    const exp = await measureExport(base, pid, s.district);
    const bearer = { authorization: `Bearer ${s.district}` };
    const summary = await medianMs(`${base}/api/v1/reports/summary?year=${city.lastYear}`, bearer);
    const stuck = await medianMs(`${base}/api/v1/reports/stuck?year=${city.lastYear}`, bearer);
    const serverPeakRssMb = memoryOf(pid).hwmMb;
    return {
      driver, rows, export: exp,
      summary: { msMedian: summary, target: '≤ 200 ms', met: summary <= SUMMARY_TARGET_MS },
      stuck: { msMedian: stuck },
      serverPeakRssMb, rssMet: serverPeakRssMb <= RSS_TARGET_MB, failures: failed,
    };
  } finally {
    const code = await server.stop();
    if (code !== 0) process.stderr.write(`the ${driver} server exited with ${code} on SIGTERM\n`);
  }
}

export async function benchScale(opts: { dbFile: string; dataDir: string; drivers?: SqliteDriver[]; seconds?: number; connections?: number }): Promise<ScaleResult> {
  const seconds = opts.seconds ?? 5;
  const connections = opts.connections ?? 50;
  const city = readCity(opts.dbFile);
  const statements = await statementsPerLoad(city, opts.dbFile, opts.dataDir);
  const drivers: ScaleDriverResult[] = [];
  for (const d of opts.drivers ?? ['better-sqlite3', 'sqlite3']) drivers.push(await benchDriver(d, city, { ...opts, seconds, connections, statements }));
  return { projects: city.projects, lastYear: city.lastYear, seconds, connections, drivers };
}

export function printScale(r: ScaleResult): void {
  const ok = (met: boolean) => (met ? 'ok' : 'MISSED');
  const kb = (bytes: number) => (bytes >= 10_000 ? `${(bytes / 1000).toFixed(0)} kB` : `${bytes.toFixed(0)} B`);
  const w = Math.max(46, ...r.drivers[0]!.rows.map((x) => x.name.length)) + 1;
  const line = (name: string, cell: (d: ScaleDriverResult) => string) => console.log(`  ${name.padEnd(w)} ${r.drivers.map((d) => cell(d).padEnd(52)).join(' ')}`);
  console.log(`\nscale: ${r.projects.toLocaleString('en')} projects, ${r.connections} connections, ${r.seconds} s each after 1 s of warm-up on the same connections, a separate \`weishishi serve\` per driver; req/s, p50 / p99 (target p99 ≤ ${P99_TARGET_MS} ms), the first answer on a new connection (p99 / slowest), the server's peak RSS during the load; under each load two floors, measured the same way: a bare node:http server answering the load's mean bytes at once (the best any server could do here), and the fixed stack — Express, helmet, pino-http and the app's database layer — answering the same bytes after the load's own number of statements, each a select 1 (the best any code on this stack could do here with that many statements)`);
  line('', (d) => d.driver);
  for (const [i, row] of r.drivers[0]!.rows.entries()) {
    line(row.name, (d) => {
      const x = d.rows[i]!;
      return `${x.rps.toFixed(0).padStart(6)} req/s ${String(x.p50).padStart(4)} / ${String(x.p99).padStart(4)} ms ${ok(x.met)} first ${x.firstP99} / ${x.firstMax} ms ${x.peakRssMb.toFixed(0).padStart(3)} MB${x.non2xx ? ` (${x.non2xx} failed!)` : ''}`;
    });
    const floorCell = (f: ScaleRow['floor']) => `${f.rps.toFixed(0).padStart(6)} req/s ${String(f.p50).padStart(4)} / ${String(f.p99).padStart(4)} ms ${f.reachable ? 'reachable here' : 'OUT OF REACH here'}`;
    line(`  floor: bare server, same ${kb(r.drivers[0]!.rows[i]!.bytes)}`, (d) => floorCell(d.rows[i]!.floor));
    line(`  stack floor: Express + ${r.drivers[0]!.rows[i]!.statements.toFixed(1).replace(/\.0$/, '')} × select 1`, (d) => floorCell(d.rows[i]!.stackFloor));
  }
  line('Excel export, every project', (d) => `${(d.export.ms / 1000).toFixed(2)} s, ${d.export.rows} rows, ${(d.export.bytes / 1e6).toFixed(1)} MB`);
  line('  server RSS during it (before → peak)', (d) => `${d.export.rssBeforeMb.toFixed(0)} → ${d.export.peakRssMb.toFixed(0)} MB`);
  line(`yearly summary ${r.lastYear} (median of 5, ≤ ${SUMMARY_TARGET_MS} ms)`, (d) => `${d.summary.msMedian.toFixed(0)} ms ${ok(d.summary.met)}`);
  line(`stuck projects ${r.lastYear} (median of 5)`, (d) => `${d.stuck.msMedian.toFixed(0)} ms`);
  line(`server peak RSS, VmHWM (≤ ${RSS_TARGET_MB} MB)`, (d) => `${d.serverPeakRssMb.toFixed(0)} MB ${ok(d.rssMet)}`);
  for (const d of r.drivers) if (d.failures.length) console.log(`\n${d.driver}: failed answers (the first ${d.failures.length}):\n  ${d.failures.join('\n  ')}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const [dbFile, dataDir] = [CITY_DB, CITY_DIR];
  const result = await benchScale({
    dbFile, dataDir,
    drivers: (process.env.BENCH_SCALE_DRIVERS ?? 'better-sqlite3,sqlite3').split(',').map((d) => d.trim() as SqliteDriver),
    seconds: Number(process.env.BENCH_SCALE_SECONDS ?? 5),
    connections: Number(process.env.BENCH_SCALE_CONNECTIONS ?? 50),
  });
  printScale(result);
  writeResult('scale', result);
  if (result.drivers.some((d) => d.failures.length > 0 || d.rows.some((x) => x.non2xx > 0))) process.exitCode = 1;
}
