import type { Knex } from 'knex';
import { applyCollisionFilters, type CollisionFilters } from '../collisions/filters.ts';
import { EARTH_RADIUS_M, HALF_WORLD_M, TILE_BUFFER, TILE_EXTENT, tileSizeM, type TileAddress } from './tile.ts';
import type { CollisionCell, CollisionPoint, HotspotShape } from './encode.ts';

/*
 * SQL for the vector tiles. Every feature set is selected here once and then either encoded by
 * PostGIS (ST_AsMVT, on a PostGIS built with protobuf) or returned as rows for the Node encoder
 * (encode.ts), so the two encoders always see the same features.
 *
 * Collisions are located by their WGS84 point (`geom_4326`), the position the map shows. The GiST
 * index is used through `geom_4326 && <tile envelope in 4326>` (a Web Mercator tile is an exact
 * lon/lat rectangle); membership is then decided in EPSG:3857 with the same floor() arithmetic the
 * in-memory grid uses: a point belongs to exactly one tile (left and top edges included), so
 * neighbouring tiles never count a collision twice and aggregated counts add up.
 */

/** Grid cells per tile side when points are aggregated: cells are TILE_EXTENT/64 = 64 tile units wide. */
export const CELLS_PER_TILE = 64;

// EPSG:3857 metres of a WGS84 point by arithmetic (as lonLatToMercator): half the cost of
// ST_Transform per row, which matters when a low-zoom tile aggregates hundreds of thousands of points.
const mercatorX = (point: string) => `(ST_X(${point}) * ${HALF_WORLD_M / 180}::float8)`;
const mercatorY = (point: string) => `(ln(tan(radians(90 + ST_Y(${point})) / 2)) * ${EARTH_RADIUS_M}::float8)`;
const MX = mercatorX('c.geom_4326');
const MY = mercatorY('c.geom_4326');
const H = `${HALF_WORLD_M}::float8`;

const SEVERITY_NAME_SQL = `CASE p.severity WHEN 1 THEN 'fatal' WHEN 2 THEN 'serious' WHEN 3 THEN 'slight' END`;

/** Runs tile SQL with JIT off: PostgreSQL's JIT adds 0.1–1.6 s of compile time to a 20–400 ms aggregate. */
export async function inTileTransaction<T>(knex: Knex, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  return knex.transaction(async (trx) => {
    await trx.raw('SET LOCAL jit = off');
    return work(trx);
  });
}

/**
 * Collisions near the tile (index filter) with the shared filters, as a query over `collisions c`.
 * `exact` adds the EPSG:3857 membership test; the cell aggregation does that test on its cell
 * numbers instead, which keeps the planner's row estimate (and so its choice of plan) sound.
 */
function collisionsInTile(knex: Knex, tile: TileAddress, filters: CollisionFilters, exact: boolean): Knex.QueryBuilder {
  const query = knex({ c: 'collisions' })
    // 1e-9° slack so float rounding in the envelope never drops a point the 3857 test keeps.
    .whereRaw('c.geom_4326 && ST_Expand(ST_Transform(ST_TileEnvelope(?, ?, ?), 4326), 1e-9)', [tile.z, tile.x, tile.y]);
  if (exact) {
    const size = tileSizeM(tile.z);
    query.whereRaw(`floor((${MX} + ${H}) / ?::float8) = ? AND floor((${H} - ${MY}) / ?::float8) = ?`, [size, tile.x, size, tile.y]);
  }
  return applyCollisionFilters(query, filters, 'c');
}

/** One collision at a point zoom: the contract's properties plus its position in EPSG:3857 metres. */
export type CollisionPointRow = CollisionPoint;

function pointSelection(knex: Knex, tile: TileAddress, filters: CollisionFilters, limit: number): Knex.QueryBuilder {
  return collisionsInTile(knex, tile, filters, true)
    .select(
      knex.raw('c.collision_index AS "collisionIndex"'),
      'c.severity',
      knex.raw(`to_char(c.date, 'YYYY-MM-DD') AS date`),
      knex.raw('c.district_code AS district'),
      knex.raw(`${MX} AS mx`),
      knex.raw(`${MY} AS my`),
    )
    .limit(limit);
}

/**
 * The tile's collision points for the Node encoder, at most `limit` + 1 rows: more than `limit`
 * tells the caller the tile is too dense for points.
 */
export async function collisionPointRows(knex: Knex, tile: TileAddress, filters: CollisionFilters, limit: number): Promise<CollisionPointRow[]> {
  const rows = (await pointSelection(knex, tile, filters, limit + 1)) as CollisionPointRow[];
  return rows.map((r) => ({ ...r, severity: Number(r.severity), mx: Number(r.mx), my: Number(r.my) }));
}

/**
 * The tile's collision points encoded by ST_AsMVT. `count` is the number of points found (at most
 * `limit` + 1); when it exceeds `limit` no tile is encoded (`mvt` null) and the caller aggregates.
 */
export async function collisionPointsMvt(
  knex: Knex,
  tile: TileAddress,
  filters: CollisionFilters,
  limit: number,
): Promise<{ count: number; mvt: Buffer | null }> {
  const { rows } = await knex.raw(
    `WITH p AS MATERIALIZED (?)
     SELECT n.count, CASE WHEN n.count <= ? THEN (
       SELECT ST_AsMVT(t, 'collisions', ${TILE_EXTENT}, 'geom') FROM (
         SELECT p."collisionIndex", p.severity, ${SEVERITY_NAME_SQL} AS "severityName", p.date, p.district,
                ST_AsMVTGeom(ST_Point(p.mx, p.my, 3857), ST_TileEnvelope(?, ?, ?), ${TILE_EXTENT}, ${TILE_BUFFER}, true) AS geom
         FROM p) t
     ) END AS mvt
     FROM (SELECT count(*)::int AS count FROM p) n`,
    [pointSelection(knex, tile, filters, limit + 1), limit, tile.z, tile.x, tile.y],
  );
  const row = rows[0] as { count: number; mvt: Buffer | null };
  return { count: Number(row.count), mvt: row.mvt };
}

/** One aggregation cell: its column/row in the tile's 64 × 64 grid, counts, and the mean position of its collisions. */
export interface CellRow extends CollisionCell {
  cx: number;
  cy: number;
}

function cellSelection(knex: Knex, tile: TileAddress, filters: CollisionFilters): Knex.Raw {
  // cell = tile/64 exactly (a power of two), so floor((mx + H) / cell) lies in [64x, 64x + 63]
  // exactly when floor((mx + H) / tile) = x: the same membership as the point tiles use.
  const cell = tileSizeM(tile.z) / CELLS_PER_TILE;
  const points = collisionsInTile(knex, tile, filters, false).select('c.severity', knex.raw(`${MX} AS mx`), knex.raw(`${MY} AS my`));
  return knex.raw(
    `SELECT g.* FROM (
       SELECT (floor((p.mx + ${H}) / ?::float8) - ?)::int AS cx, (floor((${H} - p.my) / ?::float8) - ?)::int AS cy,
              count(*)::int AS count,
              (count(*) FILTER (WHERE p.severity = 1))::int AS fatal,
              (count(*) FILTER (WHERE p.severity = 2))::int AS serious,
              (count(*) FILTER (WHERE p.severity = 3))::int AS slight,
              avg(p.mx) AS mx, avg(p.my) AS my
       FROM (?) p GROUP BY 1, 2
       OFFSET 0 -- a fence: keeps the cell test below out of the scan, where it would spoil the row estimate
     ) g
     WHERE g.cx BETWEEN 0 AND ${CELLS_PER_TILE - 1} AND g.cy BETWEEN 0 AND ${CELLS_PER_TILE - 1}
     ORDER BY g.cx, g.cy
     LIMIT ${CELLS_PER_TILE * CELLS_PER_TILE}`,
    [cell, tile.x * CELLS_PER_TILE, cell, tile.y * CELLS_PER_TILE, points],
  );
}

/** The tile's collisions aggregated to grid cells, as rows (for the Node encoder). */
export async function collisionCellRows(knex: Knex, tile: TileAddress, filters: CollisionFilters): Promise<CellRow[]> {
  const { rows } = await cellSelection(knex, tile, filters);
  return (rows as CellRow[]).map((r) => ({ ...r, mx: Number(r.mx), my: Number(r.my) }));
}

/** The tile's collisions aggregated to grid cells, encoded by ST_AsMVT (empty buffer when none). */
export async function collisionCellsMvt(knex: Knex, tile: TileAddress, filters: CollisionFilters): Promise<Buffer> {
  const { rows } = await knex.raw(
    `SELECT ST_AsMVT(t, 'collisions', ${TILE_EXTENT}, 'geom') AS mvt FROM (
       SELECT true AS aggregated, q.count, q.fatal, q.serious, q.slight,
              ST_AsMVTGeom(ST_Point(q.mx, q.my, 3857), ST_TileEnvelope(?, ?, ?), ${TILE_EXTENT}, ${TILE_BUFFER}, true) AS geom
       FROM (?) q) t`,
    [tile.z, tile.x, tile.y, cellSelection(knex, tile, filters)],
  );
  return (rows[0] as { mvt: Buffer }).mvt;
}

/** Grid cells at GRID_ZOOM with their counts, for the in-memory grid (grid.ts). */
export interface GridRow {
  ix: number;
  iy: number;
  severity: number;
  district: string | null;
  count: number;
  /** Sums of the collisions' EPSG:3857 coordinates, metres. */
  sx: number;
  sy: number;
}

/**
 * Zoom whose tiles are the in-memory grid's cells (≈ 153 m of EPSG:3857, ≈ 90 m on the ground in
 * Lancashire): aggregation cells of tiles at zoom ≤ GRID_ZOOM − 6 are blocks of these.
 */
export const GRID_ZOOM = 18;

/** Every collision counted by GRID_ZOOM cell, severity and district: the in-memory grid's source. */
export async function collisionGridRows(knex: Knex): Promise<GridRow[]> {
  const cell = tileSizeM(GRID_ZOOM);
  const { rows } = await knex.raw(
    `SELECT floor((${MX} + ${H}) / ?::float8)::int AS ix, floor((${H} - ${MY}) / ?::float8)::int AS iy,
            c.severity, c.district_code AS district, count(*)::int AS count, sum(${MX}) AS sx, sum(${MY}) AS sy
     FROM collisions c WHERE c.geom_4326 IS NOT NULL
     GROUP BY 1, 2, 3, 4 ORDER BY 1, 2`,
    [cell, cell],
  );
  return (rows as GridRow[]).map((r) => ({ ...r, severity: Number(r.severity), sx: Number(r.sx), sy: Number(r.sy) }));
}

/** Safety valve: boundary sets of small areas (e.g. all English wards) would otherwise overfill low-zoom tiles. */
export const MAX_DISTRICTS_PER_TILE = 2000;

/** Districts touching the tile or its buffer: clipped to the buffered tile, simplified to about a screen pixel, in EPSG:3857. */
function districtSelection(knex: Knex, tile: TileAddress): Knex.Raw {
  const margin = TILE_BUFFER / TILE_EXTENT;
  // One pixel of a 512-pixel tile as MapLibre draws it: finer detail cannot be seen at this zoom.
  const toleranceM = tileSizeM(tile.z) / 512;
  return knex.raw(
    // Clip in 4326 before projecting: a Web Mercator box is a lon/lat box, and a detailed boundary
    // then projects only the part in the tile.
    `SELECT d.code, d.name,
            ST_SimplifyPreserveTopology(ST_Transform(ST_ClipByBox2D(d.geom, e.env), 3857), ?::float8) AS g
     FROM districts d, (SELECT ST_Transform(ST_TileEnvelope(?, ?, ?, margin => ?::float8), 4326) AS env) e
     WHERE d.geom && e.env AND ST_Intersects(d.geom, e.env)
     ORDER BY d.code
     LIMIT ${MAX_DISTRICTS_PER_TILE}`,
    [toleranceM, tile.z, tile.x, tile.y, margin],
  );
}

export interface DistrictRow {
  code: string;
  name: string;
  /** GeoJSON geometry in WGS84, as text. */
  geometry: string;
}

/** The tile's districts as GeoJSON rows (for the Node encoder). */
export async function districtRows(knex: Knex, tile: TileAddress): Promise<DistrictRow[]> {
  const { rows } = await knex.raw(
    `SELECT s.code, s.name, ST_AsGeoJSON(ST_Transform(s.g, 4326)) AS geometry FROM (?) s WHERE NOT ST_IsEmpty(s.g)`,
    [districtSelection(knex, tile)],
  );
  return rows as DistrictRow[];
}

/** The tile's districts encoded by ST_AsMVT (empty buffer when none). */
export async function districtsMvt(knex: Knex, tile: TileAddress): Promise<Buffer> {
  const { rows } = await knex.raw(
    `SELECT ST_AsMVT(t, 'districts', ${TILE_EXTENT}, 'geom') AS mvt FROM (
       SELECT s.code, s.name, ST_AsMVTGeom(s.g, ST_TileEnvelope(?, ?, ?), ${TILE_EXTENT}, ${TILE_BUFFER}, true) AS geom
       FROM (?) s WHERE NOT ST_IsEmpty(s.g)) t
     WHERE t.geom IS NOT NULL`,
    [tile.z, tile.x, tile.y, districtSelection(knex, tile)],
  );
  return (rows[0] as { mvt: Buffer }).mvt;
}

/**
 * Hotspot sites are drawn with their own geometry (junction point, segment or window line, hexagon)
 * from this zoom; below it each site is a point on it (a line's midpoint): a 100 m segment is under
 * two pixels at zoom 11 and would collapse when quantised to the tile grid.
 */
export const HOTSPOT_SHAPE_MIN_ZOOM = 12;

/** Safety valve: at most this many sites per tile, the best ranked (≈ 60 bytes each encoded). */
export const MAX_HOTSPOTS_PER_TILE = 4000;

/** Which sites the hotspots layer draws: one run's ranked sites of these units. */
export interface HotspotTileSelection {
  runId: number;
  units: readonly string[];
}

// A point on the site in WGS84: a line's midpoint (a vertex would sit at a junction), else a point on its surface.
const SITE_ANCHOR = `CASE WHEN GeometryType(s.geom_4326) = 'LINESTRING' THEN ST_LineInterpolatePoint(s.geom_4326, 0.5) ELSE ST_PointOnSurface(s.geom_4326) END`;

/** The layer's properties: hotspot_sites column → property. */
const HOTSPOT_FIELDS = [
  ['site_id', 'siteId'],
  ['unit', 'unit'],
  ['rank', 'rank'],
  ['harm_score', 'harmScore'],
  ['candidate', 'candidate'],
  ['corridor', 'corridor'],
  ['p_excess', 'pExcess'],
  ['road_label', 'roadLabel'],
] as const;

/** The properties selected from `hotspot_sites s`. */
const HOTSPOT_PROPERTIES = HOTSPOT_FIELDS.map(([column, property]) => `s.${column} AS "${property}"`).join(', ');

/** The properties read back from a subquery `alias` that selected HOTSPOT_PROPERTIES. */
const hotspotProperties = (alias: string) => HOTSPOT_FIELDS.map(([, property]) => `${alias}."${property}"`).join(', ');

/** The selection's sites whose geometry's box meets the tile (with `marginUnits` tile units of margin). */
function hotspotsNearTile(knex: Knex, tile: TileAddress, selection: HotspotTileSelection, marginUnits: number): Knex.QueryBuilder {
  return knex({ s: 'hotspot_sites' })
    .where('s.run_id', selection.runId)
    .whereIn('s.unit', selection.units as string[])
    .whereNotNull('s.rank')
    .whereRaw('s.geom_4326 && ST_Expand(ST_Transform(ST_TileEnvelope(?, ?, ?, margin => ?::float8), 4326), 1e-9)', [
      tile.z,
      tile.x,
      tile.y,
      marginUnits / TILE_EXTENT,
    ]);
}

/**
 * Low zooms: one point per site (its anchor) in EPSG:3857 metres, by the same floor() membership as
 * the collision points, so a site is in exactly one tile; the best `MAX_HOTSPOTS_PER_TILE` by rank.
 */
function hotspotPointSelection(knex: Knex, tile: TileAddress, selection: HotspotTileSelection): Knex.Raw {
  const size = tileSizeM(tile.z);
  const inner = hotspotsNearTile(knex, tile, selection, 0).select(
    knex.raw(`${HOTSPOT_PROPERTIES}, ${SITE_ANCHOR} AS anchor`),
  );
  const mx = mercatorX('a.anchor');
  const my = mercatorY('a.anchor');
  return knex.raw(
    `SELECT ${hotspotProperties('a')}, ${mx} AS mx, ${my} AS my
     FROM (?) a
     WHERE floor((${mx} + ${H}) / ?::float8) = ? AND floor((${H} - ${my}) / ?::float8) = ?
     ORDER BY a.rank, a.unit, a."siteId"
     LIMIT ${MAX_HOTSPOTS_PER_TILE}`,
    [inner, size, tile.x, size, tile.y],
  );
}

/** A site as the Node encoder takes it. */
export type HotspotTileRow = HotspotShape;

/**
 * High zooms: the sites' own geometry touching the tile or its buffer, best ranked first, clipped to
 * the buffered tile in WGS84 (`g`; a Web Mercator tile is a lon/lat box). Both encoders then see the
 * same cut ends, so their quantised vertices agree where a road leaves the tile.
 */
function hotspotShapeSelection(knex: Knex, tile: TileAddress, selection: HotspotTileSelection): Knex.Raw {
  const near = hotspotsNearTile(knex, tile, selection, TILE_BUFFER)
    .select(knex.raw(HOTSPOT_PROPERTIES), 's.geom_4326')
    .orderByRaw('s.rank, s.unit, s.site_id')
    .limit(MAX_HOTSPOTS_PER_TILE);
  return knex.raw(
    `SELECT ${hotspotProperties('n')}, ST_ClipByBox2D(n.geom_4326, e.env) AS g
     FROM (?) n, (SELECT ST_Transform(ST_TileEnvelope(?, ?, ?, margin => ?::float8), 4326) AS env) e`,
    [near, tile.z, tile.x, tile.y, TILE_BUFFER / TILE_EXTENT],
  );
}

/** The tile's hotspot sites as rows for the Node encoder. */
export async function hotspotRows(knex: Knex, tile: TileAddress, selection: HotspotTileSelection): Promise<HotspotTileRow[]> {
  if (tile.z < HOTSPOT_SHAPE_MIN_ZOOM) {
    const { rows } = await hotspotPointSelection(knex, tile, selection);
    return (rows as HotspotTileRow[]).map((r) => ({ ...r, mx: Number(r.mx), my: Number(r.my) }));
  }
  const { rows } = await knex.raw(
    `SELECT ${hotspotProperties('q')}, ST_AsGeoJSON(q.g) AS geometry FROM (?) q
     WHERE NOT ST_IsEmpty(q.g) ORDER BY q.rank, q.unit, q."siteId"`,
    [hotspotShapeSelection(knex, tile, selection)],
  );
  return rows as HotspotTileRow[];
}

/** The tile's hotspot sites encoded by ST_AsMVT (empty buffer when none). */
export async function hotspotsMvt(knex: Knex, tile: TileAddress, selection: HotspotTileSelection): Promise<Buffer> {
  const properties = hotspotProperties('q');
  const { rows } =
    tile.z < HOTSPOT_SHAPE_MIN_ZOOM
      ? await knex.raw(
          `SELECT ST_AsMVT(t, 'hotspots', ${TILE_EXTENT}, 'geom') AS mvt FROM (
             SELECT ${properties}, ST_AsMVTGeom(ST_Point(q.mx, q.my, 3857), ST_TileEnvelope(?, ?, ?), ${TILE_EXTENT}, ${TILE_BUFFER}, true) AS geom
             FROM (?) q) t`,
          [tile.z, tile.x, tile.y, hotspotPointSelection(knex, tile, selection)],
        )
      : await knex.raw(
          `SELECT ST_AsMVT(t, 'hotspots', ${TILE_EXTENT}, 'geom') AS mvt FROM (
             SELECT ${properties}, ST_AsMVTGeom(ST_Transform(q.g, 3857), ST_TileEnvelope(?, ?, ?), ${TILE_EXTENT}, ${TILE_BUFFER}, true) AS geom
             FROM (?) q WHERE NOT ST_IsEmpty(q.g)) t
           WHERE t.geom IS NOT NULL`,
          [tile.z, tile.x, tile.y, hotspotShapeSelection(knex, tile, selection)],
        );
  return (rows[0] as { mvt: Buffer }).mvt;
}
