import { describe, expect, it } from 'vitest';
import {
  ACTOR_ROLES,
  assertTransition,
  BEFORE_DECISION,
  canTransition,
  DECIDED_STATES,
  FINAL_STATES,
  MOVES,
  nextStates,
  NO_FURTHER_ACTION_REASONS,
  PUBLIC_STAGE,
  publicOutcome,
  SUBMISSION_STATES,
  TransitionError,
  type ActorRole,
  type SubmissionState,
  type TransitionContext,
} from './states.ts';

/** The context that satisfies every extra requirement, so only the table and the role decide. */
const satisfied = (actorRole: ActorRole): TransitionContext => ({ actorRole, supervisorApproval: true, reasonCode: 'duplicate', legalHold: false });

const refusal = (from: string, to: string, context: TransitionContext): TransitionError => {
  try {
    assertTransition(from, to, context);
  } catch (error) {
    if (error instanceof TransitionError) return error;
    throw error;
  }
  throw new Error(`expected ${from} → ${to} to be refused`);
};

describe('the transition table', () => {
  it('allows every move it lists, for every role it lists', () => {
    for (const move of MOVES) {
      for (const from of move.from) {
        for (const role of move.by) expect(canTransition(from, move.to, satisfied(role)), `${from} → ${move.to} by ${role}`).toBe(true);
      }
    }
  });

  it('refuses every move it does not list, whoever asks', () => {
    const listed = new Set(MOVES.flatMap((m) => m.from.map((from) => `${from}→${m.to}`)));
    let refused = 0;
    for (const from of SUBMISSION_STATES) {
      for (const to of SUBMISSION_STATES) {
        if (listed.has(`${from}→${to}`)) continue;
        for (const role of ACTOR_ROLES) expect(canTransition(from, to, satisfied(role)), `${from} → ${to} by ${role}`).toBe(false);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(300);
  });

  it('refuses a sample of illegal moves with a message naming the allowed ones', () => {
    const error = refusal('draft', 'submitted', { actorRole: 'system' });
    expect(error.code).toBe('illegal_transition');
    expect(error.message).toBe('A submission that is draft cannot become submitted. From draft it can become: awaiting_footage, withdrawn, purged.');
    expect(canTransition('submitted', 'notice_issued', satisfied('supervisor'))).toBe(false); // a decision needs a claim first
    expect(canTransition('processing', 'in_triage', satisfied('reviewer'))).toBe(false);
    expect(canTransition('in_triage', 'court', satisfied('supervisor'))).toBe(false); // court follows a notice
    expect(canTransition('closed', 'in_triage', satisfied('supervisor'))).toBe(false);
    expect(canTransition('purged', 'closed', satisfied('system'))).toBe(false);
  });

  it('refuses a move by a role the table does not name for it', () => {
    const error = refusal('in_triage', 'notice_issued', { actorRole: 'reviewer' });
    expect(error.code).toBe('role_not_allowed');
    expect(error.message).toBe('The reviewer role cannot move a submission from in_triage to notice_issued; allowed: decision_maker, supervisor.');
    expect(canTransition('processing', 'submitted', { actorRole: 'submitter' })).toBe(false);
    expect(canTransition('submitted', 'in_triage', { actorRole: 'admin' })).toBe(false);
    expect(canTransition('submitted', 'in_triage', { actorRole: 'auditor' })).toBe(false);
  });

  it('gives admins and auditors no moves at all', () => {
    for (const from of SUBMISSION_STATES) {
      expect(nextStates(from, satisfied('admin'))).toEqual([]);
      expect(nextStates(from, satisfied('auditor'))).toEqual([]);
    }
  });

  it('refuses unknown states by name', () => {
    expect(refusal('sent', 'submitted', { actorRole: 'system' }).message).toMatch(/^unknown submission state: sent/);
    expect(refusal('submitted', 'approved', { actorRole: 'reviewer' }).code).toBe('unknown_state');
  });
});

describe('court referral', () => {
  it('is refused for a decision maker without a supervisor’s approval', () => {
    const error = refusal('notice_issued', 'court', { actorRole: 'decision_maker' });
    expect(error.code).toBe('supervisor_approval_required');
    expect(error.message).toBe('Referring a case to court needs a supervisor’s approval.');
  });

  it('is allowed for a decision maker with approval, and for a supervisor', () => {
    expect(canTransition('notice_issued', 'court', { actorRole: 'decision_maker', supervisorApproval: true })).toBe(true);
    expect(canTransition('notice_issued', 'court', { actorRole: 'supervisor' })).toBe(true);
  });

  it('is never open to a reviewer, approval or not', () => {
    expect(canTransition('notice_issued', 'court', { actorRole: 'reviewer', supervisorApproval: true })).toBe(false);
  });
});

describe('no further action', () => {
  it('needs one of the reason codes', () => {
    expect(refusal('in_triage', 'no_further_action', { actorRole: 'reviewer' }).code).toBe('reason_code_required');
    expect(refusal('in_triage', 'no_further_action', { actorRole: 'reviewer', reasonCode: 'bored' }).message).toContain('(got bored)');
    for (const reasonCode of NO_FURTHER_ACTION_REASONS) expect(canTransition('in_triage', 'no_further_action', { actorRole: 'reviewer', reasonCode })).toBe(true);
  });
});

describe('withdrawal', () => {
  it('is open to the submitter in every state before a decision', () => {
    for (const from of BEFORE_DECISION) expect(canTransition(from, 'withdrawn', { actorRole: 'submitter' }), from).toBe(true);
  });

  it('is refused once a decision is made, saying why', () => {
    for (const from of [...DECIDED_STATES, 'closed', 'purged'] as SubmissionState[]) {
      expect(canTransition(from, 'withdrawn', { actorRole: 'submitter' }), from).toBe(false);
    }
    expect(refusal('notice_issued', 'withdrawn', { actorRole: 'submitter' }).message).toContain('A submission can only be withdrawn before a decision.');
  });

  it('is the submitter’s alone', () => {
    expect(canTransition('submitted', 'withdrawn', { actorRole: 'reviewer' })).toBe(false);
  });
});

describe('purging', () => {
  it('is done by the retention job, and never to a case on legal hold', () => {
    expect(canTransition('closed', 'purged', { actorRole: 'system' })).toBe(true);
    expect(refusal('closed', 'purged', { actorRole: 'system', legalHold: true }).code).toBe('legal_hold');
    expect(canTransition('closed', 'purged', { actorRole: 'supervisor' })).toBe(false);
    expect(canTransition('in_triage', 'purged', { actorRole: 'system' })).toBe(false);
  });

  it('leaves purged as the only final state', () => {
    expect(FINAL_STATES).toEqual(['purged']);
  });
});

describe('the submitter’s status page', () => {
  it('has a label and a next step for every state, none naming the driver or the keeper’s details', () => {
    for (const state of SUBMISSION_STATES) {
      expect(PUBLIC_STAGE[state].label.length).toBeGreaterThan(3);
      expect(PUBLIC_STAGE[state].next).toMatch(/\.$/);
      expect(PUBLIC_STAGE[state].next).not.toMatch(/\{|registration|vrm|name of/i);
    }
  });

  it('shows the latest decision as the outcome category, kept after closing', () => {
    expect(publicOutcome(['draft', 'awaiting_footage', 'uploading', 'processing', 'submitted', 'in_triage'])).toBeNull();
    expect(publicOutcome(['in_triage', 'notice_issued', 'course_offered', 'closed'])).toBe('education_course');
    expect(publicOutcome(['in_triage', 'advisory_letter', 'closed'])).toBe('warning_letter');
    expect(publicOutcome(['in_triage', 'notice_issued', 'no_further_action'])).toBe('no_further_action');
  });
});
