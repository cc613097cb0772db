import { rename, rm, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { safeInputArgs, type VideoProbe } from './probe.ts';
import { runTool } from './run.ts';

/**
 * A viewing copy: an H.264/AAC MP4 with its index first (faststart, so a browser can start playing
 * and seek over HTTP range requests at once), made only when the original will not play in a browser
 * (MOV, MKV, AVI, MPEG-TS, HEVC, ProRes, 10-bit…). The original is only read, never changed: it
 * stays the evidence, the copy is a convenience for reviewers.
 *
 * Streams that already suit a browser are copied, not re-encoded: an iPhone-style MOV with H.264 and
 * AAC is only re-wrapped (`remux`, about disk speed); anything else is encoded with libx264 at the
 * original resolution (`transcode`), so a number plate stays as readable as in the original.
 * Only the first video and first audio stream are kept (no subtitles, data or GPS tracks).
 */

export interface ViewingCopyOptions {
  ffmpegPath: string;
  /** Time limit for ffmpeg, milliseconds. Encoding 5 minutes of 1080p takes minutes on 2 cores. */
  timeoutMs: number;
  /** libx264 speed/size trade-off. */
  preset: 'ultrafast' | 'superfast' | 'veryfast' | 'faster' | 'fast' | 'medium';
  /** libx264 constant rate factor: lower is better quality; 20 keeps fine detail such as plates. */
  crf: number;
  audioBitrateKbps: number;
  /** Encoder threads; 0 lets ffmpeg choose (all cores). Lower it to leave cores for the web server. */
  threads: number;
  signal?: AbortSignal;
}

export const DEFAULT_VIEWING_COPY_OPTIONS: ViewingCopyOptions = {
  ffmpegPath: '/usr/bin/ffmpeg',
  timeoutMs: 20 * 60_000,
  preset: 'veryfast',
  crf: 20,
  audioBitrateKbps: 128,
  threads: 0,
};

export interface ViewingCopyPlan {
  video: 'copy' | 'transcode';
  audio: 'copy' | 'transcode' | 'none';
}

export interface ViewingCopy {
  path: string;
  /** `remux`: streams copied into MP4; `transcode`: at least one stream re-encoded. */
  method: 'remux' | 'transcode';
  bytes: number;
}

/** ffmpeg could not make the copy (the video cannot be decoded); `detail` is its error text. */
export class ViewingCopyError extends Error {
  constructor(
    message: string,
    readonly detail: string,
  ) {
    super(message);
    this.name = 'ViewingCopyError';
  }
}

/** What a viewing copy of this video needs, or null when the original plays in a browser as it is. */
export function planViewingCopy(video: VideoProbe): ViewingCopyPlan | null {
  if (video.browserPlayable) return null;
  const h264Ready = video.videoCodec === 'h264' && (video.pixelFormat === 'yuv420p' || video.pixelFormat === 'yuvj420p');
  return {
    video: h264Ready ? 'copy' : 'transcode',
    audio: video.audioCodec === undefined ? 'none' : video.audioCodec === 'aac' ? 'copy' : 'transcode',
  };
}

function ffmpegArgs(sourcePath: string, partialPath: string, plan: ViewingCopyPlan, options: ViewingCopyOptions): string[] {
  const video =
    plan.video === 'copy'
      ? ['-c:v', 'copy']
      : [
          '-c:v', 'libx264', '-preset', options.preset, '-crf', String(options.crf),
          '-pix_fmt', 'yuv420p', '-profile:v', 'high',
          '-vf', 'scale=trunc(iw/2)*2:trunc(ih/2)*2', // 4:2:0 needs even dimensions
          '-threads', String(options.threads),
        ]; // prettier-ignore
  const audio =
    plan.audio === 'none'
      ? []
      : plan.audio === 'copy'
        ? ['-map', '0:a:0', '-c:a', 'copy']
        : ['-map', '0:a:0', '-c:a', 'aac', '-b:a', `${options.audioBitrateKbps}k`, '-ac', '2'];
  return [
    '-hide_banner', '-nostdin', '-v', 'error', '-y',
    ...safeInputArgs(sourcePath),
    '-map', '0:v:0', ...video, ...audio,
    '-sn', '-dn', '-map_chapters', '-1',
    '-movflags', '+faststart',
    '-f', 'mp4', `file:${resolve(partialPath)}`,
  ]; // prettier-ignore
}

/**
 * Writes a browser-playable MP4 of `sourcePath` to `destPath` when `video` (its probe) needs one;
 * returns null, writing nothing, when the original already plays in a browser. Throws
 * ViewingCopyError when ffmpeg fails, and run.ts errors on a timeout; no partial file is left.
 */
export async function makeViewingCopy(
  sourcePath: string,
  destPath: string,
  video: VideoProbe,
  overrides: Partial<ViewingCopyOptions> = {},
): Promise<ViewingCopy | null> {
  const plan = planViewingCopy(video);
  if (!plan) return null;
  const options: ViewingCopyOptions = { ...DEFAULT_VIEWING_COPY_OPTIONS, ...overrides };
  if (resolve(sourcePath) === resolve(destPath)) throw new Error(`makeViewingCopy: the copy cannot replace the original (${destPath}).`);
  const partialPath = `${destPath}.partial`;
  try {
    const run = await runTool(options.ffmpegPath, ffmpegArgs(sourcePath, partialPath, plan, options), {
      timeoutMs: options.timeoutMs,
      maxOutputBytes: 256 * 1024,
      signal: options.signal,
    });
    const bytes = await stat(partialPath).then((s) => s.size, () => 0);
    if (run.exitCode !== 0 || bytes === 0) {
      throw new ViewingCopyError(
        'A playable copy of the video could not be made.',
        `ffmpeg exit ${run.exitCode ?? run.exitSignal}, ${bytes} bytes: ${run.stderr.trim().slice(0, 500)}`,
      );
    }
    await rename(partialPath, destPath);
    return { path: destPath, method: plan.video === 'copy' && plan.audio !== 'transcode' ? 'remux' : 'transcode', bytes };
  } finally {
    await rm(partialPath, { force: true });
  }
}
