import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Knex } from 'knex';

/**
 * Concern references (CON-YYYY-NNNNNN, numbered per year) and the private status-link tokens
 * (random; only their sha256 is stored).
 */

/** CON-2026-000123; a year past 999,999 reports simply grows a seventh digit. */
export const REFERENCE_PATTERN = /^CON-(\d{4})-(\d{6,})$/;

export function formatReference(year: number, number: number): string {
  return `CON-${year}-${String(number).padStart(6, '0')}`;
}

/**
 * Hands out `count` consecutive reference numbers for `year` (inside the caller's transaction).
 * The upsert takes the year's row lock, so concurrent reports never get the same number; a report
 * rolled back gives its number back with the rest of its transaction.
 */
export async function allocateReferences(trx: Knex.Transaction, year: number, count: number): Promise<string[]> {
  if (count <= 0) return [];
  const { rows } = await trx.raw(
    `INSERT INTO concern_reference_counters AS c (year, last_number) VALUES (?, ?)
     ON CONFLICT (year) DO UPDATE SET last_number = c.last_number + excluded.last_number
     RETURNING last_number`,
    [year, count],
  );
  const last = Number(rows[0].last_number);
  return Array.from({ length: count }, (_, i) => formatReference(year, last - count + 1 + i));
}

/** A new status-link token: 32 random bytes, base64url (43 characters). */
export function newStatusToken(): string {
  return randomBytes(32).toString('base64url');
}

/** sha256 (hex) of a token: what the database keeps. */
export function hashStatusToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Compares a presented token with stored hashes in constant time (per hash). */
export function tokenMatches(token: string, storedHashes: readonly string[]): boolean {
  const presented = Buffer.from(hashStatusToken(token), 'hex');
  let match = false;
  for (const hash of storedHashes) {
    const stored = Buffer.from(hash, 'hex');
    // Every hash is compared, even after a match, so the time does not depend on which one matched.
    if (stored.length === presented.length && timingSafeEqual(stored, presented)) match = true;
  }
  return match;
}

/** The reporter key: sha256 of the lower-cased, trimmed email (deduplication without reading the email). */
export function reporterKeyOfEmail(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
}

/** Reporter key of a bulk-imported row without an email: the source and the normalised name. */
export function reporterKeyOfName(source: string, name: string): string {
  return createHash('sha256').update(`${source}:${name.trim().toLowerCase().replace(/\s+/g, ' ')}`).digest('hex');
}
