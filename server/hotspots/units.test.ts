import { describe, expect, it } from 'vitest';
import { DEFAULT_PARAMS } from './params.ts';
import { buildChains, chainPosition, chainWindows, type ChainEdge } from './units.ts';

const edge = (id: number, source: string, target: string, key: string | null, lengthM: number): ChainEdge => ({ id, source, target, key, lengthM });

describe('buildChains', () => {
  it('joins the edges of one road end to end across a junction, whichever way each edge was drawn', () => {
    // A6: 1 (a→b), 2 (c→b, drawn backwards), 3 (c→d); a side road 4 (b→e) at the junction b.
    const chains = buildChains([edge(1, 'a', 'b', 'a6', 100), edge(2, 'c', 'b', 'a6', 50), edge(3, 'c', 'd', 'a6', 30), edge(4, 'b', 'e', 'mill lane', 70)]);
    expect(chains).toEqual([
      {
        id: 1,
        lengthM: 180,
        members: [
          { edgeId: 1, reversed: false, offsetM: 0, lengthM: 100 },
          { edgeId: 2, reversed: true, offsetM: 100, lengthM: 50 },
          { edgeId: 3, reversed: false, offsetM: 150, lengthM: 30 },
        ],
      },
      { id: 2, lengthM: 70, members: [{ edgeId: 4, reversed: false, offsetM: 0, lengthM: 70 }] },
    ]);
  });

  it('always joins two edges meeting where there is no junction, even unnamed ones, and starts a chain at its open end', () => {
    const chains = buildChains([edge(5, 'x', 'y', null, 10), edge(2, 'w', 'x', null, 20)]);
    expect(chains).toHaveLength(1);
    expect(chains[0]!.members.map((m) => [m.edgeId, m.reversed, m.offsetM])).toEqual([
      [2, false, 0],
      [5, false, 20],
    ]);
  });

  it('does not guess where three or more ends of one road meet (a dual carriageway splitting)', () => {
    const chains = buildChains([edge(1, 'a', 'b', 'a6', 10), edge(2, 'b', 'c', 'a6', 10), edge(3, 'b', 'd', 'a6', 10)]);
    expect(chains.map((c) => c.members.map((m) => m.edgeId))).toEqual([[1], [2], [3]]);
  });

  it('breaks a ring road at its lowest edge id and never loops', () => {
    const chains = buildChains([edge(3, 'c', 'a', 'ring', 10), edge(1, 'a', 'b', 'ring', 10), edge(2, 'b', 'c', 'ring', 10)]);
    expect(chains).toHaveLength(1);
    expect(chains[0]!.members.map((m) => m.edgeId)).toEqual([1, 2, 3]);
    expect(chains[0]!.lengthM).toBe(30);
  });

  it('gives positions along the chain for points along a member edge', () => {
    const [chain] = buildChains([edge(1, 'a', 'b', 'a6', 100), edge(2, 'c', 'b', 'a6', 50)]);
    expect(chainPosition(chain!.members[0]!, 40)).toBe(40);
    // 10 m along edge 2 as drawn (from c) is 40 m before its end at b: 100 + 50 − 10.
    expect(chainPosition(chain!.members[1]!, 10)).toBe(140);
  });
});

describe('chainWindows', () => {
  const urban = () => true;

  it('slides 300 m windows every 50 m along an urban chain, naming each by the edge and metre under its start', () => {
    const [chain] = buildChains([edge(7, 'a', 'b', 'a6', 250), edge(8, 'c', 'b', 'a6', 200)]);
    const windows = chainWindows(chain!, urban, DEFAULT_PARAMS);
    expect(windows.map((w) => [w.siteId, w.fromM, w.toM])).toEqual([
      ['win:7:0', 0, 300],
      ['win:7:50', 50, 350],
      ['win:7:100', 100, 400],
      ['win:7:150', 150, 450],
    ]);
    // The second edge is drawn against the chain: its piece runs backwards along its geometry.
    expect(windows[0]!.pieces).toEqual([
      { edgeId: 7, fromM: 0, toM: 250, reversed: false },
      { edgeId: 8, fromM: 150, toM: 200, reversed: true },
    ]);
    expect(windows[3]!.midEdgeId).toBe(8);
  });

  it('uses 500 m windows on rural roads and one window for a chain shorter than its window', () => {
    const [long] = buildChains([edge(1, 'a', 'b', 'b5269', 600)]);
    expect(chainWindows(long!, () => false, DEFAULT_PARAMS).map((w) => [w.fromM, w.toM])).toEqual([
      [0, 500],
      [50, 550],
      [100, 600],
    ]);
    const [short] = buildChains([edge(2, 'a', 'b', null, 120)]);
    expect(chainWindows(short!, urban, DEFAULT_PARAMS).map((w) => [w.siteId, w.fromM, w.toM])).toEqual([['win:2:0', 0, 120]]);
  });
});
