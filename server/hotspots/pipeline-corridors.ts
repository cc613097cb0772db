import { benjaminiHochberg, distanceBandNeighbours, giStar } from '../../geo/stats/getis-ord.ts';
import { upperTailP } from '../../geo/stats/normal.ts';
import type { HotspotParams } from './params.ts';
import type { Site } from './pipeline-types.ts';
import type { EdgeInfo } from './units.ts';

/*
 * Step 7 of the method: Getis-Ord Gi* over every segment (grid: every cell), zeros included, on the
 * harm score with distance-band weights; upper-tail p-values adjusted by Benjamini–Hochberg at
 * q = fdrQ. A significant site is flagged as part of a corridor; flagged sites that touch form one
 * corridor (an id). The flag never changes a rank.
 */

export interface CorridorSummary {
  tested: number;
  flagged: number;
  corridors: number;
  bandM: number;
  q: number;
}

/** Union–find over site indices. */
class DisjointSets {
  private readonly parent: Int32Array;
  constructor(n: number) {
    this.parent = Int32Array.from({ length: n }, (_, i) => i);
  }
  find(i: number): number {
    let root = i;
    while (this.parent[root] !== root) root = this.parent[root]!;
    while (this.parent[i] !== root) {
      const next = this.parent[i]!;
      this.parent[i] = root;
      i = next;
    }
    return root;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}

/**
 * Runs Gi* + BH over `tested` (the segments or the cells), sets giZ, giQ and corridor, and groups
 * the flagged ones into corridors with `touching(i)` (indices into `tested` sharing an end or a side).
 * Corridor ids are provisional (numbered by their first member) until ranking renumbers them.
 */
export function flagCorridors(tested: Site[], params: HotspotParams, touching: (i: number) => Iterable<number>): CorridorSummary {
  const summary: CorridorSummary = { tested: tested.length, flagged: 0, corridors: 0, bandM: params.giBandM, q: params.fdrQ };
  if (tested.length < 3) return summary;
  const neighbours = distanceBandNeighbours(tested, params.giBandM);
  const z = giStar(
    tested.map((s) => s.harmScore ?? 0),
    neighbours,
  );
  const p = Float64Array.from(z, (v) => (Number.isFinite(v) ? upperTailP(v) : 1));
  const { adjusted, rejected } = benjaminiHochberg(p, params.fdrQ);
  const sets = new DisjointSets(tested.length);
  tested.forEach((site, i) => {
    site.giZ = Number.isFinite(z[i]!) ? z[i]! : null;
    site.giQ = adjusted[i]!;
    site.corridor = rejected[i] === 1 && z[i]! > 0;
  });
  tested.forEach((site, i) => {
    if (!site.corridor) return;
    summary.flagged++;
    for (const j of touching(i)) if (tested[j]?.corridor) sets.union(i, j);
  });
  const ids = new Map<number, number>();
  tested.forEach((site, i) => {
    if (!site.corridor) return;
    const root = sets.find(i);
    if (!ids.has(root)) ids.set(root, ids.size + 1);
    site.corridorId = ids.get(root)!;
  });
  summary.corridors = ids.size;
  return summary;
}

/** Segments that share an end: neighbours along the same edge, and edge ends meeting at a node. */
export function segmentTouching(segments: Site[], segmentsByEdge: ReadonlyMap<number, number[]>, edges: ReadonlyMap<number, EdgeInfo>): (i: number) => number[] {
  const indexOf = new Map<number, number>();
  segments.forEach((s, i) => indexOf.set(Number(s.siteId.slice(4)), i));
  const adjacency: number[][] = segments.map(() => []);
  const atNode = new Map<string, number[]>();
  const addAt = (node: string, i: number) => {
    let list = atNode.get(node);
    if (!list) atNode.set(node, (list = []));
    list.push(i);
  };
  for (const [edgeId, ids] of segmentsByEdge) {
    const local = ids.map((id) => indexOf.get(id)).filter((i): i is number => i !== undefined);
    if (local.length !== ids.length) continue;
    for (let k = 1; k < local.length; k++) {
      adjacency[local[k - 1]!]!.push(local[k]!);
      adjacency[local[k]!]!.push(local[k - 1]!);
    }
    const edge = edges.get(edgeId);
    if (!edge || local.length === 0) continue;
    addAt(edge.source, local[0]!);
    addAt(edge.target, local[local.length - 1]!);
  }
  for (const list of atNode.values()) {
    for (const a of list) for (const b of list) if (a !== b) adjacency[a]!.push(b);
  }
  return (i) => adjacency[i] ?? [];
}

/** Cells that share a side: centres one hexagon apart (√3 × side). */
export function cellTouching(cells: Site[], hexSizeM: number): (i: number) => number[] {
  const neighbours = distanceBandNeighbours(cells, Math.sqrt(3) * hexSizeM * 1.01);
  return (i) => Array.from(neighbours[i] ?? [], (j) => j).filter((j) => j !== i);
}

/**
 * Junctions and windows are not tested; they take the corridor of a flagged segment that touches the
 * junction, or lies under the window.
 */
export function propagateCorridors(sites: Site[], segments: Site[], edges: ReadonlyMap<number, EdgeInfo>, segmentsByEdge: ReadonlyMap<number, number[]>): void {
  const flagged = segments.filter((s) => s.corridor);
  if (flagged.length === 0) return;
  const bySegmentId = new Map<number, Site>();
  for (const s of segments) bySegmentId.set(Number(s.siteId.slice(4)), s);
  // Node → corridor of a flagged end segment there (the lowest id, for determinism).
  const nodeCorridor = new Map<string, number>();
  const mark = (node: string, id: number) => nodeCorridor.set(node, Math.min(nodeCorridor.get(node) ?? id, id));
  for (const [edgeId, ids] of segmentsByEdge) {
    const edge = edges.get(edgeId);
    if (!edge || ids.length === 0) continue;
    const first = bySegmentId.get(ids[0]!);
    const last = bySegmentId.get(ids[ids.length - 1]!);
    if (first?.corridor && first.corridorId !== null) mark(edge.source, first.corridorId);
    if (last?.corridor && last.corridorId !== null) mark(edge.target, last.corridorId);
  }
  // Chain → flagged segment intervals.
  const chainFlags = new Map<number, Array<{ from: number; to: number; id: number }>>();
  for (const s of flagged) {
    if (s.chainId === undefined || s.chainFromM === undefined || s.corridorId === null) continue;
    let list = chainFlags.get(s.chainId);
    if (!list) chainFlags.set(s.chainId, (list = []));
    list.push({ from: s.chainFromM, to: s.chainFromM + (s.lengthM ?? 0), id: s.corridorId });
  }
  for (const site of sites) {
    if (site.unit === 'junction' && site.nodeId !== undefined) {
      const id = nodeCorridor.get(site.nodeId);
      if (id !== undefined) {
        site.corridor = true;
        site.corridorId = id;
      }
    } else if (site.unit === 'window' && site.chainId !== undefined) {
      const from = site.chainFromM!;
      const to = from + (site.lengthM ?? 0);
      const hits = (chainFlags.get(site.chainId) ?? []).filter((f) => f.from < to && f.to > from);
      if (hits.length) {
        site.corridor = true;
        site.corridorId = Math.min(...hits.map((h) => h.id));
      }
    }
  }
}
