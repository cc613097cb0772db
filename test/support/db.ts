import { randomBytes } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { inject } from 'vitest';
import { probeMvt, type Database, type DatabaseMode } from '../../server/db/database.ts';
import { migrateToLatest } from '../../server/db/migrate.ts';
import { embeddedPoolHooks } from '../../server/db/embedded.ts';

export interface TestTarget {
  mode: DatabaseMode;
  url: string;
}

/**
 * The databases integration tests run against: the embedded PostGIS always, and the real
 * PostgreSQL/PostGIS at TEST_DATABASE_URL when set. Use with `describe.each(testTargets())`.
 */
export function testTargets(): TestTarget[] {
  const targets: TestTarget[] = [{ mode: 'embedded', url: inject('embeddedUrl') }];
  if (process.env.TEST_DATABASE_URL) targets.push({ mode: 'postgresql', url: process.env.TEST_DATABASE_URL });
  return targets;
}

/**
 * A migrated, empty database in a schema of its own (dropped by close()), so test files never see
 * each other's rows. PostGIS stays in `public`, which is on the search path.
 */
export type TestDatabase = Database & { schema: string };

export async function openTestDatabase(target: TestTarget): Promise<TestDatabase> {
  const schema = `t_${randomBytes(5).toString('hex')}`;
  const admin = knexFactory({ client: 'pg', connection: target.url, pool: { min: 0, max: 1 } });
  await admin.raw('CREATE EXTENSION IF NOT EXISTS postgis');
  await admin.raw(`CREATE SCHEMA ${schema}`);
  await admin.destroy();
  // Pool of 1 on the embedded database: PGlite is a single session.
  const knex = knexFactory({
    client: 'pg',
    // Same connection options as server/db/database.ts (JIT off on PostgreSQL).
    connection: target.mode === 'embedded' ? target.url : { connectionString: target.url, options: '-c jit=off' },
    searchPath: [schema, 'public'],
    pool: target.mode === 'embedded' ? { min: 0, max: 1, ...embeddedPoolHooks } : { min: 0, max: 5 },
  });
  await migrateToLatest(knex, schema);
  const { rows } = await knex.raw('SELECT postgis_lib_version() AS v');
  const mvt = await probeMvt(knex);
  return {
    knex,
    schema,
    mode: target.mode,
    postgisVersion: String(rows[0].v),
    capabilities: { mvt },
    created: true,
    async close() {
      await dropSchema(knex, schema);
      await knex.destroy();
    },
  };
}

/**
 * Drops a test file's schema. Two files dropping their schemas at once (the browser and integration
 * suites run side by side) can deadlock on the PostGIS types in `public` that both schemas' tables
 * depend on; PostgreSQL then aborts one of them, which simply tries again.
 */
async function dropSchema(knex: Knex, schema: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await knex.raw(`DROP SCHEMA ${schema} CASCADE`);
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== '40P01' || attempt >= 5) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}
