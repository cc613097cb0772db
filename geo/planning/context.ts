import { addDays, datesOfMonth, isoToEpochMs, localToEpochMs, shiftWindowMs } from '../calendar/time.ts';
import { SCHOOL_TIME_WINDOWS, type CalendarDay, type PlanInputs, type PlanSite, type PlanVan, type ShiftTemplate } from './types.ts';

/**
 * Everything the planner looks up again and again, computed once from PlanInputs: the month's
 * (date, shift) slots in start order, each site's allowed session intervals per day (restrictions,
 * blocked dates, daylight) as epoch milliseconds, and travel lookups. Sites and vans are kept in id
 * order so every loop over them is deterministic.
 */

/** An interval of epoch ms in which a whole session must lie; `to` is Infinity when unbounded. */
export interface Interval {
  from: number;
  to: number;
}

export interface Slot {
  /** Position in `slots` (ordered by shift start instant, then shift code). */
  index: number;
  date: string;
  /** Index of the date in the month (0 = the 1st). */
  day: number;
  shift: ShiftTemplate;
  startMs: number;
  endMs: number;
  weekend: boolean;
  /** Estimated share of the slot's working hours outside sunrise–sunset. */
  darkFraction: number;
  /** Indexes (into ctx.vans) of the vans that can work this slot: available that day, shift allowed. */
  vans: number[];
}

export interface PlanContext {
  inputs: PlanInputs;
  dates: string[];
  calendar: CalendarDay[];
  /** Local midnight starting each date and the next one (epoch ms). */
  dayStartMs: number[];
  dayEndMs: number[];
  sunriseMs: number[];
  sunsetMs: number[];
  slots: Slot[];
  /** Sites in id order. */
  sites: PlanSite[];
  siteIndexById: Map<number, number>;
  /** Vans in id order. */
  vans: PlanVan[];
  vanIndexById: Map<number, number>;
  sessionMs: number;
  /** Minimum gap (days) the planner keeps: the option, at least 1 (never twice on a date). */
  gapDays: number;
  /** allowed[site][day]: intervals a session at the site may occupy that day (empty = not that day). */
  allowed: Interval[][][];
  /** Drive seconds between two travel indexes. */
  travelS(from: number, to: number): number;
  /** Day indexes (negative = before the month) of each site's history visits, ascending. */
  historyDays: number[][];
  /**
   * Site indexes visited in the latest (date, shift) slot of last month's plan (history), by shift start
   * instant: that slot comes just before the month's first worked slot in the consecutive-shift rule.
   */
  lastHistorySlotSites: ReadonlySet<number>;
}

/** Whether a shift template runs on a calendar day. */
export function shiftRunsOn(shift: ShiftTemplate, day: CalendarDay): boolean {
  if (!shift.weekdays.includes(day.weekday)) return false;
  return !(day.bankHoliday && !shift.bankHolidays);
}

function intersect(a: Interval[], b: Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const x of a) {
    for (const y of b) {
      const from = Math.max(x.from, y.from);
      const to = Math.min(x.to, y.to);
      if (to > from) out.push({ from, to });
    }
  }
  return out.sort((p, q) => p.from - q.from);
}

function windowIntervals(date: string, windows: ReadonlyArray<{ from: string; to: string }>): Interval[] {
  return windows.map((w) => {
    const from = localToEpochMs(date, w.from);
    // A window whose end is not after its start runs past midnight.
    const to = w.to > w.from ? localToEpochMs(date, w.to) : localToEpochMs(addDays(date, 1), w.to);
    return { from, to };
  });
}

/** Intervals in which a session at `site` may lie on `day` (empty: the site cannot be used that day). */
export function allowedIntervals(site: PlanSite, day: CalendarDay, dayStartMs: number, blocked: ReadonlySet<string>): Interval[] {
  if (blocked.has(day.date)) return [];
  const r = site.restrictions ?? {};
  const weekend = day.weekday >= 6;
  if (r.noWeekends && weekend) return [];
  let out: Interval[] = [{ from: dayStartMs, to: Infinity }];
  if (r.schoolTimesOnly) {
    if (weekend || day.bankHoliday) return [];
    out = intersect(out, windowIntervals(day.date, SCHOOL_TIME_WINDOWS));
  }
  if (r.windows && r.windows.length > 0) out = intersect(out, windowIntervals(day.date, r.windows));
  if (r.daylightOnly) out = intersect(out, [{ from: isoToEpochMs(day.sunrise), to: isoToEpochMs(day.sunset) }]);
  return out;
}

/** A real calendar date YYYY-MM-DD (not 2026-02-30). */
function isRealDate(date: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return false;
  const ms = Date.parse(`${date}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === date;
}

export function buildContext(inputs: PlanInputs): PlanContext {
  const dates = datesOfMonth(inputs.month);
  const byDate = new Map(inputs.calendar.map((d) => [d.date, d]));
  const calendar = dates.map((date) => {
    const day = byDate.get(date);
    if (!day) throw new RangeError(`calendar has no day ${date} of month ${inputs.month}`);
    return day;
  });
  const dayStartMs = dates.map((d) => localToEpochMs(d, '00:00'));
  const dayEndMs = dates.map((d) => localToEpochMs(addDays(d, 1), '00:00'));
  const sunriseMs = calendar.map((d) => isoToEpochMs(d.sunrise));
  const sunsetMs = calendar.map((d) => isoToEpochMs(d.sunset));
  const sites = inputs.sites.slice().sort((a, b) => a.id - b.id);
  const vans = inputs.vans.slice().sort((a, b) => a.id - b.id);
  const { size, seconds } = inputs.travel;
  const travelS = (from: number, to: number) => (from === to ? 0 : (seconds[from * size + to] ?? Infinity));

  const slots: Slot[] = [];
  const shifts = inputs.shifts.slice().sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  calendar.forEach((day, dayIndex) => {
    for (const shift of shifts) {
      if (!shiftRunsOn(shift, day)) continue;
      const [startMs, endMs] = shiftWindowMs(day.date, shift);
      const workFrom = startMs + 15 * 60_000;
      const workTo = endMs - 15 * 60_000;
      const light = Math.max(0, Math.min(workTo, sunsetMs[dayIndex]!) - Math.max(workFrom, sunriseMs[dayIndex]!));
      const darkFraction = workTo > workFrom ? 1 - light / (workTo - workFrom) : 0;
      const slotVans: number[] = [];
      vans.forEach((van, v) => {
        if (van.unavailableDates.includes(day.date)) return;
        if (van.shiftCodes.length > 0 && !van.shiftCodes.includes(shift.code)) return;
        slotVans.push(v);
      });
      slots.push({ index: 0, date: day.date, day: dayIndex, shift, startMs, endMs, weekend: day.weekday >= 6, darkFraction, vans: slotVans });
    }
  });
  slots.sort((a, b) => a.startMs - b.startMs || (a.shift.code < b.shift.code ? -1 : 1));
  slots.forEach((s, i) => (s.index = i));

  const allowed = sites.map((site) => {
    const blocked = new Set(site.blockedDates);
    return calendar.map((day, i) => allowedIntervals(site, day, dayStartMs[i]!, blocked));
  });

  const siteIndexById = new Map(sites.map((s, i) => [s.id, i]));
  const monthStart = dates[0]!;
  const historyDays: number[][] = sites.map(() => []);
  for (const h of inputs.history) {
    const i = siteIndexById.get(h.siteId);
    if (i === undefined) continue;
    const d0 = Date.parse(`${h.date}T00:00:00Z`);
    const d1 = Date.parse(`${monthStart}T00:00:00Z`);
    if (Number.isNaN(d0)) continue;
    historyDays[i]!.push(Math.round((d0 - d1) / 86_400_000));
  }
  for (const list of historyDays) list.sort((a, b) => a - b);

  // The latest history slot: start instant, then "date|shift" (the checker's order); unknown shift codes and
  // malformed dates make no slot.
  const templates = new Map(inputs.shifts.map((t) => [t.code, t]));
  const historySlots = inputs.history.flatMap((h) => {
    const template = templates.get(h.shift);
    if (!template || !isRealDate(h.date)) return [];
    const startMs = shiftWindowMs(h.date, template)[0];
    return Number.isFinite(startMs) ? [{ startMs, key: `${h.date}|${h.shift}`, siteId: h.siteId }] : [];
  });
  const last = historySlots.reduce<{ startMs: number; key: string } | null>(
    (best, h) => (!best || h.startMs > best.startMs || (h.startMs === best.startMs && h.key > best.key) ? h : best),
    null,
  );
  const lastHistorySlotSites = new Set(
    historySlots.filter((h) => h.key === last?.key).flatMap((h) => {
      const i = siteIndexById.get(h.siteId);
      return i === undefined ? [] : [i];
    }),
  );

  return {
    inputs,
    dates,
    calendar,
    dayStartMs,
    dayEndMs,
    sunriseMs,
    sunsetMs,
    slots,
    sites,
    siteIndexById,
    vans,
    vanIndexById: new Map(vans.map((v, i) => [v.id, i])),
    sessionMs: inputs.options.sessionMinutes * 60_000,
    gapDays: Math.max(1, inputs.options.minGapDays),
    allowed,
    travelS,
    historyDays,
    lastHistorySlotSites,
  };
}
