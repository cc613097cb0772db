import type { Knex } from 'knex';

/**
 * Foundation schema: districts, STATS19 collisions/casualties/vehicles, import log, data versions
 * (for tile ETags), staff users and sessions. Coded STATS19 fields are kept as DfT's integer codes;
 * labels come from the DfT code list at read time. Fields a later DfT year adds or renames that have
 * no column here are kept in `extra` (jsonb) so nothing in a file is lost.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE EXTENSION IF NOT EXISTS postgis');

  await knex.schema.createTable('districts', (t) => {
    t.text('code').primary().comment('ONS local authority district code, e.g. E07000123');
    t.text('name').notNullable();
    t.text('source').nullable().comment('where the boundary came from, e.g. file name');
    t.timestamp('imported_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('ALTER TABLE districts ADD COLUMN geom geometry(MultiPolygon, 4326) NOT NULL');
  await knex.raw('ALTER TABLE districts ADD COLUMN geom_bng geometry(MultiPolygon, 27700) NOT NULL');
  await knex.raw('CREATE INDEX districts_geom_idx ON districts USING gist (geom)');
  await knex.raw('CREATE INDEX districts_geom_bng_idx ON districts USING gist (geom_bng)');

  await knex.schema.createTable('stats19_imports', (t) => {
    t.increments('id').primary();
    t.text('kind').notNullable().comment('stats19 | districts | demo');
    t.jsonb('files').notNullable().defaultTo('[]');
    t.jsonb('options').notNullable().defaultTo('{}');
    t.text('status').notNullable().defaultTo('running').comment('running | succeeded | failed');
    t.integer('collisions').notNullable().defaultTo(0);
    t.integer('casualties').notNullable().defaultTo(0);
    t.integer('vehicles').notNullable().defaultTo(0);
    t.integer('rejected').notNullable().defaultTo(0);
    t.text('message').nullable();
    t.text('started_by').nullable();
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true }).nullable();
  });

  await knex.schema.createTable('collisions', (t) => {
    t.text('collision_index').primary().comment('DfT accident_index/collision_index, a string (leading zeros)');
    t.smallint('collision_year').notNullable();
    t.text('collision_reference').notNullable();
    t.smallint('police_force').notNullable();
    t.smallint('severity').notNullable().comment('1 fatal, 2 serious, 3 slight');
    t.smallint('enhanced_severity').nullable();
    t.smallint('number_of_vehicles').notNullable();
    t.smallint('number_of_casualties').notNullable();
    t.date('date').notNullable().comment('local date');
    t.time('time').nullable().comment('local time HH:MM, null when not recorded');
    t.smallint('day_of_week').notNullable().comment('DfT: 1 Sunday … 7 Saturday');
    t.smallint('hour').nullable().comment('0–23 from time, for the day × hour matrix');
    t.integer('easting').nullable().comment('EPSG:27700 metres');
    t.integer('northing').nullable().comment('EPSG:27700 metres');
    t.double('longitude').nullable();
    t.double('latitude').nullable();
    t.smallint('local_authority_district').nullable().comment('legacy code; -1 from 2022');
    t.text('district_code').nullable().comment('ONS code of local_authority_ons_district');
    t.text('highway_authority').nullable().comment('ONS code of local_authority_highway');
    t.smallint('first_road_class').nullable();
    t.integer('first_road_number').nullable().comment('0 for unclassified roads');
    t.smallint('road_type').nullable();
    t.smallint('speed_limit').nullable().comment('mph');
    t.smallint('junction_detail').nullable();
    t.smallint('junction_control').nullable();
    t.smallint('second_road_class').nullable();
    t.integer('second_road_number').nullable();
    t.smallint('pedestrian_crossing_human_control').nullable();
    t.smallint('pedestrian_crossing_physical_facilities').nullable();
    t.smallint('pedestrian_crossing').nullable().comment('2024+ combined field');
    t.smallint('light_conditions').nullable();
    t.smallint('weather_conditions').nullable();
    t.smallint('road_surface_conditions').nullable();
    t.smallint('special_conditions_at_site').nullable();
    t.smallint('carriageway_hazards').nullable();
    t.smallint('urban_or_rural_area').nullable().comment('1 urban, 2 rural, 3 unallocated');
    t.smallint('police_attended').nullable();
    t.smallint('trunk_road_flag').nullable();
    t.text('lsoa').nullable();
    t.smallint('injury_based').nullable().comment('collision_injury_based, 2024+');
    t.double('adjusted_severity_serious').nullable().comment('DfT severity adjustment probability');
    t.double('adjusted_severity_slight').nullable();
    t.jsonb('extra').notNullable().defaultTo('{}').comment('file columns without their own column');
    t.integer('import_id').nullable().references('id').inTable('stats19_imports').onDelete('SET NULL');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('ALTER TABLE collisions ADD COLUMN geom geometry(Point, 27700)');
  await knex.raw('ALTER TABLE collisions ADD COLUMN geom_4326 geometry(Point, 4326)');
  await knex.raw('CREATE INDEX collisions_geom_idx ON collisions USING gist (geom)');
  await knex.raw('CREATE INDEX collisions_geom_4326_idx ON collisions USING gist (geom_4326)');
  await knex.raw('CREATE INDEX collisions_date_idx ON collisions (date)');
  await knex.raw('CREATE INDEX collisions_district_date_idx ON collisions (district_code, date)');
  await knex.raw('CREATE INDEX collisions_severity_idx ON collisions (severity)');

  await knex.schema.createTable('casualties', (t) => {
    t.text('collision_index').notNullable().references('collision_index').inTable('collisions').onDelete('CASCADE');
    t.text('vehicle_reference').notNullable();
    t.text('casualty_reference').notNullable();
    t.primary(['collision_index', 'casualty_reference']);
    t.smallint('casualty_class').nullable().comment('1 driver/rider, 2 passenger, 3 pedestrian');
    t.smallint('sex').nullable();
    t.smallint('age').nullable().comment('years');
    t.smallint('age_band').nullable();
    t.smallint('severity').notNullable().comment('1 fatal, 2 serious, 3 slight');
    t.smallint('enhanced_severity').nullable();
    t.smallint('pedestrian_location').nullable();
    t.smallint('pedestrian_movement').nullable();
    t.smallint('car_passenger').nullable();
    t.smallint('bus_or_coach_passenger').nullable();
    t.smallint('pedestrian_road_maintenance_worker').nullable();
    t.smallint('casualty_type').nullable();
    t.text('road_user_group').nullable().comment('pedestrian|cyclist|motorcyclist|car|goods|bus|other, from casualty_type');
    t.smallint('imd_decile').nullable();
    t.text('lsoa').nullable();
    t.smallint('injury_based').nullable();
    t.double('adjusted_severity_serious').nullable();
    t.double('adjusted_severity_slight').nullable();
    t.smallint('distance_banding').nullable();
    t.jsonb('extra').notNullable().defaultTo('{}');
  });
  await knex.raw('CREATE INDEX casualties_group_idx ON casualties (road_user_group, collision_index)');
  await knex.raw('CREATE INDEX casualties_age_idx ON casualties (age, collision_index)');

  await knex.schema.createTable('vehicles', (t) => {
    t.text('collision_index').notNullable().references('collision_index').inTable('collisions').onDelete('CASCADE');
    t.text('vehicle_reference').notNullable();
    t.primary(['collision_index', 'vehicle_reference']);
    t.smallint('vehicle_type').nullable();
    t.smallint('towing_and_articulation').nullable();
    t.smallint('manoeuvre').nullable();
    t.smallint('direction_from').nullable();
    t.smallint('direction_to').nullable();
    t.smallint('restricted_lane').nullable();
    t.smallint('junction_location').nullable();
    t.smallint('skidding_and_overturning').nullable();
    t.smallint('hit_object_in_carriageway').nullable();
    t.smallint('leaving_carriageway').nullable();
    t.smallint('hit_object_off_carriageway').nullable();
    t.smallint('first_point_of_impact').nullable();
    t.smallint('left_hand_drive').nullable();
    t.smallint('journey_purpose').nullable();
    t.smallint('sex_of_driver').nullable();
    t.smallint('age_of_driver').nullable().comment('years');
    t.smallint('age_band_of_driver').nullable();
    t.integer('engine_capacity_cc').nullable();
    t.smallint('propulsion_code').nullable();
    t.smallint('age_of_vehicle').nullable().comment('years');
    t.text('generic_make_model').nullable();
    t.smallint('driver_imd_decile').nullable();
    t.text('lsoa_of_driver').nullable();
    t.smallint('escooter_flag').nullable();
    t.smallint('driver_distance_banding').nullable();
    t.jsonb('extra').notNullable().defaultTo('{}');
  });

  await knex.schema.createTable('data_versions', (t) => {
    t.text('name').primary().comment('collisions | districts | …: what a tile layer or cache depends on');
    t.bigint('version').notNullable().defaultTo(1);
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex('data_versions').insert([{ name: 'collisions' }, { name: 'districts' }]);

  await knex.schema.createTable('users', (t) => {
    t.increments('id').primary();
    t.text('email').notNullable().comment('stored lower-case');
    t.text('password_hash').notNullable().comment('argon2id');
    t.specificType('roles', 'text[]').notNullable().defaultTo('{}');
    t.text('display_name').nullable();
    t.boolean('disabled').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_login_at', { useTz: true }).nullable();
  });
  await knex.raw('CREATE UNIQUE INDEX users_email_idx ON users (lower(email))');

  await knex.schema.createTable('sessions', (t) => {
    t.text('id_hash').primary().comment('sha256 of the cookie token; the token itself is never stored');
    t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.text('csrf_token').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.text('ip').nullable();
    t.text('user_agent').nullable();
  });
  await knex.raw('CREATE INDEX sessions_expires_idx ON sessions (expires_at)');

  await knex.schema.createTable('app_state', (t) => {
    t.text('key').primary();
    t.jsonb('value').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['app_state', 'sessions', 'users', 'data_versions', 'vehicles', 'casualties', 'collisions', 'stats19_imports', 'districts']) {
    await knex.schema.dropTableIfExists(table);
  }
}
