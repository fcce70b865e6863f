// Issue 13 item 4: several processes on one PostgreSQL. Two `weishishi serve --no-workers` and two
// `weishishi worker` processes (each `node --import tsx src/cli.ts …`, on the system clock) share
// one schema, with an SMTP sink for the workers. Load goes through both servers at once: COMMENTs
// with Idempotency-Keys (some sent to both servers at the same moment), and real transitions. The
// workers meanwhile fire the NOTICE_ENDED timers seeded due (the seed runs on a sandbox clock at
// T0, months behind the system clock) and send every notice. Then: each acknowledged event is in
// the history once, each timer fired once, each e-mail left once and arrived once, verify passes.
// Prints the COMMENT req/s through one server and through two (information: 2 shared cores).
// Skipped without TEST_DATABASE_URL. MP_COMMENTS sets the COMMENTs per measured phase (default 200).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { freePort } from '../support/net.js';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import { verifyAll } from '../../src/engine/verify.js';
import { parseJson } from '../../src/lib/db.js';
import { auditProjectLedgers } from '../../src/projects/project-audit.js';
import { createTestApp, T0, type TestApp } from '../support/app.js';
import { api, DAY_MS, DELIBERATION_OK, GOOD_CHECKLIST, goodsProject, shanghaiDay, U } from '../support/lifecycle.js';
import { REPO_ROOT, prng } from '../reliability/child.js';

const PG = process.env.TEST_DATABASE_URL;
const COMMENTS = Number(process.env.MP_COMMENTS ?? 200);
/** Projects left in public_notice at T0: their NOTICE_ENDED timers are long due on the system clock. */
const TIMED = 16;
/** Draft projects the load moves on (SUBMIT → SCREEN_PASS → RECORD_DELIBERATION) through both servers. */
const FLOWS = 8;
/** COMMENTs sent to both servers at the same moment under one key. */
const TWINS = 24;
/** More draft projects the COMMENTs spread over, so that they wait less on each other's instance lock. */
const SPREAD = 40;
const CONCURRENCY = 16;
const SEED = Number(process.env.MP_SEED ?? 20261130);

interface Proc {
  name: string;
  proc: ChildProcess;
  output(): string;
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `node --import tsx src/cli.ts <args>` as the operator would run it (`weishishi <args>`). */
function startCli(name: string, args: string[], env: Record<string, string>): Proc {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const lines: string[] = [];
  let partial = '';
  proc.stdout!.setEncoding('utf8');
  proc.stdout!.on('data', (d: string) => {
    out += d;
    const parts = (partial + d).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (d: string) => {
    out += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('close', (code, signal) => resolve({ code, signal })));
  return { name, proc, output: () => out, lines, exited };
}


/** Polls cond every 50 ms until it holds; fails after timeoutMs, or at once if a child has exited. */
async function waitUntil(what: string, cond: () => Promise<boolean> | boolean, procs: Proc[], timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const dead = procs.find((p) => p.proc.exitCode !== null || p.proc.signalCode !== null);
    if (dead) throw new Error(`${dead.name} exited while waiting for ${what}:\n${dead.output().slice(-3000)}`);
    if (await cond()) return;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs fn over n indices, at most `concurrency` at a time. */
async function pool(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, concurrency) }, async () => {
    while (next < n) await fn(next++);
  }));
}

/** The Message-ID header of a raw message. */
function messageIdOf(raw: Buffer): string | undefined {
  const head = raw.toString('utf8').split(/\r?\n\r?\n/)[0] ?? '';
  return /^message-id:\s*(<[^>]+>)/im.exec(head)?.[1];
}

// Runs with TEST_MULTI_PROCESS=1: `npm test` runs it on its own after the other files (`npm run
// test:processes`), so that its four processes and their req/s do not share the two cores with the
// other storage suites; `npm run test:long` at full size. Once, run amid the other suites, the
// servers answered 401 to a third of the requests (cause not found: tokens, search_path and clocks
// were ruled out); a refused request now records its user, its server and the token rows seen.
describe.skipIf(!PG || process.env.TEST_MULTI_PROCESS !== '1')('several processes on postgres', () => {
  let app: TestApp;
  const procs: Proc[] = [];
  let smtp: SMTPServer | undefined;
  let dataDir: string;
  const received: string[] = [];

  beforeAll(async () => {
    // The seed's sandbox clock must stand well behind the system clock the children run on.
    if (Date.now() < Date.parse(T0) + 60 * DAY_MS) throw new Error('T0 must lie at least 60 days before the system clock');
    app = await createTestApp({ kind: 'postgres' });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wss-mp-'));
  }, 120_000);

  afterAll(async () => {
    for (const p of procs) if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
    await app?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('when two servers and two workers share one database under load, then every acknowledged event is stored once, every timer fires once, every e-mail is sent once, and verify passes', async () => {
    const x = api(app);
    const { db } = app.deps;

    // --- seed, in this process, on the sandbox clock at T0 ---
    const began = performance.now();
    const ms: Record<string, number> = {};
    const lap = (name: string) => {
      ms[name] = Math.round(performance.now() - began - Object.values(ms).reduce((a, b) => a + b, 0));
    };
    const timed: string[] = [];
    for (let i = 0; i < TIMED; i++) {
      const p = await x.create(U.c1, goodsProject({ title: `定时项目 ${i}` }));
      await x.ok(U.c1, p.id, 'SUBMIT');
      await x.ok(U.c2, p.id, 'SCREEN_PASS', { checklist: GOOD_CHECKLIST });
      const n = await x.ok(U.c1, p.id, 'RECORD_DELIBERATION', { ...DELIBERATION_OK, heldOn: shanghaiDay(app) });
      expect(n.state).toBe('public_notice');
      timed.push(p.id);
    }
    const drafts: string[] = [];
    for (let i = 0; i < FLOWS; i++) drafts.push((await x.create(U.c1, goodsProject({ title: `负载项目 ${i}` }))).id);
    const spread: string[] = [];
    for (let i = 0; i < SPREAD; i++) spread.push((await x.create(U.c2, goodsProject({ title: `评论项目 ${i}` }))).id);
    const dueTimers = await db('timers').where('status', 'pending').andWhere('due_at', '<=', new Date().toISOString()).count<{ n: string }[]>({ n: '*' });
    expect(Number(dueTimers[0]!.n)).toBeGreaterThanOrEqual(TIMED);
    const mailsBefore = Number((await db('outbox').count<{ n: string }[]>({ n: '*' }))[0]!.n);
    expect(mailsBefore).toBeGreaterThan(0);
    // Tokens expire on wall time and live in the database: any server accepts them.
    const tokens: Record<string, string> = { [U.c1]: await app.token(U.c1), [U.c2]: await app.token(U.c2) };

    lap('seed');

    // --- the SMTP sink ---
    const smtpPort = await freePort();
    smtp = new SMTPServer({
      authOptional: true, disabledCommands: ['STARTTLS'], logger: false,
      onData(stream, _session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const id = messageIdOf(Buffer.concat(chunks));
          received.push(id ?? '(no Message-ID)');
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp!.listen(smtpPort, '127.0.0.1', () => resolve()));

    // --- the processes ---
    const url = new URL(PG!);
    url.searchParams.set('schema', (app.t.cfg as { schema: string }).schema);
    const env = {
      NODE_ENV: 'test', DATABASE_URL: url.toString(), DEMO: '0', CLOCK: 'system', HOST: '127.0.0.1',
      SESSION_SECRET: 'multi-process-test-session-secret-0123456789', DATA_DIR: dataDir, TRUST_PROXY: 'false',
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, WORKER_POLL_MS: '50', LOG_LEVEL: 'warn', BASE_URL: 'http://weishishi.test',
    };
    const ports = [await freePort(), await freePort()];
    const servers = ports.map((port, i) => startCli(`serve ${i + 1}`, ['serve', '--no-workers'], { ...env, PORT: String(port) }));
    procs.push(...servers);
    const bases = ports.map((p) => `http://127.0.0.1:${p}`);
    await waitUntil('both servers', async () => {
      const ok = await Promise.all(bases.map((b) => fetch(`${b}/healthz`).then((r) => r.ok, () => false)));
      return ok.every(Boolean);
    }, procs, 60_000);
    lap('servers up');

    async function send(base: string, email: string, id: string, body: Record<string, unknown>, key: string) {
      const res = await fetch(`${base}/api/v1/projects/${id}/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[email]}`, 'idempotency-key': key },
        body: JSON.stringify(body),
      });
      const json = (await res.json()) as { project?: { state: string; version: number } };
      return { status: res.status, json };
    }

    const rnd = prng(SEED);
    const targets = [...timed, ...drafts, ...spread];
    const acked = new Map<string, { id: string; text: string }>();
    const refused: string[] = [];
    let n = 0;
    async function comment(base: string, among = targets) {
      const key = `mp-${n++}`;
      const id = among[Math.floor(rnd() * among.length)]!;
      const text = `负载评论 ${key}`;
      const email = rnd() < 0.5 ? U.c1 : U.c2;
      const r = await send(base, email, id, { type: 'COMMENT', text }, key);
      if (r.status === 200) acked.set(key, { id, text });
      else {
        refused.push(`${key} by ${email} through ${base} → ${r.status} ${JSON.stringify(r.json)}`);
        // A 401 was once seen in a full CI run and not understood: say at once what the database holds.
        if (r.status === 401 && refused.length === 1) refused.push(`api_tokens then: ${JSON.stringify(await db('api_tokens').select('user_id', 'created_at', 'expires_at'))}, now ${new Date().toISOString()}`);
      }
    }

    // --- phase 0: the workers start, and COMMENTs go through both servers, many of them to the
    // projects whose timers are due, until the workers are up and have fired every due timer ---
    const workers = [1, 2].map((i) => startCli(`worker ${i}`, ['worker'], { ...env, LOG_LEVEL: 'info' }));
    procs.push(...workers);
    const workersUp = () => workers.every((w) => w.lines.some((l) => l.includes('weishishi workers running')));
    let racing = true;
    const raced = (async () => {
      await waitUntil('the workers to fire the due timers', async () => {
        if (!workersUp()) return false;
        const [tm] = await db('timers').where('status', 'pending').andWhere('due_at', '<=', new Date().toISOString()).count<{ n: string }[]>({ n: '*' });
        return Number(tm!.n) === 0;
      }, procs, 60_000);
      racing = false;
    })();
    let i0 = 0;
    await Promise.all([
      raced,
      pool(CONCURRENCY, CONCURRENCY, async () => {
        while (racing) await comment(bases[i0++ % 2]!, timed);
      }),
    ]);
    const racedComments = i0;
    lap('workers up, timers fired');

    // --- phase 1: COMMENTs through one server; phase 2: the same through both ---
    let t = performance.now();
    await pool(COMMENTS, CONCURRENCY, () => comment(bases[0]!));
    const oneRps = COMMENTS / ((performance.now() - t) / 1000);
    t = performance.now();
    await pool(COMMENTS, CONCURRENCY, (i) => comment(bases[i % 2]!));
    const twoRps = COMMENTS / ((performance.now() - t) / 1000);
    lap('one and two servers');

    // --- phase 3: real transitions, alternating servers, with COMMENTs and same-key twins alongside ---
    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const steps: Array<[string, Record<string, unknown>]> = [
      [U.c1, { type: 'SUBMIT' }],
      [U.c2, { type: 'SCREEN_PASS', checklist: GOOD_CHECKLIST }],
      [U.c1, { type: 'RECORD_DELIBERATION', ...DELIBERATION_OK, heldOn: today }],
    ];
    const transitions: Array<{ id: string; type: string; status: number; body: unknown }> = [];
    const twinResults: Array<{ key: string; statuses: number[]; versions: Array<number | undefined> }> = [];
    await Promise.all([
      pool(FLOWS, FLOWS, async (f) => {
        for (const [s, [email, body]] of steps.entries()) {
          const r = await send(bases[(f + s) % 2]!, email, drafts[f]!, body, `flow-${f}-${s}`);
          transitions.push({ id: drafts[f]!, type: String(body.type), status: r.status, body: r.json });
        }
      }),
      pool(COMMENTS / 2, CONCURRENCY / 2, (i) => comment(bases[i % 2]!)),
      pool(TWINS, 4, async (i) => {
        const key = `twin-${i}`;
        const id = timed[i % timed.length]!;
        const text = `同时重发 ${key}`;
        const rs = await Promise.all(bases.map((b) => send(b, U.c1, id, { type: 'COMMENT', text }, key)));
        twinResults.push({ key, statuses: rs.map((r) => r.status), versions: rs.map((r) => r.json.project?.version) });
        if (rs.some((r) => r.status === 200)) acked.set(key, { id, text });
      }),
    ]);

    expect(refused, 'COMMENTs refused').toEqual([]);
    expect(transitions.filter((tr) => tr.status !== 200), 'transitions refused').toEqual([]);
    // Both copies of a twin are answered 200 with the same answer (the second is the first's replay).
    for (const tw of twinResults) {
      expect(tw.statuses, tw.key).toEqual([200, 200]);
      expect(tw.versions[0], tw.key).toBe(tw.versions[1]);
    }

    lap('transitions');

    // --- wait for the workers: no due timer left, no e-mail waiting, every e-mail arrived ---
    const now = () => new Date().toISOString();
    await waitUntil('the workers to drain', async () => {
      const [tm] = await db('timers').where('status', 'pending').andWhere('due_at', '<=', now()).count<{ n: string }[]>({ n: '*' });
      const [ob] = await db('outbox').whereIn('status', ['pending', 'sending']).count<{ n: string }[]>({ n: '*' });
      const [all] = await db('outbox').count<{ n: string }[]>({ n: '*' });
      return Number(tm!.n) === 0 && Number(ob!.n) === 0 && received.length >= Number(all!.n);
    }, procs, 30_000);
    // A little longer, so that a duplicate delivery would have time to show.
    await new Promise((r) => setTimeout(r, 300));

    lap('e-mails drained');

    // Graceful stop: each process finishes its pass and exits 0.
    for (const p of procs) p.proc.kill('SIGTERM');
    const exits = await Promise.all(procs.map((p) => p.exited));
    expect(exits.map((e, i) => `${procs[i]!.name}: ${e.code}`)).toEqual(procs.map((p) => `${p.name}: 0`));

    lap('stopped');

    // --- every acknowledged event once ---
    const history = await db('workflow_history').select('instance_id', 'seq', 'type', 'payload', 'actor');
    const comments = new Map<string, number>();
    for (const h of history.filter((r) => r.type === 'COMMENT')) {
      const text = parseJson<{ text: string }>(h.payload).text;
      comments.set(`${h.instance_id} ${text}`, (comments.get(`${h.instance_id} ${text}`) ?? 0) + 1);
    }
    const missingOrTwice = [...acked.values()].filter((a) => comments.get(`${a.id} ${a.text}`) !== 1);
    expect(missingOrTwice, 'acknowledged COMMENTs not stored exactly once').toEqual([]);
    expect([...comments.values()].reduce((s, c) => s + c, 0), 'COMMENT rows').toBe(acked.size);
    expect(acked.size).toBe(racedComments + COMMENTS * 2 + COMMENTS / 2 + TWINS);
    for (const id of drafts) {
      const types = history.filter((h) => h.instance_id === id).map((h) => h.type);
      for (const [, body] of steps) expect(types.filter((ty) => ty === body.type), `${id} ${String(body.type)}`).toHaveLength(1);
    }

    // --- every timer fired once: the due ones fired, none failed or was skipped, and each fired
    // timer has exactly one history row of its event by the system actor ---
    const timers = await db('timers').select('instance_id', 'event', 'status', 'due_at', 'attempts');
    expect(timers.filter((r) => r.status === 'failed' || r.status === 'skipped')).toEqual([]);
    expect(timers.filter((r) => r.status === 'pending' && r.due_at <= now())).toEqual([]);
    const firedTimers = timers.filter((r) => r.status === 'fired');
    expect(firedTimers.length).toBeGreaterThanOrEqual(TIMED);
    const key = (id: string, type: string) => `${id} ${type}`;
    const firedBy = new Map<string, number>();
    for (const r of firedTimers) {
      const k = key(r.instance_id, parseJson<{ type: string }>(r.event).type);
      firedBy.set(k, (firedBy.get(k) ?? 0) + 1);
    }
    const timerTypes = new Set(timers.map((r) => parseJson<{ type: string }>(r.event).type));
    const systemRows = new Map<string, number>();
    for (const h of history) {
      if (!timerTypes.has(h.type) || parseJson<{ id: string }>(h.actor).id !== 'system') continue;
      systemRows.set(key(h.instance_id, h.type), (systemRows.get(key(h.instance_id, h.type)) ?? 0) + 1);
    }
    expect(Object.fromEntries(systemRows)).toEqual(Object.fromEntries(firedBy));
    for (const id of timed) expect(firedBy.get(key(id, 'NOTICE_ENDED')), id).toBe(1);

    // --- every e-mail sent once: claimed once, marked sent, and received once by Message-ID ---
    const outbox = await db('outbox').select('id', 'message_id', 'status', 'attempts');
    expect(outbox.length).toBeGreaterThan(mailsBefore);
    expect(outbox.filter((r) => r.status !== 'sent' || Number(r.attempts) !== 1)).toEqual([]);
    const counts = new Map<string, number>();
    for (const id of received) counts.set(id, (counts.get(id) ?? 0) + 1);
    expect([...counts].filter(([, c]) => c !== 1), 'messages received more than once').toEqual([]);
    expect([...counts.keys()].sort()).toEqual(outbox.map((r) => r.message_id as string).sort());

    // --- verify ---
    const report = await verifyAll(app.deps.engine, db);
    expect(report.problems).toEqual([]);
    expect(await app.deps.services.ledger.audit()).toEqual([]);
    expect(await auditProjectLedgers(db)).toEqual([]);

    lap('checks');

    // Who did the work (from the workers' logs): information.
    const work = workers.map((w) => {
      let fired = 0;
      let sent = 0;
      for (const line of w.lines) {
        if (!line.startsWith('{')) continue;
        const l = JSON.parse(line) as { msg?: string; fired?: number; sent?: number };
        if (l.msg === 'timers fired') fired += l.fired ?? 0;
        if (l.msg === 'outbox pass') sent += l.sent ?? 0;
      }
      return `${w.name}: ${fired} timers, ${sent} e-mails`;
    });
    process.stdout.write(
      `multi-process on postgres: COMMENT ${oneRps.toFixed(0)} req/s through one server, ${twoRps.toFixed(0)} req/s through two (concurrency ${CONCURRENCY}); ` +
      `${acked.size} COMMENTs (${racedComments} while the timers fired), ${transitions.length} transitions, ${firedTimers.length} timers, ${outbox.length} e-mails; ${work.join('; ')}; ${report.checked} instances verified; ms: ${JSON.stringify(ms)}\n`,
    );
  }, 180_000);
});
