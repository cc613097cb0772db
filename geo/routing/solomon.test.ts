import path from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { distanceMatrix, parseBestKnown, parseSolomon, readSolomonFile, SolomonFormatError } from './solomon.ts';

const SOLOMON = path.resolve(import.meta.dirname, '../../../shared/data/solomon');

const HEADER = 'T1\n\nVEHICLE\nNUMBER     CAPACITY\n  3         50\n\nCUSTOMER\nCUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE TIME\n\n';
const DEPOT = '    0      0         0          0          0       100          0\n';

describe('parseSolomon', () => {
  it('reads a real instance: vehicles, capacity, the depot first and 100 customers', () => {
    const c101 = readSolomonFile(path.join(SOLOMON, 'C101.txt'));
    expect(c101.name).toBe('C101');
    expect(c101.vehicleLimit).toBe(25);
    expect(c101.capacity).toBe(200);
    expect(c101.nodes).toHaveLength(101);
    expect(c101.nodes[0]).toEqual({ id: 0, x: 40, y: 50, demand: 0, ready: 0, due: 1236, service: 0 });
    expect(c101.nodes[1]).toEqual({ id: 1, x: 45, y: 68, demand: 10, ready: 912, due: 967, service: 90 });
    expect(c101.nodes[100]!.id).toBe(100);
  });

  it('reads every one of the 56 instances', () => {
    const names = [...parseBestKnown(readFileSync(path.join(SOLOMON, 'best-known.csv'), 'utf8')).keys()];
    expect(names).toHaveLength(56);
    for (const name of names) expect(readSolomonFile(path.join(SOLOMON, `${name}.txt`)).nodes).toHaveLength(101);
  });

  it('names the file and line of a row that is not seven numbers', () => {
    const text = `${HEADER}${DEPOT}    1      3  4  5  0  50\n`;
    expect(() => parseSolomon(text, 'x.txt')).toThrow(SolomonFormatError);
    expect(() => parseSolomon(text, 'x.txt')).toThrow('x.txt:11: expected 7 numbers (number, x, y, demand, ready time, due date, service time), found "1      3  4  5  0  50"');
  });

  it('rejects a missing section, a first row that is not the depot, repeated numbers and impossible windows', () => {
    expect(() => parseSolomon('T1\n\nCUSTOMER\n', 'a.txt')).toThrow('a.txt:3: expected the VEHICLE section, found "CUSTOMER"');
    expect(() => parseSolomon(`${HEADER}    1      0  0  0  0  100  0\n`, 'b.txt')).toThrow('b.txt:10: the first row must be the depot (number 0), got number 1');
    expect(() => parseSolomon(`${HEADER}${DEPOT}    1  1 1 5 0 50 1\n    1  2 2 5 0 50 1\n`, 'c.txt')).toThrow('c.txt:12: customer number 1 repeats line 11');
    expect(() => parseSolomon(`${HEADER}${DEPOT}    1  1 1 5 60 50 1\n`, 'd.txt')).toThrow('d.txt:11: ready time 60 is after due date 50');
    expect(() => parseSolomon(`${HEADER}${DEPOT}    1  1 1 80 0 50 1\n`, 'e.txt')).toThrow('e.txt:11: demand 80 of customer 1 exceeds the vehicle capacity 50');
    expect(() => parseSolomon(HEADER, 'f.txt')).toThrow('f.txt:10: no customer rows after the header');
    expect(() => parseSolomon('', 'g.txt')).toThrow('g.txt:1: the file is empty');
  });

  it('accepts Windows line endings and trailing blank lines', () => {
    const text = `${HEADER}${DEPOT}    1  3 4 5 0 50 1\n\n\n`.replace(/\n/g, '\r\n');
    expect(parseSolomon(text).nodes).toHaveLength(2);
  });
});

describe('distanceMatrix', () => {
  it('gives Euclidean distances in double precision, not truncated', () => {
    const instance = parseSolomon(`${HEADER}${DEPOT}    1  3 4 5 0 50 1\n    2  1 1 5 0 50 1\n`);
    const d = distanceMatrix(instance);
    expect(d[0 * 3 + 1]).toBe(5);
    expect(d[0 * 3 + 2]).toBe(Math.SQRT2);
    expect(d[2 * 3 + 1]).toBe(Math.sqrt(13));
  });
});
