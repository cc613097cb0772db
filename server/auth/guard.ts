import type { RequestHandler } from 'express';
import type { Access } from '../access.ts';
import { forbidden, HttpError, unauthorized } from '../http/errors.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Enforces a route's declared access: 401 without a session, 403 for a role not listed, and 403
 * for a state-changing cookie-authenticated request whose X-CSRF-Token does not match the session's.
 */
export function requireAccess(access: Access): RequestHandler {
  if (access.kind === 'public') return (_req, _res, next) => next();
  return (req, _res, next) => {
    if (!req.user) return next(unauthorized());
    if (!req.user.roles.some((role) => access.roles.includes(role))) {
      return next(forbidden(`This needs one of the roles: ${access.roles.join(', ')}.`));
    }
    if (!SAFE_METHODS.has(req.method) && req.staffSession) {
      const sent = req.get('x-csrf-token');
      if (!sent || sent !== req.staffSession.csrfToken) {
        return next(
          new HttpError(403, 'csrf_failed', 'Missing or wrong X-CSRF-Token header; take the token from GET /api/auth/me.'),
        );
      }
    }
    next();
  };
}
