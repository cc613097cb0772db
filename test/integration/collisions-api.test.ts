import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collisionBatches, listCollisions } from '../../server/collisions/queries.ts';
import { importStats19 } from '../../server/collisions/stats19/import.ts';
import { importDistricts } from '../../server/districts/import.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createStaff, signIn } from '../support/staff.ts';
import { openTestDatabase, testTargets } from '../support/db.ts';

const DEMO = path.resolve(import.meta.dirname, '../../demo-data');
const COLLISIONS_CSV = path.join(DEMO, 'lancashire-collisions-2023.csv');
const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/stats19');

/** The demo file read directly, to check the API against the source rather than against itself. */
interface SourceRow {
  accident_index: string;
  accident_severity: string;
  date: string;
  longitude: string;
  latitude: string;
  local_authority_ons_district: string;
  day_of_week: string;
  time: string;
}
const source: SourceRow[] = parse(fs.readFileSync(COLLISIONS_CSV), { columns: true });
const isoDate = (ddmmyyyy: string) => ddmmyyyy.split('/').reverse().join('-');

interface Feature {
  type: 'Feature';
  id: string;
  geometry: { type: 'Point'; coordinates: [number, number] } | null;
  properties: Record<string, string | number | null>;
}
interface FeatureCollection {
  type: 'FeatureCollection';
  numberMatched: number;
  numberReturned: number;
  links: Array<{ rel: string; href: string; type: string }>;
  features: Feature[];
}

describe.each(testTargets())('the collision API on the $mode database', (target) => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let app: TestApp;
  const get = (url: string) => fetch(`${app.url}${url}`);
  const getJson = async <T = Record<string, unknown>>(url: string): Promise<T> => {
    const res = await get(url);
    expect(res.status, `${url} → ${res.status}`).toBe(200);
    return (await res.json()) as T;
  };
  const matched = async (query: string) => (await getJson<FeatureCollection>(`/api/collisions?limit=1&${query}`)).numberMatched;

  beforeAll(async () => {
    db = await openTestDatabase(target);
    await importDistricts(db.knex, path.join(DEMO, 'lancashire-lad-2017.geojson'));
    await importStats19(db.knex, { collisions: COLLISIONS_CSV });
    app = await startTestApp(db);
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  describe('the list', () => {
    it('gives a GeoJSON page of 1,000 Point features with the number matched and a link to the next page', async () => {
      const res = await get('/api/collisions');
      expect(res.headers.get('content-type')).toMatch(/^application\/geo\+json/);
      const body = (await res.json()) as FeatureCollection;
      expect(body).toMatchObject({ type: 'FeatureCollection', numberMatched: 2762, numberReturned: 1000 });
      expect(body.features).toHaveLength(1000);
      const next = body.links.find((l) => l.rel === 'next');
      expect(new URL(next!.href).searchParams.get('offset')).toBe('1000');
      expect(body.links.find((l) => l.rel === 'prev')).toBeUndefined();
    });

    it('describes each collision with decoded, human-readable properties', async () => {
      const body = await getJson<FeatureCollection>('/api/collisions?limit=1');
      expect(body.features[0]).toEqual({
        type: 'Feature',
        id: '2023041258714',
        geometry: { type: 'Point', coordinates: [-2.490762, 53.727837] },
        properties: {
          collisionIndex: '2023041258714',
          date: '2023-01-01',
          time: '14:45',
          severity: 'serious',
          district: 'E06000008',
          districtName: 'Blackburn with Darwen',
          roadNumber: 'A666',
          speedLimit: 30,
          casualties: 1,
          vehicles: 1,
          lightConditions: 'Daylight',
          weatherConditions: 'Fine no high winds',
          roadSurfaceConditions: 'Wet or damp',
          junctionDetail: 'Not at junction or within 20 metres',
          urbanOrRural: 'Urban',
        },
      });
    });

    it('filters by severity: 35 fatal, 871 serious and 1,856 slight collisions', async () => {
      expect(await matched('severity=fatal')).toBe(35);
      expect(await matched('severity=serious')).toBe(871);
      expect(await matched('severity=slight')).toBe(1856);
      expect(await matched('severity=fatal,serious')).toBe(906);
      expect(await matched('severity=fatal&severity=slight')).toBe(1891);
      const fatal = await getJson<FeatureCollection>('/api/collisions?severity=fatal');
      expect(new Set(fatal.features.map((f) => f.properties.severity))).toEqual(new Set(['fatal']));
    });

    it("filters by district, matching the source file's count for that district", async () => {
      const preston = source.filter((r) => r.local_authority_ons_district === 'E07000123');
      const body = await getJson<FeatureCollection>('/api/collisions?district=E07000123&limit=10000');
      expect(body.numberMatched).toBe(preston.length);
      expect(new Set(body.features.map((f) => f.id))).toEqual(new Set(preston.map((r) => r.accident_index)));
      expect(await matched('district=e07000123,E06000009')).toBe(preston.length + source.filter((r) => r.local_authority_ons_district === 'E06000009').length);
    });

    it('filters by a WGS84 bounding box', async () => {
      const [minLon, minLat, maxLon, maxLat] = [-3.1, 53.75, -2.95, 53.9]; // Blackpool and around
      const inside = source.filter((r) => +r.longitude >= minLon && +r.longitude <= maxLon && +r.latitude >= minLat && +r.latitude <= maxLat);
      const body = await getJson<FeatureCollection>(`/api/collisions?bbox=${minLon},${minLat},${maxLon},${maxLat}&limit=10000`);
      expect(inside.length).toBeGreaterThan(100);
      expect(body.numberMatched).toBe(inside.length);
      for (const f of body.features) {
        const [lon, lat] = f.geometry!.coordinates;
        expect(lon >= minLon && lon <= maxLon && lat >= minLat && lat <= maxLat).toBe(true);
      }
    });

    it('filters by an inclusive date range', async () => {
      const march = source.filter((r) => isoDate(r.date) >= '2023-03-01' && isoDate(r.date) <= '2023-03-31');
      const body = await getJson<FeatureCollection>('/api/collisions?from=2023-03-01&to=2023-03-31&limit=10000');
      expect(body.numberMatched).toBe(march.length);
      expect(body.features.every((f) => String(f.properties.date).startsWith('2023-03'))).toBe(true);
      expect(await matched('from=2023-12-31')).toBe(source.filter((r) => isoDate(r.date) === '2023-12-31').length);
      expect(await matched('to=2022-12-31')).toBe(0);
    });

    it('combines filters', async () => {
      const expected = source.filter(
        (r) => r.accident_severity === '1' && r.local_authority_ons_district === 'E07000127' && isoDate(r.date) >= '2023-06-01',
      ).length;
      expect(await matched('severity=fatal&district=E07000127&from=2023-06-01')).toBe(expected);
    });

    it('pages through every collision in a stable order with no duplicates or gaps', async () => {
      const seen: Feature[] = [];
      for (let offset = 0; ; offset += 700) {
        const page = await getJson<FeatureCollection>(`/api/collisions?limit=700&offset=${offset}`);
        seen.push(...page.features);
        expect(page.links.some((l) => l.rel === 'next')).toBe(offset + 700 < 2762);
        if (page.numberReturned < 700) break;
      }
      expect(seen).toHaveLength(2762);
      expect(new Set(seen.map((f) => f.id)).size).toBe(2762);
      const keys = seen.map((f) => `${f.properties.date} ${f.properties.time ?? '99:99'} ${f.id}`);
      expect(keys).toEqual([...keys].sort());
      const again = await getJson<FeatureCollection>('/api/collisions?limit=700&offset=1400');
      expect(again.features.map((f) => f.id)).toEqual(seen.slice(1400, 2100).map((f) => f.id));
    });

    it('exports CSV that parses back to the same rows as the GeoJSON, with coordinates in both systems', async () => {
      const res = await get('/api/collisions?format=csv&district=E06000009');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
      expect(res.headers.get('content-disposition')).toBe('attachment; filename="collisions.csv"');
      const geojson = await getJson<FeatureCollection>('/api/collisions?district=E06000009&limit=10000');
      expect(res.headers.get('x-total-count')).toBe(String(geojson.numberMatched));
      const rows: Record<string, string>[] = parse(await res.text(), { columns: true });
      expect(rows).toHaveLength(geojson.numberMatched);
      rows.forEach((row, i) => {
        const feature = geojson.features[i]!;
        const { longitude, latitude, easting, northing, ...properties } = row;
        expect(properties).toEqual(Object.fromEntries(Object.entries(feature.properties).map(([k, v]) => [k, v === null ? '' : String(v)])));
        expect([Number(longitude), Number(latitude)]).toEqual(feature.geometry!.coordinates);
        expect(Number(easting)).toBeGreaterThan(300_000);
        expect(Number(northing)).toBeGreaterThan(400_000);
      });
    });

    it('exports every matching collision as CSV when no limit is given, and one page when one is', async () => {
      const all: unknown[] = parse(await (await get('/api/collisions?format=csv')).text(), { columns: true });
      expect(all).toHaveLength(2762);
      const res = await get('/api/collisions?format=csv&limit=5&offset=10');
      expect(res.headers.get('x-total-count')).toBe('2762');
      expect(res.headers.get('link')).toMatch(/offset=15.*rel="next"/);
      const page: Array<{ collisionIndex: string }> = parse(await res.text(), { columns: true });
      const geojson = await getJson<FeatureCollection>('/api/collisions?limit=5&offset=10');
      expect(page.map((r) => r.collisionIndex)).toEqual(geojson.features.map((f) => f.id));
    });

    it('quotes CSV values that hold commas or quotes', async () => {
      await db.knex('districts').where({ code: 'E07000123' }).update({ name: 'Preston, "City" of' });
      try {
        const text = await (await get('/api/collisions?format=csv&district=E07000123&limit=3')).text();
        expect(text).toContain(',"Preston, ""City"" of",');
        const rows: Array<Record<string, string>> = parse(text, { columns: true });
        expect(rows.map((r) => r.districtName)).toEqual(['Preston, "City" of', 'Preston, "City" of', 'Preston, "City" of']);
      } finally {
        await db.knex('districts').where({ code: 'E07000123' }).update({ name: 'Preston' });
      }
    });

    it('gives null geometry and time for a collision recorded without location or time, and sorts it last in its day', async () => {
      const index = '2023041258714';
      await db.knex('collisions').where({ collision_index: index }).update({ geom: null, geom_4326: null, time: null, hour: null });
      try {
        const day = await getJson<FeatureCollection>('/api/collisions?from=2023-01-01&to=2023-01-01');
        const last = day.features[day.features.length - 1]!;
        expect(last.id).toBe(index);
        expect(last.geometry).toBeNull();
        expect(last.properties.time).toBeNull();
        const csv: Array<Record<string, string>> = parse(await (await get('/api/collisions?format=csv&from=2023-01-01&to=2023-01-01')).text(), {
          columns: true,
        });
        expect(csv[csv.length - 1]).toMatchObject({ collisionIndex: index, time: '', longitude: '', latitude: '' });
        const summary = await getJson<{ total: number; dayHour: { counts: number[][]; withoutTime: number } }>('/api/collisions/summary');
        expect(summary.dayHour.withoutTime).toBe(1);
        expect(summary.dayHour.counts.flat().reduce((a, b) => a + b, 0)).toBe(summary.total - 1);
      } finally {
        await db.knex.raw(
          `UPDATE collisions SET time = '14:45', hour = 14, geom = ST_Transform(ST_SetSRID(ST_MakePoint(-2.490762, 53.727837), 4326), 27700),
           geom_4326 = ST_SetSRID(ST_MakePoint(-2.490762, 53.727837), 4326) WHERE collision_index = ?`,
          [index],
        );
      }
    });
  });

  describe('the CSV export batches', () => {
    it('reads every row once, in list order, across batch boundaries and missing times', async () => {
      // Missing times sort last within their day; give a few collisions none so the keyset crosses them.
      const original: Array<{ collision_index: string; time: string }> = await db.knex('collisions')
        .orderBy('collision_index')
        .limit(5)
        .select('collision_index', 'time');
      await db.knex('collisions').whereIn('collision_index', original.map((r) => r.collision_index)).update({ time: null });
      try {
        const page = await listCollisions(db.knex, {}, { limit: 10_000, start: { offset: 0 } });
        const batched: string[] = [];
        for await (const batch of collisionBatches(db.knex, {}, { offset: 0, batchSize: 97 })) batched.push(...batch.map((r) => r.collision_index));
        expect(batched).toEqual(page.map((r) => r.collision_index));
        const window: string[] = [];
        for await (const batch of collisionBatches(db.knex, { severity: ['slight'] }, { offset: 150, limit: 1000, batchSize: 97 })) {
          window.push(...batch.map((r) => r.collision_index));
        }
        const slight = await listCollisions(db.knex, { severity: ['slight'] }, { limit: 1000, start: { offset: 150 } });
        expect(window).toEqual(slight.map((r) => r.collision_index));
      } finally {
        for (const row of original) await db.knex('collisions').where({ collision_index: row.collision_index }).update({ time: row.time });
      }
    });
  });

  describe('bad input', () => {
    const errorsFor = async (query: string) => {
      const res = await get(`/api/collisions?${query}`);
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: string; errors: Array<{ field: string; message: string }> };
      expect(body.error).toBe('invalid_request');
      return body.errors;
    };

    it('names the field and the value of an unknown severity', async () => {
      const [error] = await errorsFor('severity=fatal,deadly');
      expect(error!.field).toMatch(/^query\.severity/);
      expect(error!.message).toContain('"deadly"');
      expect(error!.message).toContain('fatal, serious, slight');
    });

    it('names the field and the value of a date that does not exist', async () => {
      expect(await errorsFor('from=2023-02-30')).toEqual([expect.objectContaining({ field: 'query.from', message: expect.stringContaining('"2023-02-30"') })]);
    });

    it('names the field and the value of a bounding box without four numbers', async () => {
      expect(await errorsFor('bbox=1,2,3')).toEqual([expect.objectContaining({ field: 'query.bbox', message: expect.stringContaining('"1,2,3"') })]);
    });

    it('refuses a start date after the end date, quoting both', async () => {
      const [error] = await errorsFor('from=2023-03-01&to=2023-01-31');
      expect(error).toMatchObject({ field: 'query.from' });
      expect(error!.message).toContain('2023-03-01');
      expect(error!.message).toContain('2023-01-31');
    });

    it('refuses a limit outside 1–10000 and an unknown format', async () => {
      expect(await errorsFor('limit=0')).toEqual([expect.objectContaining({ field: 'query.limit', message: expect.stringContaining('"0"') })]);
      expect(await errorsFor('limit=10001')).toEqual([expect.objectContaining({ field: 'query.limit' })]);
      expect(await errorsFor('limit=ten')).toEqual([expect.objectContaining({ field: 'query.limit', message: expect.stringContaining('"ten"') })]);
      expect(await errorsFor('format=xlsx')).toEqual([expect.objectContaining({ field: 'query.format', message: expect.stringContaining('"xlsx"') })]);
    });

    it('applies the same checks to the summary', async () => {
      const res = await get('/api/collisions/summary?severity=deadly');
      expect(res.status).toBe(400);
    });
  });

  describe('the summary', () => {
    interface Summary {
      total: number;
      bySeverity: { fatal: number; serious: number; slight: number };
      ksi: number;
      byMonth: Array<{ month: string; fatal: number; serious: number; slight: number; total: number }>;
      byDistrict: Array<{ district: string; name: string; total: number; fatal: number; serious: number; slight: number }>;
      dayHour: { days: string[]; hours: number[]; counts: number[][]; withoutTime: number };
      casualtyData: boolean;
      casualtiesByRoadUser: unknown;
      filters: Record<string, unknown>;
    }

    it('counts by severity, month, district and day × hour, each adding up to the total', async () => {
      const s = await getJson<Summary>('/api/collisions/summary');
      expect(s.total).toBe(2762);
      expect(s.bySeverity).toEqual({ fatal: 35, serious: 871, slight: 1856 });
      expect(s.ksi).toBe(906);
      expect(s.byMonth.map((m) => m.month)).toEqual(Array.from({ length: 12 }, (_, i) => `2023-${String(i + 1).padStart(2, '0')}`));
      expect(s.byMonth.reduce((a, m) => a + m.total, 0)).toBe(2762);
      expect(s.byMonth.reduce((a, m) => a + m.fatal, 0)).toBe(35);
      expect(s.byDistrict).toHaveLength(14);
      expect(s.byDistrict.reduce((a, d) => a + d.total, 0)).toBe(2762);
      expect(s.byDistrict.find((d) => d.district === 'E07000123')).toMatchObject({ name: 'Preston', total: 363 });
      expect(s.dayHour.days).toEqual(['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']);
      expect(s.dayHour.counts).toHaveLength(7);
      expect(s.dayHour.counts.every((day) => day.length === 24)).toBe(true);
      expect(s.dayHour.counts.flat().reduce((a, b) => a + b, 0)).toBe(2762 - s.dayHour.withoutTime);
    });

    it('puts each collision in the day × hour cell of its DfT day of week and hour', async () => {
      const s = await getJson<Summary>('/api/collisions/summary');
      // Friday (DfT day 6) 17:00–17:59, counted straight from the source file and from the database.
      const fromFile = source.filter((r) => r.day_of_week === '6' && r.time.startsWith('17:')).length;
      const { rows } = await db.knex.raw(`SELECT count(*) AS n FROM collisions WHERE day_of_week = 6 AND extract(hour FROM time) = 17`);
      expect(s.dayHour.counts[5]![17]).toBe(fromFile);
      expect(s.dayHour.counts[5]![17]).toBe(Number(rows[0].n));
    });

    it('fills every month of the filtered range, zeros included', async () => {
      const s = await getJson<Summary>('/api/collisions/summary?from=2022-11-15&to=2023-02-10&district=E07000123');
      expect(s.byMonth.map((m) => m.month)).toEqual(['2022-11', '2022-12', '2023-01', '2023-02']);
      expect(s.byMonth[0]!.total).toBe(0);
      expect(s.byMonth[1]!.total).toBe(0);
      expect(s.byMonth.reduce((a, m) => a + m.total, 0)).toBe(s.total);
    });

    it('narrows to one district, matching that district in the unfiltered summary, and echoes the filters', async () => {
      const all = await getJson<Summary>('/api/collisions/summary');
      const one = await getJson<Summary>('/api/collisions/summary?district=E06000008');
      const row = all.byDistrict.find((d) => d.district === 'E06000008')!;
      expect(one.total).toBe(row.total);
      expect(one.bySeverity).toEqual({ fatal: row.fatal, serious: row.serious, slight: row.slight });
      expect(one.byDistrict).toEqual([row]);
      expect(one.filters).toEqual({ from: null, to: null, severity: null, district: ['E06000008'], bbox: null, roadUser: null, youngRoadUser: null });
    });

    it('reports no casualty breakdown when no casualty data was imported', async () => {
      const s = await getJson<Summary>('/api/collisions/summary');
      expect(s.casualtyData).toBe(false);
      expect(s.casualtiesByRoadUser).toBeNull();
    });
  });

  describe('one collision', () => {
    it('gives every stored field decoded with the DfT code list', async () => {
      const body = await getJson<{ collision: Record<string, unknown>; casualties: unknown[]; vehicles: unknown[] }>('/api/collisions/2023041258740');
      expect(body.collision).toMatchObject({
        collisionIndex: '2023041258740',
        date: '2023-01-01',
        time: '19:58',
        severity: 'slight',
        district: 'E07000123',
        districtName: 'Preston',
        roadNumber: 'A59',
        policeForce: 'Lancashire',
        dayOfWeek: 'Sunday',
        lightConditions: 'Darkness - lights lit',
        junctionDetail: 'T or staggered junction',
        junctionControl: 'Give way or uncontrolled',
        location: { longitude: -2.673646, latitude: 53.764015, easting: 355690, northing: 429951 },
        codes: expect.objectContaining({ lightConditions: 4, junctionDetail: 3, policeForce: 4 }),
      });
      expect(body.casualties).toEqual([]);
      expect(body.vehicles).toEqual([]);
    });

    it('answers 404 naming an unknown collision index', async () => {
      const res = await get('/api/collisions/2023049999999');
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: 'not_found', message: expect.stringContaining('2023049999999') });
    });
  });

  describe('with casualty data', () => {
    // The 2024-layout fixtures: four collisions (three in Lancashire, one Metropolitan) with casualties —
    // 2024041300001: motorcyclist aged 19 (serious) and pedestrian 34 (slight); 2024041300002: cyclist 22
    // (slight); 2024041300003: car occupant 45 (fatal); 2024010400001 (Met): car passenger 67 (slight).
    beforeAll(async () => {
      await importStats19(db.knex, {
        collisions: path.join(FIXTURES, 'collisions-2024.csv'),
        casualties: path.join(FIXTURES, 'casualties-2024.csv'),
        vehicles: path.join(FIXTURES, 'vehicles-2024.csv'),
      });
    });
    const ids = async (query: string) => (await getJson<FeatureCollection>(`/api/collisions?${query}`)).features.map((f) => f.id).sort();

    it('filters by road-user group to exactly the collisions with such a casualty', async () => {
      expect(await ids('roadUser=cyclist')).toEqual(['2024041300002']);
      expect(await ids('roadUser=motorcyclist,pedestrian')).toEqual(['2024041300001']);
      expect(await ids('roadUser=car')).toEqual(['2024010400001', '2024041300003']);
      expect(await ids('roadUser=car&district=E07000128')).toEqual(['2024041300003']);
      expect(await ids('roadUser=car&severity=slight')).toEqual(['2024010400001']);
      expect(await ids('roadUser=bus')).toEqual([]);
    });

    it('filters to collisions with a casualty aged 17–24, or to those without one', async () => {
      expect(await ids('youngRoadUser=true')).toEqual(['2024041300001', '2024041300002']);
      expect(await matched('youngRoadUser=false')).toBe(2762 + 4 - 2);
    });

    it('breaks casualties down by road-user group and casualty severity', async () => {
      const s = await getJson<{ casualtyData: boolean; casualtiesByRoadUser: unknown[] }>('/api/collisions/summary');
      expect(s.casualtyData).toBe(true);
      expect(s.casualtiesByRoadUser).toEqual([
        { group: 'pedestrian', fatal: 0, serious: 0, slight: 1, total: 1 },
        { group: 'cyclist', fatal: 0, serious: 0, slight: 1, total: 1 },
        { group: 'motorcyclist', fatal: 0, serious: 1, slight: 0, total: 1 },
        { group: 'car', fatal: 1, serious: 0, slight: 1, total: 2 },
      ]);
      const preston = await getJson<{ casualtiesByRoadUser: unknown[] }>('/api/collisions/summary?district=E07000123');
      expect(preston.casualtiesByRoadUser).toEqual([{ group: 'cyclist', fatal: 0, serious: 0, slight: 1, total: 1 }]);
      const only2023 = await getJson<{ casualtyData: boolean; casualtiesByRoadUser: unknown }>('/api/collisions/summary?to=2023-12-31');
      expect(only2023).toMatchObject({ casualtyData: false, casualtiesByRoadUser: null });
    });

    it("lists a collision's casualties and vehicles with decoded fields", async () => {
      const body = await getJson<{ collision: Record<string, unknown>; casualties: Array<Record<string, unknown>>; vehicles: Array<Record<string, unknown>> }>(
        '/api/collisions/2024041300001',
      );
      expect(body.collision).toMatchObject({ collisionIndex: '2024041300001', casualties: 2, vehicles: 2, districtName: 'Blackburn with Darwen' });
      expect(body.casualties).toEqual([
        expect.objectContaining({ casualtyReference: '1', casualtyClass: 'Driver or rider', age: 19, severity: 'Serious', roadUserGroup: 'motorcyclist' }),
        expect.objectContaining({ casualtyReference: '2', casualtyClass: 'Pedestrian', casualtyType: 'Pedestrian', age: 34, severity: 'Slight' }),
      ]);
      expect(body.vehicles.map((v) => v.vehicleReference)).toEqual(['1', '2']);
      expect(body.vehicles[0]).toHaveProperty('codes.vehicleType');
    });

    it('leaves the district name empty for a collision outside the imported districts', async () => {
      const body = await getJson<FeatureCollection>('/api/collisions?roadUser=car&severity=slight');
      expect(body.features[0]!.properties).toMatchObject({ district: 'E09000013', districtName: null });
    });
  });

  describe('the OpenAPI document', () => {
    it('describes the collision routes from the same schemas, including the CSV body and every filter', async () => {
      const doc = await getJson<{ paths: Record<string, Record<string, { parameters?: Array<{ name: string }>; responses: Record<string, { content?: object }> }>> }>(
        '/api/openapi.json',
      );
      for (const route of ['/api/collisions', '/api/collisions/summary', '/api/collisions/{collisionIndex}', '/api/imports', '/api/districts']) {
        expect(doc.paths, route).toHaveProperty([route, 'get']);
      }
      const list = doc.paths['/api/collisions']!.get!;
      expect(Object.keys(list.responses['200']!.content!)).toEqual(expect.arrayContaining(['application/json', 'text/csv']));
      expect(list.parameters!.map((p) => p.name)).toEqual(
        expect.arrayContaining(['from', 'to', 'severity', 'district', 'bbox', 'roadUser', 'youngRoadUser', 'format', 'limit', 'offset']),
      );
    });
  });

  describe('the import log', () => {
    it('lists every import, newest first, to an analyst or admin', async () => {
      await createStaff(db.knex, 'analyst@example.org', ['analyst']);
      const analyst = await signIn(app.url, 'analyst@example.org');
      const res = await fetch(`${app.url}/api/imports`, { headers: analyst.headers() });
      expect(res.status).toBe(200);
      const log = (await res.json()) as Array<{ id: number; kind: string; status: string; collisions: number; casualties: number; startedAt: string }>;
      // The districts, the 2023 collisions, then the 2024 fixtures with casualties.
      expect(log.map((e) => e.kind)).toEqual(['stats19', 'stats19', 'districts']);
      expect(log.every((e) => e.status === 'succeeded')).toBe(true);
      expect(log[1]).toMatchObject({ collisions: 2762, casualties: 0 });
      expect(log[0]).toMatchObject({ collisions: 4, casualties: 5 });
      expect(log.map((e) => e.id)).toEqual([...log.map((e) => e.id)].sort((a, b) => b - a));
      const one = await fetch(`${app.url}/api/imports?limit=1`, { headers: analyst.headers() });
      expect(((await one.json()) as unknown[]).length).toBe(1);
    });

    it('is for staff only: 401 without a session, 403 for a role without access', async () => {
      expect((await get('/api/imports')).status).toBe(401);
      await createStaff(db.knex, 'planner@example.org', ['planner']);
      const planner = await signIn(app.url, 'planner@example.org');
      expect((await fetch(`${app.url}/api/imports`, { headers: planner.headers() })).status).toBe(403);
    });
  });
});
