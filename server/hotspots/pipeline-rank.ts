import type { HotspotParams } from './params.ts';
import type { Site, SiteUnit } from './pipeline-types.ts';

/*
 * Step 9 of the method: priority = harm score × concern factor; rank within each unit (1 = highest);
 * rank change against the previous published run; camera eligibility with its reason.
 */

/**
 * Ranks one unit's sites by priority score, highest first. Ties (most often sites with no excess,
 * priority 0) are broken by the probability of excess, then the EB expected KSI, then the observed
 * KSI, then the site id, so a rerun on the same data gives the same order.
 */
export function rankUnit(sites: Site[]): void {
  for (const s of sites) s.priorityScore = (s.harmScore ?? 0) * s.concernFactor;
  const order = [...sites].sort(
    (a, b) =>
      b.priorityScore! - a.priorityScore! ||
      (b.pExcess ?? 0) - (a.pExcess ?? 0) ||
      (b.expectedKsi ?? 0) - (a.expectedKsi ?? 0) ||
      b.fatal + b.serious - (a.fatal + a.serious) ||
      (a.siteId < b.siteId ? -1 : a.siteId > b.siteId ? 1 : 0),
  );
  order.forEach((s, i) => (s.rank = i + 1));
}

/** Sets previousRank and rankChange (previous − current: positive means the site moved up). */
export function applyPreviousRanks(sites: Site[], previous: ReadonlyMap<string, number>): void {
  for (const s of sites) {
    const before = previous.get(`${s.unit}|${s.siteId}`);
    s.previousRank = before ?? null;
    s.rankChange = before !== undefined && s.rank !== null ? before - s.rank : null;
  }
}

/**
 * Renumbers corridors 1, 2, … by the best-ranked site each contains (over every unit), so corridor 1
 * holds the highest priority.
 */
export function renumberCorridors(sites: Site[]): void {
  const best = new Map<number, number>();
  for (const s of sites) {
    if (s.corridorId === null || s.rank === null) continue;
    const unitWeight = s.unit === 'segment' || s.unit === 'cell' ? 0 : 1; // tested units first
    const score = unitWeight * 1e9 + s.rank;
    best.set(s.corridorId, Math.min(best.get(s.corridorId) ?? Infinity, score));
  }
  const order = [...best.entries()].sort((a, b) => a[1] - b[1] || a[0] - b[0]);
  const renamed = new Map(order.map(([id], i) => [id, i + 1]));
  for (const s of sites) if (s.corridorId !== null) s.corridorId = renamed.get(s.corridorId) ?? null;
}

const fmt = (v: number, digits = 1) => v.toFixed(digits);

/**
 * Camera eligibility (reported beside the rank, never changing it): KSI collisions per km in the
 * camera window against the threshold for the site's speed limit. Length is at least the camera
 * guidance's minimum site length, so one KSI on a 50 m segment is not "20 per km". Junctions: KSI
 * at the junction. Grid cells: not assessed (no road length).
 */
export function cameraEligibility(site: Site, params: HotspotParams): { eligible: boolean; reason: string; ksiPerKm: number | null } {
  const months = `${params.cameraMonths} months`;
  if (site.unit === 'cell') {
    return { eligible: false, reason: 'not assessed: a grid cell has no road length (import a road network for camera evidence)', ksiPerKm: null };
  }
  if (site.unit === 'junction') {
    const ok = site.ksi36 >= params.cameraJunctionKsi;
    return {
      eligible: ok,
      reason: `${site.ksi36} KSI at the junction in ${months} ${ok ? '≥' : '<'} ${params.cameraJunctionKsi} threshold`,
      ksiPerKm: null,
    };
  }
  const lengthM = site.lengthM ?? 0;
  const measuredKm = Math.max(lengthM, params.cameraMinSiteLengthM) / 1000;
  const perKm = measuredKm > 0 ? site.ksi36 / measuredKm : 0;
  const speed = site.effectiveSpeedMph;
  const speedText = speed === null ? 'unknown limit' : `${speed} mph${site.speedLimit === null ? ' assumed' : ''}`;
  const threshold = speed === null ? undefined : params.cameraThresholds.find((t) => speed <= t.maxSpeedMph);
  const over = lengthM < params.cameraMinSiteLengthM ? ` (${site.ksi36} KSI over the ${fmt(params.cameraMinSiteLengthM / 1000, 2)} km minimum site length)` : '';
  if (!threshold) {
    return { eligible: false, reason: `${fmt(perKm)} KSI/km in ${months}${over}; no threshold set for ${speedText}`, ksiPerKm: perKm };
  }
  const ok = perKm >= threshold.ksiPerKm;
  return {
    eligible: ok,
    reason: `${fmt(perKm)} KSI/km in ${months} ${ok ? '≥' : '<'} ${fmt(threshold.ksiPerKm)} threshold for ${speedText}${over}`,
    ksiPerKm: perKm,
  };
}

/** Ranks every unit, applies previous ranks, corridors and eligibility. Returns candidates per unit. */
export function rankSites(sites: Site[], params: HotspotParams, previous: ReadonlyMap<string, number>): Record<string, { sites: number; candidates: number; eligible: number; concernOnly: number }> {
  const byUnit = new Map<SiteUnit, Site[]>();
  for (const s of sites) {
    let list = byUnit.get(s.unit);
    if (!list) byUnit.set(s.unit, (list = []));
    list.push(s);
  }
  const counts: Record<string, { sites: number; candidates: number; eligible: number; concernOnly: number }> = {};
  for (const [unit, list] of byUnit) {
    rankUnit(list);
    let eligible = 0;
    for (const s of list) {
      const e = cameraEligibility(s, params);
      s.eligible = e.eligible;
      s.eligibilityReason = e.reason;
      s.ksiPerKm36m = e.ksiPerKm;
      if (e.eligible) eligible++;
    }
    counts[unit] = { sites: list.length, candidates: list.filter((s) => s.candidate).length, eligible, concernOnly: list.filter((s) => s.concernOnly).length };
  }
  applyPreviousRanks(sites, previous);
  renumberCorridors(sites);
  return counts;
}
