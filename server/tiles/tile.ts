/**
 * Tile addresses and Web Mercator (EPSG:3857) arithmetic shared by the SQL, the in-memory grid and
 * the Node encoder. All lengths are EPSG:3857 metres; tile x grows east and y grows south (XYZ).
 */

/** Half the EPSG:3857 world width in metres (π × 6378137). */
export const HALF_WORLD_M = 20037508.342789244;
/** WGS84 semi-major axis, the sphere EPSG:3857 projects onto. */
export const EARTH_RADIUS_M = 6378137;

/** Tile coordinate space (units per tile side) and the margin kept around it, as ST_AsMVT uses them. */
export const TILE_EXTENT = 4096;
export const TILE_BUFFER = 64;
export const MAX_ZOOM = 22;

export interface TileAddress {
  z: number;
  x: number;
  y: number;
}

/** Side of a tile at zoom z, metres. */
export function tileSizeM(z: number): number {
  return (2 * HALF_WORLD_M) / 2 ** z;
}

/** The tile's bounds in EPSG:3857 metres (the same box as PostGIS `ST_TileEnvelope(z, x, y)`). */
export function tileBounds(tile: TileAddress): { xmin: number; ymin: number; xmax: number; ymax: number } {
  const size = tileSizeM(tile.z);
  const xmin = -HALF_WORLD_M + tile.x * size;
  const ymax = HALF_WORLD_M - tile.y * size;
  return { xmin, ymin: ymax - size, xmax: xmin + size, ymax };
}

/** Longitude/latitude (degrees) → EPSG:3857 metres; the same formula the tile SQL uses. */
export function lonLatToMercator(lon: number, lat: number): [number, number] {
  return [(lon * HALF_WORLD_M) / 180, Math.log(Math.tan(((90 + lat) * Math.PI) / 360)) * EARTH_RADIUS_M];
}

/** EPSG:3857 metres → longitude/latitude (degrees). */
export function mercatorToLonLat(mx: number, my: number): [number, number] {
  return [(mx * 180) / HALF_WORLD_M, (Math.atan(Math.sinh(my / EARTH_RADIUS_M)) * 180) / Math.PI];
}

/** The tile at zoom z holding a longitude/latitude (degrees). */
export function tileAt(lon: number, lat: number, z: number): TileAddress {
  const [mx, my] = lonLatToMercator(lon, lat);
  const size = tileSizeM(z);
  return { z, x: Math.floor((mx + HALF_WORLD_M) / size), y: Math.floor((HALF_WORLD_M - my) / size) };
}
