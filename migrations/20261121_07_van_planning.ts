import type { Knex } from 'knex';

/**
 * Enforcement sites and the monthly camera van plan (issue 4): the site register with its audit trail
 * and speed surveys; vans, bases, availability and shift templates; plans (versioned per month), their
 * sessions, travel legs, edits, and the crews' returns after each session.
 * Geometry is stored in EPSG:27700 (metres) with a 4326 copy where maps and the public list need it.
 */
export async function up(knex: Knex): Promise<void> {
  // ---- The site register -------------------------------------------------------------------------
  await knex.schema.createTable('enforcement_sites', (t) => {
    t.increments('id').primary();
    t.text('reference').notNullable().unique().comment('stable external id, e.g. LAN-0001; CSV import upserts by it');
    t.text('category').notNullable().comment('mobile_route | community_concern | motorway | fixed_site');
    t.text('road_number').nullable().comment('e.g. A584; null for unnumbered roads');
    t.text('road_name').notNullable().comment('e.g. Preston New Rd');
    t.text('qualifier').nullable().comment('e.g. "from Clifton Business Park to Blackpool Rd" or "near St James\' Primary School"');
    t.text('direction').nullable().comment('enforceable direction(s) in words, e.g. eastbound, both directions');
    t.text('locality').notNullable().comment('e.g. Freckleton');
    t.text('district_code').nullable().comment('ONS code of the district holding the stretch (districts.code)');
    t.text('highway_authority').nullable().comment('e.g. Lancashire County Council, National Highways');
    t.integer('speed_limit_mph').notNullable();
    t.text('limit_kind').notNullable().defaultTo('limit').comment('limit | zone');
    t.double('stretch_length_m').notNullable().comment('length of the enforceable stretch (m), kept in step with geom');
    t.jsonb('parking_positions').notNullable().defaultTo('[]').comment('[{lon, lat, directions: string[], description}] safe places to park and the directions enforceable from each');
    t.date('risk_assessed_on').nullable();
    t.date('risk_assessment_expires_on').nullable().comment('after this date the site may not be scheduled');
    t.jsonb('time_restrictions').notNullable().defaultTo('{}').comment('{daylightOnly?, noWeekends?, schoolTimesOnly?, windows?: [{from: "HH:MM", to: "HH:MM"}]} (local time)');
    t.jsonb('suspensions').notNullable().defaultTo('[]').comment('[{from: "YYYY-MM-DD", to: "YYYY-MM-DD", reason}] inclusive dates (roadworks, events)');
    t.boolean('warning_signs').notNullable().defaultTo(true).comment('camera warning signs in place');
    t.integer('visibility_m').nullable().comment('distance the van is visible from (m): ≥ 60 at ≤ 40 mph, ≥ 100 above');
    t.text('notes').nullable();
    t.boolean('demo').notNullable().defaultTo(false).comment('true for the derived demo register (not real partnership records)');
    t.text('demo_derivation').nullable().comment('how a demo site was placed (published line, ward, collisions used)');
    t.timestamp('retired_at', { useTz: true }).nullable().comment('deleted from the register; kept for plans and the audit trail');
    t.integer('version').notNullable().defaultTo(1).comment('bumped on every change (optimistic concurrency)');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`ALTER TABLE enforcement_sites ADD CONSTRAINT enforcement_sites_category CHECK (category IN ('mobile_route', 'community_concern', 'motorway', 'fixed_site'))`);
  await knex.raw(`ALTER TABLE enforcement_sites ADD CONSTRAINT enforcement_sites_limit CHECK (speed_limit_mph IN (20, 30, 40, 50, 60, 70) AND limit_kind IN ('limit', 'zone'))`);
  await knex.raw('ALTER TABLE enforcement_sites ADD COLUMN geom geometry(LineString, 27700) NOT NULL');
  await knex.raw('ALTER TABLE enforcement_sites ADD COLUMN geom_4326 geometry(LineString, 4326) NOT NULL');
  await knex.raw('CREATE INDEX enforcement_sites_geom_idx ON enforcement_sites USING gist (geom)');
  await knex.raw('CREATE INDEX enforcement_sites_district_idx ON enforcement_sites (district_code) WHERE retired_at IS NULL');

  await knex.schema.createTable('site_changes', (t) => {
    t.increments('id').primary();
    t.integer('site_id').notNullable().references('id').inTable('enforcement_sites').onDelete('CASCADE');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('actor').notNullable().comment('staff email, "import:<file>" or "demo"');
    t.text('action').notNullable().comment('create | update | retire | import');
    t.jsonb('before').nullable().comment('the record before the change (null on create)');
    t.jsonb('after').nullable().comment('the record after the change');
    t.text('reason').nullable();
  });
  await knex.raw('CREATE INDEX site_changes_site_idx ON site_changes (site_id, at)');

  await knex.schema.createTable('speed_surveys', (t) => {
    t.increments('id').primary();
    t.text('reference').notNullable().unique().comment('survey id from the file; re-import replaces it');
    t.integer('site_id').nullable().references('id').inTable('enforcement_sites').onDelete('SET NULL');
    t.text('site_reference').nullable().comment('as given in the file');
    t.date('surveyed_from').notNullable();
    t.date('surveyed_to').notNullable();
    t.text('direction').nullable();
    t.integer('speed_limit_mph').notNullable();
    t.integer('vehicles').notNullable();
    t.double('mean_mph').notNullable();
    t.double('p85_mph').notNullable().comment('85th percentile speed (mph)');
    t.double('share_over_limit').notNullable().comment('0–1');
    t.integer('threshold_mph').notNullable().comment('enforcement threshold used: limit × 1.1 + 2, rounded by the setting');
    t.double('share_over_threshold').notNullable().comment('0–1');
    t.text('input_kind').notNullable().comment('per_vehicle | binned');
    t.jsonb('bins').nullable().comment('[{fromMph, toMph, count}] when binned, or the histogram of per-vehicle speeds (1 mph bins)');
    t.text('source_file').nullable();
    t.timestamp('imported_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE INDEX speed_surveys_site_idx ON speed_surveys (site_id, surveyed_to)');

  // ---- Vans, bases, availability, shift templates ---------------------------------------------------
  await knex.schema.createTable('van_bases', (t) => {
    t.increments('id').primary();
    t.text('name').notNullable().unique();
    t.text('district_code').nullable();
    t.boolean('demo').notNullable().defaultTo(false);
  });
  await knex.raw('ALTER TABLE van_bases ADD COLUMN geom geometry(Point, 27700) NOT NULL');
  await knex.raw('ALTER TABLE van_bases ADD COLUMN geom_4326 geometry(Point, 4326) NOT NULL');

  await knex.schema.createTable('vans', (t) => {
    t.increments('id').primary();
    t.text('call_sign').notNullable().unique().comment('e.g. VAN-01');
    t.integer('base_id').notNullable().references('id').inTable('van_bases');
    t.text('crew').nullable().comment('crew or team name shown on tasking sheets');
    t.specificType('shift_codes', 'text[]').notNullable().defaultTo('{}').comment('shift templates this van works; empty means all');
    t.boolean('active').notNullable().defaultTo(true);
    t.boolean('demo').notNullable().defaultTo(false);
  });

  await knex.schema.createTable('van_unavailability', (t) => {
    t.increments('id').primary();
    t.integer('van_id').notNullable().references('id').inTable('vans').onDelete('CASCADE');
    t.date('from_date').notNullable();
    t.date('to_date').notNullable().comment('inclusive');
    t.text('reason').notNullable().comment('maintenance | leave | training | other');
    t.text('note').nullable();
  });
  await knex.raw('CREATE INDEX van_unavailability_van_idx ON van_unavailability (van_id, from_date)');

  await knex.schema.createTable('shift_templates', (t) => {
    t.text('code').primary().comment('e.g. early, late, weekend');
    t.text('name').notNullable();
    t.text('starts').notNullable().comment('HH:MM local time');
    t.text('ends').notNullable().comment('HH:MM local time; earlier than starts means it ends the next day');
    t.specificType('weekdays', 'integer[]').notNullable().comment('ISO weekdays it runs on, 1 = Monday … 7 = Sunday');
    t.boolean('bank_holidays').notNullable().defaultTo(true).comment('runs on bank holidays');
  });

  // ---- Plans ----------------------------------------------------------------------------------------
  await knex.schema.createTable('plans', (t) => {
    t.increments('id').primary();
    t.text('month').notNullable().comment('YYYY-MM');
    t.integer('version').notNullable().defaultTo(1).comment('1 for the first plan of a month; a correction of a published plan is the next version');
    t.bigInteger('seed').notNullable();
    t.text('status').notNullable().defaultTo('generating').comment('generating | draft | approved | published | superseded | failed');
    t.integer('job_id').nullable().comment('background_jobs.id of the generation');
    t.jsonb('options').notNullable().defaultTo('{}').comment('the policy settings used (defaults filled in)');
    t.jsonb('inputs').nullable().comment('snapshot of what the planner took: sites with evidence and risk, vans, shifts, calendar, travel mode');
    t.jsonb('allocation').nullable().comment('target visits per site from the solver, with the reason each site was chosen');
    t.jsonb('metrics').nullable().comment('quality measures (checked independently of the optimiser)');
    t.jsonb('violations').notNullable().defaultTo('[]').comment('the independent checker\'s list; empty when clean');
    t.text('travel_mode').nullable().comment('road_network | straight_line');
    t.integer('supersedes_plan_id').nullable().references('id').inTable('plans');
    t.text('correction_reason').nullable();
    t.integer('created_by').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.integer('approved_by').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.timestamp('approved_at', { useTz: true }).nullable();
    t.integer('published_by').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.timestamp('published_at', { useTz: true }).nullable();
    t.text('error').nullable();
  });
  await knex.raw(`ALTER TABLE plans ADD CONSTRAINT plans_status CHECK (status IN ('generating', 'draft', 'approved', 'published', 'superseded', 'failed'))`);
  await knex.raw('CREATE INDEX plans_month_idx ON plans (month, version)');
  // At most one published plan per month (an older published version becomes superseded).
  await knex.raw(`CREATE UNIQUE INDEX plans_one_published_idx ON plans (month) WHERE status = 'published'`);

  await knex.schema.createTable('plan_sessions', (t) => {
    t.increments('id').primary();
    t.integer('plan_id').notNullable().references('id').inTable('plans').onDelete('CASCADE');
    t.integer('van_id').notNullable().references('id').inTable('vans');
    t.date('date').notNullable();
    t.text('shift').notNullable().comment('shift_templates.code');
    t.integer('seq').notNullable().comment('order within the van\'s shift, from 1');
    t.integer('site_id').notNullable().references('id').inTable('enforcement_sites');
    t.timestamp('arrive', { useTz: true }).notNullable();
    t.timestamp('depart', { useTz: true }).notNullable();
    t.specificType('fallback_site_ids', 'integer[]').notNullable().defaultTo('{}').comment('one or two nearby eligible sites if this one cannot be used');
    t.text('status').notNullable().defaultTo('planned').comment('planned | cancelled');
    t.text('reason').nullable().comment('why this site (tier, risk, concern) or the edit reason for added sessions');
  });
  await knex.raw('CREATE INDEX plan_sessions_plan_idx ON plan_sessions (plan_id, date, van_id, shift, seq)');
  await knex.raw('CREATE INDEX plan_sessions_site_idx ON plan_sessions (site_id, date)');

  await knex.schema.createTable('plan_legs', (t) => {
    t.increments('id').primary();
    t.integer('plan_id').notNullable().references('id').inTable('plans').onDelete('CASCADE');
    t.integer('van_id').notNullable();
    t.date('date').notNullable();
    t.text('shift').notNullable();
    t.integer('seq').notNullable().comment('1 = base to the first site … n+1 = last site back to base');
    t.integer('from_site_id').nullable().comment('null = the van\'s base');
    t.integer('to_site_id').nullable().comment('null = the van\'s base');
    t.double('seconds').notNullable();
    t.double('metres').notNullable();
    t.text('mode').notNullable().comment('road_network | straight_line');
  });
  await knex.raw('ALTER TABLE plan_legs ADD COLUMN geom geometry(LineString, 4326) NOT NULL');
  await knex.raw('CREATE INDEX plan_legs_plan_idx ON plan_legs (plan_id, date, van_id)');

  await knex.schema.createTable('plan_events', (t) => {
    t.increments('id').primary();
    t.integer('plan_id').notNullable().references('id').inTable('plans').onDelete('CASCADE');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.integer('user_id').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.text('actor').notNullable().comment('staff email, "scheduler" or "cli"');
    t.text('action').notNullable().comment('generated | move | cancel | add | swap | approve | publish | correct | alert');
    t.integer('session_id').nullable();
    t.jsonb('before').nullable();
    t.jsonb('after').nullable();
    t.text('reason').nullable();
    t.jsonb('warnings').notNullable().defaultTo('[]').comment('e.g. unpredictability or fairness fell below target');
  });
  await knex.raw('CREATE INDEX plan_events_plan_idx ON plan_events (plan_id, at)');

  await knex.schema.createTable('deployment_returns', (t) => {
    t.increments('id').primary();
    t.integer('session_id').notNullable().unique().references('id').inTable('plan_sessions').onDelete('CASCADE');
    t.double('hours_delivered').notNullable();
    t.integer('vehicles_checked').notNullable().defaultTo(0);
    t.integer('detections_speeding').notNullable().defaultTo(0);
    t.integer('detections_seat_belt').notNullable().defaultTo(0);
    t.integer('detections_mobile_phone').notNullable().defaultTo(0);
    t.integer('detections_not_in_proper_control').notNullable().defaultTo(0);
    t.boolean('used_fallback').notNullable().defaultTo(false);
    t.integer('actual_site_id').nullable().references('id').inTable('enforcement_sites').comment('set when a fallback site was used');
    t.text('note').nullable();
    t.integer('recorded_by').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.timestamp('recorded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  for (const name of ['sites', 'vans', 'plans']) await knex('data_versions').insert({ name }).onConflict('name').ignore();
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'deployment_returns',
    'plan_events',
    'plan_legs',
    'plan_sessions',
    'plans',
    'shift_templates',
    'van_unavailability',
    'vans',
    'van_bases',
    'speed_surveys',
    'site_changes',
    'enforcement_sites',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
  await knex('data_versions').whereIn('name', ['sites', 'vans', 'plans']).delete();
}
