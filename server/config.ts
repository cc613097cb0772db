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
        const shown = name.includes('PASSWORD') || name === 'DATABASE_URL' ? '(hidden)' : JSON.stringify(value);
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
