import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import path from 'node:path';
import type { Knex } from 'knex';
import * as tus from 'tus-js-client';
import { createApp } from '../../server/app.ts';
import { loadConfig, type Config } from '../../server/config.ts';
import type { AppContext } from '../../server/context.ts';
import type { Database } from '../../server/db/database.ts';
import { createLogger } from '../../server/logger.ts';
import type { FileRow } from '../../server/snap/uploads/files.ts';
import { snapUploadsFor, type SnapUploads } from '../../server/snap/uploads/service.ts';
import { hashToken } from '../../server/snap/submitter-auth.ts';

/** Test support for footage uploads: an app over a given DATA_DIR, submissions made in the database, a tus client. */

export interface SnapTestApp {
  url: string;
  ctx: AppContext;
  uploads: SnapUploads;
  /** Stops at once, as a crash would: open connections (uploads in flight) are cut. */
  kill(): Promise<void>;
  /** Waits for background checks, then stops. */
  close(): Promise<void>;
}

/**
 * The real app on a loopback port with DATA_DIR = `dataDir`. `env` adds environment variables
 * (SNAP_MAX_FILES, PUBLIC_URL, …), read through loadConfig as the service reads them.
 */
export async function startSnapApp(db: Database, dataDir: string, env: Record<string, string> = {}): Promise<SnapTestApp> {
  const config: Config = loadConfig({ NODE_ENV: 'test', DEMO_DATA: 'false', LOG_LEVEL: 'silent', DATA_DIR: dataDir, ...env });
  const ctx: AppContext = { db, config, logger: createLogger('silent'), version: 'test' };
  const { app } = createApp(ctx);
  const uploads = await snapUploadsFor(ctx);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return {
    url: `http://127.0.0.1:${port}`,
    ctx,
    uploads,
    async kill() {
      server.closeAllConnections();
      await Promise.all([stop(), uploads.close()]);
    },
    async close() {
      await uploads.processor.idle();
      await uploads.close();
      server.closeIdleConnections();
      await stop();
    },
  };
}

export interface TestSubmission {
  id: number;
  reference: string;
  token: string;
  authorization: string;
}

let serial = 0;

/** A submission straight in the database, in `state` (default: email verified, awaiting footage), with a known token. */
export async function insertSubmission(knex: Knex, state = 'awaiting_footage'): Promise<TestSubmission> {
  serial += 1;
  const reference = `SNAP-2026-${String(100_000 + Math.floor(Math.random() * 800_000) + serial).padStart(6, '0')}`;
  const token = randomBytes(24).toString('base64url');
  const [row] = (await knex('snap_submissions')
    .insert({
      reference,
      token_hash: hashToken(token),
      state,
      eligibility: JSON.stringify({ inArea: true, witnessed: true }),
      incident_date: '2026-11-18',
      incident_time: '17:45',
      location_text: 'A6 Garstang Road at the junction with Blackpool Road, Preston',
      offence_type: 'close_pass',
      vrm: 'AB12CDE',
      email_verified_at: state === 'draft' ? null : knex.fn.now(),
      notice_by: '2026-12-02',
      post_by: '2026-11-27',
      submit_by: '2026-11-25',
    })
    .returning('id')) as Array<{ id: number }>;
  if (state !== 'draft') await knex('snap_stages').insert({ submission_id: row!.id, state });
  return { id: row!.id, reference, token, authorization: `Bearer ${token}` };
}

export interface TusUploadOptions {
  endpoint: string;
  submission: Pick<TestSubmission, 'reference' | 'authorization'>;
  filename: string;
  chunkSize?: number;
  /** Resume this upload (absolute URL) instead of creating one. */
  uploadUrl?: string;
  onProgress?: (bytesSent: number, bytesTotal: number, upload: tus.Upload) => void;
}

/** Uploads `bytes` with tus-js-client (no retries: a failure rejects); resolves with the upload URL. */
export function tusUpload(bytes: Buffer, options: TusUploadOptions): { upload: tus.Upload; done: Promise<string> } {
  let upload!: tus.Upload;
  const done = new Promise<string>((resolve, reject) => {
    upload = new tus.Upload(bytes, {
      endpoint: `${options.endpoint}/api/snap/uploads`,
      ...(options.uploadUrl ? { uploadUrl: options.uploadUrl } : {}),
      chunkSize: options.chunkSize ?? 64 * 1024,
      retryDelays: null,
      storeFingerprintForResuming: false,
      metadata: { reference: options.submission.reference, filename: options.filename, filetype: 'video/mp4' },
      headers: { Authorization: options.submission.authorization },
      onProgress: (sent, total) => options.onProgress?.(sent, total, upload),
      onSuccess: () => resolve(upload.url!),
      onError: reject,
    });
    upload.start();
  });
  return { upload, done };
}

/** A submitter API request with the submission's token, e.g. `submitterRequest(app.url, s, 'POST', 'complete')`; the JSON answer. */
export async function submitterRequest(
  baseUrl: string,
  submission: Pick<TestSubmission, 'reference' | 'authorization'>,
  method: 'GET' | 'POST',
  action = '',
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${baseUrl}/api/snap/submissions/${submission.reference}${action ? `/${action}` : ''}`, { method, headers: { Authorization: submission.authorization } });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Polls the submission until it leaves `processing` (background checks settle it); returns its state. */
export async function settledState(knex: Knex, submissionId: number, timeoutMs = 30_000): Promise<string> {
  const started = Date.now();
  for (;;) {
    const { state } = (await knex('snap_submissions').where({ id: submissionId }).first('state')) as { state: string };
    if (state !== 'processing') return state;
    if (Date.now() - started > timeoutMs) throw new Error(`submission ${submissionId} still processing after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The upload id (last path segment) of an upload URL. */
export const uploadIdOf = (url: string) => url.split('/').pop()!;

/** The file row of an upload. */
export async function fileRow(knex: Knex, uploadId: string): Promise<FileRow> {
  return (await knex('snap_files').where({ upload_id: uploadId }).first()) as FileRow;
}

/** Polls until the file leaves uploading/processing (or `timeoutMs` passes); returns the row and the time taken. */
export async function checkedFile(knex: Knex, uploadId: string, timeoutMs = 30_000): Promise<{ file: FileRow; waitedMs: number }> {
  const started = Date.now();
  for (;;) {
    const file = await fileRow(knex, uploadId);
    if (file && file.state !== 'uploading' && file.state !== 'processing') return { file, waitedMs: Date.now() - started };
    if (Date.now() - started > timeoutMs) throw new Error(`upload ${uploadId} still ${file?.state} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every file and folder under `dir`, relative, sorted (to show nothing appeared elsewhere). */
export async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return entries.map((e) => e.split(path.sep).join('/')).sort();
}

/** A raw tus request (hostile paths that fetch would normalise are sent as written). */
export async function rawRequest(
  baseUrl: string,
  method: string,
  rawPath: string,
  headers: Record<string, string> = {},
  body?: Buffer,
): Promise<{ status: number; text: string }> {
  const { request } = await import('node:http');
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path: rawPath, headers: { 'Tus-Resumable': '1.0.0', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
