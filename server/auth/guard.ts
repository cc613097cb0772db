import { timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Access } from '../access.ts';
import { forbidden, HttpError, unauthorized } from '../http/errors.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Enforces a route's declared access, in this order:
 * 1. any state-changing request (public or staff) whose `Origin` header names another site → 403
 *    `cross_origin` (this also guards login, which has no session and so no CSRF token yet);
 * 2. staff routes: no session → 401; none of the listed roles → 403 (roles are explicit: `admin`
 *    is not a superuser and passes only where it is listed);
 * 3. state-changing cookie-authenticated requests: `X-CSRF-Token` must equal the session's → else 403 `csrf_failed`.
 */
export function requireAccess(access: Access): RequestHandler {
  return (req, _res, next) => {
    const stateChanging = !SAFE_METHODS.has(req.method);
    if (stateChanging && !sameOrigin(req)) {
      return next(new HttpError(403, 'cross_origin', 'Requests that change data must come from this site (the Origin header names another).'));
    }
    if (access.kind === 'public') return next();
    if (!req.user) return next(unauthorized());
    if (!req.user.roles.some((role) => access.roles.includes(role))) {
      return next(forbidden(`This needs one of the roles: ${access.roles.join(', ')}.`));
    }
    if (stateChanging && req.staffSession && !tokensEqual(req.get('x-csrf-token'), req.staffSession.csrfToken)) {
      return next(
        new HttpError(403, 'csrf_failed', 'Missing or wrong X-CSRF-Token header; take the token from GET /api/auth/me.'),
      );
    }
    next();
  };
}

/** The signed-in staff member of a staff route; the guard has already answered 401 when there is none. */
export function currentUser(req: Request): NonNullable<Request['user']> {
  if (!req.user) throw unauthorized();
  return req.user;
}

/**
 * True when the request has no Origin header (non-browser clients; browsers always send one on
 * POST/PUT/PATCH/DELETE) or its Origin's host is the host the request was sent to. Hosts, not full
 * origins, are compared so a TLS-terminating proxy without TRUST_PROXY does not break sign-in.
 */
export function sameOrigin(req: Request): boolean {
  const origin = req.get('origin');
  if (origin === undefined) return true;
  // req.host is the Host header, or X-Forwarded-Host behind a trusted proxy.
  const host = req.host;
  if (!host) return false;
  try {
    const sent = new URL(origin);
    // Parse our host with the Origin's scheme so default ports (":443", ":80") compare equal.
    return sent.host === new URL(`${sent.protocol}//${host}`).host;
  } catch {
    return false; // "null" (sandboxed frames, privacy redirects) or garbage
  }
}

/** Constant-time comparison of a sent token with the expected one. */
function tokensEqual(sent: string | undefined, expected: string): boolean {
  if (!sent) return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
