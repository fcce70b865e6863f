// SIGKILL mid-load at seeded random moments: whatever was acknowledged survives, the history still
// verifies, and no effect (outbox row, timer) is lost or duplicated by a transaction cut in half.
// Replay a failure with CRASH_SEED=<seed>; CRASH_KILLS sets the number of kills per database (default 12; `npm run test:long`: 48).
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAll } from '../../src/engine/verify.js';
import type { Db } from '../../src/lib/db.js';
import { STORAGE_KINDS, createTestDb, type TestDb } from '../support/db.js';
import { toyEngine } from '../support/engine.js';
import { REPO_ROOT, prng, spawnTs } from './child.js';

const CRASH_CHILD = path.join(REPO_ROOT, 'tests/reliability/crash-child.ts');
const SEED = Number(process.env.CRASH_SEED ?? 20260105);
const KILLS = Number(process.env.CRASH_KILLS ?? 12);
const MAX_ACKS_BEFORE_KILL = 40;

describe.each(STORAGE_KINDS)('crash recovery on %s', (kind) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb(kind);
  });
  afterAll(async () => {
    await t.cleanup();
  });

  /**
   * Everything the database must satisfy after any crash, given what the children acknowledged.
   * Read in one snapshot: on PostgreSQL the killed child's last COMMIT may still be landing on the
   * server after the child is gone, and separate reads could straddle it.
   */
  async function checkInvariants(acked: string[], after: string) {
    return t.db.transaction((trx) => checkIn(trx as unknown as Db, acked, after), kind === 'postgres' ? { isolationLevel: 'repeatable read' } : {});
  }

  async function checkIn(db: Db, acked: string[], after: string) {
    const { engine } = toyEngine(db);
    const history = await db('workflow_history').select('instance_id', 'seq', 'type').orderBy([{ column: 'instance_id' }, { column: 'seq' }]);
    const stored = new Set(history.map((h) => `${h.instance_id} ${h.seq} ${h.type}`));
    expect(acked.filter((a) => !stored.has(a)), `acknowledged but lost, ${after}`).toEqual([]);

    const report = await verifyAll(engine, db);
    expect(report.problems, after).toEqual([]);

    const byInstance = new Map<string, { mails: number; submits: number; withdraws: number; lastGate?: string }>();
    for (const h of history) {
      const s = byInstance.get(h.instance_id) ?? { mails: 0, submits: 0, withdraws: 0 };
      if (h.type === 'MAIL') s.mails++;
      if (h.type === 'SUBMIT') s.submits++;
      if (h.type === 'WITHDRAW') s.withdraws++;
      if (h.type === 'SUBMIT' || h.type === 'WITHDRAW') s.lastGate = h.type;
      byInstance.set(h.instance_id, s);
    }
    const outbox = new Map<string, number>();
    for (const r of await db('outbox').select('instance_id')) outbox.set(r.instance_id, (outbox.get(r.instance_id) ?? 0) + 1);
    const timers = new Map<string, { pending: number; cancelled: number; total: number }>();
    for (const r of await db('timers').select('instance_id', 'status')) {
      const s = timers.get(r.instance_id) ?? { pending: 0, cancelled: 0, total: 0 };
      s.total++;
      if (r.status === 'pending') s.pending++;
      if (r.status === 'cancelled') s.cancelled++;
      timers.set(r.instance_id, s);
    }
    for (const id of outbox.keys()) expect(byInstance.has(id), `outbox row of an unknown instance ${id}`).toBe(true);
    for (const id of timers.keys()) expect(byInstance.has(id), `timer of an unknown instance ${id}`).toBe(true);
    for (const [id, h] of byInstance) {
      const tm = timers.get(id) ?? { pending: 0, cancelled: 0, total: 0 };
      const expected = {
        outbox: h.mails,
        pending: h.lastGate === 'SUBMIT' ? 1 : 0,
        cancelled: h.withdraws,
        total: h.submits,
      };
      expect({ outbox: outbox.get(id) ?? 0, pending: tm.pending, cancelled: tm.cancelled, total: tm.total }, `instance ${id}, ${after}`).toEqual(expected);
    }
    return { instances: report.checked, events: report.events };
  }

  it(`when the writer is SIGKILLed ${KILLS} times at seeded random moments, then nothing acknowledged is lost and every invariant holds`, async () => {
    const rnd = prng(SEED);
    const acked: string[] = [];
    let events = 0;
    for (let k = 0; k < KILLS; k++) {
      const killAfter = 1 + Math.floor(rnd() * MAX_ACKS_BEFORE_KILL);
      const runSeed = SEED * 100 + k;
      const child = spawnTs(CRASH_CHILD, { CRASH_DB: JSON.stringify(t.cfg), CRASH_SEED: String(runSeed) });
      let n = 0;
      child.onLine((line) => {
        if (!line.startsWith('ACK ')) return;
        acked.push(line.slice('ACK '.length));
        if (++n === killAfter) child.proc.kill('SIGKILL');
      });
      const exit = await child.exited;
      expect(exit.signal, `run ${k} (seed ${runSeed}) ended by itself:\n${child.stderr().slice(-3000)}`).toBe('SIGKILL');
      expect(n).toBeGreaterThanOrEqual(killAfter);
      events = (await checkInvariants(acked, `after kill ${k + 1} (seed ${runSeed}, ${n} acks)`)).events;
    }
    // The load was real: many events, of every kind, over several instances.
    const types = new Set(acked.map((a) => a.split(' ')[2]));
    expect([...types].sort()).toEqual(['$start', 'BUMP', 'MAIL', 'SUBMIT', 'WITHDRAW']);
    expect(events).toBeGreaterThanOrEqual(acked.length);
  }, 300_000);
});
