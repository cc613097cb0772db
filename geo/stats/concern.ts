/**
 * Community concern as a bounded nudge to a site's priority (project brief, method step 8):
 * concerns are decayed with age, compared with what similar roads receive, the ratio is shrunk
 * toward 1 so a handful of reports cannot swing it, and the resulting factor can raise priority by
 * at most `maxShare` (default 25%) and never lower it.
 */

/** Default half-life of a concern's weight: 12 months, in days. */
export const DEFAULT_CONCERN_HALF_LIFE_DAYS = 365.25;
/** Default prior strength a: pseudo-concerns added to both sides of the ratio. */
export const DEFAULT_CONCERN_PRIOR_STRENGTH = 2;
/** Default largest share by which concern can raise a site's priority. */
export const DEFAULT_CONCERN_MAX_SHARE = 0.25;

/**
 * Weight of one concern of the given age: 0.5^(age / halfLife), so 1 when new, ½ after one
 * half-life. Ages in days (fractional allowed); a concern dated after the run's reference date is
 * an error, not weight 1 — the caller chooses which concerns belong to a run.
 */
export function decayWeight(ageDays: number, halfLifeDays = DEFAULT_CONCERN_HALF_LIFE_DAYS): number {
  if (!(ageDays >= 0) || !Number.isFinite(ageDays)) throw new RangeError(`Concern age must be a finite number of days ≥ 0, got ${ageDays}.`);
  if (!(halfLifeDays > 0) || !Number.isFinite(halfLifeDays)) throw new RangeError(`Half-life must be a finite number of days > 0, got ${halfLifeDays}.`);
  return Math.pow(0.5, ageDays / halfLifeDays);
}

export interface ConcernFactorOptions {
  /** a in (observed + a)/(expected + a): larger values shrink harder toward 1 (default 2). */
  priorStrength?: number;
  /** The factor's ceiling is 1 + maxShare (default 0.25). */
  maxShare?: number;
}

/**
 * The shrunk concern ratio and the priority factor it gives.
 *
 *   ratio  = (observed + a) / (expected + a)
 *   factor = 1 + maxShare × clamp((ratio − 1) / ratio, 0, 1)      ∈ [1, 1 + maxShare]
 *
 * `observed` is the site's decayed, deduplicated concern score; `expected` what similar roads
 * receive (same units). (ratio − 1)/ratio is the share of the site's concern that is "extra": 0 at
 * or below expectation, ½ at twice, approaching 1 only for overwhelming concern, so the factor
 * rises smoothly and saturates at the ceiling.
 */
export function concernFactor(observed: number, expected: number, options: ConcernFactorOptions = {}): { ratio: number; factor: number } {
  const a = options.priorStrength ?? DEFAULT_CONCERN_PRIOR_STRENGTH;
  const maxShare = options.maxShare ?? DEFAULT_CONCERN_MAX_SHARE;
  if (!(observed >= 0) || !Number.isFinite(observed)) throw new RangeError(`Observed concern score must be a finite number ≥ 0, got ${observed}.`);
  if (!(expected >= 0) || !Number.isFinite(expected)) throw new RangeError(`Expected concern score must be a finite number ≥ 0, got ${expected}.`);
  if (!(a > 0) || !Number.isFinite(a)) throw new RangeError(`priorStrength must be a finite number > 0, got ${a}.`);
  if (!(maxShare >= 0) || !Number.isFinite(maxShare)) throw new RangeError(`maxShare must be a finite number ≥ 0, got ${maxShare}.`);
  const ratio = (observed + a) / (expected + a);
  const extraShare = Math.min(1, Math.max(0, (ratio - 1) / ratio));
  return { ratio, factor: 1 + maxShare * extraShare };
}
