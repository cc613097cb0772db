import Holidays from 'date-holidays';
import { DateTime } from 'luxon';
import * as SunCalc from 'suncalc';
import type { CalendarDay } from '../planning/types.ts';
import { AREA_ZONE, datesOfMonth, epochMsToIso, isoToEpochMs, isoWeekday, localToEpochMs } from './time.ts';

/**
 * The month's calendar for planning: England and Wales bank holidays, sunrise and sunset at the
 * area's centre, and the UTC offset of each day (so clock-change days are visible).
 */

/** A place on the earth in WGS84 degrees. */
export interface LatLon {
  lat: number;
  lon: number;
}

// England and Wales share their bank holidays; date-holidays files them under GB / ENG.
const englandAndWales = new Holidays('GB', 'ENG');

/**
 * Bank holidays of a year by date. date-holidays lists a holiday falling on a weekend *and* its
 * substitute weekday; in England and Wales only the substitute is a bank holiday (gov.uk lists
 * Boxing Day 2026 as Monday 28 December, not Saturday 26), so a weekend date with a substitute is dropped.
 */
function bankHolidaysOfYear(year: number): Map<string, string> {
  const publicHolidays = englandAndWales.getHolidays(year).filter((h) => h.type === 'public');
  const substituted = new Set(publicHolidays.filter((h) => h.substitute).map((h) => h.name.replace(/\s*\(substitute day\)\s*$/i, '')));
  const byDate = new Map<string, string>();
  for (const h of publicHolidays) {
    const date = h.date.slice(0, 10);
    if (!h.substitute && isoWeekday(date) >= 6 && substituted.has(h.name)) continue;
    byDate.set(date, h.name);
  }
  return byDate;
}

const holidayCache = new Map<number, Map<string, string>>();

/** The England and Wales bank holiday on a date (`YYYY-MM-DD`), or null. */
export function bankHolidayOn(date: string): string | null {
  const year = Number(date.slice(0, 4));
  let byDate = holidayCache.get(year);
  if (!byDate) {
    byDate = bankHolidaysOfYear(year);
    holidayCache.set(year, byDate);
  }
  return byDate.get(date) ?? null;
}

// Instants are given to the second (suncalc's milliseconds are far below its accuracy).
const toWholeSecond = (ms: number) => Math.round(ms / 1000) * 1000;

/**
 * One CalendarDay per date of `month` (`YYYY-MM`), Europe/London. Sunrise and sunset are the
 * standard ones (upper limb on the horizon, with refraction) for `area`, as ISO instants with offset.
 * Days near the poles without a sunrise are not handled: the area must be in Great Britain.
 */
export function monthCalendar(month: string, area: LatLon): CalendarDay[] {
  if (!Number.isFinite(area.lat) || !Number.isFinite(area.lon) || Math.abs(area.lat) > 66 || Math.abs(area.lon) > 180) {
    throw new RangeError(`area must be a latitude within ±66° and a longitude within ±180° (got ${area.lat}, ${area.lon})`);
  }
  return datesOfMonth(month).map((date) => {
    // Local noon picks the right day's rise and set whatever the UTC offset.
    const noonMs = localToEpochMs(date, '12:00');
    const times = SunCalc.getTimes(new Date(noonMs), area.lat, area.lon);
    if (!times.sunrise || !times.sunset) throw new RangeError(`the sun does not rise and set at ${area.lat}, ${area.lon} on ${date}`);
    return {
      date,
      weekday: isoWeekday(date),
      bankHoliday: bankHolidayOn(date),
      sunrise: epochMsToIso(toWholeSecond(times.sunrise.getTime())),
      sunset: epochMsToIso(toWholeSecond(times.sunset.getTime())),
      utcOffsetMinutes: DateTime.fromMillis(noonMs, { zone: AREA_ZONE }).offset,
    };
  });
}

/** Minutes of the interval [fromMs, toMs] (epoch ms) that fall before sunrise or after sunset of `day`. */
export function darkMinutes(fromMs: number, toMs: number, day: Pick<CalendarDay, 'sunrise' | 'sunset'>): number {
  if (!(toMs > fromMs)) return 0;
  const sunrise = isoToEpochMs(day.sunrise);
  const sunset = isoToEpochMs(day.sunset);
  const lightMs = Math.max(0, Math.min(toMs, sunset) - Math.max(fromMs, sunrise));
  return (toMs - fromMs - lightMs) / 60_000;
}
