import path from 'node:path';
import type { Knex } from 'knex';
import { csvLine, type CsvValue } from '../collisions/csv.ts';
import { HttpError } from '../http/errors.ts';
import { describeRowProblem, type RowProblem } from '../row-problem.ts';
import { readCsvTable } from './csv-table.ts';
import { newSiteBody, type NewSiteBody } from './schemas.ts';
import { createSite, loadSites, updateSite, type SiteRow } from './store.ts';

/**
 * The register as CSV: export (GET /api/sites?format=csv) and import (POST /api/sites/import,
 * `roadsafe import sites FILE.csv`), one row per site, upserting by reference, all or nothing.
 *
 * | column | holds |
 * |---|---|
 * | reference | stable id, e.g. LAN-0001 (required; the import matches on it) |
 * | category | mobile_route, community_concern, motorway or fixed_site (required) |
 * | road_number, road_name | e.g. A584, Preston New Rd (road_name required) |
 * | qualifier, direction, locality | e.g. "from Clifton Business Park to Blackpool Rd", eastbound, Freckleton (locality required) |
 * | district_code | ONS code; blank: the district holding most of the stretch |
 * | highway_authority | e.g. Lancashire County Council |
 * | speed_limit_mph, limit_kind | 20/30/40/50/60/70; limit (default) or zone |
 * | stretch_wkt | LINESTRING(lon lat, lon lat, …) in WGS84 (required) |
 * | parking | positions separated by ";": `lon lat direction/direction | description`, e.g. `-2.91 53.75 eastbound | lay-by` |
 * | risk_assessed_on, risk_assessment_expires_on | YYYY-MM-DD |
 * | daylight_only, no_weekends, school_times_only | true/false (yes/no, 1/0; blank = false) |
 * | time_windows | local windows separated by ";", e.g. `07:30-09:30;14:30-16:30` |
 * | suspensions | separated by ";": `YYYY-MM-DD..YYYY-MM-DD reason` |
 * | warning_signs | true/false (blank = true) |
 * | visibility_m | metres the van is visible from |
 * | notes | free text |
 *
 * In parking descriptions and suspension reasons a literal ";" or "|" is written "\;" or "\|".
 */
export const SITE_CSV_COLUMNS = [
  'reference',
  'category',
  'road_number',
  'road_name',
  'qualifier',
  'direction',
  'locality',
  'district_code',
  'highway_authority',
  'speed_limit_mph',
  'limit_kind',
  'stretch_wkt',
  'parking',
  'risk_assessed_on',
  'risk_assessment_expires_on',
  'daylight_only',
  'no_weekends',
  'school_times_only',
  'time_windows',
  'suspensions',
  'warning_signs',
  'visibility_m',
  'notes',
] as const;
type Column = (typeof SITE_CSV_COLUMNS)[number];
const REQUIRED: Column[] = ['reference', 'category', 'road_name', 'locality', 'speed_limit_mph', 'stretch_wkt'];

const escapeList = (s: string) => s.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/\|/g, '\\|');

/** Splits on an unescaped separator and unescapes the parts. */
function splitEscaped(text: string, separator: ';' | '|'): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '\\' && i + 1 < text.length) {
      current += ch + (text[i + 1] as string);
      i++;
    } else if (ch === separator) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts;
}
const unescape = (s: string) => s.replace(/\\(.)/g, '$1');

/** The CSV values of one site, in SITE_CSV_COLUMNS order. */
export function siteCsvValues(site: SiteRow): CsvValue[] {
  const r = site.timeRestrictions;
  return [
    site.reference,
    site.category,
    site.roadNumber,
    site.roadName,
    site.qualifier,
    site.direction,
    site.locality,
    site.districtCode,
    site.highwayAuthority,
    site.speedLimitMph,
    site.limitKind,
    `LINESTRING(${site.stretch.coordinates.map(([x, y]) => `${x} ${y}`).join(', ')})`,
    site.parkingPositions.map((p) => `${p.lon} ${p.lat} ${p.directions.map(escapeList).join('/')}${p.description ? ` | ${escapeList(p.description)}` : ''}`).join('; '),
    site.riskAssessedOn,
    site.riskAssessmentExpiresOn,
    Boolean(r.daylightOnly),
    Boolean(r.noWeekends),
    Boolean(r.schoolTimesOnly),
    (r.windows ?? []).map((w) => `${w.from}-${w.to}`).join(';'),
    site.suspensions.map((s) => `${s.from}..${s.to} ${escapeList(s.reason)}`).join('; '),
    site.warningSigns,
    site.visibilityM,
    site.notes,
  ];
}

export function sitesCsv(sites: SiteRow[]): string {
  return csvLine(SITE_CSV_COLUMNS) + sites.map((s) => csvLine(siteCsvValues(s))).join('');
}

// ---- Import ----

export interface SiteImportProblem {
  line: number;
  field: string;
  value: string;
  message: string;
}

/** Problems with a register CSV; nothing was imported. */
export class SiteImportError extends Error {
  constructor(
    readonly file: string,
    readonly problems: RowProblem[],
  ) {
    const shown = problems.slice(0, 20).map((p) => describeRowProblem('sites', file, p, 80));
    super(`${shown.join('\n')}${problems.length > 20 ? `\n…and ${problems.length - 20} more problems` : ''}\nNothing was imported.`);
    this.name = 'SiteImportError';
  }

  /** The problems as the API answers them: `{line, field, value, message}`. */
  get errors(): SiteImportProblem[] {
    return this.problems.map((p) => ({ line: p.line, field: p.column ?? '', value: p.value ?? '', message: p.reason }));
  }
}

export interface SiteImportResult {
  file: string;
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  ignoredColumns: string[];
}

const TRUE = new Set(['true', 'yes', 'y', '1']);
const FALSE = new Set(['false', 'no', 'n', '0']);

/** API field (first path element) → CSV column, for messages. */
const FIELD_COLUMN: Record<string, Column> = {
  reference: 'reference',
  category: 'category',
  roadNumber: 'road_number',
  roadName: 'road_name',
  qualifier: 'qualifier',
  direction: 'direction',
  locality: 'locality',
  districtCode: 'district_code',
  highwayAuthority: 'highway_authority',
  speedLimitMph: 'speed_limit_mph',
  limitKind: 'limit_kind',
  stretch: 'stretch_wkt',
  parkingPositions: 'parking',
  riskAssessedOn: 'risk_assessed_on',
  riskAssessmentExpiresOn: 'risk_assessment_expires_on',
  suspensions: 'suspensions',
  warningSigns: 'warning_signs',
  visibilityM: 'visibility_m',
  notes: 'notes',
};

interface ParsedRow {
  line: number;
  input: NewSiteBody;
  cells: Record<string, string>;
}

/** One record → the API's body shape, then the API's own schema: the same rules as POST /api/sites. */
function parseRow(cells: Record<string, string>, line: number): ParsedRow | RowProblem[] {
  const problems: RowProblem[] = [];
  const problem = (column: Column, reason: string) => problems.push({ line, column, value: cells[column] ?? '', reason });
  const text = (c: Column) => cells[c] ?? '';
  const bool = (c: Column, fallback: boolean): boolean | undefined => {
    const v = text(c).toLowerCase();
    if (v === '') return fallback;
    if (TRUE.has(v)) return true;
    if (FALSE.has(v)) return false;
    problem(c, 'is not true or false (yes/no, 1/0)');
    return undefined;
  };
  const num = (c: Column): number | null | undefined => {
    const v = text(c);
    if (v === '') return null;
    if (!/^-?\d+(\.\d+)?$/.test(v)) {
      problem(c, 'is not a number');
      return undefined;
    }
    return Number(v);
  };

  let stretch: unknown;
  const wkt = /^\s*(?:SRID=4326;)?\s*LINESTRING\s*\(([^()]*)\)\s*$/i.exec(text('stretch_wkt'));
  if (!text('stretch_wkt')) problem('stretch_wkt', 'is missing: the stretch as LINESTRING(lon lat, lon lat, …) in WGS84');
  else if (!wkt) problem('stretch_wkt', 'is not WKT of a LINESTRING, e.g. LINESTRING(-2.91 53.75, -2.90 53.76) (WGS84 longitude latitude)');
  else {
    const coordinates = (wkt[1] as string).split(',').map((pair) => pair.trim().split(/\s+/).map(Number));
    if (coordinates.some((c) => c.length !== 2 || c.some((v) => !Number.isFinite(v)))) problem('stretch_wkt', 'has a position that is not "longitude latitude"');
    else stretch = { type: 'LineString', coordinates };
  }

  const parking: unknown[] = [];
  if (text('parking')) {
    for (const part of splitEscaped(text('parking'), ';')) {
      if (!part.trim()) continue;
      const [place, ...description] = splitEscaped(part, '|');
      const m = /^\s*(-?\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?)\s+(.+?)\s*$/.exec(place ?? '');
      if (!m) {
        problem('parking', `has a position that is not "lon lat direction/direction | description": "${part.trim()}"`);
        continue;
      }
      parking.push({
        lon: Number(m[1]),
        lat: Number(m[2]),
        directions: (m[3] as string).split('/').map((d) => unescape(d).trim()).filter(Boolean),
        description: description.length ? unescape(description.join('|')).trim() : null,
      });
    }
  }

  const windows: Array<{ from: string; to: string }> = [];
  for (const w of text('time_windows').split(';').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})$/.exec(w);
    if (!m) problem('time_windows', `has "${w}", not a window HH:MM-HH:MM`);
    else windows.push({ from: (m[1] as string).padStart(5, '0'), to: (m[2] as string).padStart(5, '0') });
  }

  const suspensions: unknown[] = [];
  for (const part of splitEscaped(text('suspensions'), ';')) {
    if (!part.trim()) continue;
    const m = /^\s*(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})\s*(.*)$/s.exec(part);
    if (!m) problem('suspensions', `has "${part.trim()}", not "YYYY-MM-DD..YYYY-MM-DD reason"`);
    else suspensions.push({ from: m[1], to: m[2], reason: unescape(m[3] as string).trim() });
  }

  const speed = num('speed_limit_mph');
  const visibility = num('visibility_m');
  const body = {
    reference: text('reference'),
    category: text('category'),
    roadNumber: text('road_number') || null,
    roadName: text('road_name'),
    qualifier: text('qualifier') || null,
    direction: text('direction') || null,
    locality: text('locality'),
    districtCode: text('district_code') || null,
    highwayAuthority: text('highway_authority') || null,
    speedLimitMph: speed ?? undefined,
    limitKind: text('limit_kind') || 'limit',
    stretch,
    parkingPositions: parking,
    riskAssessedOn: text('risk_assessed_on') || null,
    riskAssessmentExpiresOn: text('risk_assessment_expires_on') || null,
    timeRestrictions: { daylightOnly: bool('daylight_only', false), noWeekends: bool('no_weekends', false), schoolTimesOnly: bool('school_times_only', false), windows },
    suspensions,
    warningSigns: bool('warning_signs', true),
    visibilityM: visibility,
    notes: text('notes') || null,
  };
  // The API's rules run even after a problem above, so one pass reports every column at fault.
  const flagged = new Set(problems.map((p) => p.column));
  const parsed = newSiteBody.safeParse(body);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const [first, second] = issue.path.map(String);
      const column: Column =
        first === 'timeRestrictions'
          ? second === 'windows'
            ? 'time_windows'
            : second === 'noWeekends'
              ? 'no_weekends'
              : second === 'schoolTimesOnly'
                ? 'school_times_only'
                : 'daylight_only'
          : (FIELD_COLUMN[first ?? ''] ?? 'reference');
      const where = issue.path.length > 1 && (first === 'parkingPositions' || first === 'suspensions') ? ` (entry ${Number(second) + 1})` : '';
      if (!flagged.has(column)) problem(column, `${issue.message}${where}`);
    }
  }
  if (problems.length || !parsed.success) return problems;
  return { line, input: parsed.data, cells };
}

/** Reads and checks every row of a register CSV; throws SiteImportError listing every problem. */
export function readSitesCsv(file: string, text: string): { rows: ParsedRow[]; ignored: string[] } {
  const { header, body, names } = readCsvTable(text, (problems) => {
    throw new SiteImportError(file, problems);
  });
  const problems: RowProblem[] = [];
  for (const c of REQUIRED) if (!names.includes(c)) problems.push({ line: 1, reason: `the header has no ${c} column (columns: ${SITE_CSV_COLUMNS.join(', ')})` });
  names.forEach((n, i) => {
    if (names.indexOf(n) !== i) problems.push({ line: 1, column: header.record[i], reason: 'appears twice in the header' });
  });
  if (problems.length) throw new SiteImportError(file, problems);
  const ignored = header.record.filter((_h, i) => !(SITE_CSV_COLUMNS as readonly string[]).includes(names[i] as string));

  const rows: ParsedRow[] = [];
  const seen = new Map<string, number>();
  for (const { record, info } of body) {
    // info.lines is the record's last line; line breaks inside quoted fields move its first line back.
    const line = info.lines - record.reduce((n, field) => n + (field.split('\n').length - 1), 0);
    if (record.every((f) => f.trim() === '')) continue;
    if (record.length !== header.record.length) {
      problems.push({ line, reason: `the row has ${record.length} columns, the header ${header.record.length}` });
      continue;
    }
    const cells = Object.fromEntries(names.map((n, i) => [n, (record[i] ?? '').trim()]));
    const parsed = parseRow(cells, line);
    if (Array.isArray(parsed)) {
      problems.push(...parsed);
      continue;
    }
    const first = seen.get(parsed.input.reference);
    if (first !== undefined) {
      problems.push({ line, column: 'reference', value: parsed.input.reference, reason: `appears again (first on line ${first}); each site has one row` });
      continue;
    }
    seen.set(parsed.input.reference, line);
    rows.push(parsed);
  }
  if (problems.length) throw new SiteImportError(file, problems);
  return { rows, ignored };
}

/**
 * Imports a register CSV in one transaction: new references are added, known ones changed (recorded
 * in site_changes with actor `import:<file>`), unchanged rows left alone. Any problem — a bad value, a
 * district that does not exist, a retired site — rolls everything back and is reported by line.
 */
export async function importSitesCsv(knex: Knex, file: string, text: string, options: { actor?: string; reason?: string | null } = {}): Promise<SiteImportResult> {
  const base = path.basename(file);
  const { rows, ignored } = readSitesCsv(base, text);
  const actor = options.actor ?? `import:${base}`;
  return knex.transaction(async (trx) => {
    const existing = new Map((await loadSites(trx, { references: rows.map((r) => r.input.reference), includeRetired: true })).map((s) => [s.reference, s]));
    let inserted = 0;
    let updated = 0;
    let unchanged = 0;
    const problems: RowProblem[] = [];
    for (const row of rows) {
      const before = existing.get(row.input.reference);
      const change = { actor, action: 'import', reason: options.reason ?? `${base} line ${row.line}` };
      try {
        if (!before) {
          await createSite(trx, row.input, change, 'row');
          inserted++;
        } else {
          const { demo: _demo, ...fields } = row.input;
          const result = await updateSite(trx, before.id, { ...fields, version: before.version }, change, 'row');
          if (result.changed) updated++;
          else unchanged++;
        }
      } catch (err) {
        if (!(err instanceof HttpError)) throw err;
        const detail = err.errors?.[0];
        const field = detail?.field.replace(/^row\./, '') ?? 'reference';
        const column = FIELD_COLUMN[field] ?? 'reference';
        problems.push({ line: row.line, column, value: row.cells[column] ?? '', reason: detail?.message ?? err.message });
      }
    }
    if (problems.length) throw new SiteImportError(base, problems);
    return { file: base, rows: rows.length, inserted, updated, unchanged, ignoredColumns: ignored };
  });
}
