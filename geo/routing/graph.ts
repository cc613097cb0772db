/**
 * The routable road graph for van travel: compressed adjacency arrays (CSR) over the road edges and
 * Dijkstra's shortest paths by travel time with a binary heap. Pure: the caller loads the edges.
 */

export interface RoadEdgeInput {
  id: number;
  /** Node ids at the start and end of the edge's geometry. */
  source: number;
  target: number;
  /** Travel time along the edge, seconds (≥ 0). */
  costS: number;
  lengthM: number;
  /**
   * true or 1: only source → target; -1: only target → source (OSM's reversed one-way);
   * false or 0: both ways.
   */
  oneway: boolean | 0 | 1 | -1;
}

export interface RoadGraph {
  /** Node id of each internal node index. */
  nodeIds: Float64Array;
  /** Internal index of each node id. */
  indexOf: Map<number, number>;
  /** CSR: arcs out of node i are firstArc[i] … firstArc[i + 1] − 1. */
  firstArc: Int32Array;
  arcHead: Int32Array;
  arcTail: Int32Array;
  arcSeconds: Float64Array;
  arcMetres: Float64Array;
  /** Index into `edgeIds` of the edge each arc runs along. */
  arcEdge: Int32Array;
  edgeIds: Float64Array;
}

/** Shortest-path tree from one node, indexed by internal node index (see `nodeIndex`). */
export interface ShortestPaths {
  graph: RoadGraph;
  from: number;
  /** Travel seconds from `from` to each node; Infinity where not reached (unreachable, or not needed). */
  seconds: Float64Array;
  /** Length in metres of that fastest path. */
  metres: Float64Array;
  /** Arc index used to reach each node (−1 for the origin and unreached nodes). */
  previousArc: Int32Array;
  /** Edge id used to reach each node (NaN for the origin and unreached nodes). */
  previousEdge: Float64Array;
}

/** Builds the graph; both-way edges give an arc each way, one-way edges one arc. */
export function buildRoadGraph(edges: readonly RoadEdgeInput[]): RoadGraph {
  const indexOf = new Map<number, number>();
  const ids: number[] = [];
  const nodeIndexFor = (id: number): number => {
    let i = indexOf.get(id);
    if (i === undefined) {
      i = ids.length;
      indexOf.set(id, i);
      ids.push(id);
    }
    return i;
  };
  const tails: number[] = [];
  const heads: number[] = [];
  const arcEdges: number[] = [];
  edges.forEach((e, k) => {
    if (!(e.costS >= 0) || !(e.lengthM >= 0)) throw new Error(`Road edge ${e.id} has a negative or missing cost (costS ${e.costS}, lengthM ${e.lengthM}).`);
    const s = nodeIndexFor(e.source);
    const t = nodeIndexFor(e.target);
    const direction = e.oneway === true || e.oneway === 1 ? 1 : e.oneway === -1 ? -1 : 0;
    if (direction >= 0) {
      tails.push(s);
      heads.push(t);
      arcEdges.push(k);
    }
    if (direction <= 0) {
      tails.push(t);
      heads.push(s);
      arcEdges.push(k);
    }
  });
  const n = ids.length;
  const m = tails.length;
  const firstArc = new Int32Array(n + 1);
  for (const t of tails) firstArc[t + 1]!++;
  for (let i = 0; i < n; i++) firstArc[i + 1]! += firstArc[i]!;
  const fill = firstArc.slice(0, n);
  const arcHead = new Int32Array(m);
  const arcTail = new Int32Array(m);
  const arcSeconds = new Float64Array(m);
  const arcMetres = new Float64Array(m);
  const arcEdge = new Int32Array(m);
  for (let a = 0; a < m; a++) {
    const slot = fill[tails[a]!]!++;
    const e = edges[arcEdges[a]!]!;
    arcHead[slot] = heads[a]!;
    arcTail[slot] = tails[a]!;
    arcSeconds[slot] = e.costS;
    arcMetres[slot] = e.lengthM;
    arcEdge[slot] = arcEdges[a]!;
  }
  return { nodeIds: Float64Array.from(ids), indexOf, firstArc, arcHead, arcTail, arcSeconds, arcMetres, arcEdge, edgeIds: Float64Array.from(edges, (e) => e.id) };
}

/** The internal index of a node id, or undefined if no edge touches it. */
export function nodeIndex(graph: RoadGraph, nodeId: number): number | undefined {
  return graph.indexOf.get(nodeId);
}

/**
 * Fastest paths (by seconds) from `fromNode`. With `toNodes`, stops as soon as all of them that are in
 * the graph are settled (nodes not settled by then read Infinity). Ties: the first path found is kept
 * (arcs in edge input order), so results are deterministic.
 */
export function shortestPaths(graph: RoadGraph, fromNode: number, toNodes?: readonly number[]): ShortestPaths {
  const from = graph.indexOf.get(fromNode);
  if (from === undefined) throw new Error(`Node ${fromNode} is not in the road graph.`);
  const n = graph.nodeIds.length;
  const seconds = new Float64Array(n).fill(Infinity);
  const metres = new Float64Array(n).fill(Infinity);
  const previousArc = new Int32Array(n).fill(-1);
  const settled = new Uint8Array(n);
  let targetsLeft = -1;
  const isTarget = toNodes ? new Uint8Array(n) : undefined;
  if (toNodes && isTarget) {
    targetsLeft = 0;
    for (const id of toNodes) {
      const i = graph.indexOf.get(id);
      if (i !== undefined && !isTarget[i]) {
        isTarget[i] = 1;
        targetsLeft++;
      }
    }
  }
  const heap = new MinHeap();
  seconds[from] = 0;
  metres[from] = 0;
  heap.push(from, 0);
  while (heap.size && targetsLeft !== 0) {
    const [u, key] = heap.pop();
    if (settled[u] || key > seconds[u]!) continue; // a stale entry (lazy deletion)
    settled[u] = 1;
    if (isTarget?.[u]) targetsLeft--;
    for (let a = graph.firstArc[u]!; a < graph.firstArc[u + 1]!; a++) {
      const v = graph.arcHead[a]!;
      const t = key + graph.arcSeconds[a]!;
      if (t < seconds[v]!) {
        seconds[v] = t;
        metres[v] = metres[u]! + graph.arcMetres[a]!;
        previousArc[v] = a;
        heap.push(v, t);
      }
    }
  }
  // Nodes reached but not settled (early stop) may not hold their final value: report them as not reached.
  for (let i = 0; i < n; i++) {
    if (!settled[i]) {
      seconds[i] = Infinity;
      metres[i] = Infinity;
      previousArc[i] = -1;
    }
  }
  const previousEdge = new Float64Array(n).fill(NaN);
  for (let i = 0; i < n; i++) if (previousArc[i]! >= 0) previousEdge[i] = graph.edgeIds[graph.arcEdge[previousArc[i]!]!]!;
  return { graph, from, seconds, metres, previousArc, previousEdge };
}

/** Seconds and metres to `toNode` in a shortest-path tree, or null if it was not reached. */
export function travelTo(result: ShortestPaths, toNode: number): { seconds: number; metres: number } | null {
  const i = result.graph.indexOf.get(toNode);
  if (i === undefined || result.seconds[i] === Infinity) return null;
  return { seconds: result.seconds[i]!, metres: result.metres[i]! };
}

/** Edge ids from the tree's origin to `toNode`, in travel order ([] when `toNode` is the origin). Throws if not reached. */
export function pathEdges(result: ShortestPaths, toNode: number): number[] {
  const { graph } = result;
  const target = graph.indexOf.get(toNode);
  if (target === undefined) throw new Error(`Node ${toNode} is not in the road graph.`);
  if (result.seconds[target] === Infinity) throw new Error(`Node ${toNode} cannot be reached from node ${graph.nodeIds[result.from]}.`);
  const edges: number[] = [];
  for (let i = target; i !== result.from; ) {
    const a = result.previousArc[i]!;
    edges.push(graph.edgeIds[graph.arcEdge[a]!]!);
    i = graph.arcTail[a]!;
  }
  return edges.reverse();
}

/** A binary min-heap of (node, key) with parallel typed arrays, growing as needed. */
class MinHeap {
  private nodes = new Int32Array(64);
  private keys = new Float64Array(64);
  size = 0;

  push(node: number, key: number): void {
    if (this.size === this.nodes.length) {
      const nodes = new Int32Array(this.size * 2);
      nodes.set(this.nodes);
      const keys = new Float64Array(this.size * 2);
      keys.set(this.keys);
      this.nodes = nodes;
      this.keys = keys;
    }
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.keys[parent]! <= key) break;
      this.nodes[i] = this.nodes[parent]!;
      this.keys[i] = this.keys[parent]!;
      i = parent;
    }
    this.nodes[i] = node;
    this.keys[i] = key;
  }

  pop(): [node: number, key: number] {
    const top: [number, number] = [this.nodes[0]!, this.keys[0]!];
    const lastNode = this.nodes[--this.size]!;
    const lastKey = this.keys[this.size]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= this.size) break;
      if (child + 1 < this.size && this.keys[child + 1]! < this.keys[child]!) child++;
      if (this.keys[child]! >= lastKey) break;
      this.nodes[i] = this.nodes[child]!;
      this.keys[i] = this.keys[child]!;
      i = child;
    }
    this.nodes[i] = lastNode;
    this.keys[i] = lastKey;
    return top;
  }
}
