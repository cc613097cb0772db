import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ensureInitialAdmin } from '../../server/auth/initial-admin.ts';
import type { AppContext } from '../../server/context.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { openTestDatabase, testTargets } from '../support/db.ts';
import { createStaff, signIn } from '../support/staff.ts';

describe.each(testTargets())('the first admin account on the $mode database', (target) => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  const dataDirs: string[] = [];
  const apps: TestApp[] = [];
  let stderr = '';
  beforeAll(async () => {
    db = await openTestDatabase(target);
  });
  beforeEach(() => {
    stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    while (apps.length) await apps.pop()!.close();
    await db.knex('users').delete();
    for (const dir of dataDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  afterAll(async () => {
    await db?.close();
  });

  /** An app over the test database with DATA_DIR in a fresh temporary folder (not yet created); its logs captured. */
  async function start(env: Record<string, string> = {}): Promise<{ app: TestApp; ctx: AppContext; logs: string[] }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roadsafe-initial-admin-'));
    dataDirs.push(dir);
    const app = await startTestApp(db, { DATA_DIR: path.join(dir, 'data'), ...env });
    apps.push(app);
    const logs: string[] = [];
    for (const level of ['info', 'warn', 'error'] as const) {
      vi.spyOn(app.ctx.logger, level).mockImplementation(((...args: unknown[]) => {
        logs.push(inspect(args, { depth: 2 }));
      }) as never);
    }
    return { app, ctx: app.ctx, logs };
  }

  it('creates INITIAL_ADMIN_EMAIL with INITIAL_ADMIN_PASSWORD as an admin, and never logs the password', async () => {
    const password = 'an admin password from the environment';
    const { app, ctx, logs } = await start({ INITIAL_ADMIN_EMAIL: 'Chief@Example.org', INITIAL_ADMIN_PASSWORD: password });
    expect(await ensureInitialAdmin(ctx)).toEqual({ email: 'chief@example.org', source: 'env' });
    const admin = await signIn(app.url, 'chief@example.org', password);
    expect(admin.user.roles).toEqual(['admin']);
    expect(fs.existsSync(path.join(ctx.config.dataDir, 'initial-admin.txt'))).toBe(false);
    expect(logs.join('\n')).not.toContain(password);
    expect(stderr).not.toContain(password);
  });

  it('otherwise creates admin@localhost with a random password, printed once and written to DATA_DIR/initial-admin.txt (0600)', async () => {
    const { app, ctx, logs } = await start();
    const created = await ensureInitialAdmin(ctx);
    const file = path.join(ctx.config.dataDir, 'initial-admin.txt');
    expect(created).toEqual({ email: 'admin@localhost', source: 'generated', file });

    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const password = /^password: (\S+)$/m.exec(fs.readFileSync(file, 'utf8'))?.[1];
    expect(password).toMatch(/^[A-Za-z0-9_-]{20}$/);
    expect(stderr).toContain(`email admin@localhost password ${password}`);
    expect(logs.filter((l) => l.includes(password!))).toHaveLength(1);

    const admin = await signIn(app.url, 'admin@localhost', password);
    expect(admin.user).toMatchObject({ email: 'admin@localhost', roles: ['admin'] });
  });

  it('gives each installation a different random password', async () => {
    const first = await start();
    await ensureInitialAdmin(first.ctx);
    const one = fs.readFileSync(path.join(first.ctx.config.dataDir, 'initial-admin.txt'), 'utf8');
    await db.knex('users').delete();
    const second = await start();
    await ensureInitialAdmin(second.ctx);
    const two = fs.readFileSync(path.join(second.ctx.config.dataDir, 'initial-admin.txt'), 'utf8');
    expect(/password: (\S+)/.exec(one)?.[1]).not.toBe(/password: (\S+)/.exec(two)?.[1]);
  });

  it('creates nothing when users already exist', async () => {
    await createStaff(db.knex, 'someone@example.org', ['analyst']);
    const { ctx } = await start({ INITIAL_ADMIN_EMAIL: 'chief@example.org', INITIAL_ADMIN_PASSWORD: 'an admin password from the environment' });
    expect(await ensureInitialAdmin(ctx)).toBeUndefined();
    const withoutEnv = await start();
    expect(await ensureInitialAdmin(withoutEnv.ctx)).toBeUndefined();
    expect(await db.knex('users').pluck('email')).toEqual(['someone@example.org']);
    expect(fs.existsSync(path.join(withoutEnv.ctx.config.dataDir, 'initial-admin.txt'))).toBe(false);
    expect(stderr).toBe('');
  });
});
