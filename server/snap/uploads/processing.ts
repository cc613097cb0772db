import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Knex } from 'knex';
import { appendAudit } from '../../audit/log.ts';
import type { Logger } from '../../logger.ts';
import { FOOTAGE_MESSAGES, processFootage, type FootageResult } from '../media/process.ts';
import type { FootageStore } from '../storage/footage-store.ts';
import type { SubmissionState } from '../states.ts';
import { BY_FOOTAGE_PIPELINE, changeState, FOOTAGE_PIPELINE } from '../store.ts';
import { settleSubmission, type FileRow } from './files.ts';
import type { SnapUploadSettings } from './settings.ts';

/**
 * Checks finished uploads in the background, off the request: a tus client ignores anything said
 * after its last PATCH, so the outcome goes to `snap_files` (state, plain message) and the submitter
 * reads it from GET /api/snap/submissions/{reference}.
 *
 * One file at a time by default (a viewing copy takes every core). Each file: SHA-256 of the original
 * and the checks of server/snap/media/process.ts, then the thumbnail and viewing copy are stored,
 * another submission's file with the same hash is noted for staff (not refused: the same clip sent
 * twice, or shared between witnesses, is for a reviewer to judge), the row is updated, an audit entry written and the submission settled (files.ts) — one transaction.
 * A file put on hold (a checker unavailable) is tried again after `onHoldRetryMs`, up to
 * `maxProcessingAttempts`; then it waits for a person. At start-up, files left `processing` by a
 * stopped instance are queued again.
 */
export class FootageProcessor {
  private readonly queue: number[] = [];
  private readonly queued = new Set<number>();
  private running = 0;
  private idleWaiters: Array<() => void> = [];
  private readonly abort = new AbortController();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly knex: Knex,
    private readonly store: FootageStore,
    private readonly settings: SnapUploadSettings,
    private readonly logger: Logger,
    /** Called after a check's transaction commits when it settled the submission (the status email). */
    private readonly onSettled?: (submissionId: number, state: SubmissionState) => Promise<void>,
  ) {}

  /** Queues the file (by snap_files.id) unless it is queued already. */
  enqueue(fileId: number): void {
    if (this.closed || this.queued.has(fileId)) return;
    this.queued.add(fileId);
    this.queue.push(fileId);
    this.pump();
  }

  /** Resolves when nothing is queued or running (tests, shutdown). */
  idle(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Queues the files a stopped instance left being checked, and settles their submissions. */
  async recover(): Promise<number> {
    const rows = (await this.knex('snap_files').where({ state: 'processing' }).orderBy('id').select('id')) as Array<{ id: number }>;
    for (const row of rows) this.enqueue(row.id);
    return rows.length;
  }

  /** Stops taking work, cancels the running check (its file goes on hold) and waits for it. */
  async close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.abort.abort();
    await this.idle();
  }

  private pump(): void {
    while (!this.closed && this.running < this.settings.processingConcurrency && this.queue.length > 0) {
      const fileId = this.queue.shift()!;
      this.running++;
      void this.processOne(fileId)
        .catch((err: unknown) => this.logger.error({ err, fileId }, 'footage processing failed'))
        .finally(() => {
          this.queued.delete(fileId);
          this.running--;
          this.pump();
          if (this.running === 0 && this.queue.length === 0) {
            const waiters = this.idleWaiters;
            this.idleWaiters = [];
            for (const resolve of waiters) resolve();
          }
        });
    }
  }

  private async processOne(fileId: number): Promise<void> {
    const file = (await this.knex('snap_files').where({ id: fileId }).first()) as FileRow | undefined;
    if (!file || file.state !== 'processing') return;
    const workDir = await this.store.makeWorkDir();
    let result: FootageResult;
    try {
      try {
        result = await this.store.withLocalCopy(file.storage_key, (original) =>
          processFootage(original, {
            ...this.settings.footage,
            thumbnailPath: path.join(workDir, 'thumbnail.jpg'),
            viewingCopyPath: path.join(workDir, 'viewing.mp4'),
            signal: this.abort.signal,
          }),
        );
      } catch (err) {
        // The original could not be read (missing, permissions, S3 down): never the submitter's fault.
        this.logger.error({ err, fileId }, 'footage could not be read for checking');
        result = {
          state: 'on_hold',
          code: 'checker_unavailable',
          message: FOOTAGE_MESSAGES.on_hold,
          detail: `original unreadable: ${(err as Error).message}`,
          sha256: file.sha256 ?? '',
          sizeBytes: Number(file.size_bytes),
          scan: { status: 'skipped' },
          timingsMs: { hash: 0, total: 0 },
        };
      }
      const keys: { thumbnail_key?: string; viewing_key?: string } = {};
      if (result.state === 'ready' && result.thumbnailPath) {
        keys.thumbnail_key = this.store.derivedKey(file.upload_id, 'thumbnail');
        await this.store.putDerived(keys.thumbnail_key, result.thumbnailPath);
      }
      if (result.state === 'ready' && result.viewingPath) {
        keys.viewing_key = this.store.derivedKey(file.upload_id, 'viewing');
        await this.store.putDerived(keys.viewing_key, result.viewingPath);
      }
      await this.record(file, result, keys);
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }

  /** Other files with the same SHA-256 (same bytes): in other submissions, or this one twice. */
  private async sameHash(file: FileRow, sha256: string) {
    if (!sha256) return [];
    return (await this.knex('snap_files as f')
      .join('snap_submissions as s', 's.id', 'f.submission_id')
      .where('f.sha256', sha256)
      .whereNot('f.id', file.id)
      .whereNot('f.state', 'purged')
      .orderBy('f.id')
      .select('f.id as fileId', 's.reference as reference', 'f.submission_id as submissionId')) as Array<{ fileId: number; reference: string; submissionId: number }>;
  }

  private async record(file: FileRow, result: FootageResult, keys: { thumbnail_key?: string; viewing_key?: string }): Promise<void> {
    const duplicates = await this.sameHash(file, result.sha256);
    const elsewhere = duplicates.filter((d) => d.submissionId !== file.submission_id);
    const detail = [
      `[${result.code}]${result.detail ? ` ${result.detail}` : ''}`,
      ...(elsewhere.length ? [`Same file (SHA-256) as ${elsewhere.map((d) => `${d.reference} file ${d.fileId}`).join(', ')}.`] : []),
      ...(duplicates.length > elsewhere.length ? ['The same file was uploaded twice in this submission.'] : []),
    ].join(' ');
    const attempts = file.processing_attempts + 1;
    const giveUp = result.state === 'on_hold' && attempts >= this.settings.maxProcessingAttempts;
    const settled = await this.knex.transaction(async (trx) => {
      // The submission first (as complete and new uploads lock it): one after the other, never interleaved.
      const submission = (await trx('snap_submissions').where({ id: file.submission_id }).forUpdate().first('reference')) as { reference: string } | undefined;
      if (!submission) return null;
      const updated = await trx('snap_files')
        .where({ id: file.id, state: 'processing' })
        .update({
          state: result.state,
          message: result.message,
          staff_detail: giveUp ? `${detail} Checked ${attempts} times without a result: needs a person.` : detail,
          sha256: result.sha256 || null,
          probe: JSON.stringify({
            code: result.code,
            video: result.probe ?? null,
            scan: result.scan,
            viewingMethod: result.viewingMethod ?? null,
            timingsMs: result.timingsMs,
          }),
          processing_attempts: attempts,
          processed_at: trx.fn.now(),
          ...keys,
        });
      if (updated === 0) return null; // purged or withdrawn meanwhile
      await appendAudit(trx, {
        actorKind: 'system',
        actorId: FOOTAGE_PIPELINE,
        action: 'file.checked',
        subjectKind: 'file',
        subjectId: file.id,
        reference: submission.reference,
        details: {
          state: result.state,
          code: result.code,
          sha256: result.sha256 || null,
          sizeBytes: result.sizeBytes,
          ...(elsewhere.length ? { sameHashAs: elsewhere.map((d) => ({ reference: d.reference, fileId: d.fileId })) } : {}),
          attempt: attempts,
        },
      });
      return settleSubmission(trx, file.submission_id);
    });
    if (settled && this.onSettled) {
      await this.onSettled(file.submission_id, settled).catch((err: unknown) => this.logger.error({ err, fileId: file.id }, 'telling the submitter the outcome failed'));
    }
    if (result.state === 'on_hold' && !giveUp && !this.closed) this.retryLater(file.id);
  }

  private retryLater(fileId: number): void {
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      void this.retry(fileId).catch((err: unknown) => this.logger.error({ err, fileId }, 'footage re-check failed to start'));
    }, this.settings.onHoldRetryMs);
    timer.unref();
    this.retryTimers.add(timer);
  }

  /** on_hold → processing for the file (and the submission, when it is on hold), then queue it. */
  private async retry(fileId: number): Promise<void> {
    if (this.closed) return;
    const moved = await this.knex.transaction(async (trx) => {
      const file = (await trx('snap_files').where({ id: fileId }).forUpdate().first('id', 'state', 'submission_id')) as Pick<FileRow, 'id' | 'state' | 'submission_id'> | undefined;
      if (!file || file.state !== 'on_hold') return false;
      await trx('snap_files').where({ id: fileId }).update({ state: 'processing' });
      const submission = (await trx('snap_submissions').where({ id: file.submission_id }).first('state')) as { state: string };
      if (submission.state === 'on_hold') await changeState(trx, file.submission_id, 'processing', BY_FOOTAGE_PIPELINE);
      return true;
    });
    if (moved) this.enqueue(fileId);
  }
}
