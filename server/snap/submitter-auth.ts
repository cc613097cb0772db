import { createHash, timingSafeEqual } from 'node:crypto';
import type { Knex } from 'knex';
import { findSubmission, type SubmissionRow } from './store.ts';

/**
 * The submitter's secret: a random token handed out once (in the 201 answer and the status link),
 * of which only sha256 is stored. Every submitter route and the tus uploads call
 * `authenticateSubmitter`; they answer 401 when the header is missing and 404 when this returns
 * null with a header present, so a token for another submission learns nothing about this one.
 */

/** sha256 (hex) of a token: what `snap_submissions.token_hash` keeps. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Compared against when the reference is unknown, so the answer takes as long as for a wrong token. */
const DUMMY_HASH = hashToken('no such submission');

/** The token from `Authorization: Bearer <token>` (scheme case-insensitive), or null. */
export function bearerToken(authorizationHeader: string | undefined): string | null {
  if (!authorizationHeader) return null;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorizationHeader);
  return match ? match[1]! : null;
}

/** References look like SNAP-2026-000123; anything else is not looked up. */
const REFERENCE_SHAPE = /^SNAP-\d{4}-\d{6,}$/;

/**
 * The submission `reference` names when the header carries its token; null when the header is
 * missing or malformed, the reference unknown, or the token wrong (compared in constant time).
 */
export async function authenticateSubmitter(knex: Knex, reference: string, authorizationHeader: string | undefined): Promise<SubmissionRow | null> {
  const token = bearerToken(authorizationHeader);
  if (!token) return null;
  const row = REFERENCE_SHAPE.test(reference) ? await findSubmission(knex, reference) : undefined;
  const presented = Buffer.from(hashToken(token), 'hex');
  const stored = Buffer.from(row?.token_hash ?? DUMMY_HASH, 'hex');
  const matches = stored.length === presented.length && timingSafeEqual(stored, presented);
  return row && matches ? row : null;
}
