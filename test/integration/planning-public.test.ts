import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicSiteListSchema } from '../../server/planning/schemas.ts';
import { useTestApp } from '../support/app.ts';
import { testTargets } from '../support/db.ts';
import { createStaff, signIn, type StaffClient } from '../support/staff.ts';
import { comingMonth, createRegister, FYLDE, PRESTON, type TestRegister } from './planning-fixtures.ts';

/** The published list of a month comes from the plan's inputs snapshot alone, never the live register. */
describe.each(testTargets())('the public site list of a published month on the $mode database', (target) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'planning-public-'));
  const t = useTestApp(target, { DATA_DIR: dataDir });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const month = comingMonth();

  let register: TestRegister;
  let planner: StaffClient;
  let supervisor: StaffClient;
  let planId: number;

  const get = (url: string, client: StaffClient | null = null) => fetch(`${t.app.url}${url}`, { headers: client?.headers() ?? {} });
  const post = async (url: string, body: unknown, client: StaffClient) => {
    const res = await fetch(`${t.app.url}${url}`, { method: 'POST', headers: client.headers({ csrf: true, json: true }), body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const publicList = async () => {
    const res = await get(`/api/public/enforcement-sites?month=${month}`);
    expect(res.status).toBe(200);
    return (await res.json()) as { month: string; districts: Array<{ code: string | null; name: string; sites: Array<{ siteId: number; geometry: { coordinates: number[][] } }> }> };
  };
  const publicCsv = async () => (await get(`/api/public/enforcement-sites?month=${month}&format=csv`)).text();
  const publicGeoJson = async () => (await get(`/api/public/enforcement-sites?month=${month}&format=geojson`)).json();

  beforeAll(async () => {
    register = await createRegister(t.db.knex, month);
    await createStaff(t.db.knex, 'planner@roadsafe.example.org', ['planner']);
    await createStaff(t.db.knex, 'supervisor@roadsafe.example.org', ['supervisor']);
    planner = await signIn(t.app.url, 'planner@roadsafe.example.org');
    supervisor = await signIn(t.app.url, 'supervisor@roadsafe.example.org');
    const started = await post('/api/plans', { month, seed: 11 }, planner);
    expect(started.status).toBe(202);
    planId = started.body.id as number;
    for (let i = 0; i < 600; i++) {
      const plan = (await (await get(`/api/plans/${planId}`, planner)).json()) as { status: string; error: string | null };
      if (plan.status !== 'generating') {
        expect(plan).toMatchObject({ status: 'draft', error: null });
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect((await post(`/api/plans/${planId}/approve`, {}, planner)).status).toBe(200);
    expect((await post(`/api/plans/${planId}/publish`, {}, supervisor)).status).toBe(200);
  });

  it('keeps the stretch, category, district, road, limit and locality of each site in the plan snapshot', async () => {
    const row = (await t.db.knex('plans').where({ id: planId }).first('inputs')) as { inputs: { siteDetails: Record<string, Record<string, unknown>> } };
    const site = register.sites[0]!;
    expect(row.inputs.siteDetails[site.id]).toMatchObject({
      category: 'mobile_route',
      districtCode: PRESTON,
      roadNumber: 'A581',
      speedLimitMph: 30,
      locality: 'Preston',
      geometry: { type: 'LineString', coordinates: [expect.any(Array), expect.any(Array)] },
    });
  });

  it('does not change when the register edits, moves or retires a listed site after publication', async () => {
    const before = await publicList();
    expect(publicSiteListSchema.safeParse(before).error).toBeUndefined();
    const csvBefore = await publicCsv();
    const geoBefore = await publicGeoJson();
    const listed = before.districts.flatMap((d) => d.sites.map((s) => s.siteId));
    const [edited, retired] = [register.sites[0]!, register.sites[5]!];
    expect(listed).toEqual(expect.arrayContaining([edited.id, retired.id]));

    // Another road, limit, locality, category and district, and a stretch 5 km away; then a retirement.
    await t.db.knex.raw(
      `UPDATE enforcement_sites
          SET road_number = 'B5269', road_name = 'Changed Lane', locality = 'Elsewhere', speed_limit_mph = 40, category = 'fixed_site',
              district_code = ?, geom = ST_Translate(geom, 5000, 5000), geom_4326 = ST_Transform(ST_Translate(geom, 5000, 5000), 4326), version = version + 1
        WHERE id = ?`,
      [FYLDE, edited.id],
    );
    await t.db.knex('enforcement_sites').where({ id: retired.id }).update({ retired_at: t.db.knex.fn.now() });

    expect(await publicList()).toEqual(before);
    expect(await publicCsv()).toBe(csvBefore);
    expect(await publicGeoJson()).toEqual(geoBefore);
    const csv = await publicCsv();
    expect(csv).not.toMatch(/B5269|Elsewhere|Changed Lane/);
    expect(before.districts.find((d) => d.code === PRESTON)?.sites.map((s) => s.siteId)).toContain(edited.id);
  });

  it('takes district names from the districts table', async () => {
    await t.db.knex('districts').where({ code: FYLDE }).update({ name: 'Fylde Borough' });
    const list = await publicList();
    expect(list.districts.map((d) => [d.code, d.name])).toEqual([
      [FYLDE, 'Fylde Borough'],
      [PRESTON, 'Preston'],
    ]);
    await t.db.knex('districts').where({ code: FYLDE }).update({ name: 'Fylde' });
  });

  it('still lists a snapshot made before the stretch was kept in it, completing only the stretch from the register', async () => {
    const site = register.sites[1]!;
    const expected = (await publicList()).districts.flatMap((d) => d.sites).find((s) => s.siteId === site.id)!;
    const row = (await t.db.knex('plans').where({ id: planId }).first('inputs')) as { inputs: { siteDetails: Record<string, Record<string, unknown>> } };
    delete row.inputs.siteDetails[site.id]!.geometry;
    await t.db.knex('plans').where({ id: planId }).update({ inputs: JSON.stringify(row.inputs) });
    const legacy = (await publicList()).districts.flatMap((d) => d.sites).find((s) => s.siteId === site.id);
    expect(legacy).toEqual(expected);
  });
});
