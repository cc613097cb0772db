import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { rateLimit, type ClientRateLimitInfo, type Options, type RateLimitRequestHandler, type Store } from 'express-rate-limit';
import type { Knex } from 'knex';
import type { AppContext } from '../context.ts';
import { HttpError } from '../http/errors.ts';

/**
 * An express-rate-limit store in the `login_attempts` table, so several server instances share
 * one count (express-rate-limit's MemoryStore counts per process). Fixed windows, like MemoryStore:
 * the first hit opens a window of `windowMs`; hits after it ends start a new one. Times come from
 * the database clock, which every instance shares. Keys are stored as sha256 hashes.
 */
export class DatabaseRateLimitStore implements Store {
  /** Tells express-rate-limit the count is shared, not per instance. */
  readonly localKeys = false;
  private windowMs = 60_000;
  private lastSweep = 0;

  /** @param prefix distinguishes limiters sharing the table, e.g. `login-account:`. */
  constructor(
    private readonly knex: Knex,
    readonly prefix: string,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  private keyHash(key: string): string {
    return createHash('sha256').update(this.prefix + key).digest('hex');
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const row = await this.knex('login_attempts')
      .where({ key_hash: this.keyHash(key) })
      .andWhere('reset_at', '>', this.knex.fn.now())
      .first('hits', 'reset_at');
    return row ? { totalHits: Number(row.hits), resetTime: new Date(row.reset_at) } : undefined;
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    await this.sweep();
    const { rows } = await this.knex.raw(
      `INSERT INTO login_attempts AS a (key_hash, hits, reset_at)
       VALUES (?, 1, now() + ? * interval '1 millisecond')
       ON CONFLICT (key_hash) DO UPDATE SET
         hits = CASE WHEN a.reset_at <= now() THEN 1 ELSE a.hits + 1 END,
         reset_at = CASE WHEN a.reset_at <= now() THEN excluded.reset_at ELSE a.reset_at END
       RETURNING hits, reset_at`,
      [this.keyHash(key), this.windowMs],
    );
    const row = rows[0] as { hits: number; reset_at: Date | string };
    return { totalHits: Number(row.hits), resetTime: new Date(row.reset_at) };
  }

  async decrement(key: string): Promise<void> {
    await this.knex('login_attempts')
      .where({ key_hash: this.keyHash(key) })
      .andWhere('reset_at', '>', this.knex.fn.now())
      .update({ hits: this.knex.raw('greatest(hits - 1, 0)') });
  }

  async resetKey(key: string): Promise<void> {
    await this.knex('login_attempts').where({ key_hash: this.keyHash(key) }).delete();
  }

  /** Deletes ended windows, at most once per window per instance. */
  private async sweep(): Promise<void> {
    if (Date.now() - this.lastSweep < this.windowMs) return;
    this.lastSweep = Date.now();
    await this.knex('login_attempts').where('reset_at', '<', this.knex.fn.now()).delete();
  }
}

export interface DatabaseRateLimiterOptions {
  ctx: Pick<AppContext, 'db' | 'logger'>;
  /** Distinguishes limiters sharing the table, e.g. `login-account:`. */
  prefix: string;
  /** Requests counted per key within one window. */
  limit: number;
  windowMs: number;
  /** The client a request counts against (e.g. its IP address). */
  key: (req: Request) => string;
  /** Count only failed requests (a successful one is taken back). */
  skipSuccessfulRequests?: boolean;
  /** Count only successful requests (a failed one is taken back). */
  skipFailedRequests?: boolean;
  /** Logs a refused request. */
  onLimited: (req: Request) => void;
  /** The 429 message, given the wait until the window ends, e.g. "1 minute", "12 minutes". */
  message: (wait: string) => string;
}

/**
 * An express-rate-limit limiter counting in the database (so instances agree): standard
 * RateLimit/Retry-After headers, and a 429 `too_many_requests` error when the limit is reached.
 */
export function databaseRateLimiter(options: DatabaseRateLimiterOptions): RateLimitRequestHandler {
  const { ctx, windowMs } = options;
  return rateLimit({
    windowMs,
    limit: options.limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    skipSuccessfulRequests: options.skipSuccessfulRequests ?? false,
    skipFailedRequests: options.skipFailedRequests ?? false,
    store: new DatabaseRateLimitStore(ctx.db.knex, options.prefix),
    keyGenerator: options.key,
    logger: {
      error: (err: unknown, message?: string) => ctx.logger.error({ err }, message ?? 'rate limiter error'),
      warn: (err: unknown, message?: string) => ctx.logger.warn({ err }, message ?? 'rate limiter warning'),
    },
    handler: (req, _res, next) => {
      const resetTime = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const minutes = Math.max(1, Math.ceil(((resetTime?.getTime() ?? Date.now() + windowMs) - Date.now()) / 60_000));
      options.onLimited(req);
      next(new HttpError(429, 'too_many_requests', options.message(`${minutes} minute${minutes === 1 ? '' : 's'}`)));
    },
  });
}
