import type { Knex } from 'knex';
import type { ActorKind, JsonValue } from '../audit/chain.ts';
import { appendAudit } from '../audit/log.ts';
import { assertTransition, type ActorRole, type SubmissionState } from './states.ts';
import type { AreaBounds } from './submission-schema.ts';

/**
 * Reading and writing Operation Snap submissions: references, the force area, and `changeState`,
 * the one way a submission's state changes (checked against states.ts, a public stage row, an
 * audit entry, all in the caller's transaction).
 */

/** One row of `snap_submissions` as pg returns it (dates as Date or string; ids as numbers). */
export interface SubmissionRow {
  id: number;
  reference: string;
  token_hash: string;
  state: string;
  eligibility: Record<string, unknown>;
  incident_date: string | Date;
  incident_time: string;
  time_approximate: boolean;
  camera_clock_offset_minutes: number;
  location_text: string;
  direction: string | null;
  offence_type: string;
  offence_other: string | null;
  reporter_road_user: string | null;
  vrm: string | null;
  vehicle_make: string | null;
  vehicle_colour: string | null;
  statement_narrative: string | null;
  statement_sha256: string | null;
  signature_name: string | null;
  statement_signed_at: Date | string | null;
  submitter_name: string | null;
  submitter_dob: string | Date | null;
  submitter_address: string | null;
  submitter_postcode: string | null;
  submitter_email: string | null;
  submitter_key: string | null;
  submitter_phone: string | null;
  verification_code_hash: string | null;
  verification_attempts: number;
  verification_sent_at: Date | string | null;
  email_verified_at: Date | string | null;
  notice_by: string | Date;
  post_by: string | Date;
  submit_by: string | Date;
  district_code: string | null;
  claimed_by: number | null;
  claimed_at: Date | string | null;
  outcome: string | null;
  reason_code: string | null;
  legal_hold: boolean;
  integrity_alert: boolean;
  submitted_at: Date | string | null;
  decided_at: Date | string | null;
  purged_at: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

/** The submission with this reference (without its geometry columns), or undefined. */
export async function findSubmission(knex: Knex, reference: string): Promise<SubmissionRow | undefined> {
  return (await knex('snap_submissions').where({ reference }).first()) as SubmissionRow | undefined;
}

// ---------------------------------------------------------------- references, area

/** SNAP-2026-000123; a year past 999,999 submissions grows a seventh digit. */
export function formatSnapReference(year: number, number: number): string {
  return `SNAP-${year}-${String(number).padStart(6, '0')}`;
}

/**
 * The next reference of `year`, inside the caller's transaction: the upsert takes the year's row
 * lock, so concurrent submissions never share a number, and a rolled-back one gives its number back.
 */
export async function allocateSnapReference(trx: Knex.Transaction, year: number): Promise<string> {
  const { rows } = await trx.raw(
    `INSERT INTO snap_reference_counters AS c (year, last_number) VALUES (?, 1)
     ON CONFLICT (year) DO UPDATE SET last_number = c.last_number + 1
     RETURNING last_number`,
    [year],
  );
  return formatSnapReference(year, Number(rows[0].last_number));
}

/** The county of Lancashire with Blackpool and Blackburn with Darwen, WGS84 degrees, used before districts are loaded. */
export const LANCASHIRE_BOUNDS: AreaBounds = { west: -3.2, south: 53.45, east: -2.0, north: 54.3 };

/** The extent of the loaded districts (WGS84), or the Lancashire box when none are loaded. */
export async function forceAreaBounds(knex: Knex): Promise<AreaBounds> {
  const { rows } = await knex.raw(
    `SELECT ST_XMin(e) AS west, ST_YMin(e) AS south, ST_XMax(e) AS east, ST_YMax(e) AS north
     FROM (SELECT ST_Extent(geom)::geometry AS e FROM districts) x`,
  );
  const r = rows[0] as Record<keyof AreaBounds, number | null> | undefined;
  if (!r || r.west === null || r.south === null || r.east === null || r.north === null) return LANCASHIRE_BOUNDS;
  return { west: Number(r.west), south: Number(r.south), east: Number(r.east), north: Number(r.north) };
}

/**
 * Where a map pin falls: `loaded` false when no districts are loaded (then only the bounding box
 * was checked); otherwise whether a district holds it (within 1 m) and which.
 */
export async function districtOfPin(knex: Knex, lon: number, lat: number): Promise<{ loaded: boolean; districtCode: string | null }> {
  const { rows } = await knex.raw(
    `SELECT EXISTS (SELECT 1 FROM districts) AS loaded,
            (SELECT d.code FROM districts d
              WHERE ST_DWithin(d.geom_bng, ST_Transform(ST_SetSRID(ST_MakePoint(?, ?), 4326), 27700), 1)
              ORDER BY ST_Distance(d.geom_bng, ST_Transform(ST_SetSRID(ST_MakePoint(?, ?), 4326), 27700)), d.code LIMIT 1) AS code`,
    [lon, lat, lon, lat],
  );
  return { loaded: rows[0].loaded === true, districtCode: rows[0].code ?? null };
}

// ---------------------------------------------------------------- state changes

export interface StateChange {
  actorRole: ActorRole;
  actorKind: ActorKind;
  /** Staff user id, the reference for the submitter, the job name for the system. */
  actorId: string | number | null;
  actorLabel?: string | null;
  /** Shown to the submitter beside the stage. */
  publicNote?: string | null;
  supervisorApproval?: boolean;
  reasonCode?: string;
  /** Extra audit details (no personal data: the audit log is never purged). */
  details?: Record<string, JsonValue>;
}

/** The person holding the submission's token, as the actor of a move. */
export function bySubmitter(reference: string): StateChange {
  return { actorRole: 'submitter', actorKind: 'submitter', actorId: reference };
}

/** The footage pipeline (uploads, checks, settling), as the actor of a move and of its file entries. */
export const FOOTAGE_PIPELINE = 'snap-uploads';
export const BY_FOOTAGE_PIPELINE: StateChange = Object.freeze({ actorRole: 'system', actorKind: 'system', actorId: FOOTAGE_PIPELINE });

/**
 * THE one way a submission's state changes, inside the caller's transaction: the row is locked (FOR
 * UPDATE, so two racing moves cannot both start from the same state), the move checked against the
 * one table of moves (throws TransitionError), the row updated (`submitted_at` the first time it reaches submitted),
 * a public stage row written and a `state.changed` audit entry `{from, to, reasonCode?, …details}`
 * appended. Returns the updated row. Emails are the caller's, after the commit (notify.ts,
 * uploads/files.ts `announceSettlement`).
 */
export async function changeState(trx: Knex.Transaction, submissionId: number, to: SubmissionState, change: StateChange): Promise<SubmissionRow> {
  const current = (await trx('snap_submissions').where({ id: submissionId }).forUpdate().first()) as SubmissionRow | undefined;
  if (!current) throw new Error(`snap submission ${submissionId} does not exist`);
  assertTransition(current.state, to, {
    actorRole: change.actorRole,
    supervisorApproval: change.supervisorApproval,
    reasonCode: change.reasonCode,
    legalHold: current.legal_hold,
  });
  const [updated] = (await trx('snap_submissions')
    .where({ id: submissionId })
    .update({ state: to, updated_at: trx.fn.now(), ...(to === 'submitted' ? { submitted_at: trx.raw('coalesce(submitted_at, now())') } : {}) })
    .returning('*')) as SubmissionRow[];
  await trx('snap_stages').insert({ submission_id: submissionId, state: to, public_note: change.publicNote ?? null });
  await appendAudit(trx, {
    actorKind: change.actorKind,
    actorId: change.actorId,
    actorLabel: change.actorLabel ?? null,
    action: 'state.changed',
    subjectKind: 'submission',
    subjectId: submissionId,
    reference: current.reference,
    details: { from: current.state, to, ...(change.reasonCode ? { reasonCode: change.reasonCode } : {}), ...change.details },
  });
  return updated!;
}

// ---------------------------------------------------------------- reading for the status page

export interface StageRow {
  state: string;
  at: Date | string;
  public_note: string | null;
}

export async function stagesOf(knex: Knex, submissionId: number): Promise<StageRow[]> {
  return (await knex('snap_stages').where({ submission_id: submissionId }).orderBy([{ column: 'at' }, { column: 'id' }]).select('state', 'at', 'public_note')) as StageRow[];
}

export interface FileRow {
  id: number;
  upload_id: string;
  original_name: string;
  size_bytes: string | number;
  received_bytes: string | number;
  sha256: string | null;
  state: string;
  message: string | null;
}

export async function filesOf(knex: Knex, submissionId: number): Promise<FileRow[]> {
  return (await knex('snap_files')
    .where({ submission_id: submissionId })
    .orderBy('id')
    .select('id', 'upload_id', 'original_name', 'size_bytes', 'received_bytes', 'sha256', 'state', 'message')) as FileRow[];
}

/** A date column as YYYY-MM-DD (pg returns `date` as a local-midnight Date unless a type parser says otherwise). */
export function isoDate(value: string | Date | null): string | null {
  if (value === null) return null;
  if (typeof value === 'string') return value.slice(0, 10);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${value.getFullYear()}-${pad(value.getMonth() + 1)}-${pad(value.getDate())}`;
}
