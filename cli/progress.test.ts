import { describe, expect, it } from 'vitest';
import { ImportProgress, progressLine, rate, StageProgress } from './progress.ts';

describe('import progress output', () => {
  it('computes rows per second', () => {
    expect(rate(2762, 1500)).toBe(1841);
    expect(rate(10, 0)).toBe(0);
  });

  it('describes rows read, the share of the file and the rate in one line', () => {
    expect(progressLine({ table: 'casualty', file: 'c.csv', phase: 'reading', rows: 50_000, bytesRead: 2_500_000, totalBytes: 10_000_000 }, 2000)).toBe(
      'casualties: 50000 rows read (25% of 10.0 MB), 25000 rows/s',
    );
  });

  it('writes a plain line every 10% of the file when stderr is not a terminal', () => {
    let text = '';
    const progress = new ImportProgress({ write: (s) => ((text += s), true), isTTY: false });
    for (let bytes = 0; bytes <= 100; bytes += 5) {
      progress.update({ table: 'collision', file: 'a.csv', phase: 'reading', rows: bytes * 10, bytesRead: bytes, totalBytes: 100 });
    }
    progress.update({ table: 'collision', file: 'a.csv', phase: 'storing', rows: 1000, bytesRead: 100, totalBytes: 100 });
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(12);
    expect(lines[0]).toMatch(/^collisions: 0 rows read \(0% of 0\.0 MB\)/);
    expect(lines[11]).toBe('collisions: storing 1000 rows…');
  });

  it('writes one plain line per stage, however many fractions a stage reports, when stderr is not a terminal', () => {
    let text = '';
    const progress = new StageProgress({ write: (s) => ((text += s), true), isTTY: false }, 'plan');
    progress.update(0, 'loading inputs');
    progress.update(0.1, 'allocating');
    progress.update(0.2, 'allocating');
    progress.update(1, 'done');
    progress.stop();
    expect(text.trimEnd().split('\n').map((line) => line.replace(/ \([\d.]+ s\)$/, ''))).toEqual(['  0% loading inputs', ' 10% allocating', '100% done']);
  });
});
