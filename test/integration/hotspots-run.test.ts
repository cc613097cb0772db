import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main.ts';
import { importStats19 } from '../../server/collisions/stats19/import.ts';
import { dataVersion } from '../../server/db/data-versions.ts';
import { DEMO_FILES } from '../../server/demo/load.ts';
import { importDistricts } from '../../server/districts/import.ts';
import { HttpError } from '../../server/http/errors.ts';
import { CollisionValuesError, collisionValueTable, importCollisionValues } from '../../server/hotspots/collision-values.ts';
import { DEFAULT_PARAMS, METHOD_VERSION } from '../../server/hotspots/params.ts';
import { latestRunId } from '../../server/hotspots/queries.ts';
import { runHotspots, type HotspotRunRequest } from '../../server/hotspots/run.ts';
import { openTestDatabase, testTargets, type TestDatabase } from '../support/db.ts';
import { capture } from '../support/capture.ts';

/** Lancashire 2023 (the demo data): 35 fatal, 871 serious and 1,856 slight collisions. */
const PRESTON = 'E07000123';

/** The HttpError a rejected request throws, with its field errors. */
async function rejection(promise: Promise<unknown>): Promise<HttpError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof HttpError) return err;
    throw err;
  }
  throw new Error('expected the request to be rejected');
}

describe.each(testTargets())('hotspot scoring runs on the $mode database (demo collisions, grid units)', (target) => {
  let db: TestDatabase;
  const count = async (sql: string, bindings: unknown[] = []) => Number((await db.knex.raw(sql, bindings as never)).rows[0].n);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'roadsafe-hotspots-'));

  beforeAll(async () => {
    db = await openTestDatabase(target);
    await importDistricts(db.knex, DEMO_FILES.districts, { startedBy: 'test' });
    await importStats19(db.knex, { collisions: DEMO_FILES.collisions, startedBy: 'test' });
  });
  afterAll(async () => {
    await db?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  let firstRun: number;

  it('scores every demo collision on a hexagon grid when no road network is loaded, storing params, period, method and value-table versions', async () => {
    const stages: Array<[number, string]> = [];
    const versionBefore = await dataVersion(db.knex, 'hotspots');
    const { runId, summary } = await runHotspots(db.knex, { startedBy: 'test', onProgress: (f, s) => void stages.push([f, s]) });
    firstRun = runId;

    const run = await db.knex('hotspot_runs').where({ id: runId }).first(
      'status',
      'scope',
      'unit_kind',
      'params',
      'filters',
      'method_version',
      'value_table_version',
      db.knex.raw(`to_char(period_from, 'YYYY-MM-DD') AS period_from, to_char(period_to, 'YYYY-MM-DD') AS period_to, to_char(camera_from, 'YYYY-MM-DD') AS camera_from`),
    );
    // The data hold one year: the period is 2023 (not five years back), the camera window 36 months.
    expect(run).toMatchObject({
      status: 'succeeded',
      scope: 'full',
      unit_kind: 'grid',
      period_from: '2023-01-01',
      period_to: '2023-12-31',
      camera_from: '2021-01-01',
      method_version: METHOD_VERSION,
      value_table_version: 'HEN1-2002',
      filters: {},
    });
    expect(run.params).toMatchObject({ ...DEFAULT_PARAMS, concernsAsOf: expect.any(String) });
    expect(summary.collisions).toMatchObject({ selected: 2762, placed: 2762, unsnapped: 0 });
    expect(summary.units.cell!.sites).toBeGreaterThan(20_000);
    expect(summary.units.cell!.candidates).toBeGreaterThan(0);

    const totals = (await db.knex.raw(`SELECT sum(fatal) AS f, sum(serious) AS s, sum(slight) AS sl, count(*) AS n, count(DISTINCT rank) AS ranks, min(rank) AS lo, max(rank) AS hi FROM hotspot_sites WHERE run_id = ?`, [runId])).rows[0];
    expect(totals).toEqual({ f: '35', s: '871', sl: '1856', n: String(summary.units.cell!.sites), ranks: String(summary.units.cell!.sites), lo: 1, hi: summary.units.cell!.sites });
    expect(await count(`SELECT count(*) AS n FROM hotspot_snaps WHERE run_id = ? AND cell_id IS NOT NULL AND site_id = 'cell:' || cell_id`, [runId])).toBe(2762);

    // Every site: EB identities hold, a candidate has P(excess) ≥ 0.95 and harm > 0, geometry in both SRIDs.
    const bad = await count(
      `SELECT count(*) AS n FROM hotspot_sites WHERE run_id = ? AND NOT (
         abs(expected_ksi - (w_ksi * mu_ksi + (1 - w_ksi) * (fatal + serious))) < 1e-9
         AND abs(expected_all - (w_all * mu_all + (1 - w_all) * (fatal + serious + slight))) < 1e-9
         AND abs(excess_ksi - (expected_ksi - mu_ksi)) < 1e-9
         AND w_ksi > 0 AND w_ksi <= 1
         AND p_excess = greatest(p_excess_ksi, p_excess_all)
         AND (NOT candidate OR (p_excess >= 0.95 AND harm_score > 0))
         AND priority_score = harm_score * concern_factor
         AND ST_SRID(geom) = 27700 AND ST_SRID(geom_4326) = 4326 AND ST_IsValid(geom)
         AND reference_group = 'cell' AND NOT eligible AND eligibility_reason LIKE 'not assessed: a grid cell%')`,
      [runId],
    );
    expect(bad).toBe(0);
    // Ranked by priority: no site outranks one with a higher priority score.
    expect(await count(`SELECT count(*) AS n FROM hotspot_sites a JOIN hotspot_sites b ON b.run_id = a.run_id AND b.rank = a.rank + 1 WHERE a.run_id = ? AND b.priority_score > a.priority_score`, [runId])).toBe(0);
    const top = await db.knex('hotspot_sites').where({ run_id: runId, rank: 1 }).first();
    expect(top).toMatchObject({ unit: 'cell', candidate: true, site_id: expect.stringMatching(/^cell:-?\d+:-?\d+$/) });
    expect(top.peak_day).toBeGreaterThanOrEqual(1);
    expect(top.peak_hour).toBeGreaterThanOrEqual(0);
    expect(Object.keys(top.road_user_counts).sort()).toEqual(['child', 'cyclist', 'motorcyclist', 'pedestrian', 'young']);

    expect(stages.map(([, s]) => s)).toEqual(expect.arrayContaining(['selecting collisions', 'snapping collisions', 'fitting models', 'storing sites', 'done']));
    expect(stages.at(-1)).toEqual([1, 'done']);
    expect(stages.map(([f]) => f)).toEqual([...stages.map(([f]) => f)].sort((a, b) => a - b));
    expect(await dataVersion(db.knex, 'hotspots')).toBe(versionBefore + 1);
    expect(await latestRunId(db.knex)).toBe(runId);
    expect(await latestRunId(db.knex, 'network')).toBeUndefined();
  });

  it('reproduces a published ranking from the stored params, and measures rank change against the previous run', async () => {
    const stored = await db.knex('hotspot_runs').where({ id: firstRun }).first('params');
    const { runId } = await runHotspots(db.knex, { params: stored.params, startedBy: 'test' });
    const pairs = await count(
      `SELECT count(*) AS n FROM hotspot_sites a JOIN hotspot_sites b ON b.site_id = a.site_id AND b.run_id = ?
       WHERE a.run_id = ? AND (a.rank IS DISTINCT FROM b.rank OR a.harm_score IS DISTINCT FROM b.harm_score OR b.previous_rank IS DISTINCT FROM a.rank OR b.rank_change <> 0)`,
      [runId, firstRun],
    );
    expect(pairs).toBe(0);
    expect((await db.knex('hotspot_runs').where({ id: runId }).first('previous_run_id')).previous_run_id).toBe(firstRun);

    // Six serious collisions at a quiet cell lift it; its rank change says by how much.
    const quiet = await db.knex('hotspot_sites').where({ run_id: runId }).andWhere('fatal', 0).andWhere('serious', 0).andWhere('slight', 1).orderBy('rank', 'desc').first('site_id', 'rank');
    await db.knex.raw(
      `INSERT INTO collisions (collision_index, collision_year, collision_reference, police_force, severity, number_of_vehicles, number_of_casualties, date, day_of_week, hour, geom, geom_4326)
       SELECT 'RANK' || g, 2023, 'RANK' || g, 4, 2, 1, 1, DATE '2023-06-01' + g, 5, 8, c.geom, ST_Transform(c.geom, 4326)
       FROM generate_series(1, 6) g, (SELECT ST_Centroid(geom) AS geom FROM hotspot_sites WHERE run_id = ? AND site_id = ?) c`,
      [runId, quiet.site_id],
    );
    try {
      const next = await runHotspots(db.knex, { params: stored.params, startedBy: 'test' });
      const moved = await db.knex('hotspot_sites').where({ run_id: next.runId, site_id: quiet.site_id }).first('rank', 'previous_rank', 'rank_change', 'serious', 'candidate');
      expect(moved).toMatchObject({ previous_rank: quiet.rank, serious: 6, candidate: true });
      expect(moved.rank).toBeLessThan(50);
      expect(moved.rank_change).toBe(quiet.rank - moved.rank);
    } finally {
      await db.knex('collisions').where('collision_index', 'like', 'RANK%').del();
    }
  });

  it('rescores one district with filters as a transient run: only that district, not published, not bumping the tiles', async () => {
    const versionBefore = await dataVersion(db.knex, 'hotspots');
    const latestBefore = await latestRunId(db.knex);
    const { runId, summary } = await runHotspots(db.knex, { districtCode: PRESTON.toLowerCase(), scope: 'rescore', filters: { severity: 'ksi' }, startedBy: 'test' });
    const prestonKsi = await count(`SELECT count(*) AS n FROM collisions WHERE district_code = ? AND severity IN (1, 2)`, [PRESTON]);
    expect(summary.collisions.selected).toBe(prestonKsi);
    const run = await db.knex('hotspot_runs').where({ id: runId }).first('scope', 'district_code', 'filters', 'previous_run_id');
    expect(run).toEqual({ scope: 'rescore', district_code: PRESTON, filters: { severity: 'ksi' }, previous_run_id: null });
    const sums = (await db.knex.raw(`SELECT sum(slight) AS slight, sum(fatal + serious) AS ksi, count(*) FILTER (WHERE previous_rank IS NOT NULL) AS with_previous FROM hotspot_sites WHERE run_id = ?`, [runId])).rows[0];
    expect(sums).toEqual({ slight: '0', ksi: String(prestonKsi), with_previous: '0' });
    // Every cell touches Preston.
    expect(await count(`SELECT count(*) AS n FROM hotspot_sites s WHERE run_id = ? AND NOT ST_Intersects(s.geom, (SELECT geom_bng FROM districts WHERE code = ?)) AND s.fatal + s.serious = 0`, [runId, PRESTON])).toBe(0);
    expect(await dataVersion(db.knex, 'hotspots')).toBe(versionBefore);
    expect(await latestRunId(db.knex)).toBe(latestBefore);
  });

  it('weighs community concern: deduplicated, decayed, enforcement categories only, raising priority by at most 25%, with a concern-only list', async () => {
    const top = await db.knex('hotspot_sites').where({ run_id: firstRun, rank: 1 }).first('site_id', 'harm_score');
    const quiet = await db.knex('hotspot_sites').where({ run_id: firstRun, fatal: 0, serious: 0, slight: 0 }).orderBy('site_id').first('site_id');
    const asOf = '2026-06-01T00:00:00Z';
    const daysBefore = (days: number) => new Date(Date.parse(asOf) - days * 86_400_000).toISOString();
    let n = 0;
    const concern = async (siteId: string, reporter: string | null, createdAt: string, extra: { category?: string; duplicateOf?: number; line?: boolean } = {}) => {
      n++;
      const geom = extra.line
        ? `ST_MakeLine(ST_Translate(ST_Centroid(s.geom), -450, -30), ST_Translate(ST_Centroid(s.geom), 450, 30))`
        : 'ST_Centroid(s.geom)';
      const { rows } = await db.knex.raw(
        `INSERT INTO concerns (reference, token_hash, category, description, reporter_key, created_at, duplicate_of, geom, geom_4326)
         SELECT ?, 'x', ?, 'cars race here', ?, ?::timestamptz, ?, g, ST_Transform(g, 4326)
         FROM (SELECT ${geom} AS g FROM hotspot_sites s WHERE s.run_id = ? AND s.site_id = ?) p RETURNING id`,
        [`CON-2026-${String(n).padStart(6, '0')}`, extra.category ?? 'speeding', reporter, createdAt, extra.duplicateOf ?? null, firstRun, siteId],
      );
      return Number(rows[0].id);
    };
    const first = await concern(top.site_id, 'r1', daysBefore(100));
    await concern(top.site_id, 'r1', daysBefore(70)); // same reporter within 90 days: not counted again
    await concern(top.site_id, 'r2', daysBefore(10));
    await concern(top.site_id, 'r3', daysBefore(465)); // a year and a quarter old: weight ½^(465/365.25)
    await concern(top.site_id, 'r4', daysBefore(5), { category: 'parking' }); // not an enforcement matter
    await concern(top.site_id, 'r5', daysBefore(5), { duplicateOf: first }); // a marked duplicate
    await concern(top.site_id, 'r6', '2026-07-01T00:00:00Z'); // after the run's as-of instant
    await concern(top.site_id, 'r7', daysBefore(1), { line: true }); // a drawn stretch through the cell and its neighbours
    for (const reporter of ['q1', 'q2', 'q3', 'q4']) await concern(quiet.site_id, reporter, daysBefore(30));

    try {
      const { runId, summary } = await runHotspots(db.knex, { params: { concernsAsOf: asOf }, startedBy: 'test' });
      expect(summary.concerns).toMatchObject({ considered: 9, matched: 9, concernOnly: 1, asOf });
      const sites = await db.knex('hotspot_sites').where({ run_id: runId }).whereNotNull('concern_ratio').select('site_id', 'concern_reports', 'concern_score', 'concern_ratio', 'concern_factor', 'concern_only', 'harm_score', 'priority_score');
      const at = (id: string) => sites.find((s) => s.site_id === id)!;
      const decay = (days: number) => 0.5 ** (days / 365.25);
      expect(at(top.site_id)).toMatchObject({ concern_reports: 4, concern_only: false });
      expect(at(top.site_id).concern_score).toBeCloseTo(decay(100) + decay(10) + decay(465) + decay(1), 9);
      expect(at(top.site_id).concern_factor).toBeGreaterThan(1);
      expect(at(top.site_id).concern_factor).toBeLessThanOrEqual(1.25);
      expect(at(top.site_id).priority_score).toBeCloseTo(at(top.site_id).harm_score * at(top.site_id).concern_factor, 6);
      // Strong concern, no excess harm: on the survey list, not raised in the ranking.
      expect(at(quiet.site_id)).toMatchObject({ concern_reports: 4, concern_only: true, harm_score: 0, priority_score: 0 });
      expect(at(quiet.site_id).concern_ratio).toBeGreaterThanOrEqual(2);
      // The stretch counts in every cell it runs through (at least the two beside the top cell).
      expect(sites.filter((s) => s.concern_reports > 0 && s.site_id !== top.site_id && s.site_id !== quiet.site_id).length).toBeGreaterThanOrEqual(2);
      expect(sites.every((s) => s.concern_factor >= 1 && s.concern_factor <= 1.25)).toBe(true);
    } finally {
      await db.knex('concerns').update({ duplicate_of: null });
      await db.knex('concerns').del();
    }
  });

  it('refuses bad input with an error naming each field, and writes nothing', async () => {
    const runsBefore = await count('SELECT count(*) AS n FROM hotspot_runs');
    const cases: Array<[HotspotRunRequest, string, RegExp]> = [
      [{ to: '2023-02-30' }, 'to', /real calendar date as YYYY-MM-DD \(got "2023-02-30"\)/],
      [{ from: '01/02/2023' }, 'from', /YYYY-MM-DD/],
      [{ from: '2023-06-01', to: '2023-01-31' }, 'from', /is after "to"/],
      [{ districtCode: 'E07999999' }, 'district', /no district E07999999 is loaded \(loaded: E06000008/],
      [{ districtCode: 'Preston' }, 'district', /ONS district code/],
      [{ unit: 'network' }, 'unit', /no road network is loaded: import one with `roadsafe import roads/],
      [{ unit: 'hexagons' as never }, 'unit', /auto, network, grid/],
      [{ filters: { roadUser: 'horse' as never } }, 'roadUser', /pedestrian, cyclist, motorcyclist, young, child/],
      [{ filters: { severity: 'minor' as never } }, 'severity', /fatal, serious, slight, ksi/],
      [{ params: { years: 0 } }, 'params.years', /at least 1 year/],
      [{ params: { junctionRadius: 20 } as never }, 'params.junctionRadius', /unknown parameter junctionRadius/],
      [{ params: { valueTableVersion: 'RAS4001-1999' } }, 'params.valueTableVersion', /No collision value table "RAS4001-1999" is loaded \(loaded: HEN1-2002\)/],
    ];
    for (const [request, field, message] of cases) {
      const err = await rejection(runHotspots(db.knex, request));
      expect(err.status).toBe(400);
      expect(err.errors, JSON.stringify(request)).toEqual(expect.arrayContaining([expect.objectContaining({ field, message: expect.stringMatching(message) })]));
    }
    // Several problems at once are all reported.
    const many = await rejection(runHotspots(db.knex, { from: 'x', to: 'y', unit: 'network' }));
    expect(many.errors?.map((e) => e.field)).toEqual(['from', 'to', 'unit']);
    expect(await count('SELECT count(*) AS n FROM hotspot_runs')).toBe(runsBefore);
  });

  it('leaves no sites or snaps when a run fails part-way, and marks the run failed with the reason', async () => {
    const versionBefore = await dataVersion(db.knex, 'hotspots');
    await db.knex.raw(`CREATE FUNCTION fail_hotspot_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full (test)'; END $$`);
    await db.knex.raw(`CREATE TRIGGER fail_hotspot_write BEFORE INSERT ON hotspot_snaps FOR EACH STATEMENT EXECUTE FUNCTION fail_hotspot_write()`);
    try {
      await expect(runHotspots(db.knex, { startedBy: 'test' })).rejects.toThrow(/disk full \(test\)/);
    } finally {
      await db.knex.raw('DROP TRIGGER fail_hotspot_write ON hotspot_snaps');
      await db.knex.raw('DROP FUNCTION fail_hotspot_write()');
    }
    const failed = await db.knex('hotspot_runs').orderBy('id', 'desc').first('id', 'status', 'message', 'finished_at');
    expect(failed).toMatchObject({ status: 'failed', message: expect.stringMatching(/disk full \(test\)/), finished_at: expect.any(Date) });
    expect(await count('SELECT count(*) AS n FROM hotspot_sites WHERE run_id = ?', [failed.id])).toBe(0);
    expect(await count('SELECT count(*) AS n FROM hotspot_snaps WHERE run_id = ?', [failed.id])).toBe(0);
    expect(await dataVersion(db.knex, 'hotspots')).toBe(versionBefore);
    expect(await latestRunId(db.knex)).not.toBe(failed.id);
  });

  it('imports a replacement collision value table, validates it line by line, and records the version each run used', async () => {
    const good = path.join(tmp, 'ras4001.csv');
    fs.writeFileSync(good, 'version,price_year,source,fatal_gbp,serious_gbp,slight_gbp\nTEST-2023,2023,"test values, £ per collision","2,000,000",230000,24000\n');
    expect(await importCollisionValues(db.knex, good, { loadedBy: 'test' })).toEqual({ inserted: ['TEST-2023'], unchanged: [], active: 'TEST-2023' });
    expect(await collisionValueTable(db.knex)).toMatchObject({ version: 'TEST-2023', fatalGbp: 2_000_000, seriousGbp: 230_000, slightGbp: 24_000 });
    expect(await importCollisionValues(db.knex, good)).toEqual({ inserted: [], unchanged: ['TEST-2023'], active: 'TEST-2023' });

    const { runId, summary } = await runHotspots(db.knex, { startedBy: 'test' });
    expect((await db.knex('hotspot_runs').where({ id: runId }).first('value_table_version')).value_table_version).toBe('TEST-2023');
    expect(summary.valueTable.version).toBe('TEST-2023');
    // Harm is in the new table's pounds: a site's harm uses its slight value and the KSI mix of the data.
    const site = await db.knex('hotspot_sites').where({ run_id: runId, rank: 1 }).first('excess_ksi', 'excess_all', 'harm_score');
    const ksiGbp = summary.fatalShareOfKsi! * 2_000_000 + (1 - summary.fatalShareOfKsi!) * 230_000;
    expect(site.harm_score).toBeCloseTo((Math.max(site.excess_ksi, 0) * ksiGbp + Math.max(site.excess_all - site.excess_ksi, 0) * 24_000) / summary.years, 4);

    const write = (name: string, text: string) => {
      const file = path.join(tmp, name);
      fs.writeFileSync(file, text);
      return file;
    };
    const header = 'version,price_year,source,fatal_gbp,serious_gbp,slight_gbp\n';
    const bad: Array<[string, RegExp]> = [
      [write('swapped.csv', `${header}A,2023,x,2000000,24000,230000\n`), /swapped\.csv line 2, column serious_gbp: "24000" must lie between slight \(230000\) and fatal/],
      [write('money.csv', `${header}A,2023,x,2000000,230000,24000\nB,2024,x,lots,230000,24000\n`), /money\.csv line 3, column fatal_gbp: "lots" is not a positive amount/],
      [write('year.csv', `${header}A,23,x,2000000,230000,24000\n`), /line 2, column price_year: "23" is not a year/],
      [write('header.csv', 'version,year,fatal,serious,slight\nA,2023,1,2,3\n'), /line 1: missing columns price_year, source, fatal_gbp, serious_gbp, slight_gbp/],
      [write('empty.csv', header), /no value rows after the header/],
      [write('changed.csv', `${header}TEST-2023,2023,x,2100000,230000,24000\n`), /version "TEST-2023" is already loaded with different values/],
    ];
    for (const [file, message] of bad) {
      await expect(importCollisionValues(db.knex, file)).rejects.toThrow(CollisionValuesError);
      await expect(importCollisionValues(db.knex, file)).rejects.toThrow(message);
    }
    // The valid first row of money.csv was not kept: a file is stored whole or not at all.
    expect(await count(`SELECT count(*) AS n FROM collision_value_tables WHERE version = 'A'`)).toBe(0);
    expect((await collisionValueTable(db.knex)).version).toBe('TEST-2023');
    await importCollisionValues(db.knex, good, { activate: 'TEST-2023' });
    await db.knex('collision_value_tables').update({ active: db.knex.raw(`version = 'HEN1-2002'`) });
  });

  it('runs from the CLI: progress on stderr, the summary and a top-10 table on stdout, clear errors for bad flags', async () => {
    const cli = async (args: string[]) => {
      const stdout = capture();
      const stderr = capture();
      const code = await runCli(['node', 'roadsafe', ...args], {
        openDb: async () => ({ ...db, close: async () => undefined }),
        stdin: Object.assign(Readable.from(['']), { isTTY: false }),
        stdout,
        stderr,
      });
      return { code, stdout: stdout.text, stderr: stderr.text };
    };
    const ok = await cli(['hotspots', 'compute', '--unit', 'grid', '--district', PRESTON]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/ 2% selecting collisions/);
    expect(ok.stderr).toMatch(/100% done/);
    expect(ok.stdout).toMatch(/^Hotspot run \d+: hexagon grid units \(no road network loaded\), 2023-01-01 to 2023-12-31/);
    expect(ok.stdout).toMatch(/cell\s+\d+ sites, \d+ candidates/);
    expect(ok.stdout).toMatch(/Top 10 cells by priority/);
    expect(ok.stdout.trim().split('\n').filter((l) => /^\d+\s+cell:/.test(l))).toHaveLength(10);

    const badDate = await cli(['hotspots', 'compute', '--to', '2023-13-01']);
    expect(badDate).toMatchObject({ code: 1, stderr: expect.stringMatching(/^Error: to: must be a real calendar date as YYYY-MM-DD \(got "2023-13-01"\)/) });
    const badDistrict = await cli(['hotspots', 'compute', '--district', 'E07999999']);
    expect(badDistrict).toMatchObject({ code: 1, stderr: expect.stringMatching(/Error: district: no district E07999999 is loaded/) });

    const file = path.join(tmp, 'cli-values.csv');
    fs.writeFileSync(file, 'version,price_year,source,fatal_gbp,serious_gbp,slight_gbp\nCLI-2024,2024,test,2100000,240000,25000\n');
    const imported = await cli(['import', 'collision-values', file]);
    expect(imported).toMatchObject({ code: 0, stdout: 'cli-values.csv: 1 new (CLI-2024), 0 already loaded; active table: CLI-2024\n' });
    const broken = path.join(tmp, 'cli-broken.csv');
    fs.writeFileSync(broken, 'version,price_year,source,fatal_gbp,serious_gbp,slight_gbp\nX,2024,test,-5,240000,25000\n');
    expect(await cli(['import', 'collision-values', broken])).toMatchObject({ code: 1, stderr: expect.stringMatching(/cli-broken\.csv line 2, column fatal_gbp: "-5" is not a positive amount/) });
    await db.knex('collision_value_tables').update({ active: db.knex.raw(`version = 'HEN1-2002'`) });
  });
});
