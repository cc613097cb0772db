import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ebPosterior, empiricalBayes } from './empirical-bayes.ts';

const count = fc.integer({ min: 0, max: 200 });
const mean = fc.double({ min: 1e-3, max: 100, noNaN: true });
const overdispersion = fc.double({ min: 1e-4, max: 20, noNaN: true });

function relativelyClose(a: number, b: number, tolerance: number): boolean {
  return Math.abs(a - b) <= tolerance * (1 + Math.abs(b));
}

describe('empiricalBayes: worked examples', () => {
  it('matches a hand-worked site: μ = 2, k = 0.5, N_obs = 6', () => {
    // w = 1/(1 + 0.5·2) = 0.5; N_exp = 0.5·2 + 0.5·6 = 4; posterior Gamma(shape 1/0.5 + 6 = 8, rate 1/(0.5·2) + 1 = 2).
    // For integer shape, P(Gamma(8, rate 2) > 2) = P(Gamma(8, 1) > 4) = P(Poisson(4) ≤ 7) = e⁻⁴ Σ_{j≤7} 4^j/j!.
    let poissonSum = 0;
    let term = 1;
    for (let j = 0; j <= 7; j++) {
      if (j > 0) term *= 4 / j;
      poissonSum += term;
    }
    const result = empiricalBayes(6, 2, 0.5);
    expect(result.w).toBe(0.5);
    expect(result.expected).toBe(4);
    expect(result.excess).toBe(2);
    expect(result.pExcess).toBeCloseTo(Math.exp(-4) * poissonSum, 12); // 0.948866…
    expect(ebPosterior(6, 2, 0.5)).toEqual({ shape: 8, rate: 2 });
  });

  it('gives the posterior from first principles: prior Gamma × Poisson likelihood, integrated numerically', () => {
    for (const [observed, mu, k] of [
      [3, 1.4, 0.7],
      [0, 2.5, 0.3],
      [11, 4, 1.8],
    ] as const) {
      // Unnormalised log posterior of λ: log Gamma(1/k, 1/(kμ)) prior + log Poisson(observed | λ).
      const logDensity = (lambda: number) => (1 / k - 1 + observed) * Math.log(lambda) - lambda / (k * mu) - lambda;
      const upper = 60;
      const steps = 400_000;
      const h = upper / steps;
      let mass = 0;
      let first = 0;
      let above = 0;
      for (let s = 1; s < steps; s++) {
        const lambda = s * h;
        const d = Math.exp(logDensity(lambda));
        mass += d;
        first += lambda * d;
        if (lambda > mu) above += d;
      }
      const result = empiricalBayes(observed, mu, k);
      expect(first / mass).toBeCloseTo(result.expected, 4);
      expect(above / mass).toBeCloseTo(result.pExcess, 4);
    }
  });

  it('decides the degenerate cases: k = 0 and μ = 0 give no excess and pExcess 0; k = ∞ trusts the count', () => {
    expect(empiricalBayes(9, 3, 0)).toEqual({ w: 1, expected: 3, excess: 0, pExcess: 0 });
    expect(empiricalBayes(0, 0, 0.8)).toEqual({ w: 1, expected: 0, excess: 0, pExcess: 0 });
    expect(empiricalBayes(4, 0, 0.8)).toEqual({ w: 1, expected: 0, excess: 0, pExcess: 0 });
    const flat = empiricalBayes(9, 3, Infinity);
    expect(flat).toMatchObject({ w: 0, expected: 9, excess: 6 });
    expect(flat.pExcess).toBeGreaterThan(0.99);
    expect(empiricalBayes(0, 3, Infinity).pExcess).toBe(0);
  });

  it('copes with extreme k without losing the probability', () => {
    const tiny = empiricalBayes(5, 3, 1e-9);
    expect(tiny.expected).toBeCloseTo(3, 6);
    expect(tiny.pExcess).toBeGreaterThan(0.4);
    expect(tiny.pExcess).toBeLessThan(0.6);
    const huge = empiricalBayes(5, 3, 1e9);
    expect(huge.expected).toBeCloseTo(5, 6);
    // 1/(k·μ) overflows: the arithmetic cannot tell this from k = 0.
    expect(empiricalBayes(0, 5e-324, 5e-324)).toEqual({ w: 1, expected: 5e-324, excess: 0, pExcess: 0 });
  });

  it('stays fast and sane for near-Poisson priors (posterior shapes of 10¹² and more)', () => {
    const start = performance.now();
    for (let i = 0; i < 1000; i++) {
      const { pExcess } = empiricalBayes(i % 20, 3, 1e-12);
      expect(pExcess).toBeGreaterThanOrEqual(0);
      expect(pExcess).toBeLessThanOrEqual(1);
    }
    expect(performance.now() - start).toBeLessThan(500);
  });

  it('rejects invalid inputs with the value named', () => {
    expect(() => empiricalBayes(-1, 2, 0.5)).toThrow(/observed must be a finite count ≥ 0, got -1/);
    expect(() => empiricalBayes(1, Number.NaN, 0.5)).toThrow(/mu must be .* got NaN/);
    expect(() => empiricalBayes(1, 2, -0.1)).toThrow(/k \(overdispersion\) must be ≥ 0, got -0.1/);
    expect(() => ebPosterior(1, 2, 0)).toThrow(/only for mu > 0 and k > 0/);
  });
});

describe('empiricalBayes: identities (property tests)', () => {
  it('has 0 < w ≤ 1', () => {
    fc.assert(
      fc.property(count, fc.double({ min: 0, max: 1e6, noNaN: true }), fc.double({ min: 0, max: 1e6, noNaN: true }), (observed, mu, k) => {
        const { w } = empiricalBayes(observed, mu, k);
        return w > 0 && w <= 1;
      }),
    );
  });

  it('gives N_exp = μ when N_obs = μ', () => {
    fc.assert(
      fc.property(count, overdispersion, (observed, k) => {
        const mu = observed === 0 ? 1e-3 : observed;
        return relativelyClose(empiricalBayes(mu, mu, k).expected, mu, 1e-12);
      }),
    );
  });

  it('tends to μ as k → 0', () => {
    fc.assert(fc.property(count, mean, (observed, mu) => relativelyClose(empiricalBayes(observed, mu, 1e-12).expected, mu, 1e-8)));
  });

  it('tends to N_obs as k → ∞', () => {
    fc.assert(fc.property(count, mean, (observed, mu) => relativelyClose(empiricalBayes(observed, mu, 1e12).expected, observed, 1e-8)));
  });

  it('has a posterior whose mean equals N_exp', () => {
    fc.assert(
      fc.property(count, mean, overdispersion, (observed, mu, k) => {
        const { shape, rate } = ebPosterior(observed, mu, k);
        return relativelyClose(shape / rate, empiricalBayes(observed, mu, k).expected, 1e-12);
      }),
    );
  });

  it('gives a probability of excess that never falls as N_obs rises', () => {
    fc.assert(
      fc.property(count, count, mean, overdispersion, (a, b, mu, k) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        const pLow = empiricalBayes(low, mu, k).pExcess;
        const pHigh = empiricalBayes(high, mu, k).pExcess;
        return pLow >= 0 && pHigh <= 1 && pLow <= pHigh + 1e-12;
      }),
    );
  });

  it('has excess = N_exp − μ with the sign of N_obs − μ', () => {
    fc.assert(
      fc.property(count, mean, overdispersion, (observed, mu, k) => {
        const { expected, excess } = empiricalBayes(observed, mu, k);
        return excess === expected - mu && Math.sign(excess) === Math.sign(observed - mu) || Math.abs(excess) < 1e-12;
      }),
    );
  });
});
