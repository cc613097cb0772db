import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { verifyAuditLog } from '../../server/audit/log.ts';
import { readOutbox } from '../../server/mail/send.ts';
import {
  audioOnlyMp4,
  h264Mov,
  h264Mp4,
  mediaFolder,
  pngPicture,
  seededRandomFile,
  truncatedHalf,
  type MediaFolder,
} from '../../server/snap/media/test-media.ts';
import { refusal, type RefusalCode } from '../../server/snap/media/refusals.ts';
import { openTestDatabase, testTargets, type TestDatabase } from '../support/db.ts';
import {
  checkedFile,
  fileRow,
  insertSubmission,
  listTree,
  rawRequest,
  settledState,
  startSnapApp,
  submitterRequest,
  tusUpload,
  uploadIdOf,
  type SnapTestApp,
} from './snap-upload-support.ts';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const TUS = { 'Tus-Resumable': '1.0.0' };
/** Upload-Metadata value: comma-separated "key base64(value)" pairs. */
const metadata = (pairs: Record<string, string>) =>
  Object.entries(pairs)
    .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
    .join(',');

describe.each(testTargets())('footage uploads over tus on the $mode database', (target) => {
  let db: TestDatabase;
  let dataDir: string;
  let app: SnapTestApp;
  let media: MediaFolder;
  const footageDir = () => path.join(dataDir, 'footage');

  beforeAll(async () => {
    db = await openTestDatabase(target);
    // DATA_DIR is a folder inside a folder of its own, so anything written beside it would show.
    dataDir = path.join(await mkdtemp(path.join(os.tmpdir(), 'snap-uploads-')), 'data');
    media = await mediaFolder('snap-uploads-media-');
    app = await startSnapApp(db, dataDir);
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
    await media?.remove();
    await rm(path.dirname(dataDir), { recursive: true, force: true });
  });

  describe('real footage', () => {
    it('takes an H.264 MP4 and a MOV in small chunks to "ready" with the source’s SHA-256, then the submission to "submitted"', async () => {
      const submission = await insertSubmission(db.knex);
      const mp4 = await readFile(await h264Mp4(media, 'dashcam.mp4'));
      const mov = await readFile(await h264Mov(media, 'helmet.mov'));
      const mp4Url = await tusUpload(mp4, { endpoint: app.url, submission, filename: 'dashcam.mp4', chunkSize: 16 * 1024 }).done;
      const movUrl = await tusUpload(mov, { endpoint: app.url, submission, filename: 'helmet.mov', chunkSize: 16 * 1024 }).done;

      const { file: mp4File } = await checkedFile(db.knex, uploadIdOf(mp4Url));
      const { file: movFile } = await checkedFile(db.knex, uploadIdOf(movUrl));
      expect(mp4File).toMatchObject({ state: 'ready', original_name: 'dashcam.mp4', sha256: sha256(mp4), message: 'Your video has been checked and received.' });
      expect(Number(mp4File.size_bytes)).toBe(mp4.length);
      expect(Number(mp4File.received_bytes)).toBe(mp4.length);
      expect(movFile).toMatchObject({ state: 'ready', original_name: 'helmet.mov', sha256: sha256(mov) });
      // The MP4 plays in browsers as it is; a MOV gets a viewing copy.
      expect(mp4File.viewing_key).toBeNull();
      expect(movFile.viewing_key).toBe(`derived/${movFile.upload_id}/viewing.mp4`);
      for (const file of [mp4File, movFile]) {
        expect(file.thumbnail_key).toBe(`derived/${file.upload_id}/thumbnail.jpg`);
        expect((await stat(path.join(footageDir(), file.thumbnail_key!))).size).toBeGreaterThan(0);
        // The stored original is the uploaded bytes and cannot be written any more.
        const original = path.join(footageDir(), file.storage_key);
        expect(sha256(await readFile(original))).toBe(file.sha256);
        expect((await stat(original)).mode & 0o222).toBe(0);
      }
      expect((await db.knex('snap_submissions').where({ id: submission.id }).first()).state).toBe('uploading');

      // The submitter says all files are in; the checks are done, so it settles at once.
      expect(await submitterRequest(app.url, submission, 'POST', 'complete')).toEqual({ status: 200, body: { reference: submission.reference, state: 'submitted' } });
      const stages = await db.knex('snap_stages').where({ submission_id: submission.id }).orderBy('id').pluck('state');
      expect(stages).toEqual(['awaiting_footage', 'uploading', 'processing', 'submitted']);
      // The two files' checks run in the background, so they may interleave with the second upload.
      const actions = await db.knex('audit_log').where({ reference: submission.reference }).orderBy('id').pluck('action');
      expect(actions[0]).toBe('state.changed'); // awaiting_footage → uploading, with the first upload
      expect(actions.slice(-2)).toEqual(['state.changed', 'state.changed']); // → processing → submitted
      expect([...actions].sort()).toEqual(
        ['file.checked', 'file.checked', 'file.upload_started', 'file.upload_started', 'file.uploaded', 'file.uploaded', 'state.changed', 'state.changed', 'state.changed'],
      );
      expect(await verifyAuditLog(db.knex)).toMatchObject({ ok: true });
    });

    it('notes the same file sent in another submission for staff, and still accepts it', async () => {
      const first = await insertSubmission(db.knex);
      const second = await insertSubmission(db.knex);
      const clip = await readFile(await h264Mp4(media, 'shared.mp4', 2));
      const firstUrl = await tusUpload(clip, { endpoint: app.url, submission: first, filename: 'shared.mp4' }).done;
      await checkedFile(db.knex, uploadIdOf(firstUrl));
      const secondUrl = await tusUpload(clip, { endpoint: app.url, submission: second, filename: 'copy.mp4' }).done;
      const { file } = await checkedFile(db.knex, uploadIdOf(secondUrl));
      const firstFile = await fileRow(db.knex, uploadIdOf(firstUrl));
      expect(file.state).toBe('ready');
      expect(file.staff_detail).toContain(`Same file (SHA-256) as ${first.reference} file ${firstFile.id}.`);
      const entry = await db.knex('audit_log').where({ action: 'file.checked', subject_id: String(file.id) }).first();
      expect(entry.details.sameHashAs).toEqual([{ reference: first.reference, fileId: firstFile.id }]);
    });
  });

  describe('files that are not usable footage', () => {
    const cases: Array<[string, RefusalCode, () => Promise<Buffer>]> = [
      ['a zero-byte file', 'empty', async () => Buffer.alloc(0)],
      ['text renamed .mp4', 'not_video', async () => Buffer.from('Dear officer, the car overtook me far too close.\n'.repeat(40))],
      ['a PNG renamed .mp4', 'picture', async () => readFile(await pngPicture(media, 'photo.mp4'))],
      ['random bytes', 'not_video', async () => readFile(await seededRandomFile(media.path('noise.mp4'), 256 * 1024))],
      ['an MP4 truncated at half', 'damaged', async () => readFile(await truncatedHalf(media, await h264Mp4(media, 'whole.mp4', 4), 'half.mp4'))],
      ['an audio-only file', 'audio_only', async () => readFile(await audioOnlyMp4(media, 'sound.mp4'))],
    ];

    it.each(cases)('refuses %s with the plain message within 30 s and makes no thumbnail', async (_label, code, make) => {
      const submission = await insertSubmission(db.knex);
      const bytes = await make();
      const url = await tusUpload(bytes, { endpoint: app.url, submission, filename: 'clip.mp4', chunkSize: 32 * 1024 }).done;
      const { file, waitedMs } = await checkedFile(db.knex, uploadIdOf(url), 30_000);
      expect(waitedMs).toBeLessThan(30_000);
      expect(file.state).toBe('rejected');
      expect(file.message).toBe(refusal(code as Exclude<RefusalCode, 'too_short' | 'too_long'>).message);
      expect(file.staff_detail).toMatch(new RegExp(`^\\[${code}\\]`));
      expect(file.sha256).toBe(sha256(bytes));
      expect(file.thumbnail_key).toBeNull();
      expect(file.viewing_key).toBeNull();
      expect((await listTree(footageDir())).filter((p) => p.startsWith(`derived/${file.upload_id}`))).toEqual([]);
    });

    it('moves a submission whose file was refused to "needs resubmission", and lets a replacement in', async () => {
      const submission = await insertSubmission(db.knex);
      const bad = await tusUpload(Buffer.from('not a video at all'), { endpoint: app.url, submission, filename: 'notes.mp4' }).done;
      const good = await tusUpload(await readFile(await h264Mp4(media, 'good.mp4', 2)), { endpoint: app.url, submission, filename: 'good.mp4' }).done;
      await checkedFile(db.knex, uploadIdOf(bad));
      await checkedFile(db.knex, uploadIdOf(good));
      expect((await submitterRequest(app.url, submission, 'POST', 'complete')).body.state).toBe('needs_resubmission');
      const status = (await submitterRequest(app.url, submission, 'GET')).body;
      expect(status.files.map((f: { name: string; state: string }) => [f.name, f.state])).toEqual([['notes.mp4', 'rejected'], ['good.mp4', 'ready']]);
      expect(status.files[0].message).toBe(refusal('not_video').message);
      expect(status.stages.at(-1)).toMatchObject({ state: 'needs_resubmission', note: expect.stringContaining('upload a replacement') });
      expect(status).toMatchObject({ canUpload: true, canComplete: true });
      // Refused files do not count towards the two: a replacement is accepted, and the round starts again.
      const replacement = await tusUpload(await readFile(await h264Mp4(media, 'again.mp4', 2)), { endpoint: app.url, submission, filename: 'again.mp4' }).done;
      expect((await checkedFile(db.knex, uploadIdOf(replacement))).file.state).toBe('ready');
      expect((await db.knex('snap_submissions').where({ id: submission.id }).first()).state).toBe('uploading');
      expect((await submitterRequest(app.url, submission, 'POST', 'complete')).body.state).toBe('submitted');
    });
  });

  describe('completing while a check is still running', () => {
    it('answers "processing", then the last check moves it to "submitted" and the "Received" email goes out once', async () => {
      const folder = await mkdtemp(path.join(os.tmpdir(), 'snap-gated-'));
      // An ffprobe that waits for a gate file, so the check is certainly still running when the submitter completes.
      const gate = path.join(folder, 'open');
      const gatedProbe = path.join(folder, 'ffprobe');
      await writeFile(gatedProbe, `#!/bin/sh\nwhile [ ! -e '${gate}' ]; do sleep 0.05; done\nexec /usr/bin/ffprobe "$@"\n`, { mode: 0o755 });
      const gatedDataDir = path.join(folder, 'data');
      const gated = await startSnapApp(db, gatedDataDir, { SNAP_FFPROBE_PATH: gatedProbe, PUBLIC_URL: 'https://roadsafe.example.org' });
      try {
        const submission = await insertSubmission(db.knex);
        await db.knex('snap_submissions').where({ id: submission.id }).update({ submitter_email: 'rider@example.org' });
        const url = await tusUpload(await readFile(await h264Mp4(media, 'gated.mp4', 2)), { endpoint: gated.url, submission, filename: 'gated.mp4' }).done;
        expect((await fileRow(db.knex, uploadIdOf(url))).state).toBe('processing');
        expect((await submitterRequest(gated.url, submission, 'GET')).body).toMatchObject({ state: 'uploading', canComplete: true });

        expect(await submitterRequest(gated.url, submission, 'POST', 'complete')).toEqual({ status: 200, body: { reference: submission.reference, state: 'processing' } });
        await writeFile(gate, '');
        expect(await settledState(db.knex, submission.id)).toBe('submitted');
        await gated.uploads.processor.idle();

        const status = (await submitterRequest(gated.url, submission, 'GET')).body;
        expect(status).toMatchObject({ state: 'submitted', stateLabel: 'Received', canComplete: false, canUpload: false });
        expect(status.stages.map((s: { state: string }) => s.state)).toEqual(['awaiting_footage', 'uploading', 'processing', 'submitted']);
        expect(status.files).toEqual([expect.objectContaining({ name: 'gated.mp4', state: 'ready', message: 'Your video has been checked and received.' })]);
        const row = await db.knex('snap_submissions').where({ id: submission.id }).first('submitted_at');
        expect(row.submitted_at).not.toBeNull();
        const mails = (await readOutbox({ dataDir: gatedDataDir })).filter((m) => m.to === 'rider@example.org');
        expect(mails.map((m) => m.subject)).toEqual([`Operation Snap ${submission.reference}: Received`]);
        expect(mails[0]!.text).toContain(`https://roadsafe.example.org/snap/status?ref=${submission.reference}`);
        const moves = await db.knex('audit_log').where({ reference: submission.reference, action: 'state.changed' }).orderBy('id').select('actor_kind', 'actor_id', 'details');
        expect(moves.map((m) => [m.actor_kind, m.actor_id, m.details.from, m.details.to])).toEqual([
          ['submitter', submission.reference, 'awaiting_footage', 'uploading'],
          ['submitter', submission.reference, 'uploading', 'processing'],
          ['system', 'snap-uploads', 'processing', 'submitted'],
        ]);
        expect(await submitterRequest(gated.url, submission, 'POST', 'complete')).toMatchObject({ status: 409, body: { error: 'already_sent' } });
      } finally {
        await writeFile(gate, '');
        await gated.close();
        await rm(folder, { recursive: true, force: true });
      }
    });

    it('refuses to complete while a file is still uploading, and with no file at all', async () => {
      const submission = await insertSubmission(db.knex);
      expect(await submitterRequest(app.url, submission, 'POST', 'complete')).toMatchObject({ status: 409, body: { error: 'no_footage' } });
      const created = await fetch(`${app.url}/api/snap/uploads`, {
        method: 'POST',
        headers: { ...TUS, Authorization: submission.authorization, 'Upload-Length': '100', 'Upload-Metadata': metadata({ reference: submission.reference, filename: 'half.mp4' }) },
      });
      expect(created.status).toBe(201);
      expect((await submitterRequest(app.url, submission, 'GET')).body).toMatchObject({ state: 'uploading', canComplete: false });
      const busy = await submitterRequest(app.url, submission, 'POST', 'complete');
      expect(busy).toMatchObject({ status: 409, body: { error: 'files_not_ready' } });
      expect(busy.body.message).toContain('still uploading');
      expect((await db.knex('snap_submissions').where({ id: submission.id }).first('state')).state).toBe('uploading');
    });
  });

  describe('resuming', () => {
    it('resumes after the client aborts mid-upload: the stored file is whole and its hash right', async () => {
      const submission = await insertSubmission(db.knex);
      const clip = await readFile(await h264Mp4(media, 'resume.mp4', 8));
      let aborted = false;
      const first = tusUpload(clip, {
        endpoint: app.url,
        submission,
        filename: 'resume.mp4',
        chunkSize: 16 * 1024,
        onProgress: (sent, total, upload) => {
          if (!aborted && sent > total * 0.4) {
            aborted = true;
            void upload.abort();
          }
        },
      });
      first.done.catch(() => undefined);
      await new Promise<void>((resolve) => {
        const wait = () => (aborted && first.upload.url ? resolve() : setTimeout(wait, 20));
        wait();
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      const url = first.upload.url!;
      const partial = await fileRow(db.knex, uploadIdOf(url));
      expect(partial.state).toBe('uploading');
      const head = await fetch(url, { method: 'HEAD', headers: { ...TUS, Authorization: submission.authorization } });
      const offset = Number(head.headers.get('upload-offset'));
      expect(offset).toBeGreaterThan(0);
      expect(offset).toBeLessThan(clip.length);

      await tusUpload(clip, { endpoint: app.url, submission, filename: 'resume.mp4', chunkSize: 16 * 1024, uploadUrl: url }).done;
      const { file } = await checkedFile(db.knex, uploadIdOf(url));
      expect(file).toMatchObject({ state: 'ready', sha256: sha256(clip) });
      expect(Number((await db.knex('snap_files').where({ submission_id: submission.id }).count('* as n').first())!.n)).toBe(1);
    });

    it('resumes after the server stops mid-upload and a new one starts on the same DATA_DIR and database', async () => {
      const submission = await insertSubmission(db.knex);
      const clip = await readFile(await h264Mp4(media, 'restart.mp4', 8));
      const doomed = await startSnapApp(db, dataDir);
      let killed: Promise<void> | undefined;
      const first = tusUpload(clip, {
        endpoint: doomed.url,
        submission,
        filename: 'restart.mp4',
        chunkSize: 64 * 1024,
        onProgress: (sent, total) => {
          if (!killed && sent > total * 0.4) killed = doomed.kill();
        },
      });
      await expect(first.done).rejects.toThrow();
      await killed;
      const uploadPath = new URL(first.upload.url!).pathname;
      const stored = (await stat(path.join(footageDir(), 'originals', uploadIdOf(uploadPath)))).size;
      expect(stored).toBeGreaterThan(0);
      expect(stored).toBeLessThan(clip.length);

      const restarted = await startSnapApp(db, dataDir);
      try {
        await tusUpload(clip, { endpoint: restarted.url, submission, filename: 'restart.mp4', chunkSize: 64 * 1024, uploadUrl: `${restarted.url}${uploadPath}` }).done;
        const { file } = await checkedFile(db.knex, uploadIdOf(uploadPath));
        expect(file).toMatchObject({ state: 'ready', sha256: sha256(clip) });
        expect(sha256(await readFile(path.join(footageDir(), file.storage_key)))).toBe(sha256(clip));
      } finally {
        await restarted.close();
      }
    });
  });

  describe('refusals before any byte is stored', () => {
    it('refuses an upload over 2 GiB − 1 byte with 413 and stores nothing', async () => {
      const submission = await insertSubmission(db.knex);
      const before = await listTree(footageDir());
      const res = await fetch(`${app.url}/api/snap/uploads`, {
        method: 'POST',
        headers: { ...TUS, Authorization: submission.authorization, 'Upload-Length': String(2 * 1024 ** 3), 'Upload-Metadata': metadata({ reference: submission.reference, filename: 'huge.mp4' }) },
      });
      expect(res.status).toBe(413);
      expect(await res.text()).toContain('larger than 2 GB, the most we accept for one file');
      expect(await listTree(footageDir())).toEqual(before);
      expect(await db.knex('snap_files').where({ submission_id: submission.id })).toEqual([]);
      // Exactly the limit is fine.
      const atLimit = await fetch(`${app.url}/api/snap/uploads`, {
        method: 'POST',
        headers: { ...TUS, Authorization: submission.authorization, 'Upload-Length': String(2 * 1024 ** 3 - 1), 'Upload-Metadata': metadata({ reference: submission.reference, filename: 'big.mp4' }) },
      });
      expect(atLimit.status).toBe(201);
    });

    it('refuses a third file with 409 and a clear message', async () => {
      const submission = await insertSubmission(db.knex);
      const clip = await readFile(await h264Mp4(media, 'three.mp4', 2));
      for (const name of ['one.mp4', 'two.mp4']) await tusUpload(clip, { endpoint: app.url, submission, filename: name }).done;
      const before = await listTree(footageDir());
      const third = await fetch(`${app.url}/api/snap/uploads`, {
        method: 'POST',
        headers: { ...TUS, Authorization: submission.authorization, 'Upload-Length': String(clip.length), 'Upload-Metadata': metadata({ reference: submission.reference, filename: 'three.mp4' }) },
      });
      expect(third.status).toBe(409);
      expect(await third.text()).toContain('You have already uploaded 2 files for this submission, the most we accept.');
      expect(await listTree(footageDir())).toEqual(before);
      expect(Number((await db.knex('snap_files').where({ submission_id: submission.id }).count('* as n').first())!.n)).toBe(2);
    });

    it('refuses an upload before the email address is confirmed (403) and without reference or filename (400)', async () => {
      const draft = await insertSubmission(db.knex, 'draft');
      const create = (authorization: string, meta: Record<string, string>) =>
        fetch(`${app.url}/api/snap/uploads`, { method: 'POST', headers: { ...TUS, Authorization: authorization, 'Upload-Length': '10', 'Upload-Metadata': metadata(meta) } });
      const notVerified = await create(draft.authorization, { reference: draft.reference, filename: 'a.mp4' });
      expect(notVerified.status).toBe(403);
      expect(await notVerified.text()).toContain('Confirm your email address');
      const verified = await insertSubmission(db.knex);
      expect((await create(verified.authorization, { filename: 'a.mp4' })).status).toBe(400);
      const noName = await create(verified.authorization, { reference: verified.reference });
      expect(noName.status).toBe(400);
      expect(await noName.text()).toContain('"filename"');
    });
  });

  describe('who may upload', () => {
    it('answers 401 without a token and 404 for another submission’s token, on creation and on an existing upload', async () => {
      const mine = await insertSubmission(db.knex);
      const theirs = await insertSubmission(db.knex);
      const meta = metadata({ reference: mine.reference, filename: 'a.mp4' });
      const noToken = await fetch(`${app.url}/api/snap/uploads`, { method: 'POST', headers: { ...TUS, 'Upload-Length': '10', 'Upload-Metadata': meta } });
      expect(noToken.status).toBe(401);
      const wrongToken = await fetch(`${app.url}/api/snap/uploads`, { method: 'POST', headers: { ...TUS, Authorization: theirs.authorization, 'Upload-Length': '10', 'Upload-Metadata': meta } });
      expect(wrongToken.status).toBe(404);

      const created = await fetch(`${app.url}/api/snap/uploads`, { method: 'POST', headers: { ...TUS, Authorization: mine.authorization, 'Upload-Length': '10', 'Upload-Metadata': meta } });
      expect(created.status).toBe(201);
      const location = created.headers.get('location')!;
      expect(location).toMatch(/^\/api\/snap\/uploads\/[0-9a-f]{32}$/);
      const patch = (headers: Record<string, string>) =>
        fetch(`${app.url}${location}`, { method: 'PATCH', headers: { ...TUS, 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream', ...headers }, body: Buffer.alloc(10, 7) });
      expect((await fetch(`${app.url}${location}`, { method: 'HEAD', headers: TUS })).status).toBe(401);
      expect((await patch({})).status).toBe(401);
      expect((await fetch(`${app.url}${location}`, { method: 'HEAD', headers: { ...TUS, Authorization: theirs.authorization } })).status).toBe(404);
      expect((await patch({ Authorization: theirs.authorization })).status).toBe(404);
      expect((await fetch(`${app.url}${location}`, { method: 'DELETE', headers: { ...TUS, Authorization: theirs.authorization } })).status).toBe(404);
      expect((await stat(path.join(footageDir(), 'originals', uploadIdOf(location)))).size).toBe(0);
      const head = await fetch(`${app.url}${location}`, { method: 'HEAD', headers: { ...TUS, Authorization: mine.authorization } });
      expect([head.status, head.headers.get('upload-offset')]).toEqual([200, '0']);
    });

    it('answers 404 to hostile upload ids and keeps every file inside the store; a hostile file name is only a label', async () => {
      const submission = await insertSubmission(db.knex);
      const auth = { Authorization: submission.authorization };
      const hostile = [
        '/api/snap/uploads/../../etc/passwd',
        '/api/snap/uploads/..%2F..%2Fetc%2Fpasswd',
        '/api/snap/uploads/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
        '/api/snap/uploads/abc%00def',
        '/api/snap/uploads/%00',
        '/api/snap/uploads/..%5C..%5Cwindows',
        '/api/snap/uploads/..',
        '/api/snap/uploads/%2e%2e',
        '/api/snap/uploads/0123456789abcdef0123456789abcdef/../../../x',
      ];
      for (const p of hostile) {
        for (const method of ['HEAD', 'PATCH']) {
          const headers = method === 'PATCH' ? { ...auth, 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' } : auth;
          const res = await rawRequest(app.url, method, p, headers, method === 'PATCH' ? Buffer.from('owned') : undefined);
          expect([p, method, res.status]).toEqual([p, method, 404]);
        }
      }
      const evilName = '../../../../tmp/evil\u0000name.mp4';
      const url = await tusUpload(Buffer.from('tiny'), { endpoint: app.url, submission, filename: evilName }).done;
      const { file } = await checkedFile(db.knex, uploadIdOf(url));
      expect(file.original_name).toBe('evilname.mp4');
      expect(file.storage_key).toMatch(/^originals\/[0-9a-f]{32}$/);
      // Everything the app wrote is under DATA_DIR/footage; nothing is named after the file.
      const written = await listTree(path.dirname(dataDir));
      expect(written.filter((p) => p !== 'data' && !p.startsWith('data/footage'))).toEqual([]);
      expect(written.filter((p) => /evil|passwd|owned|windows/.test(p))).toEqual([]);
    });
  });

  describe('unfinished uploads', () => {
    /** Creates an upload (no bytes) and answers its path. */
    const createUpload = async (submission: { reference: string; authorization: string }, filename: string, length = 100) => {
      const res = await fetch(`${app.url}/api/snap/uploads`, {
        method: 'POST',
        headers: { ...TUS, Authorization: submission.authorization, 'Upload-Length': String(length), 'Upload-Metadata': metadata({ reference: submission.reference, filename }) },
      });
      return { status: res.status, text: await res.text(), location: res.headers.get('location') };
    };
    const terminate = (submission: { authorization: string }, uploadPath: string) =>
      fetch(`${app.url}${uploadPath}`, { method: 'DELETE', headers: { ...TUS, Authorization: submission.authorization } });
    /** Makes the file's last data a day and an hour old. */
    const backdate = (uploadId: string) =>
      db.knex('snap_files').where({ upload_id: uploadId }).update({
        created_at: db.knex.raw(`now() - interval '25 hours'`),
        uploaded_at: db.knex.raw(`CASE WHEN uploaded_at IS NULL THEN NULL ELSE now() - interval '25 hours' END`),
      });
    const auditOf = (reference: string) => db.knex('audit_log').where({ reference }).orderBy('id').select('action', 'actor_kind', 'details');

    it('removes the row again when the store fails to create the upload, and records file.upload_failed without the file name', async () => {
      const submission = await insertSubmission(db.knex);
      const failing = vi.spyOn(app.uploads.store.datastore, 'create').mockRejectedValueOnce(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }));
      try {
        const failed = await createUpload(submission, 'Jane Smith AB12CDE.mp4');
        expect(failed.status).toBe(500);
        expect(failed.text).toContain('nothing was kept');
      } finally {
        failing.mockRestore();
      }
      expect(await db.knex('snap_files').where({ submission_id: submission.id })).toEqual([]);
      const entry = (await auditOf(submission.reference)).find((e) => e.action === 'file.upload_failed');
      expect(entry).toMatchObject({ actor_kind: 'system', details: { uploadId: expect.stringMatching(/^[0-9a-f]{32}$/), sizeBytes: 100, receivedBytes: 0 } });
      expect(JSON.stringify(entry)).not.toMatch(/Jane|AB12CDE/);
      // Nothing left over: both places are free.
      expect((await createUpload(submission, 'one.mp4')).status).toBe(201);
      expect((await createUpload(submission, 'two.mp4')).status).toBe(201);
      expect(await verifyAuditLog(db.knex)).toMatchObject({ ok: true });
    });

    it('cancels an unfinished upload by DELETE on the uploadUrl from the status, even when the store has lost it, and a new upload takes its place', async () => {
      const submission = await insertSubmission(db.knex);
      const first = await createUpload(submission, 'first.mp4');
      const second = await createUpload(submission, 'second.mp4');
      expect([first.status, second.status]).toEqual([201, 201]);
      expect((await createUpload(submission, 'third.mp4')).status).toBe(409);

      const status = (await submitterRequest(app.url, submission, 'GET')).body;
      expect(status.files).toEqual([
        expect.objectContaining({ uploadId: uploadIdOf(first.location!), uploadUrl: first.location, name: 'first.mp4', state: 'uploading' }),
        expect.objectContaining({ uploadId: uploadIdOf(second.location!), uploadUrl: second.location, name: 'second.mp4', state: 'uploading' }),
      ]);
      // Another submission's token cannot cancel it.
      const other = await insertSubmission(db.knex);
      expect((await terminate(other, status.files[0].uploadUrl)).status).toBe(404);

      expect((await terminate(submission, status.files[0].uploadUrl)).status).toBe(204);
      expect(await fileRow(db.knex, uploadIdOf(first.location!))).toBeUndefined();
      await expect(stat(path.join(footageDir(), 'originals', uploadIdOf(first.location!)))).rejects.toThrow();
      // The store lost the second upload (a crash, a failed disk): cancelling it still removes the row.
      await app.uploads.store.datastore.remove(uploadIdOf(second.location!));
      expect((await terminate(submission, status.files[1].uploadUrl)).status).toBe(204);
      expect(await db.knex('snap_files').where({ submission_id: submission.id })).toEqual([]);

      expect((await createUpload(submission, 'third.mp4')).status).toBe(201);
      const cancelled = (await auditOf(submission.reference)).filter((e) => e.action === 'file.upload_cancelled');
      expect(cancelled.map((e) => [e.actor_kind, e.details.uploadId])).toEqual([
        ['submitter', uploadIdOf(first.location!)],
        ['submitter', uploadIdOf(second.location!)],
      ]);
    });

    it('sets aside an upload with no data for a day: it neither counts towards the limit nor blocks complete', async () => {
      const submission = await insertSubmission(db.knex);
      const clip = await readFile(await h264Mp4(media, 'kept.mp4', 2));
      const kept = await tusUpload(clip, { endpoint: app.url, submission, filename: 'kept.mp4' }).done;
      await checkedFile(db.knex, uploadIdOf(kept));
      const stalled = await createUpload(submission, 'stalled.mp4', 1000);
      expect(stalled.status).toBe(201);
      // Some bytes arrive, then nothing: the bytes and their time are recorded.
      const patched = await fetch(`${app.url}${stalled.location}`, {
        method: 'PATCH',
        headers: { ...TUS, Authorization: submission.authorization, 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' },
        body: Buffer.alloc(300, 1),
      });
      expect(patched.status).toBe(204);
      const partial = await fileRow(db.knex, uploadIdOf(stalled.location!));
      expect(Number(partial.received_bytes)).toBe(300);
      expect((await db.knex('snap_files').where({ id: partial.id }).first('uploaded_at')).uploaded_at).not.toBeNull();
      // Both places are taken and the unfinished file blocks complete.
      expect((await createUpload(submission, 'extra.mp4')).status).toBe(409);
      expect(await submitterRequest(app.url, submission, 'POST', 'complete')).toMatchObject({ status: 409, body: { error: 'files_not_ready' } });

      await backdate(uploadIdOf(stalled.location!));
      const status = (await submitterRequest(app.url, submission, 'GET')).body;
      expect(status).toMatchObject({ canComplete: true });
      expect(status.files[1]).toMatchObject({ name: 'stalled.mp4', state: 'abandoned', receivedBytes: 300, uploadUrl: stalled.location, message: expect.stringContaining('set aside') });
      // It cannot be resumed any more.
      const resumed = await fetch(`${app.url}${stalled.location}`, {
        method: 'PATCH',
        headers: { ...TUS, Authorization: submission.authorization, 'Upload-Offset': '300', 'Content-Type': 'application/offset+octet-stream' },
        body: Buffer.alloc(10, 1),
      });
      expect(resumed.status).toBe(409);
      expect(await resumed.text()).toContain('set aside');

      expect(await submitterRequest(app.url, submission, 'POST', 'complete')).toEqual({ status: 200, body: { reference: submission.reference, state: 'submitted' } });
      const abandoned = (await auditOf(submission.reference)).filter((e) => e.action === 'file.upload_abandoned');
      expect(abandoned).toEqual([{ action: 'file.upload_abandoned', actor_kind: 'system', details: expect.objectContaining({ uploadId: uploadIdOf(stalled.location!), receivedBytes: 300 }) }]);
    });

    it('sets aside idle uploads when a new one is created, so it takes their place', async () => {
      const submission = await insertSubmission(db.knex);
      const idle = [await createUpload(submission, 'a.mp4'), await createUpload(submission, 'b.mp4')];
      expect((await createUpload(submission, 'c.mp4')).status).toBe(409);
      await backdate(uploadIdOf(idle[0]!.location!));
      expect((await createUpload(submission, 'c.mp4')).status).toBe(201);
      expect((await fileRow(db.knex, uploadIdOf(idle[0]!.location!))).state).toBe('abandoned');
      expect((await fileRow(db.knex, uploadIdOf(idle[1]!.location!))).state).toBe('uploading');
      // A set-aside upload can still be cancelled (its partial bytes go).
      expect((await terminate(submission, idle[0]!.location!)).status).toBe(204);
      expect(await fileRow(db.knex, uploadIdOf(idle[0]!.location!))).toBeUndefined();
    });
  });

  describe('the audit log', () => {
    it('holds no file name, email address or registration after a whole upload journey', async () => {
      const submission = await insertSubmission(db.knex);
      await db.knex('snap_submissions').where({ id: submission.id }).update({ submitter_email: 'jane.smith@example.org', submitter_name: 'Jane Smith', submitter_postcode: 'PR1 2AB' });
      const name = 'Jane Smith AB12CDE Garstang Rd.mp4';
      const url = await tusUpload(await readFile(await h264Mp4(media, 'journey.mp4', 2)), { endpoint: app.url, submission, filename: name, chunkSize: 32 * 1024 }).done;
      await checkedFile(db.knex, uploadIdOf(url));
      const cancelled = await fetch(`${app.url}/api/snap/uploads`, {
        method: 'POST',
        headers: { ...TUS, Authorization: submission.authorization, 'Upload-Length': '50', 'Upload-Metadata': metadata({ reference: submission.reference, filename: `copy of ${name}` }) },
      });
      expect((await fetch(`${app.url}${cancelled.headers.get('location')}`, { method: 'DELETE', headers: { ...TUS, Authorization: submission.authorization } })).status).toBe(204);
      expect((await submitterRequest(app.url, submission, 'POST', 'complete')).body.state).toBe('submitted');

      const entries = await db.knex('audit_log').where({ reference: submission.reference }).orderBy('id').select('action', 'actor_id', 'actor_label', 'details');
      expect(entries.map((e) => e.action)).toEqual(
        expect.arrayContaining(['file.upload_started', 'file.uploaded', 'file.checked', 'file.upload_cancelled', 'state.changed']),
      );
      const text = JSON.stringify(entries);
      for (const personal of ['Jane', 'Smith', 'AB12', 'Garstang', 'jane.smith', '@example.org', 'PR1', '.mp4']) expect([personal, text.includes(personal)]).toEqual([personal, false]);
      for (const entry of entries.filter((e) => e.action.startsWith('file.'))) {
        expect(Object.keys(entry.details).every((k) => ['uploadId', 'sizeBytes', 'receivedBytes', 'sha256', 'state', 'code', 'attempt', 'sameHashAs'].includes(k))).toBe(true);
      }
    });
  });
});
