import type { Readable } from 'node:stream';
import type { DataStore } from '@tus/utils';
import type { FootageStoreSettings } from './settings.ts';

/**
 * Where Operation Snap footage lives: the originals as uploaded (through tus) and the files derived
 * from them (thumbnail, viewing copy). One interface, two implementations:
 * - `local` (default): files under DATA_DIR/footage (originals/, derived/, work/), @tus/file-store;
 * - `s3`: an S3-compatible bucket (@tus/s3-store and the AWS SDK it brings), for deployments with
 *   several server instances.
 * Callers never build paths: they hold keys (stored in snap_files.storage_key / thumbnail_key /
 * viewing_key) that the store made and validates. Originals are never modified after upload: the
 * local store makes the finished file read-only; S3 objects cannot be changed in place (a bucket
 * with Object Lock makes that enforceable).
 */

/** tus upload ids are made by the server: 128 random bits as 32 lowercase hex digits. */
export const UPLOAD_ID = /^[0-9a-f]{32}$/;

export type DerivedKind = 'thumbnail' | 'viewing';

/** File name of each derived file inside its upload's folder/prefix. */
export const DERIVED_NAME: Record<DerivedKind, string> = { thumbnail: 'thumbnail.jpg', viewing: 'viewing.mp4' };

/** Content type of each derived file (S3 metadata; the media route sets its own headers). */
export const DERIVED_CONTENT_TYPE: Record<DerivedKind, string> = { thumbnail: 'image/jpeg', viewing: 'video/mp4' };

export interface FootageStat {
  sizeBytes: number;
  modifiedAt: Date;
}

/** Inclusive byte range, as in an HTTP `Range: bytes=start-end` header. */
export interface ByteRange {
  start: number;
  end: number;
}

export type FootageStoreKind = 'local' | 's3';

export interface FootageStore {
  readonly kind: FootageStoreKind;
  /** The tus DataStore that receives uploads (ids are upload ids). */
  readonly datastore: DataStore;
  /** Key of the original of an upload (what snap_files.storage_key holds). */
  originalKey(uploadId: string): string;
  /** Key of a derived file of an upload. */
  derivedKey(uploadId: string, kind: DerivedKind): string;
  /** Size and time of a stored file; null when there is none (never uploaded, or purged). */
  stat(key: string): Promise<FootageStat | null>;
  /** The file's bytes, or the inclusive `range` of them (for HTTP range requests). Throws if missing. */
  read(key: string, range?: ByteRange): Promise<Readable>;
  /**
   * Runs `work` with a local path to the file (ffprobe and ffmpeg need one): the file itself for the
   * local store, a temporary download for S3 (removed afterwards). `work` must only read it.
   */
  withLocalCopy<T>(key: string, work: (path: string) => Promise<T>): Promise<T>;
  /** A new empty temporary folder for outputs before they are stored; the caller removes it. */
  makeWorkDir(): Promise<string>;
  /** Stores the file at `fromPath` (moved or copied; the caller removes its work folder) under a derived key. */
  putDerived(key: string, fromPath: string): Promise<void>;
  /** Called once an upload is complete: from now on the original cannot be written through the store. */
  sealOriginal(uploadId: string): Promise<void>;
  /** Removes a file (the purge). An original also loses its tus metadata. Missing files are not an error. */
  delete(key: string): Promise<void>;
}

/** A key that does not name a file this store could have made (a bug or tampering, never user input). */
export class FootageKeyError extends Error {
  constructor(readonly key: string) {
    super(`Not a footage store key: ${JSON.stringify(key)}`);
    this.name = 'FootageKeyError';
  }
}

/** A file the store does not hold. */
export class FootageMissingError extends Error {
  constructor(readonly key: string) {
    super(`No stored footage file with key ${key}`);
    this.name = 'FootageMissingError';
  }
}

/** Throws unless `uploadId` is a server-generated upload id. */
export function checkUploadId(uploadId: string): string {
  if (!UPLOAD_ID.test(uploadId)) throw new FootageKeyError(uploadId);
  return uploadId;
}

/** Derived keys are the same in both stores: derived/<upload id>/<name>. */
export function derivedKeyOf(uploadId: string, kind: DerivedKind): string {
  return `derived/${checkUploadId(uploadId)}/${DERIVED_NAME[kind]}`;
}

const DERIVED_KEY = /^derived\/[0-9a-f]{32}\/(thumbnail\.jpg|viewing\.mp4)$/;

/** Whether `key` is a derived-file key (else it must be an original's key). */
export const isDerivedKey = (key: string): boolean => DERIVED_KEY.test(key);

/**
 * The store the settings name. The S3 implementation (and the AWS SDK, ~10 MB of modules) is only
 * loaded when configured.
 */
export async function openFootageStore(settings: FootageStoreSettings): Promise<FootageStore> {
  if (settings.kind === 'local') {
    const { LocalFootageStore } = await import('./local-footage-store.ts');
    return new LocalFootageStore(settings.root);
  }
  const { S3FootageStore } = await import('./s3-footage-store.ts');
  return new S3FootageStore(settings.s3);
}
