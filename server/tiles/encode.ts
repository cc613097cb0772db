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

/** Whether tile point b lies on the segment a–c (integer coordinates, so the test is exact). */
function onSegment(a: [number, number], b: [number, number], c: [number, number]): boolean {
  const cross = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
  if (cross !== 0) return false;
  return Math.min(a[0], c[0]) <= b[0] && b[0] <= Math.max(a[0], c[0]) && Math.min(a[1], c[1]) <= b[1] && b[1] <= Math.max(a[1], c[1]);
}

/** A line or ring without repeated points and without points lying on the segment between their neighbours. */
function tidyRing(ring: Array<[number, number]>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const p of ring) {
    const last = out.at(-1);
    if (last && last[0] === p[0] && last[1] === p[1]) continue;
    while (out.length >= 2 && onSegment(out.at(-2)!, out.at(-1)!, p)) out.pop();
    out.push(p);
  }
  return out;
}

/**
 * After quantisation to the tile grid, tidies lines and polygon rings as ST_AsMVTGeom does: repeated
 * vertices and vertices on a straight run are dropped, and lines or rings left too short to draw (a
 * 2 m segment at zoom 12 lands on one tile unit) go. Features left with no geometry are removed.
 */
function tidyGeometry(features: Array<{ type: number; geometry: unknown }>): typeof features {
  return features.filter((feature) => {
    if (feature.type === 1) return true;
    const minimum = feature.type === 3 ? 4 : 2;
    const rings = (feature.geometry as Array<Array<[number, number]>>).map(tidyRing).filter((ring) => ring.length >= minimum);
    feature.geometry = rings;
    return rings.length > 0;
  });
}

/** Encodes one layer of GeoJSON (WGS84) features for the tile; null when nothing lands in it. */
export function encodeLayer(layerName: string, features: Feature[], tile: TileAddress, options: { tidyGeometry?: boolean } = {}): Uint8Array | null {
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
  if (vt && options.tidyGeometry) vt.features = tidyGeometry(vt.features as Array<{ type: number; geometry: unknown }>) as typeof vt.features;
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

/** A ranked hotspot site: a point in EPSG:3857 metres (low zooms) or its GeoJSON geometry in WGS84 (as text). */
export interface HotspotShape {
  siteId: string;
  unit: string;
  rank: number;
  harmScore: number | null;
  candidate: boolean;
  corridor: boolean;
  pExcess: number | null;
  roadLabel: string | null;
  mx?: number;
  my?: number;
  geometry?: string;
}

/** Hotspot sites: `siteId`, `unit`, `rank`, `harmScore`, `candidate`, `corridor`, `pExcess`, `roadLabel` (nulls left out). */
export function encodeHotspots(sites: HotspotShape[], tile: TileAddress): Uint8Array | null {
  return encodeLayer(
    'hotspots',
    sites.map((s) => {
      const properties = {
        siteId: s.siteId,
        unit: s.unit,
        rank: s.rank,
        harmScore: s.harmScore,
        candidate: s.candidate,
        corridor: s.corridor,
        pExcess: s.pExcess,
        roadLabel: s.roadLabel,
      };
      if (s.geometry) return { type: 'Feature', geometry: JSON.parse(s.geometry) as Geometry, properties } satisfies Feature;
      return pointFeature(s.mx!, s.my!, properties);
    }),
    tile,
    { tidyGeometry: true },
  );
}
