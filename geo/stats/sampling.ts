/**
 * Random variates for simulations (tests, null-calibration and planted-hotspot checks) drawn from a
 * caller-supplied uniform source, so a seeded generator gives the same data on every run.
 * `uniform` must return floats in [0, 1), like Math.random or test/bench/random.ts's `next`.
 */
export type Uniform = () => number;

/** Standard normal N(0, 1) by the Box–Muller transform. */
export function sampleNormal(uniform: Uniform): number {
  const u1 = 1 - uniform(); // (0, 1]: log(0) is avoided
  const u2 = uniform();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/**
 * Gamma(shape, rate) (mean shape/rate) by Marsaglia & Tsang (2000); shapes below 1 use the boost
 * Gamma(shape) = Gamma(shape + 1) · U^(1/shape).
 */
export function sampleGamma(uniform: Uniform, shape: number, rate = 1): number {
  if (!(shape > 0) || !Number.isFinite(shape)) throw new RangeError(`Gamma shape must be a finite number > 0, got ${shape}.`);
  if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError(`Gamma rate must be a finite number > 0, got ${rate}.`);
  if (shape < 1) return sampleGamma(uniform, shape + 1, rate) * Math.pow(1 - uniform(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = sampleNormal(uniform);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - uniform();
    if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return (d * v) / rate;
  }
}

/**
 * Poisson(λ) by Knuth's product of uniforms, in chunks of λ ≤ 30 (a sum of independent Poissons is
 * Poisson), so e^−λ never underflows. Time grows with λ: meant for counts, not λ in the millions.
 */
export function samplePoisson(uniform: Uniform, lambda: number): number {
  if (!(lambda >= 0) || !Number.isFinite(lambda)) throw new RangeError(`Poisson mean must be a finite number ≥ 0, got ${lambda}.`);
  let count = 0;
  let remaining = lambda;
  while (remaining > 0) {
    const chunk = Math.min(remaining, 30);
    remaining -= chunk;
    const limit = Math.exp(-chunk);
    let product = uniform();
    while (product > limit) {
      count++;
      product *= uniform();
    }
  }
  return count;
}

/**
 * NB2 count with mean μ and variance μ + kμ², as a Gamma–Poisson mixture
 * (λ ~ Gamma(shape 1/k, rate 1/(kμ)), y ~ Poisson(λ)); k = 0 is Poisson(μ).
 */
export function sampleNegativeBinomial(uniform: Uniform, mu: number, k: number): number {
  if (!(mu >= 0) || !Number.isFinite(mu)) throw new RangeError(`Mean must be a finite number ≥ 0, got ${mu}.`);
  if (!(k >= 0) || !Number.isFinite(k)) throw new RangeError(`Overdispersion k must be a finite number ≥ 0, got ${k}.`);
  if (mu === 0) return 0;
  if (k === 0) return samplePoisson(uniform, mu);
  return samplePoisson(uniform, sampleGamma(uniform, 1 / k, 1 / (k * mu)));
}
