// Persisting and restoring XState snapshots, and naming states as 'procurement.quoting'.
import { createActor, type AnyMachineSnapshot, type AnyStateMachine, type StateValue } from 'xstate';

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

/** The snapshot as the engine stores it: `persist`'s JSON, without parsing it back. */
export function persistedJson(machine: AnyStateMachine, snapshot: AnyMachineSnapshot): string {
  return JSON.stringify(machine.getPersistedSnapshot(snapshot));
}

export function restore(machine: AnyStateMachine, persisted: unknown): AnyMachineSnapshot {
  // createActor restores without starting: no entry actions run, nothing is scheduled.
  return createActor(machine, { snapshot: persisted as never }).getSnapshot() as AnyMachineSnapshot;
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
