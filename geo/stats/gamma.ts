/**
 * Upper tail of the Gamma distribution, P(X > x) for X ~ Gamma(shape, rate), accurate for every
 * shape the Empirical Bayes posterior can take (shape = 1/k + N_obs: from under 1 to ~10¹²).
 *
 * - shape ≤ 500: @stdlib/stats-base-dists-gamma-cdf (Boost's algorithms), checked against exact
 *   Poisson sums in the tests.
 * - 500 < shape ≤ 10⁷: our own series / continued fraction. @stdlib 0.3.1 is wrong there: from about
 *   shape 990, near the mean, its Temme-expansion branch is off by up to 0.03 (e.g.
 *   P(Gamma(1003, 1) > 1003) is 0.49580 — an exact Poisson sum — but it returns 0.50840).
 * - shape > 10⁷: the Wilson–Hilferty normal approximation, whose error there is below 1e-10
 *   (the series would need tens of thousands of terms).
 */
import gammaCdf from '@stdlib/stats-base-dists-gamma-cdf';
import { upperTailP } from './normal.ts';

/** Largest shape handed to @stdlib (its results are verified up to here). */
export const STDLIB_MAX_SHAPE = 500;
/** Above this shape the Wilson–Hilferty approximation is used. */
export const WILSON_HILFERTY_MIN_SHAPE = 1e7;

/** P(X > x) for X ~ Gamma(shape, rate) (mean shape/rate). shape 0 is a point mass at 0. */
export function gammaUpperTail(x: number, shape: number, rate: number): number {
  if (!(shape >= 0) || !(rate > 0) || Number.isNaN(x)) throw new RangeError(`Gamma upper tail needs shape ≥ 0, rate > 0 and a number x (got shape ${shape}, rate ${rate}, x ${x}).`);
  if (x <= 0) return x < 0 || shape > 0 ? 1 : 0;
  if (shape === 0) return 0;
  if (x === Infinity) return 0;
  if (shape <= STDLIB_MAX_SHAPE) return clamp(1 - gammaCdf(x, shape, rate));
  if (shape <= WILSON_HILFERTY_MIN_SHAPE) return regularizedUpperGamma(shape, rate * x);
  // (rate·X/shape)^(1/3) is approximately normal with mean 1 − 1/(9·shape) and variance 1/(9·shape).
  const v = 1 / (9 * shape);
  return upperTailP((Math.cbrt((rate * x) / shape) - (1 - v)) / Math.sqrt(v));
}

/**
 * Q(a, y) = Γ(a, y)/Γ(a) for large a (≥ 10; used above 500): the power series for P below y = a + 1,
 * the Legendre continued fraction for Q above (Numerical Recipes §6.2), with the prefactor
 * yᵃe⁻ʸ/Γ(a) formed without cancellation as √(a/2π)·exp(−a·φ(y/a) − lnΓ*(a)), where
 * φ(λ) = λ − 1 − ln λ and Γ* is Stirling's correction. Throws rather than return an unconverged sum.
 */
export function regularizedUpperGamma(a: number, y: number): number {
  if (!(a >= 10)) throw new RangeError(`regularizedUpperGamma is for shapes ≥ 10, got ${a}.`);
  if (y <= 0) return 1;
  const prefactor = Math.sqrt(a / (2 * Math.PI)) * Math.exp(-a * phi(y / a) - stirlingCorrection(a));
  if (prefactor === 0) return y < a ? 1 : 0;
  const maxTerms = Math.ceil(20 * Math.sqrt(a + y)) + 200;
  if (y < a + 1) {
    // P = prefactor/a · Σ_{n≥0} yⁿ/((a+1)…(a+n))
    let term = 1;
    let sum = 1;
    for (let n = 1; n <= maxTerms; n++) {
      term *= y / (a + n);
      sum += term;
      if (term < sum * 1e-17) return clamp(1 - (prefactor / a) * sum);
    }
  } else {
    // Q = prefactor · 1/(y + 1 − a − 1·(1 − a)/(y + 3 − a − 2·(2 − a)/(y + 5 − a − …))) by modified Lentz.
    const tiny = 1e-300;
    let b = y + 1 - a;
    let c = 1 / tiny;
    let d = 1 / b;
    let h = d;
    for (let i = 1; i <= maxTerms; i++) {
      const an = -i * (i - a);
      b += 2;
      d = an * d + b;
      if (Math.abs(d) < tiny) d = tiny;
      c = b + an / c;
      if (Math.abs(c) < tiny) c = tiny;
      d = 1 / d;
      const delta = d * c;
      h *= delta;
      if (Math.abs(delta - 1) < 1e-16) return clamp(prefactor * h);
    }
  }
  throw new Error(`Incomplete gamma Q(${a}, ${y}) did not converge in ${maxTerms} terms.`);
}

/** φ(λ) = λ − 1 − ln λ ≥ 0, by its series near λ = 1 where the direct form cancels. */
function phi(lambda: number): number {
  const s = lambda - 1;
  if (Math.abs(s) > 0.01) return s - Math.log1p(s);
  // s − log(1 + s) = s²/2 − s³/3 + s⁴/4 − …
  let sum = 0;
  let power = s * s;
  for (let n = 2; n <= 12; n++) {
    sum += (n % 2 === 0 ? 1 : -1) * (power / n);
    power *= s;
  }
  return sum;
}

/** ln Γ*(a) = ln Γ(a) − (a − ½)ln a + a − ½ln 2π, by Stirling's series (full precision for a ≥ 10). */
function stirlingCorrection(a: number): number {
  const inverse = 1 / a;
  const inverse2 = inverse * inverse;
  return inverse * (1 / 12 - inverse2 * (1 / 360 - inverse2 * (1 / 1260 - inverse2 * (1 / 1680 - inverse2 / 1188))));
}

function clamp(p: number): number {
  if (Number.isNaN(p)) throw new Error('Gamma tail evaluated to NaN.');
  return p < 0 ? 0 : p > 1 ? 1 : p;
}
