/**
 * Getis–Ord Gi* hot-spot statistic with distance-band weights, and the Benjamini–Hochberg false
 * discovery rate step that keeps it honest (uncorrected, Gi* flags many sites on pure noise).
 *
 * Written here rather than taken from a package: the JavaScript options are either browser-mapping
 * toolkits without Gi* or unmaintained; the statistic itself is a few sums. Reference: Ord & Getis
 * (1995), "Local spatial autocorrelation statistics: distributional issues and an application",
 * Geographical Analysis 27(4), eq. 14 — the standardised Gi* with the site itself included:
 *
 *   Gi* = (Σⱼ wᵢⱼ xⱼ − X̄ Σⱼ wᵢⱼ) / (S · √((n Σⱼ wᵢⱼ² − (Σⱼ wᵢⱼ)²) / (n − 1)))
 *
 * with X̄ the mean and S = √(Σ xⱼ²/n − X̄²) over all n sites. Binary weights (wᵢⱼ = 1 within the
 * band, self included) make Σ wᵢⱼ = Σ wᵢⱼ² = Wᵢ, the number of sites in i's band. Gi* is then a
 * z-score: compare it with the standard normal (upperTailP in normal.ts) for a one-sided test of high values.
 */
import KDBush from 'kdbush';

/**
 * For each point, the indexes of every point within `bandM` (inclusive; same units as x/y, metres
 * in EPSG:27700) — the point itself included — in ascending order. Uses a k-d tree (kdbush).
 */
export function distanceBandNeighbours(points: ArrayLike<{ x: number; y: number }>, bandM: number): Int32Array[] {
  if (!(bandM >= 0) || !Number.isFinite(bandM)) throw new RangeError(`Distance band must be a finite number of metres ≥ 0, got ${bandM}.`);
  const n = points.length;
  if (n === 0) return [];
  const index = new KDBush(n);
  for (let i = 0; i < n; i++) {
    const { x, y } = points[i] as { x: number; y: number };
    if (!Number.isFinite(x) || !Number.isFinite(y)) throw new RangeError(`Point ${i} has a non-finite coordinate (${x}, ${y}).`);
    index.add(x, y);
  }
  index.finish();
  const neighbours: Int32Array[] = new Array<Int32Array>(n);
  for (let i = 0; i < n; i++) {
    const { x, y } = points[i] as { x: number; y: number };
    neighbours[i] = Int32Array.from(index.within(x, y, bandM)).sort();
  }
  return neighbours;
}

/**
 * Gi* z-scores with binary weights, the site itself always included (whether or not
 * `neighbours[i]` lists i). Each neighbour must be listed once. When every value is the same
 * (S = 0), or a site's band holds every site, there is nothing to test and its z is 0.
 */
export function giStar(values: ArrayLike<number>, neighbours: readonly Int32Array[]): Float64Array {
  const n = values.length;
  if (neighbours.length !== n) throw new RangeError(`Got ${n} values but ${neighbours.length} neighbour lists.`);
  const z = new Float64Array(n);
  if (n < 2) return z;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) throw new RangeError(`Value ${i} is not a finite number (${v}).`);
    sum += v;
  }
  const mean = sum / n;
  // Two-pass variance: the one-pass Σx²/n − X̄² of the formula cancels badly for large, similar values.
  let squares = 0;
  for (let i = 0; i < n; i++) squares += ((values[i] as number) - mean) ** 2;
  const s = Math.sqrt(squares / n);
  if (s === 0) return z;
  for (let i = 0; i < n; i++) {
    const list = neighbours[i] as Int32Array;
    let local = 0;
    let weight = 0;
    let selfListed = false;
    for (const j of list) {
      if (!(j >= 0 && j < n)) throw new RangeError(`Neighbour list ${i} holds index ${j}, outside 0…${n - 1}.`);
      if (j === i) selfListed = true;
      local += values[j] as number;
      weight++;
    }
    if (!selfListed) {
      local += values[i] as number;
      weight++;
    }
    const spread = (n * weight - weight * weight) / (n - 1);
    z[i] = spread > 0 ? (local - mean * weight) / (s * Math.sqrt(spread)) : 0;
  }
  return z;
}

/**
 * Benjamini–Hochberg (1995) step-up procedure: with p-values sorted ascending, reject the r smallest
 * where r is the largest rank with p₍ᵣ₎ ≤ r·q/m. `adjusted` holds the BH q-values
 * (min over ranks ≥ r of m·p₍ᵣ₎/r, capped at 1; monotone in p), so rejected ⇔ adjusted ≤ q.
 */
export function benjaminiHochberg(p: ArrayLike<number>, q = 0.05): { adjusted: Float64Array; rejected: Uint8Array } {
  if (!(q > 0 && q < 1)) throw new RangeError(`False discovery rate q must be in (0, 1), got ${q}.`);
  const m = p.length;
  const order = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    const value = p[i] as number;
    if (!(value >= 0 && value <= 1)) throw new RangeError(`p-value ${i} must be in [0, 1], got ${value}.`);
    order[i] = i;
  }
  order.sort((a, b) => (p[a] as number) - (p[b] as number));
  const adjusted = new Float64Array(m);
  const rejected = new Uint8Array(m);
  let running = 1;
  for (let rank = m; rank >= 1; rank--) {
    const i = order[rank - 1] as number;
    running = Math.min(running, ((p[i] as number) * m) / rank);
    adjusted[i] = running;
    rejected[i] = running <= q ? 1 : 0;
  }
  return { adjusted, rejected };
}
