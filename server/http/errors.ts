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

/**
 * The single Express error handler. Known errors keep their status and message; anything else is
 * logged with the request id and answered as a 500 without internals (in production).
 * Body: `{"error": code, "message": text, "errors"?: FieldError[], "requestId": id}`.
 */
export function errorHandler(logger: Logger, exposeInternals: boolean): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const requestId = String(req.id ?? '');
    if (err instanceof HttpError) {
      res.status(err.status).json({ error: err.code, message: err.message, errors: err.errors, requestId });
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
