import { monthCalendar } from '../calendar/month.ts';
import { addDays, datesOfMonth } from '../calendar/time.ts';
import { withDefaults } from './options.ts';
import { planRandom, type PlanRandom } from './rng.ts';
import type { PlanInputs, PlanOptions, PlanSite, PlanVan, ShiftTemplate, SiteCategory, TimeRestrictions, TravelMatrix } from './types.ts';

/**
 * Seeded synthetic planning inputs at real size: Lancashire's 14 districts (their ONS codes and
 * approximate centres in EPSG:27700, x 330–420 km, y 400–470 km), sites scattered around each centre
 * (tighter in towns, wider in rural districts), heavy-tailed risk, tiers by risk rank (top 20% tier 1,
 * next 30% tier 2) as sitesForPlanning assigns them, a realistic share of time restrictions,
 * suspensions and concerns, vans at three bases (Preston, Accrington, Lancaster) with maintenance days,
 * the real calendar of the month (bank holidays, sunrise/sunset, clock changes) and the last days of the
 * previous month as history. Travel is straight-line × circuity at an assumed speed. The same options
 * give the same inputs on every machine.
 */

export const LANCASHIRE_AREA = { lat: 53.82, lon: -2.6 };

export const LANCASHIRE_DISTRICTS: ReadonlyArray<{ code: string; name: string; x: number; y: number; weight: number; spreadM: number }> = [
  { code: 'E06000008', name: 'Blackburn with Darwen', x: 368_000, y: 426_500, weight: 1.2, spreadM: 3_000 },
  { code: 'E06000009', name: 'Blackpool', x: 332_000, y: 436_000, weight: 1.2, spreadM: 2_500 },
  { code: 'E07000117', name: 'Burnley', x: 384_000, y: 432_500, weight: 0.9, spreadM: 3_000 },
  { code: 'E07000118', name: 'Chorley', x: 358_500, y: 417_500, weight: 0.9, spreadM: 4_000 },
  { code: 'E07000119', name: 'Fylde', x: 338_500, y: 430_000, weight: 0.7, spreadM: 4_000 },
  { code: 'E07000120', name: 'Hyndburn', x: 375_500, y: 428_500, weight: 0.7, spreadM: 2_500 },
  { code: 'E07000121', name: 'Lancaster', x: 348_000, y: 461_500, weight: 1.1, spreadM: 4_500 },
  { code: 'E07000122', name: 'Pendle', x: 388_500, y: 440_000, weight: 0.8, spreadM: 3_500 },
  { code: 'E07000123', name: 'Preston', x: 354_000, y: 431_000, weight: 1.3, spreadM: 3_500 },
  { code: 'E07000124', name: 'Ribble Valley', x: 374_000, y: 441_500, weight: 0.6, spreadM: 5_500 },
  { code: 'E07000125', name: 'Rossendale', x: 381_000, y: 422_500, weight: 0.6, spreadM: 3_000 },
  { code: 'E07000126', name: 'South Ribble', x: 354_500, y: 424_000, weight: 0.9, spreadM: 3_000 },
  { code: 'E07000127', name: 'West Lancashire', x: 345_000, y: 409_500, weight: 0.9, spreadM: 5_000 },
  { code: 'E07000128', name: 'Wyre', x: 337_500, y: 444_000, weight: 0.8, spreadM: 4_000 },
];

export const LANCASHIRE_BASES: ReadonlyArray<{ name: string; x: number; y: number; share: number }> = [
  { name: 'Preston (Hutton)', x: 350_500, y: 427_000, share: 0.45 },
  { name: 'Accrington', x: 375_500, y: 429_000, share: 0.3 },
  { name: 'Lancaster', x: 347_500, y: 460_000, share: 0.25 },
];

export const EARLY_SHIFT: ShiftTemplate = { code: 'early', name: 'Early', starts: '07:00', ends: '14:30', weekdays: [1, 2, 3, 4, 5, 6, 7], bankHolidays: true };
export const LATE_SHIFT: ShiftTemplate = { code: 'late', name: 'Late', starts: '14:30', ends: '22:00', weekdays: [1, 2, 3, 4, 5, 6, 7], bankHolidays: true };

export interface SyntheticSettings {
  month: string;
  sites: number;
  vans: number;
  seed: number;
  /** Default early + late. */
  shifts?: ShiftTemplate[];
  options?: Partial<PlanOptions>;
  /** Only these districts (ONS codes) — small compact test months; default all 14. */
  districtCodes?: string[];
  /** Previous-month visits as history (default true). */
  history?: boolean;
}

/** Straight-line travel between points: metres × circuity at speedKmh. */
export function straightLineTravel(points: ReadonlyArray<{ x: number; y: number }>, circuity: number, speedKmh: number): TravelMatrix {
  const n = points.length;
  const seconds = new Float64Array(n * n);
  const metres = new Float64Array(n * n);
  const metresPerSecond = speedKmh / 3.6;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const m = Math.hypot(points[i]!.x - points[j]!.x, points[i]!.y - points[j]!.y) * circuity;
      metres[i * n + j] = m;
      seconds[i * n + j] = m / metresPerSecond;
    }
  }
  return { mode: 'straight_line', size: n, seconds, metres };
}

function gaussian(rng: PlanRandom): number {
  const u = Math.max(1e-12, rng.next());
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

const nearestBaseKm = (x: number, y: number) => Math.min(...LANCASHIRE_BASES.map((b) => Math.hypot(b.x - x, b.y - y))) / 1000;

const int = (rng: PlanRandom, min: number, max: number) => min + Math.floor(rng.next() * (max - min + 1));

export function syntheticInputs(settings: SyntheticSettings): PlanInputs {
  const rng = planRandom(settings.seed);
  const options = withDefaults(settings.options);
  const dates = datesOfMonth(settings.month);
  const districts = settings.districtCodes ? LANCASHIRE_DISTRICTS.filter((d) => settings.districtCodes!.includes(d.code)) : LANCASHIRE_DISTRICTS;
  if (districts.length === 0) throw new RangeError(`no Lancashire district among ${settings.districtCodes?.join(', ')}`);
  const totalWeight = districts.reduce((a, d) => a + d.weight, 0);

  const points: Array<{ x: number; y: number }> = LANCASHIRE_BASES.map((b) => ({ x: b.x, y: b.y }));
  const draft: Array<Omit<PlanSite, 'tier' | 'reason'>> = [];
  for (let i = 0; i < settings.sites; i++) {
    // Districts in proportion to their weight, cycling so small runs still cover every district.
    let pickAt = ((i + 0.5) / settings.sites) * totalWeight;
    const district = districts.find((d) => (pickAt -= d.weight) < 0) ?? districts[districts.length - 1]!;
    const x = Math.round(Math.min(420_000, Math.max(330_000, district.x + gaussian(rng) * district.spreadM)));
    const y = Math.round(Math.min(470_000, Math.max(400_000, district.y + gaussian(rng) * district.spreadM)));
    const roll = rng.next();
    const category: SiteCategory = roll < 0.1 ? 'community_concern' : roll < 0.15 ? 'motorway' : roll < 0.25 ? 'fixed_site' : 'mobile_route';
    const restrictions: TimeRestrictions = {};
    if (category !== 'motorway') {
      const r = rng.next();
      if (r < 0.1) restrictions.daylightOnly = true;
      else if (r < 0.15) restrictions.noWeekends = true;
      // A school-time session fills the 07:30–09:30 window exactly, so only a site a van reaches from its
      // base by 07:30 (early shift starts 07:00) can ever be used; a register would not list others.
      else if (r < 0.18 && nearestBaseKm(x, y) * options.circuity <= (options.assumedSpeedKmh * 25) / 60) restrictions.schoolTimesOnly = true;
      else if (r < 0.21) restrictions.windows = [{ from: '10:00', to: '16:00' }];
    }
    const blockedDates: string[] = [];
    const b = rng.next();
    if (b < 0.06) {
      const from = int(rng, 0, dates.length - 1);
      const length = int(rng, 2, 8);
      for (let d = from; d < Math.min(dates.length, from + length); d++) blockedDates.push(dates[d]!);
    } else if (b < 0.07) {
      // Risk assessment expires mid-month: blocked from then on.
      for (let d = int(rng, 10, dates.length - 1); d < dates.length; d++) blockedDates.push(dates[d]!);
    }
    const concerns: PlanSite['concerns'] = [];
    if (category === 'community_concern' || rng.next() < 0.03) {
      concerns.push({ id: 9000 + i, approvedOn: addDays(dates[0]!, int(rng, -40, 10)) });
    }
    const risk = Math.round(Math.exp(gaussian(rng) * 0.9) * 100) / 100;
    draft.push({
      id: 1001 + i,
      reference: `LAN-${String(1001 + i).padStart(5, '0')}`,
      category,
      districtCode: district.code,
      risk,
      x,
      y,
      travelIndex: points.length,
      restrictions,
      blockedDates,
      concerns,
    });
    points.push({ x, y });
  }
  const byRisk = draft.map((_, i) => i).sort((a, b) => draft[b]!.risk - draft[a]!.risk || a - b);
  const tierOf = new Map<number, 1 | 2 | 3>();
  byRisk.forEach((i, rank) => tierOf.set(i, rank < 0.2 * draft.length ? 1 : rank < 0.5 * draft.length ? 2 : 3));
  const sites: PlanSite[] = draft.map((s, i) => ({ ...s, tier: tierOf.get(i)!, reason: `tier ${tierOf.get(i)}: synthetic risk ${s.risk}` }));

  const vans: PlanVan[] = [];
  let made = 0;
  LANCASHIRE_BASES.forEach((base, b) => {
    const count = b === LANCASHIRE_BASES.length - 1 ? settings.vans - made : Math.round(settings.vans * base.share);
    for (let k = 0; k < count; k++) {
      made++;
      const unavailable = new Set<string>();
      for (let m = 0; m < 2; m++) unavailable.add(dates[int(rng, 0, dates.length - 1)]!);
      if (made % 5 === 0) {
        const from = int(rng, 0, dates.length - 5);
        for (let d = from; d < from + 5; d++) unavailable.add(dates[d]!);
      }
      vans.push({
        id: made,
        callSign: `LAN-V${String(made).padStart(2, '0')}`,
        baseTravelIndex: b,
        baseX: base.x,
        baseY: base.y,
        shiftCodes: [],
        unavailableDates: [...unavailable].sort(),
      });
    }
  });

  const shifts = settings.shifts ?? [EARLY_SHIFT, LATE_SHIFT];
  const history: PlanInputs['history'] = [];
  if (settings.history ?? true) {
    const lastMonthEnd = addDays(dates[0]!, -1);
    for (const site of sites) {
      const p = site.tier === 1 ? 0.8 : site.tier === 2 ? 0.5 : 0.25;
      if (rng.next() >= p) continue;
      history.push({ siteId: site.id, date: addDays(lastMonthEnd, -int(rng, 0, 9)), shift: shifts[int(rng, 0, shifts.length - 1)]!.code, vanId: vans[int(rng, 0, vans.length - 1)]!.id });
    }
  }

  return {
    month: settings.month,
    sites,
    vans,
    shifts,
    calendar: monthCalendar(settings.month, LANCASHIRE_AREA),
    travel: straightLineTravel(points, options.circuity, options.assumedSpeedKmh),
    options,
    history,
  };
}
