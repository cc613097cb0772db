import type { Response } from 'express';
import type { Knex } from 'knex';
import { DEFAULT_LEASE_STALE_MS, JobRunner } from '../../jobs/runner.ts';
import type { AppContext } from '../context.ts';
import { conflict, HttpError, invalidRequest, notFound } from '../http/errors.ts';
import { defineRoute, type AnyRoute } from '../http/routes.ts';
import { z } from '../http/zod.ts';
import { CLUSTER_TIMEOUT_MS, clusterCollisions, ClusterTimeoutError } from './clusters.ts';
import { activeCollisionValueTable } from './collision-values.ts';
import { hotspotCsv } from './csv.ts';
import { DEFAULT_PARAMS, METHOD_VERSION, type HotspotParams } from './params.ts';
import {
  activeRunJob,
  countSites,
  deleteOldRescores,
  findRun,
  findSite,
  HOTSPOT_JOB_KIND,
  latestFullRun,
  listRunStatuses,
  listSites,
  RESCORE_KEEP,
  RESCORE_MAX_AGE_MINUTES,
  resolveRun,
  runInfo,
  runStatus,
  runStatusByJob,
  siteDetail,
  siteProperties,
  unitsOfRun,
  type RunRow,
} from './queries.ts';
import { resolveRunRequest, runHotspots, type HotspotRunRequest } from './run.ts';
import {
  clusterCollection,
  clusterQuery,
  DEFAULT_UNIT,
  hotspotFeatureCollection,
  hotspotListQuery,
  rescoreBody,
  runIdParams,
  runStartBody,
  runStatus as runStatusSchema,
  siteDetail as siteDetailSchema,
  siteDetailQuery,
  siteParams,
  unitKindOf,
  unitOfSiteId,
  UNITS_OF_KIND,
  type RunRef,
  type SiteSelection,
} from './schemas.ts';
import type { SiteUnit } from './pipeline-types.ts';

/** What to do when no hotspot run exists yet. */
const HOW_TO_RUN =
  'Staff (admin, analyst or planner) can start one with POST /api/hotspot-runs or on the command line with `roadsafe hotspots compute`; ' +
  'a scheduled run also happens monthly.';

/** The run a request names, or a 404 that says what exists and how to make one. */
async function requireRun(knex: Knex, ref: RunRef, unit: SiteUnit | undefined): Promise<RunRow> {
  const run = await resolveRun(knex, ref, unit ? unitKindOf(unit) : undefined);
  if (run) return run;
  if (ref !== 'latest') throw notFound(`No hotspot run has the id ${ref}. GET /api/hotspots?run=latest gives the latest published ranking.`);
  if (unit) {
    const other = await latestFullRun(knex);
    if (other) {
      throw notFound(
        `No ${unitKindOf(unit)} hotspot run has finished yet, so there are no ${unit} sites; the latest run (${other.id}) used ${other.unit_kind} units ` +
          `(${UNITS_OF_KIND[other.unit_kind].join(', ')}). ${HOW_TO_RUN}`,
      );
    }
  }
  throw notFound(`No hotspot ranking has been computed yet. ${HOW_TO_RUN}`);
}

/** The unit to list: the one asked for (which the run must hold), else the run's main unit. */
function unitFor(run: RunRow, unit: SiteUnit | undefined, field: string): SiteUnit {
  if (!unit) return DEFAULT_UNIT[run.unit_kind];
  if (!UNITS_OF_KIND[run.unit_kind].includes(unit)) {
    throw invalidRequest([
      {
        field,
        code: 'invalid_value',
        message: `run ${run.id} used ${run.unit_kind} units (${UNITS_OF_KIND[run.unit_kind].join(', ')}), so it has no ${unit} sites (got "${unit}")`,
      },
    ]);
  }
  return unit;
}

/** A run's sites as the list responses show them: GeoJSON, or CSV when asked. */
async function sendSites(knex: Knex, res: Response, run: RunRow, selection: SiteSelection, format: 'geojson' | 'csv'): Promise<void> {
  const rows = await listSites(knex, run.id, selection);
  if (format === 'csv') {
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="hotspots-run${run.id}-${selection.unit}.csv"`);
    res.send(hotspotCsv(rows));
    return;
  }
  const matched = rows.length < selection.limit ? rows.length : await countSites(knex, run.id, selection);
  res.type('application/geo+json').json({
    type: 'FeatureCollection',
    run: runInfo(run),
    units: run.unit_kind,
    unit: selection.unit,
    numberMatched: matched,
    numberReturned: rows.length,
    features: rows.map((row) => ({ type: 'Feature', id: row.site_id, geometry: row.geometry, properties: siteProperties(row) })),
  });
}

/** The method in words, with the parameters a run would use (paragraphs). */
export function methodStatement(p: HotspotParams): string[] {
  const thresholds = p.cameraThresholds.map((t) => `${t.ksiPerKm} per km up to ${t.maxSpeedMph} mph`).join(', ');
  return [
    `Sites. With a road network loaded, collisions are counted at junctions (nodes where three or more roads meet; a collision STATS19 marks as at or near a junction counts there when within ${p.junctionRadiusM} m), on link segments between junctions (up to 100 m in towns, 200 m elsewhere), and in sliding windows along each road (${p.windowUrbanM} m in towns, ${p.windowRuralM} m elsewhere, every ${p.windowStepM} m) to find the peak stretch. Without a road network, hexagonal cells of ${p.hexSizeM} m are used, and every result says which units it used.`,
    `Snapping. Each collision is placed on the nearest segment within ${p.snapDistanceM} m, keeping the distance and the position along the road; a snap is flagged as ambiguous when a second road is within ${p.ambiguityM} m. Collisions further from any road stay as points.`,
    `Period. The latest ${p.years} complete years of collisions are ranked; camera evidence uses the latest ${p.cameraMonths} months.`,
    'Expected values. A negative binomial safety performance function is fitted for each reference group of similar sites (site type, road class, urban or rural, speed-limit band; groups with fewer than ' +
      `${p.minGroupSites} sites are merged into their parent), using segment length, separately for killed-or-seriously-injured (KSI) and all injury collisions. It gives the number of collisions expected at a typical site like this one (μ) and the overdispersion k.`,
    'Empirical Bayes. Each site\'s expected count combines the model and its own record: w = 1 / (1 + kμ), N_exp = wμ + (1 − w)N_obs. The excess is N_exp − μ, and the probability of excess is the chance, under the posterior Gamma distribution, that the site\'s true rate exceeds μ. This corrects for regression to the mean: a site picked only because of one bad year is pulled back toward what similar sites see.',
    'Harm. The excess is valued with the Department for Transport\'s value of preventing a collision by severity (fatal and serious pooled as KSI, and slight), from the value table in use, as £ per year. ' +
      `A site is a candidate hotspot only when the probability of excess is at least ${p.candidateP} and the excess is positive. Sites are ranked by harm; fatal counts are shown but not ranked on alone.`,
    `Corridors. Getis–Ord Gi* over all segments (zeros included) with a ${p.giBandM} m distance band finds stretches of high values; the Benjamini–Hochberg procedure at q = ${p.fdrQ} controls false discoveries. A corridor is a flag, not a change of rank.`,
    `Cluster test. Alongside the ranking, the UK cluster-site test is reported: ${p.clusterMinPoints} or more injury collisions within ${p.clusterEpsUrbanM} m (urban) or ${p.clusterEpsRuralM} m (rural) over ${p.clusterMonths} months, with the largest count inside any single circle.`,
    `Community concern. Reports are placed on sites (within ${p.concernSnapM} m), counted once per reporter per site in ${p.concernDedupeDays} days, halved in weight every ${Math.round(p.concernHalfLifeDays)} days, compared with what similar roads receive and shrunk toward the average. Concern can raise a site's priority by at most ${Math.round(p.concernMaxShare * 100)}%; it never creates harm. Sites with strong concern but no excess harm go on a separate list for speed surveys and community road watch.`,
    `Camera eligibility. Separately from the rank, a site is checked against the camera evidence thresholds (KSI collisions per km over ${p.cameraMonths} months: ${thresholds}; ${p.cameraJunctionKsi} KSI at a junction), and the reason is given.`,
    'Reproducibility. Every run stores its parameters, data period, method version and value-table version, so a published ranking can be reproduced.',
  ];
}

/** A run request's problems (fields named as the run names them) as the request body's fields. */
function asBodyErrors(err: unknown): unknown {
  if (err instanceof HttpError && err.status === 400 && err.errors) {
    return invalidRequest(err.errors.map((e) => ({ ...e, field: e.field.startsWith('body.') ? e.field : `body.${e.field}` })));
  }
  return err;
}

/** What this instance knows of a run job it is running (the embedded database cannot be asked mid-run). */
interface LiveJob {
  progress: number;
  stage: string;
  params: object;
  startedBy: string | undefined;
  createdAt: Date;
}

/** Listed runs and jobs. */
const RUN_LIST_LIMIT = 50;

/** Hotspot API: ranked sites, one site, the method, clusters, background runs and re-scoring. */
export function hotspotRoutes(ctx: AppContext): AnyRoute[] {
  const { knex } = ctx.db;
  // The service passes its one runner (shared with the scheduler); a bare test context gets its own.
  const runner = ctx.jobs ?? new JobRunner(knex, ctx.logger);
  const live = new Map<number, LiveJob>();

  /** A job this instance runs, from memory: on the embedded database every query waits for the run's transaction. */
  const liveStatus = (jobId: number, job: LiveJob) => ({
    ...runStatus({ job_id: jobId, job_status: 'running', progress: job.progress, stage: job.stage } as Parameters<typeof runStatus>[0]),
    districtCode: ((job.params as { districtCode?: string }).districtCode ?? null) as string | null,
    startedBy: job.startedBy ?? null,
    createdAt: job.createdAt.toISOString(),
  });
  const withLiveProgress = (status: ReturnType<typeof runStatus>) => {
    const job = status.jobId === null ? undefined : live.get(status.jobId);
    return job && status.status === 'running' ? { ...status, progress: job.progress, stage: job.stage } : status;
  };

  return [
    defineRoute({
      method: 'get',
      path: '/api/hotspots',
      summary: 'Ranked hotspot sites of a run, as GeoJSON or CSV',
      description:
        'Sites of one unit, best first (rank 1 = highest priority within the unit). `run=latest` (default) is the latest succeeded full run — ' +
        'of the unit\'s kind when `unit` is given (cell: grid runs; segment, junction, window: network runs). Without `unit` a network run lists segments ' +
        'and a grid run cells. Filters keep each site\'s rank in the whole run. CSV: one row per site with the same properties as columns ' +
        '(road-user counts as `roadUser_<group>`), then longitude, latitude (a point on the site) and wkt (its geometry), all WGS84.',
      tags: ['hotspots'],
      request: { query: hotspotListQuery },
      responses: {
        200: { description: 'A FeatureCollection (WGS84) with the run it came from, or CSV', schema: hotspotFeatureCollection, contentTypes: ['application/geo+json', 'text/csv'] },
        400: { description: 'A query value is invalid, or the run has no sites of that unit; `errors` names each field and value' },
        404: { description: 'No such run, or no run has finished yet (the message says how to start one)' },
      },
      handler: async ({ query }, _req, res) => {
        const run = await requireRun(knex, query.run, query.unit);
        const unit = unitFor(run, query.unit, 'query.unit');
        await sendSites(knex, res, run, { unit, district: query.district, roadUser: query.roadUser, candidate: query.candidate, limit: query.limit }, query.format);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/hotspots/:siteId',
      summary: 'One hotspot site: its collisions, trend, day × hour matrix, breakdowns and concerns',
      description:
        'The site as ranked in the run (`run=latest` by default: the latest full run of the kind the site id names), the collisions it counts in the ' +
        'run\'s period with their snap distance, collisions per year by severity, a 7 × 24 matrix (row 0 = Sunday, DfT day 1; column = hour), ' +
        'casualties by road-user group and DfT age band, collisions by light and weather (DfT labels), and community concerns within the run\'s ' +
        'concern snap distance (`concernSnapM`, 50 m by default), duplicates left out: reference, category, status and month only — never the reporter, ' +
        'the description or any other free text.',
      tags: ['hotspots'],
      request: { params: siteParams, query: siteDetailQuery },
      responses: {
        200: { description: 'The site and its detail', schema: siteDetailSchema },
        400: { description: 'Not a site id, or a bad run' },
        404: { description: 'No such run, or the run has no such site' },
      },
      handler: async ({ params, query }, _req, res) => {
        const unit = unitOfSiteId(params.siteId);
        const run = await requireRun(knex, query.run, unit);
        const site = await findSite(knex, run.id, params.siteId);
        if (!site) {
          throw notFound(`Run ${run.id} has no site "${params.siteId}". Site ids come from GET /api/hotspots (e.g. seg:1024, jn:123456, cell:10:-4).`);
        }
        const detail = await siteDetail(knex, run, site, Number(run.params?.concernSnapM ?? DEFAULT_PARAMS.concernSnapM));
        res.json({ site: { ...siteProperties(site), geometry: site.geometry }, run: runInfo(run), ...detail });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/hotspot-method',
      summary: 'How hotspots are found: the method in words, default parameters, the value table, and the latest run',
      tags: ['hotspots'],
      responses: { 200: { description: 'The method statement', schema: methodSchema } },
      handler: async (_input, _req, res) => {
        const latest = await latestFullRun(knex);
        const network = latest?.unit_kind === 'network' ? latest : await latestFullRun(knex, 'network');
        const grid = latest?.unit_kind === 'grid' ? latest : await latestFullRun(knex, 'grid');
        const params = { ...DEFAULT_PARAMS, ...((latest?.params as Partial<HotspotParams> | undefined) ?? {}) };
        res.json({
          methodVersion: METHOD_VERSION,
          statement: methodStatement(latest ? params : DEFAULT_PARAMS),
          statementParams: latest ? 'latest run' : 'defaults',
          defaults: DEFAULT_PARAMS,
          valueTable: await activeCollisionValueTable(knex),
          latestRun: latest ? { ...runInfo(latest), summary: latest.summary ?? null, units: await unitsOfRun(knex, latest.id) } : null,
          latestRuns: { network: network ? runInfo(network) : null, grid: grid ? runInfo(grid) : null },
          units: latest?.unit_kind ?? null,
          unitsUsed: latest ? UNITS_OF_KIND[latest.unit_kind] : [],
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/clusters',
      summary: 'DBSCAN clusters of collisions (the N-within-R cluster-site test)',
      description:
        '`ST_ClusterDBSCAN` on EPSG:27700 over the located collisions matching the filters: a collision with at least `minPoints` collisions ' +
        '(itself included) within `eps` metres is a core collision; clusters are core collisions within eps of each other and the collisions ' +
        'within eps of them. One feature per cluster, largest first: its convex hull (WGS84; a cluster on one point or line is buffered by 1 m), ' +
        '`clusterId`, `size`, `members` (collision indexes) and `maxInCircle`, the most members within eps of any single member — DBSCAN chains ' +
        'clusters along busy roads, so this is the figure to compare with a cluster threshold. Collisions in no cluster (noise) are counted, not listed.',
      tags: ['hotspots'],
      request: { query: clusterQuery },
      responses: {
        200: { description: 'A FeatureCollection of cluster hulls', schema: clusterCollection, contentTypes: ['application/geo+json'] },
        400: { description: 'A query value is invalid; `errors` names each field and value' },
        422: { description: `The clustering ran past its time limit (${CLUSTER_TIMEOUT_MS / 1000} s): a smaller eps or narrower filters are needed` },
      },
      handler: async ({ query }, _req, res) => {
        const result = await clusterCollisions(knex, {
          eps: query.eps,
          minPoints: query.minPoints,
          filters: { from: query.from, to: query.to, district: query.district, severity: query.severity },
        }).catch((err: unknown) => {
          if (err instanceof ClusterTimeoutError) {
            throw new HttpError(
              422,
              'too_expensive',
              `${err.message} With eps ${query.eps} m over this many collisions every collision has too many neighbours: use a smaller eps, or narrow the period, district or severity.`,
            );
          }
          throw err;
        });
        res.type('application/geo+json').json({
          type: 'FeatureCollection',
          eps: query.eps,
          minPoints: query.minPoints,
          collisions: result.collisions,
          clustered: result.clustered,
          noise: result.collisions - result.clustered,
          features: result.clusters.map((c) => ({
            type: 'Feature',
            id: c.clusterId,
            geometry: c.hull,
            properties: { clusterId: c.clusterId, size: c.size, members: c.members, maxInCircle: c.maxInCircle },
          })),
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/hotspot-runs',
      summary: 'Start a full hotspot scoring run in the background',
      description:
        'Checks the request (period, district, units, parameters) at once — a problem is a 400 and nothing starts — then runs the method as a ' +
        'background job and answers 202. `id` is the **job id**: follow the run at GET /api/hotspot-runs/{id}, which gives its progress and, ' +
        'once the job has created it, `runId` (the hotspot run, for GET /api/hotspots?run=). A full run becomes the published ranking when it ' +
        'succeeds. One full run at a time: while a run job is live, another start is a 409 naming it.',
      tags: ['hotspots'],
      request: { body: runStartBody },
      responses: {
        202: {
          description: 'Started; the Location header is the status URL',
          schema: runStatusSchema.pick({ id: true, jobId: true, runId: true, status: true }).extend({ statusUrl: z.string().openapi({ example: '/api/hotspot-runs/42' }) }),
        },
        400: { description: 'A request value is invalid (e.g. an unknown district, or network units with no road network); `errors` names each field' },
        409: { description: 'A hotspot run is already running' },
      },
      handler: async ({ body }, req, res) => {
        const startedBy = req.user?.email;
        const request: HotspotRunRequest = {
          from: body.from,
          to: body.to,
          districtCode: body.district,
          unit: body.unit,
          scope: 'full',
          params: body.params as HotspotRunRequest['params'],
          startedBy,
        };
        try {
          await resolveRunRequest(knex, request);
        } catch (err) {
          throw asBodyErrors(err);
        }
        const active = await activeRunJob(knex, DEFAULT_LEASE_STALE_MS);
        if (active !== undefined) {
          throw conflict(`Hotspot run job ${active} is still running; follow it at /api/hotspot-runs/${active} and start another when it has finished.`);
        }
        const params = { from: body.from, to: body.to, districtCode: body.district, unit: body.unit, params: body.params };
        const jobId = await runner.start(HOTSPOT_JOB_KIND, params, startedBy, async (job) => {
          live.set(job.jobId, { progress: 0, stage: 'starting', params, startedBy, createdAt: new Date() });
          try {
            const result = await runHotspots(knex, {
              ...request,
              jobId: job.jobId,
              onProgress: (progress, stage) => {
                const entry = live.get(job.jobId);
                if (entry) Object.assign(entry, { progress, stage });
                return job.report(progress, stage);
              },
            });
            return { runId: result.runId };
          } finally {
            live.delete(job.jobId);
          }
        });
        const statusUrl = `/api/hotspot-runs/${jobId}`;
        res.status(202).location(statusUrl).json({ id: jobId, jobId, runId: null, status: 'queued', statusUrl });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/hotspot-runs/:id',
      summary: 'A hotspot run job: progress while it runs, the run when it is done',
      description:
        '`id` is the job id POST /api/hotspot-runs returned. While the job runs: status, progress (0–1) and stage; `runId` appears once the ' +
        'run row exists (on the embedded database, whose one connection the run holds, only when it finishes). When done: the run\'s period, ' +
        'units, method and value-table versions, parameters and summary; `message` says why a failed run failed.',
      tags: ['hotspots'],
      request: { params: runIdParams },
      responses: {
        200: { description: 'The job and its run', schema: runStatusSchema },
        400: { description: 'Not a job id' },
        404: { description: 'No hotspot run job has that id' },
      },
      handler: async ({ params }, _req, res) => {
        const job = live.get(params.id);
        if (job && ctx.db.mode === 'embedded') {
          res.json(liveStatus(params.id, job));
          return;
        }
        const row = await runStatusByJob(knex, params.id);
        if (!row) throw notFound(`No hotspot run job has the id ${params.id}. GET /api/hotspot-runs lists the latest.`);
        res.json(withLiveProgress(runStatus(row)));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/hotspot-runs',
      summary: `The latest ${RUN_LIST_LIMIT} full hotspot runs and run jobs, newest first`,
      description:
        'Jobs started through the API or the schedule (with their run once created; `id` = job id), and runs started from the command line ' +
        '(no job: `id` and `jobId` null, use `runId`). Re-score runs are not listed. On the embedded database, while a run started here is in ' +
        'progress (it holds the only connection), only the runs in progress are listed.',
      tags: ['hotspots'],
      responses: { 200: { description: 'Runs and jobs', schema: z.array(runStatusSchema) } },
      handler: async (_input, _req, res) => {
        if (ctx.db.mode === 'embedded' && live.size > 0) {
          // The run holds the embedded database's only connection: answer with what this instance knows.
          res.json([...live].map(([id, job]) => liveStatus(id, job)).reverse());
          return;
        }
        res.json((await listRunStatuses(knex, RUN_LIST_LIMIT)).map((row) => withLiveProgress(runStatus(row))));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/hotspots/rescore',
      summary: 'Re-score one district with filters, at once',
      description:
        'Runs the method over one district\'s collisions matching the filters (a road-user group, a severity, a period) and answers with its ' +
        'sites as GET /api/hotspots does (`run.scope` = rescore). Re-score runs are transient: they are not published, not ranked against, ' +
        `and deleted after ${RESCORE_MAX_AGE_MINUTES} minutes or when more than ${RESCORE_KEEP} newer ones exist; until then ` +
        'GET /api/hotspots?run={run.id} (e.g. with format=csv) reads one. `unit` picks the units (cell: the grid; segment, junction, window: the road network) ' +
        'and the unit listed; without it the road network is used when loaded.',
      tags: ['hotspots'],
      request: { body: rescoreBody },
      responses: {
        200: { description: 'The re-scored sites (WGS84)', schema: hotspotFeatureCollection, contentTypes: ['application/geo+json'] },
        400: { description: 'A request value is invalid (e.g. an unknown district); `errors` names each field' },
      },
      handler: async ({ body }, req, res) => {
        await deleteOldRescores(knex);
        let runId: number;
        try {
          ({ runId } = await runHotspots(knex, {
            scope: 'rescore',
            districtCode: body.district,
            from: body.from,
            to: body.to,
            unit: body.unit ? unitKindOf(body.unit) : 'auto',
            // Score only the network unit asked for (segments are always scored: corridors need them).
            siteUnits: body.unit && body.unit !== 'cell' ? [body.unit] : undefined,
            filters: { roadUser: body.roadUser, severity: body.severity },
            startedBy: req.user?.email,
          }));
        } catch (err) {
          throw asBodyErrors(err);
        }
        const run = (await findRun(knex, runId))!;
        const unit = unitFor(run, body.unit, 'body.unit');
        await sendSites(knex, res, run, { unit, candidate: body.candidate, limit: body.limit }, 'geojson');
      },
    }),
  ];
}

const methodSchema = z
  .object({
    methodVersion: z.string(),
    statement: z.array(z.string()).openapi({ description: 'The method in words, one paragraph per step, with the parameters of the latest run (or the defaults)' }),
    statementParams: z.enum(['latest run', 'defaults']),
    defaults: z.record(z.string(), z.unknown()).openapi({ description: 'Default parameters of a new run, with units in their names' }),
    valueTable: z
      .object({ version: z.string(), priceYear: z.number().int(), source: z.string(), fatalGbp: z.number(), seriousGbp: z.number(), slightGbp: z.number(), loadedAt: z.string() })
      .nullable()
      .openapi({ description: 'The active value-of-prevention table (£ per collision); null until one is loaded' }),
    latestRun: z.unknown().nullable().openapi({ description: 'The latest succeeded full run with its summary and its units (site counts per unit)' }),
    latestRuns: z.object({ network: z.unknown().nullable(), grid: z.unknown().nullable() }),
    units: z.enum(['network', 'grid']).nullable().openapi({ description: 'Which units the latest run used' }),
    unitsUsed: z.array(z.string()),
  })
  .openapi('HotspotMethod');
