// A vendor's status (active | suspended) as an instance of the `vendor` workflow (issue 14, item 2):
// the district suspends and reinstates through the engine, so each change is a transition with a
// hash-chained history that `verify` replays; the definition's `project` hook keeps vendors.status
// (which INVITE's VENDOR_SUSPENDED refusal reads) in step in the same transaction.
//
// Every vendor gets its instance (id `vendor:<vendorId>`), started with the status its row holds:
// - when an admin creates a vendor (the admin route calls `ensure` right after);
// - lazily, in the transaction of the first SUSPEND or REINSTATE (vendors created by the demo
//   generators, tests, or any path that writes the row only);
// - at startup, `ensureAll` backfills every vendor without one (existing data, after migrations).
// `ensure` locks the vendor's row first (PostgreSQL; SQLite transactions hold the write lock), so two
// concurrent first changes start one instance. Until its instance exists a vendor's status is its row's.
import type { Db, Queryable, Trx } from '../lib/db.js';
import { inTransaction } from '../lib/db.js';
import { NotFoundError } from '../errors.js';
import type { Engine } from '../engine/engine.js';
import { SYSTEM_ACTOR, type Actor as EngineActor, type TransitionInfo, type WorkflowDefinition } from '../engine/types.js';
import { toActor, type User } from '../auth/users.js';
import { parseJson } from '../lib/db.js';
import {
  authorize, refusalReasons, statusOf, vendorInstanceId, vendorWorkflow, VENDOR_WORKFLOW, type Actor, type Reason, type VendorContext, type VendorEvent, type VendorSnapshot, type VendorStatus,
} from '../../workflows/vendor/index.js';

interface VendorTypes {
  snapshot: VendorSnapshot;
  event: VendorEvent;
  actor: Actor;
  env: unknown;
}

/** The read model: vendors.status follows the instance's state, in the transition's transaction. */
async function syncVendorStatus(trx: Trx, info: TransitionInfo): Promise<void> {
  const ctx = info.snapshot.context as VendorContext;
  await trx('vendors').where({ id: ctx.vendorId }).update({ status: statusOf(info.snapshot) });
}

export function vendorDefinition(): WorkflowDefinition<VendorTypes> {
  const wf = vendorWorkflow;
  return {
    name: wf.name, version: wf.version, machine: wf.machine, eventTypes: wf.eventTypes,
    validate: wf.validate, authorize: wf.authorize, refusalReasons: wf.refusalReasons,
    project: syncVendorStatus,
  };
}

/** One status change as the vendor pages show it. */
export interface StatusChange {
  seq: number;
  type: 'SUSPEND' | 'REINSTATE';
  reason: string;
  comment: string | null;
  at: string;
  actorId: string;
  from: string | null;
  to: string;
}

export function createVendorStatusService(deps: { db: Db; engine: Engine }) {
  const { db, engine } = deps;

  /** Starts the vendor's instance unless it has one (in `trx`, under the vendor row's lock). */
  async function ensureIn(trx: Trx, vendorId: string, actor: EngineActor = SYSTEM_ACTOR): Promise<void> {
    const row = await trx('vendors').where({ id: vendorId }).forUpdate().first('id', 'status');
    if (!row) throw new NotFoundError(`vendor ${vendorId} not found`);
    const id = vendorInstanceId(vendorId);
    if (await trx('workflow_instances').where({ id }).first('id')) return;
    const status: VendorStatus = row.status === 'suspended' ? 'suspended' : 'active';
    await engine.start(VENDOR_WORKFLOW, { vendorId, status }, { actor, id, trx });
  }

  const ensure = (vendorId: string, actor?: EngineActor, trx?: Trx) => inTransaction(db, trx, (t) => ensureIn(t, vendorId, actor));

  /**
   * Starts an instance for every vendor without one (startup backfill), in pages by id. Returns how
   * many it started; a vendor it could not start (removed meanwhile) is left for the lazy path.
   */
  async function ensureAll(): Promise<number> {
    let n = 0;
    for (let after = ''; ;) {
      const missing = (await db('vendors').leftJoin('workflow_instances', 'workflow_instances.id', db.raw('? || vendors.id', ['vendor:']))
        .whereNull('workflow_instances.id').andWhere('vendors.id', '>', after).orderBy('vendors.id').limit(200).pluck('vendors.id')) as string[];
      if (missing.length === 0) return n;
      for (const id of missing) {
        try {
          await ensure(id);
          n++;
        } catch (err) {
          if (!(err instanceof NotFoundError)) throw err;
        }
      }
      after = missing.at(-1)!;
    }
  }

  /** SUSPEND or REINSTATE by this user (the engine authorizes, validates and refuses). */
  async function change(user: User, vendorId: string, input: { type: string } & Record<string, unknown>) {
    return db.transaction(async (trx) => {
      await ensureIn(trx, vendorId);
      return engine.send(vendorInstanceId(vendorId), input, { actor: toActor(user), trx });
    });
  }

  /** The status changes of a vendor, oldest first (none before its instance exists). */
  async function changes(vendorId: string, q: Queryable = db): Promise<StatusChange[]> {
    const rows = await q('workflow_history').where({ instance_id: vendorInstanceId(vendorId) }).whereIn('type', ['SUSPEND', 'REINSTATE']).orderBy('seq');
    return rows.map((r: Record<string, unknown>) => {
      const p = parseJson<Record<string, unknown>>(r.payload);
      return {
        seq: Number(r.seq), type: r.type as StatusChange['type'], reason: String(p.reason ?? ''), comment: typeof p.comment === 'string' && p.comment ? p.comment : null,
        at: r.at as string, actorId: String(parseJson<{ id?: string }>(r.actor).id ?? ''), from: (r.from_state as string | null) ?? null, to: r.to_state as string,
      };
    });
  }

  /**
   * What this user may send now, and why not: the workflow's own rule functions (authorize,
   * refusalReasons) on the status, which vendors.status holds in step with the instance.
   */
  async function allowed(user: User, vendorId: string): Promise<Array<{ type: 'SUSPEND' | 'REINSTATE'; allowed: boolean; reasons: Reason[] }>> {
    const row = await db('vendors').where({ id: vendorId }).first('status');
    if (!row) throw new NotFoundError(`vendor ${vendorId} not found`);
    const snapshot = { value: row.status === 'suspended' ? 'suspended' : 'active' };
    return (['SUSPEND', 'REINSTATE'] as const).map((type) => {
      const refused = refusalReasons(snapshot as VendorSnapshot, { type });
      const reasons = refused.length ? refused : authorize(snapshot as VendorSnapshot, { type }, toActor(user));
      return { type, allowed: reasons.length === 0, reasons };
    });
  }

  return { ensure, ensureAll, change, changes, allowed };
}

export type VendorStatusService = ReturnType<typeof createVendorStatusService>;

/** Vendors whose status column is not their instance's state (should be none: the `project` hook writes it). */
export async function auditVendorStatus(db: Queryable): Promise<Array<{ vendorId: string; status: string; state: string }>> {
  const rows = await db('vendors').join('workflow_instances', 'workflow_instances.id', db.raw("? || vendors.id", ['vendor:']))
    .whereRaw('vendors.status <> workflow_instances.state').select('vendors.id', 'vendors.status', 'workflow_instances.state');
  return rows.map((r: Record<string, unknown>) => ({ vendorId: String(r.id), status: String(r.status), state: String(r.state) }));
}
