import type { Knex } from 'knex';
import { localDate } from '../../geo/calendar/time.ts';
import { appendAudit } from '../audit/log.ts';
import type { Role } from '../auth/roles.ts';
import { HttpError } from '../http/errors.ts';
import { deadlineUrgency, type DeadlineUrgency } from './deadlines.ts';
import { OFFENCE_TYPE_LABEL, SECTION_9_DECLARATION, type OffenceType } from './messages.ts';
import { assertTransition, nextStates, TransitionError, type ActorRole, type SubmissionState } from './states.ts';
import { changeState, isoDate, stagesOf, type StateChange, type SubmissionRow } from './store.ts';

/**
 * Operation Snap, the reviewers' side (the data behind review-routes.ts): the queue ordered by the
 * last posting date, claiming and releasing a case, the case page, decisions (court referral held
 * for a supervisor's approval) and finding the file the media routes stream. Every state change goes
 * through `changeState` (store.ts); every view, decision and disclosure leaves an audit entry, whose
 * details never hold personal data (the audit log outlives the retention period).
 */

/** The states a case waits in for a reviewer. */
export const QUEUE_STATES: readonly SubmissionState[] = ['submitted', 'in_triage', 'awaiting_submitter'];

/** The outcomes the decision form offers (each a state of states.ts). */
export const DECISION_OUTCOMES = ['no_further_action', 'advisory_letter', 'notice_issued', 'course_offered', 'conditional_fixed_penalty', 'court'] as const;
export type DecisionOutcome = (typeof DECISION_OUTCOMES)[number];

/** Days either side of the incident date in which another case about the same registration counts as related. */
export const RELATED_VRM_DAYS = 30;

/** The signed-in member of staff acting on a case. */
export interface Reviewer {
  id: number;
  email: string;
  roles: readonly Role[];
}

/** The strongest case-work role a member of staff holds (the role they act in), or null. */
export function caseRoleOf(roles: readonly Role[]): ActorRole | null {
  for (const role of ['supervisor', 'decision_maker', 'reviewer'] as const) if (roles.includes(role)) return role;
  return null;
}

function actorOf(user: Reviewer): StateChange {
  const role = caseRoleOf(user.roles);
  if (!role) throw new HttpError(403, 'forbidden', 'This needs one of the roles: reviewer, decision_maker, supervisor.');
  return { actorRole: role, actorKind: 'staff', actorId: user.id, actorLabel: role };
}

/** A refused move as an HTTP error (409 illegal or on hold, 403 role or approval, 400 reason code). */
export function transitionHttpError(err: TransitionError): HttpError {
  const status: Record<TransitionError['code'], number> = {
    illegal_transition: 409,
    legal_hold: 409,
    role_not_allowed: 403,
    supervisor_approval_required: 403,
    reason_code_required: 400,
    unknown_state: 400,
  };
  const errors = err.code === 'reason_code_required' ? [{ field: 'body.reasonCode', code: err.code, message: err.message }] : undefined;
  return new HttpError(status[err.code], err.code, err.message, errors);
}

/** Runs `work`, turning a refused move into its HTTP answer. */
async function asHttp<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof TransitionError) throw transitionHttpError(err);
    throw err;
  }
}

const NO_CASE = 'No case has this reference.';
const iso = (value: Date | string | null): string | null => (value === null ? null : new Date(value).toISOString());

async function lockedCase(trx: Knex.Transaction, reference: string): Promise<SubmissionRow> {
  const row = (await trx('snap_submissions').where({ reference }).forUpdate().first()) as SubmissionRow | undefined;
  if (!row || row.state === 'draft' || row.state === 'purged') throw new HttpError(404, 'not_found', NO_CASE);
  return row;
}

// ---------------------------------------------------------------- queue

export interface QueueItem {
  reference: string;
  state: string;
  offenceType: string;
  offenceLabel: string;
  incidentDate: string;
  districtCode: string | null;
  postBy: string;
  noticeBy: string;
  urgency: DeadlineUrgency;
  submittedAt: string | null;
  files: number;
  claimedBy: { id: number; email: string } | null;
  claimedAt: string | null;
  integrityAlert: boolean;
}

export interface Queue {
  today: string;
  counts: { total: number; dueToday: number; atRisk: number; missed: number; inTime: number };
  items: QueueItem[];
}

/**
 * The cases waiting for review, most urgent first (last posting date, then when submitted), with
 * counts against the deadline. Nothing about the submitter or the driver: triage opens the case.
 */
export async function reviewQueue(knex: Knex, today = localDate(Date.now())): Promise<Queue> {
  const rows = (await knex('snap_submissions as s')
    .leftJoin('users as u', 'u.id', 's.claimed_by')
    .whereIn('s.state', QUEUE_STATES)
    .orderBy([{ column: 's.post_by' }, { column: 's.submitted_at' }, { column: 's.id' }])
    .select(
      's.reference',
      's.state',
      's.offence_type',
      's.incident_date',
      's.district_code',
      's.post_by',
      's.notice_by',
      's.submitted_at',
      's.claimed_by',
      's.claimed_at',
      's.integrity_alert',
      'u.email as claimed_email',
      knex.raw("(SELECT count(*) FROM snap_files f WHERE f.submission_id = s.id AND f.state = 'ready') AS files"),
    )) as Array<Record<string, unknown>>;
  const counts = { total: rows.length, dueToday: 0, atRisk: 0, missed: 0, inTime: 0 };
  const items = rows.map((r): QueueItem => {
    const postBy = isoDate(r.post_by as string | Date)!;
    const urgency = deadlineUrgency(postBy, today);
    if (urgency === 'due_today') counts.dueToday += 1;
    else if (urgency === 'at_risk') counts.atRisk += 1;
    else if (urgency === 'missed') counts.missed += 1;
    else counts.inTime += 1;
    return {
      reference: r.reference as string,
      state: r.state as string,
      offenceType: r.offence_type as string,
      offenceLabel: OFFENCE_TYPE_LABEL[r.offence_type as OffenceType] ?? String(r.offence_type),
      incidentDate: isoDate(r.incident_date as string | Date)!,
      districtCode: (r.district_code as string | null) ?? null,
      postBy,
      noticeBy: isoDate(r.notice_by as string | Date)!,
      urgency,
      submittedAt: iso(r.submitted_at as Date | null),
      files: Number(r.files),
      claimedBy: r.claimed_by === null ? null : { id: Number(r.claimed_by), email: String(r.claimed_email) },
      claimedAt: iso(r.claimed_at as Date | null),
      integrityAlert: r.integrity_alert === true,
    };
  });
  return { today, counts, items };
}

// ---------------------------------------------------------------- claim and release

export interface ClaimAnswer {
  reference: string;
  state: string;
  claimedBy: number | null;
}

/**
 * Takes a case: submitted → in_triage (changeState), or a case already in triage or waiting for the
 * submitter with nobody holding it. Claiming one's own case again is a no-op; a case someone else
 * holds is a 409.
 */
export async function claimCase(knex: Knex, reference: string, user: Reviewer): Promise<ClaimAnswer> {
  const actor = actorOf(user);
  return asHttp(() =>
    knex.transaction(async (trx) => {
      const row = await lockedCase(trx, reference);
      if (row.claimed_by !== null && row.claimed_by !== user.id) {
        throw new HttpError(409, 'claimed_by_other', 'Someone else has claimed this case. Ask them or a supervisor to release it.');
      }
      if (row.claimed_by === user.id) return { reference, state: row.state, claimedBy: user.id };
      if (!['submitted', 'in_triage', 'awaiting_submitter'].includes(row.state)) {
        throw new HttpError(409, 'not_claimable', `A case that is ${row.state} is not waiting for review and cannot be claimed.`);
      }
      const state = row.state === 'submitted' ? (await changeState(trx, row.id, 'in_triage', actor)).state : row.state;
      await trx('snap_submissions').where({ id: row.id }).update({ claimed_by: user.id, claimed_at: trx.fn.now() });
      await appendAudit(trx, { ...auditActor(actor), action: 'case.claimed', subjectKind: 'submission', subjectId: row.id, reference });
      return { reference, state, claimedBy: user.id };
    }),
  );
}

/**
 * Gives a case back: in_triage → submitted (changeState), or only the claim of a case waiting for
 * the submitter. Only the holder may release, or a supervisor (someone away, a case about to miss
 * its deadline).
 */
export async function releaseCase(knex: Knex, reference: string, user: Reviewer): Promise<ClaimAnswer> {
  const actor = actorOf(user);
  return asHttp(() =>
    knex.transaction(async (trx) => {
      const row = await lockedCase(trx, reference);
      if (row.claimed_by === null) throw new HttpError(409, 'not_claimed', 'Nobody has claimed this case.');
      if (row.claimed_by !== user.id && actor.actorRole !== 'supervisor') {
        throw new HttpError(409, 'claimed_by_other', 'Someone else has claimed this case; only they or a supervisor can release it.');
      }
      const state = row.state === 'in_triage' ? (await changeState(trx, row.id, 'submitted', actor)).state : row.state;
      await trx('snap_submissions').where({ id: row.id }).update({ claimed_by: null, claimed_at: null });
      await appendAudit(trx, {
        ...auditActor(actor),
        action: 'case.released',
        subjectKind: 'submission',
        subjectId: row.id,
        reference,
        details: { heldBy: row.claimed_by },
      });
      return { reference, state, claimedBy: null };
    }),
  );
}

const auditActor = (actor: StateChange) => ({ actorKind: actor.actorKind, actorId: actor.actorId, actorLabel: actor.actorLabel ?? null });

// ---------------------------------------------------------------- decisions

export interface DecisionInput {
  outcome: DecisionOutcome;
  reasonCode?: string;
  notes?: string;
}

export interface DecisionAnswer {
  reference: string;
  state: string;
  decision: { id: number; outcome: string; reasonCode: string | null; status: string };
}

const TRIAGE_STATES = ['in_triage', 'awaiting_submitter'];

/**
 * Records a decision. The move is checked against states.ts for the actor's role. A court referral by
 * a decision maker is stored `awaiting_approval` (no state change) until a supervisor approves it;
 * a supervisor's own court referral is final at once. A case in triage held by someone else is a 409.
 */
export async function recordDecision(knex: Knex, reference: string, user: Reviewer, input: DecisionInput): Promise<DecisionAnswer> {
  const actor = actorOf(user);
  return asHttp(() =>
    knex.transaction(async (trx) => {
      const row = await lockedCase(trx, reference);
      if (TRIAGE_STATES.includes(row.state) && row.claimed_by !== null && row.claimed_by !== user.id) {
        throw new HttpError(409, 'claimed_by_other', 'Someone else has claimed this case; only they can record its decision.');
      }
      const reasonCode = input.outcome === 'no_further_action' ? input.reasonCode : undefined;
      if (input.reasonCode && input.outcome !== 'no_further_action') {
        throw new HttpError(400, 'invalid_request', 'reasonCode belongs to a "no further action" decision only.', [
          { field: 'body.reasonCode', code: 'unexpected', message: 'only with outcome no_further_action' },
        ]);
      }
      const notes = input.notes?.trim() || null;
      const held = input.outcome === 'court' && actor.actorRole !== 'supervisor';
      if (held) {
        // Everything but the approval must already hold (a court referral follows a notice).
        assertTransition(row.state, 'court', { actorRole: actor.actorRole, supervisorApproval: true, legalHold: row.legal_hold });
        const pending = await trx('snap_decisions').where({ submission_id: row.id, status: 'awaiting_approval' }).first('id');
        if (pending) throw new HttpError(409, 'approval_pending', 'A court referral of this case is already waiting for a supervisor’s approval.');
      } else {
        await changeState(trx, row.id, input.outcome, { ...actor, reasonCode });
        await trx('snap_submissions')
          .where({ id: row.id })
          .update({ outcome: input.outcome, reason_code: reasonCode ?? null, decided_at: trx.fn.now() });
      }
      const status = held ? 'awaiting_approval' : 'final';
      const [decision] = (await trx('snap_decisions')
        .insert({ submission_id: row.id, decided_by: user.id, outcome: input.outcome, reason_code: reasonCode ?? null, notes, status })
        .returning(['id', 'outcome', 'reason_code', 'status'])) as Array<{ id: number; outcome: string; reason_code: string | null; status: string }>;
      await appendAudit(trx, {
        ...auditActor(actor),
        action: held ? 'decision.approval_requested' : 'decision.recorded',
        subjectKind: 'submission',
        subjectId: row.id,
        reference,
        // Staff notes stay in snap_decisions (purged with the case), never in the log.
        details: { decisionId: decision!.id, outcome: input.outcome, status, ...(reasonCode ? { reasonCode } : {}), notes: notes !== null },
      });
      const state = held ? row.state : input.outcome;
      return { reference, state, decision: { id: decision!.id, outcome: decision!.outcome, reasonCode: decision!.reason_code, status: decision!.status } };
    }),
  );
}

/**
 * A supervisor approves (or refuses) the court referral waiting on a case. Approval moves the case
 * to court through changeState with the recorded approval; refusal leaves the case where it is.
 */
export async function approveCourt(knex: Knex, reference: string, user: Reviewer, input: { approve: boolean; notes?: string }): Promise<DecisionAnswer> {
  const actor = actorOf(user);
  if (actor.actorRole !== 'supervisor') throw new HttpError(403, 'forbidden', 'Only a supervisor can approve a court referral.');
  return asHttp(() =>
    knex.transaction(async (trx) => {
      const row = await lockedCase(trx, reference);
      const pending = (await trx('snap_decisions').where({ submission_id: row.id, status: 'awaiting_approval' }).forUpdate().first()) as
        | { id: number; outcome: string; decided_by: number | null }
        | undefined;
      if (!pending) throw new HttpError(409, 'nothing_to_approve', 'No court referral of this case is waiting for approval.');
      const status = input.approve ? 'approved' : 'refused';
      if (input.approve) {
        await changeState(trx, row.id, 'court', { ...actor, supervisorApproval: true, details: { decisionId: pending.id } });
        await trx('snap_submissions').where({ id: row.id }).update({ outcome: 'court', reason_code: null, decided_at: trx.fn.now() });
      }
      const notes = input.notes?.trim();
      await trx('snap_decisions')
        .where({ id: pending.id })
        .update({
          status,
          approved_by: user.id,
          approved_at: trx.fn.now(),
          ...(notes ? { notes: trx.raw("coalesce(notes || E'\\n', '') || ?", [`Supervisor: ${notes}`]) } : {}),
        });
      await appendAudit(trx, {
        ...auditActor(actor),
        action: input.approve ? 'decision.approved' : 'decision.refused',
        subjectKind: 'submission',
        subjectId: row.id,
        reference,
        details: { decisionId: pending.id, outcome: 'court', requestedBy: pending.decided_by },
      });
      return { reference, state: input.approve ? 'court' : row.state, decision: { id: pending.id, outcome: 'court', reasonCode: null, status } };
    }),
  );
}

// ---------------------------------------------------------------- the case page

interface FileDbRow {
  id: number;
  original_name: string;
  size_bytes: string | number;
  sha256: string | null;
  state: string;
  message: string | null;
  staff_detail: string | null;
  probe: unknown;
  thumbnail_key: string | null;
  viewing_key: string | null;
  storage_key: string;
  uploaded_at: Date | string | null;
  processed_at: Date | string | null;
  hash_verified_at: Date | string | null;
  hash_mismatch_at: Date | string | null;
}

export interface RelatedCase {
  reference: string;
  state: string;
  incidentDate: string;
  offenceType: string;
  why: Array<'same_file' | 'same_vrm' | 'same_submitter'>;
}

/** Other cases with a file of the same hash, the same registration within RELATED_VRM_DAYS, or the same submitter. */
export async function relatedCases(knex: Knex, row: SubmissionRow): Promise<RelatedCase[]> {
  const incidentDate = isoDate(row.incident_date)!;
  const { rows } = (await knex.raw(
    `SELECT s.reference, s.state, s.incident_date, s.offence_type,
            EXISTS (SELECT 1 FROM snap_files f JOIN snap_files mine ON mine.sha256 = f.sha256
                     WHERE f.submission_id = s.id AND mine.submission_id = ? AND f.sha256 IS NOT NULL) AS same_file,
            (s.vrm IS NOT NULL AND s.vrm = ? AND abs(s.incident_date - ?::date) <= ?) AS same_vrm,
            (s.submitter_key IS NOT NULL AND s.submitter_key = ?) AS same_submitter
       FROM snap_submissions s
      WHERE s.id <> ? AND s.state NOT IN ('draft', 'purged')
        AND (EXISTS (SELECT 1 FROM snap_files f JOIN snap_files mine ON mine.sha256 = f.sha256
                      WHERE f.submission_id = s.id AND mine.submission_id = ? AND f.sha256 IS NOT NULL)
             OR (s.vrm IS NOT NULL AND s.vrm = ? AND abs(s.incident_date - ?::date) <= ?)
             OR (s.submitter_key IS NOT NULL AND s.submitter_key = ?))
      ORDER BY s.incident_date DESC, s.id DESC
      LIMIT 50`,
    [row.id, row.vrm, incidentDate, RELATED_VRM_DAYS, row.submitter_key, row.id, row.id, row.vrm, incidentDate, RELATED_VRM_DAYS, row.submitter_key],
  )) as { rows: Array<Record<string, unknown>> };
  return rows.map((r) => ({
    reference: r.reference as string,
    state: r.state as string,
    incidentDate: isoDate(r.incident_date as string | Date)!,
    offenceType: r.offence_type as string,
    why: [
      ...(r.same_file === true ? (['same_file'] as const) : []),
      ...(r.same_vrm === true ? (['same_vrm'] as const) : []),
      ...(r.same_submitter === true ? (['same_submitter'] as const) : []),
    ],
  }));
}

/**
 * Everything the case page shows, and a `case.viewed` audit entry. The submitter's contact details
 * are left out (the statement's signature name is part of the evidence); so is the storage layout.
 */
export async function casePage(knex: Knex, reference: string, user: Reviewer, today = localDate(Date.now())) {
  const actor = actorOf(user);
  const row = (await knex('snap_submissions').where({ reference }).first()) as SubmissionRow | undefined;
  if (!row || row.state === 'draft' || row.state === 'purged') throw new HttpError(404, 'not_found', NO_CASE);
  const [files, stages, decisions, related, claimer] = await Promise.all([
    knex('snap_files').where({ submission_id: row.id }).orderBy('id').select() as Promise<FileDbRow[]>,
    stagesOf(knex, row.id),
    knex('snap_decisions as d')
      .leftJoin('users as u', 'u.id', 'd.decided_by')
      .leftJoin('users as a', 'a.id', 'd.approved_by')
      .where('d.submission_id', row.id)
      .orderBy('d.id')
      .select('d.id', 'd.at', 'd.outcome', 'd.reason_code', 'd.notes', 'd.status', 'd.approved_at', 'u.email as decided_by', 'a.email as approved_by') as Promise<
      Array<Record<string, unknown>>
    >,
    relatedCases(knex, row),
    row.claimed_by === null ? Promise.resolve(undefined) : (knex('users').where({ id: row.claimed_by }).first('id', 'email') as Promise<{ id: number; email: string } | undefined>),
  ]);
  await appendAudit(knex, { ...auditActor(actor), action: 'case.viewed', subjectKind: 'submission', subjectId: row.id, reference });
  const postBy = isoDate(row.post_by)!;
  const base = `/api/snap/cases/${encodeURIComponent(reference)}/media`;
  return {
    reference,
    state: row.state,
    legalHold: row.legal_hold,
    integrityAlert: row.integrity_alert,
    claimedBy: claimer ? { id: claimer.id, email: claimer.email } : null,
    claimedAt: iso(row.claimed_at),
    submittedAt: iso(row.submitted_at),
    deadlines: { noticeBy: isoDate(row.notice_by), postBy, submitBy: isoDate(row.submit_by), urgency: deadlineUrgency(postBy, today) },
    incident: {
      date: isoDate(row.incident_date),
      time: row.incident_time,
      timeApproximate: row.time_approximate,
      cameraClockOffsetMinutes: row.camera_clock_offset_minutes,
      location: row.location_text,
      direction: row.direction,
      districtCode: row.district_code,
      offenceType: row.offence_type,
      offenceLabel: OFFENCE_TYPE_LABEL[row.offence_type as OffenceType] ?? row.offence_type,
      offenceDescription: row.offence_other,
      reporterRoadUser: row.reporter_road_user,
    },
    vehicle: { vrm: row.vrm, make: row.vehicle_make, colour: row.vehicle_colour },
    statement: {
      narrative: row.statement_narrative,
      declaration: SECTION_9_DECLARATION,
      signatureName: row.signature_name,
      signedAt: iso(row.statement_signed_at),
      sha256: row.statement_sha256,
    },
    files: files.map((f) => ({
      id: f.id,
      name: f.original_name,
      size: Number(f.size_bytes),
      sha256: f.sha256,
      state: f.state,
      message: f.message,
      staffDetail: f.staff_detail,
      probe: f.probe ?? null,
      uploadedAt: iso(f.uploaded_at),
      processedAt: iso(f.processed_at),
      hashVerifiedAt: iso(f.hash_verified_at),
      hashMismatchAt: iso(f.hash_mismatch_at),
      hasViewingCopy: f.viewing_key !== null,
      mediaUrl: f.state === 'ready' ? `${base}/${f.id}` : null,
      originalUrl: f.state === 'ready' ? `${base}/${f.id}/original` : null,
    })),
    stages: stages.map((s) => ({ state: s.state, at: iso(s.at), note: s.public_note })),
    decisions: decisions.map((d) => ({
      id: Number(d.id),
      at: iso(d.at as Date),
      outcome: d.outcome as string,
      reasonCode: (d.reason_code as string | null) ?? null,
      notes: (d.notes as string | null) ?? null,
      status: d.status as string,
      decidedBy: (d.decided_by as string | null) ?? null,
      approvedBy: (d.approved_by as string | null) ?? null,
      approvedAt: iso((d.approved_at as Date | null) ?? null),
    })),
    pendingCourtApproval: decisions.some((d) => d.status === 'awaiting_approval'),
    related,
    /** The moves this user may make now (for the decision form). */
    nextStates: nextStates(row.state as SubmissionState, { actorRole: actor.actorRole, supervisorApproval: false, legalHold: row.legal_hold, reasonCode: 'plate_unreadable' }),
    actingAs: actor.actorRole,
  };
}

// ---------------------------------------------------------------- media

export interface MediaFile {
  submissionId: number;
  fileId: number;
  name: string;
  sha256: string | null;
  originalKey: string;
  viewingKey: string | null;
}

/** A ready file of a case (404 otherwise: unknown case, another case's file, a file not yet checked or purged). */
export async function mediaFileOf(knex: Knex, reference: string, fileId: number): Promise<MediaFile> {
  const row = (await knex('snap_files as f')
    .join('snap_submissions as s', 's.id', 'f.submission_id')
    .where({ 's.reference': reference, 'f.id': fileId, 'f.state': 'ready' })
    .whereNotIn('s.state', ['draft', 'purged'])
    .first('f.id', 'f.submission_id', 'f.original_name', 'f.sha256', 'f.storage_key', 'f.viewing_key')) as
    | { id: number; submission_id: number; original_name: string; sha256: string | null; storage_key: string; viewing_key: string | null }
    | undefined;
  if (!row) throw new HttpError(404, 'not_found', 'This case has no such file ready to play.');
  return { submissionId: row.submission_id, fileId: row.id, name: row.original_name, sha256: row.sha256, originalKey: row.storage_key, viewingKey: row.viewing_key };
}

/** Minutes within which repeated range requests of one file by one person are one `media.viewed` entry. */
export const MEDIA_VIEW_AUDIT_MINUTES = 15;

/**
 * Records that `user` played a file: one `media.viewed` entry per person, file and
 * MEDIA_VIEW_AUDIT_MINUTES (a player sends a range request per seek; each need not be its own entry).
 */
export async function auditMediaView(knex: Knex, reference: string, file: MediaFile, user: Reviewer, detail: { copy: 'viewing' | 'original'; range: string | null }): Promise<void> {
  const actor = actorOf(user);
  await knex.transaction(async (trx) => {
    await trx.raw('LOCK TABLE audit_log IN EXCLUSIVE MODE');
    const recent = await trx('audit_log')
      .where({ reference, action: 'media.viewed', subject_kind: 'file', subject_id: String(file.fileId), actor_id: String(user.id) })
      .where('at', '>', trx.raw(`now() - interval '${MEDIA_VIEW_AUDIT_MINUTES} minutes'`))
      .first('id');
    if (recent) return;
    await appendAudit(trx, { ...auditActor(actor), action: 'media.viewed', subjectKind: 'file', subjectId: file.fileId, reference, details: { ...detail, sha256: file.sha256 } });
  });
}

/** Records a download of the original with its justification (a disclosure, under Part 3 DPA 2018). */
export async function auditDisclosure(knex: Knex, reference: string, file: MediaFile, user: Reviewer, reason: string, range: string | null): Promise<void> {
  const actor = actorOf(user);
  await appendAudit(knex, {
    ...auditActor(actor),
    action: 'media.disclosed',
    subjectKind: 'file',
    subjectId: file.fileId,
    reference,
    justification: reason,
    details: { sha256: file.sha256, range },
  });
}
