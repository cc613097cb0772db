import { monthCalendar } from '../calendar/month.ts';
import { epochMsToIso, localToEpochMs } from '../calendar/time.ts';
import { withDefaults } from './options.ts';
import type { CalendarDay, PlanInputs, PlanSite, PlanVan, PlannedSession, ShiftTemplate, TravelMatrix } from './types.ts';

/**
 * Small hand-made planning inputs for the checker and metrics tests: two districts of sites laid out on
 * whole kilometres of the British National Grid, two vans at two bases, the default early/late shifts plus
 * a weekday-only office shift, and a real calendar (England and Wales bank holidays, sunrise and sunset at
 * the area centre, from geo/calendar/month.ts). Travel is straight-line at 60 km/h, so every kilometre is
 * exactly one minute's drive.
 */

/** Area centre used for sunrise and sunset (the config defaults AREA_LATITUDE / AREA_LONGITUDE). */
export const FIXTURE_AREA = { lat: 53.82, lon: -2.6 };

/** The month's real calendar at the fixture area. */
export function fixtureCalendar(month: string): CalendarDay[] {
  return monthCalendar(month, FIXTURE_AREA);
}

export const EARLY: ShiftTemplate = { code: 'early', name: 'Early', starts: '07:00', ends: '14:30', weekdays: [1, 2, 3, 4, 5, 6, 7], bankHolidays: true };
export const LATE: ShiftTemplate = { code: 'late', name: 'Late', starts: '14:30', ends: '22:00', weekdays: [1, 2, 3, 4, 5, 6, 7], bankHolidays: true };
/** Weekdays only, not on bank holidays. */
export const OFFICE: ShiftTemplate = { code: 'office', name: 'Office hours', starts: '09:00', ends: '17:00', weekdays: [1, 2, 3, 4, 5], bankHolidays: false };
/** Overlaps both early and late: a van may not work it together with either. */
export const MIDDAY: ShiftTemplate = { code: 'midday', name: 'Midday', starts: '10:00', ends: '18:00', weekdays: [1, 2, 3, 4, 5, 6, 7], bankHolidays: true };
/** Crosses midnight: ends the next day. */
export const NIGHT: ShiftTemplate = { code: 'night', name: 'Night', starts: '22:00', ends: '06:00', weekdays: [1, 2, 3, 4, 5, 6, 7], bankHolidays: true };

/** Travel-matrix locations: 0 = Preston base, 1 = Blackpool base, then the sites in FIXTURE_SITES order. */
const BASES = [
  { x: 350_000, y: 430_000 },
  { x: 330_000, y: 430_000 },
];

/** A site for hand-made cases (travel index set by fixtureInputs). */
export function fixtureSite(id: number, districtCode: string, risk: number, tier: 1 | 2 | 3, x: number, y: number, extra: Partial<PlanSite> = {}): PlanSite {
  return site(id, districtCode, risk, tier, x, y, extra);
}

function site(id: number, districtCode: string, risk: number, tier: 1 | 2 | 3, x: number, y: number, extra: Partial<PlanSite> = {}): PlanSite {
  return {
    id,
    reference: `LAN-${String(id).padStart(4, '0')}`,
    category: 'mobile_route',
    districtCode,
    risk,
    tier,
    x,
    y,
    travelIndex: -1,
    restrictions: {},
    blockedDates: [],
    concerns: [],
    reason: `tier ${tier}: risk ${risk}`,
    ...extra,
  };
}

/**
 * Sites, kilometres from the Preston base (350000, 430000) / Blackpool base (330000, 430000):
 * 101 6 km east of Preston base; 102 10 km from it (8 km north of 101); 103 8 km north of the base,
 * 6 km west of 102 and blocked on 15 December; 104 school times only; 105 only 10:00–12:00, with a concern;
 * 201 6 km north of the Blackpool base; 202 daylight only, 8 km north of 201; 203 no weekends.
 */
function fixtureSites(): PlanSite[] {
  return [
    site(101, 'PRE', 10, 1, 356_000, 430_000),
    site(102, 'PRE', 6, 2, 356_000, 438_000),
    site(103, 'PRE', 3, 3, 350_000, 438_000, { blockedDates: ['2026-12-15'] }),
    site(104, 'PRE', 4, 2, 353_000, 434_000, { restrictions: { schoolTimesOnly: true }, category: 'community_concern' }),
    site(105, 'PRE', 2, 3, 350_000, 424_000, { restrictions: { windows: [{ from: '10:00', to: '12:00' }] }, concerns: [{ id: 9, approvedOn: '2026-11-20' }] }),
    site(201, 'BLA', 8, 1, 330_000, 436_000),
    site(202, 'BLA', 2, 3, 330_000, 444_000, { restrictions: { daylightOnly: true } }),
    site(203, 'BLA', 1, 3, 324_000, 430_000, { restrictions: { noWeekends: true } }),
  ];
}

function fixtureVans(): PlanVan[] {
  return [
    { id: 1, callSign: 'VAN-01', baseTravelIndex: 0, baseX: BASES[0]!.x, baseY: BASES[0]!.y, shiftCodes: [], unavailableDates: [] },
    { id: 2, callSign: 'VAN-02', baseTravelIndex: 1, baseX: BASES[1]!.x, baseY: BASES[1]!.y, shiftCodes: ['early', 'late'], unavailableDates: ['2026-12-10'] },
  ];
}

/** Straight-line travel at 60 km/h (1 km = 60 s), circuity 1. */
export function straightLineTravel(points: Array<{ x: number; y: number }>): TravelMatrix {
  const n = points.length;
  const seconds = new Float64Array(n * n);
  const metres = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const d = Math.hypot(points[i]!.x - points[j]!.x, points[i]!.y - points[j]!.y);
      metres[i * n + j] = d;
      seconds[i * n + j] = d * 0.06;
    }
  }
  return { mode: 'straight_line', size: n, seconds, metres };
}

/**
 * Fresh inputs for December 2026 (Christmas Day Friday 25th, Boxing Day 26th and its substitute Monday 28th)
 * or another month; `sites` may be replaced (travel indexes and the matrix are rebuilt from x/y).
 */
export function fixtureInputs(overrides: Partial<PlanInputs> & { month?: string } = {}): PlanInputs {
  const month = overrides.month ?? '2026-12';
  const sites = (overrides.sites ?? fixtureSites()).map((s, i) => ({ ...s, travelIndex: BASES.length + i }));
  const travel = straightLineTravel([...BASES, ...sites]);
  return {
    month,
    vans: fixtureVans(),
    shifts: [EARLY, LATE, OFFICE, MIDDAY, NIGHT],
    calendar: overrides.calendar ?? fixtureCalendar(month),
    options: withDefaults(),
    history: [],
    ...overrides,
    sites,
    travel,
  };
}

/** A session with local clock times on its date (`depart` may be on the next day with `departDate`). */
export function fixtureSession(
  vanId: number,
  date: string,
  shift: string,
  order: number,
  siteId: number,
  arrive: string,
  depart: string,
  departDate = date,
): PlannedSession {
  return {
    vanId,
    date,
    shift,
    order,
    siteId,
    arrive: epochMsToIso(localToEpochMs(date, arrive)),
    depart: epochMsToIso(localToEpochMs(departDate, depart)),
    fallbackSiteIds: [],
    reason: 'test',
  };
}

/**
 * A clean plan: every hard constraint met with the default options (120-minute sessions, 3-day gap).
 * VAN-01 on Thu 3 Dec early: base → 101 (6 min) 07:06–09:06 → 102 (8 min) 09:14–11:14 → base (10 min) 11:24.
 * VAN-02 on Thu 3 Dec late: base → 201 (6 min) 14:36–16:36 → base.
 * VAN-01 on Mon 7 Dec office: base → 104 in the school window 14:30–16:30 (5 km: 5 min).
 * VAN-01 on Fri 4 Dec early: base → 105 10:00–12:00 (6 km south).
 */
export function cleanPlan(): PlannedSession[] {
  return [
    fixtureSession(1, '2026-12-03', 'early', 1, 101, '07:06', '09:06'),
    fixtureSession(1, '2026-12-03', 'early', 2, 102, '09:14', '11:14'),
    fixtureSession(2, '2026-12-03', 'late', 1, 201, '14:36', '16:36'),
    fixtureSession(1, '2026-12-04', 'early', 1, 105, '10:00', '12:00'),
    fixtureSession(1, '2026-12-07', 'office', 1, 104, '14:30', '16:30'),
  ];
}
