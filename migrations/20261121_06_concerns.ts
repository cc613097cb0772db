import type { Knex } from 'knex';

/**
 * Community concerns: the report (a point or a road stretch), its private reporter contact, the
 * status the reporter follows with a token, and every change with who and when. Used proof-of-work
 * challenges are remembered until they expire so one solution cannot be replayed.
 * `concerns.token_hash` is the token given with the report; `concern_access_tokens` holds it and every
 * later one (sent in update emails).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('concerns', (t) => {
    t.increments('id').primary();
    t.text('reference').notNullable().unique().comment('CON-YYYY-NNNNNN, shown to the reporter');
    t.text('token_hash').notNullable().comment('sha256 of the private status-link token');
    t.text('category').notNullable().comment('speeding | antisocial_driving | drink_driving | dangerous_driving | parking | other');
    t.text('source').notNullable().defaultTo('public_form').comment('public_form | parish_council | councillor | community_survey | neighbourhood_policing | community_road_watch | operation_snap');
    t.jsonb('when_days').notNullable().defaultTo('[]').comment('days it happens: mon … sun');
    t.jsonb('when_times').notNullable().defaultTo('[]').comment('times of day: early_morning, morning, daytime, evening, night, or HH:MM-HH:MM (local time)');
    t.text('description').notNullable();
    t.text('location_text').nullable().comment('what the reporter typed, e.g. a street name');
    t.text('district_code').nullable();
    t.text('reporter_name').nullable().comment('private');
    t.text('reporter_email').nullable().comment('private');
    t.text('reporter_key').nullable().comment('sha256 of the normalised email (or source + name): deduplication without reading the email');
    t.text('status').notNullable().defaultTo('received').comment('received | triaged | awaiting_speed_data | assessed | outcome | closed');
    t.text('outcome').nullable().comment('enforcement_site | community_road_watch | speed_indicator_device | engineering_referral | no_action');
    t.text('outcome_note').nullable().comment('public explanation of the outcome; the reason when no action');
    t.integer('duplicate_of').nullable().references('id').inTable('concerns').onDelete('SET NULL');
    t.text('external_ref').nullable().comment('bulk imports: the source row id, for idempotent re-import');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('ALTER TABLE concerns ADD COLUMN geom geometry(Geometry, 27700) NOT NULL');
  await knex.raw('ALTER TABLE concerns ADD COLUMN geom_4326 geometry(Geometry, 4326) NOT NULL');
  await knex.raw(`ALTER TABLE concerns ADD CONSTRAINT concerns_geom_kind CHECK (GeometryType(geom) IN ('POINT', 'LINESTRING'))`);
  await knex.raw('CREATE INDEX concerns_geom_idx ON concerns USING gist (geom)');
  await knex.raw('CREATE INDEX concerns_status_idx ON concerns (status, created_at)');
  await knex.raw('CREATE UNIQUE INDEX concerns_external_ref_idx ON concerns (source, external_ref) WHERE external_ref IS NOT NULL');
  await knex.raw('CREATE INDEX concerns_duplicate_of_idx ON concerns (duplicate_of) WHERE duplicate_of IS NOT NULL');

  // References are CON-YYYY-NNNNNN, numbered per year: the row lock of the upsert serialises writers.
  await knex.schema.createTable('concern_reference_counters', (t) => {
    t.integer('year').primary();
    t.integer('last_number').notNullable().comment('the last number handed out in that year');
  });

  // Every private status-link token of a concern (sha256 only): the first from the report, a new one
  // in each update email, so links already sent keep working.
  await knex.schema.createTable('concern_access_tokens', (t) => {
    t.text('token_hash').primary().comment('sha256 (hex) of the token');
    t.integer('concern_id').notNullable().references('id').inTable('concerns').onDelete('CASCADE');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE INDEX concern_access_tokens_concern_idx ON concern_access_tokens (concern_id)');

  await knex.schema.createTable('concern_events', (t) => {
    t.increments('id').primary();
    t.integer('concern_id').notNullable().references('id').inTable('concerns').onDelete('CASCADE');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('actor').notNullable().comment('staff email, "public" or "import"');
    t.text('action').notNullable().comment('created | status | outcome | duplicate | note | edit');
    t.text('from_status').nullable();
    t.text('to_status').nullable();
    t.jsonb('changes').notNullable().defaultTo('{}').comment('field: [before, after]');
    t.text('note').nullable().comment('staff-only note');
  });
  await knex.raw('CREATE INDEX concern_events_concern_idx ON concern_events (concern_id, at)');

  await knex.schema.createTable('pow_challenges_used', (t) => {
    t.text('signature').primary().comment('ALTCHA challenge signature, once solved');
    t.timestamp('expires_at', { useTz: true }).notNullable();
  });
  await knex.raw('CREATE INDEX pow_challenges_used_expires_idx ON pow_challenges_used (expires_at)');

  await knex('data_versions').insert({ name: 'concerns' }).onConflict('name').ignore();
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['pow_challenges_used', 'concern_access_tokens', 'concern_reference_counters', 'concern_events', 'concerns']) await knex.schema.dropTableIfExists(table);
}
