/**
 * The shapes of the site register that the server and the staff pages share: the record's own
 * fields, a speed survey's measures and the concern summary a site view lists. Pure (type-only
 * imports of pure modules), so the client imports it as it is.
 */
import type { SiteCategory, TimeRestrictions } from '../../geo/planning/types.ts';

/** A suspension of enforcement at a site, dates inclusive (YYYY-MM-DD). */
export interface Suspension {
  from: string;
  to: string;
  reason: string;
}

/**
 * The fields of a register record besides its id and geometry (stretch, its length, parking
 * positions), which the API and the staff page hold alike.
 */
export interface SiteRegisterFields {
  reference: string;
  category: SiteCategory;
  roadNumber: string | null;
  roadName: string;
  qualifier: string | null;
  direction: string | null;
  locality: string;
  districtCode: string | null;
  highwayAuthority: string | null;
  speedLimitMph: number;
  limitKind: 'limit' | 'zone';
  riskAssessedOn: string | null;
  riskAssessmentExpiresOn: string | null;
  timeRestrictions: TimeRestrictions;
  suspensions: Suspension[];
  warningSigns: boolean;
  visibilityM: number | null;
  notes: string | null;
  demo: boolean;
  version: number;
  retiredAt: string | null;
}

/** What a speed survey measured. */
export interface SurveyMeasures {
  vehicles: number;
  meanMph: number;
  p85Mph: number;
  /** Share (0–1) faster than the limit. */
  shareOverLimit: number;
  /** Enforcement threshold the survey was judged against, mph. */
  thresholdMph: number;
  /** Share (0–1) at or over the threshold. */
  shareOverThreshold: number;
}

/** A site's latest speed survey, as its evidence shows it (dates YYYY-MM-DD). */
export interface SiteSurvey extends SurveyMeasures {
  reference: string;
  surveyedFrom: string;
  surveyedTo: string;
}

/** A concern linked to a site, as the site view lists it. */
export interface SiteConcernSummary {
  reference: string;
  category: string;
  status: string;
  outcome: string | null;
}

/** The measures of a `speed_surveys` row (numeric columns come back from the database as text). */
export function surveyMeasuresFromRow(r: Record<string, unknown>): SurveyMeasures {
  return {
    vehicles: Number(r.vehicles),
    meanMph: Number(r.mean_mph),
    p85Mph: Number(r.p85_mph),
    shareOverLimit: Number(r.share_over_limit),
    thresholdMph: Number(r.threshold_mph),
    shareOverThreshold: Number(r.share_over_threshold),
  };
}
