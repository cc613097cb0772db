import type { Knex } from 'knex';
import type { Role } from '../../server/auth/roles.ts';
import { createUser, type StaffUser } from '../../server/auth/users.ts';

/** A signed-in staff member as a test client sees them: the cookie and the CSRF token. */
export interface StaffClient {
  user: { id: number; email: string; roles: Role[]; displayName: string | null };
  cookie: string;
  csrfToken: string;
  /** Headers for a request as this user; state-changing requests also need `csrf: true`. */
  headers(options?: { csrf?: boolean; json?: boolean }): Record<string, string>;
}

/** A password good enough for createUser (≥ 12 characters). */
export const TEST_PASSWORD = 'correct horse battery staple';

/** Creates a staff account with the given roles (password TEST_PASSWORD unless given). */
export function createStaff(knex: Knex, email: string, roles: Role[], password = TEST_PASSWORD): Promise<StaffUser> {
  return createUser(knex, { email, password, roles });
}

/** The `name=value` part of the Set-Cookie header for `name`, if the response sets it. */
export function setCookie(res: Response, name = 'roadsafe_session'): string | undefined {
  return res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
}

/** POST /api/auth/login; throws unless it answers 200. */
export async function signIn(baseUrl: string, email: string, password = TEST_PASSWORD): Promise<StaffClient> {
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`sign-in as ${email} answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { user: StaffClient['user']; csrfToken: string };
  const cookie = setCookie(res)?.split(';')[0];
  if (!cookie) throw new Error('sign-in set no session cookie');
  return {
    user: body.user,
    cookie,
    csrfToken: body.csrfToken,
    headers: ({ csrf = false, json = false } = {}) => ({
      Cookie: cookie,
      ...(csrf ? { 'X-CSRF-Token': body.csrfToken } : {}),
      ...(json ? { 'Content-Type': 'application/json' } : {}),
    }),
  };
}
