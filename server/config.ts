import path from 'node:path';
import { z } from 'zod';
import { parseClamdAddress } from './snap/media/scan.ts';

/** Boolean environment values people actually type. */
const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** A whole number from the environment, in [min, max], with the range in the message. */
const wholeNumber = (min: number, max: number) =>
  z.coerce
    .number({ message: 'must be a number' })
    .int({ message: `must be a whole number from ${min} to ${max}` })
    .min(min, { message: `must be a whole number from ${min} to ${max}` })
    .max(max, { message: `must be a whole number from ${min} to ${max}` });

/** 2 GiB − 1 byte: the largest file many virus scanners (and 32-bit tools) handle. */
export const SNAP_MAX_FILE_BYTES_LIMIT = 2 * 1024 ** 3 - 1;
const MIB = 1024 * 1024;

const postgresUrl = z
  .string()
  .refine((v) => /^postgres(ql)?:\/\//.test(v), { message: 'must start with postgres:// or postgresql://' });

/**
 * Every environment variable the service reads. `.env.example` lists the same names;
 * a test keeps the two in step.
 */
export const configSchema = z.object({
  PORT: z.coerce.number({ message: 'must be a number' }).int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  /** Production PostgreSQL with PostGIS 3.3+. Absent: the embedded PostGIS in DATA_DIR. */
  DATABASE_URL: postgresUrl.optional(),
  /** Where the embedded database, the initial admin password file and other state live. */
  DATA_DIR: z.string().min(1).default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** Load the 14 Lancashire districts and the 2023 collisions when the database is empty. */
  DEMO_DATA: booleanFromEnv.default(true),
  INITIAL_ADMIN_EMAIL: z.email({ message: 'must be an email address' }).optional(),
  INITIAL_ADMIN_PASSWORD: z.string().min(12, { message: 'must be at least 12 characters' }).optional(),
  /** Hours a staff session lasts without activity. */
  SESSION_TTL_HOURS: z.coerce.number({ message: 'must be a number' }).positive().max(24 * 90).default(12),
  /** Set when behind a reverse proxy that sets X-Forwarded-* (express "trust proxy"). */
  TRUST_PROXY: booleanFromEnv.default(false),
  /** Optional external basemap (a MapLibre style URL) drawn under the service's own layers. */
  BASEMAP_STYLE_URL: z.url({ message: 'must be a URL' }).optional(),
  /** Seconds to let requests finish on SIGTERM/SIGINT before forcing the exit. */
  SHUTDOWN_GRACE_SECONDS: z.coerce.number({ message: 'must be a number' }).min(0).max(600).default(10),
  /** Run scheduled jobs (the monthly hotspot run) in this instance. Instances coordinate through a claim table. */
  SCHEDULER_ENABLED: booleanFromEnv.default(true),
  /** node-cron expression, Europe/London time, for the monthly hotspot scoring run (default 02:00 on the 1st). */
  HOTSPOT_SCHEDULE: z.string().min(9, { message: 'must be a cron expression, e.g. "0 2 1 * *"' }).default('0 2 1 * *'),
  /** SMTP server for outgoing mail, e.g. smtp://user:pass@mail.example.org:587. Absent: messages go to DATA_DIR/outbox. */
  SMTP_URL: z.string().refine((v) => /^smtps?:\/\//.test(v), { message: 'must start with smtp:// or smtps://' }).optional(),
  /** From address of outgoing mail. */
  MAIL_FROM: z.string().min(3).default('Road Safety Partnership <no-reply@roadsafe.invalid>'),
  /** Public base URL of the service, used in links sent by email (status pages). */
  PUBLIC_URL: z.url({ message: 'must be a URL' }).optional(),
  /** node-cron expression, Europe/London: draft next month's van plan and tell planners (default 06:00 on the 20th). */
  PLAN_DRAFT_SCHEDULE: z.string().min(9, { message: 'must be a cron expression, e.g. "0 6 20 * *"' }).default('0 6 20 * *'),
  /** node-cron expression, Europe/London: alert supervisors if the month has no published plan (default 07:00 on the 1st). */
  PLAN_PUBLISH_CHECK_SCHEDULE: z.string().min(9, { message: 'must be a cron expression, e.g. "0 7 1 * *"' }).default('0 7 1 * *'),
  /** Optional JSON file overriding the site eligibility criteria and enforcement-threshold rounding (see GET /api/site-criteria). */
  SITE_CRITERIA_FILE: z.string().min(1).optional(),
  /** Centre of the enforcement area for sunrise and sunset (decimal degrees; default central Lancashire). */
  AREA_LATITUDE: z.coerce.number().min(49).max(61).default(53.82),
  AREA_LONGITUDE: z.coerce.number().min(-8).max(2).default(-2.6),

  // Operation Snap footage (server/snap/uploads, server/snap/storage).
  /** Where footage is kept: `local` (DATA_DIR/footage) or `s3` (an S3-compatible bucket, SNAP_S3_*). */
  SNAP_STORE: z.enum(['local', 's3'], { message: 'must be local or s3' }).default('local'),
  /** Bucket for footage; required with SNAP_STORE=s3. */
  SNAP_S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'must be a bucket name: 3–63 lowercase letters, digits, dots and hyphens' })
    .optional(),
  /** S3 region (MinIO and most S3-compatible services ignore it). */
  SNAP_S3_REGION: z.string().min(1).default('us-east-1'),
  /** Endpoint of an S3-compatible service (absent: AWS). */
  SNAP_S3_ENDPOINT: z.string().regex(/^https?:\/\/[^\s/]+/, { message: 'must be an http:// or https:// URL' }).optional(),
  /** Path-style bucket addressing, for MinIO/Ceph-style endpoints. */
  SNAP_S3_FORCE_PATH_STYLE: booleanFromEnv.default(false),
  /** S3 credentials, both or neither; neither = the AWS SDK's default chain (environment, profile, instance role). */
  SNAP_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  SNAP_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  /** Bytes per multipart part of an S3 upload (S3's minimum is 5 MiB, maximum 5 GiB; default 8 MiB). */
  SNAP_S3_PART_SIZE_BYTES: wholeNumber(5 * MIB, 5 * 1024 * MIB).default(8 * MIB),
  /** Largest footage file accepted, in bytes (default and most: 2 GiB − 1 byte). */
  SNAP_MAX_FILE_BYTES: wholeNumber(1, SNAP_MAX_FILE_BYTES_LIMIT).default(SNAP_MAX_FILE_BYTES_LIMIT),
  /** Footage files per submission (refused files do not count). */
  SNAP_MAX_FILES: wholeNumber(1, 10).default(2),
  /** Files checked at once by this instance (a viewing copy uses every core). */
  SNAP_PROCESSING_CONCURRENCY: wholeNumber(1, 16).default(1),
  /** Milliseconds before re-checking a file put on hold because a checker was unavailable (default 5 minutes). */
  SNAP_ON_HOLD_RETRY_MS: wholeNumber(100, 24 * 3_600_000).default(5 * 60_000),
  /** Checks of one file before it is left on hold for a person. */
  SNAP_MAX_PROCESSING_ATTEMPTS: wholeNumber(1, 20).default(3),
  /** ffprobe and ffmpeg executables (Debian's paths by default). */
  SNAP_FFPROBE_PATH: z.string().min(1).default('/usr/bin/ffprobe'),
  SNAP_FFMPEG_PATH: z.string().min(1).default('/usr/bin/ffmpeg'),
  /** Milliseconds ffprobe may take to read a file's headers. */
  FFPROBE_TIMEOUT_MS: wholeNumber(100, 600_000).default(15_000),
  /** Shortest and longest clip accepted, in seconds (default 1 s to 5 minutes). */
  SNAP_MIN_DURATION_S: wholeNumber(0, 3600).default(1),
  SNAP_MAX_DURATION_S: wholeNumber(1, 6 * 3600).default(300),
  /** How far a video is read to find damage: demux (every packet), decode (every frame, slow) or none. */
  SNAP_INTEGRITY_CHECK: z.enum(['demux', 'decode', 'none'], { message: 'must be demux, decode or none' }).default('demux'),
  /** clamd for the virus scan: tcp://host:3310 or unix:/run/clamav/clamd.ctl. Absent: no scan. Set and unavailable: files wait on hold. */
  CLAMD_URL: z
    .string()
    .refine(
      (v) => {
        try {
          parseClamdAddress(v);
          return true;
        } catch {
          return false;
        }
      },
      { message: 'must be tcp://host:port, unix:/path/to/clamd.ctl or an absolute socket path' },
    )
    .optional(),
  /** Milliseconds one virus scan may take (default 10 minutes: 2 GiB on a busy clamd). */
  CLAMD_TIMEOUT_MS: wholeNumber(1000, 3_600_000).default(10 * 60_000),
});

export type Config = z.infer<typeof configSchema> & { dataDir: string };

/** Values never echoed in error messages (passwords, secret keys, URLs that may carry credentials). */
function isSecret(name: string): boolean {
  return /PASSWORD|SECRET/.test(name) || name === 'DATABASE_URL' || name === 'SMTP_URL';
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Reads and validates the environment; throws ConfigError naming every bad variable and its value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings mean "unset" (a blank line in .env), not an invalid value.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0]);
        const value = env[name];
        const shown = isSecret(name) ? '(hidden)' : JSON.stringify(value);
        return `${name}=${shown}: ${issue.message}`;
      }),
    );
  }
  const config = parsed.data;
  const problems: string[] = [];
  if ((config.INITIAL_ADMIN_EMAIL === undefined) !== (config.INITIAL_ADMIN_PASSWORD === undefined)) {
    problems.push('INITIAL_ADMIN_EMAIL and INITIAL_ADMIN_PASSWORD must be set together (or neither)');
  }
  if (config.SNAP_STORE === 's3' && config.SNAP_S3_BUCKET === undefined) problems.push('SNAP_S3_BUCKET is required when SNAP_STORE=s3');
  if ((config.SNAP_S3_ACCESS_KEY_ID === undefined) !== (config.SNAP_S3_SECRET_ACCESS_KEY === undefined)) {
    problems.push('SNAP_S3_ACCESS_KEY_ID and SNAP_S3_SECRET_ACCESS_KEY must be set together (or neither, to use the AWS default credentials)');
  }
  if (config.SNAP_MAX_DURATION_S < config.SNAP_MIN_DURATION_S) {
    problems.push(`SNAP_MAX_DURATION_S=${config.SNAP_MAX_DURATION_S}: must not be less than SNAP_MIN_DURATION_S (${config.SNAP_MIN_DURATION_S})`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...config, dataDir: path.resolve(config.DATA_DIR) };
}
