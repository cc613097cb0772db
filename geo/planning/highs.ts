/**
 * HiGHS (npm `highs`, WebAssembly) for the planner's linear programmes: loaded once per process, models
 * written in CPLEX LP format. Deterministic: one thread, fixed random seed.
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

const SOLVE_OPTIONS = { output_flag: false, time_limit: 20, mip_rel_gap: 5e-3, random_seed: 0, threads: 1 };

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

export function solve(highs: Highs, model: string, what: string) {
  const result = highs.solve(model, SOLVE_OPTIONS);
  if (result.Status !== 'Optimal' && result.Status !== 'Time limit reached') {
    throw new Error(`HiGHS could not solve the ${what} (status: ${result.Status})`);
  }
  return (name: string) => result.Columns[name]?.Primal ?? 0;
}

