import { Command } from 'commander';

/** Runs the roadsafe CLI; returns the process exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const program = new Command('roadsafe').description('Road safety service: imports and administration').exitOverride();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    const code = (err as { exitCode?: number }).exitCode;
    return typeof code === 'number' ? code : 1;
  }
}
