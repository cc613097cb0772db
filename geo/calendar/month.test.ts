import { describe, expect, it } from 'vitest';
import { bankHolidayOn, darkMinutes, monthCalendar } from './month.ts';
import { isoToEpochMs, localToEpochMs } from './time.ts';

/** Preston city centre (Flag Market), WGS84. */
const PRESTON = { lat: 53.7593, lon: -2.6991 };

const minutesBetween = (iso: string, date: string, hhmm: string) => Math.abs(isoToEpochMs(iso) - localToEpochMs(date, hhmm)) / 60_000;

describe('monthCalendar', () => {
  it('lists every day of the month with its ISO weekday', () => {
    const days = monthCalendar('2026-02', PRESTON);
    expect(days).toHaveLength(28);
    expect(days[0]).toMatchObject({ date: '2026-02-01', weekday: 7 });
    expect(days[1]).toMatchObject({ date: '2026-02-02', weekday: 1 });
  });

  it('names the eight England and Wales bank holidays of 2026 on the dates gov.uk publishes', () => {
    const holidays = ['2026-01', '2026-04', '2026-05', '2026-08', '2026-12'].flatMap((m) =>
      monthCalendar(m, PRESTON)
        .filter((d) => d.bankHoliday)
        .map((d) => [d.date, d.bankHoliday]),
    );
    expect(holidays).toEqual([
      ['2026-01-01', "New Year's Day"],
      ['2026-04-03', 'Good Friday'],
      ['2026-04-06', 'Easter Monday'],
      ['2026-05-04', 'Early May bank holiday'],
      ['2026-05-25', 'Spring bank holiday'],
      ['2026-08-31', 'Summer bank holiday'],
      ['2026-12-25', 'Christmas Day'],
      ['2026-12-28', 'Boxing Day (substitute day)'],
    ]);
  });

  it('does not count Boxing Day 2026 itself (a Saturday) as a bank holiday: its substitute is Monday 28 December', () => {
    expect(bankHolidayOn('2026-12-26')).toBeNull();
    expect(bankHolidayOn('2026-12-28')).toBe('Boxing Day (substitute day)');
  });

  it('includes one-off bank holidays such as the coronation of King Charles III on 8 May 2023', () => {
    expect(bankHolidayOn('2023-05-08')).toMatch(/Coronation/);
    expect(bankHolidayOn('2023-01-02')).toBe("New Year's Day (substitute day)");
    expect(bankHolidayOn('2023-01-01')).toBeNull();
  });

  it('does not list Scottish or Northern Irish holidays', () => {
    expect(bankHolidayOn('2026-03-17')).toBeNull(); // St Patrick's Day (Northern Ireland)
    expect(bankHolidayOn('2026-01-02')).toBeNull(); // 2 January (Scotland)
    expect(bankHolidayOn('2026-07-13')).toBeNull(); // Battle of the Boyne substitute (Northern Ireland)
  });

  it('moves the UTC offset from GMT to BST on Sunday 29 March 2026 and back on Sunday 25 October 2026', () => {
    const march = monthCalendar('2026-03', PRESTON);
    expect(march.find((d) => d.date === '2026-03-28')!.utcOffsetMinutes).toBe(0);
    expect(march.find((d) => d.date === '2026-03-29')!.utcOffsetMinutes).toBe(60);
    expect(march.find((d) => d.date === '2026-03-29')!.sunrise).toMatch(/^2026-03-29T06:\d\d:\d\d\+01:00$/);
    const october = monthCalendar('2026-10', PRESTON);
    expect(october.find((d) => d.date === '2026-10-24')!.utcOffsetMinutes).toBe(60);
    expect(october.find((d) => d.date === '2026-10-25')!.utcOffsetMinutes).toBe(0);
    expect(october.find((d) => d.date === '2026-10-25')!.sunset).toMatch(/^2026-10-25T16:\d\d:\d\d\+00:00$/);
  });

  it('gives Preston sunrise and sunset within a few minutes of the published times', () => {
    // Published almanac times for Preston: midsummer sunrise about 04:41 BST and sunset about 21:46 BST,
    // midwinter sunrise about 08:24 GMT and sunset about 15:53 GMT.
    const june = monthCalendar('2026-06', PRESTON).find((d) => d.date === '2026-06-21')!;
    expect(minutesBetween(june.sunrise, '2026-06-21', '04:41')).toBeLessThan(4);
    expect(minutesBetween(june.sunset, '2026-06-21', '21:46')).toBeLessThan(4);
    const december = monthCalendar('2026-12', PRESTON).find((d) => d.date === '2026-12-21')!;
    expect(minutesBetween(december.sunrise, '2026-12-21', '08:24')).toBeLessThan(4);
    expect(minutesBetween(december.sunset, '2026-12-21', '15:53')).toBeLessThan(4);
  });

  it('refuses a month that is not YYYY-MM and an area off the map', () => {
    expect(() => monthCalendar('2026-13', PRESTON)).toThrow(/YYYY-MM/);
    expect(() => monthCalendar('2026-06', { lat: Number.NaN, lon: 0 })).toThrow(/latitude/);
  });
});

describe('darkMinutes', () => {
  const day = monthCalendar('2026-01', PRESTON).find((d) => d.date === '2026-01-15')!;
  const at = (hhmm: string) => localToEpochMs('2026-01-15', hhmm);

  it('counts none of a session in full daylight', () => {
    expect(darkMinutes(at('11:00'), at('13:00'), day)).toBe(0);
  });

  it('counts all of a session after sunset', () => {
    expect(darkMinutes(at('19:00'), at('21:00'), day)).toBe(120);
  });

  it('counts the part of a session before sunrise', () => {
    const sunrise = isoToEpochMs(day.sunrise);
    expect(darkMinutes(at('07:00'), at('10:00'), day)).toBeCloseTo((sunrise - at('07:00')) / 60_000, 6);
  });

  it('counts both ends of a session spanning the whole day', () => {
    const light = (isoToEpochMs(day.sunset) - isoToEpochMs(day.sunrise)) / 60_000;
    expect(darkMinutes(at('06:00'), at('22:00'), day)).toBeCloseTo(16 * 60 - light, 6);
  });

  it('is zero for an empty or reversed interval', () => {
    expect(darkMinutes(at('19:00'), at('19:00'), day)).toBe(0);
    expect(darkMinutes(at('20:00'), at('19:00'), day)).toBe(0);
  });
});
