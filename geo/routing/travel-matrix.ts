/**
 * Travel between the planner's locations (van bases and sites): along the road network where there is
 * one, else straight-line distance × a circuity factor at an assumed speed (the plan records which).
 */
import type { TravelMatrix } from '../planning/types.ts';
import { shortestPaths, type RoadGraph } from './graph.ts';

export interface StraightLineOptions {
  /** Road distance ÷ straight-line distance (typically 1.2–1.4). */
  circuity: number;
  /** Assumed average van speed, km/h. */
  speedKmh: number;
}

function checkOptions({ circuity, speedKmh }: StraightLineOptions): void {
  if (!(circuity >= 1)) throw new Error(`circuity must be ≥ 1, got ${circuity}`);
  if (!(speedKmh > 0)) throw new Error(`speedKmh must be positive, got ${speedKmh}`);
}

/** Road metres and seconds between two points (EPSG:27700 metres) by the straight-line estimate. */
function straightLine(a: { x: number; y: number }, b: { x: number; y: number }, { circuity, speedKmh }: StraightLineOptions): [seconds: number, metres: number] {
  const metres = Math.hypot(a.x - b.x, a.y - b.y) * circuity;
  return [metres / (speedKmh / 3.6), metres];
}

/** Every pair by straight-line distance × circuity at `speedKmh`; mode 'straight_line'. */
export function straightLineMatrix(points: ReadonlyArray<{ x: number; y: number }>, options: StraightLineOptions): TravelMatrix {
  checkOptions(options);
  const n = points.length;
  const seconds = new Float64Array(n * n);
  const metres = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const [s, m] = straightLine(points[i]!, points[j]!, options);
      seconds[i * n + j] = s;
      metres[i * n + j] = m;
    }
  }
  return { mode: 'straight_line', size: n, seconds, metres };
}

/**
 * Every pair by the fastest road path between the points' road nodes (`nodeIds[i]` for `points[i]`;
 * one Dijkstra per distinct origin, stopping once all destinations are settled). Pairs with no path,
 * or a point whose node is not in the graph (e.g. −1 for "not snapped"), get the straight-line
 * estimate; points on the same node get 0. Mode 'road_network'.
 */
export function roadNetworkMatrix(
  graph: RoadGraph,
  nodeIds: readonly number[],
  points: ReadonlyArray<{ x: number; y: number }>,
  options: StraightLineOptions,
): TravelMatrix {
  checkOptions(options);
  if (nodeIds.length !== points.length) throw new Error(`nodeIds (${nodeIds.length}) and points (${points.length}) must have the same length.`);
  const n = points.length;
  const seconds = new Float64Array(n * n);
  const metres = new Float64Array(n * n);
  const inGraph = nodeIds.map((id) => graph.indexOf.has(id));
  const targets = [...new Set(nodeIds.filter((_, i) => inGraph[i]))];
  // Rows by origin node; one tree at a time (a tree holds arrays the size of the whole graph).
  const rowsByNode = new Map<number, number[]>();
  for (let i = 0; i < n; i++) if (inGraph[i]) rowsByNode.set(nodeIds[i]!, [...(rowsByNode.get(nodeIds[i]!) ?? []), i]);
  const fill = (i: number, tree: ReturnType<typeof shortestPaths> | undefined): void => {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const to = inGraph[j] ? graph.indexOf.get(nodeIds[j]!)! : -1;
      if (tree && to >= 0 && tree.seconds[to] !== Infinity) {
        seconds[i * n + j] = tree.seconds[to]!;
        metres[i * n + j] = tree.metres[to]!;
      } else {
        const [s, m] = straightLine(points[i]!, points[j]!, options);
        seconds[i * n + j] = s;
        metres[i * n + j] = m;
      }
    }
  };
  for (const [node, rows] of rowsByNode) {
    const tree = shortestPaths(graph, node, targets);
    for (const i of rows) fill(i, tree);
  }
  for (let i = 0; i < n; i++) if (!inGraph[i]) fill(i, undefined);
  return { mode: 'road_network', size: n, seconds, metres };
}
