import { describe, expect, it } from 'vitest';
import { monthCalendar } from '../calendar/month.ts';
import { withDefaults } from './options.ts';
import { EARLY_SHIFT, LANCASHIRE_AREA, LATE_SHIFT, straightLineTravel } from './synthetic.ts';
import { timeShift } from './timing.ts';
import type { PlanInputs, PlanSite } from './types.ts';

// One base at the origin of a local grid and sites east of it; 60 km/h with no circuity: 1 km = 1 minute.
function inputsFor(month: string, sites: Array<Partial<PlanSite> & { id: number; km: number }>): PlanInputs {
  const points = [{ x: 350_000, y: 430_000 }, ...sites.map((s) => ({ x: 350_000 + s.km * 1000, y: 430_000 }))];
  return {
    month,
    sites: sites.map(({ km: _km, ...s }, i) => ({
      reference: `S${s.id}`,
      category: 'mobile_route',
      districtCode: 'E07000123',
      risk: 1,
      tier: 1,
      x: points[i + 1]!.x,
      y: points[i + 1]!.y,
      travelIndex: i + 1,
      restrictions: {},
      blockedDates: [],
      concerns: [],
      reason: 'test',
      ...s,
    })),
    vans: [{ id: 1, callSign: 'V1', baseTravelIndex: 0, baseX: 350_000, baseY: 430_000, shiftCodes: [], unavailableDates: ['2026-03-10'] }],
    shifts: [EARLY_SHIFT, LATE_SHIFT, { code: 'office', name: 'Office', starts: '09:00', ends: '17:00', weekdays: [1, 2, 3, 4, 5], bankHolidays: false }],
    calendar: monthCalendar(month, LANCASHIRE_AREA),
    travel: straightLineTravel(points, 1, 60),
    options: withDefaults(),
    history: [],
  };

}

describe('timeShift', () => {
  it('leaves the base at the shift start and rounds each arrival up to the whole minute', () => {
    const inputs = inputsFor('2026-03', [{ id: 1, km: 10.5 }, { id: 2, km: 12 }]);
    expect(timeShift(inputs, 1, '2026-03-03', 'early', [1, 2])).toEqual([
      { siteId: 1, arrive: '2026-03-03T07:11:00+00:00', depart: '2026-03-03T09:11:00+00:00' },
      { siteId: 2, arrive: '2026-03-03T09:13:00+00:00', depart: '2026-03-03T11:13:00+00:00' },
    ]);
  });

  it('gives local times with the summer offset after the clock change', () => {
    const inputs = inputsFor('2026-03', [{ id: 1, km: 5 }]);
    expect(timeShift(inputs, 1, '2026-03-29', 'early', [1])).toEqual([{ siteId: 1, arrive: '2026-03-29T07:05:00+01:00', depart: '2026-03-29T09:05:00+01:00' }]);
  });

  it('waits for sunrise at a daylight-only site on a winter morning', () => {
    const inputs = inputsFor('2026-12', [{ id: 1, km: 5, restrictions: { daylightOnly: true } }]);
    const [visit] = timeShift(inputs, 1, '2026-12-15', 'early', [1])!;
    const sunrise = inputs.calendar.find((d) => d.date === '2026-12-15')!.sunrise;
    expect(Date.parse(visit!.arrive)).toBeGreaterThanOrEqual(Date.parse(sunrise));
    expect(Date.parse(visit!.arrive) - Date.parse(sunrise)).toBeLessThan(60_000);
  });

  it('fits a school-times site into the morning school window only on school days', () => {
    const inputs = inputsFor('2026-03', [{ id: 1, km: 5, restrictions: { schoolTimesOnly: true } }]);
    expect(timeShift(inputs, 1, '2026-03-03', 'early', [1])).toEqual([{ siteId: 1, arrive: '2026-03-03T07:30:00+00:00', depart: '2026-03-03T09:30:00+00:00' }]);
    expect(timeShift(inputs, 1, '2026-03-07', 'early', [1])).toBeNull();
    expect(timeShift(inputs, 1, '2026-03-03', 'late', [1])).toBeNull();
  });

  it('returns null when the van cannot be back at its base by the shift end', () => {
    const inputs = inputsFor('2026-03', [{ id: 1, km: 5 }, { id: 2, km: 6 }, { id: 3, km: 7 }, { id: 4, km: 8 }]);
    expect(timeShift(inputs, 1, '2026-03-03', 'early', [1, 2, 3])).not.toBeNull();
    expect(timeShift(inputs, 1, '2026-03-03', 'early', [1, 2, 3, 4])).toBeNull();
  });

  it('returns null for an unavailable van, a shift not run that day, a blocked site or an unknown site', () => {
    const inputs = inputsFor('2026-04', [{ id: 1, km: 5, blockedDates: ['2026-04-08'] }]);
    inputs.vans[0]!.unavailableDates = ['2026-04-10'];
    expect(timeShift(inputs, 1, '2026-04-10', 'early', [1])).toBeNull();
    expect(timeShift(inputs, 1, '2026-04-06', 'office', [1])).toBeNull(); // Easter Monday
    expect(timeShift(inputs, 1, '2026-04-07', 'office', [1])).not.toBeNull();
    expect(timeShift(inputs, 1, '2026-04-08', 'early', [1])).toBeNull();
    expect(timeShift(inputs, 1, '2026-04-07', 'early', [99])).toBeNull();
  });
});
