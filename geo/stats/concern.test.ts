import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concernFactor, decayWeight } from './concern.ts';

describe('decayWeight', () => {
  it('halves a concern’s weight every half-life (default 12 months = 365.25 days)', () => {
    expect(decayWeight(0)).toBe(1);
    expect(decayWeight(365.25)).toBeCloseTo(0.5, 15);
    expect(decayWeight(730.5)).toBeCloseTo(0.25, 15);
    expect(decayWeight(91.3125)).toBeCloseTo(Math.pow(0.5, 0.25), 15); // a quarter of a year: 0.8409
    expect(decayWeight(30, 30)).toBeCloseTo(0.5, 15);
  });

  it('rejects a negative age or a non-positive half-life', () => {
    expect(() => decayWeight(-1)).toThrow(/Concern age .* got -1/);
    expect(() => decayWeight(Number.NaN)).toThrow(/Concern age/);
    expect(() => decayWeight(10, 0)).toThrow(/Half-life .* got 0/);
  });
});

describe('concernFactor', () => {
  it('works the documented formula through with numbers', () => {
    // ratio = (10 + 2)/(2 + 2) = 3; extra share (3 − 1)/3 = 2/3; factor = 1 + 0.25 × 2/3 = 1.1667.
    const strong = concernFactor(10, 2);
    expect(strong.ratio).toBe(3);
    expect(strong.factor).toBeCloseTo(1 + 0.25 * (2 / 3), 15);
    // A stronger prior shrinks the same evidence: ratio (10 + 100)/(2 + 100) = 1.0784, factor 1.0182.
    const shrunk = concernFactor(10, 2, { priorStrength: 100 });
    expect(shrunk.ratio).toBeCloseTo(110 / 102, 15);
    expect(shrunk.factor).toBeCloseTo(1 + 0.25 * ((110 / 102 - 1) / (110 / 102)), 15);
    expect(concernFactor(10, 2, { maxShare: 0.5 }).factor).toBeCloseTo(1 + 0.5 * (2 / 3), 15);
  });

  it('never lowers priority: concern at or below what similar roads receive gives factor 1', () => {
    expect(concernFactor(3, 3)).toEqual({ ratio: 1, factor: 1 });
    expect(concernFactor(0, 5)).toEqual({ ratio: 2 / 7, factor: 1 });
    expect(concernFactor(0, 0)).toEqual({ ratio: 1, factor: 1 });
  });

  it('is shrunk so that one report where none are expected counts for little', () => {
    // ratio (1 + 2)/(0 + 2) = 1.5 → factor 1 + 0.25/3 = 1.0833, not the unshrunk infinite ratio.
    expect(concernFactor(1, 0).factor).toBeCloseTo(1 + 0.25 / 3, 15);
  });

  it('stays in [1, 1 + maxShare] and never falls as concern rises', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (a, b, expected, priorStrength, maxShare) => {
          const [low, high] = a <= b ? [a, b] : [b, a];
          const f1 = concernFactor(low, expected, { priorStrength, maxShare }).factor;
          const f2 = concernFactor(high, expected, { priorStrength, maxShare }).factor;
          return f1 >= 1 && f2 <= 1 + maxShare && f1 <= f2;
        },
      ),
    );
  });

  it('rejects negative scores and bad options', () => {
    expect(() => concernFactor(-1, 2)).toThrow(/Observed concern score .* got -1/);
    expect(() => concernFactor(1, Number.POSITIVE_INFINITY)).toThrow(/Expected concern score/);
    expect(() => concernFactor(1, 2, { priorStrength: 0 })).toThrow(/priorStrength .* got 0/);
    expect(() => concernFactor(1, 2, { maxShare: -0.1 })).toThrow(/maxShare .* got -0.1/);
  });
});
