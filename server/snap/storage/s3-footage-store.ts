import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { S3, type S3ClientConfig } from '@aws-sdk/client-s3';
import { S3Store } from '@tus/s3-store';
import {
  checkUploadId,
  DERIVED_CONTENT_TYPE,
  DERIVED_NAME,
  derivedKeyOf,
  FootageKeyError,
  FootageMissingError,
  isDerivedKey,
  UPLOAD_ID,
  type ByteRange,
  type DerivedKind,
  type FootageStat,
  type FootageStore,
} from './footage-store.ts';
import type { S3FootageSettings } from './settings.ts';

/** The AWS SDK client configuration for the settings (also what @tus/s3-store gets, with the bucket). */
export function s3ClientConfig(settings: S3FootageSettings): S3ClientConfig {
  const config: S3ClientConfig = { region: settings.region, forcePathStyle: settings.forcePathStyle };
  if (settings.endpoint) config.endpoint = settings.endpoint;
  if (settings.credentials) config.credentials = settings.credentials;
  return config;
}

const isNotFound = (err: unknown) => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404;
};

/**
 * Footage in an S3-compatible bucket. @tus/s3-store keeps each original as the object `<upload id>`
 * (with `<upload id>.info` for tus, and a multipart upload while it is in progress; it has no key
 * prefix option, so give the service a bucket of its own); derived files are `derived/<upload id>/…`.
 * A completed object cannot be changed in place; enable S3 Object Lock on the bucket to make deletion
 * outside the purge impossible too. Several server instances can share the bucket; they also need a
 * shared tus locker (see notes), which this store does not provide.
 */
export class S3FootageStore implements FootageStore {
  readonly kind = 's3' as const;
  readonly datastore: S3Store;
  readonly client: S3;
  readonly bucket: string;

  constructor(readonly settings: S3FootageSettings) {
    const clientConfig = s3ClientConfig(settings);
    this.bucket = settings.bucket;
    this.datastore = new S3Store({ partSize: settings.partSizeBytes, s3ClientConfig: { ...clientConfig, bucket: settings.bucket } });
    this.client = new S3(clientConfig);
  }

  originalKey(uploadId: string): string {
    return checkUploadId(uploadId);
  }

  derivedKey(uploadId: string, kind: DerivedKind): string {
    return derivedKeyOf(uploadId, kind);
  }

  private check(key: string): string {
    if (!UPLOAD_ID.test(key) && !isDerivedKey(key)) throw new FootageKeyError(key);
    return key;
  }

  async stat(key: string): Promise<FootageStat | null> {
    try {
      const head = await this.client.headObject({ Bucket: this.bucket, Key: this.check(key) });
      return { sizeBytes: Number(head.ContentLength ?? 0), modifiedAt: head.LastModified ?? new Date(0) };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    try {
      const object = await this.client.getObject({
        Bucket: this.bucket,
        Key: this.check(key),
        ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
      });
      if (!object.Body) throw new FootageMissingError(key);
      return object.Body as Readable;
    } catch (err) {
      if (isNotFound(err)) throw new FootageMissingError(key);
      throw err;
    }
  }

  async withLocalCopy<T>(key: string, work: (path: string) => Promise<T>): Promise<T> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'roadsafe-footage-'));
    try {
      const local = path.join(dir, 'original');
      await pipeline(await this.read(key), createWriteStream(local, { mode: 0o400 }));
      return await work(local);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  makeWorkDir(): Promise<string> {
    return mkdtemp(path.join(os.tmpdir(), 'roadsafe-footage-work-'));
  }

  async putDerived(key: string, fromPath: string): Promise<void> {
    if (!isDerivedKey(key)) throw new FootageKeyError(key);
    const kind = (Object.keys(DERIVED_NAME) as DerivedKind[]).find((k) => key.endsWith(`/${DERIVED_NAME[k]}`))!;
    const { size } = await stat(fromPath);
    await this.client.putObject({
      Bucket: this.bucket,
      Key: key,
      Body: createReadStream(fromPath),
      ContentLength: size,
      ContentType: DERIVED_CONTENT_TYPE[kind],
    });
  }

  async sealOriginal(uploadId: string): Promise<void> {
    // Nothing to do: a completed multipart upload is an object that cannot be appended to or edited.
    checkUploadId(uploadId);
  }

  async delete(key: string): Promise<void> {
    const objects = UPLOAD_ID.test(key) ? [{ Key: key }, { Key: `${key}.info` }] : [{ Key: this.check(key) }];
    await this.client.deleteObjects({ Bucket: this.bucket, Delete: { Objects: objects, Quiet: true } });
  }
}
