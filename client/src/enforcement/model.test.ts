import { describe, expect, it } from 'vitest';
import { countSites, defaultMonth, filterList, groupByCategory, londonMonth, matchesRoad, nextMonth, normalisePublicList, siteFeatures, type PublicSite } from './model.ts';

const site = (over: Partial<PublicSite>): PublicSite => ({
  siteId: 1,
  category: 'mobile_route',
  text: 'A584 Preston New Rd, from Clifton Business Park to Blackpool Rd, eastbound (50mph), Freckleton',
  roadNumber: 'A584',
  speedLimit: 50,
  locality: 'Freckleton',
  geometry: { type: 'LineString', coordinates: [[-2.87, 53.75], [-2.85, 53.76]] },
  ...over,
});

const list = normalisePublicList({
  month: '2026-03',
  districts: [
    { code: 'E07000126', name: 'South Ribble', sites: [site({ siteId: 3, text: 'B5254 Leyland Rd (30mph), Penwortham', roadNumber: 'B5254', locality: 'Penwortham', category: 'community_concern' })] },
    { code: 'E07000119', name: 'Fylde', sites: [site({ siteId: 1 }), site({ siteId: 2, text: 'A583 Kirkham Bypass (40mph), Kirkham', roadNumber: 'A583', locality: 'Kirkham', geometry: null })] },
  ],
});

describe('the default month', () => {
  it('opens on the month asked for when it is published', () => {
    expect(defaultMonth(['2026-04', '2026-03'], '2026-03', '2026-04')).toBe('2026-04');
  });
  it('prefers the current month, then next month, then the newest published', () => {
    expect(defaultMonth(['2026-04', '2026-03'], '2026-03')).toBe('2026-03');
    expect(defaultMonth(['2026-04', '2026-02'], '2026-03')).toBe('2026-04');
    expect(defaultMonth(['2026-01', '2025-12'], '2026-03')).toBe('2026-01');
  });
  it('has no month when nothing is published', () => {
    expect(defaultMonth([], '2026-03')).toBeUndefined();
  });
  it('counts months across the year end and in London time', () => {
    expect(nextMonth('2026-12')).toBe('2027-01');
    // 23:30 UTC on 31 March 2026 is already 1 April in London (BST).
    expect(londonMonth(new Date('2026-03-31T23:30:00Z'))).toBe('2026-04');
  });
});

describe('searching the list', () => {
  it('matches every word against the road number, road name and locality, ignoring case', () => {
    expect(matchesRoad(site({}), 'a584')).toBe(true);
    expect(matchesRoad(site({}), 'preston new freckleton')).toBe(true);
    expect(matchesRoad(site({}), 'preston kirkham')).toBe(false);
    expect(matchesRoad(site({}), '  ')).toBe(true);
  });
  it('keeps districts in name order and drops those left empty', () => {
    expect(filterList(list, { district: '', road: '' }).map((d) => d.name)).toEqual(['Fylde', 'South Ribble']);
    const kirkham = filterList(list, { district: '', road: 'Kirkham' });
    expect(kirkham.map((d) => d.name)).toEqual(['Fylde']);
    expect(countSites(kirkham)).toBe(1);
    expect(countSites(filterList(list, { district: 'E07000126', road: '' }))).toBe(1);
  });
  it('groups a district by category in the published order, lines sorted', () => {
    const fylde = filterList(list, { district: 'E07000119', road: '' })[0]!;
    const groups = groupByCategory([...fylde.sites, site({ siteId: 9, category: 'community_concern', text: 'C' })]);
    expect(groups.map((g) => g.category)).toEqual(['mobile_route', 'community_concern']);
    expect(groups[0]!.sites.map((s) => s.siteId)).toEqual([2, 1]);
  });
  it('draws only sites with a geometry and gives the map nothing but the category and the text', () => {
    const fc = siteFeatures(list.districts);
    expect(fc.features).toHaveLength(2);
    expect(Object.keys(fc.features[0]!.properties!).sort()).toEqual(['category', 'district', 'text']);
  });
});
