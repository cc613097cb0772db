import { describe, expect, it } from 'vitest';
import { dfTDayOfWeek, isMissingValue, parseDate, parseDecimal, parseInteger, parseText, parseTime, RangeValueError, ValueError } from './values.ts';

describe('STATS19 value parsing', () => {
  it('treats empty, -1 and NULL as missing', () => {
    expect(['', '-1', 'NULL'].map(isMissingValue)).toEqual([true, true, true]);
    expect(['0', '1', 'null', '-2'].map(isMissingValue)).toEqual([false, false, false, false]);
  });

  it('parses dd/mm/yyyy dates that exist into ISO dates', () => {
    expect(parseDate('01/01/2023')).toBe('2023-01-01');
    expect(parseDate('29/02/2024')).toBe('2024-02-29');
    expect(parseDate('5/7/2019')).toBe('2019-07-05');
  });

  it.each(['31/02/2023', '29/02/2023', '00/01/2023', '12/13/2023', '2023-01-01', '01/01/23', '', 'NULL'])('rejects the date %j', (raw) => {
    expect(() => parseDate(raw)).toThrow(new ValueError('is not a valid dd/mm/yyyy date'));
  });

  it('gives the DfT day of week (1 Sunday … 7 Saturday)', () => {
    expect(dfTDayOfWeek('2023-01-01')).toBe(1);
    expect(dfTDayOfWeek('2024-07-20')).toBe(7);
  });

  it('parses HH:MM times, tolerating seconds and a one-digit hour, and missing times as null', () => {
    expect(parseTime('14:45')).toBe('14:45');
    expect(parseTime('7:05')).toBe('07:05');
    expect(parseTime('23:59:59')).toBe('23:59');
    expect(parseTime('')).toBeNull();
    expect(parseTime('-1')).toBeNull();
  });

  it.each(['25:61', '24:00', '12:60', '1245', '12:5', 'noon'])('rejects the time %j', (raw) => {
    expect(() => parseTime(raw)).toThrow('is not a valid HH:MM time');
  });

  it('parses whole numbers within a range and says which range a value breaks', () => {
    expect(parseInteger('30', 0, 99)).toBe(30);
    expect(parseInteger(' 7 ', 0, 99)).toBe(7);
    expect(parseInteger('-1', 0, 99)).toBeNull();
    expect(() => parseInteger('3.5', 0, 99)).toThrow('is not a whole number');
    expect(() => parseInteger('x', 0, 99)).toThrow('is not a whole number');
    expect(() => parseInteger('150', 0, 99)).toThrow(new RangeValueError('is outside 0–99'));
  });

  it('parses decimals within a range', () => {
    expect(parseDecimal('-2.490762', -9, 2.1)).toBe(-2.490762);
    expect(parseDecimal('0.871', 0, 1)).toBe(0.871);
    expect(parseDecimal('NULL', 0, 1)).toBeNull();
    expect(() => parseDecimal('1.5', 0, 1)).toThrow(RangeValueError);
    expect(() => parseDecimal('1,5', 0, 1)).toThrow('is not a number');
  });

  it('keeps text as written but trimmed, with missing markers as null', () => {
    expect(parseText(' E01012593 ')).toBe('E01012593');
    expect(parseText('-1')).toBeNull();
  });
});
