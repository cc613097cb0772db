import type { Request } from 'express';
import type { Knex } from 'knex';
import { epochMsToIso } from '../../geo/calendar/time.ts';
import type { PlanOptions } from '../../geo/planning/types.ts';
import { DEFAULT_LEASE_STALE_MS, JobRunner } from '../../jobs/runner.ts';
import { currentUser } from '../auth/guard.ts';
import type { AppContext } from '../context.ts';
import { conflict, invalidRequest } from '../http/errors.ts';
import { defineRoute, type AnyRoute } from '../http/routes.ts';
import { z } from '../http/zod.ts';
import { publishAlerts } from './alerts.ts';
import { applyEdit, type Editor } from './edits.ts';
import { deliveryReport, sessionsCsv, taskingSheet, vanCalendar } from './exports.ts';
import { createPlanRow, generateIntoPlan, PLAN_JOB_KIND } from './generate.ts';
import { publicListCsv, publicListGeoJson, publicSiteList, publishedMonths } from './public.ts';
import { recordReturn } from './returns.ts';
import {
  calendarQuery,
  correctionBody,
  editBody,
  exportQuery,
  idParams,
  planListQuery,
  planStartBody,
  planListResponse,
  planViewSchema,
  publicListQuery,
  publicSiteListSchema,
  returnBody,
  routesQuery,
  routesResponse,
  sessionReturnSchema,
  taskingQuery,
} from './schemas.ts';
import { listPlans, planEvents, planSessions, planView, requirePlan, type PlanRow, type PlanView } from './store.ts';
import { approvePlan, correctPlan, publishPlan } from './workflow.ts';

/** What this instance knows of a generation it is running (on the embedded database the job may hold the only connection). */
interface LiveGeneration {
  fraction: number;
  stage: string;
  month: string;
  seed: number;
  /** The plan as it read when generation started (answered with the live progress on the embedded database). */
  view: PlanView;
}

/** A plan left "generating" by a generation whose job has ended or vanished becomes failed (e.g. the process stopped). */
async function settleStaleGeneration(knex: Knex, plan: PlanRow, live: boolean): Promise<PlanRow> {
  if (plan.status !== 'generating' || live) return plan;
  let message: string | null = null;
  if (plan.job_id !== null) {
    const job = (await knex('background_jobs').where({ id: plan.job_id }).first('status', 'message')) as { status: string; message: string | null } | undefined;
    if (!job) message = 'the generation job is gone';
    else if (job.status === 'failed') message = job.message ?? 'the generation job failed';
    else if (job.status === 'succeeded') message = 'the generation job ended without storing the plan';
  } else if (Date.now() - new Date(plan.created_at).getTime() > DEFAULT_LEASE_STALE_MS * 30) {
    message = 'the generation (command line) did not finish';
  }
  if (message === null) return plan;
  await knex('plans').where({ id: plan.id, status: 'generating' }).update({ status: 'failed', error: message });
  return { ...plan, status: 'failed', error: message };
}

const editorOf = (req: Request): Editor => {
  const user = currentUser(req);
  return { userId: user.id, actor: user.email };
};

const planResponse = planViewSchema;

/** Monthly van plans: generation, reading, edits, approval and publication, exports, returns, and the public list. */
export function planningRoutes(ctx: AppContext): AnyRoute[] {
  const { knex } = ctx.db;
  const runner = ctx.jobs ?? new JobRunner(knex, ctx.logger);
  const area = { lat: ctx.config.AREA_LATITUDE, lon: ctx.config.AREA_LONGITUDE };
  const live = new Map<number, LiveGeneration>();

  const loadPlan = async (id: number) => settleStaleGeneration(knex, await requirePlan(knex, id), live.has(id));
  const progressOf = async (plan: PlanRow) => {
    if (plan.status !== 'generating') return null;
    const entry = live.get(plan.id);
    if (entry) return { fraction: entry.fraction, stage: entry.stage };
    const job = plan.job_id === null ? undefined : await runner.get(plan.job_id);
    return { fraction: job?.progress ?? 0, stage: job?.stage ?? 'queued' };
  };
  const view = async (plan: PlanRow) => planView(knex, plan, await progressOf(plan));

  return [
    defineRoute({
      method: 'post',
      path: '/api/plans',
      summary: "Generate a month's van plan in the background",
      description:
        'Creates the plan (status generating) and runs the planner as a background job: inputs (eligible sites, vans, shifts, calendar, travel), ' +
        'allocation (HiGHS) and sampled visits, routing, the independent check, the quality measures. Follow it at GET /api/plans/{id} ' +
        '(progress while generating; draft when done, failed with `error` otherwise). The seed defaults to a random 31-bit number and is stored.',
      tags: ['plans'],
      request: { body: planStartBody },
      responses: {
        202: { description: 'Started', schema: z.object({ id: z.number(), jobId: z.number(), status: z.literal('generating') }) },
        400: { description: 'A request value is invalid; `errors` names each field' },
        409: { description: 'The month already has a published plan (use corrections) or a generation running' },
      },
      handler: async ({ body }, req, res) => {
        const user = currentUser(req);
        const published = (await knex('plans').where({ month: body.month, status: 'published' }).first('id')) as { id: number } | undefined;
        if (published) {
          throw conflict(`${body.month} already has a published plan (${published.id}): change it with POST /api/plans/${published.id}/corrections, which makes a new version.`);
        }
        const generating = (await knex('plans').where({ month: body.month, status: 'generating' }).select()) as PlanRow[];
        for (const plan of generating) {
          if ((await settleStaleGeneration(knex, plan, live.has(plan.id))).status === 'generating') {
            throw conflict(`A plan for ${body.month} is already being generated (plan ${plan.id}); follow it at /api/plans/${plan.id}.`);
          }
        }
        const { id, seed } = await createPlanRow(knex, { month: body.month, seed: body.seed, options: body.options as Partial<PlanOptions> | undefined, createdBy: user.id, actor: user.email });
        const view = await planView(knex, await requirePlan(knex, id), { fraction: 0, stage: 'queued' });
        live.set(id, { fraction: 0, stage: 'queued', month: body.month, seed, view });
        let jobId: number;
        try {
          jobId = await runner.start(PLAN_JOB_KIND, { planId: id, month: body.month, seed }, user.email, async (job) => {
            try {
              return await generateIntoPlan(knex, id, {
                area,
                actor: user.email,
                userId: user.id,
                onProgress: (fraction, stage) => {
                  const entry = live.get(id);
                  if (entry) Object.assign(entry, { fraction, stage });
                  void job.report(fraction, stage);
                },
              });
            } finally {
              live.delete(id);
            }
          });
        } catch (err) {
          live.delete(id);
          await knex('plans').where({ id }).update({ status: 'failed', error: err instanceof Error ? err.message : String(err) });
          throw err;
        }
        await knex('plans').where({ id }).update({ job_id: jobId });
        view.jobId = jobId;
        res.status(202).location(`/api/plans/${id}`).json({ id, jobId, status: 'generating' });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/plans',
      summary: "A month's plans (or the latest 200), newest version first",
      tags: ['plans'],
      request: { query: planListQuery },
      description: '`alerts`: the 1st-of-month checks that found the month without a published plan (also when it had no plan at all), newest first.',
      responses: { 200: { description: 'Plans and publish alerts', schema: planListResponse } },
      handler: async ({ query }, _req, res) => {
        res.json({ plans: await listPlans(knex, query.month), alerts: await publishAlerts(knex, query.month) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/plans/:id',
      summary: 'A plan: sessions (ISO times with offset), metrics, violations, allocation, notes and workflow',
      tags: ['plans'],
      request: { params: idParams },
      responses: { 200: { description: 'The plan', schema: planResponse }, 404: { description: 'No such plan' } },
      handler: async ({ params }, _req, res) => {
        const entry = live.get(params.id);
        if (entry && ctx.db.mode === 'embedded') {
          // The generation may hold the embedded database's only connection: answer from memory.
          res.json({ ...entry.view, progress: { fraction: entry.fraction, stage: entry.stage } });
          return;
        }
        res.json(await view(await loadPlan(params.id)));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/plans/:id/routes',
      summary: "Each van's route on a date as GeoJSON LineStrings (along the road network where loaded)",
      tags: ['plans'],
      request: { params: idParams, query: routesQuery },
      description:
        'A GeoJSON FeatureCollection (WGS84): one LineString per van shift, base → sites → base. With a road network each leg follows the shortest path ' +
        "edge by edge (an edge driven against its drawing is reversed); a leg the network cannot drive is straight (its mode says so). `legs[].startIndex` / `endIndex` " +
        "slice the feature's coordinates into legs.",
      responses: { 200: { description: 'One LineString per van shift', schema: routesResponse, contentTypes: ['application/geo+json'] }, 404: { description: 'No such plan' } },
      handler: async ({ params, query }, _req, res) => {
        const plan = await loadPlan(params.id);
        if (!query.date.startsWith(`${plan.month}-`)) {
          throw invalidRequest([{ field: 'query.date', code: 'out_of_month', message: `plan ${plan.id} is for ${plan.month} (got "${query.date}")` }]);
        }
        const legs = (await knex('plan_legs')
          .where({ plan_id: plan.id, date: query.date })
          .orderBy(['van_id', 'shift', 'seq'])
          .select('van_id', 'shift', 'seq', 'from_site_id', 'to_site_id', 'seconds', 'metres', 'mode', knex.raw('ST_AsGeoJSON(geom, 6) AS geometry'))) as Array<{
          van_id: number;
          shift: string;
          seq: number;
          from_site_id: number | null;
          to_site_id: number | null;
          seconds: number;
          metres: number;
          mode: string;
          geometry: string;
        }>;
        const sessions = (await planSessions(knex, plan.id, { date: query.date })).filter((s) => s.status === 'planned');
        const groups = new Map<string, typeof legs>();
        for (const leg of legs) groups.set(`${leg.van_id}|${leg.shift}`, [...(groups.get(`${leg.van_id}|${leg.shift}`) ?? []), leg]);
        const features = [...groups.values()].map((list) => {
          const { van_id: vanId, shift } = list[0]!;
          // Legs end where the next starts (at the stop): the shared position is kept once.
          const coordinates: number[][] = [];
          const spans: Array<[start: number, end: number]> = [];
          for (const leg of list) {
            const line = (JSON.parse(leg.geometry) as { coordinates: number[][] }).coordinates;
            const start = Math.max(coordinates.length - 1, 0);
            coordinates.push(...(coordinates.length ? line.slice(1) : line));
            spans.push([start, coordinates.length - 1]);
          }
          const modes = new Set(list.map((l) => l.mode));
          return {
            type: 'Feature',
            geometry: { type: 'LineString', coordinates },
            properties: {
              vanId,
              callSign: plan.inputs?.vanDetails[vanId]?.callSign ?? null,
              shift,
              date: query.date,
              seconds: list.reduce((a, l) => a + Number(l.seconds), 0),
              metres: list.reduce((a, l) => a + Number(l.metres), 0),
              mode: modes.size === 1 ? [...modes][0] : 'mixed',
              legs: list.map((l, k) => ({
                seq: l.seq,
                fromSiteId: l.from_site_id,
                toSiteId: l.to_site_id,
                seconds: Number(l.seconds),
                metres: Number(l.metres),
                mode: l.mode,
                startIndex: spans[k]![0],
                endIndex: spans[k]![1],
              })),
              stops: sessions
                .filter((s) => s.van_id === vanId && s.shift === shift)
                .sort((a, b) => a.seq - b.seq)
                .map((s) => ({
                  order: s.seq,
                  siteId: s.site_id,
                  siteText: plan.inputs?.siteDetails[s.site_id]?.text ?? null,
                  arrive: planViewIso(s.arrive),
                  depart: planViewIso(s.depart),
                })),
            },
          };
        });
        res.type('application/geo+json').json({ type: 'FeatureCollection', planId: plan.id, date: query.date, travelMode: plan.travel_mode, features });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/plans/:id/events',
      summary: "A plan's audit trail: generation, every edit with its reason, approval, publication, corrections, alerts",
      tags: ['plans'],
      request: { params: idParams },
      responses: { 200: { description: 'Events, oldest first' }, 404: { description: 'No such plan' } },
      handler: async ({ params }, _req, res) => {
        const plan = await requirePlan(knex, params.id);
        res.json({ planId: plan.id, events: await planEvents(knex, plan.id) });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/plans/:id/edits',
      summary: 'Edit a draft: move, cancel, add or swap a session, with a reason; re-timed and re-checked at once',
      description:
        'move: sessionId and any of vanId, date, shift, order. cancel: sessionId. add: vanId, date, shift, siteId (order optional). swap: sessionId, siteId. ' +
        'The touched van shifts get the earliest feasible times; the independent checker and the quality measures run again. `warnings` names every target ' +
        '(unpredictability and fairness first) the plan met before the edit and misses after it.',
      tags: ['plans'],
      request: { params: idParams, body: editBody },
      responses: {
        200: { description: 'The edited plan and warnings', schema: z.object({ plan: planResponse, warnings: z.array(z.string()) }) },
        400: { description: 'A missing reason or field' },
        404: { description: 'No such plan or session' },
        409: { description: "The plan is not a draft, or the session's day has passed (UK) or it has a crew's return" },
        422: { description: 'The edit cannot be timed inside the shift, or names a site/van/shift/date outside the plan (`errors` names each field)' },
      },
      handler: async ({ params, body }, req, res) => {
        const { plan, warnings } = await applyEdit(knex, params.id, body, editorOf(req));
        res.json({ plan: await view(plan), warnings });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/plans/:id/approve',
      summary: 'Approve a draft with no violations (planner)',
      tags: ['plans'],
      request: { params: idParams },
      responses: { 200: { description: 'The approved plan', schema: planResponse }, 409: { description: 'Not a draft, the checker (re-run) finds violations, or the live register or fleet no longer allows a session' } },
      handler: async ({ params }, req, res) => {
        res.json(await view(await approvePlan(knex, params.id, editorOf(req))));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/plans/:id/publish',
      summary: 'Publish an approved plan (a supervisor other than the approver); an older published version becomes superseded',
      tags: ['plans'],
      request: { params: idParams },
      responses: {
        200: { description: 'The published plan', schema: planResponse },
        403: { description: 'The publisher approved it (the second-person rule)' },
        409: {
          description:
            'Not approved, no recorded approver, a first version after its month started, the month already published (only its correction replaces it), or the live register or fleet no longer allows a session',
        },
      },
      handler: async ({ params }, req, res) => {
        res.json(await view(await publishPlan(knex, params.id, editorOf(req))));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/plans/:id/corrections',
      summary: 'Start a correction of a published plan: a new draft version with the same sessions, seed and inputs',
      tags: ['plans'],
      request: { params: idParams, body: correctionBody },
      responses: { 201: { description: 'The new draft version', schema: planResponse }, 409: { description: 'Not published, or a newer version is in progress' } },
      handler: async ({ params, body }, req, res) => {
        const plan = await correctPlan(knex, params.id, body.reason, editorOf(req));
        res.status(201).location(`/api/plans/${plan.id}`).json(await view(plan));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/plans/:id/export',
      summary: "The plan's sessions as CSV",
      tags: ['plans'],
      request: { params: idParams, query: exportQuery },
      responses: { 200: { description: 'CSV', contentTypes: ['text/csv'] }, 404: { description: 'No such plan' } },
      handler: async ({ params }, _req, res) => {
        const plan = await loadPlan(params.id);
        res.setHeader('Content-Type', 'text/csv; charset=utf-8');
        res.setHeader('Content-Disposition', `attachment; filename="van-plan-${plan.month}-v${plan.version}-${plan.id}.csv"`);
        res.send(await sessionsCsv(knex, plan));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/plans/:id/calendar',
      summary: "One van's sessions as an iCalendar file (Europe/London)",
      tags: ['plans'],
      request: { params: idParams, query: calendarQuery },
      responses: { 200: { description: 'iCalendar', contentTypes: ['text/calendar'] }, 404: { description: 'No such plan or van' } },
      handler: async ({ params, query }, _req, res) => {
        const plan = await loadPlan(params.id);
        const calendar = await vanCalendar(knex, plan, query.vanId);
        const callSign = plan.inputs?.vanDetails[query.vanId]?.callSign ?? String(query.vanId);
        res.setHeader('Content-Type', 'text/calendar; charset=utf-8');
        res.setHeader('Content-Disposition', `attachment; filename="${callSign.replace(/[^A-Za-z0-9_-]/g, '_')}-${plan.month}.ics"`);
        res.send(calendar.toString());
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/plans/:id/tasking',
      summary: 'The printable daily tasking sheet per crew (HTML)',
      tags: ['plans'],
      request: { params: idParams, query: taskingQuery },
      responses: { 200: { description: 'HTML with print styles', contentTypes: ['text/html'] }, 404: { description: 'No such plan' } },
      handler: async ({ params, query }, _req, res) => {
        const plan = await loadPlan(params.id);
        res.type('text/html; charset=utf-8').send(await taskingSheet(knex, plan, query.date, query.vanId));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/plans/:id/delivery',
      summary: 'Planned vs delivered hours per site and district, detections by offence, sessions without a return',
      tags: ['plans'],
      request: { params: idParams },
      responses: { 200: { description: 'The delivery report' }, 404: { description: 'No such plan' } },
      handler: async ({ params }, _req, res) => {
        res.json(await deliveryReport(knex, await loadPlan(params.id)));
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/plan-sessions/:id/return',
      summary: "Record a crew's return after a session of a published plan",
      tags: ['plans'],
      request: { params: idParams, body: returnBody },
      responses: {
        200: { description: 'The return as recorded', schema: z.strictObject({ sessionId: z.number().int(), delivered: sessionReturnSchema }) },
        400: { description: 'A value is invalid or inconsistent; `errors` names each field' },
        404: { description: 'No such session' },
        409: { description: "The session's plan is not published, the session was cancelled, or its date has not come yet (Europe/London)" },
      },
      handler: async ({ params, body }, req, res) => {
        const editor = editorOf(req);
        const delivered = await recordReturn(knex, params.id, body, editor);
        res.json({ sessionId: params.id, delivered });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/public/enforcement-sites',
      summary: 'The published list of sites camera vans may visit in a month, by district (no dates, times, shifts or vans)',
      tags: ['public'],
      request: { query: publicListQuery },
      responses: {
        200: {
          // No contentTypes: the document would give the CSV and GeoJSON answers this JSON schema, which they do not have.
          description:
            'The list as JSON (this schema); with format=csv, text/csv (one line per site, the stretch as WKT); with format=geojson, ' +
            'application/geo+json (one LineString feature per site carrying the same site fields and the district)',
          schema: publicSiteListSchema,
        },
        400: { description: 'Not a month or format' },
        404: { description: 'No published list for that month' },
      },
      handler: async ({ query }, _req, res) => {
        const list = await publicSiteList(knex, query.month);
        if (query.format === 'csv') {
          res.setHeader('Content-Type', 'text/csv; charset=utf-8');
          res.setHeader('Content-Disposition', `attachment; filename="enforcement-sites-${query.month}.csv"`);
          res.send(publicListCsv(list));
          return;
        }
        if (query.format === 'geojson') {
          res.type('application/geo+json').json(publicListGeoJson(list));
          return;
        }
        res.json(list);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/public/enforcement-months',
      summary: 'Months with a published enforcement site list, newest first',
      tags: ['public'],
      responses: { 200: { description: 'Months', schema: z.object({ months: z.array(z.string()) }) } },
      handler: async (_input, _req, res) => {
        res.json({ months: await publishedMonths(knex) });
      },
    }),
  ];
}

const planViewIso = (d: Date): string => epochMsToIso(d.getTime());
