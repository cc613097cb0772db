import gammaCdf from '@stdlib/stats-base-dists-gamma-cdf';
import { describe, expect, it } from 'vitest';
import { erfc, normalCdf, upperTailP } from './normal.ts';

function expectRelative(actual: number, expected: number, tolerance: number): void {
  expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThan(tolerance);
}

describe('erfc', () => {
  it('matches published values to ~1e-14 relative, deep into the tail', () => {
    // Values from Abramowitz & Stegun table 7.1 extended to 16 digits (as given by mpmath/Wolfram).
    const known: Array<[number, number]> = [
      [0, 1],
      [0.5, 0.4795001221869535],
      [1, 0.15729920705028513],
      [1.5, 0.033894853524689274],
      [2, 0.004677734981047266],
      [2.5, 0.0004069520174449590],
      [3, 2.209049699858544e-5],
      [5, 1.5374597944280349e-12],
      [10, 2.088487583762545e-45],
    ];
    for (const [x, value] of known) expectRelative(erfc(x), value, 1e-14);
    expect(erfc(-1)).toBeCloseTo(2 - 0.15729920705028513, 15);
    expect(erfc(30)).toBe(0);
    expect(erfc(Number.NaN)).toBeNaN();
  });

  it('agrees with the regularised incomplete gamma identity erfc(x) = 1 − P(½, x²) on a fine grid', () => {
    for (let x = 0; x <= 4; x += 0.01) {
      expect(Math.abs(erfc(x) - (1 - gammaCdf(x * x, 0.5, 1)))).toBeLessThan(2e-15);
    }
  });

  it('is continuous where it switches from the series to the continued fraction', () => {
    const below = erfc(1 - 1e-12);
    const above = erfc(1 + 1e-12);
    expectRelative(below, above, 1e-11);
  });
});

describe('upperTailP', () => {
  it('gives the familiar critical values', () => {
    expectRelative(upperTailP(1.6448536269514722), 0.05, 1e-14);
    expectRelative(upperTailP(1.959963984540054), 0.025, 1e-14);
    expectRelative(upperTailP(2.5758293035489004), 0.005, 1e-13);
    expectRelative(upperTailP(3.090232306167813), 0.001, 1e-13);
    expectRelative(upperTailP(1), 0.15865525393145707, 1e-14);
    expect(upperTailP(0)).toBe(0.5);
    expectRelative(upperTailP(-1), 0.8413447460685429, 1e-15);
    expect(normalCdf(1)).toBeCloseTo(0.8413447460685429, 15);
    expect(() => upperTailP(Number.NaN)).toThrow(/NaN/);
  });

  it('keeps relative accuracy far in the tail (z = 8: 6.22e-16)', () => {
    expectRelative(upperTailP(8), 6.220960574271785e-16, 1e-12);
  });
});
