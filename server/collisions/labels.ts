import { isEnumerated, labelFor, type Stats19Table } from './stats19/codes.ts';

/**
 * The DfT label of a coded field's code (from the shipped code list), or null when the code is
 * missing (null or -1). A code the list does not know is returned as text rather than hidden.
 */
export function codeLabel(table: Stats19Table, field: string, code: number | string | null | undefined): string | null {
  if (code == null || String(code) === '-1') return null;
  return labelFor(table, field, code) ?? String(code);
}

export const collisionLabel = (field: string, code: number | null | undefined) => codeLabel('collision', field, code);

/** snake_case → camelCase, for database columns in JSON. */
export function camelCase(column: string): string {
  return column.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * A stored STATS19 row as JSON: camelCase keys, coded fields as their DfT labels, every other value
 * as stored, and the raw codes of the coded fields under `codes` (for analysts who work in codes).
 */
export function decodeRecord(table: Stats19Table, row: Record<string, unknown>, omit: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const codes: Record<string, number | string | null> = {};
  for (const [column, value] of Object.entries(row)) {
    if (omit.includes(column)) continue;
    const key = camelCase(column);
    if ((typeof value === 'number' || value === null) && isEnumerated(table, column)) {
      codes[key] = value;
      out[key] = codeLabel(table, column, value);
    } else {
      out[key] = value;
    }
  }
  out.codes = codes;
  return out;
}
