import type { Server } from 'node:http';
import type { Express } from 'express';
import { createApp, type AppOptions, type BuiltApp } from '../../server/app.ts';
import { loadConfig, type Config } from '../../server/config.ts';
import type { AppContext } from '../../server/context.ts';
import type { Database } from '../../server/db/database.ts';
import { createLogger } from '../../server/logger.ts';
import { afterAll, beforeAll } from 'vitest';
import { openTestDatabase, type TestDatabase, type TestTarget } from './db.ts';

export interface TestApp {
  url: string;
  ctx: AppContext;
  /** The Express app and the routes mounted through the registry (for the route-access walker). */
  express: Express;
  routes: BuiltApp['routes'];
  close(): Promise<void>;
}

/** The real Express app on a loopback port over a test database (no demo data, silent logs). */
export async function startTestApp(db: Database, env: Record<string, string> = {}, options: AppOptions = {}): Promise<TestApp> {
  const config: Config = loadConfig({ NODE_ENV: 'test', DEMO_DATA: 'false', LOG_LEVEL: 'silent', ...env });
  const ctx: AppContext = { db, config, logger: createLogger('silent'), version: 'test' };
  const { app, routes } = createApp(ctx, options);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    ctx,
    express: app,
    routes,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Registers hooks that give the file's tests a fresh migrated database and the app over it:
 * `const t = useTestApp(target)`, then `t.app.url` and `t.db.knex` inside tests.
 */
export function useTestApp(target: TestTarget, env: Record<string, string> = {}, options: AppOptions = {}) {
  const state = {} as { db: TestDatabase; app: TestApp };
  beforeAll(async () => {
    state.db = await openTestDatabase(target);
    state.app = await startTestApp(state.db, env, options);
  });
  afterAll(async () => {
    await state.app?.close();
    await state.db?.close();
  });
  return state;
}
