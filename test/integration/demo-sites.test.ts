import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalName, deriveFromFiles, LOCALITY_SPELLINGS, parseSiteLine, toGeoJson } from '../../scripts/derive-demo-sites.ts';
import { DEMO_SITES_FILE, loadVanPlanningDemo } from '../../server/demo/van-planning-seed.ts';
import { importDistricts } from '../../server/districts/import.ts';
import { publishedSiteText } from '../../server/sites/text.ts';
import { vansForPlanning } from '../../server/vans/for-planning.ts';
import { openTestDatabase, testTargets, type TestDatabase } from '../support/db.ts';

const DISTRICTS = fileURLToPath(new URL('../../demo-data/lancashire-lad-2017.geojson', import.meta.url));
const SHARED_DATA = fileURLToPath(new URL('../../../shared/data', import.meta.url));
interface DemoProperties {
  reference: string;
  category: string;
  roadNumber: string;
  locality: string;
  demo: boolean;
  derivation: string;
  sourceLines: Array<{ month: string; category: string; text: string }>;
}
const demoFile = JSON.parse(fs.readFileSync(DEMO_SITES_FILE, 'utf8')) as {
  features: Array<{ properties: DemoProperties; geometry: { coordinates: number[][] } }>;
  skipped: Array<{ texts: string[]; reason: string }>;
};
/** The spellings a locality may have in the source lines (the newspapers misspelt a few). */
const spellings = (locality: string) => [locality, ...Object.entries(LOCALITY_SPELLINGS).filter(([, right]) => right === locality).map(([wrong]) => wrong)];

describe('parsing the published site lines', () => {
  const places = ['Fulwood', 'Euxton', 'Thornton', 'Heysham', 'Pilling'];

  it('splits road number, name, qualifier, direction, limit and locality', () => {
    expect(parseSiteLine('A584 Preston New Rd From Clifton Business Park To Blackpool Rd Eastbound (50mph), Freckleton', 'A584', places)).toEqual({
      roadNumber: 'A584',
      roadName: 'Preston New Rd',
      qualifier: 'from Clifton Business Park to Blackpool Rd',
      direction: 'eastbound',
      speedLimit: 50,
      locality: 'Freckleton',
    });
  });

  it('finds a locality written without a comma, and a qualifier without "from"', () => {
    expect(parseSiteLine('A6 Garstang Road Fulwood', 'A6', places)).toMatchObject({ roadName: 'Garstang Road', locality: 'Fulwood', qualifier: null });
    expect(parseSiteLine('B5268, Fleetwood Road South,Victoria Road East To Norcross Roundabout (30mph) Thornton', 'B5268', places)).toMatchObject({
      roadName: 'Fleetwood Road South',
      qualifier: 'from Victoria Road East to Norcross Roundabout',
      speedLimit: 30,
      locality: 'Thornton',
    });
  });

  it('reads "nr", "between … and …", NSL and a repeated locality', () => {
    expect(parseSiteLine('A588 Lancaster Rd Pilling, nr to Taylors Lane, Pilling', 'A588', places)).toMatchObject({ roadName: 'Lancaster Rd', qualifier: 'near Taylors Lane', locality: 'Pilling' });
    expect(parseSiteLine('A584 Preston New Road between Lytham Road and Clifton Business park Eastbound (50mph)', 'A584', places)).toMatchObject({
      qualifier: 'from Lytham Road to Clifton Business park',
      locality: null,
    });
    expect(parseSiteLine('A683 Lancaster – Morecambe By-Pass (NSL) Heysham', 'A683', places)).toMatchObject({ speedLimit: 'NSL', locality: 'Heysham' });
  });

  it('corrects the newspapers’ misspelt localities and compares road names loosely', () => {
    expect(parseSiteLine('A581 Dawbers Lane, Exton', 'A581', places).locality).toBe('Euxton');
    expect(canonicalName('Longton By Pass')).toBe(canonicalName('Longton Bypass'));
    expect(canonicalName('Coppull Road/New Road')).toBe(canonicalName('New Road / Coppull Rd'));
  });
});

describe('the derived demo register file', () => {
  const features = demoFile.features;

  it('has one site per distinct published site, every one marked demo with its derivation', () => {
    expect(features.length).toBeGreaterThanOrEqual(50);
    for (const f of features) {
      expect(f.properties.demo).toBe(true);
      expect(String(f.properties.derivation)).toMatch(/^Published as ".+"/);
    }
    const texts = features.flatMap((f) => f.properties.sourceLines.map((l) => `${l.month}|${l.text}`));
    expect(new Set(texts).size).toBe(texts.length);
  });

  it('keeps to the source lines: road number as published and the locality named in a source line', () => {
    for (const f of features) {
      const p = f.properties;
      const sources = p.sourceLines;
      for (const line of sources) if (/^[ABM]\d+/.test(line.text)) expect(line.text.startsWith(p.roadNumber)).toBe(true);
      const named = sources.some((l) => spellings(p.locality).some((name) => l.text.toLowerCase().includes(name.toLowerCase())));
      const explained = /not named in the line|Locality: the district name/.test(p.derivation);
      expect(named || explained, `${p.roadNumber} ${p.locality}`).toBe(true);
    }
  });

  it('maps the partnership categories: mobile → mobile_route, Speed Management and RoadWatch → community_concern, Motorways → motorway', () => {
    const byCategory = (c: string) => features.filter((f) => f.properties.sourceLines[0]!.category === c).map((f) => f.properties.category);
    expect(new Set(byCategory('mobile'))).toEqual(new Set(['mobile_route']));
    expect(new Set([...byCategory('Speed Management'), ...byCategory('Lancashire RoadWatch')])).toEqual(new Set(['community_concern']));
    expect(byCategory('Motorways')).toEqual(['motorway', 'motorway', 'motorway', 'motorway']);
  });

  it('reports each published line it could not place, with the reason', () => {
    for (const s of demoFile.skipped) expect(s.reason.length).toBeGreaterThan(20);
    expect(demoFile.skipped.flatMap((s) => s.texts)).toContain('Simonstone Lane (30mph), Simonstone');
  });

  it.skipIf(!fs.existsSync(SHARED_DATA))('is exactly what scripts/derive-demo-sites.ts derives from the sources today', () => {
    expect(JSON.parse(JSON.stringify(toGeoJson(deriveFromFiles(SHARED_DATA))))).toEqual(demoFile);
  });
});

describe.each(testTargets())('loading the van planning demo on the $mode database', (target) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase(target);
    await importDistricts(db.knex, DISTRICTS);
  });
  afterAll(async () => db?.close());

  it('loads the register, three bases, eight vans and the default shifts', async () => {
    const result = await loadVanPlanningDemo(db.knex);
    expect(result).toEqual({ sites: demoFile.features.length, bases: 3, vans: 8, shiftTemplates: 3 });
    const bases = await db.knex('van_bases').orderBy('name').select('name', 'demo');
    expect(bases).toEqual([
      { name: 'Blackburn (demo base)', demo: true },
      { name: 'Lancaster (demo base)', demo: true },
      { name: 'Preston (demo base)', demo: true },
    ]);
  });

  it('is idempotent: a second load adds nothing', async () => {
    expect(await loadVanPlanningDemo(db.knex)).toEqual({ sites: 0, bases: 0, vans: 0, shiftTemplates: 0 });
    expect(Number((await db.knex.raw('SELECT count(*) AS n FROM enforcement_sites')).rows[0].n)).toBe(demoFile.features.length);
    expect(Number((await db.knex.raw('SELECT count(*) AS n FROM vans')).rows[0].n)).toBe(8);
  });

  it('gives every site a stretch 0.4–5 km long inside Lancashire, in the district it names', async () => {
    const { rows } = await db.knex.raw(`
      WITH area AS (SELECT ST_Union(geom_bng) AS g FROM districts)
      SELECT s.reference, ST_Length(s.geom) AS length_m, s.stretch_length_m,
             -- 300 m of slack: the district boundaries are generalised.
             ST_CoveredBy(s.geom, ST_Buffer(area.g, 300)) AS inside,
             EXISTS (SELECT 1 FROM districts d WHERE d.code = s.district_code AND ST_DWithin(d.geom_bng, s.geom, 300)) AS in_district
      FROM enforcement_sites s, area`);
    expect(rows).toHaveLength(demoFile.features.length);
    for (const r of rows) {
      expect(Number(r.length_m), r.reference).toBeGreaterThanOrEqual(400);
      expect(Number(r.length_m), r.reference).toBeLessThanOrEqual(5000);
      expect(Number(r.stretch_length_m)).toBeCloseTo(Number(r.length_m), 3);
      expect(r.inside, r.reference).toBe(true);
      expect(r.in_district, r.reference).toBe(true);
    }
  });

  it('stores valid limits, demo flags, a parking position on the stretch and a derivation per site', async () => {
    const { rows } = await db.knex.raw(`
      SELECT reference, speed_limit_mph, demo, demo_derivation, parking_positions, risk_assessed_on::text AS assessed, risk_assessment_expires_on::text AS expires,
             ST_Distance(geom, ST_Transform(ST_SetSRID(ST_MakePoint((parking_positions->0->>'lon')::float, (parking_positions->0->>'lat')::float), 4326), 27700)) AS parking_off_m
      FROM enforcement_sites`);
    for (const r of rows) {
      expect([20, 30, 40, 50, 60, 70]).toContain(Number(r.speed_limit_mph));
      expect(r.demo).toBe(true);
      expect(r.demo_derivation).toMatch(/^Published as/);
      expect(Number(r.parking_off_m), r.reference).toBeLessThan(5);
      // Assessed within the year before 2026-11-01, valid for a year.
      expect(r.assessed >= '2025-11-01' && r.assessed < '2026-11-01').toBe(true);
      expect(r.expires > '2026-11-01').toBe(true);
    }
  });

  it('publishes each site in the partnership format with its source road number and locality', async () => {
    const rows = await db.knex('enforcement_sites').select('reference', 'road_number', 'road_name', 'qualifier', 'direction', 'speed_limit_mph', 'limit_kind', 'locality');
    const byReference = new Map(demoFile.features.map((f) => [f.properties.reference, f.properties]));
    for (const r of rows) {
      const text = publishedSiteText({
        roadNumber: r.road_number,
        roadName: r.road_name,
        qualifier: r.qualifier,
        direction: r.direction,
        speedLimitMph: r.speed_limit_mph,
        limitKind: r.limit_kind,
        locality: r.locality,
      });
      const source = byReference.get(r.reference)!;
      expect(text.startsWith(`${r.road_number} `)).toBe(true);
      expect(text.endsWith(`, ${r.locality}`)).toBe(true);
      expect(source.sourceLines.some((l) => l.text.startsWith(r.road_number) || !/^[ABM]\d/.test(l.text))).toBe(true);
    }
    const freckleton = rows.find((r: { qualifier: string | null }) => r.qualifier === 'from Clifton Business Park to Blackpool Rd');
    expect(publishedSiteText({ ...freckleton, roadNumber: freckleton.road_number, roadName: freckleton.road_name, speedLimitMph: freckleton.speed_limit_mph })).toBe(
      'A584 Preston New Rd, from Clifton Business Park to Blackpool Rd, eastbound (50mph), Freckleton',
    );
  });

  it('records the creation of every site in its audit trail, by "demo"', async () => {
    const { rows } = await db.knex.raw(`SELECT count(DISTINCT site_id) AS sites, count(*) AS rows, bool_and(actor = 'demo' AND action = 'create') AS all_demo FROM site_changes`);
    expect(Number(rows[0].sites)).toBe(demoFile.features.length);
    expect(Number(rows[0].rows)).toBe(demoFile.features.length);
    expect(rows[0].all_demo).toBe(true);
  });

  it('gives the planner eight vans at their bases with the demo maintenance days', async () => {
    const { vans, shifts } = await vansForPlanning(db.knex, '2026-12');
    expect(vans.map((v) => v.callSign)).toEqual(['VAN-01', 'VAN-02', 'VAN-03', 'VAN-04', 'VAN-05', 'VAN-06', 'VAN-07', 'VAN-08']);
    expect(vans.find((v) => v.callSign === 'VAN-05')!.unavailableDates).toEqual(['2026-12-07', '2026-12-08']);
    expect(vans.find((v) => v.callSign === 'VAN-08')!.shiftCodes).toEqual(['early', 'late', 'weekend']);
    expect(shifts.map((s) => `${s.code} ${s.starts}–${s.ends}`)).toEqual(['early 07:00–14:30', 'weekend 09:00–17:00', 'late 14:30–22:00']);
  });
});
