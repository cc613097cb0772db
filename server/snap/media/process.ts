import { rm, stat } from 'node:fs/promises';
import { sha256File } from './hash.ts';
import { DEFAULT_PROBE_OPTIONS, probeVideo, type ProbeOptions, type VideoProbe } from './probe.ts';
import { refusal, type RefusalCode } from './refusals.ts';
import { ToolError, ToolTimeoutError } from './run.ts';
import { scanFile, type ScanOptions, type ScanResult } from './scan.ts';
import { makeThumbnail, ThumbnailError, type ThumbnailOptions } from './thumbnail.ts';
import { makeViewingCopy, ViewingCopyError, type ViewingCopyOptions } from './viewing-copy.ts';

/**
 * Processing one uploaded file of footage, in the order of the spec's "processing" state:
 * hash → probe (content, length, damage) → virus scan (when configured) → thumbnail → viewing copy
 * (only when the original will not play in a browser). No HTTP, no database: the upload route calls
 * this once the file is complete and stores the result.
 *
 * The outcome is one of four states:
 * - `ready`: accepted; the submission can move on to "submitted".
 * - `rejected`: not footage we can use (empty, not a video, picture, sound only, damaged, too short
 *   or too long); `message` tells the submitter how to fix it ("needs resubmission").
 * - `quarantined`: the virus scanner found something.
 * - `on_hold`: a checker could not do its job (ffprobe/ffmpeg missing or past its time limit, clamd
 *   configured but unavailable). Fail closed: keep the file, retry later; after a few attempts a
 *   person should look (a file that always makes ffprobe hang ends up here too).
 * The original is only read. Outputs are written only for a `ready` file; any made before a later
 * step failed are removed.
 *
 * Probing comes before scanning so a non-video is refused within seconds even when scanning a large
 * file is slow; ffprobe and ffmpeg only open the accepted containers, local files only.
 * Run one at a time per CPU core: a viewing copy encodes video with every core it gets.
 */

export type FootageState = 'ready' | 'rejected' | 'quarantined' | 'on_hold';

export type FootageCode =
  | 'ok'
  | RefusalCode
  | 'malware'
  /** clamd configured but unreachable, slow or answering an error */
  | 'scanner_unavailable'
  /** ffprobe/ffmpeg ran past its time limit */
  | 'checker_timeout'
  /** ffprobe/ffmpeg could not be run, or the work was cancelled */
  | 'checker_unavailable';

export interface FootageOptions {
  /** Where to write the thumbnail (JPEG) of an accepted file. */
  thumbnailPath: string;
  /** Where to write the viewing copy (MP4) when one is needed. */
  viewingCopyPath: string;
  ffprobePath?: string;
  ffmpegPath?: string;
  /** Probe limits: duration range, time limits, integrity check (see probe.ts). */
  probe?: Partial<Omit<ProbeOptions, 'ffprobePath' | 'ffmpegPath' | 'signal'>>;
  thumbnail?: Partial<Omit<ThumbnailOptions, 'ffmpegPath' | 'signal'>>;
  viewingCopy?: Partial<Omit<ViewingCopyOptions, 'ffmpegPath' | 'signal'>>;
  /** clamd to scan with; leave out when scanning is not configured. */
  scan?: ScanOptions;
  /** Cancels the running step (e.g. at shutdown); the result is then on_hold. */
  signal?: AbortSignal;
}

export interface FootageResult {
  state: FootageState;
  code: FootageCode;
  /** Plain words for the submitter. */
  message: string;
  /** Technical detail for staff and logs; never shown to the submitter. */
  detail?: string;
  /** SHA-256 of the original, lowercase hex: the chain-of-custody fingerprint. */
  sha256: string;
  sizeBytes: number;
  /** What the file is; present once probing accepted it. */
  probe?: VideoProbe;
  /** `skipped` when scanning is not configured or the file was refused before the scan. */
  scan: ScanResult;
  thumbnailPath?: string;
  viewingPath?: string;
  viewingMethod?: 'remux' | 'transcode';
  /** Milliseconds per step that ran, and in all. */
  timingsMs: { hash: number; probe?: number; scan?: number; thumbnail?: number; viewingCopy?: number; total: number };
}

export const FOOTAGE_MESSAGES = {
  ready: 'Your video has been checked and received.',
  quarantined:
    'Our security check found a problem with this file, so it has been set aside and will not be used. If you think this is a mistake, contact us quoting your reference.',
  on_hold: 'We could not finish checking your video yet. You do not need to do anything: we will try again shortly.',
} as const;

/** Runs `step` and records its duration under `name`. */
async function timed<T>(timings: Record<string, number>, name: string, step: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await step();
  } finally {
    timings[name] = Math.round(performance.now() - started);
  }
}

/** Processes the footage at `path`; see the module comment for states. Throws only if the file cannot be read. */
export async function processFootage(path: string, options: FootageOptions): Promise<FootageResult> {
  const started = performance.now();
  const ffprobePath = options.ffprobePath ?? DEFAULT_PROBE_OPTIONS.ffprobePath;
  const ffmpegPath = options.ffmpegPath ?? DEFAULT_PROBE_OPTIONS.ffmpegPath;
  const signal = options.signal;
  const timings: Record<string, number> = {};
  const made: string[] = [];

  const sizeBytes = (await stat(path)).size;
  const sha256 = await timed(timings, 'hash', () => sha256File(path));
  let probe: VideoProbe | undefined;
  let scan: ScanResult = { status: 'skipped' };

  const finish = async (
    state: FootageState,
    code: FootageCode,
    message: string,
    detail?: string,
    outputs: Pick<FootageResult, 'thumbnailPath' | 'viewingPath' | 'viewingMethod'> = {},
  ): Promise<FootageResult> => {
    if (state !== 'ready') await Promise.all(made.map((p) => rm(p, { force: true })));
    const result: FootageResult = {
      state,
      code,
      message,
      sha256,
      sizeBytes,
      scan,
      ...outputs,
      timingsMs: { hash: timings.hash!, ...timings, total: Math.round(performance.now() - started) },
    };
    if (detail !== undefined) result.detail = detail;
    if (probe) result.probe = probe;
    return result;
  };
  /** A checker that failed to run is never the file's fault: hold it for a retry. */
  const held = (err: unknown) => {
    if (!(err instanceof ToolError)) throw err;
    return finish('on_hold', err instanceof ToolTimeoutError ? 'checker_timeout' : 'checker_unavailable', FOOTAGE_MESSAGES.on_hold, err.message);
  };

  try {
    const outcome = await timed(timings, 'probe', () =>
      probeVideo(path, { ...options.probe, ffprobePath, ffmpegPath, ...(signal ? { signal } : {}) }),
    );
    if (!outcome.accepted) return await finish('rejected', outcome.refusal.code, outcome.refusal.message, outcome.refusal.detail);
    probe = outcome.video;
    const video = probe;

    if (options.scan) {
      scan = await timed(timings, 'scan', () => scanFile(path, options.scan));
      if (scan.status === 'infected') return await finish('quarantined', 'malware', FOOTAGE_MESSAGES.quarantined, `clamd: ${scan.signature}`);
      if (scan.status === 'unavailable') return await finish('on_hold', 'scanner_unavailable', FOOTAGE_MESSAGES.on_hold, scan.reason);
    }

    let thumbnail;
    try {
      made.push(options.thumbnailPath);
      thumbnail = await timed(timings, 'thumbnail', () =>
        makeThumbnail(path, options.thumbnailPath, video.durationS, { ...options.thumbnail, ffmpegPath, ...(signal ? { signal } : {}) }),
      );
    } catch (err) {
      if (!(err instanceof ThumbnailError)) throw err;
      const damaged = refusal('damaged', `thumbnail: ${err.detail}`);
      return await finish('rejected', damaged.code, damaged.message, damaged.detail);
    }

    let viewing;
    try {
      made.push(options.viewingCopyPath);
      viewing = await timed(timings, 'viewingCopy', () =>
        makeViewingCopy(path, options.viewingCopyPath, video, { ...options.viewingCopy, ffmpegPath, ...(signal ? { signal } : {}) }),
      );
    } catch (err) {
      if (!(err instanceof ViewingCopyError)) throw err;
      const damaged = refusal('damaged', `viewing copy: ${err.detail}`);
      return await finish('rejected', damaged.code, damaged.message, damaged.detail);
    }

    return await finish('ready', 'ok', FOOTAGE_MESSAGES.ready, undefined, {
      thumbnailPath: thumbnail.path,
      ...(viewing ? { viewingPath: viewing.path, viewingMethod: viewing.method } : {}),
    });
  } catch (err) {
    return await held(err);
  }
}
