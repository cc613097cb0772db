import { ROAD_USER_GROUPS, SEVERITY_NAME, type CollisionFilters, type SeverityName } from './filters.ts';
import type { SummaryRow } from './queries.ts';

/** DfT day_of_week order: 1 Sunday … 7 Saturday. */
export const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;

export interface SeverityCounts {
  fatal: number;
  serious: number;
  slight: number;
  total: number;
}

export interface CollisionSummary {
  total: number;
  bySeverity: { fatal: number; serious: number; slight: number };
  /** Killed or seriously injured: fatal + serious collisions. */
  ksi: number;
  byMonth: Array<{ month: string } & SeverityCounts>;
  byDistrict: Array<{ district: string | null; name: string | null } & SeverityCounts>;
  dayHour: { days: string[]; hours: number[]; counts: number[][]; withoutTime: number };
  casualtyData: boolean;
  casualtiesByRoadUser: Array<{ group: string } & SeverityCounts> | null;
  filters: EchoedFilters;
}

export interface EchoedFilters {
  from: string | null;
  to: string | null;
  severity: SeverityName[] | null;
  district: string[] | null;
  bbox: [number, number, number, number] | null;
  roadUser: string[] | null;
  youngRoadUser: boolean | null;
}

/**
 * Every month from `first` to `last` inclusive, both 'YYYY-MM'.
 * monthSeries('2023-11', '2024-02') → ['2023-11', '2023-12', '2024-01', '2024-02']; [] when first > last.
 */
export function monthSeries(first: string, last: string): string[] {
  const parse = (s: string) => {
    const match = /^(\d{4})-(\d{2})/.exec(s);
    if (!match) throw new Error(`Not a month (YYYY-MM): ${s}`);
    return Number(match[1]) * 12 + Number(match[2]) - 1;
  };
  const months: string[] = [];
  for (let m = parse(first), end = parse(last); m <= end; m++) {
    months.push(`${String(Math.floor(m / 12)).padStart(4, '0')}-${String((m % 12) + 1).padStart(2, '0')}`);
  }
  return months;
}

/** The filters as applied, for the response (absent filters as null). */
export function echoFilters(filters: CollisionFilters): EchoedFilters {
  const b = filters.bbox;
  return {
    from: filters.from ?? null,
    to: filters.to ?? null,
    severity: filters.severity ?? null,
    district: filters.district ?? null,
    bbox: b ? [b.minLon, b.minLat, b.maxLon, b.maxLat] : null,
    roadUser: filters.roadUser ?? null,
    youngRoadUser: filters.youngRoadUser ?? null,
  };
}

const zero = (): SeverityCounts => ({ fatal: 0, serious: 0, slight: 0, total: 0 });

function add(counts: SeverityCounts, severity: number | null, n: number): void {
  const name = severity == null ? undefined : SEVERITY_NAME[severity];
  if (name) counts[name] += n;
  counts.total += n;
}

/**
 * Shapes the grouped counts from `summaryCounts` into the summary. The month series runs over the
 * filter's date range when given, else over the months that hold matching collisions, with zeros.
 */
export function buildSummary(rows: SummaryRow[], filters: CollisionFilters): CollisionSummary {
  const months = new Map<string, SeverityCounts>();
  const districts = new Map<string | null, { name: string | null; counts: SeverityCounts }>();
  const groups = new Map<string, SeverityCounts>();
  const counts = DAY_NAMES.map(() => Array.from({ length: 24 }, () => 0));
  const bySeverity = { fatal: 0, serious: 0, slight: 0 };
  let withoutTime = 0;

  for (const row of rows) {
    const n = Number(row.n);
    if (row.kind === 'month') {
      if (!months.has(row.key!)) months.set(row.key!, zero());
      add(months.get(row.key!)!, row.severity, n);
      const name = row.severity == null ? undefined : SEVERITY_NAME[row.severity];
      if (name) bySeverity[name] += n;
    } else if (row.kind === 'district') {
      if (!districts.has(row.key)) districts.set(row.key, { name: row.name, counts: zero() });
      add(districts.get(row.key)!.counts, row.severity, n);
    } else if (row.kind === 'dayhour') {
      const day = counts[(row.day ?? 0) - 1];
      if (day && row.hour != null && row.hour >= 0 && row.hour < 24) day[row.hour]! += n;
      else withoutTime += n;
    } else {
      const group = row.key ?? 'other';
      if (!groups.has(group)) groups.set(group, zero());
      add(groups.get(group)!, row.severity, n);
    }
  }

  const total = bySeverity.fatal + bySeverity.serious + bySeverity.slight;
  const seen = [...months.keys()].sort();
  const first = filters.from?.slice(0, 7) ?? seen[0];
  const last = filters.to?.slice(0, 7) ?? seen[seen.length - 1];
  const byMonth = first && last ? monthSeries(first, last).map((month) => ({ month, ...(months.get(month) ?? zero()) })) : [];

  const byDistrict = [...districts.entries()]
    .map(([district, { name, counts: c }]) => ({ district, name, ...c }))
    .sort((a, b) => b.total - a.total || String(a.district).localeCompare(String(b.district)));

  const order = (group: string) => {
    const i = (ROAD_USER_GROUPS as readonly string[]).indexOf(group);
    return i < 0 ? ROAD_USER_GROUPS.length : i;
  };
  const casualtiesByRoadUser = groups.size
    ? [...groups.entries()].map(([group, c]) => ({ group, ...c })).sort((a, b) => order(a.group) - order(b.group) || a.group.localeCompare(b.group))
    : null;

  return {
    total,
    bySeverity,
    ksi: bySeverity.fatal + bySeverity.serious,
    byMonth,
    byDistrict,
    dayHour: { days: [...DAY_NAMES], hours: Array.from({ length: 24 }, (_, h) => h), counts, withoutTime },
    casualtyData: casualtiesByRoadUser !== null,
    casualtiesByRoadUser,
    filters: echoFilters(filters),
  };
}
