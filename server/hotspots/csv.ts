import { csvLine, type CsvValue } from '../collisions/csv.ts';
import { SITE_COLUMNS, siteProperties, type SiteRow } from './queries.ts';

/** Road-user groups the CSV gives a column each, in this order (others a pipeline adds follow, sorted). */
const ROAD_USER_COLUMNS = ['pedestrian', 'cyclist', 'motorcyclist', 'young', 'child', 'car', 'goods', 'bus', 'other'];

type Position = number[];
type GeoJsonGeometry = { type: string; coordinates: unknown };

const pos = (p: Position) => p.join(' ');
const ring = (r: Position[]) => `(${r.map(pos).join(', ')})`;
const polygon = (p: Position[][]) => `(${p.map(ring).join(', ')})`;

/** GeoJSON geometry → WKT (the types a site can have), for spreadsheets and GIS tools reading the CSV. */
export function geometryWkt(geometry: GeoJsonGeometry): string {
  const c = geometry.coordinates;
  switch (geometry.type) {
    case 'Point':
      return `POINT (${pos(c as Position)})`;
    case 'LineString':
      return `LINESTRING ${ring(c as Position[])}`;
    case 'MultiLineString':
      return `MULTILINESTRING (${(c as Position[][]).map(ring).join(', ')})`;
    case 'Polygon':
      return `POLYGON ${polygon(c as Position[][])}`;
    case 'MultiPolygon':
      return `MULTIPOLYGON (${(c as Position[][][]).map(polygon).join(', ')})`;
    default:
      throw new Error(`A site geometry cannot be a ${geometry.type}.`);
  }
}

/**
 * The hotspot CSV (RFC 4180): one row per site in rank order; the GeoJSON properties as columns
 * (road-user counts as one `roadUser_<group>` column per group), then `longitude`, `latitude` (a
 * point on the site, WGS84) and `wkt` (its geometry, WGS84).
 */
export function hotspotCsv(rows: readonly SiteRow[]): string {
  const groups = new Set<string>();
  for (const row of rows) for (const key of Object.keys((row.road_user_counts as Record<string, number> | null) ?? {})) groups.add(key);
  const roadUserKeys = [...ROAD_USER_COLUMNS.filter((g) => groups.has(g)), ...[...groups].filter((g) => !ROAD_USER_COLUMNS.includes(g)).sort()];
  const headers: string[] = [];
  for (const [, property] of SITE_COLUMNS) {
    if (property === 'roadUserCounts') headers.push(...roadUserKeys.map((g) => `roadUser_${g}`));
    else headers.push(property);
  }
  headers.push('longitude', 'latitude', 'wkt');
  const lines = [csvLine(headers)];
  for (const row of rows) {
    const properties = siteProperties(row) as Record<string, unknown>;
    const values: CsvValue[] = [];
    for (const [, property] of SITE_COLUMNS) {
      if (property === 'roadUserCounts') {
        const counts = properties.roadUserCounts as Record<string, number>;
        values.push(...roadUserKeys.map((g) => counts[g] ?? 0));
      } else {
        values.push(properties[property] as CsvValue);
      }
    }
    values.push(Number(row.longitude.toFixed(7)), Number(row.latitude.toFixed(7)), geometryWkt(row.geometry));
    lines.push(csvLine(values));
  }
  return lines.join('');
}
