import type { JobRunner } from '../jobs/runner.ts';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import type { Logger } from './logger.ts';

/** What every domain's routes and services are built from. */
export interface AppContext {
  db: Database;
  config: Config;
  logger: Logger;
  /** package.json version, shown in the OpenAPI document and /healthz. */
  version: string;
  /**
   * Work a domain starts while the app is built that should finish before the server listens
   * (e.g. the tile grid); domains push, start-up awaits. Optional so a bare context works in tests.
   */
  warmUps?: Array<Promise<void>>;
  /**
   * Runs background jobs (hotspot runs, …) in this process. The service makes one at start-up;
   * optional so a bare context works in tests (route factories then make their own).
   */
  jobs?: JobRunner;
}
