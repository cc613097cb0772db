/**
 * HiGHS (npm `highs`, WebAssembly) for the planner's linear programmes: loaded once per process, models
 * written in CPLEX LP format. Deterministic: one thread, fixed random seed, simplex, and no wall-clock
 * limit — the only guard is a simplex iteration limit, which stops at the same point on any machine
 * however loaded it is. Anything but an optimal solution is an error (the same seed must give the same plan).
 */
export type Highs = { solve(problem: string, options?: Record<string, unknown>): { Status: string; Columns: Record<string, { Primal?: number }> } };
let highsPromise: Promise<Highs> | null = null;

/** HiGHS (WebAssembly) loaded once per process. */
export function loadHighs(): Promise<Highs> {
  // The package is CommonJS with an ESM build; its default export is the async loader.
  highsPromise ??= import('highs').then(async (m) => {
    const loader = (m as unknown as { default: () => Promise<unknown> }).default;
    return (await loader()) as Highs;
  });
  return highsPromise;
}

/** Far above what the planner's LPs need (a 600-site month takes a few thousand iterations). */
export const SIMPLEX_ITERATION_LIMIT = 2_000_000;

const SOLVE_OPTIONS = { output_flag: false, solver: 'simplex', simplex_iteration_limit: SIMPLEX_ITERATION_LIMIT, random_seed: 0, threads: 1 };

/** LP-format number: fixed notation, enough digits, never "-0". */
export function num(x: number): string {
  const s = Math.abs(x) < 1e-12 ? '0' : x.toFixed(8).replace(/\.?0+$/, '');
  return s === '-0' ? '0' : s;
}

/** Writes a linear expression on lines of at most 25 terms (the LP reader dislikes endless lines). */
export function expr(terms: Array<[number, string]>): string {
  const parts = terms.filter(([c]) => c !== 0).map(([c, v], i) => `${c < 0 ? '-' : i === 0 ? '' : '+'} ${num(Math.abs(c))} ${v}`);
  if (parts.length === 0) return '0 zero';
  const lines: string[] = [];
  for (let i = 0; i < parts.length; i += 25) lines.push(parts.slice(i, i + 25).join(' '));
  return lines.join('\n  ');
}

/**
 * Solves an LP and returns a lookup of its column values. Throws unless HiGHS reports an optimal solution
 * (an iteration limit, infeasibility or unboundedness is a planner bug, not something to plan around), and
 * throws for a column the solution does not have rather than reading it as 0.
 */
export function solve(highs: Highs, model: string, what: string): (name: string) => number {
  const result = highs.solve(model, SOLVE_OPTIONS);
  if (result.Status !== 'Optimal') {
    const why = result.Status === 'Iteration limit reached' ? ` after ${SIMPLEX_ITERATION_LIMIT} simplex iterations` : '';
    throw new Error(`HiGHS could not solve the ${what} LP${why} (status: ${result.Status}); no plan was made`);
  }
  return (name: string) => {
    const value = result.Columns[name]?.Primal;
    if (value === undefined || !Number.isFinite(value)) throw new Error(`HiGHS returned no value for column ${name} of the ${what} LP`);
    return value;
  };
}

