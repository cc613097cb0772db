import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import { AREA_ZONE } from '../../geo/calendar/time.ts';
import { conflict, forbidden } from '../http/errors.ts';
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

export async function approvePlan(knex: Knex, planId: number, editor: Editor): Promise<PlanRow> {
  const plan = await requirePlan(knex, planId);
  if (plan.status !== 'draft') throw conflict(`Plan ${planId} is ${plan.status}: only a draft can be approved.`);
  if (plan.violations.length > 0) {
    const kinds = [...new Set(plan.violations.map((v) => v.kind))].join(', ');
    throw conflict(`Plan ${planId} has ${plan.violations.length} constraint violation(s) (${kinds}): fix them with edits before approving. The list is in "violations" of GET /api/plans/${planId}.`);
  }
  await knex.transaction(async (trx) => {
    await trx('plans').where({ id: planId }).update({ status: 'approved', approved_by: editor.userId, approved_at: trx.fn.now() });
    await recordEvent(trx, { planId, userId: editor.userId, actor: editor.actor, action: 'approve' });
    await touchPlans(trx);
  });
  return requirePlan(knex, planId);
}

export async function publishPlan(knex: Knex, planId: number, editor: Editor, now: Date = new Date()): Promise<PlanRow> {
  const plan = await requirePlan(knex, planId);
  if (plan.status !== 'approved') throw conflict(`Plan ${planId} is ${plan.status}: only an approved plan can be published (a planner approves it first).`);
  if (plan.approved_by !== null && plan.approved_by === editor.userId) {
    throw forbidden(`You approved plan ${planId}, so a second person must publish it: another supervisor publishes.`);
  }
  const today = todayInUk(now);
  if (plan.version === 1 && today >= `${plan.month}-01`) {
    throw conflict(
      `${plan.month} has already started (today is ${today}): a month's first plan must be published before the month starts. ` +
        'Generate the next month instead, or publish this month through a correction of its published plan.',
    );
  }
  await knex.transaction(async (trx) => {
    const previous = (await trx('plans').where({ month: plan.month, status: 'published' }).whereNot({ id: planId }).select('id')) as Array<{ id: number }>;
    for (const p of previous) {
      // The partial unique index allows one published plan per month: the old one steps aside first.
      await trx('plans').where({ id: p.id }).update({ status: 'superseded' });
      await recordEvent(trx, { planId: p.id, userId: editor.userId, actor: editor.actor, action: 'superseded', after: { supersededBy: planId } });
    }
    await trx('plans').where({ id: planId }).update({ status: 'published', published_by: editor.userId, published_at: trx.fn.now() });
    await recordEvent(trx, { planId, userId: editor.userId, actor: editor.actor, action: 'publish', after: { supersedes: previous.map((p) => p.id) } });
    await touchPlans(trx);
  });
  return requirePlan(knex, planId);
}

/** A new draft version of a published plan: same inputs, seed and sessions, to be edited and published again. */
export async function correctPlan(knex: Knex, planId: number, reason: string, editor: Editor): Promise<PlanRow> {
  const plan = await requirePlan(knex, planId);
  if (plan.status !== 'published') throw conflict(`Plan ${planId} is ${plan.status}: only a published plan is corrected (edit a draft directly).`);
  // Other drafts of the month are abandoned alternatives; only an open correction of this plan blocks another.
  const open = (await knex('plans').where({ supersedes_plan_id: planId }).whereIn('status', ['draft', 'approved']).first('id', 'status')) as { id: number; status: string } | undefined;
  if (open) throw conflict(`Plan ${planId} already has a correction in progress (plan ${open.id}, ${open.status}): finish that one.`);
  const rows = await planSessions(knex, planId);
  const id = await knex.transaction(async (trx) => {
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
    const planned = toPlanned(rows);
    await insertSessions(trx, newId, planned);
    const cancelled = rows.filter((r) => r.status === 'cancelled');
    if (cancelled.length) {
      await insertSessions(
        trx,
        newId,
        toPlanned(cancelled.map((r) => ({ ...r, status: 'planned' as const }))).map((s) => ({ ...s, status: 'cancelled' as const })),
      );
    }
    await insertLegsFrom(trx, planId, newId);
    await recordEvent(trx, { planId: newId, userId: editor.userId, actor: editor.actor, action: 'correct', reason, before: { planId, version: plan.version } });
    await recordEvent(trx, { planId, userId: editor.userId, actor: editor.actor, action: 'correct', reason, after: { planId: newId, version: Number(max) + 1 } });
    await touchPlans(trx);
    return newId;
  });
  return requirePlan(knex, id);
}
