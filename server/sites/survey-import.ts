import path from 'node:path';
import type { Knex } from 'knex';
import { bumpDataVersion } from '../db/data-versions.ts';
import { describeRowProblem, type RowProblem } from '../row-problem.ts';
import { parseDate } from '../concerns/import.ts';
import { criteriaFromEnvironment } from './criteria.ts';
import { readCsvTable } from './csv-table.ts';
import { enforcementThresholdMph, type SiteCriteria } from './eligibility.ts';
import { surveyMeasuresFromRow, type SurveyMeasures } from './model.ts';
import { SPEED_LIMITS } from './schemas.ts';
import { binsProblem, summariseBinned, summarisePerVehicle, type SpeedBin, type SpeedSummary } from './speed.ts';

/**
 * `roadsafe import speed-survey FILE [--site REF]`: speed surveys from automatic traffic counters, in
 * one of two shapes, told apart by the header:
 *
 * per vehicle: `survey_reference, site_reference, date, time, direction, speed_mph, speed_limit_mph`
 * binned:      `survey_reference, site_reference, from_date, to_date, direction, speed_limit_mph, bin_from_mph, bin_to_mph, count`
 *
 * A file may hold several surveys (rows grouped by survey_reference). Each survey is summarised
 * (speed.ts: vehicles, mean, 85th percentile, share over the limit and at or over the enforcement
 * threshold) and stored under its reference: importing it again replaces it. `site_reference` (or
 * `--site`) links it to a register site; a reference not yet in the register is kept and the survey
 * links to that site when it is registered. All or nothing, with every problem by line.
 */

export type SurveyShape = 'per_vehicle' | 'binned';

const COLUMNS: Record<SurveyShape, { required: string[]; optional: string[] }> = {
  per_vehicle: { required: ['survey_reference', 'date', 'speed_mph', 'speed_limit_mph'], optional: ['site_reference', 'time', 'direction'] },
  binned: { required: ['survey_reference', 'from_date', 'to_date', 'speed_limit_mph', 'bin_from_mph', 'bin_to_mph', 'count'], optional: ['site_reference', 'direction'] },
};

/** Problems with a speed survey file; nothing was imported. */
export class SurveyImportError extends Error {
  constructor(
    readonly file: string,
    readonly problems: RowProblem[],
  ) {
    const shown = problems.slice(0, 20).map((p) => describeRowProblem('speed survey', file, p, 80));
    super(`${shown.join('\n')}${problems.length > 20 ? `\n…and ${problems.length - 20} more problems` : ''}\nNothing was imported.`);
    this.name = 'SurveyImportError';
  }
}

export interface ImportedSurvey extends Omit<SpeedSummary, 'bins'> {
  reference: string;
  siteReference: string | null;
  siteId: number | null;
  surveyedFrom: string;
  surveyedTo: string;
  direction: string | null;
  speedLimitMph: number;
  thresholdMph: number;
  inputKind: SurveyShape;
  replaced: boolean;
}

export interface SurveyImportResult {
  file: string;
  shape: SurveyShape;
  rows: number;
  surveys: ImportedSurvey[];
  /** Site references not (yet) in the register: the surveys are kept and link when the site is added. */
  unlinkedSiteReferences: string[];
}

interface Group {
  reference: string;
  firstLine: number;
  siteReference: string | null;
  limit: number;
  dates: string[];
  directions: Set<string>;
  speeds: number[];
  bins: Map<string, SpeedBin>;
}

const numberCell = /^\s*-?\d+(\.\d+)?\s*$/;

/** Detects the shape from the header, or throws naming what is missing. */
export function detectSurveyShape(file: string, names: string[]): SurveyShape {
  const shape: SurveyShape = names.includes('speed_mph') ? 'per_vehicle' : names.includes('bin_from_mph') || names.includes('count') ? 'binned' : 'per_vehicle';
  const missing = COLUMNS[shape].required.filter((c) => !names.includes(c));
  if (!names.includes('speed_mph') && !names.includes('bin_from_mph') && !names.includes('count')) {
    throw new SurveyImportError(file, [
      { line: 1, reason: `the header is neither per-vehicle (${[...COLUMNS.per_vehicle.required, ...COLUMNS.per_vehicle.optional].join(', ')}) nor binned (${[...COLUMNS.binned.required, ...COLUMNS.binned.optional].join(', ')})` },
    ]);
  }
  if (missing.length) throw new SurveyImportError(file, [{ line: 1, reason: `the header of a ${shape === 'binned' ? 'binned' : 'per-vehicle'} survey has no ${missing.join(', ')} column${missing.length > 1 ? 's' : ''}` }]);
  return shape;
}

/** Reads, checks and summarises every survey of a file (no database). */
export function readSpeedSurveys(file: string, text: string, options: { siteReference?: string; criteria?: SiteCriteria } = {}) {
  const criteria = options.criteria ?? criteriaFromEnvironment().criteria;
  const { body, names } = readCsvTable(text, (problems) => {
    throw new SurveyImportError(file, problems);
  });
  const shape = detectSurveyShape(file, names);
  const problems: RowProblem[] = [];
  const groups = new Map<string, Group>();
  let rows = 0;
  for (const { record, info } of body) {
    const line = info.lines;
    if (record.every((f) => f.trim() === '')) continue;
    rows++;
    if (record.length !== names.length) {
      problems.push({ line, reason: `the row has ${record.length} columns, the header ${names.length}` });
      continue;
    }
    const cell = (c: string) => (record[names.indexOf(c)] ?? '').trim();
    const problem = (c: string, reason: string) => problems.push({ line, column: c, value: cell(c), reason });
    const before = problems.length;
    const reference = cell('survey_reference');
    if (!reference) problem('survey_reference', 'is missing');
    const limit = Number(cell('speed_limit_mph'));
    if (!(SPEED_LIMITS as readonly number[]).includes(limit)) problem('speed_limit_mph', `is not a speed limit (${SPEED_LIMITS.join(', ')} mph)`);
    const siteReference = options.siteReference ?? (cell('site_reference') || null);
    const direction = names.includes('direction') ? cell('direction') : '';
    let dates: string[] = [];
    let speed: number | undefined;
    let bin: SpeedBin | undefined;
    if (shape === 'per_vehicle') {
      const date = parseDate(cell('date'));
      if (!date) problem('date', 'is not a date as YYYY-MM-DD or DD/MM/YYYY');
      else dates = [date];
      if (names.includes('time') && cell('time') && !/^([01]?\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/.test(cell('time'))) problem('time', 'is not a time HH:MM or HH:MM:SS');
      const s = Number(cell('speed_mph'));
      if (!numberCell.test(cell('speed_mph')) || s < 0 || s > 200) problem('speed_mph', 'is not a speed in mph (0–200)');
      else speed = s;
    } else {
      const from = parseDate(cell('from_date'));
      const to = parseDate(cell('to_date'));
      if (!from) problem('from_date', 'is not a date as YYYY-MM-DD or DD/MM/YYYY');
      if (!to) problem('to_date', 'is not a date as YYYY-MM-DD or DD/MM/YYYY');
      if (from && to && to < from) problem('to_date', `is before from_date ${from}`);
      if (from && to) dates = [from, to];
      const lo = Number(cell('bin_from_mph'));
      const hi = Number(cell('bin_to_mph'));
      const count = Number(cell('count'));
      if (!numberCell.test(cell('bin_from_mph')) || lo < 0) problem('bin_from_mph', 'is not a speed in mph');
      if (!numberCell.test(cell('bin_to_mph')) || hi <= lo) problem('bin_to_mph', `is not a speed above bin_from_mph (bins are [from, to) mph; give the top bin an upper speed too)`);
      if (!/^\s*\d+\s*$/.test(cell('count'))) problem('count', 'is not a whole number of vehicles');
      bin = { fromMph: lo, toMph: hi, count };
    }
    if (problems.length > before) continue;
    let group = groups.get(reference);
    if (!group) {
      group = { reference, firstLine: line, siteReference, limit, dates: [], directions: new Set(), speeds: [], bins: new Map() };
      groups.set(reference, group);
    }
    if (group.limit !== limit) problem('speed_limit_mph', `differs from the ${group.limit} mph of survey ${reference} on line ${group.firstLine}; one survey has one limit`);
    if (group.siteReference !== siteReference) problem('site_reference', `differs from "${group.siteReference ?? ''}" of survey ${reference} on line ${group.firstLine}`);
    if (shape === 'binned' && group.dates.length && (group.dates[0] !== dates[0] || group.dates[1] !== dates[1])) {
      problem('from_date', `the dates differ from ${group.dates[0]}–${group.dates[1]} of survey ${reference} on line ${group.firstLine}`);
    }
    if (problems.length > before) continue;
    if (shape === 'binned') group.dates = dates;
    else group.dates.push(...dates);
    if (direction) group.directions.add(direction);
    if (speed !== undefined) group.speeds.push(speed);
    if (bin) {
      // The same bin in several directions (or rows) adds up.
      const key = `${bin.fromMph}-${bin.toMph}`;
      const seen = group.bins.get(key);
      group.bins.set(key, seen ? { ...seen, count: seen.count + bin.count } : bin);
    }
  }
  if (rows === 0) problems.push({ line: 2, reason: 'the file has a header but no rows' });
  const surveys: Array<Omit<ImportedSurvey, 'siteId' | 'replaced'> & { bins: SpeedBin[] }> = [];
  for (const g of groups.values()) {
    const threshold = enforcementThresholdMph(g.limit, criteria.threshold20Mph);
    if (shape === 'binned') {
      const trouble = binsProblem([...g.bins.values()]);
      if (trouble) {
        problems.push({ line: g.firstLine, column: 'survey_reference', value: g.reference, reason: trouble });
        continue;
      }
    }
    const summary = shape === 'binned' ? summariseBinned([...g.bins.values()], g.limit, threshold) : summarisePerVehicle(g.speeds, g.limit, threshold);
    const sortedDates = [...g.dates].sort();
    surveys.push({
      reference: g.reference,
      siteReference: g.siteReference,
      surveyedFrom: sortedDates[0] as string,
      surveyedTo: sortedDates[sortedDates.length - 1] as string,
      direction: g.directions.size ? [...g.directions].sort().join(', ') : null,
      speedLimitMph: g.limit,
      thresholdMph: threshold,
      inputKind: shape,
      ...summary,
    });
  }
  if (problems.length) throw new SurveyImportError(file, problems.sort((a, b) => a.line - b.line));
  return { shape, rows, surveys };
}

/** Imports the speed surveys of a file in one transaction (replacing surveys with the same reference). */
export async function importSpeedSurveys(knex: Knex, file: string, text: string, options: { siteReference?: string; criteria?: SiteCriteria } = {}): Promise<SurveyImportResult> {
  const base = path.basename(file);
  const { shape, rows, surveys } = readSpeedSurveys(base, text, options);
  return knex.transaction(async (trx) => {
    const siteRefs = [...new Set(surveys.map((s) => s.siteReference).filter((r): r is string => r !== null))];
    const sites = new Map<string, number>(
      (await trx('enforcement_sites').whereIn('reference', siteRefs).select('id', 'reference')).map((r: { id: number; reference: string }) => [r.reference, r.id]),
    );
    if (options.siteReference && !sites.has(options.siteReference)) {
      throw new SurveyImportError(base, [{ line: 0, reason: `--site ${options.siteReference} is not a site in the register` }]);
    }
    const existing = new Set((await trx('speed_surveys').whereIn('reference', surveys.map((s) => s.reference)).select('reference')).map((r: { reference: string }) => r.reference));
    const out: ImportedSurvey[] = [];
    for (const s of surveys) {
      const siteId = s.siteReference ? (sites.get(s.siteReference) ?? null) : null;
      const row = {
        reference: s.reference,
        site_id: siteId,
        site_reference: s.siteReference,
        surveyed_from: s.surveyedFrom,
        surveyed_to: s.surveyedTo,
        direction: s.direction,
        speed_limit_mph: s.speedLimitMph,
        vehicles: s.vehicles,
        mean_mph: s.meanMph,
        p85_mph: s.p85Mph,
        share_over_limit: s.shareOverLimit,
        threshold_mph: s.thresholdMph,
        share_over_threshold: s.shareOverThreshold,
        input_kind: s.inputKind,
        bins: JSON.stringify(s.bins),
        source_file: base,
        imported_at: trx.fn.now(),
      };
      await trx('speed_surveys').insert(row).onConflict('reference').merge();
      const { bins: _bins, ...rest } = s;
      out.push({ ...rest, siteId, replaced: existing.has(s.reference) });
    }
    await bumpDataVersion(trx, 'sites');
    return { file: base, shape, rows, surveys: out, unlinkedSiteReferences: siteRefs.filter((r) => !sites.has(r)) };
  });
}

export interface SpeedSurveyView extends SurveyMeasures {
  id: number;
  reference: string;
  siteId: number | null;
  siteReference: string | null;
  surveyedFrom: string;
  surveyedTo: string;
  direction: string | null;
  speedLimitMph: number;
  inputKind: SurveyShape;
  bins: SpeedBin[] | null;
  sourceFile: string | null;
  importedAt: string;
}

/** Surveys, newest first; with a site id, that site's (by id, or by its reference for surveys imported before it). */
export async function listSpeedSurveys(knex: Knex, siteId?: number): Promise<SpeedSurveyView[]> {
  const q = knex('speed_surveys as v').select(
    'v.*',
    knex.raw('v.surveyed_from::text AS from_text'),
    knex.raw('v.surveyed_to::text AS to_text'),
    knex.raw('coalesce(v.site_id, s.id) AS linked_site_id'),
  ).leftJoin('enforcement_sites as s', function () {
    this.on('s.reference', '=', 'v.site_reference').andOnNull('v.site_id');
  });
  if (siteId !== undefined) q.whereRaw('coalesce(v.site_id, s.id) = ?', [siteId]);
  const rows = await q.orderBy([{ column: 'v.surveyed_to', order: 'desc' }, { column: 'v.id', order: 'desc' }]);
  return rows.map((r: Record<string, unknown>) => ({
    id: Number(r.id),
    reference: String(r.reference),
    siteId: r.linked_site_id === null ? null : Number(r.linked_site_id),
    siteReference: (r.site_reference as string | null) ?? null,
    surveyedFrom: String(r.from_text),
    surveyedTo: String(r.to_text),
    direction: (r.direction as string | null) ?? null,
    speedLimitMph: Number(r.speed_limit_mph),
    ...surveyMeasuresFromRow(r),
    inputKind: r.input_kind as SurveyShape,
    bins: (r.bins as SpeedBin[] | null) ?? null,
    sourceFile: (r.source_file as string | null) ?? null,
    importedAt: new Date(r.imported_at as string).toISOString(),
  }));
}
