import { chmod, readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTool, ToolAbortedError, ToolOutputLimitError, ToolSpawnError, ToolTimeoutError } from './run.ts';
import { isProcessRunning, mediaFolder, type MediaFolder } from './test-media.ts';

let folder: MediaFolder;
beforeAll(async () => {
  folder = await mediaFolder('snap-run-');
});
afterAll(() => folder.remove());

/**
 * A fake "ffprobe" that hangs: it starts a child `sleep`, records both process ids, then waits.
 * With `ignoreTerm` it (and its child, which inherits the setting) ignores SIGTERM, so only SIGKILL works.
 */
async function hangingTool(name: string, ignoreTerm: boolean): Promise<{ path: string; pidFile: string }> {
  const path = folder.path(name);
  const pidFile = folder.path(`${name}.pids`);
  await writeFile(
    path,
    ['#!/bin/sh', ignoreTerm ? "trap '' TERM" : '', 'sleep 600 &', `echo "$$ $!" > '${pidFile}'`, 'wait', ''].join('\n'),
  );
  await chmod(path, 0o755);
  return { path, pidFile };
}

async function recordedPids(pidFile: string): Promise<number[]> {
  return (await readFile(pidFile, 'utf8')).trim().split(/\s+/).map(Number);
}

describe('running an external tool', () => {
  it('returns what the tool wrote and its exit code, a failing exit included', async () => {
    const run = await runTool('/bin/sh', ['-c', 'echo found; echo "a warning" >&2; exit 3'], { timeoutMs: 5000 });
    expect(run.stdout).toBe('found\n');
    expect(run.stderr).toBe('a warning\n');
    expect(run.exitCode).toBe(3);
    expect(run.exitSignal).toBeNull();
  });

  it('kills a hanging tool at its timeout, with the child it started, leaving no process', async () => {
    const tool = await hangingTool('hanging-ffprobe', false);
    const started = Date.now();
    const failure = await runTool(tool.path, ['-v', 'error', 'clip.mp4'], { timeoutMs: 500 }).catch((e: unknown) => e);
    const elapsedMs = Date.now() - started;

    expect(failure).toBeInstanceOf(ToolTimeoutError);
    expect((failure as ToolTimeoutError).timeoutMs).toBe(500);
    expect(elapsedMs).toBeGreaterThanOrEqual(500);
    expect(elapsedMs).toBeLessThan(3000);
    const [toolPid, childPid] = await recordedPids(tool.pidFile);
    expect(await isProcessRunning(toolPid!)).toBe(false);
    expect(await isProcessRunning(childPid!)).toBe(false);
  });

  it('kills a tool that ignores SIGTERM with SIGKILL after the grace period, child included', async () => {
    const tool = await hangingTool('stubborn-ffprobe', true);
    const started = Date.now();
    const failure = await runTool(tool.path, [], { timeoutMs: 300, killGraceMs: 300 }).catch((e: unknown) => e);
    const elapsedMs = Date.now() - started;

    expect(failure).toBeInstanceOf(ToolTimeoutError);
    expect(elapsedMs).toBeGreaterThanOrEqual(600);
    expect(elapsedMs).toBeLessThan(3000);
    const [toolPid, childPid] = await recordedPids(tool.pidFile);
    expect(await isProcessRunning(toolPid!)).toBe(false);
    expect(await isProcessRunning(childPid!)).toBe(false);
  });

  it('ends a background child left by a tool that finished, instead of waiting on its open output', async () => {
    const started = Date.now();
    const run = await runTool('/bin/sh', ['-c', 'sleep 600 & echo $!'], { timeoutMs: 5000 });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(run.exitCode).toBe(0);
    expect(await isProcessRunning(Number(run.stdout.trim()))).toBe(false);
  });

  it('stops a tool that writes more than the output limit, keeping exactly the limit', async () => {
    const failure = await runTool('/usr/bin/yes', [], { timeoutMs: 5000, maxOutputBytes: 10_000 }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ToolOutputLimitError);
    expect((failure as ToolOutputLimitError).stream).toBe('stdout');
    expect((failure as ToolOutputLimitError).stdout).toHaveLength(10_000);
  });

  it('reports a tool that is not installed as a spawn error with the system code', async () => {
    const failure = await runTool('/nonexistent/ffprobe', [], { timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ToolSpawnError);
    expect((failure as ToolSpawnError).code).toBe('ENOENT');
  });

  it('stops the tool when the caller cancels', async () => {
    const tool = await hangingTool('cancelled-ffprobe', false);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const failure = await runTool(tool.path, [], { timeoutMs: 10_000, signal: controller.signal }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ToolAbortedError);
    const [toolPid, childPid] = await recordedPids(tool.pidFile);
    expect(await isProcessRunning(toolPid!)).toBe(false);
    expect(await isProcessRunning(childPid!)).toBe(false);
  });
});
