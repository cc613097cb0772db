import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { createTransport, type Transporter } from 'nodemailer';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';

/**
 * Outgoing mail for every domain. With SMTP_URL set, messages go to that SMTP server (nodemailer);
 * without it they are written to DATA_DIR/outbox/ — an `.eml` file a mail client opens and a `.json`
 * twin that tests and scripts read — so development and tests need no mail server.
 */

export interface MailMessage {
  /** One recipient address. */
  to: string;
  subject: string;
  /** Plain-text body. */
  text: string;
  /** Optional Reply-To address. */
  replyTo?: string;
}

/** What sendMail needs from the app context. */
export interface MailContext {
  config: Pick<Config, 'SMTP_URL' | 'MAIL_FROM' | 'dataDir'>;
  logger: Logger;
}

export interface SentMail {
  messageId: string;
  via: 'smtp' | 'outbox';
  /** The `.json` file in the outbox (outbox only). */
  file?: string;
}

/** A message as the outbox keeps it (the `.json` file). */
export interface OutboxMessage {
  messageId: string;
  date: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  replyTo?: string;
  /** The `.eml` file beside it. */
  eml: string;
}

/** Seconds an SMTP server gets to connect, greet and answer, so a dead server cannot hold a request for minutes. */
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };

const smtpTransports = new Map<string, Transporter>();
/** Orders outbox files written by this process within the same millisecond. */
let outboxSequence = 0;

function smtpTransport(url: string): Transporter {
  let transport = smtpTransports.get(url);
  if (!transport) {
    transport = createTransport({ url, ...SMTP_TIMEOUTS });
    smtpTransports.set(url, transport);
  }
  return transport;
}

/** Builds the RFC 5322 message without sending it (for the outbox). */
const composer = createTransport({ streamTransport: true, buffer: true, newline: 'unix' });

function outboxDir(config: Pick<Config, 'dataDir'>): string {
  return path.join(config.dataDir, 'outbox');
}

/** Writes a file under a temporary name first, so a reader never sees half a message. */
async function writeAtomically(file: string, content: string | Buffer): Promise<void> {
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(tmp, content);
  await fs.rename(tmp, file);
}

/**
 * Sends one plain-text message from MAIL_FROM. Throws when the SMTP server refuses it or the outbox
 * cannot be written; callers that must not fail because of mail catch and log.
 */
export async function sendMail(ctx: MailContext, message: MailMessage): Promise<SentMail> {
  const { config } = ctx;
  const mail = { from: config.MAIL_FROM, to: message.to, subject: message.subject, text: message.text, replyTo: message.replyTo };
  if (config.SMTP_URL) {
    const info = (await smtpTransport(config.SMTP_URL).sendMail(mail)) as { messageId: string };
    ctx.logger.info({ messageId: info.messageId, subject: message.subject }, 'mail sent');
    return { messageId: info.messageId, via: 'smtp' };
  }
  const built = (await composer.sendMail(mail)) as { messageId: string; message: Buffer };
  const dir = outboxDir(config);
  await fs.mkdir(dir, { recursive: true });
  const date = new Date();
  // Sortable by time, unique across instances: 20261121T101500123Z-000042-1a2b3c4d
  outboxSequence = (outboxSequence + 1) % 1_000_000;
  const base = `${date.toISOString().replace(/[-:.]/g, '')}-${String(outboxSequence).padStart(6, '0')}-${randomBytes(4).toString('hex')}`;
  const eml = path.join(dir, `${base}.eml`);
  const json = path.join(dir, `${base}.json`);
  await writeAtomically(eml, built.message);
  const record: OutboxMessage = {
    messageId: built.messageId,
    date: date.toISOString(),
    from: config.MAIL_FROM,
    to: message.to,
    subject: message.subject,
    text: message.text,
    ...(message.replyTo ? { replyTo: message.replyTo } : {}),
    eml: path.basename(eml),
  };
  await writeAtomically(json, `${JSON.stringify(record, null, 2)}\n`);
  ctx.logger.info({ messageId: built.messageId, subject: message.subject, file: json }, 'mail written to the outbox (no SMTP_URL)');
  return { messageId: built.messageId, via: 'outbox', file: json };
}

/** Every message in the outbox, oldest first (empty when there is no outbox). */
export async function readOutbox(config: Pick<Config, 'dataDir'>): Promise<OutboxMessage[]> {
  const dir = outboxDir(config);
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const files = names.filter((n) => n.endsWith('.json')).sort();
  return Promise.all(files.map(async (n) => JSON.parse(await fs.readFile(path.join(dir, n), 'utf8')) as OutboxMessage));
}
