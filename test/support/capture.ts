import { Readable } from 'node:stream';
import { runCli } from '../../cli/main.ts';
import type { InputStream } from '../../cli/password.ts';
import type { Database } from '../../server/db/database.ts';

/** A writable stream stand-in that keeps what was written (CLI stdout/stderr in tests). */
export function capture(): { write(s: string): boolean; isTTY: boolean; text: string } {
  return {
    text: '',
    isTTY: false,
    write(s: string) {
      this.text += s;
      return true;
    },
  };
}

/**
 * Runs the CLI in-process against `db` (which the test, not the CLI, closes), with `stdinText` piped
 * in (not a terminal); returns the exit code and what it wrote to stdout and stderr.
 */
export async function runCliOn(db: Database, args: string[], stdinText = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = capture();
  const stderr = capture();
  const code = await runCli(['node', 'roadsafe', ...args], {
    openDb: async () => ({ ...db, close: async () => undefined }),
    stdin: Object.assign(Readable.from([stdinText]), { isTTY: false }) as InputStream,
    stdout,
    stderr,
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
