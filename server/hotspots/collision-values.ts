import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import type { Knex } from 'knex';

/**
 * The value of preventing a collision by severity (£ per reported injury collision), kept as
 * versioned rows of `collision_value_tables` with exactly one active. The harm score weights excess
 * collisions with the active table; every run records the version it used.
 *
 * The shipped default is Highways Economic Note 1's 2002 valuation (the latest figures we could
 * verify offline). A partnership should import DfT's current table RAS4001 (average value of
 * prevention per reported road collision, by severity) with `roadsafe import collision-values FILE`:
 * a CSV with the header `version,price_year,source,fatal_gbp,serious_gbp,slight_gbp`.
 */

export const VALUE_TABLE_COLUMNS = ['version', 'price_year', 'source', 'fatal_gbp', 'serious_gbp', 'slight_gbp'] as const;

/** The shipped default table. */
export const DEFAULT_VALUE_TABLE_FILE = fileURLToPath(new URL('./collision-values/hen1-2002.csv', import.meta.url));

export interface CollisionValueTable {
  version: string;
  priceYear: number;
  source: string;
  fatalGbp: number;
  seriousGbp: number;
  slightGbp: number;
}

/** A value-table file problem, with the line and column of the offending cell when there is one. */
export class CollisionValuesError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
    readonly column?: string,
  ) {
    super(message);
  }
}

const MONEY = /^\d+(\.\d+)?$/;

/**
 * Reads and validates a value-table CSV. Every problem names the file, line, column and value.
 * Values must be positive and ordered fatal > serious > slight (a swapped column is the likely mistake).
 */
export function readCollisionValuesFile(file: string): CollisionValueTable[] {
  const name = path.basename(file);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (err) {
    throw new CollisionValuesError(`Collision values file ${file}: ${(err as Error).message}`, file);
  }
  let records: string[][];
  try {
    records = parse(text, { skip_empty_lines: true, relax_column_count: true, trim: true }) as string[][];
  } catch (err) {
    const line = (err as { lines?: number }).lines;
    throw new CollisionValuesError(`${name}${line ? ` line ${line}` : ''}: not valid CSV (${(err as Error).message})`, file, line);
  }
  const header = records[0];
  if (!header) throw new CollisionValuesError(`${name} line 1: the file is empty; expected the header ${VALUE_TABLE_COLUMNS.join(',')}`, file, 1);
  const normalised = header.map((h) => h.toLowerCase());
  const missing = VALUE_TABLE_COLUMNS.filter((c) => !normalised.includes(c));
  if (missing.length) {
    throw new CollisionValuesError(`${name} line 1: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; expected the header ${VALUE_TABLE_COLUMNS.join(',')}`, file, 1);
  }
  const index = Object.fromEntries(VALUE_TABLE_COLUMNS.map((c) => [c, normalised.indexOf(c)])) as Record<(typeof VALUE_TABLE_COLUMNS)[number], number>;
  if (records.length < 2) throw new CollisionValuesError(`${name}: no value rows after the header`, file, 2);

  const tables: CollisionValueTable[] = [];
  const seen = new Map<string, number>();
  records.slice(1).forEach((row, i) => {
    const line = i + 2;
    if (row.length !== header.length) {
      throw new CollisionValuesError(`${name} line ${line}: has ${row.length} columns, the header has ${header.length}`, file, line);
    }
    const cell = (c: (typeof VALUE_TABLE_COLUMNS)[number]) => row[index[c]] ?? '';
    const fail = (c: string, value: string, reason: string): never => {
      throw new CollisionValuesError(`${name} line ${line}, column ${c}: "${value}" ${reason}`, file, line, c);
    };
    const version = cell('version');
    if (!version) fail('version', version, 'is empty; give each table a version such as RAS4001-2023');
    if (version.length > 100) fail('version', version.slice(0, 20) + '…', 'is longer than 100 characters');
    const earlier = seen.get(version);
    if (earlier) fail('version', version, `repeats the version of line ${earlier}`);
    seen.set(version, line);
    const yearText = cell('price_year');
    if (!/^\d{4}$/.test(yearText) || Number(yearText) < 1990 || Number(yearText) > 2100) fail('price_year', yearText, 'is not a year between 1990 and 2100');
    const source = cell('source');
    if (!source) fail('source', source, 'is empty; name the publication the values come from');
    const money = (c: 'fatal_gbp' | 'serious_gbp' | 'slight_gbp'): number => {
      const raw = cell(c).replace(/[£,]/g, '');
      if (!MONEY.test(raw) || !(Number(raw) > 0)) fail(c, cell(c), 'is not a positive amount in pounds (e.g. 2314800)');
      return Number(raw);
    };
    const fatalGbp = money('fatal_gbp');
    const seriousGbp = money('serious_gbp');
    const slightGbp = money('slight_gbp');
    if (!(fatalGbp > seriousGbp && seriousGbp > slightGbp)) {
      fail('serious_gbp', cell('serious_gbp'), `must lie between slight (${slightGbp}) and fatal (${fatalGbp}): are the columns in the order fatal, serious, slight?`);
    }
    tables.push({ version, priceYear: Number(yearText), source, fatalGbp, seriousGbp, slightGbp });
  });
  return tables;
}

interface ValueRow {
  version: string;
  price_year: number;
  source: string;
  fatal_gbp: number;
  serious_gbp: number;
  slight_gbp: number;
}

function fromRow(row: ValueRow): CollisionValueTable {
  return {
    version: row.version,
    priceYear: Number(row.price_year),
    source: row.source,
    fatalGbp: Number(row.fatal_gbp),
    seriousGbp: Number(row.serious_gbp),
    slightGbp: Number(row.slight_gbp),
  };
}

export interface ImportCollisionValuesResult {
  /** Versions newly stored. */
  inserted: string[];
  /** Versions already stored with the same values. */
  unchanged: string[];
  /** The version now active. */
  active: string;
}

/**
 * Stores the tables of a file (one transaction) and makes `activate` (default: the file's last row)
 * the active one. A version already stored with different values is refused: a published run names
 * its version, so the values behind a version never change.
 */
export async function importCollisionValues(
  knex: Knex,
  file: string,
  options: { activate?: string; loadedBy?: string } = {},
): Promise<ImportCollisionValuesResult> {
  const tables = readCollisionValuesFile(file);
  const activate = options.activate ?? tables[tables.length - 1]!.version;
  if (!tables.some((t) => t.version === activate)) {
    throw new CollisionValuesError(`${path.basename(file)}: has no version "${activate}" to activate (it has ${tables.map((t) => t.version).join(', ')})`, file);
  }
  return knex.transaction(async (trx) => {
    const inserted: string[] = [];
    const unchanged: string[] = [];
    for (const table of tables) {
      const existing = (await trx('collision_value_tables').where({ version: table.version }).first()) as ValueRow | undefined;
      if (existing) {
        const stored = fromRow(existing);
        if (stored.priceYear !== table.priceYear || stored.fatalGbp !== table.fatalGbp || stored.seriousGbp !== table.seriousGbp || stored.slightGbp !== table.slightGbp) {
          throw new CollisionValuesError(
            `${path.basename(file)}: version "${table.version}" is already loaded with different values (fatal £${stored.fatalGbp}, serious £${stored.seriousGbp}, slight £${stored.slightGbp}, ${stored.priceYear} prices); give the new table a new version`,
            file,
          );
        }
        unchanged.push(table.version);
        continue;
      }
      await trx('collision_value_tables').insert({
        version: table.version,
        price_year: table.priceYear,
        source: table.source,
        fatal_gbp: table.fatalGbp,
        serious_gbp: table.seriousGbp,
        slight_gbp: table.slightGbp,
        active: false,
        loaded_by: options.loadedBy ?? null,
      });
      inserted.push(table.version);
    }
    await trx('collision_value_tables').update({ active: trx.raw('version = ?', [activate]) });
    return { inserted, unchanged, active: activate };
  });
}

/** Loads the shipped default table when no table is stored yet (first use); returns whether it did. */
export async function ensureDefaultCollisionValues(knex: Knex): Promise<boolean> {
  const row = await knex('collision_value_tables').first('id');
  if (row) return false;
  const [table] = readCollisionValuesFile(DEFAULT_VALUE_TABLE_FILE);
  if (!table) throw new Error(`The shipped collision value table ${DEFAULT_VALUE_TABLE_FILE} has no rows.`);
  // ON CONFLICT: two first uses at once (two instances) must not fail each other.
  await knex.raw(
    `INSERT INTO collision_value_tables (version, price_year, source, fatal_gbp, serious_gbp, slight_gbp, active, loaded_by)
     SELECT ?, ?, ?, ?, ?, ?, NOT EXISTS (SELECT 1 FROM collision_value_tables WHERE active), 'default'
     ON CONFLICT (version) DO NOTHING`,
    [table.version, table.priceYear, table.source, table.fatalGbp, table.seriousGbp, table.slightGbp],
  );
  return true;
}

/** The active value table (loading the shipped default on first use), or a stored version by name. */
export async function collisionValueTable(knex: Knex, version?: string): Promise<CollisionValueTable> {
  await ensureDefaultCollisionValues(knex);
  const query = knex('collision_value_tables');
  const row = (await (version ? query.where({ version }) : query.where({ active: true }).orderBy('id', 'desc')).first()) as ValueRow | undefined;
  if (!row) {
    if (version) {
      const known = (await knex('collision_value_tables').orderBy('id').pluck('version')) as string[];
      throw new CollisionValuesError(`No collision value table "${version}" is loaded (loaded: ${known.join(', ')}).`, version);
    }
    throw new Error('No collision value table is active; import one with `roadsafe import collision-values FILE`.');
  }
  return fromRow(row);
}

/**
 * The active table (the one new runs use) with when it was loaded, for the method statement; null
 * while none is stored (this only reads: the shipped default is loaded by the first run).
 */
export async function activeCollisionValueTable(knex: Knex): Promise<(CollisionValueTable & { loadedAt: string }) | null> {
  const row = (await knex('collision_value_tables').where({ active: true }).orderBy('id', 'desc').first()) as (ValueRow & { loaded_at: Date }) | undefined;
  return row ? { ...fromRow(row), loadedAt: new Date(row.loaded_at).toISOString() } : null;
}
