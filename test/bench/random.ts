/**
 * A small seeded pseudo-random generator for the benchmarks: the same seed gives the same data on
 * every machine and run, so numbers from different days measure the code, not the data.
 *
 * sfc32 (Chris Doty-Humphrey's "small fast counting" generator, 128-bit state, as in PractRand),
 * seeded from one 32-bit integer through splitmix32. Not for anything security-related.
 */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** A float in [min, max). */
  uniform(min: number, max: number): number;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** True with probability p. */
  chance(p: number): boolean;
  /** One value from [value, weight] pairs; weights need not sum to 1. */
  weighted<T>(table: WeightTable<T>): T;
}

export type WeightTable<T> = readonly (readonly [value: T, weight: number])[];

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** A generator seeded with a 32-bit integer (other numbers are truncated to 32 bits). */
export function createRandom(seed: number): Random {
  if (!Number.isInteger(seed)) throw new Error(`Seed must be an integer, got ${seed}.`);
  const init = splitmix32(seed);
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  const nextUint32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t;
  };
  // Discard the first outputs: sfc32 mixes its state over its first dozen steps.
  for (let i = 0; i < 12; i++) nextUint32();

  const next = (): number => nextUint32() / 4294967296;
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    uniform: (min, max) => min + next() * (max - min),
    pick: (items) => {
      if (items.length === 0) throw new Error('Cannot pick from an empty array.');
      return items[Math.floor(next() * items.length)] as (typeof items)[number];
    },
    chance: (p) => next() < p,
    weighted: (table) => {
      let total = 0;
      for (const [, weight] of table) total += weight;
      let r = next() * total;
      for (const [value, weight] of table) {
        r -= weight;
        if (r < 0) return value;
      }
      const last = table[table.length - 1];
      if (!last) throw new Error('Cannot pick from an empty weight table.');
      return last[0];
    },
  };
}
