import fs from 'node:fs';
import type { Server } from 'node:http';
import { failInterruptedJobs, JobRunner } from '../jobs/runner.ts';
import { hotspotRunTask, startScheduler, type Scheduler } from '../jobs/scheduler.ts';
import { createApp } from './app.ts';
import { ensureInitialAdmin } from './auth/initial-admin.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import type { AppContext } from './context.ts';
import { openDatabase } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import { loadDemoDataIfEmpty } from './demo/load.ts';
import { failInterruptedRuns } from './hotspots/run.ts';
import { createLogger, type Logger } from './logger.ts';
import { planningScheduledJobs } from './planning/schedule.ts';

const packageVersion = (JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface RunningService {
  url: string;
  ctx: AppContext;
  /** Stops accepting connections, lets open requests finish (up to the grace period), closes the database. */
  close(): Promise<void>;
}

/** Opens the database, migrates, loads first-run data, and listens. */
export async function startService(config: Config, logger: Logger): Promise<RunningService> {
  const startedAt = Date.now();
  const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.dataDir });
  const jobs = new JobRunner(db.knex, logger);
  const ctx: AppContext = { db, config, logger, version: packageVersion, warmUps: [], jobs };
  let scheduler: Scheduler;
  try {
    logger.info({ database: db.mode, postgis: db.postgisVersion, mvt: db.capabilities.mvt }, 'database open');
    const applied = await migrateToLatest(db.knex);
    if (applied.length) logger.info({ migrations: applied }, 'migrations applied');
    const interrupted = await failInterruptedJobs(db.knex);
    if (interrupted) {
      logger.warn({ jobs: interrupted }, 'background jobs left running by a stopped process were marked failed');
      await failInterruptedRuns(db.knex);
    }
    await ensureInitialAdmin(ctx);
    if (config.DEMO_DATA) await loadDemoDataIfEmpty(ctx);
    scheduler = startScheduler(ctx, jobs, [hotspotRunTask(config.HOTSPOT_SCHEDULE), ...planningScheduledJobs(config)]);
  } catch (err) {
    await db.close();
    throw err;
  }
  const { app } = createApp(ctx);
  // Listen only when caches such as the tile grid are built, so the first visitors do not wait.
  await Promise.all(ctx.warmUps ?? []);
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.PORT, config.HOST, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;
  const url = `http://${host}:${port}`;
  logger.info({ url, startupMs: Date.now() - startedAt }, `listening on ${url}`);

  let closing: Promise<void> | undefined;
  return {
    url,
    ctx,
    close: () =>
      (closing ??= (async () => {
        const force = setTimeout(() => server.closeAllConnections(), config.SHUTDOWN_GRACE_SECONDS * 1000);
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          // Idle keep-alive sockets would hold close() open; requests in flight still finish.
          server.closeIdleConnections();
        });
        clearTimeout(force);
        await scheduler.stop();
        // Let a running job (e.g. a hotspot run) finish within the grace period; one cut short is marked failed at the next start.
        await Promise.race([jobs.idle(), new Promise((resolve) => setTimeout(resolve, config.SHUTDOWN_GRACE_SECONDS * 1000).unref())]);
        await db.close();
      })()),
  };
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.LOG_LEVEL);
  let service: RunningService;
  try {
    service = await startService(config, logger);
  } catch (err) {
    logger.fatal({ err }, (err as Error).message);
    process.exitCode = 1;
    return;
  }
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      service
        .close()
        .then(() => {
          logger.info('stopped');
          process.exit(0);
        })
        .catch((err: unknown) => {
          logger.error({ err }, 'error while shutting down');
          process.exit(1);
        });
    });
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${fs.realpathSync(process.argv[1])}`).href) {
  await main();
}
export { main };
