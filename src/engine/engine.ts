// The durable runtime. One transition = one transaction: lock, check, transition, effects,
// timers, history, snapshot, read model, idempotency record. See ARCHITECTURE §3 and README.md here.
import { randomUUID } from 'node:crypto';
import { initialTransition, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import {
  EventNotAllowedError,
  ForbiddenError,
  InvalidError,
  NotFoundError,
  VersionConflictError,
  WorkflowVersionError,
  type Reason,
} from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { Db, Queryable, Trx } from '../lib/db.js';
import { appendRows, appendStatement, gatherAppends, inTransaction, takeAppends, writeTogether } from '../lib/db.js';
import { GENESIS_HASH, HASH_SCHEME, bodyHash, digestFields, rowHashV2, versionField } from './hash.js';
import { dehydrate } from './parts.js';
import { handledEvents, persistedJson, pureTransition, restore, stateName } from './snapshot.js';
import * as store from './store.js';
import type {
  Actor,
  EffectHandler,
  ExplainedEvent,
  InstanceRow,
  SendOptions,
  SendResult,
  StampedEvent,
  WorkflowDefinition,
} from './types.js';

export const START_EVENT = '$start';

export interface EngineDeps {
  db: Db;
  clock: Clock;
  workflows: WorkflowDefinition[];
  effects?: Record<string, EffectHandler>;
  /**
   * Builds what `enrich` hooks need (the working-day calendar, the records an event names …), inside
   * the transaction, for the stamped event about to be enriched.
   */
  /** `snapshot`: the instance as the event finds it (what the caller would otherwise read again) */
  enrichEnv?: (trx: Trx, event: StampedEvent, instanceId: string, snapshot: AnyMachineSnapshot) => Promise<unknown>;
  newId?: () => string;
}

interface ExecutableAction {
  type: string;
  params?: Record<string, unknown>;
}

export type Engine = ReturnType<typeof createEngine>;

export function createEngine(deps: EngineDeps) {
  const { db, clock } = deps;
  const effects = deps.effects ?? {};
  const newId = deps.newId ?? randomUUID;
  const byKey = new Map<string, WorkflowDefinition>();
  const latest = new Map<string, WorkflowDefinition>();
  for (const wf of deps.workflows) {
    byKey.set(`${wf.name}@${wf.version}`, wf);
    // older versions only replay the histories they wrote (verify)
    for (const old of wf.olderVersions ?? []) if (!byKey.has(`${old.name}@${old.version}`)) byKey.set(`${old.name}@${old.version}`, old);
    const cur = latest.get(wf.name);
    if (!cur || cur.version < wf.version) latest.set(wf.name, wf);
  }

  function definition(name: string, version?: number): WorkflowDefinition {
    const wf = version === undefined ? latest.get(name) : byKey.get(`${name}@${version}`);
    if (!wf) throw new NotFoundError(`workflow ${name}${version === undefined ? '' : `@${version}`} is not registered`);
    return wf;
  }

  /** The definition to run an instance with, and its snapshot, migrated to that definition's version. */
  function load(instance: InstanceRow): { wf: WorkflowDefinition; snapshot: AnyMachineSnapshot } {
    const current = definition(instance.workflow);
    if (current.version === instance.workflowVersion) {
      return { wf: current, snapshot: restore(current.machine, instance.snapshot) };
    }
    const migrated = current.migrateSnapshot?.(instance.workflowVersion, instance.snapshot);
    if (migrated !== undefined) return { wf: current, snapshot: restore(current.machine, migrated) };
    throw new WorkflowVersionError(
      `instance ${instance.id} was stored by ${instance.workflow}@${instance.workflowVersion}; ` +
        `${current.name}@${current.version} has no migration for it`,
    );
  }

  async function carryOut(
    trx: Trx,
    wf: WorkflowDefinition,
    instanceId: string,
    seq: number,
    actions: ExecutableAction[],
    snapshot: AnyMachineSnapshot,
    event: StampedEvent,
  ): Promise<void> {
    // Timers are written with the transition's other writes (`appendStatement`, `appendRows`). A cancel closes the
    // rows stored before and goes first (on SQLite, which runs them in order, it must not reach a
    // timer this transition schedules after it); a timer this transition schedules and then
    // cancels is written cancelled, as it would have been one statement at a time.
    const cancels: string[] = [];
    const scheduled: Array<{ sendId: string; event: unknown; dueAt: string; cancelled: boolean }> = [];
    for (const action of actions) {
      const p = action.params ?? {};
      if (action.type === 'xstate.raise') {
        // Immediate raises were already processed inside transition(); delayed ones become rows.
        if (typeof p.delay !== 'number') continue;
        const sendId = typeof p.id === 'string' ? p.id : `${(p.event as { type: string }).type}`;
        const dueAt = new Date(Date.parse(event.at) + Math.max(0, p.delay)).toISOString();
        scheduled.push({ sendId, event: p.event, dueAt, cancelled: false });
      } else if (action.type === 'xstate.cancel') {
        const sendId = String(p.sendId);
        for (const t of scheduled) if (t.sendId === sendId) t.cancelled = true;
        if (!cancels.includes(sendId)) cancels.push(sendId);
      } else if (action.type === 'xstate.emit') {
        const emitted = p.event as { type: string; [k: string]: unknown };
        const handler = effects[emitted.type];
        if (!handler) throw new Error(`no effect handler for "${emitted.type}" (workflow ${wf.name})`);
        await handler(emitted, { trx, instance: { id: instanceId, workflow: wf.name }, snapshot, event, at: event.at });
      }
    }
    for (const sendId of cancels) await appendStatement(trx, store.timersCancel(trx, instanceId, sendId, event.at));
    await appendRows(trx, 'timers', scheduled.map((t) => store.timerRow({
      instanceId, sendId: t.sendId, event: t.event, dueAt: t.dueAt, createdSeq: seq, createdAt: event.at, cancelledAt: t.cancelled ? event.at : null,
    })));
  }

  async function commit(
    trx: Trx,
    wf: WorkflowDefinition,
    instance: { id: string; prevHead: string; version: number; from: string | null; waitsKey: string | null; previous: AnyMachineSnapshot | null },
    machine: AnyStateMachine,
    next: AnyMachineSnapshot,
    event: StampedEvent,
  ): Promise<{ seq: number; state: string; status: 'active' | 'done'; head: string }> {
    const seq = instance.version + 1;
    const to = stateName(next.value);
    const { type, actor, at, ...rest } = event;
    const payload = { ...rest };
    // hash scheme 2: the row stores its payload whole, and hashes each personal field as a salted digest
    const digests = digestFields(payload, wf.personalFields?.(type) ?? []);
    const hash = rowHashV2(
      instance.prevHead,
      { instanceId: instance.id, seq, type, payload, actor, from: instance.from, to, at, ...versionField(wf.version) },
      Object.fromEntries(Object.entries(digests).map(([path, d]) => [path, d.digest])),
    );
    if (hash === undefined) throw new Error(`${type}: personal field digests do not fit the payload`);
    const history = store.historyInsert(trx, instance.id, {
      seq, type, payload, actor, from: instance.from, to, at, prevHash: instance.prevHead, hash, workflowVersion: wf.version,
      hashScheme: HASH_SCHEME, digests,
    });
    const status = next.status === 'done' ? 'done' : 'active';
    // 10. the read model: whom the instance now waits for (and the workflow's own tables); the
    // waits rows are left alone when their key says they already hold this description
    const description = wf.describe ? wf.describe(next, at) : null;
    const waitsKey = description ? store.waitsKey(description.waitingFor, description.deadline?.at ?? null) : null;
    const waits = description && waitsKey !== instance.waitsKey
      ? await store.waitsWrites(trx, instance.id, wf.name, description.waitingFor, description.deadline?.at ?? null, at, instance.waitsKey)
      : [];
    const parts = wf.sharedContext ? await dehydrate(trx, next.context as Record<string, unknown>, wf.sharedContext, at) : undefined;
    const update = store.instanceUpdate(trx, instance.id, instance.version, {
      state: to, status, snapshotJson: persistedJson(machine, next, parts), version: seq, historyHead: hash, updatedAt: at, workflowVersion: wf.version,
      describedVersion: wf.describe ? (wf.describedVersion ?? 1) : 0, waitsKey,
    });
    // The workflow's read model, before the grouped write: what it appends (its row's update) goes
    // with it.
    if (wf.project) await wf.project(trx, { instanceId: instance.id, from: instance.from, to, snapshot: next, previous: instance.previous, event, at, description });
    // The history row, the waits rows, the appends the actions and the read model gathered (timers,
    // e-mails, ledger entries, the workflow's own rows) and the instance touch different rows: on
    // PostgreSQL one round trip. The instance goes last, so the count is its update's. The row is
    // locked, so a count other than 1 is a programming error (the lock was not taken).
    const appends = takeAppends(trx);
    if ((await writeTogether(trx, [history, ...waits, ...appends, update])) !== 1) throw new Error(`instance ${instance.id} changed under its lock`);
    return { seq, state: to, status, head: hash };
  }

  /**
   * Runs a transition's actions and commit with its appends gathered (src/lib/db.ts): commit sends
   * them with its grouped write. What a refused transition gathered is dropped with it, so a caller
   * that catches the refusal and goes on in the same transaction does not send it later.
   */
  async function gathering<T>(trx: Trx, fn: () => Promise<T>): Promise<T> {
    const owner = gatherAppends(trx);
    try {
      return await fn();
    } finally {
      if (owner) takeAppends(trx);
    }
  }

  /** the key of no waits rows: a new instance has none */
  const NO_WAITS = store.waitsKey([], null);

  /** Creates an instance: its first history row is `$start` with the machine's input. */
  async function start(
    workflow: string,
    input: object,
    opts: { actor: Actor; id?: string; trx?: Trx },
  ): Promise<SendResult> {
    const wf = definition(workflow);
    const id = opts.id ?? newId();
    return inTransaction(db, opts.trx, async (trx) => {
      const at = clock.now().toISOString();
      const event: StampedEvent = { type: START_EVENT, at, actor: opts.actor, input };
      const [snapshot, actions] = initialTransition(wf.machine, input);
      // The row exists at version 0 first, so timers and effects can reference it; commit fills it in.
      await store.insertInstance(trx, {
        id, workflow: wf.name, workflowVersion: wf.version, state: stateName(snapshot.value), status: 'active',
        snapshot: {}, version: 0, historyHead: GENESIS_HASH, createdAt: at, updatedAt: at,
      });
      const r = await gathering(trx, async () => {
        await carryOut(trx, wf, id, 1, actions as ExecutableAction[], snapshot, event);
        return commit(trx, wf, { id, prevHead: GENESIS_HASH, version: 0, from: null, waitsKey: NO_WAITS, previous: null }, wf.machine, snapshot, event);
      });
      return { instanceId: id, workflow: wf.name, state: r.state, status: r.status, version: r.seq, seq: r.seq, replayed: false };
    });
  }

  /** The hash of a body as step 4 validates it; null when it does not validate (it then matches no stored body). */
  function validatedBodyHash(wf: WorkflowDefinition, input: { type: string } & Record<string, unknown>): string | null {
    if (!wf.validate) return bodyHash(input.type, { ...input });
    const v = wf.validate(input);
    return v.ok ? bodyHash(input.type, v.value) : null;
  }

  async function send(
    instanceId: string,
    input: { type: string } & Record<string, unknown>,
    opts: SendOptions,
  ): Promise<SendResult> {
    return inTransaction(db, opts.trx, async (trx) => {
      // 1. lock, and answer a retry from its record
      const instance = await store.lockInstance(trx, instanceId);
      if (!instance) throw new NotFoundError(`instance ${instanceId} not found`);
      if (opts.idempotencyKey) {
        const seen = await store.findIdempotent(trx, opts.actor.id, opts.idempotencyKey);
        if (seen) {
          // The same request is the same instance, event type and validated body (a record written
          // before bodies were hashed has none to compare). The replay is the first answer, as stored.
          const sameBody = () => seen.bodyHash === null || seen.bodyHash === validatedBodyHash(load(instance).wf, input);
          if (seen.instanceId !== instanceId || seen.eventType !== input.type || !sameBody()) {
            throw new InvalidError('this Idempotency-Key was already used for another request', {
              reasons: [{ code: 'IDEMPOTENCY_KEY_REUSED' }],
            });
          }
          return { ...(seen.response as SendResult), replayed: true };
        }
      }
      // 2. optimistic concurrency
      if (opts.expectedVersion !== undefined && opts.expectedVersion !== instance.version) {
        throw new VersionConflictError(`instance is at version ${instance.version}, not ${opts.expectedVersion}`, {
          context: { version: instance.version },
        });
      }
      const { wf, snapshot } = load(instance);
      // 3. authorization
      const denied = wf.authorize?.(snapshot, { type: input.type }, opts.actor) ?? [];
      if (denied.length > 0) throw new ForbiddenError(`${opts.actor.role} may not send ${input.type} now`, { reasons: denied });
      // 4. payload
      let payload: Record<string, unknown> = { ...input };
      if (wf.validate) {
        const v = wf.validate(input);
        if (!v.ok) throw new InvalidError(`${input.type}: invalid fields`, { fields: v.fields, reasons: v.reasons ?? [] });
        payload = v.value;
      }
      // 5. stamp and enrich
      const at = clock.now().toISOString();
      let event: StampedEvent = { ...payload, type: input.type, at, actor: opts.actor };
      // enrich adds facts; the stamp stays the engine's
      if (wf.enrich && (!wf.enrichedEvents || wf.enrichedEvents.includes(input.type))) {
        event = { ...wf.enrich(event, snapshot, deps.enrichEnv ? await deps.enrichEnv(trx, event, instanceId, snapshot) : undefined), type: input.type, at, actor: opts.actor };
      }
      // 6. allowed here?
      if (!snapshot.can(event)) {
        const reasons = wf.refusalReasons?.(snapshot, event) ?? [];
        throw new EventNotAllowedError(`${input.type} is not allowed in ${instance.state}`, {
          reasons: reasons.length ? reasons : [{ code: 'NOT_ALLOWED_IN_STATE', params: { state: instance.state } }],
        });
      }
      // 7–10. transition, effects, history, snapshot
      const [next, actions] = pureTransition(wf.machine, snapshot, event);
      const r = await gathering(trx, async () => {
        await carryOut(trx, wf, instanceId, instance.version + 1, actions as ExecutableAction[], next, event);
        return commit(
          trx, wf,
          { id: instanceId, prevHead: instance.historyHead, version: instance.version, from: instance.state, waitsKey: instance.waitsKey ?? null, previous: snapshot },
          wf.machine, next, event,
        );
      });
      const result: SendResult = { instanceId, workflow: wf.name, state: r.state, status: r.status, version: r.seq, seq: r.seq, replayed: false };
      if (opts.idempotencyKey) {
        if (opts.respond) result.response = await opts.respond(trx, result);
        await store.saveIdempotent(trx, {
          actorId: opts.actor.id, key: opts.idempotencyKey, instanceId, eventType: input.type,
          bodyHash: bodyHash(input.type, payload), response: result, at,
        });
      }
      return result;
    });
  }

  /** Which events this actor may send now (on the engine's clock), and for the others why not. */
  async function explain(instanceId: string, actor: Actor): Promise<ExplainedEvent[]> {
    const instance = await store.getInstance(db, instanceId);
    if (!instance) throw new NotFoundError(`instance ${instanceId} not found`);
    const { wf, snapshot } = load(instance);
    return explainSnapshot(wf, snapshot, actor);
  }

  function explainSnapshot(wf: WorkflowDefinition, snapshot: AnyMachineSnapshot, actor: Actor): ExplainedEvent[] {
    const at = clock.now().toISOString();
    if (wf.explain) return wf.explain(snapshot, actor, at);
    const acceptsHere = handledEvents(wf.machine, snapshot);
    return (wf.eventTypes ?? [...acceptsHere]).map((type) => {
      const reasons: Reason[] = [];
      if (!acceptsHere.has(type) || snapshot.status !== 'active') {
        reasons.push({ code: 'NOT_ALLOWED_IN_STATE', params: { state: stateName(snapshot.value) } });
      } else {
        reasons.push(...(wf.authorize?.(snapshot, { type }, actor) ?? []));
        if (reasons.length === 0) reasons.push(...(wf.preconditions?.(snapshot, type, actor, at) ?? []));
      }
      return { type, allowed: reasons.length === 0, reasons };
    });
  }

  /**
   * Rewrites the stored descriptions ("waiting for") of every instance whose rows were written by
   * another version of its workflow's `describe` (or before it existed), in batches, each instance
   * under its lock. Returns how many were rebuilt.
   */
  async function rebuildDescriptions(batch = 200): Promise<number> {
    let n = 0;
    for (const wf of latest.values()) {
      if (!wf.describe) continue;
      const version = wf.describedVersion ?? 1;
      for (;;) {
        const ids = await store.staleDescriptions(db, wf.name, version, batch);
        if (ids.length === 0) break;
        for (const id of ids) {
          await db.transaction(async (trx) => {
            const instance = await store.lockInstance(trx, id);
            if (!instance) return;
            const { snapshot } = load(instance);
            const d = wf.describe!(snapshot, instance.updatedAt);
            const since = (await store.stateEnteredAt(trx, id)) ?? instance.updatedAt;
            await writeTogether(trx, await store.waitsWrites(trx, id, wf.name, d.waitingFor, d.deadline?.at ?? null, since));
            await store.setDescribedVersion(trx, id, version, store.waitsKey(d.waitingFor, d.deadline?.at ?? null));
          });
          n++;
        }
      }
    }
    return n;
  }

  async function get(instanceId: string, q: Queryable = db) {
    const instance = await store.getInstance(q, instanceId);
    if (!instance) throw new NotFoundError(`instance ${instanceId} not found`);
    return instance;
  }

  return {
    start,
    send,
    explain,
    explainSnapshot,
    get,
    history: (instanceId: string, q: Queryable = db) => store.listHistory(q, instanceId),
    definition,
    load,
    rebuildDescriptions,
  };
}
