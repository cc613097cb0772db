import { execFile } from 'node:child_process';
import { chmod, readdir, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeVideo } from './probe.ts';
import { processFootage, type FootageOptions, type FootageResult } from './process.ts';
import {
  audioOnlyMp4,
  FakeClamd,
  FFMPEG,
  FFPROBE,
  h264Mov,
  h264Mp4,
  mediaFolder,
  mpeg4Mkv,
  pngPicture,
  seededRandomFile,
  truncatedHalf,
  type FakeClamdBehaviour,
  type MediaFolder,
} from './test-media.ts';

const execFileAsync = promisify(execFile);

let folder: MediaFolder;
let outputs: MediaFolder;
const files: Record<string, string> = {};
const clamds: FakeClamd[] = [];

beforeAll(async () => {
  folder = await mediaFolder('snap-process-');
  outputs = await mediaFolder('snap-process-out-');
  await Promise.all([
    h264Mp4(folder, 'clip.mp4').then((p) => (files.mp4 = p)),
    h264Mov(folder, 'clip.mov').then((p) => (files.mov = p)),
    mpeg4Mkv(folder, 'clip.mkv').then((p) => (files.mkv = p)),
    pngPicture(folder, 'photo.mp4').then((p) => (files.png = p)),
    audioOnlyMp4(folder, 'sound.mp4').then((p) => (files.audio = p)),
  ]);
  files.truncated = await truncatedHalf(folder, files.mp4!, 'half.mp4');
  files.empty = folder.path('empty.mp4');
  await writeFile(files.empty, '');
  files.text = folder.path('statement.mp4');
  await writeFile(files.text, 'Blue Ford, AB12 CDE, passed within a foot of me.\n');
  files.random = await seededRandomFile(folder.path('noise.mp4'), 100_000);
}, 60_000);
afterAll(async () => {
  await Promise.all(clamds.map((c) => c.close()));
  await folder.remove();
  await outputs.remove();
});

/** Where this case's thumbnail and viewing copy go: a fresh name per case in the outputs folder. */
function outputPaths(name: string): Pick<FootageOptions, 'thumbnailPath' | 'viewingCopyPath'> {
  return { thumbnailPath: outputs.path(`${name}.jpg`), viewingCopyPath: outputs.path(`${name}.view.mp4`) };
}

const processed = (path: string, name: string, extra: Partial<FootageOptions> = {}) =>
  processFootage(path, { ffprobePath: FFPROBE, ffmpegPath: FFMPEG, ...outputPaths(name), ...extra });

async function outputsOf(name: string): Promise<string[]> {
  return (await readdir(outputs.dir)).filter((n) => n.startsWith(`${name}.`)).sort();
}

/** The hash by coreutils' sha256sum, computed independently of the code under test. */
async function sha256sum(path: string): Promise<string> {
  return (await execFileAsync('sha256sum', [path])).stdout.slice(0, 64);
}

async function clamd(behaviour: FakeClamdBehaviour): Promise<FootageOptions['scan']> {
  const server = new FakeClamd(behaviour);
  await server.listen();
  clamds.push(server);
  return { clamd: { host: '127.0.0.1', port: server.port }, timeoutMs: 1000 };
}

describe('processing footage', { timeout: 60_000 }, () => {
  it('makes an H.264 MP4 ready: its hash, what it is, a thumbnail, and no viewing copy', async () => {
    const result = await processed(files.mp4!, 'mp4');
    expect(result).toMatchObject({
      state: 'ready',
      code: 'ok',
      message: 'Your video has been checked and received.',
      scan: { status: 'skipped' },
      thumbnailPath: outputs.path('mp4.jpg'),
      probe: { container: 'mp4', videoCodec: 'h264', browserPlayable: true },
    });
    expect(result.sha256).toBe(await sha256sum(files.mp4!));
    expect(result.viewingPath).toBeUndefined();
    expect(await outputsOf('mp4')).toEqual(['mp4.jpg']);
    expect(Object.keys(result.timingsMs).sort()).toEqual(['hash', 'probe', 'thumbnail', 'total', 'viewingCopy']);
  });

  it('makes a MOV ready with a browser-playable viewing copy, keeping the hash of the original', async () => {
    const result = await processed(files.mov!, 'mov');
    expect(result).toMatchObject({ state: 'ready', probe: { container: 'mov' }, viewingMethod: 'remux' });
    expect(result.sha256).toBe(await sha256sum(files.mov!));
    const copy = await probeVideo(result.viewingPath!, { ffprobePath: FFPROBE, ffmpegPath: FFMPEG });
    expect(copy.accepted && copy.video.browserPlayable).toBe(true);
  });

  it('encodes a viewing copy of an MKV with MPEG-4 video', async () => {
    const result = await processed(files.mkv!, 'mkv');
    expect(result).toMatchObject({ state: 'ready', viewingMethod: 'transcode' });
    expect(await outputsOf('mkv')).toEqual(['mkv.jpg', 'mkv.view.mp4']);
  });

  it.each([
    ['a zero-byte file', 'empty', 'empty', /^This file is empty/],
    ['text renamed .mp4', 'text', 'not_video', /^This file is not a video we can open\./],
    ['random bytes', 'random', 'not_video', /^This file is not a video we can open\./],
    ['a PNG renamed .mp4', 'png', 'picture', /^This file is a picture, not a video\./],
    ['an MP4 truncated at half', 'truncated', 'damaged', /^This video is damaged or incomplete/],
    ['an audio-only file', 'audio', 'audio_only', /^This file has sound but no picture\./],
  ])('rejects %s with its plain message within 30 s, and makes no thumbnail', async (_case, key, code, message) => {
    const started = Date.now();
    const result: FootageResult = await processed(files[key]!, key);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(result.state).toBe('rejected');
    expect(result.code).toBe(code);
    expect(result.message).toMatch(message);
    expect(result.sha256).toBe(await sha256sum(files[key]!));
    expect(result.thumbnailPath).toBeUndefined();
    expect(await outputsOf(key)).toEqual([]);
  });

  it('scans with clamd when configured and makes a clean file ready', async () => {
    const result = await processed(files.mp4!, 'scanned', { scan: await clamd('clean') });
    expect(result).toMatchObject({ state: 'ready', scan: { status: 'clean' } });
    expect(result.timingsMs.scan).toBeGreaterThanOrEqual(0);
  });

  it('quarantines a file clamd flags, with no thumbnail', async () => {
    const result = await processed(files.mp4!, 'infected', { scan: await clamd('infected') });
    expect(result).toMatchObject({ state: 'quarantined', code: 'malware', detail: 'clamd: Eicar-Signature' });
    expect(result.message).toMatch(/set aside and will not be used/);
    expect(await outputsOf('infected')).toEqual([]);
  });

  it('holds a file when clamd is configured but does not answer (fail closed)', async () => {
    const result = await processed(files.mp4!, 'unscanned', { scan: await clamd('hang') });
    expect(result).toMatchObject({ state: 'on_hold', code: 'scanner_unavailable', scan: { status: 'unavailable' } });
    expect(result.message).toBe('We could not finish checking your video yet. You do not need to do anything: we will try again shortly.');
    expect(await outputsOf('unscanned')).toEqual([]);
  });

  it('holds a file when ffprobe hangs, rather than refusing it', async () => {
    const hanging = folder.path('hanging-ffprobe');
    await writeFile(hanging, '#!/bin/sh\nsleep 600\n');
    await chmod(hanging, 0o755);
    const result = await processed(files.mp4!, 'hung', { ffprobePath: hanging, probe: { timeoutMs: 500 } });
    expect(result).toMatchObject({ state: 'on_hold', code: 'checker_timeout' });
    expect(result.detail).toMatch(/did not finish within 500 ms/);
  });

  it('holds a file when ffmpeg is missing, leaving no outputs behind', async () => {
    const result = await processed(files.mkv!, 'no-ffmpeg', { ffmpegPath: '/nonexistent/ffmpeg' });
    expect(result).toMatchObject({ state: 'on_hold', code: 'checker_unavailable' });
    expect(await outputsOf('no-ffmpeg')).toEqual([]);
  });
});
