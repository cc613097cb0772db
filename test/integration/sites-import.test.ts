import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { importDistricts } from '../../server/districts/import.ts';
import { garstangRoad, placeCollision, prestonNewRoad, PRESTON_NEW_RD } from '../fixtures/sites/support.ts';
import { useTestApp } from '../support/app.ts';
import { runCliOn } from '../support/capture.ts';
import { testTargets } from '../support/db.ts';
import { createStaff, signIn, type StaffClient } from '../support/staff.ts';

const LANCASHIRE_DISTRICTS = fileURLToPath(new URL('../../demo-data/lancashire-lad-2017.geojson', import.meta.url));

interface ImportAnswer {
  rows?: number;
  inserted?: number;
  updated?: number;
  unchanged?: number;
  message?: string;
  errors?: Array<{ line: number; field: string; value: string; message: string }>;
}

describe.each(testTargets())('register CSV import and export on the $mode database', (target) => {
  const t = useTestApp(target);
  let planner: StaffClient;
  let analyst: StaffClient;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sites-import-'));

  beforeAll(async () => {
    await importDistricts(t.db.knex, LANCASHIRE_DISTRICTS);
    await createStaff(t.db.knex, 'planner@roadsafe.example.org', ['planner']);
    await createStaff(t.db.knex, 'analyst@roadsafe.example.org', ['analyst']);
    planner = await signIn(t.app.url, 'planner@roadsafe.example.org');
    analyst = await signIn(t.app.url, 'analyst@roadsafe.example.org');
    for (const body of [
      prestonNewRoad({
        parkingPositions: [
          { lon: -2.8801, lat: 53.7566, directions: ['eastbound', 'westbound'], description: 'Lay-by; opposite the garden centre | north side' },
          { lon: -2.8702, lat: 53.7567, directions: ['eastbound'], description: null },
        ],
        suspensions: [{ from: '2026-03-02', to: '2026-03-06', reason: 'Resurfacing; lane closures' }],
        timeRestrictions: { daylightOnly: true, windows: [{ from: '07:00', to: '19:00' }] },
        visibilityM: 150,
        notes: 'Park facing east, "cones" in the van',
      }),
      garstangRoad(),
    ]) {
      const res = await fetch(`${t.app.url}/api/sites`, { method: 'POST', headers: planner.headers({ csrf: true, json: true }), body: JSON.stringify(body) });
      if (res.status !== 201) throw new Error(await res.text());
    }
  });

  const exportCsv = async () => (await fetch(`${t.app.url}/api/sites?format=csv`, { headers: planner.headers() })).text();
  const upload = async (csv: string, client = planner, file = 'register.csv') => {
    const res = await fetch(`${t.app.url}/api/sites/import?file=${file}`, { method: 'POST', headers: { ...client.headers({ csrf: true }), 'Content-Type': 'text/csv' }, body: csv });
    return { status: res.status, body: (await res.json()) as ImportAnswer };
  };

  it('exports the register with the documented columns', async () => {
    const csv = await exportCsv();
    const [header, first] = csv.split('\r\n');
    expect(header).toBe(
      'reference,category,road_number,road_name,qualifier,direction,locality,district_code,highway_authority,speed_limit_mph,limit_kind,stretch_wkt,parking,' +
        'risk_assessed_on,risk_assessment_expires_on,daylight_only,no_weekends,school_times_only,time_windows,suspensions,warning_signs,visibility_m,notes',
    );
    expect(first).toContain('LAN-0001,mobile_route,A584,Preston New Rd,from Clifton Business Park to Blackpool Rd,eastbound,Freckleton,E07000119');
    expect(first).toContain('"LINESTRING(-2.89 53.756, -2.875 53.7565, -2.866 53.7568)"');
    expect(first).toContain(",'-2.8801 53.7566 eastbound/westbound | Lay-by\\; opposite the garden centre \\| north side; -2.8702 53.7567 eastbound,");
    expect(first).toContain('2026-03-02..2026-03-06 Resurfacing\\; lane closures');
  });

  it('imports its own export back without changing anything', async () => {
    const res = await upload(await exportCsv());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ rows: 2, inserted: 0, updated: 0, unchanged: 2 });
  });

  it('adds new references and changes known ones, recording the import as the actor', async () => {
    const csv = (await exportCsv()).replace('eastbound,Freckleton', 'both directions,Freckleton').replace(/LAN-0002,/, 'LAN-0003,');
    const res = await upload(csv, planner, 'march-review.csv');
    expect(res.body).toMatchObject({ rows: 2, inserted: 1, updated: 1, unchanged: 0 });
    const sites = ((await (await fetch(`${t.app.url}/api/sites`, { headers: planner.headers() })).json()) as { sites: Array<{ id: number; reference: string; direction: string; version: number; parkingPositions: unknown[]; timeRestrictions: unknown; suspensions: unknown; notes: string }> }).sites;
    const preston = sites.find((s) => s.reference === 'LAN-0001');
    expect(preston).toMatchObject({ direction: 'both directions', version: 2, notes: 'Park facing east, "cones" in the van' });
    expect(preston?.parkingPositions).toEqual([
      { lon: -2.8801, lat: 53.7566, directions: ['eastbound', 'westbound'], description: 'Lay-by; opposite the garden centre | north side' },
      { lon: -2.8702, lat: 53.7567, directions: ['eastbound'], description: null },
    ]);
    expect(preston?.timeRestrictions).toEqual({ daylightOnly: true, windows: [{ from: '07:00', to: '19:00' }] });
    expect(preston?.suspensions).toEqual([{ from: '2026-03-02', to: '2026-03-06', reason: 'Resurfacing; lane closures' }]);
    expect(sites.map((s) => s.reference)).toEqual(['LAN-0001', 'LAN-0002', 'LAN-0003']);
    const { changes } = (await (await fetch(`${t.app.url}/api/sites/${preston?.id}/changes`, { headers: planner.headers() })).json()) as { changes: Array<{ actor: string; action: string; fields: string[]; reason: string }> };
    expect(changes.at(-1)).toMatchObject({ actor: 'import:march-review.csv', action: 'import', fields: ['direction'], reason: 'uploaded by planner@roadsafe.example.org' });
  });

  it('refuses a file with problems, naming line, column and value, and imports nothing', async () => {
    const header = (await exportCsv()).split('\r\n')[0];
    const good = '"LINESTRING(-2.89 53.756, -2.866 53.7568)"';
    const csv = [
      header,
      `LAN-0500,mobile_route,A584,Preston New Rd,,,Freckleton,,,50,limit,${good},-2.88 53.7566 eastbound,2026-01-01,2027-01-01,,,,,,,,`,
      `LAN-0501,mobile_route,A584,Preston New Rd,,,Freckleton,,,45,limit,${good},-2.88 53.7566 eastbound,2026-01-01,2027-01-01,,,,,,,,`,
      `LAN-0502,mobile_route,A584,Preston New Rd,,,Freckleton,,,50,limit,LINESTRING(1 2),-2.88 53.7566,2026-01-01,2027-01-01,perhaps,,,25:00-26:00,,,,`,
      `LAN-0500,mobile_route,A584,Preston New Rd,,,Freckleton,E99999999,,50,limit,${good},,2026-01-01,2027-01-01,,,,,,,,`,
      `LAN-0503,mobile_route,A584,Preston New Rd,,,Freckleton,E99999999,,50,limit,${good},,2026-01-01,2027-01-01,,,,,,,,`,
    ].join('\n');
    const res = await upload(csv);
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual(
      expect.arrayContaining([
        { line: 3, field: 'speed_limit_mph', value: '45', message: 'must be one of 20, 30, 40, 50, 60, 70 (mph)' },
        expect.objectContaining({ line: 4, field: 'parking', message: expect.stringContaining('not "lon lat direction/direction | description"') }),
        expect.objectContaining({ line: 4, field: 'daylight_only', value: 'perhaps', message: 'is not true or false (yes/no, 1/0)' }),
        expect.objectContaining({ line: 4, field: 'time_windows' }),
        { line: 5, field: 'reference', value: 'LAN-0500', message: 'appears again (first on line 2); each site has one row' },
      ]),
    );
    expect(res.body.message).toContain('sites file register.csv line 3, column speed_limit_mph: "45" must be one of 20, 30, 40, 50, 60, 70 (mph)');
    // Problems the database finds (an unknown district) are reported by line too, and roll everything back.
    const second = await upload([header, `LAN-0500,mobile_route,A584,Preston New Rd,,,Freckleton,,,50,limit,${good},,2026-01-01,2027-01-01,,,,,,,,`, csv.split('\n')[5]].join('\n'));
    expect(second.status).toBe(422);
    expect(second.body.errors).toEqual([{ line: 3, field: 'district_code', value: 'E99999999', message: '"E99999999" is not a loaded district code (ONS code, e.g. E07000123)' }]);
    const refs = ((await (await fetch(`${t.app.url}/api/sites`, { headers: planner.headers() })).json()) as { sites: Array<{ reference: string }> }).sites.map((s) => s.reference);
    expect(refs).not.toContain('LAN-0500');
  });

  it('answers 415 without a CSV body and 403 to analysts', async () => {
    const res = await fetch(`${t.app.url}/api/sites/import`, { method: 'POST', headers: planner.headers({ csrf: true, json: true }), body: '{}' });
    expect(res.status).toBe(415);
    expect((await upload('reference\n', analyst)).status).toBe(403);
  });

  it('imports from the command line, with the columns in --help', async () => {
    const file = path.join(tmp, 'cli-sites.csv');
    fs.writeFileSync(file, (await exportCsv()).replace('LAN-0003,', 'LAN-0004,'));
    const out = await runCliOn(t.db, ['import', 'sites', file]);
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe('cli-sites.csv: 3 sites — 1 new, 0 changed, 2 unchanged\n');
    const help = await runCliOn(t.db, ['import', 'sites', '--help']);
    expect(help.stdout).toContain('stretch_wkt*                  LINESTRING(lon lat, lon lat, ...) in WGS84');
    const bad = path.join(tmp, 'bad.csv');
    fs.writeFileSync(bad, 'reference,category\nLAN-9,mobile_route\n');
    const failed = await runCliOn(t.db, ['import', 'sites', bad]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('sites file bad.csv line 1: the header has no road_name column');
  });

  it('lists 600 sites with their evidence in one go, quickly', async () => {
    const knex = t.db.knex;
    // 600 copies of the Preston New Rd stretch, 100 m apart northwards, and 3,000 collisions around them.
    await knex.raw(
      `INSERT INTO enforcement_sites (reference, category, road_name, locality, district_code, speed_limit_mph, stretch_length_m, parking_positions, risk_assessed_on, geom, geom_4326)
       SELECT 'BULK-' || lpad(i::text, 4, '0'), 'mobile_route', 'Bulk Rd', 'Freckleton', 'E07000119', 40, ST_Length(g), '[{"lon": -2.88, "lat": 53.75, "directions": ["east"]}]', '2026-01-01',
              g, ST_Transform(g, 4326)
       FROM generate_series(1, 600) i, LATERAL (SELECT ST_Translate(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(?), 4326), 27700), 0, i * 100) AS g) x`,
      [JSON.stringify(PRESTON_NEW_RD)],
    );
    for (let i = 0; i < 30; i++) await placeCollision(knex, PRESTON_NEW_RD, { severity: 2, date: '2025-06-01', fraction: i / 30, offsetM: 100 * i + 5 });
    await knex.raw(
      `INSERT INTO collisions (collision_index, collision_year, collision_reference, police_force, severity, number_of_vehicles, number_of_casualties, date, day_of_week, geom, geom_4326)
       SELECT 'BULKC' || i, 2025, 'BULKC' || i, 4, 1 + i % 3, 1, 1, '2025-01-01'::date + (i % 300), 1, g, ST_Transform(g, 4326)
       FROM generate_series(1, 3000) i,
            LATERAL (SELECT ST_Translate(ST_LineInterpolatePoint(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(?), 4326), 27700), (i % 97) / 97.0), 0, (i % 600) * 100 + (i % 7) * 10) AS g) x`,
      [JSON.stringify(PRESTON_NEW_RD)],
    );
    await knex.raw('ANALYZE collisions');
    const started = Date.now();
    const res = await fetch(`${t.app.url}/api/sites?category=mobile_route`, { headers: planner.headers() });
    const body = (await res.json()) as { sites: Array<{ reference: string; evidence: { injury: number } }> };
    const ms = Date.now() - started;
    expect(body.sites.filter((s) => s.reference.startsWith('BULK-'))).toHaveLength(600);
    expect(body.sites.find((s) => s.reference === 'BULK-0001')?.evidence.injury).toBeGreaterThan(0);
    expect(ms).toBeLessThan(10_000);
  });
});
