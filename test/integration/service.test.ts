import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

interface LogLine {
  msg: string;
  url?: string;
  level: number;
  [key: string]: unknown;
}

/** Runs the server entry point as a real process; resolves once it logs its URL. */
function startServer(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', DEMO_DATA: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const listening = new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as LogLine;
        logs.push(entry);
        if (entry.url && entry.msg.startsWith('listening')) resolve(entry.url);
      } catch {
        /* not JSON */
      }
    });
    void exited.then((code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
  });
  // A test that expects the process to fail never awaits `listening`.
  listening.catch(() => undefined);
  return { child, logs, listening, exited, stderr: () => stderr };
}

describe('the service process', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roadsafe-service-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const env: Record<string, string> = process.env.TEST_DATABASE_URL
    ? { DATABASE_URL: process.env.TEST_DATABASE_URL, DATA_DIR: dataDir }
    : { DATA_DIR: dataDir };

  it('starts, answers /healthz, and on SIGTERM stops cleanly with structured logs', async () => {
    const server = startServer(env);
    const url = await server.listening;
    const health = await (await fetch(`${url}/healthz`)).json();
    expect(health.status).toBe('ok');
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const messages = server.logs.map((l) => l.msg);
    expect(messages).toContain('shutting down');
    expect(messages).toContain('stopped');
    expect(fs.existsSync(path.join(dataDir, 'embedded.lock'))).toBe(false);
  });

  it('refuses to start on a bad setting, naming it', async () => {
    const server = startServer({ ...env, PORT: 'eighty' });
    expect(await server.exited).toBe(1);
    expect(server.stderr()).toContain('PORT="eighty": must be a number');
  });
});
