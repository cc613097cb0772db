import type { Knex } from 'knex';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PARAMS, METHOD_VERSION } from '../../server/hotspots/params.ts';
import { useTestApp } from '../support/app.ts';
import { testTargets } from '../support/db.ts';
import { E0, hexagon, insertRun, insertSite, line, N0 } from './hotspots-run-fixtures.ts';

/*
 * The read side of the hotspot API over hand-built runs: the fixtures (insertRun and insertSite from
 * hotspots-run-fixtures.ts, the collisions and snaps below) write hotspot_runs, hotspot_sites and
 * hotspot_snaps rows directly (as the scoring pipeline would), so these tests check what the API does
 * with a run, not the statistics that made it.
 */

// The fixtures' straight east–west road in Preston from (E0, N0) (EPSG:27700): edge 600 m long, three 200 m segments, junctions at both ends.

interface CollisionSpec {
  index: string;
  /** metres east of E0 along the road */
  at: number;
  date: string;
  time?: string | null;
  severity: 1 | 2 | 3;
  dayOfWeek: number;
  light?: number;
  weather?: number;
  district?: string;
}

/** Inserts collisions on the fixture road (only the columns the API reads, plus the required ones). */
async function insertCollisions(knex: Knex, specs: CollisionSpec[]): Promise<void> {
  for (const c of specs) {
    const time = c.time === undefined ? '08:15' : c.time;
    await knex.raw(
      `INSERT INTO collisions (collision_index, collision_year, collision_reference, police_force, severity, number_of_vehicles,
         number_of_casualties, date, time, day_of_week, hour, easting, northing, district_code, light_conditions, weather_conditions, geom, geom_4326)
       SELECT ?, ?, ?, 4, ?, 1, 1, ?::date, ?::time, ?, ?, ?, ?, ?, ?, ?, g, ST_Transform(g, 4326)
       FROM (SELECT ST_SetSRID(ST_MakePoint(?, ?), 27700) AS g) p`,
      [
        c.index,
        Number(c.date.slice(0, 4)),
        c.index.slice(-6),
        c.severity,
        c.date,
        time,
        c.dayOfWeek,
        time === null ? null : Number(time.slice(0, 2)),
        E0 + c.at,
        N0,
        c.district ?? 'E07000123',
        c.light ?? 1,
        c.weather ?? 1,
        E0 + c.at,
        N0,
      ],
    );
  }
}

async function insertSnaps(knex: Knex, runId: number, snaps: Array<Record<string, unknown> & { collision_index: string }>): Promise<void> {
  if (snaps.length) await knex('hotspot_snaps').insert(snaps.map((s) => ({ run_id: runId, ...s })));
}

const PROPERTY_NAMES = [
  'siteId', 'unit', 'rank', 'previousRank', 'rankChange', 'roadLabel', 'ref', 'name', 'roadClass', 'speedLimit', 'urban', 'districtCode',
  'referenceGroup', 'lengthM', 'fatal', 'serious', 'slight', 'roadUserCounts', 'ksi36m', 'injury36m', 'ksiPerKm36m', 'muKsi', 'muAll', 'kKsi',
  'kAll', 'wKsi', 'wAll', 'expectedKsi', 'expectedAll', 'excessKsi', 'excessAll', 'pExcessKsi', 'pExcessAll', 'pExcess', 'harmScore',
  'priorityScore', 'candidate', 'corridor', 'corridorId', 'giZ', 'giQ', 'clusterMaxInCircle', 'clusterSite', 'concernCount', 'concernReports', 'concernRatio',
  'concernFactor', 'concernOnly', 'eligible', 'eligibilityReason', 'peakDay', 'peakHour', 'peakCount', 'runId',
].sort();

describe.each(testTargets())('hotspot API on the $mode database', (target) => {
  const t = useTestApp(target);
  const get = (path: string) => fetch(`${t.app.url}${path}`);

  async function expect400(path: string, field: string, value: string) {
    const res = await get(path);
    expect(res.status, path).toBe(400);
    const body = await res.json();
    expect(body.error).toBe('invalid_request');
    const error = body.errors.find((e: { field: string }) => e.field === field || e.field.startsWith(`${field}.`));
    expect(error, `${path}: ${JSON.stringify(body.errors)}`).toBeDefined();
    expect(error.message).toContain(`"${value}"`);
    return error.message as string;
  }

  it('answers 404 saying how to start a run while no full run has succeeded (failed and re-score runs do not count)', async () => {
    for (const path of ['/api/hotspots', '/api/hotspots?unit=junction', '/api/hotspots/seg:1']) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      const body = await res.json();
      expect(body.message).toContain('POST /api/hotspot-runs');
      expect(body.message).toContain('roadsafe hotspots compute');
    }
    const failed = await insertRun(t.db.knex, { unitKind: 'network', status: 'failed' });
    const rescore = await insertRun(t.db.knex, { unitKind: 'network', scope: 'rescore' });
    expect((await get('/api/hotspots')).status).toBe(404);
    // …but either can be read by its id.
    expect((await get(`/api/hotspots?run=${rescore}`)).status).toBe(200);
    await t.db.knex('hotspot_runs').whereIn('id', [failed, rescore]).delete();
  });

  describe('with a network run and a later grid run', () => {
    let network: number;
    let grid: number;
    let older: number;
    const seg: number[] = [];
    let edgeId: number;

    beforeAll(async () => {
      const { knex } = t.db;
      const [edge] = await knex.raw(
        `INSERT INTO road_edges (osm_way_id, source_node, target_node, highway, road_class, ref, name, maxspeed_mph, urban, length_m, cost_s, district_code, geom)
         VALUES (1, 900, 901, 'primary', 'a_road', 'A6', 'Garstang Road', 30, true, 600, 45, 'E07000123', ST_GeomFromText(?, 27700)) RETURNING id`,
        [line(0, 600)],
      ).then((r) => r.rows);
      edgeId = Number(edge.id);
      for (let i = 0; i < 3; i++) {
        const { rows } = await knex.raw(
          `INSERT INTO road_segments (edge_id, seq, from_m, highway, road_class, ref, name, maxspeed_mph, urban, length_m, district_code, geom)
           VALUES (?, ?, ?, 'primary', 'a_road', 'A6', 'Garstang Road', 30, true, 200, 'E07000123', ST_GeomFromText(?, 27700)) RETURNING id`,
          [edgeId, i, i * 200, line(i * 200, (i + 1) * 200)],
        );
        seg.push(Number(rows[0].id));
      }

      await insertCollisions(knex, [
        // On segment 1 (200–400 m): a pedestrian collision on a Sunday night, a young driver on a Monday, one outside the period.
        { index: '2023040000001', at: 250, date: '2023-03-05', time: '22:30', severity: 2, dayOfWeek: 1, light: 4, weather: 2 },
        { index: '2021040000002', at: 300, date: '2021-06-07', time: '08:10', severity: 3, dayOfWeek: 2 },
        { index: '2019040000003', at: 390, date: '2019-02-04', time: null, severity: 1, dayOfWeek: 2, weather: 7 },
        { index: '2017040000004', at: 310, date: '2017-05-01', time: '10:00', severity: 3, dayOfWeek: 2 },
        // At the junction at 600 m (counted there, not on segment 2).
        { index: '2022040000005', at: 595, date: '2022-01-10', time: '17:05', severity: 3, dayOfWeek: 2 },
        // On segment 0.
        { index: '2020040000006', at: 50, date: '2020-09-09', time: '07:45', severity: 3, dayOfWeek: 4 },
      ]);
      await knex('casualties').insert([
        { collision_index: '2023040000001', vehicle_reference: '1', casualty_reference: '1', severity: 2, age: 70, age_band: 10, casualty_type: 0, road_user_group: 'pedestrian' },
        { collision_index: '2023040000001', vehicle_reference: '1', casualty_reference: '2', severity: 3, age: 19, age_band: 4, casualty_type: 9, road_user_group: 'car' },
        { collision_index: '2021040000002', vehicle_reference: '1', casualty_reference: '1', severity: 3, age: 22, age_band: 5, casualty_type: 9, road_user_group: 'car' },
        { collision_index: '2019040000003', vehicle_reference: '1', casualty_reference: '1', severity: 1, age: null, age_band: -1, casualty_type: 1, road_user_group: 'cyclist' },
      ]);

      older = await insertRun(knex, { unitKind: 'network' });
      await insertSite(knex, older, { site_id: `seg:${seg[1]}`, unit: 'segment', rank: 5, wkt: line(200, 400) });
      network = await insertRun(knex, { unitKind: 'network' });
      const common = { road_label: 'A6 Garstang Road', ref: 'A6', name: 'Garstang Road', road_class: 'a_road', speed_limit: 30, urban: true, length_m: 200 };
      await insertSite(knex, network, {
        ...common,
        site_id: `seg:${seg[1]}`,
        unit: 'segment',
        rank: 1,
        previous_rank: 5,
        rank_change: 4,
        district_code: 'E07000123',
        reference_group: 'segment/a_road/urban/≤30',
        fatal: 1,
        serious: 1,
        slight: 1,
        road_user_counts: { pedestrian: 1, cyclist: 1, car: 2, young: 2 },
        ksi_36m: 1,
        injury_36m: 2,
        ksi_per_km_36m: 5,
        mu_ksi: 0.4,
        mu_all: 1.2,
        k_ksi: 0.8,
        k_all: 0.5,
        w_ksi: 0.757,
        w_all: 0.625,
        expected_ksi: 0.79,
        expected_all: 1.87,
        excess_ksi: 0.39,
        excess_all: 0.67,
        p_excess_ksi: 0.97,
        p_excess_all: 0.91,
        p_excess: 0.97,
        harm_score: 41_000,
        priority_score: 45_100,
        candidate: true,
        corridor: true,
        corridor_id: 3,
        gi_z: 3.2,
        gi_q: 0.01,
        cluster_max_in_circle: 3,
        cluster_site: false,
        concern_score: 2.6,
        concern_ratio: 1.4,
        concern_factor: 1.1,
        eligible: true,
        eligibility_reason: '5.0 KSI per km in 36 months ≥ 2 (30 mph)',
        peak_day: 1,
        peak_hour: 22,
        peak_count: 1,
        wkt: line(200, 400),
      });
      await insertSite(knex, network, {
        ...common,
        site_id: `seg:${seg[0]}`,
        unit: 'segment',
        rank: 2,
        district_code: 'E07000123',
        slight: 1,
        road_user_counts: { car: 1 },
        harm_score: 900,
        priority_score: 900,
        wkt: line(0, 200),
      });
      await insertSite(knex, network, {
        ...common,
        site_id: `seg:${seg[2]}`,
        unit: 'segment',
        rank: null,
        district_code: 'E07000117',
        wkt: line(400, 600),
      });
      await insertSite(knex, network, { site_id: 'jn:901', unit: 'junction', rank: 1, slight: 1, road_label: 'A6 Garstang Road', wkt: `POINT(${E0 + 600} ${N0})` });
      // Windows on chain 7 (the whole edge): 200–500 m, and 300–600 m, the chain's last.
      const window = { ...common, unit: 'window', rank: 1, fatal: 1, serious: 1, slight: 1, chain_id: 7 };
      await insertSite(knex, network, { ...window, length_m: 300, site_id: `win:${edgeId}:200`, chain_from_m: 200, wkt: line(200, 500) });
      await insertSite(knex, network, { ...window, length_m: 300, site_id: `win:${edgeId}:300`, rank: 2, chain_from_m: 300, wkt: line(300, 600) });
      const onSegment = (i: number, at: number) => ({ segment_id: seg[i], site_id: `seg:${seg[i]}`, position_m: at, chain_id: 7, chain_m: at });
      await insertSnaps(knex, network, [
        { collision_index: '2023040000001', ...onSegment(1, 250), distance_m: 2.5, ambiguous: false },
        { collision_index: '2021040000002', ...onSegment(1, 300), distance_m: 0, ambiguous: true },
        { collision_index: '2019040000003', ...onSegment(1, 390), distance_m: 4 },
        { collision_index: '2017040000004', ...onSegment(1, 310), distance_m: 1 },
        { collision_index: '2022040000005', segment_id: seg[2], site_id: 'jn:901', distance_m: 1, position_m: 595, junction_node: 901 },
        // On a chain of its own (8) whose only window covers it all: the window includes the chain's end metre.
        { collision_index: '2020040000006', ...onSegment(0, 50), chain_id: 8, chain_m: 200, distance_m: 1 },
      ]);
      await insertSite(knex, network, { ...window, chain_id: 8, length_m: 200, site_id: `win:${edgeId}:0`, rank: 3, chain_from_m: 0, wkt: line(0, 200) });

      grid = await insertRun(knex, { unitKind: 'grid' });
      await insertSite(knex, grid, { site_id: 'cell:10:4', unit: 'cell', rank: 1, fatal: 1, serious: 1, slight: 1, harm_score: 30_000, wkt: hexagon(E0 + 300, N0, 200) });
      await insertSite(knex, grid, { site_id: 'cell:11:4', unit: 'cell', rank: 2, slight: 1, harm_score: 800, wkt: hexagon(E0 + 600, N0, 200) });
      await insertSnaps(knex, grid, [
        { collision_index: '2023040000001', cell_id: '10:4', site_id: 'cell:10:4' },
        { collision_index: '2021040000002', cell_id: '10:4', site_id: 'cell:10:4' },
        { collision_index: '2019040000003', cell_id: '10:4', site_id: 'cell:10:4' },
        { collision_index: '2022040000005', cell_id: '11:4', site_id: 'cell:11:4' },
      ]);
      // Not published: a later rescore and a later failed run.
      const rescore = await insertRun(knex, { unitKind: 'network', scope: 'rescore' });
      await insertSite(knex, rescore, { site_id: `seg:${seg[1]}`, unit: 'segment', rank: 1, wkt: line(200, 400) });
      await insertRun(knex, { unitKind: 'network', status: 'failed' });

      // Concerns: two near segment 1 (one a duplicate of the other), one far away; reporters' details must never show.
      for (const [reference, at, offset, duplicateOf] of [
        ['CON-2026-000001', 300, 10, null],
        ['CON-2026-000002', 320, 5, 'CON-2026-000001'],
        ['CON-2026-000003', 300, 2000, null],
      ] as const) {
        await knex.raw(
          `INSERT INTO concerns (reference, token_hash, category, description, location_text, reporter_name, reporter_email, status, created_at, duplicate_of, geom, geom_4326)
           SELECT ?, 'x', 'speeding', 'Cars race past the school every morning', 'Outside 12 Acacia Avenue', 'Pat Reporter', 'pat@example.org', 'triaged',
                  '2026-10-15T10:00:00Z', (SELECT id FROM concerns WHERE reference = ?), g, ST_Transform(g, 4326)
           FROM (SELECT ST_SetSRID(ST_MakePoint(?, ?), 27700) AS g) p`,
          [reference, duplicateOf, E0 + at, N0 + offset],
        );
      }
      await knex('collision_value_tables').insert({
        version: 'test-values',
        price_year: 2023,
        source: 'test',
        fatal_gbp: 2_500_000,
        serious_gbp: 280_000,
        slight_gbp: 29_000,
        active: true,
      });
    });

    it('lists the latest full run by default (here the grid run: cells), saying which units it used', async () => {
      const res = await get('/api/hotspots');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('application/geo+json');
      const body = await res.json();
      expect(body.run.id).toBe(grid);
      expect(body.units).toBe('grid');
      expect(body.unit).toBe('cell');
      expect(body.features.map((f: { id: string }) => f.id)).toEqual(['cell:10:4', 'cell:11:4']);
      expect(body.features[0].geometry.type).toBe('Polygon');
      expect(body.run).toMatchObject({ scope: 'full', unitKind: 'grid', periodFrom: '2019-01-01', periodTo: '2023-12-31', cameraFrom: '2021-01-01', methodVersion: METHOD_VERSION, valueTableVersion: 'test-values' });
      expect(body.run.params).toEqual(DEFAULT_PARAMS);
    });

    it('lists a network unit from the latest network run, in rank order, unranked sites last, with every property of the contract', async () => {
      const body = await (await get('/api/hotspots?unit=segment')).json();
      expect(body.run.id).toBe(network);
      expect(body.units).toBe('network');
      expect(body.features.map((f: { id: string }) => f.id)).toEqual([`seg:${seg[1]}`, `seg:${seg[0]}`, `seg:${seg[2]}`]);
      expect(body.features.map((f: { properties: { rank: number } }) => f.properties.rank)).toEqual([1, 2, null]);
      expect(body.numberMatched).toBe(3);
      const top = body.features[0];
      expect(Object.keys(top.properties).sort()).toEqual(PROPERTY_NAMES);
      expect(top.properties).toMatchObject({
        siteId: `seg:${seg[1]}`,
        unit: 'segment',
        rank: 1,
        previousRank: 5,
        rankChange: 4,
        roadLabel: 'A6 Garstang Road',
        roadClass: 'a_road',
        speedLimit: 30,
        urban: true,
        districtCode: 'E07000123',
        lengthM: 200,
        fatal: 1,
        serious: 1,
        slight: 1,
        roadUserCounts: { pedestrian: 1, cyclist: 1, car: 2, young: 2 },
        ksi36m: 1,
        ksiPerKm36m: 5,
        pExcess: 0.97,
        harmScore: 41_000,
        candidate: true,
        corridor: true,
        corridorId: 3,
        concernCount: 3,
        concernFactor: 1.1,
        eligible: true,
        peakDay: 1,
        peakHour: 22,
        runId: network,
      });
      // WGS84 line in Preston.
      expect(top.geometry.type).toBe('LineString');
      const [lon, lat] = top.geometry.coordinates[0];
      expect(lon).toBeGreaterThan(-2.8);
      expect(lon).toBeLessThan(-2.6);
      expect(lat).toBeGreaterThan(53.7);
      expect(lat).toBeLessThan(53.8);
    });

    it('filters by district, road-user group and candidate while keeping each site\'s rank in the whole run', async () => {
      const ids = async (query: string) => (await (await get(`/api/hotspots?unit=segment&${query}`)).json()).features.map((f: { id: string; properties: { rank: number } }) => [f.id, f.properties.rank]);
      expect(await ids('district=E07000117')).toEqual([[`seg:${seg[2]}`, null]]);
      expect(await ids('district=e07000123,E07000117')).toHaveLength(3);
      expect(await ids('roadUser=pedestrian')).toEqual([[`seg:${seg[1]}`, 1]]);
      expect(await ids('roadUser=young')).toEqual([[`seg:${seg[1]}`, 1]]);
      expect(await ids('roadUser=child')).toEqual([]);
      expect(await ids('candidate=false')).toEqual([
        [`seg:${seg[0]}`, 2],
        [`seg:${seg[2]}`, null],
      ]);
      expect(await ids('candidate=true&roadUser=cyclist')).toEqual([[`seg:${seg[1]}`, 1]]);
      const page = await (await get('/api/hotspots?unit=segment&limit=1')).json();
      expect(page.numberReturned).toBe(1);
      expect(page.numberMatched).toBe(3);
    });

    it('reads an older or a re-score run by id, and refuses a unit the run does not have', async () => {
      const body = await (await get(`/api/hotspots?run=${older}&unit=segment`)).json();
      expect(body.run.id).toBe(older);
      expect(body.features.map((f: { properties: { rank: number } }) => f.properties.rank)).toEqual([5]);
      const message = await expect400(`/api/hotspots?run=${grid}&unit=segment`, 'query.unit', 'segment');
      expect(message).toContain('grid');
      const missing = await get('/api/hotspots?run=999999');
      expect(missing.status).toBe(404);
      expect((await missing.json()).message).toContain('999999');
    });

    it('exports CSV: one row per site in rank order, properties as columns, road-user counts flattened, a point and WKT', async () => {
      const res = await get('/api/hotspots?unit=segment&format=csv');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(res.headers.get('content-disposition')).toContain(`hotspots-run${network}-segment.csv`);
      const records = parse(await res.text(), { columns: true }) as Array<Record<string, string>>;
      expect(records.map((r) => r.siteId)).toEqual([`seg:${seg[1]}`, `seg:${seg[0]}`, `seg:${seg[2]}`]);
      const top = records[0]!;
      expect(top).toMatchObject({ rank: '1', harmScore: '41000', candidate: 'true', pExcess: '0.97', runId: String(network), fatal: '1', roadUser_pedestrian: '1', roadUser_young: '2', roadUser_car: '2' });
      expect(records[1]!.roadUser_pedestrian).toBe('0');
      expect(top.wkt).toMatch(/^LINESTRING \(-2\.\d+ 53\.\d+, -2\.\d+ 53\.\d+\)$/);
      expect(Number(top.longitude)).toBeCloseTo(-2.75, 0);
      expect(records[2]!.rank).toBe('');
    });

    it('answers bad filter values with a 400 naming the field and the value', async () => {
      await expect400('/api/hotspots?unit=road', 'query.unit', 'road');
      await expect400('/api/hotspots?roadUser=elderly', 'query.roadUser', 'elderly');
      await expect400('/api/hotspots?limit=0', 'query.limit', '0');
      await expect400('/api/hotspots?limit=5001', 'query.limit', '5001');
      await expect400('/api/hotspots?run=newest', 'query.run', 'newest');
      await expect400('/api/hotspots?candidate=maybe', 'query.candidate', 'maybe');
      await expect400('/api/hotspots?district=Preston', 'query.district', 'PRESTON');
      await expect400('/api/hotspots?format=xlsx', 'query.format', 'xlsx');
      await expect400('/api/hotspots/segment-12', 'params.siteId', 'segment-12');
    });

    it('details a segment: its collisions in the period (not the junction\'s), trend, Sunday-first matrix, labelled breakdowns and public concerns', async () => {
      const res = await get(`/api/hotspots/seg:${seg[1]}`);
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body.run.id).toBe(network);
      expect(body.site).toMatchObject({ siteId: `seg:${seg[1]}`, rank: 1, harmScore: 41_000 });
      expect(body.site.geometry.type).toBe('LineString');
      expect(body.collisions).toEqual([
        { collisionIndex: '2023040000001', date: '2023-03-05', time: '22:30', severity: 'serious', distanceM: 2.5, ambiguous: false },
        { collisionIndex: '2021040000002', date: '2021-06-07', time: '08:10', severity: 'slight', distanceM: 0, ambiguous: true },
        { collisionIndex: '2019040000003', date: '2019-02-04', time: null, severity: 'fatal', distanceM: 4, ambiguous: false },
      ]);
      expect(body.trend).toEqual([
        { year: 2019, fatal: 1, serious: 0, slight: 0 },
        { year: 2020, fatal: 0, serious: 0, slight: 0 },
        { year: 2021, fatal: 0, serious: 0, slight: 1 },
        { year: 2022, fatal: 0, serious: 0, slight: 0 },
        { year: 2023, fatal: 0, serious: 1, slight: 0 },
      ]);
      expect(body.matrix).toHaveLength(7);
      expect(body.matrix.every((row: number[]) => row.length === 24)).toBe(true);
      expect(body.matrix[0][22]).toBe(1); // Sunday (DfT day 1) 22:30
      expect(body.matrix[1][8]).toBe(1); // Monday 08:10
      expect(body.matrix.flat().reduce((a: number, b: number) => a + b, 0)).toBe(2);
      expect(body.withoutTime).toBe(1);
      expect(body.casualtyData).toBe(true);
      expect(body.breakdowns.roadUser).toEqual({ pedestrian: 1, cyclist: 1, car: 2 });
      expect(body.breakdowns.ageBand).toEqual({ '16 - 20': 1, '21 - 25': 1, '66 - 75': 1, Unknown: 1 });
      expect(body.breakdowns.light).toEqual({ Daylight: 2, 'Darkness - lights lit': 1 });
      expect(body.breakdowns.weather).toEqual({ 'Fine no high winds': 1, 'Raining no high winds': 1, 'Fog or mist': 1 });
      expect(body.concerns).toEqual([{ reference: 'CON-2026-000001', category: 'speeding', status: 'triaged', createdMonth: '2026-10' }]);
    });

    it('details a junction, a sliding window and a grid cell by their own membership rules', async () => {
      const members = async (path: string) => (await (await get(path)).json()).collisions.map((c: { collisionIndex: string }) => c.collisionIndex).sort();
      expect(await members('/api/hotspots/jn:901')).toEqual(['2022040000005']);
      // Window from 200 m, 300 m long: chain metres 250, 300, 390 (2017 is before the period; the junction's collision is on no chain).
      expect(await members(`/api/hotspots/win:${edgeId}:200`)).toEqual(['2019040000003', '2021040000002', '2023040000001']);
      expect(await members(`/api/hotspots/win:${edgeId}:300`)).toEqual(['2019040000003', '2021040000002']);
      expect(await members(`/api/hotspots/win:${edgeId}:0`)).toEqual(['2020040000006']);
      const cell = await (await get('/api/hotspots/cell:10:4')).json();
      expect(cell.run.id).toBe(grid);
      expect(cell.collisions.map((c: { collisionIndex: string }) => c.collisionIndex).sort()).toEqual(['2019040000003', '2021040000002', '2023040000001']);
      expect(cell.collisions[0].distanceM).toBeNull();
      expect(cell.site.geometry.type).toBe('Polygon');
    });

    it('answers 404 for a site the run does not have, naming it', async () => {
      const res = await get('/api/hotspots/seg:424242');
      expect(res.status).toBe(404);
      expect((await res.json()).message).toContain('seg:424242');
      expect((await get(`/api/hotspots/cell:10:4?run=${network}`)).status).toBe(404);
    });

    it('never shows a reporter\'s name, email, description or location text on the public routes', async () => {
      for (const path of [`/api/hotspots/seg:${seg[1]}`, '/api/hotspots?unit=segment', '/api/hotspots?unit=segment&format=csv', '/api/hotspot-method']) {
        const text = await (await get(path)).text();
        for (const secret of ['Pat Reporter', 'pat@example.org', 'Cars race past', 'Acacia Avenue']) expect(text, path).not.toContain(secret);
      }
    });

    it('states the method with the default parameters, the active value table, and the latest run and its units', async () => {
      const res = await get('/api/hotspot-method');
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body.methodVersion).toBe(METHOD_VERSION);
      expect(body.defaults).toEqual(DEFAULT_PARAMS);
      expect(body.statement.length).toBeGreaterThan(5);
      expect(body.statement.join(' ')).toContain('Empirical Bayes');
      expect(body.statement.join(' ')).toContain(`${DEFAULT_PARAMS.snapDistanceM} m`);
      expect(body.valueTable).toMatchObject({ version: 'test-values', priceYear: 2023, fatalGbp: 2_500_000, seriousGbp: 280_000, slightGbp: 29_000 });
      expect(body.latestRun.id).toBe(grid);
      expect(body.latestRun.units).toEqual([{ unit: 'cell', sites: 2, ranked: 2, candidates: 0 }]);
      expect(body.units).toBe('grid');
      expect(body.unitsUsed).toEqual(['cell']);
      expect(body.latestRuns.network.id).toBe(network);
      expect(body.latestRuns.grid.id).toBe(grid);
    });

    it('documents the hotspot routes in the OpenAPI document', async () => {
      const doc = await (await get('/api/openapi.json')).json();
      const list = doc.paths['/api/hotspots'].get;
      expect(list.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['run', 'unit', 'district', 'roadUser', 'candidate', 'limit', 'format']));
      expect(doc.paths['/api/hotspots/{siteId}'].get).toBeDefined();
      expect(doc.paths['/api/hotspot-method'].get).toBeDefined();
      expect(doc.paths['/api/clusters'].get.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['eps', 'minPoints', 'from', 'to', 'district', 'severity']));
    });
  });
});
