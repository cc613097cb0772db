import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo, Server } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import { postgis } from '@electric-sql/pglite-postgis';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * The embedded PostGIS: PGlite with its PostGIS extension, kept in DATA_DIR/pgdata and served
 * over the Postgres wire protocol on a loopback port, so the service talks to it through `pg`
 * exactly as it talks to a production PostgreSQL (same driver, same result types).
 */
export interface EmbeddedPostgis {
  /** A postgres:// URL for the loopback socket server. */
  url: string;
  /** Whether this start created the data directory (first run). */
  created: boolean;
  stop(): Promise<void>;
}

export class EmbeddedDatabaseBusyError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `The embedded database in ${dataDir} is in use by another process (pid ${pid}, probably "npm start"). ` +
        `PGlite is a single-process database, so two programs cannot open it at once. ` +
        `Stop that process and run this command again, or set DATABASE_URL to a PostgreSQL/PostGIS server that both can share.`,
    );
  }
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes DATA_DIR/embedded.lock for this process, or throws EmbeddedDatabaseBusyError naming the holder. */
function acquireLock(dataDir: string): () => void {
  const lockPath = path.join(dataDir, 'embedded.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      return () => {
        try {
          if (fs.readFileSync(lockPath, 'utf8') === String(process.pid)) fs.unlinkSync(lockPath);
        } catch {
          /* already gone */
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(fs.readFileSync(lockPath, 'utf8'));
      // Our own pid counts too: two PGlite instances on one directory would corrupt it.
      if (Number.isInteger(holder) && holder > 0 && (holder === process.pid || processIsAlive(holder))) {
        throw new EmbeddedDatabaseBusyError(dataDir, holder);
      }
      // A stale lock from a process that crashed: PGlite's data survives that, so take over.
      fs.unlinkSync(lockPath);
    }
  }
  throw new Error(`Could not take the lock ${lockPath}`);
}

const SAW_ERROR = Symbol('roadsafe.sawError');

interface PgClientLike {
  query: (...args: unknown[]) => unknown;
  [SAW_ERROR]?: boolean;
}

/**
 * Knex pool hooks for every pool on the embedded database. After a statement fails, pglite-socket 0.2.11
 * can send one stale reply that the next query on that socket would read as its own (docs/ARCHITECTURE.md,
 * "Two database modes"), so a connection that saw an error is replaced when it is next checked out.
 * Inside a transaction the same connection carries on to the ROLLBACK, as it must.
 */
export const embeddedPoolHooks = {
  afterCreate(connection: PgClientLike, done: (err: Error | null, connection: PgClientLike) => void): void {
    const query = connection.query.bind(connection);
    connection.query = (...args: unknown[]) => {
      const callback = args[args.length - 1];
      if (typeof callback === 'function') {
        args[args.length - 1] = (err: unknown, result: unknown) => {
          if (err) connection[SAW_ERROR] = true;
          (callback as (err: unknown, result: unknown) => void)(err, result);
        };
      }
      return query(...args);
    };
    done(null, connection);
  },
  validate(connection: PgClientLike): boolean {
    return !connection[SAW_ERROR];
  },
};

export async function startEmbeddedPostgis(dataDir: string): Promise<EmbeddedPostgis> {
  fs.mkdirSync(dataDir, { recursive: true });
  const release = acquireLock(dataDir);
  try {
    const pgdata = path.join(dataDir, 'pgdata');
    const created = !fs.existsSync(path.join(pgdata, 'PG_VERSION'));
    const db = await PGlite.create(pgdata, { extensions: { postgis } });
    await db.exec('CREATE EXTENSION IF NOT EXISTS postgis');
    // PGlite is a single session, so the pool keeps one client; a second socket is allowed only so the pool can
    // open a replacement while the client it discarded after an error (embeddedPoolHooks) is still closing.
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 2 });
    await server.start();
    // The library does not expose the bound port; read it from its net.Server.
    const netServer = (server as unknown as { server?: Server }).server;
    const port = (netServer?.address() as AddressInfo | null)?.port;
    if (!port) throw new Error('The embedded database socket server did not report its port');
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      created,
      async stop() {
        await server.stop();
        await db.close();
        release();
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}
