/**
 * Claims in the `job_claims` table: a row per key, first writer wins. Used for two things:
 * - scheduled slots (`hotspots-monthly:2026-12-01T02:00:00.000Z`): every instance's scheduler fires at
 *   the same slot and only the one whose INSERT lands runs it;
 * - job leases (`job-lease:<job id>`): the instance running a background job keeps its row fresh, so a
 *   restarting instance can tell a job that died with its process from one another instance is running.
 *
 * A claim table rather than advisory locks: on the embedded PGlite every client is the same session,
 * so advisory locks exclude nothing there; `INSERT … ON CONFLICT DO NOTHING RETURNING` works on both.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';

/** Prefix of job-lease keys (the rest is the background_jobs id). */
export const JOB_LEASE_PREFIX = 'job-lease:';
/** Slot claims older than this are deleted when a new slot is claimed (they only guard their own slot). */
export const SLOT_CLAIM_RETENTION_DAYS = 400;

/** A name for this process among instances sharing one database: host, pid and a random suffix. */
export function newInstanceId(): string {
  return `${hostname()}#${process.pid}#${randomBytes(3).toString('hex')}`;
}

/**
 * Claims `key` for `instanceId`. True when this call inserted the row (the caller runs the slot);
 * false when any instance — this one included — claimed it before.
 */
export async function claimSlot(knex: Knex, key: string, instanceId: string): Promise<boolean> {
  if (!key) throw new RangeError('A claim key must not be empty.');
  const { rows } = await knex.raw<{ rows: unknown[] }>('INSERT INTO job_claims (key, claimed_by) VALUES (?, ?) ON CONFLICT (key) DO NOTHING RETURNING key', [key, instanceId]);
  const claimed = rows.length === 1;
  if (claimed) {
    await knex.raw(`DELETE FROM job_claims WHERE key NOT LIKE ? AND claimed_at < now() - make_interval(days => ?::int)`, [`${JOB_LEASE_PREFIX}%`, SLOT_CLAIM_RETENTION_DAYS]);
  }
  return claimed;
}

/** Who holds `key`, or undefined. */
export async function claimHolder(knex: Knex, key: string): Promise<{ claimedBy: string; claimedAt: Date } | undefined> {
  const row = await knex('job_claims').where({ key }).first<{ claimed_by: string; claimed_at: Date } | undefined>('claimed_by', 'claimed_at');
  return row ? { claimedBy: row.claimed_by, claimedAt: row.claimed_at } : undefined;
}
