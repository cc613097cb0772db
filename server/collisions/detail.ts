import { decodeRecord } from './labels.ts';
import { collisionProperties } from './properties.ts';
import type { CollisionListRow } from './queries.ts';

// Stored but not part of a collision's public record (geometry columns become `location`).
const INTERNAL = ['geom', 'geom_4326', 'lon_4326', 'lat_4326', 'longitude', 'latitude', 'easting', 'northing', 'hour', 'sort_time'];
// Columns the list properties already give under their own names.
const SHOWN_AS_PROPERTIES = ['numberOfCasualties', 'numberOfVehicles', 'districtCode', 'urbanOrRuralArea', 'firstRoadNumber'];

/**
 * One collision as the detail route returns it: the list properties, every other stored field
 * (coded ones as DfT labels, with the raw codes under `codes`), its location, casualties and vehicles.
 */
export function collisionDetail(
  row: Record<string, unknown>,
  casualties: Record<string, unknown>[],
  vehicles: Record<string, unknown>[],
): { collision: Record<string, unknown>; casualties: Record<string, unknown>[]; vehicles: Record<string, unknown>[] } {
  const listRow = row as unknown as CollisionListRow;
  const lon = row.lon_4326 as number | null;
  const lat = row.lat_4326 as number | null;
  const { codes, ...decoded } = decodeRecord('collision', row, INTERNAL);
  for (const key of SHOWN_AS_PROPERTIES) delete decoded[key];
  const perCollision = ['collision_index'];
  return {
    collision: {
      ...decoded,
      ...collisionProperties({ ...listRow, longitude: lon, latitude: lat }),
      location:
        lon == null || lat == null
          ? null
          : { longitude: lon, latitude: lat, easting: (row.easting as number | null) ?? null, northing: (row.northing as number | null) ?? null },
      codes,
    },
    casualties: casualties.map((c) => decodeRecord('casualty', c, perCollision)),
    vehicles: vehicles.map((v) => decodeRecord('vehicle', v, perCollision)),
  };
}
