import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { z } from '../http/zod.ts';

export const SEVERITIES = ['fatal', 'serious', 'slight'] as const;
export type SeverityName = (typeof SEVERITIES)[number];
/** DfT severity codes: 1 fatal, 2 serious, 3 slight. */
export const SEVERITY_CODE: Record<SeverityName, number> = { fatal: 1, serious: 2, slight: 3 };
export const SEVERITY_NAME: Record<number, SeverityName> = { 1: 'fatal', 2: 'serious', 3: 'slight' };

/** Road-user groups derived from the casualty table's casualty_type. */
export const ROAD_USER_GROUPS = ['pedestrian', 'cyclist', 'motorcyclist', 'car', 'goods', 'bus', 'other'] as const;
export type RoadUserGroup = (typeof ROAD_USER_GROUPS)[number];

/** Accepts `a,b` or repeated `?x=a&x=b`; returns a de-duplicated list. */
function listOf<T extends string>(values: readonly [T, ...T[]], what: string) {
  return z
    .union([z.string(), z.array(z.string())])
    .transform((v) => [...new Set((Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean))])
    .pipe(z.array(z.enum(values, { message: `each ${what} must be one of: ${values.join(', ')}` })).min(1, { message: `give at least one ${what}` }));
}

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date as YYYY-MM-DD' })
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), {
    message: 'is not a real calendar date',
  });

const districtCodes = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => [...new Set((Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim().toUpperCase()).filter(Boolean))])
  .pipe(z.array(z.string().regex(/^[EWSN]\d{8}$/, { message: 'must be ONS district codes such as E07000123' })).min(1));

const bbox = z
  .string()
  .transform((s, ctx) => {
    const parts = s.split(',').map((p) => Number(p.trim()));
    if (parts.length !== 4 || parts.some((n) => !Number.isFinite(n))) {
      ctx.addIssue({ code: 'custom', message: 'must be four numbers: minLon,minLat,maxLon,maxLat' });
      return z.NEVER;
    }
    const [minLon, minLat, maxLon, maxLat] = parts as [number, number, number, number];
    if (minLon < -180 || maxLon > 180 || minLat < -90 || maxLat > 90) {
      ctx.addIssue({ code: 'custom', message: 'longitudes must be within -180..180 and latitudes within -90..90' });
      return z.NEVER;
    }
    if (minLon >= maxLon || minLat >= maxLat) {
      ctx.addIssue({ code: 'custom', message: 'min values must be below max values (minLon,minLat,maxLon,maxLat)' });
      return z.NEVER;
    }
    return { minLon, minLat, maxLon, maxLat };
  });

const booleanParam = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** Filters shared by the collision list, summary, and tile routes (query-string shape). */
export const collisionFilterShape = {
  from: isoDate.optional().openapi({ description: 'First date, inclusive (YYYY-MM-DD)', example: '2023-01-01' }),
  to: isoDate.optional().openapi({ description: 'Last date, inclusive (YYYY-MM-DD)', example: '2023-12-31' }),
  severity: listOf(SEVERITIES, 'severity').optional().openapi({ description: 'Any of fatal,serious,slight', example: 'fatal,serious' }),
  district: districtCodes.optional().openapi({ description: 'ONS district codes, comma-separated', example: 'E07000123' }),
  bbox: bbox.optional().openapi({ description: 'minLon,minLat,maxLon,maxLat (WGS84)', example: '-3.1,53.7,-2.6,54.0' }),
  roadUser: listOf(ROAD_USER_GROUPS, 'road-user group')
    .optional()
    .openapi({ description: 'Collisions with a casualty in any of these groups (needs casualty data)', example: 'cyclist,motorcyclist' }),
  youngRoadUser: booleanParam.optional().openapi({ description: 'true: collisions with a casualty aged 17–24 (needs casualty data)' }),
};

export const collisionFilterSchema = z
  .object(collisionFilterShape)
  .refine((f) => !f.from || !f.to || f.from <= f.to, { message: '"from" must not be after "to"', path: ['from'] });

export type CollisionFilters = z.infer<typeof collisionFilterSchema>;

/**
 * Adds the filters to a query over `collisions` aliased `alias`. Date bounds are inclusive;
 * roadUser / youngRoadUser match collisions with at least one such casualty.
 */
export function applyCollisionFilters(query: Knex.QueryBuilder, filters: CollisionFilters, alias = 'c'): Knex.QueryBuilder {
  if (filters.from) query.where(`${alias}.date`, '>=', filters.from);
  if (filters.to) query.where(`${alias}.date`, '<=', filters.to);
  if (filters.severity) query.whereIn(`${alias}.severity`, filters.severity.map((s) => SEVERITY_CODE[s]));
  if (filters.district) query.whereIn(`${alias}.district_code`, filters.district);
  if (filters.bbox) {
    const { minLon, minLat, maxLon, maxLat } = filters.bbox;
    query.whereRaw(`${alias}.geom_4326 && ST_MakeEnvelope(?, ?, ?, ?, 4326)`, [minLon, minLat, maxLon, maxLat]);
  }
  if (filters.roadUser) {
    query.whereRaw(
      `EXISTS (SELECT 1 FROM casualties k WHERE k.collision_index = ${alias}.collision_index AND k.road_user_group = ANY(?))`,
      [filters.roadUser],
    );
  }
  if (filters.youngRoadUser !== undefined) {
    query.whereRaw(
      `${filters.youngRoadUser ? '' : 'NOT '}EXISTS (SELECT 1 FROM casualties k WHERE k.collision_index = ${alias}.collision_index AND k.age BETWEEN 17 AND 24)`,
    );
  }
  return query;
}

/** Same meaning, same form: sorted lists, and all three severities is no severity filter. */
export function normaliseFilters(filters: CollisionFilters): CollisionFilters {
  const out: CollisionFilters = { ...filters };
  if (out.severity) out.severity = out.severity.length === SEVERITIES.length ? undefined : [...out.severity].sort();
  if (out.district) out.district = [...out.district].sort();
  if (out.roadUser) out.roadUser = [...out.roadUser].sort();
  for (const key of Object.keys(out) as Array<keyof CollisionFilters>) if (out[key] === undefined) delete out[key];
  return out;
}

/** A short stable key for the filters ('all' when there are none); the tile and summary caches key on it. */
export function filterHash(filters: CollisionFilters): string {
  const normal = normaliseFilters(filters);
  const keys = Object.keys(normal).sort() as Array<keyof CollisionFilters>;
  if (keys.length === 0) return 'all';
  const canonical = keys.map((k) => `${k}=${JSON.stringify(normal[k])}`).join('&');
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 16);
}
