import { collisionFilterShape } from '../collisions/filters.ts';
import { z } from '../http/zod.ts';
import { concernGeometry } from './location.ts';
import {
  CATEGORIES,
  DAYS,
  DESCRIPTION_LENGTH,
  isTimeSpan,
  LOCATION_TEXT_MAX,
  NAME_MAX,
  normaliseDays,
  normaliseTimes,
  OUTCOMES,
  SOURCES,
  STATUSES,
  TIME_BANDS,
} from './model.ts';
import { REFERENCE_PATTERN } from './reference.ts';

/** Request and response schemas of the concern API (validation and the OpenAPI document). */

const required = (what: string) => (issue: { input?: unknown }) => (issue.input === undefined ? `required: ${what}` : undefined);

const category = z
  .enum(CATEGORIES, { error: (issue) => required(`one of ${CATEGORIES.join(', ')}`)(issue) ?? `must be one of: ${CATEGORIES.join(', ')}` })
  .openapi({ description: 'speeding, antisocial_driving (nuisance motorbikes / anti-social driving), drink_driving, dangerous_driving, parking (parking / obstruction), other' });

/** Optional text: blank means absent (forms send empty fields). */
const optionalText = (max: number) =>
  z
    .string({ error: 'must be text' })
    .trim()
    .max(max, { message: `must be at most ${max} characters` })
    .optional()
    .transform((v) => v || undefined);

export const whenDays = z
  .array(z.enum(DAYS, { error: `each day must be one of: ${DAYS.join(', ')}` }), { error: `must be a list of days (${DAYS.join(', ')})` })
  .max(7)
  .default([])
  .transform(normaliseDays)
  .openapi({ description: `Days it happens, any of ${DAYS.join(', ')}`, example: ['fri', 'sat'] });

export const whenTimes = z
  .array(
    z.string({ error: 'each time must be text' }).refine((v) => (TIME_BANDS as readonly string[]).includes(v) || isTimeSpan(v), {
      message: `each time must be one of ${TIME_BANDS.join(', ')}, or a span such as 07:30-09:00`,
    }),
    { error: `must be a list of times (${TIME_BANDS.join(', ')} or HH:MM-HH:MM)` },
  )
  .max(10, { message: 'give at most 10 times' })
  .default([])
  .transform(normaliseTimes)
  .openapi({
    description: `Times it happens (local): ${TIME_BANDS.join(', ')} (early_morning 04–07, morning 07–10, daytime 10–16, evening 16–22, night 22–04) or spans "HH:MM-HH:MM"`,
    example: ['evening', '22:30-01:00'],
  });

export const newConcernBody = z
  .object({
    category,
    location: concernGeometry,
    whenDays,
    whenTimes,
    description: z
      .string({ error: (issue) => required(`describe what happens (${DESCRIPTION_LENGTH.min}–${DESCRIPTION_LENGTH.max} characters)`)(issue) ?? 'must be text' })
      .trim()
      .min(DESCRIPTION_LENGTH.min, { message: `tell us a little more: at least ${DESCRIPTION_LENGTH.min} characters` })
      .max(DESCRIPTION_LENGTH.max, { message: `must be at most ${DESCRIPTION_LENGTH.max} characters` }),
    locationText: optionalText(LOCATION_TEXT_MAX).openapi({ description: 'The place in words, e.g. "Garstang Road near the school"' }),
    email: optionalText(320)
      .pipe(z.email({ message: 'must be an email address, e.g. name@example.org' }).optional())
      .openapi({ description: 'Optional: for an acknowledgement and updates. Never shown publicly.' }),
    name: optionalText(NAME_MAX).openapi({ description: 'Optional. Never shown publicly.' }),
    altcha: z.string({ error: 'must be the anti-spam check result' }).max(20_000).optional().openapi({ description: 'The ALTCHA payload (base64 JSON) from a challenge of GET /api/concern-challenge' }),
    website: z.unknown().optional().openapi({ type: 'string', description: 'Leave empty (a trap for bots)' }),
  })
  .openapi('NewConcern');
export type NewConcernBody = z.infer<typeof newConcernBody>;

export const concernCreated = z
  .object({
    reference: z.string().openapi({ example: 'CON-2026-000123' }),
    token: z.string().openapi({ description: 'Private: the key to the status page. Shown once; only its hash is stored.' }),
    statusUrl: z.string().openapi({ description: 'Path of the private status page (relative to the site)', example: '/concern.html?ref=CON-2026-000123&token=…' }),
  })
  .openapi('ConcernCreated');

export const concernChallenge = z
  .object({
    parameters: z.record(z.string(), z.unknown()),
    signature: z.string(),
  })
  .openapi('ConcernChallenge', { description: 'An ALTCHA v2 proof-of-work challenge (PBKDF2/SHA-256), as the altcha widget expects it' });

export const referenceParams = z.object({
  // Loose on purpose: a malformed reference gets the same 404 as an unknown one.
  reference: z.string().max(40).openapi({ example: 'CON-2026-000123' }),
});

export const publicStatusQuery = z.object({
  token: z.string().max(200).optional().openapi({ description: 'The private token from the report (or from an update email)' }),
});

const statusEnum = z.enum(STATUSES);
const outcomeEnum = z.enum(OUTCOMES);

export const publicStatus = z
  .object({
    reference: z.string(),
    category: z.enum(CATEGORIES),
    status: statusEnum,
    statusLabel: z.string(),
    outcome: outcomeEnum.nullable(),
    outcomeNote: z.string().nullable().openapi({ description: 'Public explanation of the outcome' }),
    createdAt: z.string().openapi({ format: 'date-time' }),
    updatedAt: z.string().openapi({ format: 'date-time' }),
    history: z.array(z.object({ at: z.string().openapi({ format: 'date-time' }), status: statusEnum })),
  })
  .openapi('ConcernStatus');

/** Accepts `a,b` or repeated `?x=a&x=b`. */
function listOf<T extends string>(values: readonly [T, ...T[]], what: string) {
  return z
    .union([z.string(), z.array(z.string())])
    .transform((v) => [...new Set((Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean))])
    .pipe(z.array(z.enum(values, { message: `each ${what} must be one of: ${values.join(', ')}` })).min(1, { message: `give at least one ${what}` }));
}

const wholeNumber = (what: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { message: `${what} must be a whole number from ${min} to ${max}` })
    .transform(Number)
    .pipe(z.number().int().min(min, { message: `${what} must be at least ${min}` }).max(max, { message: `${what} must be at most ${max}` }));

export const STAFF_LIST_LIMIT = { default: 500, max: 5000 } as const;

export const staffListQuery = z
  .object({
    status: listOf(STATUSES, 'status').optional().openapi({ description: `Any of ${STATUSES.join(',')}`, example: 'received,triaged' }),
    category: listOf(CATEGORIES, 'category').optional().openapi({ description: `Any of ${CATEGORIES.join(',')}` }),
    district: collisionFilterShape.district,
    source: listOf(SOURCES, 'source').optional().openapi({ description: `Any of ${SOURCES.join(',')}` }),
    from: collisionFilterShape.from.openapi({ description: 'Raised on or after this local date (YYYY-MM-DD)' }),
    to: collisionFilterShape.to.openapi({ description: 'Raised on or before this local date (YYYY-MM-DD)' }),
    bbox: collisionFilterShape.bbox,
    duplicate: z
      .enum(['true', 'false'], { message: 'must be true or false' })
      .transform((v) => v === 'true')
      .optional()
      .openapi({ type: 'boolean', description: 'true: only concerns marked as duplicates; false: none of them' }),
    q: z.string().trim().min(1).max(100).optional().openapi({ description: 'Text in the reference, place, description or source id' }),
    format: z.enum(['json', 'geojson', 'csv'], { message: 'must be json, geojson or csv' }).default('json'),
    limit: wholeNumber('limit', 1, STAFF_LIST_LIMIT.max)
      .optional()
      .openapi({ type: 'integer', description: `Rows per page (default ${STAFF_LIST_LIMIT.default}); a CSV without a limit holds every match` }),
    offset: wholeNumber('offset', 0, Number.MAX_SAFE_INTEGER).default(0).openapi({ type: 'integer' }),
  })
  .refine((f) => !f.from || !f.to || f.from <= f.to, { message: '"from" must not be after "to"', path: ['from'] });
export type StaffListQuery = z.infer<typeof staffListQuery>;

const geometry = z.object({ type: z.enum(['Point', 'LineString']), coordinates: z.array(z.unknown()) }).openapi({ description: 'WGS84' });

const staffListItemSchema = z
  .object({
    reference: z.string(),
    category: z.enum(CATEGORIES),
    categoryLabel: z.string(),
    status: statusEnum,
    statusLabel: z.string(),
    outcome: outcomeEnum.nullable(),
    outcomeLabel: z.string().nullable(),
    outcomeNote: z.string().nullable(),
    source: z.enum(SOURCES),
    externalRef: z.string().nullable().openapi({ description: 'The id in the bulk source it was imported from' }),
    districtCode: z.string().nullable(),
    districtName: z.string().nullable(),
    locationText: z.string().nullable(),
    description: z.string(),
    whenDays: z.array(z.enum(DAYS)),
    whenTimes: z.array(z.string()),
    duplicateOf: z.string().nullable().openapi({ description: 'Reference of the concern this one duplicates' }),
    duplicateCount: z.number().int().openapi({ description: 'Concerns marked as duplicates of this one' }),
    hasContact: z.boolean().openapi({ description: 'Whether the reporter gave an email (the address is in the single-concern view)' }),
    geometryType: z.enum(['Point', 'LineString']),
    lengthM: z.number().nullable().openapi({ description: 'Length of a stretch, metres (EPSG:27700)' }),
    createdAt: z.string().openapi({ format: 'date-time' }),
    updatedAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('StaffConcernSummary');

export const staffList = z
  .object({
    numberMatched: z.number().int(),
    numberReturned: z.number().int(),
    concerns: z.array(staffListItemSchema.extend({ geometry })),
  })
  .openapi('StaffConcernList', { description: 'format=json. format=geojson: a FeatureCollection with the same properties; format=csv: one row per concern with WKT geometry.' });

const event = z.object({
  at: z.string().openapi({ format: 'date-time' }),
  actor: z.string().openapi({ description: 'Staff email, "public" or "import"' }),
  action: z.enum(['created', 'status', 'outcome', 'duplicate', 'note', 'edit']),
  fromStatus: z.string().nullable(),
  toStatus: z.string().nullable(),
  changes: z.record(z.string(), z.unknown()).openapi({ description: 'field: [before, after]' }),
  note: z.string().nullable().openapi({ description: 'Staff-only note' }),
});

export const staffDetailSchema = staffListItemSchema
  .extend({
    geometry,
    reporter: z.object({ name: z.string().nullable(), email: z.string().nullable() }).nullable().openapi({ description: 'Private reporter contact' }),
    allowedNextStatuses: z.array(statusEnum).openapi({ description: 'Statuses a PATCH may move it to (going back one step needs a note)' }),
    duplicates: z.array(z.object({ reference: z.string(), category: z.enum(CATEGORIES), status: statusEnum, statusLabel: z.string(), createdAt: z.string() })),
    nearby: z
      .array(z.object({ reference: z.string(), category: z.enum(CATEGORIES), status: statusEnum, createdAt: z.string(), distanceM: z.number() }))
      .openapi({ description: 'Other concerns within 150 m raised within a year of it, not linked to it: possible duplicates' }),
    events: z.array(event),
  })
  .openapi('StaffConcern');

export const triageBody = z
  .object({
    status: statusEnum.optional().openapi({ description: 'Forward to any later status, or back one step with a note' }),
    outcome: outcomeEnum.optional().openapi({ description: 'Given without a status, an earlier concern moves to status outcome' }),
    outcomeNote: z.string().trim().max(2000).nullable().optional().openapi({ description: 'Public explanation of the outcome; required for no_action (the reason)' }),
    duplicateOf: z
      .string()
      .trim()
      .regex(REFERENCE_PATTERN, { message: 'must be a concern reference such as CON-2026-000123' })
      .nullable()
      .optional()
      .openapi({ description: 'Reference of the concern this one duplicates; null removes the link' }),
    note: z.string().trim().max(4000).optional().openapi({ description: 'Staff-only note, recorded with the change' }),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: 'give at least one of status, outcome, outcomeNote, duplicateOf, note' })
  .openapi('ConcernTriage');
