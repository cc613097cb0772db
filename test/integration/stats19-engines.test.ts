import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importStats19, type Stats19ImportOptions } from '../../server/collisions/stats19/import.ts';
import { roadUserGroup, roadUserGroupSql } from '../../server/collisions/stats19/road-user.ts';
import { openTestDatabase, testTargets } from '../support/db.ts';

/**
 * The two import engines (csv-parse + checks in Node; COPY + checks in SQL) must never drift: every
 * fixture, good or bad, goes through both on PostgreSQL and must give the same counts, the same
 * stored rows, the same error (message, line, column, value) and the same reject report.
 */

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/stats19/${name}`, import.meta.url));
const LANCASHIRE_2023 = fileURLToPath(new URL('../../demo-data/lancashire-collisions-2023.csv', import.meta.url));
const MET_2022 = fileURLToPath(new URL('../../../shared/data/stats19/met-police-collisions-2022-sample.csv', import.meta.url));

const postgres = testTargets().filter((t) => t.mode === 'postgresql');

describe.skipIf(postgres.length === 0).each(postgres)('the SQL and Node import engines on the $mode database', (target) => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let tmp: string;
  beforeAll(async () => {
    db = await openTestDatabase(target);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stats19-engines-'));
  });
  afterAll(async () => {
    await db?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** Every stored row of the three tables (without the import id and timestamps), as text. */
  async function contents(): Promise<Record<string, unknown[]>> {
    const out: Record<string, unknown[]> = {};
    for (const [table, order] of [
      ['collisions', 'collision_index'],
      ['casualties', 'collision_index, casualty_reference'],
      ['vehicles', 'collision_index, vehicle_reference'],
    ] as const) {
      const { rows } = await db.knex.raw(`SELECT to_jsonb(t) - 'import_id' - 'updated_at' - 'created_at' AS row, ST_AsText(${table === 'collisions' ? 'geom' : 'NULL::geometry'}, 3) AS g27700, ST_AsText(${table === 'collisions' ? 'geom_4326' : 'NULL::geometry'}, 7) AS g4326 FROM ${table} t ORDER BY ${order}`);
      out[table] = rows;
    }
    return out;
  }

  /** Runs one import with an engine on empty tables; returns what it did and what it stored. */
  async function run(engine: 'sql' | 'node', options: Omit<Stats19ImportOptions, 'engine'>, twice = false) {
    await db.knex.raw('TRUNCATE collisions, casualties, vehicles');
    const reportPath = path.join(tmp, `report-${engine}.csv`);
    fs.rmSync(reportPath, { force: true });
    const go = () => importStats19(db.knex, { ...options, engine, rejectReportPath: reportPath });
    const outcome = await go().then(
      (r) => ({ ok: true as const, engine: r.engine, counts: [r.collisions, r.casualties, r.vehicles, r.rejected], again: undefined as unknown }),
      (err: Error & Record<string, unknown>) => ({ ok: false as const, engine: undefined, error: { name: err.name, message: err.message, file: err.file, line: err.line, column: err.column, value: err.value } }),
    );
    if (twice && outcome.ok) {
      const again = await go();
      outcome.again = [again.collisions, again.casualties, again.vehicles];
    }
    const report = fs.existsSync(reportPath) ? fs.readFileSync(reportPath, 'utf8') : null;
    return { outcome, report, stored: await contents() };
  }

  /** Imports with both engines and expects the same; `expectedSqlEngine`: which engine `sql` ends up using when the import succeeds. */
  async function compare(options: Omit<Stats19ImportOptions, 'engine'>, expectedSqlEngine: 'sql' | 'node' = 'sql', twice = false) {
    const node = await run('node', options, twice);
    const sql = await run('sql', options, twice);
    expect(node.outcome.ok ? node.outcome.engine : 'failed').toBe(node.outcome.ok ? 'node' : 'failed');
    if (sql.outcome.ok) expect(sql.outcome.engine).toBe(expectedSqlEngine);
    const { engine: _a, ...nodeOutcome } = node.outcome;
    const { engine: _b, ...sqlOutcome } = sql.outcome;
    expect(sqlOutcome).toEqual(nodeOutcome);
    expect(sql.report).toEqual(node.report);
    expect(sql.stored).toEqual(node.stored);
    return node;
  }

  const trio = { collisions: fixture('collisions-2024.csv'), casualties: fixture('casualties-2024.csv'), vehicles: fixture('vehicles-2024.csv') };

  it.each([
    ['the real Lancashire 2023 file', { collisions: LANCASHIRE_2023 }],
    ['the Met 2022 sample (BOM, CRLF)', { collisions: MET_2022 }],
    ['a 2024-era trio', trio],
    ['a 2024-era trio filtered to police force 4', { ...trio, policeForce: 4 }],
    ['a 2024-era trio filtered to police force 1', { ...trio, policeForce: 1 }],
    ['lon/lat-only locations', { collisions: fixture('lonlat-only.csv') }],
  ])('store the same rows for %s, and change nothing on a second run', async (_name, options) => {
    const node = await compare(options, 'sql', true);
    expect(node.outcome.ok).toBe(true);
  });

  it.each([
    'bad-header-no-severity.csv',
    // Bad column counts, blank lines and bad quoting make COPY fail: the Node engine takes over.
    'bad-column-count.csv',
    'bad-date.csv',
    'bad-date-after-blank-lines.csv',
    'bad-time.csv',
    'bad-code.csv',
    'bad-coordinates.csv',
    'bad-longitude.csv',
    'bad-quote.csv',
    'duplicate-index.csv',
  ])('reject %s with the same error', async (name) => {
    const node = await compare({ collisions: fixture(name) });
    expect(node.outcome.ok).toBe(false);
  });

  it.each([
    ['mixed-invalid.csv', 'node'],
    ['duplicate-index.csv', 'sql'],
    ['bad-date.csv', 'sql'],
    ['bad-code.csv', 'sql'],
    ['bad-coordinates.csv', 'sql'],
  ] as const)('with skipInvalid report the same rows of %s and import the same others', async (name, engine) => {
    const node = await compare({ collisions: fixture(name), skipInvalid: true }, engine);
    expect(node.outcome.ok).toBe(true);
  });

  /** The 2024 collision fixture with cells replaced: [data row (0-based), header, new text]. */
  function variant(name: string, edits: Array<[number, string, string]>, source = fixture('collisions-2024.csv')): string {
    const [header, ...rows] = fs.readFileSync(source, 'utf8').replace(/\r\n$/, '').split('\r\n');
    const names = (header as string).split(',');
    const cells = rows.map((r) => r.split(','));
    for (const [row, column, text] of edits) {
      const at = names.indexOf(column);
      if (at < 0) throw new Error(`no column ${column}`);
      (cells[row] as string[])[at] = text;
    }
    const file = path.join(tmp, name);
    fs.writeFileSync(file, `${[header, ...cells.map((c) => c.join(','))].join('\r\n')}\r\n`);
    return file;
  }

  it.each<[string, Array<[number, string, string]>]>([
    ['padded and zero-padded codes, NULL and -1 markers', [[0, 'police_force', ' 04'], [1, 'light_conditions', '"1 "'], [2, 'weather_conditions', 'NULL'], [3, 'road_type', '-1'], [0, 'junction_detail', '" 13"'], [1, 'speed_limit', '030']]],
    ['times with seconds and one-digit hours, one-digit days and months', [[0, 'time', '7:05'], [1, 'time', '23:59:59'], [2, 'date', '1/2/2024'], [3, 'time', '']]],
    ['decimals in other spellings', [[0, 'longitude', '-2.5e0'], [0, 'collision_adjusted_severity_serious', '.5'], [1, 'collision_adjusted_severity_slight', '1.'], [2, 'latitude', '53.7000000000']]],
    ['a leap day', [[0, 'date', '29/02/2024']]],
    ['no year or reference (derived from the date and index)', [[0, 'collision_year', ''], [0, 'collision_reference', 'NULL'], [1, 'day_of_week', '-1']]],
    ['quoted cells with commas in an extra column', [[0, 'local_authority_highway_current', '"E06000008"'], [1, 'collision_index', '"2024041300001x"']]],
    ['29 February in a year that has none', [[1, 'date', '29/02/2023']]],
    ['a day 0', [[1, 'date', '00/02/2023']]],
    ['a year before 1900', [[2, 'date', '01/02/1899']]],
    ['a time of 24:00', [[2, 'time', '24:00']]],
    ['a time of 12:5', [[2, 'time', '12:5']]],
    ['a code with a decimal point', [[1, 'light_conditions', '1.0']]],
    ['a non-number in a number column', [[3, 'number_of_vehicles', 'two']]],
    ['a number out of range', [[3, 'number_of_casualties', '1000']]],
    ['a missing required number', [[3, 'number_of_casualties', '-1']]],
    ['a missing severity', [[0, 'collision_severity', 'NULL']]],
    ['an easting without a northing', [[0, 'location_northing_osgr', '']]],
    ['a latitude out of Great Britain', [[2, 'latitude', '61.2']]],
    ['a bad ONS code', [[2, 'local_authority_ons_district', 'X123']]],
    ['a bad code in an extra column', [[1, 'junction_detail_historic', '77']]],
    ['a missing collision index', [[1, 'collision_index', ' ']]],
    ['a decimal with a huge exponent', [[0, 'collision_adjusted_severity_serious', '1e400']]],
  ])('agree on a file with %s', async (name, edits) => {
    const file = variant(`${name.replace(/\W+/g, '-')}.csv`, edits);
    await compare({ collisions: file });
    await compare({ collisions: file, skipInvalid: true });
  });

  it('agree on an empty file, a file with only its header, and one without a final line break', async () => {
    const empty = path.join(tmp, 'empty.csv');
    fs.writeFileSync(empty, '');
    const headerOnly = path.join(tmp, 'header-only.csv');
    fs.writeFileSync(headerOnly, `${fs.readFileSync(fixture('collisions-2024.csv'), 'utf8').split('\r\n')[0]}\r\n`);
    const unterminated = path.join(tmp, 'unterminated.csv');
    fs.writeFileSync(unterminated, fs.readFileSync(fixture('collisions-2024.csv'), 'utf8').replace(/\r\n$/, ''));
    await compare({ collisions: empty });
    await compare({ collisions: headerOnly });
    await compare({ collisions: unterminated });
  });

  it('agree on a casualty file with a casualty type outside the code list and on one with a padded type', async () => {
    const lines = fs.readFileSync(fixture('casualties-2024.csv'), 'utf8').split('\r\n');
    const bad = path.join(tmp, 'casualties-bad-type.csv');
    fs.writeFileSync(bad, [...lines.slice(0, 3), (lines[3] as string).replace(',1,7,E01025292,', ',77,7,E01025292,'), ...lines.slice(4)].join('\r\n'));
    const padded = path.join(tmp, 'casualties-padded-type.csv');
    fs.writeFileSync(padded, [...lines.slice(0, 3), (lines[3] as string).replace(',1,7,E01025292,', ',01,7,E01025292,'), ...lines.slice(4)].join('\r\n'));
    await compare({ collisions: trio.collisions, casualties: bad });
    await compare({ collisions: trio.collisions, casualties: bad, skipInvalid: true }, 'sql');
    await compare({ collisions: trio.collisions, casualties: padded, vehicles: trio.vehicles }, 'sql');
  });

  it('computes the same road-user group in SQL as in Node for every casualty type', async () => {
    const { rows } = await db.knex.raw(`SELECT t, ${roadUserGroupSql('t')} AS g FROM (SELECT generate_series(-1, 200)::smallint AS t UNION ALL SELECT NULL) s`);
    for (const row of rows as Array<{ t: number | null; g: string | null }>) expect([row.t, row.g]).toEqual([row.t, roadUserGroup(row.t)]);
  });

  it('picks the SQL engine on PostgreSQL by default and the Node engine when asked', async () => {
    await db.knex.raw('TRUNCATE collisions, casualties, vehicles');
    expect((await importStats19(db.knex, { collisions: fixture('lonlat-only.csv') })).engine).toBe('sql');
    expect((await importStats19(db.knex, { collisions: fixture('lonlat-only.csv'), engine: 'node' })).engine).toBe('node');
  });
});

describe('the import engine on the embedded database', () => {
  const embedded = testTargets().filter((t) => t.mode === 'embedded');
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  beforeAll(async () => {
    db = await openTestDatabase(embedded[0] as (typeof embedded)[number]);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('is the Node engine by default, and the SQL engine is refused (PGlite cannot take COPY FROM STDIN)', async () => {
    expect((await importStats19(db.knex, { collisions: fixture('lonlat-only.csv') })).engine).toBe('node');
    await expect(importStats19(db.knex, { collisions: fixture('lonlat-only.csv'), engine: 'sql' })).rejects.toThrow(/the sql import engine needs PostgreSQL/);
  });
});
