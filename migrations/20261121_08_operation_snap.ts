import type { Knex } from 'knex';

/**
 * Operation Snap (issue 5): public dashcam/helmet-camera submissions with a section 9 statement, their
 * footage files, the public stage timeline, reviewers' decisions, and the hash-chained audit log of every
 * view, download, state change, decision and purge (server/audit/chain.ts defines the hash).
 * Personal data (submitter_*, vrm, statement) is purged after the retention period unless on legal hold.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('snap_submissions', (t) => {
    t.increments('id').primary();
    t.text('reference').notNullable().unique().comment('SNAP-YYYY-NNNNNN');
    t.text('token_hash').notNullable().comment('sha256 (hex) of the submitter\'s secret token');
    t.text('state').notNullable().comment('server/snap/states.ts SNAP_STATES');
    t.jsonb('eligibility').notNullable();
    t.date('incident_date').notNullable();
    t.text('incident_time').notNullable().comment('HH:MM local');
    t.boolean('time_approximate').notNullable().defaultTo(false);
    t.integer('camera_clock_offset_minutes').notNullable().defaultTo(0);
    t.text('location_text').notNullable();
    t.text('direction').nullable();
    t.text('offence_type').notNullable();
    t.text('offence_other').nullable();
    t.text('reporter_road_user').nullable();
    t.text('vrm').nullable().comment('registration, normalised (AB12CDE); null after purge');
    t.text('vehicle_make').nullable();
    t.text('vehicle_colour').nullable();
    t.text('statement_narrative').nullable();
    t.text('statement_sha256').nullable();
    t.text('signature_name').nullable();
    t.timestamp('statement_signed_at', { useTz: true }).nullable();
    t.text('submitter_name').nullable();
    t.date('submitter_dob').nullable();
    t.text('submitter_address').nullable();
    t.text('submitter_postcode').nullable();
    t.text('submitter_email').nullable();
    t.text('submitter_key').nullable().comment('sha256 of the normalised email: "same submitter" without reading the email');
    t.text('submitter_phone').nullable();
    t.text('verification_code_hash').nullable();
    t.integer('verification_attempts').notNullable().defaultTo(0);
    t.timestamp('verification_sent_at', { useTz: true }).nullable();
    t.timestamp('email_verified_at', { useTz: true }).nullable();
    t.date('notice_by').notNullable().comment('14-day notice deadline');
    t.date('post_by').notNullable().comment('last posting date (two working days before notice_by)');
    t.date('submit_by').notNullable().comment('end of the submission window');
    t.text('district_code').nullable();
    t.integer('claimed_by').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.timestamp('claimed_at', { useTz: true }).nullable();
    t.text('outcome').nullable();
    t.text('reason_code').nullable();
    t.boolean('legal_hold').notNullable().defaultTo(false);
    t.boolean('integrity_alert').notNullable().defaultTo(false).comment('a stored file no longer matches its hash');
    t.timestamp('submitted_at', { useTz: true }).nullable();
    t.timestamp('decided_at', { useTz: true }).nullable();
    t.timestamp('purged_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('ALTER TABLE snap_submissions ADD COLUMN geom geometry(Point, 27700)');
  await knex.raw('ALTER TABLE snap_submissions ADD COLUMN geom_4326 geometry(Point, 4326)');
  await knex.raw('CREATE INDEX snap_submissions_queue_idx ON snap_submissions (state, post_by)');
  await knex.raw('CREATE INDEX snap_submissions_vrm_idx ON snap_submissions (vrm, incident_date) WHERE vrm IS NOT NULL');
  await knex.raw('CREATE INDEX snap_submissions_submitter_idx ON snap_submissions (submitter_key) WHERE submitter_key IS NOT NULL');

  await knex.schema.createTable('snap_reference_counters', (t) => {
    t.integer('year').primary();
    t.integer('last_number').notNullable();
  });

  await knex.schema.createTable('snap_files', (t) => {
    t.increments('id').primary();
    t.integer('submission_id').notNullable().references('id').inTable('snap_submissions').onDelete('CASCADE');
    t.text('upload_id').notNullable().unique().comment('tus upload id (server-generated)');
    t.text('original_name').notNullable().comment('as sent by the client; shown only, never used as a path');
    t.bigInteger('size_bytes').notNullable();
    t.bigInteger('received_bytes').notNullable().defaultTo(0);
    t.text('storage_key').notNullable().comment('key in the footage store');
    t.text('sha256').nullable();
    t.text('state').notNullable().defaultTo('uploading').comment('uploading | abandoned | processing | ready | rejected | quarantined | on_hold | purged');
    t.text('message').nullable().comment('plain message for the submitter');
    t.text('staff_detail').nullable();
    t.jsonb('probe').nullable();
    t.text('thumbnail_key').nullable();
    t.text('viewing_key').nullable().comment('browser-playable copy when the original is not');
    t.integer('processing_attempts').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('uploaded_at', { useTz: true }).nullable().comment('when bytes last arrived (the upload is finished when received_bytes = size_bytes)');
    t.timestamp('processed_at', { useTz: true }).nullable();
    t.timestamp('hash_verified_at', { useTz: true }).nullable();
    t.timestamp('hash_mismatch_at', { useTz: true }).nullable();
  });
  await knex.raw('CREATE INDEX snap_files_submission_idx ON snap_files (submission_id)');
  await knex.raw('CREATE INDEX snap_files_sha256_idx ON snap_files (sha256) WHERE sha256 IS NOT NULL');

  await knex.schema.createTable('snap_stages', (t) => {
    t.increments('id').primary();
    t.integer('submission_id').notNullable().references('id').inTable('snap_submissions').onDelete('CASCADE');
    t.text('state').notNullable();
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('public_note').nullable().comment('shown to the submitter');
  });
  await knex.raw('CREATE INDEX snap_stages_submission_idx ON snap_stages (submission_id, at)');

  await knex.schema.createTable('snap_decisions', (t) => {
    t.increments('id').primary();
    t.integer('submission_id').notNullable().references('id').inTable('snap_submissions').onDelete('CASCADE');
    t.integer('decided_by').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('outcome').notNullable();
    t.text('reason_code').nullable();
    t.text('notes').nullable().comment('staff only');
    t.text('status').notNullable().defaultTo('final').comment('final | awaiting_approval | approved | refused');
    t.integer('approved_by').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.timestamp('approved_at', { useTz: true }).nullable();
  });

  // Append-only, hash-chained (server/audit/chain.ts). Ids are assigned as last id + 1 under a lock so a
  // gap means a deleted row; there is no sequence.
  await knex.schema.createTable('audit_log', (t) => {
    t.bigInteger('id').primary();
    t.timestamp('at', { useTz: true }).notNullable();
    t.text('actor_kind').notNullable().comment('staff | submitter | system');
    t.text('actor_id').nullable();
    t.text('actor_label').nullable();
    t.text('action').notNullable();
    t.text('subject_kind').notNullable();
    t.text('subject_id').nullable();
    t.text('reference').nullable();
    t.text('justification').nullable();
    t.jsonb('details').notNullable().defaultTo('{}');
    t.text('prev_hash').notNullable();
    t.text('hash').notNullable();
  });
  await knex.raw('CREATE INDEX audit_log_reference_idx ON audit_log (reference, id)');

  await knex('data_versions').insert({ name: 'snap' }).onConflict('name').ignore();
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['audit_log', 'snap_decisions', 'snap_stages', 'snap_files', 'snap_reference_counters', 'snap_submissions']) {
    await knex.schema.dropTableIfExists(table);
  }
  await knex('data_versions').where({ name: 'snap' }).delete();
}
