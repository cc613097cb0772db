import type { CsvValue } from '../collisions/csv.ts';
import type { ConcernGeometry } from './location.ts';
import { geometryOf, staffListItem, type ConcernRow } from './store.ts';

/** The staff CSV export of concerns: one row per concern, geometry as WKT (WGS84). No reporter contact. */

export const CONCERN_CSV_HEADERS = [
  'reference',
  'created_at',
  'category',
  'status',
  'outcome',
  'outcome_note',
  'source',
  'external_ref',
  'district_code',
  'district_name',
  'location_text',
  'description',
  'when_days',
  'when_times',
  'duplicate_of',
  'duplicate_count',
  'has_contact',
  'geometry_type',
  'length_m',
  'longitude',
  'latitude',
  'wkt',
] as const;

/**
 * Text the public typed is defused for spreadsheets: a cell starting with = + - @ or a control
 * character would run as a formula (CSV injection), so it gets a leading apostrophe.
 */
export function spreadsheetSafe(value: string | null): string | null {
  return value !== null && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export function geometryWkt(geometry: ConcernGeometry): string {
  if (geometry.type === 'Point') return `POINT(${geometry.coordinates[0]} ${geometry.coordinates[1]})`;
  return `LINESTRING(${geometry.coordinates.map((p) => `${p[0]} ${p[1]}`).join(', ')})`;
}

export function concernCsvValues(row: ConcernRow): CsvValue[] {
  const geometry = geometryOf(row);
  const item = staffListItem(row, geometry);
  const point = geometry.type === 'Point' ? geometry.coordinates : null;
  return [
    item.reference,
    item.createdAt,
    item.category,
    item.status,
    item.outcome,
    item.outcomeNote,
    item.source,
    spreadsheetSafe(item.externalRef),
    item.districtCode,
    item.districtName,
    spreadsheetSafe(item.locationText),
    spreadsheetSafe(item.description),
    item.whenDays.join(' '),
    item.whenTimes.join(' '),
    item.duplicateOf,
    item.duplicateCount,
    item.hasContact,
    item.geometryType,
    item.lengthM,
    point ? point[0] : null,
    point ? point[1] : null,
    geometryWkt(geometry),
  ];
}
