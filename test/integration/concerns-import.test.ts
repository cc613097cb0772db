import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConcernImportError, importConcerns } from '../../server/concerns/import.ts';
import { reporterKeyOfEmail } from '../../server/concerns/reference.ts';
import { dataVersion } from '../../server/db/data-versions.ts';
import { importDistricts } from '../../server/districts/import.ts';
import { openTestDatabase, testTargets } from '../support/db.ts';
import { runCliOn } from '../support/capture.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const fixture = (name: string) => path.join(ROOT, 'test/fixtures/concerns', name);
const SURVEY = fixture('community-survey-2026.csv');
const LANCASHIRE_DISTRICTS = path.join(ROOT, 'demo-data/lancashire-lad-2017.geojson');

describe.each(testTargets())('importing concerns from CSV on the $mode database', (target) => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let tmp: string;
  beforeAll(async () => {
    db = await openTestDatabase(target);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'concerns-import-'));
  });
  afterAll(async () => {
    await db?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const cli = (args: string[]) => runCliOn(db, args);
  const count = async (table = 'concerns') => Number((await db.knex.raw(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
  const writeCsv = (name: string, text: string) => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, text);
    return file;
  };

  it('refuses to import before district boundaries are loaded', async () => {
    const run = await cli(['import', 'concerns', SURVEY]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('No district boundaries are loaded');
    expect(run.stderr).toContain('roadsafe import districts');
    expect(await count()).toBe(0);
  });

  describe('with the Lancashire districts', () => {
    beforeAll(async () => {
      await importDistricts(db.knex, LANCASHIRE_DISTRICTS);
    });

    it('imports a community survey export, reporting counts and the columns it ignored', async () => {
      const versionBefore = await dataVersion(db.knex, 'concerns');
      const run = await cli(['import', 'concerns', SURVEY]);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).toBe(
        'community-survey-2026.csv: 12 concerns (source community_survey) — 12 new, 0 changed, 0 unchanged\nIgnored columns (not stored): Ward\n',
      );
      expect(await count()).toBe(12);
      expect(await dataVersion(db.knex, 'concerns')).toBe(versionBefore + 1);
    });

    it('keeps each row’s source id, date, category, days and times, place, contact and district', async () => {
      const rows = await db.knex('concerns').orderBy('external_ref').select(
        'external_ref',
        'reference',
        'source',
        'category',
        'status',
        'district_code',
        'when_days',
        'when_times',
        'location_text',
        'reporter_email',
        'reporter_name',
        'reporter_key',
        db.knex.raw(`to_char(created_at AT TIME ZONE 'Europe/London', 'YYYY-MM-DD HH24:MI') AS created`),
        db.knex.raw('GeometryType(geom) AS kind'),
      );
      expect(rows.map((r) => r.district_code)).toEqual([
        'E07000123', // Garstang Road, Fulwood
        'E07000123', // the Garstang Road stretch
        'E06000009', // Blackpool Promenade
        'E07000118', // Bolton Road, Chorley
        'E07000121', // Caton Road, Lancaster
        'E07000124', // Whalley Road, Clitheroe
        'E07000122', // Leeds Road, Nelson
        'E07000125', // Bury Road, Rawtenstall
        'E07000120', // Blackburn Road, Accrington
        'E06000008', // Preston New Road, Blackburn
        'E07000119', // Clifton Drive, Lytham
        'E07000117', // Manchester Road, Burnley
      ]);
      expect(rows[0]).toMatchObject({
        external_ref: 'CSS-0001',
        reference: 'CON-2026-000001',
        source: 'community_survey',
        category: 'speeding',
        status: 'received',
        when_days: ['mon', 'tue', 'wed', 'thu', 'fri'],
        when_times: ['evening'],
        location_text: 'Garstang Road (A6), Fulwood, by the Black Bull',
        reporter_email: 'jo.clarke@example.org',
        reporter_name: 'Jo Clarke',
        reporter_key: reporterKeyOfEmail('jo.clarke@example.org'),
        created: '2026-01-12 00:00',
        kind: 'POINT',
      });
      expect(rows[1]).toMatchObject({ external_ref: 'CSS-0002', kind: 'LINESTRING', when_days: ['fri', 'sat'], when_times: ['night'], reporter_key: null });
      expect(rows[2]).toMatchObject({ category: 'antisocial_driving', when_days: ['sat', 'sun'], when_times: ['21:00-01:00'] });
      expect(rows[3]).toMatchObject({ category: 'parking', when_times: ['08:15-09:00', '15:00-15:30'] });
      expect(rows[9]).toMatchObject({ external_ref: 'CSS-0010', kind: 'POINT', when_times: ['07:30-09:00'] });
      const events = await db.knex('concern_events').where({ action: 'created' }).select('actor', 'changes');
      expect(events).toHaveLength(12);
      expect(events[0]).toMatchObject({ actor: 'import', changes: { source: [null, 'community_survey'], file: [null, 'community-survey-2026.csv'] } });
    });

    it('changes nothing when the same file is imported again', async () => {
      const versionBefore = await dataVersion(db.knex, 'concerns');
      const eventsBefore = await count('concern_events');
      const run = await cli(['import', 'concerns', SURVEY]);
      expect(run.stdout).toContain('12 concerns (source community_survey) — 0 new, 0 changed, 12 unchanged');
      expect(await count()).toBe(12);
      expect(await count('concern_events')).toBe(eventsBefore);
      expect(await dataVersion(db.knex, 'concerns')).toBe(versionBefore);
    });

    it('updates changed rows in place, keeping their reference and status, with an edit event', async () => {
      const before = await db.knex('concerns').where({ external_ref: 'CSS-0007' }).first('reference', 'id');
      await db.knex('concerns').where({ id: before.id }).update({ status: 'triaged' });
      const edited = fs
        .readFileSync(SURVEY, 'utf8')
        .replace('The same car leaves the pub car park most Friday nights', 'The same car leaves the pub car park most Friday and Saturday nights')
        .replace('CSS-0008,16/02/2026,Speeding,"Bury Road, Rawtenstall",-2.2900,53.6960', 'CSS-0008,16/02/2026,Speeding,"Bury Road, Rawtenstall",-2.2905,53.6990');
      const result = await importConcerns(db.knex, writeCsv('community-survey-2026-v2.csv', edited));
      expect(result).toMatchObject({ rows: 12, inserted: 0, updated: 2, unchanged: 10 });
      const after = await db.knex('concerns').where({ external_ref: 'CSS-0007' }).first('reference', 'status', 'description');
      expect(after).toEqual({ reference: before.reference, status: 'triaged', description: expect.stringContaining('Friday and Saturday nights') });
      const edits = await db.knex('concern_events').where({ action: 'edit' }).orderBy('id').select('actor', 'changes', 'note');
      expect(edits).toHaveLength(2);
      expect(edits[0]).toMatchObject({ actor: 'import', note: 're-imported from community-survey-2026-v2.csv line 8' });
      expect(Object.keys(edits[0].changes)).toEqual(['description']);
      expect(edits[1].changes).toEqual({ location: ['(moved)', 'Point'] });
    });

    it('treats the same ids from another source as other concerns', async () => {
      const result = await importConcerns(db.knex, SURVEY, { source: 'parish_council' });
      expect(result).toMatchObject({ inserted: 12, updated: 0, unchanged: 0 });
      expect(await count()).toBe(24);
    });

    it('converts British National Grid points and reads separate days and times columns', async () => {
      const run = await cli(['import', 'concerns', fixture('parish-council-bng.csv'), '--source', 'parish_council']);
      expect(run.stdout).toBe('parish-council-bng.csv: 4 concerns (source parish_council) — 4 new, 0 changed, 0 unchanged\n');
      const rows = await db.knex('concerns').whereIn('external_ref', ['PC-2026-01', 'PC-2026-02', 'PC-2026-03', 'PC-2026-04']).orderBy('external_ref').select(
        'district_code',
        'when_days',
        'when_times',
        'reporter_key',
        db.knex.raw('round(ST_X(geom)) AS easting'),
        db.knex.raw('round(ST_Y(geom)) AS northing'),
      );
      expect(rows.map((r) => r.district_code)).toEqual(['E07000124', 'E07000126', 'E07000119', 'E07000128']);
      expect(rows[0]).toMatchObject({ easting: 360014, northing: 437143, when_days: ['mon', 'tue', 'wed', 'thu', 'fri'], when_times: ['morning', 'evening'] });
      expect(rows[0].reporter_key).toMatch(/^[0-9a-f]{64}$/);
    });

    it('rejects a file with bad rows, naming file, line, column and value of each, and stores nothing', async () => {
      const before = await count();
      const run = await cli(['import', 'concerns', fixture('survey-bad-rows.csv')]);
      expect(run.code).toBe(1);
      expect(run.stderr.trim().split('\n')).toEqual([
        'Error: concerns file survey-bad-rows.csv line 3, column category: "fast cars" is not a category: one of speeding, antisocial_driving, drink_driving, dangerous_driving, parking, other',
        'concerns file survey-bad-rows.csv line 4, column date: "31/02/2026" is not a date as YYYY-MM-DD or DD/MM/YYYY',
        'concerns file survey-bad-rows.csv line 5, column description: "" is missing',
        'concerns file survey-bad-rows.csv line 6, column when: "school run" has words that are not days or times: school, run (days: mon, tue, wed, thu, fri, sat, sun, weekdays, weekends, daily; times: early_morning, morning, daytime, evening, night or HH:MM-HH:MM)',
        'concerns file survey-bad-rows.csv line 7, column reference: "S-101" appears again (first on line 2); each row needs its own reference',
        'concerns file survey-bad-rows.csv line 8, column longitude/latitude: "354000,429000" [354000, 429000] is not a WGS84 [longitude, latitude]: longitude must be within -180..180 and latitude within -90..90',
        'Nothing was imported.',
      ]);
      expect(await count()).toBe(before);
    });

    it('rejects a file with a concern outside the area, naming its line', async () => {
      const before = await count();
      await expect(importConcerns(db.knex, fixture('survey-outside-area.csv'))).rejects.toThrow(
        'concerns file survey-outside-area.csv line 3, column longitude/latitude: "-2.2300,53.4770" is outside the area this service covers (the loaded districts)\nNothing was imported.',
      );
      expect(await count()).toBe(before);
    });

    it('rejects a header without the required columns', async () => {
      const file = writeCsv('no-category.csv', 'id,date,lat,lon,details\nX-1,2026-01-01,53.785,-2.709,Speeding\n');
      const err = await importConcerns(db.knex, file).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConcernImportError);
      expect((err as ConcernImportError).message).toBe(
        'concerns file no-category.csv line 1: the header has no category column (name it category)\nNothing was imported.',
      );
    });

    it('counts lines across quoted line breaks and rejects a stretch over 5 km', async () => {
      const file = writeCsv(
        'long-stretch.csv',
        'reference,date,category,wkt,description\n' +
          'L-1,2026-01-01,speeding,"LINESTRING(-2.709 53.785, -2.709 53.786)","Two lines\nof description"\n' +
          'L-2,2026-01-01,speeding,"LINESTRING(-2.70 53.76, -2.70 53.82)",Too long\n',
      );
      await expect(importConcerns(db.knex, file)).rejects.toThrow(
        'concerns file long-stretch.csv line 4, column wkt: "LINESTRING(-2.70 53.76, -2.70 53.82)" the stretch is 6.7 km long; draw at most 5 km (report separate places separately)',
      );
    });

    it('refuses an unknown source', async () => {
      const run = await cli(['import', 'concerns', SURVEY, '--source', 'twitter']);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain("argument 'twitter' is invalid");
    });

    it('says when the file does not exist', async () => {
      const run = await cli(['import', 'concerns', path.join(tmp, 'missing.csv')]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('Cannot read the concerns file');
      expect(run.stderr).toContain('no such file');
    });
  });
});
