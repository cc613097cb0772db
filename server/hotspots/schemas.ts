import { collisionFilterShape } from '../collisions/filters.ts';
import { z } from '../http/zod.ts';
import { PLAN_GROUPS, RUN_UNITS, SEVERITY_FILTERS, SITE_UNITS, UNIT_KINDS, type RoadUserFilter, type SiteUnit, type UnitKind } from './pipeline-types.ts';

/** The unit kind a site unit belongs to. */
export function unitKindOf(unit: SiteUnit): UnitKind {
  return unit === 'cell' ? 'grid' : 'network';
}

/** Site units a run of each kind holds, and the one a list shows when no unit is asked for. */
export const UNITS_OF_KIND: Record<UnitKind, readonly SiteUnit[]> = { network: ['segment', 'junction', 'window'], grid: ['cell'] };
export const DEFAULT_UNIT: Record<UnitKind, SiteUnit> = { network: 'segment', grid: 'cell' };

/** Sites per list response. */
export const SITE_LIMIT = { default: 100, max: 5000 } as const;

/** Site ids as the pipeline writes them: seg:<segment id>, jn:<OSM node id>, win:<edge id>:<start m>, cell:<i>:<j>. */
export const SITE_ID_PATTERN = /^(seg:\d{1,12}|jn:-?\d{1,20}|win:\d{1,12}:\d{1,9}(\.\d{1,6})?|cell:-?\d{1,9}:-?\d{1,9})$/;

/** The unit a site id names. */
export function unitOfSiteId(siteId: string): SiteUnit {
  const prefix = siteId.slice(0, siteId.indexOf(':'));
  const unit = ({ seg: 'segment', jn: 'junction', win: 'window', cell: 'cell' } as const)[prefix as 'seg' | 'jn' | 'win' | 'cell'];
  if (!unit) throw new Error(`Not a site id: ${siteId}`);
  return unit;
}

/** `latest` (the default) or a run id. */
export type RunRef = 'latest' | number;

const runRef = z
  .string()
  .regex(/^(latest|\d{1,9})$/, { message: 'run must be "latest" or a run id (a whole number)' })
  .transform((v): RunRef => (v === 'latest' ? 'latest' : Number(v)))
  .default('latest')
  .openapi({ type: 'string', description: '"latest" (default): the latest succeeded full run of the unit\'s kind; or a run id', example: 'latest' });

const wholeNumber = (what: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { message: `${what} must be a whole number from ${min} to ${max}` })
    .transform(Number)
    .pipe(z.number().int().min(min, { message: `${what} must be at least ${min}` }).max(max, { message: `${what} must be at most ${max}` }));

const booleanParam = z.enum(['true', 'false', '1', '0'], { message: 'must be true or false' }).transform((v) => v === 'true' || v === '1');

const unitParam = z
  .enum(SITE_UNITS, { message: `unit must be one of: ${SITE_UNITS.join(', ')}` })
  .openapi({ description: 'segment | junction | window (network runs) or cell (grid runs); default: segment for a network run, cell for a grid run' });

const roadUserParam = z
  .enum(PLAN_GROUPS, { message: `roadUser must be one of: ${PLAN_GROUPS.join(', ')}` })
  .openapi({ description: 'Only sites with at least one collision with a casualty of this group (young: 17–24, child: under 16); ranks are kept' });

export const hotspotListQuery = z.object({
  run: runRef,
  unit: unitParam.optional(),
  district: collisionFilterShape.district,
  roadUser: roadUserParam.optional(),
  candidate: booleanParam.optional().openapi({ type: 'boolean', description: 'true: candidate hotspots only (P(excess) ≥ 0.95 with excess > 0); false: the others' }),
  limit: wholeNumber('limit', 1, SITE_LIMIT.max)
    .default(SITE_LIMIT.default)
    .openapi({ type: 'integer', description: `Sites to return, best first (1–${SITE_LIMIT.max}, default ${SITE_LIMIT.default})` }),
  format: z.enum(['geojson', 'csv'], { message: 'format must be geojson or csv' }).default('geojson').openapi({ description: 'geojson (default) or csv' }),
});

/** Which sites of a run a list shows (the query without the run and the format). */
export interface SiteSelection {
  unit: SiteUnit;
  district?: string[];
  roadUser?: RoadUserFilter;
  candidate?: boolean;
  limit: number;
}

export const siteParams = z.object({
  siteId: z
    .string()
    .regex(SITE_ID_PATTERN, { message: 'must be a site id: seg:<segment id>, jn:<node id>, win:<edge id>:<start m> or cell:<i>:<j>' })
    .openapi({ example: 'seg:1024' }),
});

export const siteDetailQuery = z.object({ run: runRef });

export const clusterQuery = z
  .object({
    eps: z
      .string()
      .regex(/^\d+(\.\d+)?$/, { message: 'eps must be a distance in metres, e.g. 50' })
      .transform(Number)
      .pipe(z.number().min(1, { message: 'eps must be at least 1 metre' }).max(2000, { message: 'eps must be at most 2000 metres' }))
      .default(50)
      .openapi({ type: 'number', description: 'Cluster radius R in metres (EPSG:27700), 1–2000, default 50', example: '50' }),
    minPoints: wholeNumber('minPoints', 2, 1000)
      .default(7)
      .openapi({ type: 'integer', description: 'Collisions within eps (itself included) that make a core collision, 2–1000, default 7', example: '7' }),
    from: collisionFilterShape.from,
    to: collisionFilterShape.to,
    district: collisionFilterShape.district,
    severity: collisionFilterShape.severity,
  })
  .superRefine((q, ctx) => {
    if (q.from && q.to && q.from > q.to) ctx.addIssue({ code: 'custom', path: ['from'], message: `"from" (${q.from}) must not be after "to" (${q.to})` });
  });

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date as YYYY-MM-DD' })
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), {
    message: 'is not a real calendar date',
  });

const districtCode = z
  .string()
  .transform((s) => s.trim().toUpperCase())
  .pipe(z.string().regex(/^[EWSN]\d{8}$/, { message: 'must be an ONS district code such as E07000123' }));

export const rescoreBody = z
  .object({
    district: districtCode.openapi({ description: 'ONS code of the district to re-score', example: 'E07000123' }),
    roadUser: z.enum(PLAN_GROUPS, { message: `must be one of: ${PLAN_GROUPS.join(', ')}` }).optional(),
    severity: z
      .enum(SEVERITY_FILTERS, { message: `must be one of: ${SEVERITY_FILTERS.join(', ')}` })
      .optional()
      .openapi({ description: 'Count only collisions of this severity (ksi: fatal and serious)' }),
    from: isoDate.optional().openapi({ description: 'First day of the period (default: 5 years before `to`)' }),
    to: isoDate.optional().openapi({ description: 'Last day of the period (default: the end of the last complete month with data)' }),
    unit: z.enum(SITE_UNITS, { message: `must be one of: ${SITE_UNITS.join(', ')}` }).optional(),
    candidate: z.boolean({ message: 'must be true or false' }).optional(),
    limit: z
      .number({ message: `must be a whole number from 1 to ${SITE_LIMIT.max}` })
      .int({ message: `must be a whole number from 1 to ${SITE_LIMIT.max}` })
      .min(1, { message: 'must be at least 1' })
      .max(SITE_LIMIT.max, { message: `must be at most ${SITE_LIMIT.max}` })
      .default(SITE_LIMIT.default),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.from && b.to && b.from > b.to) ctx.addIssue({ code: 'custom', path: ['from'], message: `"from" (${b.from}) must not be after "to" (${b.to})` });
  })
  .openapi('HotspotRescoreRequest');

export const runStartBody = z
  .object({
    from: isoDate.optional().openapi({ description: 'First day of the ranking period (default: 5 years before `to`)' }),
    to: isoDate.optional().openapi({ description: 'Last day (default: the end of the last complete month with data)' }),
    district: districtCode.optional().openapi({ description: 'Restrict the run to one district (default: every district)' }),
    unit: z
      .enum(RUN_UNITS, { message: `must be one of: ${RUN_UNITS.join(', ')}` })
      .default('auto')
      .openapi({ description: 'auto (default): the road network when one is loaded, else the hexagon grid' }),
    params: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({ description: 'Parameters to change from their defaults (GET /api/hotspot-method lists them); checked by name and range' }),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.from && b.to && b.from > b.to) ctx.addIssue({ code: 'custom', path: ['from'], message: `"from" (${b.from}) must not be after "to" (${b.to})` });
  })
  .openapi('HotspotRunRequest');

export const runIdParams = z.object({
  id: z.string().regex(/^\d{1,9}$/, { message: 'must be a job id (a whole number) as POST /api/hotspot-runs returned it' }).transform(Number),
});

// ---- Responses (documentation; the handlers build these shapes) ----

const runInfo = z
  .object({
    id: z.number().int(),
    scope: z.enum(['full', 'rescore']),
    unitKind: z.enum(UNIT_KINDS),
    districtCode: z.string().nullable(),
    filters: z.record(z.string(), z.unknown()),
    periodFrom: z.string().openapi({ description: 'First day of the ranking period, YYYY-MM-DD' }),
    periodTo: z.string().openapi({ description: 'Last day of the ranking period, YYYY-MM-DD' }),
    cameraFrom: z.string().openapi({ description: 'First day of the 36-month camera-evidence window' }),
    methodVersion: z.string(),
    valueTableVersion: z.string(),
    params: z.record(z.string(), z.unknown()).openapi({ description: 'Every parameter the run used, defaults included' }),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .openapi('HotspotRunInfo');

const n = () => z.number().nullable();
export const siteProperties = z
  .object({
    siteId: z.string().openapi({ example: 'seg:1024' }),
    unit: z.enum(SITE_UNITS),
    rank: z.number().int().nullable().openapi({ description: '1 = highest priority within the unit; null when not ranked' }),
    previousRank: z.number().int().nullable(),
    rankChange: z.number().int().nullable().openapi({ description: 'previousRank − rank: positive means the site moved up' }),
    roadLabel: z.string().nullable().openapi({ example: 'A6 Garstang Road' }),
    ref: z.string().nullable(),
    name: z.string().nullable(),
    roadClass: z.string().nullable().openapi({ description: 'motorway | a_road | b_road | minor' }),
    speedLimit: z.number().int().nullable().openapi({ description: 'mph' }),
    urban: z.boolean().nullable(),
    districtCode: z.string().nullable(),
    referenceGroup: z.string().nullable().openapi({ description: 'The reference group whose safety performance function gave μ' }),
    lengthM: n().openapi({ description: 'metres (segments and windows)' }),
    fatal: z.number().int().openapi({ description: 'Fatal collisions in the period' }),
    serious: z.number().int(),
    slight: z.number().int(),
    roadUserCounts: z.record(z.string(), z.number()).openapi({ description: 'Collisions in the period with a casualty of each road-user group' }),
    ksi36m: z.number().int().openapi({ description: 'KSI collisions in the latest 36 months' }),
    injury36m: z.number().int().openapi({ description: 'Injury collisions in the latest 36 months' }),
    ksiPerKm36m: n().openapi({ description: 'KSI collisions per km in the latest 36 months (camera evidence)' }),
    muKsi: n().openapi({ description: 'Expected KSI collisions in the period from the safety performance function (μ)' }),
    muAll: n(),
    kKsi: n().openapi({ description: 'Negative binomial overdispersion k of the reference group' }),
    kAll: n(),
    wKsi: n().openapi({ description: 'EB weight w = 1 / (1 + kμ)' }),
    wAll: n(),
    expectedKsi: n().openapi({ description: 'EB expected N_exp = wμ + (1 − w)N_obs' }),
    expectedAll: n(),
    excessKsi: n().openapi({ description: 'N_exp − μ' }),
    excessAll: n(),
    pExcessKsi: n(),
    pExcessAll: n(),
    pExcess: n().openapi({ description: 'The larger of pExcessKsi and pExcessAll' }),
    harmScore: n().openapi({ description: '£ per year of excess harm' }),
    priorityScore: n().openapi({ description: 'harmScore × concernFactor: the rank order' }),
    candidate: z.boolean().openapi({ description: 'Candidate hotspot: P(excess) ≥ 0.95 and excess > 0' }),
    corridor: z.boolean().openapi({ description: 'Gi* significant after Benjamini–Hochberg (a flag, not a rank change)' }),
    corridorId: z.number().int().nullable(),
    giZ: n(),
    giQ: n(),
    clusterMaxInCircle: z.number().int().nullable().openapi({ description: 'Most injury collisions within the cluster radius of any one collision here' }),
    clusterSite: z.boolean().openapi({ description: 'Meets the N-within-R cluster test' }),
    concernCount: z.number().int().nullable().openapi({ description: 'Decayed, deduplicated community concerns, rounded' }),
    concernReports: z.number().int().openapi({ description: 'Deduplicated concerns counted at the site (before decay)' }),
    concernRatio: n(),
    concernFactor: z.number().openapi({ description: '1 … 1 + the maximum concern share' }),
    concernOnly: z.boolean().openapi({ description: 'Strong concern without excess harm: for speed surveys and community road watch' }),
    eligible: z.boolean().openapi({ description: 'Meets the camera KSI-per-km thresholds' }),
    eligibilityReason: z.string(),
    peakDay: z.number().int().nullable().openapi({ description: 'DfT day_of_week: 1 Sunday … 7 Saturday' }),
    peakHour: z.number().int().nullable(),
    peakCount: z.number().int().nullable(),
    runId: z.number().int(),
  })
  .openapi('HotspotSiteProperties');

const geometry = z
  .object({ type: z.enum(['Point', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon']), coordinates: z.array(z.unknown()) })
  .openapi({ description: 'WGS84: a point (junction), a line (segment, window) or a hexagon (cell)' });

export const hotspotFeatureCollection = z
  .object({
    type: z.literal('FeatureCollection'),
    run: runInfo,
    units: z.enum(UNIT_KINDS).openapi({ description: 'What the sites are: the road network or the hexagon grid' }),
    unit: z.enum(SITE_UNITS).openapi({ description: 'The unit of these features' }),
    numberMatched: z.number().int().openapi({ description: 'Sites of the run matching the filters' }),
    numberReturned: z.number().int(),
    features: z.array(z.object({ type: z.literal('Feature'), id: z.string(), geometry, properties: siteProperties })),
  })
  .openapi('HotspotFeatureCollection');

const counts = z.record(z.string(), z.number().int());

export const siteDetail = z
  .object({
    site: siteProperties.extend({ geometry }),
    run: runInfo,
    collisions: z.array(
      z.object({
        collisionIndex: z.string(),
        date: z.string(),
        time: z.string().nullable(),
        severity: z.enum(['fatal', 'serious', 'slight']),
        distanceM: n().openapi({ description: 'Snap distance to the road, metres; null when not snapped' }),
        ambiguous: z.boolean().openapi({ description: 'A second road was within 5 m' }),
      }),
    ),
    trend: z.array(z.object({ year: z.number().int(), fatal: z.number().int(), serious: z.number().int(), slight: z.number().int() })),
    matrix: z.array(z.array(z.number().int())).openapi({ description: 'matrix[day][hour]: 7 × 24 collision counts, day 0 = Sunday (DfT day 1)' }),
    withoutTime: z.number().int().openapi({ description: 'Collisions with no recorded time (not in the matrix)' }),
    casualtyData: z.boolean().openapi({ description: 'Whether casualty rows exist for these collisions (the road-user and age breakdowns need them)' }),
    breakdowns: z.object({
      roadUser: counts.openapi({ description: 'Casualties by road-user group' }),
      ageBand: counts.openapi({ description: 'Casualties by DfT age band (labels from the DfT code list)' }),
      light: counts.openapi({ description: 'Collisions by light conditions (DfT labels)' }),
      weather: counts.openapi({ description: 'Collisions by weather (DfT labels)' }),
    }),
    concerns: z.array(
      z.object({
        reference: z.string(),
        category: z.string(),
        status: z.string(),
        createdMonth: z.string().openapi({ description: 'YYYY-MM (no day: reports are not dated more finely in public)' }),
      }),
    ),
  })
  .openapi('HotspotSiteDetail');

export const clusterCollection = z
  .object({
    type: z.literal('FeatureCollection'),
    eps: z.number(),
    minPoints: z.number().int(),
    collisions: z.number().int().openapi({ description: 'Located collisions matching the filters' }),
    clustered: z.number().int(),
    noise: z.number().int().openapi({ description: 'Collisions in no cluster' }),
    features: z.array(
      z.object({
        type: z.literal('Feature'),
        id: z.number().int(),
        geometry: z.object({ type: z.literal('Polygon'), coordinates: z.array(z.unknown()) }).openapi({ description: 'Convex hull of the members (WGS84)' }),
        properties: z.object({
          clusterId: z.number().int().openapi({ description: '1 = the largest cluster' }),
          size: z.number().int(),
          members: z.array(z.string()).openapi({ description: 'Collision indexes, sorted' }),
          maxInCircle: z.number().int().openapi({ description: 'Largest count of members within eps of any one member (itself included)' }),
        }),
      }),
    ),
  })
  .openapi('CollisionClusters');

export const runStatus = z
  .object({
    id: z.number().int().nullable().openapi({ description: 'The job id (the handle POST returned); null for a run started from the command line, which has no job' }),
    jobId: z.number().int().nullable(),
    runId: z.number().int().nullable().openapi({ description: 'The hotspot run once the job has created it; use with GET /api/hotspots?run=' }),
    status: z.enum(['queued', 'running', 'succeeded', 'failed']),
    progress: z.number().openapi({ description: '0–1' }),
    stage: z.string().nullable(),
    message: z.string().nullable().openapi({ description: 'Why it failed' }),
    scope: z.string().nullable(),
    districtCode: z.string().nullable(),
    periodFrom: z.string().nullable(),
    periodTo: z.string().nullable(),
    unitKind: z.string().nullable(),
    methodVersion: z.string().nullable(),
    valueTableVersion: z.string().nullable(),
    params: z.record(z.string(), z.unknown()).nullable(),
    summary: z.unknown().nullable(),
    startedBy: z.string().nullable(),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .openapi('HotspotRunStatus');
