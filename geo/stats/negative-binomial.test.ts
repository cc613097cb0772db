import { describe, expect, it } from 'vitest';
import { createRandom } from '../../test/bench/random.ts';
import { CollinearityError } from './linear-algebra.ts';
import { fitNegativeBinomial, nbLogLikelihood, nbScoreK, predictMu, type NbObservation } from './negative-binomial.ts';
import { sampleNegativeBinomial, samplePoisson, sampleNormal } from './sampling.ts';

/** The textbook NB2 probability mass, written independently of the module (r = 1/k). */
function logPmf(y: number, mu: number, k: number): number {
  let logFactorialPart = 0;
  if (k === 0) {
    for (let j = 1; j <= y; j++) logFactorialPart += Math.log(j);
    return y * Math.log(mu) - mu - logFactorialPart;
  }
  const r = 1 / k;
  let sum = 0;
  for (let j = 0; j < y; j++) sum += Math.log((r + j) / (j + 1));
  return sum + r * Math.log(r / (r + mu)) + y * Math.log(mu / (r + mu));
}

function independentLogLik(y: readonly number[], mu: readonly number[], k: number): number {
  return y.reduce((sum, yi, i) => sum + logPmf(yi, mu[i] as number, k), 0);
}

/** Overdispersed counts (a small, fixed sample): mean 2.7, variance well above the mean. */
const overdispersed = [0, 0, 1, 0, 3, 7, 2, 0, 0, 1, 12, 4, 0, 2, 5, 0, 1, 9, 0, 3, 0, 0, 6, 1, 2, 0, 4, 0, 1, 4];

describe('fitNegativeBinomial', () => {
  it('fits an intercept-only model with exp(β₀) equal to the sample mean', () => {
    const fit = fitNegativeBinomial(overdispersed.map((y) => ({ y, x: [] })));
    const mean = overdispersed.reduce((a, b) => a + b, 0) / overdispersed.length;
    expect(fit.converged).toBe(true);
    expect(fit.n).toBe(30);
    expect(Math.exp(fit.coefficients[0] as number)).toBeCloseTo(mean, 10);
    expect(fit.k).toBeGreaterThan(0.5);
  });

  it('chooses k where the likelihood is maximal: the numerical score is ~0 and both sides are lower', () => {
    const fit = fitNegativeBinomial(overdispersed.map((y) => ({ y, x: [] })));
    const mu = overdispersed.map(() => Math.exp(fit.coefficients[0] as number));
    const h = 1e-5;
    // Central difference of the independently written log-likelihood.
    const numericalScore = (independentLogLik(overdispersed, mu, fit.k + h) - independentLogLik(overdispersed, mu, fit.k - h)) / (2 * h);
    expect(Math.abs(numericalScore)).toBeLessThan(1e-6);
    expect(Math.abs(nbScoreK(overdispersed, mu, fit.k))).toBeLessThan(1e-8);
    const best = independentLogLik(overdispersed, mu, fit.k);
    expect(independentLogLik(overdispersed, mu, fit.k * 0.99)).toBeLessThan(best);
    expect(independentLogLik(overdispersed, mu, fit.k * 1.01)).toBeLessThan(best);
    expect(fit.logLik).toBeCloseTo(best, 9);
  });

  it('fits each group mean exactly with one binary covariate (the saturated-mean answer)', () => {
    const groupA = [0, 2, 1, 0, 5, 3, 0, 0, 8, 1];
    const groupB = [4, 9, 0, 12, 6, 3, 15, 2, 7, 1, 0, 10];
    const obs: NbObservation[] = [...groupA.map((y) => ({ y, x: [0] })), ...groupB.map((y) => ({ y, x: [1] }))];
    const fit = fitNegativeBinomial(obs);
    const meanA = groupA.reduce((a, b) => a + b, 0) / groupA.length; // 2.0
    const meanB = groupB.reduce((a, b) => a + b, 0) / groupB.length; // 5.75
    expect(fit.converged).toBe(true);
    expect(fit.coefficients[0]).toBeCloseTo(Math.log(meanA), 9);
    expect(fit.coefficients[1]).toBeCloseTo(Math.log(meanB / meanA), 9);
    expect(predictMu(fit, [1])).toBeCloseTo(meanB, 8);
    const mu = obs.map((o) => (o.x[0] === 1 ? meanB : meanA));
    expect(Math.abs(nbScoreK(obs.map((o) => o.y), mu, fit.k))).toBeLessThan(1e-8);
  });

  it('recovers known β and k from 20,000 simulated counts with covariates and exposure offsets', () => {
    const random = createRandom(20261121);
    const uniform = () => random.next();
    const beta = [-0.3, 0.5, -0.7];
    const k = 0.8;
    const obs: NbObservation[] = [];
    for (let i = 0; i < 20_000; i++) {
      const x1 = sampleNormal(uniform);
      const x2 = random.chance(0.4) ? 1 : 0;
      const exposure = random.uniform(0.2, 3);
      const mu = exposure * Math.exp((beta[0] as number) + (beta[1] as number) * x1 + (beta[2] as number) * x2);
      obs.push({ y: sampleNegativeBinomial(uniform, mu, k), x: [x1, x2], offset: Math.log(exposure) });
    }
    const fit = fitNegativeBinomial(obs);
    expect(fit.converged).toBe(true);
    // Across seeds the estimates scatter by about 0.013 (β) and 0.025 (k): allow about four of those.
    for (let j = 0; j < 3; j++) expect(Math.abs((fit.coefficients[j] as number) - (beta[j] as number))).toBeLessThan(0.06);
    expect(Math.abs(fit.k - k)).toBeLessThan(0.1);
    expect(fit.iterations).toBeLessThan(20);
  });

  it('treats the offset as log exposure: doubling every exposure halves exp(β₀) and doubles μ', () => {
    const random = createRandom(7);
    const uniform = () => random.next();
    const base: NbObservation[] = [];
    for (let i = 0; i < 400; i++) {
      const exposure = random.uniform(0.5, 4);
      const x = random.uniform(-1, 1);
      base.push({ y: sampleNegativeBinomial(uniform, exposure * Math.exp(0.2 + 0.6 * x), 0.5), x: [x], offset: Math.log(exposure) });
    }
    const doubled = base.map((o) => ({ ...o, offset: (o.offset as number) + Math.log(2) }));
    const a = fitNegativeBinomial(base);
    const b = fitNegativeBinomial(doubled);
    expect(b.coefficients[0]).toBeCloseTo((a.coefficients[0] as number) - Math.log(2), 8);
    expect(b.coefficients[1]).toBeCloseTo(a.coefficients[1] as number, 8);
    expect(b.k).toBeCloseTo(a.k, 8);
    expect(b.logLik).toBeCloseTo(a.logLik, 6);
    expect(predictMu(a, [0.3], Math.log(2))).toBeCloseTo(2 * predictMu(a, [0.3], 0), 10);
  });

  it('returns k = 0, converged, for Poisson data (no overdispersion)', () => {
    const random = createRandom(99);
    const uniform = () => random.next();
    const obs: NbObservation[] = [];
    for (let i = 0; i < 5_000; i++) {
      const x = random.uniform(0, 1);
      obs.push({ y: samplePoisson(uniform, Math.exp(0.5 + x)), x: [x] });
    }
    const fit = fitNegativeBinomial(obs);
    expect(fit.converged).toBe(true);
    expect(fit.k).toBeLessThan(0.01);
    expect(fit.coefficients[1]).toBeCloseTo(1, 1);
  });

  it('returns exactly k = 0 for underdispersed counts', () => {
    const fit = fitNegativeBinomial([2, 3, 2, 3, 2, 3, 3, 2].map((y) => ({ y, x: [] })));
    expect(fit.k).toBe(0);
    expect(fit.converged).toBe(true);
    expect(Math.exp(fit.coefficients[0] as number)).toBeCloseTo(2.5, 10);
    expect(fit.logLik).toBeCloseTo(independentLogLik([2, 3, 2, 3, 2, 3, 3, 2], new Array<number>(8).fill(2.5), 0), 9);
  });

  it('gives μ = 0 everywhere when every count is zero', () => {
    const fit = fitNegativeBinomial([{ y: 0, x: [1] }, { y: 0, x: [2] }, { y: 0, x: [5] }]);
    expect(fit).toMatchObject({ k: 0, logLik: 0, converged: true, n: 3 });
    expect(fit.coefficients).toEqual([-Infinity, 0]);
    expect(predictMu(fit, [3])).toBe(0);
  });

  it('fits one observation with an intercept-only model (μ = y, k = 0)', () => {
    const fit = fitNegativeBinomial([{ y: 4, x: [], offset: Math.log(2) }]);
    expect(fit.k).toBe(0);
    expect(predictMu(fit, [], Math.log(2))).toBeCloseTo(4, 10);
  });

  it('names the covariate that is collinear with the intercept and earlier columns', () => {
    const obs = [0, 1, 2, 3, 4, 5].map((i) => ({ y: i % 3, x: [i, 2 * i + 1] }));
    expect(() => fitNegativeBinomial(obs)).toThrow(CollinearityError);
    expect(() => fitNegativeBinomial(obs)).toThrow(/covariate x\[1\] is a linear combination/);
    expect(() => fitNegativeBinomial([0, 1, 2].map((y) => ({ y, x: [3] })))).toThrow(/covariate x\[0\] is a linear combination/);
    expect(() => fitNegativeBinomial([0, 1, 2].map((y) => ({ y, x: [0] })))).toThrow(/covariate x\[0\] carries no information/);
  });

  it('fits a covariate level where every count is zero with μ ≈ 0 there, as R’s glm does', () => {
    // The ML coefficient is −∞; μ is floored at machine epsilon (R's linkinv), so it stops near −36.
    const obs: NbObservation[] = [...[0, 0, 0, 0, 0, 0].map((y) => ({ y, x: [1] })), ...[2, 0, 5, 1, 3, 7].map((y) => ({ y, x: [0] }))];
    const fit = fitNegativeBinomial(obs);
    expect(fit.coefficients[0]).toBeCloseTo(Math.log(3), 9);
    expect(fit.coefficients[1]).toBeLessThan(-30);
    expect(predictMu(fit, [1])).toBeLessThan(1e-12);
  });

  it('rejects bad input with the observation and value named', () => {
    expect(() => fitNegativeBinomial([])).toThrow(/no observations/);
    expect(() => fitNegativeBinomial([{ y: 1, x: [1] }])).toThrow(/2 parameters .* needs at least 2 observations, got 1/);
    expect(() => fitNegativeBinomial([{ y: 1, x: [] }, { y: 1.5, x: [] }])).toThrow(/observation 1 has y = 1.5/);
    expect(() => fitNegativeBinomial([{ y: 1, x: [] }, { y: -1, x: [] }])).toThrow(/observation 1 has y = -1/);
    expect(() => fitNegativeBinomial([{ y: 1, x: [1] }, { y: 2, x: [] }, { y: 2, x: [3] }])).toThrow(/Observation 1 has 0 covariates; observation 0 has 1/);
    expect(() => fitNegativeBinomial([{ y: 1, x: [1] }, { y: 2, x: [Number.NaN] }, { y: 2, x: [3] }])).toThrow(/Observation 1 has a non-finite covariate x\[0\] = NaN/);
    expect(() => fitNegativeBinomial([{ y: 1, x: [], offset: -Infinity }])).toThrow(/Observation 0 has a non-finite offset/);
    expect(() => fitNegativeBinomial([{ y: 1, x: [] }], { maxIterations: 0 })).toThrow(/maxIterations/);
    expect(() => predictMu(fitNegativeBinomial([{ y: 1, x: [] }]), [1])).toThrow(/Expected 0 covariates/);
  });
});

describe('nbLogLikelihood and nbScoreK', () => {
  const y = [0, 1, 4, 0, 2, 9, 1, 0, 3];
  const mu = [0.5, 1.2, 2.5, 0.1, 3, 4.5, 0.8, 1.1, 2];

  it('equal the textbook probability mass and its derivative for k from 0 to large', () => {
    for (const k of [0, 1e-4, 0.0099, 0.0101, 0.3, 2, 50]) {
      expect(nbLogLikelihood(y, mu, k)).toBeCloseTo(independentLogLik(y, mu, k), 8);
      if (k > 1e-3) {
        const h = k * 1e-5;
        const numerical = (independentLogLik(y, mu, k + h) - independentLogLik(y, mu, k - h)) / (2 * h);
        expect(nbScoreK(y, mu, k)).toBeCloseTo(numerical, 5);
      }
    }
  });

  it('stays accurate as k → 0, where the textbook form cancels (log L(k) ≈ log L(0) + k·S(0))', () => {
    const k = 1e-9;
    const linear = nbLogLikelihood(y, mu, 0) + k * nbScoreK(y, mu, 0);
    expect(Math.abs(nbLogLikelihood(y, mu, k) - linear)).toBeLessThan(1e-13);
  });

  it('gives the score at k = 0 as ½ Σ ((y − μ)² − y)', () => {
    const expected = 0.5 * y.reduce((sum, yi, i) => sum + (yi - (mu[i] as number)) ** 2 - yi, 0);
    expect(nbScoreK(y, mu, 0)).toBeCloseTo(expected, 10);
    expect(nbScoreK(y, mu, 1e-12)).toBeCloseTo(expected, 6);
  });

  it('is continuous where the score switches to its small-k series', () => {
    // k·μ crosses 0.01 for μ = 4.5 at k ≈ 0.00222.
    const below = nbScoreK(y, mu, 0.0022222);
    const above = nbScoreK(y, mu, 0.0022223);
    expect(Math.abs(below - above)).toBeLessThan(1e-4);
  });
});
