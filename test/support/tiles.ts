import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';

// Decoding uses @mapbox/vector-tile and pbf, which maplibre-gl brings in.

/** One feature of a decoded vector tile layer: its properties, type (1 point, 2 line, 3 polygon) and geometry in tile units. */
export interface DecodedFeature {
  properties: Record<string, unknown>;
  geometry: Array<Array<{ x: number; y: number }>>;
  type: number;
}

/** The features of one layer of a tile; none when there is no tile (204) or no such layer. */
export function decodeLayer(bytes: Uint8Array | null, name: string): DecodedFeature[] {
  if (!bytes) return [];
  const layer = new VectorTile(new PbfReader(bytes)).layers[name];
  if (!layer) return [];
  return Array.from({ length: layer.length }, (_, i) => {
    const f = layer.feature(i);
    return { properties: f.properties, type: f.type, geometry: f.loadGeometry().map((ring) => ring.map((p) => ({ x: p.x, y: p.y }))) };
  });
}

/** A polygon ring without its closing point, started at its smallest vertex (encoders pick different starts). */
function normaliseRing(ring: Array<{ x: number; y: number }>): Array<{ x: number; y: number }> {
  const open = ring.length > 1 && ring[0]!.x === ring.at(-1)!.x && ring[0]!.y === ring.at(-1)!.y ? ring.slice(0, -1) : ring;
  let start = 0;
  open.forEach((p, i) => {
    const s = open[start]!;
    if (p.x < s.x || (p.x === s.x && p.y < s.y)) start = i;
  });
  return [...open.slice(start), ...open.slice(0, start)];
}

/** A layer's features as sorted JSON strings, to compare two tiles' feature sets (e.g. the two encoders'). */
export function featureSet(bytes: Uint8Array | null, name: string): string[] {
  return decodeLayer(bytes, name)
    .map((f) => JSON.stringify({ p: Object.fromEntries(Object.entries(f.properties).sort()), g: f.type === 3 ? f.geometry.map(normaliseRing) : f.geometry, t: f.type }))
    .sort();
}
