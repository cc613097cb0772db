import knexFactory from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../server/db/database.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { openTestDatabase, testTargets } from '../support/db.ts';
import { createStaff, setCookie, signIn, TEST_PASSWORD } from '../support/staff.ts';

const WRONG = 'Wrong email or password.';

function login(url: string, email: string, password: string, headers: Record<string, string> = {}) {
  return fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify({ email, password }),
  });
}

describe.each(testTargets())('staff sign-in, sessions and accounts on the $mode database', (target) => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let app: TestApp;
  let adminId: number;
  beforeAll(async () => {
    db = await openTestDatabase(target);
    app = await startTestApp(db);
    adminId = (await createStaff(db.knex, 'admin@example.org', ['admin'])).id;
    await createStaff(db.knex, 'analyst@example.org', ['analyst']);
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  describe('signing in', () => {
    it('answers the user and a CSRF token and sets an HttpOnly, SameSite=Lax session cookie (not Secure over http)', async () => {
      const res = await login(app.url, 'Analyst@Example.org', TEST_PASSWORD);
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body).toEqual({
        user: { id: expect.any(Number), email: 'analyst@example.org', roles: ['analyst'], displayName: null },
        csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      });
      const cookie = setCookie(res);
      expect(cookie).toMatch(/^roadsafe_session=[A-Za-z0-9_-]{43};/);
      expect(cookie).toMatch(/; HttpOnly/i);
      expect(cookie).toMatch(/; SameSite=Lax/i);
      expect(cookie).toMatch(/; Path=\//i);
      expect(cookie).not.toMatch(/Secure/i);
    });

    it('stores only the sha256 of the session token, never the token', async () => {
      const client = await signIn(app.url, 'analyst@example.org');
      const token = client.cookie.split('=')[1]!;
      const stored = await db.knex('sessions').pluck('id_hash');
      expect(stored).not.toContain(token);
      const { createHash } = await import('node:crypto');
      expect(stored).toContain(createHash('sha256').update(token).digest('hex'));
    });

    it('stores passwords as argon2id hashes', async () => {
      const hashes = await db.knex('users').pluck('password_hash');
      expect(hashes.length).toBeGreaterThan(0);
      for (const hash of hashes) expect(hash).toMatch(/^\$argon2id\$/);
    });

    it('answers a wrong password, an unknown email and a disabled account with the same 401', async () => {
      await createStaff(db.knex, 'disabled@example.org', ['planner']);
      await db.knex('users').where({ email: 'disabled@example.org' }).update({ disabled: true });
      const answers = await Promise.all([
        login(app.url, 'analyst@example.org', 'not the password at all'),
        login(app.url, 'nobody@example.org', TEST_PASSWORD),
        login(app.url, 'disabled@example.org', TEST_PASSWORD),
      ]);
      for (const res of answers) {
        expect(res.status).toBe(401);
        expect(setCookie(res)).toBeUndefined();
        const { requestId: _ignored, ...body } = await res.json();
        expect(body).toEqual({ error: 'invalid_credentials', message: WRONG });
      }
    });

    it('runs the password check even for an unknown email (similar time)', async () => {
      const time = async (email: string) => {
        const started = performance.now();
        await login(app.url, email, 'wrong password, long enough');
        return performance.now() - started;
      };
      await time('nobody@example.org'); // warm-up
      const known = await time('analyst@example.org');
      const unknown = await time('nobody@example.org');
      // Without the dummy verification an unknown email answers in ~1 ms against ~100 ms for argon2.
      expect(unknown).toBeGreaterThan(known / 4);
    });

    it('rejects a missing password with a 400 naming the field', async () => {
      const res = await fetch(`${app.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: 'analyst@example.org' }),
      });
      expect(res.status).toBe(400);
      expect((await res.json()).errors[0].field).toBe('body.password');
    });

    it('refuses a sign-in posted from another site (Origin check) and accepts one from this site', async () => {
      const foreign = await login(app.url, 'analyst@example.org', TEST_PASSWORD, { Origin: 'https://evil.example' });
      expect(foreign.status).toBe(403);
      expect((await foreign.json()).error).toBe('cross_origin');
      const own = await login(app.url, 'analyst@example.org', TEST_PASSWORD, { Origin: app.url });
      expect(own.status).toBe(200);
      const opaque = await login(app.url, 'analyst@example.org', TEST_PASSWORD, { Origin: 'null' });
      expect(opaque.status).toBe(403);
    });

    it('ends the browser’s previous session when it signs in again', async () => {
      const first = await signIn(app.url, 'analyst@example.org');
      const again = await login(app.url, 'analyst@example.org', TEST_PASSWORD, { Cookie: first.cookie });
      expect(again.status).toBe(200);
      const me = await fetch(`${app.url}/api/auth/me`, { headers: first.headers() });
      expect(me.status).toBe(401);
    });
  });

  describe('the session cookie behind a proxy', () => {
    it('is Secure when a trusted proxy says the request came over https, and not when the proxy is not trusted', async () => {
      const proxied = await startTestApp(db, { TRUST_PROXY: 'true' });
      try {
        const secure = await login(proxied.url, 'analyst@example.org', TEST_PASSWORD, { 'X-Forwarded-Proto': 'https' });
        expect(secure.status).toBe(200);
        expect(setCookie(secure)).toMatch(/; Secure/i);
      } finally {
        await proxied.close();
      }
      const untrusted = await login(app.url, 'analyst@example.org', TEST_PASSWORD, { 'X-Forwarded-Proto': 'https' });
      expect(setCookie(untrusted)).not.toMatch(/Secure/i);
    });
  });

  describe('the current session', () => {
    it('GET /api/auth/me answers the user and the CSRF token', async () => {
      const client = await signIn(app.url, 'admin@example.org');
      const res = await fetch(`${app.url}/api/auth/me`, { headers: client.headers() });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        user: { id: adminId, email: 'admin@example.org', roles: ['admin'], displayName: null },
        csrfToken: client.csrfToken,
      });
    });

    it('answers 401 without a cookie and with a made-up one', async () => {
      expect((await fetch(`${app.url}/api/auth/me`)).status).toBe(401);
      const forged = await fetch(`${app.url}/api/auth/me`, { headers: { Cookie: `roadsafe_session=${'A'.repeat(43)}` } });
      expect(forged.status).toBe(401);
      const garbage = await fetch(`${app.url}/api/auth/me`, { headers: { Cookie: 'roadsafe_session=%%%' } });
      expect(garbage.status).toBe(401);
    });

    it('logout needs the CSRF token, then ends the session on the server and clears the cookie', async () => {
      const client = await signIn(app.url, 'analyst@example.org');
      const withoutToken = await fetch(`${app.url}/api/auth/logout`, { method: 'POST', headers: client.headers() });
      expect(withoutToken.status).toBe(403);
      expect((await withoutToken.json()).error).toBe('csrf_failed');

      const res = await fetch(`${app.url}/api/auth/logout`, { method: 'POST', headers: client.headers({ csrf: true }) });
      expect(res.status).toBe(204);
      expect(setCookie(res)).toMatch(/^roadsafe_session=;.*Expires=Thu, 01 Jan 1970/i);
      // The old cookie, replayed, no longer works: the session is gone from the database.
      const replay = await fetch(`${app.url}/api/auth/me`, { headers: client.headers() });
      expect(replay.status).toBe(401);
    });

    it('answers 401 once the session has expired', async () => {
      const client = await signIn(app.url, 'analyst@example.org');
      const { createHash } = await import('node:crypto');
      const idHash = createHash('sha256').update(client.cookie.split('=')[1]!).digest('hex');
      await db.knex('sessions').where({ id_hash: idHash }).update({ expires_at: db.knex.raw(`now() - interval '1 minute'`) });
      expect((await fetch(`${app.url}/api/auth/me`, { headers: client.headers() })).status).toBe(401);
    });

    it('answers 401 to a session whose user has been disabled', async () => {
      await createStaff(db.knex, 'soon-disabled@example.org', ['reviewer']);
      const client = await signIn(app.url, 'soon-disabled@example.org');
      await db.knex('users').where({ email: 'soon-disabled@example.org' }).update({ disabled: true });
      expect((await fetch(`${app.url}/api/auth/me`, { headers: client.headers() })).status).toBe(401);
    });

    it('slides the expiry on use, writing at most once a minute', async () => {
      const client = await signIn(app.url, 'analyst@example.org');
      const { createHash } = await import('node:crypto');
      const idHash = createHash('sha256').update(client.cookie.split('=')[1]!).digest('hex');
      const read = () => db.knex('sessions').where({ id_hash: idHash }).first('last_seen_at', 'expires_at');
      await db.knex('sessions').where({ id_hash: idHash }).update({
        last_seen_at: db.knex.raw(`now() - interval '2 minutes'`),
        expires_at: db.knex.raw(`now() + interval '5 minutes'`),
      });
      const before = await read();
      await fetch(`${app.url}/api/auth/me`, { headers: client.headers() });
      const slid = await read();
      expect(slid.last_seen_at.getTime()).toBeGreaterThan(before.last_seen_at.getTime() + 60_000);
      // SESSION_TTL_HOURS defaults to 12.
      expect(slid.expires_at.getTime() - slid.last_seen_at.getTime()).toBeCloseTo(12 * 3600_000, -3);
      await fetch(`${app.url}/api/auth/me`, { headers: client.headers() });
      expect((await read()).last_seen_at.getTime()).toBe(slid.last_seen_at.getTime());
    });
  });

  describe('CSRF and Origin checks on state-changing staff requests', () => {
    const newUser = (n: string) => JSON.stringify({ email: `csrf-${n}@example.org`, password: TEST_PASSWORD, roles: ['planner'] });

    it('answers 403 without the X-CSRF-Token header or with a wrong one, and succeeds with the right one', async () => {
      const admin = await signIn(app.url, 'admin@example.org');
      const missing = await fetch(`${app.url}/api/users`, { method: 'POST', headers: admin.headers({ json: true }), body: newUser('a') });
      expect(missing.status).toBe(403);
      expect((await missing.json()).error).toBe('csrf_failed');
      const wrong = await fetch(`${app.url}/api/users`, {
        method: 'POST',
        headers: { ...admin.headers({ json: true }), 'X-CSRF-Token': 'x'.repeat(43) },
        body: newUser('a'),
      });
      expect(wrong.status).toBe(403);
      expect((await wrong.json()).error).toBe('csrf_failed');
      const right = await fetch(`${app.url}/api/users`, { method: 'POST', headers: admin.headers({ csrf: true, json: true }), body: newUser('a') });
      expect(right.status).toBe(201);
    });

    it('does not accept another session’s CSRF token', async () => {
      const admin = await signIn(app.url, 'admin@example.org');
      const other = await signIn(app.url, 'admin@example.org');
      const res = await fetch(`${app.url}/api/users`, {
        method: 'POST',
        headers: { ...admin.headers({ json: true }), 'X-CSRF-Token': other.csrfToken },
        body: newUser('b'),
      });
      expect(res.status).toBe(403);
    });

    it('answers 403 to a request whose Origin is another site, even with the right token', async () => {
      const admin = await signIn(app.url, 'admin@example.org');
      const res = await fetch(`${app.url}/api/users`, {
        method: 'POST',
        headers: { ...admin.headers({ csrf: true, json: true }), Origin: 'http://127.0.0.1:1' },
        body: newUser('c'),
      });
      expect(res.status).toBe(403);
      expect((await res.json()).error).toBe('cross_origin');
      const sameSite = await fetch(`${app.url}/api/users`, {
        method: 'POST',
        headers: { ...admin.headers({ csrf: true, json: true }), Origin: app.url },
        body: newUser('c'),
      });
      expect(sameSite.status).toBe(201);
    });
  });

  describe('login rate limit', () => {
    it('answers 429 with Retry-After after N failed attempts, even to the right password, counting across instances', async () => {
      const options = { auth: { loginAttemptsPerAccount: 3 } };
      const first = await startTestApp(db, {}, options);
      const second = await startTestApp(db, {}, options);
      try {
        await createStaff(db.knex, 'limited@example.org', ['analyst']);
        expect((await login(first.url, 'limited@example.org', 'wrong password one')).status).toBe(401);
        expect((await login(second.url, 'limited@example.org', 'wrong password two')).status).toBe(401);
        const third = await login(first.url, 'limited@example.org', 'wrong password three');
        expect(third.status).toBe(401);
        expect(third.headers.get('ratelimit')).toMatch(/limit=3, remaining=0/);

        const blocked = await login(second.url, 'limited@example.org', TEST_PASSWORD);
        expect(blocked.status).toBe(429);
        expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
        const body = await blocked.json();
        expect(body).toMatchObject({ error: 'too_many_requests', message: expect.stringMatching(/^Too many sign-in attempts\. Try again in \d+ minutes?\.$/) });

        // The count is per IP address and email: another account from the same address still signs in.
        expect((await login(first.url, 'admin@example.org', TEST_PASSWORD)).status).toBe(200);
      } finally {
        await first.close();
        await second.close();
      }
    });

    it('does not count successful sign-ins', async () => {
      const limited = await startTestApp(db, {}, { auth: { loginAttemptsPerAccount: 2 } });
      try {
        await createStaff(db.knex, 'frequent@example.org', ['analyst']);
        for (let i = 0; i < 4; i++) expect((await login(limited.url, 'frequent@example.org', TEST_PASSWORD)).status).toBe(200);
      } finally {
        await limited.close();
      }
    });
  });

  describe('sessions shared by several instances', () => {
    it('a session made by one instance is valid on another with its own connection pool', async () => {
      // On PostgreSQL the second instance gets its own pool; the embedded database is a single session.
      const otherKnex =
        target.mode === 'postgresql'
          ? knexFactory({ client: 'pg', connection: target.url, searchPath: [db.schema, 'public'], pool: { min: 0, max: 2 } })
          : db.knex;
      const otherDb: Database = { ...db, knex: otherKnex };
      const other = await startTestApp(otherDb);
      try {
        const client = await signIn(app.url, 'analyst@example.org');
        const me = await fetch(`${other.url}/api/auth/me`, { headers: client.headers() });
        expect(me.status).toBe(200);
        expect((await me.json()).user.email).toBe('analyst@example.org');
        const out = await fetch(`${other.url}/api/auth/logout`, { method: 'POST', headers: client.headers({ csrf: true }) });
        expect(out.status).toBe(204);
        expect((await fetch(`${app.url}/api/auth/me`, { headers: client.headers() })).status).toBe(401);
      } finally {
        await other.close();
        if (otherKnex !== db.knex) await otherKnex.destroy();
      }
    });
  });

  describe('staff account administration', () => {
    const send = (method: string, path: string, headers: Record<string, string>, body?: unknown) =>
      fetch(`${app.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });

    it('lists accounts for an admin and refuses an analyst with 403', async () => {
      const admin = await signIn(app.url, 'admin@example.org');
      const res = await send('GET', '/api/users', admin.headers());
      expect(res.status).toBe(200);
      const { users } = await res.json();
      expect(users[0]).toEqual({
        id: adminId,
        email: 'admin@example.org',
        roles: ['admin'],
        displayName: null,
        disabled: false,
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        lastLoginAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      expect(JSON.stringify(users)).not.toMatch(/argon2|password/);
      const analyst = await signIn(app.url, 'analyst@example.org');
      expect((await send('GET', '/api/users', analyst.headers())).status).toBe(403);
    });

    it('creates an account that can sign in, and refuses a taken email, a bad role or a short password', async () => {
      const admin = await signIn(app.url, 'admin@example.org');
      const headers = admin.headers({ csrf: true, json: true });
      const created = await send('POST', '/api/users', headers, {
        email: 'New.Planner@example.org',
        password: TEST_PASSWORD,
        roles: ['planner', 'reviewer'],
        displayName: 'Nia Planner',
      });
      expect(created.status).toBe(201);
      expect((await created.json()).user).toMatchObject({
        email: 'new.planner@example.org',
        roles: ['planner', 'reviewer'],
        displayName: 'Nia Planner',
        disabled: false,
        lastLoginAt: null,
      });
      expect((await signIn(app.url, 'new.planner@example.org')).user.roles).toEqual(['planner', 'reviewer']);

      const taken = await send('POST', '/api/users', headers, { email: 'new.planner@example.org', password: TEST_PASSWORD, roles: ['planner'] });
      expect(taken.status).toBe(409);
      const bad = await send('POST', '/api/users', headers, { email: 'x@example.org', password: 'short', roles: ['superuser'] });
      expect(bad.status).toBe(400);
      const fields = (await bad.json()).errors.map((e: { field: string }) => e.field);
      expect(fields).toEqual(expect.arrayContaining(['body.password', 'body.roles.0']));
    });

    it('changes roles and display name, and the change applies to existing sessions at once', async () => {
      const admin = await signIn(app.url, 'admin@example.org');
      const user = await createStaff(db.knex, 'role-change@example.org', ['analyst']);
      const client = await signIn(app.url, 'role-change@example.org');
      expect((await send('GET', '/api/users', client.headers())).status).toBe(403);
      const res = await send('PATCH', `/api/users/${user.id}`, admin.headers({ csrf: true, json: true }), {
        roles: ['analyst', 'admin'],
        displayName: 'Ros Change',
      });
      expect(res.status).toBe(200);
      expect((await res.json()).user).toMatchObject({ roles: ['analyst', 'admin'], displayName: 'Ros Change' });
      expect((await send('GET', '/api/users', client.headers())).status).toBe(200);
    });

    it('disabling an account ends its sessions and stops it signing in', async () => {
      const admin = await signIn(app.url, 'admin@example.org');
      const user = await createStaff(db.knex, 'leaver@example.org', ['supervisor']);
      const client = await signIn(app.url, 'leaver@example.org');
      const res = await send('PATCH', `/api/users/${user.id}`, admin.headers({ csrf: true, json: true }), { disabled: true });
      expect(res.status).toBe(200);
      expect(Number((await db.knex('sessions').where({ user_id: user.id }).count({ n: '*' }))[0]!.n)).toBe(0);
      expect((await send('GET', '/api/auth/me', client.headers())).status).toBe(401);
      expect((await login(app.url, 'leaver@example.org', TEST_PASSWORD)).status).toBe(401);
    });

    it('setting a password ends the account’s sessions; the new password works and the old does not', async () => {
      const admin = await signIn(app.url, 'admin@example.org');
      const user = await createStaff(db.knex, 'forgetful@example.org', ['decision_maker']);
      const client = await signIn(app.url, 'forgetful@example.org');
      const res = await send('PATCH', `/api/users/${user.id}`, admin.headers({ csrf: true, json: true }), { password: 'a brand new long password' });
      expect(res.status).toBe(200);
      expect((await send('GET', '/api/auth/me', client.headers())).status).toBe(401);
      expect((await login(app.url, 'forgetful@example.org', TEST_PASSWORD)).status).toBe(401);
      expect((await login(app.url, 'forgetful@example.org', 'a brand new long password')).status).toBe(200);
    });

    it('an admin changing their own password keeps the current session but ends their others', async () => {
      await createStaff(db.knex, 'self-pw@example.org', ['admin']);
      const here = await signIn(app.url, 'self-pw@example.org');
      const elsewhere = await signIn(app.url, 'self-pw@example.org');
      const res = await send('PATCH', `/api/users/${here.user.id}`, here.headers({ csrf: true, json: true }), { password: 'another long password' });
      expect(res.status).toBe(200);
      expect((await send('GET', '/api/auth/me', here.headers())).status).toBe(200);
      expect((await send('GET', '/api/auth/me', elsewhere.headers())).status).toBe(401);
    });

    it('refuses to let an admin remove their own admin role or disable themselves', async () => {
      const admin = await signIn(app.url, 'admin@example.org');
      const headers = admin.headers({ csrf: true, json: true });
      const demote = await send('PATCH', `/api/users/${adminId}`, headers, { roles: ['analyst'] });
      expect(demote.status).toBe(409);
      expect(await demote.json()).toMatchObject({ error: 'self_lockout', message: expect.stringMatching(/own admin role/) });
      const disable = await send('PATCH', `/api/users/${adminId}`, headers, { disabled: true });
      expect(disable.status).toBe(409);
      expect(await db.knex('users').where({ id: adminId }).first('roles', 'disabled')).toEqual({ roles: ['admin'], disabled: false });
      // Adding a role to oneself is fine.
      expect((await send('PATCH', `/api/users/${adminId}`, headers, { roles: ['admin', 'analyst'] })).status).toBe(200);
      expect((await send('PATCH', `/api/users/${adminId}`, headers, { roles: ['admin'] })).status).toBe(200);
    });

    it('answers 404 for an unknown id and 400 for an empty change or a bad id', async () => {
      const admin = await signIn(app.url, 'admin@example.org');
      const headers = admin.headers({ csrf: true, json: true });
      expect((await send('PATCH', '/api/users/999999', headers, { disabled: false })).status).toBe(404);
      expect((await send('PATCH', `/api/users/${adminId}`, headers, {})).status).toBe(400);
      const badId = await send('PATCH', '/api/users/abc', headers, { disabled: false });
      expect(badId.status).toBe(400);
      expect((await badId.json()).errors[0].field).toBe('params.id');
    });
  });
});
