import { beforeAll, describe, expect, it } from 'vitest';
import { bumpDataVersion } from '../../server/db/data-versions.ts';
import { runHotspots } from '../../server/hotspots/run.ts';
import { importRoadNetwork } from '../../server/roads/import.ts';
import { TileService } from '../../server/tiles/service.ts';
import { tileAt, type TileAddress } from '../../server/tiles/tile.ts';
import { createRandom } from '../bench/random.ts';
import { useTestApp } from '../support/app.ts';
import { testTargets } from '../support/db.ts';
import { decodeLayer, featureSet } from '../support/tiles.ts';
import { E0, hexagon, insertRun, insertSite, LEEDS_OSM, line, N0 } from './hotspots-run-fixtures.ts';

/*
 * The `hotspots` tile layer: the ranked sites of the latest full run. Hand-built runs (rows written
 * as the pipeline writes them) check what is drawn; a real network run over the Leeds city centre
 * road network checks that ST_AsMVT and the Node encoder give the same features.
 */

/** The fixture road's middle in WGS84 (E0 + 300 m, N0), for picking tiles. */
const ROAD_LON = -2.70983;
const ROAD_LAT = 53.75975;

describe.each(testTargets())('hotspot tiles on the $mode database', (target) => {
  const t = useTestApp(target, {}, { tiles: { versionMaxAgeMs: 0 } });
  const tilePath = (tile: TileAddress, query = '') => `/tiles/hotspots/${tile.z}/${tile.x}/${tile.y}.mvt${query ? `?${query}` : ''}`;
  const getTile = async (tile: TileAddress, query = '', headers: Record<string, string> = {}) => {
    const res = await fetch(`${t.app.url}${tilePath(tile, query)}`, { headers });
    return { res, features: res.status === 200 ? decodeLayer(new Uint8Array(await res.arrayBuffer()), 'hotspots') : [] };
  };
  let roadTile15: TileAddress;

  it('answers 204 while no full run has succeeded', async () => {
    const { rows } = await t.db.knex.raw(`SELECT ST_X(p) AS lon, ST_Y(p) AS lat FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(?, ?), 27700), 4326) AS p) q`, [E0 + 300, N0]);
    expect(rows[0].lon).toBeCloseTo(ROAD_LON, 4);
    expect(rows[0].lat).toBeCloseTo(ROAD_LAT, 4);
    roadTile15 = tileAt(rows[0].lon, rows[0].lat, 15);
    const { res } = await getTile(roadTile15);
    expect(res.status).toBe(204);
    expect(res.headers.get('etag')).toMatch(/^W\/"hotspots\./);
  });

  describe('with hand-built runs', () => {
    beforeAll(async () => {
      const { knex } = t.db;
      const older = await insertRun(knex, { unitKind: 'network' });
      await insertSite(knex, older, { site_id: 'seg:99', unit: 'segment', rank: 1, wkt: line(0, 200) });
      const network = await insertRun(knex, { unitKind: 'network' });
      await insertSite(knex, network, { site_id: 'seg:1', unit: 'segment', rank: 2, harm_score: 900.5, p_excess: 0.6, road_label: 'A6 Garstang Road', wkt: line(0, 200) });
      await insertSite(knex, network, { site_id: 'seg:2', unit: 'segment', rank: 1, harm_score: 41_000, p_excess: 0.97, candidate: true, corridor: true, road_label: 'A6 Garstang Road', wkt: line(200, 400) });
      await insertSite(knex, network, { site_id: 'seg:3', unit: 'segment', rank: null, wkt: line(400, 600) });
      await insertSite(knex, network, { site_id: 'jn:901', unit: 'junction', rank: 1, harm_score: 5000, p_excess: 0.8, wkt: `POINT(${E0 + 600} ${N0})` });
      await insertSite(knex, network, { site_id: 'win:1:200', unit: 'window', rank: 1, harm_score: 50_000, p_excess: 0.99, candidate: true, wkt: line(200, 500) });
      const grid = await insertRun(knex, { unitKind: 'grid' });
      await insertSite(knex, grid, { site_id: 'cell:10:4', unit: 'cell', rank: 1, harm_score: 30_000, p_excess: 0.9, wkt: hexagon(E0 + 300, N0, 200) });
      // Later network runs that must not be drawn: a re-score and a failed run.
      const rescore = await insertRun(knex, { unitKind: 'network', scope: 'rescore' });
      await insertSite(knex, rescore, { site_id: 'seg:77', unit: 'segment', rank: 1, wkt: line(0, 600) });
      await bumpDataVersion(knex, 'hotspots');
    });

    it('draws the latest full run\'s ranked sites; without a unit, the latest run is the grid run and its cells are drawn', async () => {
      const { res, features } = await getTile(roadTile15);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/vnd.mapbox-vector-tile');
      expect(features.map((f) => f.properties.siteId)).toEqual(['cell:10:4']);
      expect(features[0]!.type).toBe(3);
    });

    it('draws segments as lines and junctions as points with the layer\'s properties, leaving out unranked sites, windows and other runs', async () => {
      const { features } = await getTile(roadTile15, 'unit=segment');
      expect(features.map((f) => f.properties.siteId).sort()).toEqual(['seg:1', 'seg:2']);
      const top = features.find((f) => f.properties.siteId === 'seg:2')!;
      expect(top.type).toBe(2);
      expect(top.properties).toEqual({ siteId: 'seg:2', unit: 'segment', rank: 1, harmScore: 41_000, candidate: true, corridor: true, pExcess: 0.97, roadLabel: 'A6 Garstang Road' });
      const other = features.find((f) => f.properties.siteId === 'seg:1')!;
      expect(other.properties).toMatchObject({ harmScore: 900.5, candidate: false, corridor: false });
      const junctions = (await getTile(roadTile15, 'unit=junction')).features;
      expect(junctions.map((f) => [f.properties.siteId, f.type])).toEqual([['jn:901', 1]]);
      // A cell has no road label: the property is left out, not written as null.
      expect(Object.keys((await getTile(roadTile15, 'unit=cell')).features[0]!.properties)).not.toContain('roadLabel');
      expect((await getTile(roadTile15, 'unit=window')).features.map((f) => [f.properties.siteId, f.type])).toEqual([['win:1:200', 2]]);
    });

    it('draws one point per site below zoom 12, each in exactly one tile', async () => {
      const z10 = tileAt(ROAD_LON, ROAD_LAT, 10);
      const { features } = await getTile(z10, 'unit=segment');
      expect(features.map((f) => [f.properties.siteId, f.type]).sort()).toEqual([
        ['seg:1', 1],
        ['seg:2', 1],
      ]);
      // The neighbouring tiles hold none of them.
      for (const [dx, dy] of [[-1, 0], [1, 0], [0, -1], [0, 1]]) {
        expect((await getTile({ z: 10, x: z10.x + dx!, y: z10.y + dy! }, 'unit=segment')).res.status).toBe(204);
      }
    });

    it('gives an ETag per unit that changes when a run bumps the hotspots data version', async () => {
      const first = await getTile(roadTile15, 'unit=segment');
      const etag = first.res.headers.get('etag')!;
      expect(etag).toContain('unit-segment');
      expect((await getTile(roadTile15, 'unit=junction')).res.headers.get('etag')).not.toBe(etag);
      expect((await getTile(roadTile15, 'unit=segment', { 'If-None-Match': etag })).res.status).toBe(304);
      await bumpDataVersion(t.db.knex, 'hotspots');
      const after = await getTile(roadTile15, 'unit=segment', { 'If-None-Match': etag });
      expect(after.res.status).toBe(200);
      expect(after.res.headers.get('etag')).not.toBe(etag);
    });

    it('answers an unknown unit with a 400 naming it', async () => {
      const res = await fetch(`${t.app.url}${tilePath(roadTile15, 'unit=road')}`);
      expect(res.status).toBe(400);
      const body = await res.json();
      expect(body.errors[0].field).toBe('query.unit');
      expect(body.errors[0].message).toContain('"road"');
    });
  });

  describe('with a real network run over Leeds city centre', () => {
    /** The middle of the run's sites (WGS84). */
    let centre: [number, number];
    beforeAll(async () => {
      const { knex } = t.db;
      await importRoadNetwork(knex, LEEDS_OSM);
      const segments = (await knex('road_segments').orderBy('id').pluck('id')) as number[];
      const random = createRandom(7);
      const n = 1500;
      const pick = Array.from({ length: n }, () => [random.pick(segments), random.next(), random.int(1, 3), random.chance(0.5) ? 3 : 0] as const);
      await knex.raw(
        `INSERT INTO collisions (collision_index, collision_year, collision_reference, police_force, severity, number_of_vehicles, number_of_casualties,
           date, day_of_week, hour, junction_detail, urban_or_rural_area, geom, geom_4326)
         SELECT 'T' || u.k, 2022, u.k::text, 13, u.s, 1, 1, '2022-05-05', 5, 9, u.j, 1, p.g, ST_Transform(p.g, 4326)
         FROM unnest(?::int[], ?::int[], ?::float8[], ?::int[], ?::int[]) AS u(k, seg, at, s, j)
         JOIN road_segments r ON r.id = u.seg CROSS JOIN LATERAL (SELECT ST_LineInterpolatePoint(r.geom, u.at) AS g) p`,
        [pick.map((_, k) => k), pick.map((p) => p[0]), pick.map((p) => p[1]), pick.map((p) => p[2]), pick.map((p) => p[3])],
      );
      const { runId } = await runHotspots(knex, { unit: 'network', from: '2022-01-01', to: '2022-12-31' });
      const { rows } = await knex.raw(`SELECT ST_X(c) AS lon, ST_Y(c) AS lat FROM (SELECT ST_Centroid(ST_Extent(geom_4326)::geometry) AS c FROM hotspot_sites WHERE run_id = ?) q`, [runId]);
      centre = [Number(rows[0].lon), Number(rows[0].lat)];
    });

    it('draws the new network run\'s segments and junctions over Leeds', async () => {
      const { features } = await getTile(tileAt(...centre, 14));
      expect(features.length).toBeGreaterThan(20);
      expect(new Set(features.map((f) => f.properties.unit))).toEqual(new Set(['segment', 'junction']));
      expect(new Set(features.map((f) => f.type))).toEqual(new Set([1, 2]));
    });

    it.runIf(target.mode === 'postgresql')('encodes the same features with PostGIS ST_AsMVT as with the Node encoder', async () => {
      const tiles = new TileService(t.db);
      const cases: Array<[TileAddress, Record<string, string>]> = [];
      for (const z of [9, 11, 12, 14, 16]) for (const unit of [undefined, 'window', 'junction']) cases.push([tileAt(...centre, z), unit ? { unit } : {}]);
      cases.push([tileAt(ROAD_LON, ROAD_LAT, 15), { unit: 'cell' }], [tileAt(ROAD_LON, ROAD_LAT, 8), { unit: 'cell' }]);
      for (const [tile, query] of cases) {
        const postgis = await tiles.render('hotspots', tile, query, { encoder: 'postgis' });
        const node = await tiles.render('hotspots', tile, query, { encoder: 'node' });
        expect(featureSet(node, 'hotspots').length, `${JSON.stringify(tile)} ${JSON.stringify(query)}`).toBeGreaterThan(0);
        expect(featureSet(node, 'hotspots'), `${JSON.stringify(tile)} ${JSON.stringify(query)}`).toEqual(featureSet(postgis, 'hotspots'));
      }
    });
  });
});
