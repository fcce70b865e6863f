// The victim of crash.test.ts: applies a seeded stream of toy events to a database until it is
// killed, printing `ACK <instanceId> <seq> <type>` after each send has committed. Three lanes send
// concurrently, so a SIGKILL can land inside several transactions at once.
//   CRASH_DB    JSON DatabaseConfig (the parent has migrated it)
//   CRASH_SEED  integer; each restart gets a new one, so the stream continues with new events
//   CRASH_MAX_INSTANCES  how many instances to spread events over (default 8)
import type { DatabaseConfig } from '../../src/config.js';
import { AppError } from '../../src/errors.js';
import { ManualClock } from '../../src/lib/clock.js';
import { createDb } from '../../src/lib/db.js';
import { toyEngine } from '../support/engine.js';
import { USER } from '../support/toy-workflow.js';
import { prng } from './child.js';

const cfg = JSON.parse(process.env.CRASH_DB!) as DatabaseConfig;
const seed = Number(process.env.CRASH_SEED ?? 1);
const maxInstances = Number(process.env.CRASH_MAX_INSTANCES ?? 8);
const rnd = prng(seed);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const out = (line: string) => process.stdout.write(`${line}\n`);

const db = createDb(cfg);
// Engine time continues from where the last run stopped (1 s per event), whatever the wall clock says.
const last = await db('workflow_instances').max<{ m: string | null }[]>({ m: 'updated_at' });
const clock = new ManualClock(last[0]?.m ? Date.parse(last[0].m) + 1000 : Date.UTC(2026, 2, 2, 1, 0, 0));
const { engine } = toyEngine(db, clock);

const states = new Map<string, string>();
for (const r of await db('workflow_instances').select('id', 'state')) states.set(r.id, r.state);
let created = 0;
const busy = new Set<string>();

async function step(): Promise<void> {
  clock.advance(1000);
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
