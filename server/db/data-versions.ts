import type { Knex } from 'knex';

/** Data a cache or tile layer depends on; imports bump it so ETags change. */
export type DataName = 'collisions' | 'districts' | 'roads' | 'hotspots' | 'concerns' | 'sites' | 'vans' | 'plans' | 'snap';

export async function bumpDataVersion(knex: Knex, name: DataName): Promise<void> {
  await knex.raw(
    `INSERT INTO data_versions (name, version, updated_at) VALUES (?, 1, now())
     ON CONFLICT (name) DO UPDATE SET version = data_versions.version + 1, updated_at = now()`,
    [name],
  );
}

export async function dataVersion(knex: Knex, name: DataName): Promise<number> {
  const row = await knex('data_versions').where({ name }).first('version');
  return row ? Number(row.version) : 0;
}
