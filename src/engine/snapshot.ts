// Persisting and restoring XState snapshots, and naming states as 'procurement.quoting'.
import { createActor, type AnyActorScope, type AnyEventObject, type AnyMachineSnapshot, type AnyStateMachine, type StateValue } from 'xstate';

export function stateName(value: StateValue): string {
  if (typeof value === 'string') return value;
  const entries = Object.entries(value);
  if (entries.length !== 1) return entries.map(([k, v]) => (v ? `${k}.${stateName(v)}` : k)).join('|');
  const [key, child] = entries[0]!;
  return child && (typeof child === 'string' || Object.keys(child).length > 0) ? `${key}.${stateName(child)}` : key;
}

export function persist(machine: AnyStateMachine, snapshot: AnyMachineSnapshot): unknown {
  // A JSON round trip drops undefined fields, so the stored form is exactly what replay compares.
  return JSON.parse(persistedJson(machine, snapshot));
}

/**
 * The snapshot as the engine stores it: `persist`'s JSON, without parsing it back. `parts`: context
 * keys stored as references to shared parts (parts.ts `dehydrate`), in place of their values.
 */
export function persistedJson(machine: AnyStateMachine, snapshot: AnyMachineSnapshot, parts?: Record<string, unknown>): string {
  const context = parts ? { ...snapshot.context, ...parts } : snapshot.context;
  if (hasChildren(snapshot)) return JSON.stringify(machine.getPersistedSnapshot({ ...snapshot, context } as AnyMachineSnapshot));
  // Without children the context holds no actor to turn into a reference, and XState's walk over
  // all of it (persistContext) would give it back unchanged: it is left out of the walk, and put back.
  const persisted = machine.getPersistedSnapshot({ ...snapshot, context: {} } as AnyMachineSnapshot) as unknown as { context: unknown };
  persisted.context = context;
  return JSON.stringify(persisted);
}

// XState's pure transition() builds an inert actor scope on every call: a new actor, which computes
// the machine's initial snapshot, only to be thrown away (a fifth of an engine transition's XState
// time). Our workflows spawn and invoke no actors, so one inert scope per machine serves every call;
// a snapshot with children (a workflow that did spawn) takes XState's own path instead.
const scopes = new WeakMap<AnyStateMachine, AnyActorScope & { actionExecutor: (action: unknown) => void }>();

function inertScope(machine: AnyStateMachine) {
  let scope = scopes.get(machine);
  if (!scope) {
    // the same shape as XState's createInertActorScope: nothing it is asked to do happens
    const self = createActor(machine);
    scope = {
      self, system: self.system, id: '', sessionId: '', logger: () => {}, defer: () => {}, stopChild: () => {}, emit: () => {},
      actionExecutor: () => {},
    } as unknown as AnyActorScope & { actionExecutor: (action: unknown) => void };
    scopes.set(machine, scope);
  }
  return scope;
}

const hasChildren = (snapshot: { children?: object }) => snapshot.children !== undefined && Object.keys(snapshot.children).length > 0;

export function restore(machine: AnyStateMachine, persisted: unknown): AnyMachineSnapshot {
  if (hasChildren(persisted as { children?: object })) {
    // createActor restores without starting: no entry actions run, nothing is scheduled.
    return createActor(machine, { snapshot: persisted as never }).getSnapshot() as AnyMachineSnapshot;
  }
  // What createActor does to restore, without building the actor around it. Without children there
  // is no actor for a context value to refer to, so XState's walk over the whole context to revive
  // such references (reviveContext) has nothing to do: the context is left out of it, and put back.
  const { context, ...rest } = persisted as { context?: unknown };
  const restored = machine.restoreSnapshot!({ ...rest, context: {} } as never, inertScope(machine)) as AnyMachineSnapshot;
  (restored as { context: unknown }).context = context;
  return restored;
}

/**
 * XState's `transition(machine, snapshot, event)`: the next snapshot and the actions to carry out,
 * nothing executed. A transition that spawns an actor is refused (none of ours may).
 */
export function pureTransition(machine: AnyStateMachine, snapshot: AnyMachineSnapshot, event: AnyEventObject): [AnyMachineSnapshot, unknown[]] {
  const scope = inertScope(machine);
  const actions: unknown[] = [];
  scope.actionExecutor = (action) => actions.push(action);
  try {
    const next = machine.transition(snapshot, event, scope) as AnyMachineSnapshot;
    if (hasChildren(next)) throw new Error(`${machine.id}: a transition spawned an actor; the engine runs workflows without actors`);
    return [next, actions];
  } finally {
    scope.actionExecutor = () => {};
  }
}

/**
 * The event types the snapshot's active state nodes (and their ancestors) have transitions for,
 * guards aside. Public XState API only: the node of each active leaf by id, then its parents.
 */
export function handledEvents(machine: AnyStateMachine, snapshot: AnyMachineSnapshot): Set<string> {
  const out = new Set<string>();
  for (const path of leafPaths(snapshot.value)) {
    let node: { ownEvents: readonly string[]; parent?: unknown } | undefined = machine.getStateNodeById(`${machine.id}.${path}`);
    while (node !== undefined) {
      for (const t of node.ownEvents) out.add(t);
      node = node.parent as typeof node;
    }
  }
  return out;
}

function leafPaths(value: StateValue): string[] {
  if (typeof value === 'string') return [value];
  return Object.entries(value).flatMap(([k, v]) => (v && (typeof v === 'string' || Object.keys(v).length > 0) ? leafPaths(v).map((p) => `${k}.${p}`) : [k]));
}
