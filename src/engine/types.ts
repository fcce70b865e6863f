import type { AnyStateMachine, AnyMachineSnapshot } from 'xstate';
import type { Reason } from '../errors.js';
import type { Trx } from '../lib/db.js';

/**
 * Who sends an event, as far as the engine is concerned: an id (idempotency keys, history) and a
 * role. `system` is the timer worker; `anonymous` a member of the public. A workflow's own actor
 * type adds its scope fields (community, street, vendor …); the engine passes it through untouched.
 */
export type Actor = {
  id: string;
  role: string;
};

export const SYSTEM_ACTOR: Actor = Object.freeze({ id: 'system', role: 'system' });

/** An event as the machine receives it: the validated payload, stamped by the engine with `at` and `actor`. */
export type StampedEvent = { type: string; at: string; actor: Actor } & Record<string, unknown>;



export interface InstanceRow {
  id: string;
  workflow: string;
  workflowVersion: number;
  state: string;
  status: 'active' | 'done';
  snapshot: unknown;
  version: number;
  historyHead: string;
  createdAt: string;
  updatedAt: string;
  /** the key of the `workflow_waits` rows as last written (store.ts `waitsKey`); absent: unknown */
  waitsKey?: string | null;
}

export type ValidationResult =
  | { ok: true; value: Record<string, unknown> }
  | { ok: false; fields: Record<string, string>; reasons?: Reason[] };

/** One party an instance waits for: users of `role` acting in `scope`, except `excludedUserId`. */
export interface Waiting {
  role: string;
  scope: string;
  excludedUserId: string | null;
  /** the events that party may send now */
  tasks: readonly string[];
}

/** What the engine stores of a workflow's description at each transition (its read model). */
export interface Description {
  waitingFor: readonly Waiting[];
  deadline: { at: string; kind: string } | null;
  /** when the instance became public (null: not public) */
  publicSince: string | null;
}

export interface TransitionInfo {
  instanceId: string;
  from: string | null;
  to: string;
  snapshot: AnyMachineSnapshot;
  /** the snapshot before the transition (null when the instance starts) */
  previous: AnyMachineSnapshot | null;
  event: StampedEvent;
  at: string;
  /** the workflow's description of the new snapshot at `at` (null without a `describe` hook) */
  description: Description | null;
}

/**
 * What a workflow gives the engine. Only `name`, `version` and `machine` are required; the hooks
 * are how a workflow adds authorization, payload validation and derived facts without the engine
 * knowing the domain.
 */
export interface WorkflowDefinition<T extends WorkflowTypesOf = WorkflowTypesOf> {
  name: string;
  version: number;
  machine: AnyStateMachine;
  /** Event types a user may send, for the generic `explain`. */
  eventTypes?: readonly string[];
  /** Role, scope and four-eyes. A non-empty list refuses the event with FORBIDDEN. */
  authorize?(snapshot: T['snapshot'], event: { type: string }, actor: T['actor']): Reason[];
  /** Payload validation (zod in practice). Unknown fields should be dropped here. */
  validate?(event: { type: string } & Record<string, unknown>): ValidationResult;
  /** Adds every derived fact the machine needs (deadline dates, …). Must be pure given env. */
  enrich?(event: T['event'], snapshot: T['snapshot'], env: T['env']): T['event'];
  /**
   * The event types `enrich` adds facts to. Given, the engine reads the environment (`enrichEnv`:
   * the calendar, vendors' records, …) and calls `enrich` only for these; a COMMENT then costs no
   * calendar read. Absent: every event.
   */
  enrichedEvents?: readonly string[];
  /** Why `snapshot.can(event)` is false: reason codes from the workflow's rule functions. */
  refusalReasons?(snapshot: T['snapshot'], event: T['event']): Reason[];
  /** Payload-independent reasons an event cannot be sent now (at `at`), for the generic `explain`. */
  preconditions?(snapshot: T['snapshot'], eventType: string, actor: T['actor'], at: string): Reason[];
  /**
   * The instance described at a moment: whom it waits for, its deadline, whether it is public. The
   * engine writes it into `workflow_waits` in every transition's transaction and hands it to
   * `project`. Bump `describedVersion` when the description's code changes: the engine then
   * rebuilds the stored rows (`rebuildDescriptions`).
   */
  describe?(snapshot: T['snapshot'], at: string): Description;
  describedVersion?: number;
  /** What `actor` may send now, with reasons for the rest (replaces the generic explain). */
  explain?(snapshot: T['snapshot'], actor: T['actor'], at: string): ExplainedEvent[];
  /**
   * Upgrades a persisted snapshot of an older version of this workflow; absent, or answering
   * undefined, = refuse (WORKFLOW_VERSION).
   */
  migrateSnapshot?(fromVersion: number, persisted: unknown): unknown;
  /**
   * Older versions of this workflow (at least `name`, `version` and `machine`), registered so that
   * `verify` can replay the history rows they wrote. They never run an instance.
   */
  olderVersions?: readonly WorkflowDefinition[];
  /**
   * Keeps read-model tables in step with the instance, in the same transaction. It runs before the
   * engine writes the transition's history row, waits rows and instance (it is given what they
   * hold, and must not read them back); writes it hands to `appendStatement` / `appendRows`
   * (src/lib/db.ts) are sent with them, on PostgreSQL in the same round trip.
   */
  project?(trx: Trx, info: TransitionInfo): Promise<void>;
  /**
   * The fields of an event's payload that readers may get masked, nulled or not at all (personal
   * data): paths such as `contact` or `signatories[].name` (`[]`: every element). Each enters the
   * history row's hash as a salted digest (hash scheme 2, hash.ts), so a masked copy still verifies.
   * `$start` names the fields of `{ input }`. Absent: none.
   */
  personalFields?(eventType: string): readonly string[];
  /**
   * Context keys whose values are large, never changed in place, and held alike by many instances
   * (a project's programme rules): the row stores a reference, the value is stored once (parts.ts).
   */
  sharedContext?: readonly string[];
}

/**
 * The types a workflow's hooks speak: its snapshot (what `restore` gives for its machine), its
 * stamped event, its actor, and what `enrich` needs from the engine. A definition is written against
 * its own types, with no casts; the engine holds every definition with these base types (a
 * workflow's types are narrower, field by field) and hands each hook what it restored and stamped.
 */
export interface WorkflowTypesOf {
  snapshot: unknown;
  event: { type: string };
  actor: Actor;
  env: unknown;
}

export interface EffectContext {
  trx: Trx;
  instance: Pick<InstanceRow, 'id' | 'workflow'>;
  /** The snapshot after the transition (effects run before it is written, in the same transaction). */
  snapshot: AnyMachineSnapshot;
  event: StampedEvent;
  at: string;
}

/** Carries out one emitted event inside the transition's transaction. Throw an AppError to refuse. */
export type EffectHandler = (emitted: { type: string; [k: string]: unknown }, ctx: EffectContext) => Promise<void>;

export interface SendOptions {
  actor: Actor;
  expectedVersion?: number;
  idempotencyKey?: string;
  /**
   * With an idempotency key: builds, inside the transaction, the answer the caller gives (e.g. the
   * project as the API presents it). It is stored with the key and replayed as `response`, so a retry
   * gets what the first request got, not the instance as it is by then.
   */
  respond?: (trx: Trx, result: SendResult) => Promise<unknown>;
  /** Run inside the caller's transaction (the timer worker does this). */
  trx?: Trx;
}

export interface SendResult {
  instanceId: string;
  workflow: string;
  state: string;
  status: 'active' | 'done';
  version: number;
  seq: number;
  /** True when an idempotency key matched and the stored result was returned. */
  replayed: boolean;
  /** What SendOptions.respond built when the request was first carried out (with an idempotency key). */
  response?: unknown;
}

export interface ExplainedEvent {
  type: string;
  allowed: boolean;
  reasons: Reason[];
  /** the workflow's defaults and bounds for the event's form fields, where it gives them */
  fields?: Record<string, { default?: unknown; min?: number; max?: number; options?: readonly string[] }>;
}
