// A small seeded pseudo-random generator (sfc32, seeded through splitmix32), so a generated year is
// the same on every run and every machine: the same seed, the same projects, the same history.
// Math.random is never used by the generator.

export interface Rng {
  /** uniform in [0, 1) */
  next(): number;
  /** an integer in [min, max], both included */
  int(min: number, max: number): number;
  /** true with probability p */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** an item chosen with the given weights (entries with weight ≤ 0 are never chosen) */
  weighted<T>(entries: ReadonlyArray<readonly [T, number]>): T;
  /** a copy of the items in a random order */
  shuffle<T>(items: readonly T[]): T[];
  /** an independent generator derived from this one and a label (so adding draws elsewhere does not shift it) */
  fork(label: string): Rng;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** FNV-1a of a string: turns labels into seeds. */
export function hashSeed(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function createRng(seed: number | string): Rng {
  const seed32 = typeof seed === 'string' ? hashSeed(seed) : seed >>> 0;
  const init = splitmix32(seed32);
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  const raw = (): number => {
    // sfc32
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    const t = (a + b + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 12; i++) raw();
  const rng: Rng = {
    next: () => raw() / 4_294_967_296,
    int(min, max) {
      if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) throw new RangeError(`int(${min}, ${max})`);
      return min + Math.floor(rng.next() * (max - min + 1));
    },
    chance: (p) => rng.next() < p,
    pick(items) {
      if (items.length === 0) throw new RangeError('pick from nothing');
      return items[Math.floor(rng.next() * items.length)]!;
    },
    weighted(entries) {
      const total = entries.reduce((s, [, w]) => s + Math.max(0, w), 0);
      if (!(total > 0)) throw new RangeError('weighted: no positive weight');
      let x = rng.next() * total;
      for (const [v, w] of entries) {
        if (w <= 0) continue;
        x -= w;
        if (x < 0) return v;
      }
      return entries.filter(([, w]) => w > 0).at(-1)![0];
    },
    shuffle(items) {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(rng.next() * (i + 1));
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    },
    fork: (label) => createRng((seed32 ^ hashSeed(label)) >>> 0),
  };
  return rng;
}
