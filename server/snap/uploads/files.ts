import type { Knex } from 'knex';
import { appendAudit } from '../../audit/log.ts';
import type { Config } from '../../config.ts';
import type { MailContext } from '../../mail/send.ts';
import { notifySubmitter } from '../notify.ts';
import type { SubmissionState } from '../states.ts';
import { BY_FOOTAGE_PIPELINE, changeState, FOOTAGE_PIPELINE, type SubmissionRow } from '../store.ts';
import { UPLOAD_ABANDONED_AFTER_MS } from './settings.ts';

/**
 * The database side of footage uploads: `snap_files` rows and the submission's state as files arrive
 * and are checked. Every state change goes through `changeState` (server/snap/store.ts).
 *
 * File states: uploading → processing → ready | rejected | quarantined | on_hold (→ processing on retry);
 * uploading → abandoned when no bytes arrived for a day (sweepAbandonedUploads); purged by the
 * retention job. An upload the submitter cancels (tus DELETE) or that the store failed to create has
 * its row deleted. While a file is `uploading`, `uploaded_at` is when its bytes last arrived (null
 * before the first); once complete, when the last byte arrived.
 */

export type FileState = 'uploading' | 'processing' | 'ready' | 'rejected' | 'quarantined' | 'on_hold' | 'abandoned' | 'purged';

/** File states that are not part of the submission any more: they neither count nor block. */
export const SET_ASIDE: readonly FileState[] = ['abandoned', 'purged'];

/** The submitter's message on an abandoned upload. */
export const ABANDONED_MESSAGE =
  'This upload stopped before the whole file arrived and nothing more was received for a day, so it has been set aside. ' +
  'It does not count towards your files. Upload the file again if you still want to send it.';

/** Submission states in which footage may be uploaded (a new file, or more bytes of one). */
export const ACCEPTING_FOOTAGE: readonly SubmissionState[] = ['awaiting_footage', 'uploading', 'needs_resubmission'];

export interface FileRow {
  id: number;
  submission_id: number;
  upload_id: string;
  original_name: string;
  size_bytes: string | number;
  received_bytes: string | number;
  storage_key: string;
  sha256: string | null;
  state: FileState;
  message: string | null;
  staff_detail: string | null;
  thumbnail_key: string | null;
  viewing_key: string | null;
  processing_attempts: number;
  created_at: Date | string;
}

export interface SubmissionHead {
  id: number;
  reference: string;
  state: string;
}

/**
 * The files that decide the submission's outcome now: every file except those refused in an earlier
 * round (a round starts when the submission moves to `uploading`; after "needs resubmission" the
 * submitter replaces refused files, or completes again without them, and the refused ones stay on
 * record but no longer count). Compared in SQL: JavaScript dates drop the microseconds.
 */
export async function filesInPlay(trx: Knex | Knex.Transaction, submissionId: number): Promise<FileRow[]> {
  return (await trx('snap_files as f')
    .where('f.submission_id', submissionId)
    .whereNotIn('f.state', SET_ASIDE)
    .where((q) =>
      q
        .whereNot('f.state', 'rejected')
        .orWhereRaw(
          `f.created_at >= coalesce((SELECT max(s.at) FROM snap_stages s WHERE s.submission_id = f.submission_id AND s.state = 'uploading'), '-infinity'::timestamptz)`,
        ),
    )
    .orderBy('f.id')
    .select('f.*')) as FileRow[];
}

/** Files that count towards the per-submission limit: all but the refused, abandoned and purged ones. */
export async function countedFiles(trx: Knex | Knex.Transaction, submissionId: number): Promise<number> {
  const row = (await trx('snap_files')
    .where({ submission_id: submissionId })
    .whereNotIn('state', ['rejected', ...SET_ASIDE])
    .count('* as n')
    .first()) as { n: string | number };
  return Number(row.n);
}

/** The unfinished uploads of a submission with no bytes for `afterMs` (created, or last written, before then). */
const staleUploads = (knex: Knex | Knex.Transaction, submissionId: number, afterMs: number) =>
  knex('snap_files')
    .where({ submission_id: submissionId, state: 'uploading' })
    .whereRaw(`coalesce(uploaded_at, created_at) < now() - ? * interval '1 millisecond'`, [afterMs]);

/**
 * Sets aside the submission's abandoned uploads: `uploading` with no bytes received for `afterMs`
 * (default UPLOAD_ABANDONED_AFTER_MS, a day). They become `abandoned` with a plain message, no longer
 * count towards the file limit and no longer block `complete`; the partial bytes stay in the store
 * until the retention job (the submitter can still cancel the upload, which removes them). Swept
 * lazily, in the caller's transaction with the submission row locked: when an upload is created,
 * when the submission is completed, and when its status is read (`sweepAbandonedUploadsNow`).
 * Returns how many were set aside. Each gets a `file.upload_abandoned` audit entry (no personal data).
 */
export async function sweepAbandonedUploads(trx: Knex.Transaction, submission: Pick<SubmissionHead, 'id' | 'reference'>, afterMs = UPLOAD_ABANDONED_AFTER_MS): Promise<number> {
  const stale = (await staleUploads(trx, submission.id, afterMs).forUpdate().select('id', 'upload_id', 'received_bytes')) as Array<Pick<FileRow, 'id' | 'upload_id' | 'received_bytes'>>;
  for (const file of stale) {
    await trx('snap_files').where({ id: file.id }).update({ state: 'abandoned', message: ABANDONED_MESSAGE });
    await appendAudit(trx, {
      actorKind: 'system',
      actorId: FOOTAGE_PIPELINE,
      action: 'file.upload_abandoned',
      subjectKind: 'file',
      subjectId: file.id,
      reference: submission.reference,
      details: { uploadId: file.upload_id, receivedBytes: Number(file.received_bytes), idleMs: afterMs },
    });
  }
  return stale.length;
}

/** `sweepAbandonedUploads` in a transaction of its own (submission row locked first), only when there is something to sweep. */
export async function sweepAbandonedUploadsNow(knex: Knex, submissionId: number, afterMs = UPLOAD_ABANDONED_AFTER_MS): Promise<number> {
  const found = (await staleUploads(knex, submissionId, afterMs).first('id')) as { id: number } | undefined;
  if (!found) return 0;
  return knex.transaction(async (trx) => {
    const submission = (await trx('snap_submissions').where({ id: submissionId }).forUpdate().first('id', 'reference', 'state')) as SubmissionHead | undefined;
    return submission ? sweepAbandonedUploads(trx, submission, afterMs) : 0;
  });
}

/** What the submission becomes once every file in play is checked, or null while some are not. */
export function outcomeOfFiles(files: ReadonlyArray<Pick<FileRow, 'state'>>): SubmissionState | null {
  if (files.length === 0 || files.some((f) => f.state === 'uploading' || f.state === 'processing')) return null;
  if (files.some((f) => f.state === 'quarantined')) return 'quarantined';
  if (files.some((f) => f.state === 'rejected')) return 'needs_resubmission';
  if (files.some((f) => f.state === 'on_hold')) return 'on_hold';
  return 'submitted';
}

const SETTLE_NOTE: Partial<Record<SubmissionState, string>> = {
  needs_resubmission: 'One of your files could not be used. The message next to it says how to put it right; then upload a replacement.',
};

/**
 * Once the submitter has said all files are uploaded (the submission is `processing`, or `on_hold`
 * being retried) and every file in play has been checked, moves the submission on: `submitted`, or
 * `needs_resubmission` / `quarantined` / `on_hold`. Call it after a file's check finishes (the upload
 * pipeline does) and after `POST …/complete` moves the submission to `processing` (the files may all
 * be checked already). Returns the new state, or null when nothing moved.
 */
export async function settleSubmission(knex: Knex | Knex.Transaction, submissionId: number): Promise<SubmissionState | null> {
  const run = async (trx: Knex.Transaction) => {
    const submission = (await trx('snap_submissions').where({ id: submissionId }).forUpdate().first('id', 'reference', 'state')) as SubmissionHead | undefined;
    if (!submission || submission.state !== 'processing') return null;
    const to = outcomeOfFiles(await filesInPlay(trx, submissionId));
    if (!to) return null;
    await changeState(trx, submissionId, to, { ...BY_FOOTAGE_PIPELINE, publicNote: SETTLE_NOTE[to] ?? null });
    return to;
  };
  return (knex as Knex.Transaction).isTransaction ? run(knex as Knex.Transaction) : (knex as Knex).transaction(run);
}

/** Settled states the submitter is told about by email (on hold is ours to retry, so no email). */
const ANNOUNCED: readonly SubmissionState[] = ['submitted', 'needs_resubmission', 'quarantined'];

type AnnounceContext = MailContext & { config: MailContext['config'] & Pick<Config, 'PUBLIC_URL' | 'PORT'>; knex: Knex };

/**
 * The status email for a settled submission, after the settling transaction committed. Only the
 * caller whose `settleSubmission` moved the submission calls it (the move happens once, under the
 * row lock), so the email goes out once whether the complete request or a background check settled
 * it. `token` when the submitter is making the request (their link then opens the page at once).
 */
export async function announceSettlement(ctx: AnnounceContext, submissionId: number, state: SubmissionState, token?: string): Promise<void> {
  if (!ANNOUNCED.includes(state)) return;
  const row = (await ctx.knex('snap_submissions').where({ id: submissionId }).first('reference', 'submitter_email', 'reason_code')) as
    | Pick<SubmissionRow, 'reference' | 'submitter_email' | 'reason_code'>
    | undefined;
  if (row) await notifySubmitter(ctx, row, state, token);
}
