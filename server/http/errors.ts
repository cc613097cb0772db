import type { ErrorRequestHandler } from 'express';
import type { Logger } from '../logger.ts';

/** One problem with one input field, e.g. `{field: "query.from", code: "invalid_date", message: "…"}`. */
export interface FieldError {
  field: string;
  code: string;
  message: string;
}

/** An error with an HTTP status and a stable code; the one error handler turns it into JSON. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors?: FieldError[],
  ) {
    super(message);
  }
}

export const invalidRequest = (errors: FieldError[]) =>
  new HttpError(400, 'invalid_request', errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
export const unauthorized = (message = 'Sign in to use this.') => new HttpError(401, 'unauthorized', message);
export const forbidden = (message = 'Your role does not allow this.') => new HttpError(403, 'forbidden', message);
export const notFound = (message = 'Not found.') => new HttpError(404, 'not_found', message);
export const conflict = (message: string) => new HttpError(409, 'conflict', message);

/** PostgreSQL's unique_violation: two writers raced past a "is it free?" check, or a check is missing. */
const UNIQUE_VIOLATION = '23505';

/** What a unique constraint means to a user, given the value it refused when PostgreSQL says. */
const UNIQUE_MESSAGES: Record<string, (value: string | undefined) => string> = {
  enforcement_sites_reference_unique: (value) =>
    `The site reference ${value ?? 'given'} is already used by another site; references are unique. Reload the register and choose another.`,
  vans_call_sign_unique: (value) => `Call sign ${value === undefined ? 'given' : `"${value}"`} is already used by another van. Reload the vans and choose another.`,
  plans_one_published_idx: (value) =>
    `${value ?? 'That month'} already has a published plan (another was published at the same moment): reload the month's plans and correct the published one instead.`,
};

/** `Key (call_sign)=(VAN-01) already exists.` → columns and value. */
function uniqueKey(detail: unknown): { columns: string; value: string } | undefined {
  const match = typeof detail === 'string' ? /^Key \((.*)\)=\((.*)\) already exists\.?$/s.exec(detail) : null;
  return match ? { columns: match[1]!, value: match[2]! } : undefined;
}

/**
 * A PostgreSQL unique violation as a 409 naming what was taken (the constraint and, when the driver
 * gives it, the value), or undefined for any other error.
 */
export function uniqueViolation(err: unknown): HttpError | undefined {
  if (typeof err !== 'object' || err === null || (err as { code?: unknown }).code !== UNIQUE_VIOLATION) return undefined;
  const { constraint, detail } = err as { constraint?: unknown; detail?: unknown };
  const name = typeof constraint === 'string' && constraint ? constraint : undefined;
  const key = uniqueKey(detail);
  const known = name ? UNIQUE_MESSAGES[name] : undefined;
  if (known) return new HttpError(409, 'conflict', known(key?.value));
  const what = key ? ` (${key.columns} ${key.value})` : '';
  return new HttpError(409, 'conflict', `That value is already taken${name ? ` (${name})` : ''}${what}: someone else may have saved the same thing a moment ago. Reload and try again.`);
}

/**
 * The single Express error handler. Known errors keep their status and message; a PostgreSQL
 * unique violation (a race past a uniqueness check) is a 409 naming what was taken; anything else is
 * logged with the request id and answered as a 500 without internals (in production).
 * Body: `{"error": code, "message": text, "errors"?: FieldError[], "requestId": id}`.
 */
export function errorHandler(logger: Logger, exposeInternals: boolean): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const requestId = String(req.id ?? '');
    const known = err instanceof HttpError ? err : uniqueViolation(err);
    if (known) {
      if (!(err instanceof HttpError)) (req.log ?? logger).warn({ constraint: (err as { constraint?: string }).constraint, requestId }, 'unique violation answered 409');
      res.status(known.status).json({ error: known.code, message: known.message, errors: known.errors, requestId });
      return;
    }
    // Errors from body-parser and friends carry a status and `expose`.
    const status = typeof err?.status === 'number' ? err.status : typeof err?.statusCode === 'number' ? err.statusCode : 500;
    if (status >= 400 && status < 500 && err?.expose) {
      const code = err.type === 'entity.parse.failed' ? 'invalid_json' : err.type === 'entity.too.large' ? 'payload_too_large' : 'bad_request';
      res.status(status).json({ error: code, message: String(err.message), requestId });
      return;
    }
    (req.log ?? logger).error({ err, requestId }, 'unhandled error');
    res.status(500).json({
      error: 'internal_error',
      message: exposeInternals ? String(err?.message ?? err) : 'Something went wrong on our side. Quote the request id if you report it.',
      requestId,
    });
  };
}
