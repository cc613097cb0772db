import { createHash, randomBytes } from 'node:crypto';
import type { CookieOptions, Request, RequestHandler, Response } from 'express';
import type { Knex } from 'knex';
import type { AppContext } from '../context.ts';
import type { Role } from './roles.ts';

/** The staff session cookie. Its value is a random token; the database keeps only its sha256. */
export const SESSION_COOKIE = 'roadsafe_session';

/** Slide a session's expiry at most this often, so a busy page does not write on every request. */
const SLIDE_EVERY_SECONDS = 60;

/** 32 random bytes in base64url: 43 characters. Anything else in the cookie is ignored unread. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** A new random token (32 bytes, base64url): session ids and CSRF tokens. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** sha256 (hex) of a session token: what `sessions.id_hash` holds. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Cookie attributes: HttpOnly, SameSite=Lax, whole site; Secure when the request came over TLS. */
export function sessionCookieOptions(req: Request): CookieOptions {
  // req.secure is true over TLS, or behind a trusted proxy (TRUST_PROXY) that says X-Forwarded-Proto: https.
  // No Max-Age: a browser-session cookie; the server enforces expiry (sliding SESSION_TTL_HOURS).
  return { httpOnly: true, sameSite: 'lax', path: '/', secure: req.secure };
}

export interface NewSession {
  token: string;
  idHash: string;
  csrfToken: string;
}

/** Stores a new session for a user and returns its cookie token (shown once, never stored). */
export async function createSession(
  knex: Knex,
  userId: number,
  ttlHours: number,
  client: { ip?: string; userAgent?: string } = {},
): Promise<NewSession> {
  const token = newToken();
  const session = { token, idHash: hashToken(token), csrfToken: newToken() };
  await knex('sessions').insert({
    id_hash: session.idHash,
    user_id: userId,
    csrf_token: session.csrfToken,
    expires_at: knex.raw(`now() + ? * interval '1 hour'`, [ttlHours]),
    ip: client.ip ?? null,
    user_agent: client.userAgent?.slice(0, 500) ?? null,
  });
  return session;
}

/** Ends one session (logout). */
export async function deleteSession(knex: Knex, idHash: string): Promise<void> {
  await knex('sessions').where({ id_hash: idHash }).delete();
}

/** Ends every session of a user (disabled, password changed), optionally keeping one (the caller's own). */
export async function deleteUserSessions(knex: Knex, userId: number, keepIdHash?: string): Promise<number> {
  const query = knex('sessions').where({ user_id: userId });
  if (keepIdHash) query.whereNot({ id_hash: keepIdHash });
  return query.delete();
}

/** Housekeeping: drops expired sessions (called on login; the expires_at index keeps it cheap). */
export async function deleteExpiredSessions(knex: Knex): Promise<number> {
  return knex('sessions').where('expires_at', '<', knex.fn.now()).delete();
}

/** The session token from the request's cookie, when it has the shape of one. */
export function sessionTokenOf(req: Request): string | undefined {
  const token: unknown = req.cookies?.[SESSION_COOKIE];
  return typeof token === 'string' && TOKEN_SHAPE.test(token) ? token : undefined;
}

interface SessionRow {
  id_hash: string;
  csrf_token: string;
  stale: boolean;
  user_id: number;
  email: string;
  roles: Role[];
}

/**
 * Loads the staff session from its cookie and sets req.user / req.staffSession. Never rejects:
 * an absent, unknown or expired session, or a disabled user, leaves the request anonymous, and
 * `requireAccess` (guard.ts) decides what an anonymous request may do.
 */
export function sessionMiddleware(ctx: AppContext): RequestHandler {
  const { knex } = ctx.db;
  const ttlHours = ctx.config.SESSION_TTL_HOURS;
  return (req, _res, next) => {
    const token = sessionTokenOf(req);
    if (!token) return next();
    const idHash = hashToken(token);
    (async () => {
      // Expiry is judged by the database clock, which every instance shares.
      const row: SessionRow | undefined = await knex('sessions as s')
        .join('users as u', 'u.id', 's.user_id')
        .where('s.id_hash', idHash)
        .andWhere('s.expires_at', '>', knex.fn.now())
        .andWhere('u.disabled', false)
        .first(
          's.id_hash',
          's.csrf_token',
          knex.raw(`s.last_seen_at < now() - ? * interval '1 second' AS stale`, [SLIDE_EVERY_SECONDS]),
          'u.id as user_id',
          'u.email',
          'u.roles',
        );
      if (!row) return;
      if (row.stale) {
        await knex('sessions')
          .where({ id_hash: idHash })
          .update({ last_seen_at: knex.fn.now(), expires_at: knex.raw(`now() + ? * interval '1 hour'`, [ttlHours]) });
      }
      req.user = { id: row.user_id, email: row.email, roles: row.roles };
      req.staffSession = { idHash: row.id_hash, csrfToken: row.csrf_token };
    })().then(() => next(), next);
  };
}

/** Clears the session cookie with the attributes it was set with (browsers match on them). */
export function clearSessionCookie(req: Request, res: Response): void {
  res.clearCookie(SESSION_COOKIE, sessionCookieOptions(req));
}
