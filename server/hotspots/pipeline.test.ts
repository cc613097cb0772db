import { describe, expect, it } from 'vitest';
import { DEFAULT_PARAMS } from './params.ts';
import { pgArray } from './pg-arrays.ts';
import { countSites, fatalShareOfKsi, SiteMembership } from './pipeline-counts.ts';
import { exposure, referenceKey, scoreUnit } from './pipeline-models.ts';
import { applyPreviousRanks, cameraEligibility, rankUnit, renumberCorridors } from './pipeline-rank.ts';
import { FLAG, newSite, type RunCollisions, type Site } from './pipeline-types.ts';

/** Collisions from [siteId, severity, flags, day, hour, chainId, chainM] tuples. */
function collisions(rows: Array<[string | null, number, number, number?, number?, number?, number?]>): RunCollisions {
  const n = rows.length;
  return {
    n,
    siteId: rows.map((r) => r[0]),
    severity: Uint8Array.from(rows, (r) => r[1]),
    flags: Int32Array.from(rows, (r) => r[2]),
    dayOfWeek: Uint8Array.from(rows, (r) => r[3] ?? 2),
    hour: Uint8Array.from(rows, (r) => r[4] ?? 8),
    chainId: Int32Array.from(rows, (r) => r[5] ?? -1),
    chainM: Float64Array.from(rows, (r) => r[6] ?? NaN),
    x: new Float64Array(n),
    y: new Float64Array(n),
  };
}

const ALL = FLAG.period | FLAG.camera | FLAG.cluster;

describe('counting collisions at sites', () => {
  it('counts severities and plan groups in the period, KSI and injuries in the camera window, and the peak day × hour', () => {
    const sites = [newSite({ siteId: 'seg:1', unit: 'segment', x: 0, y: 0 }), newSite({ siteId: 'seg:2', unit: 'segment', x: 0, y: 0 })];
    const c = collisions([
      ['seg:1', 1, ALL | FLAG.group0, 6, 17],
      ['seg:1', 2, ALL | (FLAG.group0 << 1), 6, 17],
      ['seg:1', 3, FLAG.period, 2, 8],
      ['seg:1', 3, FLAG.camera, 2, 8], // camera window only (before the period)
      ['seg:1', 3, ALL, 2, 255], // time unknown: not in the peak
      ['seg:9', 2, ALL], // a site outside the run
      [null, 3, ALL], // unsnapped
    ]);
    const membership = new SiteMembership(sites, c);
    countSites(sites, c, membership);
    expect(sites[0]).toMatchObject({ fatal: 1, serious: 1, slight: 2, ksi36: 2, injury36: 4, groups: [1, 1, 0, 0, 0], peakDay: 6, peakHour: 17, peakCount: 2 });
    expect(sites[1]).toMatchObject({ fatal: 0, serious: 0, slight: 0, peakDay: null, peakHour: null, peakCount: null });
    expect(membership.outsideSites).toBe(1);
    expect(fatalShareOfKsi(c)).toBeCloseTo(1 / 3);
  });

  it('breaks a peak tie by the earlier day, then hour', () => {
    const sites = [newSite({ siteId: 'jn:5', unit: 'junction', x: 0, y: 0 })];
    const c = collisions([
      ['jn:5', 3, ALL, 5, 9],
      ['jn:5', 3, ALL, 3, 18],
      ['jn:5', 3, ALL, 3, 7],
    ]);
    countSites(sites, c, new SiteMembership(sites, c));
    expect(sites[0]).toMatchObject({ peakDay: 3, peakHour: 7, peakCount: 1 });
  });

  it('gives a window the collisions whose chain metre lies in [start, end), the end included only for a window covering its whole chain', () => {
    const window = (id: string, chainId: number, from: number, length: number) => newSite({ siteId: id, unit: 'window', x: NaN, y: NaN, chainId, chainFromM: from, lengthM: length });
    const sites = [window('win:1:0', 1, 0, 300), window('win:1:50', 1, 50, 300), window('win:2:0', 2, 0, 120)];
    const c = collisions([
      ['seg:1', 3, ALL, 2, 8, 1, 0],
      ['seg:1', 3, ALL, 2, 8, 1, 50],
      ['seg:1', 3, ALL, 2, 8, 1, 300],
      ['seg:1', 3, ALL, 2, 8, 1, 350],
      ['seg:3', 3, ALL, 2, 8, 2, 120],
      ['jn:4', 3, ALL, 2, 8, -1, NaN],
    ]);
    const membership = new SiteMembership(sites, c, new Map([[1, 400], [2, 120]]));
    countSites(sites, c, membership);
    expect(sites.map((s) => s.slight)).toEqual([2, 2, 1]);
  });
});

describe('reference groups and the safety performance function', () => {
  const segment = (i: number, extra: Partial<Site> = {}) =>
    newSite({ siteId: `seg:${i}`, unit: 'segment', x: 0, y: 0, roadClass: 'minor', urban: true, effectiveSpeedMph: 30, lengthM: 100, ...extra });

  it('keys groups by unit, road class, urban/rural and speed band, dropping them in that order', () => {
    const s = segment(1, { roadClass: 'a_road', urban: false, effectiveSpeedMph: 60 });
    expect([0, 1, 2, 3].map((level) => referenceKey(s, level))).toEqual(['segment|a_road|rural|50-60mph', 'segment|a_road|rural', 'segment|a_road', 'segment']);
    expect(referenceKey(newSite({ siteId: 'cell:1:2', unit: 'cell', x: 0, y: 0 }), 0)).toBe('cell');
    expect(exposure(s, 5)).toBeCloseTo(0.5);
    expect(exposure(newSite({ siteId: 'jn:1', unit: 'junction', x: 0, y: 0 }), 5)).toBe(5);
  });

  it('merges a group of fewer than 30 sites into its parent, fitted on the whole parent', () => {
    const sites = [...Array.from({ length: 40 }, (_, i) => segment(i)), ...Array.from({ length: 5 }, (_, i) => segment(100 + i, { effectiveSpeedMph: 40 }))];
    sites.forEach((s, i) => (s.slight = i % 4));
    const groups = scoreUnit(sites, DEFAULT_PARAMS, { years: 5, ksiValueGbp: 200_000, slightValueGbp: 16_750 });
    expect(groups.map((g) => [g.key, g.level, g.sites, g.fittedOn])).toEqual([
      ['segment|minor|urban', 1, 5, 45],
      ['segment|minor|urban|≤30mph', 0, 40, 40],
    ]);
    expect(sites[0]!.referenceGroup).toBe('segment|minor|urban|≤30mph');
    expect(sites[44]!.referenceGroup).toBe('segment|minor|urban');
    // No KSI anywhere: μ = 0, nothing in excess, no candidates.
    expect(sites.every((s) => s.muKsi === 0 && s.excessKsi === 0 && s.pExcessKsi === 0)).toBe(true);
    expect(sites.every((s) => !s.candidate || (s.pExcess! >= 0.95 && s.harmScore! > 0))).toBe(true);
  });

  it('makes a site with a far higher count than similar sites a candidate with positive harm', () => {
    const sites = Array.from({ length: 60 }, (_, i) => segment(i));
    sites.forEach((s, i) => {
      s.serious = i % 3 === 0 ? 1 : 0;
      s.slight = (i * 7) % 5;
    });
    sites[0]!.serious = 9;
    sites[0]!.slight = 20;
    scoreUnit(sites, DEFAULT_PARAMS, { years: 5, ksiValueGbp: 200_000, slightValueGbp: 16_750 });
    expect(sites[0]).toMatchObject({ candidate: true });
    expect(sites[0]!.harmScore).toBeGreaterThan(0);
    expect(sites[0]!.expectedKsi).toBeLessThan(9); // shrunk toward μ
    expect(sites[0]!.expectedKsi).toBeGreaterThan(sites[0]!.muKsi!);
  });
});

describe('ranking and camera eligibility', () => {
  it('ranks by priority, ties by probability of excess then site id, and measures the change from a previous run', () => {
    const make = (id: string, harm: number, factor: number, p: number) => Object.assign(newSite({ siteId: id, unit: 'segment', x: 0, y: 0 }), { harmScore: harm, concernFactor: factor, pExcess: p });
    const sites = [make('seg:1', 100, 1, 0.9), make('seg:2', 90, 1.25, 0.9), make('seg:3', 0, 1, 0.4), make('seg:4', 0, 1, 0.6), make('seg:5', 0, 1, 0.6)];
    rankUnit(sites);
    expect(sites.map((s) => [s.siteId, s.rank])).toEqual([
      ['seg:1', 2],
      ['seg:2', 1],
      ['seg:3', 5],
      ['seg:4', 3],
      ['seg:5', 4],
    ]);
    applyPreviousRanks(sites, new Map([['segment|seg:1', 1], ['segment|seg:3', 2]]));
    expect(sites.map((s) => [s.previousRank, s.rankChange])).toEqual([
      [1, -1],
      [null, null],
      [2, -3],
      [null, null],
      [null, null],
    ]);
  });

  it('numbers corridors from the one holding the best-ranked site', () => {
    const sites = [newSite({ siteId: 'seg:1', unit: 'segment', x: 0, y: 0 }), newSite({ siteId: 'seg:2', unit: 'segment', x: 0, y: 0 })];
    Object.assign(sites[0]!, { rank: 9, corridorId: 1 });
    Object.assign(sites[1]!, { rank: 2, corridorId: 2 });
    renumberCorridors(sites);
    expect(sites.map((s) => s.corridorId)).toEqual([2, 1]);
  });

  it('states camera eligibility as KSI per km over at least the minimum site length against the threshold for the speed limit', () => {
    const seg = newSite({ siteId: 'seg:1', unit: 'segment', x: 0, y: 0, lengthM: 500, speedLimit: 30, effectiveSpeedMph: 30 });
    seg.ksi36 = 2;
    expect(cameraEligibility(seg, DEFAULT_PARAMS)).toEqual({ eligible: true, reason: '4.0 KSI/km in 36 months ≥ 2.0 threshold for 30 mph', ksiPerKm: 4 });
    const short = newSite({ siteId: 'seg:2', unit: 'segment', x: 0, y: 0, lengthM: 50, speedLimit: null, effectiveSpeedMph: 60 });
    short.ksi36 = 1;
    expect(cameraEligibility(short, DEFAULT_PARAMS)).toEqual({
      eligible: true,
      reason: '2.5 KSI/km in 36 months ≥ 1.0 threshold for 60 mph assumed (1 KSI over the 0.40 km minimum site length)',
      ksiPerKm: 2.5,
    });
    const junction = newSite({ siteId: 'jn:1', unit: 'junction', x: 0, y: 0 });
    junction.ksi36 = 1;
    expect(cameraEligibility(junction, DEFAULT_PARAMS)).toMatchObject({ eligible: false, reason: '1 KSI at the junction in 36 months < 2 threshold' });
    expect(cameraEligibility(newSite({ siteId: 'cell:1:1', unit: 'cell', x: 0, y: 0 }), DEFAULT_PARAMS).eligible).toBe(false);
    const fast = newSite({ siteId: 'seg:3', unit: 'segment', x: 0, y: 0, lengthM: 1000, speedLimit: 80, effectiveSpeedMph: 80 });
    expect(cameraEligibility(fast, DEFAULT_PARAMS).reason).toBe('0.0 KSI/km in 36 months; no threshold set for 80 mph');
  });
});

describe('pgArray', () => {
  it('writes array literals with NULLs, booleans and quoted text', () => {
    expect(pgArray([1, null, NaN, 2.5])).toBe('{1,NULL,NULL,2.5}');
    expect(pgArray([true, false])).toBe('{t,f}');
    expect(pgArray(['a', 'say "hi"', 'back\\slash', null])).toBe('{"a","say \\"hi\\"","back\\\\slash",NULL}');
  });
});
