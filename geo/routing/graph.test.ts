import { describe, expect, it } from 'vitest';
import { buildRoadGraph, nodeIndex, pathEdges, shortestPaths, travelTo, type RoadEdgeInput } from './graph.ts';

const edge = (id: number, source: number, target: number, costS: number, oneway: RoadEdgeInput['oneway'] = false, lengthM = costS * 10): RoadEdgeInput => ({
  id,
  source,
  target,
  costS,
  lengthM,
  oneway,
});

//  100 ──e1 (10 s)──> 200 ──e2 (10 s)──> 300      e1, e2 one-way
//   │                                     │
//   └──────────e3 (50 s, both ways)───────┘
//  400 ──e4── 500   (an island)
const town = [edge(1, 100, 200, 10, true), edge(2, 200, 300, 10, true), edge(3, 100, 300, 50), edge(4, 400, 500, 5)];

describe('shortestPaths', () => {
  it('follows one-way streets only along their direction', () => {
    const graph = buildRoadGraph(town);
    const there = shortestPaths(graph, 100);
    expect(travelTo(there, 300)).toEqual({ seconds: 20, metres: 200 });
    expect(pathEdges(there, 300)).toEqual([1, 2]);
    const back = shortestPaths(graph, 300);
    expect(travelTo(back, 100)).toEqual({ seconds: 50, metres: 500 });
    expect(pathEdges(back, 100)).toEqual([3]);
    // 200 is reached from 300 only by going back to 100 and along the one-way e1.
    expect(pathEdges(back, 200)).toEqual([3, 1]);
    expect(travelTo(back, 200)?.seconds).toBe(60);
  });

  it('treats oneway −1 as one-way against the edge direction', () => {
    const graph = buildRoadGraph([edge(7, 1, 2, 30, -1)]);
    expect(travelTo(shortestPaths(graph, 1), 2)).toBeNull();
    expect(travelTo(shortestPaths(graph, 2), 1)).toEqual({ seconds: 30, metres: 300 });
  });

  it('reports unreachable nodes as Infinity and refuses a path to them', () => {
    const graph = buildRoadGraph(town);
    const tree = shortestPaths(graph, 100);
    expect(tree.seconds[nodeIndex(graph, 500)!]).toBe(Infinity);
    expect(Number.isNaN(tree.previousEdge[nodeIndex(graph, 500)!])).toBe(true);
    expect(travelTo(tree, 500)).toBeNull();
    expect(() => pathEdges(tree, 500)).toThrow('Node 500 cannot be reached from node 100.');
  });

  it('gives an empty path to the origin itself and throws for nodes not in the graph', () => {
    const graph = buildRoadGraph(town);
    const tree = shortestPaths(graph, 100);
    expect(pathEdges(tree, 100)).toEqual([]);
    expect(() => pathEdges(tree, 999)).toThrow('Node 999 is not in the road graph.');
    expect(() => shortestPaths(graph, 999)).toThrow('Node 999 is not in the road graph.');
  });

  it('breaks ties between equally fast paths by the edge that comes first, every time', () => {
    // Two 20-second routes from 1 to 4: via 2 (edges 10, 11) and via 3 (edges 12, 13).
    const graph = buildRoadGraph([edge(10, 1, 2, 10), edge(11, 2, 4, 10), edge(12, 1, 3, 10), edge(13, 3, 4, 10)]);
    for (let run = 0; run < 3; run++) {
      const tree = shortestPaths(graph, 1);
      expect(travelTo(tree, 4)?.seconds).toBe(20);
      expect(pathEdges(tree, 4)).toEqual([10, 11]);
    }
  });

  it('prefers the faster path even when it is longer in metres, and reports that path’s metres', () => {
    const graph = buildRoadGraph([edge(1, 1, 2, 100, false, 500), edge(2, 1, 3, 20, false, 900), edge(3, 3, 2, 20, false, 900)]);
    expect(travelTo(shortestPaths(graph, 1), 2)).toEqual({ seconds: 40, metres: 1800 });
  });

  it('stops early once every destination is settled, leaving farther nodes unreached', () => {
    const line = [edge(1, 1, 2, 1), edge(2, 2, 3, 1), edge(3, 3, 4, 1), edge(4, 4, 5, 1)];
    const tree = shortestPaths(buildRoadGraph(line), 1, [2]);
    expect(travelTo(tree, 2)?.seconds).toBe(1);
    expect(travelTo(tree, 5)).toBeNull();
    // Destinations not in the graph are ignored rather than searched for forever.
    expect(travelTo(shortestPaths(buildRoadGraph(line), 1, [3, 42]), 3)?.seconds).toBe(2);
  });

  it('matches a brute-force Bellman–Ford on a random grid with one-way streets', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const edges: RoadEdgeInput[] = [];
    const side = 12;
    let id = 1;
    for (let r = 0; r < side; r++) {
      for (let c = 0; c < side; c++) {
        const node = r * side + c;
        const oneway = (): RoadEdgeInput['oneway'] => (random() < 0.3 ? (random() < 0.5 ? 1 : -1) : 0);
        if (c + 1 < side) edges.push(edge(id++, node, node + 1, 1 + Math.floor(random() * 30), oneway()));
        if (r + 1 < side) edges.push(edge(id++, node, node + side, 1 + Math.floor(random() * 30), oneway()));
      }
    }
    const graph = buildRoadGraph(edges);
    const best = new Array<number>(side * side).fill(Infinity);
    best[0] = 0;
    for (let round = 0; round < side * side; round++) {
      for (const e of edges) {
        if (e.oneway !== -1) best[e.target] = Math.min(best[e.target]!, best[e.source]! + e.costS);
        if (e.oneway !== 1) best[e.source] = Math.min(best[e.source]!, best[e.target]! + e.costS);
      }
    }
    const tree = shortestPaths(graph, 0);
    for (let node = 0; node < side * side; node++) {
      expect(travelTo(tree, node)?.seconds ?? Infinity).toBe(best[node]);
      if (best[node] !== Infinity) {
        const byId = new Map(edges.map((e) => [e.id, e]));
        expect(pathEdges(tree, node).reduce((sum, e) => sum + byId.get(e)!.costS, 0)).toBe(best[node]);
      }
    }
  });
});

describe('buildRoadGraph', () => {
  it('gives a both-way edge an arc each way and a one-way edge one arc', () => {
    const graph = buildRoadGraph(town);
    expect(graph.arcHead.length).toBe(6);
    expect(graph.nodeIds.length).toBe(5);
  });

  it('rejects an edge with a negative travel time, naming it', () => {
    expect(() => buildRoadGraph([edge(9, 1, 2, -1)])).toThrow('Road edge 9 has a negative or missing cost');
  });
});
