import { describe, expect, it } from 'vitest';
import { buildRoadGraph } from './graph.ts';
import { roadNetworkMatrix, straightLineMatrix } from './travel-matrix.ts';

const options = { circuity: 1.5, speedKmh: 36 }; // 36 km/h = 10 m/s

describe('straightLineMatrix', () => {
  it('gives straight-line metres × circuity and seconds at the assumed speed', () => {
    const m = straightLineMatrix([{ x: 0, y: 0 }, { x: 3000, y: 4000 }], options);
    expect(m.mode).toBe('straight_line');
    expect(m.size).toBe(2);
    expect([...m.metres]).toEqual([0, 7500, 7500, 0]);
    expect([...m.seconds]).toEqual([0, 750, 750, 0]);
  });

  it('rejects a circuity below 1 and a speed that is not positive', () => {
    expect(() => straightLineMatrix([], { circuity: 0.9, speedKmh: 30 })).toThrow('circuity must be ≥ 1, got 0.9');
    expect(() => straightLineMatrix([], { circuity: 1.2, speedKmh: 0 })).toThrow('speedKmh must be positive, got 0');
  });
});

describe('roadNetworkMatrix', () => {
  // 1 ─(60 s, 600 m, one-way 1→2)→ 2 ─(30 s, 300 m)─ 3, and 3 ─(200 s, 2000 m)─ 1.  Node 9 is on an island with 8.
  const graph = buildRoadGraph([
    { id: 1, source: 1, target: 2, costS: 60, lengthM: 600, oneway: true },
    { id: 2, source: 2, target: 3, costS: 30, lengthM: 300, oneway: false },
    { id: 3, source: 3, target: 1, costS: 200, lengthM: 2000, oneway: false },
    { id: 4, source: 8, target: 9, costS: 5, lengthM: 50, oneway: false },
  ]);
  const points = [
    { x: 0, y: 0 },
    { x: 1000, y: 0 },
    { x: 1000, y: 1000 },
    { x: 0, y: 3000 },
  ];

  it('uses the fastest road path, which differs by direction on one-way streets', () => {
    const m = roadNetworkMatrix(graph, [1, 2, 3, 9], points, options);
    expect(m.mode).toBe('road_network');
    const at = (i: number, j: number) => [m.seconds[i * 4 + j], m.metres[i * 4 + j]];
    expect(at(0, 1)).toEqual([60, 600]);
    expect(at(1, 0)).toEqual([230, 2300]); // against the one-way: round by 3
    expect(at(0, 2)).toEqual([90, 900]);
    expect(at(2, 0)).toEqual([200, 2000]);
  });

  it('falls back to the straight-line estimate for unreachable pairs and unsnapped points', () => {
    const m = roadNetworkMatrix(graph, [1, 2, -1, 9], points, options);
    // 1 → island node 9: no path; straight line 3000 m × 1.5 at 10 m/s.
    expect([m.seconds[3], m.metres[3]]).toEqual([450, 4500]);
    expect([m.seconds[12], m.metres[12]]).toEqual([450, 4500]);
    // Point 2 has no road node (−1): straight line both ways, √2 km × 1.5.
    expect(m.metres[2]).toBeCloseTo(Math.SQRT2 * 1500, 6);
    expect(m.metres[8]).toBeCloseTo(Math.SQRT2 * 1500, 6);
  });

  it('gives zero between points snapped to the same node, and on the diagonal', () => {
    const m = roadNetworkMatrix(graph, [2, 2], [{ x: 0, y: 0 }, { x: 10, y: 0 }], options);
    expect([...m.seconds]).toEqual([0, 0, 0, 0]);
  });

  it('insists on one node per point', () => {
    expect(() => roadNetworkMatrix(graph, [1], points, options)).toThrow('nodeIds (1) and points (4) must have the same length.');
  });
});
