import type { AppContext } from '../context.ts';
import { defineRoute, type AnyRoute } from '../http/routes.ts';
import { z } from '../http/zod.ts';

const health = z
  .object({
    status: z.literal('ok'),
    database: z.enum(['embedded', 'postgresql']),
    postgis: z.string().openapi({ example: '3.3.2' }),
    collisions: z.number().int(),
    version: z.string(),
  })
  .openapi('Health');

/** Service routes: health and client configuration. (The OpenAPI route is added by the app.) */
export function serviceRoutes(ctx: AppContext): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/healthz',
      summary: 'Liveness and database check',
      tags: ['service'],
      responses: { 200: { description: 'Healthy', schema: health }, 503: { description: 'Database unreachable' } },
      handler: async (_input, _req, res) => {
        const { rows } = await ctx.db.knex.raw('SELECT count(*) AS n FROM collisions');
        res.json({
          status: 'ok',
          database: ctx.db.mode,
          postgis: ctx.db.postgisVersion,
          collisions: Number(rows[0].n),
          version: ctx.version,
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/config',
      summary: 'Settings the map client needs',
      tags: ['service'],
      responses: {
        200: {
          description: 'Client configuration',
          schema: z.object({ basemapStyleUrl: z.string().nullable(), tileMinPointZoom: z.number().int() }),
        },
      },
      handler: (_input, _req, res) => {
        res.json({ basemapStyleUrl: ctx.config.BASEMAP_STYLE_URL ?? null, tileMinPointZoom: 11 });
      },
    }),
  ];
}
