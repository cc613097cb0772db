import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse';
import type { Knex } from 'knex';
import { bumpDataVersion } from '../db/data-versions.ts';
import { z } from '../http/zod.ts';
import { describeRowProblem, type RowProblem } from '../row-problem.ts';
import { assertAreaLoaded, locateInArea } from './area.ts';
import { concernGeometry, geometryJson, type ConcernGeometry } from './location.ts';
import {
  CATEGORIES,
  CATEGORY_LABEL,
  DAYS,
  DESCRIPTION_LENGTH,
  isTimeSpan,
  LOCATION_TEXT_MAX,
  NAME_MAX,
  normaliseDays,
  normaliseTimes,
  SOURCES,
  TIME_BANDS,
  type Category,
  type Day,
  type Position,
  type Source,
} from './model.ts';
import { reporterKeyOfEmail, reporterKeyOfName } from './reference.ts';
import { geometryColumns, insertConcerns, localMidnight, type NewConcern } from './store.ts';

/**
 * `roadsafe import concerns FILE.csv [--source community_survey]`: concerns from a bulk source (a
 * community survey export, a parish council list…). One row per concern; the header names the
 * columns (any order, case-insensitive; alternative names in brackets):
 *
 * | column | required | holds |
 * |---|---|---|
 * | `reference` (external_id, external_ref, id, ref, response_id) | yes | the source's own id for the row: re-importing the file updates by (source, reference) instead of duplicating |
 * | `date` (reported_on, submitted, created) | yes | the day it was raised: YYYY-MM-DD or DD/MM/YYYY |
 * | `category` | yes | speeding, antisocial_driving, drink_driving, dangerous_driving, parking, other — or their labels ("Parking / obstruction") |
 * | `longitude` + `latitude` (lon/lng, lat) | one location | a point, WGS84 |
 * | `easting` + `northing` | one location | a point, British National Grid (EPSG:27700) metres |
 * | `wkt` | one location | POINT(lon lat) or LINESTRING(lon lat, lon lat, …), WGS84 |
 * | `geojson` (geometry) | one location | a GeoJSON Point or LineString (or a Feature holding one), WGS84 |
 * | `description` (details, comment, comments) | yes | what happens |
 * | `when`, `days`, `times` (when_days, when_times) | no | days and times, e.g. "weekdays; morning 15:00-16:00", "fri sat night": days mon…sun, monday…, weekdays, weekends, daily; times early_morning, morning, daytime, evening, night, or HH:MM-HH:MM |
 * | `location_text` (location, place, street) | no | the place in words |
 * | `email`, `name` | no | the reporter's contact (private) |
 *
 * Every row must pass the rules of the public form (a point or a stretch of at most 5 km inside the
 * loaded districts, a known category…). The import is all-or-nothing: any problem rolls back
 * everything and is reported with the file, line, column and value.
 */

export interface ConcernImportOptions {
  /** Where the rows came from (default community_survey). */
  source?: Source;
}

export interface ConcernImportResult {
  file: string;
  source: Source;
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** Header columns the import does not know (not stored). */
  ignoredColumns: string[];
}

/** Problems with an input file; the message names the file, line, column and value of each (up to 20). */
export class ConcernImportError extends Error {
  constructor(
    readonly file: string,
    readonly problems: RowProblem[],
  ) {
    const shown = problems.slice(0, MAX_PROBLEMS_SHOWN).map((p) => describeRowProblem('concerns', file, p, MAX_VALUE_SHOWN));
    const more = problems.length > MAX_PROBLEMS_SHOWN ? `\n…and ${problems.length - MAX_PROBLEMS_SHOWN} more problems` : '';
    super(`${shown.join('\n')}${more}\nNothing was imported.`);
    this.name = 'ConcernImportError';
  }
}

const MAX_PROBLEMS_SHOWN = 20;
/** Characters of a value a message shows (descriptions can be long). */
const MAX_VALUE_SHOWN = 80;

type Field =
  | 'reference'
  | 'date'
  | 'category'
  | 'longitude'
  | 'latitude'
  | 'easting'
  | 'northing'
  | 'wkt'
  | 'geojson'
  | 'description'
  | 'when'
  | 'days'
  | 'times'
  | 'location_text'
  | 'email'
  | 'name';

const ALIASES: Record<Field, string[]> = {
  reference: ['reference', 'external_id', 'external_ref', 'id', 'ref', 'response_id'],
  date: ['date', 'reported_on', 'submitted', 'created'],
  category: ['category'],
  longitude: ['longitude', 'lon', 'lng'],
  latitude: ['latitude', 'lat'],
  easting: ['easting'],
  northing: ['northing'],
  wkt: ['wkt'],
  geojson: ['geojson', 'geometry'],
  description: ['description', 'details', 'comment', 'comments'],
  when: ['when'],
  days: ['days', 'when_days'],
  times: ['times', 'when_times'],
  location_text: ['location_text', 'location', 'place', 'street'],
  email: ['email'],
  name: ['name'],
};

const headerKey = (h: string) => h.trim().toLowerCase().replace(/[\s-]+/g, '_');

interface Layout {
  /** Column index and the header as written, per field. */
  columns: Partial<Record<Field, { index: number; header: string }>>;
  ignored: string[];
  width: number;
}

function resolveHeader(file: string, header: string[]): Layout {
  const columns: Layout['columns'] = {};
  const ignored: string[] = [];
  const problems: RowProblem[] = [];
  header.forEach((raw, index) => {
    const key = headerKey(raw);
    const field = (Object.keys(ALIASES) as Field[]).find((f) => ALIASES[f].includes(key));
    if (!field) {
      if (key !== '') ignored.push(raw);
      return;
    }
    const seen = columns[field];
    if (seen) problems.push({ line: 1, column: raw, reason: `is the same column as "${seen.header}" (${field}); keep one` });
    else columns[field] = { index, header: raw };
  });
  for (const field of ['reference', 'date', 'category', 'description'] as const) {
    if (!columns[field]) problems.push({ line: 1, reason: `the header has no ${field} column (name it ${ALIASES[field].join(' or ')})` });
  }
  const hasLocation = (columns.longitude && columns.latitude) || (columns.easting && columns.northing) || columns.wkt || columns.geojson;
  if (!hasLocation) problems.push({ line: 1, reason: 'the header has no location columns: longitude and latitude, easting and northing, wkt, or geojson' });
  if (columns.longitude && !columns.latitude) problems.push({ line: 1, column: columns.longitude.header, reason: 'needs a latitude column beside it' });
  if (columns.latitude && !columns.longitude) problems.push({ line: 1, column: columns.latitude.header, reason: 'needs a longitude column beside it' });
  if (columns.easting && !columns.northing) problems.push({ line: 1, column: columns.easting.header, reason: 'needs a northing column beside it' });
  if (columns.northing && !columns.easting) problems.push({ line: 1, column: columns.northing.header, reason: 'needs an easting column beside it' });
  if (problems.length) throw new ConcernImportError(file, problems);
  return { columns, ignored, width: header.length };
}

// ---- Values ----

const normaliseWord = (s: string) => s.trim().toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');

const CATEGORY_WORDS: Record<string, Category> = {
  ...Object.fromEntries(CATEGORIES.map((c) => [c, c])),
  ...Object.fromEntries(CATEGORIES.map((c) => [normaliseWord(CATEGORY_LABEL[c]), c])),
  speed: 'speeding',
  anti_social_driving: 'antisocial_driving',
  antisocial: 'antisocial_driving',
  nuisance_motorbikes: 'antisocial_driving',
  nuisance_motorcycles: 'antisocial_driving',
  obstruction: 'parking',
  parking_obstruction: 'parking',
  inconsiderate_parking: 'parking',
  drink_drug_driving: 'drink_driving',
};

export function parseCategory(value: string): Category | undefined {
  return CATEGORY_WORDS[normaliseWord(value)];
}

/** YYYY-MM-DD or DD/MM/YYYY (UK order) → YYYY-MM-DD, or undefined when not a real date. */
export function parseDate(value: string): string | undefined {
  const v = value.trim();
  let y: number, m: number, d: number;
  let match = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(v);
  if (match) [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  else if ((match = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(v))) [d, m, y] = [Number(match[1]), Number(match[2]), Number(match[3])];
  else return undefined;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return undefined;
  return date.toISOString().slice(0, 10);
}

const DAY_WORDS: Record<string, Day[]> = {
  ...Object.fromEntries(DAYS.map((d) => [d, [d]])),
  monday: ['mon'],
  tues: ['tue'],
  tuesday: ['tue'],
  weds: ['wed'],
  wednesday: ['wed'],
  thur: ['thu'],
  thurs: ['thu'],
  thursday: ['thu'],
  friday: ['fri'],
  saturday: ['sat'],
  sunday: ['sun'],
  weekday: ['mon', 'tue', 'wed', 'thu', 'fri'],
  weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'],
  weekend: ['sat', 'sun'],
  weekends: ['sat', 'sun'],
  daily: [...DAYS],
  everyday: [...DAYS],
  all: [...DAYS],
};

const TIME_WORDS: Record<string, string> = {
  ...Object.fromEntries(TIME_BANDS.map((t) => [t, t])),
  early: 'early_morning',
  mornings: 'morning',
  day: 'daytime',
  evenings: 'evening',
  nights: 'night',
  overnight: 'night',
};

/**
 * Days and times from free-ish text: "weekdays; morning 15:00-16:00", "Fri, Sat night".
 * Returns the unknown words too, so the caller can name them.
 */
export function parseWhen(text: string): { days: Day[]; times: string[]; unknown: string[] } {
  const days: Day[] = [];
  const times: string[] = [];
  const unknown: string[] = [];
  const words = text
    .toLowerCase()
    .replace(/every\s+day/g, 'daily')
    .replace(/early\s+morning/g, 'early_morning')
    .replace(/\s*-\s*/g, '-')
    .split(/[\s,;/|]+|\band\b/)
    .filter(Boolean);
  for (const word of words) {
    const span = /^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$/.exec(word);
    const padded = span ? `${span[1]?.padStart(2, '0')}:${span[2]}-${span[3]?.padStart(2, '0')}:${span[4]}` : undefined;
    if (DAY_WORDS[word]) days.push(...(DAY_WORDS[word] as Day[]));
    else if (TIME_WORDS[word]) times.push(TIME_WORDS[word] as string);
    else if (padded && isTimeSpan(padded)) times.push(padded);
    else unknown.push(word);
  }
  return { days: normaliseDays(days), times: normaliseTimes(times), unknown };
}

const number = (s: string) => (/^\s*-?\d+(\.\d+)?\s*$/.test(s) ? Number(s) : undefined);

/** POINT(x y) or LINESTRING(x y, …), optionally "SRID=4326;" first and a Z value per position. */
export function parseWkt(text: string): ConcernGeometry | string {
  const m = /^\s*(?:SRID=(\d+);)?\s*(POINT|LINESTRING)\s*(?:Z\s*)?\(\s*([^()]*)\)\s*$/i.exec(text);
  if (!m) return 'is not WKT of a POINT or LINESTRING, e.g. POINT(-2.7031 53.7632)';
  if (m[1] && m[1] !== '4326') return `has SRID ${m[1]}; give WGS84 (SRID 4326) coordinates, or use the easting and northing columns for a point`;
  const positions: Position[] = [];
  for (const part of (m[3] as string).split(',')) {
    const values = part.trim().split(/\s+/).map(number);
    if (values.length < 2 || values.length > 3 || values.some((v) => v === undefined)) return `has a position that is not "longitude latitude": "${part.trim()}"`;
    positions.push([values[0] as number, values[1] as number]);
  }
  return (m[2] as string).toUpperCase() === 'POINT'
    ? positions.length === 1
      ? { type: 'Point', coordinates: positions[0] as Position }
      : 'a POINT has one position'
    : { type: 'LineString', coordinates: positions };
}

const emailSchema = z.email();

// ---- Rows ----

interface ParsedRow {
  line: number;
  externalRef: string;
  reportedOn: string;
  category: Category;
  description: string;
  days: Day[];
  times: string[];
  locationText: string | null;
  email: string | null;
  name: string | null;
  /** WGS84 geometry, or a BNG point still to be converted. */
  geometry?: ConcernGeometry;
  bng?: { easting: number; northing: number };
  locationColumn: string;
  locationValue: string;
}

/** Checks one record; returns the row or its problems (every problem in the row, not just the first). */
function parseRow(layout: Layout, record: string[], line: number): ParsedRow | RowProblem[] {
  const problems: RowProblem[] = [];
  const cell = (f: Field) => {
    const c = layout.columns[f];
    return c ? (record[c.index] ?? '').trim() : '';
  };
  const header = (f: Field) => layout.columns[f]?.header ?? f;
  const problem = (f: Field, reason: string, value = cell(f)) => problems.push({ line, column: header(f), value, reason });

  if (record.length !== layout.width) {
    return [{ line, reason: `the row has ${record.length} columns, the header ${layout.width}` }];
  }
  const externalRef = cell('reference');
  if (!externalRef) problem('reference', 'is missing: every row needs the source’s own id (re-imports match on it)');
  else if (externalRef.length > 200) problem('reference', 'is longer than 200 characters');

  const reportedOn = parseDate(cell('date'));
  if (!cell('date')) problem('date', 'is missing');
  else if (!reportedOn) problem('date', 'is not a date as YYYY-MM-DD or DD/MM/YYYY');
  else if (reportedOn > new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)) problem('date', 'is in the future');

  const category = parseCategory(cell('category'));
  if (!cell('category')) problem('category', `is missing: one of ${CATEGORIES.join(', ')}`);
  else if (!category) problem('category', `is not a category: one of ${CATEGORIES.join(', ')}`);

  const description = cell('description');
  if (!description) problem('description', 'is missing');
  else if (description.length > DESCRIPTION_LENGTH.max) problem('description', `is longer than ${DESCRIPTION_LENGTH.max} characters`);

  const days: Day[] = [];
  const times: string[] = [];
  for (const f of ['when', 'days', 'times'] as const) {
    if (!cell(f)) continue;
    const parsed = parseWhen(cell(f));
    if (parsed.unknown.length) {
      problem(f, `has words that are not days or times: ${parsed.unknown.join(', ')} (days: ${DAYS.join(', ')}, weekdays, weekends, daily; times: ${TIME_BANDS.join(', ')} or HH:MM-HH:MM)`);
    }
    if (f === 'days' && parsed.times.length) problem(f, 'holds times; put them in the times (or when) column');
    if (f === 'times' && parsed.days.length) problem(f, 'holds days; put them in the days (or when) column');
    days.push(...parsed.days);
    times.push(...parsed.times);
  }

  const email = cell('email') || null;
  if (email && !emailSchema.safeParse(email).success) problem('email', 'is not an email address');
  const name = cell('name') || null;
  if (name && name.length > NAME_MAX) problem('name', `is longer than ${NAME_MAX} characters`);
  const locationText = cell('location_text') || null;
  if (locationText && locationText.length > LOCATION_TEXT_MAX) problem('location_text', `is longer than ${LOCATION_TEXT_MAX} characters`);

  // Exactly one way of giving the location per row.
  const given = (
    [
      ['lonlat', cell('longitude') || cell('latitude')],
      ['bng', cell('easting') || cell('northing')],
      ['wkt', cell('wkt')],
      ['geojson', cell('geojson')],
    ] as const
  ).filter(([, v]) => v);
  let geometry: ConcernGeometry | undefined;
  let bng: ParsedRow['bng'];
  let locationColumn = header('longitude');
  let locationValue = '';
  if (given.length === 0) {
    problems.push({ line, reason: 'has no location: fill longitude and latitude, easting and northing, wkt, or geojson' });
  } else if (given.length > 1) {
    problems.push({ line, reason: `has more than one location (${given.map(([k]) => k).join(', ')}); give exactly one` });
  } else {
    const kind = given[0]?.[0];
    if (kind === 'lonlat') {
      const lon = number(cell('longitude'));
      const lat = number(cell('latitude'));
      locationColumn = `${header('longitude')}/${header('latitude')}`;
      locationValue = `${cell('longitude')},${cell('latitude')}`;
      if (lon === undefined) problem('longitude', 'is not a number');
      if (lat === undefined) problem('latitude', 'is not a number');
      if (lon !== undefined && lat !== undefined) geometry = { type: 'Point', coordinates: [lon, lat] };
    } else if (kind === 'bng') {
      const easting = number(cell('easting'));
      const northing = number(cell('northing'));
      locationColumn = `${header('easting')}/${header('northing')}`;
      locationValue = `${cell('easting')},${cell('northing')}`;
      if (easting === undefined || easting < 0 || easting > 700_000) problem('easting', 'is not an easting in metres (0–700000, British National Grid)');
      if (northing === undefined || northing < 0 || northing > 1_300_000) problem('northing', 'is not a northing in metres (0–1300000, British National Grid)');
      if (easting !== undefined && northing !== undefined && easting >= 0 && easting <= 700_000 && northing >= 0 && northing <= 1_300_000) bng = { easting, northing };
    } else if (kind === 'wkt') {
      locationColumn = header('wkt');
      locationValue = cell('wkt');
      const parsed = parseWkt(cell('wkt'));
      if (typeof parsed === 'string') problem('wkt', parsed);
      else geometry = parsed;
    } else {
      locationColumn = header('geojson');
      locationValue = cell('geojson');
      try {
        const json = JSON.parse(cell('geojson')) as { type?: unknown; geometry?: unknown };
        geometry = (json?.type === 'Feature' ? json.geometry : json) as ConcernGeometry;
      } catch {
        problem('geojson', 'is not JSON');
      }
    }
    if (geometry) {
      const checked = concernGeometry.safeParse(geometry);
      if (checked.success) geometry = checked.data;
      else {
        geometry = undefined;
        problems.push({ line, column: locationColumn, value: locationValue, reason: checked.error.issues.map((i) => i.message).join('; ') });
      }
    }
  }
  if (problems.length) return problems;
  return {
    line,
    externalRef,
    reportedOn: reportedOn as string,
    category: category as Category,
    description,
    days: normaliseDays(days),
    times: normaliseTimes(times),
    locationText,
    email,
    name,
    geometry,
    bng,
    locationColumn,
    locationValue,
  };
}

/** Reads and checks every row; throws ConcernImportError with every problem found. */
async function readRows(file: string): Promise<{ layout: Layout; rows: ParsedRow[] }> {
  let stream: fs.ReadStream;
  try {
    await fs.promises.access(file, fs.constants.R_OK);
    stream = fs.createReadStream(file);
  } catch (err) {
    throw new Error(`Cannot read the concerns file ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, {
      cause: err,
    });
  }
  const parser = stream.pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true }));
  let layout: Layout | undefined;
  const rows: ParsedRow[] = [];
  const problems: RowProblem[] = [];
  const firstLine = new Map<string, number>();
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      // info.lines is the record's last line; line breaks inside quoted fields move its first line back.
      const line = info.lines - record.reduce((n, field) => n + (field.split('\n').length - 1), 0);
      if (!layout) {
        layout = resolveHeader(file, record);
        continue;
      }
      if (record.every((f) => f.trim() === '')) continue;
      const parsed = parseRow(layout, record, line);
      if (Array.isArray(parsed)) {
        problems.push(...parsed);
        continue;
      }
      const first = firstLine.get(parsed.externalRef);
      if (first !== undefined) {
        problems.push({ line, column: layout.columns.reference?.header, value: parsed.externalRef, reason: `appears again (first on line ${first}); each row needs its own reference` });
        continue;
      }
      firstLine.set(parsed.externalRef, line);
      rows.push(parsed);
    }
  } catch (err) {
    if (err instanceof ConcernImportError) throw err;
    const csvErr = err as Error & { lines?: number };
    throw new ConcernImportError(file, [...problems, { line: csvErr.lines ?? 0, reason: `is not valid CSV (${csvErr.message})` }]);
  }
  if (!layout) throw new ConcernImportError(file, [{ line: 1, reason: 'the file is empty (no header row)' }]);
  if (problems.length) throw new ConcernImportError(file, problems);
  return { layout, rows };
}

/** Converts British National Grid points to WGS84 in one statement. */
async function convertBngPoints(trx: Knex.Transaction, rows: ParsedRow[]): Promise<void> {
  const bngRows = rows.filter((r): r is ParsedRow & { bng: NonNullable<ParsedRow['bng']> } => r.bng !== undefined);
  if (bngRows.length === 0) return;
  const { rows: converted } = await trx.raw(
    `SELECT ST_X(p) AS lon, ST_Y(p) AS lat
     FROM (SELECT ord, ST_Transform(ST_SetSRID(ST_MakePoint(e, n), 27700), 4326) AS p
           FROM unnest(?::float8[], ?::float8[]) WITH ORDINALITY AS t(e, n, ord)) q
     ORDER BY ord`,
    [bngRows.map((r) => r.bng.easting), bngRows.map((r) => r.bng.northing)],
  );
  bngRows.forEach((row, i) => {
    const p = converted[i] as { lon: number; lat: number };
    // Seven decimals of a degree are about 1 cm: enough, and stable across re-imports.
    row.geometry = { type: 'Point', coordinates: [Number(p.lon.toFixed(7)), Number(p.lat.toFixed(7))] };
  });
}

interface ExistingRow {
  id: number;
  external_ref: string;
  category: Category;
  when_days: Day[];
  when_times: string[];
  description: string;
  location_text: string | null;
  reporter_name: string | null;
  reporter_email: string | null;
  district_code: string | null;
  reported_on: string;
  same_geometry: boolean;
}

/** Imports a concerns CSV in one transaction: every row inserted or updated, or nothing. */
export async function importConcerns(knex: Knex, file: string, options: ConcernImportOptions = {}): Promise<ConcernImportResult> {
  const source = options.source ?? 'community_survey';
  if (!(SOURCES as readonly string[]).includes(source)) throw new Error(`Unknown source "${source}": one of ${SOURCES.join(', ')}`);
  const { layout, rows } = await readRows(file);
  const base = path.basename(file);

  return knex.transaction(async (trx) => {
    await assertAreaLoaded(trx);
    await convertBngPoints(trx, rows);
    const located = await locateInArea(trx, rows.map((r) => r.geometry as ConcernGeometry));
    const outside = rows.flatMap((row, i) =>
      located[i]?.inside ? [] : [{ line: row.line, column: row.locationColumn, value: row.locationValue, reason: 'is outside the area this service covers (the loaded districts)' }],
    );
    if (outside.length) throw new ConcernImportError(file, outside);

    const { rows: existingRows } = await trx.raw(
      `SELECT c.id, c.external_ref, c.category, c.when_days, c.when_times, c.description, c.location_text, c.reporter_name, c.reporter_email,
              c.district_code, to_char(c.created_at AT TIME ZONE 'Europe/London', 'YYYY-MM-DD') AS reported_on,
              ST_OrderingEquals(c.geom_4326, ST_SetSRID(ST_GeomFromGeoJSON(t.json), 4326)) AS same_geometry
       FROM unnest(?::text[], ?::text[]) AS t(external_ref, json)
       JOIN concerns c ON c.source = ? AND c.external_ref = t.external_ref`,
      [rows.map((r) => r.externalRef), rows.map((r) => geometryJson(r.geometry as ConcernGeometry)), source],
    );
    const existing = new Map((existingRows as ExistingRow[]).map((r) => [r.external_ref, r]));

    const toInsert: Array<NewConcern & { line: number }> = [];
    let updated = 0;
    let unchanged = 0;
    for (const [i, row] of rows.entries()) {
      const districtCode = located[i]?.districtCode ?? null;
      const reporterKey = row.email ? reporterKeyOfEmail(row.email) : row.name ? reporterKeyOfName(source, row.name) : null;
      const before = existing.get(row.externalRef);
      if (!before) {
        toInsert.push({
          line: row.line,
          year: Number(row.reportedOn.slice(0, 4)),
          category: row.category,
          source,
          whenDays: row.days,
          whenTimes: row.times,
          description: row.description,
          locationText: row.locationText,
          reporterName: row.name,
          reporterEmail: row.email,
          reporterKey,
          geometry: row.geometry as ConcernGeometry,
          districtCode,
          externalRef: row.externalRef,
          reportedOn: row.reportedOn,
        });
        continue;
      }
      // field: [before, after]; the reporter's contact is recorded as changed, not copied into the history.
      const changes: Record<string, [unknown, unknown]> = {};
      const compare = (field: string, a: unknown, b: unknown, personal = false) => {
        if (JSON.stringify(a) !== JSON.stringify(b)) changes[field] = personal ? ['(private)', '(private)'] : [a, b];
      };
      compare('category', before.category, row.category);
      compare('whenDays', before.when_days, row.days);
      compare('whenTimes', before.when_times, row.times);
      compare('description', before.description, row.description);
      compare('locationText', before.location_text, row.locationText);
      compare('reporterName', before.reporter_name, row.name, true);
      compare('reporterEmail', before.reporter_email, row.email, true);
      compare('reportedOn', before.reported_on, row.reportedOn);
      if (!before.same_geometry) changes.location = ['(moved)', row.geometry?.type];
      compare('districtCode', before.district_code, districtCode);
      if (Object.keys(changes).length === 0) {
        unchanged++;
        continue;
      }
      await trx('concerns')
        .where({ id: before.id })
        .update({
          category: row.category,
          when_days: JSON.stringify(row.days),
          when_times: JSON.stringify(row.times),
          description: row.description,
          location_text: row.locationText,
          reporter_name: row.name,
          reporter_email: row.email,
          reporter_key: reporterKey,
          district_code: districtCode,
          ...geometryColumns(trx, row.geometry as ConcernGeometry),
          created_at: localMidnight(trx, row.reportedOn),
          updated_at: trx.fn.now(),
        });
      await trx('concern_events').insert({ concern_id: before.id, actor: 'import', action: 'edit', changes: JSON.stringify(changes), note: `re-imported from ${base} line ${row.line}` });
      updated++;
    }
    await insertConcerns(trx, toInsert, 'import', (c) => ({ source: [null, c.source], externalRef: [null, c.externalRef], file: [null, base] }));
    if (toInsert.length || updated) await bumpDataVersion(trx, 'concerns');
    return { file, source, rows: rows.length, inserted: toInsert.length, updated, unchanged, ignoredColumns: layout.ignored };
  });
}
