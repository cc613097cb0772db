import path from 'node:path';

/** A problem with one row of an input file (the importers' CSV files). */
export interface RowProblem {
  line: number;
  column?: string;
  value?: string;
  reason: string;
}

/**
 * The problem as people read it: `<noun> file <name> line <n>, column <c>: "<value>" <reason>`
 * (no column part for a problem with the whole row). Values longer than `maxValueLength`
 * characters are cut, with "…".
 */
export function describeRowProblem(noun: string, file: string, problem: RowProblem, maxValueLength = Infinity): string {
  const where = `${noun} file ${path.basename(file)} line ${problem.line}`;
  if (problem.column === undefined) return `${where}: ${problem.reason}`;
  const { value } = problem;
  const shown = value === undefined ? '' : `${JSON.stringify(value.length > maxValueLength ? `${value.slice(0, maxValueLength)}…` : value)} `;
  return `${where}, column ${problem.column}: ${shown}${problem.reason}`;
}
