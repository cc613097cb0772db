import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { sendMail, type MailContext } from '../mail/send.ts';
import { NO_FURTHER_ACTION_REASON_LABEL, OUTCOME_CATEGORY_LABEL, outcomeCategoryOf, PUBLIC_STAGE, type NoFurtherActionReason, type SubmissionState } from './states.ts';
import type { SubmissionRow } from './store.ts';

/**
 * Emails to the person who sent a submission: the verification code (with the reference, the status
 * link and the reminder to keep the original), and a status email at each stage. They hold the
 * reference, the stage and the outcome category: never the driver's identity or registration, and
 * nothing the sender typed (the form must not relay arbitrary text to arbitrary addresses).
 */

/** Minutes a verification code stays valid. */
export const VERIFICATION_CODE_MINUTES = 15;

/** The submitter's status page, relative to the site root. The token travels in the fragment, which browsers never send to a server or in a Referer. */
export function snapStatusPath(reference: string, token?: string): string {
  return `/snap/status?${new URLSearchParams({ ref: reference }).toString()}${token ? `#${token}` : ''}`;
}

let warnedNoPublicUrl = false;

/** The absolute status link: PUBLIC_URL, never the request's Host header (which a sender controls). */
export function snapStatusLink(config: Pick<Config, 'PUBLIC_URL' | 'PORT'>, logger: Logger, reference: string, token?: string): string {
  let base = config.PUBLIC_URL;
  if (!base) {
    base = `http://localhost:${config.PORT}`;
    if (!warnedNoPublicUrl) {
      warnedNoPublicUrl = true;
      logger.warn({ base }, 'PUBLIC_URL is not set: status links in Operation Snap emails point at this machine; set PUBLIC_URL to the public address');
    }
  }
  return `${base.replace(/\/+$/, '')}${snapStatusPath(reference, token)}`;
}

const KEEP_THE_ORIGINAL =
  'Keep the original footage, unedited, on the camera or its memory card or copied somewhere safe, until we tell you the case is finished. ' +
  'Do not post it online or share it: that could stop us using it as evidence.';

const SIGNATURE = '\n-- \nOperation Snap, Lancashire Road Safety Partnership\nThis message was sent because this address was given with a dashcam or helmet-camera submission. Please do not reply to it.\n';

export function verificationMessage(reference: string, code: string, link: string) {
  return {
    subject: `Your Operation Snap code: ${code} (${reference})`,
    text:
      `Your code is ${code}\n\n` +
      `Enter it on the form to confirm your email address; it works for ${VERIFICATION_CODE_MINUTES} minutes. ` +
      'Then you can upload your footage.\n\n' +
      `Your reference is ${reference}.\n\n` +
      `You can come back to your submission and follow what happens to it here:\n${link}\n\n` +
      'Keep this link to yourself: anyone who has it can see the progress of your submission.\n\n' +
      `${KEEP_THE_ORIGINAL}\n\n` +
      'If you did not start a submission, you can ignore this message.\n' +
      SIGNATURE,
  };
}

export function stageMessage(reference: string, state: SubmissionState, reasonCode: string | null, link: string) {
  const stage = PUBLIC_STAGE[state];
  const category = outcomeCategoryOf(state);
  const lines = [`There is news about your Operation Snap submission ${reference}.`, '', `Stage: ${stage.label}`];
  if (category) lines.push(`Outcome: ${OUTCOME_CATEGORY_LABEL[category]}`);
  if (state === 'no_further_action' && reasonCode && reasonCode in NO_FURTHER_ACTION_REASON_LABEL) {
    lines.push(`Reason: ${NO_FURTHER_ACTION_REASON_LABEL[reasonCode as NoFurtherActionReason]}`);
  }
  lines.push('', stage.next, '', `Follow it here:\n${link}`, '');
  if (!['withdrawn', 'closed', 'purged', 'quarantined'].includes(state)) lines.push(KEEP_THE_ORIGINAL, '');
  return { subject: `Operation Snap ${reference}: ${stage.label}`, text: lines.join('\n') + SIGNATURE };
}

/** Sends one message to the submitter; a failure is logged, never thrown (the change is already saved). */
async function mailSubmitter(ctx: MailContext, to: string, message: { subject: string; text: string }, reference: string): Promise<boolean> {
  try {
    await sendMail(ctx, { to, ...message });
    return true;
  } catch (err) {
    ctx.logger.error({ err, reference }, 'could not send the email to the submitter');
    return false;
  }
}

type NotifyContext = MailContext & { config: MailContext['config'] & Pick<Config, 'PUBLIC_URL' | 'PORT'> };

/** Emails the verification code. False when the mail could not be sent (logged). */
export function sendVerificationCode(ctx: NotifyContext, submission: Pick<SubmissionRow, 'reference' | 'submitter_email'>, code: string, token: string): Promise<boolean> {
  if (!submission.submitter_email) return Promise.resolve(false);
  const link = snapStatusLink(ctx.config, ctx.logger, submission.reference, token);
  return mailSubmitter(ctx, submission.submitter_email, verificationMessage(submission.reference, code, link), submission.reference);
}

/**
 * The status email for a stage the submission reached. The token is only known while the submitter
 * is making a request (its hash is all that is stored), so staff-made changes link to the status
 * page without it; the page then asks for the link from the first email. No email for a draft (the
 * verification code is its message) or once personal data is purged.
 */
export async function notifySubmitter(ctx: NotifyContext, submission: Pick<SubmissionRow, 'reference' | 'submitter_email' | 'reason_code'>, state: SubmissionState, token?: string): Promise<boolean> {
  if (state === 'draft' || state === 'purged' || !submission.submitter_email) return false;
  const link = snapStatusLink(ctx.config, ctx.logger, submission.reference, token);
  return mailSubmitter(ctx, submission.submitter_email, stageMessage(submission.reference, state, submission.reason_code, link), submission.reference);
}
