import { z } from '../http/zod.ts';
import { collisionFilterShape, ROAD_USER_GROUPS, SEVERITIES, type CollisionFilters } from './filters.ts';

/** Rows per page of the collision list. */
export const LIST_LIMIT = { default: 1000, max: 10_000 } as const;

function fromNotAfterTo(filters: CollisionFilters, ctx: z.RefinementCtx): void {
  if (filters.from && filters.to && filters.from > filters.to) {
    ctx.addIssue({ code: 'custom', path: ['from'], message: `"from" (${filters.from}) must not be after "to" (${filters.to})` });
  }
}

const wholeNumber = (what: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { message: `${what} must be a whole number from ${min} to ${max}` })
    .transform(Number)
    .pipe(z.number().int().min(min, { message: `${what} must be at least ${min}` }).max(max, { message: `${what} must be at most ${max}` }));

export const collisionSummaryQuery = z.object(collisionFilterShape).superRefine(fromNotAfterTo);

export const collisionListQuery = z
  .object({
    ...collisionFilterShape,
    format: z.enum(['geojson', 'csv']).default('geojson').openapi({ description: 'geojson (default) or csv' }),
    limit: wholeNumber('limit', 1, LIST_LIMIT.max)
      .optional()
      .openapi({
        type: 'integer',
        description: `Rows per page, 1–${LIST_LIMIT.max}; default ${LIST_LIMIT.default} for GeoJSON. A CSV without a limit holds every matching row (streamed).`,
      }),
    offset: wholeNumber('offset', 0, Number.MAX_SAFE_INTEGER).default(0).openapi({ type: 'integer', description: 'Rows to skip (default 0)' }),
  })
  .superRefine(fromNotAfterTo);
export type CollisionListQuery = z.infer<typeof collisionListQuery>;

export const collisionIndexParams = z.object({
  collisionIndex: z
    .string()
    .regex(/^[0-9A-Za-z]{1,20}$/, { message: 'must be a DfT collision index such as 2023041258714' })
    .openapi({ example: '2023041258714' }),
});

const severity = z.enum(SEVERITIES);

const collisionProperties = z
  .object({
    collisionIndex: z.string().openapi({ example: '2023041258714' }),
    date: z.string().openapi({ description: 'Local date YYYY-MM-DD', example: '2023-01-01' }),
    time: z.string().nullable().openapi({ description: 'Local time HH:MM; null when not recorded', example: '14:45' }),
    severity,
    district: z.string().nullable().openapi({ description: 'ONS district code', example: 'E06000008' }),
    districtName: z.string().nullable().openapi({ example: 'Blackburn with Darwen' }),
    roadNumber: z.string().nullable().openapi({ description: 'e.g. M55, A601(M), A6, B5269; null for C and unclassified roads', example: 'A666' }),
    speedLimit: z.number().int().nullable().openapi({ description: 'mph' }),
    casualties: z.number().int(),
    vehicles: z.number().int(),
    lightConditions: z.string().nullable(),
    weatherConditions: z.string().nullable(),
    roadSurfaceConditions: z.string().nullable(),
    junctionDetail: z.string().nullable(),
    urbanOrRural: z.string().nullable(),
  })
  .openapi('CollisionProperties');

const link = z.object({ href: z.string(), rel: z.string(), type: z.string(), title: z.string().optional() });

export const collisionFeatureCollection = z
  .object({
    type: z.literal('FeatureCollection'),
    numberMatched: z.number().int().openapi({ description: 'Collisions matching the filters' }),
    numberReturned: z.number().int().openapi({ description: 'Features in this page' }),
    timeStamp: z.string(),
    links: z.array(link).openapi({ description: 'self, and next / prev pages when there are any (as OGC API Features)' }),
    features: z.array(
      z.object({
        type: z.literal('Feature'),
        id: z.string(),
        geometry: z
          .object({ type: z.literal('Point'), coordinates: z.tuple([z.number(), z.number()]) })
          .nullable()
          .openapi({ description: 'WGS84 longitude, latitude; null when the location was not recorded' }),
        properties: collisionProperties,
      }),
    ),
  })
  .openapi('CollisionFeatureCollection');

const severityCounts = { fatal: z.number().int(), serious: z.number().int(), slight: z.number().int(), total: z.number().int() };

export const collisionSummary = z
  .object({
    total: z.number().int(),
    bySeverity: z.object({ fatal: z.number().int(), serious: z.number().int(), slight: z.number().int() }),
    ksi: z.number().int().openapi({ description: 'Killed or seriously injured: fatal + serious collisions' }),
    byMonth: z
      .array(z.object({ month: z.string().openapi({ example: '2023-01' }), ...severityCounts }))
      .openapi({ description: 'Every month of the date range (or of the matching data), zeros included' }),
    byDistrict: z.array(z.object({ district: z.string().nullable(), name: z.string().nullable(), ...severityCounts })),
    dayHour: z.object({
      days: z.array(z.string()).openapi({ example: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] }),
      hours: z.array(z.number().int()),
      counts: z.array(z.array(z.number().int())).openapi({ description: 'counts[day][hour], day 0 = Sunday (DfT day 1)' }),
      withoutTime: z.number().int().openapi({ description: 'Matching collisions with no recorded time (not in counts)' }),
    }),
    casualtyData: z.boolean().openapi({ description: 'Whether casualty rows exist for the matching collisions' }),
    casualtiesByRoadUser: z
      .array(z.object({ group: z.enum(ROAD_USER_GROUPS), ...severityCounts }))
      .nullable()
      .openapi({ description: 'Casualties (not collisions) by road-user group and casualty severity; null without casualty data' }),
    filters: z.object({
      from: z.string().nullable(),
      to: z.string().nullable(),
      severity: z.array(severity).nullable(),
      district: z.array(z.string()).nullable(),
      bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]).nullable(),
      roadUser: z.array(z.string()).nullable(),
      youngRoadUser: z.boolean().nullable(),
    }),
  })
  .openapi('CollisionSummary');

const storedRecord = (what: string) =>
  z
    .record(z.string(), z.unknown())
    .openapi({ description: `${what}: every stored field in camelCase, coded fields as DfT labels, their codes under \`codes\`` });

export const collisionDetail = z
  .object({
    collision: collisionProperties
      .extend({
        year: z.number().int().optional(),
        location: z
          .object({
            longitude: z.number(),
            latitude: z.number(),
            easting: z.number().nullable().openapi({ description: 'EPSG:27700 metres' }),
            northing: z.number().nullable().openapi({ description: 'EPSG:27700 metres' }),
          })
          .nullable(),
        codes: z.record(z.string(), z.union([z.number(), z.string(), z.null()])).openapi({ description: 'DfT codes of the coded fields' }),
      })
      .catchall(z.unknown())
      .openapi({ description: 'The list properties plus every other stored field (coded fields as DfT labels)' }),
    casualties: z.array(storedRecord('A casualty')),
    vehicles: z.array(storedRecord('A vehicle')),
  })
  .openapi('CollisionDetail');

export const importLogQuery = z.object({
  limit: wholeNumber('limit', 1, 1000).default(100).openapi({ type: 'integer', description: 'Newest entries to return (1–1000, default 100)' }),
});

export const importLogEntry = z
  .object({
    id: z.number().int(),
    kind: z.string().openapi({ description: 'stats19 | districts | demo' }),
    files: z.unknown(),
    options: z.unknown(),
    status: z.string().openapi({ description: 'running | succeeded | failed' }),
    collisions: z.number().int(),
    casualties: z.number().int(),
    vehicles: z.number().int(),
    rejected: z.number().int(),
    message: z.string().nullable(),
    startedBy: z.string().nullable(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .openapi('ImportLogEntry');
