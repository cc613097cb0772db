import { createReadStream } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, rename, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { FileStore } from '@tus/file-store';
import {
  checkUploadId,
  derivedKeyOf,
  FootageKeyError,
  FootageMissingError,
  isDerivedKey,
  type ByteRange,
  type DerivedKind,
  type FootageStat,
  type FootageStore,
} from './footage-store.ts';

const ORIGINAL_KEY = /^originals\/([0-9a-f]{32})$/;

/**
 * Footage on the local filesystem, under `root` (DATA_DIR/footage):
 *   originals/<upload id>        the uploaded bytes (read-only once complete)
 *   originals/<upload id>.json   tus's record of the upload (length, metadata)
 *   derived/<upload id>/thumbnail.jpg, viewing.mp4
 *   work/                        temporary folders while processing (same filesystem, so outputs are renamed in)
 * Keys are checked against fixed patterns before any path is built, so no key can point outside `root`.
 */
export class LocalFootageStore implements FootageStore {
  readonly kind = 'local' as const;
  readonly datastore: FileStore;
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.datastore = new FileStore({ directory: path.join(this.root, 'originals') });
  }

  originalKey(uploadId: string): string {
    return `originals/${checkUploadId(uploadId)}`;
  }

  derivedKey(uploadId: string, kind: DerivedKind): string {
    return derivedKeyOf(uploadId, kind);
  }

  /** The absolute path of a key (validated). */
  pathOf(key: string): string {
    if (!ORIGINAL_KEY.test(key) && !isDerivedKey(key)) throw new FootageKeyError(key);
    return path.join(this.root, ...key.split('/'));
  }

  async stat(key: string): Promise<FootageStat | null> {
    try {
      const s = await stat(this.pathOf(key));
      return s.isFile() ? { sizeBytes: s.size, modifiedAt: s.mtime } : null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    const file = this.pathOf(key);
    if (!(await this.stat(key))) throw new FootageMissingError(key);
    return createReadStream(file, range ? { start: range.start, end: range.end } : {});
  }

  async withLocalCopy<T>(key: string, work: (path: string) => Promise<T>): Promise<T> {
    if (!(await this.stat(key))) throw new FootageMissingError(key);
    return work(this.pathOf(key));
  }

  async makeWorkDir(): Promise<string> {
    const workRoot = path.join(this.root, 'work');
    await mkdir(workRoot, { recursive: true });
    return mkdtemp(path.join(workRoot, 'job-'));
  }

  async putDerived(key: string, fromPath: string): Promise<void> {
    if (!isDerivedKey(key)) throw new FootageKeyError(key);
    const dest = this.pathOf(key);
    await mkdir(path.dirname(dest), { recursive: true });
    try {
      await rename(fromPath, dest);
    } catch (err) {
      // A work folder elsewhere (another filesystem): copy instead.
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      await copyFile(fromPath, dest);
    }
  }

  async sealOriginal(uploadId: string): Promise<void> {
    const file = this.pathOf(this.originalKey(uploadId));
    // r--r--r--: the service cannot reopen it for writing (unless it runs as root, which it should not).
    await chmod(file, 0o444);
    await chmod(`${file}.json`, 0o444).catch(() => undefined);
  }

  async delete(key: string): Promise<void> {
    const file = this.pathOf(key);
    await rm(file, { force: true });
    if (ORIGINAL_KEY.test(key)) {
      await rm(`${file}.json`, { force: true });
    } else {
      // Remove the upload's derived folder once it is empty.
      await rmdir(path.dirname(file)).catch(() => undefined);
    }
  }
}
