import { z } from '../http/zod.ts';
import { lineLengthM, STRETCH, type Position } from './model.ts';

/**
 * Where a concern is: a GeoJSON Point (a spot) or LineString (a stretch of road) in WGS84.
 * Checked here without a database (shape, coordinate ranges, vertices, length); whether it lies in
 * the area the service covers is checked in SQL (area.ts).
 */

export type ConcernGeometry = { type: 'Point'; coordinates: Position } | { type: 'LineString'; coordinates: Position[] };

/** [lon, lat] or [lon, lat, altitude] (the altitude is dropped); numbers within WGS84 ranges. */
const position = z
  .array(z.number({ error: 'coordinates must be numbers' }), { error: 'a position must be [longitude, latitude]' })
  .min(2, { message: 'a position must be [longitude, latitude]' })
  .max(3, { message: 'a position must be [longitude, latitude] (an optional altitude is the only third value allowed)' })
  .superRefine((p, ctx) => {
    const [lon, lat] = p as [number, number];
    if (lon < -180 || lon > 180 || lat < -90 || lat > 90) {
      ctx.addIssue({
        code: 'custom',
        message: `[${lon}, ${lat}] is not a WGS84 [longitude, latitude]: longitude must be within -180..180 and latitude within -90..90`,
      });
    }
  })
  .transform((p): Position => [p[0] as number, p[1] as number]);

const point = z.object({ type: z.literal('Point'), coordinates: position });

const lineString = z
  .object({
    type: z.literal('LineString'),
    coordinates: z
      .array(position, { error: 'a LineString needs an array of [longitude, latitude] positions' })
      .min(STRETCH.minVertices, { message: `a stretch needs at least ${STRETCH.minVertices} points` })
      .max(STRETCH.maxVertices, { message: `a stretch may have at most ${STRETCH.maxVertices} points; simplify it` }),
  })
  .superRefine((line, ctx) => {
    // Zod runs refinements after a failed min(): one point has no length worth reporting too.
    if (line.coordinates.length < STRETCH.minVertices) return;
    const lengthM = lineLengthM(line.coordinates);
    // A stretch drawn as one repeated point has no length (and is not a valid geometry).
    if (lengthM < 1) {
      ctx.addIssue({ code: 'custom', message: 'the stretch has no length: its points are all in the same place (mark a point instead)' });
    } else if (lengthM > STRETCH.maxLengthM) {
      ctx.addIssue({
        code: 'custom',
        message: `the stretch is ${(lengthM / 1000).toFixed(1)} km long; draw at most ${STRETCH.maxLengthM / 1000} km (report separate places separately)`,
      });
    }
  });

/** A concern's location as the API and the import accept it. */
export const concernGeometry = z
  .discriminatedUnion('type', [point, lineString], {
    error: (issue) =>
      issue.input === undefined
        ? 'required: mark a point or draw a stretch of road (a GeoJSON Point or LineString, WGS84)'
        : issue.code === 'invalid_union'
          ? 'must be a GeoJSON geometry whose type is Point or LineString (WGS84)'
          : 'must be a GeoJSON Point or LineString (WGS84)',
  })
  .transform((g) => g as ConcernGeometry)
  .openapi({
    description: `GeoJSON Point or LineString in WGS84 (longitude, latitude). A LineString has ${STRETCH.minVertices}–${STRETCH.maxVertices} points and is at most ${STRETCH.maxLengthM / 1000} km long. It must lie inside the service area (the loaded districts).`,
    example: { type: 'Point', coordinates: [-2.7031, 53.7632] },
  });

/** GeoJSON text of a checked geometry, for ST_GeomFromGeoJSON (built from numbers only, never from raw input). */
export function geometryJson(geometry: ConcernGeometry): string {
  return JSON.stringify({ type: geometry.type, coordinates: geometry.coordinates });
}
