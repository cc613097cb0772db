import { z } from '../http/zod.ts';

/**
 * Every tunable of the hotspot scoring run, with its default and unit. A run stores the full set it
 * used (defaults included) in `hotspot_runs.params`, so a published ranking can be reproduced by
 * passing the same params back. Method: ../shared/docs/hotspots.md "A defensible scoring method";
 * docs in the README's "Hotspots" section.
 */

/**
 * Version of the scoring method (units, snapping, models, weights, ranking rules). Bump it whenever a
 * change to the code would change a ranking for the same data and params; runs record it.
 */
export const METHOD_VERSION = 'roadsafe-eb-2026.11.1';

/** Camera-evidence threshold for sites up to `maxSpeedMph`: KSI collisions per km in the camera window. */
export interface CameraThreshold {
  /** Applies to sites whose speed limit is at most this (mph); the first matching entry wins. */
  maxSpeedMph: number;
  /** Minimum KSI collisions per km over the camera window (36 months by default). */
  ksiPerKm: number;
}

/** The concern categories that count towards the concern factor by default (enforcement-relevant). */
export const ENFORCEMENT_CONCERN_CATEGORIES = ['speeding', 'antisocial_driving', 'dangerous_driving', 'drink_driving'] as const;

export interface HotspotParams {
  // --- time windows ---
  /** Ranking window, years ending at the period end (5 complete years = 60 months). */
  years: number;
  /** Camera-evidence window, months ending at the period end (DfT camera guidance baseline: 36). */
  cameraMonths: number;

  // --- units (network mode) ---
  /** Collisions STATS19 marks as at/near a junction count at a junction node within this many metres. */
  junctionRadiusM: number;
  /** Nearest road segment within this many metres, else the collision stays an unsnapped point. */
  snapDistanceM: number;
  /** A snap is ambiguous when the second-nearest segment is within this many metres of the nearest's distance. */
  ambiguityM: number;
  /** Sliding-window length along a road in built-up areas (metres). */
  windowUrbanM: number;
  /** Sliding-window length along a road outside built-up areas (metres). */
  windowRuralM: number;
  /** Distance between the starts of consecutive sliding windows (metres). */
  windowStepM: number;

  // --- units (grid mode) ---
  /** Hexagon side length for grid mode (metres, ST_HexagonGrid size; 200 m ≈ 0.104 km² per cell). */
  hexSizeM: number;

  // --- models ---
  /** Reference groups with fewer sites than this are merged into their parent (drop speed band, then urban/rural, then road class). */
  minGroupSites: number;
  /** A site is a candidate hotspot when P(excess) ≥ this and its excess harm is positive. */
  candidateP: number;

  // --- corridors (Gi*) ---
  /** Gi* distance band (metres between segment midpoints or cell centres). */
  giBandM: number;
  /** Benjamini–Hochberg false discovery rate for the corridor flag. */
  fdrQ: number;

  // --- cluster test (UK practice: N injury collisions within R metres over 60 months) ---
  clusterEpsUrbanM: number;
  clusterEpsRuralM: number;
  /** Injury collisions within the radius of one collision for the site to pass the cluster test. */
  clusterMinPoints: number;
  /** Cluster-test window, months ending at the period end. */
  clusterMonths: number;

  // --- community concern ---
  /** A point concern counts at the nearest site of each unit within this many metres. */
  concernSnapM: number;
  /** A drawn stretch counts at every site it runs along within this many metres. */
  concernStretchM: number;
  /** One concern per reporter per site in this many days counts. */
  concernDedupeDays: number;
  /** Half-life of a concern's weight (days; 365.25 = 12 months). */
  concernHalfLifeDays: number;
  /** Concern can raise a site's priority by at most this share (0.25 = +25%). */
  concernMaxShare: number;
  /** Pseudo-count that shrinks the observed/expected concern ratio towards 1. */
  concernPriorStrength: number;
  /** "Concern only" list: shrunk ratio at least this … */
  concernOnlyRatio: number;
  /** … and at least this many deduplicated reports, with no excess harm. */
  concernOnlyMinReports: number;
  /** Categories that count (parking and "other" are not enforcement matters by default). */
  concernCategories: string[];
  /** Concerns created up to this instant count (ISO 8601); default: when the run starts. Stored for reproduction. */
  concernsAsOf?: string;

  // --- camera eligibility ---
  /** Thresholds by speed limit, checked in order; a site above every maxSpeedMph is not assessed. */
  cameraThresholds: CameraThreshold[];
  /** Junctions: KSI collisions at the junction in the camera window. */
  cameraJunctionKsi: number;
  /** KSI per km is measured over at least this length (camera guidance minimum site length, metres). */
  cameraMinSiteLengthM: number;

  /** Collision value table version to use (default: the active one). */
  valueTableVersion?: string;
}

/**
 * Defaults. Camera thresholds: the DfT safety camera handbook 2006/07 site-selection criteria (the
 * annex of DfT Circular 01/2007) ask for at least 2 KSI collisions per km over the 36-month baseline
 * for mobile camera sites of 0.4–5 km and 2 KSI within a junction; several partnerships have since
 * used 1 KSI per km for rural routes on faster roads. Partnerships should set their own.
 */
export const DEFAULT_PARAMS: HotspotParams = {
  years: 5,
  cameraMonths: 36,
  junctionRadiusM: 20,
  snapDistanceM: 30,
  ambiguityM: 5,
  windowUrbanM: 300,
  windowRuralM: 500,
  windowStepM: 50,
  hexSizeM: 200,
  minGroupSites: 30,
  candidateP: 0.95,
  giBandM: 500,
  fdrQ: 0.05,
  clusterEpsUrbanM: 50,
  clusterEpsRuralM: 100,
  clusterMinPoints: 7,
  clusterMonths: 60,
  concernSnapM: 50,
  concernStretchM: 20,
  concernDedupeDays: 90,
  concernHalfLifeDays: 365.25,
  concernMaxShare: 0.25,
  concernPriorStrength: 2,
  concernOnlyRatio: 2,
  concernOnlyMinReports: 3,
  concernCategories: [...ENFORCEMENT_CONCERN_CATEGORIES],
  cameraThresholds: [
    { maxSpeedMph: 40, ksiPerKm: 2 },
    { maxSpeedMph: 70, ksiPerKm: 1 },
  ],
  cameraJunctionKsi: 2,
  cameraMinSiteLengthM: 400,
};

const positive = (unit: string) => z.number({ message: `must be a number (${unit})` }).positive({ message: `must be greater than 0 (${unit})` });
const wholeAtLeast = (min: number, unit: string) =>
  z.number({ message: `must be a whole number (${unit})` }).int({ message: `must be a whole number (${unit})` }).min(min, { message: `must be at least ${min} (${unit})` });
const share = z.number({ message: 'must be a number' }).min(0, { message: 'must be between 0 and 1' }).max(1, { message: 'must be between 0 and 1' });
const probability = z.number({ message: 'must be a number' }).gt(0, { message: 'must be above 0 and below 1' }).lt(1, { message: 'must be above 0 and below 1' });

/** Validates a partial params object (unknown names are errors, so a typo is not silently ignored). */
export const hotspotParamsSchema = z.strictObject({
  years: z.number({ message: 'must be a number of years' }).min(1, { message: 'must be at least 1 year' }).max(20, { message: 'must be at most 20 years' }),
  cameraMonths: wholeAtLeast(1, 'months').max(120, { message: 'must be at most 120 months' }),
  junctionRadiusM: positive('metres').max(200, { message: 'must be at most 200 m' }),
  snapDistanceM: positive('metres').max(500, { message: 'must be at most 500 m' }),
  ambiguityM: z.number({ message: 'must be a number (metres)' }).min(0, { message: 'must not be negative' }),
  windowUrbanM: positive('metres').min(50, { message: 'must be at least 50 m' }),
  windowRuralM: positive('metres').min(50, { message: 'must be at least 50 m' }),
  windowStepM: positive('metres').min(10, { message: 'must be at least 10 m' }),
  hexSizeM: positive('metres').min(25, { message: 'must be at least 25 m' }).max(5000, { message: 'must be at most 5000 m' }),
  minGroupSites: wholeAtLeast(1, 'sites'),
  candidateP: probability,
  giBandM: positive('metres').max(20000, { message: 'must be at most 20000 m' }),
  fdrQ: probability,
  clusterEpsUrbanM: positive('metres'),
  clusterEpsRuralM: positive('metres'),
  clusterMinPoints: wholeAtLeast(2, 'collisions'),
  clusterMonths: wholeAtLeast(1, 'months').max(240, { message: 'must be at most 240 months' }),
  concernSnapM: positive('metres'),
  concernStretchM: positive('metres'),
  concernDedupeDays: z.number({ message: 'must be a number of days' }).min(0, { message: 'must not be negative' }),
  concernHalfLifeDays: positive('days'),
  concernMaxShare: share,
  concernPriorStrength: positive('pseudo-reports'),
  concernOnlyRatio: positive('ratio'),
  concernOnlyMinReports: wholeAtLeast(1, 'reports'),
  concernCategories: z.array(z.string().min(1)),
  concernsAsOf: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time, e.g. 2026-11-01T00:00:00Z' }),
  cameraThresholds: z
    .array(z.strictObject({ maxSpeedMph: positive('mph'), ksiPerKm: z.number().min(0, { message: 'must not be negative' }) }))
    .min(1, { message: 'give at least one threshold' }),
  cameraJunctionKsi: wholeAtLeast(0, 'KSI collisions'),
  cameraMinSiteLengthM: z.number({ message: 'must be a number (metres)' }).min(0, { message: 'must not be negative' }),
  valueTableVersion: z.string().min(1),
}).partial();

/** Window length for a road (metres). */
export function windowLengthM(params: HotspotParams, urban: boolean): number {
  return urban ? params.windowUrbanM : params.windowRuralM;
}

/** Cluster radius for a site or collision (metres). */
export function clusterEpsM(params: HotspotParams, urban: boolean): number {
  return urban ? params.clusterEpsUrbanM : params.clusterEpsRuralM;
}

/** Speed-limit band of the reference groups: ≤30, 40, 50–60, 70 (mph). */
export type SpeedBand = '≤30' | '40' | '50-60' | '70';

export function speedBand(mph: number): SpeedBand {
  if (mph <= 30) return '≤30';
  if (mph <= 40) return '40';
  if (mph <= 60) return '50-60';
  return '70';
}

/**
 * The speed limit assumed where OpenStreetMap has no maxspeed tag (mph): the UK national limits —
 * 70 on motorways, 30 in built-up areas, 60 on other roads.
 */
export function assumedSpeedLimit(roadClass: string | null, urban: boolean | null): number {
  if (roadClass === 'motorway') return 70;
  return urban ? 30 : 60;
}
