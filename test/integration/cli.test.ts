import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import knexFactory from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../server/auth/users.ts';
import { openTestDatabase, testTargets } from '../support/db.ts';
import { runCliOn } from '../support/capture.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const fixture = (name: string) => path.join(ROOT, 'test/fixtures/stats19', name);
const LANCASHIRE_2023 = path.join(ROOT, 'demo-data/lancashire-collisions-2023.csv');
const LANCASHIRE_DISTRICTS = path.join(ROOT, 'demo-data/lancashire-lad-2017.geojson');

describe.each(testTargets())('the roadsafe CLI in-process on the $mode database', (target) => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  beforeAll(async () => {
    db = await openTestDatabase(target);
  });
  afterAll(async () => {
    await db?.close();
  });

  const cli = (args: string[], stdinText?: string) => runCliOn(db, args, stdinText);
  const count = async (table: string) => Number((await db.knex.raw(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);

  it('imports a STATS19 file, printing progress lines with rows/s on a non-terminal stderr and a summary on stdout', async () => {
    const run = await cli(['import', 'stats19', '--collisions', LANCASHIRE_2023]);
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toMatch(/collisions +lancashire-collisions-2023\.csv: 2762 rows — 2762 new, 0 changed, 0 unchanged/);
    expect(run.stdout).toMatch(/Import \d+ finished in [\d.]+ s \(\d+ rows\/s, (sql|node) engine\)/);
    expect(run.stderr).toMatch(/collisions: 2762 rows read \(100% of 0\.5 MB\), \d+ rows\/s/);
    expect(await count('collisions')).toBe(2762);
  });

  it('checks rows with the engine --engine names, defaulting to sql on PostgreSQL and node on the embedded database', async () => {
    const auto = await cli(['import', 'stats19', '--collisions', fixture('lonlat-only.csv')]);
    expect(auto.stdout).toContain(target.mode === 'postgresql' ? 'sql engine' : 'node engine');
    const node = await cli(['import', 'stats19', '--collisions', fixture('lonlat-only.csv'), '--engine', 'node']);
    expect(node.stdout).toContain('node engine');
    const bad = await cli(['import', 'stats19', '--collisions', fixture('lonlat-only.csv'), '--engine', 'fast']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Allowed choices are auto, sql, node');
  });

  it('exits 1 naming the file, line, column and value of a bad row, and writes nothing', async () => {
    const before = await count('collisions');
    const run = await cli(['import', 'stats19', '--collisions', fixture('bad-time.csv')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Error: collisions file bad-time.csv line 3, column time: "25:61" is not a valid HH:MM time');
    expect(await count('collisions')).toBe(before);
  });

  it('with --skip-invalid imports the good rows and writes the report where --report says', async () => {
    const report = path.join(os.tmpdir(), `roadsafe-cli-report-${process.pid}.csv`);
    const run = await cli(['import', 'stats19', '--collisions', fixture('mixed-invalid.csv'), '--skip-invalid', '--report', report]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('3 rejected');
    expect(run.stdout).toContain(`Rejected rows are listed in ${report}`);
    expect(fs.readFileSync(report, 'utf8').split('\n')).toHaveLength(5);
    fs.rmSync(report);
  });

  it('imports a 2024-era trio filtered to one police force', async () => {
    const run = await cli([
      'import', 'stats19',
      '--collisions', fixture('collisions-2024.csv'),
      '--casualties', fixture('casualties-2024.csv'),
      '--vehicles', fixture('vehicles-2024.csv'),
      '--police-force', '1',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('collisions-2024.csv: 4 rows — 1 new, 0 changed, 0 unchanged, 3 skipped');
    expect(run.stdout).toContain('casualties-2024.csv: 6 rows — 1 new, 0 changed, 0 unchanged, 5 skipped');
  });

  it('rejects a police force that is not a number before touching the database', async () => {
    const run = await cli(['import', 'stats19', '--collisions', LANCASHIRE_2023, '--police-force', 'lancs']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("option '--police-force <n>' argument 'lancs' is invalid. must be a whole number");
  });

  it('imports districts from GeoJSON, detecting the ONS code and name properties', async () => {
    const run = await cli(['import', 'districts', LANCASHIRE_DISTRICTS]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('lancashire-lad-2017.geojson: 14 areas (LAD17CD/LAD17NM) — 14 new, 0 changed, 0 unchanged');
    expect(await count('districts')).toBe(14);
  });

  it('adds a user with several roles, reading the password from piped stdin', async () => {
    const run = await cli(['users', 'add', '--email', 'Analyst@Example.org', '--role', 'analyst', '--role', 'planner', '--display-name', 'Ana Lyst'], 'a long enough passphrase\n');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Created user \d+ analyst@example\.org \(analyst, planner\)/);
    const user = await db.knex('users').where({ email: 'analyst@example.org' }).first();
    expect(user).toMatchObject({ roles: ['analyst', 'planner'], display_name: 'Ana Lyst' });
    expect(await verifyPassword(user.password_hash, 'a long enough passphrase')).toBe(true);
  });

  it('refuses an unknown role and a short password, naming each problem', async () => {
    const run = await cli(['users', 'add', '--email', 'x@example.org', '--role', 'wizard'], 'short\n');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Error: password: must be at least 12 characters');
    expect(run.stderr).toContain('Error: roles: "wizard" is not a role');
    expect(await db.knex('users').where({ email: 'x@example.org' }).first()).toBeUndefined();
  });

  it('lists applied and pending migrations with migrate --status', async () => {
    const run = await cli(['migrate', '--status']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('applied  20261121_01_foundation.ts');
    expect(run.stdout).toMatch(/\d+ applied, 0 pending/);
    expect((await cli(['migrate'])).stdout).toBe('The database is up to date.\n');
  });

  it('prints help for every command and exits 0', async () => {
    for (const args of [['--help'], ['import', '--help'], ['import', 'stats19', '--help'], ['import', 'districts', '--help'], ['migrate', '--help'], ['users', 'add', '--help']]) {
      const run = await cli(args);
      expect(run.code, args.join(' ')).toBe(0);
      expect(run.stdout).toContain('Usage: roadsafe');
    }
  });
});

/** Runs bin/roadsafe.js in a child process; resolves with its exit code and output. */
function runBin(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/roadsafe.js'), ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the roadsafe executable', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roadsafe-cli-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('prints its commands with --help and exits 0', async () => {
    const run = await runBin(['--help'], {});
    expect(run.code).toBe(0);
    for (const command of ['import', 'migrate', 'users']) expect(run.stdout).toContain(command);
    expect(run.stdout).toContain('roadsafe import stats19 --collisions');
  });

  it('exits 1 with the file, line, column and value of a bad row', async () => {
    // The PostgreSQL target when there is one (in a schema of its own), else a new embedded database.
    let env: NodeJS.ProcessEnv = { DATA_DIR: tempDir(), DATABASE_URL: '' };
    let schema: string | undefined;
    if (process.env.TEST_DATABASE_URL) {
      schema = `cli_${process.pid}_${Date.now()}`;
      const admin = knexFactory({ client: 'pg', connection: process.env.TEST_DATABASE_URL, pool: { min: 0, max: 1 } });
      await admin.raw(`CREATE SCHEMA ${schema}`);
      await admin.destroy();
      const url = new URL(process.env.TEST_DATABASE_URL);
      url.searchParams.set('options', `-c search_path=${schema},public`);
      env = { DATABASE_URL: url.toString() };
    }
    try {
      const run = await runBin(['import', 'stats19', '--collisions', fixture('bad-date.csv')], env);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('Error: collisions file bad-date.csv line 5, column date: "31/02/2023" is not a valid dd/mm/yyyy date');
    } finally {
      if (schema) {
        const admin = knexFactory({ client: 'pg', connection: process.env.TEST_DATABASE_URL, pool: { min: 0, max: 1 } });
        await admin.raw(`DROP SCHEMA ${schema} CASCADE`);
        await admin.destroy();
      }
    }
  });

  it('says clearly that the embedded database is in use when another process holds DATA_DIR', async () => {
    const dataDir = tempDir();
    let holder: ChildProcess | undefined;
    try {
      // A live process other than this one holds the lock, as a running "npm start" would.
      holder = spawn('sleep', ['30']);
      fs.writeFileSync(path.join(dataDir, 'embedded.lock'), String(holder.pid));
      const run = await runBin(['migrate', '--status'], { DATA_DIR: dataDir, DATABASE_URL: '' });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`Error: The embedded database in ${dataDir} is in use by another process (pid ${holder.pid}`);
      expect(run.stderr).toContain('set DATABASE_URL');
    } finally {
      holder?.kill();
    }
  });
});
