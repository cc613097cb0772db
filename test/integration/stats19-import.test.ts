import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { importStats19, Stats19ImportError } from '../../server/collisions/stats19/import.ts';
import { dataVersion } from '../../server/db/data-versions.ts';
import { openTestDatabase, testTargets } from '../support/db.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/stats19/${name}`, import.meta.url));
const LANCASHIRE_2023 = fileURLToPath(new URL('../../demo-data/lancashire-collisions-2023.csv', import.meta.url));
const MET_2022 = fileURLToPath(new URL('../../../shared/data/stats19/met-police-collisions-2022-sample.csv', import.meta.url));
const LANCASHIRE_DISTRICTS = [
  'E06000008', 'E06000009', 'E07000117', 'E07000118', 'E07000119', 'E07000120', 'E07000121',
  'E07000122', 'E07000123', 'E07000124', 'E07000125', 'E07000126', 'E07000127', 'E07000128',
];

describe.each(testTargets())('STATS19 import on the $mode database', (target) => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let tmp: string;
  beforeAll(async () => {
    db = await openTestDatabase(target);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stats19-test-'));
  });
  afterAll(async () => {
    await db?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const count = async (table: string, where = 'true') => Number((await db.knex.raw(`SELECT count(*) AS n FROM ${table} WHERE ${where}`)).rows[0].n);
  const bySeverity = async () =>
    Object.fromEntries(
      (await db.knex.raw('SELECT severity, count(*) AS n FROM collisions GROUP BY severity')).rows.map((r: { severity: number; n: string }) => [r.severity, Number(r.n)]),
    );
  const clear = () => db.knex.raw('TRUNCATE collisions, casualties, vehicles');

  describe('the real Lancashire 2023 file', () => {
    beforeAll(async () => {
      await clear();
    });

    it('imports 2,762 collisions: 35 fatal, 871 serious, 1,856 slight', async () => {
      const versionBefore = await dataVersion(db.knex, 'collisions');
      // Small batches, so several staging batches are in flight over the import.
      const result = await importStats19(db.knex, { collisions: LANCASHIRE_2023, batchSize: 500, startedBy: 'test' });
      expect(result.collisions).toMatchObject({ rows: 2762, inserted: 2762, updated: 0, unchanged: 0, skipped: 0, rejected: 0 });
      expect(result.casualties).toBeNull();
      expect(await bySeverity()).toEqual({ 1: 35, 2: 871, 3: 1856 });
      expect(await dataVersion(db.knex, 'collisions')).toBe(versionBefore + 1);
    });

    it('stores the ONS codes of the 14 Lancashire districts', async () => {
      const { rows } = await db.knex.raw('SELECT DISTINCT district_code FROM collisions ORDER BY 1');
      expect(rows.map((r: { district_code: string }) => r.district_code)).toEqual(LANCASHIRE_DISTRICTS);
      expect(await count('collisions', `collision_index = '2023041258740' AND district_code = 'E07000123' AND highway_authority = 'E10000017'`)).toBe(1);
    });

    it('stores a known collision at its easting/northing (EPSG:27700) and lon/lat (EPSG:4326), each round-tripping within 10 m', async () => {
      const { rows } = await db.knex.raw(`
        SELECT easting, northing, longitude, latitude, date::text AS date, time::text AS time, hour, day_of_week, severity,
               enhanced_severity, first_road_number, speed_limit, lsoa,
               ST_SRID(geom) AS srid, ST_X(geom) AS x, ST_Y(geom) AS y,
               ST_SRID(geom_4326) AS srid_4326, ST_X(geom_4326) AS lon, ST_Y(geom_4326) AS lat,
               ST_Distance(geom, ST_Transform(geom_4326, 27700)) AS round_trip_m
        FROM collisions WHERE collision_index = '2023041258714'`);
      expect(rows[0]).toMatchObject({
        easting: 367718, northing: 425827, longitude: -2.490762, latitude: 53.727837,
        date: '2023-01-01', time: '14:45:00', hour: 14, day_of_week: 1, severity: 2, enhanced_severity: 7,
        first_road_number: 666, speed_limit: 30, lsoa: 'E01012593',
        srid: 27700, x: 367718, y: 425827, srid_4326: 4326, lon: -2.490762, lat: 53.727837,
      });
      expect(rows[0].round_trip_m).toBeLessThan(10);
    });

    it('changes and duplicates nothing when the same file is imported again', async () => {
      const versionBefore = await dataVersion(db.knex, 'collisions');
      const updatedBefore = (await db.knex.raw('SELECT max(updated_at) AS t FROM collisions')).rows[0].t;
      const result = await importStats19(db.knex, { collisions: LANCASHIRE_2023 });
      expect(result.collisions).toMatchObject({ rows: 2762, inserted: 0, updated: 0, unchanged: 2762 });
      expect(await count('collisions')).toBe(2762);
      expect(await bySeverity()).toEqual({ 1: 35, 2: 871, 3: 1856 });
      expect((await db.knex.raw('SELECT max(updated_at) AS t FROM collisions')).rows[0].t).toEqual(updatedBefore);
      expect(await dataVersion(db.knex, 'collisions')).toBe(versionBefore);
    });

    it('imports the Met 2022 sample (UTF-8 BOM, CRLF, no enhanced_severity_collision) as a second force and year', async () => {
      const result = await importStats19(db.knex, { collisions: MET_2022 });
      expect(result.collisions).toMatchObject({ rows: 1049, inserted: 1049, rejected: 0 });
      const { rows } = await db.knex.raw('SELECT police_force, collision_year, count(*) AS n FROM collisions GROUP BY 1, 2 ORDER BY 1');
      expect(rows.map((r: { police_force: number; collision_year: number; n: string }) => [r.police_force, r.collision_year, Number(r.n)])).toEqual([
        [1, 2022, 1049],
        [4, 2023, 2762],
      ]);
      expect(await count('collisions', `police_force = 1 AND enhanced_severity IS NOT NULL`)).toBe(0);
      // DfT's pseudo-district for Heathrow airport is in the code list.
      expect(await count('collisions', `district_code = 'EHEATHROW'`)).toBeGreaterThan(0);
    });

    it('records each run in the import log', async () => {
      const { rows } = await db.knex.raw(`SELECT status, collisions, rejected, started_by, finished_at FROM stats19_imports WHERE kind = 'stats19' ORDER BY id`);
      expect(rows.slice(0, 3).map((r: { status: string; collisions: number }) => [r.status, r.collisions])).toEqual([
        ['succeeded', 2762],
        ['succeeded', 2762],
        ['succeeded', 1049],
      ]);
      expect(rows[0].started_by).toBe('test');
      expect(rows[0].finished_at).not.toBeNull();
    });
  });

  describe('a 2024-era trio of collision, casualty and vehicle files (collision_* headers)', () => {
    const trio = { collisions: fixture('collisions-2024.csv'), casualties: fixture('casualties-2024.csv'), vehicles: fixture('vehicles-2024.csv') };
    beforeAll(async () => {
      await clear();
    });

    it('imports all three tables, skipping the casualty whose collision is not in the file', async () => {
      const result = await importStats19(db.knex, trio);
      expect(result.collisions).toMatchObject({ rows: 4, inserted: 4 });
      expect(result.casualties).toMatchObject({ rows: 6, inserted: 5, skipped: 1 });
      expect(result.vehicles).toMatchObject({ rows: 7, inserted: 7, skipped: 0 });
    });

    it('sets each casualty road-user group from its casualty type, with ages and adjusted severities', async () => {
      const { rows } = await db.knex.raw(
        `SELECT collision_index, casualty_reference, age, age_band, casualty_type, road_user_group, severity, enhanced_severity,
                injury_based, adjusted_severity_serious, adjusted_severity_slight
         FROM casualties ORDER BY collision_index, casualty_reference`,
      );
      expect(rows.map((r: Record<string, unknown>) => [r.collision_index, r.casualty_reference, r.age, r.road_user_group])).toEqual([
        ['2024010400001', '1', 67, 'car'],
        ['2024041300001', '1', 19, 'motorcyclist'],
        ['2024041300001', '2', 34, 'pedestrian'],
        ['2024041300002', '1', 22, 'cyclist'],
        ['2024041300003', '1', 45, 'car'],
      ]);
      expect(rows[1]).toMatchObject({ age_band: 4, severity: 2, enhanced_severity: 6, injury_based: 1, adjusted_severity_serious: 0.871, adjusted_severity_slight: 0.129 });
      expect(rows[0]).toMatchObject({ injury_based: 0, adjusted_severity_serious: null, adjusted_severity_slight: null });
      // Young road users (17–24) are findable by age.
      expect(await count('casualties', 'age BETWEEN 17 AND 24')).toBe(2);
    });

    it('keeps the 2024 code sets, the collision adjusted severities and the _historic columns in extra', async () => {
      const { rows } = await db.knex.raw(
        `SELECT junction_detail, pedestrian_crossing, pedestrian_crossing_human_control, injury_based, adjusted_severity_serious, enhanced_severity, extra
         FROM collisions WHERE collision_index = '2024041300001'`,
      );
      expect(rows[0]).toMatchObject({ junction_detail: 13, pedestrian_crossing: 14, pedestrian_crossing_human_control: null, injury_based: 1, adjusted_severity_serious: 0.871, enhanced_severity: 6 });
      expect(rows[0].extra).toEqual({ junction_detail_historic: '3', carriageway_hazards_historic: '-1', local_authority_highway_current: 'E06000008' });
      const vehicle = (await db.knex.raw(`SELECT vehicle_type, manoeuvre, engine_capacity_cc, generic_make_model, extra FROM vehicles WHERE collision_index = '2024041300001' AND vehicle_reference = '2'`)).rows[0];
      expect(vehicle).toMatchObject({ vehicle_type: 9, manoeuvre: 9, engine_capacity_cc: 1598, generic_make_model: 'FORD FOCUS, ESTATE' });
      expect(vehicle.extra).toMatchObject({ vehicle_manoeuvre_historic: '9' });
    });

    it('changes nothing in any table when the trio is imported again', async () => {
      const result = await importStats19(db.knex, trio);
      expect(result.collisions).toMatchObject({ inserted: 0, updated: 0, unchanged: 4 });
      expect(result.casualties).toMatchObject({ inserted: 0, updated: 0, unchanged: 5, skipped: 1 });
      expect(result.vehicles).toMatchObject({ inserted: 0, updated: 0, unchanged: 7 });
    });

    it('imports only police force 4 with policeForce, skipping the other force and its casualties and vehicles', async () => {
      await clear();
      const result = await importStats19(db.knex, { ...trio, policeForce: 4 });
      expect(result.collisions).toMatchObject({ rows: 4, inserted: 3, skipped: 1 });
      expect(result.casualties).toMatchObject({ inserted: 4, skipped: 2 });
      expect(result.vehicles).toMatchObject({ inserted: 5, skipped: 2 });
      expect(await count('collisions', 'police_force <> 4')).toBe(0);
    });
  });

  describe('locations', () => {
    beforeAll(async () => {
      await clear();
    });

    it('computes the EPSG:27700 point from lon/lat when easting/northing are missing, and stores no point when neither is given', async () => {
      await importStats19(db.knex, { collisions: fixture('lonlat-only.csv') });
      const { rows } = await db.knex.raw(
        `SELECT collision_index, easting, ST_X(geom) AS x, ST_Y(geom) AS y, geom_4326 IS NULL AS no_4326 FROM collisions ORDER BY collision_index`,
      );
      // The real row 2023041258714 lies at 367718 425827 (DfT rounds lon/lat to 6 places, about 0.1 m).
      expect(rows[0].collision_index).toBe('2023041258714');
      expect(rows[0].easting).toBeNull();
      expect(Math.abs(rows[0].x - 367718)).toBeLessThan(2);
      expect(Math.abs(rows[0].y - 425827)).toBeLessThan(2);
      expect(Math.abs(rows[1].x - 355690)).toBeLessThan(2);
      expect(rows[2]).toMatchObject({ x: null, y: null, no_4326: true });
    });
  });

  describe('bad input', () => {
    beforeEach(async () => {
      await clear();
    });

    it.each([
      ['bad-header-no-severity.csv', 1, 'accident_severity', undefined, 'collisions file bad-header-no-severity.csv line 1, column accident_severity: is missing from the header'],
      ['bad-column-count.csv', 4, 'enhanced_severity_collision', undefined, 'collisions file bad-column-count.csv line 4, column enhanced_severity_collision: is missing: the row has 36 columns, the header 37'],
      ['bad-date.csv', 5, 'date', '31/02/2023', 'collisions file bad-date.csv line 5, column date: "31/02/2023" is not a valid dd/mm/yyyy date'],
      ['bad-date-after-blank-lines.csv', 6, 'date', '30/02/2023', 'collisions file bad-date-after-blank-lines.csv line 6, column date: "30/02/2023" is not a valid dd/mm/yyyy date'],
      ['bad-time.csv', 3, 'time', '25:61', 'collisions file bad-time.csv line 3, column time: "25:61" is not a valid HH:MM time'],
      ['bad-code.csv', 6, 'light_conditions', '8', 'collisions file bad-code.csv line 6, column light_conditions: "8" is not a light_conditions code in the DfT code list'],
      ['bad-coordinates.csv', 4, 'location_easting_osgr', '912345', 'collisions file bad-coordinates.csv line 4, column location_easting_osgr: "912345" is outside Great Britain'],
      ['bad-longitude.csv', 7, 'longitude', '4.902', 'collisions file bad-longitude.csv line 7, column longitude: "4.902" is outside Great Britain'],
      ['bad-quote.csv', 4, undefined, undefined, 'collisions file bad-quote.csv line 4: is not valid CSV (Quote Not Closed'],
      ['duplicate-index.csv', 5, 'accident_index', '2023041258714', 'collisions file duplicate-index.csv line 5, column accident_index: "2023041258714" repeats the key of line 2'],
    ])('rejects the whole import for %s at line %i, naming the file, line, column and value, and writes nothing', async (name, line, column, value, message) => {
      const versionBefore = await dataVersion(db.knex, 'collisions');
      const error = await importStats19(db.knex, { collisions: fixture(name) }).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(Stats19ImportError);
      expect(error).toMatchObject({ line, column, value, file: fixture(name) });
      expect((error as Error).message).toContain(message);
      expect(await count('collisions')).toBe(0);
      expect(await dataVersion(db.knex, 'collisions')).toBe(versionBefore);
      const log = (await db.knex.raw(`SELECT status, message FROM stats19_imports ORDER BY id DESC LIMIT 1`)).rows[0];
      expect(log).toMatchObject({ status: 'failed', message: (error as Error).message });
    });

    it('rejects a casualty file with a value outside the code list, writing none of the collisions either', async () => {
      const casualties = path.join(tmp, 'casualties-bad-type.csv');
      const lines = fs.readFileSync(fixture('casualties-2024.csv'), 'utf8').split('\r\n');
      lines[3] = (lines[3] as string).replace(',1,7,E01025292,', ',77,7,E01025292,'); // casualty_type 77 does not exist
      fs.writeFileSync(casualties, lines.join('\r\n'));
      const error = await importStats19(db.knex, { collisions: fixture('collisions-2024.csv'), casualties }).catch((err: unknown) => err);
      expect((error as Error).message).toBe('casualties file casualties-bad-type.csv line 4, column casualty_type: "77" is not a casualty_type code in the DfT code list');
      expect(await count('collisions')).toBe(0);
    });

    it('names a missing file', async () => {
      await expect(importStats19(db.knex, { collisions: path.join(tmp, 'nope.csv') })).rejects.toThrow(/collisions file .*nope\.csv does not exist/);
    });

    it('with skipInvalid imports the good rows and writes a report of the rejected ones', async () => {
      const report = path.join(tmp, 'rejected.csv');
      const result = await importStats19(db.knex, { collisions: fixture('mixed-invalid.csv'), skipInvalid: true, rejectReportPath: report });
      expect(result.collisions).toMatchObject({ rows: 10, inserted: 7, rejected: 3 });
      expect(result.rejected).toBe(3);
      expect(result.rejectReportPath).toBe(report);
      expect(await count('collisions')).toBe(7);
      expect(fs.readFileSync(report, 'utf8').trim().split('\n')).toEqual([
        'file,line,column,value,reason',
        'mixed-invalid.csv,3,date,31/02/2023,is not a valid dd/mm/yyyy date',
        'mixed-invalid.csv,6,light_conditions,8,is not a light_conditions code in the DfT code list',
        'mixed-invalid.csv,9,lsoa_of_accident_location,,"is missing: the row has 35 columns, the header 37"',
      ]);
    });

    it('with skipInvalid keeps the first of two rows with the same index and reports the second', async () => {
      const report = path.join(tmp, 'rejected-duplicate.csv');
      const result = await importStats19(db.knex, { collisions: fixture('duplicate-index.csv'), skipInvalid: true, rejectReportPath: report });
      expect(result.collisions).toMatchObject({ rows: 5, inserted: 4, rejected: 1 });
      expect(fs.readFileSync(report, 'utf8')).toContain('duplicate-index.csv,5,accident_index,2023041258714,repeats the key of line 2');
      expect(await count('collisions', `collision_index = '2023041258714' AND date = '2023-01-01'`)).toBe(1);
    });
  });

  describe('a load larger than the table', () => {
    it('rebuilds the secondary indexes around a bulk load and keeps them', async () => {
      await clear();
      const big = path.join(tmp, 'big.csv');
      const [header, ...rows] = fs.readFileSync(LANCASHIRE_2023, 'utf8').trim().split('\r\n');
      const out = [header];
      for (let i = 0; i < 12_000; i++) {
        const fields = (rows[i % rows.length] as string).split(',');
        fields[0] = `2023${String(900_000_000 + i)}`;
        out.push(fields.join(','));
      }
      fs.writeFileSync(big, `${out.join('\r\n')}\r\n`);
      const indexes = async () =>
        (await db.knex.raw(`SELECT indexname FROM pg_indexes WHERE schemaname = ? AND tablename = 'collisions' ORDER BY 1`, [db.schema])).rows.map(
          (r: { indexname: string }) => r.indexname,
        );
      const before = await indexes();
      const result = await importStats19(db.knex, { collisions: big });
      expect(result.collisions).toMatchObject({ rows: 12_000, inserted: 12_000 });
      expect(await indexes()).toEqual(before);
      expect(before).toContain('collisions_geom_idx');
    });
  });
});
