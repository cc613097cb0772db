import { describe, expect, it } from 'vitest';
import { concernGeometry } from './location.ts';
import { distanceM, lineLengthM, type Position } from './model.ts';

const messages = (value: unknown) => {
  const result = concernGeometry.safeParse(value);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('distances on WGS84', () => {
  it('measures one degree of latitude as about 111.2 km', () => {
    expect(distanceM([-2.7, 53], [-2.7, 54]) / 1000).toBeCloseTo(111.2, 1);
  });

  it('measures Preston to Lancaster (Harris Museum to Lancaster Castle) as about 33 km', () => {
    expect(distanceM([-2.6997, 53.7596], [-2.8056, 54.0497]) / 1000).toBeCloseTo(33, 0);
  });

  it('adds up a polyline', () => {
    const line: Position[] = [
      [-2.7, 53.76],
      [-2.7, 53.77],
      [-2.7, 53.78],
    ];
    expect(lineLengthM(line)).toBeCloseTo(distanceM([-2.7, 53.76], [-2.7, 53.78]), 6);
  });
});

describe('a concern location', () => {
  it('accepts a point and drops an altitude', () => {
    expect(concernGeometry.parse({ type: 'Point', coordinates: [-2.7031, 53.7632, 40] })).toEqual({ type: 'Point', coordinates: [-2.7031, 53.7632] });
  });

  it('accepts a stretch of road', () => {
    const stretch = { type: 'LineString', coordinates: [[-2.7088, 53.7749], [-2.7097, 53.7805], [-2.7105, 53.7851]] };
    expect(concernGeometry.parse(stretch)).toEqual(stretch);
  });

  it('refuses polygons, naming the types it takes', () => {
    expect(messages({ type: 'Polygon', coordinates: [] })).toEqual(['type: must be a GeoJSON geometry whose type is Point or LineString (WGS84)']);
  });

  it('says a missing location is required', () => {
    expect(messages(undefined)).toEqual([': required: mark a point or draw a stretch of road (a GeoJSON Point or LineString, WGS84)']);
  });

  it('refuses coordinates outside WGS84 ranges (e.g. British National Grid metres)', () => {
    expect(messages({ type: 'Point', coordinates: [354000, 429000] })[0]).toMatch(/\[354000, 429000\] is not a WGS84 \[longitude, latitude\]/);
  });

  it('refuses a stretch with one point, more than 200 points, no length or more than 5 km', () => {
    expect(messages({ type: 'LineString', coordinates: [[-2.7, 53.76]] })).toEqual(['coordinates: a stretch needs at least 2 points']);
    const many = Array.from({ length: 201 }, (_, i) => [-2.7 + i * 0.00001, 53.76]);
    expect(messages({ type: 'LineString', coordinates: many })).toEqual(['coordinates: a stretch may have at most 200 points; simplify it']);
    expect(messages({ type: 'LineString', coordinates: [[-2.7, 53.76], [-2.7, 53.76]] })[0]).toMatch(/has no length/);
    expect(messages({ type: 'LineString', coordinates: [[-2.7, 53.76], [-2.7, 53.82]] })).toEqual([
      ': the stretch is 6.7 km long; draw at most 5 km (report separate places separately)',
    ]);
  });

  it('refuses positions that are not pairs of numbers', () => {
    expect(messages({ type: 'Point', coordinates: [-2.7] })).toEqual(['coordinates: a position must be [longitude, latitude]']);
    expect(messages({ type: 'Point', coordinates: ['-2.7', '53.7'] })).toEqual(['coordinates.0: coordinates must be numbers', 'coordinates.1: coordinates must be numbers']);
  });
});
