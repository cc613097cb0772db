/**
 * The monthly camera van plan as pure data: what the planner takes (PlanInputs), what it gives
 * (PlannedSession[] + allocation), what the independent checker reports (Violation) and the quality
 * measures (PlanMetrics). No database, no HTTP: server/planning builds PlanInputs from the register,
 * the vans and the calendar, and stores what comes back.
 *
 * Times: dates are `YYYY-MM-DD` and clock times `HH:MM`, both Europe/London local time; instants
 * (`arrive`, `depart`, sunrise, sunset) are ISO 8601 with their UTC offset, e.g. `2026-03-29T09:00:00+01:00`.
 * Distances in metres, durations in seconds unless a name says minutes or hours.
 */

export type SiteCategory = 'mobile_route' | 'community_concern' | 'motorway' | 'fixed_site';
export const SITE_CATEGORIES: readonly SiteCategory[] = ['mobile_route', 'community_concern', 'motorway', 'fixed_site'];

/** Local-time limits on when a site may be enforced. */
export interface TimeRestrictions {
  /** Only between sunrise and sunset. */
  daylightOnly?: boolean;
  /** Never on Saturday or Sunday. */
  noWeekends?: boolean;
  /** Only Monday–Friday (not bank holidays) inside SCHOOL_TIME_WINDOWS. */
  schoolTimesOnly?: boolean;
  /** Only inside these windows (local time), every day. */
  windows?: Array<{ from: string; to: string }>;
}

/** School-time windows (local) used by `schoolTimesOnly`. */
export const SCHOOL_TIME_WINDOWS: ReadonlyArray<{ from: string; to: string }> = [
  { from: '07:30', to: '09:30' },
  { from: '14:30', to: '16:30' },
];

/** A site the planner may schedule: only eligible, in-date, unsuspended-on-some-day sites are passed in. */
export interface PlanSite {
  id: number;
  reference: string;
  category: SiteCategory;
  districtCode: string;
  /** Risk score ≥ 0 (harm-weighted; from the latest hotspot run, or the site's own KSI/speed evidence). */
  risk: number;
  /** 1 = top tier … 3 = lowest; the tier sets the visit minimum and maximum. */
  tier: 1 | 2 | 3;
  /** Where the van parks (first parking position), EPSG:27700 metres. */
  x: number;
  y: number;
  /** Index of this site's location in PlanInputs.travel. */
  travelIndex: number;
  restrictions: TimeRestrictions;
  /** Dates of the month on which the site may NOT be used (suspensions, expired risk assessment). */
  blockedDates: string[];
  /** Open community concerns linked to the site, with the date each was approved as a site concern. */
  concerns: Array<{ id: number; approvedOn: string }>;
  /** Why it is on the plan's list (e.g. "tier 1: 4.2 KSI/km; 85th percentile 41 mph in a 30"). */
  reason: string;
}

export interface PlanVan {
  id: number;
  callSign: string;
  /** Index of the van's base in PlanInputs.travel. */
  baseTravelIndex: number;
  baseX: number;
  baseY: number;
  /** Shift codes this van works; empty = all. */
  shiftCodes: string[];
  /** Dates the van cannot work (maintenance, leave). */
  unavailableDates: string[];
}

export interface ShiftTemplate {
  code: string;
  name: string;
  /** Local HH:MM; `ends` < `starts` means the shift ends the next day. */
  starts: string;
  ends: string;
  /** ISO weekdays, 1 = Monday … 7 = Sunday. */
  weekdays: number[];
  bankHolidays: boolean;
}

export interface CalendarDay {
  date: string;
  /** ISO weekday, 1 = Monday … 7 = Sunday. */
  weekday: number;
  /** England and Wales bank holiday name, if any. */
  bankHoliday: string | null;
  /** ISO instants with offset, for the area's centre. */
  sunrise: string;
  sunset: string;
  /** UTC offset that day at noon, minutes (0 for GMT, 60 for BST). */
  utcOffsetMinutes: number;
}

/** Travel between locations (bases and sites), by index; seconds and metres. */
export interface TravelMatrix {
  mode: 'road_network' | 'straight_line';
  /** Row-major n × n. */
  size: number;
  seconds: Float64Array | number[];
  metres: Float64Array | number[];
}

export interface TierPolicy {
  /** Visits per site per month. */
  minVisits: number;
  maxVisits: number;
}

export interface PlanOptions {
  /** Enforcement minutes per session (on site). Default 120. */
  sessionMinutes: number;
  /** Longest session (minutes on site) once sessions are stretched into idle shift time. Default 180 (the brief: 1–3 h). */
  maxSessionMinutes: number;
  /** Minimum days between two visits to one site (visit dates differ by at least this). Default 3. */
  minGapDays: number;
  tiers: Record<1 | 2 | 3, TierPolicy>;
  /** Each district's hours share ÷ risk share must stay within this band. Default [0.8, 1.25]. */
  fairnessBand: [number, number];
  /** Every district with eligible sites gets at least this many visits. Default 4. */
  districtFloorVisits: number;
  /** Target share of hours at weekends / in darkness. Defaults [0.25, 0.30] and [0.15, 0.20]. */
  weekendShare: [number, number];
  darknessShare: [number, number];
  /** Sampling temperature: 0 = always the best-scoring choice, 1 = proportional to score. Default 0.7. */
  randomness: number;
  /** Halo of a visit: km along/around and days after. Defaults 2 km, 5 days. */
  haloKm: number;
  haloDays: number;
  /** Concern sites: first visit within this many days of approval. Default 14. */
  concernResponseDays: number;
  /** Visits per van shift (upper bound). Default 3. */
  maxSessionsPerShift: number;
  /** Straight-line fallback: circuity factor and assumed speed. Defaults 1.3 and 48 km/h. */
  circuity: number;
  assumedSpeedKmh: number;
}

export interface PlanInputs {
  month: string;
  sites: PlanSite[];
  vans: PlanVan[];
  shifts: ShiftTemplate[];
  calendar: CalendarDay[];
  travel: TravelMatrix;
  options: PlanOptions;
  /** Sessions of the previous month (for "same as last week" and rotation across the month boundary). */
  history: Array<{ siteId: number; date: string; shift: string; vanId: number }>;
}

export interface PlannedSession {
  vanId: number;
  date: string;
  shift: string;
  /** Order within the van's shift, from 1. */
  order: number;
  siteId: number;
  arrive: string;
  depart: string;
  fallbackSiteIds: number[];
  reason: string;
}

export interface SiteAllocation {
  siteId: number;
  /** Target visits this month from the solver. */
  visits: number;
  reason: string;
}

export interface PlanResult {
  sessions: PlannedSession[];
  allocation: SiteAllocation[];
  /** Free-text notes the planner wants shown (e.g. "straight-line travel: no road network loaded"). */
  notes: string[];
}

export type ViolationKind =
  | 'site_not_eligible'
  | 'site_blocked_on_date'
  | 'van_unavailable'
  | 'van_shift_not_allowed'
  | 'shift_not_on_day'
  | 'overlap'
  | 'order'
  | 'starts_before_shift'
  | 'ends_after_shift'
  | 'travel_too_short'
  | 'session_too_short'
  | 'time_restriction'
  | 'min_gap'
  | 'consecutive_shifts'
  | 'bad_time';

export interface Violation {
  kind: ViolationKind;
  message: string;
  vanId?: number;
  date?: string;
  shift?: string;
  siteId?: number;
}

/** The quality measures of the brief's table, with their targets and whether each is met. */
export interface PlanMetrics {
  sessions: number;
  hoursEnforcing: number;
  hoursRostered: number;
  hoursTravelling: number;
  violations: number;
  riskCoverage: number;
  topTierBelowMinimum: number;
  spearmanHoursRisk: number;
  breadth: number;
  topDecileHoursShare: number;
  districtFairness: Array<{ districtCode: string; hoursShare: number; riskShare: number; ratio: number }>;
  fairnessWithinBand: boolean;
  unpredictabilityEntropy: number;
  sameAsLastWeekHitRate: number;
  sameAsLastWeekChance: number;
  rotationBreaches: number;
  weekendShare: number;
  darknessShare: number;
  productiveShare: number;
  concernDaysMedian: number | null;
  concernDaysP95: number | null;
  /** measure → {value, target (text), met}. */
  targets: Record<string, { value: number | null; target: string; met: boolean }>;
}
