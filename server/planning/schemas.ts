import { datesOfMonth } from '../../geo/calendar/time.ts';
import { z } from '../http/zod.ts';

/** Request validation of the plan routes (each problem names its field and value). */

export const monthString = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'must be a month as YYYY-MM, e.g. 2026-12' })
  .openapi({ example: '2026-12' });

export const dateString = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date as YYYY-MM-DD' })
  .refine(
    (d) => {
      try {
        return datesOfMonth(d.slice(0, 7)).includes(d);
      } catch {
        return false;
      }
    },
    { message: 'is not a calendar date' },
  );

const positiveId = z.coerce.number().int().positive();
export const idParams = z.object({ id: positiveId });

const range = (min: number, max: number) => z.number().min(min).max(max);
const band = (min: number, max: number) =>
  z.tuple([range(min, max), range(min, max)]).refine(([a, b]) => a <= b, { message: 'the lower bound must not exceed the upper bound' });
const tierPolicy = z
  .strictObject({ minVisits: z.number().int().min(0).max(31).optional(), maxVisits: z.number().int().min(0).max(62).optional() })
  .refine((t) => t.minVisits === undefined || t.maxVisits === undefined || t.minVisits <= t.maxVisits, { message: 'minVisits must not exceed maxVisits' });

/** Partial PlanOptions: every setting optional, with its unit and sane range. */
export const planOptionsInput = z
  .strictObject({
    sessionMinutes: z.number().int().min(15).max(480).optional().openapi({ description: 'minutes on site per session' }),
    maxSessionMinutes: z.number().int().min(15).max(600).optional().openapi({ description: 'longest session once stretched into idle shift time (minutes)' }),
    minGapDays: z.number().int().min(0).max(31).optional(),
    tiers: z.strictObject({ 1: tierPolicy.optional(), 2: tierPolicy.optional(), 3: tierPolicy.optional() }).optional(),
    fairnessBand: band(0, 10).optional(),
    districtFloorVisits: z.number().int().min(0).max(100).optional(),
    weekendShare: band(0, 1).optional(),
    darknessShare: band(0, 1).optional(),
    randomness: range(0, 1).optional(),
    haloKm: range(0, 50).optional(),
    haloDays: z.number().int().min(0).max(31).optional(),
    concernResponseDays: z.number().int().min(0).max(62).optional(),
    maxSessionsPerShift: z.number().int().min(1).max(10).optional(),
    circuity: range(1, 3).optional(),
    assumedSpeedKmh: range(5, 130).optional(),
  })
  .openapi('PlanOptionsInput');

export const planStartBody = z.strictObject({
  month: monthString,
  seed: z.number().int().min(0).max(2 ** 31 - 1).optional().openapi({ description: 'random seed (0 … 2^31 − 1); default random, stored with the plan' }),
  options: planOptionsInput.optional(),
});

export const planListQuery = z.object({ month: monthString.optional() });

export const routesQuery = z.object({ date: dateString });

const editReason = z
  .string({ message: 'a reason is required for every edit' })
  .trim()
  .min(3, { message: 'a reason is required for every edit (at least 3 characters)' })
  .max(2000);
const editSessionId = z.number({ message: 'names the session (a positive whole number)' }).int().positive();
const editVanId = z.number({ message: 'names the van (a positive whole number)' }).int().positive();
const editSiteId = z.number({ message: 'names the site (a positive whole number)' }).int().positive();
const editShift = z.string({ message: 'names the shift template, e.g. early' }).min(1).max(40);
const editDate = dateString;
const editOrder = z.number().int().min(1).max(20);

/**
 * One edit: each action takes exactly its own fields (anything else is refused, not ignored).
 * move: sessionId and any of vanId, date, shift, order. cancel: sessionId. add: vanId, date, shift,
 * siteId, order optional. swap: sessionId, siteId, order optional.
 */
export const editBody = z
  .discriminatedUnion('action', [
    z.strictObject({ action: z.literal('move'), sessionId: editSessionId, vanId: editVanId.optional(), date: editDate.optional(), shift: editShift.optional(), order: editOrder.optional(), reason: editReason }),
    z.strictObject({ action: z.literal('cancel'), sessionId: editSessionId, reason: editReason }),
    z.strictObject({ action: z.literal('add'), vanId: editVanId, date: editDate, shift: editShift, siteId: editSiteId, order: editOrder.optional(), reason: editReason }),
    z.strictObject({ action: z.literal('swap'), sessionId: editSessionId, siteId: editSiteId, order: editOrder.optional(), reason: editReason }),
  ], { message: 'action must be one of move, cancel, add, swap' })
  .openapi('PlanEdit');

export const correctionBody = z.strictObject({
  reason: z.string({ message: 'a correction needs a reason' }).trim().min(3, { message: 'a correction needs a reason (at least 3 characters)' }).max(2000),
});

export const exportQuery = z.object({ format: z.enum(['csv']).default('csv') });
export const calendarQuery = z.object({ vanId: positiveId });
export const taskingQuery = z.object({ date: dateString, vanId: positiveId.optional() });

const count = z.number().int().min(0).max(1_000_000);
export const returnBody = z.strictObject({
  hoursDelivered: z.number().min(0).max(24).openapi({ description: 'hours enforcing on site' }),
  vehiclesChecked: count,
  detections: z.strictObject({ speeding: count, seatBelt: count, mobilePhone: count, notInProperControl: count }),
  usedFallback: z.boolean().optional(),
  actualSiteId: z.number().int().positive().optional(),
  note: z.string().max(2000).optional(),
});

export const publicListQuery = z.object({ month: monthString, format: z.enum(['json', 'csv', 'geojson']).default('json') });

// ---- Response shapes (documentation in /api/openapi.json; tests parse real answers with them) ----

const isoInstant = z.string().openapi({ description: 'ISO 8601 instant with its UTC offset, e.g. 2026-12-01T07:30:00Z or 2026-06-01T07:30:00+01:00' });
const isoDate = z.string().openapi({ description: 'YYYY-MM-DD (Europe/London)' });

export const sessionReturnSchema = z
  .strictObject({
    hoursDelivered: z.number(),
    vehiclesChecked: z.number().int(),
    detections: z.strictObject({ speeding: z.number().int(), seatBelt: z.number().int(), mobilePhone: z.number().int(), notInProperControl: z.number().int() }),
    usedFallback: z.boolean(),
    actualSiteId: z.number().int().nullable(),
    note: z.string().nullable(),
    recordedBy: z.string().nullable().openapi({ description: 'email of the person who recorded it' }),
    recordedAt: isoInstant,
  })
  .openapi('SessionReturn');

export const planSessionSchema = z
  .strictObject({
    id: z.number().int(),
    vanId: z.number().int(),
    vanCallSign: z.string().nullable(),
    date: isoDate,
    shift: z.string().openapi({ description: 'shift template code, e.g. early' }),
    order: z.number().int().openapi({ description: 'position in the van shift, from 1' }),
    siteId: z.number().int(),
    siteText: z.string().nullable().openapi({ description: 'the published line of the site, as at generation' }),
    districtCode: z.string().nullable(),
    arrive: isoInstant,
    depart: isoInstant,
    fallbackSiteIds: z.array(z.number().int()),
    status: z.enum(['planned', 'cancelled']).openapi({ description: 'cancelled sessions are listed but ignored by the checker and the measures' }),
    reason: z.string().nullable().openapi({ description: 'why the planner chose it, or the edit reason' }),
    delivered: sessionReturnSchema.nullable(),
  })
  .openapi('PlanSession');

export const violationSchema = z
  .object({
    kind: z.string().openapi({ description: 'site_not_eligible | site_blocked_on_date | van_unavailable | … (geo/planning/types.ts ViolationKind)' }),
    message: z.string(),
    vanId: z.number().int().optional(),
    date: isoDate.optional(),
    shift: z.string().optional(),
    siteId: z.number().int().optional(),
  })
  .openapi('PlanViolation');

const share = z.number().openapi({ description: '0–1' });
export const planMetricsSchema = z
  .strictObject({
    sessions: z.number().int(),
    hoursEnforcing: z.number(),
    hoursRostered: z.number(),
    hoursTravelling: z.number(),
    violations: z.number().int(),
    riskCoverage: share,
    topTierBelowMinimum: z.number().int(),
    spearmanHoursRisk: z.number(),
    breadth: share,
    topDecileHoursShare: share,
    districtFairness: z.array(z.strictObject({ districtCode: z.string(), hoursShare: z.number(), riskShare: z.number(), ratio: z.number() })),
    fairnessWithinBand: z.boolean(),
    unpredictabilityEntropy: z.number(),
    sameAsLastWeekHitRate: z.number(),
    sameAsLastWeekChance: z.number(),
    rotationBreaches: z.number().int(),
    weekendShare: share,
    darknessShare: share,
    productiveShare: share,
    concernDaysMedian: z.number().nullable(),
    concernDaysP95: z.number().nullable(),
    targets: z.record(z.string(), z.strictObject({ value: z.number().nullable(), target: z.string(), met: z.boolean() })),
  })
  .openapi('PlanMetrics');

export const planStatusSchema = z.enum(['generating', 'draft', 'approved', 'published', 'superseded', 'failed']);

export const planViewSchema = z
  .strictObject({
    id: z.number().int(),
    month: z.string().openapi({ description: 'YYYY-MM' }),
    version: z.number().int(),
    seed: z.number().int(),
    status: planStatusSchema,
    travelMode: z.enum(['road_network', 'straight_line']).nullable().openapi({ description: 'null until generated' }),
    options: z.record(z.string(), z.unknown()).openapi({ description: 'every PlanOptions setting the plan was made with, defaults included' }),
    progress: z.strictObject({ fraction: share, stage: z.string() }).nullable().openapi({ description: 'while generating, else null' }),
    sessions: z.array(planSessionSchema),
    metrics: planMetricsSchema.nullable(),
    violations: z.array(violationSchema),
    allocation: z.array(z.strictObject({ siteId: z.number().int(), visits: z.number().int(), reason: z.string() })).nullable(),
    notes: z.array(z.string()),
    excludedSites: z.array(z.strictObject({ siteId: z.number().int(), reason: z.string() })),
    error: z.string().nullable().openapi({ description: 'why generation failed' }),
    jobId: z.number().int().nullable(),
    createdBy: z.string().nullable(),
    createdAt: isoInstant,
    approvedBy: z.string().nullable(),
    approvedAt: isoInstant.nullable(),
    publishedBy: z.string().nullable(),
    publishedAt: isoInstant.nullable(),
    supersedesPlanId: z.number().int().nullable(),
    correctionReason: z.string().nullable(),
  })
  .openapi('Plan', { description: 'A plan with its sessions, quality measures, violations, allocation and workflow' });

export const publishAlertSchema = z
  .strictObject({
    month: z.string(),
    at: isoInstant,
    message: z.string(),
    planId: z.number().int().nullable().openapi({ description: "the month's latest plan when the alert was raised; null when it had none" }),
    notified: z.array(z.string()).openapi({ description: 'supervisors mailed' }),
  })
  .openapi('PlanPublishAlert');

export const planListResponse = z
  .strictObject({
    plans: z.array(
      z.strictObject({
        id: z.number().int(),
        month: z.string(),
        version: z.number().int(),
        seed: z.number().int(),
        status: planStatusSchema,
        createdAt: isoInstant,
        approvedAt: isoInstant.nullable(),
        publishedAt: isoInstant.nullable(),
        violationCount: z.number().int(),
        sessionCount: z.number().int(),
      }),
    ),
    alerts: z.array(publishAlertSchema),
  })
  .openapi('PlanList');

const lineString = z.strictObject({ type: z.literal('LineString'), coordinates: z.array(z.tuple([z.number(), z.number()])) }).openapi({ description: 'GeoJSON LineString, WGS84 [lon, lat]' });

export const publicSiteListSchema = z
  .strictObject({
    month: z.string(),
    districts: z.array(
      z.strictObject({
        code: z.string().nullable(),
        name: z.string(),
        sites: z.array(
          z.strictObject({
            siteId: z.number().int(),
            category: z.enum(['mobile_route', 'community_concern', 'motorway', 'fixed_site']),
            text: z.string().openapi({ description: 'the published line, e.g. "A584 Preston New Rd, from Clifton Business Park to Blackpool Rd, eastbound (50mph), Freckleton"' }),
            roadNumber: z.string().nullable(),
            speedLimit: z.number().int().openapi({ description: 'mph' }),
            locality: z.string(),
            geometry: lineString,
          }),
        ),
      }),
    ),
  })
  .openapi('PublicEnforcementSites', { description: 'Every site camera vans may visit in the month, by district; never dates, times, shifts or vans' });

export const routesResponse = z
  .strictObject({
    type: z.literal('FeatureCollection'),
    planId: z.number().int(),
    date: isoDate,
    travelMode: z.enum(['road_network', 'straight_line']).nullable(),
    features: z.array(
      z.strictObject({
        type: z.literal('Feature'),
        geometry: lineString,
        properties: z.strictObject({
          vanId: z.number().int(),
          callSign: z.string().nullable(),
          shift: z.string(),
          date: isoDate,
          seconds: z.number().openapi({ description: 'travel time of the van shift, seconds' }),
          metres: z.number(),
          mode: z.enum(['road_network', 'straight_line', 'mixed']).openapi({ description: 'mixed: some legs could not be driven on the network and are straight' }),
          legs: z.array(
            z.strictObject({
              seq: z.number().int().openapi({ description: '1 = base to the first stop … n+1 = last stop back to base' }),
              fromSiteId: z.number().int().nullable().openapi({ description: 'null: the base' }),
              toSiteId: z.number().int().nullable(),
              seconds: z.number(),
              metres: z.number(),
              mode: z.enum(['road_network', 'straight_line']),
              startIndex: z.number().int().openapi({ description: "index of the leg's first position in the feature's coordinates" }),
              endIndex: z.number().int().openapi({ description: "index of the leg's last position (the next leg starts there)" }),
            }),
          ),
          stops: z.array(z.strictObject({ order: z.number().int(), siteId: z.number().int(), siteText: z.string().nullable(), arrive: isoInstant, depart: isoInstant })),
        }),
      }),
    ),
  })
  .openapi('PlanRoutes');
