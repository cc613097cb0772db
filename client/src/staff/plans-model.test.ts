import { describe, expect, it } from 'vitest';
import { calendarGrid, londonToday, datesOfMonth, daySessions, deliveryRows, formatMeasure, localClock, measureRows, offenceCounts, planVans, type PlanSessionView } from './plans-model.ts';

const session = (over: Partial<PlanSessionView>): PlanSessionView => ({
  id: 1,
  vanId: 1,
  vanCallSign: 'VAN-01',
  date: '2026-03-02',
  shift: 'early',
  order: 1,
  siteId: 10,
  siteText: 'A6 Garstang Rd (30mph), Broughton',
  districtCode: 'E07000123',
  arrive: '2026-03-02T07:30:00+00:00',
  depart: '2026-03-02T09:30:00+00:00',
  fallbackSiteIds: [],
  status: 'planned',
  reason: null,
  delivered: null,
  ...over,
});

describe('dates and clock times', () => {
  it('lists every day of a month, leap years included', () => {
    expect(datesOfMonth('2028-02')).toHaveLength(29);
    expect(datesOfMonth('2026-03').at(-1)).toBe('2026-03-31');
  });
  it('knows the London date at midnight in summer time', () => {
    expect(londonToday(new Date('2026-06-30T23:30:00Z'))).toBe('2026-07-01');
  });
  it('reads instants as London clock time on both sides of the clock change', () => {
    expect(localClock('2026-03-28T09:05:00+00:00')).toBe('09:05');
    expect(localClock('2026-03-29T09:05:00+01:00')).toBe('09:05');
    // The same instant written in UTC still shows London's summer time.
    expect(localClock('2026-03-29T08:05:00Z')).toBe('09:05');
  });
});

describe('the calendar', () => {
  const sessions = [
    session({ id: 3, vanId: 2, vanCallSign: 'VAN-10', order: 1 }),
    session({ id: 2, order: 2, arrive: '2026-03-02T10:00:00+00:00', depart: '2026-03-02T12:00:00+00:00' }),
    session({ id: 1, order: 1 }),
    session({ id: 4, shift: 'late', order: 1, arrive: '2026-03-02T15:00:00+00:00', depart: '2026-03-02T17:00:00+00:00' }),
  ];
  it('orders vans by call sign, numbers counted as numbers', () => {
    expect(planVans([...sessions, session({ vanId: 3, vanCallSign: 'VAN-2' })]).map((v) => v.callSign)).toEqual(['VAN-01', 'VAN-2', 'VAN-10']);
  });
  it('puts each van’s shifts of a day in one cell, sessions in their order', () => {
    const cells = calendarGrid(sessions).get('2026-03-02')!.get(1)!;
    expect(cells.map((c) => c.shift)).toEqual(['early', 'late']);
    expect(cells[0]!.sessions.map((s) => s.id)).toEqual([1, 2]);
  });
  it('lists a day per van and shift for the day view', () => {
    expect(daySessions(sessions, '2026-03-02').map((g) => `${g.callSign} ${g.shift} ${g.sessions.length}`)).toEqual(['VAN-01 early 2', 'VAN-01 late 1', 'VAN-10 early 1']);
    expect(daySessions(sessions, '2026-03-03')).toEqual([]);
  });
});

describe('measures and delivery', () => {
  it('writes a value the way its target is written', () => {
    expect(formatMeasure(0.2734, '25%–30%')).toBe('27.3%');
    expect(formatMeasure(0.8312, '≥ 0.8')).toBe('0.83');
    expect(formatMeasure(0, '0')).toBe('0');
    expect(formatMeasure(null, '≤ 14 days')).toBe('–');
  });
  it('gives every target a row with a readable name and its verdict', () => {
    const rows = measureRows({ targets: { violations: { value: 0, target: '0', met: true }, someNewMeasure: { value: 2, target: '≤ 1', met: false } } } as never);
    expect(rows).toEqual([
      { key: 'violations', label: 'Hard-constraint violations', value: '0', target: '0', met: true },
      { key: 'someNewMeasure', label: 'Some New Measure', value: '2', target: '≤ 1', met: false },
    ]);
  });
  it('reads delivery rows and offence counts in either shape', () => {
    expect(deliveryRows([{ districtName: 'Preston', plannedHours: 10, deliveredHours: 8 }])[0]).toMatchObject({ label: 'Preston', plannedHours: 10, deliveredHours: 8 });
    expect(offenceCounts({ speeding: 4, seatBelt: 1 })).toEqual([
      { label: 'Speeding', value: 4 },
      { label: 'Seat belt', value: 1 },
    ]);
    expect(offenceCounts([{ offence: 'mobilePhone', count: 2 }])).toEqual([{ label: 'Mobile phone', value: 2 }]);
  });
});
