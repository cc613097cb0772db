import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ERRORS, EVENTS, MemoryLocker, Server, type ServerOptions, type Upload } from '@tus/server';
import type { Knex } from 'knex';
import { appendAudit } from '../../audit/log.ts';
import type { AppContext } from '../../context.ts';
import type { Logger } from '../../logger.ts';
import { PUBLIC_STAGE, TransitionError, type SubmissionState } from '../states.ts';
import { openFootageStore, UPLOAD_ID, type FootageStore } from '../storage/footage-store.ts';
import { authenticateSubmitter, bearerToken } from '../submitter-auth.ts';
import { bySubmitter, changeState, FOOTAGE_PIPELINE } from '../store.ts';
import { ACCEPTING_FOOTAGE, announceSettlement, countedFiles, sweepAbandonedUploads, type FileRow, type SubmissionHead } from './files.ts';
import { FootageProcessor } from './processing.ts';
import { sizeInWords, snapUploadSettings, type SnapUploadSettings } from './settings.ts';

/**
 * The tus endpoint for footage (`/api/snap/uploads`, @tus/server on the footage store) and the
 * background checks of finished uploads.
 *
 * Creating an upload (POST) needs `Authorization: Bearer <token>` and `Upload-Metadata` with
 * `reference` and `filename`; the submission must have a verified email address and be waiting for
 * footage; at most SNAP_MAX_FILES files count per submission (refused ones do not); Upload-Length
 * is required and at most SNAP_MAX_FILE_BYTES (413 before any byte is stored). The server names the
 * upload (128 random bits, hex): the file name is metadata only and never part of a path. Every
 * HEAD/PATCH/DELETE checks the token belongs to the upload's submission and answers 404 otherwise,
 * so an upload URL alone is worth nothing. Uploads are not rate-limited.
 * When the last byte arrives the original is sealed (read-only), the file goes to `processing` and
 * the checks run in the background (processing.ts).
 *
 * The file's row is written when the upload is created (so the limit holds under the submission's
 * lock), before the store has anything. So: if the store then fails to create the upload, the row is
 * deleted again (audit `file.upload_failed`); an unfinished upload can be cancelled with DELETE (tus
 * termination; its URL is in the status answer), which deletes the row even when the store has lost
 * the upload; and an unfinished upload with no bytes for a day is set aside as `abandoned`
 * (files.ts sweepAbandonedUploads), so it neither counts towards the limit nor blocks `complete`.
 * Every write records the bytes received and when (`received_bytes`, `uploaded_at`).
 */

/** An answer tus sends as is: status and a plain-text body (tus clients show the body). */
interface TusRefusal {
  status_code: number;
  body: string;
}

const refuse = (status: number, message: string): TusRefusal => ({ status_code: status, body: `${message}\n` });

const NO_TOKEN = refuse(401, 'Send the token you were given with your reference: Authorization: Bearer <token>.');
const NO_SUCH_UPLOAD = refuse(404, 'There is no such upload for this token.');
const ABANDONED = refuse(
  409,
  'This upload was set aside because nothing arrived for it for a day. Start the upload of this file again (it does not count towards your files).',
);
/** A tus error meaning the store has no such upload (never created, removed, or its bytes lost). */
const missingInStore = (err: unknown) => [404, 410].includes((err as TusRefusal | null)?.status_code ?? 0);

export interface SnapUploads {
  settings: SnapUploadSettings;
  store: FootageStore;
  processor: FootageProcessor;
  tus: Server;
  /** Handles one request under /api/snap/uploads (req.url must be the full path). */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  close(): Promise<void>;
}

/** Control characters removed, only the last path segment (a browser may send C:\fakepath\x.mp4), ≤ 255 characters. */
export function displayFileName(raw: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = raw.replace(/[\u0000-\u001f\u007f-\u009f]/g, '').trim();
  const last = cleaned.split(/[/\\]/).filter(Boolean).pop() ?? '';
  return [...last].slice(0, 255).join('');
}

/** The stage label the submitter knows a state by, for refusals. */
const stageLabel = (state: string) => PUBLIC_STAGE[state as SubmissionState]?.label.toLowerCase() ?? state;

export interface SnapUploadHooks {
  /** After a background check settled a submission (committed): the status email. */
  onSettled?: (submissionId: number, state: SubmissionState) => Promise<void>;
}

export async function createSnapUploads(knex: Knex, logger: Logger, settings: SnapUploadSettings, hooks: SnapUploadHooks = {}): Promise<SnapUploads> {
  const store = await openFootageStore(settings.store);
  const processor = new FootageProcessor(knex, store, settings, logger, hooks.onSettled);

  /** The upload's row and its submission, when the Authorization header holds that submission's token. */
  const authorisedFile = async (req: Request, uploadId: string) => {
    const authorization = req.headers.get('authorization') ?? undefined;
    if (!bearerToken(authorization)) throw NO_TOKEN;
    const file = (await knex('snap_files as f')
      .join('snap_submissions as s', 's.id', 'f.submission_id')
      .where('f.upload_id', uploadId)
      .first('f.*', 's.reference as reference', 's.state as submission_state')) as (FileRow & { reference: string; submission_state: string }) | undefined;
    const submission = file ? await authenticateSubmitter(knex, file.reference, authorization) : null;
    if (!file || !submission || submission.id !== file.submission_id) throw NO_SUCH_UPLOAD;
    return file;
  };

  /** The last byte is in: seal the original, mark the file for checking, queue it. Idempotent. */
  const finishUpload = async (uploadId: string, sizeBytes: number) => {
    await store.sealOriginal(uploadId);
    const fileId = await knex.transaction(async (trx) => {
      const file = (await trx('snap_files').where({ upload_id: uploadId }).forUpdate().first()) as FileRow | undefined;
      if (!file || file.state !== 'uploading') return null;
      await trx('snap_files').where({ id: file.id }).update({ state: 'processing', received_bytes: sizeBytes, uploaded_at: trx.fn.now() });
      const submission = (await trx('snap_submissions').where({ id: file.submission_id }).first('reference')) as { reference: string };
      await appendAudit(trx, {
        actorKind: 'submitter',
        actorId: submission.reference,
        action: 'file.uploaded',
        subjectKind: 'file',
        subjectId: file.id,
        reference: submission.reference,
        // No personal data (the audit log outlives retention): never the file name.
        details: { uploadId, sizeBytes },
      });
      return file.id;
    });
    if (fileId !== null) processor.enqueue(fileId);
  };

  /**
   * Deletes the row of an unfinished upload (uploading or abandoned) and records why, with the
   * submission row locked first (the order every writer uses). `file.upload_failed`: the store could not
   * create it; `file.upload_cancelled`: the submitter terminated it. Returns whether a row went.
   */
  const forgetUpload = async (uploadId: string, action: 'file.upload_failed' | 'file.upload_cancelled', actor: 'system' | 'submitter') =>
    knex.transaction(async (trx) => {
      const found = (await trx('snap_files').where({ upload_id: uploadId }).first('submission_id')) as { submission_id: number } | undefined;
      if (!found) return false;
      const submission = (await trx('snap_submissions').where({ id: found.submission_id }).forUpdate().first('reference')) as { reference: string };
      const file = (await trx('snap_files')
        .where({ upload_id: uploadId })
        .whereIn('state', ['uploading', 'abandoned'])
        .forUpdate()
        .first('id', 'size_bytes', 'received_bytes')) as Pick<FileRow, 'id' | 'size_bytes' | 'received_bytes'> | undefined;
      if (!file) return false;
      await trx('snap_files').where({ id: file.id }).delete();
      await appendAudit(trx, {
        actorKind: actor,
        actorId: actor === 'system' ? FOOTAGE_PIPELINE : submission.reference,
        action,
        subjectKind: 'file',
        subjectId: file.id,
        reference: submission.reference,
        // No personal data (the audit log outlives retention): never the file name.
        details: { uploadId, sizeBytes: Number(file.size_bytes), receivedBytes: Number(file.received_bytes) },
      });
      return true;
    });

  /** Uploads whose row was written by onUploadCreate but that the store has not created yet, by request. */
  const notYetStored = new WeakMap<object, string>();

  /** The store failed to create an upload after its row was written: delete the row and whatever the store made. */
  const discardFailedCreation = async (uploadId: string, err: unknown) => {
    logger.error({ err, uploadId }, 'the footage store could not create an upload: its file row is removed');
    await forgetUpload(uploadId, 'file.upload_failed', 'system').catch((e: unknown) => logger.error({ err: e, uploadId }, 'removing the row of a failed upload failed'));
    await store.datastore.remove(uploadId).catch(() => undefined); // usually nothing there
  };

  /**
   * The store as tus sees it: each write records the bytes received and when (an upload with none
   * for a day is abandoned), and a termination deletes the file's row before tus answers 204, so a
   * new upload can take its place at once.
   */
  const datastore = new Proxy(store.datastore, {
    get(target, prop) {
      if (prop === 'write') {
        return async (...args: Parameters<FootageStore['datastore']['write']>) => {
          const written = await target.write(...args);
          const [, uploadId, offset] = args;
          if (written > 0) {
            await knex('snap_files')
              .where({ upload_id: uploadId, state: 'uploading' })
              .update({ received_bytes: offset + written, uploaded_at: knex.fn.now() })
              // Bookkeeping only: the bytes are stored, so the PATCH still succeeds.
              .catch((err: unknown) => logger.error({ err, uploadId }, 'recording received bytes failed'));
          }
          return written;
        };
      }
      if (prop === 'remove') {
        return async (uploadId: string) => {
          await target.remove(uploadId);
          await forgetUpload(uploadId, 'file.upload_cancelled', 'submitter');
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });

  const options: ServerOptions & { datastore: FootageStore['datastore'] } = {
    path: '/api/snap/uploads',
    datastore,
    maxSize: settings.maxFileBytes,
    // Location relative to this origin: right behind any proxy, and no Forwarded headers trusted.
    relativeLocation: true,
    respectForwardedHeaders: false,
    disableTerminationForFinishedUploads: true,
    // One instance: an in-memory lock per upload. Several instances (S3) need a shared locker.
    locker: new MemoryLocker(),
    namingFunction: () => randomBytes(16).toString('hex'),
    // Only /api/snap/uploads/<32 hex digits> names an upload; anything else (traversal, NUL, other
    // segments, encodings) is "not found" before the store is asked.
    getFileIdFromRequest: (req, lastPath) => {
      const { pathname } = new URL(req.url);
      return lastPath && UPLOAD_ID.test(lastPath) && /^\/api\/snap\/uploads\/[0-9a-f]{32}\/?$/.test(pathname) ? lastPath : undefined;
    },
    onIncomingRequest: async (req, uploadId) => {
      if (req.method === 'POST') return; // checked in onUploadCreate, which sees the metadata
      const file = await authorisedFile(req, uploadId);
      if (req.method === 'PATCH' && file.state === 'abandoned') throw ABANDONED;
      if (req.method === 'PATCH' && file.state !== 'uploading') throw refuse(409, 'This file has already been uploaded in full.');
      if (req.method === 'PATCH' && !ACCEPTING_FOOTAGE.includes(file.submission_state as SubmissionState)) {
        throw refuse(409, `This submission is no longer accepting footage (it is at the stage "${stageLabel(file.submission_state)}").`);
      }
      if (req.method === 'DELETE' && file.state !== 'uploading' && file.state !== 'abandoned') {
        throw refuse(409, 'A file that has been uploaded in full cannot be removed. Contact us quoting your reference if it was the wrong file.');
      }
      if (req.method === 'DELETE') {
        // The store may have lost the upload (or never had its bytes): tus would answer 404 and the
        // row would stay for ever. Cancel it here instead and answer as a termination does.
        const inStore = await store.datastore.getUpload(uploadId).then(
          () => true,
          (err: unknown) => (missingInStore(err) ? false : Promise.reject(err)),
        );
        if (!inStore) {
          await forgetUpload(uploadId, 'file.upload_cancelled', 'submitter');
          throw { status_code: 204, body: '' } satisfies TusRefusal;
        }
      }
      if (req.method === 'HEAD' && file.state === 'uploading') {
        // The last byte may have been written by an instance that stopped before recording it.
        const upload = await store.datastore.getUpload(uploadId).catch(() => null);
        if (upload && upload.size !== undefined && upload.offset === upload.size) await finishUpload(uploadId, upload.size);
      }
    },
    onUploadCreate: async (req, upload) => {
      const authorization = req.headers.get('authorization') ?? undefined;
      if (!bearerToken(authorization)) throw NO_TOKEN;
      const reference = upload.metadata?.reference?.trim();
      const filename = displayFileName(upload.metadata?.filename ?? '');
      if (!reference) throw refuse(400, 'Upload-Metadata must include "reference", the submission’s reference (e.g. SNAP-2026-000123).');
      if (!filename) throw refuse(400, 'Upload-Metadata must include "filename", the name of the file being uploaded.');
      if (upload.sizeIsDeferred || upload.size === undefined) throw refuse(400, 'Upload-Length is required: send the file’s size in bytes when creating the upload.');
      const submission = await authenticateSubmitter(knex, reference, authorization);
      if (!submission) throw refuse(404, 'There is no submission with this reference for this token.');
      try {
        await knex.transaction(async (trx) => {
          // Locked so two uploads started at once cannot both take the last free place.
          const locked = (await trx('snap_submissions').where({ id: submission.id }).forUpdate().first('id', 'reference', 'state')) as SubmissionHead;
          if (locked.state === 'draft') throw refuse(403, 'Confirm your email address with the code we sent you before uploading footage.');
          if (!ACCEPTING_FOOTAGE.includes(locked.state as SubmissionState)) {
            throw refuse(409, `This submission is no longer accepting footage (it is at the stage "${stageLabel(locked.state)}").`);
          }
          // Unfinished uploads idle for a day are set aside first: they no longer take a place.
          await sweepAbandonedUploads(trx, locked, settings.abandonAfterMs);
          const counted = await countedFiles(trx, locked.id);
          if (counted >= settings.maxFilesPerSubmission) {
            throw refuse(
              409,
              `You have already uploaded ${counted} file${counted === 1 ? '' : 's'} for this submission, the most we accept. ` +
                'If a file was wrong, wait for our check: a file we cannot use can be replaced.',
            );
          }
          const [row] = (await trx('snap_files')
            .insert({
              submission_id: locked.id,
              upload_id: upload.id,
              original_name: filename,
              size_bytes: upload.size,
              storage_key: store.originalKey(upload.id),
              state: 'uploading',
            })
            .returning('id')) as Array<{ id: number }>;
          if (locked.state !== 'uploading') await changeState(trx, locked.id, 'uploading', bySubmitter(locked.reference));
          await appendAudit(trx, {
            actorKind: 'submitter',
            actorId: locked.reference,
            action: 'file.upload_started',
            subjectKind: 'file',
            subjectId: row!.id,
            reference: locked.reference,
            // No personal data (the audit log outlives retention): never the file name.
            details: { uploadId: upload.id, sizeBytes: upload.size! },
          });
        });
      } catch (err) {
        if (err instanceof TransitionError) throw refuse(409, err.message);
        throw err;
      }
      // The row is in; until the store has created the upload (POST_CREATE), a failure removes it again.
      notYetStored.set(req, upload.id);
      return { metadata: { ...upload.metadata, reference, filename } };
    },
    onUploadFinish: async (_req, upload: Upload) => {
      await finishUpload(upload.id, upload.size ?? upload.offset);
      return {};
    },
    onResponseError: async (req, err) => {
      const failedCreation = notYetStored.get(req);
      if (failedCreation) {
        notYetStored.delete(req);
        await discardFailedCreation(failedCreation, err);
        return { status_code: 500, body: 'Something went wrong on our side while starting your upload, and nothing was kept. Please try again in a few minutes.\n' };
      }
      if (err === ERRORS.ERR_MAX_SIZE_EXCEEDED) {
        return {
          status_code: 413,
          body: `This file is larger than ${sizeInWords(settings.maxFileBytes)}, the most we accept for one file. Please upload the camera’s recording that contains the incident, or trim it to the part that shows it.\n`,
        };
      }
      const status = (err as TusRefusal).status_code;
      if (!status || status >= 500) {
        logger.error({ err }, 'footage upload failed');
        return { status_code: status || 500, body: 'Something went wrong on our side while storing your file. Please try again in a few minutes; the upload will carry on where it stopped.\n' };
      }
      return undefined;
    },
  };
  const tus = new Server(options);

  // The store has created the upload: from now on its row stays (resumable, cancellable, or abandoned).
  tus.on(EVENTS.POST_CREATE, (req: object) => notYetStored.delete(req));
  // Progress within a long PATCH (every second): the status shows it, and the upload is not idle.
  tus.on(EVENTS.POST_RECEIVE, (_req: unknown, upload: Upload) => {
    void knex('snap_files')
      .where({ upload_id: upload.id, state: 'uploading' })
      .where('received_bytes', '<', upload.offset)
      .update({ received_bytes: upload.offset, uploaded_at: knex.fn.now() })
      .catch((err: unknown) => logger.error({ err, uploadId: upload.id }, 'recording upload progress failed'));
  });

  void processor.recover().catch((err: unknown) => logger.error({ err }, 'queueing unfinished footage checks failed'));

  return {
    settings,
    store,
    processor,
    tus,
    handle: (req, res) => tus.handle(req, res),
    close: () => processor.close(),
  };
}

const instances = new WeakMap<AppContext, Promise<SnapUploads>>();

/**
 * The app's upload service (one per AppContext): the footage store for the media routes, the
 * processor for tests and shutdown. Settled submissions are emailed with the app's mail settings.
 */
export function snapUploadsFor(ctx: AppContext): Promise<SnapUploads> {
  let instance = instances.get(ctx);
  if (!instance) {
    const settings = snapUploadSettings(ctx.config);
    instance = createSnapUploads(ctx.db.knex, ctx.logger, settings, {
      onSettled: (submissionId, state) => announceSettlement({ ...ctx, knex: ctx.db.knex }, submissionId, state),
    });
    instances.set(ctx, instance);
  }
  return instance;
}
