import { describe, expect, it } from 'vitest';
import { fillMonths } from './month-chart.ts';
import { interpolateStops, niceTicks } from './scale.ts';

describe('chart scales', () => {
  it('picks round ticks that reach the maximum', () => {
    expect(niceTicks(287)).toEqual([0, 100, 200, 300]);
    expect(niceTicks(35)).toEqual([0, 10, 20, 30, 40]);
    expect(niceTicks(3)).toEqual([0, 1, 2, 3]);
    expect(niceTicks(0)).toEqual([0, 1]);
  });

  it('interpolates colours between stops', () => {
    expect(interpolateStops(['#000000', '#ffffff'], 0)).toBe('#000000');
    expect(interpolateStops(['#000000', '#ffffff'], 0.5)).toBe('#808080');
    expect(interpolateStops(['#000000', '#ff0000', '#ffffff'], 1)).toBe('#ffffff');
  });

  it('fills months with no collisions so the bars keep calendar spacing', () => {
    const filled = fillMonths([
      { month: '2022-11', fatal: 1, serious: 0, slight: 2, total: 3 },
      { month: '2023-02', fatal: 0, serious: 1, slight: 0, total: 1 },
    ]);
    expect(filled.map((m) => [m.month, m.total])).toEqual([
      ['2022-11', 3],
      ['2022-12', 0],
      ['2023-01', 0],
      ['2023-02', 1],
    ]);
  });
});
