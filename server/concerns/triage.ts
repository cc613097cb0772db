import type { Knex } from 'knex';
import { bumpDataVersion } from '../db/data-versions.ts';
import { conflict, invalidRequest, notFound, type FieldError } from '../http/errors.ts';
import { OUTCOMES, statusRank, transitionProblem, type Outcome, type Status } from './model.ts';

/**
 * Staff triage of one concern: status moves, the outcome, duplicate links and notes, each recorded
 * in concern_events with who and the values before and after.
 */

export interface TriageChange {
  status?: Status;
  outcome?: Outcome;
  /** Public explanation of the outcome (the reason, for no_action); '' or null clears it. */
  outcomeNote?: string | null;
  /** Reference of the concern this one duplicates; null removes the link. */
  duplicateOf?: string | null;
  /** Staff-only note. */
  note?: string;
}

export interface TriageState {
  status: Status;
  outcome: Outcome | null;
  outcomeNote: string | null;
  /** Reference of the concern this one duplicates. */
  duplicateOf: string | null;
}

const OUTCOME_RANK = statusRank('outcome');

/**
 * The state after a change, or an HttpError: 409 for a status move the order does not allow
 * (naming the allowed next statuses), 400 naming the field for values that do not fit together.
 * An outcome given without a status moves an earlier concern to `outcome`; moving back before
 * `outcome` clears the outcome.
 */
export function planTriage(current: TriageState, change: TriageChange): TriageState {
  const note = change.note?.trim() || undefined;
  let status = change.status ?? current.status;
  if (change.outcome !== undefined && change.status === undefined && statusRank(current.status) < OUTCOME_RANK) status = 'outcome';
  const problem = transitionProblem(current.status, status, note);
  if (problem) throw conflict(problem);

  const errors: FieldError[] = [];
  const reachesOutcome = statusRank(status) >= OUTCOME_RANK;
  if (change.outcome !== undefined && !reachesOutcome) {
    errors.push({ field: 'body.outcome', code: 'outcome_too_early', message: `an outcome goes with status outcome or closed (the status would be ${status})` });
  }
  const outcome: Outcome | null = reachesOutcome ? (change.outcome ?? current.outcome) : null;
  const outcomeChanged = outcome !== current.outcome;
  const givenNote = change.outcomeNote === undefined ? undefined : change.outcomeNote?.trim() || null;
  // A new outcome does not inherit the explanation of the old one.
  const outcomeNote: string | null = !reachesOutcome ? null : givenNote !== undefined ? givenNote : outcomeChanged ? null : current.outcomeNote;
  const duplicateOf = change.duplicateOf === undefined ? current.duplicateOf : change.duplicateOf;

  if (status === 'outcome' && !outcome) {
    errors.push({ field: 'body.outcome', code: 'required', message: `required with status outcome: one of ${OUTCOMES.join(', ')}` });
  }
  if (status === 'closed' && !outcome && !duplicateOf) {
    errors.push({ field: 'body.outcome', code: 'required', message: `a concern is closed with an outcome (one of ${OUTCOMES.join(', ')}) or as a duplicate (duplicateOf)` });
  }
  if (outcome === 'no_action' && !outcomeNote) {
    errors.push({ field: 'body.outcomeNote', code: 'required', message: 'give the reason for no action in outcomeNote (the reporter sees it)' });
  }
  if (givenNote && !outcome && change.outcome === undefined) {
    errors.push({ field: 'body.outcomeNote', code: 'without_outcome', message: 'an outcome note explains an outcome; give the outcome too' });
  }
  if (errors.length) throw invalidRequest(errors);
  return { status, outcome, outcomeNote, duplicateOf };
}

interface LockedConcern {
  id: number;
  reference: string;
  status: Status;
  outcome: Outcome | null;
  outcome_note: string | null;
  duplicate_of: number | null;
  duplicate_of_reference: string | null;
  reporter_email: string | null;
}

export interface TriageResult {
  concernId: number;
  statusChanged: boolean;
  outcomeChanged: boolean;
  before: TriageState;
  after: TriageState;
  reporterEmail: string | null;
}

/** Resolves `duplicateOf` to a concern id, refusing itself, unknown references and cycles. */
async function duplicateTargetId(trx: Knex.Transaction, concern: LockedConcern, reference: string): Promise<number> {
  if (reference === concern.reference) {
    throw invalidRequest([{ field: 'body.duplicateOf', code: 'self', message: 'a concern cannot be a duplicate of itself' }]);
  }
  const target = (await trx('concerns').where({ reference }).first('id')) as { id: number } | undefined;
  if (!target) throw invalidRequest([{ field: 'body.duplicateOf', code: 'not_found', message: `no concern has the reference "${reference}"` }]);
  // Follow the target's own duplicate links: reaching this concern would make a cycle.
  const { rows } = await trx.raw(
    `WITH RECURSIVE chain(id, duplicate_of, reference, depth) AS (
       SELECT id, duplicate_of, reference, 0 FROM concerns WHERE id = ?
       UNION ALL
       SELECT c.id, c.duplicate_of, c.reference, chain.depth + 1 FROM concerns c JOIN chain ON c.id = chain.duplicate_of WHERE chain.depth < 1000
     )
     SELECT reference FROM chain ORDER BY depth`,
    [target.id],
  );
  const chain = (rows as Array<{ reference: string }>).map((r) => r.reference);
  if (chain.includes(concern.reference)) {
    throw conflict(`${reference} is already a duplicate of ${concern.reference} (${chain.join(' → ')}); marking ${concern.reference} a duplicate of it would make a cycle.`);
  }
  return target.id;
}

/**
 * Applies a change in one transaction: locks the concern, checks the change, writes the row and
 * one event per aspect changed (status, outcome, duplicate; a note rides on the first, or is its
 * own event), and bumps the `concerns` data version.
 */
export async function applyTriage(knex: Knex, reference: string, change: TriageChange, actor: string): Promise<TriageResult> {
  return knex.transaction(async (trx) => {
    const concern = (await trx('concerns as c')
      .leftJoin('concerns as o', 'o.id', 'c.duplicate_of')
      .where('c.reference', reference)
      .forUpdate('c')
      .first('c.id', 'c.reference', 'c.status', 'c.outcome', 'c.outcome_note', 'c.duplicate_of', 'o.reference as duplicate_of_reference', 'c.reporter_email')) as
      | LockedConcern
      | undefined;
    if (!concern) throw notFound(`No concern has the reference "${reference}".`);
    const before: TriageState = {
      status: concern.status,
      outcome: concern.outcome,
      outcomeNote: concern.outcome_note,
      duplicateOf: concern.duplicate_of_reference,
    };
    const after = planTriage(before, change);
    const duplicateId =
      after.duplicateOf === before.duplicateOf ? concern.duplicate_of : after.duplicateOf === null ? null : await duplicateTargetId(trx, concern, after.duplicateOf);

    const statusChanged = after.status !== before.status;
    const outcomeChanged = after.outcome !== before.outcome || after.outcomeNote !== before.outcomeNote;
    const duplicateChanged = after.duplicateOf !== before.duplicateOf;
    let note = change.note?.trim() || null;
    const result = { concernId: concern.id, statusChanged, outcomeChanged, before, after, reporterEmail: concern.reporter_email };
    if (!statusChanged && !outcomeChanged && !duplicateChanged && !note) return result;

    await trx('concerns')
      .where({ id: concern.id })
      .update({ status: after.status, outcome: after.outcome, outcome_note: after.outcomeNote, duplicate_of: duplicateId, updated_at: trx.fn.now() });

    const event = async (action: string, changes: Record<string, [unknown, unknown]>, status?: { from: Status; to: Status }) => {
      await trx('concern_events').insert({
        concern_id: concern.id,
        actor,
        action,
        from_status: status?.from ?? null,
        to_status: status?.to ?? null,
        changes: JSON.stringify(changes),
        note,
      });
      note = null;
    };
    if (statusChanged) await event('status', { status: [before.status, after.status] }, { from: before.status, to: after.status });
    if (outcomeChanged) {
      const changes: Record<string, [unknown, unknown]> = {};
      if (after.outcome !== before.outcome) changes.outcome = [before.outcome, after.outcome];
      if (after.outcomeNote !== before.outcomeNote) changes.outcomeNote = [before.outcomeNote, after.outcomeNote];
      await event('outcome', changes);
    }
    if (duplicateChanged) await event('duplicate', { duplicateOf: [before.duplicateOf, after.duplicateOf] });
    if (note) await event('note', {});
    await bumpDataVersion(trx, 'concerns');
    return result;
  });
}
