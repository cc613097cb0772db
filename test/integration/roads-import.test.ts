import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Knex } from 'knex';
import osmPbf, { type PbfItem } from 'osm-pbf-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataVersion } from '../../server/db/data-versions.ts';
import { importDistricts } from '../../server/districts/import.ts';
import { importRoadNetwork, OsmFileError, RoadImportError, type RoadImportResult } from '../../server/roads/import.ts';
import { runCliOn } from '../support/capture.ts';
import { openTestDatabase, testTargets, type TestDatabase } from '../support/db.ts';
import { HAND_CHECKED } from '../fixtures/osm/hand-checked.ts';
import { osmPbf as encodePbf, osmXml, type FixtureData } from '../fixtures/osm/osm-writer.ts';

const OSM = path.resolve(import.meta.dirname, '../../../shared/data/osm');
const LEEDS_XML = path.join(OSM, 'leeds-city-centre.osm');
const MANCHESTER_XML = path.join(OSM, 'manchester-kingsway-junction.osm');
const LEEDS_PBF = path.join(OSM, 'leeds-its-example.osm.pbf');
const LANCASHIRE_DISTRICTS = path.resolve(import.meta.dirname, '../../demo-data/lancashire-lad-2017.geojson');
const PRESTON = 'E07000123';

/** Every row of the three network tables, geometry as WKT, in id order: equal snapshots mean identical networks. */
async function snapshot(knex: Knex) {
  const nodes = (await knex.raw('SELECT id::text, degree, junction, ST_AsText(geom) AS geom FROM road_nodes ORDER BY id')).rows;
  const edges = (
    await knex.raw(
      `SELECT id, osm_way_id::text, source_node::text, target_node::text, highway, road_class, ref, name, maxspeed_mph, oneway, urban,
              length_m, cost_s, district_code, ST_AsText(geom) AS geom FROM road_edges ORDER BY id`,
    )
  ).rows;
  const segments = (
    await knex.raw(
      `SELECT id, edge_id, seq, from_m, highway, road_class, ref, name, maxspeed_mph, urban, length_m, district_code, ST_AsText(geom) AS geom
       FROM road_segments ORDER BY id`,
    )
  ).rows;
  return { nodes, edges, segments };
}

const count = async (knex: Knex, table: string) => Number((await knex.raw(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);

/** The checks every imported network must pass, whatever the file. */
async function expectConsistentNetwork(knex: Knex, result: RoadImportResult) {
  expect(await count(knex, 'road_nodes')).toBe(result.nodes);
  expect(await count(knex, 'road_edges')).toBe(result.edges);
  expect(await count(knex, 'road_segments')).toBe(result.segments);
  expect(Number((await knex.raw('SELECT count(*) AS n FROM road_nodes WHERE junction')).rows[0].n)).toBe(result.junctions);

  // Every edge starts at its source node and ends at its target node, both stored.
  const orphans = await knex.raw(
    `SELECT e.id FROM road_edges e
     LEFT JOIN road_nodes s ON s.id = e.source_node LEFT JOIN road_nodes t ON t.id = e.target_node
     WHERE s.id IS NULL OR t.id IS NULL
        OR ST_Distance(ST_StartPoint(e.geom), s.geom) > 0.001 OR ST_Distance(ST_EndPoint(e.geom), t.geom) > 0.001`,
  );
  expect(orphans.rows).toEqual([]);

  // A node's degree is the number of edge ends there, and junction means degree ≥ 3.
  const wrongDegree = await knex.raw(
    `SELECT n.id, n.degree, coalesce(ends.n, 0) AS ends FROM road_nodes n
     LEFT JOIN (SELECT node, count(*) AS n FROM (SELECT source_node AS node FROM road_edges UNION ALL SELECT target_node FROM road_edges) x GROUP BY node) ends
       ON ends.node = n.id
     WHERE n.degree <> coalesce(ends.n, 0) OR n.junction <> (n.degree >= 3)`,
  );
  expect(wrongDegree.rows).toEqual([]);

  // Lengths: edges in metres on the British National Grid; segments of an edge add up to it (0.1 m), are numbered from 0 and meet end to end.
  const badSegments = await knex.raw(
    `SELECT e.id, e.length_m, sum(s.length_m) AS total, count(s.id) AS n, max(s.seq) AS max_seq
     FROM road_edges e LEFT JOIN road_segments s ON s.edge_id = e.id
     GROUP BY e.id, e.length_m
     HAVING abs(e.length_m - coalesce(sum(s.length_m), 0)) > 0.1 OR (e.length_m > 0 AND max(s.seq) <> count(s.id) - 1)`,
  );
  expect(badSegments.rows).toEqual([]);
  const gaps = await knex.raw(
    `SELECT a.id FROM road_segments a JOIN road_segments b ON b.edge_id = a.edge_id AND b.seq = a.seq + 1
     WHERE ST_Distance(ST_EndPoint(a.geom), ST_StartPoint(b.geom)) > 0.001 OR abs(b.from_m - (a.from_m + a.length_m)) > 0.01`,
  );
  expect(gaps.rows).toEqual([]);

  // Segments are at most 100 m in urban areas and 200 m in rural ones, and cut into equal pieces.
  const longest = (await knex.raw('SELECT urban, max(length_m) AS max FROM road_segments GROUP BY urban')).rows as Array<{ urban: boolean; max: number }>;
  for (const row of longest) expect(row.max).toBeLessThanOrEqual(row.urban ? 100 + 1e-6 : 200 + 1e-6);
  const unequal = await knex.raw(
    `SELECT edge_id FROM road_segments GROUP BY edge_id HAVING max(length_m) - min(length_m) > 0.01`,
  );
  expect(unequal.rows).toEqual([]);

  // Valid EPSG:27700 geometry, travel times at a sensible speed (2–80 mph).
  const geometry = (
    await knex.raw(
      `SELECT bool_and(ST_IsValid(geom)) AS valid, array_agg(DISTINCT ST_SRID(geom)) AS srid,
              bool_and(cost_s > 0 AND length_m / cost_s BETWEEN 0.8 AND 36) FILTER (WHERE length_m > 0) AS speeds
       FROM road_edges`,
    )
  ).rows[0];
  expect(geometry).toEqual({ valid: true, srid: [27700], speeds: true });
  const total = Number((await knex.raw('SELECT sum(length_m) / 1000 AS km FROM road_edges')).rows[0].km);
  expect(result.lengthKm).toBeCloseTo(total, 6);
}

describe.each(testTargets())('road network import on the $mode database', (target) => {
  let db: TestDatabase;
  let tmp: string;
  beforeAll(async () => {
    db = await openTestDatabase(target);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'roads-test-'));
    await importDistricts(db.knex, LANCASHIRE_DISTRICTS);
  });
  afterAll(async () => {
    await db?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const write = (name: string, content: string | Buffer) => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, content);
    return file;
  };

  describe('the hand-checked Preston network', () => {
    let result: RoadImportResult;
    beforeAll(async () => {
      result = await importRoadNetwork(db.knex, write('hand-checked.osm', osmXml(HAND_CHECKED)));
    });

    it('finds the graph nodes, edges and degrees worked out by hand', async () => {
      expect(result).toMatchObject({ format: 'xml', ways: 6, nodes: 7, edges: 8, junctions: 3, missingNodeRefs: 1, unparsedMaxspeeds: 0 });
      const nodes = (await db.knex.raw('SELECT id::int, degree, junction FROM road_nodes ORDER BY id')).rows;
      expect(nodes).toEqual([
        { id: 1, degree: 4, junction: true },
        { id: 2, degree: 2, junction: false },
        { id: 4, degree: 1, junction: false },
        { id: 5, degree: 2, junction: false },
        { id: 6, degree: 3, junction: true },
        { id: 12, degree: 3, junction: true },
        { id: 14, degree: 1, junction: false },
      ]);
      const edges = (await db.knex.raw('SELECT id, osm_way_id::int AS way, source_node::int AS s, target_node::int AS t FROM road_edges ORDER BY id')).rows;
      expect(edges).toEqual([
        { id: 1, way: 100, s: 2, t: 1 },
        { id: 2, way: 100, s: 1, t: 6 },
        { id: 3, way: 101, s: 4, t: 1 },
        { id: 4, way: 102, s: 1, t: 5 },
        { id: 5, way: 104, s: 6, t: 12 },
        { id: 6, way: 104, s: 12, t: 6 },
        { id: 7, way: 105, s: 12, t: 14 },
        { id: 8, way: 107, s: 5, t: 2 },
      ]);
      await expectConsistentNetwork(db.knex, result);
    });

    it('keeps ref, name, class, limit (mph), one-way and urban as the tags say', async () => {
      const rows = (
        await db.knex.raw(
          `SELECT DISTINCT osm_way_id::int AS way, highway, road_class, ref, name, maxspeed_mph, oneway, urban FROM road_edges ORDER BY way`,
        )
      ).rows;
      expect(rows).toEqual([
        { way: 100, highway: 'primary', road_class: 'a_road', ref: 'A6', name: 'Garstang Road', maxspeed_mph: 30, oneway: 0, urban: true },
        { way: 101, highway: 'residential', road_class: 'minor', ref: null, name: 'Church Street', maxspeed_mph: null, oneway: 1, urban: true },
        // "national" on a single carriageway: 60 mph, rural.
        { way: 102, highway: 'unclassified', road_class: 'minor', ref: null, name: 'Moor Lane', maxspeed_mph: 60, oneway: 0, urban: false },
        // A roundabout is one-way without a oneway tag; untagged, it takes the limits of the roads around it (30 mph): urban.
        { way: 104, highway: 'tertiary', road_class: 'minor', ref: null, name: null, maxspeed_mph: null, oneway: 1, urban: true },
        // A bare number is km/h (OSM's default unit): 50 km/h = 31 mph.
        { way: 105, highway: 'secondary', road_class: 'b_road', ref: 'B6241', name: 'Ribbleton Lane', maxspeed_mph: 31, oneway: 0, urban: true },
        { way: 107, highway: 'living_street', road_class: 'minor', ref: null, name: 'Back Lane', maxspeed_mph: null, oneway: -1, urban: true },
      ]);
    });

    it('measures lengths in EPSG:27700 metres and cuts 100 m (urban) / 200 m (rural) segments', async () => {
      const rows = (
        await db.knex.raw(
          `SELECT e.id, e.urban, e.length_m, e.cost_s, count(s.id)::int AS pieces, min(s.length_m) AS piece
           FROM road_edges e JOIN road_segments s ON s.edge_id = e.id GROUP BY e.id ORDER BY e.id`,
        )
      ).rows as Array<{ id: number; urban: boolean; length_m: number; cost_s: number; pieces: number; piece: number }>;
      const byId = new Map(rows.map((r) => [r.id, r]));
      // 4 → 1 is 0.003° of latitude: about 334 m on the ground; urban → 4 pieces of about 83 m.
      expect(byId.get(3)?.length_m).toBeGreaterThan(325);
      expect(byId.get(3)?.length_m).toBeLessThan(345);
      expect(byId.get(3)).toMatchObject({ urban: true, pieces: 4 });
      // 1 → 5, the same length, rural (national limit) → 2 pieces; travel time at 60 mph.
      expect(byId.get(4)).toMatchObject({ urban: false, pieces: 2 });
      expect((byId.get(4) as { length_m: number; cost_s: number }).cost_s).toBeCloseTo((byId.get(4)?.length_m as number) / (60 * 0.44704), 6);
      for (const r of rows) expect(r.piece * r.pieces).toBeCloseTo(r.length_m, 3);
    });

    it('gives every edge and segment the district containing its midpoint (Preston)', async () => {
      const districts = (await db.knex.raw('SELECT DISTINCT district_code FROM road_segments UNION SELECT DISTINCT district_code FROM road_edges')).rows;
      expect(districts).toEqual([{ district_code: PRESTON }]);
    });

    it('keeps service roads and paths only when asked, and they change the graph where they join it', async () => {
      const service = await importRoadNetwork(db.knex, write('hand-checked-service.osm', osmXml(HAND_CHECKED)), { includeService: true });
      // Node 3 (A6 meets the service road) becomes a junction: the A6 edge 1 → 6 splits there, and 3 → 8 is added.
      expect(service).toMatchObject({ ways: 7, nodes: 9, edges: 10, junctions: 4 });
      expect((await db.knex.raw('SELECT degree FROM road_nodes WHERE id = 3')).rows).toEqual([{ degree: 3 }]);
      const paths = await importRoadNetwork(db.knex, write('hand-checked-paths.osm', osmXml(HAND_CHECKED)), { includePaths: true });
      // The footway 4 → 9 is kept; the pedestrian square (area=yes) is not a road.
      expect(paths).toMatchObject({ ways: 7, nodes: 8, edges: 9, junctions: 3 });
      expect((await db.knex.raw('SELECT degree FROM road_nodes WHERE id = 4')).rows).toEqual([{ degree: 2 }]);
      await expectConsistentNetwork(db.knex, paths);
      const both = await importRoadNetwork(db.knex, write('hand-checked-both.osm', osmXml(HAND_CHECKED)), { includeService: true, includePaths: true });
      expect(both).toMatchObject({ ways: 8, nodes: 10, edges: 11 });
    });

    it('reads the same data from .osm.pbf (zlib or raw blocks, ways before nodes) and .osm.gz into identical tables', async () => {
      await importRoadNetwork(db.knex, write('hand-checked.osm', osmXml(HAND_CHECKED)));
      const fromXml = await snapshot(db.knex);
      const variants: Array<[string, Buffer | string]> = [
        ['hand-checked.osm.pbf', encodePbf(HAND_CHECKED)],
        ['hand-checked-raw.osm.pbf', encodePbf(HAND_CHECKED, { compress: false, blockSize: 3 })],
        ['hand-checked-ways-first.osm.pbf', encodePbf(HAND_CHECKED, { nodesLast: true })],
        ['hand-checked-ways-first.osm', osmXml(HAND_CHECKED, { nodesLast: true })],
        ['hand-checked.osm.gz', zlib.gzipSync(osmXml(HAND_CHECKED))],
      ];
      for (const [name, content] of variants) {
        const result = await importRoadNetwork(db.knex, write(name, content));
        expect(result.format, name).toBe(name.endsWith('.pbf') ? 'pbf' : 'xml');
        expect(result.missingNodeRefs, name).toBe(1);
        expect(await snapshot(db.knex), name).toEqual(fromXml);
      }
    });
  });

  describe('the real extracts', () => {
    it('imports Leeds city centre (OSM XML) with plausible, self-consistent counts', async () => {
      const started = Date.now();
      const result = await importRoadNetwork(db.knex, LEEDS_XML);
      console.info(`[roads] Leeds city centre on ${target.mode}: ${Date.now() - started} ms`, JSON.stringify(result));
      expect(result.format).toBe('xml');
      expect(result.ways).toBeGreaterThan(80);
      expect(result.edges).toBeGreaterThanOrEqual(result.ways);
      expect(result.nodes).toBeGreaterThan(80);
      expect(result.junctions).toBeGreaterThan(20);
      expect(result.junctions).toBeLessThan(result.nodes);
      expect(result.segments).toBeGreaterThanOrEqual(result.edges);
      expect(result.lengthKm).toBeGreaterThan(4);
      expect(result.lengthKm).toBeLessThan(20);
      await expectConsistentNetwork(db.knex, result);

      // The extract lies in Leeds city centre (EPSG:27700 around 430 000, 434 000) and outside every Lancashire district.
      const extent = (await db.knex.raw('SELECT ST_XMin(e) AS x0, ST_YMin(e) AS y0, ST_XMax(e) AS x1, ST_YMax(e) AS y1 FROM (SELECT ST_Extent(geom) AS e FROM road_edges) q')).rows[0];
      expect(extent.x0).toBeGreaterThan(428_000);
      expect(extent.x1).toBeLessThan(432_000);
      expect(extent.y0).toBeGreaterThan(432_500);
      expect(extent.y1).toBeLessThan(435_000);
      expect((await db.knex.raw('SELECT count(*) AS n FROM road_segments WHERE district_code IS NOT NULL')).rows[0].n).toBe('0');
    });

    it('keeps Leeds streets with their ref, limit, class and one-way (Regent Street A61, the Inner Ring Road A64(M))', async () => {
      const regent = (
        await db.knex.raw(`SELECT DISTINCT highway, road_class, ref, maxspeed_mph, oneway, urban FROM road_edges WHERE name = 'Regent Street'`)
      ).rows;
      expect(regent).toEqual([{ highway: 'trunk', road_class: 'a_road', ref: 'A61', maxspeed_mph: 30, oneway: 1, urban: true }]);
      const ring = (await db.knex.raw(`SELECT DISTINCT road_class, maxspeed_mph, oneway FROM road_edges WHERE name = 'Inner Ring Road'`)).rows;
      expect(ring).toEqual([{ road_class: 'motorway', maxspeed_mph: 40, oneway: 1 }]);
      // Way 4049157 (Eastgate, 20 mph, oneway=yes) is one edge, kept in the file's node order: 26298423 → 7275677007.
      const eastgate = (await db.knex.raw(`SELECT source_node::text, target_node::text, maxspeed_mph, oneway FROM road_edges WHERE osm_way_id = 4049157`)).rows;
      expect(eastgate).toEqual([{ source_node: '26298423', target_node: '7275677007', maxspeed_mph: 20, oneway: 1 }]);
    });

    it('computes the degree of a junction checked by hand in the file (node 643914: four road ways meet, plus a cycleway)', async () => {
      // Ways 4372129 (starts there), 603499183 (ends), 663356011 (ends), 778025015 (starts); cycleway 702394734 is a path.
      expect((await db.knex.raw('SELECT degree, junction FROM road_nodes WHERE id = 643914')).rows).toEqual([{ degree: 4, junction: true }]);
      // Node 342628235: four ways end there and a fifth starts.
      expect((await db.knex.raw('SELECT degree FROM road_nodes WHERE id = 342628235')).rows).toEqual([{ degree: 5 }]);
      await importRoadNetwork(db.knex, LEEDS_XML, { includePaths: true });
      expect((await db.knex.raw('SELECT degree FROM road_nodes WHERE id = 643914')).rows).toEqual([{ degree: 5 }]);
    });

    it('imports the Manchester Kingsway junction (OSM XML)', async () => {
      const result = await importRoadNetwork(db.knex, MANCHESTER_XML);
      expect(result).toMatchObject({ format: 'xml' });
      expect(result.edges).toBeGreaterThan(20);
      expect(result.junctions).toBeGreaterThan(5);
      await expectConsistentNetwork(db.knex, result);
      const named = (await db.knex.raw(`SELECT DISTINCT name, highway, road_class, ref, maxspeed_mph FROM road_edges WHERE name IN ('Kingsway', 'Chester Road') ORDER BY 1, 2`)).rows;
      expect(named).toEqual([
        { name: 'Chester Road', highway: 'primary_link', road_class: 'a_road', ref: 'A56', maxspeed_mph: 30 },
        { name: 'Chester Road', highway: 'trunk', road_class: 'a_road', ref: 'A56', maxspeed_mph: 30 },
        { name: 'Chester Road', highway: 'trunk_link', road_class: 'a_road', ref: 'A56', maxspeed_mph: 30 },
        { name: 'Kingsway', highway: 'primary', road_class: 'a_road', ref: 'A5145', maxspeed_mph: 30 },
        { name: 'Kingsway', highway: 'primary_link', road_class: 'a_road', ref: 'A5145', maxspeed_mph: 30 },
      ]);
    });

    it('imports the Leeds PBF, and its XML translation (written from osm-pbf-parser\'s own output) gives identical tables', async () => {
      const result = await importRoadNetwork(db.knex, LEEDS_PBF);
      expect(result.format).toBe('pbf');
      expect(result.edges).toBeGreaterThan(30);
      await expectConsistentNetwork(db.knex, result);
      const woodhouse = (await db.knex.raw(`SELECT DISTINCT road_class, ref, maxspeed_mph FROM road_edges WHERE name = 'Woodhouse Lane'`)).rows;
      expect(woodhouse).toEqual([{ road_class: 'a_road', ref: 'A660', maxspeed_mph: 30 }]);
      const fromPbf = await snapshot(db.knex);

      const items: PbfItem[] = [];
      await new Promise<void>((resolve, reject) => {
        fs.createReadStream(LEEDS_PBF)
          .pipe(osmPbf())
          .on('data', (batch: PbfItem[]) => items.push(...batch))
          .on('end', resolve)
          .on('error', reject);
      });
      const data: FixtureData = {
        nodes: items.filter((i) => i.type === 'node').map((n) => ({ id: n.id, lat: n.lat, lon: n.lon, tags: n.tags })),
        ways: items.filter((i) => i.type === 'way').map((w) => ({ id: w.id, refs: w.refs, tags: w.tags })),
      };
      const xml = await importRoadNetwork(db.knex, write('leeds-its-example.osm', osmXml(data)));
      expect(xml).toMatchObject({ format: 'xml', ways: result.ways, nodes: result.nodes, edges: result.edges, segments: result.segments });
      expect(await snapshot(db.knex)).toEqual(fromPbf);
    });
  });

  describe('replacing the network', () => {
    it('re-importing the same file replaces every row with the same rows and ids (no duplicates) and bumps the data version', async () => {
      const first = await importRoadNetwork(db.knex, LEEDS_XML);
      const before = await snapshot(db.knex);
      const version = await dataVersion(db.knex, 'roads');
      const second = await importRoadNetwork(db.knex, LEEDS_XML);
      expect(second).toMatchObject({ nodes: first.nodes, edges: first.edges, segments: first.segments, junctions: first.junctions });
      expect(await snapshot(db.knex)).toEqual(before);
      expect(await dataVersion(db.knex, 'roads')).toBe(version + 1);
      const imports = (await db.knex('road_network_imports').orderBy('id', 'desc').limit(2)).map((r) => ({ ...r }));
      expect(imports.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
      expect(imports[0]).toMatchObject({ ways: second.ways, nodes: second.nodes, edges: second.edges, segments: second.segments, junctions: second.junctions });
      expect(imports[0].finished_at).toBeInstanceOf(Date);
      // New rows added by hand later get ids after the imported ones (the sequences were moved on).
      const next = (await db.knex.raw(`SELECT nextval(pg_get_serial_sequence('road_segments', 'id')) AS n`)).rows[0].n;
      expect(Number(next)).toBe(second.segments + 1);
    });

    it('a failure while storing leaves the previous network, the data version, and records the failure', async () => {
      const before = await snapshot(db.knex);
      const version = await dataVersion(db.knex, 'roads');
      // A failure at the last statement before the commit, after every new row is written: a constraint the import record cannot meet.
      await db.knex.raw(`ALTER TABLE road_network_imports ADD CONSTRAINT simulated_failure CHECK (status <> 'succeeded') NOT VALID`);
      try {
        const error = await importRoadNetwork(db.knex, MANCHESTER_XML).catch((err: Error) => err);
        expect(error).toBeInstanceOf(RoadImportError);
        expect((error as Error).message).toMatch(
          /^road network file manchester-kingsway-junction\.osm could not be stored: new row for relation "road_network_imports" violates check constraint "simulated_failure"\. The stored road network is unchanged\.$/,
        );
      } finally {
        await db.knex.raw('ALTER TABLE road_network_imports DROP CONSTRAINT simulated_failure');
      }
      expect(await snapshot(db.knex)).toEqual(before);
      expect(await dataVersion(db.knex, 'roads')).toBe(version);
      const last = await db.knex('road_network_imports').orderBy('id', 'desc').first();
      expect(last).toMatchObject({ status: 'failed', segments: 0 });
      expect(last.message).toMatch(/simulated_failure/);
      expect(last.finished_at).toBeInstanceOf(Date);
    });

    it.skipIf(target.mode === 'embedded')('other connections see the previous network until the import commits', async () => {
      const oldEdges = await count(db.knex, 'road_edges');
      const seen: number[] = [];
      const result = await importRoadNetwork(db.knex, MANCHESTER_XML, {
        onProgress: async (p) => {
          // After DELETE and INSERT of edges, before the commit; the import's transaction holds another connection of the pool.
          if (p.phase === 'segments') seen.push(await count(db.knex, 'road_edges'));
        },
      });
      expect(seen).toEqual([oldEdges]);
      expect(result.edges).not.toBe(oldEdges);
      expect(await count(db.knex, 'road_edges')).toBe(result.edges);
    });
  });

  describe('bad input', () => {
    let before: Awaited<ReturnType<typeof snapshot>>;
    let version: number;
    beforeAll(async () => {
      await importRoadNetwork(db.knex, LEEDS_PBF);
      before = await snapshot(db.knex);
      version = await dataVersion(db.knex, 'roads');
    });

    const rejects = async (file: string, message: RegExp, errorClass: typeof OsmFileError | typeof RoadImportError = OsmFileError) => {
      const error = await importRoadNetwork(db.knex, file).catch((err: Error) => err);
      expect(error).toBeInstanceOf(errorClass);
      expect((error as Error).message).toMatch(message);
      expect(await snapshot(db.knex)).toEqual(before);
      expect(await dataVersion(db.knex, 'roads')).toBe(version);
    };

    it('rejects a CSV file renamed .osm.pbf, quoting its start', async () => {
      const csv = fs.readFileSync(path.resolve(import.meta.dirname, '../../demo-data/lancashire-collisions-2023.csv')).subarray(0, 4000);
      await rejects(write('collisions.osm.pbf', csv), /collisions\.osm\.pbf is not an OpenStreetMap file \(neither OSM XML nor OSM PBF\).*it starts "accident_index,/);
    });

    it('rejects random bytes named .osm.pbf', async () => {
      const bytes = Buffer.alloc(5000);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + 13) % 251;
      await rejects(write('random.osm.pbf', bytes), /random\.osm\.pbf is not an OpenStreetMap file/);
    });

    it('rejects a web page saved as .osm', async () => {
      const html = '<!DOCTYPE html>\n<html lang="en"><head><title>Too Many Requests</title></head><body><p>Try later<br></p></body></html>\n';
      await rejects(write('page.osm', html), /page\.osm is not an OpenStreetMap XML file: its root element \(line 2\) is <html>, not <osm> \(it looks like a web page/);
    });

    it('rejects an empty file and a missing file before writing anything', async () => {
      const imports = await count(db.knex, 'road_network_imports');
      await rejects(write('empty.osm.pbf', ''), /empty\.osm\.pbf is empty \(0 bytes\)/);
      await rejects(path.join(tmp, 'no-such-file.osm.pbf'), /no-such-file\.osm\.pbf does not exist/);
      expect(await count(db.knex, 'road_network_imports')).toBe(imports);
    });

    it('rejects a truncated PBF and malformed XML, naming where they break', async () => {
      await rejects(write('truncated.osm.pbf', fs.readFileSync(LEEDS_PBF).subarray(0, 20_000)), /truncated\.osm\.pbf is damaged: the PBF block at byte \d+ is cut short \(the file is truncated/);
      const cut = osmXml(HAND_CHECKED).split('\n').slice(0, 30).join('\n');
      await rejects(write('cut.osm', cut), /cut\.osm is not well-formed XML \(line \d+, column \d+: unclosed tag/);
      const badLat = osmXml(HAND_CHECKED).replace('lat="53.7600000" lon="-2.7000000"', 'lat="north" lon="-2.7000000"');
      await rejects(write('bad-lat.osm', badLat), /bad-lat\.osm line \d+: <node id="1"> has lat="north", not a latitude in degrees/);
    });

    it('rejects a valid OSM file with no roads, saying which flags would keep what it has, and records the failure', async () => {
      const paths: FixtureData = { nodes: HAND_CHECKED.nodes, ways: HAND_CHECKED.ways.filter((w) => w.tags.highway === 'footway' || w.tags.highway === 'service' || !w.tags.highway) };
      await rejects(
        write('footpaths.osm', osmXml(paths)),
        /footpaths\.osm holds no roads to import: none of its 3 ways is a highway from motorway to residential; it has 1 service road ways \(add --include-service\) and 1 footway\/cycleway\/path ways \(add --include-paths\)\. The stored road network is unchanged\./,
        RoadImportError,
      );
      const last = await db.knex('road_network_imports').orderBy('id', 'desc').first();
      expect(last).toMatchObject({ status: 'failed' });
      expect(last.message).toMatch(/holds no roads/);
    });
  });

  describe('roadsafe import roads', () => {
    const cli = (args: string[]) => runCliOn(db, args);

    it('imports a file, printing progress on stderr and the counts and time on stdout', async () => {
      const run = await cli(['import', 'roads', LEEDS_XML, '--include-service']);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toMatch(/pass 1: ways: 100% of 3\.0 MB read/);
      expect(run.stderr).toMatch(/pass 2: nodes: \d+% of 3\.0 MB read/);
      expect(run.stderr).toMatch(/segments: cutting \d+ edges/);
      const edges = await count(db.knex, 'road_edges');
      const segments = await count(db.knex, 'road_segments');
      expect(run.stdout).toMatch(/^Road network from leeds-city-centre\.osm \(OSM XML\):\n {2}ways {7}\d+\n {2}nodes {6}\d+ \(\d+ junctions\)\n/);
      expect(run.stdout).toContain(`  edges      ${edges} (`);
      expect(run.stdout).toContain(`  segments   ${segments}\n`);
      expect(run.stdout).toMatch(/ {2}length {5}\d+\.\d km\nImport \d+ finished in \d+\.\d s; it replaced the previous road network\.\n$/);
      const last = await db.knex('road_network_imports').orderBy('id', 'desc').first();
      expect(last).toMatchObject({ status: 'succeeded', started_by: 'cli', options: { includeService: true, includePaths: false } });
    });

    it('exits 1 with the file and the problem for a file that is not OSM', async () => {
      const run = await cli(['import', 'roads', write('notes.osm', 'just some notes\n')]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^Error: road network file notes\.osm is not an OpenStreetMap file .*it starts "just some notes"\n$/m);
      expect(run.stdout).toBe('');
    });
  });
});
