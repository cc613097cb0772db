import type { Knex } from 'knex';
import { ksiValue } from '../../geo/stats/harm.ts';
import { bumpDataVersion } from '../db/data-versions.ts';
import { invalidRequest, type FieldError } from '../http/errors.ts';
import { collisionValueTable, type CollisionValueTable } from './collision-values.ts';
import { DEFAULT_PARAMS, hotspotParamsSchema, METHOD_VERSION, type HotspotParams } from './params.ts';
import { applyConcerns, type ConcernSummary } from './pipeline-concerns.ts';
import { clusterTest, type ClusterSummary } from './pipeline-clusters.ts';
import { cellTouching, flagCorridors, propagateCorridors, segmentTouching, type CorridorSummary } from './pipeline-corridors.ts';
import { countSites, fatalShareOfKsi, SiteMembership } from './pipeline-counts.ts';
import { scoreUnit, type GroupSummary } from './pipeline-models.ts';
import { rankSites } from './pipeline-rank.ts';
import { PLAN_GROUPS, RUN_UNITS, SEVERITY_FILTERS, type RoadUserFilter, type RunUnits, type SeverityFilter, type Site, type SiteUnit, type UnitKind } from './pipeline-types.ts';
import { buildSiteGeometry, writeSites, writeSnaps } from './pipeline-write.ts';
import { readRunCollisions, selectCollisions, snapSummary, snapToGrid, snapToNetwork } from './snapping.ts';
import { loadGridUnits, loadNetworkUnits, type NetworkUnits, type RunScope } from './units.ts';

/*
 * The hotspot scoring run (../shared/docs/hotspots.md, "A defensible scoring method"): validate the
 * request, fix the period, then — in one transaction, so a failed run leaves no rows behind — select
 * and snap the collisions, build the units, count, fit the safety performance functions, score each
 * site by Empirical Bayes, flag corridors, run the cluster test, weigh community concern, rank, and
 * store every site with its geometry. The run row is written first (status running) so progress can
 * be followed; it ends succeeded with a summary, or failed with the reason.
 */

export interface HotspotRunRequest {
  /** YYYY-MM-DD. The period ends at `to` (default: the last complete month with data) and starts `years` earlier (default 5). */
  from?: string;
  to?: string;
  /** Restrict to one district (ONS code): its collisions and the sites in it. */
  districtCode?: string;
  /** auto: network when a road network is loaded, else grid. */
  unit?: RunUnits;
  filters?: { roadUser?: RoadUserFilter; severity?: SeverityFilter };
  /** full: a published ranking (rank change, data version, tiles); rescore: interactive, not ranked against. */
  scope?: 'full' | 'rescore';
  /**
   * Network runs: which units to score besides segments (always scored: corridors are found on
   * them). Default all three; an interactive rescore showing one unit can ask for just that one.
   */
  siteUnits?: Array<'segment' | 'junction' | 'window'>;
  params?: Partial<HotspotParams>;
  startedBy?: string;
  jobId?: number;
  onProgress?: (fraction: number, stage: string) => Promise<void> | void;
}

export interface HotspotRunSummary {
  unitKind: UnitKind;
  years: number;
  collisions: Record<string, number>;
  /** Per unit: sites scored and ranked, candidates, camera-eligible, concern-only, and sites stored (empty windows are not). */
  units: Record<string, { sites: number; candidates: number; eligible: number; concernOnly: number; stored: number }>;
  models: GroupSummary[];
  corridors: CorridorSummary;
  clusters: ClusterSummary;
  concerns: ConcernSummary;
  valueTable: CollisionValueTable;
  fatalShareOfKsi: number | null;
  ksiValueGbp: number;
  timingsMs: Record<string, number>;
}

export interface HotspotRunResult {
  runId: number;
  summary: HotspotRunSummary;
}

const SCOPES = ['full', 'rescore'] as const;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

// ---------------------------------------------------------------------------------------------
// Dates (calendar arithmetic on YYYY-MM-DD in UTC, so no time zone can shift a day)

function parseIsoDate(s: string): Date | null {
  if (!ISO_DATE.test(s)) return null;
  const d = new Date(`${s}T00:00:00Z`);
  return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== s ? null : d;
}
const iso = (d: Date) => d.toISOString().slice(0, 10);
const addDays = (s: string, days: number) => iso(new Date(Date.parse(`${s}T00:00:00Z`) + days * 86_400_000));
function addMonths(s: string, months: number): string {
  const d = new Date(`${s}T00:00:00Z`);
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), lastDay));
  return iso(target);
}
const monthEnd = (s: string) => iso(new Date(Date.UTC(Number(s.slice(0, 4)), Number(s.slice(5, 7)), 0)));
/** First day of the window of `months` months ending on `to` (inclusive). */
const windowStart = (to: string, months: number) => addMonths(addDays(to, 1), -months);

/** Days in [from, to] ÷ 365.25: the exposure time of the period, in years. */
export function periodYears(from: string, to: string): number {
  return (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`) + 86_400_000) / (365.25 * 86_400_000);
}

/**
 * The default period end: the last day of the last complete month with data. A month counts as
 * complete when its latest collision falls in its last 7 days (annual STATS19 files end on or near
 * 31 December; a partial month ends earlier).
 */
async function defaultPeriod(knex: Knex): Promise<{ first: string; last: string } | undefined> {
  const { rows } = await knex.raw(`SELECT to_char(min(date), 'YYYY-MM-DD') AS first, to_char(max(date), 'YYYY-MM-DD') AS last FROM collisions WHERE geom IS NOT NULL`);
  const r = rows[0] as { first: string | null; last: string | null };
  if (!r.first || !r.last) return undefined;
  const end = monthEnd(r.last);
  const last = Date.parse(`${end}T00:00:00Z`) - Date.parse(`${r.last}T00:00:00Z`) <= 6 * 86_400_000 ? end : addDays(`${r.last.slice(0, 8)}01`, -1);
  return { first: `${r.first.slice(0, 8)}01`, last };
}

// ---------------------------------------------------------------------------------------------
// Validation

interface ResolvedRun {
  params: HotspotParams;
  unitKind: UnitKind;
  scope: 'full' | 'rescore';
  districtCode?: string;
  filters: { roadUser?: RoadUserFilter; severity?: SeverityFilter };
  periodFrom: string;
  periodTo: string;
  cameraFrom: string;
  clusterFrom: string;
  loadFrom: string;
  years: number;
  valueTable: CollisionValueTable;
}

/**
 * Checks a request against the database (district known, network present, a value table) and
 * resolves every default. Bad input throws invalidRequest naming each field; nothing is written.
 */
export async function resolveRunRequest(knex: Knex, request: HotspotRunRequest): Promise<ResolvedRun> {
  const errors: FieldError[] = [];
  const add = (field: string, code: string, message: string) => errors.push({ field, code, message });

  const parsedParams = hotspotParamsSchema.safeParse(request.params ?? {});
  if (!parsedParams.success) {
    for (const issue of parsedParams.error.issues) {
      const path = issue.path.length ? issue.path.join('.') : (issue as { keys?: string[] }).keys?.join(', ') ?? '';
      add(`params${path ? `.${path}` : ''}`, 'invalid_param', issue.code === 'unrecognized_keys' ? `unknown parameter${(issue as { keys: string[] }).keys.length > 1 ? 's' : ''} ${(issue as { keys: string[] }).keys.join(', ')}` : issue.message);
    }
  }
  const params: HotspotParams = { ...DEFAULT_PARAMS, ...(parsedParams.success ? (parsedParams.data as Partial<HotspotParams>) : {}) };

  const unit = request.unit ?? 'auto';
  if (!RUN_UNITS.includes(unit)) add('unit', 'invalid_unit', `must be one of ${RUN_UNITS.join(', ')} (got "${String(unit)}")`);
  const scope = request.scope ?? 'full';
  if (!SCOPES.includes(scope)) add('scope', 'invalid_scope', `must be full or rescore (got "${String(scope)}")`);
  const filters = request.filters ?? {};
  for (const u of request.siteUnits ?? []) {
    if (!['segment', 'junction', 'window'].includes(u)) add('siteUnits', 'invalid_unit', `each must be segment, junction or window (got "${String(u)}")`);
  }
  if (filters.roadUser !== undefined && !PLAN_GROUPS.includes(filters.roadUser)) {
    add('roadUser', 'invalid_road_user', `must be one of ${PLAN_GROUPS.join(', ')} (got "${String(filters.roadUser)}")`);
  }
  if (filters.severity !== undefined && !SEVERITY_FILTERS.includes(filters.severity)) {
    add('severity', 'invalid_severity', `must be one of ${SEVERITY_FILTERS.join(', ')} (got "${String(filters.severity)}")`);
  }
  for (const field of ['from', 'to'] as const) {
    const value = request[field];
    if (value !== undefined && !parseIsoDate(value)) add(field, 'invalid_date', `must be a real calendar date as YYYY-MM-DD (got "${value}")`);
  }
  if (request.from && request.to && parseIsoDate(request.from) && parseIsoDate(request.to) && request.from > request.to) {
    add('from', 'invalid_period', `"${request.from}" is after "to" (${request.to})`);
  }
  let districtCode = request.districtCode?.trim().toUpperCase() || undefined;
  if (districtCode !== undefined) {
    if (!/^[EWSN]\d{8}$/.test(districtCode)) {
      add('district', 'invalid_district', `must be an ONS district code such as E07000123 (got "${request.districtCode}")`);
      districtCode = undefined;
    } else if (!(await knex('districts').where({ code: districtCode }).first('code'))) {
      const known = (await knex('districts').orderBy('code').limit(20).pluck('code')) as string[];
      add('district', 'unknown_district', `no district ${districtCode} is loaded${known.length ? ` (loaded: ${known.join(', ')}${known.length === 20 ? ', …' : ''})` : ' (import boundaries with `roadsafe import districts FILE`)'}`);
    }
  }
  const hasNetwork = Boolean(await knex('road_segments').first('id'));
  if (unit === 'network' && !hasNetwork) {
    add('unit', 'no_network', 'no road network is loaded: import one with `roadsafe import roads FILE.osm.pbf`, or use the grid units');
  }

  const data = await defaultPeriod(knex);
  if (!data && errors.length === 0) add('to', 'no_collisions', 'no located collisions are loaded: import STATS19 data first (`roadsafe import stats19 …`)');
  let valueTable: CollisionValueTable | undefined;
  try {
    valueTable = await collisionValueTable(knex, params.valueTableVersion);
  } catch (err) {
    add('params.valueTableVersion', 'unknown_value_table', (err as Error).message);
  }
  if (errors.length || !data || !valueTable) throw invalidRequest(errors);

  const periodTo = request.to ?? data.last;
  const defaultFrom = windowStart(periodTo, Math.round(params.years * 12));
  // With less data than the window (e.g. one year of demo data), the period starts with the data.
  const periodFrom = request.from ?? (defaultFrom < data.first && data.first <= periodTo ? data.first : defaultFrom);
  const cameraFrom = windowStart(periodTo, params.cameraMonths);
  const clusterFrom = windowStart(periodTo, params.clusterMonths);
  const loadFrom = [periodFrom, cameraFrom, clusterFrom].sort()[0]!;
  return {
    params,
    unitKind: unit === 'grid' || (unit === 'auto' && !hasNetwork) ? 'grid' : 'network',
    scope,
    districtCode,
    filters: { ...(filters.roadUser ? { roadUser: filters.roadUser } : {}), ...(filters.severity ? { severity: filters.severity } : {}) },
    periodFrom,
    periodTo,
    cameraFrom,
    clusterFrom,
    loadFrom,
    years: periodYears(periodFrom, periodTo),
    valueTable,
  };
}

// ---------------------------------------------------------------------------------------------
// The run

/** Whether the knex pool has a single connection (the embedded database): a second query would wait for this run. */
function singleConnection(knex: Knex): boolean {
  const pool = (knex.client as { config?: { pool?: { max?: number } } }).config?.pool;
  return (pool?.max ?? 10) <= 1;
}

/** The stages a run reports, with the share of the work done when each starts. */
const STAGES: Array<[stage: string, fraction: number]> = [
  ['selecting collisions', 0.02],
  ['building units', 0.08],
  ['snapping collisions', 0.15],
  ['counting', 0.4],
  ['fitting models', 0.5],
  ['corridors (Gi*)', 0.58],
  ['cluster test', 0.63],
  ['community concern', 0.7],
  ['ranking', 0.75],
  ['storing sites', 0.78],
  ['done', 1],
];

/**
 * At start-up, after failInterruptedJobs: a run's row is written before its transaction, so a run whose
 * job was cut short by a stopped process is still "running"; mark it failed like its job.
 */
export async function failInterruptedRuns(knex: Knex): Promise<void> {
  await knex.raw(
    `UPDATE hotspot_runs r SET status = 'failed', message = 'interrupted by a restart', finished_at = now()
       FROM background_jobs j WHERE r.status = 'running' AND r.job_id = j.id AND j.status = 'failed'`,
  );
}

/**
 * Runs the method and stores the run. Returns the run id and its summary. A request problem throws
 * an HttpError (400, each field named) before anything is written; a failure during the run marks the
 * run failed (with the reason) and rethrows, leaving no sites or snaps.
 */
export async function runHotspots(knex: Knex, request: HotspotRunRequest): Promise<HotspotRunResult> {
  const resolved = await resolveRunRequest(knex, request);
  const { params, unitKind, scope, districtCode, filters, valueTable } = resolved;
  params.concernsAsOf ??= new Date().toISOString();

  const [run] = (await knex('hotspot_runs')
    .insert({
      job_id: request.jobId ?? null,
      status: 'running',
      scope,
      unit_kind: unitKind,
      district_code: districtCode ?? null,
      params: JSON.stringify(params),
      filters: JSON.stringify(filters),
      period_from: resolved.periodFrom,
      period_to: resolved.periodTo,
      camera_from: resolved.cameraFrom,
      method_version: METHOD_VERSION,
      value_table_version: valueTable.version,
      started_by: request.startedBy ?? null,
    })
    .returning('id')) as Array<{ id: number }>;
  const runId = Number(run!.id);

  const awaitProgress = !singleConnection(knex);
  const timings: Record<string, number> = {};
  let stageStarted = Date.now();
  let currentStage = 'starting';
  const progress = async (stage: string) => {
    timings[currentStage] = Date.now() - stageStarted;
    currentStage = stage;
    stageStarted = Date.now();
    const fraction = STAGES.find(([s]) => s === stage)?.[1] ?? 0;
    if (!request.onProgress) return;
    // On the embedded database the transaction holds the only connection: a progress write from the
    // job runner would wait for it, so it is not awaited there (it lands when the run commits).
    // A failed progress write (a job row, a closed terminal) must not fail the run itself.
    const pending = Promise.resolve()
      .then(() => request.onProgress!(fraction, stage))
      .catch(() => undefined);
    if (awaitProgress) await pending;
  };

  const started = Date.now();
  try {
    const summary = await knex.transaction(async (trx) => {
      const scopeOf: RunScope = { districtCode };
      await progress('selecting collisions');
      const selected = await selectCollisions(trx, scopeOf, {
        loadFrom: resolved.loadFrom,
        periodFrom: resolved.periodFrom,
        cameraFrom: resolved.cameraFrom,
        clusterFrom: resolved.clusterFrom,
        periodTo: resolved.periodTo,
        ...filters,
      });

      await progress('building units');
      let sites: Site[];
      let network: NetworkUnits | undefined;
      if (unitKind === 'network') {
        network = await loadNetworkUnits(trx, scopeOf, params, new Set(['segment', ...(request.siteUnits ?? ['junction', 'window'])]));
        sites = network.sites;
        await progress('snapping collisions');
        await snapToNetwork(trx, params, selected);
      } else {
        sites = await loadGridUnits(trx, scopeOf, params);
        await progress('snapping collisions');
        await snapToGrid(trx);
      }
      const collisions = await readRunCollisions(trx);
      const snaps = await snapSummary(trx, unitKind);

      await progress('counting');
      const chainLength = new Map((network?.chains ?? []).map((c) => [c.id, c.lengthM]));
      const membership = new SiteMembership(sites, collisions, chainLength);
      countSites(sites, collisions, membership);

      await progress('fitting models');
      const share = fatalShareOfKsi(collisions);
      const ksiGbp = ksiValue(valueTable, share ?? 0);
      const byUnit = new Map<SiteUnit, Site[]>();
      for (const s of sites) {
        let list = byUnit.get(s.unit);
        if (!list) byUnit.set(s.unit, (list = []));
        list.push(s);
      }
      const models: GroupSummary[] = [];
      for (const list of byUnit.values()) {
        models.push(...scoreUnit(list, params, { years: resolved.years, ksiValueGbp: ksiGbp, slightValueGbp: valueTable.slightGbp }));
      }

      await progress('corridors (Gi*)');
      let corridors: CorridorSummary;
      if (network) {
        const segments = byUnit.get('segment') ?? [];
        corridors = flagCorridors(segments, params, segmentTouching(segments, network.segmentsByEdge, network.edges));
        propagateCorridors(sites, segments, network.edges, network.segmentsByEdge);
      } else {
        const cells = byUnit.get('cell') ?? [];
        corridors = flagCorridors(cells, params, cellTouching(cells, params.hexSizeM));
      }

      await progress('cluster test');
      const clusters = clusterTest(sites, collisions, membership, params);

      await progress('community concern');
      await buildSiteGeometry(trx, sites.filter((s) => s.unit !== 'window'));
      const concerns = await applyConcerns(trx, sites, params, resolved.years, params.concernsAsOf!);

      await progress('ranking');
      const previous = scope === 'full' ? await previousRun(trx, runId, unitKind, districtCode) : undefined;
      const previousRanks = new Map<string, number>();
      if (previous !== undefined) {
        const { rows } = await trx.raw(`SELECT unit, site_id, rank FROM hotspot_sites WHERE run_id = ? AND rank IS NOT NULL`, [previous]);
        for (const r of rows as Array<{ unit: string; site_id: string; rank: number }>) previousRanks.set(`${r.unit}|${r.site_id}`, Number(r.rank));
      }
      const units = rankSites(sites, params, previousRanks);

      await progress('storing sites');
      // Every site is scored (the models need the zeros), but an empty site — no collision, no concern
      // — is not stored when it is a window (windows overlap, about two per 100 m of road, and an
      // empty one is no peak) or in a rescore (interactive and transient; empty sites rank last).
      const stored = sites.filter((s) => (scope === 'full' && s.unit !== 'window') || s.fatal + s.serious + s.slight > 0 || s.concernReports > 0);
      await buildSiteGeometry(trx, stored.filter((s) => s.unit === 'window'));
      await writeSites(trx, runId, stored);
      await writeSnaps(trx, runId);

      timings[currentStage] = Date.now() - stageStarted;
      const summary: HotspotRunSummary = {
        unitKind,
        years: resolved.years,
        collisions: { selected, ...snaps, countedAtOutOfScopeSites: membership.outsideSites },
        units: Object.fromEntries(Object.entries(units).map(([unit, c]) => [unit, { ...c, stored: stored.filter((s) => s.unit === unit).length }])),
        models,
        corridors,
        clusters,
        concerns,
        valueTable,
        fatalShareOfKsi: share,
        ksiValueGbp: ksiGbp,
        timingsMs: { ...timings, total: Date.now() - started },
      };
      await trx('hotspot_runs')
        .where({ id: runId })
        .update({ status: 'succeeded', summary: JSON.stringify(summary), previous_run_id: previous ?? null, finished_at: trx.fn.now() });
      if (scope === 'full') await bumpDataVersion(trx, 'hotspots');
      return summary;
    });
    await progress('done');
    return { runId, summary };
  } catch (err) {
    await markFailed(knex, runId, (err as Error).message ?? String(err));
    throw err;
  }
}

/**
 * Marks a run failed. Retried and checked: after a statement with bound parameters fails inside a
 * transaction, the embedded database's socket answers the next query with the ROLLBACK's reply and
 * then drops the connection (the pool opens a new one), so the first attempt can be lost.
 */
async function markFailed(knex: Knex, runId: number, message: string): Promise<void> {
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      const rows = (await knex('hotspot_runs')
        .where({ id: runId })
        .update({ status: 'failed', message: message.slice(0, 4000), finished_at: knex.fn.now() })
        .returning('id')) as unknown;
      if (Array.isArray(rows) && rows.length === 1 && Number((rows[0] as { id: number }).id) === runId) return;
    } catch {
      // the connection was dropped; the pool opens a new one
    }
    await new Promise((resolve) => setTimeout(resolve, 50 * (attempt + 1)));
  }
}

/** The run rank change is measured against: the latest succeeded full run of the same units and district. */
async function previousRun(knex: Knex, runId: number, unitKind: UnitKind, districtCode: string | undefined): Promise<number | undefined> {
  const row = await knex('hotspot_runs')
    .where({ status: 'succeeded', scope: 'full', unit_kind: unitKind })
    .andWhere('id', '<', runId)
    .andWhere((q) => (districtCode ? q.where('district_code', districtCode) : q.whereNull('district_code')))
    .orderBy('id', 'desc')
    .first('id');
  return row ? Number(row.id) : undefined;
}
