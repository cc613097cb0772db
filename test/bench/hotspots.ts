/**
 * `npx tsx test/bench/hotspots.ts`: the hotspot benchmarks of issue 3 on a real PostgreSQL/PostGIS,
 * plus the embedded database at a smaller size.
 *
 *   full run   runHotspots (scope full) over N collisions (500k) on a synthetic Lancashire road
 *              network of ≥ 50k segments (test/bench/synthetic-osm.ts): target ≤ 60 s;
 *   rescore    one district (Preston) with a road-user or severity filter, repeated: p95 ≤ 2 s;
 *   clusters   ST_ClusterDBSCAN over every collision (eps 50 m, 7 points), clusterCollisions: ≤ 10 s;
 *   tiles      the hotspots vector tile layer from the real app (in-process server), a fixed seeded
 *              set of z10–z16 tiles around sites, each requested once (cold): p95 ≤ 100 ms.
 *
 * Data: reuses what the bench database holds (≥ N collisions, ≥ the target segments), else
 * generates it (test/bench/generate.ts + the STATS19 importer; synthetic-osm.ts + the road importer).
 * Results: a markdown table on stdout, test/bench/out/hotspots-<date>.json, and docs/benchmarks.md
 * between `<!-- hotspots-bench:start -->` and `<!-- hotspots-bench:end -->` (nothing else is touched).
 *
 * Options: --collisions N (500000)  --segments N (50000)  --repetitions N (20)  --tiles N (200)
 *          --embedded-collisions N (50000)  --embedded-segments N (10000)  --skip-embedded  --no-docs
 * Environment: BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/roadsafe_bench); the database
 * name must contain "bench" (it is created if missing and written to).
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createApp } from '../../server/app.ts';
import { importStats19 } from '../../server/collisions/stats19/import.ts';
import { loadConfig } from '../../server/config.ts';
import type { AppContext } from '../../server/context.ts';
import { openDatabase, type Database } from '../../server/db/database.ts';
import { migrateToLatest } from '../../server/db/migrate.ts';
import { DEMO_FILES } from '../../server/demo/load.ts';
import { importDistricts } from '../../server/districts/import.ts';
import { clusterCollisions } from '../../server/hotspots/clusters.ts';
import type { RoadUserFilter, SeverityFilter } from '../../server/hotspots/pipeline-types.ts';
import { latestRunId } from '../../server/hotspots/queries.ts';
import { runHotspots, type HotspotRunResult } from '../../server/hotspots/run.ts';
import { createLogger } from '../../server/logger.ts';
import { importRoadNetwork } from '../../server/roads/import.ts';
import { tileAt } from '../../server/tiles/tile.ts';
import { DEFAULT_OUT_DIR, ensureBenchData } from './generate.ts';
import { machineDescription, writeBenchmarkSection } from './machine.ts';
import { createRandom } from './random.ts';
import { writeSyntheticOsm } from './synthetic-osm.ts';

const TARGETS = { fullRunS: 60, rescoreP95Ms: 2000, clustersS: 10, tileP95Ms: 100 } as const;
/** Preston: the Lancashire district with the most collisions. */
const DISTRICT = 'E07000123';
const FILTERS: Array<{ roadUser?: RoadUserFilter; severity?: SeverityFilter }> = [
  { roadUser: 'pedestrian' },
  { roadUser: 'cyclist' },
  { roadUser: 'motorcyclist' },
  { roadUser: 'young' },
  { roadUser: 'child' },
  { severity: 'ksi' },
];

const log = (message: string) => process.stderr.write(`[hotspots-bench] ${message}\n`);
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!;
}
const stats = (ms: number[]) => ({ n: ms.length, p50Ms: round(percentile(ms, 50)), p95Ms: round(percentile(ms, 95)), maxMs: round(Math.max(...ms)) });

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started };
}

// ---------------------------------------------------------------------------------------------
// Data

async function ensurePostgresDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!/bench/i.test(name)) throw new Error(`BENCH_DATABASE_URL names the database "${name}"; the benchmark writes to it, so its name must contain "bench".`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rows.length === 0) await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  await db.query('CREATE EXTENSION IF NOT EXISTS postgis').finally(() => db.end());
}

interface DataSetup {
  collisions: number;
  segments: number;
  junctions: number;
  collisionImportS?: number;
  networkImportS?: number;
}

/** Makes sure the database holds ≥ `collisions` collisions, the Lancashire districts and a network of ≥ `segments` segments. */
async function ensureData(db: Database, collisions: number, segments: number, label: string): Promise<DataSetup> {
  const { knex } = db;
  const setup: Partial<DataSetup> = {};
  if (Number((await knex.raw('SELECT count(*) AS n FROM districts')).rows[0].n) === 0) {
    await importDistricts(knex, DEMO_FILES.districts, { startedBy: 'bench' });
  }
  const have = Number((await knex.raw('SELECT count(*) AS n FROM collisions')).rows[0].n);
  if (have < collisions) {
    log(`${label}: ${have} collisions stored; generating and importing ${collisions}`);
    const files = await ensureBenchData({ collisions });
    const { ms } = await timed(() => importStats19(knex, { collisions: files.collisions, casualties: files.casualties, vehicles: files.vehicles, startedBy: 'bench' }));
    setup.collisionImportS = round(ms / 1000);
  } else {
    log(`${label}: reusing the ${have} stored collisions`);
  }
  const haveSegments = Number((await knex.raw('SELECT count(*) AS n FROM road_segments')).rows[0].n);
  if (haveSegments < segments) {
    const file = path.join(DEFAULT_OUT_DIR, `synthetic-lancashire-${segments}.osm`);
    fs.mkdirSync(DEFAULT_OUT_DIR, { recursive: true });
    if (!fs.existsSync(file)) {
      log(`${label}: writing a synthetic network of ≥ ${segments} segments to ${file}`);
      await writeSyntheticOsm(file, { targetSegments: segments });
    }
    log(`${label}: importing the synthetic network (${haveSegments} segments stored)`);
    const { ms } = await timed(() => importRoadNetwork(knex, file, { startedBy: 'bench' }));
    setup.networkImportS = round(ms / 1000);
  } else {
    log(`${label}: reusing the stored network of ${haveSegments} segments`);
  }
  // Fresh imports have no planner statistics until autovacuum gets to them.
  for (const table of ['collisions', 'casualties', 'road_segments', 'road_edges', 'road_nodes']) await knex.raw(`VACUUM ANALYZE ${table}`).catch(() => undefined);
  const counts = (await knex.raw(`SELECT (SELECT count(*) FROM collisions) AS c, (SELECT count(*) FROM road_segments) AS s, (SELECT count(*) FROM road_nodes WHERE junction) AS j`)).rows[0];
  return { ...setup, collisions: Number(counts.c), segments: Number(counts.s), junctions: Number(counts.j) };
}

// ---------------------------------------------------------------------------------------------
// Measurements

interface RunMeasure {
  seconds: number;
  runId: number;
  sites: Record<string, number>;
  candidates: Record<string, number>;
  stagesMs: Record<string, number>;
  collisions: Record<string, number>;
}

function measureOf(result: HotspotRunResult, ms: number): RunMeasure {
  const s = result.summary;
  return {
    seconds: round(ms / 1000, 2),
    runId: result.runId,
    sites: Object.fromEntries(Object.entries(s.units).map(([u, c]) => [u, c.sites])),
    candidates: Object.fromEntries(Object.entries(s.units).map(([u, c]) => [u, c.candidates])),
    stagesMs: s.timingsMs,
    collisions: s.collisions,
  };
}

async function benchFullRun(db: Database): Promise<RunMeasure> {
  const { value, ms } = await timed(() => runHotspots(db.knex, { scope: 'full', startedBy: 'bench' }));
  return measureOf(value, ms);
}

async function benchRescore(db: Database, repetitions: number): Promise<{ latency: ReturnType<typeof stats>; collisionsPerRun: number[]; sitesPerRun: number }> {
  const ms: number[] = [];
  const collisionsPerRun: number[] = [];
  let sitesPerRun = 0;
  for (let i = 0; i < repetitions; i++) {
    const filters = FILTERS[i % FILTERS.length]!;
    const run = await timed(() => runHotspots(db.knex, { districtCode: DISTRICT, filters, scope: 'rescore', startedBy: 'bench' }));
    ms.push(run.ms);
    collisionsPerRun.push(run.value.summary.collisions.selected!);
    sitesPerRun = Object.values(run.value.summary.units).reduce((t, c) => t + c.sites, 0);
  }
  await db.knex('hotspot_runs').where({ scope: 'rescore', started_by: 'bench' }).del();
  return { latency: stats(ms), collisionsPerRun, sitesPerRun };
}

async function benchClusters(db: Database, repetitions: number): Promise<{ latency: ReturnType<typeof stats>; clusters: number; clustered: number; collisions: number }> {
  const ms: number[] = [];
  let last: Awaited<ReturnType<typeof clusterCollisions>> | undefined;
  for (let i = 0; i < repetitions; i++) {
    const run = await timed(() => clusterCollisions(db.knex, { eps: 50, minPoints: 7 }));
    ms.push(run.ms);
    last = run.value;
  }
  return { latency: stats(ms), clusters: last!.clusters.length, clustered: last!.clustered, collisions: last!.collisions };
}

function get(url: string): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      })
      .on('error', reject);
  });
}

/** Cold hotspot tiles from the app, each once: a seeded set around ranked sites of the latest run, z10–z16. */
async function benchTiles(db: Database, count: number, seed: number): Promise<{ cold: ReturnType<typeof stats>; byZoom: Record<number, ReturnType<typeof stats>>; empty: number; maxBytes: number; errors: number }> {
  const config = loadConfig({ NODE_ENV: 'production', DEMO_DATA: 'false', LOG_LEVEL: 'silent' });
  const ctx: AppContext = { db, config, logger: createLogger('silent'), version: 'bench', warmUps: [] };
  const { app } = createApp(ctx);
  await Promise.all(ctx.warmUps ?? []);
  const server = await new Promise<http.Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  try {
    // Around the sites of the run the layer draws.
    const points = (await db.knex.raw(
      `SELECT ST_X(ST_PointOnSurface(geom_4326)) AS lon, ST_Y(ST_PointOnSurface(geom_4326)) AS lat FROM hotspot_sites
       WHERE run_id = ? AND rank <= 5000 ORDER BY rank`,
      [(await latestRunId(db.knex)) ?? null],
    )).rows as Array<{ lon: number; lat: number }>;
    const random = createRandom(seed);
    const zooms = [10, 11, 12, 13, 14, 15, 16];
    const seen = new Set<string>();
    const tiles: Array<{ z: number; x: number; y: number }> = [];
    for (let attempts = 0; tiles.length < count && attempts < count * 20; attempts++) {
      const z = zooms[attempts % zooms.length]!;
      const p = random.pick(points);
      const { x, y } = tileAt(Number(p.lon), Number(p.lat), z);
      const key = `${z}/${x}/${y}`;
      if (seen.has(key)) continue;
      seen.add(key);
      tiles.push({ z, x, y });
    }
    const all: number[] = [];
    const byZoom: Record<number, number[]> = {};
    let empty = 0;
    let maxBytes = 0;
    let errors = 0;
    for (const t of tiles) {
      const { value, ms } = await timed(() => get(`http://127.0.0.1:${port}/tiles/hotspots/${t.z}/${t.x}/${t.y}.mvt`));
      if (value.status === 204) empty++;
      else if (value.status !== 200) errors++;
      maxBytes = Math.max(maxBytes, value.bytes);
      all.push(ms);
      (byZoom[t.z] ??= []).push(ms);
    }
    return { cold: stats(all), byZoom: Object.fromEntries(Object.entries(byZoom).map(([z, v]) => [Number(z), stats(v)])), empty, maxBytes, errors };
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

// ---------------------------------------------------------------------------------------------
// One database

interface DatabaseResults {
  mode: string;
  postgis: string;
  data: DataSetup;
  fullRun: RunMeasure;
  rescore: Awaited<ReturnType<typeof benchRescore>>;
  clusters: Awaited<ReturnType<typeof benchClusters>>;
  tiles?: Awaited<ReturnType<typeof benchTiles>>;
  tilesError?: string;
}

async function benchDatabase(db: Database, label: string, options: { collisions: number; segments: number; repetitions: number; tiles: number }): Promise<DatabaseResults> {
  await migrateToLatest(db.knex);
  const data = await ensureData(db, options.collisions, options.segments, label);
  log(`${label}: full run over ${data.collisions} collisions, ${data.segments} segments, ${data.junctions} junctions`);
  const fullRun = await benchFullRun(db);
  log(`${label}: full run ${fullRun.seconds} s (${JSON.stringify(fullRun.stagesMs)})`);
  const rescore = await benchRescore(db, options.repetitions);
  log(`${label}: rescore p50 ${rescore.latency.p50Ms} ms, p95 ${rescore.latency.p95Ms} ms`);
  const clusters = await benchClusters(db, 3);
  log(`${label}: clusters p50 ${clusters.latency.p50Ms} ms (${clusters.clusters} clusters)`);
  let tiles: DatabaseResults['tiles'];
  let tilesError: string | undefined;
  try {
    tiles = await benchTiles(db, options.tiles, 7);
    log(`${label}: hotspot tiles cold p95 ${tiles.cold.p95Ms} ms over ${tiles.cold.n}`);
  } catch (err) {
    tilesError = (err as Error).message;
    log(`${label}: tiles failed: ${tilesError}`);
  }
  return { mode: db.mode, postgis: db.postgisVersion, data, fullRun, rescore, clusters, tiles, tilesError };
}

// ---------------------------------------------------------------------------------------------
// Report

const mark = (ok: boolean) => (ok ? 'yes' : '**no**');

function table(results: DatabaseResults[]): string {
  const lines = ['| database | measure | result | target | met |', '|---|---|---|---|---|'];
  for (const r of results) {
    const db = `${r.mode} (${r.data.collisions.toLocaleString('en-GB')} collisions, ${r.data.segments.toLocaleString('en-GB')} segments, ${r.data.junctions.toLocaleString('en-GB')} junctions)`;
    const sites = Object.entries(r.fullRun.sites).map(([u, n]) => `${n.toLocaleString('en-GB')} ${u}s`).join(', ');
    const pg = r.mode === 'postgresql';
    lines.push(`| ${db} | full scoring run (${sites}) | ${r.fullRun.seconds} s | ≤ ${TARGETS.fullRunS} s | ${pg ? mark(r.fullRun.seconds <= TARGETS.fullRunS) : '—'} |`);
    lines.push(
      `| | rescore Preston with a filter, p50 / p95 / max of ${r.rescore.latency.n} (${Math.min(...r.rescore.collisionsPerRun)}–${Math.max(...r.rescore.collisionsPerRun)} collisions, ${r.rescore.sitesPerRun.toLocaleString('en-GB')} sites) | ${r.rescore.latency.p50Ms} / ${r.rescore.latency.p95Ms} / ${r.rescore.latency.maxMs} ms | p95 ≤ ${TARGETS.rescoreP95Ms} ms | ${pg ? mark(r.rescore.latency.p95Ms <= TARGETS.rescoreP95Ms) : '—'} |`,
    );
    lines.push(
      `| | clusters over all collisions (eps 50 m, 7 points; ${r.clusters.clusters.toLocaleString('en-GB')} clusters), p50 of ${r.clusters.latency.n} | ${round(r.clusters.latency.p50Ms / 1000, 2)} s | ≤ ${TARGETS.clustersS} s | ${pg ? mark(r.clusters.latency.p50Ms <= TARGETS.clustersS * 1000) : '—'} |`,
    );
    if (r.tiles) {
      lines.push(
        `| | hotspot tiles z10–z16, cold, p50 / p95 / max of ${r.tiles.cold.n} (${r.tiles.empty} empty, largest ${round(r.tiles.maxBytes / 1024)} KB) | ${r.tiles.cold.p50Ms} / ${r.tiles.cold.p95Ms} / ${r.tiles.cold.maxMs} ms | p95 ≤ ${TARGETS.tileP95Ms} ms | ${pg ? mark(r.tiles.cold.p95Ms <= TARGETS.tileP95Ms && r.tiles.errors === 0) : '—'} |`,
      );
    } else {
      lines.push(`| | hotspot tiles | failed: ${r.tilesError} | p95 ≤ ${TARGETS.tileP95Ms} ms | ${pg ? mark(false) : '—'} |`);
    }
  }
  return lines.join('\n');
}

function stagesTable(results: DatabaseResults[]): string {
  const stages = [...new Set(results.flatMap((r) => Object.keys(r.fullRun.stagesMs)))].filter((s) => s !== 'starting' && s !== 'total');
  const lines = [`| full-run stage | ${results.map((r) => `${r.mode} ms`).join(' | ')} |`, `|---|${results.map(() => '---').join('|')}|`];
  for (const stage of stages) lines.push(`| ${stage} | ${results.map((r) => r.fullRun.stagesMs[stage] ?? '').join(' | ')} |`);
  return lines.join('\n');
}

const writeDocs = (section: string) => writeBenchmarkSection('hotspots-bench', section);

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      collisions: { type: 'string', default: '500000' },
      segments: { type: 'string', default: '50000' },
      repetitions: { type: 'string', default: '20' },
      tiles: { type: 'string', default: '200' },
      'embedded-collisions': { type: 'string', default: '50000' },
      'embedded-segments': { type: 'string', default: '10000' },
      'skip-embedded': { type: 'boolean', default: false },
      'skip-postgresql': { type: 'boolean', default: false },
      'no-docs': { type: 'boolean', default: false },
    },
  });
  const started = Date.now();
  const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/roadsafe_bench';
  const results: DatabaseResults[] = [];
  const loadAverage = os.loadavg().map((v) => round(v, 2));

  if (!values['skip-postgresql']) {
    await ensurePostgresDatabase(url);
    const db = await openDatabase({ databaseUrl: url, dataDir: os.tmpdir() });
    try {
      results.push(await benchDatabase(db, 'postgresql', { collisions: Number(values.collisions), segments: Number(values.segments), repetitions: Number(values.repetitions), tiles: Number(values.tiles) }));
    } finally {
      await db.close();
    }
  }
  if (!values['skip-embedded']) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roadsafe-hotspots-bench-'));
    const db = await openDatabase({ dataDir: dir });
    try {
      results.push(
        await benchDatabase(db, 'embedded', {
          collisions: Number(values['embedded-collisions']),
          segments: Number(values['embedded-segments']),
          repetitions: Math.min(10, Number(values.repetitions)),
          tiles: Math.min(70, Number(values.tiles)),
        }),
      );
    } finally {
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  const date = new Date().toISOString().slice(0, 10);
  const machine = `${machineDescription()}; load average at start ${loadAverage.join(' / ')}`;
  const section = [
    `## Hotspots: latest run ${date}`,
    '',
    `Measured by \`npx tsx test/bench/hotspots.ts\` (issue 3). Machine: ${machine}. ${results.map((r) => `${r.mode}: PostGIS ${r.postgis}`).join('; ')}.`,
    '',
    'Data: the bench collisions (`test/bench/generate.ts`, resampled Lancashire 2023, dates 2019–2023) and a synthetic',
    'Lancashire road network (`test/bench/synthetic-osm.ts`) imported with `importRoadNetwork`. The full run ranks segments,',
    'junctions and sliding windows over the default 5-year period; a rescore is `runHotspots({scope: "rescore"})` for',
    'Preston with one filter (rotating pedestrian, cyclist, motorcyclist, young, child, KSI); clusters is `clusterCollisions`',
    '(the `/api/clusters` query); tiles are `/tiles/hotspots/{z}/{x}/{y}.mvt` from the app in-process, each tile once. The',
    'embedded database is benchmarked at a smaller size (the targets are for PostgreSQL).',
    '',
    table(results),
    '',
    stagesTable(results),
    '',
    `Total bench time ${round((Date.now() - started) / 1000)} s. Raw results: \`test/bench/out/hotspots-${date}.json\` (not committed).`,
  ].join('\n');
  fs.mkdirSync(DEFAULT_OUT_DIR, { recursive: true });
  fs.writeFileSync(path.join(DEFAULT_OUT_DIR, `hotspots-${date}.json`), JSON.stringify({ date, machine, results }, null, 2));
  process.stdout.write(`${section}\n`);
  if (!values['no-docs']) writeDocs(section);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
