/**
 * PostgreSQL array literals for bulk writes: a column of values becomes one bound text parameter,
 * cast in SQL (`?::float8[]`) and expanded with `unnest`. (knex expands a JS array bound to `?` into
 * a list of placeholders, so arrays travel as their literal text instead.)
 */

type Scalar = string | number | boolean | null | undefined;

function element(value: Scalar): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NULL';
    if (value === Infinity) return 'Infinity';
    if (value === -Infinity) return '-Infinity';
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 't' : 'f';
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** `{1,2,NULL}` / `{"a","b \"c\""}`: the text of a one-dimensional array. */
export function pgArray(values: ArrayLike<Scalar>): string {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) parts[i] = element(values[i]);
  return `{${parts.join(',')}}`;
}
