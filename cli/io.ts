import type { Database } from '../server/db/database.ts';
import type { OutputStream } from './progress.ts';

/** What a command module gets from the CLI: output streams and a database session. */
export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  /** Opens the database (migrated unless `migrate` is false), runs `fn`, always closes it. */
  withDb<T>(fn: (db: Database) => Promise<T>, migrate?: boolean): Promise<T>;
}
