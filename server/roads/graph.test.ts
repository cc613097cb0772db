import { describe, expect, it } from 'vitest';
import { buildGraph, edgeCount, NodeTable, urbanFlags, WayStore, type RoadGraph } from './graph.ts';
import type { WayAttributes } from './tags.ts';

const road = (highway = 'residential', extra: Partial<WayAttributes> = {}): WayAttributes => ({
  highway,
  name: null,
  ref: null,
  maxspeedMph: null,
  maxspeedUnparsed: false,
  oneway: 0,
  dualCarriageway: false,
  ...extra,
});

/** Builds the graph of `ways` ([id, refs, attributes]) over nodes placed on a grid: node n at (n % 100, ⌊n / 100⌋) × `spacingM` metres. */
function graphOf(ways: Array<[number, number[], WayAttributes?]>, options: { missing?: number[]; spacingM?: number } = {}) {
  const store = new WayStore();
  for (const [id, refs, attributes] of ways) store.add(id, attributes ?? road(), refs);
  const nodes = new NodeTable(store.refs.view());
  const spacing = options.spacingM ?? 100;
  for (const id of nodes.ids) {
    if (options.missing?.includes(id)) continue;
    // About `spacing` metres per grid step near 54° N.
    nodes.locate(id, Math.round((-2.7 + ((id % 100) * spacing) / 65_500) * 1e7), Math.round((53.8 + (Math.floor(id / 100) * spacing) / 111_250) * 1e7));
  }
  return { store, nodes, graph: buildGraph(store, nodes) };
}

function edgesOf(g: { graph: RoadGraph; nodes: NodeTable }): number[][] {
  const out: number[][] = [];
  for (let e = 0; e < edgeCount(g.graph); e++) {
    const ids: number[] = [];
    for (let k = g.graph.edgeStart[e] as number; k < (g.graph.edgeStart[e + 1] as number); k++) ids.push(g.nodes.ids[g.graph.vertices[k] as number] as number);
    out.push(ids);
  }
  return out;
}

function degrees(g: { graph: RoadGraph; nodes: NodeTable }): Record<number, number> {
  const out: Record<number, number> = {};
  g.nodes.ids.forEach((id, i) => {
    if ((g.graph.degree[i] as number) > 0) out[id] = g.graph.degree[i] as number;
  });
  return out;
}

describe('NodeTable', () => {
  it('keeps the distinct ids sorted, finds them by binary search and counts the located ones', () => {
    const nodes = new NodeTable(Float64Array.from([30, 10, 20, 10, 9_876_543_210]));
    expect([...nodes.ids]).toEqual([10, 20, 30, 9_876_543_210]);
    expect(nodes.indexOf(30)).toBe(2);
    expect(nodes.indexOf(9_876_543_210)).toBe(3);
    expect(nodes.indexOf(25)).toBe(-1);
    expect(nodes.locate(20, 1, 2)).toBe(true);
    expect(nodes.locate(21, 1, 2)).toBe(false);
    expect(nodes.locate(20, 3, 4)).toBe(true);
    expect(nodes.located).toBe(1);
    expect(nodes.has(1)).toBe(true);
    expect(nodes.has(0)).toBe(false);
  });
});

describe('buildGraph', () => {
  it('splits two crossing ways at the shared node: four edges meeting at a degree-4 junction', () => {
    const g = graphOf([
      [1, [1, 2, 3]],
      [2, [102, 2, 202]],
    ]);
    expect(edgesOf(g)).toEqual([
      [1, 2],
      [2, 3],
      [102, 2],
      [2, 202],
    ]);
    expect(degrees(g)).toEqual({ 1: 1, 2: 4, 3: 1, 102: 1, 202: 1 });
    expect(g.graph.waysUsed).toBe(2);
  });

  it('keeps shape nodes inside edges and makes a T junction of degree 3', () => {
    const g = graphOf([
      [1, [1, 2, 3, 4, 5]],
      [2, [303, 203, 103, 3]],
    ]);
    expect(edgesOf(g)).toEqual([
      [1, 2, 3],
      [3, 4, 5],
      [303, 203, 103, 3],
    ]);
    expect(degrees(g)).toEqual({ 1: 1, 3: 3, 5: 1, 303: 1 });
  });

  it('numbers edges by way id whatever order the ways came in', () => {
    const g = graphOf([
      [20, [3, 4]],
      [10, [1, 2, 3]],
    ]);
    expect([...g.graph.edgeWay].map((w) => g.store.ids.get(w))).toEqual([10, 20]);
    expect(degrees(g)).toEqual({ 1: 1, 3: 2, 4: 1 });
  });

  it('cuts a way at a node missing from the file, drops a lone node left over and repeated nodes', () => {
    const g = graphOf(
      [
        [1, [1, 2, 2, 3, 4, 5]],
        [2, [7, 8, 9]],
      ],
      { missing: [4, 8] },
    );
    expect(edgesOf(g)).toEqual([[1, 2, 3]]);
    expect(degrees(g)).toEqual({ 1: 1, 3: 1 });
    expect(g.graph.missingNodeRefs).toBe(2);
    expect(g.graph.waysUsed).toBe(1);
  });

  it('makes a closed way a loop edge at its end node (degree 2), split where another way joins it', () => {
    const alone = graphOf([[1, [1, 2, 102, 1]]]);
    expect(edgesOf(alone)).toEqual([[1, 2, 102, 1]]);
    expect(degrees(alone)).toEqual({ 1: 2 });
    const joined = graphOf([
      [1, [1, 2, 102, 1]],
      [2, [102, 103]],
    ]);
    expect(edgesOf(joined)).toEqual([
      [1, 2, 102],
      [102, 1],
      [102, 103],
    ]);
    expect(degrees(joined)).toEqual({ 1: 2, 102: 3, 103: 1 });
  });

  it('makes a node a way passes twice (a lollipop) a graph node', () => {
    const g = graphOf([[1, [1, 2, 3, 103, 2]]]);
    expect(edgesOf(g)).toEqual([
      [1, 2],
      [2, 3, 103, 2],
    ]);
    expect(degrees(g)).toEqual({ 1: 1, 2: 3 });
  });
});

describe('urbanFlags', () => {
  it('follows a tagged limit (≤ 40 mph urban) and treats untagged residential streets as urban, motorways as rural', () => {
    const g = graphOf([
      [1, [1, 2], road('primary', { maxspeedMph: 40 })],
      [2, [3, 4], road('primary', { maxspeedMph: 50 })],
      [3, [5, 6], road('residential')],
      [4, [7, 8], road('motorway')],
    ]);
    expect([...urbanFlags(g.graph, g.nodes, g.store)]).toEqual([1, 0, 1, 0]);
  });

  it('decides an untagged road by the limits tagged on the roads around it', () => {
    // A 30 mph street grid around an untagged road (way 9) and a national-limit area around another (way 19), 5 km apart.
    const near = (base: number, limit: number): Array<[number, number[], WayAttributes]> => [
      [base, [base * 100, base * 100 + 1, base * 100 + 2, base * 100 + 3], road('tertiary', { maxspeedMph: limit })],
    ];
    const g = graphOf(
      [
        ...near(1, 30),
        [9, [101, 201], road('unclassified')],
        ...near(50, 60),
        [19, [5001, 5101], road('unclassified')],
      ],
      { spacingM: 100 },
    );
    const flags = urbanFlags(g.graph, g.nodes, g.store);
    const byWay = new Map<number, number>();
    for (let e = 0; e < edgeCount(g.graph); e++) byWay.set(g.store.ids.get(g.graph.edgeWay[e] as number), flags[e] as number);
    expect(byWay.get(9)).toBe(1);
    expect(byWay.get(19)).toBe(0);
  });

  it('with no tagged roads nearby, calls a place built-up from its road density (2 km in 500 m × 500 m)', () => {
    // A dense 50 m grid of untagged unclassified roads against one lone untagged lane.
    const grid: Array<[number, number[], WayAttributes]> = [];
    for (let row = 0; row < 10; row++) grid.push([1000 + row, Array.from({ length: 10 }, (_, c) => row * 100 + c), road('unclassified')]);
    for (let col = 0; col < 10; col++) grid.push([2000 + col, Array.from({ length: 10 }, (_, r) => r * 100 + col), road('unclassified')]);
    const dense = graphOf(grid, { spacingM: 50 });
    expect(urbanFlags(dense.graph, dense.nodes, dense.store).every((u) => u === 1)).toBe(true);
    const lone = graphOf([[1, [0, 1, 2, 3, 4, 5]]].map(([id, refs]) => [id as number, refs as number[], road('unclassified')]), { spacingM: 100 });
    expect([...urbanFlags(lone.graph, lone.nodes, lone.store)]).toEqual([0]);
  });
});
