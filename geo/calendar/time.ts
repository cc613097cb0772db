import { DateTime } from 'luxon';

/**
 * Local (Europe/London) dates and clock times ↔ instants, aware of the clock changes: on the last
 * Sunday of March 01:00–02:00 does not exist and on the last Sunday of October 01:00–02:00 happens twice.
 * Dates are `YYYY-MM-DD`, clock times `HH:MM`, instants epoch milliseconds or ISO 8601 with offset.
 */
export const AREA_ZONE = 'Europe/London';

/** The instant of a local date and clock time (a time skipped by the spring change moves forward an hour). */
export function localToEpochMs(date: string, hhmm: string, zone = AREA_ZONE): number {
  const dt = DateTime.fromISO(`${date}T${hhmm}`, { zone });
  if (!dt.isValid) throw new RangeError(`not a valid local date and time: ${date} ${hhmm} (${dt.invalidExplanation ?? dt.invalidReason})`);
  return dt.toMillis();
}

/** ISO 8601 with the local offset, to the second, e.g. 2026-03-29T09:00:00+01:00. */
export function epochMsToIso(ms: number, zone = AREA_ZONE): string {
  return DateTime.fromMillis(ms, { zone }).toISO({ suppressMilliseconds: true, includeOffset: true })!;
}

/** Parses an ISO 8601 instant that carries an offset (or Z); NaN for anything else. */
export function isoToEpochMs(iso: string): number {
  if (!/(Z|[+-]\d{2}:?\d{2})$/.test(iso)) return Number.NaN;
  const dt = DateTime.fromISO(iso, { setZone: true });
  return dt.isValid ? dt.toMillis() : Number.NaN;
}

/** Local date of an instant. */
export function localDate(ms: number, zone = AREA_ZONE): string {
  return DateTime.fromMillis(ms, { zone }).toISODate()!;
}

/** Local clock time of an instant, HH:MM. */
export function localClock(ms: number, zone = AREA_ZONE): string {
  return DateTime.fromMillis(ms, { zone }).toFormat('HH:mm');
}

/** ISO weekday of a date, 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: string): number {
  return DateTime.fromISO(date, { zone: 'UTC' }).weekday;
}

/** The date n days after (before, if negative) a date. */
export function addDays(date: string, days: number): string {
  return DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate()!;
}

/** Whole days from a to b (b − a). */
export function daysBetween(a: string, b: string): number {
  return Math.round(DateTime.fromISO(b, { zone: 'UTC' }).diff(DateTime.fromISO(a, { zone: 'UTC' }), 'days').days);
}

/** Every date of a month `YYYY-MM`, in order. */
export function datesOfMonth(month: string): string[] {
  const first = DateTime.fromISO(`${month}-01`, { zone: 'UTC' });
  if (!first.isValid || !/^\d{4}-\d{2}$/.test(month)) throw new RangeError(`not a month (YYYY-MM): ${month}`);
  return Array.from({ length: first.daysInMonth! }, (_, i) => first.plus({ days: i }).toISODate()!);
}

/** A shift's start and end instants on a date; `ends` ≤ `starts` means it ends the next day. */
export function shiftWindowMs(date: string, shift: { starts: string; ends: string }, zone = AREA_ZONE): [number, number] {
  const start = localToEpochMs(date, shift.starts, zone);
  const endDate = shift.ends <= shift.starts ? addDays(date, 1) : date;
  return [start, localToEpochMs(endDate, shift.ends, zone)];
}
