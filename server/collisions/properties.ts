import type { CsvValue } from './csv.ts';
import { SEVERITY_NAME, type SeverityName } from './filters.ts';
import { collisionLabel } from './labels.ts';
import type { CollisionListRow } from './queries.ts';
import { roadNumber } from './road-number.ts';

/** What the collision list says about each collision (GeoJSON properties and CSV columns). */
export interface CollisionProperties {
  collisionIndex: string;
  /** Local date, YYYY-MM-DD. */
  date: string;
  /** Local time HH:MM, null when not recorded. */
  time: string | null;
  severity: SeverityName;
  /** ONS district code. */
  district: string | null;
  districtName: string | null;
  /** e.g. 'M55', 'A601(M)', 'A6', 'B5269'; null for C and unclassified roads. */
  roadNumber: string | null;
  /** mph */
  speedLimit: number | null;
  casualties: number;
  vehicles: number;
  lightConditions: string | null;
  weatherConditions: string | null;
  roadSurfaceConditions: string | null;
  junctionDetail: string | null;
  urbanOrRural: string | null;
}

export function collisionProperties(row: CollisionListRow): CollisionProperties {
  return {
    collisionIndex: row.collision_index,
    date: row.date,
    time: row.time,
    // severity is NOT NULL and checked against the code list (1–3) on import.
    severity: SEVERITY_NAME[row.severity] as SeverityName,
    district: row.district_code,
    districtName: row.district_name,
    roadNumber: roadNumber(row.first_road_class, row.first_road_number),
    speedLimit: row.speed_limit,
    casualties: row.number_of_casualties,
    vehicles: row.number_of_vehicles,
    lightConditions: collisionLabel('light_conditions', row.light_conditions),
    weatherConditions: collisionLabel('weather_conditions', row.weather_conditions),
    roadSurfaceConditions: collisionLabel('road_surface_conditions', row.road_surface_conditions),
    junctionDetail: collisionLabel('junction_detail', row.junction_detail),
    urbanOrRural: collisionLabel('urban_or_rural_area', row.urban_or_rural_area),
  };
}

export interface CollisionFeature {
  type: 'Feature';
  id: string;
  geometry: { type: 'Point'; coordinates: [number, number] } | null;
  properties: CollisionProperties;
}

/** A GeoJSON Point feature (WGS84); geometry null when the collision has no recorded location. */
export function collisionFeature(row: CollisionListRow): CollisionFeature {
  return {
    type: 'Feature',
    id: row.collision_index,
    geometry: row.longitude == null || row.latitude == null ? null : { type: 'Point', coordinates: [row.longitude, row.latitude] },
    properties: collisionProperties(row),
  };
}

const PROPERTY_COLUMNS: Array<keyof CollisionProperties> = [
  'collisionIndex',
  'date',
  'time',
  'severity',
  'district',
  'districtName',
  'roadNumber',
  'speedLimit',
  'casualties',
  'vehicles',
  'lightConditions',
  'weatherConditions',
  'roadSurfaceConditions',
  'junctionDetail',
  'urbanOrRural',
];

/** CSV columns: the GeoJSON properties, then WGS84 longitude/latitude and EPSG:27700 easting/northing (metres). */
export const COLLISION_CSV_HEADERS: readonly string[] = [...PROPERTY_COLUMNS, 'longitude', 'latitude', 'easting', 'northing'];

export function collisionCsvValues(row: CollisionListRow): CsvValue[] {
  const properties = collisionProperties(row);
  return [...PROPERTY_COLUMNS.map((key) => properties[key]), row.longitude, row.latitude, row.easting, row.northing];
}
