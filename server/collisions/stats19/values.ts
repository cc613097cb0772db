/**
 * Parsing of single STATS19 values. Each parser takes the raw CSV text and returns the typed value,
 * `null` for DfT's "missing" markers (empty, -1, NULL), or throws a ValueError whose message says
 * what is wrong with the value (the caller adds file, line and column).
 */

export class ValueError extends Error {}

/** A value outside its allowed range (callers may replace the message with a better one). */
export class RangeValueError extends ValueError {}

/** DfT's markers for "not known": -1, and the text NULL in older files; an empty cell too. */
export function isMissingValue(raw: string): boolean {
  return raw === '' || raw === '-1' || raw === 'NULL';
}

const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** An integer within [min, max], or null when missing. */
export function parseInteger(raw: string, min: number, max: number): number | null {
  const text = raw.trim();
  if (isMissingValue(text)) return null;
  if (!INTEGER.test(text)) throw new ValueError('is not a whole number');
  const value = Number(text);
  if (value < min || value > max) throw new RangeValueError(`is outside ${min}–${max}`);
  return value;
}

/** A decimal number within [min, max], or null when missing. */
export function parseDecimal(raw: string, min: number, max: number): number | null {
  const text = raw.trim();
  if (isMissingValue(text)) return null;
  if (!DECIMAL.test(text)) throw new ValueError('is not a number');
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max) throw new RangeValueError(`is outside ${min}–${max}`);
  return value;
}

const DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;

/** A dd/mm/yyyy date that exists in the calendar → ISO 'yyyy-mm-dd'. Missing dates are an error. */
export function parseDate(raw: string): string {
  const match = DATE.exec(raw.trim());
  if (!match) throw new ValueError('is not a valid dd/mm/yyyy date');
  const day = Number(match[1]);
  const month = Number(match[2]);
  const year = Number(match[3]);
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (year < 1900 || month < 1 || month > 12 || day < 1 || probe.getUTCDate() !== day || probe.getUTCMonth() !== month - 1) {
    throw new ValueError('is not a valid dd/mm/yyyy date');
  }
  return `${match[3]}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** DfT day of week (1 Sunday … 7 Saturday) of an ISO date. */
export function dfTDayOfWeek(isoDate: string): number {
  return new Date(`${isoDate}T00:00:00Z`).getUTCDay() + 1;
}

const TIME = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/;

/** An HH:MM local time (seconds tolerated) → 'HH:MM', or null when missing. */
export function parseTime(raw: string): string | null {
  const text = raw.trim();
  if (isMissingValue(text)) return null;
  const match = TIME.exec(text);
  const hour = Number(match?.[1]);
  const minute = Number(match?.[2]);
  const second = Number(match?.[3] ?? 0);
  if (!match || hour > 23 || minute > 59 || second > 59) throw new ValueError('is not a valid HH:MM time');
  return `${String(hour).padStart(2, '0')}:${match[2]}`;
}

/** Free text; DfT missing markers become null. */
export function parseText(raw: string): string | null {
  const text = raw.trim();
  return isMissingValue(text) ? null : text;
}

/** Great Britain's extent (EPSG:27700 metres, and WGS84 degrees with a margin for the islands). */
export const GB_BOUNDS = {
  eastingM: [0, 700_000],
  northingM: [0, 1_300_000],
  longitude: [-9, 2.1],
  latitude: [49.5, 61.1],
} as const;
