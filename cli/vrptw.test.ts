import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSolomonFile } from '../geo/routing/solomon.ts';
import { checkVrptwSolution } from '../geo/routing/vrptw.ts';
import { capture } from '../test/support/capture.ts';
import { runCli } from './main.ts';

const SOLOMON = path.resolve(import.meta.dirname, '../../shared/data/solomon');

async function vrptw(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = capture();
  const stderr = capture();
  const code = await runCli(['node', 'roadsafe', 'vrptw', ...args], {
    openDb: () => Promise.reject(new Error('the vrptw command must not open the database')),
    stdout,
    stderr,
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('roadsafe vrptw', () => {
  it('prints a solution as JSON that an independent check finds feasible, with the distance to 2 decimals', async () => {
    const file = path.join(SOLOMON, 'C101.txt');
    const result = await vrptw([file, '--max-iterations', '300', '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as { vehicles: number; distance: number; routes: number[][] };
    expect(Object.keys(printed)).toEqual(['vehicles', 'distance', 'routes']);
    const check = checkVrptwSolution(readSolomonFile(file), printed.routes);
    expect(check.problems).toEqual([]);
    expect(printed.vehicles).toBe(printed.routes.length);
    expect(printed.distance).toBe(Math.round(check.distance * 100) / 100);
  });

  it('prints a readable summary without --json', async () => {
    const result = await vrptw([path.join(SOLOMON, 'C101.txt'), '--max-iterations', '200', '--seed', '3']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^C101 \(C101\.txt, 100 customers, capacity 200\): \d+ vehicles, distance \d+\.\d\d\n/);
    expect(result.stdout).toContain('seed 3');
    expect(result.stdout).toContain('checked independently: feasible');
    expect(result.stdout).toMatch(/vehicle {2}1 \(load \d+\/200\): \d+/);
  });

  it('names the file and line of a malformed instance and exits non-zero', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vrptw-'));
    const file = path.join(dir, 'broken.txt');
    writeFileSync(file, 'BROKEN\n\nVEHICLE\nNUMBER     CAPACITY\n  25         200\n\nCUSTOMER\nCUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE TIME\n\n    0      40         50          0          0       1236          0\n    1      45         sixty-eight  10        912        967         90\n');
    const result = await vrptw([file, '--json']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`${file}:11: expected 7 numbers`);
  });

  it('says so when the file does not exist', async () => {
    const result = await vrptw(['/nonexistent/R999.txt']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Cannot read /nonexistent/R999.txt');
  });

  it('rejects a budget that is not a positive number', async () => {
    const result = await vrptw([path.join(SOLOMON, 'C101.txt'), '--seconds', '-5']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('must be a positive number of seconds');
  });
});
