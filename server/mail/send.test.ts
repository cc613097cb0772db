import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.ts';
import { readOutbox, sendMail, type MailContext } from './send.ts';

const FROM = 'Road Safety Partnership <no-reply@roadsafe.invalid>';

describe('sendMail without SMTP_URL (the outbox)', () => {
  let dataDir: string;
  let ctx: MailContext;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mail-test-'));
    ctx = { config: { dataDir, MAIL_FROM: FROM, SMTP_URL: undefined }, logger: createLogger('silent') };
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('writes an .eml a mail client can open and a .json twin to DATA_DIR/outbox', async () => {
    const sent = await sendMail(ctx, { to: 'resident@example.org', subject: 'Your concern CON-2026-000001', text: 'Thank you.\nLine two – with a dash.' });
    expect(sent.via).toBe('outbox');
    const [message] = await readOutbox(ctx.config);
    expect(message).toMatchObject({ to: 'resident@example.org', from: FROM, subject: 'Your concern CON-2026-000001', text: 'Thank you.\nLine two – with a dash.', messageId: sent.messageId });
    const eml = fs.readFileSync(path.join(dataDir, 'outbox', message?.eml ?? ''), 'utf8');
    expect(eml).toMatch(/^To: resident@example\.org$/m);
    expect(eml).toMatch(/^Subject: Your concern CON-2026-000001$/m);
    expect(eml).toMatch(/^From: Road Safety Partnership <no-reply@roadsafe\.invalid>$/m);
    expect(eml).toContain('Content-Type: text/plain; charset=utf-8');
  });

  it('keeps messages in the order they were sent and leaves no temporary files', async () => {
    for (let i = 1; i <= 3; i++) await sendMail(ctx, { to: `r${i}@example.org`, subject: `Message ${i}`, text: 'x' });
    expect((await readOutbox(ctx.config)).map((m) => m.subject)).toEqual(['Message 1', 'Message 2', 'Message 3']);
    expect(fs.readdirSync(path.join(dataDir, 'outbox')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('reads an empty outbox when nothing was ever sent', async () => {
    expect(await readOutbox(ctx.config)).toEqual([]);
  });
});

/** The smallest SMTP server nodemailer will talk to: records each message's envelope and data. */
function fakeSmtpServer(): Promise<{ port: number; received: Array<{ from: string; to: string[]; data: string }>; close(): Promise<void> }> {
  const received: Array<{ from: string; to: string[]; data: string }> = [];
  const server = net.createServer((socket) => {
    let buffer = '';
    let inData = false;
    let current = { from: '', to: [] as string[], data: '' };
    socket.write('220 fake.smtp ESMTP\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      while (true) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          current.data = buffer.slice(0, end);
          buffer = buffer.slice(end + 5);
          inData = false;
          received.push(current);
          current = { from: '', to: [], data: '' };
          socket.write('250 OK queued\r\n');
          continue;
        }
        const eol = buffer.indexOf('\r\n');
        if (eol < 0) return;
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') socket.write('250-fake.smtp\r\n250 8BITMIME\r\n');
        else if (verb === 'MAIL') {
          current.from = /<([^>]*)>/.exec(line)?.[1] ?? '';
          socket.write('250 OK\r\n');
        } else if (verb === 'RCPT') {
          current.to.push(/<([^>]*)>/.exec(line)?.[1] ?? '');
          socket.write('250 OK\r\n');
        } else if (verb === 'DATA') {
          inData = true;
          socket.write('354 go ahead\r\n');
        } else if (verb === 'QUIT') {
          socket.end('221 bye\r\n');
        } else socket.write('250 OK\r\n');
      }
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as net.AddressInfo;
      resolve({ port: address.port, received, close: () => new Promise<void>((r) => server.close(() => r())) });
    });
  });
}

describe('sendMail with SMTP_URL', () => {
  it('delivers the message to the SMTP server and writes nothing to the outbox', async () => {
    const smtp = await fakeSmtpServer();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mail-test-'));
    try {
      const ctx: MailContext = {
        config: { dataDir, MAIL_FROM: FROM, SMTP_URL: `smtp://127.0.0.1:${smtp.port}` },
        logger: createLogger('silent'),
      };
      const sent = await sendMail(ctx, { to: 'resident@example.org', subject: 'Update on CON-2026-000002', text: 'Status: Assessed' });
      expect(sent.via).toBe('smtp');
      expect(smtp.received).toHaveLength(1);
      expect(smtp.received[0]).toMatchObject({ from: 'no-reply@roadsafe.invalid', to: ['resident@example.org'] });
      expect(smtp.received[0]?.data).toMatch(/^Subject: Update on CON-2026-000002$/m);
      expect(smtp.received[0]?.data).toContain('Status: Assessed');
      expect(await readOutbox(ctx.config)).toEqual([]);
    } finally {
      await smtp.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
