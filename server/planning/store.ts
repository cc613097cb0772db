import type { Knex } from 'knex';
import { epochMsToIso } from '../../geo/calendar/time.ts';
import type { PlanMetrics, PlanOptions, PlannedSession, SiteAllocation, Violation } from '../../geo/planning/types.ts';
import { bumpDataVersion } from '../db/data-versions.ts';
import { notFound } from '../http/errors.ts';
import type { InputsSnapshot } from './inputs.ts';
import type { PlanSessionView, PlanStatus, PlanSummary, SessionReturn } from './model.ts';

/**
 * Plans in the database: rows as the API shows them, sessions, events, and the writes every
 * workflow step shares. Instants are stored as timestamptz and shown as ISO 8601 with the
 * Europe/London offset; dates are read as text so no time zone can shift them.
 */

export interface PlanRow {
  id: number;
  month: string;
  version: number;
  seed: string | number;
  status: PlanStatus;
  job_id: number | null;
  options: PlanOptions | Record<string, never>;
  inputs: InputsSnapshot | null;
  allocation: SiteAllocation[] | null;
  metrics: PlanMetrics | null;
  violations: Violation[];
  travel_mode: 'road_network' | 'straight_line' | null;
  supersedes_plan_id: number | null;
  correction_reason: string | null;
  created_by: number | null;
  created_at: Date;
  approved_by: number | null;
  approved_at: Date | null;
  published_by: number | null;
  published_at: Date | null;
  error: string | null;
}

export interface SessionRow {
  id: number;
  plan_id: number;
  van_id: number;
  date: string;
  shift: string;
  seq: number;
  site_id: number;
  arrive: Date;
  depart: Date;
  fallback_site_ids: number[];
  status: 'planned' | 'cancelled';
  reason: string | null;
}

/** A plan row, or a 404 naming the id. */
export async function requirePlan(knex: Knex, id: number): Promise<PlanRow> {
  const row = (await knex('plans').where({ id }).first()) as PlanRow | undefined;
  if (!row) throw notFound(`No plan has the id ${id}. GET /api/plans?month=YYYY-MM lists a month's plans.`);
  return row;
}

/** The plan's sessions (planned and cancelled) in van, date, shift, order. */
export async function planSessions(knex: Knex, planId: number, filter: { date?: string; vanId?: number } = {}): Promise<SessionRow[]> {
  const query = knex('plan_sessions')
    .where({ plan_id: planId })
    .select('id', 'plan_id', 'van_id', knex.raw('date::text AS date'), 'shift', 'seq', 'site_id', 'arrive', 'depart', 'fallback_site_ids', 'status', 'reason')
    .orderBy([{ column: 'date' }, { column: 'van_id' }, { column: 'arrive' }, { column: 'seq' }, { column: 'id' }]);
  if (filter.date) query.where('date', filter.date);
  if (filter.vanId !== undefined) query.where('van_id', filter.vanId);
  const rows = (await query) as SessionRow[];
  return rows.map((r) => ({ ...r, fallback_site_ids: (r.fallback_site_ids ?? []).map(Number) }));
}

/** Sessions as the planner's pure functions take them (cancelled ones left out). */
export function toPlanned(rows: SessionRow[]): Array<PlannedSession & { id: number }> {
  return rows
    .filter((r) => r.status === 'planned')
    .map((r) => ({
      id: r.id,
      vanId: r.van_id,
      date: r.date,
      shift: r.shift,
      order: r.seq,
      siteId: r.site_id,
      arrive: epochMsToIso(r.arrive.getTime()),
      depart: epochMsToIso(r.depart.getTime()),
      fallbackSiteIds: r.fallback_site_ids,
      reason: r.reason ?? '',
    }));
}

/** A session's plan_sessions columns (all but the plan and the status). */
export function sessionColumns(s: PlannedSession) {
  return {
    van_id: s.vanId,
    date: s.date,
    shift: s.shift,
    seq: s.order,
    site_id: s.siteId,
    arrive: s.arrive,
    depart: s.depart,
    fallback_site_ids: s.fallbackSiteIds,
    reason: s.reason,
  };
}

/** Inserts sessions (in batches: PGlite's one connection should not get a huge statement). */
export async function insertSessions(trx: Knex, planId: number, sessions: Array<PlannedSession & { status?: 'planned' | 'cancelled' }>): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < sessions.length; i += 500) {
    const batch = sessions.slice(i, i + 500).map((s) => ({ plan_id: planId, ...sessionColumns(s), status: s.status ?? 'planned' }));
    const rows = (await trx('plan_sessions').insert(batch).returning('id')) as Array<{ id: number }>;
    ids.push(...rows.map((r) => r.id));
  }
  return ids;
}

/** The crews' returns for these sessions, by session id. */
export async function sessionReturns(knex: Knex, sessionIds: number[]): Promise<Map<number, SessionReturn>> {
  const result = new Map<number, SessionReturn>();
  if (sessionIds.length === 0) return result;
  const rows = (await knex('deployment_returns as r')
    .leftJoin('users as u', 'u.id', 'r.recorded_by')
    .whereIn('r.session_id', sessionIds)
    .select('r.*', 'u.email as recorded_by_email')) as Array<Record<string, unknown>>;
  for (const r of rows) {
    result.set(Number(r.session_id), {
      hoursDelivered: Number(r.hours_delivered),
      vehiclesChecked: Number(r.vehicles_checked),
      detections: {
        speeding: Number(r.detections_speeding),
        seatBelt: Number(r.detections_seat_belt),
        mobilePhone: Number(r.detections_mobile_phone),
        notInProperControl: Number(r.detections_not_in_proper_control),
      },
      usedFallback: Boolean(r.used_fallback),
      actualSiteId: r.actual_site_id === null ? null : Number(r.actual_site_id),
      note: (r.note as string | null) ?? null,
      recordedBy: (r.recorded_by_email as string | null) ?? null,
      recordedAt: epochMsToIso((r.recorded_at as Date).getTime()),
    });
  }
  return result;
}

async function emails(knex: Knex, ids: Array<number | null>): Promise<Map<number, string>> {
  const wanted = [...new Set(ids.filter((id): id is number => id !== null))];
  if (wanted.length === 0) return new Map();
  const rows = (await knex('users').whereIn('id', wanted).select('id', 'email')) as Array<{ id: number; email: string }>;
  return new Map(rows.map((r) => [r.id, r.email]));
}

const iso = (d: Date | null) => (d ? epochMsToIso(d.getTime()) : null);

/** A plan as GET /api/plans/:id shows it. */
export async function planView(knex: Knex, plan: PlanRow, progress: { fraction: number; stage: string } | null = null) {
  const rows = await planSessions(knex, plan.id);
  const returns = await sessionReturns(
    knex,
    rows.map((r) => r.id),
  );
  const who = await emails(knex, [plan.created_by, plan.approved_by, plan.published_by]);
  const sites = plan.inputs?.siteDetails ?? {};
  const vans = plan.inputs?.vanDetails ?? {};
  return {
    id: plan.id,
    month: plan.month,
    version: plan.version,
    seed: Number(plan.seed),
    status: plan.status,
    travelMode: plan.travel_mode,
    options: plan.options,
    progress,
    sessions: rows.map((r): PlanSessionView => ({
      id: r.id,
      vanId: r.van_id,
      vanCallSign: vans[r.van_id]?.callSign ?? null,
      date: r.date,
      shift: r.shift,
      order: r.seq,
      siteId: r.site_id,
      siteText: sites[r.site_id]?.text ?? null,
      districtCode: sites[r.site_id]?.districtCode ?? null,
      arrive: epochMsToIso(r.arrive.getTime()),
      depart: epochMsToIso(r.depart.getTime()),
      fallbackSiteIds: r.fallback_site_ids,
      status: r.status,
      reason: r.reason,
      delivered: returns.get(r.id) ?? null,
    })),
    metrics: plan.metrics,
    violations: plan.violations ?? [],
    allocation: plan.allocation,
    notes: plan.inputs?.notes ?? [],
    excludedSites: plan.inputs?.excluded ?? [],
    error: plan.error,
    jobId: plan.job_id,
    createdBy: plan.created_by === null ? null : (who.get(plan.created_by) ?? null),
    createdAt: iso(plan.created_at),
    approvedBy: plan.approved_by === null ? null : (who.get(plan.approved_by) ?? null),
    approvedAt: iso(plan.approved_at),
    publishedBy: plan.published_by === null ? null : (who.get(plan.published_by) ?? null),
    publishedAt: iso(plan.published_at),
    supersedesPlanId: plan.supersedes_plan_id,
    correctionReason: plan.correction_reason,
  };
}

export type PlanView = Awaited<ReturnType<typeof planView>>;

/** One row of the plan_events audit trail. */
export interface PlanEvent {
  planId: number;
  userId?: number | null;
  /** Staff email, "scheduler" or "cli". */
  actor: string;
  action: 'generated' | 'move' | 'cancel' | 'add' | 'swap' | 'approve' | 'publish' | 'correct' | 'alert' | 'failed' | 'superseded';
  sessionId?: number | null;
  before?: unknown;
  after?: unknown;
  reason?: string | null;
  warnings?: string[];
}

export async function recordEvent(knex: Knex, event: PlanEvent): Promise<void> {
  await knex('plan_events').insert({
    plan_id: event.planId,
    user_id: event.userId ?? null,
    actor: event.actor,
    action: event.action,
    session_id: event.sessionId ?? null,
    before: event.before === undefined ? null : JSON.stringify(event.before),
    after: event.after === undefined ? null : JSON.stringify(event.after),
    reason: event.reason ?? null,
    warnings: JSON.stringify(event.warnings ?? []),
  });
}

export async function planEvents(knex: Knex, planId: number) {
  const rows = (await knex('plan_events').where({ plan_id: planId }).orderBy([{ column: 'at' }, { column: 'id' }])) as Array<{
    id: number;
    at: Date;
    actor: string;
    action: string;
    session_id: number | null;
    before: unknown;
    after: unknown;
    reason: string | null;
    warnings: string[];
  }>;
  return rows.map((r) => ({
    id: r.id,
    at: epochMsToIso(r.at.getTime()),
    actor: r.actor,
    action: r.action,
    sessionId: r.session_id,
    before: r.before,
    after: r.after,
    reason: r.reason,
    warnings: r.warnings ?? [],
  }));
}

/** The month's plans, newest version first. */
export async function listPlans(knex: Knex, month: string | undefined): Promise<PlanSummary[]> {
  const query = knex('plans as p')
    .select(
      'p.id',
      'p.month',
      'p.version',
      'p.seed',
      'p.status',
      'p.created_at',
      'p.approved_at',
      'p.published_at',
      knex.raw('jsonb_array_length(p.violations) AS violation_count'),
      knex.raw(`(SELECT count(*) FROM plan_sessions s WHERE s.plan_id = p.id AND s.status = 'planned') AS session_count`),
    )
    .orderBy([{ column: 'p.month', order: 'desc' }, { column: 'p.version', order: 'desc' }, { column: 'p.id', order: 'desc' }])
    .limit(200);
  if (month) query.where('p.month', month);
  const rows = (await query) as Array<{
    id: number;
    month: string;
    version: number;
    seed: string;
    status: PlanStatus;
    created_at: Date;
    approved_at: Date | null;
    published_at: Date | null;
    violation_count: string | number;
    session_count: string | number;
  }>;
  return rows.map((r) => ({
    id: r.id,
    month: r.month,
    version: r.version,
    seed: Number(r.seed),
    status: r.status,
    createdAt: iso(r.created_at),
    approvedAt: iso(r.approved_at),
    publishedAt: iso(r.published_at),
    violationCount: Number(r.violation_count),
    sessionCount: Number(r.session_count),
  }));
}

export async function touchPlans(knex: Knex): Promise<void> {
  await bumpDataVersion(knex, 'plans');
}
