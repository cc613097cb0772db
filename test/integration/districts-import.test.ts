import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dataVersion } from '../../server/db/data-versions.ts';
import { DistrictImportError, importDistricts } from '../../server/districts/import.ts';
import { openTestDatabase, testTargets } from '../support/db.ts';

const LANCASHIRE_LAD_2017 = fileURLToPath(new URL('../../demo-data/lancashire-lad-2017.geojson', import.meta.url));
const LANCASHIRE_PFA_2016 = fileURLToPath(new URL('../../../shared/data/boundaries/lancashire-police-force-area-2016.geojson', import.meta.url));

const square = (x: number, y: number, size: number) => [
  [
    [x, y],
    [x + size, y],
    [x + size, y + size],
    [x, y + size],
    [x, y],
  ],
];

describe.each(testTargets())('district boundary import on the $mode database', (target) => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let tmp: string;
  beforeAll(async () => {
    db = await openTestDatabase(target);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'districts-test-'));
  });
  afterAll(async () => {
    await db?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** Writes a FeatureCollection to a temp file and returns its path. */
  const geojson = (name: string, features: unknown[], extra: Record<string, unknown> = {}) => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, JSON.stringify({ type: 'FeatureCollection', ...extra, features }));
    return file;
  };
  const count = async () => Number((await db.knex.raw('SELECT count(*) AS n FROM districts')).rows[0].n);

  describe('the 14 Lancashire districts (ONS 2017)', () => {
    beforeAll(async () => {
      await db.knex('districts').del();
    });

    it('imports them, detecting LAD17CD/LAD17NM, as valid MultiPolygons in EPSG:4326 and EPSG:27700', async () => {
      const before = await dataVersion(db.knex, 'districts');
      const result = await importDistricts(db.knex, LANCASHIRE_LAD_2017);
      expect(result).toMatchObject({ features: 14, inserted: 14, updated: 0, unchanged: 0, codeProperty: 'LAD17CD', nameProperty: 'LAD17NM' });
      const { rows } = await db.knex.raw(`
        SELECT count(*) AS n, bool_and(ST_IsValid(geom) AND ST_IsValid(geom_bng)) AS valid,
               array_agg(DISTINCT ST_SRID(geom)) AS srid, array_agg(DISTINCT ST_SRID(geom_bng)) AS srid_bng,
               array_agg(DISTINCT GeometryType(geom)) AS types
        FROM districts`);
      expect(rows[0]).toMatchObject({ n: '14', valid: true, srid: [4326], srid_bng: [27700], types: ['MULTIPOLYGON'] });
      expect(await db.knex('districts').where({ code: 'E07000123' }).first('name', 'source')).toEqual({ name: 'Preston', source: 'lancashire-lad-2017.geojson' });
      expect(await dataVersion(db.knex, 'districts')).toBe(before + 1);
    });

    it('puts a known Preston collision location (EPSG:27700) inside Preston', async () => {
      const { rows } = await db.knex.raw(
        `SELECT code FROM districts WHERE ST_Contains(geom_bng, ST_SetSRID(ST_MakePoint(355690, 429951), 27700))
         AND ST_Contains(geom, ST_SetSRID(ST_MakePoint(-2.673646, 53.764015), 4326))`,
      );
      expect(rows).toEqual([{ code: 'E07000123' }]);
    });

    it('changes nothing (and keeps the data version) when the same file is imported again', async () => {
      const before = await dataVersion(db.knex, 'districts');
      const result = await importDistricts(db.knex, LANCASHIRE_LAD_2017);
      expect(result).toMatchObject({ inserted: 0, updated: 0, unchanged: 14 });
      expect(await count()).toBe(14);
      expect(await dataVersion(db.knex, 'districts')).toBe(before);
    });

    it('imports another ONS area type with lower-case property names (police force area pfa16cd/pfa16nm)', async () => {
      const result = await importDistricts(db.knex, LANCASHIRE_PFA_2016);
      expect(result).toMatchObject({ features: 1, inserted: 1, codeProperty: 'pfa16cd', nameProperty: 'pfa16nm' });
      expect(await db.knex('districts').where({ code: 'E23000003' }).first('name')).toEqual({ name: 'Lancashire' });
    });
  });

  describe('other inputs', () => {
    beforeEach(async () => {
      await db.knex('districts').del();
    });

    it('uses the code and name properties it is given', async () => {
      const file = geojson('named.geojson', [{ type: 'Feature', properties: { id: 'X01', label: 'Somewhere' }, geometry: { type: 'Polygon', coordinates: square(-2.7, 53.7, 0.1) } }]);
      const result = await importDistricts(db.knex, file, { codeProperty: 'id', nameProperty: 'label' });
      expect(result).toMatchObject({ inserted: 1, codeProperty: 'id', nameProperty: 'label' });
    });

    it('repairs a self-intersecting polygon with ST_MakeValid', async () => {
      const bowtie = [
        [
          [-2.7, 53.7],
          [-2.6, 53.8],
          [-2.6, 53.7],
          [-2.7, 53.8],
          [-2.7, 53.7],
        ],
      ];
      const file = geojson('bowtie.geojson', [{ type: 'Feature', properties: { LAD23CD: 'E99999999', LAD23NM: 'Bowtie' }, geometry: { type: 'Polygon', coordinates: bowtie } }]);
      await importDistricts(db.knex, file);
      const { rows } = await db.knex.raw(`SELECT ST_IsValid(geom) AS valid, GeometryType(geom) AS type, ST_NumGeometries(geom) AS parts FROM districts WHERE code = 'E99999999'`);
      expect(rows[0]).toEqual({ valid: true, type: 'MULTIPOLYGON', parts: 2 });
    });

    it('reads a file that declares British National Grid (EPSG:27700) coordinates', async () => {
      const file = geojson(
        'bng.geojson',
        [{ type: 'Feature', properties: { LAD23CD: 'E99999998', LAD23NM: 'Grid square' }, geometry: { type: 'Polygon', coordinates: square(355000, 429000, 2000) } }],
        { crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::27700' } } },
      );
      await importDistricts(db.knex, file);
      const { rows } = await db.knex.raw(
        `SELECT ST_Contains(geom, ST_SetSRID(ST_MakePoint(-2.673646, 53.764015), 4326)) AS has_point, round(ST_Area(geom_bng)) AS area FROM districts`,
      );
      expect(rows[0]).toEqual({ has_point: true, area: 4_000_000 });
    });

    it.each([
      ['not a FeatureCollection', { type: 'Feature' }, 'districts file bad.geojson: is not a GeoJSON FeatureCollection', undefined],
      [
        'no ONS code property',
        { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { name: 'x' }, geometry: { type: 'Polygon', coordinates: square(0, 51, 1) } }] },
        'districts file bad.geojson feature 1: has no ONS code property like LAD23CD (properties: name)',
        1,
      ],
      [
        'a feature without its code',
        {
          type: 'FeatureCollection',
          features: [
            { type: 'Feature', properties: { LAD23CD: 'E1', LAD23NM: 'One' }, geometry: { type: 'Polygon', coordinates: square(0, 51, 1) } },
            { type: 'Feature', properties: { LAD23NM: 'Two' }, geometry: { type: 'Polygon', coordinates: square(0, 52, 1) } },
          ],
        },
        'districts file bad.geojson feature 2: property LAD23CD is missing or empty',
        2,
      ],
      [
        'a point instead of a polygon',
        {
          type: 'FeatureCollection',
          features: [
            { type: 'Feature', properties: { LAD23CD: 'E1', LAD23NM: 'One' }, geometry: { type: 'Polygon', coordinates: square(0, 51, 1) } },
            { type: 'Feature', properties: { LAD23CD: 'E2', LAD23NM: 'Two' }, geometry: { type: 'Point', coordinates: [0, 51] } },
          ],
        },
        'districts file bad.geojson feature 2: (E2) geometry is Point, not Polygon or MultiPolygon',
        2,
      ],
      [
        'a repeated code',
        {
          type: 'FeatureCollection',
          features: [
            { type: 'Feature', properties: { LAD23CD: 'E1', LAD23NM: 'One' }, geometry: { type: 'Polygon', coordinates: square(0, 51, 1) } },
            { type: 'Feature', properties: { LAD23CD: 'E1', LAD23NM: 'Again' }, geometry: { type: 'Polygon', coordinates: square(0, 52, 1) } },
          ],
        },
        'districts file bad.geojson feature 2: code E1 repeats feature 1',
        2,
      ],
    ])('rejects %s with the feature number and property, writing nothing', async (_case, content, message, feature) => {
      const file = path.join(tmp, 'bad.geojson');
      fs.writeFileSync(file, JSON.stringify(content));
      const error = await importDistricts(db.knex, file).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(DistrictImportError);
      expect((error as Error).message).toContain(message);
      expect((error as DistrictImportError).feature).toBe(feature);
      expect(await count()).toBe(0);
    });

    it('names a file that is not JSON', async () => {
      const file = path.join(tmp, 'broken.geojson');
      fs.writeFileSync(file, '{"type": "FeatureCollection", ');
      await expect(importDistricts(db.knex, file)).rejects.toThrow(/districts file broken\.geojson: is not valid JSON/);
    });
  });
});
