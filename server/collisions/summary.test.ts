import { describe, expect, it } from 'vitest';
import type { SummaryRow } from './queries.ts';
import { buildSummary, monthSeries } from './summary.ts';

const row = (r: Partial<SummaryRow> & Pick<SummaryRow, 'kind' | 'n'>): SummaryRow => ({
  key: null,
  name: null,
  day: null,
  hour: null,
  severity: null,
  ...r,
});

describe('monthSeries', () => {
  it('lists every month between two months inclusive, across a year end', () => {
    expect(monthSeries('2023-11', '2024-02')).toEqual(['2023-11', '2023-12', '2024-01', '2024-02']);
  });

  it('accepts full dates and gives one month when both fall in it', () => {
    expect(monthSeries('2023-05-03', '2023-05-30')).toEqual(['2023-05']);
  });

  it('gives no months when the first is after the last', () => {
    expect(monthSeries('2024-01', '2023-12')).toEqual([]);
  });

  it('rejects text that is not a month', () => {
    expect(() => monthSeries('May', '2023-05')).toThrow('Not a month (YYYY-MM): May');
  });
});

describe('buildSummary', () => {
  const rows: SummaryRow[] = [
    row({ kind: 'month', key: '2023-01', severity: 1, n: 1 }),
    row({ kind: 'month', key: '2023-01', severity: 3, n: 4 }),
    row({ kind: 'month', key: '2023-03', severity: 2, n: 2 }),
    row({ kind: 'district', key: 'E07000123', name: 'Preston', severity: 3, n: 4 }),
    row({ kind: 'district', key: 'E07000123', name: 'Preston', severity: 2, n: 2 }),
    row({ kind: 'district', key: 'E06000009', name: 'Blackpool', severity: 1, n: 1 }),
    row({ kind: 'dayhour', day: 1, hour: 0, n: 3 }),
    row({ kind: 'dayhour', day: 7, hour: 23, n: 3 }),
    row({ kind: 'dayhour', day: 2, hour: null, n: 1 }),
  ];

  it('fills the months between the first and last with zeros', () => {
    const summary = buildSummary(rows, {});
    expect(summary.byMonth).toEqual([
      { month: '2023-01', fatal: 1, serious: 0, slight: 4, total: 5 },
      { month: '2023-02', fatal: 0, serious: 0, slight: 0, total: 0 },
      { month: '2023-03', fatal: 0, serious: 2, slight: 0, total: 2 },
    ]);
    expect(summary.total).toBe(7);
    expect(summary.bySeverity).toEqual({ fatal: 1, serious: 2, slight: 4 });
    expect(summary.ksi).toBe(3);
  });

  it('runs the months over the filtered date range when one is given', () => {
    const summary = buildSummary(rows, { from: '2022-12-15', to: '2023-04-01' });
    expect(summary.byMonth.map((m) => m.month)).toEqual(['2022-12', '2023-01', '2023-02', '2023-03', '2023-04']);
  });

  it('puts Sunday first and Saturday last in the day × hour matrix and counts collisions without a time apart', () => {
    const { dayHour } = buildSummary(rows, {});
    expect(dayHour.days).toEqual(['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']);
    expect(dayHour.counts[0]![0]).toBe(3);
    expect(dayHour.counts[6]![23]).toBe(3);
    expect(dayHour.counts.flat().reduce((a, b) => a + b, 0)).toBe(6);
    expect(dayHour.withoutTime).toBe(1);
  });

  it('orders districts by collisions, most first, with their names', () => {
    expect(buildSummary(rows, {}).byDistrict).toEqual([
      { district: 'E07000123', name: 'Preston', fatal: 0, serious: 2, slight: 4, total: 6 },
      { district: 'E06000009', name: 'Blackpool', fatal: 1, serious: 0, slight: 0, total: 1 },
    ]);
  });

  it('reports no casualty breakdown when there are no casualty rows, and one in group order when there are', () => {
    const without = buildSummary(rows, {});
    expect(without.casualtyData).toBe(false);
    expect(without.casualtiesByRoadUser).toBeNull();
    const withCasualties = buildSummary(
      [...rows, row({ kind: 'casualty', key: 'car', severity: 3, n: 5 }), row({ kind: 'casualty', key: 'pedestrian', severity: 2, n: 1 })],
      {},
    );
    expect(withCasualties.casualtyData).toBe(true);
    expect(withCasualties.casualtiesByRoadUser).toEqual([
      { group: 'pedestrian', fatal: 0, serious: 1, slight: 0, total: 1 },
      { group: 'car', fatal: 0, serious: 0, slight: 5, total: 5 },
    ]);
  });

  it('gives an empty month series when nothing matches and no dates were given', () => {
    expect(buildSummary([], {}).byMonth).toEqual([]);
  });

  it('echoes the filters, with the bounding box as four numbers', () => {
    expect(buildSummary([], { severity: ['fatal'], bbox: { minLon: -3, minLat: 53, maxLon: -2, maxLat: 54 } }).filters).toEqual({
      from: null,
      to: null,
      severity: ['fatal'],
      district: null,
      bbox: [-3, 53, -2, 54],
      roadUser: null,
      youngRoadUser: null,
    });
  });
});
