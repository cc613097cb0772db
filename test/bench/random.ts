import { seededRng } from '../../geo/routing/random.ts';

/**
 * A small seeded pseudo-random generator for the benchmarks: the same seed gives the same data on
 * every machine and run, so numbers from different days measure the code, not the data.
 *
 * The draws are geo/routing/random.ts's sfc32 (Chris Doty-Humphrey's "small fast counting"
 * generator, 128-bit state, as in PractRand, seeded through splitmix32); this adds the helpers the
 * data generators use. Not for anything security-related.
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

/** A generator seeded with a 32-bit integer (other numbers are truncated to 32 bits). */
export function createRandom(seed: number): Random {
  const next = seededRng(seed);
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
