import { describe, expect, it } from 'vitest';
import { buildRoadGraph, type RoadEdgeInput } from './graph.ts';
import { inLargestComponent, stronglyConnectedComponents } from './components.ts';

const edge = (id: number, source: number, target: number, oneway: RoadEdgeInput['oneway'] = 0): RoadEdgeInput => ({ id, source, target, costS: 10, lengthM: 100, oneway });

describe('strongly connected components of the road graph', () => {
  it('puts a one-way loop in one component and a one-way spur leaving it in components of their own', () => {
    // 1 → 2 → 3 → 1 (a one-way ring), 3 → 4 → 5 (a one-way exit: reachable, no way back), 6 — 7 both ways.
    const graph = buildRoadGraph([edge(1, 1, 2, 1), edge(2, 2, 3, 1), edge(3, 3, 1, 1), edge(4, 3, 4, 1), edge(5, 4, 5, 1), edge(6, 6, 7)]);
    const components = stronglyConnectedComponents(graph);
    const of = (node: number) => components.componentOf[graph.indexOf.get(node)!];
    expect(of(1)).toBe(of(2));
    expect(of(2)).toBe(of(3));
    expect(of(4)).not.toBe(of(3));
    expect(of(5)).not.toBe(of(4));
    expect(of(6)).toBe(of(7));
    expect([...components.sizes].sort()).toEqual([1, 1, 2, 3]);
    expect([1, 2, 3, 4, 5, 6, 7].filter((n) => inLargestComponent(graph, components, n))).toEqual([1, 2, 3]);
    expect(inLargestComponent(graph, components, 99)).toBe(false);
  });

  it('honours reversed one-ways (-1: only against the drawing)', () => {
    // 1 → 2 along the drawing, and 1 → 2 drawn backwards but driven 2 → 1: a loop.
    const graph = buildRoadGraph([edge(1, 1, 2, 1), edge(2, 1, 2, -1)]);
    expect(stronglyConnectedComponents(graph).sizes).toEqual([2]);
  });

  it('walks a long chain without recursion', () => {
    const n = 200_000;
    const edges = Array.from({ length: n }, (_, i) => edge(i + 1, i, i + 1));
    const components = stronglyConnectedComponents(buildRoadGraph(edges));
    expect(components.sizes).toEqual([n + 1]);
    expect(components.largest).toBe(0);
  });

  it('answers an empty graph with no largest component', () => {
    expect(stronglyConnectedComponents(buildRoadGraph([])).largest).toBe(-1);
  });
});
