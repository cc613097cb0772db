import { z } from '../http/zod.ts';
import { lineLengthM, type Position } from '../concerns/model.ts';

/** Request schemas of the site register API (validation and the OpenAPI document). */

export const SITE_CATEGORIES = ['mobile_route', 'community_concern', 'motorway', 'fixed_site'] as const;
export const SPEED_LIMITS = [20, 30, 40, 50, 60, 70] as const;
export const LIMIT_KINDS = ['limit', 'zone'] as const;

/** The United Kingdom's extent in WGS84 (with a margin): parking positions and stretches must be inside. */
export const UK_BOUNDS = { minLon: -8.7, maxLon: 1.8, minLat: 49.8, maxLat: 60.9 } as const;
/** Longest stretch the register takes, metres (the longest route the criteria allow is 20 km). */
export const MAX_STRETCH_M = 30_000;
export const REFERENCE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$/;

const required = (what: string) => (issue: { input?: unknown }) => (issue.input === undefined ? `required: ${what}` : undefined);

const isRealDate = (v: string) => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === v;
};
export const isoDate = z.string({ error: 'must be a date YYYY-MM-DD' }).refine(isRealDate, { message: 'must be a real date as YYYY-MM-DD' });
const clock = z.string({ error: 'must be a time HH:MM' }).regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'must be a time HH:MM (24-hour, local)' });

const inUk = (lon: number, lat: number) => lon >= UK_BOUNDS.minLon && lon <= UK_BOUNDS.maxLon && lat >= UK_BOUNDS.minLat && lat <= UK_BOUNDS.maxLat;
const ukMessage = (lon: number, lat: number) =>
  `[${lon}, ${lat}] is not in the United Kingdom: give [longitude, latitude] in WGS84 (longitude ${UK_BOUNDS.minLon}…${UK_BOUNDS.maxLon}, latitude ${UK_BOUNDS.minLat}…${UK_BOUNDS.maxLat})`;

/** Optional text: blank means absent. */
const optionalText = (max: number) =>
  z
    .string({ error: 'must be text' })
    .trim()
    .max(max, { message: `must be at most ${max} characters` })
    .nullish()
    .transform((v) => v || null);
const requiredText = (what: string, max: number) =>
  z
    .string({ error: (issue) => required(what)(issue) ?? 'must be text' })
    .trim()
    .min(1, { message: `required: ${what}` })
    .max(max, { message: `must be at most ${max} characters` });

const position = z
  .array(z.number({ error: 'coordinates must be numbers' }), { error: 'a position must be [longitude, latitude]' })
  .min(2, { message: 'a position must be [longitude, latitude]' })
  .max(3, { message: 'a position must be [longitude, latitude]' })
  .superRefine((p, ctx) => {
    if (!inUk(p[0] as number, p[1] as number)) ctx.addIssue({ code: 'custom', message: ukMessage(p[0] as number, p[1] as number) });
  })
  .transform((p): Position => [p[0] as number, p[1] as number]);

export const stretchSchema = z
  .object(
    {
      type: z.literal('LineString', { error: 'must be a GeoJSON LineString' }),
      coordinates: z
        .array(position, { error: 'a LineString needs an array of [longitude, latitude] positions' })
        .min(2, { message: 'a stretch needs at least 2 points' })
        .max(2000, { message: 'a stretch may have at most 2000 points; simplify it' }),
    },
    { error: (issue) => required('the enforceable stretch as a GeoJSON LineString (WGS84)')(issue) ?? 'must be a GeoJSON LineString (WGS84)' },
  )
  .superRefine((line, ctx) => {
    if (line.coordinates.length < 2) return;
    const lengthM = lineLengthM(line.coordinates);
    if (lengthM < 10) ctx.addIssue({ code: 'custom', message: `the stretch is ${lengthM.toFixed(1)} m long; an enforceable stretch is at least 10 m` });
    else if (lengthM > MAX_STRETCH_M) ctx.addIssue({ code: 'custom', message: `the stretch is ${(lengthM / 1000).toFixed(1)} km long; the register takes at most ${MAX_STRETCH_M / 1000} km` });
  })
  .openapi({ description: 'The enforceable stretch: a GeoJSON LineString in WGS84 (stored in EPSG:27700)' });
export type Stretch = z.infer<typeof stretchSchema>;

export const parkingPositionSchema = z
  .object({
    lon: z.number({ error: 'must be a longitude (WGS84 degrees)' }),
    lat: z.number({ error: 'must be a latitude (WGS84 degrees)' }),
    directions: z
      .array(z.string({ error: 'each direction must be text' }).trim().min(1, { message: 'a direction cannot be blank' }).max(60), {
        error: 'must be a list of the directions enforceable from here, e.g. ["eastbound"]',
      })
      .min(1, { message: 'name at least one direction enforceable from this position, e.g. ["eastbound"]' })
      .max(8),
    description: optionalText(300),
  })
  .superRefine((p, ctx) => {
    if (!inUk(p.lon, p.lat)) ctx.addIssue({ code: 'custom', path: ['lon'], message: ukMessage(p.lon, p.lat) });
  });
export type ParkingPosition = z.infer<typeof parkingPositionSchema>;

export const timeRestrictionsSchema = z
  .strictObject({
    daylightOnly: z.boolean({ error: 'must be true or false' }).optional(),
    noWeekends: z.boolean({ error: 'must be true or false' }).optional(),
    schoolTimesOnly: z.boolean({ error: 'must be true or false' }).optional(),
    windows: z
      .array(z.object({ from: clock, to: clock }).refine((w) => w.from < w.to, { message: 'a window ends after it starts (same day)' }), { error: 'must be a list of {from, to}' })
      .max(6)
      .optional(),
  })
  .transform((r) => {
    // Only what is set is kept, so an empty restriction list stays {} in the record and its history.
    const out: Record<string, unknown> = {};
    for (const key of ['daylightOnly', 'noWeekends', 'schoolTimesOnly'] as const) if (r[key]) out[key] = true;
    if (r.windows?.length) out.windows = r.windows;
    return out as { daylightOnly?: boolean; noWeekends?: boolean; schoolTimesOnly?: boolean; windows?: Array<{ from: string; to: string }> };
  });
export type TimeRestrictions = z.infer<typeof timeRestrictionsSchema>;

export const suspensionSchema = z
  .object({ from: isoDate, to: isoDate, reason: requiredText('why (roadworks, an event…)', 300) })
  .refine((s) => s.from <= s.to, { message: 'a suspension ends on or after the day it starts', path: ['to'] });
export type Suspension = z.infer<typeof suspensionSchema>;

const fields = {
  reference: z
    .string({ error: (issue) => required('a reference such as LAN-0001')(issue) ?? 'must be text' })
    .trim()
    .regex(REFERENCE_PATTERN, { message: 'must be 1–40 letters, digits, ".", "_", "/" or "-", starting with a letter or digit (e.g. LAN-0001)' }),
  category: z.enum(SITE_CATEGORIES, { error: (issue) => required(`one of ${SITE_CATEGORIES.join(', ')}`)(issue) ?? `must be one of: ${SITE_CATEGORIES.join(', ')}` }),
  roadNumber: optionalText(10).pipe(z.string().regex(/^(A|B|M|C|U)\d+(\(M\))?$/i, { message: 'must be a road number such as A584, B5269 or M55' }).nullable()),
  roadName: requiredText('the road name, e.g. Preston New Rd', 200),
  qualifier: optionalText(300),
  direction: optionalText(100),
  locality: requiredText('the locality, e.g. Freckleton', 120),
  districtCode: optionalText(20),
  highwayAuthority: optionalText(200),
  speedLimitMph: z.union(
    SPEED_LIMITS.map((l) => z.literal(l)),
    { error: (issue) => required(`the speed limit, one of ${SPEED_LIMITS.join(', ')}`)(issue) ?? `must be one of ${SPEED_LIMITS.join(', ')} (mph)` },
  ),
  limitKind: z.enum(LIMIT_KINDS, { error: 'must be "limit" or "zone"' }),
  stretch: stretchSchema,
  parkingPositions: z.array(parkingPositionSchema, { error: 'must be a list of {lon, lat, directions, description}' }).max(20),
  riskAssessedOn: isoDate.nullish().transform((v) => v ?? null),
  riskAssessmentExpiresOn: isoDate.nullish().transform((v) => v ?? null),
  timeRestrictions: timeRestrictionsSchema,
  suspensions: z.array(suspensionSchema, { error: 'must be a list of {from, to, reason}' }).max(50),
  warningSigns: z.boolean({ error: 'must be true or false' }),
  visibilityM: z.number({ error: 'must be a distance in metres' }).int({ message: 'must be whole metres' }).min(0).max(5000).nullish().transform((v) => v ?? null),
  notes: optionalText(4000),
  demo: z.boolean({ error: 'must be true or false' }),
};

/** A new site (POST /api/sites): every register field; the length, district and evidence are derived. */
export const newSiteBody = z
  .strictObject({
    ...fields,
    limitKind: fields.limitKind.default('limit'),
    parkingPositions: fields.parkingPositions.default([]),
    timeRestrictions: fields.timeRestrictions.default({}),
    suspensions: fields.suspensions.default([]),
    warningSigns: fields.warningSigns.default(true),
    demo: fields.demo.default(false),
  })
  .openapi('NewSite');
export type NewSiteBody = z.infer<typeof newSiteBody>;

/** A change (PATCH /api/sites/:id): any fields, the version the editor saw, and optionally why. */
export const siteChangeBody = z
  .strictObject({
    ...fields,
    version: z.number({ error: (issue) => required('the version you edited (from GET /api/sites/:id)')(issue) ?? 'must be a whole number' }).int().min(1),
    reason: optionalText(500),
  })
  // Every register field is optional in a change; absent means unchanged (no defaults applied).
  .partial()
  .required({ version: true })
  .openapi('SiteChange');
export type SiteChangeBody = z.infer<typeof siteChangeBody>;

export const siteIdParams = z.object({ id: z.coerce.number({ error: 'must be a site id' }).int().positive({ message: 'must be a site id (a positive whole number)' }) });

const booleanText = z.enum(['true', 'false'], { error: 'must be true or false' }).transform((v) => v === 'true');
export const siteListQuery = z.object({
  district: z.string().trim().min(1).max(20).optional(),
  category: z.enum(SITE_CATEGORIES, { error: `must be one of: ${SITE_CATEGORIES.join(', ')}` }).optional(),
  eligible: booleanText.optional(),
  q: z.string().trim().max(100).optional(),
  includeRetired: booleanText.optional(),
  format: z.enum(['json', 'csv', 'geojson'], { error: 'must be json, csv or geojson' }).default('json'),
});
export type SiteListQuery = z.infer<typeof siteListQuery>;

export const retireQuery = z.object({ reason: z.string().trim().max(500).optional() });
export const importQuery = z.object({ file: z.string().trim().max(200).optional() });
export const surveyListQuery = z.object({ siteId: z.coerce.number({ error: 'must be a site id' }).int().positive().optional() });
