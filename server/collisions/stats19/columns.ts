import { canonicalField, codesFor, historicVariant, type Stats19Table } from './codes.ts';
import { GB_BOUNDS } from './values.ts';

/**
 * The canonical STATS19 columns of the collision, casualty and vehicle tables: where each comes from
 * in a DfT file of either naming era, how its values are checked, and the database column it fills
 * (migrations/20261121_01_foundation.ts). A file column not listed here is kept in `extra` (jsonb).
 *
 * Header names are compared after `normalizeHeader` (lower case, punctuation → `_`), so the old
 * capitalised layout (`Accident_Index`, `Local_Authority_(District)`, `1st_Road_Class`) matches too.
 */

export type ColumnKind =
  /** A DfT integer code, checked against the code list when the list enumerates the field. */
  | 'code'
  /** An ONS area code (E07000123), checked against the code list when it enumerates the field. */
  | 'ons'
  /** A free whole number within min–max (ages, counts, road numbers, engine cc). */
  | 'int'
  /** A free decimal number within min–max (probabilities, coordinates). */
  | 'decimal'
  | 'text'
  /** dd/mm/yyyy */
  | 'date'
  /** HH:MM local time */
  | 'time';

export type SqlType = 'text' | 'smallint' | 'integer' | 'double precision' | 'date' | 'time';

export interface ColumnDef {
  /** Database column (the canonical name). */
  column: string;
  /** Normalised file headers that fill it, in order of preference; the first present wins. */
  sources: string[];
  kind: ColumnKind;
  sqlType: SqlType;
  /** The file must have the column and every row a value. */
  required?: boolean;
  /** Inclusive range for 'int' and 'decimal' values. */
  min?: number;
  max?: number;
  /** What to say when a value is outside min–max (default "is outside min–max"). */
  outOfRange?: string;
}

const SMALLINT_MAX = 32_767;

function code(column: string, sources: string[] = [column], extra: Partial<ColumnDef> = {}): ColumnDef {
  return { column, sources, kind: 'code', sqlType: 'smallint', ...extra };
}
function int(column: string, sources: string[], min: number, max: number, extra: Partial<ColumnDef> = {}): ColumnDef {
  return { column, sources, kind: 'int', sqlType: max > SMALLINT_MAX ? 'integer' : 'smallint', min, max, ...extra };
}
function decimal(column: string, sources: string[], min: number, max: number, extra: Partial<ColumnDef> = {}): ColumnDef {
  return { column, sources, kind: 'decimal', sqlType: 'double precision', min, max, ...extra };
}
function text(column: string, sources: string[], extra: Partial<ColumnDef> = {}): ColumnDef {
  return { column, sources, kind: 'text', sqlType: 'text', ...extra };
}
function ons(column: string, sources: string[]): ColumnDef {
  return { column, sources, kind: 'ons', sqlType: 'text' };
}

const INDEX_SOURCES = ['collision_index', 'accident_index', 'acc_index'];
const YEAR_SOURCES = ['collision_year', 'accident_year'];
const REFERENCE_SOURCES = ['collision_reference', 'accident_reference', 'collision_ref_no'];

export const COLLISION_COLUMNS: ColumnDef[] = [
  text('collision_index', INDEX_SOURCES, { required: true }),
  // Year and reference are absent from the oldest layout; they are then derived from date and index.
  int('collision_year', YEAR_SOURCES, 1979, 2100),
  text('collision_reference', REFERENCE_SOURCES),
  code('police_force', ['police_force'], { required: true }),
  code('severity', ['collision_severity', 'accident_severity'], { required: true }),
  code('enhanced_severity', ['enhanced_severity_collision', 'enhanced_collision_severity']),
  int('number_of_vehicles', ['number_of_vehicles'], 0, 999, { required: true }),
  int('number_of_casualties', ['number_of_casualties'], 0, 999, { required: true }),
  { column: 'date', sources: ['date'], kind: 'date', sqlType: 'date', required: true },
  { column: 'time', sources: ['time'], kind: 'time', sqlType: 'time' },
  // Derived from date when the file lacks it.
  code('day_of_week'),
  // Great Britain's extent (GB_BOUNDS); EPSG:27700 metres and WGS84 degrees.
  int('easting', ['location_easting_osgr'], GB_BOUNDS.eastingM[0], GB_BOUNDS.eastingM[1], {
    sqlType: 'integer',
    outOfRange: `is outside Great Britain (easting ${GB_BOUNDS.eastingM.join('–')} m)`,
  }),
  int('northing', ['location_northing_osgr'], GB_BOUNDS.northingM[0], GB_BOUNDS.northingM[1], {
    sqlType: 'integer',
    outOfRange: `is outside Great Britain (northing ${GB_BOUNDS.northingM.join('–')} m)`,
  }),
  decimal('longitude', ['longitude'], GB_BOUNDS.longitude[0], GB_BOUNDS.longitude[1], {
    outOfRange: `is outside Great Britain (longitude ${GB_BOUNDS.longitude.join(' to ')})`,
  }),
  decimal('latitude', ['latitude'], GB_BOUNDS.latitude[0], GB_BOUNDS.latitude[1], {
    outOfRange: `is outside Great Britain (latitude ${GB_BOUNDS.latitude.join(' to ')})`,
  }),
  code('local_authority_district'),
  ons('district_code', ['local_authority_ons_district']),
  ons('highway_authority', ['local_authority_highway']),
  code('first_road_class'),
  int('first_road_number', ['first_road_number'], 0, 9999, { sqlType: 'integer' }),
  code('road_type'),
  // Not enumerated by the code list (20–70 mph, and 99 "unknown (self reported)").
  int('speed_limit', ['speed_limit'], 0, 99),
  // Holds the file's `junction_detail` in its era's code set (the 2024 set and the historic one
  // agree on every shared code); a 2024 file's `junction_detail_historic` goes to `extra`.
  code('junction_detail'),
  code('junction_control'),
  code('second_road_class'),
  int('second_road_number', ['second_road_number'], 0, 9999, { sqlType: 'integer' }),
  // The 2011-specification crossing fields: plain names before 2024, `_historic` from 2024.
  code('pedestrian_crossing_human_control', ['pedestrian_crossing_human_control', 'pedestrian_crossing_human_control_historic']),
  code('pedestrian_crossing_physical_facilities', [
    'pedestrian_crossing_physical_facilities',
    'pedestrian_crossing_physical_facilities_historic',
  ]),
  code('pedestrian_crossing'),
  code('light_conditions'),
  code('weather_conditions'),
  code('road_surface_conditions'),
  code('special_conditions_at_site'),
  code('carriageway_hazards'),
  code('urban_or_rural_area'),
  code('police_attended', ['did_police_officer_attend_scene_of_accident', 'did_police_officer_attend_scene_of_collision']),
  code('trunk_road_flag'),
  text('lsoa', ['lsoa_of_accident_location', 'lsoa_of_collision_location']),
  code('injury_based', ['collision_injury_based']),
  decimal('adjusted_severity_serious', ['collision_adjusted_severity_serious', 'collision_adjusted_serious'], 0, 1),
  decimal('adjusted_severity_slight', ['collision_adjusted_severity_slight', 'collision_adjusted_slight'], 0, 1),
];

export const CASUALTY_COLUMNS: ColumnDef[] = [
  text('collision_index', INDEX_SOURCES, { required: true }),
  text('vehicle_reference', ['vehicle_reference'], { required: true }),
  text('casualty_reference', ['casualty_reference'], { required: true }),
  code('casualty_class'),
  code('sex', ['sex_of_casualty']),
  int('age', ['age_of_casualty'], 0, 130),
  code('age_band', ['age_band_of_casualty']),
  code('severity', ['casualty_severity'], { required: true }),
  code('enhanced_severity', ['enhanced_casualty_severity']),
  code('pedestrian_location'),
  code('pedestrian_movement'),
  code('car_passenger'),
  code('bus_or_coach_passenger'),
  code('pedestrian_road_maintenance_worker'),
  code('casualty_type'),
  code('imd_decile', ['casualty_imd_decile']),
  text('lsoa', ['lsoa_of_casualty']),
  code('injury_based', ['casualty_injury_based']),
  decimal('adjusted_severity_serious', ['casualty_adjusted_severity_serious', 'casualty_adjusted_serious'], 0, 1),
  decimal('adjusted_severity_slight', ['casualty_adjusted_severity_slight', 'casualty_adjusted_slight'], 0, 1),
  code('distance_banding', ['casualty_distance_banding']),
];

export const VEHICLE_COLUMNS: ColumnDef[] = [
  text('collision_index', INDEX_SOURCES, { required: true }),
  text('vehicle_reference', ['vehicle_reference'], { required: true }),
  code('vehicle_type'),
  code('towing_and_articulation'),
  // Like junction_detail: the file's plain-named field in its era's code set; `_historic` → extra.
  code('manoeuvre', ['vehicle_manoeuvre']),
  code('direction_from', ['vehicle_direction_from']),
  code('direction_to', ['vehicle_direction_to']),
  code('restricted_lane', ['vehicle_location_restricted_lane']),
  code('junction_location'),
  code('skidding_and_overturning'),
  code('hit_object_in_carriageway'),
  code('leaving_carriageway', ['vehicle_leaving_carriageway']),
  code('hit_object_off_carriageway'),
  code('first_point_of_impact'),
  code('left_hand_drive', ['vehicle_left_hand_drive', 'was_vehicle_left_hand_drive']),
  code('journey_purpose', ['journey_purpose_of_driver']),
  code('sex_of_driver'),
  int('age_of_driver', ['age_of_driver'], 0, 130),
  code('age_band_of_driver'),
  int('engine_capacity_cc', ['engine_capacity_cc'], 0, 100_000),
  code('propulsion_code'),
  int('age_of_vehicle', ['age_of_vehicle'], 0, 150),
  text('generic_make_model', ['generic_make_model']),
  code('driver_imd_decile'),
  text('lsoa_of_driver', ['lsoa_of_driver']),
  code('escooter_flag'),
  code('driver_distance_banding'),
];

export const COLUMNS: Record<Stats19Table, ColumnDef[]> = {
  collision: COLLISION_COLUMNS,
  casualty: CASUALTY_COLUMNS,
  vehicle: VEHICLE_COLUMNS,
};

/** File columns deliberately not stored: a casualty's or vehicle's year and reference repeat its collision's. */
const IGNORED: Record<Stats19Table, string[]> = {
  collision: [],
  casualty: [...YEAR_SOURCES, ...REFERENCE_SOURCES],
  vehicle: [...YEAR_SOURCES, ...REFERENCE_SOURCES],
};

/** Header spellings of the oldest (capitalised, R-mangled) layouts that normalising alone does not fix. */
const HEADER_ALIASES: Record<string, string> = {
  '1st_road_class': 'first_road_class',
  '1st_road_number': 'first_road_number',
  '2nd_road_class': 'second_road_class',
  '2nd_road_number': 'second_road_number',
  x1st_road_class: 'first_road_class',
  x1st_road_number: 'first_road_number',
  x2nd_road_class: 'second_road_class',
  x2nd_road_number: 'second_road_number',
  '1st_point_of_impact': 'first_point_of_impact',
  x1st_point_of_impact: 'first_point_of_impact',
  engine_capacity: 'engine_capacity_cc',
};

/** Lower case, UTF-8 BOM and punctuation removed: `Local_Authority_(District)` → `local_authority_district`. */
export function normalizeHeader(header: string): string {
  const name = header
    .replace(/^\uFEFF/, '')
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return HEADER_ALIASES[name] ?? name;
}

/** Files from 2024 name the index `collision_index`; earlier ones `accident_index` (and older codes). */
export type Stats19Era = 'pre2024' | '2024';

/** One file column feeding one canonical column, with the code set to check it against. */
export interface MappedColumn {
  def: ColumnDef;
  /** Position in the file's records, or -1 when the file lacks the column. */
  index: number;
  /** The header as written in the file (for messages). */
  header: string;
  /** Code-list field whose codes the value must be one of; undefined when not enumerated. */
  codes?: ReadonlyMap<string, string>;
}

export interface ExtraColumn {
  index: number;
  header: string;
  /** jsonb key: the normalised header. */
  key: string;
  codes?: ReadonlyMap<string, string>;
}

export interface HeaderLayout {
  table: Stats19Table;
  era: Stats19Era;
  /** Every canonical column, in COLUMNS order. */
  columns: MappedColumn[];
  extras: ExtraColumn[];
  width: number;
}

export class HeaderError extends Error {
  constructor(
    message: string,
    /** The column the problem is about (the canonical name, or the file's header). */
    readonly column: string,
    readonly value?: string,
  ) {
    super(message);
  }
}

/**
 * The code set a file column is checked against: before 2024, fields recoded in the 2024
 * specification carry their `_historic` codes under the plain name.
 */
function codesForHeader(table: Stats19Table, header: string, era: Stats19Era): ReadonlyMap<string, string> | undefined {
  const field = canonicalField(table, header);
  const historic = historicVariant(table, field);
  if (era === 'pre2024' && historic) return codesFor(table, historic);
  return codesFor(table, field) ?? (historic ? codesFor(table, historic) : undefined);
}

/**
 * Maps a file's header row onto the canonical columns. Throws HeaderError naming the column when a
 * required column is missing or a header repeats.
 */
export function resolveHeader(table: Stats19Table, headers: string[]): HeaderLayout {
  const normalized = headers.map(normalizeHeader);
  const seen = new Map<string, number>();
  for (const [i, name] of normalized.entries()) {
    if (name === '') throw new HeaderError(`column ${i + 1} has no name`, `#${i + 1}`, headers[i]);
    if (seen.has(name)) throw new HeaderError(`the header names ${name} twice`, headers[i] ?? name, headers[i]);
    seen.set(name, i);
  }
  const era: Stats19Era = seen.has('collision_index') ? '2024' : 'pre2024';
  const used = new Set<number>(IGNORED[table].filter((name) => seen.has(name)).map((name) => seen.get(name) as number));
  const columns: MappedColumn[] = COLUMNS[table].map((def) => {
    const source = def.sources.find((s) => seen.has(s));
    const index = source === undefined ? -1 : (seen.get(source) as number);
    if (index < 0 && def.required) {
      // Name the column as this file's era would: accident_severity before 2024, collision_severity after.
      const name = (era === 'pre2024' ? def.sources.find((s) => s.startsWith('accident_')) : undefined) ?? def.sources[0] ?? def.column;
      throw new HeaderError(`is missing from the header; is this a ${table} file?`, name);
    }
    if (index >= 0) used.add(index);
    const header = index >= 0 ? (headers[index] ?? def.column) : def.column;
    const codes = index >= 0 && def.kind !== 'int' && def.kind !== 'decimal' ? codesForHeader(table, normalized[index] ?? '', era) : undefined;
    return { def, index, header, codes };
  });
  const extras: ExtraColumn[] = [];
  for (const [index, key] of normalized.entries()) {
    if (used.has(index)) continue;
    extras.push({ index, header: headers[index] ?? key, key, codes: codesForHeader(table, key, era) });
  }
  return { table, era, columns, extras, width: headers.length };
}
