import { describe, expect, it } from 'vitest';
import { HttpError } from '../http/errors.ts';
import { planTriage, type TriageChange, type TriageState } from './triage.ts';

const received: TriageState = { status: 'received', outcome: null, outcomeNote: null, duplicateOf: null };
const decided: TriageState = { status: 'outcome', outcome: 'community_road_watch', outcomeNote: 'Volunteers will watch the road in May.', duplicateOf: null };

/** The HttpError planTriage throws for a change (fails the test when it throws nothing). */
function refusal(current: TriageState, change: TriageChange): HttpError {
  try {
    planTriage(current, change);
  } catch (err) {
    if (err instanceof HttpError) return err;
    throw err;
  }
  throw new Error('expected the change to be refused');
}

describe('planning a triage change', () => {
  it('moves forward', () => {
    expect(planTriage(received, { status: 'triaged' })).toEqual({ ...received, status: 'triaged' });
  });

  it('moves an earlier concern to outcome when only an outcome is given', () => {
    expect(planTriage({ ...received, status: 'assessed' }, { outcome: 'speed_indicator_device' })).toEqual({
      status: 'outcome',
      outcome: 'speed_indicator_device',
      outcomeNote: null,
      duplicateOf: null,
    });
  });

  it('answers 409 naming the allowed statuses for a jump back of two steps', () => {
    const err = refusal(decided, { status: 'awaiting_speed_data', note: 'wrong site' });
    expect(err.status).toBe(409);
    expect(err.message).toContain('allowed next statuses: assessed, closed');
  });

  it('clears the outcome when going back before outcome, with a note', () => {
    expect(planTriage(decided, { status: 'assessed', note: 'the watch group cannot cover this road' })).toEqual({
      status: 'assessed',
      outcome: null,
      outcomeNote: null,
      duplicateOf: null,
    });
  });

  it('needs an outcome for status outcome', () => {
    const err = refusal(received, { status: 'outcome' });
    expect(err.status).toBe(400);
    expect(err.errors?.[0]).toMatchObject({ field: 'body.outcome', code: 'required' });
  });

  it('needs the reason for no action', () => {
    const err = refusal(received, { status: 'outcome', outcome: 'no_action' });
    expect(err.errors?.map((e) => e.field)).toEqual(['body.outcomeNote']);
    expect(planTriage(received, { status: 'outcome', outcome: 'no_action', outcomeNote: 'Speeds measured were within the limit.' }).outcomeNote).toBe(
      'Speeds measured were within the limit.',
    );
  });

  it('refuses an outcome with an earlier status', () => {
    expect(refusal(received, { status: 'triaged', outcome: 'enforcement_site' }).errors?.[0]).toMatchObject({ field: 'body.outcome', code: 'outcome_too_early' });
  });

  it('closes a duplicate without an outcome, but not a concern with neither', () => {
    expect(planTriage(received, { status: 'closed', duplicateOf: 'CON-2026-000001' })).toMatchObject({ status: 'closed', duplicateOf: 'CON-2026-000001' });
    expect(refusal(received, { status: 'closed' }).errors?.[0]?.field).toBe('body.outcome');
  });

  it('drops the old explanation when the outcome changes, unless a new one is given', () => {
    expect(planTriage(decided, { outcome: 'enforcement_site' }).outcomeNote).toBeNull();
    expect(planTriage(decided, { outcome: 'enforcement_site', outcomeNote: 'Added to the A6 site list.' }).outcomeNote).toBe('Added to the A6 site list.');
    expect(planTriage(decided, { status: 'closed' }).outcomeNote).toBe(decided.outcomeNote);
  });

  it('refuses an outcome note without an outcome', () => {
    expect(refusal(received, { outcomeNote: 'something' }).errors?.[0]).toMatchObject({ field: 'body.outcomeNote', code: 'without_outcome' });
  });
});
