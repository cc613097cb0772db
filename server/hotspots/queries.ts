import type { Knex } from 'knex';
import { SEVERITY_NAME, type SeverityName } from '../collisions/filters.ts';
import { codeLabel, collisionLabel } from '../collisions/labels.ts';
import { JOB_LEASE_PREFIX } from '../../jobs/claims.ts';
import type { SiteUnit, UnitKind } from './pipeline-types.ts';
import { unitOfSiteId, type RunRef, type SiteSelection } from './schemas.ts';

/*
 * SQL for the hotspot API: runs, their ranked sites, one site's collisions and breakdowns.
 * Dates leave the database as text (YYYY-MM-DD) because pg would turn a `date` into a JS Date at
 * local midnight. Every query here reads one run; nothing writes except the rescore clean-up.
 */

export interface RunRow {
  id: number;
  job_id: number | null;
  status: string;
  scope: 'full' | 'rescore';
  unit_kind: UnitKind;
  district_code: string | null;
  params: Record<string, unknown>;
  filters: Record<string, unknown>;
  period_from: string;
  period_to: string;
  camera_from: string;
  method_version: string;
  value_table_version: string;
  previous_run_id: number | null;
  summary: unknown;
  started_by: string | null;
  created_at: Date;
  finished_at: Date | null;
}

const RUN_COLUMNS = [
  'r.id',
  'r.job_id',
  'r.status',
  'r.scope',
  'r.unit_kind',
  'r.district_code',
  'r.params',
  'r.filters',
  `to_char(r.period_from, 'YYYY-MM-DD') AS period_from`,
  `to_char(r.period_to, 'YYYY-MM-DD') AS period_to`,
  `to_char(r.camera_from, 'YYYY-MM-DD') AS camera_from`,
  'r.method_version',
  'r.value_table_version',
  'r.previous_run_id',
  'r.summary',
  'r.started_by',
  'r.created_at',
  'r.finished_at',
].join(', ');

export async function findRun(knex: Knex, id: number): Promise<RunRow | undefined> {
  const { rows } = await knex.raw(`SELECT ${RUN_COLUMNS} FROM hotspot_runs r WHERE r.id = ?`, [id]);
  return rows[0] as RunRow | undefined;
}

/**
 * The latest succeeded full run (the published ranking), of one unit kind when given. Runs over
 * every district come before single-district runs; among those, the one started last.
 */
export async function latestFullRun(knex: Knex, unitKind?: UnitKind): Promise<RunRow | undefined> {
  const query = knex({ r: 'hotspot_runs' }).where({ 'r.status': 'succeeded', 'r.scope': 'full' });
  if (unitKind) query.andWhere('r.unit_kind', unitKind);
  return (await query.orderByRaw('(r.district_code IS NULL) DESC, r.id DESC').first(knex.raw(RUN_COLUMNS))) as RunRow | undefined;
}

/** The id of the latest succeeded full run (`latestFullRun`). */
export async function latestRunId(knex: Knex, unitKind?: UnitKind): Promise<number | undefined> {
  return (await latestFullRun(knex, unitKind))?.id;
}

/** A run by reference: `latest` (of the unit kind when given) or an id; undefined when there is none. */
export async function resolveRun(knex: Knex, ref: RunRef, unitKind?: UnitKind): Promise<RunRow | undefined> {
  return ref === 'latest' ? latestFullRun(knex, unitKind) : findRun(knex, ref);
}

/** The run as the API shows it. */
export function runInfo(run: RunRow) {
  return {
    id: run.id,
    scope: run.scope,
    unitKind: run.unit_kind,
    districtCode: run.district_code,
    filters: run.filters ?? {},
    periodFrom: run.period_from,
    periodTo: run.period_to,
    cameraFrom: run.camera_from,
    methodVersion: run.method_version,
    valueTableVersion: run.value_table_version,
    params: run.params ?? {},
    createdAt: new Date(run.created_at).toISOString(),
    finishedAt: run.finished_at ? new Date(run.finished_at).toISOString() : null,
  };
}

/** hotspot_sites column → API property, in the order the CSV lists them. */
export const SITE_COLUMNS = [
  ['site_id', 'siteId'],
  ['unit', 'unit'],
  ['rank', 'rank'],
  ['previous_rank', 'previousRank'],
  ['rank_change', 'rankChange'],
  ['road_label', 'roadLabel'],
  ['ref', 'ref'],
  ['name', 'name'],
  ['road_class', 'roadClass'],
  ['speed_limit', 'speedLimit'],
  ['urban', 'urban'],
  ['district_code', 'districtCode'],
  ['reference_group', 'referenceGroup'],
  ['length_m', 'lengthM'],
  ['fatal', 'fatal'],
  ['serious', 'serious'],
  ['slight', 'slight'],
  ['road_user_counts', 'roadUserCounts'],
  ['ksi_36m', 'ksi36m'],
  ['injury_36m', 'injury36m'],
  ['ksi_per_km_36m', 'ksiPerKm36m'],
  ['mu_ksi', 'muKsi'],
  ['mu_all', 'muAll'],
  ['k_ksi', 'kKsi'],
  ['k_all', 'kAll'],
  ['w_ksi', 'wKsi'],
  ['w_all', 'wAll'],
  ['expected_ksi', 'expectedKsi'],
  ['expected_all', 'expectedAll'],
  ['excess_ksi', 'excessKsi'],
  ['excess_all', 'excessAll'],
  ['p_excess_ksi', 'pExcessKsi'],
  ['p_excess_all', 'pExcessAll'],
  ['p_excess', 'pExcess'],
  ['harm_score', 'harmScore'],
  ['priority_score', 'priorityScore'],
  ['candidate', 'candidate'],
  ['corridor', 'corridor'],
  ['corridor_id', 'corridorId'],
  ['gi_z', 'giZ'],
  ['gi_q', 'giQ'],
  ['cluster_max_in_circle', 'clusterMaxInCircle'],
  ['cluster_site', 'clusterSite'],
  ['concern_score', 'concernCount'],
  ['concern_reports', 'concernReports'],
  ['concern_ratio', 'concernRatio'],
  ['concern_factor', 'concernFactor'],
  ['concern_only', 'concernOnly'],
  ['eligible', 'eligible'],
  ['eligibility_reason', 'eligibilityReason'],
  ['peak_day', 'peakDay'],
  ['peak_hour', 'peakHour'],
  ['peak_count', 'peakCount'],
  ['run_id', 'runId'],
] as const;

export type SiteProperty = (typeof SITE_COLUMNS)[number][1];
export type SiteProperties = Record<SiteProperty, unknown> & { siteId: string; unit: SiteUnit; runId: number };

/** A site row as read: the stored columns plus its geometry (GeoJSON, WGS84) and a point on it. */
export type SiteRow = Record<(typeof SITE_COLUMNS)[number][0], unknown> & {
  site_id: string;
  /** Windows: the road chain and the start along it (metres), for membership. */
  chain_id: number | null;
  chain_from_m: number | null;
  unit: SiteUnit;
  geometry: { type: string; coordinates: unknown[] };
  longitude: number;
  latitude: number;
};

const SITE_SELECT = `${SITE_COLUMNS.map(([column]) => `s.${column}`).join(', ')}, s.chain_id, s.chain_from_m,
  ST_AsGeoJSON(s.geom_4326, 7)::json AS geometry,
  ST_X(ST_PointOnSurface(s.geom_4326)) AS longitude, ST_Y(ST_PointOnSurface(s.geom_4326)) AS latitude`;

/** The API properties of a site row: camelCase, the concern score rounded to a count. */
export function siteProperties(row: SiteRow): SiteProperties {
  const out = {} as Record<string, unknown>;
  for (const [column, property] of SITE_COLUMNS) out[property] = row[column] ?? null;
  out.roadUserCounts = row.road_user_counts ?? {};
  out.concernCount = row.concern_score == null ? null : Math.round(Number(row.concern_score));
  return out as SiteProperties;
}

/** Adds the list filters to a query over `hotspot_sites s`. */
function whereSelected(query: Knex.QueryBuilder, runId: number, selection: Omit<SiteSelection, 'limit'>): Knex.QueryBuilder {
  query.where('s.run_id', runId).where('s.unit', selection.unit);
  if (selection.district) query.whereIn('s.district_code', selection.district);
  if (selection.candidate !== undefined) query.where('s.candidate', selection.candidate);
  // road_user_counts holds collisions with a casualty of each group (the five filter groups included).
  if (selection.roadUser) query.whereRaw(`coalesce((s.road_user_counts ->> ?)::int, 0) > 0`, [selection.roadUser]);
  return query;
}

/**
 * The run's sites matching the selection, best first: by rank (unranked sites last, by priority),
 * then site id so equal places keep one order. A filter keeps each site's rank in the whole run.
 */
export async function listSites(knex: Knex, runId: number, selection: SiteSelection): Promise<SiteRow[]> {
  const query = knex({ s: 'hotspot_sites' }).select(knex.raw(SITE_SELECT));
  whereSelected(query, runId, selection)
    .orderByRaw('s.rank ASC NULLS LAST, s.priority_score DESC NULLS LAST, s.site_id')
    .limit(selection.limit);
  return (await query) as SiteRow[];
}

export async function countSites(knex: Knex, runId: number, selection: Omit<SiteSelection, 'limit'>): Promise<number> {
  const query = knex({ s: 'hotspot_sites' }).count({ n: '*' });
  whereSelected(query, runId, selection);
  const [row] = await query;
  return Number(row?.n ?? 0);
}

export async function findSite(knex: Knex, runId: number, siteId: string): Promise<SiteRow | undefined> {
  const { rows } = await knex.raw(`SELECT ${SITE_SELECT} FROM hotspot_sites s WHERE s.run_id = ? AND s.site_id = ?`, [runId, siteId]);
  return rows[0] as SiteRow | undefined;
}

/** Which units a run holds, with their site counts. */
export async function unitsOfRun(knex: Knex, runId: number): Promise<Array<{ unit: SiteUnit; sites: number; ranked: number; candidates: number }>> {
  const { rows } = await knex.raw(
    `SELECT unit, count(*) AS sites, count(rank) AS ranked, count(*) FILTER (WHERE candidate) AS candidates
     FROM hotspot_sites WHERE run_id = ? GROUP BY unit ORDER BY unit`,
    [runId],
  );
  return (rows as Array<Record<string, string>>).map((r) => ({
    unit: r.unit as SiteUnit,
    sites: Number(r.sites),
    ranked: Number(r.ranked),
    candidates: Number(r.candidates),
  }));
}

/**
 * The SQL condition (over `hotspot_snaps sn`) and bindings picking the collisions a site counts, as
 * the pipeline counted them: a segment, junction or cell by the snap's `site_id` (a collision counts
 * at one of them at most); a window by its road chain, chain metres in [chain_from_m, chain_from_m +
 * length_m) — windows overlap, so a collision is in several — closed at the end when the window is
 * the only one of its chain (a chain shorter than a window is one window covering all of it).
 */
export function siteMembership(site: { site_id: string; length_m: unknown; chain_id?: unknown; chain_from_m?: unknown }): { sql: string; bindings: Knex.RawBinding[] } {
  if (unitOfSiteId(site.site_id) !== 'window') return { sql: 'sn.site_id = ?', bindings: [site.site_id] };
  const from = Number(site.chain_from_m ?? 0);
  const to = from + Number(site.length_m ?? 0);
  return {
    sql: `sn.chain_id = ? AND sn.chain_m >= ? - 1e-9 AND (sn.chain_m < ? - 1e-9 OR (sn.chain_m <= ? + 1e-9 AND NOT EXISTS (
            SELECT 1 FROM hotspot_sites w WHERE w.run_id = sn.run_id AND w.unit = 'window' AND w.chain_id = sn.chain_id AND w.site_id <> ?)))`,
    bindings: [Number(site.chain_id ?? -1), from, to, to, site.site_id],
  };
}

export interface SiteCollision {
  collisionIndex: string;
  date: string;
  time: string | null;
  severity: SeverityName;
  distanceM: number | null;
  ambiguous: boolean;
}

interface MemberRow {
  collision_index: string;
  date: string;
  time: string | null;
  severity: number;
  day_of_week: number;
  hour: number | null;
  light_conditions: number | null;
  weather_conditions: number | null;
  distance_m: number | null;
  ambiguous: boolean;
}

/** The collisions a site counts in the run's period, with their snap and the fields the breakdowns need. */
async function siteMembers(knex: Knex, run: RunRow, site: SiteRow): Promise<MemberRow[]> {
  const membership = siteMembership(site);
  const { rows } = await knex.raw(
    `SELECT c.collision_index, to_char(c.date, 'YYYY-MM-DD') AS date, to_char(c.time, 'HH24:MI') AS time, c.severity,
            c.day_of_week, c.hour, c.light_conditions, c.weather_conditions, sn.distance_m, sn.ambiguous
     FROM hotspot_snaps sn JOIN collisions c ON c.collision_index = sn.collision_index
     WHERE sn.run_id = ? AND c.date BETWEEN ?::date AND ?::date AND (${membership.sql})
     ORDER BY c.date DESC, c.time DESC NULLS LAST, c.collision_index`,
    [run.id, run.period_from, run.period_to, ...membership.bindings],
  );
  return rows as MemberRow[];
}

/** Label of a missing code (DfT -1 or null) in the breakdowns. */
const UNKNOWN_LABEL = 'Unknown';

/** Labelled counts in code order; a missing code counts under "Unknown". */
function labelledCounts(rows: Array<{ code: number | null; n: string | number }>, label: (code: number | null) => string | null): Record<string, number> {
  const out: Record<string, number> = {};
  const sorted = [...rows].sort((a, b) => (a.code ?? Infinity) - (b.code ?? Infinity));
  for (const row of sorted) {
    const name = label(row.code) ?? UNKNOWN_LABEL;
    out[name] = (out[name] ?? 0) + Number(row.n);
  }
  return out;
}

function countBy<T>(rows: readonly T[], key: (row: T) => number | null): Array<{ code: number | null; n: number }> {
  const counts = new Map<number | null, number>();
  for (const row of rows) counts.set(key(row), (counts.get(key(row)) ?? 0) + 1);
  return [...counts].map(([code, n]) => ({ code, n }));
}

/** Every year from the period's first to its last, with the site's collisions by severity (zeros included). */
function trendOf(run: RunRow, members: readonly MemberRow[]) {
  const first = Number(run.period_from.slice(0, 4));
  const last = Number(run.period_to.slice(0, 4));
  const years = new Map<number, { year: number; fatal: number; serious: number; slight: number }>();
  for (let year = first; year <= last; year++) years.set(year, { year, fatal: 0, serious: 0, slight: 0 });
  for (const m of members) {
    const entry = years.get(Number(m.date.slice(0, 4)));
    const severity = SEVERITY_NAME[m.severity];
    if (entry && severity) entry[severity]++;
  }
  return [...years.values()];
}

/** matrix[day][hour] with day 0 = Sunday (DfT day_of_week 1). */
function matrixOf(members: readonly MemberRow[]): { matrix: number[][]; withoutTime: number } {
  const matrix = Array.from({ length: 7 }, () => new Array<number>(24).fill(0));
  let withoutTime = 0;
  for (const m of members) {
    if (m.hour === null || m.hour === undefined) withoutTime++;
    else matrix[m.day_of_week - 1]![m.hour]!++;
  }
  return { matrix, withoutTime };
}

const ROAD_USER_ORDER = ['pedestrian', 'cyclist', 'motorcyclist', 'car', 'goods', 'bus', 'other'];

/** Casualties of the collisions by road-user group and by age band. */
async function casualtyBreakdowns(knex: Knex, collisionIndexes: string[]) {
  if (collisionIndexes.length === 0) return { casualtyData: false, roadUser: {}, ageBand: {} };
  const { rows } = await knex.raw(
    `SELECT k.road_user_group, k.age_band, count(*) AS n FROM casualties k
     WHERE k.collision_index = ANY(?) GROUP BY 1, 2`,
    [collisionIndexes],
  );
  const typed = rows as Array<{ road_user_group: string | null; age_band: number | null; n: string }>;
  const roadUser: Record<string, number> = {};
  const byGroup = new Map<string, number>();
  for (const r of typed) byGroup.set(r.road_user_group ?? 'unknown', (byGroup.get(r.road_user_group ?? 'unknown') ?? 0) + Number(r.n));
  for (const group of [...ROAD_USER_ORDER, ...[...byGroup.keys()].filter((g) => !ROAD_USER_ORDER.includes(g)).sort()]) {
    if (byGroup.has(group)) roadUser[group] = byGroup.get(group)!;
  }
  const bands = new Map<number | null, number>();
  for (const r of typed) bands.set(r.age_band === -1 ? null : r.age_band, (bands.get(r.age_band === -1 ? null : r.age_band) ?? 0) + Number(r.n));
  const ageBand = labelledCounts(
    [...bands].map(([code, n]) => ({ code, n })),
    (code) => codeLabel('casualty', 'age_band', code),
  );
  return { casualtyData: typed.length > 0, roadUser, ageBand };
}

export interface PublicConcern {
  reference: string;
  category: string;
  status: string;
  createdMonth: string;
}

/** At most this many concerns (the newest) are listed with a site. */
export const CONCERNS_PER_SITE = 100;

/**
 * Community concerns within `radiusM` metres of the site, newest first, duplicates left out. Public:
 * reference, category, status and the month only — never the reporter, the description or the
 * reporter's own location text.
 */
async function concernsNear(knex: Knex, run: RunRow, siteId: string, radiusM: number): Promise<PublicConcern[]> {
  const { rows } = await knex.raw(
    `SELECT k.reference, k.category, k.status, to_char(k.created_at AT TIME ZONE 'Europe/London', 'YYYY-MM') AS created_month
     FROM concerns k, hotspot_sites s
     WHERE s.run_id = ? AND s.site_id = ? AND k.duplicate_of IS NULL AND ST_DWithin(k.geom, s.geom, ?)
     ORDER BY k.created_at DESC, k.id DESC LIMIT ${CONCERNS_PER_SITE}`,
    [run.id, siteId, radiusM],
  );
  return (rows as Array<{ reference: string; category: string; status: string; created_month: string }>).map((r) => ({
    reference: r.reference,
    category: r.category,
    status: r.status,
    createdMonth: r.created_month,
  }));
}

/** Everything GET /api/hotspots/:siteId shows besides the site itself; concerns within `concernRadiusM` metres. */
export async function siteDetail(knex: Knex, run: RunRow, site: SiteRow, concernRadiusM: number) {
  const members = await siteMembers(knex, run, site);
  const collisions: SiteCollision[] = members.map((m) => ({
    collisionIndex: m.collision_index,
    date: m.date,
    time: m.time,
    severity: SEVERITY_NAME[m.severity] as SeverityName,
    distanceM: m.distance_m === null ? null : Number(m.distance_m),
    ambiguous: m.ambiguous,
  }));
  const { matrix, withoutTime } = matrixOf(members);
  const casualties = await casualtyBreakdowns(
    knex,
    members.map((m) => m.collision_index),
  );
  const byCondition = (field: 'light_conditions' | 'weather_conditions') =>
    labelledCounts(countBy(members, (m) => (m[field] === -1 ? null : m[field])), (code) => collisionLabel(field, code));
  return {
    collisions,
    trend: trendOf(run, members),
    matrix,
    withoutTime,
    casualtyData: casualties.casualtyData,
    breakdowns: { roadUser: casualties.roadUser, ageBand: casualties.ageBand, light: byCondition('light_conditions'), weather: byCondition('weather_conditions') },
    concerns: await concernsNear(knex, run, site.site_id, concernRadiusM),
  };
}

/**
 * Transient re-score runs are kept for an hour (long enough to page, export and compare) and at
 * most RESCORE_KEEP of them; older ones are deleted (their sites and snaps cascade).
 */
export const RESCORE_KEEP = 50;
export const RESCORE_MAX_AGE_MINUTES = 60;

export async function deleteOldRescores(knex: Knex): Promise<number> {
  const { rowCount } = await knex.raw(
    `DELETE FROM hotspot_runs WHERE scope = 'rescore' AND status <> 'running' AND (
       created_at < now() - make_interval(mins => ?)
       OR id NOT IN (SELECT id FROM hotspot_runs WHERE scope = 'rescore' ORDER BY id DESC LIMIT ?))`,
    [RESCORE_MAX_AGE_MINUTES, RESCORE_KEEP],
  );
  return Number(rowCount ?? 0);
}

export interface RunStatusRow {
  job_id: number | null;
  job_status: string | null;
  progress: number | null;
  stage: string | null;
  message: string | null;
  run_message: string | null;
  job_params: Record<string, unknown> | null;
  job_started_by: string | null;
  job_created_at: Date | null;
  job_finished_at: Date | null;
  run_id: number | null;
  run_status: string | null;
  scope: string | null;
  district_code: string | null;
  period_from: string | null;
  period_to: string | null;
  unit_kind: string | null;
  method_version: string | null;
  value_table_version: string | null;
  params: Record<string, unknown> | null;
  summary: unknown;
  run_started_by: string | null;
  run_created_at: Date | null;
  run_finished_at: Date | null;
}

const RUN_STATUS_SELECT = `
  j.id AS job_id, j.status AS job_status, j.progress, j.stage, j.message, j.params AS job_params,
  j.started_by AS job_started_by, j.created_at AS job_created_at, j.finished_at AS job_finished_at,
  r.id AS run_id, r.status AS run_status, r.message AS run_message, r.scope, r.district_code,
  to_char(r.period_from, 'YYYY-MM-DD') AS period_from, to_char(r.period_to, 'YYYY-MM-DD') AS period_to,
  r.unit_kind, r.method_version, r.value_table_version, r.params, r.summary,
  r.started_by AS run_started_by, r.created_at AS run_created_at, r.finished_at AS run_finished_at`;

/** Kind of background job a hotspot run is started as. */
export const HOTSPOT_JOB_KIND = 'hotspot_run';

/**
 * A hotspot run job still queued or running on a live instance (its lease refreshed within
 * `staleAfterMs`), if any. A job whose instance died keeps its status until a restart fails it, so
 * the lease, not the status alone, says whether it is really running.
 */
export async function activeRunJob(knex: Knex, staleAfterMs: number): Promise<number | undefined> {
  const { rows } = await knex.raw(
    `SELECT j.id FROM background_jobs j JOIN job_claims c ON c.key = ?::text || j.id::text
     WHERE j.kind = ? AND j.status IN ('queued', 'running') AND c.claimed_at > now() - make_interval(secs => ?::float8)
     ORDER BY j.id LIMIT 1`,
    [JOB_LEASE_PREFIX, HOTSPOT_JOB_KIND, staleAfterMs / 1000],
  );
  return rows[0] ? Number(rows[0].id) : undefined;
}

/** A run job with its run (once the job has created it). */
export async function runStatusByJob(knex: Knex, jobId: number): Promise<RunStatusRow | undefined> {
  const { rows } = await knex.raw(
    `SELECT ${RUN_STATUS_SELECT}
     FROM background_jobs j
     LEFT JOIN LATERAL (SELECT * FROM hotspot_runs x WHERE x.job_id = j.id ORDER BY x.id DESC LIMIT 1) r ON true
     WHERE j.id = ? AND j.kind = ?`,
    [jobId, HOTSPOT_JOB_KIND],
  );
  return rows[0] as RunStatusRow | undefined;
}

/**
 * The latest `limit` full runs and run jobs, newest first: jobs with their run (a job that failed
 * before creating one is listed too) and runs without a job (started from the command line).
 */
export async function listRunStatuses(knex: Knex, limit: number): Promise<RunStatusRow[]> {
  const { rows } = await knex.raw(
    `SELECT * FROM (
       SELECT ${RUN_STATUS_SELECT}, j.created_at AS sort_at
       FROM background_jobs j
       LEFT JOIN LATERAL (SELECT * FROM hotspot_runs x WHERE x.job_id = j.id ORDER BY x.id DESC LIMIT 1) r ON true
       WHERE j.kind = ?
       UNION ALL
       SELECT ${RUN_STATUS_SELECT}, r.created_at AS sort_at
       FROM hotspot_runs r LEFT JOIN background_jobs j ON false
       WHERE r.job_id IS NULL AND r.scope = 'full'
     ) u ORDER BY u.sort_at DESC, u.run_id DESC NULLS FIRST LIMIT ?`,
    [HOTSPOT_JOB_KIND, limit],
  );
  return rows as RunStatusRow[];
}

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);

/** A run job (or a job-less run) as GET /api/hotspot-runs shows it. */
export function runStatus(row: RunStatusRow) {
  const status = (row.job_status ?? row.run_status ?? 'running') as 'queued' | 'running' | 'succeeded' | 'failed';
  const done = status === 'succeeded';
  return {
    id: row.job_id,
    jobId: row.job_id,
    runId: row.run_id,
    status,
    progress: done ? 1 : Number(row.progress ?? 0),
    stage: row.stage,
    message: row.message ?? row.run_message,
    scope: row.scope,
    districtCode: row.district_code ?? ((row.job_params?.districtCode as string | undefined) ?? null),
    periodFrom: row.period_from,
    periodTo: row.period_to,
    unitKind: row.unit_kind,
    methodVersion: row.method_version,
    valueTableVersion: row.value_table_version,
    params: row.params,
    summary: row.summary ?? null,
    startedBy: row.job_started_by ?? row.run_started_by,
    createdAt: iso(row.job_created_at ?? row.run_created_at)!,
    finishedAt: iso(row.job_finished_at ?? row.run_finished_at),
  };
}
