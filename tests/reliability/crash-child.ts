// The victim of crash.test.ts: applies a seeded stream of toy events and of `need` workflow events
// (recorded, referred to the street, resolved, declined, commented, the resident informed: through
// the need service, as the app does) to a database until it is killed, printing
// `ACK <instanceId> <seq> <type>` after each send has committed. Three lanes send concurrently, so a
// SIGKILL can land inside several transactions at once, of either workflow.
//   CRASH_DB    JSON DatabaseConfig (the parent has migrated it and seeded the demo district)
//   CRASH_SEED  integer; each restart gets a new one, so the stream continues with new events
//   CRASH_MAX_INSTANCES  how many toy instances to spread events over (default 8)
//   CRASH_MAX_NEEDS  how many needs to keep open for events (default 4)
import type { User } from '../../src/auth/users.js';
import { loadConfig, type DatabaseConfig } from '../../src/config.js';
import { createDeps } from '../../src/deps.js';
import { AppError } from '../../src/errors.js';
import { ManualClock } from '../../src/lib/clock.js';
import { createDb } from '../../src/lib/db.js';
import { createLogger } from '../../src/lib/logger.js';
import { NEED_TYPES } from '../../workflows/need/index.js';
import { toyEngine } from '../support/engine.js';
import { USER } from '../support/toy-workflow.js';
import { prng } from './child.js';

const cfg = JSON.parse(process.env.CRASH_DB!) as DatabaseConfig;
const seed = Number(process.env.CRASH_SEED ?? 1);
const maxInstances = Number(process.env.CRASH_MAX_INSTANCES ?? 8);
const maxNeeds = Number(process.env.CRASH_MAX_NEEDS ?? 4);
const rnd = prng(seed);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const out = (line: string) => process.stdout.write(`${line}\n`);

const db = createDb(cfg);
// Engine time continues from where the last run stopped (1 s per event), whatever the wall clock says.
const last = await db('workflow_instances').max<{ m: string | null }[]>({ m: 'updated_at' });
const clock = new ManualClock(last[0]?.m ? Date.parse(last[0].m) + 1000 : Date.UTC(2026, 2, 2, 1, 0, 0));
const { engine } = toyEngine(db, clock);
// The app's own services on the same database and clock, for the needs.
const deps = await createDeps(loadConfig({ NODE_ENV: 'test', CLOCK: 'manual', LOG_LEVEL: 'silent', DATA_DIR: '/tmp/wss-test-data' }), { db, clock, logger: createLogger('silent') });
const userOf = async (email: string): Promise<User> => deps.services.users.get((await deps.services.users.findByEmail(email))!.id);
const [c1, street] = await Promise.all([userOf('community1@example.org'), userOf('street@example.org')]);

const states = new Map<string, string>();
for (const r of await db('workflow_instances').where({ workflow: 'toy' }).select('id', 'state')) states.set(r.id, r.state);
/** The needs still taking events (an outcome state takes only INFORM_RESIDENT and COMMENT: kept a while). */
const needs = new Map<string, string>();
for (const r of await db('needs').whereNull('informed_at').select('id', 'state')) needs.set(r.id, r.state);
let created = 0;
const busy = new Set<string>();

/** One need event: a new need, or the next step of one, by whoever may take it (now and then someone who may not). */
async function needStep(): Promise<void> {
  if (needs.size === 0 || (needs.size < maxNeeds && rnd() < 0.2)) {
    const n = (await deps.services.needs.create(c1, { source: pick(['call', 'visit']), type: pick(NEED_TYPES), description: `crash ${seed}-${created++}` })) as { id: string };
    needs.set(n.id, 'received');
    out(`ACK ${n.id} 1 $start`);
    return;
  }
  const free = [...needs.keys()].filter((id) => !busy.has(id));
  if (free.length === 0) {
    await new Promise((resolve) => setImmediate(resolve));
    return;
  }
  const id = pick(free);
  const state = needs.get(id)!;
  const dice = rnd();
  let by: User = c1;
  let event: { type: string } & Record<string, unknown>;
  if (dice < 0.05) {
    // refused (nothing written, never acknowledged): the street before a referral, or a second outcome
    event = { type: 'RESOLVE', resolution: 'x' };
    by = state === 'referred' ? c1 : street;
  } else if (dice < 0.35) {
    event = { type: 'COMMENT', text: `note ${Math.floor(rnd() * 1000)}` };
    by = state === 'referred' && rnd() < 0.5 ? street : c1;
  } else if (state === 'received') {
    event = dice < 0.7 ? { type: 'REFER', to: 'street', note: 'crash' } : dice < 0.9 ? { type: 'RESOLVE', resolution: 'done' } : { type: 'DECLINE', reason: 'no' };
  } else if (state === 'referred') {
    event = { type: 'RESOLVE', resolution: 'street did it' };
    by = street;
  } else {
    event = { type: 'INFORM_RESIDENT', note: 'told' };
  }
  busy.add(id);
  try {
    const r = await deps.services.needs.send(by, id, event);
    out(`ACK ${id} ${r.seq} ${event.type}`);
    // an outcome reached: informed once, then retired, so new needs keep coming
    if (event.type === 'INFORM_RESIDENT') needs.delete(id);
    else needs.set(id, r.state);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
  } finally {
    busy.delete(id);
  }
}

async function step(): Promise<void> {
  clock.advance(1000);
  if (rnd() < 0.35) return needStep();
  if (states.size === 0 || (states.size < maxInstances && rnd() < 0.15)) {
    const id = `s${seed}-${created++}`;
    states.set(id, 'open');
    busy.add(id);
    try {
      const r = await engine.start('toy', { title: `crash ${id}`, reviewDays: 1 + Math.floor(rnd() * 3) }, { actor: USER, id });
      out(`ACK ${id} ${r.seq} $start`);
    } finally {
      busy.delete(id);
    }
    return;
  }
  const free = [...states.keys()].filter((id) => !busy.has(id));
  if (free.length === 0) {
    await new Promise((resolve) => setImmediate(resolve)); // let the busy lanes' I/O finish
    return;
  }
  const id = pick(free);
  const state = states.get(id)!;
  let event: { type: string } & Record<string, unknown>;
  const dice = rnd();
  if (dice < 0.05) {
    // Refused (nothing may be written) or rolled back by its effect (FAIL): never acknowledged.
    event = pick([{ type: 'FAIL' }, { type: 'APPROVE' }, { type: 'BUMP', by: 99 }, { type: state === 'open' ? 'WITHDRAW' : 'SUBMIT' }]);
  } else if (state === 'open') {
    event = dice < 0.5 ? { type: 'BUMP', by: 1 + Math.floor(rnd() * 10) } : dice < 0.75 ? { type: 'MAIL', to: `r${Math.floor(rnd() * 100)}@example.org` } : { type: 'SUBMIT' };
  } else {
    event = { type: 'WITHDRAW' };
  }
  busy.add(id);
  try {
    const r = await engine.send(id, event, { actor: USER });
    states.set(id, r.state);
    out(`ACK ${id} ${r.seq} ${event.type}`);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
  } finally {
    busy.delete(id);
  }
}

async function lane(): Promise<never> {
  for (;;) await step();
}

out('READY');
await Promise.all([lane(), lane(), lane()]);
