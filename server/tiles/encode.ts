import { geoJSONToTile } from '@maplibre/geojson-vt';
import { fromGeojsonVt } from '@maplibre/vt-pbf';
import type { Feature, FeatureCollection, Geometry, GeoJsonProperties } from 'geojson';
import { SEVERITY_NAME } from '../collisions/filters.ts';
import { mercatorToLonLat, TILE_BUFFER, TILE_EXTENT, type TileAddress } from './tile.ts';

/*
 * The Node encoder: used where PostGIS lacks ST_AsMVT (the embedded PGlite is built without
 * protobuf) and for aggregated tiles cut from the in-memory grid. Pure: features in, MVT bytes out.
 * Properties and layer names are exactly those the SQL encoder writes, so a client cannot tell the
 * two apart.
 */

/** A collision at a point zoom; position in EPSG:3857 metres. */
export interface CollisionPoint {
  collisionIndex: string;
  severity: number;
  date: string;
  district: string | null;
  mx: number;
  my: number;
}

/** A grid cell of aggregated collisions; position (the mean of its collisions) in EPSG:3857 metres. */
export interface CollisionCell {
  count: number;
  fatal: number;
  serious: number;
  slight: number;
  mx: number;
  my: number;
}

/** A district outline; geometry is GeoJSON in WGS84 (already clipped and simplified for the tile). */
export interface DistrictShape {
  code: string;
  name: string;
  geometry: Geometry;
}

function pointFeature(mx: number, my: number, properties: GeoJsonProperties): Feature {
  return { type: 'Feature', geometry: { type: 'Point', coordinates: mercatorToLonLat(mx, my) }, properties };
}

/** Encodes one layer of GeoJSON (WGS84) features for the tile; null when nothing lands in it. */
export function encodeLayer(layerName: string, features: Feature[], tile: TileAddress): Uint8Array | null {
  if (features.length === 0) return null;
  const collection: FeatureCollection = { type: 'FeatureCollection', features };
  // One tile needs no tile index: geoJSONToTile projects, clips to the buffer and quantises to the
  // extent like ST_AsMVTGeom. tolerance 0: geometries arrive already simplified by the SQL.
  const vt = geoJSONToTile(collection, tile.z, tile.x, tile.y, {
    extent: TILE_EXTENT,
    buffer: TILE_BUFFER,
    clip: true,
    tolerance: 0,
    maxZoom: tile.z,
  });
  if (!vt || vt.features.length === 0) return null;
  return fromGeojsonVt({ [layerName]: vt }, { version: 2, extent: TILE_EXTENT });
}

/** Collision points: `collisionIndex`, `severity` (1|2|3), `severityName`, `date`, `district`. */
export function encodeCollisionPoints(points: CollisionPoint[], tile: TileAddress): Uint8Array | null {
  return encodeLayer(
    'collisions',
    points.map((p) =>
      pointFeature(p.mx, p.my, {
        collisionIndex: p.collisionIndex,
        severity: p.severity,
        severityName: SEVERITY_NAME[p.severity] ?? null,
        date: p.date,
        district: p.district,
      }),
    ),
    tile,
  );
}

/** Aggregated cells: `aggregated: true`, `count`, `fatal`, `serious`, `slight`. */
export function encodeCollisionCells(cells: CollisionCell[], tile: TileAddress): Uint8Array | null {
  return encodeLayer(
    'collisions',
    cells.map((c) => pointFeature(c.mx, c.my, { aggregated: true, count: c.count, fatal: c.fatal, serious: c.serious, slight: c.slight })),
    tile,
  );
}

/** District outlines: `code`, `name`. */
export function encodeDistricts(districts: DistrictShape[], tile: TileAddress): Uint8Array | null {
  return encodeLayer(
    'districts',
    districts.map((d) => ({ type: 'Feature', geometry: d.geometry, properties: { code: d.code, name: d.name } })),
    tile,
  );
}
