/**
 * Fixtures for the hotspot tests.
 *
 * Synthetic collisions on a real road network: rows inserted straight into
 * `collisions` and `casualties` with a seeded generator, so every run sees the same data.
 *
 * Each road segment gets Poisson(rate × length × years × multiplier) collisions placed uniformly along
 * it (a metre or two of jitter, like STATS19's ~10 m precision but small enough to stay on the
 * segment), and each junction node Poisson(junction rate × years) collisions that STATS19 marks as
 * at a junction. With no multiplier and no heterogeneity there is no true hotspot: every site's rate
 * is its reference group's. `plantedFactor` multiplies chosen sites' rates; `heterogeneityK` draws
 * each site's true multiplier from Gamma(1/k, k) (mean 1, variance k) — real networks' overdispersion.
 */
import path from 'node:path';
import type { Knex } from 'knex';
import { samplePoisson, sampleGamma } from '../../geo/stats/sampling.ts';
import { DEFAULT_PARAMS, METHOD_VERSION } from '../../server/hotspots/params.ts';
import { pgArray } from '../../server/hotspots/pg-arrays.ts';
import { createRandom, type Random } from '../bench/random.ts';

export const LEEDS_OSM = path.resolve(import.meta.dirname, '../../../shared/data/osm/leeds-city-centre.osm');

export interface SeedOptions {
  seed: number;
  /** First day of the synthetic period (YYYY-MM-DD) and its length in whole years. */
  from: string;
  years: number;
  /** Injury collisions per km per year on segments, by road class (default: a_road 8, b_road 6, motorway 4, minor 3). */
  segmentRatePerKmYear?: Partial<Record<string, number>>;
  /** Injury collisions per year at each junction node (default 0.4). */
  junctionRatePerYear?: number;
  /** Share of collisions that are KSI (default 0.25; a twentieth of KSI are fatal). */
  ksiShare?: number;
  /** Site ids (`seg:<id>`, `jn:<id>`) whose rate is multiplied by plantedFactor. */
  planted?: readonly string[];
  plantedFactor?: number;
  /** Gamma heterogeneity of true site rates (variance k; 0 = none). */
  heterogeneityK?: number;
  /** Prefix for collision indexes, so several seedings can share a table. */
  prefix?: string;
  /** Jitter of each point around the road, metres (default 1.5). */
  jitterM?: number;
}

export interface SeedResult {
  collisions: number;
  /** True expected collisions over the period per site id (what the generator used). */
  trueMean: Map<string, number>;
}

const DEFAULT_RATES: Record<string, number> = { a_road: 8, b_road: 6, motorway: 4, minor: 3 };
const ROAD_USERS = ['car', 'car', 'car', 'pedestrian', 'cyclist', 'motorcyclist', 'goods', 'bus'] as const;

function randomDate(random: Random, from: string, years: number): string {
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.UTC(new Date(start).getUTCFullYear() + years, new Date(start).getUTCMonth(), new Date(start).getUTCDate());
  const day = Math.floor(random.next() * ((end - start) / 86_400_000));
  return new Date(start + day * 86_400_000).toISOString().slice(0, 10);
}

/** Inserts seeded synthetic collisions (with one casualty each) on the stored road network. */
export async function seedNetworkCollisions(knex: Knex, options: SeedOptions): Promise<SeedResult> {
  const random = createRandom(options.seed);
  const uniform = () => random.next();
  const rates = { ...DEFAULT_RATES, ...options.segmentRatePerKmYear };
  const junctionRate = options.junctionRatePerYear ?? 0.4;
  const ksiShare = options.ksiShare ?? 0.25;
  const planted = new Set(options.planted ?? []);
  const factor = options.plantedFactor ?? 3;
  const jitter = options.jitterM ?? 1.5;
  const prefix = options.prefix ?? 'SYN';
  const trueMean = new Map<string, number>();
  const multiplier = (siteId: string) =>
    (planted.has(siteId) ? factor : 1) * (options.heterogeneityK ? sampleGamma(uniform, 1 / options.heterogeneityK, 1 / options.heterogeneityK) : 1);

  const segments = (await knex.raw('SELECT id, road_class, length_m, urban, maxspeed_mph FROM road_segments ORDER BY id')).rows as Array<{ id: number; road_class: string; length_m: number; urban: boolean; maxspeed_mph: number | null }>;
  const junctions = (await knex.raw('SELECT id::text AS id FROM road_nodes WHERE junction ORDER BY id')).rows as Array<{ id: string }>;

  const rows = { idx: [] as string[], kind: [] as string[], ref: [] as string[], f: [] as number[], dx: [] as number[], dy: [] as number[], sev: [] as number[], date: [] as string[], hour: [] as number[], jd: [] as number[], urban: [] as number[], speed: [] as (number | null)[], group: [] as string[], age: [] as number[] };
  const add = (kind: 's' | 'j', ref: string, urban: boolean, speed: number | null) => {
    const n = rows.idx.length;
    rows.idx.push(`${prefix}${String(n).padStart(8, '0')}`);
    rows.kind.push(kind);
    rows.ref.push(ref);
    rows.f.push(random.uniform(0.02, 0.98));
    rows.dx.push(random.uniform(-jitter, jitter));
    rows.dy.push(random.uniform(-jitter, jitter));
    const ksi = random.chance(ksiShare);
    rows.sev.push(ksi ? (random.chance(0.05) ? 1 : 2) : 3);
    rows.date.push(randomDate(random, options.from, options.years));
    rows.hour.push(random.int(0, 23));
    rows.jd.push(kind === 'j' ? 3 : 0);
    rows.urban.push(urban ? 1 : 2);
    rows.speed.push(speed);
    rows.group.push(random.pick(ROAD_USERS));
    rows.age.push(random.int(5, 80));
  };
  for (const s of segments) {
    const id = `seg:${s.id}`;
    const mean = (rates[s.road_class] ?? 3) * (Number(s.length_m) / 1000) * options.years * multiplier(id);
    trueMean.set(id, mean);
    const count = samplePoisson(uniform, mean);
    for (let i = 0; i < count; i++) add('s', String(s.id), s.urban, s.maxspeed_mph);
  }
  for (const j of junctions) {
    const id = `jn:${j.id}`;
    const mean = junctionRate * options.years * multiplier(id);
    trueMean.set(id, mean);
    const count = samplePoisson(uniform, mean);
    for (let i = 0; i < count; i++) add('j', j.id, true, 30);
  }

  const BATCH = 20_000;
  for (let start = 0; start < rows.idx.length; start += BATCH) {
    const slice = <T>(a: T[]) => pgArray(a.slice(start, start + BATCH) as Array<string | number | null>);
    await knex.raw(
      `INSERT INTO collisions (collision_index, collision_year, collision_reference, police_force, severity, number_of_vehicles, number_of_casualties,
                               date, day_of_week, time, hour, junction_detail, urban_or_rural_area, speed_limit, easting, northing, longitude, latitude, geom, geom_4326)
       SELECT v.idx, extract(year FROM v.date)::int, v.idx, 99, v.sev, 1, 1, v.date, extract(dow FROM v.date)::int + 1,
              make_time(v.hour, 0, 0), v.hour, v.jd, v.urban, v.speed, round(ST_X(p.geom)), round(ST_Y(p.geom)),
              ST_X(ST_Transform(p.geom, 4326)), ST_Y(ST_Transform(p.geom, 4326)), p.geom, ST_Transform(p.geom, 4326)
       FROM unnest(?::text[], ?::text[], ?::text[], ?::float8[], ?::float8[], ?::float8[], ?::int[], ?::date[], ?::int[], ?::int[], ?::int[], ?::int[])
            AS v(idx, kind, ref, f, dx, dy, sev, date, hour, jd, urban, speed)
       CROSS JOIN LATERAL (
         SELECT ST_Translate(CASE WHEN v.kind = 's'
                  THEN (SELECT ST_LineInterpolatePoint(s.geom, v.f) FROM road_segments s WHERE s.id = v.ref::int)
                  ELSE (SELECT n.geom FROM road_nodes n WHERE n.id = v.ref::bigint) END, v.dx, v.dy) AS geom
       ) p`,
      [slice(rows.idx), slice(rows.kind), slice(rows.ref), slice(rows.f), slice(rows.dx), slice(rows.dy), slice(rows.sev), slice(rows.date), slice(rows.hour), slice(rows.jd), slice(rows.urban), slice(rows.speed)],
    );
    await knex.raw(
      `INSERT INTO casualties (collision_index, vehicle_reference, casualty_reference, casualty_class, severity, age, casualty_type, road_user_group)
       SELECT v.idx, '1', '1', CASE WHEN v.grp = 'pedestrian' THEN 3 ELSE 1 END, v.sev, v.age, 9, v.grp
       FROM unnest(?::text[], ?::int[], ?::int[], ?::text[]) AS v(idx, sev, age, grp)`,
      [slice(rows.idx), slice(rows.sev), slice(rows.age), slice(rows.group)],
    );
  }
  return { collisions: rows.idx.length, trueMean };
}

/**
 * Repeats the stored (real) road network `copies` times side by side, each copy shifted `stepM`
 * metres east, with fresh node, edge and segment ids: a larger network of real road geometry for
 * the statistical checks that need many sites (a top 50 of a few hundred sites is no selection).
 */
export async function tileNetwork(knex: Knex, copies: number, stepM = 10_000): Promise<void> {
  const { rows } = await knex.raw(
    `SELECT (SELECT max(id) FROM road_nodes) AS node, (SELECT max(id) FROM road_edges) AS edge, (SELECT max(id) FROM road_segments) AS segment`,
  );
  const max = rows[0] as { node: string; edge: number; segment: number };
  const nodeStep = BigInt(max.node) + 1n;
  await knex.transaction(async (trx) => {
    for (let k = 1; k < copies; k++) {
      const dx = k * stepM;
      const nodeOffset = (nodeStep * BigInt(k)).toString();
      await trx.raw(`INSERT INTO road_nodes (id, degree, junction, geom) SELECT id + ?::bigint, degree, junction, ST_Translate(geom, ?, 0) FROM road_nodes WHERE id < ?::bigint`, [nodeOffset, dx, nodeStep.toString()]);
      await trx.raw(
        `INSERT INTO road_edges (id, osm_way_id, source_node, target_node, highway, road_class, ref, name, maxspeed_mph, oneway, urban, length_m, cost_s, district_code, geom)
         SELECT id + ?, osm_way_id, source_node + ?::bigint, target_node + ?::bigint, highway, road_class, ref, name, maxspeed_mph, oneway, urban, length_m, cost_s, district_code, ST_Translate(geom, ?, 0)
         FROM road_edges WHERE id <= ?`,
        [k * max.edge, nodeOffset, nodeOffset, dx, max.edge],
      );
      await trx.raw(
        `INSERT INTO road_segments (id, edge_id, seq, from_m, highway, road_class, ref, name, maxspeed_mph, urban, length_m, district_code, geom)
         SELECT id + ?, edge_id + ?, seq, from_m, highway, road_class, ref, name, maxspeed_mph, urban, length_m, district_code, ST_Translate(geom, ?, 0)
         FROM road_segments WHERE id <= ?`,
        [k * max.segment, k * max.edge, dx, max.segment],
      );
    }
    await trx.raw(`SELECT setval(pg_get_serial_sequence('road_edges', 'id'), (SELECT max(id) FROM road_edges))`);
    await trx.raw(`SELECT setval(pg_get_serial_sequence('road_segments', 'id'), (SELECT max(id) FROM road_segments))`);
  });
  await knex.raw('ANALYZE road_nodes');
  await knex.raw('ANALYZE road_edges');
  await knex.raw('ANALYZE road_segments');
}

/**
 * `n` segments of at least `minLengthM`, spread out (no two within `spacingM`), picked with the seed:
 * the sites a planted-hotspot test multiplies.
 */
export async function pickSpreadSegments(knex: Knex, n: number, seed: number, minLengthM = 80, spacingM = 300): Promise<string[]> {
  const random = createRandom(seed);
  const rows = (await knex.raw(`SELECT id, ST_X(ST_LineInterpolatePoint(geom, 0.5)) AS x, ST_Y(ST_LineInterpolatePoint(geom, 0.5)) AS y FROM road_segments WHERE length_m >= ? ORDER BY id`, [minLengthM])).rows as Array<{ id: number; x: number; y: number }>;
  const pool = [...rows];
  const chosen: typeof rows = [];
  while (chosen.length < n && pool.length) {
    const [pick] = pool.splice(random.int(0, pool.length - 1), 1);
    if (chosen.every((c) => Math.hypot(c.x - pick!.x, c.y - pick!.y) >= spacingM)) chosen.push(pick!);
  }
  if (chosen.length < n) throw new Error(`Only ${chosen.length} segments of ≥ ${minLengthM} m are ${spacingM} m apart; the test needs ${n}.`);
  return chosen.map((c) => `seg:${c.id}`);
}

// ---------------------------------------------------------------------------------------------
// Hand-built runs: hotspot_runs and hotspot_sites rows written directly (as the scoring pipeline
// would), for tests of what the API and the tiles do with a run rather than how it was scored.

/** A point on a straight east–west road in Preston (EPSG:27700), the hand-built sites' reference. */
export const E0 = 353_000;
export const N0 = 429_500;

/** WKT (EPSG:27700) of the stretch of that road from `from` to `to` metres east of E0. */
export const line = (from: number, to: number) => `LINESTRING(${E0 + from} ${N0}, ${E0 + to} ${N0})`;
/** WKT (EPSG:27700) of a hexagon of circumradius `r` around (cx, cy), as a grid run's cell. */
export const hexagon = (cx: number, cy: number, r: number) =>
  `POLYGON((${[0, 1, 2, 3, 4, 5, 0].map((k) => `${cx + r * Math.cos((k * Math.PI) / 3)} ${cy + r * Math.sin((k * Math.PI) / 3)}`).join(', ')}))`;

export interface RunSpec {
  unitKind: 'network' | 'grid';
  scope?: 'full' | 'rescore';
  status?: 'running' | 'succeeded' | 'failed';
  periodFrom?: string;
  periodTo?: string;
  params?: Record<string, unknown>;
}

/** A hotspot_runs row (succeeded, full, 2019–2023, the default parameters unless the spec says otherwise); returns its id. */
export async function insertRun(knex: Knex, spec: RunSpec): Promise<number> {
  const [row] = await knex('hotspot_runs')
    .insert({
      status: spec.status ?? 'succeeded',
      scope: spec.scope ?? 'full',
      unit_kind: spec.unitKind,
      params: JSON.stringify(spec.params ?? DEFAULT_PARAMS),
      period_from: spec.periodFrom ?? '2019-01-01',
      period_to: spec.periodTo ?? '2023-12-31',
      camera_from: '2021-01-01',
      method_version: METHOD_VERSION,
      value_table_version: 'test-values',
      finished_at: spec.status === 'running' ? null : knex.fn.now(),
    })
    .returning('id');
  return Number(row.id);
}

/** A site: its id and geometry (WKT, EPSG:27700) and any hotspot_sites columns (defaults for the rest). */
export async function insertSite(knex: Knex, runId: number, site: { site_id: string; unit: string; wkt: string } & Record<string, unknown>): Promise<void> {
  const { wkt, ...columns } = site;
  const values: Record<string, unknown> = { run_id: runId, ...columns };
  if (values.road_user_counts) values.road_user_counts = JSON.stringify(values.road_user_counts);
  const names = Object.keys(values);
  await knex.raw(
    `INSERT INTO hotspot_sites (${names.join(', ')}, geom, geom_4326)
     SELECT ${names.map(() => '?').join(', ')}, g, ST_Transform(g, 4326) FROM (SELECT ST_GeomFromText(?, 27700) AS g) p`,
    [...names.map((n) => values[n] as Knex.Value), wkt],
  );
}
