/**
 * The map's filter state and its two spellings: the page URL (shareable, restored on reload) and the
 * API/tile query string. Both use the service's own parameter names, so one serialisation serves both.
 */

export const SEVERITIES = ['fatal', 'serious', 'slight'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const ROAD_USER_GROUPS = ['pedestrian', 'cyclist', 'motorcyclist', 'car', 'goods', 'bus', 'other'] as const;
export type RoadUserGroup = (typeof ROAD_USER_GROUPS)[number];

export const ROAD_USER_LABELS: Record<RoadUserGroup, string> = {
  pedestrian: 'Pedestrians',
  cyclist: 'Cyclists',
  motorcyclist: 'Motorcyclists',
  car: 'Car occupants',
  goods: 'Goods vehicle occupants',
  bus: 'Bus and coach occupants',
  other: 'Other road users',
};

export interface Filters {
  /** First date, inclusive, 'YYYY-MM-DD'. */
  from?: string;
  /** Last date, inclusive, 'YYYY-MM-DD'. */
  to?: string;
  /** Severities shown; all three is the default, none shows nothing. */
  severity: Severity[];
  /** One ONS district code, or undefined for every district. */
  district?: string;
  roadUser?: RoadUserGroup;
  /** Only collisions with a casualty aged 17–24. */
  youngRoadUser: boolean;
}

export const DEFAULT_FILTERS: Filters = { severity: [...SEVERITIES], youngRoadUser: false };

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ONS_CODE = /^[EWSN]\d{8}$/;

function isRealDate(s: string): boolean {
  return ISO_DATE.test(s) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);
}

/** Reads filters from a URL query; values that are not valid are dropped, so an edited link still opens. */
export function filtersFromQuery(query: URLSearchParams): Filters {
  const filters: Filters = { ...DEFAULT_FILTERS, severity: [...SEVERITIES] };
  const from = query.get('from');
  const to = query.get('to');
  if (from && isRealDate(from)) filters.from = from;
  if (to && isRealDate(to)) filters.to = to;
  if (query.has('severity')) {
    const wanted = new Set((query.get('severity') ?? '').split(',').map((v) => v.trim().toLowerCase()));
    filters.severity = SEVERITIES.filter((s) => wanted.has(s));
  }
  const district = query.get('district')?.trim().toUpperCase();
  if (district && ONS_CODE.test(district)) filters.district = district;
  const roadUser = query.get('roadUser');
  if (roadUser && (ROAD_USER_GROUPS as readonly string[]).includes(roadUser)) filters.roadUser = roadUser as RoadUserGroup;
  const young = query.get('youngRoadUser');
  filters.youngRoadUser = young === 'true' || young === '1';
  return filters;
}

/**
 * The query for the API, the tiles and the page URL. Defaults are left out (all severities, every
 * district) so the plain page URL stays clean. An empty severity list is kept as `severity=`
 * for the page URL; the API is never asked for it (see `hasAnySeverity`).
 */
export function filtersToQuery(filters: Filters): URLSearchParams {
  const query = new URLSearchParams();
  if (filters.from) query.set('from', filters.from);
  if (filters.to) query.set('to', filters.to);
  if (filters.severity.length < SEVERITIES.length) {
    query.set('severity', SEVERITIES.filter((s) => filters.severity.includes(s)).join(','));
  }
  if (filters.district) query.set('district', filters.district);
  if (filters.roadUser) query.set('roadUser', filters.roadUser);
  if (filters.youngRoadUser) query.set('youngRoadUser', 'true');
  return query;
}

export function hasAnySeverity(filters: Filters): boolean {
  return filters.severity.length > 0;
}

/** Why the filters can match nothing without asking the server, or undefined. */
export function filterProblem(filters: Filters): string | undefined {
  if (!hasAnySeverity(filters)) return 'Choose at least one severity to see collisions.';
  if (filters.from && filters.to && filters.from > filters.to) return 'The “from” date is after the “to” date.';
  return undefined;
}
