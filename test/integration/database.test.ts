import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, PostgisMissingError } from '../../server/db/database.ts';
import { EmbeddedDatabaseBusyError, startEmbeddedPostgis } from '../../server/db/embedded.ts';
import { migrateToLatest, migrationStatus } from '../../server/db/migrate.ts';
import { openTestDatabase, testTargets } from '../support/db.ts';

describe.each(testTargets())('migrations on the $mode database', (target) => {
  it('apply once, then report nothing pending', async () => {
    const db = await openTestDatabase(target);
    try {
      expect(await migrateToLatest(db.knex, db.schema)).toEqual([]);
      const status = await migrationStatus(db.knex, db.schema);
      expect(status.pending).toEqual([]);
      expect(status.applied[0]).toBe('20261121_01_foundation.ts');
    } finally {
      await db.close();
    }
  });
});

describe('the embedded database', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roadsafe-embedded-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('refuses a second opener of the same data directory, naming the holder', async () => {
    const dir = tempDir();
    const first = await startEmbeddedPostgis(dir);
    try {
      const second = startEmbeddedPostgis(dir);
      await expect(second).rejects.toBeInstanceOf(EmbeddedDatabaseBusyError);
      await expect(second).rejects.toThrow(`in use by another process (pid ${process.pid}`);
    } finally {
      await first.stop();
    }
    expect(fs.existsSync(path.join(dir, 'embedded.lock'))).toBe(false);
  });

  it('keeps data across restarts and knows it was not created the second time', async () => {
    const dir = tempDir();
    const first = await openDatabase({ dataDir: dir });
    expect(first.created).toBe(true);
    expect(first.mode).toBe('embedded');
    expect(first.capabilities.mvt).toBe(false);
    await first.knex.raw('CREATE TABLE kept (n int)');
    await first.knex.raw('INSERT INTO kept VALUES (42)');
    await first.close();

    const second = await openDatabase({ dataDir: dir });
    try {
      expect(second.created).toBe(false);
      const { rows } = await second.knex.raw('SELECT n FROM kept');
      expect(rows).toEqual([{ n: 42 }]);
    } finally {
      await second.close();
    }
  });

  it('takes over a lock left by a process that no longer exists', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'embedded.lock'), '2147483646');
    const db = await startEmbeddedPostgis(dir);
    await db.stop();
  });
});

describe.runIf(process.env.TEST_DATABASE_URL)('a PostgreSQL server without PostGIS', () => {
  const url = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://x');
  const role = 'roadsafe_no_postgis';
  const database = 'roadsafe_no_postgis';
  const admin = knexFactory({ client: 'pg', connection: url.toString(), pool: { min: 0, max: 1 } });
  afterAll(async () => {
    await admin.raw(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.raw(`DROP ROLE IF EXISTS ${role}`);
    await admin.destroy();
  });

  it('is refused with what to install and how', async () => {
    await admin.raw(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.raw(`DROP ROLE IF EXISTS ${role}`);
    await admin.raw(`CREATE ROLE ${role} LOGIN NOSUPERUSER`);
    await admin.raw(`CREATE DATABASE ${database} OWNER ${role}`);
    const noPostgis = new URL(url);
    noPostgis.username = role;
    noPostgis.pathname = `/${database}`;
    const attempt = openDatabase({ databaseUrl: noPostgis.toString(), dataDir: os.tmpdir() });
    await expect(attempt).rejects.toBeInstanceOf(PostgisMissingError);
    await expect(attempt).rejects.toThrow(/apt-get install -y postgresql-15-postgis-3.*CREATE EXTENSION postgis/s);
  });
});
