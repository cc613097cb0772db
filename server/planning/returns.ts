import type { Knex } from 'knex';
import { conflict, HttpError, notFound, type FieldError } from '../http/errors.ts';
import type { Editor } from './edits.ts';
import type { InputsSnapshot } from './inputs.ts';
import type { SessionReturn } from './model.ts';
import { sessionReturns } from './store.ts';
import { todayInUk } from './workflow.ts';

/** A crew's return after a session of a published plan: what was delivered, where, and the detections by offence. */

export interface ReturnInput {
  hoursDelivered: number;
  vehiclesChecked: number;
  detections: { speeding: number; seatBelt: number; mobilePhone: number; notInProperControl: number };
  usedFallback?: boolean;
  actualSiteId?: number;
  note?: string;
}

/** A return that is well formed but does not fit the session (422, each problem by field). */
const unprocessableReturn = (errors: FieldError[]) => new HttpError(422, 'invalid_return', errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);

/** Records (or replaces) the return of a session; returns it as the API shows it. */
/** Only for a session whose date has come (today or earlier, Europe/London); `now` is for tests. */
export async function recordReturn(knex: Knex, sessionId: number, input: ReturnInput, editor: Editor, options: { now?: Date } = {}): Promise<SessionReturn> {
  const session = (await knex('plan_sessions as s')
    .join('plans as p', 'p.id', 's.plan_id')
    .where('s.id', sessionId)
    .first('s.id', 's.status', 's.site_id', 's.fallback_site_ids', 's.arrive', 's.depart', knex.raw('s.date::text AS date'), 'p.id as plan_id', 'p.status as plan_status', 'p.inputs')) as
    | { id: number; status: string; site_id: number; date: string; fallback_site_ids: number[]; arrive: Date; depart: Date; plan_id: number; plan_status: string; inputs: InputsSnapshot }
    | undefined;
  if (!session) throw notFound(`No plan session has the id ${sessionId}.`);
  if (session.plan_status !== 'published') {
    throw conflict(`Session ${sessionId} belongs to plan ${session.plan_id}, which is ${session.plan_status}: returns are recorded only for sessions of the published plan.`);
  }
  if (session.status !== 'planned') throw conflict(`Session ${sessionId} was cancelled: there is nothing to return.`);
  const today = todayInUk(options.now);
  if (session.date > today) {
    throw conflict(`Session ${sessionId} is planned for ${session.date}, which has not come yet (today is ${today} in the UK): record its return on or after that day.`);
  }
  const plannedHours = (session.depart.getTime() - session.arrive.getTime()) / 3_600_000;
  const errors: FieldError[] = [];
  const usedFallback = input.usedFallback ?? false;
  const fallbacks = session.fallback_site_ids.map(Number);
  const fallbackList = fallbacks.join(', ') || 'none';
  if (input.actualSiteId !== undefined && input.actualSiteId !== session.site_id && !usedFallback) {
    errors.push({ field: 'body.usedFallback', code: 'inconsistent', message: `actualSiteId ${input.actualSiteId} differs from the planned site ${session.site_id}: set usedFallback to true` });
  }
  if (usedFallback && input.actualSiteId === undefined) {
    errors.push({ field: 'body.actualSiteId', code: 'required', message: `name the site used instead (the session's fallbacks: ${fallbackList})` });
  } else if (usedFallback && input.actualSiteId === session.site_id) {
    errors.push({ field: 'body.actualSiteId', code: 'same_as_planned', message: `site ${input.actualSiteId} is the planned site: a fallback is another site (the session's fallbacks: ${fallbackList}); or set usedFallback to false` });
  } else if (input.actualSiteId !== undefined && input.actualSiteId !== session.site_id) {
    // Eligible means on the plan's own list (its inputs snapshot) and not blocked that day (suspended, risk assessment expired).
    const listed = session.inputs.sites.find((s) => s.id === input.actualSiteId);
    if (!listed) {
      errors.push({
        field: 'body.actualSiteId',
        code: 'not_eligible',
        message: `site ${input.actualSiteId} is not on the plan's list of eligible sites for ${session.date.slice(0, 7)} (the session's fallbacks: ${fallbackList})`,
      });
    } else if (listed.blockedDates.includes(session.date)) {
      errors.push({
        field: 'body.actualSiteId',
        code: 'not_eligible',
        message: `site ${input.actualSiteId} could not be used on ${session.date} (suspended or its risk assessment had expired when the plan was made; the session's fallbacks: ${fallbackList})`,
      });
    }
  }
  // A crew cannot deliver more than the session's slot plus the travel slack of its shift; a day is the hard ceiling.
  if (input.hoursDelivered > Math.max(plannedHours * 2, plannedHours + 2)) {
    errors.push({ field: 'body.hoursDelivered', code: 'too_big', message: `${input.hoursDelivered} hours is far more than the ${plannedHours.toFixed(2)} hours planned for this session` });
  }
  if (errors.length) throw unprocessableReturn(errors);
  const values = {
    session_id: sessionId,
    hours_delivered: input.hoursDelivered,
    vehicles_checked: input.vehiclesChecked,
    detections_speeding: input.detections.speeding,
    detections_seat_belt: input.detections.seatBelt,
    detections_mobile_phone: input.detections.mobilePhone,
    detections_not_in_proper_control: input.detections.notInProperControl,
    used_fallback: usedFallback,
    actual_site_id: usedFallback ? input.actualSiteId! : null,
    note: input.note ?? null,
    recorded_by: editor.userId,
    recorded_at: knex.fn.now(),
  };
  await knex('deployment_returns').insert(values).onConflict('session_id').merge();
  return (await sessionReturns(knex, [sessionId])).get(sessionId)!;
}
