import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { sendMail, type MailContext } from '../mail/send.ts';
import { CATEGORY_LABEL, OUTCOME_LABEL, STATUS_LABEL, type Category, type Outcome, type Status } from './model.ts';

/**
 * Emails to reporters: the acknowledgement of a report and an update when its status or outcome
 * changes. Both carry the private status link. Nothing the public typed (description, name) goes
 * into a message: the form must not be a way to send arbitrary text to arbitrary addresses.
 */

/** The status page path with its private link, relative to the site root (as the API answers it). */
export function statusPath(reference: string, token: string): string {
  return `/concern.html?${new URLSearchParams({ ref: reference, token }).toString()}`;
}

let warnedNoPublicUrl = false;

/**
 * The absolute status link for an email: PUBLIC_URL, never the request's Host header (which a
 * sender controls, and would turn our emails into phishing links).
 */
export function statusLink(config: Pick<Config, 'PUBLIC_URL' | 'PORT'>, logger: Logger, reference: string, token: string): string {
  let base = config.PUBLIC_URL;
  if (!base) {
    base = `http://localhost:${config.PORT}`;
    if (!warnedNoPublicUrl) {
      warnedNoPublicUrl = true;
      logger.warn({ base }, 'PUBLIC_URL is not set: status links in emails point at this machine; set PUBLIC_URL to the public address');
    }
  }
  return `${base.replace(/\/+$/, '')}${statusPath(reference, token)}`;
}

const SIGNATURE = '\n-- \nRoad Safety Partnership\nThis message was sent because this address was given with a road safety concern. Please do not reply to it.\n';

export function acknowledgementMessage(reference: string, category: Category, link: string) {
  return {
    subject: `We have received your road safety concern ${reference}`,
    text:
      `Thank you for telling us about a road safety concern (${CATEGORY_LABEL[category].toLowerCase()}).\n\n` +
      `Your reference is ${reference}.\n\n` +
      `You can follow what happens to it here:\n${link}\n\n` +
      `Keep this link to yourself: anyone who has it can see the status of your report (but never your name or email address).\n\n` +
      `We look at every concern alongside the collision record and speed data for the road. ` +
      `We will email you when its status changes.\n` +
      SIGNATURE,
  };
}

export function updateMessage(reference: string, status: Status, outcome: Outcome | null, outcomeNote: string | null, link: string) {
  const lines = [`There is news about your road safety concern ${reference}.`, '', `Status: ${STATUS_LABEL[status]}`];
  if (outcome) lines.push(`Outcome: ${OUTCOME_LABEL[outcome]}`);
  if (outcomeNote) lines.push('', outcomeNote);
  lines.push('', `Follow it here:\n${link}`, '');
  return { subject: `Update on your road safety concern ${reference}: ${STATUS_LABEL[status]}`, text: lines.join('\n') + SIGNATURE };
}

/** Sends a message to a reporter; a mail failure is logged, never thrown (the report or change is already saved). */
export async function mailReporter(ctx: MailContext, to: string, message: { subject: string; text: string }, reference: string): Promise<void> {
  try {
    await sendMail(ctx, { to, ...message });
  } catch (err) {
    ctx.logger.error({ err, reference }, 'could not send the email to the reporter');
  }
}
