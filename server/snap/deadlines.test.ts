import { describe, expect, it } from 'vitest';
import {
  computeDeadlines,
  DEFAULT_OFFENCE_DEADLINES,
  deadlineUrgency,
  isWorkingDay,
  offenceDeadlineConfig,
  submissionWindow,
  workingDaysAfter,
  workingDaysBefore,
} from './deadlines.ts';
import { OFFENCE_TYPES } from './messages.ts';

// Each case worked by hand on a calendar: day 14 = incident + 14; the last working day on or before
// it; then two working days back (first-class post is deemed served on the second working day after posting).
describe('notice and posting deadlines', () => {
  it('gives the issue example (Wed 18 Nov 2026) notice by Wed 2 Dec and post by Mon 30 Nov, across a month end and a weekend', () => {
    // 2 Dec is a Wednesday: back Tue 1 Dec (1), Mon 30 Nov (2).
    expect(computeDeadlines('2026-11-18', 'close_pass')).toEqual({
      noticeRequired: true,
      noticeBy: '2026-12-02',
      postBy: '2026-11-30',
      submitBy: '2026-11-25',
      warnUntil: '2026-11-28',
    });
  });

  it('posts two working days before the Friday when day 14 is a Sunday, not two days before the Sunday', () => {
    // Sun 15 Nov → day 14 Sun 29 Nov; last working day Fri 27; back Thu 26 (1), Wed 25 (2).
    // Posting Thu 26 would be served Mon 30, a day late.
    const d = computeDeadlines('2026-11-15', 'careless_driving');
    expect(d.noticeBy).toBe('2026-11-29');
    expect(d.postBy).toBe('2026-11-25');
    expect(workingDaysAfter(d.postBy!, 2)).toBe('2026-11-27');
  });

  it('skips a weekend between posting and day 14 on a Monday', () => {
    // Mon 16 Nov → day 14 Mon 30 Nov; back Fri 27 (1), Thu 26 (2).
    expect(computeDeadlines('2026-11-16', 'red_light').postBy).toBe('2026-11-26');
  });

  it('handles Christmas 2026: Christmas Day on Friday and Boxing Day substituted to Monday 28 December', () => {
    // Mon 14 Dec → day 14 Mon 28 Dec (bank holiday); Sun 27, Sat 26, Fri 25 (holiday) → Thu 24; back Wed 23 (1), Tue 22 (2).
    expect(computeDeadlines('2026-12-14', 'dangerous_driving')).toMatchObject({ noticeBy: '2026-12-28', postBy: '2026-12-22' });
    // Tue 15 Dec → day 14 Tue 29 Dec (a working day); back Mon 28 (holiday), Sun, Sat, Fri 25 (holiday), Thu 24 (1), Wed 23 (2).
    expect(computeDeadlines('2026-12-15', 'dangerous_driving')).toMatchObject({ noticeBy: '2026-12-29', postBy: '2026-12-23' });
    // Fri 11 Dec → day 14 Fri 25 Dec (Christmas Day) → Thu 24; back Wed 23 (1), Tue 22 (2).
    expect(computeDeadlines('2026-12-11', 'dangerous_driving')).toMatchObject({ noticeBy: '2026-12-25', postBy: '2026-12-22' });
  });

  it('crosses the year end with New Year’s Day 2027 on a Friday', () => {
    // Fri 18 Dec → day 14 Fri 1 Jan 2027 (holiday) → Thu 31 Dec; back Wed 30 (1), Tue 29 (2).
    expect(computeDeadlines('2026-12-18', 'mobile_phone')).toMatchObject({ noticeBy: '2027-01-01', postBy: '2026-12-29', submitBy: '2026-12-25', warnUntil: '2026-12-28' });
    // Tue 22 Dec → day 14 Tue 5 Jan 2027; back Mon 4 Jan (1), Sun, Sat, Fri 1 (holiday), Thu 31 Dec (2).
    expect(computeDeadlines('2026-12-22', 'mobile_phone')).toMatchObject({ noticeBy: '2027-01-05', postBy: '2026-12-31' });
  });

  it('handles Easter 2027: Good Friday 26 March and Easter Monday 29 March', () => {
    // Sun 14 Mar → day 14 Sun 28 Mar (Easter Day); Sat 27, Fri 26 (Good Friday) → Thu 25; back Wed 24 (1), Tue 23 (2).
    expect(computeDeadlines('2027-03-14', 'solid_white_lines')).toMatchObject({ noticeBy: '2027-03-28', postBy: '2027-03-23' });
    // Mon 15 Mar → day 14 Mon 29 Mar (Easter Monday) → Thu 25 → Tue 23: only 8 days after the incident.
    expect(computeDeadlines('2027-03-15', 'solid_white_lines')).toMatchObject({ noticeBy: '2027-03-29', postBy: '2027-03-23' });
    // Tue 16 Mar → day 14 Tue 30 Mar; back Mon 29 (holiday), Sun, Sat, Fri 26 (holiday), Thu 25 (1), Wed 24 (2).
    expect(computeDeadlines('2027-03-16', 'solid_white_lines')).toMatchObject({ noticeBy: '2027-03-30', postBy: '2027-03-24' });
  });

  it('handles Christmas 2027, when both Christmas Day and Boxing Day fall at the weekend', () => {
    // Tue 14 Dec → day 14 Tue 28 Dec (Boxing Day substitute); Mon 27 (Christmas substitute), Sun, Sat → Fri 24; back Thu 23 (1), Wed 22 (2).
    expect(computeDeadlines('2027-12-14', 'seat_belt')).toMatchObject({ noticeBy: '2027-12-28', postBy: '2027-12-22' });
  });

  it('handles the end of February in a common year and a leap year, and the August bank holiday', () => {
    // Sat 14 Feb 2026 → day 14 Sat 28 Feb → Fri 27; back Thu 26 (1), Wed 25 (2).
    expect(computeDeadlines('2026-02-14', 'other')).toMatchObject({ noticeBy: '2026-02-28', postBy: '2026-02-25' });
    // Mon 16 Feb 2026 → day 14 Mon 2 Mar; back Fri 27 Feb (1), Thu 26 Feb (2).
    expect(computeDeadlines('2026-02-16', 'other')).toMatchObject({ noticeBy: '2026-03-02', postBy: '2026-02-26' });
    // Sun 20 Feb 2028 → day 14 Sun 5 Mar (29 Feb counts) → Fri 3; back Thu 2 (1), Wed 1 Mar (2).
    expect(computeDeadlines('2028-02-20', 'other')).toMatchObject({ noticeBy: '2028-03-05', postBy: '2028-03-01' });
    // Tue 18 Aug 2026 → day 14 Tue 1 Sep; back Mon 31 Aug (holiday), Sun, Sat, Fri 28 (1), Thu 27 (2).
    expect(computeDeadlines('2026-08-18', 'other')).toMatchObject({ noticeBy: '2026-09-01', postBy: '2026-08-27' });
  });

  it('gives no notice or posting date for an offence type configured as needing no notice', () => {
    const config = offenceDeadlineConfig({ seat_belt: { noticeRequired: false } });
    expect(computeDeadlines('2026-11-18', 'seat_belt', config)).toEqual({
      noticeRequired: false,
      noticeBy: null,
      postBy: null,
      submitBy: '2026-11-25',
      warnUntil: '2026-11-28',
    });
  });

  it('refuses a date that is not a real calendar date', () => {
    expect(() => computeDeadlines('2026-02-30', 'other')).toThrow('the incident date must be a date YYYY-MM-DD (got 2026-02-30)');
    expect(() => computeDeadlines('18/11/2026', 'other')).toThrow(RangeError);
  });
});

describe('working days', () => {
  it('counts weekdays that are not England and Wales bank holidays', () => {
    expect(isWorkingDay('2026-11-18')).toBe(true); // Wednesday
    expect(isWorkingDay('2026-11-21')).toBe(false); // Saturday
    expect(isWorkingDay('2026-12-28')).toBe(false); // Boxing Day substitute
    expect(isWorkingDay('2027-03-26')).toBe(false); // Good Friday
    expect(isWorkingDay('2026-03-17')).toBe(true); // St Patrick's Day is Northern Ireland's
  });

  it('steps over weekends and holidays in both directions', () => {
    expect(workingDaysBefore('2026-12-29', 2)).toBe('2026-12-23');
    expect(workingDaysAfter('2026-12-23', 2)).toBe('2026-12-29');
    expect(workingDaysAfter('2026-11-27', 1)).toBe('2026-11-30');
  });
});

describe('the submission window', () => {
  it('is ok from the incident day up to and including day 7', () => {
    expect(submissionWindow('2026-11-18', 'close_pass', '2026-11-18')).toMatchObject({ status: 'ok', daysAgo: 0, message: null });
    expect(submissionWindow('2026-11-18', 'close_pass', '2026-11-25')).toMatchObject({ status: 'ok', daysAgo: 7 });
  });

  it('warns on days 8 to 10, naming the last posting date', () => {
    const w = submissionWindow('2026-11-18', 'close_pass', '2026-11-26');
    expect(w.status).toBe('warning');
    expect(w.pastPostBy).toBe(false);
    expect(w.message).toBe(
      'This happened 8 days ago, later than the 7 days we ask for. You can still send it, but we may not be able to review it in time to act. ' +
        'The last day we can post a notice to the registered keeper is 2026-11-30.',
    );
    expect(submissionWindow('2026-11-18', 'close_pass', '2026-11-28').status).toBe('warning');
  });

  it('refuses from day 11 with the reason and where to go instead', () => {
    const w = submissionWindow('2026-11-18', 'close_pass', '2026-11-29');
    expect(w.status).toBe('refused');
    expect(w.message).toContain('This happened 11 days ago. We can only accept footage within 10 days');
    expect(w.message).toContain('report it as a community concern');
  });

  it('says so when the last posting date has already gone within the warning days (Easter)', () => {
    // Mon 15 Mar 2027: postBy Tue 23 Mar is day 8; on day 9 it has gone.
    expect(submissionWindow('2027-03-15', 'red_light', '2027-03-23')).toMatchObject({ status: 'warning', pastPostBy: false });
    const w = submissionWindow('2027-03-15', 'red_light', '2027-03-24');
    expect(w).toMatchObject({ status: 'warning', pastPostBy: true });
    expect(w.message).toContain('the last day we could post a notice of intended prosecution was 2027-03-23');
  });

  it('follows the configured window of an offence type', () => {
    const config = offenceDeadlineConfig({ mobile_phone: { windowDays: 3, warnUntilDays: 5 } });
    expect(submissionWindow('2026-11-18', 'mobile_phone', '2026-11-22', config).status).toBe('warning');
    expect(submissionWindow('2026-11-18', 'mobile_phone', '2026-11-24', config).status).toBe('refused');
    expect(submissionWindow('2026-11-18', 'close_pass', '2026-11-24', config).status).toBe('ok');
  });
});

describe('the deadline configuration', () => {
  it('requires a notice for every offence type by default, with the 7 and 10 day window', () => {
    expect(Object.keys(DEFAULT_OFFENCE_DEADLINES).sort()).toEqual([...OFFENCE_TYPES].sort());
    for (const rule of Object.values(DEFAULT_OFFENCE_DEADLINES)) expect(rule).toEqual({ noticeRequired: true, windowDays: 7, warnUntilDays: 10 });
  });

  it('refuses unknown offence types and windows that end before they start', () => {
    expect(() => offenceDeadlineConfig({ speeding: { windowDays: 3 } } as never)).toThrow('unknown offence type in the deadline configuration: speeding');
    expect(() => offenceDeadlineConfig({ red_light: { windowDays: 7, warnUntilDays: 5 } })).toThrow('warnUntilDays of red_light must be a whole number of days ≥ windowDays 7 (got 5)');
    expect(() => offenceDeadlineConfig({ red_light: { windowDays: 1.5 } })).toThrow('windowDays of red_light must be a whole number');
  });
});

describe('urgency in the reviewer queue', () => {
  it('is missed after the last posting date, due today on it, at risk within two working days, else in time', () => {
    expect(deadlineUrgency('2026-11-30', '2026-12-01')).toBe('missed');
    expect(deadlineUrgency('2026-11-30', '2026-11-30')).toBe('due_today');
    // Thu 26: two working days ahead is Mon 30.
    expect(deadlineUrgency('2026-11-30', '2026-11-26')).toBe('at_risk');
    expect(deadlineUrgency('2026-11-30', '2026-11-25')).toBe('in_time');
    expect(deadlineUrgency(null, '2026-12-25')).toBe('in_time');
  });
});
