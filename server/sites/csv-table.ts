import { parse } from 'csv-parse/sync';
import { csvFieldText } from '../collisions/csv.ts';
import type { RowProblem } from '../row-problem.ts';

/** One CSV record with the file line it ends on (csv-parse's `info.lines`). */
export interface CsvRecord {
  record: string[];
  info: { lines: number };
}

/**
 * The header and body rows of an uploaded CSV file (BOM and blank lines skipped, ragged rows kept for
 * the caller to name), and the header's column names as keys: trimmed, lower case, runs of spaces and
 * dashes as `_`. A file that is not CSV or has no header row goes to `fail`, which throws.
 */
export function readCsvTable(text: string, fail: (problems: RowProblem[]) => never): { header: CsvRecord; body: CsvRecord[]; names: string[] } {
  let records: CsvRecord[];
  try {
    records = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true, info: true }) as unknown as CsvRecord[];
  } catch (err) {
    const e = err as Error & { lines?: number };
    return fail([{ line: e.lines ?? 0, reason: `is not valid CSV (${e.message})` }]);
  }
  const [header, ...rows] = records;
  if (!header) return fail([{ line: 1, reason: 'the file is empty (no header row)' }]);
  // Our own exports quote text that a spreadsheet would run as a formula ('=…, '-2.88 …): read it back as written.
  const body = rows.map((row) => ({ ...row, record: row.record.map(csvFieldText) }));
  return { header, body, names: header.record.map((h) => h.trim().toLowerCase().replace(/[\s-]+/g, '_')) };
}
