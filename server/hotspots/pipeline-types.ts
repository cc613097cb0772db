/**
 * The in-memory shapes of a scoring run: its sites (one per ranked unit) and the collisions it
 * scores, as compact columns. The SQL steps fill them, the pure steps (counts, models, corridors,
 * clusters, concerns, ranking) read and extend them, and the writer stores them.
 */

/** Kinds of site a run ranks; ranks are numbered within one unit. */
export const SITE_UNITS = ['segment', 'junction', 'window', 'cell'] as const;
export type SiteUnit = (typeof SITE_UNITS)[number];

/** What a run was built on: the road network (junctions, segments, windows) or hexagon cells. */
export const UNIT_KINDS = ['network', 'grid'] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];
/** The units a run request asks for: auto (the road network when one is loaded, else the grid) or a kind. */
export const RUN_UNITS = ['auto', ...UNIT_KINDS] as const;
export type RunUnits = (typeof RUN_UNITS)[number];

/**
 * Road-user groups of the plan, counted per site (collisions with at least one such casualty) and
 * taken as a run's road-user filter: three casualty types and two age groups (young 17–24, child under 16).
 */
export const PLAN_GROUPS = ['pedestrian', 'cyclist', 'motorcyclist', 'young', 'child'] as const;
export type PlanGroup = (typeof PLAN_GROUPS)[number];
export type RoadUserFilter = PlanGroup;

/** Severity filter of a run: one severity, or ksi (fatal and serious). */
export const SEVERITY_FILTERS = ['fatal', 'serious', 'slight', 'ksi'] as const;
export type SeverityFilter = (typeof SEVERITY_FILTERS)[number];

/** Bits of RunCollisions.flags. */
export const FLAG = {
  /** In the ranking period (5 years by default). */
  period: 1,
  /** In the camera-evidence window (36 months). */
  camera: 2,
  /** In the cluster-test window (60 months). */
  cluster: 4,
  /** STATS19 urban_or_rural_area = 1. */
  urban: 8,
  /** Plan groups: bit 16 << index in PLAN_GROUPS. */
  group0: 16,
} as const;

/** The collisions of a run, one index per collision, as parallel arrays. */
export interface RunCollisions {
  n: number;
  /** The site the collision counts at (seg:/jn:/cell:), or null when unsnapped. */
  siteId: (string | null)[];
  /** Road chain and metres along it (network runs; -1 / NaN when unsnapped). */
  chainId: Int32Array;
  chainM: Float64Array;
  /** EPSG:27700 metres. */
  x: Float64Array;
  y: Float64Array;
  /** 1 fatal, 2 serious, 3 slight. */
  severity: Uint8Array;
  flags: Int32Array;
  /** DfT day of week 1 Sunday … 7 Saturday; hour 0–23 or 255 when the time is unknown. */
  dayOfWeek: Uint8Array;
  hour: Uint8Array;
}

/** One site of a run: identity, road attributes, counts, and every score the run gives it. */
export interface Site {
  siteId: string;
  unit: SiteUnit;
  // --- identity and road ---
  roadLabel: string | null;
  ref: string | null;
  name: string | null;
  roadClass: string | null;
  /** Tagged speed limit (mph); null when OSM has none. */
  speedLimit: number | null;
  /** Speed limit used for grouping and camera thresholds: the tagged one, else the UK default. */
  effectiveSpeedMph: number | null;
  urban: boolean | null;
  districtCode: string | null;
  lengthM: number | null;
  /** Point used for Gi* and the concern/cluster search (segment midpoint, junction, cell centre), EPSG:27700. */
  x: number;
  y: number;
  // --- network topology (for corridors and windows) ---
  edgeId?: number;
  nodeId?: string;
  chainId?: number;
  chainFromM?: number;
  // --- counts ---
  fatal: number;
  serious: number;
  slight: number;
  groups: number[];
  ksi36: number;
  injury36: number;
  peakDay: number | null;
  peakHour: number | null;
  peakCount: number | null;
  // --- model ---
  referenceGroup: string | null;
  muKsi: number | null;
  muAll: number | null;
  kKsi: number | null;
  kAll: number | null;
  wKsi: number | null;
  wAll: number | null;
  expectedKsi: number | null;
  expectedAll: number | null;
  excessKsi: number | null;
  excessAll: number | null;
  pExcessKsi: number | null;
  pExcessAll: number | null;
  pExcess: number | null;
  harmScore: number | null;
  candidate: boolean;
  // --- corridors ---
  giZ: number | null;
  giQ: number | null;
  corridor: boolean;
  corridorId: number | null;
  // --- cluster test ---
  clusterMaxInCircle: number | null;
  clusterSite: boolean;
  // --- concern ---
  concernScore: number | null;
  concernReports: number;
  concernRatio: number | null;
  concernFactor: number;
  concernOnly: boolean;
  // --- ranking and camera evidence ---
  priorityScore: number | null;
  rank: number | null;
  previousRank: number | null;
  rankChange: number | null;
  ksiPerKm36m: number | null;
  eligible: boolean;
  eligibilityReason: string;
}

/** A site with nothing computed yet. */
export function newSite(init: Pick<Site, 'siteId' | 'unit' | 'x' | 'y'> & Partial<Site>): Site {
  return {
    roadLabel: null,
    ref: null,
    name: null,
    roadClass: null,
    speedLimit: null,
    effectiveSpeedMph: null,
    urban: null,
    districtCode: null,
    lengthM: null,
    fatal: 0,
    serious: 0,
    slight: 0,
    groups: PLAN_GROUPS.map(() => 0),
    ksi36: 0,
    injury36: 0,
    peakDay: null,
    peakHour: null,
    peakCount: null,
    referenceGroup: null,
    muKsi: null,
    muAll: null,
    kKsi: null,
    kAll: null,
    wKsi: null,
    wAll: null,
    expectedKsi: null,
    expectedAll: null,
    excessKsi: null,
    excessAll: null,
    pExcessKsi: null,
    pExcessAll: null,
    pExcess: null,
    harmScore: null,
    candidate: false,
    giZ: null,
    giQ: null,
    corridor: false,
    corridorId: null,
    clusterMaxInCircle: null,
    clusterSite: false,
    concernScore: null,
    concernReports: 0,
    concernRatio: null,
    concernFactor: 1,
    concernOnly: false,
    priorityScore: null,
    rank: null,
    previousRank: null,
    rankChange: null,
    ksiPerKm36m: null,
    eligible: false,
    eligibilityReason: '',
    ...init,
  };
}

/** "A6 Garstang Road", "A6", "Garstang Road" or null. */
export function roadLabel(ref: string | null | undefined, name: string | null | undefined): string | null {
  const label = [ref, name].filter((s): s is string => !!s && s.trim() !== '').join(' ');
  return label || null;
}
