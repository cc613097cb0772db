import type { Knex } from 'knex';
import { applyCollisionFilters, type CollisionFilters } from './filters.ts';

/**
 * SQL for the collision API. Dates and times leave the database as text ('YYYY-MM-DD', 'HH:MM')
 * because pg would turn a `date` into a JS Date at local midnight.
 */

/** A collision as the list and the CSV export read it (DfT codes, not yet labelled). */
export interface CollisionListRow {
  collision_index: string;
  date: string;
  time: string | null;
  severity: number;
  district_code: string | null;
  district_name: string | null;
  first_road_class: number | null;
  first_road_number: number | null;
  speed_limit: number | null;
  number_of_casualties: number;
  number_of_vehicles: number;
  light_conditions: number | null;
  weather_conditions: number | null;
  road_surface_conditions: number | null;
  junction_detail: number | null;
  urban_or_rural_area: number | null;
  longitude: number | null;
  latitude: number | null;
  easting: number | null;
  northing: number | null;
  /** The paging key's time part: the time, or 24:00 when none was recorded (sorts last). */
  sort_time: string;
}

// A missing time sorts after every real one; 24:00 is a valid `time` and never a DfT HH:MM value.
const SORT_TIME = `coalesce(c.time, '24:00'::time)`;

function listColumns(knex: Knex): Array<string | Knex.Raw> {
  return [
    'c.collision_index',
    knex.raw(`to_char(c.date, 'YYYY-MM-DD') AS date`),
    knex.raw(`to_char(c.time, 'HH24:MI') AS time`),
    'c.severity',
    'c.district_code',
    'd.name AS district_name',
    'c.first_road_class',
    'c.first_road_number',
    'c.speed_limit',
    'c.number_of_casualties',
    'c.number_of_vehicles',
    'c.light_conditions',
    'c.weather_conditions',
    'c.road_surface_conditions',
    'c.junction_detail',
    'c.urban_or_rural_area',
    knex.raw('ST_X(c.geom_4326) AS longitude'),
    knex.raw('ST_Y(c.geom_4326) AS latitude'),
    'c.easting',
    'c.northing',
    knex.raw(`to_char(${SORT_TIME}, 'HH24:MI:SS') AS sort_time`),
  ];
}

/** Where a page starts: an offset, or (for streaming) just after a row already sent. */
export type PageStart = { offset: number } | { after: Pick<CollisionListRow, 'date' | 'sort_time' | 'collision_index'> };

/**
 * One page of matching collisions in a stable order (date, time with missing times last,
 * collision index). The date index plus an incremental sort serve the order, so a page stops early.
 */
export async function listCollisions(
  knex: Knex,
  filters: CollisionFilters,
  page: { limit: number; start: PageStart },
): Promise<CollisionListRow[]> {
  const query = knex('collisions as c').leftJoin('districts as d', 'd.code', 'c.district_code').select(listColumns(knex));
  applyCollisionFilters(query, filters, 'c');
  if ('after' in page.start) {
    const { date, sort_time, collision_index } = page.start.after;
    query.whereRaw(`(c.date, ${SORT_TIME}, c.collision_index) > (?::date, ?::time, ?)`, [date, sort_time, collision_index]);
  }
  query.orderByRaw(`c.date, ${SORT_TIME}, c.collision_index`).limit(page.limit);
  if ('offset' in page.start && page.start.offset > 0) query.offset(page.start.offset);
  const rows: CollisionListRow[] = await query;
  return rows;
}

export async function countCollisions(knex: Knex, filters: CollisionFilters): Promise<number> {
  const query = knex('collisions as c').count({ n: '*' });
  applyCollisionFilters(query, filters, 'c');
  const [row] = await query;
  return Number(row?.n ?? 0);
}

/**
 * Every matching row from `offset` on (at most `limit` when given), fetched in batches by keyset so
 * memory stays flat and the embedded database's single connection is free between batches.
 */
export async function* collisionBatches(
  knex: Knex,
  filters: CollisionFilters,
  options: { offset: number; limit?: number; batchSize?: number },
): AsyncGenerator<CollisionListRow[]> {
  const batchSize = options.batchSize ?? 5000;
  let remaining = options.limit ?? Infinity;
  let start: PageStart = { offset: options.offset };
  while (remaining > 0) {
    const rows = await listCollisions(knex, filters, { limit: Math.min(batchSize, remaining), start });
    if (rows.length === 0) return;
    yield rows;
    remaining -= rows.length;
    if (rows.length < batchSize) return;
    start = { after: rows[rows.length - 1]! };
  }
}

/** One collision with every stored field, or undefined. */
export async function findCollision(knex: Knex, collisionIndex: string): Promise<Record<string, unknown> | undefined> {
  const row = await knex('collisions as c')
    .leftJoin('districts as d', 'd.code', 'c.district_code')
    .leftJoin('districts as h', 'h.code', 'c.highway_authority')
    .where('c.collision_index', collisionIndex)
    .first(
      'c.*',
      knex.raw(`to_char(c.date, 'YYYY-MM-DD') AS date`),
      knex.raw(`to_char(c.time, 'HH24:MI') AS time`),
      knex.raw('ST_X(c.geom_4326) AS lon_4326'),
      knex.raw('ST_Y(c.geom_4326) AS lat_4326'),
      'd.name AS district_name',
      'h.name AS highway_authority_name',
    );
  if (!row) return undefined;
  delete row.geom;
  delete row.geom_4326;
  return row;
}

export async function casualtiesOf(knex: Knex, collisionIndex: string): Promise<Record<string, unknown>[]> {
  return knex('casualties')
    .where('collision_index', collisionIndex)
    .orderByRaw(`length(casualty_reference), casualty_reference`)
    .select('*');
}

export async function vehiclesOf(knex: Knex, collisionIndex: string): Promise<Record<string, unknown>[]> {
  return knex('vehicles').where('collision_index', collisionIndex).orderByRaw(`length(vehicle_reference), vehicle_reference`).select('*');
}

/** One group of the summary query: which grouping it belongs to and its count. */
export interface SummaryRow {
  /** month: (month, severity); district: (district, severity); dayhour: (day, hour); casualty: (group, severity). */
  kind: 'month' | 'district' | 'dayhour' | 'casualty';
  /** 'YYYY-MM' for month, the ONS code for district, the road-user group for casualty. */
  key: string | null;
  name: string | null;
  day: number | null;
  hour: number | null;
  severity: number | null;
  n: number;
}

/** True when any filter narrows the collisions (so casualties must be joined to them). */
function narrows(filters: CollisionFilters): boolean {
  return Object.values(filters).some((v) => v !== undefined);
}

/**
 * Every count the summary needs, in two statements that run side by side where the pool allows:
 * the matching collisions scanned once and grouped three ways with GROUPING SETS (month × severity,
 * district × severity, day × hour), and the casualties of those collisions grouped by road-user
 * group and casualty severity (joined to collisions only when a filter needs it).
 */
export async function summaryCounts(knex: Knex, filters: CollisionFilters): Promise<SummaryRow[]> {
  const matched = knex('collisions as c').select(
    knex.raw(`date_trunc('month', c.date::timestamp) AS month`),
    'c.district_code',
    'c.day_of_week',
    'c.hour',
    'c.severity',
  );
  applyCollisionFilters(matched, filters, 'c');
  // GROUPING(month, district_code, day_of_week) is a bit mask of the columns NOT grouped:
  // 3 = (month, severity), 5 = (district_code, severity), 6 = (day_of_week, hour).
  const grouped = knex.raw(
    `WITH g AS (
       SELECT GROUPING(month, district_code, day_of_week) AS g, month, district_code, day_of_week, hour, severity, count(*) AS n
       FROM ? AS s
       GROUP BY GROUPING SETS ((month, severity), (district_code, severity), (day_of_week, hour))
     )
     SELECT CASE g.g WHEN 3 THEN 'month' WHEN 5 THEN 'district' ELSE 'dayhour' END AS kind,
            CASE g.g WHEN 3 THEN to_char(g.month, 'YYYY-MM') ELSE g.district_code END AS key,
            d.name, g.day_of_week AS day, g.hour, g.severity, g.n::int AS n
     FROM g LEFT JOIN districts d ON g.g = 5 AND d.code = g.district_code`,
    [matched],
  );
  const casualties = knex('casualties as k')
    .select(knex.raw(`'casualty' AS kind`), 'k.road_user_group AS key', knex.raw('NULL AS name, NULL AS day, NULL AS hour'), 'k.severity')
    .select(knex.raw('count(*)::int AS n'))
    .groupBy('k.road_user_group', 'k.severity');
  if (narrows(filters)) {
    casualties.join('collisions as c', 'c.collision_index', 'k.collision_index');
    applyCollisionFilters(casualties, filters, 'c');
  }
  const [groups, casualtyGroups] = await Promise.all([grouped, casualties]);
  return [...(groups.rows as SummaryRow[]), ...(casualtyGroups as SummaryRow[])];
}

export interface ImportLogRow {
  id: number;
  kind: string;
  files: unknown;
  options: unknown;
  status: string;
  collisions: number;
  casualties: number;
  vehicles: number;
  rejected: number;
  message: string | null;
  started_by: string | null;
  started_at: Date;
  finished_at: Date | null;
}

export async function importLog(knex: Knex, limit: number): Promise<ImportLogRow[]> {
  return knex('stats19_imports').orderBy([{ column: 'started_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(limit).select('*');
}
