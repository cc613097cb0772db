/**
 * Which sites may be enforced, by the partnership's criteria, with the reasons in plain words.
 * Pure (no database, no imports with side effects): the register API, the planner's site list and
 * tests share it. Defaults come from ../shared/docs/van-planning.md; every number is a setting
 * (SITE_CRITERIA_FILE, see criteria.ts).
 */
import type { SiteSurvey } from './model.ts';

export type SiteCategory = 'mobile_route' | 'community_concern' | 'motorway' | 'fixed_site';

/** KSI density and stretch length a collision rule asks for. */
export interface CollisionRule {
  /** Killed-or-seriously-injured collisions per km of stretch over the evidence period, at least. */
  minKsiPerKm: number;
  /** Length of the stretch, km (inclusive). */
  minLengthKm: number;
  maxLengthKm: number;
}

export interface SiteCriteria {
  /** Months of collisions counted, ending at the newest collision in the database. */
  periodMonths: number;
  /** A collision counts for a site when it lies within this distance of the stretch, metres. */
  collisionBufferM: number;
  /** A concern is linked to a site when it lies within this distance of the stretch, metres. */
  concernBufferM: number;
  /** Hotspot sites within this distance of the stretch add their harm score to its risk, metres. */
  riskBufferM: number;
  /** Enforcement threshold for a 20 mph limit: 25 (the usual table) or 24 (20 × 1.1 + 2 exactly). */
  threshold20Mph: 24 | 25;
  /** Mobile sites (and motorway sites, and mobile routes up to `route.minLengthKm`). */
  mobile: CollisionRule;
  /** Fixed camera sites also used by vans: a collision rule plus a speed survey. */
  fixed: CollisionRule & {
    /** Share of drivers over the limit in the latest survey, at least (0–1). */
    minShareOverLimit: number;
    /** The 85th percentile speed must be at or above the enforcement threshold. */
    p85AtLeastThreshold: boolean;
  };
  /** Mobile routes longer than `mobile.maxLengthKm`: judged by this rule. */
  route: CollisionRule;
  /** Community concern sites: no collision rule; a survey must confirm the problem. */
  community: {
    /** The survey confirms speeding when its 85th percentile is at or above the threshold, or … */
    p85AtLeastThreshold: boolean;
    /** … the share of drivers at or above the threshold is at least this (0–1). */
    minShareOverThreshold: number;
  };
  /** A survey older than this many months (by its last day) does not count. */
  surveyMaxAgeMonths: number;
  /** Every site: a risk assessment in date. */
  requireRiskAssessment: boolean;
  /** Every site: at least this many safe parking positions. */
  minParkingPositions: number;
  /** Every site: camera warning signs in place. */
  requireWarningSigns: boolean;
  /** Every site: the van visible from at least this far, metres (when recorded), by limit. */
  minVisibilityM: { upTo40Mph: number; above40Mph: number };
}

export const DEFAULT_SITE_CRITERIA: SiteCriteria = {
  periodMonths: 36,
  collisionBufferM: 50,
  concernBufferM: 200,
  riskBufferM: 50,
  threshold20Mph: 25,
  mobile: { minKsiPerKm: 1, minLengthKm: 0.4, maxLengthKm: 5 },
  fixed: { minKsiPerKm: 3, minLengthKm: 0.4, maxLengthKm: 1.5, minShareOverLimit: 0.2, p85AtLeastThreshold: true },
  route: { minKsiPerKm: 1, minLengthKm: 5, maxLengthKm: 20 },
  community: { p85AtLeastThreshold: true, minShareOverThreshold: 0.15 },
  surveyMaxAgeMonths: 36,
  requireRiskAssessment: true,
  minParkingPositions: 1,
  requireWarningSigns: true,
  minVisibilityM: { upTo40Mph: 60, above40Mph: 100 },
};

/** Named starting points a criteria file may pick with `"preset"`; its other keys override them. */
export const CRITERIA_PRESETS: Record<'default' | 'older_national', SiteCriteria> = {
  default: DEFAULT_SITE_CRITERIA,
  // The national rule before partnerships set their own: 2 KSI per km (mobile, routes), 4 per km (fixed).
  older_national: {
    ...DEFAULT_SITE_CRITERIA,
    mobile: { ...DEFAULT_SITE_CRITERIA.mobile, minKsiPerKm: 2 },
    route: { ...DEFAULT_SITE_CRITERIA.route, minKsiPerKm: 2 },
    fixed: { ...DEFAULT_SITE_CRITERIA.fixed, minKsiPerKm: 4 },
  },
};

/**
 * Speed at which enforcement starts, mph: limit × 1.1 + 2, rounded up to a whole mph
 * (25, 35, 46, 57, 68, 79 for 20–70 mph); the 20 mph case is a setting (25 or 24).
 */
export function enforcementThresholdMph(limitMph: number, threshold20Mph: 24 | 25 = DEFAULT_SITE_CRITERIA.threshold20Mph): number {
  if (limitMph === 20) return threshold20Mph;
  // Rounded to 1e-9 first: 30 × 1.1 is 33.000000000000004 in binary floating point.
  return Math.ceil(Math.round((limitMph * 1.1 + 2) * 1e9) / 1e9);
}

/** Latest speed survey of a site, as eligibility reads it. */
export type SurveyEvidence = Omit<SiteSurvey, 'surveyedFrom'>;

/** What eligibility looks at: the record and its evidence. */
export interface EligibilityFacts {
  category: SiteCategory;
  speedLimitMph: number;
  stretchLengthM: number;
  parkingPositions: number;
  riskAssessedOn: string | null;
  riskAssessmentExpiresOn: string | null;
  warningSigns: boolean;
  visibilityM: number | null;
  retired: boolean;
  /** KSI collisions along the stretch over the evidence period, and the period in months. */
  ksi: number;
  survey: SurveyEvidence | null;
}

export interface Eligibility {
  eligible: boolean;
  /** Every rule looked at, passed or not, in plain words with numbers; failures first. */
  reasons: string[];
  /** The rules not met (the head of `reasons`). */
  failures: string[];
}

const km = (m: number) => m / 1000;
const fmt1 = (n: number) => n.toFixed(1);
const pct = (share: number) => `${Math.round(share * 100)}%`;

/** Months between two dates, as whole months of the calendar (the later's day ≥ the earlier's day counts). */
function monthsBetween(from: string, to: string): number {
  const [fy, fm, fd] = from.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = to.split('-').map(Number) as [number, number, number];
  return (ty - fy) * 12 + (tm - fm) - (td < fd ? 1 : 0);
}

/** The collision rule a site is judged by (null: community concern sites have none). */
export function collisionRuleFor(category: SiteCategory, stretchLengthM: number, criteria: SiteCriteria): { name: string; rule: CollisionRule } | null {
  switch (category) {
    case 'community_concern':
      return null;
    case 'fixed_site':
      return { name: 'fixed site', rule: criteria.fixed };
    case 'motorway':
      return { name: 'motorway site (mobile rule)', rule: criteria.mobile };
    case 'mobile_route':
      return km(stretchLengthM) > criteria.mobile.maxLengthKm ? { name: 'route', rule: criteria.route } : { name: 'mobile site', rule: criteria.mobile };
  }
}

/** True when the site's risk assessment does not cover `date` (none, not yet done, or expired). */
export function riskAssessmentLapsedOn(facts: Pick<EligibilityFacts, 'riskAssessedOn' | 'riskAssessmentExpiresOn'>, date: string): boolean {
  if (!facts.riskAssessedOn || facts.riskAssessedOn > date) return true;
  return facts.riskAssessmentExpiresOn !== null && facts.riskAssessmentExpiresOn < date;
}

/** True when one of the suspensions (inclusive dates) covers `date`. */
export function suspendedOn(suspensions: ReadonlyArray<{ from: string; to: string }>, date: string): boolean {
  return suspensions.some((s) => s.from <= date && date <= s.to);
}

/**
 * Whether a site is eligible on `date` (YYYY-MM-DD) under `criteria`, with every reason. The date
 * decides the risk assessment and the survey's age; suspensions are per-date facts the planner applies
 * (`suspendedOn`), they do not make a site ineligible.
 */
export function siteEligibility(facts: EligibilityFacts, criteria: SiteCriteria, date: string): Eligibility {
  const failed: string[] = [];
  const passed: string[] = [];
  const check = (ok: boolean, yes: string, no: string) => (ok ? passed : failed).push(ok ? yes : no);

  if (facts.retired) failed.push('retired from the register');

  const lengthKm = km(facts.stretchLengthM);
  const threshold = enforcementThresholdMph(facts.speedLimitMph, criteria.threshold20Mph);
  const survey = facts.survey && monthsBetween(facts.survey.surveyedTo, date) < criteria.surveyMaxAgeMonths ? facts.survey : null;
  if (facts.survey && !survey) {
    failed.push(`speed survey ${facts.survey.reference} ended ${facts.survey.surveyedTo}, more than ${criteria.surveyMaxAgeMonths} months ago`);
  }

  const collision = collisionRuleFor(facts.category, facts.stretchLengthM, criteria);
  if (collision) {
    const { name, rule } = collision;
    const perKm = lengthKm > 0 ? facts.ksi / lengthKm : 0;
    check(
      perKm >= rule.minKsiPerKm - 1e-9,
      `${fmt1(perKm)} KSI per km over ${criteria.periodMonths} months (needs ≥ ${fmt1(rule.minKsiPerKm)} for a ${name})`,
      `${fmt1(perKm)} KSI per km over ${criteria.periodMonths} months (needs ≥ ${fmt1(rule.minKsiPerKm)} for a ${name})`,
    );
    const lengthOk = lengthKm >= rule.minLengthKm - 1e-9 && lengthKm <= rule.maxLengthKm + 1e-9;
    const lengthText = `stretch ${lengthKm.toFixed(2)} km (a ${name} is ${rule.minLengthKm}–${rule.maxLengthKm} km)`;
    check(lengthOk, lengthText, lengthText);
  }
  if (facts.category === 'fixed_site') {
    const f = criteria.fixed;
    if (!survey) failed.push(`no speed survey (a fixed site needs ≥ ${pct(f.minShareOverLimit)} over the limit${f.p85AtLeastThreshold ? ` and an 85th percentile ≥ ${threshold} mph` : ''})`);
    else {
      const over = `${pct(survey.shareOverLimit)} of drivers over the ${facts.speedLimitMph} mph limit (needs ≥ ${pct(f.minShareOverLimit)})`;
      check(survey.shareOverLimit >= f.minShareOverLimit - 1e-9, over, over);
      if (f.p85AtLeastThreshold) {
        const p85 = `85th percentile ${fmt1(survey.p85Mph)} mph (needs ≥ the ${threshold} mph threshold)`;
        check(survey.p85Mph >= threshold - 1e-9, p85, p85);
      }
    }
  }
  if (facts.category === 'community_concern') {
    const c = criteria.community;
    const needs = [c.p85AtLeastThreshold ? `an 85th percentile ≥ ${threshold} mph` : null, `≥ ${pct(c.minShareOverThreshold)} at or over ${threshold} mph`].filter(Boolean).join(' or ');
    if (!survey) failed.push(`no speed survey (a community concern site needs one showing ${needs})`);
    else {
      const byP85 = c.p85AtLeastThreshold && survey.p85Mph >= threshold - 1e-9;
      const byShare = survey.shareOverThreshold >= c.minShareOverThreshold - 1e-9;
      const text = `survey ${survey.reference}: 85th percentile ${fmt1(survey.p85Mph)} mph, ${pct(survey.shareOverThreshold)} at or over the ${threshold} mph threshold (needs ${needs})`;
      check(byP85 || byShare, text, text);
    }
  }

  if (criteria.requireRiskAssessment) {
    if (!facts.riskAssessedOn) failed.push('no risk assessment');
    else if (facts.riskAssessedOn > date) failed.push(`risk assessment dated ${facts.riskAssessedOn}, after ${date}`);
    else if (facts.riskAssessmentExpiresOn && facts.riskAssessmentExpiresOn < date) failed.push(`risk assessment expired on ${facts.riskAssessmentExpiresOn}`);
    else passed.push(`risk assessment of ${facts.riskAssessedOn}${facts.riskAssessmentExpiresOn ? `, valid to ${facts.riskAssessmentExpiresOn}` : ''}`);
  }
  const parking = `${facts.parkingPositions} safe parking position${facts.parkingPositions === 1 ? '' : 's'} (needs ≥ ${criteria.minParkingPositions})`;
  check(facts.parkingPositions >= criteria.minParkingPositions, parking, parking);
  if (criteria.requireWarningSigns && !facts.warningSigns) failed.push('no camera warning signs');
  const minVisibility = facts.speedLimitMph <= 40 ? criteria.minVisibilityM.upTo40Mph : criteria.minVisibilityM.above40Mph;
  if (facts.visibilityM !== null) {
    const text = `van visible from ${facts.visibilityM} m (needs ≥ ${minVisibility} m at ${facts.speedLimitMph} mph)`;
    check(facts.visibilityM >= minVisibility, text, text);
  }
  return { eligible: failed.length === 0, reasons: [...failed, ...passed], failures: failed };
}

/**
 * Tier by risk among eligible sites: the top 20% (rounded up) tier 1, the next 30% tier 2, the rest 3.
 * Ties keep the order given (callers sort by risk, then id).
 */
export function tiersByRisk<T extends { id: number; risk: number }>(sites: readonly T[]): Map<number, 1 | 2 | 3> {
  const ranked = [...sites].sort((a, b) => b.risk - a.risk || a.id - b.id);
  const n = ranked.length;
  const tier1 = Math.ceil(n * 0.2);
  const tier2 = Math.ceil(n * 0.5);
  return new Map(ranked.map((s, i) => [s.id, i < tier1 ? 1 : i < tier2 ? 2 : 3]));
}
