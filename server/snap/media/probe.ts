import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import { refusal, type Refusal } from './refusals.ts';
import { runTool, ToolOutputLimitError, type ToolRun } from './run.ts';
import { readFileHead, sniffFileType } from './sniff.ts';

/**
 * Is this file a video we accept? Decided by probing its content with ffprobe, never by its name or
 * declared type: a real video container (MP4/MOV, MKV/WebM, AVI, MPEG-TS) with at least one video
 * stream, a duration within the configured range, and (by default) every packet readable to the end.
 *
 * Returns `{accepted: true, video}` or `{accepted: false, refusal}` with a plain message for the
 * submitter. A checker that cannot do its job (ffprobe missing, timed out, cancelled) is not the
 * file's fault: those throw the typed errors of `run.ts`, and the caller holds the file and retries.
 *
 * Safety: ffprobe and ffmpeg may open only local files (`-protocol_whitelist file`) and only the four
 * accepted demuxers (`-format_whitelist`), so a crafted file cannot make them read a playlist, another
 * file or a URL; paths are passed as `file:…` so no name is read as an option or a protocol.
 */

export type Container = 'mp4' | 'mov' | 'mkv' | 'webm' | 'avi' | 'mpegts';

/**
 * How the file is checked for damage after probing (ffprobe alone reads only the header, so an MP4
 * whose index comes first and whose second half is missing looks whole):
 * - `demux`: ffmpeg reads every packet without decoding (`-c copy -f null`). Finds truncated MP4/MOV
 *   and MKV/WebM. Measured: 0.2 s for a 90 MB, 60 s 1080p clip.
 * - `decode`: ffmpeg decodes every frame; also finds corrupt pictures inside the file. Measured:
 *   7.9 s for the same clip, so about 40 s for 5 minutes of 1080p on 2 cores — over the 30 s budget
 *   for telling a submitter that a file was refused.
 * - `none`: header only.
 * A truncated AVI or MPEG-TS is read as a shorter, whole video by all three: those formats have no
 * index that declares the length.
 */
export type IntegrityCheck = 'demux' | 'decode' | 'none';

export interface ProbeOptions {
  /** ffprobe executable (Debian's is /usr/bin/ffprobe). */
  ffprobePath: string;
  /** ffmpeg executable, for the integrity check. */
  ffmpegPath: string;
  /** Time limit for ffprobe, milliseconds. */
  timeoutMs: number;
  integrityCheck: IntegrityCheck;
  /** Time limit for the integrity check, milliseconds (a 2 GiB file must be read to its end). */
  integrityTimeoutMs: number;
  /** Shortest clip accepted, seconds. */
  minDurationS: number;
  /** Longest clip accepted, seconds. */
  maxDurationS: number;
  /** Cancels a running check (e.g. at shutdown). */
  signal?: AbortSignal;
}

export const DEFAULT_PROBE_OPTIONS: ProbeOptions = {
  ffprobePath: '/usr/bin/ffprobe',
  ffmpegPath: '/usr/bin/ffmpeg',
  timeoutMs: 15_000, // ffprobe reads headers: well under a second for a sound file
  integrityCheck: 'demux',
  integrityTimeoutMs: 60_000, // 2 GiB read at ≥ 40 MB/s
  minDurationS: 1, // the spec says "a few seconds"; 1 s refuses single frames and accidental taps
  maxDurationS: 300, // 5 minutes, the spec's longest clip
};

export interface VideoProbe {
  container: Container;
  /** ffprobe's demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2". */
  formatName: string;
  durationS: number;
  sizeBytes: number;
  /** ffprobe codec name of the first video stream, e.g. "h264", "hevc", "mpeg4", "vp9", "prores". */
  videoCodec: string;
  videoProfile?: string;
  /** e.g. "yuv420p"; 10-bit and 4:2:2 formats do not play in browsers. */
  pixelFormat?: string;
  /** Coded size in pixels, before any rotation. */
  width: number;
  height: number;
  /** Frames per second (average), when the container says. */
  frameRate?: number;
  /** Rotation to apply when showing the video, degrees clockwise: 0, 90, 180 or 270. */
  rotationDeg: number;
  /** ffprobe codec name of the first audio stream, e.g. "aac"; absent when there is no sound. */
  audioCodec?: string;
  videoStreamCount: number;
  audioStreamCount: number;
  /** The container's creation time as the camera wrote it (the camera's clock may be wrong). */
  creationTime?: string;
  /** Plays in current browsers as it is: H.264 (8-bit 4:2:0) with AAC or no sound in MP4, or VP8/VP9/AV1 with Opus/Vorbis or no sound in WebM. */
  browserPlayable: boolean;
  integrityCheck: IntegrityCheck;
  timingsMs: { probe: number; integrity: number };
}

export type ProbeOutcome = { accepted: true; video: VideoProbe } | { accepted: false; refusal: Refusal };

/** Demuxers ffmpeg may use: MP4/MOV/3GP, Matroska/WebM, AVI, MPEG-TS. */
const ACCEPTED_DEMUXERS = 'mov,matroska,avi,mpegts';
/** ffprobe's JSON for a file with a few streams is a few kilobytes. */
const PROBE_MAX_OUTPUT_BYTES = 1024 * 1024;
/** A damaged file can make ffmpeg print an error per packet; this much is plenty to decide. */
const INTEGRITY_MAX_STDERR_BYTES = 64 * 1024;
/** Characters of a tool's error text kept in a refusal's detail. */
const DETAIL_CHARS = 500;

/** Options every ffprobe/ffmpeg input gets: local files and the accepted demuxers only, then `-i file:PATH`. */
export const safeInputArgs = (path: string) => [
  '-protocol_whitelist',
  'file',
  '-format_whitelist',
  ACCEPTED_DEMUXERS,
  '-i',
  `file:${resolve(path)}`,
];

const ffprobeJson = z.object({
  format: z
    .object({
      format_name: z.string(),
      duration: z.string().optional(),
      tags: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
  streams: z
    .array(
      z.object({
        codec_type: z.string().optional(),
        codec_name: z.string().optional(),
        profile: z.string().optional(),
        width: z.number().optional(),
        height: z.number().optional(),
        pix_fmt: z.string().optional(),
        avg_frame_rate: z.string().optional(),
        duration: z.string().optional(),
        disposition: z.object({ attached_pic: z.number().optional() }).optional(),
        tags: z.record(z.string(), z.string()).optional(),
        side_data_list: z.array(z.object({ rotation: z.number().optional() })).optional(),
      }),
    )
    .default([]),
});
type FfprobeStream = z.infer<typeof ffprobeJson>['streams'][number];

const firstLines = (text: string) => text.trim().slice(0, DETAIL_CHARS);
const finiteNumber = (text: string | undefined) => {
  const n = text === undefined ? NaN : Number(text);
  return Number.isFinite(n) ? n : undefined;
};

/** "30000/1001" → 29.97; undefined for "0/0". */
function frameRateOf(rate: string | undefined): number | undefined {
  const [num, den] = (rate ?? '').split('/').map(Number);
  if (!num || !den) return undefined;
  return Math.round((num / den) * 1000) / 1000;
}

function rotationOf(stream: FfprobeStream): number {
  // A display matrix's rotation is counter-clockwise (ffmpeg ≥ 5); older files carry a "rotate" tag (clockwise).
  const matrix = stream.side_data_list?.find((d) => d.rotation !== undefined)?.rotation;
  const degrees = matrix !== undefined ? -matrix : Number(stream.tags?.rotate ?? 0);
  const normal = ((Math.round(degrees / 90) * 90) % 360 + 360) % 360;
  return Number.isFinite(normal) ? normal : 0;
}

function containerOf(formatName: string, majorBrand: string | undefined, head: Buffer): Container | null {
  const names = formatName.split(',');
  if (names.includes('mov')) return majorBrand?.trim() === 'qt' ? 'mov' : 'mp4';
  // Matroska and WebM share a demuxer; the EBML header's DocType tells them apart.
  if (names.includes('matroska')) return head.subarray(0, 64).includes('webm', 0, 'latin1') ? 'webm' : 'mkv';
  if (names.includes('avi')) return 'avi';
  if (names.includes('mpegts')) return 'mpegts';
  return null;
}

const BROWSER_PIXEL_FORMATS = new Set(['yuv420p', 'yuvj420p']);

/** Whether browsers play the file as it is; otherwise a viewing copy is made. */
export function isBrowserPlayable(v: Pick<VideoProbe, 'container' | 'videoCodec' | 'pixelFormat' | 'audioCodec'>): boolean {
  if (v.container === 'mp4') {
    return v.videoCodec === 'h264' && BROWSER_PIXEL_FORMATS.has(v.pixelFormat ?? '') && (v.audioCodec === undefined || v.audioCodec === 'aac');
  }
  if (v.container === 'webm') {
    return ['vp8', 'vp9', 'av1'].includes(v.videoCodec) && (v.audioCodec === undefined || ['opus', 'vorbis'].includes(v.audioCodec));
  }
  return false;
}

/** A refusal worded from the file's first bytes, for a file ffprobe could not open. */
function refusalForUnreadable(head: Buffer, detail: string): Refusal {
  const sniffed = sniffFileType(head);
  const withLabel = `${sniffed.label}: ${detail}`;
  switch (sniffed.kind) {
    case 'picture':
      return refusal('picture', withLabel);
    case 'audio':
      return refusal('audio_only', withLabel);
    case 'video_container':
      return refusal('damaged', withLabel);
    case 'other_video':
      return refusal('unsupported_format', withLabel);
    default:
      return refusal('not_video', withLabel);
  }
}

/** Reads the whole file with ffmpeg; returns a description of the damage, or null if it read cleanly. */
async function findDamage(path: string, mode: Exclude<IntegrityCheck, 'none'>, options: ProbeOptions): Promise<string | null> {
  const output = mode === 'demux' ? ['-map', '0:v', '-map', '0:a?', '-c', 'copy'] : ['-map', '0:v:0', '-map', '0:a?'];
  const args = ['-hide_banner', '-nostdin', '-v', 'error', ...safeInputArgs(path), ...output, '-f', 'null', '-'];
  try {
    const run = await runTool(options.ffmpegPath, args, {
      timeoutMs: options.integrityTimeoutMs,
      maxOutputBytes: INTEGRITY_MAX_STDERR_BYTES,
      signal: options.signal,
    });
    if (run.exitCode !== 0) return `ffmpeg exit ${run.exitCode ?? run.exitSignal}: ${firstLines(run.stderr)}`;
    return run.stderr.trim() === '' ? null : firstLines(run.stderr);
  } catch (err) {
    // A flood of errors is damage, not a checker failure.
    if (err instanceof ToolOutputLimitError) return `more than ${INTEGRITY_MAX_STDERR_BYTES} bytes of errors: ${firstLines(err.stderr)}`;
    throw err;
  }
}

/**
 * Probes `path` and decides whether it is footage we accept. Refusals come back in well under 30 s
 * (header probe, then a packet read); ToolTimeoutError / ToolSpawnError / ToolAbortedError are thrown.
 */
export async function probeVideo(path: string, overrides: Partial<ProbeOptions> = {}): Promise<ProbeOutcome> {
  const options: ProbeOptions = { ...DEFAULT_PROBE_OPTIONS, ...overrides };
  const { size: sizeBytes } = await stat(path);
  if (sizeBytes === 0) return { accepted: false, refusal: refusal('empty') };
  const head = await readFileHead(path);

  const probeStarted = performance.now();
  let run: ToolRun;
  try {
    run = await runTool(
      options.ffprobePath,
      ['-hide_banner', '-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', ...safeInputArgs(path)],
      { timeoutMs: options.timeoutMs, maxOutputBytes: PROBE_MAX_OUTPUT_BYTES, signal: options.signal },
    );
  } catch (err) {
    // Megabytes of description (thousands of streams) is no camera's footage.
    if (err instanceof ToolOutputLimitError) return { accepted: false, refusal: refusal('unsupported_format', err.message) };
    throw err;
  }
  const probeMs = Math.round(performance.now() - probeStarted);
  if (run.exitCode !== 0) return { accepted: false, refusal: refusalForUnreadable(head, `ffprobe: ${firstLines(run.stderr)}`) };

  let parsed: z.infer<typeof ffprobeJson>;
  try {
    parsed = ffprobeJson.parse(JSON.parse(run.stdout));
  } catch (err) {
    return { accepted: false, refusal: refusalForUnreadable(head, `unreadable ffprobe output: ${String(err).slice(0, DETAIL_CHARS)}`) };
  }
  const format = parsed.format;
  if (!format) return { accepted: false, refusal: refusalForUnreadable(head, 'ffprobe found no container') };
  const container = containerOf(format.format_name, format.tags?.major_brand, head);
  if (!container) return { accepted: false, refusal: refusal('unsupported_format', `demuxer ${format.format_name}`) };

  // Cover art is stored as a one-picture "video" stream; it does not make a file a video.
  const videoStreams = parsed.streams.filter((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  const audioStreams = parsed.streams.filter((s) => s.codec_type === 'audio');
  const video = videoStreams[0];
  if (!video) {
    const detail = `${format.format_name} with ${parsed.streams.map((s) => `${s.codec_type}/${s.codec_name}`).join(', ') || 'no streams'}`;
    return { accepted: false, refusal: refusal(audioStreams.length > 0 ? 'audio_only' : 'not_video', detail) };
  }
  if (!video.codec_name) return { accepted: false, refusal: refusal('unsupported_format', 'video stream with a codec ffmpeg does not know') };
  if (!video.width || !video.height) return { accepted: false, refusal: refusal('damaged', `video stream ${video.codec_name} without a picture size`) };

  // Some muxers write only stream durations; the longest video stream then stands for the file.
  const streamDurationsS = videoStreams.map((s) => finiteNumber(s.duration)).filter((d) => d !== undefined);
  const durationS = finiteNumber(format.duration) ?? (streamDurationsS.length > 0 ? Math.max(...streamDurationsS) : undefined);
  if (durationS === undefined) return { accepted: false, refusal: refusal('damaged', 'no duration in the container or streams') };
  if (durationS > options.maxDurationS) {
    return { accepted: false, refusal: refusal('too_long', `${durationS} s`, { durationS, maxDurationS: options.maxDurationS }) };
  }
  if (durationS < options.minDurationS) {
    return { accepted: false, refusal: refusal('too_short', `${durationS} s`, { durationS, minDurationS: options.minDurationS }) };
  }

  let integrityMs = 0;
  if (options.integrityCheck !== 'none') {
    const started = performance.now();
    const damage = await findDamage(path, options.integrityCheck, options);
    integrityMs = Math.round(performance.now() - started);
    if (damage !== null) return { accepted: false, refusal: refusal('damaged', damage) };
  }

  const audio = audioStreams[0];
  const described = {
    container,
    videoCodec: video.codec_name,
    pixelFormat: video.pix_fmt,
    audioCodec: audio?.codec_name,
  };
  const result: VideoProbe = {
    container,
    formatName: format.format_name,
    durationS,
    sizeBytes,
    videoCodec: video.codec_name,
    width: video.width,
    height: video.height,
    rotationDeg: rotationOf(video),
    videoStreamCount: videoStreams.length,
    audioStreamCount: audioStreams.length,
    browserPlayable: isBrowserPlayable(described),
    integrityCheck: options.integrityCheck,
    timingsMs: { probe: probeMs, integrity: integrityMs },
  };
  if (video.profile !== undefined) result.videoProfile = video.profile;
  if (video.pix_fmt !== undefined) result.pixelFormat = video.pix_fmt;
  const frameRate = frameRateOf(video.avg_frame_rate);
  if (frameRate !== undefined) result.frameRate = frameRate;
  if (audio?.codec_name !== undefined) result.audioCodec = audio.codec_name;
  const creationTime = format.tags?.creation_time ?? video.tags?.creation_time;
  if (creationTime !== undefined) result.creationTime = creationTime;
  return { accepted: true, video: result };
}
