import { describe, expect, it } from 'vitest';
import { normaliseCollision, normaliseSummary } from './api-types.ts';

describe('reading the collision API for the page', () => {
  it('turns the DfT Sunday-first day × hour matrix into a Monday-first one', () => {
    const counts = Array.from({ length: 7 }, (_, day) => Array.from({ length: 24 }, () => day));
    const summary = normaliseSummary({
      total: 3,
      bySeverity: { fatal: 1, serious: 0, slight: 2 },
      ksi: 1,
      byMonth: [{ month: '2023-01', fatal: 1, serious: 0, slight: 2, total: 3 }],
      byDistrict: [{ district: 'E07000123', name: 'Preston', fatal: 1, serious: 0, slight: 2, total: 3 }],
      dayHour: { days: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'], hours: [...Array(24).keys()], counts, withoutTime: 0 },
      casualtyData: false,
      casualtiesByRoadUser: null,
    });
    expect(summary.dayHour.days).toEqual(['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']);
    expect(summary.dayHour.counts.map((row) => row[0])).toEqual([1, 2, 3, 4, 5, 6, 0]);
    expect(summary.byDistrict).toEqual([{ code: 'E07000123', name: 'Preston', fatal: 1, serious: 0, slight: 2, total: 3 }]);
    expect(summary.casualtiesByRoadUser).toBeNull();
  });

  it('reads a collision from the detail response, keeping its own casualty count when no casualty rows are loaded', () => {
    const details = normaliseCollision({
      collision: {
        collisionIndex: '2023041258714',
        date: '2023-01-01',
        time: '14:45',
        severity: 'serious',
        districtName: 'Blackburn with Darwen',
        roadNumber: 'A666',
        speedLimit: 30,
        casualties: 1,
        vehicles: 1,
        lightConditions: 'Daylight',
        weatherConditions: 'Fine no high winds',
        roadSurfaceConditions: 'Dry',
        urbanOrRural: 'Urban',
        location: { longitude: -2.490762, latitude: 53.727837, easting: 367718, northing: 425827 },
      },
      casualties: [],
      vehicles: [],
    });
    expect(details).toMatchObject({
      collisionIndex: '2023041258714',
      severity: 'serious',
      road: 'A666',
      speedLimit: '30 mph',
      light: 'Daylight',
      area: 'Urban',
      casualties: 1,
      vehicles: 1,
      casualtyLines: [],
      lon: -2.490762,
      lat: 53.727837,
    });
  });

  it('describes each casualty when the detail response lists them', () => {
    const details = normaliseCollision({
      collision: { collisionIndex: 'x', severity: 'slight', casualties: 2 },
      casualties: [
        { casualtyType: 'Pedestrian', age: 34, severity: 3 },
        { casualtyType: 'Car occupant', age: null, severity: 2 },
      ],
      vehicles: [],
    });
    expect(details.casualtyLines).toEqual(['Pedestrian, aged 34, slight', 'Car occupant, serious']);
  });

  it('reads a list feature, with its position from the geometry', () => {
    const details = normaliseCollision({
      type: 'Feature',
      id: '2023041258714',
      geometry: { type: 'Point', coordinates: [-2.49, 53.72] },
      properties: { collisionIndex: '2023041258714', date: '2023-01-01', time: null, severity: 'fatal', roadNumber: null, speedLimit: null, casualties: 2, vehicles: 3 },
    });
    expect(details).toMatchObject({ severity: 'fatal', road: '', speedLimit: '', casualties: 2, vehicles: 3, lon: -2.49, lat: 53.72 });
  });
});
