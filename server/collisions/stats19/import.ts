import fs from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { parse, type CsvError } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import type { Knex } from 'knex';
import { copyFrom, copyFromStream, copyTextField } from '../../db/copy-from.ts';
import { bumpDataVersion } from '../../db/data-versions.ts';
import { describeRowProblem, type RowProblem } from '../../row-problem.ts';
import type { Stats19Table } from './codes.ts';
import { COLUMNS, HeaderError, resolveHeader, type HeaderLayout, type MappedColumn } from './columns.ts';
import { roadUserGroup } from './road-user.ts';
import { copyRawSql, policeForceMatchesSql, rawColumn, rawTableDdl, rowIsCleanSql, rowIsValidSql, stageSelectSql } from './sql-stage.ts';
import { dfTDayOfWeek, isMissingValue, parseDate, parseDecimal, parseInteger, parseText, parseTime, RangeValueError, ValueError } from './values.ts';

/**
 * The DfT STATS19 importer: reads a collision file (and optionally its casualty and vehicle files),
 * checks every value, stages the rows, then upserts each table with one set-based statement. The
 * whole import is one transaction: a bad row (unless skipInvalid) rolls everything back and nothing
 * is written.
 *
 * Two engines stage the files (options.engine). The SQL engine (PostgreSQL; see stageFileSql and
 * sql-stage.ts) streams the raw bytes with COPY into an all-text table, checks the rows in SQL and
 * converts them through a view; the invalid rows it finds are re-checked by processRecord below, so
 * its messages are the Node engine's own, and any file it cannot take exactly as the Node engine
 * would (COPY fails, blank lines, line breaks inside fields, a disagreement) is imported again by
 * the Node engine. test/integration/stats19-engines.test.ts keeps the two in step.
 *
 * Node engine flow per file: header → layout (columns.ts) → each record: column count, values (codes.ts,
 * values.ts), derived fields (hour, road-user group, …) → a staging batch every `batchSize` rows,
 * sent with COPY FROM STDIN on PostgreSQL or `INSERT … SELECT FROM unnest(…)` on the embedded
 * PGlite; the next batch is parsed while the database stores the last, so memory stays flat.
 * Then, per table: duplicate keys (error, or dropped with skipInvalid), one INSERT … ON CONFLICT DO
 * UPDATE only where the row differs (a re-import of the same files changes nothing), casualties and
 * vehicles only where their collision is stored. Geometry is built in SQL: EPSG:27700 from
 * easting/northing (else transformed from lon/lat), EPSG:4326 from the file's lon/lat (else
 * transformed). A load that at least doubles a table rebuilds its secondary indexes and foreign
 * keys afterwards.
 */

export interface Stats19ImportOptions {
  /** Collision (accident) table CSV. */
  collisions: string;
  casualties?: string;
  vehicles?: string;
  /** Import only this police force's collisions (and their casualties and vehicles); other rows are skipped. */
  policeForce?: number;
  /** Import the good rows and report the rejected ones instead of rejecting the whole import. */
  skipInvalid?: boolean;
  /** Where skipInvalid writes its CSV report (file, line, column, value, reason); default ./stats19-rejected-<importId>.csv in the working directory. */
  rejectReportPath?: string;
  /** Who ran it (shown in the import log), e.g. "cli" or a user's email. */
  startedBy?: string;
  onProgress?: (progress: Stats19Progress) => void;
  /** Rows per staging insert (Node engine). */
  batchSize?: number;
  /**
   * How rows are read and checked. `node`: csv-parse and the checks in Node, rows staged in
   * batches (both databases). `sql` (PostgreSQL only): the raw file is COPYed into an all-text
   * table and checked and converted in SQL; a file it cannot take exactly as the Node engine
   * would (blank lines, line breaks inside fields, a row with the wrong number of columns, bad
   * CSV) is imported again by the Node engine, so results and messages are the same either way.
   * `auto` (default): `sql` on PostgreSQL, `node` on the embedded database.
   */
  engine?: Stats19Engine;
}

export type Stats19Engine = 'auto' | 'sql' | 'node';

export interface Stats19Progress {
  table: Stats19Table;
  file: string;
  /** reading: streaming the file; storing: the set-based upsert; done: the table is finished. */
  phase: 'reading' | 'storing' | 'done';
  /** Data rows read so far from this file. */
  rows: number;
  bytesRead: number;
  totalBytes: number;
}

export interface TableCounts {
  file: string;
  /** Data rows in the file. */
  rows: number;
  inserted: number;
  updated: number;
  /** Rows identical to what the database already held. */
  unchanged: number;
  /** Rows of another police force (policeForce), or casualties/vehicles whose collision is not stored. */
  skipped: number;
  /** Invalid rows left out (skipInvalid only). */
  rejected: number;
}

export interface Stats19ImportResult {
  importId: number;
  collisions: TableCounts;
  casualties: TableCounts | null;
  vehicles: TableCounts | null;
  /** Invalid rows left out across all files (skipInvalid only). */
  rejected: number;
  /** The reject report, when rows were rejected. */
  rejectReportPath: string | null;
  durationMs: number;
  /** The engine that imported the files (`node` when the SQL engine handed a file over). */
  engine: 'sql' | 'node';
  /** Why the SQL engine handed the import over to the Node engine, when it did. */
  engineFallback?: string;
}

/** A problem with an input file; the message names the file, line, column and value. */
export class Stats19ImportError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
    readonly column?: string,
    readonly value?: string,
  ) {
    super(message);
    this.name = 'Stats19ImportError';
  }
}

const FILE_NOUN: Record<Stats19Table, string> = { collision: 'collisions', casualty: 'casualties', vehicle: 'vehicles' };

const describe = (table: Stats19Table, file: string, problem: RowProblem): string => describeRowProblem(FILE_NOUN[table], file, problem);

/** Writes rejected rows as CSV (file, line, column, value, reason), opened on the first reject. */
class RejectReport {
  private out: fs.WriteStream | undefined;
  count = 0;
  constructor(readonly reportPath: string) {}

  private static cell(value: string | number | undefined): string {
    const text = value === undefined ? '' : String(value);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  }

  async add(file: string, problem: RowProblem): Promise<void> {
    if (!this.out) {
      fs.mkdirSync(path.dirname(this.reportPath), { recursive: true });
      this.out = fs.createWriteStream(this.reportPath);
      this.out.write('file,line,column,value,reason\n');
    }
    this.count++;
    const row = [path.basename(file), problem.line, problem.column, problem.value, problem.reason].map(RejectReport.cell).join(',');
    if (!this.out.write(`${row}\n`)) await once(this.out, 'drain');
  }

  async close(): Promise<void> {
    if (!this.out) return;
    const out = this.out;
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
}

type Value = string | number | null;

/** Elements of a Postgres array literal: numbers bare, text double-quoted, NULL for missing. */
function literalElement(value: Value): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') return String(value);
  return value.includes('"') || value.includes('\\') ? `"${value.replace(/[\\"]/g, '\\$&')}"` : `"${value}"`;
}

/**
 * Sends checked rows to a staging table in batches, one batch in flight while the next is parsed.
 * PostgreSQL: COPY FROM STDIN (text format). The embedded PGlite cannot take COPY over its socket,
 * so there each batch is one INSERT … SELECT FROM unnest(array literal per column).
 */
class Stager {
  private lines: string[] = [];
  private columns: string[][];
  private inFlight: Promise<unknown> = Promise.resolve();
  private readonly sql: string;
  buffered = 0;

  constructor(
    private readonly trx: Knex.Transaction,
    table: string,
    private readonly stageColumns: Array<{ name: string; sqlType: string }>,
    private readonly useCopy: boolean,
  ) {
    const names = stageColumns.map((c) => c.name).join(', ');
    this.sql = useCopy
      ? `COPY ${table} (${names}) FROM STDIN`
      : `INSERT INTO ${table} (${names}) SELECT * FROM unnest(${stageColumns.map((c) => `?::${c.sqlType}[]`).join(', ')})`;
    this.columns = stageColumns.map(() => []);
  }

  /** Adds one row (values in stageColumns order). */
  add(row: Value[]): void {
    if (this.useCopy) {
      this.lines.push(row.map(copyTextField).join('\t'));
    } else {
      for (let i = 0; i < row.length; i++) this.columns[i]?.push(literalElement(row[i] ?? null));
    }
    this.buffered++;
  }

  /** Sends the buffered rows; waits for the previous batch first, so at most one is in flight. */
  async flush(): Promise<void> {
    await this.inFlight;
    if (this.buffered === 0) return;
    let sending: Promise<unknown>;
    if (this.useCopy) {
      sending = copyFrom(this.trx, this.sql, [`${this.lines.join('\n')}\n`]);
      this.lines = [];
    } else {
      // Promise.resolve runs the knex query once (a knex builder runs again on every then()).
      sending = Promise.resolve(this.trx.raw(this.sql, this.columns.map((values) => `{${values.join(',')}}`)));
      this.columns = this.stageColumns.map(() => []);
    }
    this.buffered = 0;
    sending.catch(() => undefined); // awaited (and thrown) by the next flush or finish
    this.inFlight = sending;
  }

  async finish(): Promise<void> {
    await this.flush();
    await this.inFlight;
  }

  /** Waits for the batch in flight, ignoring its error (used when the import is already failing). */
  async settle(): Promise<void> {
    await this.inFlight.catch(() => undefined);
  }
}

/** What each table stages beyond its canonical columns, and its key. */
const TABLE_SHAPE: Record<Stats19Table, { derived: Array<{ name: string; sqlType: string }>; key: string[]; target: string }> = {
  collision: { derived: [{ name: 'hour', sqlType: 'smallint' }], key: ['collision_index'], target: 'collisions' },
  casualty: { derived: [{ name: 'road_user_group', sqlType: 'text' }], key: ['collision_index', 'casualty_reference'], target: 'casualties' },
  vehicle: { derived: [], key: ['collision_index', 'vehicle_reference'], target: 'vehicles' },
};

function stageTable(table: Stats19Table): string {
  return `stats19_stage_${TABLE_SHAPE[table].target}`;
}

/** The stored columns of a table, in staging order (canonical, derived, extra). */
function storedColumns(table: Stats19Table): Array<{ name: string; sqlType: string }> {
  return [...COLUMNS[table].map((c) => ({ name: c.column, sqlType: c.sqlType })), ...TABLE_SHAPE[table].derived, { name: 'extra', sqlType: 'jsonb' }];
}

/** Turns one raw value into its typed value, or throws ValueError. */
function converterFor(col: MappedColumn): (raw: string) => Value {
  const { def, codes } = col;
  switch (def.kind) {
    case 'code':
    case 'ons':
      return (raw) => {
        const text = raw.trim();
        if (isMissingValue(text)) return null;
        if (codes) {
          if (codes.has(text)) return def.kind === 'code' ? Number(text) : text;
          // Tolerate zero-padded numbers ("04" for police force 4).
          if (def.kind === 'code' && /^\d+$/.test(text) && codes.has(String(Number(text)))) return Number(text);
          throw new ValueError(`is not a ${col.header} code in the DfT code list`);
        }
        if (def.kind === 'ons') {
          if (!/^[A-Z]\d{8}$/.test(text)) throw new ValueError('is not an ONS area code (like E07000123)');
          return text;
        }
        return parseInteger(text, -32_768, 32_767);
      };
    case 'int':
    case 'decimal': {
      const parseNumber = def.kind === 'int' ? parseInteger : parseDecimal;
      const [min, max] = [def.min ?? -2_147_483_648, def.max ?? 2_147_483_647];
      if (!def.outOfRange) return (raw) => parseNumber(raw, min, max);
      const message = def.outOfRange;
      return (raw) => {
        try {
          return parseNumber(raw, min, max);
        } catch (err) {
          throw err instanceof RangeValueError ? new ValueError(message) : err;
        }
      };
    }
    case 'date':
      return (raw) => parseDate(raw);
    case 'time':
      return (raw) => parseTime(raw);
    case 'text':
      return (raw) => parseText(raw);
  }
}

/** Per-file compiled plan: where each canonical value comes from and how it is checked. */
interface Plan {
  layout: HeaderLayout;
  converters: Array<{ col: MappedColumn; position: number; required: boolean; convert: (raw: string) => Value }>;
  /** Position of every stored column (canonical, derived, extra) in a row, by name. */
  at: Record<string, number>;
  /** Values per row: canonical + derived + extra. */
  width: number;
  /** File index of police_force (collisions), or -1. */
  forceIndex: number;
}

function compile(table: Stats19Table, layout: HeaderLayout): Plan {
  const at: Record<string, number> = {};
  storedColumns(table).forEach((c, position) => (at[c.name] = position));
  const converters = layout.columns.flatMap((col, position) =>
    col.index >= 0 ? [{ col, position, required: col.def.required === true, convert: converterFor(col) }] : [],
  );
  const force = layout.columns.find((c) => c.def.column === 'police_force');
  return { layout, converters, at, width: storedColumns(table).length, forceIndex: table === 'collision' ? (force?.index ?? -1) : -1 };
}

interface FileOutcome {
  /** The file's header names of the table's key columns (for messages). */
  keyHeaders: string[];
  rows: number;
  staged: number;
  skipped: number;
  rejected: number;
}

interface ImportState {
  trx: Knex.Transaction;
  options: Stats19ImportOptions;
  report: RejectReport;
  batchSize: number;
  /** The embedded PGlite: staging by batched INSERTs instead of COPY FROM STDIN, and ANALYZE after large loads. */
  embedded: boolean;
  engine: 'sql' | 'node';
}

/** The SQL engine cannot take a file exactly as the Node engine would: import it with the Node engine. */
class UseNodeEngine extends Error {}

/** Records a bad row: throws (whole import rejected) or writes it to the report (skipInvalid). */
async function reject(state: ImportState, table: Stats19Table, file: string, problem: RowProblem): Promise<void> {
  if (!state.options.skipInvalid) {
    throw new Stats19ImportError(describe(table, file, problem), file, problem.line, problem.column, problem.value);
  }
  await state.report.add(file, problem);
}

async function createStage(trx: Knex.Transaction, table: Stats19Table): Promise<void> {
  const columns = storedColumns(table).map((c) => `${c.name} ${c.sqlType}`);
  await trx.raw(`CREATE TEMP TABLE ${stageTable(table)} (line integer NOT NULL, ${columns.join(', ')}) ON COMMIT DROP`);
}

/** What became of one record: a row to stage (values in staging order, after `line`), a problem, or a skip. */
type RowResult = { row: Value[] } | { problem: RowProblem } | { skip: true };

/** Columns of an invalid-count row to name in the message: the first missing one, or the first extra. */
function columnCountProblem(layout: HeaderLayout, record: string[], line: number): RowProblem {
  const missing = record.length < layout.width;
  const index = missing ? record.length : layout.width;
  const header = missing ? (layout.extras.find((e) => e.index === index)?.header ?? layout.columns.find((c) => c.index === index)?.header) : undefined;
  return {
    line,
    column: header ?? `#${index + 1}`,
    value: missing ? undefined : record[index],
    reason: `${missing ? 'is missing: ' : 'is one too many: '}the row has ${record.length} columns, the header ${layout.width}`,
  };
}

/**
 * Checks and converts one data record (synchronously: this runs for every row). Returns the values
 * in staging order without `line`: canonical columns, derived columns, extra (JSON text).
 */
function processRecord(plan: Plan, table: Stats19Table, record: string[], line: number, policeForce: number | undefined): RowResult {
  const { layout } = plan;
  if (record.length !== layout.width) return { problem: columnCountProblem(layout, record, line) };
  // Police force first: rows of other forces are skipped unchecked (a national file filtered to one force).
  if (policeForce !== undefined && plan.forceIndex >= 0 && Number(record[plan.forceIndex]) !== policeForce) return { skip: true };
  const row: Value[] = new Array(plan.width).fill(null);
  for (const { col, position, convert, required } of plan.converters) {
    const raw = record[col.index] as string;
    try {
      const value = convert(raw);
      if (value === null && required) return { problem: { line, column: col.header, value: raw, reason: 'is missing' } };
      row[position] = value;
    } catch (err) {
      if (!(err instanceof ValueError)) throw err;
      return { problem: { line, column: col.header, value: raw, reason: err.message } };
    }
  }
  const problem = table === 'collision' ? deriveCollision(plan, row, record, line) : table === 'casualty' ? deriveCasualty(plan, row) : undefined;
  if (problem) return { problem };
  if (layout.extras.length) {
    const extra: Record<string, string> = {};
    for (const e of layout.extras) {
      const raw = (record[e.index] as string).trim();
      if (e.codes && !isMissingValue(raw) && !e.codes.has(raw)) {
        return { problem: { line, column: e.header, value: raw, reason: `is not a ${e.header} code in the DfT code list` } };
      }
      extra[e.key] = raw;
    }
    row[plan.width - 1] = JSON.stringify(extra);
  } else {
    row[plan.width - 1] = '{}';
  }
  return { row };
}

/** Streams one file into its staging table; returns row counts. */
async function stageFile(state: ImportState, table: Stats19Table, file: string): Promise<FileOutcome> {
  const { trx, options } = state;
  await createStage(trx, table);
  const totalBytes = fs.statSync(file).size;
  const input = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  // Line numbers are counted here rather than with csv-parse's `info` (which costs ~40% of parsing):
  // empty lines come through as [''] records, and newlines inside quoted fields are counted.
  const parser = parse({ bom: true, relax_column_count: true, skip_empty_lines: false, skip_records_with_error: options.skipInvalid === true });
  /** CSV syntax errors skipped by csv-parse (skipInvalid), with how many records came before each. */
  const skippedErrors: CsvError[] = [];
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  parser.on('skip', (err: CsvError) => skippedErrors.push(err));
  parser.on('readable', () => wake?.());
  parser.on('end', () => ((ended = true), wake?.()));
  parser.on('error', (err) => ((failure = err), wake?.()));
  input.on('error', (err) => parser.destroy(err));
  input.pipe(parser);

  const stageColumns = [{ name: 'line', sqlType: 'integer' }, ...storedColumns(table)];
  const stager = new Stager(trx, stageTable(table), stageColumns, !state.embedded);
  const outcome: FileOutcome = { keyHeaders: [], rows: 0, staged: 0, skipped: 0, rejected: 0 };
  let plan: Plan | undefined;
  let records = 0;
  /** Line on which the last record read ended. */
  let line = 0;

  const progress = (phase: Stats19Progress['phase']) =>
    options.onProgress?.({ table, file, phase, rows: outcome.rows, bytesRead: input.bytesRead, totalBytes });
  progress('reading');

  /** Reports the CSV syntax errors csv-parse skipped before the next record (skipInvalid only). */
  const rejectSkipped = async (before: number) => {
    while (skippedErrors.length && Number(skippedErrors[0]?.records) <= before) {
      const err = skippedErrors.shift() as CsvError;
      line++;
      outcome.rows++;
      outcome.rejected++;
      await reject(state, table, file, { line, reason: `is not valid CSV (${err.message})` });
    }
  };

  try {
    for (;;) {
      if (failure) throw failure;
      const record = parser.read() as string[] | null;
      if (record === null) {
        if (ended) break;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        continue;
      }
      if (skippedErrors.length) await rejectSkipped(records);
      records++;
      line++;
      const start = line;
      for (const field of record) if (field.includes('\n')) line += field.split('\n').length - 1;
      if (record.length === 1 && record[0] === '') continue; // an empty line
      if (!plan) {
        try {
          plan = compile(table, resolveHeader(table, record));
        } catch (err) {
          if (!(err instanceof HeaderError)) throw err;
          throw new Stats19ImportError(describe(table, file, { line: start, column: err.column, value: err.value, reason: err.message }), file, start, err.column, err.value);
        }
        const layout = plan.layout;
        outcome.keyHeaders = TABLE_SHAPE[table].key.map((k) => layout.columns.find((c) => c.def.column === k)?.header ?? k);
        continue;
      }
      outcome.rows++;
      const result = processRecord(plan, table, record, start, options.policeForce);
      if ('row' in result) {
        result.row.unshift(start);
        stager.add(result.row);
        outcome.staged++;
        if (stager.buffered >= state.batchSize) {
          await stager.flush();
          progress('reading');
        }
      } else if ('skip' in result) {
        outcome.skipped++;
      } else {
        outcome.rejected++;
        await reject(state, table, file, result.problem);
      }
    }
    if (skippedErrors.length) await rejectSkipped(Infinity);
  } catch (err) {
    input.destroy();
    parser.destroy();
    await stager.settle();
    if (err instanceof Stats19ImportError) throw err;
    const csvErr = err as CsvError;
    if (typeof csvErr.code === 'string' && csvErr.code.startsWith('CSV_')) {
      // csv-parse stops inside the record after the last one read.
      throw new Stats19ImportError(describe(table, file, { line: line + 1, reason: `is not valid CSV (${csvErr.message})` }), file, line + 1);
    }
    const ioErr = err as NodeJS.ErrnoException;
    if (ioErr.syscall) throw new Stats19ImportError(`${FILE_NOUN[table]} file ${file}: ${ioErr.message}`, file);
    throw err;
  }
  if (!plan) throw new Stats19ImportError(`${FILE_NOUN[table]} file ${path.basename(file)} line 1: the file is empty (no header row)`, file, 1);
  await stager.finish();
  progress('reading');
  return outcome;
}

/** The file's first line (BOM removed), or undefined when it is not a plain header line. */
function readHeaderLine(file: string): string | undefined {
  const fd = fs.openSync(file, 'r');
  try {
    const chunks: Buffer[] = [];
    const buffer = Buffer.alloc(1 << 16);
    for (let total = 0; total < 1 << 22; ) {
      const n = fs.readSync(fd, buffer, 0, buffer.length, total);
      if (n === 0) return undefined;
      const end = buffer.subarray(0, n).indexOf(0x0a);
      chunks.push(Buffer.from(buffer.subarray(0, end < 0 ? n : end)));
      if (end >= 0) return Buffer.concat(chunks).toString('utf8').replace(/^\uFEFF/, '').replace(/\r$/, '');
      total += n;
    }
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

function rawTable(table: Stats19Table): string {
  return `stats19_raw_${TABLE_SHAPE[table].target}`;
}

/** A PostgreSQL data exception (class 22: bad COPY data, a failed cast), as the pg driver reports it. */
function isDataException(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.length === 5 && code.startsWith('22');
}

/**
 * The SQL engine's staging of one file: the header is read and mapped in Node (same layout and
 * errors as the Node engine), the raw bytes are COPYed into an all-text table, rows of other police
 * forces are dropped, and one scan finds the invalid rows (the first, or all with skipInvalid);
 * each is re-checked by processRecord for the message, so messages are the Node engine's own.
 * The staging "table" is then a view converting the raw text (sql-stage.ts).
 */
async function stageFileSql(state: ImportState, table: Stats19Table, file: string): Promise<FileOutcome> {
  const { trx, options } = state;
  const totalBytes = fs.statSync(file).size;
  const headerLine = readHeaderLine(file);
  if (headerLine === undefined || headerLine.trim() === '') throw new UseNodeEngine('no header on the first line');
  let record: string[] | undefined;
  try {
    record = (parseSync(headerLine) as string[][])[0];
  } catch {
    throw new UseNodeEngine('the header is not one line of plain CSV');
  }
  if (!record) throw new UseNodeEngine('no header');
  let plan: Plan;
  try {
    plan = compile(table, resolveHeader(table, record));
  } catch (err) {
    if (!(err instanceof HeaderError)) throw err;
    throw new Stats19ImportError(describe(table, file, { line: 1, column: err.column, value: err.value, reason: err.message }), file, 1, err.column, err.value);
  }
  const { layout } = plan;
  const outcome: FileOutcome = {
    keyHeaders: TABLE_SHAPE[table].key.map((k) => layout.columns.find((c) => c.def.column === k)?.header ?? k),
    rows: 0,
    staged: 0,
    skipped: 0,
    rejected: 0,
  };
  const raw = rawTable(table);
  await trx.raw(rawTableDdl(raw, layout));

  let bytesRead = 0;
  let newlines = 0;
  let lastByte = 0x0a;
  let reported = Date.now();
  const progress = (phase: Stats19Progress['phase'], rows: number) => options.onProgress?.({ table, file, phase, rows, bytesRead, totalBytes });
  progress('reading', 0);
  const onChunk = (chunk: Buffer) => {
    bytesRead += chunk.length;
    for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, i + 1)) newlines++;
    if (chunk.length) lastByte = chunk[chunk.length - 1] as number;
    if (Date.now() - reported >= 250) {
      reported = Date.now();
      progress('reading', Math.max(0, newlines - 1));
    }
  };
  try {
    outcome.rows = await copyFromStream(trx, copyRawSql(raw, layout), fs.createReadStream(file, { highWaterMark: 1 << 20 }), onChunk);
  } catch (err) {
    if (isDataException(err)) throw new UseNodeEngine(`COPY: ${(err as Error).message}`);
    const ioErr = err as NodeJS.ErrnoException;
    if (ioErr.syscall) throw new Stats19ImportError(`${FILE_NOUN[table]} file ${file}: ${ioErr.message}`, file);
    throw err;
  }
  // Line numbers are row + 1 only when every record is exactly one line (no blank lines, no line
  // breaks inside quoted fields); otherwise the Node engine counts them.
  if (newlines + (lastByte === 0x0a ? 0 : 1) !== outcome.rows + 1) throw new UseNodeEngine('blank lines or line breaks inside fields');

  if (options.policeForce !== undefined && plan.forceIndex >= 0) {
    const deleted = await trx.raw(`DELETE FROM ${raw} WHERE NOT ${policeForceMatchesSql(plan.forceIndex, options.policeForce)}`);
    outcome.skipped = Number(deleted.rowCount);
  }
  const columns = Array.from({ length: layout.width }, (_, i) => rawColumn(i));
  // Nearly every file has only plain values: one cheap scan proves it. Otherwise the full check
  // finds the invalid rows, and the view trims every value as the Node engine does.
  const { rows: unclean } = await trx.raw(`SELECT count(*) AS n FROM ${raw} WHERE NOT ${rowIsCleanSql(layout)}`);
  const clean = Number(unclean[0].n) === 0;
  const valid = rowIsValidSql(layout);
  const { rows: invalid } = clean
    ? { rows: [] }
    : options.skipInvalid
      ? await trx.raw(`DELETE FROM ${raw} WHERE NOT ${valid} RETURNING line, ${columns.join(', ')}`)
      : await trx.raw(`SELECT line, ${columns.join(', ')} FROM ${raw} WHERE NOT ${valid} ORDER BY line LIMIT 1`);
  (invalid as Array<{ line: number }>).sort((a, b) => a.line - b.line);
  for (const row of invalid as Array<Record<string, string> & { line: number }>) {
    const result = processRecord(plan, table, columns.map((c) => row[c] as string), row.line, undefined);
    if (!('problem' in result)) throw new UseNodeEngine(`the SQL check rejects line ${row.line}, the Node check accepts it`);
    outcome.rejected++;
    await reject(state, table, file, result.problem);
  }
  await trx.raw(`CREATE TEMP VIEW ${stageTable(table)} AS SELECT ${stageSelectSql(layout, clean)} FROM ${raw}`);
  outcome.staged = outcome.rows - outcome.skipped - outcome.rejected;
  bytesRead = totalBytes;
  progress('reading', outcome.rows);
  return outcome;
}

/** Collision fields computed from others (year, reference, day of week, hour) and the coordinate pairs check. */
function deriveCollision(plan: Plan, row: Value[], record: string[], line: number): RowProblem | undefined {
  const at = plan.at as Record<CollisionPosition, number>;
  const date = row[at.date] as string;
  if (row[at.collision_year] === null) row[at.collision_year] = Number(date.slice(0, 4));
  if (row[at.collision_reference] === null) {
    const index = row[at.collision_index] as string;
    const year = String(row[at.collision_year]);
    row[at.collision_reference] = index.startsWith(year) && index.length > year.length ? index.slice(year.length) : index;
  }
  if (row[at.day_of_week] === null) row[at.day_of_week] = dfTDayOfWeek(date);
  for (const [a, b] of COORDINATE_PAIRS) {
    const first = row[at[a]] === null;
    if (first !== (row[at[b]] === null)) {
      const [given, absent] = first ? [b, a] : [a, b];
      const col = plan.layout.columns[at[absent]] as MappedColumn;
      const reason = `is missing while ${(plan.layout.columns[at[given]] as MappedColumn).header} is given`;
      return { line, column: col.header, value: col.index >= 0 ? record[col.index] : undefined, reason };
    }
  }
  const time = row[at.time] as string | null;
  row[at.hour] = time === null ? null : Number(time.slice(0, 2));
  return undefined;
}

type CollisionPosition =
  | 'date'
  | 'time'
  | 'hour'
  | 'collision_year'
  | 'collision_reference'
  | 'collision_index'
  | 'day_of_week'
  | (typeof COORDINATE_PAIRS)[number][number];

const COORDINATE_PAIRS = [
  ['easting', 'northing'],
  ['longitude', 'latitude'],
] as const;

function deriveCasualty(plan: Plan, row: Value[]): undefined {
  const at = plan.at as Record<'road_user_group' | 'casualty_type', number>;
  row[at.road_user_group] = roadUserGroup(row[at.casualty_type] as number | null);
  return undefined;
}

/** Rejects (or, with skipInvalid, drops) rows whose key repeats an earlier row of the same file. */
async function checkDuplicates(state: ImportState, table: Stats19Table, file: string, keyHeaders: string[]): Promise<number> {
  const { key } = TABLE_SHAPE[table];
  const stage = stageTable(table);
  const limit = state.options.skipInvalid ? 100_000 : 1;
  // A cheap look first: nearly every file has no repeated key.
  const { rows: any } = await state.trx.raw(`SELECT 1 FROM ${stage} GROUP BY ${key.join(', ')} HAVING count(*) > 1 LIMIT 1`);
  if (!any.length) return 0;
  const { rows } = await state.trx.raw(
    `SELECT ${key.join(', ')}, (array_agg(line ORDER BY line))[1] AS first_line, (array_agg(line ORDER BY line))[2:] AS repeats
     FROM ${stage} GROUP BY ${key.join(', ')} HAVING count(*) > 1 ORDER BY first_line LIMIT ${limit}`,
  );
  let dropped = 0;
  for (const row of rows as Array<Record<string, string | number | number[]>>) {
    const value = key.map((k) => String(row[k])).join(' / ');
    for (const repeat of row.repeats as number[]) {
      dropped++;
      await reject(state, table, file, { line: repeat, column: keyHeaders.join(' / '), value, reason: `repeats the key of line ${row.first_line}` });
    }
  }
  if (dropped) {
    await state.trx.raw(`DELETE FROM ${stage} s USING (SELECT ${key.join(', ')}, min(line) AS keep FROM ${stage} GROUP BY ${key.join(', ')} HAVING count(*) > 1) d
      WHERE ${key.map((k) => `s.${k} = d.${k}`).join(' AND ')} AND s.line <> d.keep`);
  }
  return dropped;
}

const GEOM_27700 = `CASE WHEN s.easting IS NOT NULL THEN ST_SetSRID(ST_MakePoint(s.easting, s.northing), 27700)
  WHEN s.longitude IS NOT NULL THEN ST_Transform(ST_SetSRID(ST_MakePoint(s.longitude, s.latitude), 4326), 27700) END`;
// The file's own lon/lat when present (DfT computed them from the exact location), else transformed.
const GEOM_4326 = `CASE WHEN s.longitude IS NOT NULL THEN ST_SetSRID(ST_MakePoint(s.longitude, s.latitude), 4326)
  WHEN s.easting IS NOT NULL THEN ST_Transform(ST_SetSRID(ST_MakePoint(s.easting, s.northing), 27700), 4326) END`;

/** Upserts a staged table into its target where rows differ; returns inserted/updated/skipped. */
async function storeTable(state: ImportState, table: Stats19Table, importId: number): Promise<{ inserted: number; updated: number; skipped: number }> {
  const { trx, options } = state;
  const { key, target } = TABLE_SHAPE[table];
  const stage = stageTable(table);
  const columns = storedColumns(table).map((c) => c.name);
  const compared = columns.filter((c) => !key.includes(c));
  const insertColumns = [...columns];
  const selectList = columns.map((c) => `s.${c}`);
  let from = `${stage} s`;
  const bindings: Knex.RawBinding[] = [];
  let skipped = 0;
  const force = options.policeForce === undefined ? '' : ` AND c.police_force = ${Number(options.policeForce)}`;
  if (table === 'collision') {
    insertColumns.push('geom', 'geom_4326', 'import_id', 'updated_at');
    selectList.push(GEOM_27700, GEOM_4326, '?::integer', 'now()');
    bindings.push(importId);
  } else {
    // Only casualties and vehicles whose collision is stored (of the chosen force, when filtering).
    from = `${stage} s JOIN collisions c ON c.collision_index = s.collision_index${force}`;
  }
  const { rows: sizes } = await trx.raw(`SELECT (SELECT count(*) FROM ${stage}) AS staged, (SELECT count(*) FROM ${target}) AS existing`);
  const staged = Number(sizes[0].staged);
  const existing = Number(sizes[0].existing);
  if (table !== 'collision' && existing > 0) {
    // (Into an empty table every joined row is inserted, so there skipped = staged - inserted.)
    const { rows } = await trx.raw(
      `SELECT count(*) AS n FROM ${stage} s WHERE NOT EXISTS (SELECT 1 FROM collisions c WHERE c.collision_index = s.collision_index${force})`,
    );
    skipped = Number(rows[0].n);
  }
  // A load that at least doubles the table rebuilds its secondary indexes afterwards (see below).
  const rebuild = staged >= BULK_LOAD_MIN_ROWS && staged > existing ? await dropSecondaryIndexes(trx, target) : [];
  let inserted: number;
  let updated = 0;
  if (existing === 0) {
    // Nothing to conflict with (staged keys are unique): a plain insert skips the per-row conflict check.
    const result = await trx.raw(`INSERT INTO ${target} (${insertColumns.join(', ')}) SELECT ${selectList.join(', ')} FROM ${from}`, bindings);
    inserted = Number(result.rowCount);
    if (table !== 'collision') skipped = staged - inserted;
  } else {
    const counts = await upsert(trx, { target, key, columns, compared, insertColumns, selectList, from }, bindings);
    inserted = counts.inserted;
    updated = counts.updated;
  }
  for (const definition of rebuild) await trx.raw(definition);
  // PGlite runs no autovacuum, so nothing else refreshes the planner statistics after a large change.
  if (state.embedded && inserted + updated >= 1000) await trx.raw(`ANALYZE ${target}`);
  return { inserted, updated, skipped };
}

interface UpsertShape {
  target: string;
  key: string[];
  columns: string[];
  compared: string[];
  insertColumns: string[];
  selectList: string[];
  from: string;
}

/** INSERT … ON CONFLICT DO UPDATE only where the stored row differs; counts inserted and updated rows. */
async function upsert(trx: Knex.Transaction, shape: UpsertShape, bindings: Knex.RawBinding[]): Promise<{ inserted: number; updated: number }> {
  const { target, key, columns, compared, insertColumns, selectList, from } = shape;
  const updates = [...compared, ...insertColumns.slice(columns.length)].map((c) => (c === 'updated_at' ? 'updated_at = now()' : `${c} = EXCLUDED.${c}`));
  const sql = `WITH up AS (
      INSERT INTO ${target} AS t (${insertColumns.join(', ')})
      SELECT ${selectList.join(', ')} FROM ${from}
      ON CONFLICT (${key.join(', ')}) DO UPDATE SET ${updates.join(', ')}
      WHERE (${compared.map((c) => `t.${c}`).join(', ')}) IS DISTINCT FROM (${compared.map((c) => `EXCLUDED.${c}`).join(', ')})
      RETURNING (xmax = 0) AS inserted
    ) SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS updated FROM up`;
  const { rows } = await trx.raw(sql, bindings);
  return { inserted: Number(rows[0].inserted), updated: Number(rows[0].updated) };
}

/** Staged rows above which a load that at least doubles a table rebuilds its secondary indexes. */
const BULK_LOAD_MIN_ROWS = 10_000;

/**
 * Drops a table's secondary (non-unique) indexes and foreign keys and returns the statements to recreate them after a
 * bulk load: building a GiST index once is several times faster than inserting 100k+ points into it
 * one by one. The drop holds the table's lock until the import commits, so it is used only when the
 * load at least doubles the table (a first import), never for a yearly top-up of a large table.
 */
async function dropSecondaryIndexes(trx: Knex.Transaction, target: string): Promise<string[]> {
  const { rows } = await trx.raw(
    `SELECT format('%I.%I', n.nspname, i.relname) AS name, pg_get_indexdef(i.oid) AS definition
     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_namespace n ON n.oid = i.relnamespace
     WHERE x.indrelid = ?::regclass AND NOT x.indisunique AND NOT x.indisprimary`,
    [target],
  );
  for (const row of rows as Array<{ name: string }>) await trx.raw(`DROP INDEX ${row.name}`);
  const definitions = (rows as Array<{ definition: string }>).map((r) => r.definition);
  // The table's foreign keys too: a row-by-row check costs more than the insert itself, while
  // adding the constraint back checks all rows in one join.
  const { rows: keys } = await trx.raw(
    `SELECT format('%I', conname) AS name, pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE conrelid = ?::regclass AND contype = 'f'`,
    [target],
  );
  for (const key of keys as Array<{ name: string; definition: string }>) {
    await trx.raw(`ALTER TABLE ${target} DROP CONSTRAINT ${key.name}`);
    definitions.push(`ALTER TABLE ${target} ADD CONSTRAINT ${key.name} ${key.definition}`);
  }
  return definitions;
}

/** Whether knex talks to the embedded PGlite (which drops the connection on COPY FROM STDIN, and has no autovacuum). */
async function isEmbedded(knex: Knex): Promise<boolean> {
  const { rows } = await knex.raw('SELECT version() AS v');
  return String(rows[0].v).includes('PGlite');
}

/**
 * Imports DfT STATS19 files (any year from 2015, either naming era) in one transaction; see the
 * module comment. Throws Stats19ImportError for bad input (nothing is written unless skipInvalid).
 */
export async function importStats19(knex: Knex, options: Stats19ImportOptions): Promise<Stats19ImportResult> {
  const started = Date.now();
  const files = (
    [
      ['collision', options.collisions],
      ['casualty', options.casualties],
      ['vehicle', options.vehicles],
    ] as Array<[Stats19Table, string | undefined]>
  ).filter((f): f is [Stats19Table, string] => typeof f[1] === 'string');
  for (const [table, file] of files) {
    try {
      if (!fs.statSync(file).isFile()) throw new Error('not a file');
      fs.accessSync(file, fs.constants.R_OK);
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(err as Error).message})`;
      throw new Stats19ImportError(`${FILE_NOUN[table]} file ${file} ${reason}`, file);
    }
  }
  if (options.policeForce !== undefined && !Number.isInteger(options.policeForce)) {
    throw new Stats19ImportError(`police force ${String(options.policeForce)} is not a whole number`, options.collisions);
  }

  const embedded = await isEmbedded(knex);
  if (options.engine === 'sql' && embedded) {
    throw new Stats19ImportError('the sql import engine needs PostgreSQL (the embedded database cannot take COPY FROM STDIN)', options.collisions);
  }
  const engine: 'sql' | 'node' = options.engine === 'node' || (options.engine !== 'sql' && embedded) ? 'node' : 'sql';

  const [logRow] = await knex('stats19_imports')
    .insert({
      kind: 'stats19',
      files: JSON.stringify(files.map(([table, file]) => ({ table, path: path.resolve(file), bytes: fs.statSync(file).size }))),
      options: JSON.stringify({ policeForce: options.policeForce ?? null, skipInvalid: options.skipInvalid ?? false }),
      started_by: options.startedBy ?? null,
    })
    .returning('id');
  const importId = Number(logRow.id);
  const reportPath = path.resolve(options.rejectReportPath ?? `stats19-rejected-${importId}.csv`);
  let report = new RejectReport(reportPath);

  const run = (engine: 'sql' | 'node') =>
    knex.transaction(async (trx) => {
      const state: ImportState = { trx, options, report, batchSize: options.batchSize ?? 5000, embedded, engine };
      // Room for the hash joins and aggregates over whole files (the 4 MB default spills to disk).
      if (!embedded) await trx.raw(`SET LOCAL work_mem = '128MB'`);
      const counts = new Map<Stats19Table, TableCounts>();
      for (const [table, file] of files) {
        const outcome = engine === 'sql' ? await stageFileSql(state, table, file) : await stageFile(state, table, file);
        const duplicates = await checkDuplicates(state, table, file, outcome.keyHeaders);
        counts.set(table, { file, rows: outcome.rows, inserted: 0, updated: 0, unchanged: 0, skipped: outcome.skipped, rejected: outcome.rejected + duplicates });
      }
      for (const [table, file] of files) {
        const c = counts.get(table) as TableCounts;
        options.onProgress?.({ table, file, phase: 'storing', rows: c.rows, bytesRead: fs.statSync(file).size, totalBytes: fs.statSync(file).size });
        const stored = await storeTable(state, table, importId);
        c.inserted = stored.inserted;
        c.updated = stored.updated;
        c.skipped += stored.skipped;
        c.unchanged = c.rows - c.rejected - c.skipped - c.inserted - c.updated;
        options.onProgress?.({ table, file, phase: 'done', rows: c.rows, bytesRead: fs.statSync(file).size, totalBytes: fs.statSync(file).size });
      }
      if (engine === 'sql') {
        for (const [table] of files) await trx.raw(`DROP VIEW ${stageTable(table)}; DROP TABLE ${rawTable(table)}`);
      }
      const collisions = counts.get('collision') as TableCounts;
      const changed = [...counts.values()].some((c) => c.inserted + c.updated > 0);
      // Only a real change invalidates tiles and caches; re-importing the same files keeps the ETags.
      if (changed) await bumpDataVersion(trx, 'collisions');
      const written = (c: TableCounts | undefined) => (c ? c.inserted + c.updated + c.unchanged : 0);
      const rejected = [...counts.values()].reduce((sum, c) => sum + c.rejected, 0);
      await report.close();
      await trx('stats19_imports')
        .where({ id: importId })
        .update({
          status: 'succeeded',
          collisions: written(collisions),
          casualties: written(counts.get('casualty')),
          vehicles: written(counts.get('vehicle')),
          rejected,
          message: rejected ? `${rejected} rows rejected; report ${report.reportPath}` : null,
          finished_at: trx.fn.now(),
        });
      return {
        importId,
        collisions,
        casualties: counts.get('casualty') ?? null,
        vehicles: counts.get('vehicle') ?? null,
        rejected,
        rejectReportPath: report.count ? report.reportPath : null,
        durationMs: Date.now() - started,
        engine,
      } satisfies Stats19ImportResult;
    });

  try {
    if (engine === 'node') return await run('node');
    try {
      return await run('sql');
    } catch (err) {
      if (!(err instanceof UseNodeEngine) && !isDataException(err)) throw err;
      // Rolled back: start again (and start the reject report again) with the Node engine.
      await report.close();
      report = new RejectReport(reportPath);
      return { ...(await run('node')), engineFallback: (err as Error).message };
    }
  } catch (err) {
    await report.close().catch(() => undefined);
    await knex('stats19_imports')
      .where({ id: importId })
      .update({ status: 'failed', message: (err as Error).message.slice(0, 2000), finished_at: knex.fn.now() })
      .catch(() => undefined);
    throw err;
  }
}
