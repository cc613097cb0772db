import { describe, expect, it } from 'vitest';
import { CollinearityError, solveSymmetric } from './linear-algebra.ts';

describe('solveSymmetric', () => {
  it('solves a symmetric positive-definite system', () => {
    // A = [[4, 2, 0], [2, 5, 1], [0, 1, 3]], x = [1, −2, 3] → b = A·x = [0, −5, 7].
    const a = Float64Array.of(4, 2, 0, 2, 5, 1, 0, 1, 3);
    const x = solveSymmetric(a, Float64Array.of(0, -5, 7), 3);
    expect(Array.from(x).map((v) => Number(v.toFixed(12)))).toEqual([1, -2, 3]);
  });

  it('does not depend on the columns’ units (scaling one column by 10⁶)', () => {
    const a = Float64Array.of(4, 2e6, 2e6, 5e12);
    const x = solveSymmetric(a, Float64Array.of(8, 9e6), 2);
    // Unscaled system [[4, 2], [2, 5]]·y = [8, 9] has y = [1.375, 1.25]; x₁ = y₁/10⁶.
    expect(x[0]).toBeCloseTo(1.375, 10);
    expect((x[1] as number) * 1e6).toBeCloseTo(1.25, 10);
  });

  it('names a dependent or empty column', () => {
    const dependent = Float64Array.of(1, 2, 2, 4); // second column = 2 × first
    expect(() => solveSymmetric(dependent, Float64Array.of(1, 2), 2, (j) => `x${j}`)).toThrow(CollinearityError);
    expect(() => solveSymmetric(dependent, Float64Array.of(1, 2), 2, (j) => `x${j}`)).toThrow(/x1 is a linear combination/);
    expect(() => solveSymmetric(Float64Array.of(1, 0, 0, 0), Float64Array.of(1, 0), 2)).toThrow(/column 1 carries no information/);
    expect(() => solveSymmetric(Float64Array.of(1, 0, 0), Float64Array.of(1, 0), 2)).toThrow(/Matrix has 3 entries/);
  });
});
