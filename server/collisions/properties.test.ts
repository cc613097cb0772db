import { describe, expect, it } from 'vitest';
import { COLLISION_CSV_HEADERS, collisionCsvValues, collisionFeature } from './properties.ts';
import type { CollisionListRow } from './queries.ts';

const row: CollisionListRow = {
  collision_index: '2023041258740',
  date: '2023-01-01',
  time: '19:58',
  severity: 3,
  district_code: 'E07000123',
  district_name: 'Preston',
  first_road_class: 3,
  first_road_number: 59,
  speed_limit: 30,
  number_of_casualties: 1,
  number_of_vehicles: 1,
  light_conditions: 4,
  weather_conditions: 1,
  road_surface_conditions: 2,
  junction_detail: 3,
  urban_or_rural_area: 1,
  longitude: -2.673646,
  latitude: 53.764015,
  easting: 355690,
  northing: 429951,
  sort_time: '19:58:00',
};

describe('collisionFeature', () => {
  it('makes a WGS84 Point feature with decoded properties', () => {
    expect(collisionFeature(row)).toEqual({
      type: 'Feature',
      id: '2023041258740',
      geometry: { type: 'Point', coordinates: [-2.673646, 53.764015] },
      properties: {
        collisionIndex: '2023041258740',
        date: '2023-01-01',
        time: '19:58',
        severity: 'slight',
        district: 'E07000123',
        districtName: 'Preston',
        roadNumber: 'A59',
        speedLimit: 30,
        casualties: 1,
        vehicles: 1,
        lightConditions: 'Darkness - lights lit',
        weatherConditions: 'Fine no high winds',
        roadSurfaceConditions: 'Wet or damp',
        junctionDetail: 'T or staggered junction',
        urbanOrRural: 'Urban',
      },
    });
  });

  it('gives a null geometry to a collision without a recorded location', () => {
    expect(collisionFeature({ ...row, longitude: null, latitude: null }).geometry).toBeNull();
  });
});

describe('collision CSV columns', () => {
  it('puts the properties first, then WGS84 and British National Grid coordinates, one value per header', () => {
    expect(COLLISION_CSV_HEADERS.slice(-4)).toEqual(['longitude', 'latitude', 'easting', 'northing']);
    const values = collisionCsvValues(row);
    expect(values).toHaveLength(COLLISION_CSV_HEADERS.length);
    expect(Object.fromEntries(COLLISION_CSV_HEADERS.map((h, i) => [h, values[i]]))).toMatchObject({
      collisionIndex: '2023041258740',
      severity: 'slight',
      roadNumber: 'A59',
      longitude: -2.673646,
      northing: 429951,
    });
  });
});
