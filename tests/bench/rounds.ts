// The measuring loop both engine benches share: a warm-up of each side (JIT, page cache, pool),
// then `rounds` rounds that alternate which side goes first, each side's rate per round, and the
// medians compared. The machines are noisy: only ratios measured this way, in one run, mean much.

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/**
 * `run(n)` performs n transitions and answers the milliseconds it took. Rates are per second. Each
 * side first runs `warmup` (by default half a round) unmeasured.
 */
export async function alternate(
  n: number,
  rounds: number,
  baseline: (n: number) => Promise<number>,
  engine: (n: number) => Promise<number>,
  warmup = Math.ceil(n / 2),
): Promise<{ base: number[]; eng: number[]; baseline: number; engine: number }> {
  await baseline(warmup);
  await engine(warmup);
  const base: number[] = [];
  const eng: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const first = r % 2 === 0;
    if (first) base.push(n / ((await baseline(n)) / 1000));
    eng.push(n / ((await engine(n)) / 1000));
    if (!first) base.push(n / ((await baseline(n)) / 1000));
  }
  return { base, eng, baseline: median(base), engine: median(eng) };
}

/** As `alternate`, for any number of sides: each round runs them all, starting with a different one. */
export async function alternateMany<K extends string>(
  n: number,
  rounds: number,
  sides: Record<K, (n: number) => Promise<number>>,
): Promise<Record<K, { runs: number[]; median: number }>> {
  const names = Object.keys(sides) as K[];
  for (const k of names) await sides[k](Math.ceil(n / 2));
  const runs = Object.fromEntries(names.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < names.length; i++) {
      const k = names[(r + i) % names.length]!;
      runs[k].push(n / ((await sides[k](n)) / 1000));
    }
  }
  return Object.fromEntries(names.map((k) => [k, { runs: runs[k], median: median(runs[k]) }])) as Record<K, { runs: number[]; median: number }>;
}
