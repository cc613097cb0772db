import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { dataVersion } from '../../server/db/data-versions.ts';
import { importDistricts } from '../../server/districts/import.ts';
import { lineLengthM } from '../../server/concerns/model.ts';
import { garstangRoad, prestonNewRoad, PRESTON_NEW_RD } from '../fixtures/sites/support.ts';
import { startTestApp, useTestApp } from '../support/app.ts';
import { testTargets } from '../support/db.ts';
import { createStaff, signIn, type StaffClient } from '../support/staff.ts';

const LANCASHIRE_DISTRICTS = fileURLToPath(new URL('../../demo-data/lancashire-lad-2017.geojson', import.meta.url));

interface Site {
  id: number;
  reference: string;
  districtCode: string | null;
  districtName: string | null;
  stretchLengthM: number;
  version: number;
  publishedText: string;
  retiredAt: string | null;
  qualifier: string | null;
  eligibility: { eligible: boolean; tier: number | null; reasons: string[] };
  [key: string]: unknown;
}
interface Problem {
  message: string;
  errors?: Array<{ field: string; code: string; message: string }>;
}

describe.each(testTargets())('the site register API on the $mode database', (target) => {
  const t = useTestApp(target);
  let planner: StaffClient;
  let analyst: StaffClient;
  let reviewer: StaffClient;

  beforeAll(async () => {
    await importDistricts(t.db.knex, LANCASHIRE_DISTRICTS);
    await createStaff(t.db.knex, 'planner@roadsafe.example.org', ['planner']);
    await createStaff(t.db.knex, 'analyst@roadsafe.example.org', ['analyst']);
    await createStaff(t.db.knex, 'reviewer@roadsafe.example.org', ['reviewer']);
    planner = await signIn(t.app.url, 'planner@roadsafe.example.org');
    analyst = await signIn(t.app.url, 'analyst@roadsafe.example.org');
    reviewer = await signIn(t.app.url, 'reviewer@roadsafe.example.org');
  });

  const get = async (url: string, client: StaffClient | null = planner) => fetch(`${t.app.url}${url}`, { headers: client?.headers() ?? {} });
  const send = async (method: string, url: string, body?: unknown, client: StaffClient = planner) => {
    const res = await fetch(`${t.app.url}${url}`, { method, headers: client.headers({ csrf: true, json: true }), body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Site & Problem };
  };

  describe('access', () => {
    it('answers 401 to anonymous callers and 403 to roles outside the register', async () => {
      expect((await get('/api/sites', null)).status).toBe(401);
      expect((await get('/api/site-criteria', null)).status).toBe(401);
      expect((await get('/api/speed-surveys', null)).status).toBe(401);
      expect((await get('/api/sites', reviewer)).status).toBe(403);
    });

    it('lets analysts read but not change the register', async () => {
      expect((await get('/api/sites', analyst)).status).toBe(200);
      expect((await send('POST', '/api/sites', prestonNewRoad(), analyst)).status).toBe(403);
    });
  });

  describe('creating a site', () => {
    let created: Site;
    it('stores the record, derives its length and district, and answers 201 with the published text', async () => {
      const before = await dataVersion(t.db.knex, 'sites');
      const res = await send('POST', '/api/sites', prestonNewRoad());
      expect(res.status).toBe(201);
      created = res.body;
      expect(created).toMatchObject({
        reference: 'LAN-0001',
        districtCode: 'E07000119',
        districtName: 'Fylde',
        version: 1,
        retiredAt: null,
        publishedText: 'A584 Preston New Rd, from Clifton Business Park to Blackpool Rd, eastbound (50mph), Freckleton',
        limitKind: 'limit',
        warningSigns: true,
        timeRestrictions: {},
        suspensions: [],
        stretch: PRESTON_NEW_RD,
      });
      // ST_Length in EPSG:27700 agrees with the great-circle length to within half a percent.
      expect(Math.abs(created.stretchLengthM / lineLengthM(PRESTON_NEW_RD.coordinates) - 1)).toBeLessThan(0.005);
      expect(await dataVersion(t.db.knex, 'sites')).toBe(before + 1);
    });

    it('records the creation with the staff email', async () => {
      const { changes } = (await (await get(`/api/sites/${created.id}/changes`)).json()) as { changes: Array<Record<string, unknown>> };
      expect(changes).toHaveLength(1);
      expect(changes[0]).toMatchObject({ actor: 'planner@roadsafe.example.org', action: 'create', before: null, reason: null });
      expect(changes[0]?.fields).toContain('reference');
      expect((changes[0]?.after as Site).reference).toBe('LAN-0001');
    });

    it('keeps a given district and refuses an unknown one', async () => {
      const res = await send('POST', '/api/sites', garstangRoad({ districtCode: 'E99999999' }));
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'body.districtCode', message: expect.stringContaining('"E99999999" is not a loaded district code') })]);
      const ok = await send('POST', '/api/sites', garstangRoad());
      expect(ok.status).toBe(201);
      expect(ok.body).toMatchObject({ districtCode: 'E07000123', publishedText: 'A6 Garstang Rd, near St Anthony’s Primary School, both directions (30mph), Fulwood' });
    });

    it('answers 409 for a reference already in the register', async () => {
      const res = await send('POST', '/api/sites', prestonNewRoad());
      expect(res.status).toBe(409);
      expect(res.body.message).toContain('LAN-0001 is already used');
    });

    it('answers 400 naming each bad field', async () => {
      const res = await send(
        'POST',
        '/api/sites',
        prestonNewRoad({
          reference: 'LAN 3',
          category: 'camera',
          speedLimitMph: 45,
          roadNumber: 'Preston',
          stretch: { type: 'LineString', coordinates: [[-2.89, 53.756]] },
          parkingPositions: [{ lon: 2.35, lat: 48.85, directions: ['eastbound'] }, { lon: -2.88, lat: 53.756, directions: [] }],
          riskAssessedOn: '2026-02-30',
          suspensions: [{ from: '2026-03-10', to: '2026-03-01', reason: 'roadworks' }],
          timeRestrictions: { windows: [{ from: '09:00', to: '07:00' }] },
        }),
      );
      expect(res.status).toBe(400);
      const byField = Object.fromEntries((res.body.errors ?? []).map((e) => [e.field, e.message]));
      expect(byField['body.reference']).toContain('letters, digits');
      expect(byField['body.category']).toBe('must be one of: mobile_route, community_concern, motorway, fixed_site');
      expect(byField['body.speedLimitMph']).toBe('must be one of 20, 30, 40, 50, 60, 70 (mph)');
      expect(byField['body.roadNumber']).toContain('road number such as A584');
      expect(byField['body.stretch.coordinates']).toBe('a stretch needs at least 2 points');
      expect(byField['body.parkingPositions.0.lon']).toContain('[2.35, 48.85] is not in the United Kingdom');
      expect(byField['body.parkingPositions.1.directions']).toContain('name at least one direction');
      expect(byField['body.riskAssessedOn']).toBe('must be a real date as YYYY-MM-DD');
      expect(byField['body.suspensions.0.to']).toBe('a suspension ends on or after the day it starts');
      expect(byField['body.timeRestrictions.windows.0']).toBe('a window ends after it starts (same day)');
    });

    it('refuses a risk assessment that expires before it was made, and a stretch outside every district', async () => {
      const expired = await send('POST', '/api/sites', prestonNewRoad({ reference: 'LAN-0009', riskAssessedOn: '2026-01-10', riskAssessmentExpiresOn: '2025-01-09' }));
      expect(expired.status).toBe(400);
      expect(expired.body.errors?.[0]).toMatchObject({ field: 'body.riskAssessmentExpiresOn', message: 'expires 2025-01-09, before the assessment of 2026-01-10' });
      const manchester = await send(
        'POST',
        '/api/sites',
        prestonNewRoad({ reference: 'LAN-0010', stretch: { type: 'LineString', coordinates: [[-2.24, 53.48], [-2.23, 53.477]] } }),
      );
      expect(manchester.status).toBe(400);
      expect(manchester.body.errors?.[0]).toMatchObject({ field: 'body.stretch', code: 'outside_area' });
    });
  });

  describe('changing and retiring a site', () => {
    let site: Site;
    beforeAll(async () => {
      site = (await send('POST', '/api/sites', prestonNewRoad({ reference: 'LAN-0100', direction: 'westbound' }))).body;
    });

    it('changes the fields sent, bumps the version and records before, after and the reason', async () => {
      const res = await send('PATCH', `/api/sites/${site.id}`, { version: 1, qualifier: 'from Naze Lane to Lytham Rd', reason: 'Stretch renamed after the survey' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ version: 2, qualifier: 'from Naze Lane to Lytham Rd', direction: 'westbound', publishedText: 'A584 Preston New Rd, from Naze Lane to Lytham Rd, westbound (50mph), Freckleton' });
      const { changes } = (await (await get(`/api/sites/${site.id}/changes`)).json()) as { changes: Array<{ action: string; fields: string[]; before: Site; after: Site; reason: string }> };
      expect(changes.map((c) => c.action)).toEqual(['create', 'update']);
      expect(changes[1]).toMatchObject({ fields: ['qualifier'], reason: 'Stretch renamed after the survey' });
      expect(changes[1]?.before.qualifier).toBe('from Clifton Business Park to Blackpool Rd');
      expect(changes[1]?.after.qualifier).toBe('from Naze Lane to Lytham Rd');
    });

    it('answers 409 naming both versions when the editor saw an older one', async () => {
      const res = await send('PATCH', `/api/sites/${site.id}`, { version: 1, direction: 'eastbound' });
      expect(res.status).toBe(409);
      expect(res.body.message).toContain('you edited version 1, the register holds version 2');
      expect((await (await get(`/api/sites/${site.id}`)).json()) as Site).toMatchObject({ direction: 'westbound', version: 2 });
    });

    it('writes nothing for a change that changes nothing', async () => {
      const res = await send('PATCH', `/api/sites/${site.id}`, { version: 2, direction: 'westbound' });
      expect(res.body.version).toBe(2);
    });

    it('needs the version', async () => {
      const res = await send('PATCH', `/api/sites/${site.id}`, { direction: 'eastbound' });
      expect(res.status).toBe(400);
      expect(res.body.errors?.[0]?.field).toBe('body.version');
    });

    it('derives the length and district again when the stretch moves', async () => {
      const res = await send('PATCH', `/api/sites/${site.id}`, { version: 2, stretch: { type: 'LineString', coordinates: [[-2.7088, 53.7749], [-2.7105, 53.7851]] } });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ version: 3, districtCode: 'E07000123' });
      expect(res.body.stretchLengthM).toBeGreaterThan(1000);
      expect(res.body.stretchLengthM).toBeLessThan(1200);
    });

    it('retires instead of deleting, keeps the record and its history, and refuses changes after', async () => {
      const res = await send('DELETE', `/api/sites/${site.id}?reason=${encodeURIComponent('Road layout changed')}`);
      expect(res.status).toBe(200);
      expect(res.body.retiredAt).not.toBeNull();
      expect(res.body.eligibility.eligible).toBe(false);
      expect(res.body.eligibility.reasons[0]).toBe('retired from the register');
      const current = (await (await get('/api/sites')).json()) as { sites: Site[] };
      expect(current.sites.map((s) => s.reference)).not.toContain('LAN-0100');
      const all = (await (await get('/api/sites?includeRetired=true')).json()) as { sites: Site[] };
      expect(all.sites.map((s) => s.reference)).toContain('LAN-0100');
      const { changes } = (await (await get(`/api/sites/${site.id}/changes`)).json()) as { changes: Array<{ action: string; fields: string[]; reason: string }> };
      expect(changes.at(-1)).toMatchObject({ action: 'retire', fields: ['retiredAt'], reason: 'Road layout changed' });
      expect((await send('PATCH', `/api/sites/${site.id}`, { version: 4, notes: 'x' })).status).toBe(409);
      expect((await send('DELETE', `/api/sites/${site.id}`)).status).toBe(409);
    });

    it('answers 404 for a site that does not exist', async () => {
      expect((await get('/api/sites/999999')).status).toBe(404);
      expect((await send('PATCH', '/api/sites/999999', { version: 1, notes: 'x' })).status).toBe(404);
    });
  });

  describe('the list', () => {
    it('filters by district, category, text and eligibility, and exports GeoJSON', async () => {
      const refs = async (query: string) => ((await (await get(`/api/sites?${query}`)).json()) as { sites: Site[] }).sites.map((s) => s.reference);
      expect(await refs('district=E07000119')).toEqual(['LAN-0001']);
      expect(await refs('category=community_concern')).toEqual(['LAN-0002']);
      expect(await refs('q=garstang')).toEqual(['LAN-0002']);
      // No collisions and no survey yet: nothing is eligible.
      expect(await refs('eligible=true')).toEqual([]);
      expect((await get('/api/sites?category=camera')).status).toBe(400);
      const geo = (await (await get('/api/sites?format=geojson&district=E07000119')).json()) as { type: string; features: Array<{ geometry: unknown; properties: Site }> };
      expect(geo.type).toBe('FeatureCollection');
      expect(geo.features[0]).toMatchObject({ geometry: PRESTON_NEW_RD, properties: { reference: 'LAN-0001' } });
    });

    it('documents every site route in the OpenAPI document', async () => {
      const doc = (await (await get('/api/openapi.json', null)).json()) as { paths: Record<string, unknown> };
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/sites', '/api/sites/{id}', '/api/sites/{id}/changes', '/api/sites/import', '/api/site-criteria', '/api/speed-surveys']));
    });

    it('shows the criteria in force with the enforcement thresholds', async () => {
      const body = (await (await get('/api/site-criteria')).json()) as { source: string; criteria: { mobile: { minKsiPerKm: number } }; thresholdsMph: Record<string, number> };
      expect(body.source).toBe('defaults');
      expect(body.criteria.mobile.minKsiPerKm).toBe(1);
      expect(body.thresholdsMph).toEqual({ 20: 25, 30: 35, 40: 46, 50: 57, 60: 68, 70: 79 });
    });

    it('reads SITE_CRITERIA_FILE at start, and refuses to start naming a bad key', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sites-criteria-'));
      try {
        const good = path.join(dir, 'criteria.json');
        fs.writeFileSync(good, JSON.stringify({ preset: 'older_national', threshold20Mph: 24 }));
        const app = await startTestApp(t.db, { SITE_CRITERIA_FILE: good });
        try {
          const res = await fetch(`${app.url}/api/site-criteria`, { headers: planner.headers() });
          const body = (await res.json()) as { source: string; preset: string; criteria: { mobile: { minKsiPerKm: number } }; thresholdsMph: Record<string, number> };
          expect(body).toMatchObject({ source: good, preset: 'older_national', criteria: { mobile: { minKsiPerKm: 2 } } });
          expect(body.thresholdsMph['20']).toBe(24);
        } finally {
          await app.close();
        }
        const bad = path.join(dir, 'bad.json');
        fs.writeFileSync(bad, JSON.stringify({ fixed: { minKsiPerKm: 'three' } }));
        await expect(startTestApp(t.db, { SITE_CRITERIA_FILE: bad })).rejects.toThrow(`SITE_CRITERIA_FILE ${bad}: fixed.minKsiPerKm: must be a number`);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
