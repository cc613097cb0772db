/**
 * `npm run bench`: the benchmarks of issue 2 §7 on a real PostgreSQL/PostGIS, plus the embedded one.
 *
 *   import   `roadsafe import stats19` of N generated collisions (with casualties and vehicles) into
 *            an empty migrated database, against the floor: `psql \copy` of the same CSVs into
 *            all-text staging tables. Peak RSS of the importer at 100k and at N shows whether memory
 *            grows with file size. The embedded database (PGlite in a temporary DATA_DIR) too.
 *   tiles    a fixed seeded set of z8–z16 collision tiles from the real server: each once (cold:
 *            latency and size), then autocannon cycling through them (warm: tiles/s, p95).
 *   summary  GET /api/collisions/summary with and without a district filter: cold, then repeated.
 *
 * Results go to test/bench/out/results-<date>.json, a markdown table to stdout, and docs/benchmarks.md.
 *
 * Options: --collisions N (500000)  --seed S  --embedded auto|full|subset|skip (auto)
 *          --tiles N (200)  --duration SECONDS (10)  --connections N (20)  --repetitions N (30)
 *          --reuse-db (skip the imports; benchmark tiles and summary on the database as it is)
 *          --no-docs (do not touch docs/benchmarks.md)
 * Environment: BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/roadsafe_bench); its database
 * name must contain "bench" because the importer benchmark drops and recreates it.
 */
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';
import autocannon from 'autocannon';
import { parse as parseCsv } from 'csv-parse';
import pg from 'pg';
import { openDatabase } from '../../server/db/database.ts';
import { migrateToLatest } from '../../server/db/migrate.ts';
import { DEFAULT_OUT_DIR, DEFAULT_SEED, ensureBenchData, HEADERS, progressPrinter, REPO_ROOT } from './generate.ts';
import { createRandom } from './random.ts';

// ---------------------------------------------------------------------------------------------
// Targets (issue 2 §7)

const TARGETS = {
  /** Importer time ÷ psql \copy floor. */
  importRatio: 2,
  coldTileP95Ms: 100,
  maxTileBytes: 500 * 1024,
  warmTilesPerSecond: 2000,
  summaryP95Ms: 500,
} as const;

/** Peak-RSS comparison size: memory at this size vs at N shows whether it grows with the file. */
const SMALL_IMPORT = 100_000;
/** Projected embedded import time (s) above which `--embedded auto` stops at the small size. */
const EMBEDDED_FULL_LIMIT_S = 300;
/** The district for the filtered summary: Preston, the Lancashire district with the most collisions. */
const SUMMARY_DISTRICT = 'E07000123';
/** Cold tile passes, each on a freshly started server. */
const COLD_PASSES_DEFAULT = 2;
/** A small static file of the built client, for the HTTP ceiling (`npm start` builds the client). */
const CEILING_PATH = '/favicon.svg';
const SUBPROCESS_TIMEOUT_MS = 15 * 60_000;

// ---------------------------------------------------------------------------------------------
// Small helpers

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Nearest-rank percentile of a list of numbers (p in 0–100). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

function latencyStats(ms: readonly number[]) {
  return { n: ms.length, p50Ms: round(percentile(ms, 50)), p95Ms: round(percentile(ms, 95)), maxMs: round(Math.max(...ms)) };
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** An environment for a child process: ours minus the service's own variables, plus `extra`. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['DATABASE_URL', 'DATA_DIR', 'PORT', 'HOST', 'LOG_LEVEL', 'DEMO_DATA']) delete env[name];
  return { ...env, ...extra };
}

const HAS_GNU_TIME = spawnSync('/usr/bin/time', ['-v', 'true'], { stdio: 'ignore' }).status === 0;

interface ProcessRun {
  exitCode: number | null;
  seconds: number;
  /** Peak resident set size of the process, MB (from /usr/bin/time -v, else /proc VmHWM polling). */
  peakRssMb: number | null;
  outputTail: string;
}

/** Runs a command to completion, timing it and recording its peak memory; output goes to logFile. */
async function runMeasured(command: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): Promise<ProcessRun> {
  const timeFile = `${logFile}.time`;
  const [cmd, cmdArgs] = HAS_GNU_TIME ? ['/usr/bin/time', ['-v', '-o', timeFile, command, ...args]] : [command, args];
  const out = fs.createWriteStream(logFile);
  const started = performance.now();
  const child = spawn(cmd, cmdArgs, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  // Each output line is logged with the seconds since the start, to see where an import spends its time.
  const keep = (chunk: Buffer) => {
    const at = ((performance.now() - started) / 1000).toFixed(1).padStart(6);
    const text = chunk.toString().replaceAll('\r', '\n');
    out.write(text.split('\n').filter((l) => l.trim()).map((l) => `${at}s ${l}\n`).join(''));
    tail = (tail + text).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let polledKb = 0;
  const poll = HAS_GNU_TIME
    ? undefined
    : setInterval(() => {
        try {
          const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
          polledKb = Math.max(polledKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
        } catch {
          // the process has exited
        }
      }, 100);
  const timer = setTimeout(() => child.kill('SIGTERM'), SUBPROCESS_TIMEOUT_MS);
  const exitCode: number | null = await new Promise((resolve) => child.once('close', (code) => resolve(code)));
  const seconds = (performance.now() - started) / 1000;
  clearTimeout(timer);
  if (poll) clearInterval(poll);
  out.end();
  let peakKb = polledKb;
  if (HAS_GNU_TIME && fs.existsSync(timeFile)) {
    const text = fs.readFileSync(timeFile, 'utf8');
    peakKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(text)?.[1] ?? 0);
    fs.rmSync(timeFile, { force: true });
  }
  return { exitCode, seconds: round(seconds, 2), peakRssMb: peakKb ? round(peakKb / 1024) : null, outputTail: tail.trim().split('\n').slice(-8).join('\n') };
}

// ---------------------------------------------------------------------------------------------
// Databases

/** Drops and recreates the bench database with PostGIS, then applies the migrations. */
async function recreateBenchDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  if (!/bench/i.test(name)) {
    throw new Error(`BENCH_DATABASE_URL names the database "${name}"; the benchmark drops and recreates it, so its name must contain "bench".`);
  }
  await withClient(withDatabase(url, 'postgres'), async (client) => {
    const quoted = `"${name.replaceAll('"', '""')}"`;
    await client.query(`DROP DATABASE IF EXISTS ${quoted} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${quoted}`);
  });
  await withClient(url, (client) => client.query('CREATE EXTENSION IF NOT EXISTS postgis'));
  const db = await openDatabase({ databaseUrl: url, dataDir: os.tmpdir() });
  try {
    await migrateToLatest(db.knex);
  } finally {
    await db.close();
  }
}

async function tableCounts(url: string): Promise<{ collisions: number; casualties: number; vehicles: number }> {
  return withClient(url, async (client) => {
    const { rows } = await client.query(
      'SELECT (SELECT count(*) FROM collisions) AS collisions, (SELECT count(*) FROM casualties) AS casualties, (SELECT count(*) FROM vehicles) AS vehicles',
    );
    const row = rows[0] as Record<string, string>;
    return { collisions: Number(row.collisions), casualties: Number(row.casualties), vehicles: Number(row.vehicles) };
  });
}

interface Files {
  collisions: string;
  casualties: string;
  vehicles: string;
}

interface ImportRun extends ProcessRun {
  collisions: number;
  rows: number;
  rowsPerSecond: number;
  counts?: { collisions: number; casualties: number; vehicles: number };
}

function lineCount(file: string): number {
  let count = 0;
  const buffer = Buffer.alloc(1 << 20);
  const fd = fs.openSync(file, 'r');
  try {
    for (let n = fs.readSync(fd, buffer); n > 0; n = fs.readSync(fd, buffer)) {
      for (let i = 0; i < n; i++) if (buffer[i] === 10) count++;
    }
  } finally {
    fs.closeSync(fd);
  }
  return count - 1; // header
}

/** `roadsafe import stats19` as a subprocess, timed, with its peak memory. */
async function timeImporter(files: Files, collisions: number, totalRows: number, env: Record<string, string>, label: string): Promise<ImportRun> {
  log(`import (${label}): roadsafe import stats19 of ${collisions.toLocaleString('en-GB')} collisions…`);
  const run = await runMeasured(
    process.execPath,
    ['bin/roadsafe.js', 'import', 'stats19', '--collisions', files.collisions, '--casualties', files.casualties, '--vehicles', files.vehicles],
    childEnv(env),
    path.join(DEFAULT_OUT_DIR, `import-${label}.log`),
  );
  if (run.exitCode !== 0) log(`import (${label}) exited with ${run.exitCode}:\n${run.outputTail}`);
  else log(`import (${label}): ${run.seconds} s, peak RSS ${run.peakRssMb} MB`);
  return { ...run, collisions, rows: totalRows, rowsPerSecond: Math.round(totalRows / run.seconds) };
}

/** The floor: psql \copy of the three CSVs into all-text staging tables (no parsing, no indexes). */
async function timeCopyFloor(url: string, files: Files, totalRows: number, label: string): Promise<ProcessRun & { rowsPerSecond: number }> {
  const tables = { collision: files.collisions, casualty: files.casualties, vehicle: files.vehicles } as const;
  await withClient(url, async (client) => {
    await client.query('DROP SCHEMA IF EXISTS bench_floor CASCADE');
    await client.query('CREATE SCHEMA bench_floor');
    for (const table of Object.keys(tables) as (keyof typeof HEADERS)[]) {
      const columns = HEADERS[table].split(',').map((c) => `"${c}" text`);
      await client.query(`CREATE TABLE bench_floor.${table} (${columns.join(', ')})`);
    }
  });
  const copies = Object.entries(tables).flatMap(([table, file]) => ['-c', `\\copy bench_floor.${table} FROM '${file.replaceAll("'", "''")}' WITH (FORMAT csv, HEADER true)`]);
  log(`floor (${label}): psql \\copy into text staging tables…`);
  const run = await runMeasured('psql', [url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', ...copies], childEnv({}), path.join(DEFAULT_OUT_DIR, `floor-${label}.log`));
  if (run.exitCode !== 0) throw new Error(`psql \\copy failed:\n${run.outputTail}`);
  await withClient(url, (client) => client.query('DROP SCHEMA bench_floor CASCADE'));
  log(`floor (${label}): ${run.seconds} s`);
  return { ...run, rowsPerSecond: Math.round(totalRows / run.seconds) };
}

/**
 * A second reference: only parsing the same files with csv-parse (the importer's parser) in this
 * process, no validation and no database. A Node importer cannot be faster than this.
 */
async function timeCsvParseOnly(files: Files): Promise<{ seconds: number; rows: number }> {
  log('csv-parse of the same files, nothing else…');
  const started = performance.now();
  let rows = 0;
  for (const file of [files.collisions, files.casualties, files.vehicles]) {
    for await (const _record of fs.createReadStream(file).pipe(parseCsv({ bom: true, from_line: 2 }))) rows++;
  }
  return { seconds: round((performance.now() - started) / 1000, 2), rows };
}

// ---------------------------------------------------------------------------------------------
// The server

interface RunningServer {
  url: string;
  /** CPU time the server process has used so far, ms (user + system). */
  cpuMs(): number;
  /** Time the server's main thread has spent runnable but waiting for a CPU, ms (Linux schedstat). */
  runQueueMs(): number;
  stop(): Promise<void>;
}

/** Time a process's main thread has waited on a run queue (runnable, no CPU free), ms; NaN where unknown. */
function processRunQueueMs(pid: number | undefined): number {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return NaN;
  }
}

/** CPU time (user + system) a process has used, ms, from /proc (Linux); NaN elsewhere. */
function processCpuMs(pid: number | undefined): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // After "pid (comm) ": state is field 3, utime 14 and stime 15 (1-based), in clock ticks (100/s on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

let serverChild: ReturnType<typeof spawn> | undefined;

/** Starts `node --import tsx server/main.ts` on the bench database and waits for /healthz. */
async function startServer(databaseUrl: string, dataDir: string): Promise<RunningServer> {
  // Pick a free ephemeral port (never 3000–3010) so the server can log at warn and stay quiet.
  const port = await freePort();
  const logFile = fs.createWriteStream(path.join(DEFAULT_OUT_DIR, 'server.log'));
  // BENCH_SERVER_ENTRY: another entry point that starts the service (for trying a change out).
  const child = spawn(process.execPath, ['--import', 'tsx', process.env.BENCH_SERVER_ENTRY || 'server/main.ts'], {
    cwd: REPO_ROOT,
    env: childEnv({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      DATA_DIR: dataDir,
      DEMO_DATA: 'false',
      LOG_LEVEL: 'warn',
      // A throwaway first admin, so the server does not print a generated password into the log.
      INITIAL_ADMIN_EMAIL: 'bench@example.com',
      INITIAL_ADMIN_PASSWORD: crypto.randomBytes(18).toString('base64url'),
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  serverChild = child;
  let output = '';
  let url = `http://127.0.0.1:${port}`;
  const onData = (chunk: Buffer) => {
    logFile.write(chunk);
    output = (output + chunk.toString()).slice(-4000);
    const listening = /listening on (http:\/\/\S+?)"/.exec(output);
    if (listening?.[1]) url = listening[1];
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    serverChild = undefined;
    logFile.end();
  };
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`The server exited with ${child.exitCode} while starting:\n${output}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return { url, stop, cpuMs: () => processCpuMs(child.pid), runQueueMs: () => processRunQueueMs(child.pid) };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await stop();
  throw new Error(`The server did not answer /healthz within 120 s:\n${output}`);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

interface Fetched {
  status: number;
  ms: number;
  /** Bytes on the wire (gzipped when the server gzipped). */
  wireBytes: number;
  /** Bytes of the body after decompression (for a tile: the MVT size). */
  bodyBytes: number;
}

/** One GET with Accept-Encoding: gzip, timed to the last byte. */
function timedGet(url: string): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.get(url, { agent, headers: { 'accept-encoding': 'gzip' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const ms = performance.now() - started;
        const wire = Buffer.concat(chunks);
        const body = res.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(wire) : wire;
        resolve({ status: res.statusCode ?? 0, ms, wireBytes: wire.length, bodyBytes: body.length });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

// ---------------------------------------------------------------------------------------------
// Tiles

/** Slippy-map tile (x, y) containing a WGS84 point at zoom z. */
export function tileOf(lon: number, lat: number, z: number): { x: number; y: number } {
  const n = 2 ** z;
  const x = Math.floor(((lon + 180) / 360) * n);
  const rad = (lat * Math.PI) / 180;
  const y = Math.floor(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * n);
  return { x: Math.min(n - 1, Math.max(0, x)), y: Math.min(n - 1, Math.max(0, y)) };
}

/**
 * A fixed seeded set of collision tiles at z8–z16, each centred on a generated collision (so it has
 * data): about the same number per zoom, fewer at the low zooms where Lancashire spans few tiles.
 */
function chooseTiles(collisionsFile: string, count: number, seed: number): { z: number; x: number; y: number }[] {
  const lines = fs.readFileSync(collisionsFile, 'utf8').split('\n');
  const header = lines[0]!.split(',');
  const lonAt = header.indexOf('longitude');
  const latAt = header.indexOf('latitude');
  const rows = lines.length - 2; // header and the trailing newline
  const rng = createRandom(seed);
  const zooms = [8, 9, 10, 11, 12, 13, 14, 15, 16];
  const seen = new Set<string>();
  const tiles: { z: number; x: number; y: number }[] = [];
  for (let zi = 0; zi < zooms.length; zi++) {
    const z = zooms[zi]!;
    const want = Math.round(((count - tiles.length) / (zooms.length - zi)));
    let got = 0;
    for (let attempt = 0; attempt < 2000 && got < want; attempt++) {
      const cells = lines[1 + rng.int(0, rows - 1)]!.split(',');
      const { x, y } = tileOf(Number(cells[lonAt]), Number(cells[latAt]), z);
      const key = `${z}/${x}/${y}`;
      if (seen.has(key)) continue;
      seen.add(key);
      tiles.push({ z, x, y });
      got++;
    }
  }
  return tiles;
}

interface TileColdResult {
  tiles: number;
  /** Cold passes, each on a freshly started server (so each tile is a first request in each). */
  passes: number;
  /** p95 of each pass alone, ms: how much the (shared, noisy) machine moved between passes. */
  passP95Ms: number[];
  byStatus: Record<string, number>;
  /** Over every request of every pass. */
  latency: ReturnType<typeof latencyStats>;
  maxTileBytes: number;
  maxWireBytes: number;
  /** Mean gzipped size, bytes. */
  meanWireBytes: number;
  largest: string;
  byZoom: Record<string, { tiles: number; p95Ms: number; maxMs: number; maxTileBytes: number }>;
}

interface TileSample extends Fetched {
  path: string;
}

/** Requests each tile once, one after another. */
async function coldPass(base: string, paths: string[]): Promise<TileSample[]> {
  log(`tiles cold: ${paths.length} tiles, each once…`);
  const samples: TileSample[] = [];
  for (const p of paths) samples.push({ path: p, ...(await timedGet(base + p)) });
  return samples;
}

function summariseCold(passes: TileSample[][]): TileColdResult {
  const all = passes.flat();
  const byStatus: Record<string, number> = {};
  const byZoomMs: Record<string, number[]> = {};
  const byZoomBytes: Record<string, number> = {};
  let largest = all[0]!;
  for (const r of all) {
    byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    const z = r.path.split('/')[3]!;
    (byZoomMs[z] ??= []).push(r.ms);
    byZoomBytes[z] = Math.max(byZoomBytes[z] ?? 0, r.bodyBytes);
    if (r.bodyBytes > largest.bodyBytes) largest = r;
  }
  const byZoom = Object.fromEntries(
    Object.entries(byZoomMs).map(([z, list]) => [
      z,
      { tiles: list.length / passes.length, p95Ms: round(percentile(list, 95)), maxMs: round(Math.max(...list)), maxTileBytes: byZoomBytes[z]! },
    ]),
  );
  return {
    tiles: passes[0]!.length,
    passes: passes.length,
    passP95Ms: passes.map((pass) => round(percentile(pass.map((r) => r.ms), 95))),
    byStatus,
    latency: latencyStats(all.map((r) => r.ms)),
    maxTileBytes: largest.bodyBytes,
    maxWireBytes: Math.max(...all.map((r) => r.wireBytes)),
    meanWireBytes: Math.round(all.reduce((sum, r) => sum + r.wireBytes, 0) / all.length),
    largest: largest.path,
    byZoom,
  };
}

interface WarmResult {
  connections: number;
  durationS: number;
  requests: number;
  tilesPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  non2xx: number;
  errors: number;
  /** Response bytes per second on the wire, MB. */
  mbPerSecond: number;
  /** The server process's CPU use over the run (100 = one core busy). */
  serverCpuPercent: number;
  serverCpuMsPerRequest: number;
  /** Share of the run the server's main thread was ready to run but waited for a CPU (a busy machine). */
  serverRunQueuePercent: number;
  /** This process's CPU use (autocannon and the driver). */
  loadGeneratorCpuPercent: number;
}

async function benchTilesWarm(server: RunningServer, paths: string[], connections: number, duration: number): Promise<WarmResult> {
  log(`warm: autocannon on ${paths.length} URL(s), ${connections} connections for ${duration} s…`);
  const base = server.url;
  const cpuBefore = server.cpuMs();
  const waitBefore = server.runQueueMs();
  const ownCpuBefore = process.cpuUsage();
  let next = 0;
  const latencies: number[] = [];
  const instance = autocannon({
    url: base,
    connections,
    duration,
    headers: { 'accept-encoding': 'gzip' },
    // One request template whose path walks the tile list, shared by all connections.
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: paths[next++ % paths.length]! }) }],
  });
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => latencies.push(responseTime));
  const result = await instance;
  const serverCpuMs = server.cpuMs() - cpuBefore;
  const serverWaitMs = server.runQueueMs() - waitBefore;
  const ownCpu = process.cpuUsage(ownCpuBefore);
  const seconds = result.duration || duration;
  return {
    connections,
    durationS: round(seconds, 1),
    requests: result.requests.total,
    tilesPerSecond: Math.round(result.requests.total / seconds),
    p50Ms: round(percentile(latencies, 50)),
    p95Ms: round(percentile(latencies, 95)),
    maxMs: round(Math.max(...latencies)),
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    mbPerSecond: round(result.throughput.total / seconds / 1e6, 1),
    serverCpuPercent: Math.round((100 * serverCpuMs) / (seconds * 1000)),
    serverCpuMsPerRequest: round(serverCpuMs / result.requests.total, 3),
    serverRunQueuePercent: Math.round((100 * serverWaitMs) / (seconds * 1000)),
    loadGeneratorCpuPercent: Math.round((100 * (ownCpu.user + ownCpu.system)) / 1000 / (seconds * 1000)),
  };
}

// ---------------------------------------------------------------------------------------------
// Summary

interface SummaryResult {
  path: string;
  status: number;
  coldMs: number;
  repeated: ReturnType<typeof latencyStats>;
  bytes: number;
}

async function benchSummary(base: string, p: string, repetitions: number): Promise<SummaryResult> {
  log(`summary: ${p} cold, then ${repetitions} times…`);
  const cold = await timedGet(base + p);
  const ms: number[] = [];
  for (let i = 0; i < repetitions; i++) ms.push((await timedGet(base + p)).ms);
  return { path: p, status: cold.status, coldMs: round(cold.ms), repeated: latencyStats(ms), bytes: cold.bodyBytes };
}

// ---------------------------------------------------------------------------------------------
// Machine and report

async function machineInfo(url: string) {
  const cpuinfo = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '';
  const versions = await withClient(url, async (client) => {
    const pgVersion = (await client.query('SHOW server_version')).rows[0].server_version as string;
    const postgis = (await client.query('SELECT postgis_lib_version() AS v')).rows[0].v as string;
    return { pgVersion, postgis };
  });
  return {
    cpus: os.availableParallelism(),
    cpuModel: /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown',
    memoryGb: round(os.totalmem() / 1024 ** 3),
    loadAverage: os.loadavg().map((l) => round(l, 2)),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    postgresql: versions.pgVersion,
    postgis: versions.postgis,
  };
}

const mark = (ok: boolean | undefined) => (ok === undefined ? '–' : ok ? '✅ met' : '❌ missed');

type Results = Awaited<ReturnType<typeof runBenchmarks>>;

function markdownTable(r: Results): string {
  const lines = ['| benchmark | measured | target | result |', '|---|---|---|---|'];
  const imp = r.import;
  if (imp?.postgis && imp.floor) {
    const ratio = imp.postgis.seconds / imp.floor.seconds;
    lines.push(
      `| import ${imp.collisions.toLocaleString('en-GB')} collisions (${imp.rows.toLocaleString('en-GB')} rows), PostGIS | ${imp.postgis.exitCode === 0 ? `${imp.postgis.seconds} s, ${imp.postgis.rowsPerSecond.toLocaleString('en-GB')} rows/s` : `failed (exit ${imp.postgis.exitCode})`} | | |`,
      `| floor: psql \\copy into text tables | ${imp.floor.seconds} s, ${imp.floor.rowsPerSecond.toLocaleString('en-GB')} rows/s | | |`,
      `| import ÷ floor | ${round(ratio, 2)}× | ≤ ${TARGETS.importRatio}× | ${mark(imp.postgis.exitCode === 0 ? ratio <= TARGETS.importRatio : false)} |`,
      `| context: csv-parse of the same files in Node, nothing else | ${imp.csvParseOnly.seconds} s (${round(imp.csvParseOnly.seconds / imp.floor.seconds, 2)}× the floor) | | |`,
    );
    if (imp.small?.postgis && imp.small.floor) {
      lines.push(
        `| import ${SMALL_IMPORT.toLocaleString('en-GB')} collisions, PostGIS (floor) | ${imp.small.postgis.seconds} s (${imp.small.floor.seconds} s), ${round(imp.small.postgis.seconds / imp.small.floor.seconds, 2)}× | | |`,
      );
    }
    const smallRss = imp.small?.postgis.peakRssMb;
    if (imp.small) {
      lines.push(
        `| importer peak RSS, ${SMALL_IMPORT.toLocaleString('en-GB')} → ${imp.collisions.toLocaleString('en-GB')} collisions | ${smallRss ?? '?'} MB → ${imp.postgis.peakRssMb ?? '?'} MB | flat | ${mark(smallRss && imp.postgis.peakRssMb ? imp.postgis.peakRssMb < smallRss * 1.5 : undefined)} |`,
      );
    }
  }
  for (const e of imp?.embedded ?? []) {
    lines.push(
      `| import ${e.collisions.toLocaleString('en-GB')} collisions, embedded (PGlite) | ${e.exitCode === 0 ? `${e.seconds} s (of which ≈ ${e.openSeconds} s opening PGlite), ${e.rowsPerSecond.toLocaleString('en-GB')} rows/s, peak RSS ${e.peakRssMb} MB` : `failed (exit ${e.exitCode})`} | (report) | |`,
    );
  }
  if (r.tiles?.cold) {
    const c = r.tiles.cold;
    lines.push(
      `| tiles cold, ${c.tiles} tiles z8–z16 × ${c.passes} fresh servers: p50 / p95 / max (p95 per pass) | ${c.latency.p50Ms} / ${c.latency.p95Ms} / ${c.latency.maxMs} ms (${c.passP95Ms.join(', ')}) | p95 ≤ ${TARGETS.coldTileP95Ms} ms | ${mark(c.latency.p95Ms <= TARGETS.coldTileP95Ms)} |`,
      `| largest tile (uncompressed MVT) | ${round(c.maxTileBytes / 1024)} KB (${c.largest}) | ≤ 500 KB | ${mark(c.maxTileBytes <= TARGETS.maxTileBytes)} |`,
    );
  }
  if (r.tiles?.warm) {
    const w = r.tiles.warm;
    lines.push(
      `| tiles warm, autocannon ${w.connections} connections ${w.durationS} s | ${w.tilesPerSecond.toLocaleString('en-GB')} tiles/s (${w.mbPerSecond} MB/s), p95 ${w.p95Ms} ms; server CPU ${w.serverCpuPercent}% (waiting for a CPU ${w.serverRunQueuePercent}%), ${w.serverCpuMsPerRequest} ms/tile${w.non2xx || w.errors ? `, ${w.non2xx} non-2xx, ${w.errors} errors` : ''} | ≥ ${TARGETS.warmTilesPerSecond.toLocaleString('en-GB')}/s | ${mark(w.tilesPerSecond >= TARGETS.warmTilesPerSecond && w.non2xx === 0)} |`,
    );
  }
  if (r.tiles?.httpCeiling) {
    const c = r.tiles.httpCeiling;
    lines.push(
      `| context: same load on \`${CEILING_PATH}\` (static, no database) | ${c.requestsPerSecond.toLocaleString('en-GB')} requests/s, p95 ${c.p95Ms} ms; server CPU ${c.serverCpuPercent}% (waiting for a CPU ${c.serverRunQueuePercent}%), ${c.serverCpuMsPerRequest} ms/request | | |`,
    );
  }
  for (const s of r.summary ?? []) {
    lines.push(
      `| \`${s.path}\`: cold; p50 / p95 / max of ${s.repeated.n} | ${s.status === 200 ? `${s.coldMs} ms; ${s.repeated.p50Ms} / ${s.repeated.p95Ms} / ${s.repeated.maxMs} ms` : `HTTP ${s.status}`} | p95 ≤ ${TARGETS.summaryP95Ms} ms | ${mark(s.status === 200 ? s.repeated.p95Ms <= TARGETS.summaryP95Ms : false)} |`,
    );
  }
  return lines.join('\n');
}

function machineLine(m: Results['machine']): string {
  return `${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGb} GB RAM, ${m.os}; Node ${m.node}; PostgreSQL ${m.postgresql}, PostGIS ${m.postgis}; load average at start ${m.loadAverage.join(' / ')}`;
}

const DOC_START = '<!-- bench:results:start -->';
const DOC_END = '<!-- bench:results:end -->';

/** Replaces the generated part of docs/benchmarks.md (between the markers), keeping the rest. */
function updateDocs(r: Results, table: string): string {
  const file = path.join(REPO_ROOT, 'docs/benchmarks.md');
  const notes = r.notes.length ? `\nNotes from this run:\n${r.notes.map((n) => `- ${n}`).join('\n')}\n` : '';
  const zooms = r.tiles?.cold
    ? `\nCold tiles by zoom (p95 ms / max ms / largest uncompressed tile):\n\n| z | tiles | p95 ms | max ms | largest KB |\n|---|---|---|---|---|\n${Object.entries(r.tiles.cold.byZoom)
        .map(([z, s]) => `| ${z} | ${s.tiles} | ${s.p95Ms} | ${s.maxMs} | ${round(s.maxTileBytes / 1024)} |`)
        .join('\n')}\n`
    : '';
  const generated = [
    DOC_START,
    `## Latest run: ${r.date}`,
    '',
    `Machine: ${machineLine(r.machine)}.`,
    '',
    `Data: ${r.data.collisions.toLocaleString('en-GB')} collisions, ${r.data.casualties.toLocaleString('en-GB')} casualties, ${r.data.vehicles.toLocaleString('en-GB')} vehicles (seed ${r.seed}). Total bench time ${r.totalSeconds} s.` +
      (r.tiles ? ` Load average when the HTTP benchmarks started: ${r.tiles.loadAverageAtStart.join(' / ')}.` : ''),
    '',
    table,
    zooms,
    notes,
    `Raw results: \`test/bench/out/results-${r.date}.json\` (not committed).`,
    DOC_END,
  ].join('\n');
  const intro = `# Benchmarks

What issue 2 §7 asks of the service, measured by \`npm run bench\` (\`test/bench/run.ts\`). Everything
above the results is rewritten by each run; notes below them are kept.

- **Data**: \`test/bench/generate.ts\` resamples the real Lancashire 2023 collisions
  (\`demo-data/\`) with a seeded generator (\`test/bench/random.ts\`, sfc32): each collision keeps its
  source row's codes, gets a new index, a date in 2019–2023 and a location jittered by up to ±200 m
  (lon/lat moved consistently); casualties and vehicles are synthesised to match
  \`number_of_casualties\`, \`number_of_vehicles\` and the severity, with a GB-like mix of road users
  and ages. Files are DfT CSVs in the 2024 layout. The same seed gives byte-identical files, and a
  smaller N gives the first rows of a larger one (\`test/bench/generate.test.ts\`).
- **Import**: \`node bin/roadsafe.js import stats19 --collisions … --casualties … --vehicles …\` as a
  subprocess into an empty, migrated database, against the floor: \`psql \\copy\` of the same three
  files into all-text staging tables with no indexes. Peak RSS from \`/usr/bin/time -v\`, at 100k
  and at the full size. The embedded database is the same command with \`DATA_DIR\` set to a fresh
  (migrated) directory and no \`DATABASE_URL\`; its time includes opening PGlite. Each import's
  output, with timestamps, is in \`test/bench/out/import-*.log\`.
- **Tiles**: the real server (\`node --import tsx server/main.ts\`, \`LOG_LEVEL=warn\`) on the imported
  database after \`VACUUM ANALYZE\`; a fixed seeded set of z8–z16 collision tiles, each centred on a
  generated collision. *Cold*: each tile once, on ${COLD_PASSES_DEFAULT} freshly started servers (the tile cache
  is per process; PostgreSQL's buffers stay warm, so this is "first request after a start", not "cold
  disk"). *Warm*: autocannon cycling through the same URLs with \`Accept-Encoding: gzip\`, which
  mostly measures the server's tile cache and HTTP stack. For reading that number the same load runs
  on a small static file (\`${CEILING_PATH}\`: the whole middleware stack, no database), and the server's
  CPU time per request and the share of time its main thread waited for a CPU (Linux
  \`/proc/<pid>/schedstat\`) are recorded: on a busy machine that wait, not the code, caps throughput.
- **Summary**: \`GET /api/collisions/summary\` with no filter and with \`district=${SUMMARY_DISTRICT}\`
  (Preston), the first request, then repeated.
- Client, server and PostgreSQL share the machine; ratios within one run are more trustworthy than
  absolute numbers across runs (the machine is shared and noisy: see the load average).

## How to rerun

\`\`\`sh
# PostgreSQL with PostGIS on 127.0.0.1:5432 (or set BENCH_DATABASE_URL; its name must contain "bench")
npm run bench                                  # 500k collisions; data generated on first run (test/bench/out/)
npm run bench -- --collisions 100000           # smaller
npm run bench -- --embedded skip --no-docs     # skip the embedded import, leave this file alone
npm run bench -- --reuse-db                    # tiles and summary only, on the database as it is
npx tsx test/bench/generate.ts --collisions 1000 --seed 7   # just the CSV files
\`\`\`

Other options: \`--seed\`, \`--tiles N\` (200), \`--cold-passes N\` (${COLD_PASSES_DEFAULT}), \`--duration S\` (10),
\`--connections N\` (20), \`--repetitions N\` (30), \`--embedded auto|full|subset|skip\` (auto: 100k, then
the full size if that projects under ${EMBEDDED_FULL_LIMIT_S} s). A full run takes about 7 minutes on 2 cores.

`;
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const after = text.includes(DOC_END) ? text.slice(text.indexOf(DOC_END) + DOC_END.length) : '\n';
  fs.writeFileSync(file, intro + generated + after);
  return file;
}

// ---------------------------------------------------------------------------------------------
// The run

interface Options {
  collisions: number;
  seed: number;
  embedded: 'auto' | 'full' | 'subset' | 'skip';
  tiles: number;
  coldPasses: number;
  duration: number;
  connections: number;
  repetitions: number;
  reuseDb: boolean;
  databaseUrl: string;
}

async function runBenchmarks(o: Options) {
  const started = performance.now();
  const notes: string[] = [];
  fs.mkdirSync(DEFAULT_OUT_DIR, { recursive: true });

  // Data: N collisions, and a 100k prefix (same seed, so the same first 100k collisions).
  const big = await ensureBenchData({ collisions: o.collisions, seed: o.seed, onProgress: progressPrinter(`generating ${o.collisions} collisions`) });
  const smallSize = Math.min(SMALL_IMPORT, o.collisions);
  const small = await ensureBenchData({ collisions: smallSize, seed: o.seed, onProgress: progressPrinter(`generating ${smallSize} collisions`) });
  const rowsOf = (f: Files) => ({ collisions: lineCount(f.collisions), casualties: lineCount(f.casualties), vehicles: lineCount(f.vehicles) });
  const data = rowsOf(big);
  const smallData = rowsOf(small);
  const total = (d: typeof data) => d.collisions + d.casualties + d.vehicles;
  log(`data: ${JSON.stringify(data)} (${big.generated ? 'generated' : 'reused'})`);

  // Make sure the database server is there (and PostGIS with it) before anything long.
  await withClient(withDatabase(o.databaseUrl, 'postgres'), (client) => client.query('SELECT 1'));

  let importResult:
    | {
        collisions: number;
        rows: number;
        postgis: ImportRun;
        floor: ProcessRun & { rowsPerSecond: number };
        csvParseOnly: { seconds: number; rows: number };
        small?: { postgis: ImportRun; floor: ProcessRun & { rowsPerSecond: number } };
        embedded: (ImportRun & { openSeconds: number })[];
      }
    | undefined;

  if (!o.reuseDb) {
    const importerExists = fs.existsSync(path.join(REPO_ROOT, 'server/collisions/stats19/import.ts'));
    if (!importerExists) notes.push('The importer (server/collisions/stats19/import.ts) does not exist yet.');
    const env = { DATABASE_URL: o.databaseUrl, LOG_LEVEL: 'warn' };

    // 100k first (for the memory comparison), then N, which stays in the database for the HTTP benchmarks.
    let smallRuns: { postgis: ImportRun; floor: ProcessRun & { rowsPerSecond: number } } | undefined;
    if (smallSize < o.collisions) {
      await recreateBenchDatabase(o.databaseUrl);
      const floor = await timeCopyFloor(o.databaseUrl, small, total(smallData), `${smallSize}`);
      const postgis = await timeImporter(small, smallSize, total(smallData), env, `postgis-${smallSize}`);
      smallRuns = { postgis, floor };
    }
    await recreateBenchDatabase(o.databaseUrl);
    const floor = await timeCopyFloor(o.databaseUrl, big, total(data), `${o.collisions}`);
    const csvParseOnly = await timeCsvParseOnly(big);
    const postgis = await timeImporter(big, o.collisions, total(data), env, `postgis-${o.collisions}`);
    if (postgis.exitCode === 0) {
      // Districts too (not timed), as a deployed database has them: summary names, districts layer.
      const districts = await runMeasured(
        process.execPath,
        ['bin/roadsafe.js', 'import', 'districts', 'demo-data/lancashire-lad-2017.geojson'],
        childEnv(env),
        path.join(DEFAULT_OUT_DIR, 'import-districts.log'),
      );
      if (districts.exitCode !== 0) notes.push(`Importing the districts failed (exit ${districts.exitCode}): ${districts.outputTail}`);
      postgis.counts = await tableCounts(o.databaseUrl);
      if (postgis.counts.collisions !== data.collisions || postgis.counts.casualties !== data.casualties || postgis.counts.vehicles !== data.vehicles) {
        notes.push(`After the import the database holds ${JSON.stringify(postgis.counts)}, the files ${JSON.stringify(data)}.`);
      }
    }

    // Embedded: a fresh PGlite in a temporary DATA_DIR, migrated beforehand (not timed).
    const embedded: (ImportRun & { openSeconds: number })[] = [];
    const embeddedImport = async (files: Files & { generated?: boolean }, size: number, rows: number) => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roadsafe-bench-embedded-'));
      try {
        log(`embedded: preparing a migrated PGlite in ${dataDir}…`);
        const db = await openDatabase({ dataDir });
        await migrateToLatest(db.knex);
        await db.close();
        // What opening an existing PGlite costs (the CLI pays it too): part of the import time below.
        const opening = performance.now();
        await (await openDatabase({ dataDir })).close();
        const openSeconds = round((performance.now() - opening) / 1000, 2);
        const run = { ...(await timeImporter(files, size, rows, { DATA_DIR: dataDir, LOG_LEVEL: 'warn' }, `embedded-${size}`)), openSeconds };
        embedded.push(run);
        return run;
      } finally {
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    };
    if (o.embedded !== 'skip' && importerExists) {
      if (o.embedded === 'full') {
        await embeddedImport(big, o.collisions, total(data));
      } else {
        const first = await embeddedImport(small, smallSize, total(smallData));
        const projected = (first.seconds * o.collisions) / smallSize;
        if (o.embedded === 'auto' && smallSize < o.collisions && first.exitCode === 0 && projected <= EMBEDDED_FULL_LIMIT_S) {
          await embeddedImport(big, o.collisions, total(data));
        } else if (smallSize < o.collisions) {
          notes.push(
            `Embedded import measured on the first ${smallSize.toLocaleString('en-GB')} collisions only (${o.embedded === 'subset' ? '--embedded subset' : `projected ${Math.round(projected)} s for ${o.collisions.toLocaleString('en-GB')}, over the ${EMBEDDED_FULL_LIMIT_S} s budget`}).`,
          );
        }
      }
    }
    importResult = { collisions: o.collisions, rows: total(data), postgis, floor, csvParseOnly, small: smallRuns, embedded };
  }

  // HTTP benchmarks on the PostGIS database as the import left it (plus statistics, as autovacuum would).
  const counts = await tableCounts(o.databaseUrl).catch(() => undefined);
  let tiles: { loadAverageAtStart: number[]; cold: TileColdResult; warm: WarmResult; httpCeiling?: { requestsPerSecond: number; p95Ms: number; serverCpuMsPerRequest: number; serverCpuPercent: number; serverRunQueuePercent: number } } | undefined;
  let summary: SummaryResult[] | undefined;
  if (!counts || counts.collisions === 0) {
    notes.push('The bench database has no collisions (import missing or failed), so tiles and summary were not measured.');
  } else {
    await withClient(o.databaseUrl, async (client) => {
      for (const table of ['collisions', 'casualties', 'vehicles']) await client.query(`VACUUM ANALYZE ${table}`);
    });
    const tileList = chooseTiles(big.collisions, o.tiles, o.seed);
    const paths = tileList.map((t) => `/tiles/collisions/${t.z}/${t.x}/${t.y}.mvt`);
    const loadAverageAtStart = os.loadavg().map((l) => round(l, 2));
    const passes: TileSample[][] = [];
    const serverDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roadsafe-bench-server-'));
    try {
      // Cold passes on fresh servers (the tile cache is per process); the last server stays for the rest.
      let server: RunningServer | undefined;
      for (let pass = 1; pass <= o.coldPasses; pass++) {
        await server?.stop();
        log(`starting the server (cold pass ${pass} of ${o.coldPasses})…`);
        server = await startServer(o.databaseUrl, serverDataDir);
        passes.push(await coldPass(server.url, paths));
      }
      try {
        const warm = await benchTilesWarm(server!, paths, o.connections, o.duration);
        // The same load on a small static file (the whole middleware stack, no database, no log
        // line): the HTTP stack's own ceiling on this machine, for reading the warm number.
        let httpCeiling: NonNullable<typeof tiles>['httpCeiling'];
        if (fs.existsSync(path.join(REPO_ROOT, 'client/dist', CEILING_PATH))) {
          log(`HTTP ceiling: the same load on ${CEILING_PATH}…`);
          const ceiling = await benchTilesWarm(server!, [CEILING_PATH], o.connections, Math.min(o.duration, 5));
          httpCeiling = {
            requestsPerSecond: ceiling.tilesPerSecond,
            p95Ms: ceiling.p95Ms,
            serverCpuMsPerRequest: ceiling.serverCpuMsPerRequest,
            serverCpuPercent: ceiling.serverCpuPercent,
            serverRunQueuePercent: ceiling.serverRunQueuePercent,
          };
        } else {
          notes.push(`No HTTP ceiling measured: client/dist${CEILING_PATH} is missing (run npm run build:client).`);
        }
        tiles = { loadAverageAtStart, cold: summariseCold(passes), warm, httpCeiling };
        summary = [];
        for (const p of ['/api/collisions/summary', `/api/collisions/summary?district=${SUMMARY_DISTRICT}`]) {
          summary.push(await benchSummary(server!.url, p, o.repetitions));
        }
      } finally {
        await server?.stop();
      }
    } finally {
      fs.rmSync(serverDataDir, { recursive: true, force: true });
    }
  }

  const machine = await machineInfo(o.databaseUrl);
  return {
    date: new Date().toISOString().slice(0, 10),
    startedAt: new Date(Date.now() - (performance.now() - started)).toISOString(),
    seed: o.seed,
    targets: TARGETS,
    machine,
    data,
    import: importResult,
    tiles,
    summary,
    notes,
    totalSeconds: Math.round((performance.now() - started) / 1000),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      collisions: { type: 'string', default: '500000' },
      seed: { type: 'string', default: String(DEFAULT_SEED) },
      embedded: { type: 'string', default: 'auto' },
      tiles: { type: 'string', default: '200' },
      'cold-passes': { type: 'string', default: String(COLD_PASSES_DEFAULT) },
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '20' },
      repetitions: { type: 'string', default: '30' },
      'reuse-db': { type: 'boolean', default: false },
      'no-docs': { type: 'boolean', default: false },
    },
  });
  const positive = (name: string, raw: string | undefined) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive whole number, got "${raw}".`);
    return n;
  };
  if (!['auto', 'full', 'subset', 'skip'].includes(values.embedded!)) throw new Error(`--embedded must be auto, full, subset or skip, got "${values.embedded}".`);
  const options: Options = {
    collisions: positive('collisions', values.collisions),
    seed: Number(values.seed),
    embedded: values.embedded as Options['embedded'],
    tiles: positive('tiles', values.tiles),
    coldPasses: positive('cold-passes', values['cold-passes']),
    duration: positive('duration', values.duration),
    connections: positive('connections', values.connections),
    repetitions: positive('repetitions', values.repetitions),
    reuseDb: values['reuse-db']!,
    databaseUrl: process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/roadsafe_bench',
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      serverChild?.kill('SIGTERM');
      process.exit(130);
    });
  }

  const results = await runBenchmarks(options);
  const resultsFile = path.join(DEFAULT_OUT_DIR, `results-${results.date}.json`);
  fs.writeFileSync(resultsFile, JSON.stringify(results, null, 2) + '\n');
  const table = markdownTable(results);
  console.log(`\n${machineLine(results.machine)}\n\n${table}\n`);
  for (const note of results.notes) console.log(`- ${note}`);
  console.log(`\nResults: ${path.relative(REPO_ROOT, resultsFile)}`);
  if (!values['no-docs']) console.log(`Updated ${path.relative(REPO_ROOT, updateDocs(results, table))}`);
  agent.destroy();
}

await main().catch((err: unknown) => {
  serverChild?.kill('SIGTERM');
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
