import type { Knex } from 'knex';
import type { HotspotParams } from './params.ts';
import { FLAG, PLAN_GROUPS, type RoadUserFilter, type RunCollisions, type SeverityFilter, type UnitKind } from './pipeline-types.ts';
import type { RunScope } from './units.ts';

/*
 * The collisions of a run and where each one counts, all in SQL on the run's transaction:
 *   hs_collisions  the selected collisions with their window and road-user flags;
 *   hs_snaps       nearest segment (distance, position along the edge, ambiguity), the junction
 *                  it counts at, or its hexagon; the site it counts at; its road chain position.
 */

/**
 * STATS19 junction_detail codes that are *not* "at or within 20 m of a junction" of the road
 * network: 0 not at a junction, 8 / 18 a private drive or entrance (2011 / 2024 code lists), 99
 * unknown (self reported), -1 missing. Every other code (roundabout, T, crossroads, slip road, …)
 * counts at a junction node within the junction radius.
 */
export const NOT_AT_JUNCTION_CODES = [0, 8, 18, 99, -1] as const;

export interface CollisionSelection {
  /** First day loaded: the earliest of the period, camera and cluster windows (YYYY-MM-DD). */
  loadFrom: string;
  periodFrom: string;
  cameraFrom: string;
  clusterFrom: string;
  /** Last day of every window (YYYY-MM-DD). */
  periodTo: string;
  roadUser?: RoadUserFilter;
  severity?: SeverityFilter;
}

const SEVERITY_CODES: Record<SeverityFilter, number[]> = { fatal: [1], serious: [2], slight: [3], ksi: [1, 2] };

const GROUP_SQL: Record<RoadUserFilter, string> = {
  pedestrian: `k.road_user_group = 'pedestrian'`,
  cyclist: `k.road_user_group = 'cyclist'`,
  motorcyclist: `k.road_user_group = 'motorcyclist'`,
  young: 'k.age BETWEEN 17 AND 24',
  child: 'k.age BETWEEN 0 AND 15',
};

/** Creates hs_collisions: the located collisions of the windows, scope and filters. Returns its row count. */
export async function selectCollisions(trx: Knex.Transaction, scope: RunScope, selection: CollisionSelection): Promise<number> {
  const where: string[] = ['c.date BETWEEN ?::date AND ?::date', 'c.geom IS NOT NULL'];
  const bindings: Knex.RawBinding[] = [selection.loadFrom, selection.periodTo];
  if (scope.districtCode) {
    where.push('c.district_code = ?');
    bindings.push(scope.districtCode);
  }
  if (selection.severity) where.push(`c.severity IN (${SEVERITY_CODES[selection.severity].join(', ')})`);
  const groupColumns = PLAN_GROUPS.map((g) => `bool_or(${GROUP_SQL[g]}) AS g_${g}`).join(', ');
  const groupFlags = PLAN_GROUPS.map((g, i) => `CASE WHEN coalesce(g.g_${g}, false) THEN ${FLAG.group0 << i} ELSE 0 END`).join(' + ');
  // A road-user filter is also applied as a semi-join on the scan of collisions, so the casualty
  // aggregate below runs only for the collisions that pass (a probe of casualties_group_idx each).
  const roadUserAnd = selection.roadUser
    ? `AND EXISTS (SELECT 1 FROM casualties k WHERE k.collision_index = c.collision_index AND ${GROUP_SQL[selection.roadUser]}) AND g.g_${selection.roadUser}`
    : '';
  // The casualty flags come from a per-collision aggregate (an index probe each): a join with a
  // grouped casualty table misestimates its row count and can end in a nested loop of 65k × 10k rows.
  await trx.raw(
    `CREATE TEMP TABLE hs_collisions ON COMMIT DROP AS
     SELECT c.collision_index, c.severity::smallint AS severity, c.day_of_week::smallint AS day_of_week,
            coalesce(c.hour, 255)::smallint AS hour, c.geom,
            (c.junction_detail IS NOT NULL AND c.junction_detail NOT IN (${NOT_AT_JUNCTION_CODES.join(', ')})) AS at_junction,
            (CASE WHEN c.date >= ?::date THEN ${FLAG.period} ELSE 0 END
             + CASE WHEN c.date >= ?::date THEN ${FLAG.camera} ELSE 0 END
             + CASE WHEN c.date >= ?::date THEN ${FLAG.cluster} ELSE 0 END
             + CASE WHEN c.urban_or_rural_area = 1 THEN ${FLAG.urban} ELSE 0 END
             + ${groupFlags})::integer AS flags
     FROM collisions c
     CROSS JOIN LATERAL (SELECT ${groupColumns} FROM casualties k WHERE k.collision_index = c.collision_index) g
     WHERE ${where.join(' AND ')} ${roadUserAnd}`,
    [selection.periodFrom, selection.cameraFrom, selection.clusterFrom, ...bindings],
  );
  await trx.raw('ANALYZE hs_collisions');
  const { rows } = await trx.raw('SELECT count(*) AS n FROM hs_collisions');
  return Number(rows[0].n);
}

/**
 * Network mode: creates hs_snaps. Each collision goes to its nearest road segment within
 * `snapDistanceM`, keeping the distance and the position along the edge; a second segment within
 * `ambiguityM` of the nearest one's distance flags the snap ambiguous. A collision STATS19 places at
 * a junction counts at the nearest junction node within `junctionRadiusM` (it keeps its segment
 * snap). The rest count at their segment; collisions with no segment in reach stay unsnapped points.
 * Only the collisions counted at a segment get a road-chain position (the windows are a peak search
 * along links).
 *
 * The search is set-based and bounded (ST_DWithin over GiST), driven from the smaller side: with
 * more collisions than segments each segment looks up the collisions near it (61k index probes
 * instead of 500k: four times faster on the benchmark), otherwise each collision looks up its
 * segments. Ties go to the lower segment id either way.
 */
export async function snapToNetwork(trx: Knex.Transaction, params: HotspotParams, collisions: number): Promise<void> {
  const reach = params.snapDistanceM + params.ambiguityM;
  const { rows } = await trx.raw('SELECT count(*) AS n FROM road_segments');
  const segments = Number(rows[0].n);
  await trx.raw('CREATE INDEX ON hs_collisions USING gist (geom)');
  await trx.raw('ANALYZE hs_collisions');
  // Candidate (collision, segment, distance) pairs within reach. OFFSET 0 keeps the lateral as written
  // (the planner would otherwise flatten it and drive the loop from the larger table).
  const pairs =
    collisions > segments
      ? `SELECT x.collision_index, s.id, s.edge_id, x.d FROM road_segments s
         CROSS JOIN LATERAL (SELECT c.collision_index, ST_Distance(s.geom, c.geom) AS d FROM hs_collisions c WHERE ST_DWithin(c.geom, s.geom, ?) OFFSET 0) x`
      : `SELECT c.collision_index, x.id, x.edge_id, x.d FROM hs_collisions c
         CROSS JOIN LATERAL (SELECT s.id, s.edge_id, ST_Distance(s.geom, c.geom) AS d FROM road_segments s WHERE ST_DWithin(s.geom, c.geom, ?) OFFSET 0) x`;
  await trx.raw(
    `CREATE TEMP TABLE hs_nearest ON COMMIT DROP AS
     SELECT p.collision_index, (array_agg(p.id ORDER BY p.d, p.id))[1] AS segment_id, (array_agg(p.edge_id ORDER BY p.d, p.id))[1] AS edge_id,
            min(p.d) AS distance_m, (array_agg(p.d ORDER BY p.d, p.id))[2] AS second_m
     FROM (${pairs}) p GROUP BY p.collision_index`,
    [reach],
  );
  await trx.raw(
    `CREATE TEMP TABLE hs_junction ON COMMIT DROP AS
     SELECT DISTINCT ON (x.collision_index) x.collision_index, n.id AS junction_node
     FROM road_nodes n
     CROSS JOIN LATERAL (SELECT c.collision_index, ST_Distance(n.geom, c.geom) AS d FROM hs_collisions c WHERE c.at_junction AND ST_DWithin(c.geom, n.geom, ?) OFFSET 0) x
     WHERE n.junction
     ORDER BY x.collision_index, x.d, n.id`,
    [params.junctionRadiusM],
  );
  await trx.raw(
    `CREATE TEMP TABLE hs_snaps ON COMMIT DROP AS
     SELECT r.*,
            CASE WHEN r.junction_node IS NOT NULL THEN 'jn:' || r.junction_node WHEN r.segment_id IS NOT NULL THEN 'seg:' || r.segment_id END AS site_id,
            -- Windows hold link collisions only: junction collisions rank at their junction (and would
            -- make every window holding a junction look worse than its length predicts).
            CASE WHEN r.junction_node IS NULL THEN ce.chain_id END AS chain_id,
            CASE WHEN r.junction_node IS NOT NULL THEN NULL WHEN ce.reversed THEN ce.offset_m + ce.length_m - r.position_m ELSE ce.offset_m + r.position_m END AS chain_m
     FROM (
       SELECT c.collision_index, s.id AS segment_id, s.edge_id, k.distance_m,
              s.from_m + ST_LineLocatePoint(s.geom, c.geom) * s.length_m AS position_m,
              coalesce(k.second_m - k.distance_m <= ?, false) AS ambiguous,
              j.junction_node, NULL::text AS cell_id
       FROM hs_collisions c
       LEFT JOIN hs_nearest k ON k.collision_index = c.collision_index AND k.distance_m <= ?
       LEFT JOIN road_segments s ON s.id = k.segment_id
       LEFT JOIN hs_junction j ON j.collision_index = c.collision_index
     ) r
     LEFT JOIN hs_chain_edges ce ON ce.edge_id = r.edge_id`,
    [params.ambiguityM, params.snapDistanceM],
  );
}

/** Grid mode: creates hs_snaps with each collision's hexagon (the lowest i, j on a shared edge). */
export async function snapToGrid(trx: Knex.Transaction): Promise<void> {
  await trx.raw(
    `CREATE TEMP TABLE hs_snaps ON COMMIT DROP AS
     SELECT c.collision_index, NULL::integer AS segment_id, NULL::integer AS edge_id, NULL::float8 AS distance_m,
            NULL::float8 AS position_m, false AS ambiguous, NULL::bigint AS junction_node,
            h.i || ':' || h.j AS cell_id, h.site_id, NULL::integer AS chain_id, NULL::float8 AS chain_m
     FROM hs_collisions c
     LEFT JOIN LATERAL (SELECT h.site_id, h.i, h.j FROM hs_cells h WHERE ST_Intersects(h.geom, c.geom) ORDER BY h.i, h.j LIMIT 1) h ON true`,
  );
}

/** Reads hs_collisions + hs_snaps into compact arrays for the counting and cluster steps. */
export async function readRunCollisions(trx: Knex.Transaction): Promise<RunCollisions> {
  // Rows as arrays: half a million rows parse noticeably faster than as objects.
  const { rows } = (await trx
    .raw(
      `SELECT s.site_id, s.chain_id, s.chain_m, ST_X(c.geom) AS x, ST_Y(c.geom) AS y, c.severity, c.flags, c.day_of_week, c.hour
       FROM hs_collisions c JOIN hs_snaps s USING (collision_index)`,
    )
    .options({ rowMode: 'array' })) as { rows: Array<[string | null, number | null, number | null, number, number, number, number, number, number]> };
  const n = rows.length;
  const out: RunCollisions = {
    n,
    siteId: new Array<string | null>(n),
    chainId: new Int32Array(n),
    chainM: new Float64Array(n),
    x: new Float64Array(n),
    y: new Float64Array(n),
    severity: new Uint8Array(n),
    flags: new Int32Array(n),
    dayOfWeek: new Uint8Array(n),
    hour: new Uint8Array(n),
  };
  for (let i = 0; i < n; i++) {
    const [siteId, chainId, chainM, x, y, severity, flags, day, hour] = rows[i]!;
    out.siteId[i] = siteId;
    out.chainId[i] = chainId === null ? -1 : Number(chainId);
    out.chainM[i] = chainM === null ? NaN : Number(chainM);
    out.x[i] = Number(x);
    out.y[i] = Number(y);
    out.severity[i] = Number(severity);
    out.flags[i] = Number(flags);
    out.dayOfWeek[i] = Number(day);
    out.hour[i] = Number(hour);
  }
  return out;
}

/** Snap statistics for the run summary. */
export async function snapSummary(trx: Knex.Transaction, unitKind: UnitKind): Promise<Record<string, number>> {
  const { rows } = await trx.raw(
    `SELECT count(*) AS collisions,
            count(*) FILTER (WHERE site_id IS NOT NULL) AS placed,
            count(*) FILTER (WHERE segment_id IS NOT NULL) AS snapped,
            count(*) FILTER (WHERE ${unitKind === 'network' ? 'segment_id IS NULL AND junction_node IS NULL' : 'cell_id IS NULL'}) AS unsnapped,
            count(*) FILTER (WHERE ambiguous) AS ambiguous,
            count(*) FILTER (WHERE junction_node IS NOT NULL) AS at_junctions
     FROM hs_snaps`,
  );
  const r = rows[0] as Record<string, string>;
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(v)]));
}
