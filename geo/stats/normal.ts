/**
 * The standard normal upper tail and the complementary error function it rests on, to full double
 * precision across the range (no normal-distribution package is a dependency; the gamma CDF's
 * package does not expose one).
 *
 * erfc is evaluated with two exact expansions rather than a fitted rational approximation:
 * - |x| ≤ 1: erf(x) = (2/√π)·e^(−x²)·Σ_{n≥0} 2ⁿx^(2n+1)/(1·3·…·(2n+1)) (all terms positive, so no
 *   cancellation), and erfc = 1 − erf;
 * - x > 1: the continued fraction erfc(x) = e^(−x²)/√π · 1/(x + ½/(x + 1/(x + (3/2)/(x + …)))),
 *   evaluated with the modified Lentz method, which keeps full relative accuracy far into the tail.
 */

const SQRT_PI = Math.sqrt(Math.PI);
const SERIES_LIMIT = 1;

/** The complementary error function erfc(x) = 1 − erf(x). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x <= SERIES_LIMIT) return 1 - erfSeries(x);
  if (x > 27) return 0; // e^(−x²) underflows the smallest double
  return Math.exp(-x * x) / (SQRT_PI * continuedFraction(x));
}

/** P(Z > z) for a standard normal Z (one-sided upper-tail p-value of a z-score). */
export function upperTailP(z: number): number {
  if (Number.isNaN(z)) throw new RangeError('z-score is NaN.');
  return 0.5 * erfc(z / Math.SQRT2);
}

/** P(Z ≤ z) for a standard normal Z. */
export function normalCdf(z: number): number {
  return upperTailP(-z);
}

function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return ((2 / SQRT_PI) * Math.exp(-x2)) * sum;
}

/** x + ½/(x + 1/(x + (3/2)/(x + 2/(x + …)))): partial numerators n/2, denominators x. */
function continuedFraction(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = f;
  let d = 0;
  for (let n = 1; n < 5000; n++) {
    const a = n / 2;
    d = x + a * d;
    d = d === 0 ? 1 / tiny : 1 / d;
    c = x + a / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return f;
}
