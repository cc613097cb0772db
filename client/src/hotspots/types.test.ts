import { describe, expect, it } from 'vitest';
import { fillYears } from '../charts/year-chart.ts';
import { mondayFirst, rankChangeText } from './detail-view.ts';
import { periodSentence, unitsSentence } from './method-view.ts';
import { normaliseDetail, normaliseList, normaliseMethod, normaliseRunList, normaliseRunStatus, peakLabel, siteLabel, unitsForKind } from './types.ts';

const feature = {
  type: 'Feature',
  id: 'seg:12',
  geometry: { type: 'LineString', coordinates: [[-2.7, 53.76], [-2.69, 53.76]] },
  properties: { siteId: 'seg:12', unit: 'segment', rank: 3, previousRank: 5, rankChange: 2, roadLabel: 'A6 Garstang Road', fatal: 1, serious: '2', slight: 7, pExcess: 0.97, harmScore: 123456.7, candidate: true, corridor: false, roadUserCounts: { pedestrian: 2 }, runId: 9 },
};

describe('reading the hotspot API', () => {
  it('reads a ranked list with its run and units, numbers given as strings included', () => {
    const list = normaliseList({ type: 'FeatureCollection', units: 'network', run: { id: 9, unitKind: 'network', periodFrom: '2019-01-01', periodTo: '2023-12-31' }, features: [feature] });
    expect(list.units).toBe('network');
    expect(list.run).toMatchObject({ id: 9, unitKind: 'network', periodFrom: '2019-01-01', periodTo: '2023-12-31' });
    expect(list.sites[0]).toMatchObject({ siteId: 'seg:12', rank: 3, serious: 2, candidate: true, corridor: false, roadUserCounts: { pedestrian: 2 }, runId: 9 });
    expect(list.sites[0]!.geometry?.type).toBe('LineString');
  });

  it('reads a site detail whose site is flat properties with a geometry', () => {
    const detail = normaliseDetail({
      site: { ...feature.properties, geometry: feature.geometry },
      run: { id: 9, unitKind: 'network' },
      collisions: [{ collisionIndex: '2023010000001', date: '2023-02-03', time: '08:15:00', severity: 'serious', distanceM: 4.2, ambiguous: false }],
      trend: [{ year: 2023, fatal: 0, serious: 1, slight: 0 }, { year: 2021, fatal: 1, serious: 0, slight: 2 }],
      matrix: [[1]],
      breakdowns: { roadUser: { pedestrian: 1 }, light: { Daylight: '3' } },
      concerns: [{ reference: 'CON-2026-000001', category: 'speeding', status: 'received', createdMonth: '2026-01' }],
    });
    expect(detail.site.siteId).toBe('seg:12');
    expect(detail.site.geometry?.type).toBe('LineString');
    expect(detail.run?.id).toBe(9);
    expect(detail.collisions[0]).toMatchObject({ time: '08:15', severity: 'serious', distanceM: 4.2 });
    expect(detail.trend.map((t) => t.year)).toEqual([2021, 2023]);
    expect(detail.breakdowns.light).toEqual({ Daylight: 3 });
  });

  it('reads the method with its value table and latest run, or none', () => {
    const method = normaliseMethod({
      methodVersion: 'eb-1',
      statement: ['First step.', 'Second step.'],
      valueTable: { version: 'RAS4001-2023', priceYear: 2023, fatalGbp: 2_000_000, seriousGbp: 230_000, slightGbp: 24_000, source: 'DfT' },
      latestRun: { id: 4, unitKind: 'grid', params: { hexSizeM: 200 }, units: { cell: 812 } },
      units: 'grid',
    });
    expect(method).toMatchObject({ methodVersion: 'eb-1', statement: ['First step.', 'Second step.'], units: 'grid', latestRun: { id: 4, unitKind: 'grid' } });
    expect(method.valueTable?.priceYear).toBe(2023);
    expect(normaliseMethod({ methodVersion: 'eb-1', latestRun: null, units: null })).toMatchObject({ latestRun: undefined, units: undefined });
  });

  it('reads a job status (id = job, runId = run) and a list of them', () => {
    const status = normaliseRunStatus({ id: 7, jobId: 7, runId: 12, status: 'running', progress: 0.4, stage: 'snapping collisions' });
    expect(status).toMatchObject({ jobId: 7, runId: 12, status: 'running', progress: 0.4, stage: 'snapping collisions' });
    expect(normaliseRunList({ runs: [{ id: 1, runId: 2, status: 'succeeded' }] }).map((r) => r.runId)).toEqual([2]);
    expect(normaliseRunList([{ id: 1, runId: 3, status: 'failed' }]).map((r) => r.status)).toEqual(['failed']);
  });
});

describe('hotspot wording', () => {
  it('names a site by its road, else by its kind and id', () => {
    expect(siteLabel({ roadLabel: '', ref: 'B5269', name: 'Lightfoot Lane', unit: 'segment', siteId: 'seg:1' })).toBe('B5269 Lightfoot Lane');
    expect(siteLabel({ roadLabel: '', ref: '', name: '', unit: 'cell', siteId: 'cell:10:-4' })).toBe('Grid cell 10:-4');
  });

  it('says which units a run used and over which period', () => {
    expect(unitsForKind('grid')).toEqual(['cell']);
    expect(unitsForKind('network')).toEqual(['segment', 'junction', 'window']);
    expect(unitsSentence('grid', { hexSizeM: 200 })).toMatch(/hexagonal grid \(200 m\)/);
    expect(unitsSentence('network')).toMatch(/junctions, road sections and sliding windows/);
    const run = normaliseList({ run: { id: 1, periodFrom: '2019-01-01', periodTo: '2023-12-31' } }).run;
    expect(periodSentence(run)).toBe('1 Jan 2019 to 31 Dec 2023 (5 years)');
  });

  it('turns the Sunday-first matrix into a Monday-first grid', () => {
    const matrix = Array.from({ length: 7 }, (_, d) => Array.from({ length: 24 }, (_h, hour) => (hour === 8 ? d : 0)));
    const grid = mondayFirst(matrix);
    expect(grid.days[0]).toBe('Monday');
    expect(grid.days[6]).toBe('Sunday');
    expect(grid.counts[0]![8]).toBe(1);
    expect(grid.counts[6]![8]).toBe(0);
  });

  it('shows rank changes and the peak hour', () => {
    expect(rankChangeText({ rank: 3, previousRank: 5, rankChange: 2 })).toBe('▲ 2');
    expect(rankChangeText({ rank: 3, previousRank: 1, rankChange: -2 })).toBe('▼ 2');
    expect(rankChangeText({ rank: 3, previousRank: null, rankChange: null })).toBe('new');
    expect(peakLabel({ peakDay: 6, peakHour: 17, peakCount: 3 })).toBe('Friday 17:00–17:59 (3 collisions)');
    expect(peakLabel({ peakDay: null, peakHour: null, peakCount: null })).toBe('–');
  });

  it('fills the years of a trend so bars keep calendar spacing', () => {
    expect(fillYears([{ year: 2021, fatal: 1, serious: 0, slight: 0 }], 2019, 2023).map((y) => [y.year, y.fatal])).toEqual([
      [2019, 0],
      [2020, 0],
      [2021, 1],
      [2022, 0],
      [2023, 0],
    ]);
  });
});
