/**
 * The words of community concerns: categories, sources, when it happens, the triage statuses and
 * outcomes, with the labels people read, the rule for moving between statuses, and the limits on
 * what a report holds. Pure (no imports, no database), so the pages can import it as it is.
 */

export const CATEGORIES = ['speeding', 'antisocial_driving', 'drink_driving', 'dangerous_driving', 'parking', 'other'] as const;
export type Category = (typeof CATEGORIES)[number];
export const CATEGORY_LABEL: Record<Category, string> = {
  speeding: 'Speeding',
  antisocial_driving: 'Nuisance motorbikes / anti-social driving',
  drink_driving: 'Drink driving',
  dangerous_driving: 'Dangerous driving',
  parking: 'Parking / obstruction',
  other: 'Other',
};

/** Where a concern came from: the public form, or a bulk source imported with `roadsafe import concerns`. */
export const SOURCES = [
  'public_form',
  'parish_council',
  'councillor',
  'community_survey',
  'neighbourhood_policing',
  'community_road_watch',
  'operation_snap',
] as const;
export type Source = (typeof SOURCES)[number];

/** Days of the week, Monday first (as people say them; STATS19's Sunday-first numbering is not used here). */
export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Day = (typeof DAYS)[number];

/**
 * Times of day a reporter can pick, local time: early_morning 04:00–07:00, morning 07:00–10:00
 * (the morning peak), daytime 10:00–16:00, evening 16:00–22:00 (the evening peak and after), night
 * 22:00–04:00. A reporter may also give a span "HH:MM-HH:MM" (it may run past midnight, e.g. 22:30-02:00).
 */
export const TIME_BANDS = ['early_morning', 'morning', 'daytime', 'evening', 'night'] as const;
export type TimeBand = (typeof TIME_BANDS)[number];
export const TIME_SPAN = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/;

/** Triage statuses in their order. */
export const STATUSES = ['received', 'triaged', 'awaiting_speed_data', 'assessed', 'outcome', 'closed'] as const;
export type Status = (typeof STATUSES)[number];
export const STATUS_LABEL: Record<Status, string> = {
  received: 'Received',
  triaged: 'Triaged',
  awaiting_speed_data: 'Awaiting speed data',
  assessed: 'Assessed',
  outcome: 'Outcome decided',
  closed: 'Closed',
};

export const OUTCOMES = ['enforcement_site', 'community_road_watch', 'speed_indicator_device', 'engineering_referral', 'no_action'] as const;
export type Outcome = (typeof OUTCOMES)[number];
export const OUTCOME_LABEL: Record<Outcome, string> = {
  enforcement_site: 'Added to an enforcement site',
  community_road_watch: 'Community Road Watch',
  speed_indicator_device: 'Speed indicator device',
  engineering_referral: 'Referred to highway engineers',
  no_action: 'No action',
};

/** The place of a status in the triage order (received = 0 … closed = 5). */
export const statusRank = (status: Status): number => STATUSES.indexOf(status);

/**
 * Statuses a concern may move to from `current`: any later status, or the one just before it
 * (going back needs a note, see `transitionProblem`).
 */
export function allowedNextStatuses(current: Status): Status[] {
  const rank = statusRank(current);
  return STATUSES.filter((s, i) => i > rank || i === rank - 1);
}

/**
 * Why moving from `from` to `to` is not allowed, or undefined when it is. Forward moves are free
 * (steps may be skipped: a duplicate can be closed at once); one step back needs a note saying why.
 */
export function transitionProblem(from: Status, to: Status, note: string | undefined): string | undefined {
  if (from === to) return undefined;
  const allowed = allowedNextStatuses(from);
  if (!allowed.includes(to)) {
    return `A concern that is ${from} cannot move to ${to}; allowed next statuses: ${allowed.join(', ')} (back only one step, with a note).`;
  }
  if (statusRank(to) < statusRank(from) && !note?.trim()) {
    return `Moving back from ${from} to ${to} needs a note saying why.`;
  }
  return undefined;
}

/** Shortest and longest description, characters (the API checks both, the CSV import the longest). */
export const DESCRIPTION_LENGTH = { min: 10, max: 2000 } as const;
/** Longest place in words and reporter name, characters (the API and the CSV import). */
export const LOCATION_TEXT_MAX = 300;
export const NAME_MAX = 200;

/** Limits on a drawn stretch. */
export const STRETCH = {
  minVertices: 2,
  maxVertices: 200,
  /** Longest stretch a report may cover, metres (a concern is about a place, not a whole route). */
  maxLengthM: 5_000,
} as const;

export type Position = [longitude: number, latitude: number];

/** Mean Earth radius (IUGG), metres. */
const EARTH_RADIUS_M = 6_371_008.8;

/** Great-circle distance between two WGS84 positions, metres (haversine; within 0.5% of the ellipsoid). */
export function distanceM(a: Position, b: Position): number {
  const rad = Math.PI / 180;
  const dLat = (b[1] - a[1]) * rad;
  const dLon = (b[0] - a[0]) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Length of a polyline of WGS84 positions, metres. */
export function lineLengthM(coordinates: readonly Position[]): number {
  let total = 0;
  for (let i = 1; i < coordinates.length; i++) total += distanceM(coordinates[i - 1] as Position, coordinates[i] as Position);
  return total;
}

/** Sorts and de-duplicates days into week order. */
export function normaliseDays(days: readonly Day[]): Day[] {
  return DAYS.filter((d) => days.includes(d));
}

/** De-duplicates times: bands in day order first, then spans as given. */
export function normaliseTimes(times: readonly string[]): string[] {
  const bands = TIME_BANDS.filter((b) => times.includes(b));
  const spans = [...new Set(times.filter((t) => TIME_SPAN.test(t)))];
  return [...bands, ...spans];
}

/** True for "HH:MM-HH:MM" with different start and end. */
export function isTimeSpan(value: string): boolean {
  const m = TIME_SPAN.exec(value);
  return m !== null && `${m[1]}:${m[2]}` !== `${m[3]}:${m[4]}`;
}
