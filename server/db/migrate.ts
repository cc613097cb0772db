import type { Knex } from 'knex';
import { migrations } from '../../migrations/index.ts';

/** Knex migration source over the in-app list (no file-system scanning, works under tsx and vitest). */
const source: Knex.MigrationSource<string> = {
  getMigrations: async () => migrations.map(([name]) => name),
  getMigrationName: (name) => name,
  getMigration: async (name) => {
    const found = migrations.find(([n]) => n === name);
    if (!found) throw new Error(`Unknown migration ${name}`);
    return found[1];
  },
};

/** Applies pending migrations; returns the names applied now. */
export async function migrateToLatest(knex: Knex, schemaName?: string): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest({ migrationSource: source, schemaName })) as [number, string[]];
  return applied;
}

/** Names of applied and pending migrations. */
export async function migrationStatus(knex: Knex, schemaName?: string): Promise<{ applied: string[]; pending: string[] }> {
  const [completed, pending] = (await knex.migrate.list({ migrationSource: source, schemaName })) as [
    Array<{ name: string } | string>,
    Array<{ file: string } | string>,
  ];
  return {
    applied: completed.map((m) => (typeof m === 'string' ? m : m.name)),
    pending: pending.map((m) => (typeof m === 'string' ? m : m.file)),
  };
}
