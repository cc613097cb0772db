import type { Knex } from 'knex';

/**
 * Sign-in attempt counters for the login rate limiter, kept in the database (like sessions) so
 * every server instance sees the same count. Keys are sha256 hashes: no IP address or email is stored.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('login_attempts', (t) => {
    t.text('key_hash').primary().comment('sha256 of limiter prefix + key (IP address and email)');
    t.integer('hits').notNullable().defaultTo(0);
    t.timestamp('reset_at', { useTz: true }).notNullable().comment('end of the counting window');
  });
  await knex.raw('CREATE INDEX login_attempts_reset_idx ON login_attempts (reset_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('login_attempts');
}
