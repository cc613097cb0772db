import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stdout; secrets and cookies are redacted. */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: { service: 'roadsafe' },
    redact: {
      paths: ['req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]', 'password', '*.password'],
      censor: '[redacted]',
    },
  });
}
