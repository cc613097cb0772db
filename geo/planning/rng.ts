import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

/**
 * The planner's only source of chance: xoroshiro128+ (pure-rand) seeded from the plan's seed, so the
 * same inputs and seed give the same plan on every machine. Never Math.random.
 */
export interface PlanRandom {
  /** A float in [0, 1). */
  next(): number;
  /**
   * An index into `weights` drawn with probability ∝ weight^(1/temperature); temperature 0 takes the
   * largest weight (first on ties). −1 when no weight is positive.
   */
  pick(weights: ArrayLike<number>, temperature: number): number;
  /** The items in a random order (Fisher–Yates; a new array). */
  shuffled<T>(items: readonly T[]): T[];
}

export function planRandom(seed: number): PlanRandom {
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  const generator = xoroshiro128plus(seed | 0);
  const next = () => uniformFloat64(generator);
  return {
    next,
    pick(weights, temperature) {
      let best = -1;
      let bestWeight = 0;
      for (let i = 0; i < weights.length; i++) {
        const w = weights[i]!;
        if (w > bestWeight) {
          best = i;
          bestWeight = w;
        }
      }
      if (best < 0 || temperature <= 0.02) return best;
      // Sharpen by 1/temperature relative to the largest weight (no overflow for small temperatures).
      const power = 1 / Math.min(1, temperature);
      let total = 0;
      const scaled = new Float64Array(weights.length);
      for (let i = 0; i < weights.length; i++) {
        const w = weights[i]!;
        const s = w > 0 ? Math.pow(w / bestWeight, power) : 0;
        scaled[i] = s;
        total += s;
      }
      let r = next() * total;
      for (let i = 0; i < scaled.length; i++) {
        r -= scaled[i]!;
        if (r < 0 && scaled[i]! > 0) return i;
      }
      return best;
    },
    shuffled(items) {
      const out = items.slice();
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    },
  };
}
