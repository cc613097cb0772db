import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importStats19 } from '../../server/collisions/stats19/import.ts';
import { bumpDataVersion } from '../../server/db/data-versions.ts';
import { importDistricts } from '../../server/districts/import.ts';
import { TileService } from '../../server/tiles/service.ts';
import { tileAt, type TileAddress } from '../../server/tiles/tile.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { openTestDatabase, testTargets } from '../support/db.ts';
import { decodeLayer, featureSet } from '../support/tiles.ts';

const PRESTON_Z14 = tileAt(-2.7, 53.76, 14);
const LANCASHIRE_Z8 = tileAt(-2.7, 53.76, 8);
/** Lancashire straddles the -2.8125° edge between these z8 columns (Blackpool lies wholly west of it). */
const LANCASHIRE_WEST_Z8 = { ...LANCASHIRE_Z8, x: LANCASHIRE_Z8.x - 1 };
/** Irish Sea between Blackpool and the Isle of Man. */
const SEA_Z10 = tileAt(-3.9, 53.95, 10);
const SEA_Z14 = tileAt(-3.9, 53.95, 14);

const tilePath = (layer: string, t: TileAddress, query = '') => `/tiles/${layer}/${t.z}/${t.x}/${t.y}.mvt${query ? `?${query}` : ''}`;

/** Raw HTTP GET (fetch would undo the gzip we want to see). */
function rawGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

describe.each(testTargets())('vector tiles on the $mode database', (target) => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let app: TestApp;

  beforeAll(async () => {
    db = await openTestDatabase(target);
    await importDistricts(db.knex, 'demo-data/lancashire-lad-2017.geojson');
    await importStats19(db.knex, { collisions: 'demo-data/lancashire-collisions-2023.csv' });
    // Versions read on every request, so an ETag changes the moment the data version is bumped.
    app = await startTestApp(db, {}, { tiles: { versionMaxAgeMs: 0 } });
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  async function getTile(path: string, headers: Record<string, string> = {}) {
    const res = await fetch(`${app.url}${path}`, { headers });
    const bytes = res.status === 200 ? new Uint8Array(await res.arrayBuffer()) : null;
    return { res, bytes };
  }

  /** Collisions whose point lies in the tile, by PostGIS's own tile envelope. */
  async function sqlCount(t: TileAddress, where = 'true'): Promise<number> {
    const { rows } = await db.knex.raw(
      `SELECT count(*) AS n FROM collisions WHERE ST_Intersects(ST_Transform(geom_4326, 3857), ST_TileEnvelope(?, ?, ?)) AND ${where}`,
      [t.z, t.x, t.y],
    );
    return Number(rows[0].n);
  }

  it('serves a z14 tile over central Preston with one point per collision in it, carrying the contract properties', async () => {
    const { res, bytes } = await getTile(tilePath('collisions', PRESTON_Z14));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.mapbox-vector-tile');
    const points = decodeLayer(bytes, 'collisions');
    const { rows } = await db.knex.raw(
      `SELECT collision_index, severity, to_char(date, 'YYYY-MM-DD') AS date, district_code FROM collisions
       WHERE ST_Intersects(ST_Transform(geom_4326, 3857), ST_TileEnvelope(?, ?, ?))`,
      [PRESTON_Z14.z, PRESTON_Z14.x, PRESTON_Z14.y],
    );
    expect(rows.length).toBeGreaterThan(10);
    expect(points).toHaveLength(rows.length);
    const expected = new Map<string, { severity: number; date: string; district_code: string }>(rows.map((r: { collision_index: string }) => [r.collision_index, r]));
    for (const point of points) {
      expect(point.type).toBe(1);
      expect(Object.keys(point.properties).sort()).toEqual(['collisionIndex', 'date', 'district', 'severity', 'severityName']);
      const row = expected.get(String(point.properties.collisionIndex));
      expect(row, `collision ${point.properties.collisionIndex} is in the tile`).toBeDefined();
      expect(point.properties).toEqual({
        collisionIndex: point.properties.collisionIndex,
        severity: row!.severity,
        severityName: ({ 1: 'fatal', 2: 'serious', 3: 'slight' } as Record<number, string>)[row!.severity],
        date: row!.date,
        district: row!.district_code,
      });
      const { x, y } = point.geometry[0]![0]!;
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(4096);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(y).toBeLessThanOrEqual(4096);
    }
  });

  it('aggregates a z8 tile over Lancashire into grid cells whose counts add up to the collisions in the tile', async () => {
    const { res, bytes } = await getTile(tilePath('collisions', LANCASHIRE_Z8));
    expect(res.status).toBe(200);
    const cells = decodeLayer(bytes, 'collisions');
    expect(cells.length).toBeGreaterThan(50);
    for (const cell of cells) {
      expect(Object.keys(cell.properties).sort()).toEqual(['aggregated', 'count', 'fatal', 'serious', 'slight']);
      expect(cell.properties.aggregated).toBe(true);
      const { count, fatal, serious, slight } = cell.properties as Record<string, number>;
      expect(fatal! + serious! + slight!).toBe(count);
    }
    const sum = (key: string) => cells.reduce((s, c) => s + Number(c.properties[key]), 0);
    expect(sum('count')).toBe(await sqlCount(LANCASHIRE_Z8));
    expect(sum('fatal')).toBe(await sqlCount(LANCASHIRE_Z8, 'severity = 1'));
    expect(sum('serious')).toBe(await sqlCount(LANCASHIRE_Z8, 'severity = 2'));
  });

  it('aggregates a point-zoom tile denser than the point budget instead of dropping collisions', async () => {
    const tiles = new TileService(db, { maxPointsPerTile: 20 });
    const bytes = await tiles.render('collisions', PRESTON_Z14, {});
    const cells = decodeLayer(bytes, 'collisions');
    expect(cells.every((c) => c.properties.aggregated === true)).toBe(true);
    expect(cells.reduce((s, c) => s + Number(c.properties.count), 0)).toBe(await sqlCount(PRESTON_Z14));
  });

  it.runIf(target.mode === 'postgresql')('encodes the same features with PostGIS ST_AsMVT as with the Node encoder', async () => {
    expect(db.capabilities.mvt).toBe(true);
    const tiles = new TileService(db);
    const cases: Array<[layer: 'collisions' | 'districts', TileAddress, Record<string, unknown>]> = [
      ['collisions', PRESTON_Z14, {}],
      ['collisions', tileAt(-2.7, 53.76, 11), {}],
      ['collisions', LANCASHIRE_Z8, {}],
      ['collisions', LANCASHIRE_Z8, { severity: ['fatal', 'serious'] }],
      ['districts', LANCASHIRE_Z8, {}],
      ['districts', PRESTON_Z14, {}],
    ];
    for (const [layer, tile, filters] of cases) {
      const postgis = await tiles.render(layer, tile, filters, { encoder: 'postgis', useGrid: false });
      const node = await tiles.render(layer, tile, filters, { encoder: 'node', useGrid: false });
      expect(featureSet(node, layer), `${layer} ${JSON.stringify(tile)}`).toEqual(featureSet(postgis, layer));
      expect(featureSet(node, layer).length).toBeGreaterThan(0);
    }
  });

  it('uses the Node encoder where PostGIS has no ST_AsMVT and PostGIS where it has', () => {
    expect(new TileService(db).defaultEncoder).toBe(target.mode === 'embedded' ? 'node' : 'postgis');
  });

  it('cuts the same low-zoom cells from the in-memory grid as the SQL aggregation gives', async () => {
    const tiles = new TileService(db);
    for (const tile of [LANCASHIRE_Z8, tileAt(-2.7, 53.76, 10), tileAt(-2.7, 53.76, 12)]) {
      for (const filters of [{}, { severity: ['fatal' as const] }, { district: ['E07000123'] }]) {
        const sql = await tiles.render('collisions', tile, filters, { encoder: 'node', useGrid: false });
        const grid = await tiles.render('collisions', tile, filters, { encoder: 'node', useGrid: true });
        expect(featureSet(grid, 'collisions'), `${JSON.stringify(tile)} ${JSON.stringify(filters)}`).toEqual(featureSet(sql, 'collisions'));
      }
    }
  });

  it('answers a bad zoom, column or row with a 400 naming the field and the value', async () => {
    for (const [path, field, value] of [
      ['/tiles/collisions/23/0/0.mvt', 'params.z', '23'],
      ['/tiles/collisions/abc/0/0.mvt', 'params.z', 'abc'],
      ['/tiles/collisions/14/-1/5279.mvt', 'params.x', '-1'],
      [`/tiles/collisions/14/8069/${2 ** 14}.mvt`, 'params.y', String(2 ** 14)],
      ['/tiles/collisions/0/1/0.mvt', 'params.x', '1'],
    ] as const) {
      const res = await fetch(`${app.url}${path}`);
      expect(res.status, path).toBe(400);
      const body = await res.json();
      expect(body.error).toBe('invalid_request');
      expect(body.errors[0].field).toBe(field);
      expect(body.errors[0].message).toContain(`"${value}"`);
    }
  });

  it('answers a bad filter with a 400 naming it', async () => {
    const res = await fetch(`${app.url}${tilePath('collisions', PRESTON_Z14, 'severity=deadly')}`);
    expect(res.status).toBe(400);
    expect((await res.json()).errors[0].field).toMatch(/^query\.severity/);
  });

  it('answers an unknown layer with a 404 that names the layers there are', async () => {
    const res = await fetch(`${app.url}${tilePath('roads', PRESTON_Z14)}`);
    expect(res.status).toBe(404);
    const body = await res.json();
    expect(body.message).toContain('roads');
    expect(body.message).toContain('collisions');
    expect(body.message).toContain('districts');
  });

  it('answers a tile with nothing in it (the Irish Sea) with a 204', async () => {
    for (const t of [SEA_Z10, SEA_Z14]) {
      const { res } = await getTile(tilePath('collisions', t));
      expect(res.status, JSON.stringify(t)).toBe(204);
      expect(res.headers.get('etag')).toBeTruthy();
    }
    expect((await getTile(tilePath('districts', SEA_Z14))).res.status).toBe(204);
  });

  it('gives an ETag and a one-minute Cache-Control, and a 304 for a matching If-None-Match', async () => {
    const first = await getTile(tilePath('collisions', PRESTON_Z14));
    const etag = first.res.headers.get('etag')!;
    expect(etag).toMatch(/^W\/".+"$/);
    expect(first.res.headers.get('cache-control')).toBe('public, max-age=60');
    const again = await fetch(`${app.url}${tilePath('collisions', PRESTON_Z14)}`, { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect((await again.arrayBuffer()).byteLength).toBe(0);
    const other = await fetch(`${app.url}${tilePath('collisions', PRESTON_Z14)}`, { headers: { 'If-None-Match': 'W/"something-else"' } });
    expect(other.status).toBe(200);
  });

  it('changes the ETag when an import bumps the data version, and only for that layer', async () => {
    const before = (await getTile(tilePath('collisions', PRESTON_Z14))).res.headers.get('etag')!;
    const districtsBefore = (await getTile(tilePath('districts', PRESTON_Z14))).res.headers.get('etag')!;
    await bumpDataVersion(db.knex, 'collisions');
    const after = await getTile(tilePath('collisions', PRESTON_Z14), { 'If-None-Match': before });
    expect(after.res.status).toBe(200);
    expect(after.res.headers.get('etag')).not.toBe(before);
    expect((await getTile(tilePath('districts', PRESTON_Z14))).res.headers.get('etag')).toBe(districtsBefore);
  });

  it('applies the collision filters: severity=fatal keeps only fatal collisions and changes the ETag', async () => {
    const all = await getTile(tilePath('collisions', LANCASHIRE_Z8));
    const fatal = await getTile(tilePath('collisions', LANCASHIRE_Z8, 'severity=fatal'));
    expect(fatal.res.headers.get('etag')).not.toBe(all.res.headers.get('etag'));
    const cells = decodeLayer(fatal.bytes, 'collisions');
    expect(cells.length).toBeLessThan(decodeLayer(all.bytes, 'collisions').length);
    expect(cells.reduce((s, c) => s + Number(c.properties.count), 0)).toBe(await sqlCount(LANCASHIRE_Z8, 'severity = 1'));
    expect(cells.every((c) => c.properties.serious === 0 && c.properties.slight === 0)).toBe(true);

    const preston = decodeLayer((await getTile(tilePath('collisions', PRESTON_Z14, 'severity=fatal,serious'))).bytes, 'collisions');
    expect(preston.length).toBe(await sqlCount(PRESTON_Z14, 'severity IN (1, 2)'));
    expect(preston.every((p) => p.properties.severity !== 3)).toBe(true);
  });

  it('applies date and district filters to aggregated tiles', async () => {
    const spring = decodeLayer((await getTile(tilePath('collisions', LANCASHIRE_Z8, 'from=2023-03-01&to=2023-05-31'))).bytes, 'collisions');
    expect(spring.reduce((s, c) => s + Number(c.properties.count), 0)).toBe(await sqlCount(LANCASHIRE_Z8, `date BETWEEN '2023-03-01' AND '2023-05-31'`));
    const preston = decodeLayer((await getTile(tilePath('collisions', LANCASHIRE_Z8, 'district=E07000123'))).bytes, 'collisions');
    expect(preston.reduce((s, c) => s + Number(c.properties.count), 0)).toBe(await sqlCount(LANCASHIRE_Z8, `district_code = 'E07000123'`));
  });

  it('gzips tiles for clients that accept it, and sends them plain to those that do not', async () => {
    const path = `${app.url}${tilePath('collisions', PRESTON_Z14)}`;
    const zipped = await rawGet(path, { 'Accept-Encoding': 'gzip' });
    expect(zipped.status).toBe(200);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toMatch(/Accept-Encoding/i);
    expect([...zipped.body.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    const plain = await rawGet(path, { 'Accept-Encoding': 'identity' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(gunzipSync(zipped.body).equals(plain.body)).toBe(true);
    expect(zipped.body.length).toBeLessThan(plain.body.length);
    expect(decodeLayer(plain.body, 'collisions').length).toBeGreaterThan(10);
  });

  it('draws all 14 Lancashire districts, with code and name, across the two z8 tiles over the county', async () => {
    const codes = new Set<string>();
    for (const t of [LANCASHIRE_Z8, LANCASHIRE_WEST_Z8]) {
      const { res, bytes } = await getTile(tilePath('districts', t));
      expect(res.status).toBe(200);
      for (const d of decodeLayer(bytes, 'districts')) {
        expect(d.type).toBe(3);
        expect(Object.keys(d.properties).sort()).toEqual(['code', 'name']);
        codes.add(String(d.properties.code));
      }
    }
    expect(codes.size).toBe(14);
    const preston = decodeLayer((await getTile(tilePath('districts', PRESTON_Z14))).bytes, 'districts');
    expect(preston.map((d) => d.properties.name)).toContain('Preston');
  });

  it('documents the tile route in the OpenAPI document', async () => {
    const doc = await (await fetch(`${app.url}/api/openapi.json`)).json();
    const route = doc.paths['/tiles/{layer}/{z}/{x}/{y}.mvt'];
    expect(route?.get?.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['layer', 'z', 'x', 'y', 'severity', 'from']));
  });

  it('keeps encoded tiles in a byte-bounded cache keyed by ETag', async () => {
    const tiles = new TileService(db, { cacheBytes: 1_000_000 });
    const etag = await tiles.etag('collisions', PRESTON_Z14, {});
    const first = await tiles.cached(etag, 'collisions', PRESTON_Z14, {});
    expect(await tiles.cached(etag, 'collisions', PRESTON_Z14, {})).toBe(first);
    expect(tiles.cache.bytes).toBeGreaterThan(first.body!.length);
    expect(tiles.cache.bytes).toBeLessThanOrEqual(1_000_000);
  });
});
