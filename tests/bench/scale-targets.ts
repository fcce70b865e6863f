// Helpers of the bench at scale (scale.ts): the server as an operator starts it (its own process,
// the compiled `node dist/src/cli.js serve` of `npm run build`), its memory from /proc, signing in (API tokens and page
// sessions), what the bench draws from the database before the server starts, and the drafts the
// transition mix cycles.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import type { SqliteDriver } from '../../src/config.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DEMO_PASSWORD = 'weishishi-demo';
/** The final states of the project workflow (workflows/project/README.md): no COMMENT there. */
const FINAL_STATES = ['closed', 'rejected', 'withdrawn', 'cancelled'];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  base: string;
  pid: number;
  /** SIGTERM, then the exit (the server closes, stops its workers and releases the file's lock). */
  stop(): Promise<number | null>;
}

/** The compiled CLI (`npm run build`); the bench builds it first (`npm run bench`). */
export const COMPILED_CLI = path.join(ROOT, 'dist/src/cli.js');

/**
 * The environment and Node options production runs the server with: those of `npm run start:built`
 * (package.json, `[NAME=value …] node [options] dist/src/cli.js serve`), read from there so that the
 * bench measures the server as it is deployed.
 */
export function productionLaunch(): { env: Record<string, string>; nodeArgs: string[] } {
  const script = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['start:built'] ?? '';
  const m = /^((?:[A-Z_][A-Z0-9_]*=\S+\s+)*)node\s+(.*?)\s*dist\/src\/cli\.js serve$/.exec(script.trim());
  if (!m) throw new Error(`package.json start:built is not \`[NAME=value …] node [options] dist/src/cli.js serve\`: ${script}`);
  const env = Object.fromEntries(m[1]!.split(/\s+/).filter(Boolean).map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]));
  return { env, nodeArgs: m[2]!.split(/\s+/).filter(Boolean) };
}

/**
 * `weishishi serve` in production mode on the file, as an operator runs it behind a proxy on the
 * same machine (TRUST_PROXY loopback: the bench sends X-Forwarded-Proto: https to the pages, whose
 * cookies are Secure). DEMO=0: nothing is seeded. Resolves once /healthz answers. The compiled
 * JavaScript, as production runs it: through tsx the process also holds the loader's thread and
 * its compiled modules (about 60 MB more RSS at rest). With production's environment and Node options (above);
 * BENCH_SERVER_NODE_ARGS adds more (`--cpu-prof` to profile the server under load).
 */
export async function startServer(driver: SqliteDriver, dbFile: string, dataDir: string): Promise<ServerProcess> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  if (!fs.existsSync(COMPILED_CLI)) throw new Error(`${path.relative(ROOT, COMPILED_CLI)} is missing: run \`npm run build\` first`);
  const launch = productionLaunch();
  const nodeArgs = [...launch.nodeArgs, ...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, COMPILED_CLI, 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...launch.env,
      NODE_ENV: 'production', DATABASE_URL: `${driver}:${path.resolve(dbFile)}`, DATA_DIR: path.resolve(dataDir),
      LOG_LEVEL: 'silent', PORT: String(port), HOST: '127.0.0.1', DEMO: '0', BASE_URL: base, TRUST_PROXY: 'loopback',
      SESSION_SECRET: randomBytes(32).toString('base64url'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (b: Buffer) => (output = (output + b.toString()).slice(-4000)));
  child.stderr!.on('data', (b: Buffer) => (output = (output + b.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);

  const deadline = Date.now() + 120_000;
  for (;;) {
    if (gone) throw new Error(`the server (${driver}) exited before answering /healthz:\n${output}`);
    if (Date.now() > deadline) {
      kill();
      throw new Error(`the server (${driver}) did not answer /healthz in 120 s:\n${output}`);
    }
    const ok = await fetch(`${base}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    pid: child.pid!,
    async stop() {
      if (!gone) child.kill('SIGTERM');
      const code = await exited;
      process.removeListener('exit', kill);
      return code;
    },
  };
}

/**
 * The machine's floor for a load: a bare `node:http` server in its own process (as the real server
 * is) that answers every request at once with `bytes` of body and nothing else — no routing, no
 * database, no session, no template. What autocannon measures against it, on the same connections
 * for the same time, is the best any server could do for answers of that size on this machine with
 * the load generator beside it: a p99 above the target there is out of reach of the code.
 */
export async function startFloorServer(answer: number | Buffer): Promise<ServerProcess> {
  const script = `
    const body = ${FLOOR_BODY};
    const server = require('node:http').createServer((req, res) => {
      req.resume();
      req.on('end', () => { res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length }); res.end(body); });
    });
    server.listen(0, '127.0.0.1', () => console.log(server.address().port));
    process.on('SIGTERM', () => server.close(() => process.exit(0)));`;
  return childServer(spawn(process.execPath, ['-e', script, floorBodyArg(answer)], { stdio: ['ignore', 'pipe', 'inherit'] }), 'the floor server');
}

/**
 * What a floor server answers: a given answer's own bytes (the load's real answer: the load
 * generator reads each body into a JavaScript string, and decoding a page of Chinese text costs it
 * far more than as many ASCII bytes — a 157 kB statistics page: about 800 answers a second here,
 * against 3,600–5,100 for as many 'a's), or a number of 'a's. Passed to the child as a file's name
 * or a number; the child reads the file and removes it as it starts.
 */
function floorBodyArg(answer: number | Buffer): string {
  if (typeof answer === 'number') return String(Math.max(0, Math.round(answer)));
  const file = path.join(os.tmpdir(), `floor-${process.pid}-${randomBytes(6).toString('hex')}.body`);
  fs.writeFileSync(file, answer);
  return file;
}
/** The child's side of floorBodyArg: `process.argv[1]` is a number of 'a's or a file to read and remove. */
const FLOOR_BODY = `(/^\\d+$/.test(process.argv[1]) ? Buffer.alloc(Number(process.argv[1]), 'a') : (() => { const fs = require('node:fs'); const b = fs.readFileSync(process.argv[1]); fs.rmSync(process.argv[1]); return b; })())`;

/** A server child that prints its port on its first line of output and exits on SIGTERM. */
async function childServer(child: ChildProcess, what: string): Promise<ServerProcess> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (b: Buffer) => resolve(Number(b.toString().trim())));
    void exited.then((code) => reject(new Error(`${what} exited with ${code} before listening`)));
  });
  return {
    base: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      const code = await exited;
      process.removeListener('exit', kill);
      return code;
    },
  };
}

/**
 * The fixed stack's floor for a load: the same `bytes` answered by the emptiest route the brief's own
 * stack can serve after `statements` database round trips — Express 5 with the app's outer middleware
 * (pino-http with a silent logger, helmet, a JSON body parser), and `select 1` sent that many times
 * through the app's own database layer (`createDb` of the compiled `dist/src/lib/db.js`: knex, the
 * driver, the statement cache and the yielding of better-sqlite3's queries) on the same SQLite file. No
 * session, no CSRF, no template, no table read: what it cannot do under the target, no page of the
 * app with that many statements can, whatever its code does with them. `dbModule`: the tests pass the
 * TypeScript source (run through tsx's loader), the bench the compiled module, as production runs it.
 */
export async function startStackFloorServer(answer: number | Buffer, statements: number, driver: SqliteDriver, dbFile: string, dbModule = path.join(ROOT, 'dist/src/lib/db.js')): Promise<ServerProcess> {
  if (!fs.existsSync(dbModule)) throw new Error(`${path.relative(ROOT, dbModule)} is missing: run \`npm run build\` first`);
  // the tests hand it the TypeScript source, which needs tsx's loader
  const loader = dbModule.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const script = `
    import express from 'express';
    import helmet from 'helmet';
    import { pino } from 'pino';
    import { pinoHttp } from 'pino-http';
    import { createRequire } from 'node:module';
    const require = createRequire(import.meta.url);
    const [, statements, driver, filename, dbModule] = process.argv.slice(1);
    const { createDb } = await import(dbModule);
    const db = createDb({ client: 'sqlite', driver, filename });
    const body = ${FLOOR_BODY};
    const n = Number(statements);
    const app = express();
    app.disable('x-powered-by');
    app.use(pinoHttp({ logger: pino({ level: 'silent' }) }));
    app.use(helmet());
    app.use(express.json());
    app.use(async (req, res) => {
      for (let i = 0; i < n; i++) await db.raw('select 1');
      res.type('html').send(body);
    });
    const server = app.listen(0, '127.0.0.1', () => console.log(server.address().port));
    process.on('SIGTERM', () => server.close(() => db.destroy().then(() => process.exit(0))));`;
  const args = [floorBodyArg(answer), String(Math.max(0, Math.round(statements))), driver, path.resolve(dbFile), pathToFileURL(dbModule).href];
  return childServer(spawn(process.execPath, [...loader, '--input-type=module', '-e', script, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] }), 'the stack floor server');
}

/** VmRSS (now) and VmHWM (the peak so far) of a process, in MB. */
export function memoryOf(pid: number): { rssMb: number; hwmMb: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
}

/** Samples VmRSS every `everyMs` until stopped; returns the largest sample. */
export function sampleRss(pid: number, everyMs = 50): { stop(): number } {
  let peak = memoryOf(pid).rssMb;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, memoryOf(pid).rssMb);
    } catch {
      // the process is gone: keep what was seen
    }
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      try {
        peak = Math.max(peak, memoryOf(pid).rssMb);
      } catch {
        // idem
      }
      return peak;
    },
  };
}

/** An API token (POST /api/v1/auth/token): one sign-in per user for the whole run. */
export async function tokenFor(base: string, email: string): Promise<string> {
  const res = await fetch(`${base}/api/v1/auth/token`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: DEMO_PASSWORD }),
  });
  if (!res.ok) throw new Error(`sign-in of ${email} over the API: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/** The headers a browser behind the proxy sends: its cookies, and the proxy's X-Forwarded-Proto. */
export const PROXIED = { 'x-forwarded-proto': 'https' };

function cookiesOf(res: Response, jar: Map<string, string>): void {
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const eq = pair!.indexOf('=');
    jar.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
  }
}
const cookieHeader = (jar: Map<string, string>) => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');

/** Signs in through the /login form (with its CSRF token) and returns the Cookie header of the session. */
export async function sessionFor(base: string, email: string): Promise<string> {
  const jar = new Map<string, string>();
  const form = await fetch(`${base}/login`, { headers: PROXIED });
  cookiesOf(form, jar);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  if (!csrf) throw new Error('no CSRF token on /login');
  const res = await fetch(`${base}/login`, {
    method: 'POST', redirect: 'manual',
    headers: { ...PROXIED, 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(jar) },
    body: new URLSearchParams({ email, password: DEMO_PASSWORD, next: '/inbox', _csrf: csrf }).toString(),
  });
  cookiesOf(res, jar);
  if (res.status !== 302 || !jar.has('wss.sid')) throw new Error(`sign-in of ${email} through /login: ${res.status} ${await res.text()}`);
  return cookieHeader(jar);
}

export interface CityData {
  projects: number;
  /** every project */
  all: string[];
  /** projects in a state that takes COMMENT */
  open: string[];
  /** projects the public may see (from their first notice on) */
  public: string[];
  /** the last budget year with projects */
  lastYear: number;
  /** the state most of that year's open projects are in (the filtered list's filter) */
  busyState: string;
}

/** What the bench draws its requests from, read from the file before the server starts (the bench's own drafts left out). */
export function readCity(dbFile: string): CityData {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    const city = `title <> '${BENCH_TITLE}'`;
    const ids = (sql: string, ...params: unknown[]) => (db.prepare(sql).all(...params) as Array<{ id: string }>).map((r) => r.id);
    const marks = FINAL_STATES.map(() => '?').join(',');
    const lastYear = (db.prepare(`select max(budget_year) y from projects where ${city}`).get() as { y: number | null }).y;
    if (lastYear === null) throw new Error(`${dbFile} has no projects: seed it first (weishishi seed --scale N)`);
    const busy = db.prepare(`select state from projects where ${city} and budget_year = ? and state not in (${marks}) group by state order by count(*) desc limit 1`).get(lastYear, ...FINAL_STATES) as { state: string } | undefined;
    const all = ids(`select id from projects where ${city} order by id`);
    return {
      projects: all.length,
      all,
      open: ids(`select id from projects where ${city} and state not in (${marks}) order by id`, ...FINAL_STATES),
      public: ids(`select id from projects where ${city} and public_since is not null order by id`),
      lastYear,
      busyState: busy?.state ?? 'closed',
    };
  } finally {
    db.close();
  }
}

/**
 * Timers that fell due while no server ran (after the seed's sandbox clock, or since the last run)
 * fire as the server starts; the measurements wait until its workers have caught up, so they
 * measure requests, not the catching-up. Returns how many were due at the start.
 */
export async function timersCaughtUp(dbFile: string, timeoutMs = 120_000): Promise<{ due: number; left: number }> {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    const due = () => (db.prepare("select count(*) n from timers where status = 'pending' and due_at <= ?").get(new Date().toISOString()) as { n: number }).n;
    const first = due();
    let left = first;
    for (const deadline = Date.now() + timeoutMs; left > 0 && Date.now() < deadline; left = due()) await new Promise((r) => setTimeout(r, 500));
    return { due: first, left };
  } finally {
    db.close();
  }
}

/** The bench's own proposals: found again by this title on the next run, so runs do not add projects. */
export const BENCH_TITLE = '压测：爬楼机配置（scale bench）';
const NEW_PROJECT = {
  title: BENCH_TITLE, type: 'goods', category: '助行', mainGroup: '残疾人', estimatedFen: 3_600_000,
  description: '为无电梯高层住户配置履带式爬楼机两台。',
  items: [{ name: '履带式爬楼机', quantity: 2, unitFen: 1_800_000 }], beneficiaryCount: 2,
};

async function api(base: string, token: string, method: string, p: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${base}/api/v1${p}`, {
    method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
  return res.json();
}

/**
 * `n` drafts of the bench's own in one community, each in `draft`: those of earlier runs are found
 * by their title (and returned from screening where a run stopped half-way), the missing ones proposed.
 */
export async function benchDrafts(base: string, proposer: string, returner: string, n: number): Promise<string[]> {
  const mine: Array<{ id: string; state: string; title: string }> = [];
  for (let page = 1; ; page++) {
    const r = (await api(base, proposer, 'GET', `/projects?q=${encodeURIComponent('scale bench')}&pageSize=200&page=${page}`)) as { projects: Array<{ id: string; state: string; title: string }>; total: number };
    mine.push(...r.projects.filter((p) => p.title === BENCH_TITLE));
    if (page * 200 >= r.total) break;
  }
  const ids: string[] = [];
  for (const p of mine) {
    if (ids.length === n) break;
    if (p.state === 'screening') await api(base, returner, 'POST', `/projects/${p.id}/events`, { type: 'RETURN', reason: '压测复位：退回草稿。' });
    else if (p.state !== 'draft') continue;
    ids.push(p.id);
  }
  while (ids.length < n) ids.push(((await api(base, proposer, 'POST', '/projects', NEW_PROJECT)) as { project: { id: string } }).project.id);
  return ids;
}
