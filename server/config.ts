import path from 'node:path';
import { z } from 'zod';

/** Boolean environment values people actually type. */
const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

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
});

export type Config = z.infer<typeof configSchema> & { dataDir: string };

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
        const shown = name.includes('PASSWORD') || name === 'DATABASE_URL' || name === 'SMTP_URL' ? '(hidden)' : JSON.stringify(value);
        return `${name}=${shown}: ${issue.message}`;
      }),
    );
  }
  const config = parsed.data;
  if ((config.INITIAL_ADMIN_EMAIL === undefined) !== (config.INITIAL_ADMIN_PASSWORD === undefined)) {
    throw new ConfigError(['INITIAL_ADMIN_EMAIL and INITIAL_ADMIN_PASSWORD must be set together (or neither)']);
  }
  return { ...config, dataDir: path.resolve(config.DATA_DIR) };
}
