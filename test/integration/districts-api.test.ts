import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { importStats19 } from '../../server/collisions/stats19/import.ts';
import { bumpDataVersion } from '../../server/db/data-versions.ts';
import { importDistricts } from '../../server/districts/import.ts';
import { useTestApp } from '../support/app.ts';
import { testTargets } from '../support/db.ts';

const DEMO = path.resolve(import.meta.dirname, '../../demo-data');
const BOUNDARIES = path.join(DEMO, 'lancashire-lad-2017.geojson');
const COLLISIONS_CSV = path.join(DEMO, 'lancashire-collisions-2023.csv');

interface DistrictCollection {
  type: 'FeatureCollection';
  features: Array<{
    type: 'Feature';
    id: string;
    geometry: { type: string; coordinates: number[][][][] };
    properties: { code: string; name: string; collisions: number };
  }>;
}

const vertexCount = (fc: DistrictCollection) => fc.features.reduce((n, f) => n + f.geometry.coordinates.flat(2).length, 0);

describe.each(testTargets())('the district API on the $mode database', (target) => {
  const t = useTestApp(target);
  const get = (url: string, headers: Record<string, string> = {}) => fetch(`${t.app.url}${url}`, { headers });

  it('gives an empty FeatureCollection before any districts are imported', async () => {
    const res = await get('/api/districts');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ type: 'FeatureCollection', features: [] });
  });

  describe('with the Lancashire districts and 2023 collisions', () => {
    beforeAll(async () => {
      await importDistricts(t.db.knex, BOUNDARIES);
      await importStats19(t.db.knex, { collisions: COLLISIONS_CSV });
    });

    it('gives the 14 districts as WGS84 MultiPolygons with their ONS codes and names', async () => {
      const res = await get('/api/districts');
      expect(res.headers.get('content-type')).toMatch(/^application\/geo\+json/);
      const body = (await res.json()) as DistrictCollection;
      const source = JSON.parse(fs.readFileSync(BOUNDARIES, 'utf8')) as { features: Array<{ properties: { LAD17CD: string; LAD17NM: string } }> };
      expect(body.features.map((f) => [f.properties.code, f.properties.name]).sort()).toEqual(
        source.features.map((f) => [f.properties.LAD17CD, f.properties.LAD17NM]).sort(),
      );
      for (const f of body.features) {
        expect(f.id).toBe(f.properties.code);
        expect(f.geometry.type).toBe('MultiPolygon');
        for (const [lon, lat] of f.geometry.coordinates.flat(2) as unknown as Array<[number, number]>) {
          expect(lon).toBeGreaterThan(-3.5);
          expect(lon).toBeLessThan(-2);
          expect(lat).toBeGreaterThan(53.4);
          expect(lat).toBeLessThan(54.3);
        }
      }
    });

    it("counts each district's collisions as the source file does", async () => {
      const rows: Array<{ local_authority_ons_district: string }> = parse(fs.readFileSync(COLLISIONS_CSV), { columns: true });
      const body = (await (await get('/api/districts')).json()) as DistrictCollection;
      for (const f of body.features) {
        expect(f.properties.collisions, f.properties.name).toBe(rows.filter((r) => r.local_authority_ons_district === f.properties.code).length);
      }
      expect(body.features.find((f) => f.properties.code === 'E07000123')?.properties.collisions).toBe(363);
    });

    it('simplifies the boundaries to a tolerance in metres, keeping every district', async () => {
      const full = (await (await get('/api/districts')).json()) as DistrictCollection;
      const simplified = (await (await get('/api/districts?simplify=1000')).json()) as DistrictCollection;
      expect(simplified.features).toHaveLength(14);
      expect(simplified.features.every((f) => f.geometry.type === 'MultiPolygon')).toBe(true);
      expect(vertexCount(simplified)).toBeLessThan(vertexCount(full) * 0.75);
    });

    it('answers 304 to a matching If-None-Match, and changes the ETag when districts are imported again', async () => {
      const first = await get('/api/districts');
      const etag = first.headers.get('etag')!;
      expect(etag).toBeTruthy();
      expect((await get('/api/districts', { 'If-None-Match': etag })).status).toBe(304);
      expect((await get('/api/districts?simplify=50', { 'If-None-Match': etag })).status).toBe(200);
      await bumpDataVersion(t.db.knex, 'districts');
      const after = await get('/api/districts', { 'If-None-Match': etag });
      expect(after.status).toBe(200);
      expect(after.headers.get('etag')).not.toBe(etag);
    });

    it('refuses a simplify tolerance that is not a positive number of metres, and formats other than GeoJSON', async () => {
      for (const bad of ['simplify=-5', 'simplify=0', 'simplify=lots', 'simplify=20000', 'format=kml']) {
        const res = await get(`/api/districts?${bad}`);
        expect(res.status, bad).toBe(400);
        const body = (await res.json()) as { errors: Array<{ field: string; message: string }> };
        expect(body.errors[0]!.field).toBe(`query.${bad.split('=')[0]}`);
        expect(body.errors[0]!.message).toContain(`"${bad.split('=')[1]}"`);
      }
    });
  });
});
