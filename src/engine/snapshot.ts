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
  return JSON.parse(JSON.stringify(machine.getPersistedSnapshot(snapshot)));
}

export function restore(machine: AnyStateMachine, persisted: unknown): AnyMachineSnapshot {
  // createActor restores without starting: no entry actions run, nothing is scheduled.
  return createActor(machine, { snapshot: persisted as never }).getSnapshot() as AnyMachineSnapshot;
}
