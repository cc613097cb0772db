import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSolomon, readSolomonFile } from './solomon.ts';
import { checkVrptwSolution, solveVrptw } from './vrptw.ts';

const SOLOMON = path.resolve(import.meta.dirname, '../../../shared/data/solomon');

// Depot at (0,0) open 0–100, two vehicles of capacity 10. Customer 1 at (3,4), 2 at (6,8), 3 at (0,5).
const tiny = parseSolomon(
  `TINY

VEHICLE
NUMBER     CAPACITY
  2         10

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE TIME

    0      0   0    0    0   100    0
    1      3   4    4   10    20    1
    2      6   8    4    0    30    1
    3      0   5    5    0    40    2
`,
  'tiny.txt',
);

describe('checkVrptwSolution', () => {
  it('accepts a feasible solution and recomputes its distance, waiting for ready times', () => {
    // 0 → 1: arrive 5, wait to 10, leave 11; → 2: arrive 16 ≤ 30, leave 17; → 0: arrive 27.  0 → 3 → 0: 10.
    const check = checkVrptwSolution(tiny, [[1, 2], [3]]);
    expect(check.problems).toEqual([]);
    expect(check.vehicles).toBe(2);
    expect(check.distance).toBeCloseTo(5 + 5 + 10 + 5 + 5, 12);
  });

  it('catches a customer left out, one visited twice and one that does not exist', () => {
    expect(checkVrptwSolution(tiny, [[1, 2]]).problems).toEqual(['customer 3 is not visited']);
    expect(checkVrptwSolution(tiny, [[1, 2], [3, 1]]).problems).toEqual(['customer 1 is visited again in route 2 (first in route 1)']);
    expect(checkVrptwSolution(tiny, [[1, 2], [3, 7]]).problems).toEqual(['route 2 visits 7, which is not a customer of TINY']);
    expect(checkVrptwSolution(tiny, [[1, 2], [3, 0]]).problems).toEqual(['route 2 visits 0, which is not a customer of TINY']);
  });

  it('catches a vehicle over capacity', () => {
    expect(checkVrptwSolution(tiny, [[1, 2, 3]]).problems).toEqual(['route 1 carries 13, over the capacity 10']);
  });

  it('catches service started after a due date', () => {
    // 0 → 2 (arrive 10, leave 11) → 3 (arrive 17.71, leave 19.71) → 1: arrive 22.87, after 20.
    expect(checkVrptwSolution(tiny, [[2, 3, 1]]).problems).toContain('route 1 starts customer 1 at 22.87, after its due date 20');
  });

  it('catches a return to the depot after its due date', () => {
    const late = { ...tiny, nodes: tiny.nodes.map((n) => (n.id === 0 ? { ...n, due: 25 } : n)) };
    expect(checkVrptwSolution(late, [[1, 2], [3]]).problems).toEqual(['route 1 returns to the depot at 27.00, after its due date 25']);
  });

  it('catches an empty route and more vehicles than the instance has', () => {
    expect(checkVrptwSolution(tiny, [[1], [2], [3], []]).problems).toEqual(['route 4 is empty', '3 vehicles used, more than the 2 available']);
  });
});

// The solver tests run real searches on a shared machine: generous timeouts, no timing assertions.
describe('solveVrptw', { timeout: 120_000 }, () => {
  it('solves a tiny instance optimally', () => {
    const solution = solveVrptw(tiny, { maxIterations: 50 });
    expect(checkVrptwSolution(tiny, solution.routes).problems).toEqual([]);
    expect(solution.vehicles).toBe(2);
    expect(solution.distance).toBeCloseTo(30, 9);
  });

  it('reaches the best-known 10 vehicles on C101 with a feasible solution within 1 % of 828.94', () => {
    const c101 = readSolomonFile(path.join(SOLOMON, 'C101.txt'));
    const solution = solveVrptw(c101, { maxIterations: 300, seed: 1 });
    const check = checkVrptwSolution(c101, solution.routes);
    expect(check.problems).toEqual([]);
    expect(solution.vehicles).toBe(10);
    expect(solution.distance).toBeCloseTo(check.distance, 6);
    expect(solution.distance).toBeLessThan(828.94 * 1.01);
  });

  it('gives a feasible solution within one vehicle of the best known on R101 and RC201', () => {
    for (const [name, bestKnown] of [['R101', 19], ['RC201', 4]] as const) {
      const instance = readSolomonFile(path.join(SOLOMON, `${name}.txt`));
      const solution = solveVrptw(instance, { maxIterations: 400, seed: 2 });
      expect(checkVrptwSolution(instance, solution.routes).problems).toEqual([]);
      expect(solution.vehicles).toBeLessThanOrEqual(bestKnown + 1);
    }
  });

  it('gives the same solution for the same seed and iteration limit, and another for another seed', () => {
    const r105 = readSolomonFile(path.join(SOLOMON, 'R105.txt'));
    const a = solveVrptw(r105, { maxIterations: 200, seed: 7 });
    const b = solveVrptw(r105, { maxIterations: 200, seed: 7 });
    const c = solveVrptw(r105, { maxIterations: 200, seed: 8 });
    expect(b.routes).toEqual(a.routes);
    expect(b.distance).toBe(a.distance);
    expect(c.routes).not.toEqual(a.routes);
  });

  it('refuses an instance with a customer no vehicle can reach in time, naming it', () => {
    const impossible = { ...tiny, nodes: tiny.nodes.map((n) => (n.id === 2 ? { ...n, due: 5 } : n)) };
    expect(() => solveVrptw(impossible, { maxIterations: 10 })).toThrow('Customer 2 cannot be served even by a vehicle of its own');
  });

  it('rejects a budget that is not positive', () => {
    expect(() => solveVrptw(tiny, { seconds: 0 })).toThrow('seconds must be positive, got 0');
    expect(() => solveVrptw(tiny, { maxIterations: 2.5 })).toThrow('maxIterations must be a positive whole number, got 2.5');
  });
});
