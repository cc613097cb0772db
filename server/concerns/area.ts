import type { Knex } from 'knex';
import { geometryJson, type ConcernGeometry } from './location.ts';

/**
 * The service area is the union of the loaded districts. A concern must lie inside it; its district
 * is the one holding the point, or the middle of the stretch (by length).
 */

/** Metres a location may stray outside the districts (boundary slivers between generalised polygons). */
const AREA_TOLERANCE_M = 1;

export interface Located {
  inside: boolean;
  /** ONS code of the district holding the point / the stretch's midpoint; null when outside. */
  districtCode: string | null;
  /** Length of a stretch in EPSG:27700, metres; 0 for a point. */
  lengthM: number;
}

export class NoAreaError extends Error {
  constructor() {
    super(
      'No district boundaries are loaded, so there is no area to check a concern against. ' +
        'An administrator must import them first: roadsafe import districts FILE.geojson',
    );
    this.name = 'NoAreaError';
  }
}

/** Throws NoAreaError when the districts table is empty. */
export async function assertAreaLoaded(knex: Knex): Promise<void> {
  const row = await knex('districts').first(knex.raw('1 AS one'));
  if (!row) throw new NoAreaError();
}

/**
 * Places each geometry (WGS84) against the districts, in one statement. Candidate districts are
 * found by bounding box in EPSG:4326 first, so a location far away is never projected or unioned.
 */
export async function locateInArea(knex: Knex, geometries: readonly ConcernGeometry[]): Promise<Located[]> {
  if (geometries.length === 0) return [];
  const { rows } = await knex.raw(
    `WITH input AS (
       SELECT ord, ST_SetSRID(ST_GeomFromGeoJSON(json), 4326) AS g4326
       FROM unnest(?::text[]) WITH ORDINALITY AS t(json, ord)
     ),
     projected AS (
       SELECT i.ord, ST_Transform(i.g4326, 27700) AS g
       FROM input i
       WHERE EXISTS (SELECT 1 FROM districts d WHERE d.geom && i.g4326)
     ),
     measured AS (
       SELECT p.ord, p.g, ST_Length(p.g) AS length_m,
              CASE WHEN GeometryType(p.g) = 'LINESTRING' THEN ST_LineInterpolatePoint(p.g, 0.5) ELSE p.g END AS mid,
              EXISTS (SELECT 1 FROM districts d WHERE ST_Covers(d.geom_bng, p.g)) AS in_one_district
       FROM projected p
     )
     SELECT i.ord,
            m.length_m,
            CASE WHEN m.g IS NULL THEN false
                 WHEN m.in_one_district THEN true
                 -- Across a boundary: the union of the districts it touches (only then, a union costs).
                 WHEN GeometryType(m.g) = 'POINT' THEN EXISTS (SELECT 1 FROM districts d WHERE ST_DWithin(d.geom_bng, m.g, ?))
                 ELSE coalesce(ST_Length(ST_Difference(m.g, (SELECT ST_Union(d.geom_bng) FROM districts d WHERE ST_DWithin(d.geom_bng, m.g, ?)))) <= ?, false)
            END AS inside,
            (SELECT d.code FROM districts d
              WHERE ST_DWithin(d.geom_bng, m.mid, ?)
              ORDER BY ST_Distance(d.geom_bng, m.mid), d.code LIMIT 1) AS district_code
     FROM input i LEFT JOIN measured m ON m.ord = i.ord
     ORDER BY i.ord`,
    [geometries.map(geometryJson), AREA_TOLERANCE_M, AREA_TOLERANCE_M, AREA_TOLERANCE_M, AREA_TOLERANCE_M * 10],
  );
  return (rows as Array<{ length_m: number | null; inside: boolean | null; district_code: string | null }>).map((r) => ({
    inside: r.inside === true,
    districtCode: r.inside === true ? r.district_code : null,
    lengthM: Number(r.length_m ?? 0),
  }));
}
