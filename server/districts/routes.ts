import type { AppContext } from '../context.ts';
import { dataVersion } from '../db/data-versions.ts';
import { notModified } from '../http/etag.ts';
import { defineRoute, type AnyRoute } from '../http/routes.ts';
import { z } from '../http/zod.ts';
import { districtFeatures } from './queries.ts';

const districtsQuery = z.object({
  format: z.enum(['geojson']).default('geojson').openapi({ description: 'Only geojson for now' }),
  simplify: z
    .string()
    .regex(/^\d+(\.\d+)?$/, { message: 'simplify must be a distance in metres, e.g. 50' })
    .transform(Number)
    .pipe(z.number().gt(0, { message: 'simplify must be more than 0 metres' }).max(10_000, { message: 'simplify must be at most 10000 metres' }))
    .optional()
    .openapi({ type: 'number', description: 'Simplify boundaries to this tolerance in metres (British National Grid), e.g. 50', example: '50' }),
});

const districtCollection = z
  .object({
    type: z.literal('FeatureCollection'),
    features: z.array(
      z.object({
        type: z.literal('Feature'),
        id: z.string(),
        geometry: z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(z.unknown()) }).openapi({ description: 'WGS84' }),
        properties: z.object({
          code: z.string().openapi({ description: 'ONS local authority district code', example: 'E07000123' }),
          name: z.string().openapi({ example: 'Preston' }),
          collisions: z.number().int().openapi({ description: 'Collisions stored for the district' }),
        }),
      }),
    ),
  })
  .openapi('DistrictFeatureCollection');

/** District boundaries as GeoJSON. */
export function districtRoutes(ctx: AppContext): AnyRoute[] {
  const { knex } = ctx.db;
  return [
    defineRoute({
      method: 'get',
      path: '/api/districts',
      summary: 'District boundaries with names, codes and collision counts',
      description: 'Carries an ETag that changes when districts or collisions are imported; send If-None-Match to get a 304.',
      tags: ['districts'],
      request: { query: districtsQuery },
      responses: {
        200: { description: 'A GeoJSON FeatureCollection of MultiPolygons (WGS84)', schema: districtCollection, contentTypes: ['application/geo+json'] },
        304: { description: 'Not modified since the ETag sent in If-None-Match' },
        400: { description: 'A query value is invalid' },
      },
      handler: async ({ query }, req, res) => {
        const etag = `W/"districts-${await dataVersion(knex, 'districts')}-${await dataVersion(knex, 'collisions')}-${query.simplify ?? 0}"`;
        res.setHeader('ETag', etag);
        res.setHeader('Cache-Control', 'no-cache');
        if (notModified(req, etag)) {
          res.status(304).end();
          return;
        }
        const rows = await districtFeatures(knex, { simplifyM: query.simplify });
        // GeoJSON text from PostGIS goes into the body as it is, without a parse and re-serialise.
        const features = rows.map(
          (r) =>
            `{"type":"Feature","id":${JSON.stringify(r.code)},"geometry":${r.geometry},"properties":${JSON.stringify({ code: r.code, name: r.name, collisions: r.collisions })}}`,
        );
        res.type('application/geo+json').send(`{"type":"FeatureCollection","features":[${features.join(',')}]}`);
      },
    }),
  ];
}
