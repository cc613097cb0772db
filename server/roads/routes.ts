import type { AppContext } from '../context.ts';
import { defineRoute, type AnyRoute } from '../http/routes.ts';
import { z } from '../http/zod.ts';
import { roadNetworkState } from './queries.ts';
import { ROAD_CLASSES } from './tags.ts';

const importRecord = z
  .object({
    id: z.number().int(),
    sourceFile: z.string().openapi({ description: 'The imported file (absolute path on the machine that ran the import)' }),
    status: z.enum(['running', 'succeeded', 'failed']),
    options: z.record(z.string(), z.unknown()).openapi({ description: 'includeService, includePaths, urbanSegmentM, ruralSegmentM' }),
    ways: z.number().int().openapi({ description: 'OSM highway ways that gave at least one edge' }),
    nodes: z.number().int().openapi({ description: 'Graph nodes (way ends and shared nodes)' }),
    edges: z.number().int(),
    segments: z.number().int().openapi({ description: 'Scoring segments (≤ 100 m urban, ≤ 200 m rural)' }),
    junctions: z.number().int().openapi({ description: 'Graph nodes of degree ≥ 3' }),
    message: z.string().nullable().openapi({ description: 'Summary, or what went wrong' }),
    startedBy: z.string().nullable(),
    startedAt: z.string().openapi({ format: 'date-time' }),
    finishedAt: z.string().nullable().openapi({ format: 'date-time' }),
  })
  .openapi('RoadNetworkImport');

const bbox = z.tuple([z.number(), z.number(), z.number(), z.number()]);

const roadNetworkStateSchema = z
  .object({
    loaded: z.boolean().openapi({ description: 'A road network is stored: hotspot runs use junctions/segments/windows; without one they use the hexagon grid' }),
    import: importRecord.nullable().openapi({ description: 'The import whose network is stored (the latest that succeeded)' }),
    lastAttempt: importRecord.nullable().openapi({ description: 'The latest import when it is not the stored one (e.g. failed or running)' }),
    network: z.object({
      nodes: z.number().int(),
      junctions: z.number().int(),
      edges: z.number().int(),
      segments: z.number().int(),
      lengthKm: z.number().openapi({ description: 'Total edge length, km (EPSG:27700)' }),
      urbanLengthKm: z.number(),
      ruralLengthKm: z.number(),
      byRoadClass: z.array(
        z.object({
          roadClass: z.enum(ROAD_CLASSES),
          edges: z.number().int(),
          segments: z.number().int(),
          lengthKm: z.number(),
        }),
      ),
      byDistrict: z.array(z.object({ districtCode: z.string().nullable(), segments: z.number().int(), lengthKm: z.number() })),
      bbox: bbox.nullable().openapi({ description: '[west, south, east, north], degrees (WGS84)' }),
      bboxBng: bbox.nullable().openapi({ description: '[minEasting, minNorthing, maxEasting, maxNorthing], metres (EPSG:27700)' }),
    }),
  })
  .openapi('RoadNetworkState');

/** The road network's import state for staff. */
export function roadRoutes(ctx: AppContext): AnyRoute[] {
  const { knex } = ctx.db;
  return [
    defineRoute({
      method: 'get',
      path: '/api/road-network',
      summary: 'The stored road network: its import and counts by road class',
      description:
        'Imported with `roadsafe import roads FILE.osm.pbf`. With no network (`loaded: false`) hotspot runs use the hexagon grid.',
      tags: ['roads'],
      responses: {
        200: { description: 'Import record, counts by road class and district, total length and bounding box', schema: roadNetworkStateSchema },
      },
      handler: async (_input, _req, res) => {
        res.setHeader('Cache-Control', 'no-store');
        res.json(await roadNetworkState(knex));
      },
    }),
  ];
}
