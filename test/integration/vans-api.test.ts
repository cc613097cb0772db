import { beforeAll, describe, expect, it } from 'vitest';
import { dataVersion } from '../../server/db/data-versions.ts';
import { vansForPlanning } from '../../server/vans/for-planning.ts';
import { ensureDefaultShiftTemplates, insertVanBase } from '../../server/vans/store.ts';
import { useTestApp } from '../support/app.ts';
import { testTargets } from '../support/db.ts';
import { createStaff, signIn, type StaffClient } from '../support/staff.ts';

/** Preston and Lancaster, WGS84 (demo-style bases). */
const PRESTON = { lon: -2.7031, lat: 53.7632 };
const LANCASTER = { lon: -2.8007, lat: 54.0466 };

describe.each(testTargets())('vans, shift templates and the calendar on the $mode database', (target) => {
  const t = useTestApp(target, { AREA_LATITUDE: '53.7593', AREA_LONGITUDE: '-2.6991' });
  let planner: StaffClient;
  let analyst: StaffClient;
  let prestonBase: number;
  let lancasterBase: number;

  beforeAll(async () => {
    await createStaff(t.db.knex, 'planner@roadsafe.example.org', ['planner']);
    await createStaff(t.db.knex, 'analyst@roadsafe.example.org', ['analyst']);
    planner = await signIn(t.app.url, 'planner@roadsafe.example.org');
    analyst = await signIn(t.app.url, 'analyst@roadsafe.example.org');
    prestonBase = await insertVanBase(t.db.knex, { name: 'Preston (test)', districtCode: 'E07000123', ...PRESTON });
    lancasterBase = await insertVanBase(t.db.knex, { name: 'Lancaster (test)', districtCode: 'E07000121', ...LANCASTER });
    await ensureDefaultShiftTemplates(t.db.knex);
  });

  const get = async (path: string, client: StaffClient | null = planner) => {
    const res = await fetch(`${t.app.url}${path}`, { headers: client?.headers() ?? {} });
    return { status: res.status, body: res.status === 204 ? null : await res.json() };
  };
  const send = async (method: string, path: string, body?: unknown, client: StaffClient = planner) => {
    const res = await fetch(`${t.app.url}${path}`, {
      method,
      headers: client.headers({ csrf: true, json: body !== undefined }),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: res.status === 204 ? null : await res.json() };
  };
  const fieldsOf = (body: { errors?: Array<{ field: string; message: string }> }) => (body.errors ?? []).map((e) => e.field);

  describe('bases and shift templates', () => {
    it('lists the bases with their WGS84 position', async () => {
      const { status, body } = await get('/api/van-bases');
      expect(status).toBe(200);
      const preston = body.bases.find((b: { name: string }) => b.name === 'Preston (test)');
      expect(preston).toMatchObject({ id: prestonBase, districtCode: 'E07000123', demo: false });
      expect(preston.lon).toBeCloseTo(PRESTON.lon, 6);
      expect(preston.lat).toBeCloseTo(PRESTON.lat, 6);
    });

    it('lists the default early, late and weekend shifts by start time', async () => {
      const { body } = await get('/api/shift-templates', analyst);
      expect(body.shifts).toEqual([
        { code: 'early', name: 'Early', starts: '07:00', ends: '14:30', weekdays: [1, 2, 3, 4, 5, 6, 7], bankHolidays: true },
        { code: 'weekend', name: 'Weekend', starts: '09:00', ends: '17:00', weekdays: [6, 7], bankHolidays: true },
        { code: 'late', name: 'Late', starts: '14:30', ends: '22:00', weekdays: [1, 2, 3, 4, 5, 6, 7], bankHolidays: true },
      ]);
    });

    it('creates a night shift ending the next day (201) and replaces it (200), bumping the vans data version', async () => {
      const before = await dataVersion(t.db.knex, 'vans');
      const night = { name: 'Night', starts: '22:00', ends: '02:00', weekdays: [5, 6, 7], bankHolidays: false };
      const created = await send('PUT', '/api/shift-templates/night', night);
      expect(created.status).toBe(201);
      expect(created.body.shift).toEqual({ code: 'night', ...night });
      const replaced = await send('PUT', '/api/shift-templates/night', { ...night, weekdays: [6, 5] });
      expect(replaced.status).toBe(200);
      expect(replaced.body.shift.weekdays).toEqual([5, 6]);
      expect(await dataVersion(t.db.knex, 'vans')).toBe(before + 2);
    });

    it('refuses a shift template with bad times, weekdays or code, naming each field', async () => {
      const bad = await send('PUT', '/api/shift-templates/Night!', { name: '', starts: '7:00', ends: '25:00', weekdays: [0, 8] });
      expect(bad.status).toBe(400);
      expect(fieldsOf(bad.body)).toEqual(expect.arrayContaining(['params.code', 'body.name', 'body.starts', 'body.ends', 'body.weekdays.0', 'body.weekdays.1']));
      const zeroLength = await send('PUT', '/api/shift-templates/odd', { name: 'Odd', starts: '09:00', ends: '09:00', weekdays: [1] });
      expect(zeroLength.status).toBe(400);
      expect(zeroLength.body.errors).toEqual([expect.objectContaining({ field: 'body.ends', message: expect.stringMatching(/must differ from starts/) })]);
      const noDays = await send('PUT', '/api/shift-templates/odd', { name: 'Odd', starts: '09:00', ends: '10:00', weekdays: [] });
      expect(noDays.body.errors[0]).toMatchObject({ field: 'body.weekdays', message: expect.stringMatching(/at least one weekday/) });
    });
  });

  describe('vans', () => {
    let vanId: number;

    it('adds a van (201) with its base, crew and shifts, bumping the vans data version', async () => {
      const before = await dataVersion(t.db.knex, 'vans');
      const { status, body } = await send('POST', '/api/vans', { callSign: 'VAN-01', baseId: prestonBase, crew: 'Crew A', shiftCodes: ['early', 'late'] });
      expect(status).toBe(201);
      expect(body.van).toMatchObject({
        callSign: 'VAN-01',
        baseId: prestonBase,
        baseName: 'Preston (test)',
        crew: 'Crew A',
        shiftCodes: ['early', 'late'],
        active: true,
        unavailability: [],
      });
      vanId = body.van.id;
      expect(await dataVersion(t.db.knex, 'vans')).toBe(before + 1);
    });

    it('lists vans by call sign for every staff role that plans or reviews', async () => {
      await send('POST', '/api/vans', { callSign: 'VAN-00', baseId: lancasterBase });
      const { status, body } = await get('/api/vans', analyst);
      expect(status).toBe(200);
      expect(body.vans.map((v: { callSign: string }) => v.callSign)).toEqual(['VAN-00', 'VAN-01']);
      expect(body.vans[0]).toMatchObject({ shiftCodes: [], crew: null, baseName: 'Lancaster (test)' });
    });

    it('refuses a duplicate call sign (any case) with 409 naming the van that holds it', async () => {
      const { status, body } = await send('POST', '/api/vans', { callSign: 'van-01', baseId: prestonBase });
      expect(status).toBe(409);
      expect(body.message).toContain(`van ${vanId} (VAN-01)`);
    });

    it('refuses an unknown base or shift code, naming the field and the value', async () => {
      const { status, body } = await send('POST', '/api/vans', { callSign: 'VAN-09', baseId: 999_999, shiftCodes: ['early', 'nights'] });
      expect(status).toBe(400);
      expect(body.errors).toEqual([
        expect.objectContaining({ field: 'body.baseId', message: expect.stringContaining('no van base has id 999999') }),
        expect.objectContaining({ field: 'body.shiftCodes.1', message: expect.stringContaining('no shift template "nights"') }),
      ]);
    });

    it('refuses a van without a call sign or with a malformed one', async () => {
      const missing = await send('POST', '/api/vans', { baseId: prestonBase });
      expect(missing.status).toBe(400);
      expect(missing.body.errors[0]).toMatchObject({ field: 'body.callSign', message: expect.stringMatching(/required/) });
      const odd = await send('POST', '/api/vans', { callSign: '<script>', baseId: prestonBase, shiftCodes: ['early', 'early'] });
      expect(fieldsOf(odd.body)).toEqual(['body.callSign', 'body.shiftCodes']);
    });

    it('changes a van: base, crew cleared, all shifts, inactive', async () => {
      const { status, body } = await send('PATCH', `/api/vans/${vanId}`, { baseId: lancasterBase, crew: '', shiftCodes: [], active: false });
      expect(status).toBe(200);
      expect(body.van).toMatchObject({ id: vanId, callSign: 'VAN-01', baseId: lancasterBase, baseName: 'Lancaster (test)', crew: null, shiftCodes: [], active: false });
      await send('PATCH', `/api/vans/${vanId}`, { active: true, baseId: prestonBase });
    });

    it('answers 404 for an unknown van and 400 for an empty change', async () => {
      expect((await send('PATCH', '/api/vans/999999', { crew: 'X' })).status).toBe(404);
      const empty = await send('PATCH', `/api/vans/${vanId}`, {});
      expect(empty.status).toBe(400);
      expect(empty.body.message).toMatch(/give at least one of/);
    });

    it('records unavailability in date order and removes it again', async () => {
      const later = await send('POST', `/api/vans/${vanId}/unavailability`, { fromDate: '2026-03-20', toDate: '2026-03-21', reason: 'leave' });
      expect(later.status).toBe(201);
      const first = await send('POST', `/api/vans/${vanId}/unavailability`, { fromDate: '2026-03-02', toDate: '2026-03-04', reason: 'maintenance', note: 'MOT and service' });
      expect(first.body.unavailability).toMatchObject({ fromDate: '2026-03-02', toDate: '2026-03-04', reason: 'maintenance', note: 'MOT and service' });
      expect(first.body.van.unavailability.map((u: { fromDate: string }) => u.fromDate)).toEqual(['2026-03-02', '2026-03-20']);
      const removed = await send('DELETE', `/api/van-unavailability/${later.body.unavailability.id}`);
      expect(removed.status).toBe(204);
      const { body } = await get('/api/vans');
      expect(body.vans.find((v: { id: number }) => v.id === vanId).unavailability).toHaveLength(1);
      expect((await send('DELETE', `/api/van-unavailability/${later.body.unavailability.id}`)).status).toBe(404);
    });

    it('refuses unavailability that ends before it starts, is not a real date, or has an unknown reason', async () => {
      const reversed = await send('POST', `/api/vans/${vanId}/unavailability`, { fromDate: '2026-03-10', toDate: '2026-03-09', reason: 'leave' });
      expect(reversed.status).toBe(400);
      expect(reversed.body.errors).toEqual([
        expect.objectContaining({ field: 'body.toDate', message: 'must be on or after fromDate (2026-03-10); got 2026-03-09' }),
      ]);
      const unreal = await send('POST', `/api/vans/${vanId}/unavailability`, { fromDate: '2026-02-30', toDate: '2026-03-01', reason: 'holiday' });
      expect(fieldsOf(unreal.body)).toEqual(['body.fromDate', 'body.reason']);
      const tooLong = await send('POST', `/api/vans/${vanId}/unavailability`, { fromDate: '2026-01-01', toDate: '2027-06-01', reason: 'other' });
      expect(tooLong.body.errors[0].message).toMatch(/at most 366 days/);
      expect((await send('POST', '/api/vans/999999/unavailability', { fromDate: '2026-03-10', toDate: '2026-03-10', reason: 'leave' })).status).toBe(404);
    });
  });

  describe('the API description', () => {
    it('documents every vans, shift and calendar route in the OpenAPI document', async () => {
      const doc = await (await fetch(`${t.app.url}/api/openapi.json`)).json();
      const paths = Object.keys(doc.paths);
      for (const path of ['/api/vans', '/api/vans/{id}', '/api/van-bases', '/api/vans/{id}/unavailability', '/api/van-unavailability/{id}', '/api/shift-templates', '/api/shift-templates/{code}', '/api/calendar']) {
        expect(paths).toContain(path);
      }
    });
  });

  describe('access', () => {
    it('lets an analyst read but not change vans, shifts or availability', async () => {
      expect((await get('/api/vans', analyst)).status).toBe(200);
      expect((await send('POST', '/api/vans', { callSign: 'VAN-77', baseId: prestonBase }, analyst)).status).toBe(403);
      expect((await send('PUT', '/api/shift-templates/early', { name: 'E', starts: '06:00', ends: '14:00', weekdays: [1] }, analyst)).status).toBe(403);
      expect((await send('DELETE', '/api/van-unavailability/1', undefined, analyst)).status).toBe(403);
    });

    it('answers 401 without a session', async () => {
      for (const path of ['/api/vans', '/api/van-bases', '/api/shift-templates', '/api/calendar?month=2026-03']) {
        expect((await get(path, null)).status).toBe(401);
      }
    });
  });

  describe('vansForPlanning', () => {
    it('gives active vans with base coordinates, shift codes and unavailable dates expanded within the month', async () => {
      const [vanA] = await t.db.knex('vans').insert({ call_sign: 'VAN-PL-A', base_id: prestonBase, shift_codes: ['late'] }).returning('id');
      await t.db.knex('vans').insert({ call_sign: 'VAN-PL-Z', base_id: prestonBase, active: false });
      await t.db.knex('van_unavailability').insert([
        { van_id: vanA.id, from_date: '2026-02-27', to_date: '2026-03-02', reason: 'maintenance' }, // straddles the month start
        { van_id: vanA.id, from_date: '2026-03-02', to_date: '2026-03-03', reason: 'leave' }, // overlaps the first: no repeats
        { van_id: vanA.id, from_date: '2026-03-30', to_date: '2026-04-05', reason: 'training' }, // straddles the month end
        { van_id: vanA.id, from_date: '2026-04-10', to_date: '2026-04-12', reason: 'leave' }, // outside the month
      ]);
      const { vans, shifts } = await vansForPlanning(t.db.knex, '2026-03');
      expect(vans.map((v) => v.callSign)).not.toContain('VAN-PL-Z');
      const planned = vans.find((v) => v.id === vanA.id)!;
      expect(planned).toMatchObject({ callSign: 'VAN-PL-A', shiftCodes: ['late'] });
      expect(planned.unavailableDates).toEqual(['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-30', '2026-03-31']);
      expect(planned.baseLon).toBeCloseTo(PRESTON.lon, 6);
      expect(planned.baseLat).toBeCloseTo(PRESTON.lat, 6);
      // Preston in British National Grid metres (OS: about 354 000 E, 429 000 N).
      expect(planned.baseX).toBeGreaterThan(353_000);
      expect(planned.baseX).toBeLessThan(355_500);
      expect(planned.baseY).toBeGreaterThan(428_500);
      expect(planned.baseY).toBeLessThan(430_000);
      expect(shifts.map((s) => s.code)).toEqual(['early', 'weekend', 'late', 'night']);
    });
  });

  describe('the calendar', () => {
    it("gives the month's days for the configured area with bank holidays and the clock change", async () => {
      const { status, body } = await get('/api/calendar?month=2026-03', analyst);
      expect(status).toBe(200);
      expect(body.month).toBe('2026-03');
      expect(body.area).toEqual({ lat: 53.7593, lon: -2.6991 });
      expect(body.days).toHaveLength(31);
      expect(body.days[28]).toMatchObject({ date: '2026-03-29', weekday: 7, bankHoliday: null, utcOffsetMinutes: 60 });
      expect(body.days[27].utcOffsetMinutes).toBe(0);
      const april = await get('/api/calendar?month=2026-04', analyst);
      expect(april.body.days.filter((d: { bankHoliday: string | null }) => d.bankHoliday).map((d: { date: string }) => d.date)).toEqual(['2026-04-03', '2026-04-06']);
    });

    it('refuses a missing or malformed month', async () => {
      const missing = await get('/api/calendar');
      expect(missing.status).toBe(400);
      expect(missing.body.errors[0]).toMatchObject({ field: 'query.month', message: expect.stringMatching(/required/) });
      const bad = await get('/api/calendar?month=2026-13');
      expect(bad.body.errors[0].message).toContain('(got "2026-13")');
    });
  });
});
