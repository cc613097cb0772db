import path from 'node:path';
import type { Config } from '../../config.ts';

/**
 * Footage store settings from the validated service configuration (server/config.ts declares and
 * checks SNAP_STORE and SNAP_S3_*, naming the key and value of anything wrong, and hides the secret):
 *
 *   SNAP_STORE                 local (default: DATA_DIR/footage) | s3
 *   SNAP_S3_BUCKET             bucket name (required with s3)
 *   SNAP_S3_REGION             e.g. eu-west-2 (default us-east-1; MinIO and most others ignore it)
 *   SNAP_S3_ENDPOINT           https://… for an S3-compatible service (absent: AWS)
 *   SNAP_S3_FORCE_PATH_STYLE   true for MinIO/Ceph-style endpoints (default false)
 *   SNAP_S3_ACCESS_KEY_ID, SNAP_S3_SECRET_ACCESS_KEY
 *                              both or neither; neither = the AWS SDK's default chain (env, profile, role)
 *   SNAP_S3_PART_SIZE_BYTES    multipart part size (default 8 MiB; S3's minimum is 5 MiB)
 */

export interface S3FootageSettings {
  bucket: string;
  region: string;
  endpoint?: string;
  forcePathStyle: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  partSizeBytes: number;
}

export type FootageStoreSettings = { kind: 'local'; root: string } | { kind: 's3'; s3: S3FootageSettings };

/** The configuration keys the footage store reads. */
export type FootageStoreConfig = Pick<
  Config,
  | 'dataDir'
  | 'SNAP_STORE'
  | 'SNAP_S3_BUCKET'
  | 'SNAP_S3_REGION'
  | 'SNAP_S3_ENDPOINT'
  | 'SNAP_S3_FORCE_PATH_STYLE'
  | 'SNAP_S3_ACCESS_KEY_ID'
  | 'SNAP_S3_SECRET_ACCESS_KEY'
  | 'SNAP_S3_PART_SIZE_BYTES'
>;

/** The footage store to use (default: local files under DATA_DIR/footage). */
export function footageStoreSettings(config: FootageStoreConfig): FootageStoreSettings {
  if (config.SNAP_STORE === 'local') return { kind: 'local', root: path.join(config.dataDir, 'footage') };
  // loadConfig refuses s3 without a bucket; a hand-made config object is checked here too.
  if (!config.SNAP_S3_BUCKET) throw new Error('SNAP_S3_BUCKET is required when SNAP_STORE=s3');
  const s3: S3FootageSettings = {
    bucket: config.SNAP_S3_BUCKET,
    region: config.SNAP_S3_REGION,
    forcePathStyle: config.SNAP_S3_FORCE_PATH_STYLE,
    partSizeBytes: config.SNAP_S3_PART_SIZE_BYTES,
  };
  if (config.SNAP_S3_ENDPOINT) s3.endpoint = config.SNAP_S3_ENDPOINT;
  if (config.SNAP_S3_ACCESS_KEY_ID && config.SNAP_S3_SECRET_ACCESS_KEY) {
    s3.credentials = { accessKeyId: config.SNAP_S3_ACCESS_KEY_ID, secretAccessKey: config.SNAP_S3_SECRET_ACCESS_KEY };
  }
  return { kind: 's3', s3 };
}
