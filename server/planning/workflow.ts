import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import { AREA_ZONE } from '../../geo/calendar/time.ts';
import { checkPlan } from '../../geo/planning/check.ts';
import type { PlannedSession, Violation } from '../../geo/planning/types.ts';
import { conflict, forbidden } from '../http/errors.ts';
import { riskAssessmentLapsedOn, suspendedOn } from '../sites/eligibility.ts';
import { sitesForPlanning } from '../sites/for-planning.ts';
import { loadSites } from '../sites/store.ts';
import { vansForPlanning } from '../vans/for-planning.ts';
import { insertLegsFrom } from './legs.ts';
import { insertSessions, planSessions, recordEvent, requirePlan, toPlanned, touchPlans, type PlanRow } from './store.ts';
import type { Editor } from './edits.ts';

/**
 * Draft → approved (a planner) → published (a supervisor who is not the approver). A published
 * plan is immutable; a correction is a new draft version of the month that, once published,
 * supersedes the old one. A first version must be published before its month starts.
 */

/** Today's date in the UK, YYYY-MM-DD. */
export function todayInUk(now: Date = new Date()): string {
  return DateTime.fromJSDate(now, { zone: AREA_ZONE }).toISODate()!;
}

/** The month a date is in, YYYY-MM. */
export const monthOf = (date: string) => date.slice(0, 7);

/**
 * Locks a plan's row (`SELECT … FOR UPDATE`) inside `trx` and reads it: every workflow step and
 * edit re-checks the status under this lock, so two requests cannot both act on the same state.
 */
export async function lockPlan(trx: Knex.Transaction, planId: number): Promise<PlanRow> {
  await trx('plans').where({ id: planId }).forUpdate().select('id');
  return requirePlan(trx, planId);
}

const violationsMessage = (planId: number, violations: Violation[]) => {
  const kinds = [...new Set(violations.map((v) => v.kind))].join(', ');
  const listed = violations
    .slice(0, 10)
    .map((v) => v.message)
    .join('; ');
  return (
    `Plan ${planId} has ${violations.length} constraint violation(s) (${kinds}): fix them with edits before approving. ` +
    `${listed}${violations.length > 10 ? '; …' : ''}. The list is in "violations" of GET /api/plans/${planId}.`
  );
};

/**
 * The plan's scheduled sessions (today onwards, UK) that the live register and fleet no longer allow:
 * a site retired, no longer eligible, suspended or without a valid risk assessment on the session's
 * date, or a van no longer active or unavailable that day. One line per affected session.
 */
export async function liveRegisterProblems(trx: Knex, plan: PlanRow, sessions: PlannedSession[], today: string): Promise<string[]> {
  const upcoming = sessions.filter((s) => s.date >= today);
  if (upcoming.length === 0) return [];
  const { sites, excluded } = await sitesForPlanning(trx, plan.month);
  const { vans } = await vansForPlanning(trx, plan.month);
  const siteById = new Map(sites.map((s) => [s.id, s]));
  const excludedById = new Map(excluded.map((e) => [e.siteId, e.reason]));
  const vanById = new Map(vans.map((v) => [v.id, v]));
  const blocked = upcoming.filter((s) => siteById.get(s.siteId)?.blockedDates.includes(s.date));
  const rows = blocked.length ? await loadSites(trx, { ids: [...new Set(blocked.map((s) => s.siteId))] }) : [];
  const rowById = new Map(rows.map((r) => [r.id, r]));
  const inputs = plan.inputs;
  const siteName = (id: number) => inputs?.sites.find((s) => s.id === id)?.reference ?? inputs?.siteDetails[id]?.text ?? `site ${id}`;
  const vanName = (id: number) => inputs?.vanDetails[id]?.callSign ?? `van ${id}`;

  const problems: string[] = [];
  for (const s of [...upcoming].sort((a, b) => a.date.localeCompare(b.date) || a.vanId - b.vanId || a.order - b.order)) {
    const where = `${s.date} (${vanName(s.vanId)} ${s.shift}, stop ${s.order})`;
    const site = siteById.get(s.siteId);
    if (!site) {
      const why = excludedById.get(s.siteId);
      const reason =
        why === undefined ? 'retired from the register' : why.startsWith('not eligible: ') ? `not eligible any more (${why.slice('not eligible: '.length)})` : `not usable in ${plan.month} any more: ${why}`;
      problems.push(`site ${siteName(s.siteId)} on ${where}: ${reason}`);
    } else if (site.blockedDates.includes(s.date)) {
      const row = rowById.get(s.siteId);
      const reasons: string[] = [];
      if (row && suspendedOn(row.suspensions, s.date)) reasons.push('suspended that day');
      if (row && riskAssessmentLapsedOn(row, s.date)) reasons.push('risk assessment not valid that day (expired or not yet made)');
      problems.push(`site ${siteName(s.siteId)} on ${where}: ${reasons.join(' and ') || 'suspended or risk assessment expired that day'}`);
    }
    const van = vanById.get(s.vanId);
    if (!van) problems.push(`van ${vanName(s.vanId)} on ${where}: no longer an active van`);
    else if (van.unavailableDates.includes(s.date)) problems.push(`van ${vanName(s.vanId)} on ${where}: van unavailable that day`);
  }
  return problems;
}

const registerMessage = (planId: number, step: string, problems: string[]) =>
  `Plan ${planId} cannot be ${step}: the live site register or fleet no longer allows ${problems.length} scheduled session(s) — ` +
  `${problems.slice(0, 20).join('; ')}${problems.length > 20 ? `; and ${problems.length - 20} more` : ''}. ` +
  'Move, swap or cancel them (a published plan through a correction), then try again.';

/**
 * Approves a draft (a planner). Under the plan's row lock: the status is still draft, the
 * independent checker finds no violation when re-run on the stored inputs and the current sessions
 * (the fresh list is stored), and the live register and fleet still allow every scheduled session.
 */
export async function approvePlan(knex: Knex, planId: number, editor: Editor, now: Date = new Date()): Promise<PlanRow> {
  return knex.transaction(async (trx) => {
    const plan = await lockPlan(trx, planId);
    if (plan.status !== 'draft') throw conflict(`Plan ${planId} is ${plan.status}: only a draft can be approved.`);
    if (!plan.inputs) throw conflict(`Plan ${planId} has no stored inputs: it cannot be checked, so it cannot be approved.`);
    const sessions: PlannedSession[] = toPlanned(await planSessions(trx, planId)).map(({ id: _id, ...s }) => s);
    const violations = checkPlan(plan.inputs, sessions);
    if (JSON.stringify(violations) !== JSON.stringify(plan.violations ?? [])) {
      await trx('plans').where({ id: planId }).update({ violations: JSON.stringify(violations) });
    }
    if (violations.length > 0) return { refused: violationsMessage(planId, violations) };
    const problems = await liveRegisterProblems(trx, plan, sessions, todayInUk(now));
    if (problems.length > 0) throw conflict(registerMessage(planId, 'approved', problems));
    const updated = await trx('plans').where({ id: planId, status: 'draft' }).update({ status: 'approved', approved_by: editor.userId, approved_at: trx.fn.now() });
    if (updated !== 1) throw conflict(`Plan ${planId} changed while it was being approved: reload it and try again.`);
    await recordEvent(trx, { planId, userId: editor.userId, actor: editor.actor, action: 'approve' });
    await touchPlans(trx);
    return requirePlan(trx, planId);
  }).then((result) => {
    // The fresh violation list is committed before the refusal is answered.
    if ('refused' in result) throw conflict(result.refused);
    return result;
  });
}

export interface PublishOptions {
  now?: Date;
  /**
   * Publish a plan nobody is recorded as approving (approved_by null). Only the demo loader, which
   * approves and publishes its own sample plan, sets this; everyone else needs a named approver and a
   * second person to publish.
   */
  allowUnattributed?: boolean;
}

/**
 * Publishes an approved plan (a supervisor who is not the approver). Under row locks on the month's
 * plans: the status is still approved, a month's published plan is replaced only by a correction of
 * it, and the live register and fleet still allow every scheduled session.
 */
export async function publishPlan(knex: Knex, planId: number, editor: Editor, options: PublishOptions = {}): Promise<PlanRow> {
  const today = todayInUk(options.now);
  return knex.transaction(async (trx) => {
    const found = (await trx('plans').where({ id: planId }).first('month')) as { month: string } | undefined;
    if (!found) return requirePlan(trx, planId); // the 404
    // Every plan of the month, in id order: two publications of one month wait for each other.
    await trx('plans').where({ month: found.month }).orderBy('id').forUpdate().select('id');
    const plan = await requirePlan(trx, planId);
    if (plan.status !== 'approved') throw conflict(`Plan ${planId} is ${plan.status}: only an approved plan can be published (a planner approves it first).`);
    if (plan.approved_by === null && !options.allowUnattributed) {
      throw conflict(`Plan ${planId} has no recorded approver, so the second-person rule cannot be checked: a planner approves it again before it is published.`);
    }
    if (plan.approved_by !== null && plan.approved_by === editor.userId) {
      throw forbidden(`You approved plan ${planId}, so a second person must publish it: another supervisor publishes.`);
    }
    if (plan.version === 1 && today >= `${plan.month}-01`) {
      throw conflict(
        `${plan.month} has already started (today is ${today}): a month's first plan must be published before the month starts. ` +
          'Generate the next month instead, or publish this month through a correction of its published plan.',
      );
    }
    const previous = (await trx('plans').where({ month: plan.month, status: 'published' }).whereNot({ id: planId }).select('id')) as Array<{ id: number }>;
    const replaced = previous.find((p) => p.id !== plan.supersedes_plan_id);
    if (replaced) {
      throw conflict(
        `${plan.month} already has a published plan (${replaced.id}) and plan ${planId} is not a correction of it: ` +
          `a published plan is replaced only through POST /api/plans/${replaced.id}/corrections, which records the reason.`,
      );
    }
    const sessions: PlannedSession[] = toPlanned(await planSessions(trx, planId)).map(({ id: _id, ...s }) => s);
    const problems = await liveRegisterProblems(trx, plan, sessions, today);
    if (problems.length > 0) throw conflict(registerMessage(planId, 'published', problems));
    for (const p of previous) {
      // The partial unique index allows one published plan per month: the old one steps aside first.
      await trx('plans').where({ id: p.id, status: 'published' }).update({ status: 'superseded' });
      await recordEvent(trx, { planId: p.id, userId: editor.userId, actor: editor.actor, action: 'superseded', after: { supersededBy: planId } });
    }
    const updated = await trx('plans').where({ id: planId, status: 'approved' }).update({ status: 'published', published_by: editor.userId, published_at: trx.fn.now() });
    if (updated !== 1) throw conflict(`Plan ${planId} changed while it was being published: reload it and try again.`);
    await recordEvent(trx, { planId, userId: editor.userId, actor: editor.actor, action: 'publish', after: { supersedes: previous.map((p) => p.id) } });
    await touchPlans(trx);
    return requirePlan(trx, planId);
  });
}

/**
 * A new draft version of a published plan: same inputs, seed and sessions (under new ids, each
 * with the crew's return it had), to be edited and published again.
 */
export async function correctPlan(knex: Knex, planId: number, reason: string, editor: Editor): Promise<PlanRow> {
  return knex.transaction(async (trx) => {
    const plan = await lockPlan(trx, planId);
    if (plan.status !== 'published') throw conflict(`Plan ${planId} is ${plan.status}: only a published plan is corrected (edit a draft directly).`);
    // Other drafts of the month are abandoned alternatives; only an open correction of this plan blocks another.
    const open = (await trx('plans').where({ supersedes_plan_id: planId }).whereIn('status', ['draft', 'approved']).first('id', 'status')) as { id: number; status: string } | undefined;
    if (open) throw conflict(`Plan ${planId} already has a correction in progress (plan ${open.id}, ${open.status}): finish that one.`);
    const rows = await planSessions(trx, planId);
    const { max } = (await trx('plans').where({ month: plan.month }).max('version as max').first()) as { max: number };
    const [row] = (await trx('plans')
      .insert({
        month: plan.month,
        version: Number(max) + 1,
        seed: plan.seed,
        status: 'draft',
        options: JSON.stringify(plan.options),
        inputs: JSON.stringify(plan.inputs),
        allocation: JSON.stringify(plan.allocation),
        metrics: JSON.stringify(plan.metrics),
        violations: JSON.stringify(plan.violations),
        travel_mode: plan.travel_mode,
        supersedes_plan_id: planId,
        correction_reason: reason,
        created_by: editor.userId,
      })
      .returning('id')) as Array<{ id: number }>;
    const newId = row!.id;
    const planned = rows.filter((r) => r.status === 'planned');
    const cancelled = rows.filter((r) => r.status === 'cancelled');
    const plannedIds = await insertSessions(trx, newId, toPlanned(planned));
    const cancelledIds = cancelled.length
      ? await insertSessions(
          trx,
          newId,
          toPlanned(cancelled.map((r) => ({ ...r, status: 'planned' as const }))).map((s) => ({ ...s, status: 'cancelled' as const })),
        )
      : [];
    // The crews' returns stay with their sessions: old session id → the copy's id.
    const newIdOf = new Map<number, number>([...planned.map((r, i) => [r.id, plannedIds[i]!] as const), ...cancelled.map((r, i) => [r.id, cancelledIds[i]!] as const)]);
    const returns = (await trx('deployment_returns').whereIn('session_id', [...newIdOf.keys()]).select('*')) as Array<Record<string, unknown> & { id: number; session_id: number }>;
    for (let i = 0; i < returns.length; i += 500) {
      await trx('deployment_returns').insert(returns.slice(i, i + 500).map(({ id: _id, session_id, ...r }) => ({ ...r, session_id: newIdOf.get(Number(session_id))! })));
    }
    await insertLegsFrom(trx, planId, newId);
    await recordEvent(trx, { planId: newId, userId: editor.userId, actor: editor.actor, action: 'correct', reason, before: { planId, version: plan.version } });
    await recordEvent(trx, { planId, userId: editor.userId, actor: editor.actor, action: 'correct', reason, after: { planId: newId, version: Number(max) + 1 } });
    await touchPlans(trx);
    return requirePlan(trx, newId);
  });
}
