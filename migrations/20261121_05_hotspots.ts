import type { Knex } from 'knex';

/**
 * Hotspot scoring: the collision value table (versioned, replaceable), background jobs with progress
 * (shared with later capabilities such as plan generation), the scheduler's claim table, and each
 * scoring run with its ranked sites and collision snaps, kept so a published ranking can be reproduced.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('collision_value_tables', (t) => {
    t.increments('id').primary();
    t.text('version').notNullable().unique().comment('e.g. RAS4001-2002-prices or a file checksum');
    t.smallint('price_year').notNullable();
    t.text('source').notNullable().comment('publication the values come from');
    t.double('fatal_gbp').notNullable().comment('value of preventing a fatal collision, £ per collision');
    t.double('serious_gbp').notNullable();
    t.double('slight_gbp').notNullable();
    t.boolean('active').notNullable().defaultTo(false).comment('the table new runs use; exactly one is active');
    t.text('loaded_by').nullable();
    t.timestamp('loaded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('background_jobs', (t) => {
    t.increments('id').primary();
    t.text('kind').notNullable().comment('hotspot_run | plan_generate | …');
    t.text('status').notNullable().defaultTo('queued').comment('queued | running | succeeded | failed');
    t.double('progress').notNullable().defaultTo(0).comment('0–1');
    t.text('stage').nullable().comment('what the job is doing now, for people');
    t.text('message').nullable().comment('error message when failed');
    t.jsonb('params').notNullable().defaultTo('{}');
    t.jsonb('result').nullable();
    t.text('started_by').nullable().comment('user email, "cli" or "schedule"');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('started_at', { useTz: true }).nullable();
    t.timestamp('finished_at', { useTz: true }).nullable();
  });
  await knex.raw('CREATE INDEX background_jobs_kind_idx ON background_jobs (kind, created_at DESC)');

  await knex.schema.createTable('job_claims', (t) => {
    t.text('key').primary().comment('job name and slot, e.g. hotspots-monthly:2026-12-01T02:00:00.000Z');
    t.text('claimed_by').notNullable().comment('instance id');
    t.timestamp('claimed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('hotspot_runs', (t) => {
    t.increments('id').primary();
    t.integer('job_id').nullable().references('id').inTable('background_jobs').onDelete('SET NULL');
    t.text('status').notNullable().defaultTo('running').comment('running | succeeded | failed');
    t.text('scope').notNullable().defaultTo('full').comment('full (published ranking) | rescore (one district, filtered; not ranked against)');
    t.text('unit_kind').notNullable().comment('network (junctions, segments, windows) | grid (hexagon cells)');
    t.text('district_code').nullable().comment('null: every district');
    t.jsonb('params').notNullable().comment('every parameter the run used, defaults included');
    t.jsonb('filters').notNullable().defaultTo('{}').comment('roadUser, severity, … for a rescore');
    t.date('period_from').notNullable().comment('first day of the 5-year (default) ranking window');
    t.date('period_to').notNullable().comment('last day of the ranking window');
    t.date('camera_from').notNullable().comment('first day of the 36-month camera-evidence window');
    t.text('method_version').notNullable();
    t.text('value_table_version').notNullable();
    t.integer('previous_run_id').nullable().comment('run that rank change is measured against');
    t.jsonb('summary').nullable().comment('counts, fitted models per reference group, timings');
    t.text('message').nullable().comment('why the run failed');
    t.text('started_by').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true }).nullable();
  });

  await knex.schema.createTable('hotspot_sites', (t) => {
    t.integer('run_id').notNullable().references('id').inTable('hotspot_runs').onDelete('CASCADE');
    t.text('site_id').notNullable().comment('stable across runs: seg:<id>, jn:<osm node>, win:<edge>:<m>, cell:<i>:<j>');
    t.primary(['run_id', 'site_id']);
    t.text('unit').notNullable().comment('segment | junction | window | cell');
    t.integer('rank').nullable().comment('1 = highest priority within the unit; null when not ranked');
    t.integer('previous_rank').nullable();
    t.integer('rank_change').nullable().comment('previous_rank − rank (positive: moved up)');
    t.text('road_label').nullable().comment('e.g. "A6 Garstang Road"');
    t.text('ref').nullable();
    t.text('name').nullable();
    t.text('road_class').nullable();
    t.smallint('speed_limit').nullable().comment('mph');
    t.boolean('urban').nullable();
    t.text('district_code').nullable();
    t.text('reference_group').nullable();
    t.double('length_m').nullable();
    t.integer('fatal').notNullable().defaultTo(0).comment('collisions in the period');
    t.integer('serious').notNullable().defaultTo(0);
    t.integer('slight').notNullable().defaultTo(0);
    t.jsonb('road_user_counts').notNullable().defaultTo('{}').comment('collisions with a casualty of each group');
    t.integer('ksi_36m').notNullable().defaultTo(0);
    t.integer('injury_36m').notNullable().defaultTo(0);
    t.double('ksi_per_km_36m').nullable();
    t.double('mu_ksi').nullable();
    t.double('mu_all').nullable();
    t.double('k_ksi').nullable();
    t.double('k_all').nullable();
    t.double('w_ksi').nullable();
    t.double('w_all').nullable();
    t.double('expected_ksi').nullable().comment('EB expected N_exp');
    t.double('expected_all').nullable();
    t.double('excess_ksi').nullable();
    t.double('excess_all').nullable();
    t.double('p_excess_ksi').nullable();
    t.double('p_excess_all').nullable();
    t.double('p_excess').nullable().comment('max of the KSI and all-injury probabilities');
    t.double('harm_score').nullable().comment('£ per year of excess');
    t.boolean('candidate').notNullable().defaultTo(false).comment('p_excess ≥ 0.95 and excess > 0');
    t.double('gi_z').nullable();
    t.double('gi_q').nullable().comment('Benjamini–Hochberg adjusted');
    t.boolean('corridor').notNullable().defaultTo(false);
    t.integer('corridor_id').nullable();
    t.integer('cluster_max_in_circle').nullable().comment('most injury collisions within the cluster radius of any one collision here');
    t.boolean('cluster_site').notNullable().defaultTo(false).comment('meets the N-within-R cluster test');
    t.double('concern_score').nullable().comment('decayed, deduplicated concerns');
    t.integer('concern_reports').notNullable().defaultTo(0).comment('deduplicated concerns counted at the site');
    t.double('concern_ratio').nullable().comment('shrunk ratio to similar roads');
    t.double('concern_factor').notNullable().defaultTo(1).comment('1 … 1 + max share');
    t.boolean('concern_only').notNullable().defaultTo(false).comment('strong concern, no excess harm: survey list');
    t.double('priority_score').nullable().comment('harm_score × concern_factor: the rank order');
    t.boolean('eligible').notNullable().defaultTo(false).comment('camera eligibility');
    t.text('eligibility_reason').notNullable().defaultTo('');
    t.smallint('peak_day').nullable().comment('DfT day_of_week 1 Sunday … 7 Saturday');
    t.smallint('peak_hour').nullable();
    t.integer('peak_count').nullable();
    t.integer('chain_id').nullable().comment('windows: the road chain (run-local id) the window lies on');
    t.double('chain_from_m').nullable().comment('windows: start, metres along the chain (the window ends length_m later)');
  });
  await knex.raw('ALTER TABLE hotspot_sites ADD COLUMN geom geometry(Geometry, 27700) NOT NULL');
  await knex.raw('ALTER TABLE hotspot_sites ADD COLUMN geom_4326 geometry(Geometry, 4326) NOT NULL');
  await knex.raw('CREATE INDEX hotspot_sites_rank_idx ON hotspot_sites (run_id, unit, rank)');
  await knex.raw('CREATE INDEX hotspot_sites_geom_idx ON hotspot_sites USING gist (geom_4326)');

  await knex.schema.createTable('hotspot_snaps', (t) => {
    t.integer('run_id').notNullable().references('id').inTable('hotspot_runs').onDelete('CASCADE');
    t.text('collision_index').notNullable();
    t.primary(['run_id', 'collision_index']);
    t.integer('segment_id').nullable().comment('null: not snapped (kept as a point)');
    t.double('distance_m').nullable();
    t.double('position_m').nullable().comment('metres along the edge');
    t.boolean('ambiguous').notNullable().defaultTo(false).comment('a second candidate within 5 m');
    t.bigInteger('junction_node').nullable().comment('junction the collision counts at, if any');
    t.text('cell_id').nullable().comment('grid runs: the hexagon, "<i>:<j>"');
    t.text('site_id').nullable().comment('the segment, junction or cell the collision counts at (null: counted nowhere)');
    t.integer('chain_id').nullable().comment('network runs, collisions counted at a segment: its road chain (a window holds those with chain_m in [chain_from_m, chain_from_m + length_m))');
    t.double('chain_m').nullable().comment('metres along the chain');
  });
  // Partial: unsnapped collisions (no site, no chain) are kept as rows but need no index entries.
  await knex.raw('CREATE INDEX hotspot_snaps_site_idx ON hotspot_snaps (run_id, site_id) WHERE site_id IS NOT NULL');
  await knex.raw('CREATE INDEX hotspot_snaps_chain_idx ON hotspot_snaps (run_id, chain_id, chain_m) WHERE chain_id IS NOT NULL');

  await knex('data_versions').insert({ name: 'hotspots' }).onConflict('name').ignore();
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['hotspot_snaps', 'hotspot_sites', 'hotspot_runs', 'job_claims', 'background_jobs', 'collision_value_tables']) {
    await knex.schema.dropTableIfExists(table);
  }
}
