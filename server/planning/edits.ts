import type { Knex } from 'knex';
import { checkPlan } from '../../geo/planning/check.ts';
import { planMetrics } from '../../geo/planning/metrics.ts';
import { timeShift } from '../../geo/planning/timing.ts';
import type { PlanMetrics, PlannedSession } from '../../geo/planning/types.ts';
import { conflict, HttpError, invalidRequest, notFound } from '../http/errors.ts';
import type { InputsSnapshot } from './inputs.ts';
import { legsForShifts, replaceShiftLegs, shiftKey } from './legs.ts';
import { planSessions, recordEvent, requirePlan, sessionColumns, toPlanned, touchPlans, type PlanRow } from './store.ts';

/**
 * Manual edits of a draft plan (move, cancel, add, swap), each with its reason: the touched van
 * shifts are re-timed with the planner's own timing (earliest feasible times), the whole plan is
 * re-checked by the independent checker and re-measured, and the edit is logged with before, after
 * and any target the edit lost.
 */

export type EditAction = 'move' | 'cancel' | 'add' | 'swap';

export interface PlanEdit {
  action: EditAction;
  sessionId?: number;
  vanId?: number;
  date?: string;
  shift?: string;
  /** Position in the target shift, from 1 (default: last). */
  order?: number;
  siteId?: number;
  reason: string;
}

export interface Editor {
  userId: number | null;
  actor: string;
}

type WorkingSession = PlannedSession & { id?: number };

const unprocessable = (message: string) => new HttpError(422, 'cannot_edit', message);

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

/** Applies one edit to a draft plan and stores it; returns the stored plan row and the warnings. */
export async function applyEdit(knex: Knex, planId: number, edit: PlanEdit, editor: Editor): Promise<{ plan: PlanRow; warnings: string[] }> {
  const plan = await requirePlan(knex, planId);
  if (plan.status !== 'draft') {
    throw conflict(
      `Plan ${planId} is ${plan.status}: only a draft can be edited.` +
        (plan.status === 'published' ? ' A published plan is corrected with POST /api/plans/{id}/corrections, which makes a new draft version.' : ''),
    );
  }
  const inputs = plan.inputs!;
  const rows = await planSessions(knex, planId);
  const sessions: WorkingSession[] = toPlanned(rows);

  const need = (field: keyof PlanEdit) => {
    if (edit[field] === undefined) throw invalidRequest([{ field: `body.${field}`, code: 'required', message: `a ${edit.action} needs ${field}` }]);
  };
  const findSession = (): WorkingSession => {
    need('sessionId');
    const found = sessions.find((s) => s.id === edit.sessionId);
    if (found) return found;
    const row = rows.find((r) => r.id === edit.sessionId);
    if (row) throw conflict(`Session ${edit.sessionId} is already cancelled.`);
    throw notFound(`Plan ${planId} has no session ${edit.sessionId}.`);
  };
  const checkSite = (siteId: number) => {
    if (!inputs.sites.some((s) => s.id === siteId)) {
      throw unprocessable(`Site ${siteId} is not on this plan's list of eligible sites for ${plan.month} (ineligible, retired, out of date or suspended all month), so it cannot be scheduled.`);
    }
  };
  const checkTarget = (vanId: number, date: string, shift: string) => {
    if (!inputs.vans.some((v) => v.id === vanId)) throw unprocessable(`Van ${vanId} is not one of this plan's vans.`);
    if (!inputs.shifts.some((s) => s.code === shift)) throw unprocessable(`"${shift}" is not a shift template of this plan (${inputs.shifts.map((s) => s.code).join(', ')}).`);
    if (!date.startsWith(`${plan.month}-`)) throw unprocessable(`${date} is not in the plan's month ${plan.month}.`);
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
      session = findSession();
      before.set('session', describe(session));
      touched.push({ vanId: session.vanId, date: session.date, shift: session.shift });
      sessions.splice(sessions.indexOf(session), 1);
      cancelled = session;
      break;
    }
    case 'move': {
      session = findSession();
      before.set('session', describe(session));
      touched.push({ vanId: session.vanId, date: session.date, shift: session.shift });
      const target = { vanId: edit.vanId ?? session.vanId, date: edit.date ?? session.date, shift: edit.shift ?? session.shift };
      checkTarget(target.vanId, target.date, target.shift);
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
      need('vanId');
      need('date');
      need('shift');
      need('siteId');
      checkTarget(edit.vanId!, edit.date!, edit.shift!);
      checkSite(edit.siteId!);
      session = {
        vanId: edit.vanId!,
        date: edit.date!,
        shift: edit.shift!,
        order: 0,
        siteId: edit.siteId!,
        arrive: '',
        depart: '',
        fallbackSiteIds: nearestFallbacks(inputs, edit.siteId!, edit.date!),
        reason: `added by hand: ${edit.reason}`,
      };
      sessions.push(session);
      touched.push({ vanId: session.vanId, date: session.date, shift: session.shift });
      place(session, edit.order);
      break;
    }
    case 'swap': {
      session = findSession();
      need('siteId');
      checkSite(edit.siteId!);
      before.set('session', describe(session));
      session.siteId = edit.siteId!;
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
  const legs = await legsForShifts(knex, inputs, uniqueTouched, planned);

  await knex.transaction(async (trx) => {
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
  });
  return { plan: await requirePlan(knex, planId), warnings };
}
