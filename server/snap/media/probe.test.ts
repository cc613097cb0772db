import { chmod, readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeVideo, type ProbeOutcome, type VideoProbe } from './probe.ts';
import type { Refusal } from './refusals.ts';
import { ToolSpawnError, ToolTimeoutError } from './run.ts';
import {
  audioOnlyMp4,
  copyAs,
  faststartMp4,
  FFMPEG,
  FFPROBE,
  h264Mov,
  h264Mp4,
  h264Ts,
  isProcessRunning,
  mediaFolder,
  mpeg4Avi,
  mpeg4Mkv,
  pngPicture,
  seededRandomFile,
  truncatedHalf,
  vp9Webm,
  type MediaFolder,
} from './test-media.ts';

const TOOLS = { ffprobePath: FFPROBE, ffmpegPath: FFMPEG };
/** The spec's limit for telling a submitter that a file was refused. */
const REFUSAL_BUDGET_MS = 30_000;

let folder: MediaFolder;
const files: Record<string, string> = {};

beforeAll(async () => {
  folder = await mediaFolder('snap-probe-');
  await Promise.all([
    h264Mp4(folder, 'clip.mp4').then((p) => (files.mp4 = p)),
    h264Mov(folder, 'clip.mov').then((p) => (files.mov = p)),
    mpeg4Mkv(folder, 'clip.mkv').then((p) => (files.mkv = p)),
    vp9Webm(folder, 'clip.webm').then((p) => (files.webm = p)),
    mpeg4Avi(folder, 'clip.avi').then((p) => (files.avi = p)),
    h264Ts(folder, 'clip.ts').then((p) => (files.ts = p)),
    pngPicture(folder, 'photo.mp4').then((p) => (files.png = p)),
    audioOnlyMp4(folder, 'sound.mp4').then((p) => (files.audio = p)),
  ]);
  const mp4 = files.mp4!;
  files.mp4AsText = await copyAs(folder, mp4, 'notes.txt');
  files.truncatedMp4 = await truncatedHalf(folder, mp4, 'half.mp4');
  files.faststartMp4 = await faststartMp4(folder, mp4, 'faststart.mp4');
  files.truncatedFaststartMp4 = await truncatedHalf(folder, files.faststartMp4, 'half-faststart.mp4');
  files.truncatedMkv = await truncatedHalf(folder, files.mkv!, 'half.mkv');
  files.short = await h264Mp4(folder, 'blink.mp4', 0.4);
  files.empty = folder.path('empty.mp4');
  await writeFile(files.empty, '');
  files.text = folder.path('statement.mp4');
  await writeFile(files.text, 'I saw a blue Ford pass far too close to me on the A6.\n');
  files.random = await seededRandomFile(folder.path('noise.mp4'), 200_000);
}, 60_000);
afterAll(() => folder.remove());

function accepted(outcome: ProbeOutcome): VideoProbe {
  if (!outcome.accepted) throw new Error(`expected acceptance, got ${outcome.refusal.code}: ${outcome.refusal.detail}`);
  return outcome.video;
}

/** Probes a file that must be refused, timing it against the 30 s budget. */
async function refusalOf(path: string, overrides = {}): Promise<Refusal> {
  const started = Date.now();
  const outcome = await probeVideo(path, { ...TOOLS, ...overrides });
  expect(Date.now() - started).toBeLessThan(REFUSAL_BUDGET_MS);
  if (outcome.accepted) throw new Error(`expected a refusal for ${path}`);
  return outcome.refusal;
}

// ffprobe and ffmpeg share two cores with the other test files: allow for a busy machine.
describe('probing footage', { timeout: 30_000 }, () => {
  it('accepts an H.264/AAC MP4 and reports what it is, playable in a browser as it is', async () => {
    const video = accepted(await probeVideo(files.mp4!, TOOLS));
    expect(video).toMatchObject({
      container: 'mp4',
      videoCodec: 'h264',
      pixelFormat: 'yuv420p',
      width: 320,
      height: 240,
      frameRate: 25,
      rotationDeg: 0,
      audioCodec: 'aac',
      videoStreamCount: 1,
      audioStreamCount: 1,
      browserPlayable: true,
      integrityCheck: 'demux',
    });
    expect(video.durationS).toBeCloseTo(3, 1);
  });

  it('tells MOV, MKV, WebM, AVI and MPEG-TS apart, and says which need a viewing copy', async () => {
    const summary = async (path: string) => {
      const v = accepted(await probeVideo(path, TOOLS));
      return [v.container, v.videoCodec, v.audioCodec, v.browserPlayable];
    };
    expect(await summary(files.mov!)).toEqual(['mov', 'h264', 'aac', false]);
    expect(await summary(files.mkv!)).toEqual(['mkv', 'mpeg4', 'vorbis', false]);
    expect(await summary(files.webm!)).toEqual(['webm', 'vp9', 'opus', true]);
    expect(await summary(files.avi!)).toEqual(['avi', 'mpeg4', 'mp3', false]);
    expect(await summary(files.ts!)).toEqual(['mpegts', 'h264', 'aac', false]);
  });

  it('judges by content, not by name: an MP4 called notes.txt is a video', async () => {
    expect(accepted(await probeVideo(files.mp4AsText!, TOOLS)).container).toBe('mp4');
  });

  it('refuses a zero-byte file as empty', async () => {
    const refused = await refusalOf(files.empty!);
    expect(refused.code).toBe('empty');
    expect(refused.message).toBe(
      'This file is empty (it has no content). Please upload the original video file from your camera again. If it is still empty, copy it from the camera or memory card again first.',
    );
  });

  it('refuses text renamed .mp4 as not a video', async () => {
    const refused = await refusalOf(files.text!);
    expect(refused.code).toBe('not_video');
    expect(refused.message).toBe(
      'This file is not a video we can open. Please upload the original video file from your camera, for example an MP4, MOV, MKV, WebM, AVI or TS file.',
    );
  });

  it('refuses random bytes as not a video', async () => {
    expect((await refusalOf(files.random!)).code).toBe('not_video');
  });

  it('refuses a PNG renamed .mp4 as a picture', async () => {
    const refused = await refusalOf(files.png!);
    expect(refused.code).toBe('picture');
    expect(refused.message).toBe(
      'This file is a picture, not a video. Please upload the original video file from your camera rather than a photo or screenshot.',
    );
    expect(refused.detail).toMatch(/^PNG: /);
  });

  it('refuses a sound recording in an MP4 as having no picture', async () => {
    const refused = await refusalOf(files.audio!);
    expect(refused.code).toBe('audio_only');
    expect(refused.message).toBe('This file has sound but no picture. Please upload the original video file from your camera, which shows what happened.');
  });

  it('refuses an MP4 truncated at half (index at the end) as damaged', async () => {
    const refused = await refusalOf(files.truncatedMp4!);
    expect(refused.code).toBe('damaged');
    expect(refused.message).toBe(
      'This video is damaged or incomplete and cannot be played to the end; perhaps the copy or upload stopped part-way. Please copy the original video file from your camera again and upload it.',
    );
  });

  it('refuses an MP4 truncated at half whose index comes first, which ffprobe alone would pass', async () => {
    const refused = await refusalOf(files.truncatedFaststartMp4!);
    expect(refused.code).toBe('damaged');
    expect(refused.detail).toMatch(/partial file|Invalid NAL/);
    // Without the integrity check the header looks whole: the reason the check exists.
    expect((await probeVideo(files.truncatedFaststartMp4!, { ...TOOLS, integrityCheck: 'none' })).accepted).toBe(true);
  });

  it('refuses a Matroska file truncated at half as damaged', async () => {
    const refused = await refusalOf(files.truncatedMkv!);
    expect(refused.code).toBe('damaged');
    expect(refused.detail).toMatch(/File ended prematurely/);
  });

  it('finds the same truncation when decoding every frame, and passes the whole file', async () => {
    expect((await refusalOf(files.truncatedFaststartMp4!, { integrityCheck: 'decode' })).code).toBe('damaged');
    expect(accepted(await probeVideo(files.faststartMp4!, { ...TOOLS, integrityCheck: 'decode' })).integrityCheck).toBe('decode');
  });

  it('refuses a clip shorter than the minimum, naming its length', async () => {
    const refused = await refusalOf(files.short!);
    expect(refused.code).toBe('too_short');
    expect(refused.message).toBe(
      'This video is less than a second long. Please upload a clip of at least 1 second, with some time before and after the incident.',
    );
    const longerMinimum = await refusalOf(files.mp4!, { minDurationS: 5 });
    expect(longerMinimum.message).toMatch(/^This video is only 3 seconds long\. Please upload a clip of at least 5 seconds/);
  });

  it('refuses a clip longer than the maximum, naming both lengths', async () => {
    const refused = await refusalOf(files.mp4!, { maxDurationS: 2 });
    expect(refused.code).toBe('too_long');
    expect(refused.message).toMatch(/^This video is 3 seconds long, and the most we can accept is 2 seconds\. /);
  });

  it('throws a timeout (not a refusal) when ffprobe hangs, and leaves no process behind', async () => {
    const pidFile = folder.path('ffprobe.pids');
    const fakeFfprobe = folder.path('hanging-ffprobe');
    await writeFile(fakeFfprobe, `#!/bin/sh\nsleep 600 &\necho "$$ $!" > '${pidFile}'\nwait\n`);
    await chmod(fakeFfprobe, 0o755);
    const started = Date.now();
    const failure = await probeVideo(files.mp4!, { ...TOOLS, ffprobePath: fakeFfprobe, timeoutMs: 1000 }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ToolTimeoutError);
    expect(Date.now() - started).toBeLessThan(4000);
    for (const pid of (await readFile(pidFile, 'utf8')).trim().split(' ').map(Number)) {
      expect(await isProcessRunning(pid)).toBe(false);
    }
  });

  it('throws a spawn error when ffprobe is not installed', async () => {
    const failure = await probeVideo(files.mp4!, { ...TOOLS, ffprobePath: '/nonexistent/ffprobe' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ToolSpawnError);
  });
});
