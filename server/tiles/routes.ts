import { collisionFilterShape } from '../collisions/filters.ts';
import { SITE_UNITS } from '../hotspots/pipeline-types.ts';
import type { AppContext } from '../context.ts';
import { notFound } from '../http/errors.ts';
import { notModified } from '../http/etag.ts';
import { defineRoute, type AnyRoute } from '../http/routes.ts';
import { z } from '../http/zod.ts';
import { TILE_LAYERS, TileService, type TileLayer, type TileServiceOptions } from './service.ts';
import { MAX_ZOOM } from './tile.ts';

export const MVT_CONTENT_TYPE = 'application/vnd.mapbox-vector-tile';

// Tiles change only when an import bumps the data version. A minute lets the browser reuse tiles
// while panning and zooming without asking; after that it revalidates with If-None-Match, which
// costs one version lookup and a 304, so a new import shows on the map within a minute.
const CACHE_CONTROL = 'public, max-age=60';

const TILE_NUMBER = /^\d{1,8}$/;

const tileParams = z
  .object({
    layer: z.string().openapi({ description: `Layer: ${TILE_LAYERS.join(' or ')}`, example: 'collisions' }),
    z: z.string().openapi({ description: `Zoom, 0–${MAX_ZOOM}`, example: '14' }),
    x: z.string().openapi({ description: 'Column, 0 to 2^z − 1', example: '8069' }),
    y: z.string().openapi({ description: 'Row from the north, 0 to 2^z − 1', example: '5279' }),
  })
  .superRefine((p, ctx) => {
    const zoom = TILE_NUMBER.test(p.z) ? Number(p.z) : NaN;
    if (!(zoom <= MAX_ZOOM)) {
      ctx.addIssue({ code: 'custom', path: ['z'], message: `z must be a whole number from 0 to ${MAX_ZOOM}, got "${p.z}"` });
      return;
    }
    const max = 2 ** zoom - 1;
    for (const field of ['x', 'y'] as const) {
      const value = TILE_NUMBER.test(p[field]) ? Number(p[field]) : NaN;
      if (!(value <= max)) {
        ctx.addIssue({ code: 'custom', path: [field], message: `${field} must be a whole number from 0 to ${max} at zoom ${zoom}, got "${p[field]}"` });
      }
    }
  });

const tileQuery = z
  .object({
    ...collisionFilterShape,
    unit: z
      .enum(SITE_UNITS, { message: `unit must be one of: ${SITE_UNITS.join(', ')}` })
      .optional()
      .openapi({ description: 'Layer hotspots only: segment | junction | window | cell (default: segments and junctions, or cells)' }),
  })
  .refine((f) => !f.from || !f.to || f.from <= f.to, { message: '"from" must not be after "to"', path: ['from'] });

/**
 * Vector tiles for the collisions, districts and hotspots layers.
 * @param options cache size and point budget (tests and benchmarks pass their own).
 */
export function tileRoutes(ctx: AppContext, options: TileServiceOptions = {}): AnyRoute[] {
  const tiles = new TileService(ctx.db, { logger: ctx.logger, ...options });
  const warm = tiles.warmUp();
  if (ctx.warmUps) ctx.warmUps.push(warm);
  else void warm;
  return [
    defineRoute({
      method: 'get',
      path: '/tiles/:layer/:z/:x/:y.mvt',
      summary: 'A Mapbox vector tile of collisions, districts or hotspot sites',
      description:
        'Layer `collisions` takes the same filters as GET /api/collisions. Below zoom 11, and where a tile would hold more ' +
        'than 8,000 collisions, its features are grid cells (`aggregated: true`, `count`, `fatal`, `serious`, `slight`); ' +
        'otherwise one point per collision (`collisionIndex`, `severity` 1–3, `severityName`, `date`, `district`). ' +
        'Layer `districts`: polygons with `code` and `name` (filters ignored). ' +
        'Layer `hotspots`: the ranked sites of the latest succeeded full hotspot run (`siteId`, `unit`, `rank`, `harmScore`, ' +
        '`candidate`, `corridor`, `pExcess`, `roadLabel`; absent when null); `unit` picks one unit (and the latest run of its kind), ' +
        'otherwise segments and junctions of a network run or cells of a grid run. From zoom 12 each site has its own geometry ' +
        '(junction point, segment or window line, hexagon); below, one point on it. At most 4,000 sites per tile, the best ranked. ' +
        'ETags follow the data version; gzip when accepted.',
      tags: ['tiles'],
      request: { params: tileParams, query: tileQuery },
      responses: {
        200: { description: 'The tile', contentTypes: [MVT_CONTENT_TYPE] },
        204: { description: 'No features in this tile' },
        304: { description: 'Not modified since the ETag in If-None-Match' },
        400: { description: 'Bad z/x/y or filter' },
        404: { description: 'No such layer' },
      },
      handler: async ({ params, query }, req, res) => {
        if (!(TILE_LAYERS as readonly string[]).includes(params.layer)) {
          throw notFound(`No tile layer "${params.layer}"; the layers are: ${TILE_LAYERS.join(', ')}.`);
        }
        const layer = params.layer as TileLayer;
        const tile = { z: Number(params.z), x: Number(params.x), y: Number(params.y) };
        const etag = await tiles.etag(layer, tile, query);
        res.setHeader('ETag', etag);
        res.setHeader('Cache-Control', CACHE_CONTROL);
        res.setHeader('Vary', 'Accept-Encoding');
        if (notModified(req, etag)) {
          res.status(304).end();
          return;
        }
        const entry = await tiles.cached(etag, layer, tile, query);
        if (!entry.body) {
          res.status(204).end();
          return;
        }
        res.setHeader('Content-Type', MVT_CONTENT_TYPE);
        // Gzip once per cached tile and send those bytes; setting Content-Encoding makes the app's
        // compression middleware step aside instead of compressing the same tile on every request.
        if (req.acceptsEncodings('gzip', 'identity') === 'gzip') {
          const body = await tiles.gzipped(etag, entry);
          res.setHeader('Content-Encoding', 'gzip');
          res.setHeader('Content-Length', body.length);
          res.end(body);
          return;
        }
        res.setHeader('Content-Length', entry.body.length);
        res.end(entry.body);
      },
    }),
  ];
}
