import { addDays, epochMsToIso, localToEpochMs, shiftWindowMs } from '../calendar/time.ts';
import { allowedIntervals, shiftRunsOn, type Interval, type PlanContext, type Slot } from './context.ts';
import type { PlanInputs } from './types.ts';

/**
 * Earliest feasible times for an ordered list of sites in one van shift: leave the base at the shift
 * start, drive, arrive (rounded UP to the whole minute so whole-minute times never undercut real
 * travel seconds), wait if a time restriction opens later, enforce for sessionMinutes, drive on, and
 * be back at the base by the shift end.
 */

const MINUTE_MS = 60_000;
const ceilMinute = (ms: number) => Math.ceil(ms / MINUTE_MS) * MINUTE_MS;

export interface Stop {
  travelIndex: number;
  /** Intervals (epoch ms) a session here may occupy that day; empty = not possible. */
  intervals: Interval[];
}

export interface TimedStops {
  arrive: number[];
  depart: number[];
  /** Seconds driven, base to base. */
  travelS: number;
}

/**
 * The core shared by the planner and timeShift. `dayEndMs` is the next local midnight: every arrival
 * falls on the shift's start date. That is stricter than the checker's `bad_time` rule, which accepts an
 * arrival on the shift's start date, or on the next date for a shift that runs past midnight.
 */
export function earliestTimes(
  window: { startMs: number; endMs: number; dayEndMs: number },
  baseTravelIndex: number,
  stops: readonly Stop[],
  sessionMs: number,
  travelS: (from: number, to: number) => number,
): TimedStops | null {
  const arrive: number[] = [];
  const depart: number[] = [];
  let t = window.startMs;
  let at = baseTravelIndex;
  let driven = 0;
  for (const stop of stops) {
    const leg = travelS(at, stop.travelIndex);
    if (!Number.isFinite(leg)) return null;
    driven += leg;
    const reached = ceilMinute(t + leg * 1000);
    let a = -1;
    for (const iv of stop.intervals) {
      const candidate = Math.max(reached, ceilMinute(iv.from));
      if (candidate + sessionMs <= iv.to) {
        a = candidate;
        break;
      }
    }
    if (a < 0 || a >= window.dayEndMs) return null;
    arrive.push(a);
    depart.push(a + sessionMs);
    t = a + sessionMs;
    at = stop.travelIndex;
    if (t > window.endMs) return null;
  }
  const back = travelS(at, baseTravelIndex);
  if (!Number.isFinite(back)) return null;
  driven += back;
  if (t + back * 1000 > window.endMs) return null;
  return { arrive, depart, travelS: driven };
}

/** Planner-side timing of site indexes (into ctx.sites) for a van (index into ctx.vans) in a slot. */
export function timeRoute(ctx: PlanContext, van: number, slot: Slot, sites: readonly number[]): TimedStops | null {
  const stops = sites.map((s) => ({ travelIndex: ctx.sites[s]!.travelIndex, intervals: ctx.allowed[s]![slot.day]! }));
  return earliestTimes(
    { startMs: slot.startMs, endMs: slot.endMs, dayEndMs: ctx.dayEndMs[slot.day]! },
    ctx.vans[van]!.baseTravelIndex,
    stops,
    ctx.sessionMs,
    ctx.travelS,
  );
}

/**
 * Earliest feasible arrive/depart (ISO with offset) for `siteIdsInOrder` visited by `vanId` on `date` in
 * shift `shift`, or null when they cannot fit: unknown van/site/shift, the van unavailable or not on
 * that shift, the shift not running that day, a site blocked that date, a restriction that cannot be
 * met, or the van not back at its base by the shift end.
 */
export function timeShift(
  inputs: PlanInputs,
  vanId: number,
  date: string,
  shift: string,
  siteIdsInOrder: number[],
): Array<{ siteId: number; arrive: string; depart: string }> | null {
  const van = inputs.vans.find((v) => v.id === vanId);
  const template = inputs.shifts.find((s) => s.code === shift);
  const day = inputs.calendar.find((d) => d.date === date);
  if (!van || !template || !day) return null;
  if (van.unavailableDates.includes(date)) return null;
  if (van.shiftCodes.length > 0 && !van.shiftCodes.includes(shift)) return null;
  if (!shiftRunsOn(template, day)) return null;
  const dayStartMs = localToEpochMs(date, '00:00');
  const stops: Stop[] = [];
  for (const siteId of siteIdsInOrder) {
    const site = inputs.sites.find((s) => s.id === siteId);
    if (!site) return null;
    stops.push({ travelIndex: site.travelIndex, intervals: allowedIntervals(site, day, dayStartMs, new Set(site.blockedDates)) });
  }
  const [startMs, endMs] = shiftWindowMs(date, template);
  const { size, seconds } = inputs.travel;
  const travelS = (from: number, to: number) => (from === to ? 0 : (seconds[from * size + to] ?? Infinity));
  const timed = earliestTimes(
    { startMs, endMs, dayEndMs: localToEpochMs(addDays(date, 1), '00:00') },
    van.baseTravelIndex,
    stops,
    inputs.options.sessionMinutes * MINUTE_MS,
    travelS,
  );
  if (!timed) return null;
  return siteIdsInOrder.map((siteId, i) => ({ siteId, arrive: epochMsToIso(timed.arrive[i]!), depart: epochMsToIso(timed.depart[i]!) }));
}
