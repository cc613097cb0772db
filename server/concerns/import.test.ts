import { describe, expect, it } from 'vitest';
import { parseCategory, parseDate, parseWhen, parseWkt } from './import.ts';

describe('concern import values', () => {
  it('reads categories as codes or as the labels people write', () => {
    expect(parseCategory('speeding')).toBe('speeding');
    expect(parseCategory('Parking / obstruction')).toBe('parking');
    expect(parseCategory('Nuisance motorbikes')).toBe('antisocial_driving');
    expect(parseCategory('Anti-social driving')).toBe('antisocial_driving');
    expect(parseCategory('DRINK DRIVING')).toBe('drink_driving');
    expect(parseCategory('fast cars')).toBeUndefined();
  });

  it('reads ISO and UK dates and refuses impossible ones', () => {
    expect(parseDate('2026-03-07')).toBe('2026-03-07');
    expect(parseDate('7/3/2026')).toBe('2026-03-07');
    expect(parseDate('31/02/2026')).toBeUndefined();
    expect(parseDate('03/07/26')).toBeUndefined();
  });

  it('reads days and times from free-ish text', () => {
    expect(parseWhen('weekdays; morning 15:00-16:00')).toEqual({ days: ['mon', 'tue', 'wed', 'thu', 'fri'], times: ['morning', '15:00-16:00'], unknown: [] });
    expect(parseWhen('Friday and Saturday nights, 22:30 - 2:00')).toEqual({ days: ['fri', 'sat'], times: ['night', '22:30-02:00'], unknown: [] });
    expect(parseWhen('every day, early morning')).toEqual({ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], times: ['early_morning'], unknown: [] });
    expect(parseWhen('school run')).toMatchObject({ unknown: ['school', 'run'] });
  });

  it('reads WKT points and lines in WGS84 and says what is wrong with other WKT', () => {
    expect(parseWkt('POINT(-2.7031 53.7632)')).toEqual({ type: 'Point', coordinates: [-2.7031, 53.7632] });
    expect(parseWkt('SRID=4326;LINESTRING Z (-2.70 53.77 10, -2.71 53.78 12)')).toEqual({
      type: 'LineString',
      coordinates: [
        [-2.7, 53.77],
        [-2.71, 53.78],
      ],
    });
    expect(parseWkt('POLYGON((0 0, 1 0, 1 1, 0 0))')).toMatch(/is not WKT of a POINT or LINESTRING/);
    expect(parseWkt('SRID=27700;POINT(354000 429000)')).toMatch(/has SRID 27700/);
    expect(parseWkt('POINT(-2.7 north)')).toMatch(/not "longitude latitude"/);
  });
});
