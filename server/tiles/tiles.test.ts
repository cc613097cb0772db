import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { describe, expect, it } from 'vitest';
import { TileCache } from './cache.ts';
import { encodeCollisionCells, encodeCollisionPoints } from './encode.ts';
import { CollisionGrid } from './grid.ts';
import { filterHash } from '../collisions/filters.ts';
import { lonLatToMercator, mercatorToLonLat, tileAt, tileBounds, tileSizeM } from './tile.ts';

describe('tile arithmetic', () => {
  it('finds the XYZ tile holding a longitude/latitude', () => {
    expect(tileAt(-2.7, 53.76, 14)).toEqual({ z: 14, x: 8069, y: 5279 });
    expect(tileAt(-2.7, 53.76, 8)).toEqual({ z: 8, x: 126, y: 82 });
    expect(tileAt(0, 0, 0)).toEqual({ z: 0, x: 0, y: 0 });
  });

  it('gives tile bounds in EPSG:3857 metres that contain the point they were found from', () => {
    const [mx, my] = lonLatToMercator(-2.7, 53.76);
    const b = tileBounds(tileAt(-2.7, 53.76, 14));
    expect(b.xmax - b.xmin).toBeCloseTo(tileSizeM(14), 6);
    expect(mx).toBeGreaterThanOrEqual(b.xmin);
    expect(mx).toBeLessThan(b.xmax);
    expect(my).toBeGreaterThan(b.ymin);
    expect(my).toBeLessThanOrEqual(b.ymax);
  });

  it('round-trips longitude/latitude through Web Mercator', () => {
    const [lon, lat] = mercatorToLonLat(...lonLatToMercator(-2.704838, 53.768743));
    expect(lon).toBeCloseTo(-2.704838, 9);
    expect(lat).toBeCloseTo(53.768743, 9);
  });
});

describe('the tile cache', () => {
  const tile = (bytes: number) => ({ body: Buffer.alloc(bytes) });

  it('evicts the least recently used tiles once over its byte budget', () => {
    const cache = new TileCache(3000);
    cache.set('a', tile(800));
    cache.set('b', tile(800));
    cache.get('a'); // a is now more recent than b
    cache.set('c', tile(800));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('c')).toBeDefined();
    expect(cache.bytes).toBeLessThanOrEqual(3000);
  });

  it('keeps nothing larger than its whole budget, and nothing at all with a budget of 0', () => {
    const cache = new TileCache(1000);
    cache.set('big', tile(5000));
    expect(cache.size).toBe(0);
    const off = new TileCache(0);
    off.set('a', { body: null });
    expect(off.size).toBe(0);
  });

  it('rejects a budget that is not a number of bytes', () => {
    expect(() => new TileCache(-1)).toThrow(/got -1/);
  });
});

describe('filter keys for ETags', () => {
  it('gives the same key to the same filters however they were written', () => {
    expect(filterHash({ severity: ['serious', 'fatal'] })).toBe(filterHash({ severity: ['fatal', 'serious'] }));
    expect(filterHash({ severity: ['fatal', 'serious', 'slight'] })).toBe('all');
    expect(filterHash({})).toBe('all');
    expect(filterHash({ severity: ['fatal'] })).not.toBe(filterHash({ severity: ['serious'] }));
  });
});

describe('the Node encoder', () => {
  const preston = tileAt(-2.7, 53.76, 14);
  const [mx, my] = lonLatToMercator(-2.7, 53.76);

  it('writes collision points with the contract properties into the collisions layer', () => {
    const bytes = encodeCollisionPoints([{ collisionIndex: '2023041258776', severity: 3, date: '2023-01-02', district: 'E07000123', mx, my }], preston);
    const layer = new VectorTile(new PbfReader(bytes!)).layers.collisions!;
    expect(layer.length).toBe(1);
    expect(layer.feature(0).properties).toEqual({
      collisionIndex: '2023041258776',
      severity: 3,
      severityName: 'slight',
      date: '2023-01-02',
      district: 'E07000123',
    });
  });

  it('leaves out a missing district rather than writing null', () => {
    const bytes = encodeCollisionPoints([{ collisionIndex: 'x', severity: 1, date: '2023-01-02', district: null, mx, my }], preston);
    expect(new VectorTile(new PbfReader(bytes!)).layers.collisions!.feature(0).properties).not.toHaveProperty('district');
  });

  it('writes aggregated cells with aggregated: true and their counts', () => {
    const bytes = encodeCollisionCells([{ count: 5, fatal: 1, serious: 1, slight: 3, mx, my }], preston);
    expect(new VectorTile(new PbfReader(bytes!)).layers.collisions!.feature(0).properties).toEqual({ aggregated: true, count: 5, fatal: 1, serious: 1, slight: 3 });
  });

  it('returns null for a tile with no features', () => {
    expect(encodeCollisionPoints([], preston)).toBeNull();
  });
});

describe('the collision grid', () => {
  // Two grid rows (zoom-18 cells) inside the z8 tile 126/82 and one in its western neighbour.
  const rows = [
    { ix: 126 * 1024 + 10, iy: 82 * 1024 + 20, severity: 1, district: 'E07000123', count: 2, sx: 2, sy: 4 },
    { ix: 126 * 1024 + 12, iy: 82 * 1024 + 21, severity: 3, district: 'E07000126', count: 3, sx: 3, sy: 6 },
    { ix: 125 * 1024 + 1000, iy: 82 * 1024 + 5, severity: 2, district: 'E06000009', count: 7, sx: 7, sy: 7 },
  ];
  const grid = new CollisionGrid(rows, 1);

  it('counts the collisions in a tile, with severity and district filters', () => {
    expect(grid.countInTile({ z: 8, x: 126, y: 82 })).toBe(5);
    expect(grid.countInTile({ z: 8, x: 126, y: 82 }, { severity: [1] })).toBe(2);
    expect(grid.countInTile({ z: 8, x: 126, y: 82 }, { district: ['E07000126'] })).toBe(3);
    expect(grid.countInTile({ z: 8, x: 125, y: 82 })).toBe(7);
    expect(grid.countInTile({ z: 8, x: 127, y: 82 })).toBe(0);
  });

  it('sums grid rows into the tile’s 64 × 64 cells with their mean position', () => {
    // At z8 an aggregation cell is 16 × 16 grid cells: both rows fall in cell (0, 1).
    expect(grid.cellsForTile({ z: 8, x: 126, y: 82 })).toEqual([{ cx: 0, cy: 1, count: 5, fatal: 2, serious: 0, slight: 3, mx: 1, my: 2 }]);
  });

  it('refuses zooms too fine for its cells', () => {
    expect(() => grid.cellsForTile({ z: 13, x: 0, y: 0 })).toThrow(/up to zoom 12, not 13/);
  });
});
