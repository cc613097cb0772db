import { describe, expect, it } from 'vitest';
import { epochMsToIso, localToEpochMs } from '../calendar/time.ts';
import { checkPlan, type CheckedSession } from './check.ts';
import { EARLY, LATE, NIGHT, cleanPlan, fixtureInputs, fixtureSession as at, fixtureSite } from './test-fixtures.ts';
import type { PlannedSession } from './types.ts';

const kinds = (sessions: PlannedSession[], inputs = fixtureInputs()) => checkPlan(inputs, sessions).map((v) => v.kind);
const iso = (date: string, clock: string) => epochMsToIso(localToEpochMs(date, clock));

describe('checkPlan on a clean plan', () => {
  it('finds nothing wrong with a plan that meets every hard constraint', () => {
    expect(checkPlan(fixtureInputs(), cleanPlan())).toEqual([]);
  });

  it('ignores cancelled sessions, however wrong they are', () => {
    const cancelled: CheckedSession = { ...at(1, '2026-12-03', 'early', 3, 999, '07:00', '07:10'), status: 'cancelled' };
    expect(checkPlan(fixtureInputs(), [...cleanPlan(), cancelled])).toEqual([]);
  });

  it('accepts a shift that runs on bank holidays on Christmas Day', () => {
    expect(kinds([at(1, '2026-12-25', 'early', 1, 101, '07:06', '09:06')])).toEqual([]);
  });

  it('takes sessions in order of their `order`, not their position in the list', () => {
    expect(checkPlan(fixtureInputs(), cleanPlan().reverse())).toEqual([]);
  });
});

describe('checkPlan: sites', () => {
  it('reports a site that is not on the month’s eligible list', () => {
    const [v, ...rest] = checkPlan(fixtureInputs(), [at(1, '2026-12-03', 'early', 1, 999, '07:06', '09:06')]);
    expect(rest).toEqual([]);
    expect(v).toMatchObject({ kind: 'site_not_eligible', vanId: 1, date: '2026-12-03', shift: 'early', siteId: 999 });
    expect(v!.message).toBe("VAN-01 2026-12-03 early: site 999 is not on this month's list of eligible sites");
  });

  it('reports a site used on one of its blocked dates (suspension, expired risk assessment)', () => {
    const [v, ...rest] = checkPlan(fixtureInputs(), [at(1, '2026-12-15', 'early', 1, 103, '07:08', '09:08')]);
    expect(rest).toEqual([]);
    expect(v).toMatchObject({ kind: 'site_blocked_on_date', siteId: 103, date: '2026-12-15' });
    expect(v!.message).toContain('LAN-0103 may not be used on 2026-12-15');
  });
});

describe('checkPlan: vans and shifts', () => {
  it('reports a van on a date it is unavailable, and a van that does not exist', () => {
    const violations = checkPlan(fixtureInputs(), [at(2, '2026-12-10', 'early', 1, 201, '07:06', '09:06'), at(7, '2026-12-11', 'early', 1, 101, '07:06', '09:06')]);
    expect(violations.map((v) => [v.kind, v.vanId, v.date])).toEqual([
      ['van_unavailable', 2, '2026-12-10'],
      ['van_unavailable', 7, '2026-12-11'],
    ]);
    expect(violations[0]!.message).toBe('VAN-02 2026-12-10 early: VAN-02 is unavailable on 2026-12-10');
    expect(violations[1]!.message).toBe("van 7 2026-12-11 early: there is no van 7 in this month's inputs");
  });

  it('reports a van working a shift outside its own shift list', () => {
    const [v, ...rest] = checkPlan(fixtureInputs(), [at(2, '2026-12-07', 'office', 1, 201, '09:06', '11:06')]);
    expect(rest).toEqual([]);
    expect(v).toMatchObject({ kind: 'van_shift_not_allowed', vanId: 2, shift: 'office' });
    expect(v!.message).toBe('VAN-02 2026-12-07 office: VAN-02 works only early, late shifts, not office');
  });

  it('reports a shift on a weekday it does not run, on a bank holiday it skips, and an unknown shift code', () => {
    const violations = checkPlan(fixtureInputs(), [
      at(1, '2026-12-05', 'office', 1, 101, '09:06', '11:06'),
      at(1, '2026-12-25', 'office', 1, 102, '09:10', '11:10'),
      at(1, '2026-12-28', 'office', 1, 101, '09:06', '11:06'),
      at(1, '2026-12-31', 'dawn', 1, 101, '05:06', '07:06'),
    ]);
    expect(violations.map((v) => v.kind)).toEqual(['shift_not_on_day', 'shift_not_on_day', 'shift_not_on_day', 'shift_not_on_day']);
    expect(violations.map((v) => v.message)).toEqual([
      'VAN-01 2026-12-05 office: the office shift does not run on Saturdays (2026-12-05)',
      'VAN-01 2026-12-25 office: the office shift does not run on bank holidays and 2026-12-25 is Christmas Day',
      'VAN-01 2026-12-28 office: the office shift does not run on bank holidays and 2026-12-28 is Boxing Day (substitute day)',
      'VAN-01 2026-12-31 dawn: there is no shift template "dawn"',
    ]);
  });

  it('reports two overlapping shift windows worked by one van, even when the sessions do not overlap', () => {
    const violations = checkPlan(fixtureInputs(), [at(1, '2026-12-03', 'early', 1, 101, '07:06', '09:06'), at(1, '2026-12-03', 'midday', 1, 102, '10:10', '12:10')]);
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ kind: 'overlap', vanId: 1, date: '2026-12-03', shift: 'midday' });
    expect(violations[0]!.message).toBe('VAN-01 2026-12-03 midday: VAN-01 works early on 2026-12-03 (07:00–14:30) and midday on 2026-12-03 (10:00–18:00): the shift windows overlap');
  });

  it('reports a van in two places at once', () => {
    const violations = checkPlan(fixtureInputs(), [at(1, '2026-12-03', 'early', 1, 101, '09:30', '11:30'), at(1, '2026-12-03', 'midday', 1, 102, '10:10', '12:10')]);
    expect(violations.map((v) => v.kind)).toEqual(['overlap', 'overlap']);
    expect(violations[0]!.message).toBe('VAN-01 2026-12-03 midday: VAN-01 is at LAN-0102 10:10–12:10 while still at LAN-0101 (2026-12-03 early, 09:30–11:30)');
  });
});

describe('checkPlan: the order and timing of a van’s shift', () => {
  it('reports orders that are not 1..n (a gap or a duplicate)', () => {
    const gap = checkPlan(fixtureInputs(), [at(1, '2026-12-03', 'early', 1, 101, '07:06', '09:06'), at(1, '2026-12-03', 'early', 3, 102, '09:14', '11:14')]);
    expect(gap.map((v) => v.kind)).toEqual(['order']);
    expect(gap[0]!.message).toBe('VAN-01 2026-12-03 early: the session orders are 1, 3; expected 1, 2');
    const duplicate = checkPlan(fixtureInputs(), [at(1, '2026-12-03', 'early', 1, 101, '07:06', '09:06'), at(1, '2026-12-03', 'early', 1, 102, '09:14', '11:14')]);
    expect(duplicate.map((v) => v.kind)).toEqual(['order']);
  });

  it('reports an arrival at the first site before the drive from base allows', () => {
    const [v, ...rest] = checkPlan(fixtureInputs(), [at(1, '2026-12-03', 'early', 1, 101, '07:03', '09:03')]);
    expect(rest).toEqual([]);
    expect(v).toMatchObject({ kind: 'starts_before_shift', vanId: 1, date: '2026-12-03', shift: 'early', siteId: 101 });
    expect(v!.message).toBe('VAN-01 2026-12-03 early: arrives at LAN-0101 at 07:03 but the 6 min drive from base after the 07:00 start means 07:06 at the earliest');
  });

  it('reports an arrival sooner than the drive from the previous site allows', () => {
    const [v, ...rest] = checkPlan(fixtureInputs(), [at(1, '2026-12-03', 'early', 1, 101, '07:06', '09:06'), at(1, '2026-12-03', 'early', 2, 102, '09:10', '11:10')]);
    expect(rest).toEqual([]);
    expect(v).toMatchObject({ kind: 'travel_too_short', siteId: 102 });
    expect(v!.message).toBe('VAN-01 2026-12-03 early: arrives at LAN-0102 at 09:10 but leaves LAN-0101 at 09:06 and the drive takes 8 min, so 09:14 at the earliest');
  });

  it('reports a last departure that cannot reach base before the shift ends', () => {
    const [v, ...rest] = checkPlan(fixtureInputs(), [at(1, '2026-12-03', 'early', 1, 102, '12:25', '14:25')]);
    expect(rest).toEqual([]);
    expect(v).toMatchObject({ kind: 'ends_after_shift', siteId: 102 });
    expect(v!.message).toBe('VAN-01 2026-12-03 early: leaves LAN-0102 at 14:25 and the 10 min drive to base means 14:35 back, after the shift ends at 14:30');
  });

  it('allows up to a second of rounding between real-second travel and whole-minute times', () => {
    const inputs = fixtureInputs();
    const n = inputs.travel.size;
    inputs.travel.seconds[0 * n + 2] = 360.9; // base → 101: 6 min 0.9 s
    expect(kinds([at(1, '2026-12-03', 'early', 1, 101, '07:06', '09:06')], inputs)).toEqual([]);
    inputs.travel.seconds[0 * n + 2] = 361.5;
    expect(kinds([at(1, '2026-12-03', 'early', 1, 101, '07:06', '09:06')], inputs)).toEqual(['starts_before_shift']);
  });

  it('reports a session shorter than the session length', () => {
    const [v, ...rest] = checkPlan(fixtureInputs(), [at(1, '2026-12-03', 'early', 1, 101, '07:06', '08:36')]);
    expect(rest).toEqual([]);
    expect(v).toMatchObject({ kind: 'session_too_short', siteId: 101 });
    expect(v!.message).toBe('VAN-01 2026-12-03 early: the session at LAN-0101 (07:06–08:36) lasts 90 min, less than the 120 min required');
  });

  it('reports unparseable instants, instants without an offset and a departure not after the arrival', () => {
    const base = at(1, '2026-12-03', 'early', 1, 101, '07:06', '09:06');
    const violations = checkPlan(fixtureInputs(), [
      { ...base, arrive: 'tomorrow' },
      { ...base, siteId: 102, date: '2026-12-10', arrive: '2026-12-10T07:06:00' },
      { ...base, date: '2026-12-17', arrive: iso('2026-12-17', '09:06'), depart: iso('2026-12-17', '09:06') },
    ]);
    expect(violations.map((v) => [v.kind, v.date])).toEqual([
      ['bad_time', '2026-12-03'],
      ['bad_time', '2026-12-10'],
      ['bad_time', '2026-12-17'],
    ]);
    expect(violations[0]!.message).toBe('VAN-01 2026-12-03 early: arrive "tomorrow" at LAN-0101 is not an ISO 8601 date-time with an offset');
    expect(violations[2]!.message).toBe('VAN-01 2026-12-17 early: at LAN-0101 the departure 09:06 is not after the arrival 09:06');
  });

  it('reports an impossible instant such as 30 February or 24:00', () => {
    const base = at(1, '2026-12-03', 'early', 1, 101, '07:06', '09:06');
    expect(kinds([{ ...base, depart: '2026-12-30T24:00:00Z' }])).toEqual(['bad_time']);
    expect(kinds([{ ...base, arrive: '2026-02-30T07:06:00Z' }])).toEqual(['bad_time']);
  });

  it('reports a session whose arrival is on another day than its shift date, or dated outside the month', () => {
    const wrongDay = { ...at(1, '2026-12-04', 'early', 1, 101, '07:06', '09:06'), date: '2026-12-03' };
    expect(checkPlan(fixtureInputs(), [wrongDay]).map((v) => [v.kind, v.message])).toEqual([
      ['bad_time', "VAN-01 2026-12-03 early: arrives at LAN-0101 on 2026-12-04, not on the shift's date 2026-12-03"],
      // The session is measured against its shift on the 3rd, so it also ends long after that shift.
      ['ends_after_shift', 'VAN-01 2026-12-03 early: leaves LAN-0101 at 09:06 on 2026-12-04 and the 6 min drive to base means 09:12 on 2026-12-04 back, after the shift ends at 14:30'],
    ]);
    const nextMonth = checkPlan(fixtureInputs(), [at(1, '2027-01-04', 'early', 1, 101, '07:06', '09:06')]);
    expect(nextMonth.map((v) => [v.kind, v.message])).toEqual([['bad_time', 'VAN-01 2027-01-04 early: the session\'s date "2027-01-04" is outside the plan\'s month 2026-12']]);
  });
});

describe('checkPlan: site time restrictions', () => {
  it('reports a daylight-only site enforced past sunset', () => {
    const [v, ...rest] = checkPlan(fixtureInputs(), [at(2, '2026-12-05', 'late', 1, 202, '14:44', '16:44')]);
    expect(rest).toEqual([]);
    expect(v).toMatchObject({ kind: 'time_restriction', siteId: 202, vanId: 2, date: '2026-12-05', shift: 'late' });
    expect(v!.message).toMatch(/^VAN-02 2026-12-05 late: LAN-0202 is daylight only but the session 14:44–16:44 ends after sunset at 15:5\d$/);
  });

  it('reports a no-weekends site enforced on a Saturday', () => {
    const [v, ...rest] = checkPlan(fixtureInputs(), [at(2, '2026-12-05', 'early', 1, 203, '07:06', '09:06')]);
    expect(rest).toEqual([]);
    expect(v!.message).toBe('VAN-02 2026-12-05 early: LAN-0203 is never enforced at weekends but the session 07:06–09:06 falls on Saturday 2026-12-05');
  });

  it('reports a school-times site enforced at a weekend, on a bank holiday or outside the school windows', () => {
    const violations = checkPlan(fixtureInputs(), [
      at(1, '2026-12-05', 'early', 1, 104, '07:30', '09:30'),
      at(1, '2026-12-09', 'early', 1, 104, '08:00', '10:00'),
      at(1, '2026-12-28', 'early', 1, 104, '07:30', '09:30'),
      // Worked shifts between the visits to 104, so they are not consecutive shifts.
      at(2, '2026-12-07', 'early', 1, 201, '07:06', '09:06'),
      at(2, '2026-12-20', 'early', 1, 201, '07:06', '09:06'),
    ]);
    expect(violations.map((v) => v.kind)).toEqual(['time_restriction', 'time_restriction', 'time_restriction']);
    expect(violations.map((v) => v.message)).toEqual([
      'VAN-01 2026-12-05 early: LAN-0104 is enforced in school times only, and 2026-12-05 is a Saturday',
      'VAN-01 2026-12-09 early: LAN-0104 is enforced in school times only (07:30–09:30 or 14:30–16:30) but the session is 08:00–10:00',
      'VAN-01 2026-12-28 early: LAN-0104 is enforced in school times only, and 2026-12-28 is Boxing Day (substitute day)',
    ]);
  });

  it('accepts a school-times site on a school day inside a window', () => {
    expect(kinds([at(1, '2026-12-09', 'early', 1, 104, '07:30', '09:30')])).toEqual([]);
  });

  it('reports a session that spills out of the site’s own time window', () => {
    const [v, ...rest] = checkPlan(fixtureInputs(), [at(1, '2026-12-09', 'early', 1, 105, '09:00', '11:00')]);
    expect(rest).toEqual([]);
    expect(v!.message).toBe('VAN-01 2026-12-09 early: LAN-0105 may only be enforced 10:00–12:00 but the session is 09:00–11:00');
  });
});

describe('checkPlan: rotation', () => {
  it('reports two visits to one site fewer than the minimum gap apart, naming both', () => {
    // A shift worked on the 4th keeps the two visits out of consecutive shifts.
    const violations = checkPlan(fixtureInputs(), [at(1, '2026-12-03', 'early', 1, 101, '07:06', '09:06'), at(1, '2026-12-04', 'early', 1, 102, '07:10', '09:10'), at(2, '2026-12-05', 'late', 1, 101, '14:56', '16:56')]);
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ kind: 'min_gap', vanId: 2, date: '2026-12-05', shift: 'late', siteId: 101 });
    expect(violations[0]!.message).toBe('VAN-02 2026-12-05 late: LAN-0101 is visited on 2026-12-03 (VAN-01 early) and again on 2026-12-05 (VAN-02 late): 2 days apart, but the minimum gap is 3 days');
  });

  it('counts a second visit the same day, and visits in last month’s plan', () => {
    const inputs = fixtureInputs({ history: [{ siteId: 101, date: '2026-11-30', shift: 'late', vanId: 2 }] });
    const violations = checkPlan(inputs, [at(1, '2026-12-01', 'early', 1, 101, '07:06', '09:06'), at(1, '2026-12-01', 'late', 1, 101, '14:36', '16:36')]);
    // Last month's late shift on the 30th, then the early and late shifts on the 1st: also consecutive shifts.
    expect(violations.map((v) => [v.kind, v.shift])).toEqual([
      ['min_gap', 'early'],
      ['consecutive_shifts', 'early'],
      ['min_gap', 'late'],
      ['consecutive_shifts', 'late'],
    ]);
    expect(violations[0]!.message).toBe('VAN-01 2026-12-01 early: LAN-0101 is visited on 2026-11-30 (VAN-02 late, last month) and again on 2026-12-01 (VAN-01 early): 1 day apart, but the minimum gap is 3 days');
    expect(violations[2]!.message).toContain('the same day');
  });

  it('reports a site visited in consecutive shifts, across vans and across midnight', () => {
    const inputs = fixtureInputs({ shifts: [EARLY, LATE], options: { ...fixtureInputs().options, minGapDays: 1 } });
    const violations = checkPlan(inputs, [at(1, '2026-12-05', 'late', 1, 101, '14:36', '16:36'), at(2, '2026-12-06', 'early', 1, 101, '07:26', '09:26')]);
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ kind: 'consecutive_shifts', vanId: 2, date: '2026-12-06', shift: 'early', siteId: 101 });
    expect(violations[0]!.message).toBe('VAN-02 2026-12-06 early: LAN-0101 is visited in consecutive shifts: 2026-12-05 late (VAN-01) and 2026-12-06 early (VAN-02)');
  });

  it('orders the plan’s worked shifts: a site visited on both sides of a shift nobody works is in consecutive shifts', () => {
    const inputs = fixtureInputs({ options: { ...fixtureInputs().options, minGapDays: 1 } });
    // The night shift (22:00–06:00) runs between late on the 5th and early on the 6th, but no van works it.
    const violations = checkPlan(inputs, [at(1, '2026-12-05', 'late', 1, 101, '14:36', '16:36'), at(2, '2026-12-06', 'early', 1, 101, '07:26', '09:26')]);
    expect(violations.map((v) => [v.kind, v.message])).toEqual([
      ['consecutive_shifts', 'VAN-02 2026-12-06 early: LAN-0101 is visited in consecutive shifts: 2026-12-05 late (VAN-01) and 2026-12-06 early (VAN-02)'],
    ]);
  });

  it('does not call two shifts consecutive when a shift between them is worked', () => {
    const inputs = fixtureInputs({ options: { ...fixtureInputs().options, minGapDays: 1 } });
    const sessions = [
      at(1, '2026-12-05', 'late', 1, 101, '14:36', '16:36'),
      // VAN-01 works the night shift between them, at another site.
      at(1, '2026-12-05', 'night', 1, 102, '22:10', '00:10', '2026-12-06'),
      at(2, '2026-12-06', 'early', 1, 101, '07:26', '09:26'),
    ];
    expect(kinds(sessions, inputs)).toEqual([]);
  });

  it('puts last month’s shifts before the plan’s: the first worked shift follows the last one of history', () => {
    const history = [
      { siteId: 101, date: '2026-11-25', shift: 'late', vanId: 2 },
      { siteId: 102, date: '2026-11-20', shift: 'early', vanId: 1 },
    ];
    const inputs = fixtureInputs({ history });
    const violations = checkPlan(inputs, [at(1, '2026-12-04', 'early', 1, 101, '07:06', '09:06')]);
    expect(violations.map((v) => [v.kind, v.message])).toEqual([
      ['consecutive_shifts', 'VAN-01 2026-12-04 early: LAN-0101 is visited in consecutive shifts: 2026-11-25 late (VAN-02, last month) and 2026-12-04 early (VAN-01)'],
    ]);
    // A worked shift before it (the 2nd) puts one between them; a site of an earlier history slot is not next to it.
    expect(kinds([at(1, '2026-12-02', 'early', 1, 102, '07:10', '09:10'), at(1, '2026-12-04', 'early', 1, 101, '07:06', '09:06')], inputs)).toEqual([]);
  });
});

describe('checkPlan: travel', () => {
  it('reports a leg the travel matrix has no entry for instead of counting it as no drive', () => {
    const inputs = fixtureInputs();
    inputs.sites.find((s) => s.id === 101)!.travelIndex = 99;
    const violations = checkPlan(inputs, [at(1, '2026-12-03', 'early', 1, 101, '07:00', '09:00'), at(1, '2026-12-03', 'early', 2, 102, '09:14', '11:14')]);
    expect(violations.map((v) => [v.kind, v.siteId, v.message])).toEqual([
      ['bad_time', 101, "VAN-01 2026-12-03 early: the travel matrix (10 locations) has no travel time from VAN-01's base (travel index 0) to LAN-0101 (travel index 99), so this leg cannot be checked"],
      ['bad_time', 102, 'VAN-01 2026-12-03 early: the travel matrix (10 locations) has no travel time from LAN-0101 (travel index 99) to LAN-0102 (travel index 3), so this leg cannot be checked'],
    ]);
    const n = inputs.travel.size;
    inputs.sites.find((s) => s.id === 101)!.travelIndex = 2;
    inputs.travel.seconds[2 * n + 0] = Number.NaN; // 101 → base
    expect(checkPlan(inputs, [at(1, '2026-12-03', 'early', 1, 101, '07:06', '09:06')]).map((v) => v.message)).toEqual([
      "VAN-01 2026-12-03 early: the travel matrix (10 locations) has no travel time from LAN-0101 (travel index 2) to VAN-01's base (travel index 0), so this leg cannot be checked",
    ]);
  });
});

describe('checkPlan across the clock changes', () => {
  it('measures a night shift into 29 March 2026 as 7 hours: back by 06:00 BST', () => {
    const inputs = fixtureInputs({ month: '2026-03', shifts: [EARLY, LATE, NIGHT] });
    const night = (arrive: string, depart: string): PlannedSession => ({ ...at(1, '2026-03-28', 'night', 1, 101, '22:00', '23:00'), arrive, depart });
    expect(kinds([night(iso('2026-03-29', '03:00'), iso('2026-03-29', '05:50'))], inputs)).toEqual([]);
    // 8 hours of wall clock from 22:00 GMT would end at 07:00 BST; the real end is 06:00 BST.
    const late = checkPlan(inputs, [night(iso('2026-03-29', '03:58'), iso('2026-03-29', '05:58'))]);
    expect(late.map((v) => [v.kind, v.message])).toEqual([
      ['ends_after_shift', 'VAN-01 2026-03-28 night: leaves LAN-0101 at 05:58 on 2026-03-29 and the 6 min drive to base means 06:04 on 2026-03-29 back, after the shift ends at 06:00 on 2026-03-29'],
    ]);
  });

  it('measures the early shift on 29 March 2026 in BST', () => {
    const inputs = fixtureInputs({ month: '2026-03' });
    expect(kinds([at(1, '2026-03-29', 'early', 1, 101, '07:06', '09:06')], inputs)).toEqual([]);
    // 06:06 GMT is 07:06 BST: the same instant written with the other offset is the same arrival.
    expect(kinds([{ ...at(1, '2026-03-29', 'early', 1, 101, '07:06', '09:06'), arrive: '2026-03-29T06:06:00Z' }], inputs)).toEqual([]);
    expect(kinds([{ ...at(1, '2026-03-29', 'early', 1, 101, '07:06', '09:06'), arrive: '2026-03-29T06:06:00+00:00', depart: '2026-03-29T08:06:00+00:00' }], inputs)).toEqual([]);
    expect(kinds([{ ...at(1, '2026-03-29', 'early', 1, 101, '07:06', '09:06'), arrive: '2026-03-29T07:06:00+00:00', depart: '2026-03-29T09:06:00+00:00' }], inputs)).toEqual([]);
    expect(kinds([{ ...at(1, '2026-03-29', 'early', 1, 101, '07:06', '09:06'), arrive: '2026-03-29T05:06:00+00:00', depart: '2026-03-29T07:06:00+00:00' }], inputs)).toEqual(['starts_before_shift']);
  });

  it('measures a night shift into 25 October 2026 as 9 hours: 22:00 BST to 06:00 GMT', () => {
    const inputs = fixtureInputs({ month: '2026-10', shifts: [EARLY, LATE, NIGHT] });
    const night = (order: number, siteId: number, arrive: string, depart: string): PlannedSession => ({ ...at(1, '2026-10-24', 'night', order, siteId, '22:00', '23:00'), arrive, depart });
    const sessions = [
      night(1, 101, iso('2026-10-24', '22:06'), iso('2026-10-25', '00:06')),
      // 00:14 BST to 01:14 GMT is two hours: the clocks go back at 02:00 BST.
      night(2, 102, '2026-10-25T00:14:00+01:00', '2026-10-25T01:14:00+00:00'),
      night(3, 103, '2026-10-25T01:20:00+00:00', '2026-10-25T03:20:00+00:00'),
      night(4, 101, '2026-10-25T03:30:00+00:00', '2026-10-25T05:50:00+00:00'),
    ];
    // Two visits to 101 in one shift break the minimum gap, nothing else: the 9-hour window holds them all.
    expect(kinds(sessions, inputs)).toEqual(['min_gap']);
  });
});

describe('checkPlan performance', () => {
  it('checks 2500 sessions over 600 sites and 30 days in well under a second', () => {
    const sites = Array.from({ length: 600 }, (_, i) => fixtureSite(1000 + i, `D${i % 12}`, 1, 1, 330_000 + (i % 30) * 1000, 420_000 + Math.floor(i / 30) * 1000));
    const vans = Array.from({ length: 42 }, (_, i) => ({ id: i + 1, callSign: `VAN-${i + 1}`, baseTravelIndex: i % 2, baseX: 0, baseY: 0, shiftCodes: [], unavailableDates: [] }));
    const inputs = fixtureInputs({ sites, vans, shifts: [EARLY, LATE] });
    const sessions: PlannedSession[] = [];
    for (let day = 1; day <= 30 && sessions.length < 2500; day++) {
      const date = `2026-12-${String(day).padStart(2, '0')}`;
      for (const van of vans) {
        for (const [shift, starts] of [['early', 8], ['late', 15]] as const) {
          for (let order = 1; order <= 1; order++) {
            const siteId = 1000 + ((day * 97 + van.id * 31 + starts) % 600);
            sessions.push(at(van.id, date, shift, order, siteId, `${String(starts).padStart(2, '0')}:00`, `${String(starts + 2).padStart(2, '0')}:00`));
          }
        }
      }
    }
    const started = performance.now();
    checkPlan(inputs, sessions.slice(0, 2500));
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
