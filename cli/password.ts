import type { OutputStream } from './progress.ts';

export interface InputStream extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

/** The first line of a piped stdin (the password), without its line ending. */
export async function readFirstLine(input: InputStream): Promise<string> {
  let text = '';
  for await (const chunk of input) {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text.includes('\n')) break;
  }
  return (text.split(/\r?\n/)[0] ?? '').replace(/^\uFEFF/, '');
}

/**
 * Asks for a password on a terminal without echoing it: raw mode, Enter ends, Backspace edits,
 * Ctrl-C or Ctrl-D cancels (rejects).
 */
export function promptHidden(input: InputStream, output: OutputStream, question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    output.write(question);
    let value = '';
    input.setRawMode?.(true);
    input.resume();
    const finish = (err?: Error) => {
      input.removeListener('data', onData);
      input.setRawMode?.(false);
      input.pause();
      output.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      for (const char of String(chunk)) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003' || char === '\u0004') return finish(new Error('cancelled'));
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else if (char >= ' ') value += char;
      }
    };
    input.on('data', onData);
  });
}

/** The new user's password: prompted twice on a terminal, else the first line of stdin. */
export async function readNewPassword(input: InputStream, output: OutputStream): Promise<string> {
  if (!input.isTTY) return readFirstLine(input);
  const first = await promptHidden(input, output, 'Password: ');
  const second = await promptHidden(input, output, 'Repeat the password: ');
  if (first !== second) throw new Error('The two passwords differ; nothing was created.');
  return first;
}
