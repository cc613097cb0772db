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
}
