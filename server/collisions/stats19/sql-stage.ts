import type { HeaderLayout, MappedColumn } from './columns.ts';
import { roadUserGroupSql } from './road-user.ts';

/**
 * SQL for the PostgreSQL import engine (see import.ts): the raw file is COPYed untouched into an
 * all-text table `c0 … cN` (one column per file column, in file order), checked there with one
 * predicate per row, and read typed through a view with the same columns as the Node engine's
 * staging table. The rules mirror converterFor/processRecord in import.ts and values.ts: a row this
 * predicate accepts must be one the Node engine accepts, and every row it flags is re-checked by
 * the Node code for the message (a disagreement falls back to the Node engine, never to a wrong
 * result). test/integration/stats19-engines.test.ts runs every fixture through both engines.
 */

/** What JavaScript's String.prototype.trim removes, for the characters that occur in practice. */
const WS = `E' \\t\\n\\r\\f\\u000b\\u00a0\\ufeff'`;
const MISSING = `('', '-1', 'NULL')`;

export const rawColumn = (index: number): string => `c${index}`;

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

function textArray(values: Iterable<string>): string {
  return `ARRAY[${[...values].map(literal).join(', ')}]::text[]`;
}

/** The trimmed raw value of a file column. */
function trimmed(index: number): string {
  return `btrim(${rawColumn(index)}, ${WS})`;
}

/** The trimmed value, NULL for DfT's missing markers (one evaluation of the trim). */
function present(index: number): string {
  return `NULLIF(NULLIF(NULLIF(${trimmed(index)}, ''), '-1'), 'NULL')`;
}

// No "?" in SQL text: knex turns every ? into a bind parameter ($1), even inside a string literal.
const INTEGER_RE = `'^-{0,1}[0-9]+$'`;
const DECIMAL_RE = `'^-{0,1}([0-9]+\\.{0,1}[0-9]*|\\.[0-9]+)([eE][-+]{0,1}[0-9]{1,4}){0,1}$'`;
const DATE_RE = `'^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$'`;
const TIME_RE = `'^[0-9]{1,2}:[0-9]{2}(:[0-9]{2}){0,1}$'`;

function numberCheck(t: string, re: string, min: number, max: number, required: boolean): string {
  return `(CASE WHEN ${t} IN ${MISSING} THEN ${!required} WHEN ${t} ~ ${re} THEN (${t})::numeric BETWEEN ${min} AND ${max} ELSE false END)`;
}

function dateCheck(t: string): string {
  const part = (n: number) => `split_part(${t}, '/', ${n})::int`;
  const year = part(3);
  const leap = `(${year} % 4 = 0 AND (${year} % 100 <> 0 OR ${year} % 400 = 0))`;
  const days = `(CASE ${part(2)} WHEN 2 THEN CASE WHEN ${leap} THEN 29 ELSE 28 END WHEN 4 THEN 30 WHEN 6 THEN 30 WHEN 9 THEN 30 WHEN 11 THEN 30 ELSE 31 END)`;
  return `(CASE WHEN ${t} ~ ${DATE_RE} THEN ${year} >= 1900 AND ${part(2)} BETWEEN 1 AND 12 AND ${part(1)} BETWEEN 1 AND ${days} ELSE false END)`;
}

function timeCheck(t: string, required: boolean): string {
  const part = (n: number) => `split_part(${t}, ':', ${n})`;
  return `(CASE WHEN ${t} IN ${MISSING} THEN ${!required} WHEN ${t} ~ ${TIME_RE} THEN ${part(1)}::int <= 23 AND ${part(2)}::int <= 59 AND COALESCE(NULLIF(${part(3)}, '')::int, 0) <= 59 ELSE false END)`;
}

/** True when the value of a mapped file column passes converterFor's checks (and `required`). */
function columnCheck(col: MappedColumn): string | undefined {
  const { def, codes } = col;
  const required = def.required === true;
  const t = trimmed(col.index);
  switch (def.kind) {
    case 'code':
    case 'ons': {
      if (codes) {
        const valid = [...codes.keys()].filter((code) => !['', '-1', 'NULL'].includes(code));
        // Fast path on the raw text (nearly every value), then the trimmed and zero-padded forms.
        const fast = textArray(required ? valid : [...valid, '', '-1', 'NULL']);
        const padded = def.kind === 'code' ? ` OR (${t} ~ '^[0-9]+$' AND (${t})::numeric::text = ANY(${textArray(valid)}))` : '';
        const slow = `(CASE WHEN ${t} IN ${MISSING} THEN ${!required} ELSE (${t} = ANY(${textArray(valid)})${padded}) END)`;
        return `(${rawColumn(col.index)} = ANY(${fast}) OR ${slow})`;
      }
      if (def.kind === 'ons') return `(CASE WHEN ${t} IN ${MISSING} THEN ${!required} ELSE ${t} ~ '^[A-Z][0-9]{8}$' END)`;
      return numberCheck(t, INTEGER_RE, -32_768, 32_767, required);
    }
    case 'int':
      return numberCheck(t, INTEGER_RE, def.min ?? -2_147_483_648, def.max ?? 2_147_483_647, required);
    case 'decimal':
      return numberCheck(t, DECIMAL_RE, def.min ?? -2_147_483_648, def.max ?? 2_147_483_647, required);
    case 'date':
      return dateCheck(t);
    case 'time':
      return timeCheck(t, required);
    case 'text':
      return required ? `(${t} NOT IN ${MISSING})` : undefined;
  }
}

/**
 * A cheap check (no regular expression, no trimming) that accepts only values in their plain form
 * ("3", "030", "-2.49", "01/02/2024", "07:05", a listed code, or a missing marker) that
 * converterFor accepts too. A value it does not accept may still be valid (padded, other
 * spellings): columnCheck decides those.
 */
function fastColumnCheck(col: MappedColumn): string | undefined {
  const { def, codes } = col;
  const required = def.required === true;
  const c = rawColumn(col.index);
  const missingOk = required ? 'false' : 'true';
  switch (def.kind) {
    case 'code':
    case 'ons':
      if (codes) {
        const valid = [...codes.keys()].filter((code) => !['', '-1', 'NULL'].includes(code));
        return `(${c} = ANY(${textArray(required ? valid : [...valid, '', '-1', 'NULL'])}))`;
      }
      if (def.kind === 'ons') {
        return `(CASE WHEN ${c} IN ${MISSING} THEN ${missingOk} ELSE length(${c}) = 9 AND ascii(${c}) BETWEEN 65 AND 90 AND ltrim(substr(${c}, 2), '0123456789') = '' END)`;
      }
      return fastIntegerCheck(c, -32_768, 32_767, missingOk);
    case 'int':
      return fastIntegerCheck(c, def.min ?? -2_147_483_648, def.max ?? 2_147_483_647, missingOk);
    case 'decimal': {
      const [min, max] = [def.min ?? -2_147_483_648, def.max ?? 2_147_483_647];
      // Digits with at most one leading minus and one point, and a digit somewhere. Such a value
      // parses to the same double in PostgreSQL as in JavaScript (both round correctly).
      const plain = `length(${c}) <= 30 AND ltrim(${c}, '-.0123456789') = '' AND ${c} NOT LIKE '_%-%' AND ${c} NOT LIKE '%.%.%' AND ${c} NOT IN ('-', '.', '-.')`;
      return `(CASE WHEN ${c} IN ${MISSING} THEN ${missingOk} WHEN ${plain} THEN ${c}::double precision BETWEEN ${min} AND ${max} ELSE false END)`;
    }
    case 'date': {
      const year = `substr(${c}, 7, 4)::int`;
      const month = `substr(${c}, 4, 2)::int`;
      const leap = `(${year} % 4 = 0 AND (${year} % 100 <> 0 OR ${year} % 400 = 0))`;
      const days = `(CASE ${month} WHEN 2 THEN CASE WHEN ${leap} THEN 29 ELSE 28 END WHEN 4 THEN 30 WHEN 6 THEN 30 WHEN 9 THEN 30 WHEN 11 THEN 30 ELSE 31 END)`;
      const plain = `length(${c}) = 10 AND substr(${c}, 3, 1) = '/' AND substr(${c}, 6, 1) = '/' AND ltrim(${c}, '0123456789/') = '' AND length(replace(${c}, '/', '')) = 8`;
      return `(CASE WHEN ${plain} THEN ${year} >= 1900 AND ${month} BETWEEN 1 AND 12 AND substr(${c}, 1, 2)::int BETWEEN 1 AND ${days} ELSE false END)`;
    }
    case 'time': {
      const plain = `length(${c}) = 5 AND substr(${c}, 3, 1) = ':' AND ltrim(left(${c}, 2) || right(${c}, 2), '0123456789') = ''`;
      return `(CASE WHEN ${c} IN ${MISSING} THEN ${missingOk} WHEN ${plain} THEN left(${c}, 2)::int <= 23 AND right(${c}, 2)::int <= 59 ELSE false END)`;
    }
    case 'text':
      return required ? `(${trimmed(col.index)} NOT IN ${MISSING})` : undefined;
  }
}

function fastIntegerCheck(c: string, min: number, max: number, missingOk: string): string {
  const general = `(CASE WHEN ${c} IN ${MISSING} THEN ${missingOk} WHEN length(${c}) <= 18 AND ltrim(${c}, '0123456789') = '' THEN ${c}::bigint BETWEEN ${min} AND ${max} ELSE false END)`;
  if (min < 0 || max - min > 10_000) return general;
  // A small range: one hashed lookup of the plain spellings ("0" … "999") answers nearly every row.
  const spellings = Array.from({ length: max - min + 1 }, (_, i) => String(min + i));
  return `(${c} = ANY(${textArray(missingOk === 'true' ? [...spellings, '', '-1', 'NULL'] : spellings)}) OR ${general})`;
}

/**
 * True when every value of a row passes its cheap check (fastColumnCheck): the row is valid and
 * the "clean" conversions (no trimming) of stageSelectSql give the same values as the Node engine.
 */
export function rowIsCleanSql(layout: HeaderLayout): string {
  const checks: string[] = [];
  for (const col of layout.columns) {
    if (col.index < 0) continue;
    const check = fastColumnCheck(col);
    if (check) checks.push(check);
  }
  checks.push(...pairChecks(layout, (index) => `(${rawColumn(index)} IN ${MISSING})`));
  for (const e of layout.extras) {
    if (e.codes) checks.push(`(${rawColumn(e.index)} = ANY(${textArray([...e.codes.keys(), '', '-1', 'NULL'])}))`);
  }
  return checks.length ? `COALESCE(${checks.join('\n  AND ')}, false)` : 'true';
}

/** Easting and northing, and longitude and latitude, are both given or both missing. */
function pairChecks(layout: HeaderLayout, missing: (index: number) => string): string[] {
  if (layout.table !== 'collision') return [];
  const isMissing = (column: string) => {
    const col = layout.columns.find((c) => c.def.column === column);
    return col && col.index >= 0 ? missing(col.index) : 'true';
  };
  return [
    `(${isMissing('easting')} = ${isMissing('northing')})`,
    `(${isMissing('longitude')} = ${isMissing('latitude')})`,
  ];
}


/**
 * One boolean per row: true when processRecord would accept it (given it has the right number of
 * columns, which COPY guarantees). NULL counts as false.
 */
export function rowIsValidSql(layout: HeaderLayout): string {
  const checks: string[] = [];
  for (const col of layout.columns) {
    if (col.index < 0) continue;
    const check = columnCheck(col);
    const fast = fastColumnCheck(col);
    if (check) checks.push(fast ? `(${fast} OR ${check})` : check);
  }
  checks.push(...pairChecks(layout, (index) => `(${trimmed(index)} IN ${MISSING})`));
  for (const e of layout.extras) {
    if (!e.codes) continue;
    const valid = [...e.codes.keys()];
    checks.push(`(${rawColumn(e.index)} = ANY(${textArray([...valid, '', '-1', 'NULL'])}) OR ${trimmed(e.index)} IN ${MISSING} OR ${trimmed(e.index)} = ANY(${textArray(valid)}))`);
  }
  return checks.length ? `COALESCE(${checks.join('\n  AND ')}, false)` : 'true';
}

/** True when a collision row belongs to `force` (Number(raw) === force, as processRecord compares). */
export function policeForceMatchesSql(forceIndex: number, force: number): string {
  const t = trimmed(forceIndex);
  return `(CASE WHEN ${t} = '' THEN ${force === 0} WHEN ${t} ~ '^[-+]{0,1}([0-9]+\\.{0,1}[0-9]*|\\.[0-9]+)([eE][-+]{0,1}[0-9]{1,4}){0,1}$' THEN (${t})::numeric = ${force} ELSE false END)`;
}

/**
 * The typed value of a canonical column, for rows that passed rowIsValidSql; with `clean` (every
 * row passed rowIsCleanSql) numbers, codes, dates and times are cast without trimming.
 */
function typedValue(col: MappedColumn, clean: boolean): string {
  const { def } = col;
  if (col.index < 0) return `NULL::${def.sqlType}`;
  if (clean && def.kind !== 'text') {
    const c = rawColumn(col.index);
    const plain = `NULLIF(NULLIF(NULLIF(${c}, ''), '-1'), 'NULL')`;
    if (def.kind === 'date') return `to_date(${c}, 'DD/MM/YYYY')`;
    if (def.kind === 'time') return `(${plain})::time`;
    return def.kind === 'ons' ? plain : `(${plain})::${def.sqlType}`;
  }
  const value = present(col.index);
  switch (def.kind) {
    case 'code':
    case 'int':
    case 'decimal':
      return `(${value})::${def.sqlType}`;
    case 'ons':
    case 'text':
      return value;
    case 'date':
      return `to_date(${trimmed(col.index)}, 'DD/MM/YYYY')`;
    case 'time':
      return `make_time(split_part(${value}, ':', 1)::int, split_part(${value}, ':', 2)::int, 0)`;
  }
}

/** The extra (unmapped) file columns as jsonb of their trimmed text, keyed by normalised header. */
function extraSql(layout: HeaderLayout): string {
  if (!layout.extras.length) return `'{}'::jsonb`;
  // jsonb_object(keys, values) costs about half of jsonb_build_object per row.
  return `jsonb_object(${textArray(layout.extras.map((e) => e.key))}, ARRAY[${layout.extras.map((e) => trimmed(e.index)).join(', ')}])`;
}

/**
 * The select list of the staging view: `line`, every canonical column typed, the derived columns
 * (collision year, reference, day of week, hour; casualty road-user group) and `extra`, named as
 * the Node engine's staging table so duplicate checks and the upsert run unchanged.
 */
export function stageSelectSql(layout: HeaderLayout, clean: boolean): string {
  const typed = new Map(layout.columns.map((c) => [c.def.column, typedValue(c, clean)]));
  const v = (name: string) => typed.get(name) as string;
  const out = new Map(typed);
  if (layout.table === 'collision') {
    const year = `COALESCE(${v('collision_year')}, extract(year FROM ${v('date')})::int)`;
    out.set('collision_year', year);
    out.set(
      'collision_reference',
      `COALESCE(${v('collision_reference')}, CASE WHEN starts_with(${v('collision_index')}, (${year})::text) AND length(${v('collision_index')}) > length((${year})::text) THEN substr(${v('collision_index')}, length((${year})::text) + 1) ELSE ${v('collision_index')} END)`,
    );
    out.set('day_of_week', `COALESCE(${v('day_of_week')}, (extract(dow FROM ${v('date')}) + 1)::smallint)`);
    out.set('hour', `extract(hour FROM ${v('time')})::smallint`);
  } else if (layout.table === 'casualty') {
    out.set('road_user_group', roadUserGroupSql(v('casualty_type')));
  }
  out.set('extra', extraSql(layout));
  return ['line', ...[...out].map(([name, expr]) => `${expr} AS ${name}`)].join(',\n  ');
}

export function rawTableDdl(name: string, layout: HeaderLayout): string {
  const columns = Array.from({ length: layout.width }, (_, i) => `${rawColumn(i)} text`);
  // Identity values are assigned in file order: the header is line 1, the first data row line 2.
  return `CREATE TEMP TABLE ${name} (line integer GENERATED ALWAYS AS IDENTITY (START WITH 2), ${columns.join(', ')})`;
}

export function copyRawSql(name: string, layout: HeaderLayout): string {
  const columns = Array.from({ length: layout.width }, (_, i) => rawColumn(i)).join(', ');
  // FORCE_NOT_NULL: an unquoted empty field is '' (as csv-parse reads it), not NULL.
  return `COPY ${name} (${columns}) FROM STDIN WITH (FORMAT csv, HEADER true, FORCE_NOT_NULL (${columns}))`;
}

