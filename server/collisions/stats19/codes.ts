import fs from 'node:fs';
import { parse } from 'csv-parse/sync';

/**
 * The DfT STATS19 code list (Road Safety Open Data guide 2024, "code list" sheet), loaded once.
 *
 * The code list names fields as the 2024 files do (`collision_*`); files before 2024 say `accident_*`,
 * and the list has its own spellings for a few fields (`collision_ref_no`, `enhanced_collision_severity`,
 * `collision_adjusted_serious`). `canonicalField()` maps every spelling — either era's file header, the
 * code list's name, or this service's database column name — to the code list's name.
 *
 * Some fields were recoded in the 2024 specification; their older code sets survive as
 * `<field>_historic` (junction_detail, carriageway_hazards, vehicle_manoeuvre, …). A file before 2024
 * carries the historic codes under the plain name, so validate it against `historicVariant()`.
 * Where the two sets share a code the meaning is the same, so `labelFor` can fall back from one to
 * the other without knowing the year.
 */

export type Stats19Table = 'collision' | 'casualty' | 'vehicle';

export const STATS19_TABLES: readonly Stats19Table[] = ['collision', 'casualty', 'vehicle'];

/** Codes every coded field may carry for "not known": DfT's -1, and the text NULL of older files. */
export function isMissing(value: string | null | undefined): boolean {
  return value === undefined || value === null || value === '' || value === '-1' || value === 'NULL';
}

interface FieldCodes {
  /** code → label, for fields the list enumerates (every code is a number or an ONS code). */
  labels: Map<string, string>;
  /** False for fields described by a format or range (dates, "1 to 9999", free numbers, LSOA). */
  enumerated: boolean;
}

export interface CodeList {
  /** `${table}.${field}` → codes, with field as the code list names it. */
  fields: Map<string, FieldCodes>;
}

const CODE_LIST_PATH = new URL('./data-guide-2024_2024_code_list.csv', import.meta.url);

/**
 * A code worth enumerating: an integer (DfT codes) or an area code such as E07000123 (and DfT's
 * own EHEATHROW). Not "1 to 9999", "(DD/MM/YYYY)" or "See latest ONS code list".
 */
const CODE_PATTERN = /^(-?\d+|[A-Z][A-Z0-9]+)$/;

/** Reads the code list CSV (or another with the same columns: table, field name, code/format, label). */
export function readCodeList(path: string | URL = CODE_LIST_PATH): CodeList {
  const rows = parse(fs.readFileSync(path), { bom: true, relax_column_count: true, skip_empty_lines: true }) as string[][];
  const raw = new Map<string, Array<[code: string, label: string]>>();
  let table = '';
  for (const [index, row] of rows.entries()) {
    if (index === 0) continue; // header: table,field name,code/format,label,note
    // One row of the published sheet has an empty table cell; it belongs to the table above it.
    table = row[0]?.trim() || table;
    const field = row[1]?.trim();
    if (!field) continue;
    const key = `${table}.${field}`;
    const entries = raw.get(key) ?? [];
    entries.push([row[2]?.trim() ?? '', row[3]?.trim() ?? '']);
    raw.set(key, entries);
  }
  const fields = new Map<string, FieldCodes>();
  for (const [key, entries] of raw) {
    const codes = entries.filter(([code]) => code !== '');
    // Enumerated when every listed code is a code (not "1 to 9999", "(DD/MM/YYYY)" or a blank row
    // describing free values) and there is at least one code besides "missing".
    const enumerated =
      codes.length === entries.length && codes.every(([code]) => CODE_PATTERN.test(code)) && codes.some(([code]) => code !== '-1');
    fields.set(key, { labels: new Map(codes), enumerated });
  }
  return { fields };
}

let loaded: CodeList | undefined;

/** The shipped DfT code list, parsed on first use. */
export function codeList(): CodeList {
  return (loaded ??= readCodeList());
}

/**
 * Other spellings of a field → the code list's name, per table. Covers pre-2024 file headers, the
 * 2024 file headers where they differ from the list, and this service's database column names.
 */
const ALIASES: Record<Stats19Table, Record<string, string>> = {
  collision: {
    accident_index: 'collision_index',
    accident_year: 'collision_year',
    accident_reference: 'collision_ref_no',
    collision_reference: 'collision_ref_no',
    accident_severity: 'collision_severity',
    severity: 'collision_severity',
    enhanced_severity_collision: 'enhanced_collision_severity',
    enhanced_severity: 'enhanced_collision_severity',
    lsoa: 'lsoa_of_accident_location',
    lsoa_of_collision_location: 'lsoa_of_accident_location',
    police_attended: 'did_police_officer_attend_scene_of_accident',
    did_police_officer_attend_scene_of_collision: 'did_police_officer_attend_scene_of_accident',
    district_code: 'local_authority_ons_district',
    highway_authority: 'local_authority_highway',
    easting: 'location_easting_osgr',
    northing: 'location_northing_osgr',
    injury_based: 'collision_injury_based',
    collision_adjusted_severity_serious: 'collision_adjusted_serious',
    collision_adjusted_severity_slight: 'collision_adjusted_slight',
    adjusted_severity_serious: 'collision_adjusted_serious',
    adjusted_severity_slight: 'collision_adjusted_slight',
  },
  casualty: {
    accident_index: 'collision_index',
    accident_year: 'collision_year',
    accident_reference: 'collision_ref_no',
    collision_reference: 'collision_ref_no',
    sex: 'sex_of_casualty',
    age: 'age_of_casualty',
    age_band: 'age_band_of_casualty',
    severity: 'casualty_severity',
    enhanced_severity: 'enhanced_casualty_severity',
    imd_decile: 'casualty_imd_decile',
    lsoa: 'lsoa_of_casualty',
    injury_based: 'casualty_injury_based',
    casualty_adjusted_severity_serious: 'casualty_adjusted_serious',
    casualty_adjusted_severity_slight: 'casualty_adjusted_slight',
    adjusted_severity_serious: 'casualty_adjusted_serious',
    adjusted_severity_slight: 'casualty_adjusted_slight',
    distance_banding: 'casualty_distance_banding',
  },
  vehicle: {
    accident_index: 'collision_index',
    accident_year: 'collision_year',
    accident_reference: 'collision_ref_no',
    collision_reference: 'collision_ref_no',
    manoeuvre: 'vehicle_manoeuvre',
    direction_from: 'vehicle_direction_from',
    direction_to: 'vehicle_direction_to',
    restricted_lane: 'vehicle_location_restricted_lane',
    leaving_carriageway: 'vehicle_leaving_carriageway',
    left_hand_drive: 'vehicle_left_hand_drive',
    was_vehicle_left_hand_drive: 'vehicle_left_hand_drive',
    journey_purpose: 'journey_purpose_of_driver',
  },
};

/** The code list's name for a field spelled any known way (either era's header, or a database column). */
export function canonicalField(table: Stats19Table, field: string): string {
  const name = field.trim().toLowerCase();
  return ALIASES[table][name] ?? name;
}

function lookup(table: Stats19Table, field: string): FieldCodes | undefined {
  return codeList().fields.get(`${table}.${canonicalField(table, field)}`);
}

/** The `_historic` variant of a field when the code list has one (the pre-2024 code set). */
export function historicVariant(table: Stats19Table, field: string): string | undefined {
  const name = `${canonicalField(table, field)}_historic`;
  return codeList().fields.has(`${table}.${name}`) ? name : undefined;
}

/** True when the code list enumerates the field's codes (so a value outside them is an error). */
export function isEnumerated(table: Stats19Table, field: string): boolean {
  return lookup(table, field)?.enumerated ?? false;
}

/** The valid codes of an enumerated field (code → label); undefined for free or unknown fields. */
export function codesFor(table: Stats19Table, field: string): ReadonlyMap<string, string> | undefined {
  const found = lookup(table, field);
  return found?.enumerated ? found.labels : undefined;
}

/**
 * Whether a value is acceptable for a field: missing values (-1, NULL, empty) always are; fields
 * the list does not enumerate accept anything here (check their format elsewhere).
 */
export function isValidCode(table: Stats19Table, field: string, value: string | number): boolean {
  const code = String(value).trim();
  if (isMissing(code)) return true;
  const codes = codesFor(table, field);
  return codes === undefined || codes.has(code);
}

/**
 * The DfT label for a code, e.g. labelFor('collision', 'light_conditions', 4) → "Darkness - lights lit".
 * The field may be spelled as in either era's files or as the database column; codes found only in
 * the field's pre-2024 (`_historic`) set are labelled from that set. Undefined when unknown.
 */
export function labelFor(table: Stats19Table, field: string, code: string | number | null | undefined): string | undefined {
  if (code === null || code === undefined) return undefined;
  const key = String(code).trim();
  const found = lookup(table, field)?.labels.get(key);
  if (found !== undefined && found !== '') return found;
  const historic = historicVariant(table, field);
  const old = historic ? codeList().fields.get(`${table}.${historic}`)?.labels.get(key) : undefined;
  return old || undefined;
}
