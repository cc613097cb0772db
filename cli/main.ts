import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { createUser } from '../server/auth/users.ts';
import { importStats19, type Stats19Engine, type Stats19ImportResult, type TableCounts } from '../server/collisions/stats19/import.ts';
import { loadConfig } from '../server/config.ts';
import { openDatabase, type Database } from '../server/db/database.ts';
import { migrateToLatest, migrationStatus } from '../server/db/migrate.ts';
import { importDistricts } from '../server/districts/import.ts';
import { HttpError } from '../server/http/errors.ts';
import { registerAuditCommands } from './audit.ts';
import { registerConcernCommands } from './concerns.ts';
import { registerHotspotCommands } from './hotspots.ts';
import type { CliIo } from './io.ts';
import { readNewPassword, type InputStream } from './password.ts';
import { registerPlanningCommands } from './planning.ts';
import { registerRoadCommands } from './roads.ts';
import { registerSiteCommands } from './sites.ts';
import { registerVrptwCommands } from './vrptw.ts';
import { ImportProgress, rate, type OutputStream } from './progress.ts';

/** What runCli talks to; tests inject a database and capture the output. */
export interface CliDeps {
  /** Opens the database (default: like the server, from DATABASE_URL or the embedded one in DATA_DIR). The CLI closes it. */
  openDb?: () => Promise<Database>;
  stdin?: InputStream;
  stdout?: OutputStream;
  stderr?: OutputStream;
}

/** Opens the database exactly as the server does (without migrating: each command decides). */
async function openConfiguredDatabase(): Promise<Database> {
  const config = loadConfig();
  return openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.dataDir });
}

function integer(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number, e.g. 4 for Lancashire');
  return Number(value);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function countsLine(label: string, c: TableCounts): string {
  return (
    `${label.padEnd(11)} ${path.basename(c.file)}: ${c.rows} rows — ${c.inserted} new, ${c.updated} changed, ${c.unchanged} unchanged` +
    `${c.skipped ? `, ${c.skipped} skipped` : ''}${c.rejected ? `, ${c.rejected} rejected` : ''}`
  );
}

export function summarizeImport(result: Stats19ImportResult): string {
  const lines = [countsLine('collisions', result.collisions)];
  if (result.casualties) lines.push(countsLine('casualties', result.casualties));
  if (result.vehicles) lines.push(countsLine('vehicles', result.vehicles));
  const rows = result.collisions.rows + (result.casualties?.rows ?? 0) + (result.vehicles?.rows ?? 0);
  lines.push(
    `Import ${result.importId} finished in ${(result.durationMs / 1000).toFixed(1)} s (${rate(rows, result.durationMs)} rows/s, ${result.engine} engine).`,
  );
  if (result.engineFallback) lines.push(`(The sql engine handed over to the node engine: ${result.engineFallback})`);
  if (result.rejectReportPath) lines.push(`Rejected rows are listed in ${result.rejectReportPath}`);
  return `${lines.join('\n')}\n`;
}

/** Runs the roadsafe CLI with process-style argv (`[node, script, ...args]`); returns the exit code. */
export async function runCli(argv: string[], deps: CliDeps = {}): Promise<number> {
  const stdout = deps.stdout ?? process.stdout;
  const stderr = deps.stderr ?? process.stderr;
  const stdin = deps.stdin ?? (process.stdin as InputStream);
  const openDb = deps.openDb ?? openConfiguredDatabase;

  /** Opens the database, runs `fn`, always closes it. */
  const withDb = async <T>(fn: (db: Database) => Promise<T>, migrate = true): Promise<T> => {
    const db = await openDb();
    try {
      if (migrate) await migrateToLatest(db.knex);
      return await fn(db);
    } finally {
      await db.close();
    }
  };

  const program = new Command('roadsafe')
    .description('Road safety service: data imports and administration. Uses DATABASE_URL, else the embedded database in DATA_DIR.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => stdout.write(s), writeErr: (s) => stderr.write(s) })
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Examples:
  roadsafe import stats19 --collisions collision-2023.csv --casualties casualty-2023.csv --vehicles vehicle-2023.csv
  roadsafe import stats19 --collisions collision-2023.csv --police-force 4 --skip-invalid --report rejected.csv
  roadsafe import districts Local_Authority_Districts_December_2023.geojson
  roadsafe migrate --status
  echo 'a long passphrase' | roadsafe users add --email analyst@example.org --role analyst --role planner`,
    );

  const importCommand = program.command('import').description('Import data files');
  importCommand
    .command('stats19')
    .description('Import DfT STATS19 collision files (any year from 2015; accident_* or collision_* headers), upserting by collision index')
    .requiredOption('--collisions <file>', 'collision (accident) table CSV')
    .option('--casualties <file>', 'casualty table CSV')
    .option('--vehicles <file>', 'vehicle table CSV')
    .option('--police-force <n>', 'import only this police force (e.g. 4 for Lancashire)', integer)
    .option('--skip-invalid', 'import the valid rows and write the invalid ones to a report, instead of rejecting the whole import')
    .option('--report <file>', 'where --skip-invalid writes its report (default: ./stats19-rejected-<import id>.csv)')
    .addOption(
      new Option('--engine <engine>', 'how rows are checked: sql (in PostgreSQL, fastest) or node; auto picks sql on PostgreSQL')
        .choices(['auto', 'sql', 'node'])
        .default('auto'),
    )
    .action(async (opts: { collisions: string; casualties?: string; vehicles?: string; policeForce?: number; skipInvalid?: boolean; report?: string; engine: Stats19Engine }) => {
      const progress = new ImportProgress(stderr);
      const result = await withDb((db) =>
        importStats19(db.knex, {
          collisions: opts.collisions,
          casualties: opts.casualties,
          vehicles: opts.vehicles,
          policeForce: opts.policeForce,
          skipInvalid: opts.skipInvalid,
          rejectReportPath: opts.report,
          engine: opts.engine,
          startedBy: 'cli',
          onProgress: (p) => progress.update(p),
        }).finally(() => progress.stop()),
      );
      stdout.write(summarizeImport(result));
    });
  importCommand
    .command('districts')
    .description('Import ONS boundaries (a GeoJSON FeatureCollection of polygons, any area type), upserting by code')
    .argument('<file>', 'GeoJSON file, e.g. Local_Authority_Districts_December_2023.geojson')
    .option('--code-property <name>', 'feature property with the ONS code (default: detected, e.g. LAD23CD)')
    .option('--name-property <name>', 'feature property with the name (default: detected, e.g. LAD23NM)')
    .action(async (file: string, opts: { codeProperty?: string; nameProperty?: string }) => {
      const result = await withDb((db) => importDistricts(db.knex, file, { ...opts, startedBy: 'cli' }));
      stdout.write(
        `${path.basename(file)}: ${result.features} areas (${result.codeProperty}/${result.nameProperty}) — ` +
          `${result.inserted} new, ${result.updated} changed, ${result.unchanged} unchanged\n`,
      );
    });

  program
    .command('migrate')
    .description('Apply pending database migrations')
    .option('--status', 'list applied and pending migrations instead of applying them')
    .action(async (opts: { status?: boolean }) => {
      await withDb(async (db) => {
        if (opts.status) {
          const { applied, pending } = await migrationStatus(db.knex);
          for (const name of applied) stdout.write(`applied  ${name}\n`);
          for (const name of pending) stdout.write(`pending  ${name}\n`);
          stdout.write(`${applied.length} applied, ${pending.length} pending\n`);
          return;
        }
        const applied = await migrateToLatest(db.knex);
        stdout.write(applied.length ? `Applied ${applied.join(', ')}\n` : 'The database is up to date.\n');
      }, false);
    });

  const io: CliIo = { stdout, stderr, withDb };
  registerRoadCommands(program, importCommand, io);
  registerHotspotCommands(program, importCommand, io);
  registerConcernCommands(program, importCommand, io);
  registerSiteCommands(program, importCommand, io);
  registerPlanningCommands(program, importCommand, io);
  registerVrptwCommands(program, importCommand, io);
  registerAuditCommands(program, io);

  const users = program.command('users').description('Manage staff accounts');
  users
    .command('add')
    .description('Create a staff user; the password is read from stdin when piped, else prompted for without echo')
    .requiredOption('--email <email>', 'sign-in email')
    .option('--role <role>', 'a role (repeat for several): admin, analyst, planner, reviewer, decision_maker, supervisor, auditor', collect, [])
    .option('--display-name <name>', 'name shown in the staff area')
    .action(async (opts: { email: string; role: string[]; displayName?: string }) => {
      const password = await readNewPassword(stdin, stderr);
      const user = await withDb((db) => createUser(db.knex, { email: opts.email, password, roles: opts.role, displayName: opts.displayName }));
      stdout.write(`Created user ${user.id} ${user.email} (${user.roles.join(', ')})\n`);
    });

  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    stderr.write(`${errorMessage(err)}\n`);
    return 1;
  }
}

/** The message a person can act on: file/line/column/value for imports, each field for bad input. DEBUG=1 adds the stack. */
function errorMessage(err: unknown): string {
  if (err instanceof HttpError && err.errors?.length) return err.errors.map((e) => `Error: ${e.field}: ${e.message}`).join('\n');
  if (!(err instanceof Error)) return `Error: ${String(err)}`;
  return process.env.DEBUG ? (err.stack ?? err.message) : `Error: ${err.message}`;
}
