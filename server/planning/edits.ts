import type { Knex } from 'knex';
import { checkPlan } from '../../geo/planning/check.ts';
import { planMetrics } from '../../geo/planning/metrics.ts';
import { timeShift } from '../../geo/planning/timing.ts';
import type { PlanMetrics, PlannedSession } from '../../geo/planning/types.ts';
import { conflict, HttpError, type FieldError } from '../http/errors.ts';
import type { InputsSnapshot } from './inputs.ts';
import { legsForShifts, replaceShiftLegs, shiftKey } from './legs.ts';
import { planSessions, recordEvent, requirePlan, sessionColumns, toPlanned, touchPlans, type PlanRow } from './store.ts';
import { lockPlan, todayInUk } from './workflow.ts';

/**
 * Manual edits of a draft plan (move, cancel, add, swap), each with its reason: the touched van
 * shifts are re-timed with the planner's own timing (earliest feasible times), the whole plan is
 * re-checked by the independent checker and re-measured, and the edit is logged with before, after
 * and any target the edit lost.
 */

export type EditAction = 'move' | 'cancel' | 'add' | 'swap';

/** One edit, each action with its own fields (as the request body's schema in schemas.ts takes them). `order`: position in the target shift, from 1 (default: last). */
export type PlanEdit =
  | { action: 'move'; sessionId: number; vanId?: number; date?: string; shift?: string; order?: number; reason: string }
  | { action: 'cancel'; sessionId: number; reason: string }
  | { action: 'add'; vanId: number; date: string; shift: string; siteId: number; order?: number; reason: string }
  | { action: 'swap'; sessionId: number; siteId: number; order?: number; reason: string };

export interface Editor {
  userId: number | null;
  actor: string;
}

type WorkingSession = PlannedSession & { id?: number };

const unprocessable = (message: string, errors?: FieldError[]) => new HttpError(422, 'cannot_edit', message, errors);

/** Up to two other sites nearest to a site (straight line between parking points) that are usable on the date. */
export function nearestFallbacks(inputs: InputsSnapshot, siteId: number, date: string, count = 2): number[] {
  const site = inputs.sites.find((s) => s.id === siteId);
  if (!site) return [];
  return inputs.sites
    .filter((s) => s.id !== siteId && !s.blockedDates.includes(date))
    .map((s) => ({ id: s.id, d: Math.hypot(s.x - site.x, s.y - site.y) }))
    .sort((a, b) => a.d - b.d || a.id - b.id)
    .slice(0, count)
    .map((s) => s.id);
}

/** Targets met before and missed after, as messages a planner reads (unpredictability and fairness named first). */
export function lostTargets(before: PlanMetrics | null, after: PlanMetrics): string[] {
  if (!before) return [];
  const names: Record<string, string> = {
    unpredictabilityEntropy: 'Unpredictability (entropy of site choice)',
    fairnessWithinBand: 'District fairness',
    districtFairness: 'District fairness',
  };
  const keys = Object.keys(after.targets).sort((a, b) => Number(!/entropy|fairness/i.test(a)) - Number(!/entropy|fairness/i.test(b)) || a.localeCompare(b));
  const warnings: string[] = [];
  for (const key of keys) {
    const was = before.targets[key];
    const now = after.targets[key]!;
    if (was?.met && !now.met) {
      const value = (v: number | null | undefined) => (v === null || v === undefined ? 'none' : Number.isInteger(v) ? String(v) : v.toFixed(3));
      warnings.push(`${names[key] ?? key} fell below its target (${now.target}): ${value(was.value)} → ${value(now.value)}.`);
    }
  }
  return warnings;
}

function describe(s: WorkingSession) {
  return { id: s.id ?? null, vanId: s.vanId, date: s.date, shift: s.shift, order: s.order, siteId: s.siteId, arrive: s.arrive, depart: s.depart };
}

/**
 * Applies one edit to a draft plan and stores it; returns the stored plan row and the warnings. The
 * whole read-modify-write runs in one transaction under the plan's row lock (the status is checked
 * there), and every query goes through that transaction (the embedded database has one connection).
 * A session whose day has passed (UK) or that has a crew's return is not moved, cancelled or swapped.
 */
export async function applyEdit(knex: Knex, planId: number, edit: PlanEdit, editor: Editor, options: { now?: Date } = {}): Promise<{ plan: PlanRow; warnings: string[] }> {
  const today = todayInUk(options.now);
  return knex.transaction(async (trx) => {
    const plan = await lockPlan(trx, planId);
    if (plan.status !== 'draft') {
      throw conflict(
        `Plan ${planId} is ${plan.status}: only a draft can be edited.` +
          (plan.status === 'published' ? ' A published plan is corrected with POST /api/plans/{id}/corrections, which makes a new draft version.' : ''),
      );
    }
    return editDraft(trx, plan, edit, editor, today);
  });
}

async function editDraft(trx: Knex.Transaction, plan: PlanRow, edit: PlanEdit, editor: Editor, today: string): Promise<{ plan: PlanRow; warnings: string[] }> {
  const planId = plan.id;
  const inputs = plan.inputs!;
  const rows = await planSessions(trx, planId);
  const sessions: WorkingSession[] = toPlanned(rows);

  const fieldError = (field: string, code: string, message: string): FieldError => ({ field: `body.${field}`, code, message });
  const findSession = async (sessionId: number): Promise<WorkingSession> => {
    const found = sessions.find((s) => s.id === sessionId);
    const row = rows.find((r) => r.id === sessionId);
    if (!row) {
      const message = `Plan ${planId} has no session ${sessionId}.`;
      throw new HttpError(404, 'not_found', message, [fieldError('sessionId', 'not_found', message)]);
    }
    if (!found) throw conflict(`Session ${sessionId} is already cancelled.`);
    if (found.date < today) {
      throw conflict(`Session ${sessionId} was on ${found.date}, before today (${today} in the UK): a session whose day has passed is not moved, cancelled or swapped.`);
    }
    const returned = await trx('deployment_returns').where({ session_id: sessionId }).first('id');
    if (returned) throw conflict(`Session ${sessionId} has a crew's return (${found.date}): a delivered session is not moved, cancelled or swapped.`);
    return found;
  };
  const siteProblem = (siteId: number): FieldError[] =>
    inputs.sites.some((s) => s.id === siteId)
      ? []
      : [fieldError('siteId', 'not_in_plan', `site ${siteId} is not on this plan's list of eligible sites for ${plan.month} (ineligible, retired, out of date or suspended all month), so it cannot be scheduled`)];
  const targetProblems = (vanId: number, date: string, shift: string): FieldError[] => {
    const errors: FieldError[] = [];
    if (!inputs.vans.some((v) => v.id === vanId)) errors.push(fieldError('vanId', 'not_in_plan', `van ${vanId} is not one of this plan's vans`));
    if (!inputs.shifts.some((s) => s.code === shift)) {
      errors.push(fieldError('shift', 'not_in_plan', `"${shift}" is not a shift template of this plan (${inputs.shifts.map((s) => s.code).join(', ')})`));
    }
    if (!date.startsWith(`${plan.month}-`)) errors.push(fieldError('date', 'outside_month', `${date} is not in the plan's month ${plan.month}`));
    else if (date < today) errors.push(fieldError('date', 'in_the_past', `${date} is before today (${today} in the UK)`));
    return errors;
  };
  const refuse = (errors: FieldError[]) => {
    if (errors.length) throw unprocessable(`This ${edit.action} cannot be made: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}. Nothing was changed.`, errors);
  };

  let session: WorkingSession | undefined;
  const before = new Map<string, unknown>();
  const touched: Array<{ vanId: number; date: string; shift: string }> = [];
  let cancelled: WorkingSession | undefined;
  const place = (s: WorkingSession, order: number | undefined) => {
    const peers = sessions.filter((p) => p !== s && shiftKey(p) === shiftKey(s)).sort((a, b) => a.order - b.order);
    const at = order === undefined ? peers.length : Math.min(Math.max(order - 1, 0), peers.length);
    peers.splice(at, 0, s);
    peers.forEach((p, i) => (p.order = i + 1));
  };

  switch (edit.action) {
    case 'cancel': {
      session = await findSession(edit.sessionId);
      before.set('session', describe(session));
      touched.push({ vanId: session.vanId, date: session.date, shift: session.shift });
      sessions.splice(sessions.indexOf(session), 1);
      cancelled = session;
      break;
    }
    case 'move': {
      session = await findSession(edit.sessionId);
      before.set('session', describe(session));
      touched.push({ vanId: session.vanId, date: session.date, shift: session.shift });
      const target = { vanId: edit.vanId ?? session.vanId, date: edit.date ?? session.date, shift: edit.shift ?? session.shift };
      refuse(targetProblems(target.vanId, target.date, target.shift));
      const moved = shiftKey(target) !== shiftKey(session);
      Object.assign(session, target);
      if (moved) {
        session.fallbackSiteIds = nearestFallbacks(inputs, session.siteId, session.date);
        touched.push(target);
      }
      place(session, edit.order);
      break;
    }
    case 'add': {
      refuse([...targetProblems(edit.vanId, edit.date, edit.shift), ...siteProblem(edit.siteId)]);
      session = {
        vanId: edit.vanId,
        date: edit.date,
        shift: edit.shift,
        order: 0,
        siteId: edit.siteId,
        arrive: '',
        depart: '',
        fallbackSiteIds: nearestFallbacks(inputs, edit.siteId, edit.date),
        reason: `added by hand: ${edit.reason}`,
      };
      sessions.push(session);
      touched.push({ vanId: session.vanId, date: session.date, shift: session.shift });
      place(session, edit.order);
      break;
    }
    case 'swap': {
      session = await findSession(edit.sessionId);
      refuse(siteProblem(edit.siteId));
      before.set('session', describe(session));
      session.siteId = edit.siteId;
      session.fallbackSiteIds = nearestFallbacks(inputs, session.siteId, session.date);
      session.reason = `site swapped by hand: ${edit.reason}`;
      touched.push({ vanId: session.vanId, date: session.date, shift: session.shift });
      if (edit.order !== undefined) place(session, edit.order);
      break;
    }
  }

  // Re-time every touched van shift from its base with the earliest feasible times.
  const uniqueTouched = [...new Map(touched.map((t) => [shiftKey(t), t])).values()];
  for (const t of uniqueTouched) {
    const list = sessions.filter((s) => shiftKey(s) === shiftKey(t)).sort((a, b) => a.order - b.order);
    if (list.length === 0) continue;
    const times = timeShift(
      inputs,
      t.vanId,
      t.date,
      t.shift,
      list.map((s) => s.siteId),
    );
    if (!times) {
      const callSign = inputs.vanDetails[t.vanId]?.callSign ?? `van ${t.vanId}`;
      const texts = list.map((s) => inputs.siteDetails[s.siteId]?.text ?? `site ${s.siteId}`).join('; then ');
      throw unprocessable(
        `This ${edit.action} cannot be timed: ${callSign}'s ${t.shift} shift on ${t.date} cannot fit ${list.length} session(s) of ${inputs.options.sessionMinutes} minutes ` +
          `(${texts}) with travel from and back to base inside the shift, the van's availability and the sites' time restrictions. Nothing was changed.`,
      );
    }
    list.forEach((s, i) => {
      s.order = i + 1;
      s.arrive = times[i]!.arrive;
      s.depart = times[i]!.depart;
    });
  }

  const planned: PlannedSession[] = sessions.map(({ id: _id, ...s }) => s);
  const violations = checkPlan(inputs, planned);
  const metrics = planMetrics(inputs, planned, violations);
  const warnings = lostTargets(plan.metrics, metrics);
  const legs = await legsForShifts(trx, inputs, uniqueTouched, planned);

  if (cancelled) await trx('plan_sessions').where({ id: cancelled.id }).update({ status: 'cancelled' });
  for (const s of sessions.filter((x) => uniqueTouched.some((t) => shiftKey(t) === shiftKey(x)))) {
    const values = sessionColumns(s);
    if (s.id === undefined) {
      const [row] = (await trx('plan_sessions')
        .insert({ plan_id: planId, status: 'planned', ...values })
        .returning('id')) as Array<{ id: number }>;
      s.id = row!.id;
    } else {
      await trx('plan_sessions').where({ id: s.id }).update(values);
    }
  }
  await replaceShiftLegs(trx, planId, uniqueTouched, legs);
  await trx('plans')
    .where({ id: planId })
    .update({ metrics: JSON.stringify(metrics), violations: JSON.stringify(violations) });
  await recordEvent(trx, {
    planId,
    userId: editor.userId,
    actor: editor.actor,
    action: edit.action,
    sessionId: session?.id ?? null,
    before: before.get('session') ?? null,
    after: edit.action === 'cancel' ? { ...describe(session!), status: 'cancelled' } : describe(session!),
    reason: edit.reason,
    warnings,
  });
  await touchPlans(trx);
  return { plan: await requirePlan(trx, planId), warnings };
}
