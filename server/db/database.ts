import knexFactory, { type Knex } from 'knex';
import { embeddedPoolHooks, startEmbeddedPostgis, type EmbeddedPostgis } from './embedded.ts';

// Note: int8 (count(*), sums) arrives as a string from pg on both databases; convert where used.

export type DatabaseMode = 'embedded' | 'postgresql';

export interface Database {
  knex: Knex;
  mode: DatabaseMode;
  /** postgis_lib_version(), e.g. "3.3.2" or "3.6.2". */
  postgisVersion: string;
  /** What this PostGIS can do; probed once at open. */
  capabilities: { mvt: boolean };
  /** True when the embedded data directory was created by this open (first run). */
  created: boolean;
  close(): Promise<void>;
}

export class PostgisMissingError extends Error {
  constructor(detail: string) {
    super(
      `PostGIS is not available in the database at DATABASE_URL (${detail}). ` +
        `Install it on the database server (Debian/Ubuntu: "apt-get install -y postgresql-15-postgis-3", ` +
        `matching your PostgreSQL major version), then run "CREATE EXTENSION postgis;" in the database as a superuser, ` +
        `or give this service's role the right to create it. PostGIS 3.3 or later is required.`,
    );
  }
}

export interface OpenDatabaseOptions {
  /** postgres:// URL; absent means the embedded PostGIS in dataDir. */
  databaseUrl?: string;
  dataDir: string;
  /** Extra schemas to search first (tests give each file its own schema). */
  searchPath?: string[];
  /** Pool size for PostgreSQL (ignored for the embedded database, which has one session). */
  poolMax?: number;
}

function knexFor(connectionString: string, poolMax: number, searchPath?: string[], embedded = false): Knex {
  return knexFactory({
    client: 'pg',
    // JIT compilation adds 0.1–1.6 s to our short analytic queries (tiles, summaries) and never pays off.
    connection: { connectionString, application_name: 'roadsafe', ...(embedded ? {} : { options: '-c jit=off' }) },
    searchPath: searchPath ? [...searchPath, 'public'] : undefined,
    pool: { min: poolMax === 1 ? 1 : 0, max: poolMax, ...(embedded ? embeddedPoolHooks : {}) },
    acquireConnectionTimeout: 120_000,
  });
}

async function ensurePostgis(knex: Knex): Promise<string> {
  try {
    await knex.raw('CREATE EXTENSION IF NOT EXISTS postgis');
  } catch (err) {
    const installed = await knex.raw(`SELECT 1 FROM pg_extension WHERE extname = 'postgis'`);
    if (installed.rows.length === 0) throw new PostgisMissingError((err as Error).message);
  }
  const { rows } = await knex.raw('SELECT postgis_lib_version() AS version');
  const version = String(rows[0].version);
  const [major, minor] = version.split('.').map(Number);
  if ((major ?? 0) < 3 || ((major ?? 0) === 3 && (minor ?? 0) < 3)) {
    throw new PostgisMissingError(`found PostGIS ${version}, need 3.3 or later`);
  }
  return version;
}

export async function probeMvt(knex: Knex): Promise<boolean> {
  try {
    await knex.raw(
      `SELECT ST_AsMVT(q, 'probe') FROM (SELECT ST_AsMVTGeom(ST_Point(1, 1, 3857), ST_MakeEnvelope(0, 0, 10, 10, 3857)) AS geom) q`,
    );
    return true;
  } catch {
    // The embedded PostGIS is built without protobuf-c: tiles are then encoded in Node.
    return false;
  }
}

/** Opens the configured database (PostgreSQL, else the embedded PostGIS) and checks PostGIS. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  let embedded: EmbeddedPostgis | undefined;
  let url = options.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgis(options.dataDir);
    url = embedded.url;
  }
  // Pool of 1 on the embedded database: PGlite is a single session.
  const knex = knexFor(url, embedded ? 1 : (options.poolMax ?? 10), options.searchPath, Boolean(embedded));
  try {
    const postgisVersion = await ensurePostgis(knex);
    const mvt = await probeMvt(knex);
    return {
      knex,
      mode: embedded ? 'embedded' : 'postgresql',
      postgisVersion,
      capabilities: { mvt },
      created: embedded?.created ?? false,
      async close() {
        await knex.destroy();
        await embedded?.stop();
      },
    };
  } catch (err) {
    await knex.destroy().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    throw err;
  }
}
