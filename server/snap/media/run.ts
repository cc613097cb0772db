import { spawn } from 'node:child_process';

/**
 * Running an external tool (ffprobe, ffmpeg) with a hard time limit and a cap on its output.
 *
 * The tool is started in its own process group (`detached`), so on a timeout the whole group gets
 * SIGTERM and, after a grace period, SIGKILL: a hanging tool and any child it started are gone, and
 * no orphan survives. When the tool ends normally the group is sent SIGKILL as well, so a tool cannot
 * leave a background process behind. (A process that calls setsid() itself escapes the group; ffmpeg
 * and ffprobe do not.)
 *
 * A non-zero exit is not an error here: the result carries the exit code and the caller decides.
 * Errors are typed: ToolTimeoutError, ToolOutputLimitError, ToolSpawnError, ToolAbortedError.
 */

export interface RunOptions {
  /** Hard limit from start to the tool's end, in milliseconds. */
  timeoutMs: number;
  /** Most bytes kept from stdout and from stderr (each); more ends the tool. Default 1 MiB. */
  maxOutputBytes?: number;
  /** Milliseconds between SIGTERM and SIGKILL when ending the tool. Default 1000. */
  killGraceMs?: number;
  /** Ends the tool (as a timeout would) when aborted, e.g. at server shutdown. */
  signal?: AbortSignal;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export interface ToolRun {
  command: string;
  args: readonly string[];
  /** The exit code, or null when the tool died from a signal. */
  exitCode: number | null;
  exitSignal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;
export const DEFAULT_KILL_GRACE_MS = 1000;

/** Any failure to run a tool to its end. `stdout`/`stderr` hold what it wrote before it was stopped. */
export class ToolError extends Error {
  stdout = '';
  stderr = '';
  durationMs = 0;
  constructor(
    readonly command: string,
    readonly args: readonly string[],
    message: string,
  ) {
    super(message);
    this.name = 'ToolError';
  }
}

/** The tool ran past its time limit and was killed (with its process group). */
export class ToolTimeoutError extends ToolError {
  constructor(command: string, args: readonly string[], readonly timeoutMs: number) {
    super(command, args, `${command} did not finish within ${timeoutMs} ms and was stopped.`);
    this.name = 'ToolTimeoutError';
  }
}

/** The tool wrote more than maxOutputBytes to one stream and was killed. */
export class ToolOutputLimitError extends ToolError {
  constructor(
    command: string,
    args: readonly string[],
    readonly stream: 'stdout' | 'stderr',
    readonly maxOutputBytes: number,
  ) {
    super(command, args, `${command} wrote more than ${maxOutputBytes} bytes to ${stream} and was stopped.`);
    this.name = 'ToolOutputLimitError';
  }
}

/** The tool could not be started (missing, not executable); `code` is the system error code, e.g. ENOENT. */
export class ToolSpawnError extends ToolError {
  constructor(command: string, args: readonly string[], readonly code: string, cause: unknown) {
    super(command, args, `${command} could not be started (${code}).`);
    this.name = 'ToolSpawnError';
    this.cause = cause;
  }
}

/** The caller's AbortSignal fired; the tool was killed. */
export class ToolAbortedError extends ToolError {
  constructor(command: string, args: readonly string[]) {
    super(command, args, `${command} was stopped because the work was cancelled.`);
    this.name = 'ToolAbortedError';
  }
}

/**
 * Sends a signal to a whole process group. A group that is already gone (ESRCH), or whose id now
 * belongs to someone else's process (EPERM), is not an error: this runs in timers, where a throw
 * would end the server.
 */
function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ESRCH' && code !== 'EPERM') throw err;
  }
}

/**
 * Runs `command args…` (no shell) and resolves when it has exited and closed its output.
 * Rejects with ToolTimeoutError, ToolOutputLimitError, ToolAbortedError or ToolSpawnError.
 */
export function runTool(command: string, args: readonly string[], options: RunOptions): Promise<ToolRun> {
  const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const killGraceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const started = performance.now();

  return new Promise<ToolRun>((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new ToolAbortedError(command, args));
      return;
    }
    const child = spawn(command, args, {
      detached: true, // own process group, so the group can be killed as one
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: options.cwd,
      env: options.env,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let failure: ToolError | null = null;
    let settled = false;
    let graceTimer: NodeJS.Timeout | undefined;

    const stop = (reason: ToolError) => {
      if (failure) return;
      failure = reason;
      if (child.pid === undefined) return;
      signalGroup(child.pid, 'SIGTERM');
      graceTimer = setTimeout(() => signalGroup(child.pid!, 'SIGKILL'), killGraceMs);
    };

    const timer = setTimeout(() => stop(new ToolTimeoutError(command, args, options.timeoutMs)), options.timeoutMs);
    const onAbort = () => stop(new ToolAbortedError(command, args));
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const collect = (stream: 'stdout' | 'stderr', chunks: Buffer[]) => (chunk: Buffer) => {
      const kept = stream === 'stdout' ? outBytes : errBytes;
      if (kept + chunk.length > maxOutputBytes) {
        chunks.push(chunk.subarray(0, Math.max(0, maxOutputBytes - kept)));
        if (stream === 'stdout') outBytes = maxOutputBytes;
        else errBytes = maxOutputBytes;
        stop(new ToolOutputLimitError(command, args, stream, maxOutputBytes));
        return;
      }
      chunks.push(chunk);
      if (stream === 'stdout') outBytes += chunk.length;
      else errBytes += chunk.length;
    };
    child.stdout.on('data', collect('stdout', out));
    child.stderr.on('data', collect('stderr', err));

    const finish = () => {
      clearTimeout(timer);
      clearTimeout(graceTimer);
      options.signal?.removeEventListener('abort', onAbort);
    };

    child.on('error', (error: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      finish();
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
      reject(new ToolSpawnError(command, args, error.code ?? 'unknown', error));
    });

    // A child the tool left running may hold its output open; ending the group lets 'close' come.
    child.on('exit', () => {
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
    });

    child.on('close', (exitCode, exitSignal) => {
      if (settled) return;
      settled = true;
      finish();
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      const durationMs = Math.round(performance.now() - started);
      if (failure) {
        failure.stdout = stdout;
        failure.stderr = stderr;
        failure.durationMs = durationMs;
        reject(failure);
        return;
      }
      resolve({ command, args, exitCode, exitSignal, stdout, stderr, durationMs });
    });
  });
}
