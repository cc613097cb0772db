/**
 * The routable road graph built from OSM ways (pure: no database, no files).
 *
 * Memory is kept to typed arrays sized by the road network, never by the file: node ids and way
 * node lists are Float64Arrays (OSM ids pass 2³², and are exact in a double up to 2⁵³), positions
 * Int32Arrays of 1e-7 degrees.
 *
 * Graph nodes are the way ends and every node shared by two or more way positions (a crossing, or
 * a way touching itself); an edge runs between consecutive graph nodes along one way. A node a way
 * refers to but the file does not hold (common at the edge of an extract) breaks the way there: the
 * located nodes either side become ends. A node's degree is the number of edge ends meeting at it
 * (a loop counts twice); degree ≥ 3 is a junction.
 */
import { MAIN_HIGHWAYS, NEVER_URBAN_UNTAGGED, TOWN_STREET_HIGHWAYS, URBAN_LIMIT_MPH, type WayAttributes } from './tags.ts';

/** A Float64Array that grows by doubling. */
export class Float64List {
  private data: Float64Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Float64Array(capacity);
  }
  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }
  get(i: number): number {
    return this.data[i] as number;
  }
  /** A view of the filled part (shares memory). */
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

/** An Int32Array that grows by doubling. */
export class Int32List {
  private data: Int32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Int32Array(capacity);
  }
  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }
  get(i: number): number {
    return this.data[i] as number;
  }
  view(): Int32Array {
    return this.data.subarray(0, this.length);
  }
}

/** The kept highway ways of a file: ids, attributes and node lists (pass 1). */
export class WayStore {
  readonly ids = new Float64List();
  readonly attributes: WayAttributes[] = [];
  /** refStart[i]..refStart[i+1] is way i's slice of `refs`. */
  readonly refStart = new Int32List();
  readonly refs = new Float64List(4096);

  constructor() {
    this.refStart.push(0);
  }

  get count(): number {
    return this.attributes.length;
  }

  add(id: number, attributes: WayAttributes, refs: readonly number[]): void {
    this.ids.push(id);
    this.attributes.push(attributes);
    for (const ref of refs) this.refs.push(ref);
    this.refStart.push(this.refs.length);
  }

  /** Way indexes ordered by OSM id (so the same data gives the same edge ids whatever the file order). */
  orderById(): Int32Array {
    const order = Int32Array.from({ length: this.count }, (_, i) => i);
    const ids = this.ids.view();
    return order.sort((a, b) => (ids[a] as number) - (ids[b] as number));
  }
}

/** Sentinel for "no position": the file did not hold this node. */
const NO_POSITION = -0x80000000;

/**
 * The nodes the kept ways refer to (sorted unique ids) and their positions once pass 2 has found
 * them. Lookups are binary searches: no hash set of millions of ids.
 */
export class NodeTable {
  readonly ids: Float64Array;
  readonly lonE7: Int32Array;
  readonly latE7: Int32Array;
  located = 0;

  constructor(refs: Float64Array) {
    const sorted = Float64Array.from(refs).sort();
    let n = 0;
    for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[n++] = sorted[i] as number;
    this.ids = sorted.slice(0, n);
    this.lonE7 = new Int32Array(n).fill(NO_POSITION);
    this.latE7 = new Int32Array(n).fill(NO_POSITION);
  }

  get size(): number {
    return this.ids.length;
  }

  /** Index of `id`, or -1. */
  indexOf(id: number): number {
    const ids = this.ids;
    let lo = 0;
    let hi = ids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = ids[mid] as number;
      if (v < id) lo = mid + 1;
      else if (v > id) hi = mid - 1;
      else return mid;
    }
    return -1;
  }

  /** Records a node's position if a kept way needs it; returns whether it did. */
  locate(id: number, lonE7: number, latE7: number): boolean {
    const i = this.indexOf(id);
    if (i < 0) return false;
    if (this.lonE7[i] === NO_POSITION) this.located++;
    this.lonE7[i] = lonE7;
    this.latE7[i] = latE7;
    return true;
  }

  has(i: number): boolean {
    return this.lonE7[i] !== NO_POSITION;
  }
}

export interface RoadGraph {
  /** Per NodeTable index: the number of edge ends there; 0 for nodes that are not graph nodes. */
  degree: Uint16Array;
  /** Per edge: the way (WayStore index) it comes from. Edges are ordered by way id, then along the way. */
  edgeWay: Int32Array;
  /** Edge e's vertices are vertices[edgeStart[e] … edgeStart[e + 1]) (NodeTable indexes), graph nodes at both ends. */
  edgeStart: Int32Array;
  vertices: Int32Array;
  /** Ways that gave at least one edge. */
  waysUsed: number;
  /** Way positions whose node the file did not hold. */
  missingNodeRefs: number;
}

export function edgeCount(graph: RoadGraph): number {
  return graph.edgeWay.length;
}

/**
 * Runs of located, de-duplicated nodes of one way (a missing node splits the way; a node repeated
 * in a row is dropped). Calls `run(start, end)` for each run of at least two nodes, as a range of `out`.
 */
function wayRuns(ways: WayStore, nodes: NodeTable, way: number, out: Int32List, run: (start: number, end: number) => void): number {
  let missing = 0;
  let start = out.length;
  const from = ways.refStart.get(way);
  const to = ways.refStart.get(way + 1);
  const close = () => {
    if (out.length - start >= 2) run(start, out.length);
    else out.length = start;
    start = out.length;
  };
  for (let k = from; k < to; k++) {
    const index = nodes.indexOf(ways.refs.get(k));
    if (index < 0 || !nodes.has(index)) {
      missing++;
      close();
      continue;
    }
    if (out.length > start && out.get(out.length - 1) === index) continue;
    out.push(index);
  }
  close();
  return missing;
}

/** Splits the ways into edges at graph nodes and counts degrees (after pass 2 has located the nodes). */
export function buildGraph(ways: WayStore, nodes: NodeTable): RoadGraph {
  const order = ways.orderById();
  // Sweep 1: how many way positions use each node, and which nodes end a run.
  const uses = new Uint8Array(nodes.size);
  const end = new Uint8Array(nodes.size);
  const runs = new Int32List();
  const runWay = new Int32List();
  const runStart = new Int32List();
  const runEnd = new Int32List();
  let missingNodeRefs = 0;
  for (const way of order) {
    missingNodeRefs += wayRuns(ways, nodes, way, runs, (s, e) => {
      runWay.push(way);
      runStart.push(s);
      runEnd.push(e);
      for (let k = s; k < e; k++) {
        const v = runs.get(k);
        if ((uses[v] as number) < 2) uses[v] = (uses[v] as number) + 1;
      }
      end[runs.get(s)] = 1;
      end[runs.get(e - 1)] = 1;
    });
  }
  // Sweep 2: cut each run at graph nodes.
  const degree = new Uint16Array(nodes.size);
  const edgeWay = new Int32List();
  const edgeStart = new Int32List();
  const vertices = new Int32List(runs.length + 1024);
  const waysWithEdges = new Uint8Array(ways.count);
  const isGraphNode = (v: number) => (uses[v] as number) >= 2 || end[v] === 1;
  for (let r = 0; r < runWay.length; r++) {
    const way = runWay.get(r);
    const s = runStart.get(r);
    const e = runEnd.get(r);
    let edgeFirst = s;
    for (let k = s + 1; k < e; k++) {
      const v = runs.get(k);
      if (!isGraphNode(v)) continue;
      edgeWay.push(way);
      edgeStart.push(vertices.length);
      for (let j = edgeFirst; j <= k; j++) vertices.push(runs.get(j));
      const source = runs.get(edgeFirst);
      degree[source] = (degree[source] as number) + 1;
      degree[v] = (degree[v] as number) + 1;
      waysWithEdges[way] = 1;
      edgeFirst = k;
    }
  }
  edgeStart.push(vertices.length);
  let waysUsed = 0;
  for (const used of waysWithEdges) waysUsed += used;
  return {
    degree,
    edgeWay: edgeWay.view().slice(),
    edgeStart: edgeStart.view().slice(),
    vertices: vertices.view().slice(),
    waysUsed,
    missingNodeRefs,
  };
}

// ---------------------------------------------------------------------------------------------
// Approximate metric geometry (for the urban density test and estimates; stored lengths come from PostGIS in EPSG:27700)

const M_PER_DEG_LAT = 110_574;
const M_PER_DEG_LON_EQUATOR = 111_320;

/** Local metres east/north of a position (equirectangular at the point's latitude; < 0.5 % error over a few km). */
function metres(nodes: NodeTable, i: number): [number, number] {
  const lat = (nodes.latE7[i] as number) / 1e7;
  const lon = (nodes.lonE7[i] as number) / 1e7;
  return [lon * Math.cos((lat * Math.PI) / 180) * M_PER_DEG_LON_EQUATOR, lat * M_PER_DEG_LAT];
}

/** Approximate length in metres of edge e. */
export function approximateLengthM(graph: RoadGraph, nodes: NodeTable, e: number): number {
  let length = 0;
  const from = graph.edgeStart[e] as number;
  const to = graph.edgeStart[e + 1] as number;
  let [px, py] = metres(nodes, graph.vertices[from] as number);
  for (let k = from + 1; k < to; k++) {
    const [x, y] = metres(nodes, graph.vertices[k] as number);
    length += Math.hypot(x - px, y - py);
    px = x;
    py = y;
  }
  return length;
}

/** The urban test for edges with no speed limit tag (see urbanFlags). */
const URBAN_DENSITY = {
  /** Grid cell size, metres. */
  cellM: 100,
  /** Cells each side of the edge's midpoint cell: 2 → a 5 × 5 block, 500 m × 500 m. */
  radiusCells: 2,
  /** Tagged road length (metres) in the block from which the neighbours' limits decide. */
  minTaggedM: 200,
  /** Road length (metres, a one-way carriageway counting half) in the block at or above which the place is built-up: 2 km in 0.25 km² = 8 km/km². */
  minRoadM: 2000,
};

/** Highway classes that count as neighbours: the main classes without motorways and slip roads. */
const NEIGHBOUR_HIGHWAYS: ReadonlySet<string> = new Set(MAIN_HIGHWAYS.filter((h) => h !== 'motorway' && !h.endsWith('_link')));

/**
 * Whether each edge is urban:
 * 1. a tagged speed limit ≤ 40 mph → urban, above → rural;
 * 2. no limit tagged: residential and living_street → urban; motorways and their slip roads → rural;
 * 3. any other class untagged (service roads and paths included) is judged by the roads in the
 *    500 m × 500 m block around its midpoint, counting the main classes without motorways and slip
 *    roads, a one-way carriageway as half (so a dual carriageway counts once):
 *    a. when at least 200 m of them have a tagged limit: urban if the length limited to ≤ 40 mph is
 *       at least the length limited above 40 (a street among 30 mph roads is in a town);
 *    b. otherwise urban when the place is built-up: at least 2 km of road in the block (8 km/km²).
 *    Service roads and paths never count as neighbours, so the import flags do not change other
 *    roads' status.
 */
export function urbanFlags(graph: RoadGraph, nodes: NodeTable, ways: WayStore): Uint8Array {
  const edges = edgeCount(graph);
  const urban = new Uint8Array(edges);
  const { cellM, radiusCells, minRoadM, minTaggedM } = URBAN_DENSITY;
  const key = (cx: number, cy: number) => (cx + 0x100000) * 0x200000 + (cy + 0x100000);
  // Per 100 m cell: [all road, tagged ≤ 40 mph, tagged > 40 mph] metres.
  const cells = new Map<number, Float64Array>();
  const undecided: number[] = [];
  for (let e = 0; e < edges; e++) {
    const attributes = ways.attributes[graph.edgeWay[e] as number] as WayAttributes;
    const limit = attributes.maxspeedMph;
    if (limit !== null) urban[e] = limit <= URBAN_LIMIT_MPH ? 1 : 0;
    else if (TOWN_STREET_HIGHWAYS.has(attributes.highway)) urban[e] = 1;
    else if (!NEVER_URBAN_UNTAGGED.has(attributes.highway)) undecided.push(e);
    if (!NEIGHBOUR_HIGHWAYS.has(attributes.highway)) continue;
    const weight = attributes.oneway !== 0 ? 0.5 : 1;
    const slot = limit === null ? 0 : limit <= URBAN_LIMIT_MPH ? 1 : 2;
    // Add the edge's length to the cells it crosses, in steps of at most half a cell.
    const from = graph.edgeStart[e] as number;
    const to = graph.edgeStart[e + 1] as number;
    let [px, py] = metres(nodes, graph.vertices[from] as number);
    for (let k = from + 1; k < to; k++) {
      const [x, y] = metres(nodes, graph.vertices[k] as number);
      const length = Math.hypot(x - px, y - py);
      const steps = Math.max(1, Math.ceil(length / (cellM / 2)));
      for (let s = 0; s < steps; s++) {
        const t = (s + 0.5) / steps;
        const cell = key(Math.floor((px + (x - px) * t) / cellM), Math.floor((py + (y - py) * t) / cellM));
        let sums = cells.get(cell);
        if (!sums) cells.set(cell, (sums = new Float64Array(3)));
        const add = (weight * length) / steps;
        sums[0] = (sums[0] as number) + add;
        if (slot) sums[slot] = (sums[slot] as number) + add;
      }
      px = x;
      py = y;
    }
  }
  for (const e of undecided) {
    const [mx, my] = edgeMidpoint(graph, nodes, e);
    const cx = Math.floor(mx / cellM);
    const cy = Math.floor(my / cellM);
    let road = 0;
    let urbanTagged = 0;
    let ruralTagged = 0;
    for (let dx = -radiusCells; dx <= radiusCells; dx++) {
      for (let dy = -radiusCells; dy <= radiusCells; dy++) {
        const sums = cells.get(key(cx + dx, cy + dy));
        if (!sums) continue;
        road += sums[0] as number;
        urbanTagged += sums[1] as number;
        ruralTagged += sums[2] as number;
      }
    }
    urban[e] = (urbanTagged + ruralTagged >= minTaggedM ? urbanTagged >= ruralTagged : road >= minRoadM) ? 1 : 0;
  }
  return urban;
}

/** The point halfway along edge e, in local metres. */
function edgeMidpoint(graph: RoadGraph, nodes: NodeTable, e: number): [number, number] {
  const half = approximateLengthM(graph, nodes, e) / 2;
  const from = graph.edgeStart[e] as number;
  const to = graph.edgeStart[e + 1] as number;
  let [px, py] = metres(nodes, graph.vertices[from] as number);
  let walked = 0;
  for (let k = from + 1; k < to; k++) {
    const [x, y] = metres(nodes, graph.vertices[k] as number);
    const step = Math.hypot(x - px, y - py);
    if (walked + step >= half && step > 0) {
      const t = (half - walked) / step;
      return [px + (x - px) * t, py + (y - py) * t];
    }
    walked += step;
    px = x;
    py = y;
  }
  return [px, py];
}
