import type { Knex } from 'knex';
import { ChainVerifier, nextAuditEntry, type ActorKind, type ChainVerdict, type JsonValue, type StoredAuditEntry, type VerifyOptions } from './chain.ts';

/**
 * The `audit_log` table: an append-only, hash-chained record of every view, download, state change,
 * decision and purge (the hash is defined in chain.ts). Appends are serialised by a table lock so the
 * id is always last id + 1 and each entry chains to the one before it.
 */

export interface AuditInput {
  actorKind: ActorKind;
  /** Staff user id, submission reference (submitter) or job name (system). */
  actorId?: string | number | null;
  actorLabel?: string | null;
  /** e.g. `submission.created`, `state.changed`, `media.downloaded`. */
  action: string;
  /** e.g. `submission`, `file`. */
  subjectKind: string;
  subjectId?: string | number | null;
  reference?: string | null;
  /** Why (consultation and disclosure need one). */
  justification?: string | null;
  details?: JsonValue | null;
}

interface AuditRow {
  id: string | number;
  at: Date | string;
  actor_kind: ActorKind;
  actor_id: string | null;
  actor_label: string | null;
  action: string;
  subject_kind: string;
  subject_id: string | null;
  reference: string | null;
  justification: string | null;
  details: JsonValue;
  prev_hash: string;
  hash: string;
}

function isTransaction(knex: Knex | Knex.Transaction): knex is Knex.Transaction {
  return (knex as Knex.Transaction).isTransaction === true;
}

async function appendLocked(trx: Knex.Transaction, input: AuditInput): Promise<{ id: number; hash: string }> {
  // EXCLUSIVE blocks other appenders (and any other writer) until this transaction ends, but not readers.
  // pg_advisory_xact_lock would do too on PostgreSQL, but the embedded database lacks it.
  await trx.raw('LOCK TABLE audit_log IN EXCLUSIVE MODE');
  const last = (await trx('audit_log').orderBy('id', 'desc').first('id', 'hash')) as { id: string | number; hash: string } | undefined;
  const text = (v: string | number | null | undefined) => (v === null || v === undefined ? null : String(v));
  const entry = nextAuditEntry(last ?? null, {
    // Millisecond instant, the precision the hash covers (timestamptz keeps it exactly).
    at: new Date().toISOString(),
    actorKind: input.actorKind,
    actorId: text(input.actorId),
    actorLabel: text(input.actorLabel),
    action: input.action,
    subjectKind: input.subjectKind,
    subjectId: text(input.subjectId),
    reference: text(input.reference),
    justification: text(input.justification),
    // The column is NOT NULL with default {}: hash what is stored.
    details: input.details ?? {},
  });
  await trx('audit_log').insert({
    id: entry.id,
    at: entry.at,
    actor_kind: entry.actorKind,
    actor_id: entry.actorId,
    actor_label: entry.actorLabel,
    action: entry.action,
    subject_kind: entry.subjectKind,
    subject_id: entry.subjectId,
    reference: entry.reference,
    justification: entry.justification,
    details: JSON.stringify(entry.details),
    prev_hash: entry.prevHash,
    hash: entry.hash,
  });
  return { id: Number(entry.id), hash: entry.hash };
}

/**
 * Appends one entry. Given a transaction, the entry is part of it (rolled back with it, and the
 * table lock is held until it ends: keep such transactions short); given a knex, it commits alone.
 */
export async function appendAudit(knexOrTrx: Knex | Knex.Transaction, entry: AuditInput): Promise<{ id: number; hash: string }> {
  if (isTransaction(knexOrTrx)) return appendLocked(knexOrTrx, entry);
  return knexOrTrx.transaction((trx) => appendLocked(trx, entry));
}

function storedEntry(row: AuditRow): StoredAuditEntry {
  return {
    id: row.id,
    at: row.at,
    actorKind: row.actor_kind,
    actorId: row.actor_id,
    actorLabel: row.actor_label,
    action: row.action,
    subjectKind: row.subject_kind,
    subjectId: row.subject_id,
    reference: row.reference,
    justification: row.justification,
    details: row.details,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export interface VerifyAuditLogOptions extends Pick<VerifyOptions, 'anchors'> {
  /** Rows read per query (memory stays flat whatever the log's length). Default 5,000. */
  batchSize?: number;
}

/** Reads the whole log in id order, in batches, through the chain verifier: the first break, or the head. */
export async function verifyAuditLog(knex: Knex, options: VerifyAuditLogOptions = {}): Promise<ChainVerdict> {
  const batchSize = options.batchSize ?? 5_000;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a whole number ≥ 1 (got ${batchSize})`);
  const verifier = new ChainVerifier({ anchors: options.anchors });
  let afterId: string | number = 0;
  for (;;) {
    const rows = (await knex('audit_log').where('id', '>', afterId).orderBy('id').limit(batchSize)) as AuditRow[];
    for (const row of rows) {
      if (verifier.push(storedEntry(row))) return verifier.finish();
    }
    if (rows.length < batchSize) break;
    afterId = rows[rows.length - 1]!.id;
  }
  return verifier.finish();
}
