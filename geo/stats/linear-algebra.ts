/**
 * The little dense linear algebra the regression fits need: a symmetric positive-definite solve by
 * Cholesky factorisation, with a rank check that names the offending column.
 *
 * The systems here are the normal equations of a GLM (p × p with p = parameters, a handful), so a
 * plain O(p³) factorisation is all that is needed; no JavaScript linear-algebra package is worth
 * the dependency for that.
 */

/** Raised when a column of the design is (numerically) a linear combination of earlier columns. */
export class CollinearityError extends Error {
  /** Index of the dependent column in the matrix that was factorised (0 = first). */
  readonly column: number;
  constructor(message: string, column: number) {
    super(message);
    this.name = 'CollinearityError';
    this.column = column;
  }
}

/**
 * Relative pivot below which a column counts as dependent. Pivots are computed on the matrix scaled
 * to a unit diagonal, so this is 1 − R² of the column regressed on the earlier ones.
 */
export const COLLINEARITY_TOLERANCE = 1e-10;

/**
 * Solves A·x = b for a symmetric positive-(semi)definite A given as a row-major array of p·p
 * numbers. A is first scaled to a unit diagonal (so the rank test does not depend on the columns'
 * units), then factorised as L·Lᵀ. A zero or relatively tiny pivot throws a CollinearityError
 * naming the column (via `columnName`).
 */
export function solveSymmetric(a: Float64Array, b: Float64Array, p: number, columnName: (j: number) => string = (j) => `column ${j}`): Float64Array {
  if (a.length !== p * p) throw new RangeError(`Matrix has ${a.length} entries, expected ${p}×${p}.`);
  if (b.length !== p) throw new RangeError(`Right-hand side has ${b.length} entries, expected ${p}.`);
  const scale = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    const d = a[j * p + j] as number;
    if (!(d > 0) || !Number.isFinite(d)) {
      throw new CollinearityError(`${columnName(j)} carries no information (all zero, or zero weight everywhere it is non-zero).`, j);
    }
    scale[j] = Math.sqrt(d);
  }
  // l holds the Cholesky factor of the scaled matrix, lower triangle, row-major.
  const l = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = (a[i * p + j] as number) / ((scale[i] as number) * (scale[j] as number));
      for (let m = 0; m < j; m++) sum -= (l[i * p + m] as number) * (l[j * p + m] as number);
      if (i === j) {
        if (!(sum > COLLINEARITY_TOLERANCE)) {
          throw new CollinearityError(`${columnName(i)} is a linear combination of the columns before it (collinear design).`, i);
        }
        l[i * p + i] = Math.sqrt(sum);
      } else {
        l[i * p + j] = sum / (l[j * p + j] as number);
      }
    }
  }
  // Forward then back substitution on the scaled system (D⁻¹AD⁻¹)(Dx) = D⁻¹b.
  const y = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let sum = (b[i] as number) / (scale[i] as number);
    for (let m = 0; m < i; m++) sum -= (l[i * p + m] as number) * (y[m] as number);
    y[i] = sum / (l[i * p + i] as number);
  }
  const x = new Float64Array(p);
  for (let i = p - 1; i >= 0; i--) {
    let sum = y[i] as number;
    for (let m = i + 1; m < p; m++) sum -= (l[m * p + i] as number) * (x[m] as number);
    x[i] = sum / (l[i * p + i] as number);
  }
  for (let i = 0; i < p; i++) x[i] = (x[i] as number) / (scale[i] as number);
  return x;
}
