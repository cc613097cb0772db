/**
 * Negative binomial (NB2) regression: counts y with mean μ = exp(offset + β₀ + Σ βⱼ xⱼ) and
 * variance μ + k·μ² (k is the overdispersion, 1/θ in R's MASS::glm.nb; k = 0 is Poisson).
 *
 * This is the "safety performance function" of Empirical Bayes network screening (Highway Safety
 * Manual, part B): μ is what similar sites are expected to record and k sets how far one site's own
 * count can pull the EB estimate away from μ.
 *
 * Written here rather than taken from a package: there is no maintained JavaScript GLM library with
 * a negative binomial family (the npm candidates are unmaintained or Poisson/Gaussian only), and the
 * fit is small — iteratively reweighted least squares for β, one-dimensional maximum likelihood for
 * k, alternated to convergence exactly as MASS::glm.nb does. Tests check it against answers known
 * in closed form and against simulated data with known parameters.
 *
 * Exactness note: for integer counts ψ(y + 1/k) − ψ(1/k) = Σ_{j<y} k/(1 + j·k), so the score for k
 * and the log-likelihood are computed from finite sums (grouped by count through a table of
 * "how many observations exceed j") instead of digamma/lgamma differences. That is exact, needs no
 * special functions, and stays accurate as k → 0, where digamma differences of huge arguments
 * cancel catastrophically.
 */
import { CollinearityError, solveSymmetric } from './linear-algebra.ts';

export interface NbObservation {
  /** The count (a non-negative integer), e.g. KSI collisions at a site over the period. */
  y: number;
  /** Covariates, without the intercept (the fit adds it); the same length for every observation. */
  x: number[];
  /** log(exposure), e.g. log(length in km × years); 0 when absent. */
  offset?: number;
}

export interface NbFit {
  /** [β₀ (intercept), β₁ …] on the log scale, in the order of NbObservation.x. */
  coefficients: number[];
  /** Overdispersion k ≥ 0 (Var = μ + kμ²); 0 when the data show no overdispersion (Poisson). */
  k: number;
  /** Maximised log-likelihood, full (including the −log y! terms), so fits can be compared. */
  logLik: number;
  /** Alternations between the β step (IRLS) and the k step until both were stable. */
  iterations: number;
  converged: boolean;
  /** Observations used. */
  n: number;
}

export interface NbFitOptions {
  /** Cap on the β–k alternations and on IRLS iterations within each (default 100). */
  maxIterations?: number;
  /** Relative change in β, k and log-likelihood that counts as converged (default 1e-8). */
  tolerance?: number;
}

/** Counts above this are refused: the exact sums use a table as long as the largest count. */
export const MAX_COUNT = 1_000_000;

/** Same floor as R's poisson()/negative.binomial() linkinv: μ never reaches 0 inside a fit. */
const MU_FLOOR = Number.EPSILON;
/** Below this k·μ the k-score terms use their series (the closed forms cancel catastrophically). */
const SERIES_X = 1e-2;

/**
 * Fits NB2 regression with a log link and optional offsets by maximum likelihood.
 *
 * Special cases: every count zero gives β₀ = −Infinity, other coefficients 0 and k = 0 (the ML
 * estimate of μ is 0 everywhere; predictMu returns 0). Data with no overdispersion (the k-score at
 * k = 0 is ≤ 0) give k = 0 exactly: the Poisson fit. One observation fits an intercept-only model
 * (μ = y, k = 0). A covariate level whose counts are all zero gets a large negative coefficient
 * (the ML value is −∞; μ is floored at machine epsilon, as in R's glm) and μ ≈ 0 there. Fewer
 * observations than parameters, or a covariate that is a linear combination of the intercept and
 * earlier covariates, throw with the column named.
 */
export function fitNegativeBinomial(obs: readonly NbObservation[], options: NbFitOptions = {}): NbFit {
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-8;
  if (!Number.isInteger(maxIterations) || maxIterations < 1) throw new RangeError(`maxIterations must be a positive integer, got ${maxIterations}.`);
  if (!(tolerance > 0 && tolerance <= 0.1)) throw new RangeError(`tolerance must be in (0, 0.1], got ${tolerance}.`);

  const data = design(obs);
  const { n, p, y } = data;
  const columnName = (j: number): string => (j === 0 ? 'the intercept' : `covariate x[${j - 1}]`);
  // Rank check on the unweighted design, so a collinear input fails the same way whatever the data.
  solveSymmetric(crossProduct(data, null), new Float64Array(p), p, columnName);

  let total = 0;
  for (let i = 0; i < n; i++) total += y[i] as number;
  if (total === 0) {
    return { coefficients: [-Infinity, ...new Array<number>(p - 1).fill(0)], k: 0, logLik: 0, iterations: 0, converged: true, n };
  }

  const table = exceedanceTable(y);
  const mu = new Float64Array(n);
  // Start from the Poisson fit (k = 0), as MASS::glm.nb does.
  let beta = irls(data, 0, null, mu, maxIterations, tolerance, columnName);
  let k = 0;
  let logLik = logLikelihoodFromTable(table, y, mu, k);
  let converged = false;
  let iterations = 0;
  while (iterations < maxIterations) {
    iterations++;
    const kStep = maximiseK(table, y, mu, tolerance, k);
    const betaStep = irls(data, kStep.k, beta.beta, mu, maxIterations, tolerance, columnName);
    const nextLogLik = logLikelihoodFromTable(table, y, mu, kStep.k);
    const kStable = Math.abs(kStep.k - k) <= tolerance * (1 + kStep.k);
    const betaStable = maxRelativeChange(beta.beta, betaStep.beta) <= tolerance;
    const logLikStable = Math.abs(nextLogLik - logLik) <= tolerance * (Math.abs(nextLogLik) + 0.1);
    k = kStep.k;
    beta = betaStep;
    logLik = nextLogLik;
    if (kStable && betaStable && logLikStable) {
      converged = kStep.converged && betaStep.converged;
      break;
    }
  }
  return { coefficients: Array.from(beta.beta), k, logLik, iterations, converged, n };
}

/** μ = exp(β₀ + Σ βⱼ xⱼ + offset) for one site; 0 for a fit to all-zero counts. */
export function predictMu(fit: NbFit, x: readonly number[], offset = 0): number {
  if (x.length !== fit.coefficients.length - 1) {
    throw new RangeError(`Expected ${fit.coefficients.length - 1} covariates (the fit's), got ${x.length}.`);
  }
  let eta = (fit.coefficients[0] as number) + offset;
  for (let j = 0; j < x.length; j++) {
    const value = x[j] as number;
    if (!Number.isFinite(value)) throw new RangeError(`Covariate x[${j}] must be a finite number, got ${value}.`);
    eta += (fit.coefficients[j + 1] as number) * value;
  }
  return Math.exp(eta);
}

/**
 * The NB2 log-likelihood Σ log P(yᵢ | μᵢ, k), including −log yᵢ!; k = 0 gives the Poisson
 * log-likelihood (the limit). Exported for diagnostics and tests.
 */
export function nbLogLikelihood(y: ArrayLike<number>, mu: ArrayLike<number>, k: number): number {
  if (y.length !== mu.length) throw new RangeError(`y has ${y.length} values but mu has ${mu.length}.`);
  if (!(k >= 0) || !Number.isFinite(k)) throw new RangeError(`k must be a finite number ≥ 0, got ${k}.`);
  const counts = Float64Array.from(y, (value, i) => checkCount(value, i));
  return logLikelihoodFromTable(exceedanceTable(counts), counts, Float64Array.from(mu), k);
}

/**
 * d/dk of the NB2 log-likelihood at fixed μ (the profile score the k step sets to zero). At k = 0
 * it is the one-sided limit ½ Σ ((y − μ)² − y). Exported for diagnostics and tests.
 */
export function nbScoreK(y: ArrayLike<number>, mu: ArrayLike<number>, k: number): number {
  if (y.length !== mu.length) throw new RangeError(`y has ${y.length} values but mu has ${mu.length}.`);
  const counts = Float64Array.from(y, (value, i) => checkCount(value, i));
  return scoreK(exceedanceTable(counts), counts, Float64Array.from(mu), k).score;
}

// ---------------------------------------------------------------------------------------------

interface Design {
  n: number;
  /** Parameters, intercept included. */
  p: number;
  y: Float64Array;
  /** Row-major n × p, first column all ones. */
  x: Float64Array;
  offset: Float64Array;
}

function checkCount(value: number, i: number): number {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`y must be a non-negative integer count; observation ${i} has y = ${value}.`);
  if (value > MAX_COUNT) throw new RangeError(`Observation ${i} has y = ${value}, above the largest count this fit supports (${MAX_COUNT}).`);
  return value;
}

function design(obs: readonly NbObservation[]): Design {
  const n = obs.length;
  if (n === 0) throw new RangeError('Cannot fit a negative binomial model to no observations.');
  const first = obs[0] as NbObservation;
  if (!Array.isArray(first.x)) throw new TypeError('Observation 0 has no x array (use [] for an intercept-only model).');
  const p = first.x.length + 1;
  if (n < p) throw new RangeError(`A model with ${p} parameters (intercept + ${p - 1} covariates) needs at least ${p} observations, got ${n}.`);
  const y = new Float64Array(n);
  const x = new Float64Array(n * p);
  const offset = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const o = obs[i] as NbObservation;
    y[i] = checkCount(o.y, i);
    if (!Array.isArray(o.x) || o.x.length !== p - 1) {
      throw new RangeError(`Observation ${i} has ${Array.isArray(o.x) ? o.x.length : 'no'} covariates; observation 0 has ${p - 1}.`);
    }
    x[i * p] = 1;
    for (let j = 1; j < p; j++) {
      const value = o.x[j - 1] as number;
      if (!Number.isFinite(value)) throw new RangeError(`Observation ${i} has a non-finite covariate x[${j - 1}] = ${value}.`);
      x[i * p + j] = value;
    }
    const off = o.offset ?? 0;
    if (!Number.isFinite(off)) throw new RangeError(`Observation ${i} has a non-finite offset ${off} (offset = log(exposure); exposure must be > 0).`);
    offset[i] = off;
  }
  return { n, p, y, x, offset };
}

/** XᵀWX (row-major p × p); W = 1 when weights is null. */
function crossProduct(d: Design, weights: Float64Array | null): Float64Array {
  const { n, p, x } = d;
  const a = new Float64Array(p * p);
  for (let i = 0; i < n; i++) {
    const w = weights ? (weights[i] as number) : 1;
    const row = i * p;
    for (let r = 0; r < p; r++) {
      const xr = (x[row + r] as number) * w;
      for (let c = 0; c <= r; c++) a[r * p + c] = (a[r * p + c] as number) + xr * (x[row + c] as number);
    }
  }
  for (let r = 0; r < p; r++) for (let c = r + 1; c < p; c++) a[r * p + c] = a[c * p + r] as number;
  return a;
}

function linearPredictor(d: Design, beta: Float64Array, mu: Float64Array): void {
  const { n, p, x, offset } = d;
  for (let i = 0; i < n; i++) {
    let eta = offset[i] as number;
    for (let j = 0; j < p; j++) eta += (x[i * p + j] as number) * (beta[j] as number);
    mu[i] = Math.max(Math.exp(eta), MU_FLOOR);
  }
}

/** The part of the log-likelihood that depends on μ (β) for a fixed k. */
function kernelLogLik(y: Float64Array, mu: Float64Array, k: number): number {
  let sum = 0;
  for (let i = 0; i < y.length; i++) {
    const yi = y[i] as number;
    const m = mu[i] as number;
    if (!Number.isFinite(m)) return -Infinity;
    sum += (yi > 0 ? yi * Math.log(m) : 0) - (yi > 0 ? yi * Math.log1p(k * m) : 0) - m * log1pOverX(k * m);
  }
  return sum;
}

/** log(1 + x)/x, continuous at 0 (= 1): −(y + 1/k)·log(1 + kμ) = −y·log(1 + kμ) − μ·log1pOverX(kμ). */
function log1pOverX(x: number): number {
  return x < 1e-8 ? 1 - x / 2 : Math.log1p(x) / x;
}

interface IrlsResult {
  beta: Float64Array;
  converged: boolean;
}

/**
 * Fisher scoring (IRLS) for β at fixed k: weights μ/(1 + kμ), working response η − offset + (y − μ)/μ,
 * with step halving when the log-likelihood would fall (as R's glm.fit does). Leaves μ at the result.
 */
function irls(d: Design, k: number, start: Float64Array | null, mu: Float64Array, maxIterations: number, tolerance: number, columnName: (j: number) => string): IrlsResult {
  const { n, p, y, x, offset } = d;
  const weights = new Float64Array(n);
  const rhs = new Float64Array(p);
  let beta: Float64Array;
  if (start) {
    beta = Float64Array.from(start);
    linearPredictor(d, beta, mu);
  } else {
    // glm's Poisson starting values: μ = y + 0.1.
    beta = new Float64Array(p);
    for (let i = 0; i < n; i++) mu[i] = (y[i] as number) + 0.1;
  }
  let logLik = start ? kernelLogLik(y, mu, k) : -Infinity;
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    rhs.fill(0);
    for (let i = 0; i < n; i++) {
      const m = mu[i] as number;
      const w = m / (1 + k * m);
      weights[i] = w;
      const eta = Math.log(m);
      const z = eta - (offset[i] as number) + ((y[i] as number) - m) / m;
      for (let j = 0; j < p; j++) rhs[j] = (rhs[j] as number) + w * (x[i * p + j] as number) * z;
    }
    let next: Float64Array;
    try {
      next = solveSymmetric(crossProduct(d, weights), rhs, p, columnName);
    } catch (err) {
      if (err instanceof CollinearityError) {
        throw new CollinearityError(
          `The fit became numerically singular at IRLS iteration ${iteration}: ${err.message} This usually means every count is zero across one level of a covariate (the coefficient runs off to −∞); merge that group.`,
          err.column,
        );
      }
      throw err;
    }
    linearPredictor(d, next, mu);
    let nextLogLik = kernelLogLik(y, mu, k);
    // Step halving: never accept a step that lowers the likelihood (or overflows μ).
    // (logLik starts at −Infinity without a start, so the first step from μ = y + 0.1 is always taken.)
    for (let halving = 0; !(nextLogLik >= logLik - 1e-12 * Math.abs(logLik)) && halving < 40; halving++) {
      for (let j = 0; j < p; j++) next[j] = ((next[j] as number) + (beta[j] as number)) / 2;
      linearPredictor(d, next, mu);
      nextLogLik = kernelLogLik(y, mu, k);
    }
    const change = maxRelativeChange(beta, next);
    beta = next;
    logLik = nextLogLik;
    if (iteration > 1 && change <= tolerance) return { beta, converged: true };
  }
  return { beta, converged: false };
}

function maxRelativeChange(a: Float64Array, b: Float64Array): number {
  let max = 0;
  for (let j = 0; j < a.length; j++) {
    const bj = b[j] as number;
    const change = Math.abs(bj - (a[j] as number)) / (1 + Math.abs(bj));
    if (!(change <= max)) max = change;
  }
  return max;
}

/** c[j] = number of observations with y > j, for j = 0 … max(y) − 1. */
function exceedanceTable(y: Float64Array): Float64Array {
  let maxY = 0;
  for (const v of y) if (v > maxY) maxY = v;
  const histogram = new Float64Array(maxY + 1);
  for (const v of y) histogram[v] = (histogram[v] as number) + 1;
  const c = new Float64Array(maxY);
  let above = 0;
  for (let j = maxY - 1; j >= 0; j--) {
    above += histogram[j + 1] as number;
    c[j] = above;
  }
  return c;
}

function logLikelihoodFromTable(c: Float64Array, y: Float64Array, mu: Float64Array, k: number): number {
  // Σᵢ Σ_{j<yᵢ} [log(1 + j·k) − log(j + 1)]: the Γ(y + 1/k)/(Γ(1/k)·k^y·y!) part, exactly.
  let sum = 0;
  for (let j = 0; j < c.length; j++) sum += (c[j] as number) * (Math.log1p(j * k) - Math.log(j + 1));
  return sum + kernelLogLik(y, mu, k);
}

interface ScoreK {
  score: number;
  /** d(score)/dk */
  slope: number;
}

/**
 * The k-score S(k) = Σ_j c_j·j/(1 + jk) + Σᵢ [log(1 + kμᵢ)/k² − (yᵢ + 1/k)·μᵢ/(1 + kμᵢ)] and its
 * derivative, with the k → 0 limits handled by series.
 */
function scoreK(c: Float64Array, y: Float64Array, mu: Float64Array, k: number): ScoreK {
  let score = 0;
  let slope = 0;
  for (let j = 1; j < c.length; j++) {
    const cj = c[j] as number;
    const d = 1 + j * k;
    score += (cj * j) / d;
    slope -= (cj * j * j) / (d * d);
  }
  for (let i = 0; i < y.length; i++) {
    const m = mu[i] as number;
    const yi = y[i] as number;
    const x = k * m;
    const d = 1 + x;
    score -= (yi * m) / d;
    slope += (yi * m * m) / (d * d);
    if (x < SERIES_X) {
      // g(k) = log(1 + x)/k² − μ/(k(1 + x)) = μ² Σ_{n≥2} (−1)ⁿ (1 − 1/n) x^(n−2), and g′ = μ·dg/dx.
      let g = 0;
      let dg = 0;
      let power = 1;
      for (let t = 2; t <= 12; t++) {
        const sign = t % 2 === 0 ? 1 : -1;
        g += sign * (1 - 1 / t) * power;
        if (t < 12) dg += -sign * (1 - 1 / (t + 1)) * (t - 1) * power;
        power *= x;
      }
      score += m * m * g;
      slope += m * m * m * dg;
    } else {
      const log1p = Math.log1p(x);
      score += log1p / (k * k) - m / (k * d);
      slope += (-2 * log1p) / (k * k * k) + (2 * m) / (k * k * d) + (m * m) / (k * d * d);
    }
  }
  return { score, slope };
}

/** Beyond this k the data are treated as unboundedly overdispersed (never reached with real counts). */
const K_MAX = 1e8;

/**
 * The maximum-likelihood k for fixed μ: 0 when the score at 0 is ≤ 0, else the root of the score.
 * `start` (the previous alternation's k) seeds the bracket and Newton's first step.
 */
function maximiseK(c: Float64Array, y: Float64Array, mu: Float64Array, tolerance: number, start: number): { k: number; converged: boolean } {
  if (scoreK(c, y, mu, 0).score <= 0) return { k: 0, converged: true };
  const seed = start > 0 && start < K_MAX ? start : 1;
  let lo: number;
  let hi: number;
  if (scoreK(c, y, mu, seed).score > 0) {
    lo = seed;
    hi = seed * 2;
    while (scoreK(c, y, mu, hi).score > 0) {
      lo = hi;
      hi *= 4;
      if (hi > K_MAX) return { k: K_MAX, converged: false };
    }
  } else {
    // The root is below the seed: halve until the score turns positive (it is positive at 0).
    hi = seed;
    lo = seed / 2;
    while (lo > 1e-12 && scoreK(c, y, mu, lo).score <= 0) {
      hi = lo;
      lo /= 2;
    }
    if (lo <= 1e-12) lo = 0;
  }
  // Newton's method kept inside the bracket [lo, hi] (bisection when a step would leave it).
  let k = start > lo && start < hi ? start : (lo + hi) / 2;
  for (let iteration = 0; iteration < 200; iteration++) {
    const { score, slope } = scoreK(c, y, mu, k);
    if (score > 0) lo = k;
    else hi = k;
    let next = slope < 0 ? k - score / slope : (lo + hi) / 2;
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    const step = Math.abs(next - k);
    k = next;
    if (step <= tolerance * 1e-3 * (1 + k) || hi - lo <= 1e-15 * (1 + k)) return { k, converged: true };
  }
  return { k, converged: false };
}
