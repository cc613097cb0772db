import type { Knex } from 'knex';

export interface DistrictFeatureRow {
  code: string;
  name: string;
  collisions: number;
  /** GeoJSON geometry text (WGS84). */
  geometry: string;
}

/**
 * Every district with its boundary (WGS84, 6 decimals ≈ 0.1 m) and its number of collisions.
 * `simplifyM` simplifies each boundary in British National Grid metres, keeping it valid.
 */
export async function districtFeatures(knex: Knex, options: { simplifyM?: number } = {}): Promise<DistrictFeatureRow[]> {
  const geometry = options.simplifyM
    ? knex.raw('ST_AsGeoJSON(ST_Multi(ST_Transform(ST_SimplifyPreserveTopology(d.geom_bng, ?), 4326)), 6) AS geometry', [options.simplifyM])
    : knex.raw('ST_AsGeoJSON(d.geom, 6) AS geometry');
  const rows = await knex('districts as d')
    .leftJoin(knex('collisions').select('district_code').count({ n: '*' }).groupBy('district_code').as('c'), 'c.district_code', 'd.code')
    .select('d.code', 'd.name', knex.raw('coalesce(c.n, 0)::int AS collisions'), geometry)
    .orderBy('d.code');
  return rows as DistrictFeatureRow[];
}
