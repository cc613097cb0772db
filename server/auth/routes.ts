import type { Request } from 'express';
import { ipKeyGenerator, type RateLimitRequestHandler } from 'express-rate-limit';
import type { AppContext } from '../context.ts';
import { HttpError, notFound, unauthorized } from '../http/errors.ts';
import { defineRoute, type AnyRoute } from '../http/routes.ts';
import { z } from '../http/zod.ts';
import { currentUser } from './guard.ts';
import { databaseRateLimiter } from './rate-limit-store.ts';
import { ROLES, type Role } from './roles.ts';
import {
  clearSessionCookie,
  createSession,
  deleteExpiredSessions,
  deleteSession,
  deleteUserSessions,
  hashToken,
  newToken,
  SESSION_COOKIE,
  sessionCookieOptions,
  sessionTokenOf,
} from './session.ts';
import { createUser, hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from './users.ts';

export interface AuthOptions {
  /** Failed sign-ins allowed per client IP address and email within one window. */
  loginAttemptsPerAccount?: number;
  /** Failed sign-ins allowed per client IP address, whatever the email, within one window (password spraying). */
  loginAttemptsPerIp?: number;
  /** Length of the counting window, milliseconds. */
  loginWindowMs?: number;
}

const defaultAuthOptions: Required<AuthOptions> = {
  loginAttemptsPerAccount: 10,
  loginAttemptsPerIp: 100,
  loginWindowMs: 15 * 60_000,
};

/** One message for an unknown email, a wrong password and a disabled account: no user enumeration. */
export const WRONG_CREDENTIALS = 'Wrong email or password.';

// ---- Schemas (validation and the OpenAPI document) ----

const role = z.enum(ROLES).openapi({ description: 'Staff role; roles are explicit (admin is not a superuser).' });
const password = z
  .string()
  .min(MIN_PASSWORD_LENGTH, { message: `must be at least ${MIN_PASSWORD_LENGTH} characters` })
  .max(1024, { message: 'must be at most 1024 characters' });
const roles = z
  .array(role)
  .min(1, { message: `give at least one role (${ROLES.join(', ')})` })
  .transform((list) => [...new Set(list)]);
const displayName = z.string().trim().min(1).max(200);

const sessionUser = z
  .object({
    id: z.number().int(),
    email: z.string(),
    roles: z.array(role),
    displayName: z.string().nullable(),
  })
  .openapi('SessionUser');

const sessionBody = z
  .object({
    user: sessionUser,
    csrfToken: z.string().openapi({ description: 'Send as the X-CSRF-Token header on POST/PUT/PATCH/DELETE requests.' }),
  })
  .openapi('StaffSession');

const staffUser = z
  .object({
    id: z.number().int(),
    email: z.string(),
    roles: z.array(role),
    displayName: z.string().nullable(),
    disabled: z.boolean(),
    createdAt: z.string().openapi({ format: 'date-time' }),
    lastLoginAt: z.string().nullable().openapi({ format: 'date-time' }),
  })
  .openapi('StaffUser');

const loginBody = z
  .object({
    email: z.string().trim().min(1, { message: 'required' }).max(320),
    password: z.string().min(1, { message: 'required' }).max(1024),
  })
  .openapi('LoginRequest');

const newUserBody = z
  .object({
    email: z.email({ message: 'must be an email address' }).max(320),
    password,
    roles,
    displayName: displayName.optional(),
  })
  .openapi('NewStaffUser');

const userPatchBody = z
  .object({
    roles: roles.optional(),
    disabled: z.boolean().optional(),
    password: password.optional(),
    displayName: displayName.nullable().optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), {
    message: 'give at least one of roles, disabled, password, displayName',
  })
  .openapi('StaffUserChange');

const userIdParams = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });

const errorBody = z.object({ error: z.string(), message: z.string(), requestId: z.string() }).openapi('Error');

// ---- Rows ----

interface UserRow {
  id: number;
  email: string;
  roles: Role[];
  display_name: string | null;
  disabled: boolean;
  created_at: Date;
  last_login_at: Date | null;
}

const USER_COLUMNS = ['id', 'email', 'roles', 'display_name', 'disabled', 'created_at', 'last_login_at'];

const toSessionUser = (u: Pick<UserRow, 'id' | 'email' | 'roles' | 'display_name'>) => ({
  id: u.id,
  email: u.email,
  roles: u.roles,
  displayName: u.display_name,
});

const toStaffUser = (u: UserRow) => ({
  ...toSessionUser(u),
  disabled: u.disabled,
  createdAt: new Date(u.created_at).toISOString(),
  lastLoginAt: u.last_login_at ? new Date(u.last_login_at).toISOString() : null,
});

const selfLockout = (message: string) => new HttpError(409, 'self_lockout', message);

/**
 * Two login limiters sharing the database (so instances agree): per IP address + email, and per IP
 * address alone. Only failed sign-ins count (a successful one is taken back).
 */
function loginRateLimiters(ctx: AppContext, options: Required<AuthOptions>): RateLimitRequestHandler[] {
  const emailOf = (req: Request): string => {
    const email: unknown = (req.body as { email?: unknown } | undefined)?.email;
    return typeof email === 'string' ? email.trim().toLowerCase() : '';
  };
  const limiter = (prefix: string, limit: number, key: (req: Request) => string) =>
    databaseRateLimiter({
      ctx,
      prefix,
      limit,
      windowMs: options.loginWindowMs,
      key,
      skipSuccessfulRequests: true,
      onLimited: (req) => req.log?.warn({ email: emailOf(req), limiter: prefix }, 'sign-in rate limit reached'),
      message: (wait) => `Too many sign-in attempts. Try again in ${wait}.`,
    });
  const ip = (req: Request) => ipKeyGenerator(req.ip ?? '');
  return [
    limiter('login-ip:', options.loginAttemptsPerIp, ip),
    limiter('login-account:', options.loginAttemptsPerAccount, (req) => `${ip(req)}|${emailOf(req)}`),
  ];
}

/** Login, logout, current user, user administration. */
export function authRoutes(ctx: AppContext, authOptions: AuthOptions = {}): AnyRoute[] {
  const options = { ...defaultAuthOptions, ...authOptions };
  const { knex } = ctx.db;
  const ttlHours = ctx.config.SESSION_TTL_HOURS;
  // Verified against when the email is unknown, so a wrong email costs the same time as a wrong password.
  const dummyHash = hashPassword(newToken());
  dummyHash.catch(() => undefined);

  return [
    defineRoute({
      method: 'post',
      path: '/api/auth/login',
      summary: 'Sign in (staff)',
      description: `Sets the \`${SESSION_COOKIE}\` cookie (HttpOnly, SameSite=Lax, Secure over TLS). Failed attempts are rate-limited per IP address and email.`,
      tags: ['auth'],
      request: { body: loginBody },
      responses: {
        200: { description: 'Signed in; the session cookie is set', schema: sessionBody },
        401: { description: WRONG_CREDENTIALS, schema: errorBody },
        429: { description: 'Too many failed attempts; see Retry-After', schema: errorBody },
      },
      before: loginRateLimiters(ctx, options),
      handler: async ({ body }, req, res) => {
        const email = body.email.toLowerCase();
        const row: (UserRow & { password_hash: string }) | undefined = await knex('users')
          .whereRaw('lower(email) = ?', [email])
          .first(...USER_COLUMNS, 'password_hash');
        const passwordOk = await verifyPassword(row?.password_hash ?? (await dummyHash), body.password);
        if (!row || !passwordOk || row.disabled) {
          req.log?.info({ email, reason: !row ? 'unknown email' : row.disabled ? 'disabled' : 'wrong password' }, 'sign-in failed');
          throw new HttpError(401, 'invalid_credentials', WRONG_CREDENTIALS);
        }
        // A sign-in always starts a new session (no session fixation); the old one, if any, ends.
        const previous = sessionTokenOf(req);
        if (previous) await deleteSession(knex, hashToken(previous));
        await deleteExpiredSessions(knex);
        const session = await createSession(knex, row.id, ttlHours, { ip: req.ip, userAgent: req.get('user-agent') });
        await knex('users').where({ id: row.id }).update({ last_login_at: knex.fn.now() });
        req.log?.info({ userId: row.id }, 'signed in');
        res.cookie(SESSION_COOKIE, session.token, sessionCookieOptions(req));
        res.json({ user: toSessionUser(row), csrfToken: session.csrfToken });
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/auth/logout',
      summary: 'Sign out (ends the session on the server)',
      tags: ['auth'],
      responses: { 204: { description: 'Signed out; the cookie is cleared' } },
      handler: async (_input, req, res) => {
        if (req.staffSession) await deleteSession(knex, req.staffSession.idHash);
        clearSessionCookie(req, res);
        res.status(204).end();
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/auth/me',
      summary: 'The signed-in staff member and the CSRF token',
      tags: ['auth'],
      responses: { 200: { description: 'Current session', schema: sessionBody } },
      handler: async (_input, req, res) => {
        const user = currentUser(req);
        const row = await knex('users').where({ id: user.id }).first('id', 'email', 'roles', 'display_name');
        if (!row) throw unauthorized();
        res.json({ user: toSessionUser(row), csrfToken: req.staffSession?.csrfToken });
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/users',
      summary: 'List staff accounts',
      tags: ['users'],
      responses: { 200: { description: 'Every staff account', schema: z.object({ users: z.array(staffUser) }) } },
      handler: async (_input, _req, res) => {
        const rows: UserRow[] = await knex('users').select(USER_COLUMNS).orderBy('id');
        res.json({ users: rows.map(toStaffUser) });
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/users',
      summary: 'Create a staff account',
      tags: ['users'],
      request: { body: newUserBody },
      responses: {
        201: { description: 'Created', schema: z.object({ user: staffUser }) },
        409: { description: 'The email is taken', schema: errorBody },
      },
      handler: async ({ body }, req, res) => {
        const created = await createUser(knex, body);
        const row: UserRow = await knex('users').where({ id: created.id }).first(USER_COLUMNS);
        req.log?.info({ userId: created.id, roles: created.roles, by: req.user?.id }, 'staff account created');
        res.status(201).json({ user: toStaffUser(row) });
      },
    }),

    defineRoute({
      method: 'patch',
      path: '/api/users/:id',
      summary: 'Change a staff account (roles, disabled, password, display name)',
      description:
        "Disabling an account or setting its password ends that account's sessions (an admin's own current session survives a change of their own password). Admins cannot remove their own admin role or disable themselves.",
      tags: ['users'],
      request: { params: userIdParams, body: userPatchBody },
      responses: {
        200: { description: 'Changed', schema: z.object({ user: staffUser }) },
        404: { description: 'No such user', schema: errorBody },
        409: { description: 'The change would lock the caller out', schema: errorBody },
      },
      handler: async ({ params, body }, req, res) => {
        const me = currentUser(req);
        const self = params.id === me.id;
        if (self && body.disabled === true) throw selfLockout('You cannot disable your own account; ask another admin.');
        if (self && body.roles && !body.roles.includes('admin')) {
          throw selfLockout('You cannot remove your own admin role; ask another admin.');
        }
        const change: Record<string, unknown> = {};
        if (body.roles) change.roles = body.roles;
        if (body.disabled !== undefined) change.disabled = body.disabled;
        if (body.displayName !== undefined) change.display_name = body.displayName;
        if (body.password) change.password_hash = await hashPassword(body.password);
        const row = await knex.transaction(async (trx) => {
          const [updated]: UserRow[] = await trx('users').where({ id: params.id }).update(change).returning(USER_COLUMNS);
          if (!updated) return undefined;
          if (body.disabled === true || body.password) {
            await deleteUserSessions(trx, params.id, self ? req.staffSession?.idHash : undefined);
          }
          return updated;
        });
        if (!row) throw notFound(`No user with id ${params.id}.`);
        req.log?.info(
          { userId: params.id, by: me.id, changed: Object.keys(change).map((k) => (k === 'password_hash' ? 'password' : k)) },
          'staff account changed',
        );
        res.json({ user: toStaffUser(row) });
      },
    }),
  ];
}
