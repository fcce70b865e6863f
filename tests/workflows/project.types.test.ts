// Compile-time checks, run by `npm run typecheck` (tsc covers tests/) and, trivially, by vitest:
// - the workflow's `Stage` is exactly the set of leaf states of the machine's own type, so a state
//   added to the machine and not to `Stage` (or the reverse) fails the typecheck;
// - tables keyed by `Stage` must name every state: one that forgets a state does not compile.
import type { StateValueFrom } from 'xstate';
import { describe, expect, it } from 'vitest';
import { STAGES, type projectMachine, type Stage } from '../../workflows/project/index.js';

/** `{procurement: 'quoting'}` → `'procurement.quoting'`, at the type level. */
type Leaves<V> = V extends string ? V : V extends Record<string, unknown> ? { [K in keyof V & string]: `${K}.${Leaves<V[K]>}` }[keyof V & string] : never;
/** XState's state-value type also admits a compound state's bare name; a stage is always a leaf. */
type Compound<V> = V extends Record<string, unknown> ? keyof V & string : never;
type Value = StateValueFrom<typeof projectMachine>;
type MachineStages = Exclude<Leaves<Value>, Compound<Value>>;
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

const stagesAreTheMachines: Equal<MachineStages, Stage> = true;

// @ts-expect-error — a describe table that forgets a state (here all but one) does not compile
const forgetful: Record<Stage, null> = { draft: null };

describe('workflow types', () => {
  it('Stage is the machine’s set of leaf states, and tables keyed by Stage must be complete', () => {
    expect(stagesAreTheMachines).toBe(true);
    expect(Object.keys(forgetful)).toEqual(['draft']);
    expect(STAGES.length).toBeGreaterThan(20);
  });
});
