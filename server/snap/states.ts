/**
 * The states of an Operation Snap submission and the one table of moves between them, with who may
 * make each move. Also the words the submitter's status page shows: a public stage label and "what
 * happens next" for every state, and the public outcome category (never the driver's identity).
 * Pure (no imports), so the pages can import it.
 *
 *   draft → awaiting_footage → uploading → processing → submitted
 *                                             ├→ needs_resubmission (damaged or non-video file) → uploading
 *                                             ├→ quarantined (malware)
 *                                             └→ on_hold (a checker unavailable; fail closed) → processing
 *   submitted → in_triage (claimed) ⇄ awaiting_submitter (more information)
 *   in_triage → no_further_action (reason code) | advisory_letter | notice_issued
 *   notice_issued → course_offered | conditional_fixed_penalty | court (supervisor) | no_further_action
 *   outcomes → closed;  any state before a decision → withdrawn (by the submitter)
 *   closed, withdrawn, quarantined and abandoned drafts → purged (retention job; never on legal hold)
 */

export const SUBMISSION_STATES = [
  'draft',
  'awaiting_footage',
  'uploading',
  'processing',
  'submitted',
  'needs_resubmission',
  'quarantined',
  'on_hold',
  'in_triage',
  'awaiting_submitter',
  'no_further_action',
  'advisory_letter',
  'notice_issued',
  'course_offered',
  'conditional_fixed_penalty',
  'court',
  'closed',
  'withdrawn',
  'purged',
] as const;
export type SubmissionState = (typeof SUBMISSION_STATES)[number];

/**
 * Who makes a move. Staff roles: reviewer (claims, asks for information, screens out with no further
 * action), decision_maker (decides), supervisor (everything a decision maker does, and approves court).
 * admin (configuration only) and auditor (read-only logs) make no moves. submitter: the person
 * holding the submission's token; system: the upload pipeline and the scheduled jobs.
 */
export const ACTOR_ROLES = ['submitter', 'system', 'reviewer', 'decision_maker', 'supervisor', 'admin', 'auditor'] as const;
export type ActorRole = (typeof ACTOR_ROLES)[number];

/** Reason codes of a "no further action" decision. */
export const NO_FURTHER_ACTION_REASONS = [
  'plate_unreadable',
  'offence_not_made_out',
  'insufficient_evidence',
  'out_of_time',
  'outside_area',
  'duplicate',
  'not_in_public_interest',
  'not_a_witness',
  'unplayable',
  'out_of_scope',
] as const;
export type NoFurtherActionReason = (typeof NO_FURTHER_ACTION_REASONS)[number];

/** Reasons as the submitter reads them on the status page and in emails. */
export const NO_FURTHER_ACTION_REASON_LABEL: Record<NoFurtherActionReason, string> = {
  plate_unreadable: 'The vehicle’s number plate could not be read clearly enough to identify it.',
  offence_not_made_out: 'After review, the driving shown did not amount to an offence.',
  insufficient_evidence: 'There was not enough evidence to take action.',
  out_of_time: 'It could not be dealt with within the time the law allows.',
  outside_area: 'It happened outside our force area.',
  duplicate: 'It had already been reported and is being dealt with under another reference.',
  not_in_public_interest: 'Taking action would not be in the public interest.',
  not_a_witness: 'The statement was not made by the person who saw it happen.',
  unplayable: 'The footage could not be played.',
  out_of_scope: 'It is not something this service can deal with.',
};

const STAFF_TRIAGE: readonly ActorRole[] = ['reviewer', 'decision_maker', 'supervisor'];
const STAFF_DECIDE: readonly ActorRole[] = ['decision_maker', 'supervisor'];

/** Extra conditions of a move beyond the actor's role. */
type Requirement = 'supervisor_approval' | 'reason_code' | 'no_legal_hold';

interface Move {
  from: readonly SubmissionState[];
  to: SubmissionState;
  by: readonly ActorRole[];
  requires?: readonly Requirement[];
  /** Why the move exists, for people reading the table. */
  why: string;
}

/** States before a decision: the submitter may withdraw from any of them. */
export const BEFORE_DECISION: readonly SubmissionState[] = [
  'draft',
  'awaiting_footage',
  'uploading',
  'processing',
  'submitted',
  'needs_resubmission',
  'quarantined',
  'on_hold',
  'in_triage',
  'awaiting_submitter',
];

/** THE table. A move not listed here is refused. */
export const MOVES: readonly Move[] = [
  { from: ['draft'], to: 'awaiting_footage', by: ['submitter'], why: 'the submitter verified their email address' },
  { from: ['awaiting_footage', 'needs_resubmission'], to: 'uploading', by: ['submitter'], why: 'the first file upload started' },
  { from: ['uploading'], to: 'processing', by: ['submitter'], why: 'the submitter said all files are uploaded' },
  { from: ['processing'], to: 'submitted', by: ['system'], why: 'every file was hashed, probed, scanned and thumbnailed' },
  { from: ['processing'], to: 'needs_resubmission', by: ['system'], why: 'a file is damaged or not a video' },
  { from: ['processing'], to: 'quarantined', by: ['system'], why: 'the virus scanner found malware' },
  { from: ['processing'], to: 'on_hold', by: ['system'], why: 'a checker (scanner, prober) is unavailable: fail closed' },
  { from: ['on_hold'], to: 'processing', by: ['system'], why: 'retrying the checks' },
  { from: ['submitted'], to: 'in_triage', by: STAFF_TRIAGE, why: 'a reviewer claimed the case' },
  { from: ['in_triage'], to: 'submitted', by: STAFF_TRIAGE, why: 'the reviewer released the case to the queue' },
  { from: ['in_triage'], to: 'awaiting_submitter', by: STAFF_TRIAGE, why: 'the reviewer asked the submitter for more information' },
  { from: ['awaiting_submitter'], to: 'in_triage', by: ['submitter', ...STAFF_TRIAGE], why: 'the submitter answered, or the reviewer carried on without an answer' },
  {
    from: ['in_triage', 'awaiting_submitter'],
    to: 'no_further_action',
    by: STAFF_TRIAGE,
    requires: ['reason_code'],
    why: 'screened out or decided: no further action, with a reason code',
  },
  { from: ['notice_issued'], to: 'no_further_action', by: STAFF_DECIDE, requires: ['reason_code'], why: 'no action after the notice (e.g. driver not identified)' },
  { from: ['in_triage'], to: 'advisory_letter', by: STAFF_DECIDE, why: 'decided: an advisory letter to the keeper' },
  { from: ['in_triage'], to: 'notice_issued', by: STAFF_DECIDE, why: 'decided: a Notice of Intended Prosecution' },
  { from: ['notice_issued'], to: 'course_offered', by: STAFF_DECIDE, why: 'the driver was offered an education course' },
  { from: ['notice_issued'], to: 'conditional_fixed_penalty', by: STAFF_DECIDE, why: 'the driver was offered a conditional fixed penalty' },
  { from: ['notice_issued'], to: 'court', by: STAFF_DECIDE, requires: ['supervisor_approval'], why: 'referred to court (needs a supervisor’s approval)' },
  { from: ['no_further_action', 'advisory_letter'], to: 'closed', by: [...STAFF_TRIAGE, 'system'], why: 'the case is finished' },
  { from: ['course_offered', 'conditional_fixed_penalty', 'court'], to: 'closed', by: [...STAFF_DECIDE, 'system'], why: 'the case is finished' },
  { from: BEFORE_DECISION, to: 'withdrawn', by: ['submitter'], why: 'the submitter withdrew before a decision' },
  {
    from: ['closed', 'withdrawn', 'quarantined', 'draft', 'awaiting_footage', 'needs_resubmission'],
    to: 'purged',
    by: ['system'],
    requires: ['no_legal_hold'],
    why: 'the retention period ended (finished, withdrawn, quarantined or abandoned submissions)',
  },
];

/** The circumstances of a move. */
export interface TransitionContext {
  actorRole: ActorRole;
  /** A supervisor approved this move (needed for court when the actor is not a supervisor). */
  supervisorApproval?: boolean;
  /** The no-further-action reason code (needed for no_further_action). */
  reasonCode?: string;
  /** The case is on legal hold (then it is never purged). */
  legalHold?: boolean;
}

export type TransitionErrorCode = 'unknown_state' | 'illegal_transition' | 'role_not_allowed' | 'supervisor_approval_required' | 'reason_code_required' | 'legal_hold';

/** A refused move; `code` lets the HTTP layer answer 409 (illegal move) or 403 (role, approval). */
export class TransitionError extends Error {
  constructor(
    readonly code: TransitionErrorCode,
    readonly from: string,
    readonly to: string,
    readonly actorRole: string,
    message: string,
  ) {
    super(message);
    this.name = 'TransitionError';
  }
}

const isState = (value: string): value is SubmissionState => (SUBMISSION_STATES as readonly string[]).includes(value);
const isReason = (value: string | undefined): value is NoFurtherActionReason => (NO_FURTHER_ACTION_REASONS as readonly string[]).includes(value ?? '');

/** The moves out of `from` in the table (whoever makes them). */
function movesFrom(from: SubmissionState): Move[] {
  return MOVES.filter((m) => m.from.includes(from));
}

/** Why a move is refused, as a TransitionError, or null when it is allowed. */
export function transitionProblem(from: string, to: string, context: TransitionContext): TransitionError | null {
  const role = context.actorRole;
  const refuse = (code: TransitionErrorCode, message: string) => new TransitionError(code, from, to, role, message);
  if (!isState(from) || !isState(to)) {
    return refuse('unknown_state', `unknown submission state: ${isState(from) ? to : from} (known: ${SUBMISSION_STATES.join(', ')})`);
  }
  const move = movesFrom(from).find((m) => m.to === to);
  if (!move) {
    const next = [...new Set(movesFrom(from).map((m) => m.to))];
    const hint = to === 'withdrawn' ? ' A submission can only be withdrawn before a decision.' : '';
    return refuse(
      'illegal_transition',
      `A submission that is ${from} cannot become ${to}.${hint} From ${from} it can become: ${next.length ? next.join(', ') : 'nothing (final state)'}.`,
    );
  }
  if (!move.by.includes(role)) {
    return refuse('role_not_allowed', `The ${role} role cannot move a submission from ${from} to ${to}; allowed: ${move.by.join(', ')}.`);
  }
  for (const requirement of move.requires ?? []) {
    if (requirement === 'supervisor_approval' && role !== 'supervisor' && context.supervisorApproval !== true) {
      return refuse('supervisor_approval_required', `Referring a case to court needs a supervisor’s approval.`);
    }
    if (requirement === 'reason_code' && !isReason(context.reasonCode)) {
      return refuse(
        'reason_code_required',
        `No further action needs a reason code, one of: ${NO_FURTHER_ACTION_REASONS.join(', ')}${context.reasonCode ? ` (got ${context.reasonCode})` : ''}.`,
      );
    }
    if (requirement === 'no_legal_hold' && context.legalHold) {
      return refuse('legal_hold', 'This case is on legal hold and cannot be purged until the hold is lifted.');
    }
  }
  return null;
}

/** Whether `to` may follow `from` for this actor (and approval, reason code, legal hold). */
export function canTransition(from: string, to: string, context: TransitionContext): boolean {
  return transitionProblem(from, to, context) === null;
}

/** Throws a TransitionError saying why, unless the move is allowed. */
export function assertTransition(from: string, to: string, context: TransitionContext): asserts to is SubmissionState {
  const problem = transitionProblem(from, to, context);
  if (problem) throw problem;
}

/** The states this actor may move a submission to from `from` (for the forms' choices). */
export function nextStates(from: SubmissionState, context: TransitionContext): SubmissionState[] {
  return [...new Set(movesFrom(from).map((m) => m.to))].filter((to) => canTransition(from, to, context));
}

/** Decision states (an outcome has been decided; the submitter can no longer withdraw). */
export const DECIDED_STATES: readonly SubmissionState[] = [
  'no_further_action',
  'advisory_letter',
  'notice_issued',
  'course_offered',
  'conditional_fixed_penalty',
  'court',
];

/** States with no move out. */
export const FINAL_STATES: readonly SubmissionState[] = SUBMISSION_STATES.filter((s) => movesFrom(s).length === 0);

/** The outcome categories the public sees (the status page, and outcomes by offence type). */
export const OUTCOME_CATEGORIES = ['no_further_action', 'warning_letter', 'notice_of_intended_prosecution', 'education_course', 'fixed_penalty', 'court'] as const;
export type OutcomeCategory = (typeof OUTCOME_CATEGORIES)[number];

export const OUTCOME_CATEGORY_LABEL: Record<OutcomeCategory, string> = {
  no_further_action: 'No further action',
  warning_letter: 'Warning letter sent',
  notice_of_intended_prosecution: 'Notice of intended prosecution sent',
  education_course: 'Driver offered an education course',
  fixed_penalty: 'Driver offered a fixed penalty',
  court: 'Referred to court',
};

const OUTCOME_OF_STATE: Partial<Record<SubmissionState, OutcomeCategory>> = {
  no_further_action: 'no_further_action',
  advisory_letter: 'warning_letter',
  notice_issued: 'notice_of_intended_prosecution',
  course_offered: 'education_course',
  conditional_fixed_penalty: 'fixed_penalty',
  court: 'court',
};

/** The outcome category of a decision state, or null for any other state. */
export function outcomeCategoryOf(state: SubmissionState): OutcomeCategory | null {
  return OUTCOME_OF_STATE[state] ?? null;
}

/**
 * The public outcome of a submission from the states it went through, oldest first: the latest
 * decision state's category (a closed case keeps the outcome it was closed with), or null.
 */
export function publicOutcome(history: readonly SubmissionState[]): OutcomeCategory | null {
  for (let i = history.length - 1; i >= 0; i--) {
    const category = outcomeCategoryOf(history[i]!);
    if (category) return category;
  }
  return null;
}

export interface PublicStage {
  /** Short label of the stage on the status page. */
  label: string;
  /** What happens next, in plain words, addressed to the submitter. Never names the driver. */
  next: string;
}

/** What the submitter's status page says for each state. */
export const PUBLIC_STAGE: Record<SubmissionState, PublicStage> = {
  draft: { label: 'Started', next: 'Enter the code we emailed you to confirm your email address. Then you can upload your footage.' },
  awaiting_footage: { label: 'Waiting for your footage', next: 'Upload the original, unedited footage (one or two files). Keep the original and do not post it online.' },
  uploading: { label: 'Uploading your footage', next: 'Keep the page open until the upload finishes. If the connection drops, come back to this page and it will carry on.' },
  processing: { label: 'Checking your footage', next: 'We are checking the files can be played. This usually takes a few minutes.' },
  on_hold: { label: 'Checking your footage (delayed)', next: 'One of our checks is not available at the moment. We will try again automatically; you do not need to do anything.' },
  needs_resubmission: {
    label: 'We need your footage again',
    next: 'We could not use a file you sent. Read the message beside it, then upload the original file from the camera or its memory card.',
  },
  quarantined: {
    label: 'File not accepted',
    next: 'Our security checks stopped a file you sent, so it has not been reviewed. Do not send it again; copy the footage straight from the camera or its memory card and make a new submission, or call 101.',
  },
  submitted: { label: 'Received', next: 'Your footage and statement are waiting for a reviewer. We will email you when this changes.' },
  in_triage: { label: 'Being reviewed', next: 'A reviewer is looking at your footage and statement. We will email you when a decision is made.' },
  awaiting_submitter: { label: 'We need more information', next: 'We have emailed you a question. Please answer it as soon as you can: the law gives us only 14 days to act.' },
  no_further_action: { label: 'Decided: no further action', next: 'We will not take action this time. Thank you for sending it: every submission helps us see where dangerous driving happens.' },
  advisory_letter: { label: 'Decided: warning letter', next: 'We are writing to the registered keeper about the driving. There is nothing more you need to do.' },
  notice_issued: { label: 'Decided: notice of intended prosecution', next: 'We have written to the registered keeper. We will let you know the outcome; you may be asked to give evidence.' },
  course_offered: { label: 'Outcome: education course offered', next: 'The driver has been offered an education course instead of prosecution. There is nothing more you need to do.' },
  conditional_fixed_penalty: { label: 'Outcome: fixed penalty offered', next: 'The driver has been offered a fixed penalty. There is nothing more you need to do.' },
  court: { label: 'Outcome: referred to court', next: 'The case has been referred for prosecution. A witness care officer will contact you if you are needed in court.' },
  closed: { label: 'Closed', next: 'This case is finished. Thank you for your help in making the roads safer.' },
  withdrawn: { label: 'Withdrawn', next: 'You withdrew this submission, so we will not act on it.' },
  purged: { label: 'Deleted', next: 'The retention period has ended and the footage and personal details have been deleted.' },
};
