import { execFile } from 'node:child_process';
import { readFile, truncate, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HashingStream, sha256File, sha256Hex, writeHashed } from './hash.ts';
import { mediaFolder, seededRandomFile, type MediaFolder } from './test-media.ts';

const execFileAsync = promisify(execFile);

let folder: MediaFolder;
beforeAll(async () => {
  folder = await mediaFolder('snap-hash-');
});
afterAll(() => folder.remove());

/** The hash as coreutils' sha256sum computes it: an independent implementation. */
async function sha256sum(path: string): Promise<string> {
  const { stdout } = await execFileAsync('sha256sum', [path]);
  return stdout.slice(0, 64);
}

describe('hashing footage', { timeout: 30_000 }, () => {
  it('gives the published SHA-256 of an empty file and of "abc"', async () => {
    await writeFile(folder.path('empty'), '');
    await writeFile(folder.path('abc'), 'abc');
    expect(await sha256File(folder.path('empty'))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(await sha256File(folder.path('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('agrees with sha256sum on a file spanning several read buffers and a partial last one', async () => {
    const path = await seededRandomFile(folder.path('random.bin'), 3 * 1024 * 1024 + 12_345);
    expect(await sha256File(path)).toBe(await sha256sum(path));
  });

  it('hashes a 128 MiB file with little memory growth', async () => {
    const path = folder.path('large.bin');
    await writeFile(path, '');
    await truncate(path, 128 * 1024 * 1024); // sparse: reads as zeros without using disk
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    const hash = await sha256File(path);
    clearInterval(sampler);
    expect(hash).toBe(await sha256sum(path));
    expect((peak - before) / 1e6).toBeLessThan(32);
  });

  it('hashes while writing: the written file is the source and its hash matches a fresh read', async () => {
    const chunks = [Buffer.from('dashcam '), Buffer.alloc(100_000, 7), Buffer.from(' footage')];
    const dest = folder.path('written.bin');
    const result = await writeHashed(Readable.from(chunks), dest);
    expect(await readFile(dest)).toEqual(Buffer.concat(chunks));
    expect(result.bytes).toBe(100_016);
    expect(result.sha256).toBe(sha256Hex(Buffer.concat(chunks)));
    expect(result.sha256).toBe(await sha256File(dest));
  });

  it('refuses to give a hash before the stream has ended', () => {
    const hashing = new HashingStream();
    hashing.write(Buffer.from('part'));
    expect(() => hashing.sha256()).toThrow(/only after the stream has ended/);
    expect(hashing.bytes).toBe(4);
  });
});
