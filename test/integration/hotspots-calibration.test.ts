import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { siteMembership } from '../../server/hotspots/queries.ts';
import { runHotspots } from '../../server/hotspots/run.ts';
import { importRoadNetwork } from '../../server/roads/import.ts';
import { openTestDatabase, testTargets, type TestDatabase } from '../support/db.ts';
import { LEEDS_OSM, pickSpreadSegments, seedNetworkCollisions, tileNetwork } from './hotspots-run-fixtures.ts';

/*
 * The method's statistical checks on the real Leeds city-centre network (OpenStreetMap, service roads
 * included: ~300 segments, ~130 junctions) with seeded synthetic collisions:
 *   placement  — snapping, junctions, unsnapped points, windows;
 *   null       — no true hotspot: ≤ 5% candidates, ≤ 0.5% corridor-flagged;
 *   planted    — 20 sites at 3× their rate: ≥ 18 in the top 50, EB ranks them better than raw counts;
 *   back-test  — regression to the mean: rank on years 1–3, score on years 4–5.
 * City-centre rates (25–40 injury collisions per km per year, 2 per junction) keep the counts
 * informative on a small network.
 */

const CITY_RATES = { a_road: 40, b_road: 30, minor: 25, motorway: 20 };
const PERIOD = { from: '2019-01-01', to: '2023-12-31' };

describe.each(testTargets())('hotspot method checks on the Leeds road network ($mode database)', (target) => {
  let db: TestDatabase;
  const rows = async <T>(sql: string, bindings: unknown[] = []) => (await db.knex.raw(sql, bindings as never)).rows as T[];
  const one = async (sql: string, bindings: unknown[] = []) => Number(Object.values((await rows<Record<string, unknown>>(sql, bindings))[0]!)[0]);
  const clearCollisions = () => db.knex.raw('TRUNCATE collisions CASCADE');

  beforeAll(async () => {
    db = await openTestDatabase(target);
    await importRoadNetwork(db.knex, LEEDS_OSM, { startedBy: 'test', includeService: true });
  });
  afterAll(async () => {
    await db?.close();
  });

  it('places collisions: nearest segment within 30 m with distance and position, STATS19 junction collisions at the junction, far ones kept as points', async () => {
    const segment = (await rows<{ id: number; edge_id: number; from_m: number; length_m: number }>(`SELECT id, edge_id, from_m, length_m FROM road_segments WHERE length_m > 60 ORDER BY id LIMIT 1`))[0]!;
    const junction = (await rows<{ id: string }>(`SELECT id::text AS id FROM road_nodes WHERE junction AND degree >= 3 ORDER BY id LIMIT 1`))[0]!;
    const insert = (index: string, junctionDetail: number, geomSql: string, bindings: unknown[]) =>
      db.knex.raw(
        `INSERT INTO collisions (collision_index, collision_year, collision_reference, police_force, severity, number_of_vehicles, number_of_casualties, date, day_of_week, hour, junction_detail, geom, geom_4326)
         SELECT ?, 2023, ?, 13, 3, 1, 1, DATE '2023-05-10', 4, 17, ?, g, ST_Transform(g, 4326) FROM (SELECT ${geomSql} AS g) p`,
        [index, index, junctionDetail, ...bindings] as never,
      );
    await insert('MID', 0, `(SELECT ST_Translate(ST_LineInterpolatePoint(geom, 0.5), 0, 0) FROM road_segments WHERE id = ?)`, [segment.id]);
    await insert('AT-JN', 3, `(SELECT ST_Translate(geom, 6, 0) FROM road_nodes WHERE id = ?::bigint)`, [junction.id]);
    await insert('NOT-JN', 0, `(SELECT ST_Translate(geom, 6, 0) FROM road_nodes WHERE id = ?::bigint)`, [junction.id]);
    await insert('FAR', 0, `(SELECT ST_Translate(geom, 0, 8000) FROM road_nodes WHERE id = ?::bigint)`, [junction.id]);

    const { runId, summary } = await runHotspots(db.knex, { to: '2023-12-31', startedBy: 'test' });
    expect(summary.unitKind).toBe('network');
    expect(summary.collisions).toMatchObject({ selected: 4, placed: 3, snapped: 3, unsnapped: 1, at_junctions: 1 });
    const snaps = Object.fromEntries(
      (await rows<{ collision_index: string; segment_id: number | null; distance_m: number | null; position_m: number | null; junction_node: string | null; site_id: string | null; chain_id: number | null }>(
        `SELECT collision_index, segment_id, distance_m, position_m, junction_node::text, site_id, chain_id FROM hotspot_snaps WHERE run_id = ?`,
        [runId],
      )).map((r) => [r.collision_index, r]),
    );
    expect(snaps.MID).toMatchObject({ segment_id: segment.id, site_id: `seg:${segment.id}`, chain_id: expect.any(Number) });
    expect(snaps.MID!.distance_m).toBeLessThan(0.01);
    expect(snaps.MID!.position_m).toBeCloseTo(segment.from_m + segment.length_m / 2, 3);
    // At a junction by STATS19 and within 20 m of a junction node: counted there (its segment snap kept, no window).
    expect(snaps['AT-JN']).toMatchObject({ junction_node: junction.id, site_id: `jn:${junction.id}`, segment_id: expect.any(Number), chain_id: null });
    // Same place, "not at a junction": counted on the segment.
    expect(snaps['NOT-JN']).toMatchObject({ junction_node: null, site_id: expect.stringMatching(/^seg:\d+$/) });
    expect(snaps.FAR).toMatchObject({ segment_id: null, distance_m: null, junction_node: null, site_id: null });

    const counts = await rows<{ unit: string; n: string }>(`SELECT unit, sum(fatal + serious + slight) AS n FROM hotspot_sites WHERE run_id = ? GROUP BY unit ORDER BY unit`, [runId]);
    expect(Object.fromEntries(counts.map((c) => [c.unit, Number(c.n)]))).toMatchObject({ junction: 1, segment: 2 });
    // Every site holds exactly the collisions the API lists for it (windows: the link collisions along their chain stretch).
    const sites = await rows<{ site_id: string; length_m: number | null; chain_id: number | null; chain_from_m: number | null; n: number }>(
      `SELECT site_id, length_m, chain_id, chain_from_m, fatal + serious + slight AS n FROM hotspot_sites WHERE run_id = ?`,
      [runId],
    );
    const mismatched: string[] = [];
    for (const site of sites) {
      const member = siteMembership(site);
      const listed = await one(`SELECT count(*) FROM hotspot_snaps sn WHERE sn.run_id = ? AND ${member.sql}`, [runId, ...member.bindings]);
      if (listed !== site.n) mismatched.push(`${site.site_id}: ${site.n} counted, ${listed} listed`);
    }
    expect(mismatched).toEqual([]);
    expect(await one(`SELECT count(*) FROM hotspot_sites WHERE run_id = ? AND unit = 'window' AND (length_m > 500 + 1e-6 OR chain_id IS NULL)`, [runId])).toBe(0);
    const top = (await rows<{ site_id: string; road_label: string | null; eligibility_reason: string; reference_group: string }>(`SELECT site_id, road_label, eligibility_reason, reference_group FROM hotspot_sites WHERE run_id = ? AND unit = 'segment' ORDER BY rank LIMIT 1`, [runId]))[0]!;
    expect(top.reference_group).toMatch(/^segment(\|(motorway|a_road|b_road|minor))?/);
    expect(top.eligibility_reason).toMatch(/^\d+\.\d KSI\/km in 36 months [<≥] \d\.\d threshold for \d+ mph/);
    await clearCollisions();
  });

  it('null calibration: with no true hotspot at most 5% of sites are candidates and at most 0.5% of segments corridor-flagged', async () => {
    const seeded = await seedNetworkCollisions(db.knex, { seed: 11, from: PERIOD.from, years: 5, segmentRatePerKmYear: CITY_RATES, junctionRatePerYear: 2 });
    expect(seeded.collisions).toBeGreaterThan(2000);
    const { summary } = await runHotspots(db.knex, { ...PERIOD, startedBy: 'test' });
    expect(summary.collisions.placed).toBe(seeded.collisions);
    for (const [unit, c] of Object.entries(summary.units)) {
      expect(c.candidates / c.sites, `${unit}: ${c.candidates} candidates of ${c.sites}`).toBeLessThanOrEqual(0.05);
    }
    const all = Object.values(summary.units).reduce((t, c) => ({ sites: t.sites + c.sites, candidates: t.candidates + c.candidates }), { sites: 0, candidates: 0 });
    expect(all.candidates / all.sites).toBeLessThanOrEqual(0.05);
    expect(summary.corridors.flagged / summary.corridors.tested).toBeLessThanOrEqual(0.005);
    await clearCollisions();
  });

  it('planted hotspots: of 20 segments at 3× their rate at least 18 rank in the top 50, and EB ranks them better than raw counts', async () => {
    const planted = await pickSpreadSegments(db.knex, 20, 7, 30, 60);
    await seedNetworkCollisions(db.knex, { seed: 12, from: PERIOD.from, years: 5, segmentRatePerKmYear: CITY_RATES, junctionRatePerYear: 2, planted, plantedFactor: 3 });
    const { runId, summary } = await runHotspots(db.knex, { ...PERIOD, startedBy: 'test' });
    const sites = await rows<{ site_id: string; rank: number; ksi: number; slight: number; candidate: boolean }>(
      `SELECT site_id, rank, fatal + serious AS ksi, slight, candidate FROM hotspot_sites WHERE run_id = ? AND unit = 'segment'`,
      [runId],
    );
    const isPlanted = new Set(planted);
    const ebRanks = sites.filter((s) => isPlanted.has(s.site_id)).map((s) => s.rank);
    expect(ebRanks.filter((r) => r <= 50).length, `planted ranks ${ebRanks.sort((a, b) => a - b).join(', ')}`).toBeGreaterThanOrEqual(18);
    // Raw ranking: the same value weights on the observed counts (no expectation, no shrinkage).
    const rawOrder = [...sites].sort((a, b) => b.ksi * summary.ksiValueGbp + b.slight * summary.valueTable.slightGbp - (a.ksi * summary.ksiValueGbp + a.slight * summary.valueTable.slightGbp) || (a.site_id < b.site_id ? -1 : 1));
    const rawRanks = rawOrder.map((s, i) => [s.site_id, i + 1] as const).filter(([id]) => isPlanted.has(id)).map(([, r]) => r);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(ebRanks)).toBeLessThan(mean(rawRanks));
    expect(sites.filter((s) => isPlanted.has(s.site_id) && s.candidate).length).toBeGreaterThanOrEqual(15);
    await clearCollisions();
  });

  it('regression-to-the-mean back-test: ranked on years 1–3, EB top 50 holds more KSI in years 4–5 than the raw-count top 50, and predicts it', async () => {
    // Twenty copies of the network (≈ 6,000 segments, 2,600 junctions): a top 50 must be a selection.
    await tileNetwork(db.knex, 20);
    const totals = { ebLater: 0, rawLater: 0, ebPredicted: 0, rawProjected: 0 };
    for (const seed of [1, 2]) {
      await seedNetworkCollisions(db.knex, { seed, from: PERIOD.from, years: 5, segmentRatePerKmYear: CITY_RATES, junctionRatePerYear: 2, heterogeneityK: 0.3 });
      const before = await runHotspots(db.knex, { from: '2019-01-01', to: '2021-12-31', startedBy: 'test' });
      const after = await runHotspots(db.knex, { from: '2022-01-01', to: '2023-12-31', scope: 'rescore', startedBy: 'test' });
      for (const unit of ['segment', 'junction']) {
        const sites = await rows<{ site_id: string; rank: number; ksi: number; expected_ksi: number; later: number }>(
          `SELECT a.site_id, a.rank, a.fatal + a.serious AS ksi, a.expected_ksi, b.fatal + b.serious AS later
           FROM hotspot_sites a JOIN hotspot_sites b ON b.run_id = ? AND b.site_id = a.site_id WHERE a.run_id = ? AND a.unit = ?`,
          [after.runId, before.runId, unit],
        );
        const top = (key: (s: (typeof sites)[number]) => number) => [...sites].sort((a, b) => key(b) - key(a) || (a.site_id < b.site_id ? -1 : 1)).slice(0, 50);
        const eb = top((s) => -s.rank);
        const raw = top((s) => s.ksi);
        const sum = (list: typeof sites, f: (s: (typeof sites)[number]) => number) => list.reduce((t, s) => t + f(s), 0);
        totals.ebLater += sum(eb, (s) => s.later);
        totals.rawLater += sum(raw, (s) => s.later);
        // Two years after three: EB's expected count scaled to the later period, and the raw count's naive projection.
        totals.ebPredicted += (sum(eb, (s) => s.expected_ksi) * 2) / 3;
        totals.rawProjected += (sum(raw, (s) => s.ksi) * 2) / 3;
      }
      await clearCollisions();
    }
    expect(totals.ebLater, JSON.stringify(totals)).toBeGreaterThan(totals.rawLater);
    // The raw top 50 regress to the mean: their later KSI falls far below their first-period rate …
    expect(totals.rawLater, JSON.stringify(totals)).toBeLessThan(0.7 * totals.rawProjected);
    // … while EB's expected value already allowed for it.
    expect(Math.abs(totals.ebLater - totals.ebPredicted) / totals.ebLater, JSON.stringify(totals)).toBeLessThan(0.2);
  });
});
