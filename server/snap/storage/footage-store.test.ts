import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { FileStore } from '@tus/file-store';
import { S3Store } from '@tus/s3-store';
import { Upload } from '@tus/utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.ts';
import { snapUploadSettings } from '../uploads/settings.ts';
import { FootageKeyError, FootageMissingError, openFootageStore } from './footage-store.ts';
import { LocalFootageStore } from './local-footage-store.ts';
import { s3ClientConfig, S3FootageStore } from './s3-footage-store.ts';
import { footageStoreSettings } from './settings.ts';

const ID = '0123456789abcdef0123456789abcdef';

describe('the local footage store', () => {
  let root: string;
  let store: LocalFootageStore;
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'footage-store-'));
    store = new LocalFootageStore(path.join(root, 'footage'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  /** Stores `bytes` as the original of upload ID through the tus DataStore, as an upload would. */
  async function upload(bytes: string) {
    await store.datastore.create(new Upload({ id: ID, size: bytes.length, offset: 0 }));
    const { Readable } = await import('node:stream');
    await store.datastore.write(Readable.from([Buffer.from(bytes)]), ID, 0);
  }

  it('keeps originals under DATA_DIR/footage/originals by upload id, and reads them whole or by byte range', async () => {
    await upload('0123456789');
    const key = store.originalKey(ID);
    expect(key).toBe(`originals/${ID}`);
    expect(await stat(path.join(root, 'footage', 'originals', ID))).toBeTruthy();
    expect((await store.stat(key))?.sizeBytes).toBe(10);
    expect(await text(await store.read(key))).toBe('0123456789');
    expect(await text(await store.read(key, { start: 2, end: 5 }))).toBe('2345');
    expect(await store.withLocalCopy(key, async (p) => readFile(p, 'utf8'))).toBe('0123456789');
  });

  it('makes a finished original read-only', async () => {
    await upload('abc');
    await store.sealOriginal(ID);
    expect((await stat(store.pathOf(store.originalKey(ID)))).mode & 0o777).toBe(0o444);
  });

  it('moves derived files in from a work folder and deletes them and the original (the purge)', async () => {
    await upload('original');
    const work = await store.makeWorkDir();
    expect(work.startsWith(path.join(root, 'footage', 'work'))).toBe(true);
    await writeFile(path.join(work, 'thumb.jpg'), 'jpeg');
    const thumbnailKey = store.derivedKey(ID, 'thumbnail');
    await store.putDerived(thumbnailKey, path.join(work, 'thumb.jpg'));
    expect(thumbnailKey).toBe(`derived/${ID}/thumbnail.jpg`);
    expect(await text(await store.read(thumbnailKey))).toBe('jpeg');
    await store.delete(thumbnailKey);
    await store.delete(store.originalKey(ID));
    expect(await store.stat(thumbnailKey)).toBeNull();
    expect(await store.stat(store.originalKey(ID))).toBeNull();
    await expect(store.read(store.originalKey(ID))).rejects.toBeInstanceOf(FootageMissingError);
    await store.delete(store.originalKey(ID)); // already gone: not an error
  });

  it('refuses any key it could not have made, so no key reaches outside the store', async () => {
    for (const key of ['../etc/passwd', `originals/../${ID}`, `originals/${ID}/x`, 'derived/x/thumbnail.jpg', `derived/${ID}/other.txt`, `/${ID}`, `originals/${ID.toUpperCase()}`]) {
      expect(() => store.pathOf(key)).toThrow(FootageKeyError);
    }
    expect(() => store.originalKey('../../x')).toThrow(FootageKeyError);
  });
});

describe('footage store settings', () => {
  /** The configuration as the service reads it from the environment. */
  const settingsFrom = (env: Record<string, string> = {}) => footageStoreSettings(loadConfig({ DATA_DIR: '/srv/roadsafe', ...env }));

  it('defaults to local files under DATA_DIR/footage', async () => {
    expect(settingsFrom()).toEqual({ kind: 'local', root: path.join('/srv/roadsafe', 'footage') });
    const store = await openFootageStore({ kind: 'local', root: await mkdtemp(path.join(os.tmpdir(), 'footage-open-')) });
    expect(store.kind).toBe('local');
    expect(store.datastore).toBeInstanceOf(FileStore);
  });

  it('reads an S3-compatible store from SNAP_S3_* settings and wires the tus S3 store and the client alike', async () => {
    const settings = settingsFrom({
      SNAP_STORE: 's3',
      SNAP_S3_BUCKET: 'roadsafe-footage',
      SNAP_S3_REGION: 'eu-west-2',
      SNAP_S3_ENDPOINT: 'http://minio.internal:9000',
      SNAP_S3_FORCE_PATH_STYLE: 'true',
      SNAP_S3_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      SNAP_S3_SECRET_ACCESS_KEY: 'secret',
      SNAP_S3_PART_SIZE_BYTES: String(16 * 1024 * 1024),
    });
    expect(settings).toEqual({
      kind: 's3',
      s3: {
        bucket: 'roadsafe-footage',
        region: 'eu-west-2',
        endpoint: 'http://minio.internal:9000',
        forcePathStyle: true,
        credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' },
        partSizeBytes: 16 * 1024 * 1024,
      },
    });
    if (settings.kind !== 's3') throw new Error('expected s3');
    expect(s3ClientConfig(settings.s3)).toEqual({
      region: 'eu-west-2',
      endpoint: 'http://minio.internal:9000',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' },
    });
    const store = (await openFootageStore(settings)) as S3FootageStore;
    expect(store).toBeInstanceOf(S3FootageStore);
    expect(store.datastore).toBeInstanceOf(S3Store);
    expect(store.bucket).toBe('roadsafe-footage');
    // Originals are the tus object names (upload ids); derived files sit under derived/.
    expect(store.originalKey(ID)).toBe(ID);
    expect(store.derivedKey(ID, 'viewing')).toBe(`derived/${ID}/viewing.mp4`);
    expect(await store.client.config.region()).toBe('eu-west-2');
    expect(store.client.config.forcePathStyle).toBe(true);
    const endpoint = await store.client.config.endpoint!();
    expect([endpoint.hostname, endpoint.port, endpoint.protocol]).toEqual(['minio.internal', 9000, 'http:']);
    await expect(store.read('../secrets')).rejects.toBeInstanceOf(FootageKeyError);
  });

  it('uses the AWS default credential chain when no keys are set', () => {
    expect(settingsFrom({ SNAP_STORE: 's3', SNAP_S3_BUCKET: 'footage-bucket' })).toEqual({
      kind: 's3',
      s3: { bucket: 'footage-bucket', region: 'us-east-1', forcePathStyle: false, partSizeBytes: 8 * 1024 * 1024 },
    });
  });

  it('names the key and value of a bad setting, and never shows the secret key', () => {
    expect(() => settingsFrom({ SNAP_STORE: 'ftp' })).toThrow('SNAP_STORE="ftp": must be local or s3');
    expect(() => settingsFrom({ SNAP_STORE: 's3' })).toThrow('SNAP_S3_BUCKET is required when SNAP_STORE=s3');
    expect(() => settingsFrom({ SNAP_STORE: 's3', SNAP_S3_BUCKET: 'Bad_Bucket' })).toThrow('SNAP_S3_BUCKET="Bad_Bucket"');
    expect(() => settingsFrom({ SNAP_STORE: 's3', SNAP_S3_BUCKET: 'ok-bucket', SNAP_S3_ACCESS_KEY_ID: 'x' })).toThrow(
      'SNAP_S3_ACCESS_KEY_ID and SNAP_S3_SECRET_ACCESS_KEY must be set together',
    );
    expect(() => settingsFrom({ SNAP_S3_PART_SIZE_BYTES: '1024' })).toThrow('SNAP_S3_PART_SIZE_BYTES="1024": must be a whole number from 5242880 to 5368709120');
    expect(() => settingsFrom({ SNAP_S3_ENDPOINT: 'minio:9000' })).toThrow('SNAP_S3_ENDPOINT="minio:9000": must be an http:// or https:// URL');
    expect(() => settingsFrom({ SNAP_S3_FORCE_PATH_STYLE: 'maybe' })).toThrow('SNAP_S3_FORCE_PATH_STYLE="maybe": must be true or false');
    // A secret that fails a check is named, not shown.
    expect(() => loadConfig({ SNAP_S3_ACCESS_KEY_ID: 'AKIA', SNAP_S3_SECRET_ACCESS_KEY: '' })).toThrow(/set together/);
    try {
      loadConfig({ SNAP_S3_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI', SNAP_MAX_FILES: 'two' });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toContain('SNAP_MAX_FILES="two"');
      expect((err as Error).message).not.toContain('wJalrXUtnFEMI');
    }
  });
});

describe('footage upload settings', () => {
  const uploadSettingsFrom = (env: Record<string, string> = {}) => snapUploadSettings(loadConfig({ DATA_DIR: '/srv/roadsafe', ...env }));

  it('defaults to 2 GiB − 1 byte and two files, one check at a time, Debian ffprobe/ffmpeg, 1 s to 5 min clips, no virus scan', () => {
    const settings = uploadSettingsFrom();
    expect(settings).toMatchObject({
      maxFileBytes: 2 * 1024 ** 3 - 1,
      maxFilesPerSubmission: 2,
      processingConcurrency: 1,
      onHoldRetryMs: 300_000,
      maxProcessingAttempts: 3,
      footage: {
        ffprobePath: '/usr/bin/ffprobe',
        ffmpegPath: '/usr/bin/ffmpeg',
        probe: { timeoutMs: 15_000, integrityCheck: 'demux', minDurationS: 1, maxDurationS: 300 },
      },
    });
    expect(settings.footage.scan).toBeUndefined();
  });

  it('reads every key, with clamd over TCP or a socket', () => {
    const settings = uploadSettingsFrom({
      SNAP_MAX_FILE_BYTES: '500000000',
      SNAP_MAX_FILES: '3',
      SNAP_PROCESSING_CONCURRENCY: '2',
      SNAP_ON_HOLD_RETRY_MS: '1000',
      SNAP_MAX_PROCESSING_ATTEMPTS: '5',
      SNAP_FFPROBE_PATH: '/opt/ffmpeg/ffprobe',
      SNAP_FFMPEG_PATH: '/opt/ffmpeg/ffmpeg',
      FFPROBE_TIMEOUT_MS: '5000',
      SNAP_MIN_DURATION_S: '2',
      SNAP_MAX_DURATION_S: '600',
      SNAP_INTEGRITY_CHECK: 'decode',
      CLAMD_URL: 'tcp://clamav:3310',
      CLAMD_TIMEOUT_MS: '60000',
    });
    expect(settings).toMatchObject({
      maxFileBytes: 500_000_000,
      maxFilesPerSubmission: 3,
      processingConcurrency: 2,
      onHoldRetryMs: 1000,
      maxProcessingAttempts: 5,
      footage: {
        ffprobePath: '/opt/ffmpeg/ffprobe',
        ffmpegPath: '/opt/ffmpeg/ffmpeg',
        probe: { timeoutMs: 5000, integrityCheck: 'decode', minDurationS: 2, maxDurationS: 600 },
        scan: { clamd: { host: 'clamav', port: 3310 }, timeoutMs: 60_000 },
      },
    });
    expect(uploadSettingsFrom({ CLAMD_URL: 'unix:/run/clamav/clamd.ctl' }).footage.scan?.clamd).toEqual({ socketPath: '/run/clamav/clamd.ctl' });
  });

  it('refuses values out of range, naming the key, the value and what is allowed', () => {
    expect(() => uploadSettingsFrom({ SNAP_MAX_FILE_BYTES: String(2 * 1024 ** 3) })).toThrow('SNAP_MAX_FILE_BYTES="2147483648": must be a whole number from 1 to 2147483647');
    expect(() => uploadSettingsFrom({ SNAP_MAX_FILES: '0' })).toThrow('SNAP_MAX_FILES="0": must be a whole number from 1 to 10');
    expect(() => uploadSettingsFrom({ SNAP_INTEGRITY_CHECK: 'full' })).toThrow('SNAP_INTEGRITY_CHECK="full": must be demux, decode or none');
    expect(() => uploadSettingsFrom({ CLAMD_URL: 'clamav:3310' })).toThrow('CLAMD_URL="clamav:3310": must be tcp://host:port');
    expect(() => uploadSettingsFrom({ SNAP_MIN_DURATION_S: '30', SNAP_MAX_DURATION_S: '10' })).toThrow('SNAP_MAX_DURATION_S=10: must not be less than SNAP_MIN_DURATION_S (30)');
  });
});
