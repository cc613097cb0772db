import { SNAP_MAX_FILE_BYTES_LIMIT, type Config } from '../../config.ts';
import type { FootageOptions } from '../media/process.ts';
import { parseClamdAddress } from '../media/scan.ts';
import { footageStoreSettings, type FootageStoreConfig, type FootageStoreSettings } from '../storage/settings.ts';

/**
 * Settings of the footage upload endpoint and its processing, from the validated service
 * configuration (server/config.ts declares each key with its unit, range and default):
 *
 *   SNAP_MAX_FILE_BYTES        largest file accepted (default 2 GiB − 1 byte: common virus-scanner limits)
 *   SNAP_MAX_FILES             files per submission (default 2; refused ones do not count)
 *   SNAP_PROCESSING_CONCURRENCY files processed at once per instance (default 1: a viewing copy uses every core)
 *   SNAP_ON_HOLD_RETRY_MS      wait before re-checking a file put on hold (default 5 minutes)
 *   SNAP_MAX_PROCESSING_ATTEMPTS checks of one file before it is left on hold for a person (default 3)
 *   SNAP_FFPROBE_PATH, SNAP_FFMPEG_PATH   Debian's /usr/bin/ffprobe and /usr/bin/ffmpeg
 *   FFPROBE_TIMEOUT_MS         time limit of ffprobe (default 15 s)
 *   SNAP_MIN_DURATION_S, SNAP_MAX_DURATION_S   clip length accepted (1 s to 5 min)
 *   SNAP_INTEGRITY_CHECK       demux (default) | decode | none (server/snap/media/probe.ts)
 *   CLAMD_URL                  tcp://host:3310 or unix:/path; absent = no virus scan; when set and
 *                              clamd is unavailable, files go on hold (fail closed)
 *   CLAMD_TIMEOUT_MS           whole scan time limit (default 10 minutes)
 *   SNAP_UPLOAD_ABANDONED_AFTER_MS   an unfinished upload with no bytes for this long is set aside
 *                              (files.ts sweepAbandonedUploads). Not declared in config.ts yet: used
 *                              when the configuration carries it, else UPLOAD_ABANDONED_AFTER_MS.
 */

/**
 * An unfinished upload that has received no bytes for a day is abandoned: it no longer counts
 * towards the file limit nor blocks `complete`. A day is far longer than any pause of a resumable
 * upload on a poor connection, and short against the 14-day notice clock.
 */
export const UPLOAD_ABANDONED_AFTER_MS = 24 * 3_600_000;

/** The abandonment time from the configuration when it has the key (a positive number of ms), else the constant. */
export function uploadAbandonedAfterMs(config: object): number {
  const value = (config as { SNAP_UPLOAD_ABANDONED_AFTER_MS?: unknown }).SNAP_UPLOAD_ABANDONED_AFTER_MS;
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : UPLOAD_ABANDONED_AFTER_MS;
}

export interface SnapUploadSettings {
  store: FootageStoreSettings;
  maxFileBytes: number;
  maxFilesPerSubmission: number;
  processingConcurrency: number;
  onHoldRetryMs: number;
  maxProcessingAttempts: number;
  /** An unfinished upload with no bytes for this long is set aside (abandoned). */
  abandonAfterMs: number;
  /** processFootage options except the output paths. */
  footage: Omit<FootageOptions, 'thumbnailPath' | 'viewingCopyPath' | 'signal'>;
}

/** The configuration keys the uploads read. */
export type SnapUploadConfig = FootageStoreConfig &
  Pick<
    Config,
    | 'SNAP_MAX_FILE_BYTES'
    | 'SNAP_MAX_FILES'
    | 'SNAP_PROCESSING_CONCURRENCY'
    | 'SNAP_ON_HOLD_RETRY_MS'
    | 'SNAP_MAX_PROCESSING_ATTEMPTS'
    | 'SNAP_FFPROBE_PATH'
    | 'SNAP_FFMPEG_PATH'
    | 'FFPROBE_TIMEOUT_MS'
    | 'SNAP_MIN_DURATION_S'
    | 'SNAP_MAX_DURATION_S'
    | 'SNAP_INTEGRITY_CHECK'
    | 'CLAMD_URL'
    | 'CLAMD_TIMEOUT_MS'
  >;

export function snapUploadSettings(config: SnapUploadConfig): SnapUploadSettings {
  const footage: SnapUploadSettings['footage'] = {
    ffprobePath: config.SNAP_FFPROBE_PATH,
    ffmpegPath: config.SNAP_FFMPEG_PATH,
    probe: {
      timeoutMs: config.FFPROBE_TIMEOUT_MS,
      integrityCheck: config.SNAP_INTEGRITY_CHECK,
      minDurationS: config.SNAP_MIN_DURATION_S,
      maxDurationS: config.SNAP_MAX_DURATION_S,
    },
  };
  // config.ts has checked the address's form.
  if (config.CLAMD_URL) footage.scan = { clamd: parseClamdAddress(config.CLAMD_URL), timeoutMs: config.CLAMD_TIMEOUT_MS };
  return {
    store: footageStoreSettings(config),
    maxFileBytes: config.SNAP_MAX_FILE_BYTES,
    maxFilesPerSubmission: config.SNAP_MAX_FILES,
    processingConcurrency: config.SNAP_PROCESSING_CONCURRENCY,
    onHoldRetryMs: config.SNAP_ON_HOLD_RETRY_MS,
    maxProcessingAttempts: config.SNAP_MAX_PROCESSING_ATTEMPTS,
    abandonAfterMs: uploadAbandonedAfterMs(config),
    footage,
  };
}

/** "2 GB", "500 MB": the limit in words for refusals. */
export function sizeInWords(bytes: number): string {
  if (bytes === SNAP_MAX_FILE_BYTES_LIMIT) return '2 GB'; // 2 GiB − 1 byte reads better rounded
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1).replace(/\.0$/, '')} GB`;
  if (bytes >= 1024 ** 2) return `${Math.round(bytes / 1024 ** 2)} MB`;
  return `${bytes} bytes`;
}
