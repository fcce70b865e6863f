// The measuring loop both engine benches share: a warm-up of each side (JIT, page cache, pool),
// then `rounds` rounds that alternate which side goes first, each side's rate per round, and the
// medians compared. The machines are noisy: only ratios measured this way, in one run, mean much.

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** `run(n)` performs n transitions and answers the milliseconds it took. Rates are per second. */
export async function alternate(
  n: number,
  rounds: number,
  baseline: (n: number) => Promise<number>,
  engine: (n: number) => Promise<number>,
): Promise<{ base: number[]; eng: number[]; baseline: number; engine: number }> {
  await baseline(Math.ceil(n / 2));
  await engine(Math.ceil(n / 2));
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
