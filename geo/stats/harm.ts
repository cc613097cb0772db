/**
 * Harm in money: the value of preventing the collisions a site has in excess of similar sites,
 * from DfT's value-of-prevention table (RAS4001, £ per collision by severity, at one price year).
 * Fatal and serious collisions are pooled as KSI for ranking (fatal alone is too rare to rank on),
 * valued at their mix.
 */

export interface CollisionValues {
  /** The table's version label (stored with every run). */
  version: string;
  /** Price year the £ values are expressed in. */
  priceYear: number;
  /** £ per fatal collision. */
  fatalGbp: number;
  /** £ per serious collision. */
  seriousGbp: number;
  /** £ per slight collision. */
  slightGbp: number;
}

/**
 * £ value of one KSI collision: fatalShare × fatal + (1 − fatalShare) × serious, where
 * `fatalShareOfKsi` is the share of KSI collisions that are fatal (e.g. over the area and period).
 */
export function ksiValue(values: CollisionValues, fatalShareOfKsi: number): number {
  if (!(fatalShareOfKsi >= 0 && fatalShareOfKsi <= 1)) throw new RangeError(`Fatal share of KSI collisions must be in [0, 1], got ${fatalShareOfKsi}.`);
  for (const field of ['fatalGbp', 'seriousGbp', 'slightGbp'] as const) {
    const value = values[field];
    if (!(value >= 0) || !Number.isFinite(value)) throw new RangeError(`Collision value ${field} (table ${values.version}) must be a finite amount ≥ 0, got ${value}.`);
  }
  return fatalShareOfKsi * values.fatalGbp + (1 - fatalShareOfKsi) * values.seriousGbp;
}

/**
 * Harm score, £ per year of excess:
 *
 *   (max(excessKsi, 0) × ksiValue + max(excessAll − excessKsi, 0) × slightValue) / years
 *
 * excessAll − excessKsi is the excess of slight (non-KSI) collisions. A negative excess (a site
 * doing better than similar sites) earns no credit: it counts as 0.
 */
export function harmScore(excessKsi: number, excessAll: number, years: number, ksiValueGbp: number, slightValueGbp: number): number {
  if (!Number.isFinite(excessKsi) || !Number.isFinite(excessAll)) throw new RangeError(`Excess counts must be finite numbers, got KSI ${excessKsi} and all ${excessAll}.`);
  if (!(years > 0) || !Number.isFinite(years)) throw new RangeError(`Period must be a finite number of years > 0, got ${years}.`);
  if (!(ksiValueGbp >= 0) || !(slightValueGbp >= 0)) throw new RangeError(`Collision values must be ≥ 0, got KSI £${ksiValueGbp} and slight £${slightValueGbp}.`);
  return (Math.max(excessKsi, 0) * ksiValueGbp + Math.max(excessAll - excessKsi, 0) * slightValueGbp) / years;
}
