/**
 * Speed survey summaries, pure. Two inputs: one speed per vehicle, or counts in speed bins (what most
 * automatic traffic counters export).
 *
 * Method:
 * - Per vehicle: mean of the speeds; 85th percentile by linear interpolation between the closest
 *   ranks (h = (n − 1) × 0.85, the "type 7" rule of R and Excel's PERCENTILE.INC); over the limit means
 *   strictly faster than the limit, at or over the threshold means speed ≥ threshold (enforcement
 *   starts at the threshold).
 * - Binned: each bin is [from, to) mph with its vehicles spread evenly across it. Mean = Σ count × bin
 *   middle ÷ vehicles; the 85th percentile is interpolated inside the bin where the running count
 *   reaches 85%; the share at or over a speed counts whole bins above it and the part of the bin it
 *   falls in (so a threshold of 46 in a 45–50 bin takes 4/5 of that bin).
 */

export interface SpeedBin {
  fromMph: number;
  toMph: number;
  count: number;
}

export interface SpeedSummary {
  vehicles: number;
  meanMph: number;
  p85Mph: number;
  /** Share (0–1) faster than the limit. */
  shareOverLimit: number;
  /** Share (0–1) at or over the enforcement threshold. */
  shareOverThreshold: number;
  /** The bins given, or a 1 mph histogram of per-vehicle speeds. */
  bins: SpeedBin[];
}

/** Summary of one speed per vehicle (mph). */
export function summarisePerVehicle(speedsMph: readonly number[], limitMph: number, thresholdMph: number): SpeedSummary {
  const n = speedsMph.length;
  if (n === 0) throw new RangeError('a survey needs at least one vehicle');
  const sorted = [...speedsMph].sort((a, b) => a - b);
  const h = (n - 1) * 0.85;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const p85 = (sorted[lo] as number) + (h - lo) * ((sorted[hi] as number) - (sorted[lo] as number));
  const histogram = new Map<number, number>();
  for (const s of sorted) histogram.set(Math.floor(s), (histogram.get(Math.floor(s)) ?? 0) + 1);
  return {
    vehicles: n,
    meanMph: sorted.reduce((a, b) => a + b, 0) / n,
    p85Mph: p85,
    shareOverLimit: sorted.filter((s) => s > limitMph).length / n,
    shareOverThreshold: sorted.filter((s) => s >= thresholdMph).length / n,
    bins: [...histogram].map(([from, count]) => ({ fromMph: from, toMph: from + 1, count })),
  };
}

/** Why a set of bins cannot be summarised, or undefined when it can. */
export function binsProblem(bins: readonly SpeedBin[]): string | undefined {
  const sorted = [...bins].sort((a, b) => a.fromMph - b.fromMph);
  for (let i = 1; i < sorted.length; i++) {
    const [a, b] = [sorted[i - 1] as SpeedBin, sorted[i] as SpeedBin];
    if (b.fromMph < a.toMph) return `the bins ${a.fromMph}–${a.toMph} and ${b.fromMph}–${b.toMph} mph overlap`;
  }
  if (sorted.reduce((t, b) => t + b.count, 0) === 0) return 'the bins hold no vehicles';
  return undefined;
}

/** Share of the vehicles in `bin` at or over `speedMph`, with speeds spread evenly across the bin. */
function fractionAtOrOver(bin: SpeedBin, speedMph: number): number {
  if (bin.fromMph >= speedMph) return 1;
  if (bin.toMph <= speedMph) return 0;
  return (bin.toMph - speedMph) / (bin.toMph - bin.fromMph);
}

/** Summary of counts in speed bins [from, to) mph. */
export function summariseBinned(bins: readonly SpeedBin[], limitMph: number, thresholdMph: number): SpeedSummary {
  const problem = binsProblem(bins);
  if (problem) throw new RangeError(problem);
  const sorted = [...bins].filter((b) => b.count > 0).sort((a, b) => a.fromMph - b.fromMph);
  const n = sorted.reduce((t, b) => t + b.count, 0);
  const target = 0.85 * n;
  let running = 0;
  let p85 = (sorted[sorted.length - 1] as SpeedBin).toMph;
  for (const bin of sorted) {
    if (running + bin.count >= target) {
      p85 = bin.fromMph + ((target - running) / bin.count) * (bin.toMph - bin.fromMph);
      break;
    }
    running += bin.count;
  }
  const share = (speed: number) => sorted.reduce((t, b) => t + b.count * fractionAtOrOver(b, speed), 0) / n;
  return {
    vehicles: n,
    meanMph: sorted.reduce((t, b) => t + b.count * ((b.fromMph + b.toMph) / 2), 0) / n,
    p85Mph: p85,
    shareOverLimit: share(limitMph),
    shareOverThreshold: share(thresholdMph),
    bins: [...bins].sort((a, b) => a.fromMph - b.fromMph),
  };
}
