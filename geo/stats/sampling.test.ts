import { describe, expect, it } from 'vitest';
import { createRandom } from '../../test/bench/random.ts';
import { sampleGamma, sampleNegativeBinomial, sampleNormal, samplePoisson } from './sampling.ts';

function moments(draw: () => number, n: number): { mean: number; variance: number } {
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const v = draw();
    sum += v;
    squares += v * v;
  }
  const mean = sum / n;
  return { mean, variance: squares / n - mean * mean };
}

describe('sampling', () => {
  const random = createRandom(5);
  const uniform = () => random.next();
  const n = 100_000;

  it('draws standard normals', () => {
    const { mean, variance } = moments(() => sampleNormal(uniform), n);
    expect(Math.abs(mean)).toBeLessThan(0.015);
    expect(variance).toBeCloseTo(1, 1);
  });

  it('draws Gamma(shape, rate) with mean shape/rate and variance shape/rate², shapes below and above 1', () => {
    for (const [shape, rate] of [
      [0.4, 2],
      [3, 0.5],
    ] as const) {
      const { mean, variance } = moments(() => sampleGamma(uniform, shape, rate), n);
      expect(mean / (shape / rate)).toBeCloseTo(1, 1);
      expect(variance / (shape / rate ** 2)).toBeCloseTo(1, 1);
    }
  });

  it('draws Poisson counts, including means above one chunk (30)', () => {
    for (const lambda of [0.3, 4, 75]) {
      const { mean, variance } = moments(() => samplePoisson(uniform, lambda), n);
      expect(mean / lambda).toBeCloseTo(1, 1);
      expect(variance / lambda).toBeCloseTo(1, 1);
    }
    expect(samplePoisson(uniform, 0)).toBe(0);
  });

  it('draws NB2 counts with variance μ + kμ²', () => {
    const { mean, variance } = moments(() => sampleNegativeBinomial(uniform, 3, 0.5), n);
    expect(mean / 3).toBeCloseTo(1, 1);
    expect(variance / (3 + 0.5 * 9)).toBeCloseTo(1, 1);
    expect(sampleNegativeBinomial(uniform, 0, 0.5)).toBe(0);
  });

  it('rejects invalid parameters', () => {
    expect(() => sampleGamma(uniform, 0)).toThrow(/shape .* got 0/);
    expect(() => samplePoisson(uniform, -1)).toThrow(/Poisson mean .* got -1/);
    expect(() => sampleNegativeBinomial(uniform, 1, -1)).toThrow(/Overdispersion k .* got -1/);
  });
});
