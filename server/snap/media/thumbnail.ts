import { rename, rm, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { safeInputArgs } from './probe.ts';
import { runTool } from './run.ts';
import { readFileHead } from './sniff.ts';

/**
 * A JPEG thumbnail of accepted footage, for the reviewer's queue and case page: one frame at 1 s
 * (or the middle of a clip shorter than 2 s), at most `maxWidthPx` wide, upright (ffmpeg applies the
 * camera's rotation). Made only for a file that probing accepted. Written beside its destination as
 * `.partial` and renamed, so a half-written thumbnail never appears; the original is only read.
 */

export interface ThumbnailOptions {
  ffmpegPath: string;
  /** Time limit for ffmpeg, milliseconds. */
  timeoutMs: number;
  /** Widest thumbnail, pixels; a narrower video keeps its width. */
  maxWidthPx: number;
  /** JPEG quality on ffmpeg's scale, 2 (best) to 31 (worst). */
  jpegQuality: number;
  signal?: AbortSignal;
}

export const DEFAULT_THUMBNAIL_OPTIONS: ThumbnailOptions = {
  ffmpegPath: '/usr/bin/ffmpeg',
  timeoutMs: 30_000, // one frame after a keyframe seek: well under a second for 1080p
  maxWidthPx: 640,
  jpegQuality: 4,
};

export interface Thumbnail {
  path: string;
  /** Where in the video the frame was taken, seconds. */
  atS: number;
  bytes: number;
}

/** ffmpeg ran but made no picture: the video cannot be decoded at that point. */
export class ThumbnailError extends Error {
  constructor(
    message: string,
    readonly detail: string,
  ) {
    super(message);
    this.name = 'ThumbnailError';
  }
}

/** 1 s into the clip, or its middle when it is shorter than 2 s. */
export function thumbnailTimeS(durationS: number): number {
  return durationS >= 2 ? 1 : Math.max(0, durationS / 2);
}

async function isJpeg(path: string): Promise<boolean> {
  try {
    const head = await readFileHead(path, 3);
    return head.length === 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff;
  } catch {
    return false;
  }
}

async function frameAt(sourcePath: string, partialPath: string, atS: number, options: ThumbnailOptions): Promise<string> {
  const run = await runTool(
    options.ffmpegPath,
    [
      '-hide_banner',
      '-nostdin',
      '-v',
      'error',
      '-y',
      '-ss',
      atS.toFixed(3), // before -i: seek to the keyframe before, then decode forward to the exact time
      ...safeInputArgs(sourcePath),
      '-map',
      '0:v:0',
      '-frames:v',
      '1',
      '-vf',
      `scale=w='min(${options.maxWidthPx},iw)':h=-2`,
      '-q:v',
      String(options.jpegQuality),
      '-f',
      'mjpeg',
      `file:${resolve(partialPath)}`,
    ],
    { timeoutMs: options.timeoutMs, maxOutputBytes: 64 * 1024, signal: options.signal },
  );
  return run.exitCode === 0 ? '' : `ffmpeg exit ${run.exitCode ?? run.exitSignal}: ${run.stderr.trim().slice(0, 500)}`;
}

/**
 * Writes a thumbnail of `sourcePath` (a video of `durationS` seconds) to `destPath`. If no frame
 * comes at the chosen time (a header that overstates the length), tries the first frame instead.
 * Throws ThumbnailError when no picture can be made, and run.ts errors on a timeout.
 */
export async function makeThumbnail(
  sourcePath: string,
  destPath: string,
  durationS: number,
  overrides: Partial<ThumbnailOptions> = {},
): Promise<Thumbnail> {
  const options: ThumbnailOptions = { ...DEFAULT_THUMBNAIL_OPTIONS, ...overrides };
  const partialPath = `${destPath}.partial`;
  try {
    const problems: string[] = [];
    for (const atS of [...new Set([thumbnailTimeS(durationS), 0])]) {
      await rm(partialPath, { force: true });
      const problem = await frameAt(sourcePath, partialPath, atS, options);
      if (await isJpeg(partialPath)) {
        await rename(partialPath, destPath);
        return { path: destPath, atS, bytes: (await stat(destPath)).size };
      }
      problems.push(`at ${atS} s: ${problem || 'no frame'}`);
    }
    throw new ThumbnailError('No picture could be taken from the video.', problems.join('; '));
  } finally {
    await rm(partialPath, { force: true });
  }
}
