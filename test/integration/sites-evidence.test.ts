import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { importDistricts } from '../../server/districts/import.ts';
import { DEFAULT_SITE_CRITERIA } from '../../server/sites/eligibility.ts';
import { sitesForPlanning } from '../../server/sites/for-planning.ts';
import { importSpeedSurveys } from '../../server/sites/survey-import.ts';
import { garstangRoad, GARSTANG_RD, placeCollision, placeConcern, prestonNewRoad, PRESTON_NEW_RD } from '../fixtures/sites/support.ts';
import { useTestApp } from '../support/app.ts';
import { testTargets } from '../support/db.ts';
import { runCliOn } from '../support/capture.ts';
import { createStaff, signIn, type StaffClient } from '../support/staff.ts';

const LANCASHIRE_DISTRICTS = fileURLToPath(new URL('../../demo-data/lancashire-lad-2017.geojson', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/sites/${name}`, import.meta.url));
const read = (name: string) => fs.readFileSync(fixture(name), 'utf8');

interface Evidence {
  periodFrom: string | null;
  periodTo: string | null;
  ksi: number;
  injury: number;
  ksiPerKm: number;
  injuryPerKm: number;
  survey: null | { reference: string; surveyedFrom: string; surveyedTo: string; vehicles: number; meanMph: number; p85Mph: number; shareOverLimit: number; thresholdMph: number; shareOverThreshold: number };
  concerns: Array<{ reference: string; status: string; outcome: string | null }>;
  riskScore: number | null;
  hotspotRunId: number | null;
}
interface Site {
  id: number;
  reference: string;
  stretchLengthM: number;
  version: number;
  evidence: Evidence;
  eligibility: { eligible: boolean; tier: number | null; reasons: string[] };
}

describe.each(testTargets())('site evidence, surveys, eligibility and the planner list on the $mode database', (target) => {
  const t = useTestApp(target);
  let planner: StaffClient;
  let preston: Site;
  let garstang: Site;

  beforeAll(async () => {
    const knex = t.db.knex;
    await importDistricts(knex, LANCASHIRE_DISTRICTS);
    await createStaff(knex, 'planner@roadsafe.example.org', ['planner']);
    planner = await signIn(t.app.url, 'planner@roadsafe.example.org');
    const post = async (body: Record<string, unknown>) => {
      const res = await fetch(`${t.app.url}/api/sites`, { method: 'POST', headers: planner.headers({ csrf: true, json: true }), body: JSON.stringify(body) });
      if (res.status !== 201) throw new Error(`POST /api/sites answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as Site;
    };
    preston = await post(prestonNewRoad());
    garstang = await post(garstangRoad());

    // The newest collision in the database (far away in Chorley's direction) ends the 36-month period: 2023-01-01 … 2025-12-31.
    await placeCollision(knex, GARSTANG_RD, { severity: 3, date: '2025-12-31', offsetM: 5000 });
    // Along Preston New Rd: two KSI and one slight within 50 m, in the period…
    await placeCollision(knex, PRESTON_NEW_RD, { severity: 1, date: '2024-06-01', fraction: 0.2, offsetM: 10 });
    await placeCollision(knex, PRESTON_NEW_RD, { severity: 2, date: '2023-01-01', fraction: 0.7, offsetM: -30 });
    await placeCollision(knex, PRESTON_NEW_RD, { severity: 3, date: '2025-03-15', fraction: 0.5, offsetM: 45 });
    // …and three that do not count: 120 m off the road, before the period, and 55 m off.
    await placeCollision(knex, PRESTON_NEW_RD, { severity: 2, date: '2024-06-01', fraction: 0.5, offsetM: 120 });
    await placeCollision(knex, PRESTON_NEW_RD, { severity: 2, date: '2022-12-31', fraction: 0.5, offsetM: 0 });
    await placeCollision(knex, PRESTON_NEW_RD, { severity: 1, date: '2024-06-01', fraction: 0.4, offsetM: 55 });

    // Concerns by Garstang Rd: one 150 m away (linked), a duplicate of it (not), one 400 m away (not).
    const first = await placeConcern(knex, GARSTANG_RD, { reference: 'CON-2026-000001', offsetM: 150, status: 'outcome', outcome: 'enforcement_site' });
    await placeConcern(knex, GARSTANG_RD, { reference: 'CON-2026-000002', offsetM: 100, status: 'closed', duplicateOf: first });
    await placeConcern(knex, GARSTANG_RD, { reference: 'CON-2026-000003', offsetM: 400 });
    await knex('concern_events').insert({ concern_id: first, actor: 'reviewer@roadsafe.example.org', action: 'outcome', changes: JSON.stringify({ outcome: [null, 'enforcement_site'] }), at: '2026-02-10T09:00:00Z' });
  });

  const site = async (id: number) => (await (await fetch(`${t.app.url}/api/sites/${id}`, { headers: planner.headers() })).json()) as Site;

  describe('collision evidence', () => {
    it('counts KSI and injury collisions within 50 m over the 36 months ending at the newest collision', async () => {
      const { evidence, stretchLengthM } = await site(preston.id);
      expect(evidence).toMatchObject({ periodFrom: '2023-01-01', periodTo: '2025-12-31', ksi: 2, injury: 3 });
      expect(evidence.ksiPerKm).toBeCloseTo(2 / (stretchLengthM / 1000), 4);
      expect(evidence.injuryPerKm).toBeCloseTo(3 / (stretchLengthM / 1000), 4);
    });

    it('explains eligibility with the numbers', async () => {
      const { eligibility, stretchLengthM } = await site(preston.id);
      const perKm = (2 / (stretchLengthM / 1000)).toFixed(1);
      expect(eligibility.eligible).toBe(true);
      expect(eligibility.tier).toBe(1);
      expect(eligibility.reasons[0]).toBe(`${perKm} KSI per km over 36 months (needs ≥ 1.0 for a mobile site)`);
    });

    it('has no risk score without a hotspot run', async () => {
      expect((await site(preston.id)).evidence).toMatchObject({ riskScore: null, hotspotRunId: null });
    });

    it('gives the planner a risk from the site’s own evidence without a hotspot run (10 × KSI + injury)', async () => {
      const { sites, excluded } = await sitesForPlanning(t.db.knex, '2026-03', DEFAULT_SITE_CRITERIA);
      expect(sites.map((s) => [s.reference, s.risk, s.tier])).toEqual([['LAN-0001', 23, 1]]);
      expect(sites[0]?.reason).toMatch(/^tier 1 \(risk rank 1 of 1\): \d\.\d KSI\/km over 36 months$/);
      expect(excluded).toEqual([{ siteId: garstang.id, reason: expect.stringMatching(/^not eligible: no speed survey/) }]);
    });
  });

  describe('linked concerns', () => {
    it('lists concerns within 200 m that are not duplicates', async () => {
      expect((await site(garstang.id)).evidence.concerns).toEqual([{ reference: 'CON-2026-000001', category: 'speeding', status: 'outcome', outcome: 'enforcement_site' }]);
      expect((await site(preston.id)).evidence.concerns).toEqual([]);
    });
  });

  describe('speed surveys', () => {
    it('imports per-vehicle speeds and computes the hand-worked figures', async () => {
      const result = await importSpeedSurveys(t.db.knex, fixture('atc-garstang-rd-per-vehicle.csv'), read('atc-garstang-rd-per-vehicle.csv'));
      expect(result).toMatchObject({ shape: 'per_vehicle', rows: 10, unlinkedSiteReferences: [] });
      const { survey } = (await site(garstang.id)).evidence;
      expect(survey).toMatchObject({ reference: 'ATC-2026-014', surveyedFrom: '2026-02-02', surveyedTo: '2026-02-08', vehicles: 10, thresholdMph: 35 });
      expect(survey?.meanMph).toBeCloseTo(32, 10);
      expect(survey?.p85Mph).toBeCloseTo(37.3, 10);
      expect(survey?.shareOverLimit).toBeCloseTo(0.6, 10);
      expect(survey?.shareOverThreshold).toBeCloseTo(0.4, 10);
    });

    it('makes the community concern site eligible once the survey confirms speeding', async () => {
      const { eligibility } = await site(garstang.id);
      expect(eligibility.eligible).toBe(true);
      expect(eligibility.reasons[0]).toBe(
        'survey ATC-2026-014: 85th percentile 37.3 mph, 40% at or over the 35 mph threshold (needs an 85th percentile ≥ 35 mph or ≥ 15% at or over 35 mph)',
      );
    });

    it('imports binned counts with the CLI, interpolating within bins', async () => {
      const out = await runCliOn(t.db, ['import', 'speed-survey', fixture('atc-preston-new-rd-binned.csv')]);
      expect(out.stderr).toBe('');
      expect(out.code).toBe(0);
      expect(out.stdout).toContain('ATC-2026-009 (site LAN-0001) 2026-01-12..2026-01-18: 4000 vehicles, mean 50.5 mph, 85th percentile 57.3 mph, 49.5% over 50, 16.0% at or over 57');
      const { survey } = (await site(preston.id)).evidence;
      expect(survey?.meanMph).toBeCloseTo(50.45, 10);
      expect(survey?.p85Mph).toBeCloseTo(57 + 1 / 3, 10);
      expect(survey?.shareOverLimit).toBeCloseTo(0.495, 10);
      expect(survey?.shareOverThreshold).toBeCloseTo(0.16, 10);
    });

    it('replaces a survey imported again under the same reference', async () => {
      const again = await importSpeedSurveys(t.db.knex, fixture('atc-garstang-rd-per-vehicle.csv'), read('atc-garstang-rd-per-vehicle.csv'));
      expect(again.surveys[0]?.replaced).toBe(true);
      const { rows } = await t.db.knex.raw(`SELECT count(*) AS n FROM speed_surveys WHERE reference = 'ATC-2026-014'`);
      expect(Number(rows[0].n)).toBe(1);
      const list = (await (await fetch(`${t.app.url}/api/speed-surveys?siteId=${garstang.id}`, { headers: planner.headers() })).json()) as { surveys: Array<{ reference: string }> };
      expect(list.surveys.map((s) => s.reference)).toEqual(['ATC-2026-014']);
    });

    it('refuses a bad file with every problem by line, importing nothing', async () => {
      const out = await runCliOn(t.db, ['import', 'speed-survey', fixture('atc-bad-rows.csv')]);
      expect(out.code).toBe(1);
      expect(out.stderr).toContain('speed survey file atc-bad-rows.csv line 3, column speed_mph: "fast" is not a speed in mph (0–200)');
      expect(out.stderr).toContain('line 4, column date: "2026-02-31" is not a date as YYYY-MM-DD or DD/MM/YYYY');
      expect(out.stderr).toContain('line 5, column speed_limit_mph: "35" is not a speed limit (20, 30, 40, 50, 60, 70 mph)');
      expect(out.stderr).toContain('line 6, column speed_limit_mph: "40" differs from the 30 mph of survey ATC-2026-020 on line 2');
      expect(out.stderr).toContain('Nothing was imported.');
      const { rows } = await t.db.knex.raw(`SELECT count(*) AS n FROM speed_surveys WHERE reference = 'ATC-2026-020'`);
      expect(Number(rows[0].n)).toBe(0);
    });

    it('keeps a survey for a site not yet registered and links it when the site is added', async () => {
      const csv = 'survey_reference,site_reference,date,time,direction,speed_mph,speed_limit_mph\nATC-2026-030,LAN-0777,2026-02-02,08:00,north,41,30\nATC-2026-030,LAN-0777,2026-02-02,08:01,north,39,30\n';
      const result = await importSpeedSurveys(t.db.knex, 'later.csv', csv);
      expect(result.unlinkedSiteReferences).toEqual(['LAN-0777']);
      const res = await fetch(`${t.app.url}/api/sites`, {
        method: 'POST',
        headers: planner.headers({ csrf: true, json: true }),
        body: JSON.stringify(garstangRoad({ reference: 'LAN-0777', parkingPositions: [] })),
      });
      const created = (await res.json()) as Site;
      expect(created.evidence.survey?.reference).toBe('ATC-2026-030');
      expect(created.eligibility.reasons[0]).toBe('0 safe parking positions (needs ≥ 1)');
    });
  });

  describe('risk from the latest hotspot run', () => {
    it('adds up the harm of segments and junctions within 50 m, leaving out windows and far sites', async () => {
      const knex = t.db.knex;
      const [run] = await knex('hotspot_runs')
        .insert({ status: 'succeeded', scope: 'full', unit_kind: 'network', params: '{}', period_from: '2021-01-01', period_to: '2025-12-31', camera_from: '2023-01-01', method_version: 'test', value_table_version: 'test' })
        .returning('id');
      const hotspot = (siteId: string, unit: string, harm: number, offsetM: number) =>
        knex.raw(
          `WITH p AS (SELECT ST_Translate(ST_LineInterpolatePoint(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(?), 4326), 27700), 0.5), 0, ?) AS g)
           INSERT INTO hotspot_sites (run_id, site_id, unit, harm_score, geom, geom_4326) SELECT ?, ?, ?, ?, p.g, ST_Transform(p.g, 4326) FROM p`,
          [JSON.stringify(PRESTON_NEW_RD), offsetM, run.id, siteId, unit, harm],
        );
      await hotspot('seg:1', 'segment', 120_000, 20);
      await hotspot('jn:2', 'junction', 30_000, -40);
      await hotspot('win:1:0', 'window', 500_000, 0);
      await hotspot('seg:3', 'segment', 999_999, 300);
      await hotspot('seg:4', 'segment', -5_000, 0);
      const { evidence } = await site(preston.id);
      expect(evidence).toMatchObject({ riskScore: 150_000, hotspotRunId: run.id });
      expect((await site(garstang.id)).evidence.riskScore).toBe(0);
    });
  });

  describe('the sites the planner may use', () => {
    it('lists eligible sites with blocked dates, tier, risk, reason, concerns and where the van parks', async () => {
      await fetch(`${t.app.url}/api/sites/${garstang.id}`, {
        method: 'PATCH',
        headers: planner.headers({ csrf: true, json: true }),
        body: JSON.stringify({ version: 1, suspensions: [{ from: '2026-03-10', to: '2026-03-12', reason: 'Gas main works' }], riskAssessmentExpiresOn: '2026-03-28' }),
      });
      const { sites, excluded } = await sitesForPlanning(t.db.knex, '2026-03', DEFAULT_SITE_CRITERIA);
      expect(sites.map((s) => s.reference).sort()).toEqual(['LAN-0001', 'LAN-0002']);
      const g = sites.find((s) => s.reference === 'LAN-0002');
      expect(g?.blockedDates).toEqual(['2026-03-10', '2026-03-11', '2026-03-12', '2026-03-29', '2026-03-30', '2026-03-31']);
      expect(g?.restrictions).toEqual({ schoolTimesOnly: true });
      expect(g?.concerns).toEqual([{ id: expect.any(Number), approvedOn: '2026-02-10' }]);
      expect(g).toMatchObject({ districtCode: 'E07000123', lon: -2.7095, lat: 53.779, risk: 0, tier: 3 });
      expect(g?.x).toBeGreaterThan(350_000);
      const p = sites.find((s) => s.reference === 'LAN-0001');
      expect(p).toMatchObject({ tier: 1, risk: 150_000, blockedDates: [], districtCode: 'E07000119' });
      expect(p?.reason).toMatch(/^tier 1 \(risk rank 1 of 2\): \d\.\d KSI\/km over 36 months; 85th percentile 57\.3 mph in a 50; harm £150,000\/year$/);
      expect(excluded).toEqual([{ siteId: expect.any(Number), reason: 'not eligible: 0 safe parking positions (needs ≥ 1)' }]);
    });

    it('leaves out a site whose risk assessment expired before the month and a retired site', async () => {
      const { sites, excluded } = await sitesForPlanning(t.db.knex, '2026-04', DEFAULT_SITE_CRITERIA);
      expect(sites.map((s) => s.reference)).toEqual(['LAN-0001']);
      expect(excluded).toContainEqual({ siteId: garstang.id, reason: 'risk assessment expired on 2026-03-28' });
      await fetch(`${t.app.url}/api/sites/${preston.id}`, { method: 'DELETE', headers: planner.headers({ csrf: true }) });
      const after = await sitesForPlanning(t.db.knex, '2026-04', DEFAULT_SITE_CRITERIA);
      expect(after.sites).toEqual([]);
      expect(after.excluded.map((e) => e.siteId)).not.toContain(preston.id);
    });

    it('leaves out a site suspended all month', async () => {
      const { sites, excluded } = await sitesForPlanning(t.db.knex, '2026-03', { ...DEFAULT_SITE_CRITERIA });
      expect(sites.map((s) => s.reference)).toEqual(['LAN-0002']);
      const current = await site(garstang.id);
      await fetch(`${t.app.url}/api/sites/${garstang.id}`, {
        method: 'PATCH',
        headers: planner.headers({ csrf: true, json: true }),
        body: JSON.stringify({ version: current.version, suspensions: [{ from: '2026-02-20', to: '2026-04-05', reason: 'Bridge rebuilt' }] }),
      });
      const after = await sitesForPlanning(t.db.knex, '2026-03', DEFAULT_SITE_CRITERIA);
      expect(after.sites).toEqual([]);
      expect(after.excluded).toContainEqual({ siteId: garstang.id, reason: 'suspended every day of 2026-03' });
      expect(excluded.length).toBe(1);
    });
  });
});
