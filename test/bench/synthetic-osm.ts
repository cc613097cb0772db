/**
 * A seeded synthetic road network over Lancashire as OpenStreetMap XML, for the hotspot benchmarks
 * (issue 3 asks for at least 50,000 scoring segments).
 *
 * The network is a jittered 150 m lattice, used where there are roads:
 * - towns at the real positions and rough sizes of Lancashire's towns: every lattice street
 *   (residential, some one-way or living streets, 20/30 mph), with a main street (tertiary) every
 *   sixth line;
 * - rural roads on every k-th lattice row and column over land (a crude coastline keeps the Irish
 *   Sea and Morecambe Bay empty): A roads (ref A5…/A6…), B roads and lanes, with national, 60, 50,
 *   40 mph or untagged limits, roundabouts at some A/B crossings, and a few gaps (dead ends);
 * - motorways (M6, M55, M61, M65, M58) as two one-way carriageways 24 m apart on their own nodes
 *   (bridges over the lattice), joined to the nearest road every ~8 km by slip roads.
 * k (the rural spacing) is the largest that gives `targetSegments` once imported: each candidate is
 * measured with the importer's own graph builder and urban rule (graph.ts), lengths approximated.
 *
 * The same seed and options give byte-identical files. Node and way ids count from 1.
 * Run directly: `npx tsx test/bench/synthetic-osm.ts [--out FILE] [--seed S] [--segments N]`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { approximateLengthM, buildGraph, edgeCount, NodeTable, urbanFlags, WayStore } from '../../server/roads/graph.ts';
import { keptHighways, wayAttributes } from '../../server/roads/tags.ts';
import { createRandom, type Random, type WeightTable } from './random.ts';

export const DEFAULT_OSM_SEED = 20261121;
export const DEFAULT_TARGET_SEGMENTS = 50_000;

/** Lancashire, roughly: [west, south, east, north] in degrees. */
export const LANCASHIRE_AREA: Area = [-3.1, 53.5, -2.0, 54.2];

export type Area = readonly [west: number, south: number, east: number, north: number];

export interface SyntheticOsmOptions {
  seed?: number;
  /** Scoring segments the import should give at least (100 m urban / 200 m rural pieces). Default 50,000. */
  targetSegments?: number;
  /** Default: LANCASHIRE_AREA. A smaller area keeps the towns and motorways inside it. */
  area?: Area;
}

export interface SyntheticOsmResult {
  path: string;
  nodes: number;
  ways: number;
  /** Segments the importer's rules give, with lengths approximated (the import agrees within a few per cent). */
  estimatedSegments: number;
  /** Distance between rural roads, metres. */
  ruralSpacingM: number;
  bytes: number;
}

const LATTICE_M = 150;
/** Jitter of lattice points, metres either way. */
const JITTER_M = 25;
/** Metres per degree at Lancashire's latitude (53.85°). */
const M_PER_DEG_LAT = 111_250;
const M_PER_DEG_LON = 111_320 * Math.cos((53.85 * Math.PI) / 180);

interface Town {
  name: string;
  lon: number;
  lat: number;
  radiusKm: number;
}

const TOWNS: readonly Town[] = [
  { name: 'Preston', lon: -2.7, lat: 53.76, radiusKm: 3.5 },
  { name: 'Blackpool', lon: -3.03, lat: 53.815, radiusKm: 3 },
  { name: 'Blackburn', lon: -2.48, lat: 53.75, radiusKm: 3 },
  { name: 'Burnley', lon: -2.245, lat: 53.79, radiusKm: 2.5 },
  { name: 'Lancaster', lon: -2.8, lat: 54.047, radiusKm: 2 },
  { name: 'Morecambe', lon: -2.87, lat: 54.07, radiusKm: 1.6 },
  { name: 'Chorley', lon: -2.63, lat: 53.653, radiusKm: 2 },
  { name: 'Accrington', lon: -2.36, lat: 53.753, radiusKm: 1.8 },
  { name: 'Leyland', lon: -2.69, lat: 53.695, radiusKm: 1.8 },
  { name: 'Skelmersdale', lon: -2.775, lat: 53.55, radiusKm: 1.8 },
  { name: 'Ormskirk', lon: -2.885, lat: 53.567, radiusKm: 1.2 },
  { name: 'Fleetwood', lon: -3.01, lat: 53.92, radiusKm: 1.4 },
  { name: 'Lytham St Annes', lon: -2.99, lat: 53.75, radiusKm: 1.8 },
  { name: 'Thornton-Cleveleys', lon: -3.01, lat: 53.875, radiusKm: 1.3 },
  { name: 'Poulton-le-Fylde', lon: -2.985, lat: 53.845, radiusKm: 1 },
  { name: 'Nelson', lon: -2.2, lat: 53.835, radiusKm: 1.5 },
  { name: 'Colne', lon: -2.17, lat: 53.855, radiusKm: 1.2 },
  { name: 'Darwen', lon: -2.465, lat: 53.7, radiusKm: 1.5 },
  { name: 'Rawtenstall', lon: -2.29, lat: 53.7, radiusKm: 1.3 },
  { name: 'Haslingden', lon: -2.33, lat: 53.705, radiusKm: 1 },
  { name: 'Clitheroe', lon: -2.39, lat: 53.87, radiusKm: 1.2 },
  { name: 'Garstang', lon: -2.77, lat: 53.9, radiusKm: 0.8 },
  { name: 'Kirkham', lon: -2.87, lat: 53.782, radiusKm: 0.9 },
  { name: 'Carnforth', lon: -2.77, lat: 54.13, radiusKm: 0.8 },
  { name: 'Longridge', lon: -2.6, lat: 53.83, radiusKm: 0.8 },
];

/** Motorways by waypoints (lon, lat), roughly where they run. */
const MOTORWAYS: ReadonlyArray<{ ref: string; points: ReadonlyArray<readonly [number, number]> }> = [
  { ref: 'M6', points: [[-2.66, 53.5], [-2.68, 53.62], [-2.66, 53.76], [-2.7, 53.86], [-2.76, 53.98], [-2.76, 54.06], [-2.73, 54.2]] },
  { ref: 'M55', points: [[-2.67, 53.795], [-2.8, 53.8], [-2.92, 53.805], [-2.99, 53.8]] },
  { ref: 'M61', points: [[-2.67, 53.74], [-2.64, 53.66], [-2.6, 53.58], [-2.55, 53.5]] },
  { ref: 'M65', points: [[-2.66, 53.735], [-2.55, 53.73], [-2.45, 53.735], [-2.33, 53.76], [-2.25, 53.8], [-2.15, 53.86]] },
  { ref: 'M58', points: [[-2.86, 53.53], [-2.77, 53.535], [-2.66, 53.525]] },
];

/** Longitude of the coast at a latitude: west of it is sea (a rough outline of the Fylde and Morecambe Bay). */
const COAST: ReadonlyArray<readonly [lat: number, lon: number]> = [
  [53.5, -3.06],
  [53.65, -3.02],
  [53.74, -3.04],
  [53.82, -3.06],
  [53.93, -3.03],
  [53.97, -2.95],
  [54.02, -2.89],
  [54.07, -2.89],
  [54.1, -2.83],
  [54.15, -2.8],
  [54.2, -2.83],
];

function coastLon(lat: number): number {
  if (lat <= (COAST[0] as readonly [number, number])[0]) return (COAST[0] as readonly [number, number])[1];
  for (let i = 1; i < COAST.length; i++) {
    const [lat1, lon1] = COAST[i] as readonly [number, number];
    const [lat0, lon0] = COAST[i - 1] as readonly [number, number];
    if (lat <= lat1) return lon0 + ((lon1 - lon0) * (lat - lat0)) / (lat1 - lat0);
  }
  return (COAST[COAST.length - 1] as readonly [number, number])[1];
}

const STEMS = [
  'Church', 'Mill', 'Station', 'Park', 'King', 'Queen', 'Victoria', 'Albert', 'Manor', 'Chapel', 'School', 'Market', 'Bridge',
  'Green', 'Moor', 'Hall', 'Water', 'Ribble', 'Lune', 'Wyre', 'Pendle', 'Bowland', 'Calder', 'Darwen', 'Hodder', 'Brook', 'Fell',
  'Garstang', 'Preston', 'Blackburn', 'Lancaster', 'Liverpool', 'Chorley', 'Whalley', 'Ribbleton', 'Fulwood', 'Ashton', 'Cottam',
  'Longton', 'Hesketh', 'Scarisbrick', 'Rufford', 'Croston', 'Bilsborrow', 'Catterall', 'Forton', 'Galgate', 'Halton', 'Caton',
  'Oak', 'Ash', 'Elm', 'Beech', 'Willow', 'Hawthorn', 'Holly', 'Rowan', 'Birch', 'Cedar', 'Laurel', 'Primrose', 'Heather',
];
const SUFFIXES = ['Street', 'Road', 'Lane', 'Avenue', 'Close', 'Drive', 'Grove', 'Terrace', 'Way', 'Crescent', 'Gardens', 'Place'];
const A_REFS = ['A6', 'A59', 'A565', 'A570', 'A583', 'A584', 'A585', 'A586', 'A587', 'A588', 'A671', 'A675', 'A677', 'A679', 'A680', 'A682', 'A683', 'A666', 'A56', 'A58', 'A581', 'A582', 'A49', 'A5209', 'A5105', 'A6062', 'A6068', 'A6114', 'A6119', 'A6177'];

type RuralClass = 'a' | 'b' | 'minor';

/** A deterministic hash of integers to [0, 1) (lattice jitter and per-point choices that must not depend on generation order). */
function hash01(seed: number, a: number, b: number, c = 0): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const v of [a, b, c]) {
    h = Math.imul(h ^ (v | 0), 0x85ebca6b) >>> 0;
    h = (h ^ (h >>> 13)) >>> 0;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return h / 4294967296;
}

interface Way {
  id: number;
  refs: number[];
  tags: Record<string, string>;
}

/** The network as nodes (id → position) and ways, before writing. */
class Network {
  readonly lon: number[] = [0];
  readonly lat: number[] = [0];
  readonly ways: Way[] = [];

  node(lon: number, lat: number): number {
    this.lon.push(Math.round(lon * 1e7) / 1e7);
    this.lat.push(Math.round(lat * 1e7) / 1e7);
    return this.lon.length - 1;
  }

  way(refs: number[], tags: Record<string, string>): void {
    if (refs.length >= 2) this.ways.push({ id: this.ways.length + 1, refs, tags });
  }
}

function pickTags<T>(rng: Random, table: WeightTable<T>): T {
  return rng.weighted(table);
}

function build(seed: number, area: Area, k: number): Network {
  const rng = createRandom(seed);
  const [west, south, east, north] = area;
  const cols = Math.floor(((east - west) * M_PER_DEG_LON) / LATTICE_M);
  const rows = Math.floor(((north - south) * M_PER_DEG_LAT) / LATTICE_M);
  const net = new Network();
  const key = (i: number, j: number) => i * 100_000 + j;
  const ids = new Map<number, number>();
  const position = (i: number, j: number): [number, number] => {
    const jx = (hash01(seed, i, j, 1) * 2 - 1) * JITTER_M;
    const jy = (hash01(seed, i, j, 2) * 2 - 1) * JITTER_M;
    return [west + (i * LATTICE_M + jx) / M_PER_DEG_LON, south + (j * LATTICE_M + jy) / M_PER_DEG_LAT];
  };
  const onLand = (i: number, j: number) => {
    const [lon, lat] = position(i, j);
    return lon >= coastLon(lat) + 0.003;
  };
  const townOf = (i: number, j: number): Town | undefined => {
    const [lon, lat] = position(i, j);
    for (const town of TOWNS) {
      const dx = (lon - town.lon) * M_PER_DEG_LON;
      const dy = (lat - town.lat) * M_PER_DEG_LAT;
      // A ragged edge: ±15 % of the radius.
      if (Math.hypot(dx, dy) < town.radiusKm * 1000 * (0.85 + 0.3 * hash01(seed, i, j, 3))) return town;
    }
    return undefined;
  };
  const townCache = new Map<number, Town | null>();
  const town = (i: number, j: number) => {
    const k2 = key(i, j);
    let t = townCache.get(k2);
    if (t === undefined) townCache.set(k2, (t = townOf(i, j) ?? null));
    return t ?? undefined;
  };
  // Roundabout centres are replaced by a ring; approaches end at the ring node facing them.
  const roundabouts = new Map<number, number[]>();
  const nodeAt = (i: number, j: number) => {
    const k2 = key(i, j);
    let id = ids.get(k2);
    if (id === undefined) {
      const [lon, lat] = position(i, j);
      ids.set(k2, (id = net.node(lon, lat)));
    }
    return id;
  };

  const ruralClass = (line: number): RuralClass => (line % 4 === 0 ? 'a' : line % 4 === 2 ? 'b' : 'minor');
  const isRuralRow = (j: number) => j % k === 0;
  const isRuralCol = (i: number) => i % k === 0;
  // Edge existence: rural lines over land (7 % gaps), town streets (8 % gaps); the same answer for both scans.
  const ruralEdge = (i: number, j: number, horizontal: boolean) => {
    const [i2, j2] = horizontal ? [i + 1, j] : [i, j + 1];
    return onLand(i, j) && onLand(i2, j2) && hash01(seed, i, j, horizontal ? 4 : 5) > 0.07;
  };
  const townEdge = (i: number, j: number, horizontal: boolean) => {
    const [i2, j2] = horizontal ? [i + 1, j] : [i, j + 1];
    const t = town(i, j);
    return t !== undefined && t === town(i2, j2) && onLand(i, j) && onLand(i2, j2) && hash01(seed, i, j, horizontal ? 6 : 7) > 0.08;
  };

  const aRefs = new Map<number, string>();
  const lineRef = (horizontal: boolean, line: number, cls: RuralClass) => {
    if (cls === 'minor') return undefined;
    const id = (horizontal ? 0 : 1) + 2 * line;
    if (cls === 'b') return `B${5200 + ((id * 37) % 1200)}`;
    let ref = aRefs.get(id);
    if (!ref) aRefs.set(id, (ref = A_REFS[aRefs.size % A_REFS.length] as string));
    return ref;
  };
  const streetName = () => `${rng.pick(STEMS)} ${rng.pick(SUFFIXES)}`;

  // Roundabouts at A/B crossings outside towns (half of them).
  for (let i = 0; i <= cols; i += k) {
    for (let j = 0; j <= rows; j += k) {
      if (ruralClass(i / k) === 'minor' || ruralClass(j / k) === 'minor' || town(i, j) || !onLand(i, j)) continue;
      if (hash01(seed, i, j, 8) > 0.5) continue;
      const [lon, lat] = position(i, j);
      // Clockwise (UK traffic): east, south-east, south, … ; radius 20 m.
      const ring = [0, 7, 6, 5, 4, 3, 2, 1].map((step) => {
        const angle = (step * Math.PI) / 4;
        return net.node(lon + (20 * Math.cos(angle)) / M_PER_DEG_LON, lat + (20 * Math.sin(angle)) / M_PER_DEG_LAT);
      });
      roundabouts.set(key(i, j), ring);
      net.way([...ring, ring[0] as number], { highway: rng.chance(0.5) ? 'primary' : 'secondary', junction: 'roundabout' });
    }
  }
  /** The ring node facing direction (dx, dy) of a roundabout (ring order: E, SE, S, SW, W, NW, N, NE). */
  const ringNode = (ring: number[], dx: number, dy: number) => ring[dx > 0 ? 0 : dx < 0 ? 4 : dy < 0 ? 2 : 6] as number;

  /** Emits the lattice points of one line run as ways, cutting at roundabouts and every few steps (street names, limits). */
  const emitRun = (points: Array<[number, number]>, horizontal: boolean, tagsFor: () => Record<string, string>, maxSteps: number) => {
    let current: number[] = [];
    let steps = 0;
    let tags = tagsFor();
    const flush = () => {
      net.way(current, tags);
      current = [];
      steps = 0;
      tags = tagsFor();
    };
    points.forEach(([i, j], n) => {
      const ring = roundabouts.get(key(i, j));
      if (ring && n > 0 && n < points.length - 1) {
        current.push(horizontal ? ringNode(ring, -1, 0) : ringNode(ring, 0, -1));
        flush();
        current.push(horizontal ? ringNode(ring, 1, 0) : ringNode(ring, 0, 1));
        return;
      }
      if (ring) {
        // A run that starts or ends at a roundabout joins the ring on its side.
        current.push(n === 0 ? (horizontal ? ringNode(ring, 1, 0) : ringNode(ring, 0, 1)) : horizontal ? ringNode(ring, -1, 0) : ringNode(ring, 0, -1));
      } else {
        current.push(nodeAt(i, j));
      }
      if (current.length > 1 && ++steps >= maxSteps && n < points.length - 1) {
        const last = current[current.length - 1] as number;
        flush();
        current.push(last);
      }
    });
    flush();
  };

  const ruralTags = (cls: RuralClass, ref: string | undefined, inTown: boolean, name: string | undefined): Record<string, string> => {
    const tags: Record<string, string> = {};
    tags.highway = cls === 'a' ? (rng.chance(0.3) ? 'trunk' : 'primary') : cls === 'b' ? 'secondary' : rng.chance(0.2) ? 'tertiary' : 'unclassified';
    if (ref) tags.ref = ref;
    if (name) tags.name = name;
    const limit = inTown
      ? pickTags(rng, [['30 mph', 0.8], ['40 mph', 0.15], ['20 mph', 0.05]] as const)
      : cls === 'a'
        ? pickTags(rng, [['national', 0.35], ['60 mph', 0.15], ['50 mph', 0.25], ['40 mph', 0.2], ['', 0.05]] as const)
        : cls === 'b'
          ? pickTags(rng, [['national', 0.4], ['50 mph', 0.2], ['40 mph', 0.2], ['30 mph', 0.05], ['', 0.15]] as const)
          : pickTags(rng, [['national', 0.35], ['', 0.55], ['30 mph', 0.05], ['40 mph', 0.05]] as const);
    if (limit) tags.maxspeed = limit;
    return tags;
  };

  // Lattice lines, horizontal (rows j) then vertical (columns i).
  for (const horizontal of [true, false]) {
    const lines = horizontal ? rows : cols;
    const along = horizontal ? cols : rows;
    for (let line = 0; line <= lines; line++) {
      const rural = horizontal ? isRuralRow(line) : isRuralCol(line);
      const cls = ruralClass(line / k);
      const ref = rural ? lineRef(horizontal, line / k, cls) : undefined;
      const ruralName = rural && cls !== 'minor' ? `${STEMS[(line * 7 + (horizontal ? 3 : 11)) % STEMS.length]} Road` : undefined;
      // Walk the line, collecting runs of consecutive existing edges of one kind (town street or rural road).
      let run: Array<[number, number]> = [];
      let runKind: 'rural-town' | 'rural' | 'street' | undefined;
      const close = () => {
        if (run.length >= 2 && runKind) {
          if (runKind === 'street') {
            const main = line % 6 === 0;
            const tagsFor = (): Record<string, string> => {
              const living = !main && rng.chance(0.03);
              const tags: Record<string, string> = { highway: main ? 'tertiary' : living ? 'living_street' : 'residential', name: streetName() };
              const limit = living ? '' : main ? pickTags(rng, [['30 mph', 0.85], ['20 mph', 0.1], ['', 0.05]] as const) : pickTags(rng, [['20 mph', 0.55], ['30 mph', 0.3], ['', 0.15]] as const);
              if (limit) tags.maxspeed = limit;
              if (!main && rng.chance(0.08)) tags.oneway = 'yes';
              return tags;
            };
            emitRun(run, horizontal, tagsFor, main ? 12 : rng.int(3, 8));
          } else {
            const inTown = runKind === 'rural-town';
            emitRun(run, horizontal, () => ruralTags(cls, ref, inTown, ruralName ?? (inTown || rng.chance(0.6) ? `${rng.pick(STEMS)} Lane` : undefined)), inTown ? 10 : k * rng.int(1, 3));
          }
        }
        run = [];
        runKind = undefined;
      };
      for (let s = 0; s < along; s++) {
        const [i, j] = horizontal ? [s, line] : [line, s];
        const ruralHere = rural && ruralEdge(i, j, horizontal);
        const streetHere = !ruralHere && !rural && townEdge(i, j, horizontal);
        const kind = ruralHere ? (town(i, j) ? 'rural-town' : 'rural') : streetHere ? 'street' : undefined;
        if (kind !== runKind) {
          const last = run[run.length - 1];
          close();
          if (kind && last && last[0] === i && last[1] === j) run.push(last);
        }
        if (!kind) continue;
        runKind = kind;
        if (run.length === 0) run.push([i, j]);
        run.push(horizontal ? [i + 1, j] : [i, j + 1]);
      }
      close();
    }
  }

  // Motorways: two carriageways on their own nodes, with slip roads to the nearest lattice road every ~8 km.
  for (const motorway of MOTORWAYS) {
    const line = densify(motorway.points, 100, rng).filter(([lon, lat]) => lon >= west && lon <= east && lat >= south && lat <= north);
    if (line.length < 2) continue;
    const forward = offsetLine(line, 12).map(([lon, lat]) => net.node(lon, lat));
    const backward = offsetLine(line, -12)
      .map(([lon, lat]) => net.node(lon, lat))
      .reverse();
    const tags = { highway: 'motorway', ref: motorway.ref, maxspeed: '70 mph' };
    net.way(forward, { ...tags });
    net.way(backward, { ...tags });
    const n = line.length;
    for (let at = 40; at < n - 40; at += 80) {
      const [lon, lat] = line[at] as [number, number];
      const target = nearestLatticeNode(lon, lat);
      if (target === undefined) continue;
      const link = (from: number, to: number) => net.way([from, to], { highway: 'motorway_link', oneway: 'yes', ref: motorway.ref });
      link(forward[at - 4] as number, target);
      link(target, forward[at + 4] as number);
      link(backward[n - 1 - (at + 4)] as number, target);
      link(target, backward[n - 1 - (at - 4)] as number);
    }
  }

  /** The existing lattice node nearest to a position, within 1.5 km. */
  function nearestLatticeNode(lon: number, lat: number): number | undefined {
    const ci = Math.round(((lon - west) * M_PER_DEG_LON) / LATTICE_M);
    const cj = Math.round(((lat - south) * M_PER_DEG_LAT) / LATTICE_M);
    let best: number | undefined;
    let bestD = Infinity;
    for (let di = -10; di <= 10; di++) {
      for (let dj = -10; dj <= 10; dj++) {
        const id = ids.get(key(ci + di, cj + dj));
        if (id === undefined) continue;
        const d = Math.hypot(((net.lon[id] as number) - lon) * M_PER_DEG_LON, ((net.lat[id] as number) - lat) * M_PER_DEG_LAT);
        if (d < bestD && d > 60) {
          bestD = d;
          best = id;
        }
      }
    }
    return best;
  }

  return net;
}

/** Points every `stepM` metres along a polyline of waypoints, with a gentle seeded wander (≤ 15 m). */
function densify(points: ReadonlyArray<readonly [number, number]>, stepM: number, rng: Random): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let wander = 0;
  for (let p = 1; p < points.length; p++) {
    const [lon0, lat0] = points[p - 1] as readonly [number, number];
    const [lon1, lat1] = points[p] as readonly [number, number];
    const lengthM = Math.hypot((lon1 - lon0) * M_PER_DEG_LON, (lat1 - lat0) * M_PER_DEG_LAT);
    const steps = Math.max(1, Math.round(lengthM / stepM));
    const nx = -((lat1 - lat0) * M_PER_DEG_LAT) / lengthM;
    const ny = ((lon1 - lon0) * M_PER_DEG_LON) / lengthM;
    for (let s = p === 1 ? 0 : 1; s <= steps; s++) {
      wander = Math.max(-15, Math.min(15, wander + rng.uniform(-3, 3)));
      const t = s / steps;
      out.push([lon0 + (lon1 - lon0) * t + (nx * wander) / M_PER_DEG_LON, lat0 + (lat1 - lat0) * t + (ny * wander) / M_PER_DEG_LAT]);
    }
  }
  return out;
}

/** The polyline moved `offsetM` metres to its left (negative: right). */
function offsetLine(line: Array<[number, number]>, offsetM: number): Array<[number, number]> {
  return line.map(([lon, lat], i) => {
    const [lonA, latA] = line[Math.max(0, i - 1)] as [number, number];
    const [lonB, latB] = line[Math.min(line.length - 1, i + 1)] as [number, number];
    const dx = (lonB - lonA) * M_PER_DEG_LON;
    const dy = (latB - latA) * M_PER_DEG_LAT;
    const length = Math.hypot(dx, dy) || 1;
    return [lon + ((-dy / length) * offsetM) / M_PER_DEG_LON, lat + ((dx / length) * offsetM) / M_PER_DEG_LAT];
  });
}

/** Segments the importer would cut from this network (its graph and urban rules; lengths approximated). */
export function estimateSegments(net: { lon: number[]; lat: number[]; ways: Way[] }): number {
  const kept = keptHighways();
  const ways = new WayStore();
  for (const way of net.ways) {
    const attributes = wayAttributes(way.tags, kept);
    if (attributes) ways.add(way.id, attributes, way.refs);
  }
  const nodes = new NodeTable(ways.refs.view());
  for (let i = 0; i < nodes.size; i++) {
    const id = nodes.ids[i] as number;
    nodes.locate(id, Math.round((net.lon[id] as number) * 1e7), Math.round((net.lat[id] as number) * 1e7));
  }
  const graph = buildGraph(ways, nodes);
  const urban = urbanFlags(graph, nodes, ways);
  let segments = 0;
  for (let e = 0; e < edgeCount(graph); e++) {
    const length = approximateLengthM(graph, nodes, e);
    if (length > 0) segments += Math.ceil(length / (urban[e] ? 100 : 200));
  }
  return segments;
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

async function writeXml(file: string, net: Network): Promise<number> {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const out = fs.createWriteStream(file);
  let bytes = 0;
  const write = async (text: string) => {
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(`<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="roadsafe synthetic-osm">\n`);
  let chunk: string[] = [];
  for (let id = 1; id < net.lon.length; id++) {
    chunk.push(`  <node id="${id}" lat="${(net.lat[id] as number).toFixed(7)}" lon="${(net.lon[id] as number).toFixed(7)}"/>\n`);
    if (chunk.length === 2000) {
      await write(chunk.join(''));
      chunk = [];
    }
  }
  for (const way of net.ways) {
    const tags = Object.entries(way.tags)
      .map(([k, v]) => `    <tag k="${k}" v="${escapeXml(v)}"/>\n`)
      .join('');
    chunk.push(`  <way id="${way.id}">\n${way.refs.map((r) => `    <nd ref="${r}"/>\n`).join('')}${tags}  </way>\n`);
    if (chunk.length === 500) {
      await write(chunk.join(''));
      chunk = [];
    }
  }
  await write(`${chunk.join('')}</osm>\n`);
  out.end();
  await once(out, 'finish');
  return bytes;
}

/**
 * Writes the synthetic network to `file` (OSM XML). Chooses the widest rural spacing (k × 150 m,
 * k from 16 down to 2) whose estimated segment count reaches `targetSegments` with a 3 % margin.
 */
export async function writeSyntheticOsm(file: string, options: SyntheticOsmOptions = {}): Promise<SyntheticOsmResult> {
  const seed = options.seed ?? DEFAULT_OSM_SEED;
  const target = options.targetSegments ?? DEFAULT_TARGET_SEGMENTS;
  const area = options.area ?? LANCASHIRE_AREA;
  if (!Number.isInteger(target) || target < 1) throw new RangeError(`targetSegments must be a whole number of at least 1, got ${target}`);
  const [west, south, east, north] = area;
  if (!(west < east && south < north)) throw new RangeError(`area must be [west, south, east, north] with west < east and south < north, got [${area.join(', ')}]`);
  let chosen: { net: Network; k: number; segments: number } | undefined;
  for (let k = 16; k >= 2; k--) {
    const net = build(seed, area, k);
    const segments = estimateSegments(net);
    chosen = { net, k, segments };
    if (segments >= target * 1.03) break;
  }
  if (!chosen || chosen.segments < target * 1.03) {
    throw new RangeError(`the area gives at most about ${chosen?.segments ?? 0} segments with rural roads every 300 m; ask for fewer than ${target} or a larger area`);
  }
  const bytes = await writeXml(file, chosen.net);
  return {
    path: file,
    nodes: chosen.net.lon.length - 1,
    ways: chosen.net.ways.length,
    estimatedSegments: chosen.segments,
    ruralSpacingM: chosen.k * LATTICE_M,
    bytes,
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, seed: { type: 'string' }, segments: { type: 'string' } },
  });
  const out = values.out ?? path.join(path.dirname(fileURLToPath(import.meta.url)), 'out', 'synthetic-lancashire.osm');
  const started = Date.now();
  const result = await writeSyntheticOsm(out, {
    seed: values.seed ? Number(values.seed) : undefined,
    targetSegments: values.segments ? Number(values.segments) : undefined,
  });
  console.log(
    `${result.path}: ${result.nodes} nodes, ${result.ways} ways, rural roads every ${result.ruralSpacingM} m, ` +
      `about ${result.estimatedSegments} segments, ${(result.bytes / 1e6).toFixed(1)} MB in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}
