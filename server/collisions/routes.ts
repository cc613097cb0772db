import type { Request } from 'express';
import type { AppContext } from '../context.ts';
import { notFound } from '../http/errors.ts';
import { defineRoute, type AnyRoute } from '../http/routes.ts';
import { csvStream, sendCsv } from './csv.ts';
import { collisionDetail } from './detail.ts';
import { COLLISION_CSV_HEADERS, collisionCsvValues, collisionFeature } from './properties.ts';
import {
  casualtiesOf,
  collisionBatches,
  countCollisions,
  findCollision,
  importLog,
  listCollisions,
  summaryCounts,
  vehiclesOf,
  type SummaryRow,
} from './queries.ts';
import {
  collisionDetail as collisionDetailSchema,
  collisionFeatureCollection,
  collisionIndexParams,
  collisionListQuery,
  collisionSummary,
  collisionSummaryQuery,
  importLogEntry,
  importLogQuery,
  LIST_LIMIT,
  type CollisionListQuery,
} from './schemas.ts';
import { buildSummary } from './summary.ts';
import { SummaryCache } from './summary-cache.ts';
import { z } from '../http/zod.ts';

/** This request's URL with other paging parameters, for `links` and the `Link` header. */
function pageUrl(req: Request, changes: Record<string, string>): string {
  const url = new URL(req.originalUrl, `${req.protocol}://${req.get('host')}`);
  for (const [key, value] of Object.entries(changes)) url.searchParams.set(key, value);
  return url.toString();
}

/** OGC API Features style links: self, alternate CSV, and next / prev when those pages exist. */
function pageLinks(req: Request, query: CollisionListQuery, limit: number, returned: number, matched: number) {
  const page = (offset: number) => ({ offset: String(offset), limit: String(limit) });
  const links = [
    { href: pageUrl(req, {}), rel: 'self', type: 'application/geo+json', title: 'This page' },
    { href: pageUrl(req, { format: 'csv', ...page(query.offset) }), rel: 'alternate', type: 'text/csv', title: 'This page as CSV' },
  ];
  if (query.offset + returned < matched) {
    links.push({ href: pageUrl(req, page(query.offset + limit)), rel: 'next', type: 'application/geo+json', title: 'Next page' });
  }
  if (query.offset > 0) {
    links.push({ href: pageUrl(req, page(Math.max(0, query.offset - limit))), rel: 'prev', type: 'application/geo+json', title: 'Previous page' });
  }
  return links;
}

/** Collision API: list (GeoJSON/CSV), summary, one collision, import log. */
export function collisionRoutes(ctx: AppContext): AnyRoute[] {
  const { knex } = ctx.db;
  const summaries = new SummaryCache<SummaryRow[]>();
  return [
    defineRoute({
      method: 'get',
      path: '/api/collisions',
      summary: 'Collisions matching the filters, as GeoJSON or CSV',
      description:
        'Ordered by date, time (missing times last) and collision index, so pages are stable. ' +
        `GeoJSON pages hold ${LIST_LIMIT.default} collisions unless \`limit\` says otherwise and carry numberMatched, numberReturned and next/prev links. ` +
        'CSV is streamed; without `limit` it holds every matching collision. Its X-Total-Count header gives the number matched.',
      tags: ['collisions'],
      request: { query: collisionListQuery },
      responses: {
        200: {
          description:
            'format=geojson: a FeatureCollection of Point features (WGS84). format=csv: CSV (RFC 4180) with a header row, ' +
            'the same properties as columns then longitude, latitude (WGS84) and easting, northing (EPSG:27700 metres).',
          schema: collisionFeatureCollection,
          contentTypes: ['application/geo+json', 'text/csv'],
        },
        400: { description: 'A filter or paging value is invalid; `errors` names each field and value' },
      },
      handler: async ({ query }: { query: CollisionListQuery }, req, res) => {
        if (query.format === 'csv') {
          const matched = await countCollisions(knex, query);
          res.setHeader('X-Total-Count', String(matched));
          if (query.limit !== undefined && query.offset + query.limit < matched) {
            res.setHeader('Link', `<${pageUrl(req, { offset: String(query.offset + query.limit), limit: String(query.limit) })}>; rel="next"`);
          }
          // The batches stop with the stream when the client goes away mid-download.
          const batches = collisionBatches(knex, query, { offset: query.offset, limit: query.limit });
          await sendCsv(res, 'collisions.csv', csvStream(COLLISION_CSV_HEADERS, collisionCsvValues, batches));
          return;
        }
        const limit = query.limit ?? LIST_LIMIT.default;
        const [matched, rows] = await Promise.all([
          countCollisions(knex, query),
          listCollisions(knex, query, { limit, start: { offset: query.offset } }),
        ]);
        res.type('application/geo+json').json({
          type: 'FeatureCollection',
          numberMatched: matched,
          numberReturned: rows.length,
          timeStamp: new Date().toISOString(),
          links: pageLinks(req, query, limit, rows.length, matched),
          features: rows.map(collisionFeature),
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/collisions/summary',
      summary: 'Counts of the collisions matching the filters',
      description:
        'By severity, by month (every month of the range, zeros included), by district, a day-of-week × hour matrix ' +
        '(DfT days: Sunday first), and casualties by road-user group and severity when casualty data exists.',
      tags: ['collisions'],
      request: { query: collisionSummaryQuery },
      responses: {
        200: { description: 'The summary', schema: collisionSummary },
        400: { description: 'A filter value is invalid; `errors` names each field and value' },
      },
      handler: async ({ query }, _req, res) => {
        // Counts are cached; the response (which echoes the filters as given) is built per request.
        res.json(buildSummary(await summaries.get(knex, query, () => summaryCounts(knex, query)), query));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/collisions/:collisionIndex',
      summary: 'One collision with its casualties and vehicles',
      tags: ['collisions'],
      request: { params: collisionIndexParams },
      responses: {
        200: { description: 'The collision, every stored field decoded with the DfT code list', schema: collisionDetailSchema },
        404: { description: 'No collision has that index' },
      },
      handler: async ({ params }, _req, res) => {
        const row = await findCollision(knex, params.collisionIndex);
        if (!row) {
          throw notFound(
            `No collision has the index "${params.collisionIndex}". A DfT collision index is the year, the police force and the reference, e.g. 2023041258714.`,
          );
        }
        const casualties = await casualtiesOf(knex, params.collisionIndex);
        const vehicles = await vehiclesOf(knex, params.collisionIndex);
        res.json(collisionDetail(row, casualties, vehicles));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/imports',
      summary: 'The import log, newest first',
      tags: ['imports'],
      request: { query: importLogQuery },
      responses: { 200: { description: 'Imports of STATS19 files and district boundaries', schema: z.array(importLogEntry) } },
      handler: async ({ query }, _req, res) => {
        const rows = await importLog(knex, query.limit);
        res.json(
          rows.map((r) => ({
            id: r.id,
            kind: r.kind,
            files: r.files,
            options: r.options,
            status: r.status,
            collisions: r.collisions,
            casualties: r.casualties,
            vehicles: r.vehicles,
            rejected: r.rejected,
            message: r.message,
            startedBy: r.started_by,
            startedAt: new Date(r.started_at).toISOString(),
            finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
          })),
        );
      },
    }),
  ];
}
