/**
 * `importRoadNetwork`: an OpenStreetMap extract (`.osm.pbf`, `.osm`, `.osm.gz`) → the routable
 * road graph (`road_nodes`, `road_edges`) and the scoring segments (`road_segments`), EPSG:27700.
 *
 * Memory does not grow with the file, only with the road network kept:
 * 1. pass 1 streams the file and keeps the highway ways of the kept classes: their interpreted
 *    tags and node ids (typed arrays);
 * 2. the node ids those ways use become one sorted Float64Array;
 * 3. pass 2 streams the file again and keeps only those nodes' positions (binary search per node;
 *    when pass 1 saw every node before the first way — the usual order — pass 2 stops there);
 * 4. the graph is built in Node (graph.ts): edges between graph nodes, degrees, urban flags;
 * 5. one transaction replaces the network: staging by COPY (PostgreSQL) or batched INSERT … unnest
 *    (the embedded database, which cannot take COPY), then DELETE the old rows and INSERT the new
 *    ones, with the WGS84 → EPSG:27700 transform, lengths (metres, British National Grid), travel
 *    times, districts and segments computed by PostGIS. Readers see the old network until the
 *    commit; any failure leaves it as it was. DELETE rather than TRUNCATE, because TRUNCATE's lock
 *    would block readers for the whole import.
 *
 * Edge and segment ids are numbered from 1 in a fixed order (way id, then along the way), so
 * importing the same file again gives the same ids (and hotspot site ids `seg:<id>` stay stable).
 */
import path from 'node:path';
import type { Knex } from 'knex';
import { copyFrom, copyTextField } from '../db/copy-from.ts';
import { bumpDataVersion } from '../db/data-versions.ts';
import { buildGraph, edgeCount, NodeTable, urbanFlags, WayStore, type RoadGraph } from './graph.ts';
import { checkOsmFile, OsmFileError, readOsm, type OsmFormat } from './osm-read.ts';
import { keptHighways, PATH_HIGHWAYS, roadClass, travelSpeedMph, type HighwayFilter, type WayAttributes, wayAttributes } from './tags.ts';

export { OsmFileError } from './osm-read.ts';

export interface RoadImportOptions extends HighwayFilter {
  /** Who ran it (kept in road_network_imports). */
  startedBy?: string;
  /** Longest scoring segment in urban areas, metres (default 100). */
  urbanSegmentM?: number;
  /** Longest scoring segment in rural areas, metres (default 200). */
  ruralSegmentM?: number;
  /** Progress: bytes read in each pass, then the storing steps. Awaited. */
  onProgress?: (progress: RoadImportProgress) => void | Promise<void>;
}

/** ways/nodes: the two passes over the file (bytes); graph: building in memory; the rest: the database transaction. */
export type RoadImportPhase = 'ways' | 'nodes' | 'graph' | 'staging' | 'replacing' | 'segments' | 'finishing';

export interface RoadImportProgress {
  phase: RoadImportPhase;
  /** Bytes of the file read in this pass (ways, nodes); 0 otherwise. */
  bytesRead: number;
  totalBytes: number;
  /** What this phase has done so far, e.g. "1234 highway ways". */
  detail: string;
}

export interface RoadImportResult {
  importId: number;
  file: string;
  format: OsmFormat;
  /** Highway ways that gave at least one edge. */
  ways: number;
  /** Graph nodes (road_nodes rows). */
  nodes: number;
  edges: number;
  /** Graph nodes of degree ≥ 3. */
  junctions: number;
  segments: number;
  /** Total edge length, km (EPSG:27700). */
  lengthKm: number;
  urbanEdges: number;
  /** Way positions whose node the file did not hold (ways are cut there). */
  missingNodeRefs: number;
  /** Ways whose maxspeed could not be read (stored without a limit). */
  unparsedMaxspeeds: number;
  durationMs: number;
}

/** A readable OSM file that gives no road network, or a failure while storing one. */
export class RoadImportError extends Error {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
    this.name = 'RoadImportError';
  }
}

const SEGMENT_DEFAULTS = { urbanSegmentM: 100, ruralSegmentM: 200 };

/** Metres per second in one mph. */
const MPS_PER_MPH = 0.44704;

/** ONS local authority district code prefixes: preferred when several imported areas contain a road. */
const LAD_CODE = '^(E06|E07|E08|E09|W06|S12|N09)';

/** Whether knex talks to the embedded PGlite (no COPY FROM STDIN over its socket, no autovacuum). */
async function isEmbedded(knex: Knex): Promise<boolean> {
  const { rows } = await knex.raw('SELECT version() AS v');
  return String(rows[0].v).includes('PGlite');
}

/** 1e-7 degrees as an exact decimal string, e.g. -15295029 → "-1.5295029". */
export function formatE7(value: number): string {
  const sign = value < 0 ? '-' : '';
  const abs = Math.abs(value);
  const whole = Math.floor(abs / 1e7);
  return `${sign}${whole}.${String(abs - whole * 1e7).padStart(7, '0')}`;
}

type Value = string | number | boolean | null;

/** Postgres array literal element: numbers bare, text quoted, NULL for null. */
function arrayElement(value: Value): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return `"${value.replace(/[\\"]/g, '\\$&')}"`;
}

/** Rows into a temporary table in batches: COPY on PostgreSQL, INSERT … SELECT FROM unnest on the embedded database. */
class Stager {
  private lines: string[] = [];
  private columns: string[][];
  rows = 0;

  constructor(
    private readonly trx: Knex.Transaction,
    private readonly table: string,
    private readonly definition: ReadonlyArray<readonly [name: string, sqlType: string]>,
    private readonly useCopy: boolean,
    private readonly batchRows = 5000,
  ) {
    this.columns = definition.map(() => []);
  }

  async add(row: Value[]): Promise<void> {
    if (this.useCopy) this.lines.push(row.map((v) => copyTextField(typeof v === 'boolean' ? (v ? 't' : 'f') : v)).join('\t'));
    else row.forEach((v, i) => this.columns[i]?.push(arrayElement(v)));
    this.rows++;
    if (this.rows % this.batchRows === 0) await this.flush();
  }

  async flush(): Promise<void> {
    const names = this.definition.map(([name]) => name).join(', ');
    if (this.useCopy) {
      if (!this.lines.length) return;
      await copyFrom(this.trx, `COPY ${this.table} (${names}) FROM STDIN`, [`${this.lines.join('\n')}\n`]);
      this.lines = [];
    } else {
      if (!this.columns[0]?.length) return;
      await this.trx.raw(
        `INSERT INTO ${this.table} (${names}) SELECT * FROM unnest(${this.definition.map(([, type]) => `?::${type}[]`).join(', ')})`,
        this.columns.map((values) => `{${values.join(',')}}`),
      );
      this.columns = this.definition.map(() => []);
    }
  }
}

/** The district (preferring local authority districts, then the smallest area) containing `point` (SQL expression, EPSG:27700). */
function districtOf(point: string): string {
  return `(SELECT d.code FROM districts d WHERE ST_Intersects(d.geom_bng, ${point})
           ORDER BY (d.code ~ '${LAD_CODE}') DESC, ST_Area(d.geom_bng), d.code LIMIT 1)`;
}

interface Pass1 {
  ways: WayStore;
  format: OsmFormat;
  waysInFile: number;
  nodeAfterWay: boolean;
  /** Highway ways left out by class, e.g. {service: 12, footway: 40}. */
  skipped: Map<string, number>;
  unparsedMaxspeeds: number;
}

async function readWays(file: string, kept: ReadonlySet<string>, progress: (p: RoadImportProgress) => Promise<void>): Promise<Pass1> {
  const ways = new WayStore();
  const skipped = new Map<string, number>();
  let unparsedMaxspeeds = 0;
  const summary = await readOsm(
    file,
    {
      way: (way) => {
        const attributes = wayAttributes(way.tags, kept);
        if (attributes) {
          ways.add(way.id, attributes, way.refs);
          if (attributes.maxspeedUnparsed) unparsedMaxspeeds++;
        } else if (way.tags.highway) {
          skipped.set(way.tags.highway, (skipped.get(way.tags.highway) ?? 0) + 1);
        }
      },
    },
    { onBytes: (bytesRead, totalBytes) => progress({ phase: 'ways', bytesRead, totalBytes, detail: `${ways.count} highway ways` }) },
  );
  return { ways, format: summary.format, waysInFile: summary.ways, nodeAfterWay: summary.nodeAfterWay, skipped, unparsedMaxspeeds };
}

/** The "no roads" message, with a hint when the flags would have kept some. */
function noRoadsMessage(name: string, pass1: Pass1, options: HighwayFilter): string {
  const service = pass1.skipped.get('service') ?? 0;
  const paths = PATH_HIGHWAYS.reduce((n, h) => n + (pass1.skipped.get(h) ?? 0), 0);
  const hints = [
    service && !options.includeService ? `${service} service road ways (add --include-service)` : '',
    paths && !options.includePaths ? `${paths} footway/cycleway/path ways (add --include-paths)` : '',
  ].filter(Boolean);
  return (
    `road network file ${name} holds no roads to import: none of its ${pass1.waysInFile} ways is a highway from motorway to residential` +
    `${hints.length ? `; it has ${hints.join(' and ')}` : ''}. The stored road network is unchanged.`
  );
}

/**
 * Imports an OSM extract as the road network, replacing the stored one in one transaction.
 * Throws OsmFileError for a file that is not OSM, RoadImportError for one with no roads; either
 * way nothing changes.
 */
export async function importRoadNetwork(knex: Knex, file: string, options: RoadImportOptions = {}): Promise<RoadImportResult> {
  const started = Date.now();
  const name = path.basename(file);
  const urbanSegmentM = options.urbanSegmentM ?? SEGMENT_DEFAULTS.urbanSegmentM;
  const ruralSegmentM = options.ruralSegmentM ?? SEGMENT_DEFAULTS.ruralSegmentM;
  for (const [key, value] of [
    ['urbanSegmentM', urbanSegmentM],
    ['ruralSegmentM', ruralSegmentM],
  ] as const) {
    if (!(Number.isFinite(value) && value >= 10 && value <= 10_000)) throw new RangeError(`${key} must be 10–10000 metres, got ${value}`);
  }
  const totalBytes = await checkOsmFile(file);
  const progress = async (p: RoadImportProgress) => {
    await options.onProgress?.(p);
  };

  const [logRow] = await knex('road_network_imports')
    .insert({
      source_file: path.resolve(file),
      options: JSON.stringify({ includeService: Boolean(options.includeService), includePaths: Boolean(options.includePaths), urbanSegmentM, ruralSegmentM }),
      started_by: options.startedBy ?? null,
    })
    .returning('id');
  const importId = Number(logRow.id);

  try {
    // Pass 1: the kept highway ways.
    const pass1 = await readWays(file, keptHighways(options), progress);
    if (pass1.ways.count === 0) throw new RoadImportError(noRoadsMessage(name, pass1, options), file);

    // Pass 2: positions of the nodes those ways use, and nothing else.
    const nodes = new NodeTable(pass1.ways.refs.view());
    await readOsm(
      file,
      { node: (id, lonE7, latE7) => void nodes.locate(id, lonE7, latE7) },
      {
        stopAtFirstWay: !pass1.nodeAfterWay,
        onBytes: (bytesRead) => progress({ phase: 'nodes', bytesRead, totalBytes, detail: `${nodes.located} of ${nodes.size} road nodes located` }),
      },
    );
    // The pass is complete even when it stopped at the first way: show it finished.
    await progress({ phase: 'nodes', bytesRead: totalBytes, totalBytes, detail: `${nodes.located} of ${nodes.size} road nodes located` });
    if (nodes.located === 0) {
      throw new RoadImportError(
        `road network file ${name} has ${pass1.ways.count} highway ways but none of the ${nodes.size} nodes they refer to (the extract holds ways without their nodes). The stored road network is unchanged.`,
        file,
      );
    }

    await progress({ phase: 'graph', bytesRead: 0, totalBytes, detail: `${pass1.ways.count} ways, ${nodes.located} nodes` });
    const graph = buildGraph(pass1.ways, nodes);
    if (edgeCount(graph) === 0) {
      throw new RoadImportError(`road network file ${name}: no highway way has two of its nodes in the file, so there is no road to store. The stored road network is unchanged.`, file);
    }
    const urban = urbanFlags(graph, nodes, pass1.ways);

    const result = (stored: StoredCounts): RoadImportResult => ({
      importId,
      file,
      format: pass1.format,
      ways: graph.waysUsed,
      edges: edgeCount(graph),
      ...stored,
      urbanEdges: urban.reduce((n, u) => n + u, 0),
      missingNodeRefs: graph.missingNodeRefs,
      unparsedMaxspeeds: pass1.unparsedMaxspeeds,
      durationMs: Date.now() - started,
    });
    const stored = await storeNetwork(knex, {
      importId,
      graph,
      nodes,
      ways: pass1.ways,
      urban,
      urbanSegmentM,
      ruralSegmentM,
      progress,
      totalBytes,
      describe: (counts) => importMessage(result(counts)),
    });
    return result(stored);
  } catch (err) {
    await knex('road_network_imports')
      .where({ id: importId })
      .update({ status: 'failed', message: (err as Error).message.slice(0, 2000), finished_at: knex.fn.now() })
      .catch(() => undefined);
    if (err instanceof OsmFileError || err instanceof RoadImportError || err instanceof RangeError) throw err;
    throw new RoadImportError(`road network file ${name} could not be stored: ${databaseMessage(err as Error)}. The stored road network is unchanged.`, file);
  }
}

/** A database error's own message: knex prefixes it with the whole statement and " - ". */
function databaseMessage(err: Error): string {
  const sqlState = (err as { code?: unknown }).code;
  const cut = err.message.lastIndexOf(' - ');
  return typeof sqlState === 'string' && /^[0-9A-Z]{5}$/.test(sqlState) && cut >= 0 ? err.message.slice(cut + 3) : err.message;
}

/** The one-line summary kept with the import record. */
function importMessage(r: RoadImportResult): string {
  return (
    `${r.ways} ways → ${r.nodes} nodes (${r.junctions} junctions), ${r.edges} edges, ${r.segments} segments, ${r.lengthKm.toFixed(1)} km` +
    (r.missingNodeRefs ? `; ${r.missingNodeRefs} way positions refer to nodes outside the file (ways cut there)` : '') +
    (r.unparsedMaxspeeds ? `; ${r.unparsedMaxspeeds} maxspeed values not understood (stored without a limit)` : '')
  );
}

interface StoreInput {
  importId: number;
  graph: RoadGraph;
  nodes: NodeTable;
  ways: WayStore;
  urban: Uint8Array;
  urbanSegmentM: number;
  ruralSegmentM: number;
  totalBytes: number;
  progress: (p: RoadImportProgress) => Promise<void>;
  /** The import record's message for these counts. */
  describe: (counts: StoredCounts) => string;
}

interface StoredCounts {
  nodes: number;
  junctions: number;
  segments: number;
  lengthKm: number;
}

const STAGE_NODES = [
  ['id', 'bigint'],
  ['lon_e7', 'integer'],
  ['lat_e7', 'integer'],
  ['degree', 'smallint'],
] as const;

const STAGE_EDGES = [
  ['id', 'integer'],
  ['osm_way_id', 'bigint'],
  ['source_node', 'bigint'],
  ['target_node', 'bigint'],
  ['highway', 'text'],
  ['road_class', 'text'],
  ['ref', 'text'],
  ['name', 'text'],
  ['maxspeed_mph', 'smallint'],
  ['oneway', 'smallint'],
  ['urban', 'boolean'],
  ['speed_mph', 'double precision'],
  ['wkt', 'text'],
] as const;

async function storeNetwork(knex: Knex, input: StoreInput): Promise<StoredCounts> {
  const { graph, nodes, ways, urban, importId, progress, totalBytes } = input;
  const embedded = await isEmbedded(knex);
  const step = (phase: RoadImportPhase, detail: string) => progress({ phase, bytesRead: 0, totalBytes, detail });

  return knex.transaction(async (trx) => {
    // One import at a time: a second waits here for the first to commit, then replaces its network.
    await trx.raw(`SELECT version FROM data_versions WHERE name = 'roads' FOR UPDATE`);
    if (!embedded) await trx.raw(`SET LOCAL work_mem = '128MB'`);
    await trx.raw(`CREATE TEMP TABLE road_stage_nodes (${STAGE_NODES.map(([n, t]) => `${n} ${t}`).join(', ')}) ON COMMIT DROP`);
    await trx.raw(`CREATE TEMP TABLE road_stage_edges (${STAGE_EDGES.map(([n, t]) => `${n} ${t}`).join(', ')}) ON COMMIT DROP`);

    let graphNodes = 0;
    let junctions = 0;
    const nodeStager = new Stager(trx, 'road_stage_nodes', STAGE_NODES, !embedded);
    for (let i = 0; i < nodes.size; i++) {
      const degree = graph.degree[i] as number;
      if (degree === 0) continue;
      graphNodes++;
      if (degree >= 3) junctions++;
      await nodeStager.add([nodes.ids[i] as number, nodes.lonE7[i] as number, nodes.latE7[i] as number, degree]);
    }
    await nodeStager.flush();
    await step('staging', `${graphNodes} nodes`);

    const edgeStager = new Stager(trx, 'road_stage_edges', STAGE_EDGES, !embedded, embedded ? 2000 : 5000);
    const edges = edgeCount(graph);
    for (let e = 0; e < edges; e++) {
      const way = graph.edgeWay[e] as number;
      const a = ways.attributes[way] as WayAttributes;
      const from = graph.edgeStart[e] as number;
      const to = graph.edgeStart[e + 1] as number;
      const points: string[] = [];
      for (let k = from; k < to; k++) {
        const v = graph.vertices[k] as number;
        points.push(`${formatE7(nodes.lonE7[v] as number)} ${formatE7(nodes.latE7[v] as number)}`);
      }
      const isUrban = urban[e] === 1;
      await edgeStager.add([
        e + 1,
        ways.ids.get(way),
        nodes.ids[graph.vertices[from] as number] as number,
        nodes.ids[graph.vertices[to - 1] as number] as number,
        a.highway,
        roadClass(a.highway, a.ref),
        a.ref,
        a.name,
        a.maxspeedMph,
        a.oneway,
        isUrban,
        travelSpeedMph(a.highway, a.maxspeedMph, isUrban, a.dualCarriageway),
        `LINESTRING(${points.join(',')})`,
      ]);
      if ((e + 1) % 20_000 === 0) await step('staging', `${e + 1} of ${edges} edges`);
    }
    await edgeStager.flush();
    await step('staging', `${edges} edges`);

    const hasDistricts = (await trx.raw('SELECT EXISTS (SELECT 1 FROM districts) AS present')).rows[0].present === true;
    await step('replacing', 'removing the previous network');
    await trx.raw('DELETE FROM road_segments');
    await trx.raw('DELETE FROM road_edges');
    await trx.raw('DELETE FROM road_nodes');
    await step('replacing', `${graphNodes} nodes`);
    await trx.raw(
      `INSERT INTO road_nodes (id, degree, junction, geom)
       SELECT id, degree, degree >= 3, ST_Transform(ST_SetSRID(ST_MakePoint(lon_e7 / 1e7, lat_e7 / 1e7), 4326), 27700)
       FROM road_stage_nodes`,
    );
    await step('replacing', `${edges} edges`);
    await trx.raw(
      `INSERT INTO road_edges (id, osm_way_id, source_node, target_node, highway, road_class, ref, name, maxspeed_mph, oneway, urban,
                               length_m, cost_s, district_code, geom)
       SELECT s.id, s.osm_way_id, s.source_node, s.target_node, s.highway, s.road_class, s.ref, s.name, s.maxspeed_mph, s.oneway, s.urban,
              ST_Length(g.geom), ST_Length(g.geom) / (s.speed_mph * ${MPS_PER_MPH}),
              ${hasDistricts ? districtOf('ST_LineInterpolatePoint(g.geom, 0.5)') : 'NULL'}, g.geom
       FROM road_stage_edges s CROSS JOIN LATERAL (SELECT ST_Transform(ST_GeomFromText(s.wkt, 4326), 27700) AS geom) g`,
    );
    await step('segments', `cutting ${edges} edges into segments of at most ${input.urbanSegmentM} m (urban) / ${input.ruralSegmentM} m (rural)`);
    // Equal pieces: n = ⌈length / limit⌉; a zero-length edge (two nodes at one spot) gets no segment.
    const inserted = await trx.raw(
      `INSERT INTO road_segments (id, edge_id, seq, from_m, highway, road_class, ref, name, maxspeed_mph, urban, length_m, district_code, geom)
       SELECT row_number() OVER (ORDER BY e.id, p.seq), e.id, p.seq, e.length_m * p.seq / e.pieces, e.highway, e.road_class, e.ref, e.name,
              e.maxspeed_mph, e.urban, ST_Length(p.geom), ${hasDistricts ? districtOf('ST_LineInterpolatePoint(p.geom, 0.5)') : 'NULL'}, p.geom
       FROM (SELECT road_edges.*, ceil(length_m / CASE WHEN urban THEN ?::float8 ELSE ?::float8 END)::int AS pieces
             FROM road_edges WHERE length_m > 0) e
       CROSS JOIN LATERAL (
         SELECT i AS seq, ST_LineSubstring(e.geom, i::float8 / e.pieces, (i + 1)::float8 / e.pieces) AS geom
         FROM generate_series(0, e.pieces - 1) AS i
       ) p`,
      [input.urbanSegmentM, input.ruralSegmentM],
    );
    const segments = Number(inserted.rowCount ?? 0);
    await step('finishing', `${segments} segments`);
    for (const table of ['road_edges', 'road_segments']) {
      await trx.raw(`SELECT setval(pg_get_serial_sequence(?, 'id'), GREATEST((SELECT max(id) FROM ${table}), 1))`, [table]);
    }
    // The hotspot run that usually follows needs fresh statistics (PGlite has no autovacuum).
    await trx.raw('ANALYZE road_nodes');
    await trx.raw('ANALYZE road_edges');
    await trx.raw('ANALYZE road_segments');
    const lengthKm = Number((await trx.raw('SELECT coalesce(sum(length_m), 0) / 1000 AS km FROM road_edges')).rows[0].km);
    const counts: StoredCounts = { nodes: graphNodes, junctions, segments, lengthKm };
    await trx('road_network_imports').where({ id: importId }).update({
      status: 'succeeded',
      message: input.describe(counts),
      ways: graph.waysUsed,
      nodes: graphNodes,
      edges,
      segments,
      junctions,
      finished_at: trx.fn.now(),
    });
    await bumpDataVersion(trx, 'roads');
    return counts;
  });
}
