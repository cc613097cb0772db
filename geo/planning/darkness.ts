import type { PlanContext } from './context.ts';
import type { PlanRandom } from './rng.ts';
import type { PlanBook, Route } from './state.ts';

/**
 * Steering the darkness share of hours into its band by *when* in a shift the sessions happen: a
 * shift's sessions are first timed as early as possible; if there is slack before the end of the shift
 * (and inside every site's restriction window), the whole shift can slide later by whole minutes.
 * Sliding a late shift moves hours past sunset (more darkness); sliding a winter early shift moves
 * them past sunrise (less). Shifts are slid one at a time, in a random order, until the share reaches
 * the middle of the band or no shift helps. Feasibility is kept: every stop stays in its interval,
 * on its date, and the van is back by the shift end.
 */
const MINUTE_MS = 60_000;

function darkMs(ctx: PlanContext, day: number, from: number, to: number): number {
  const light = Math.max(0, Math.min(to, ctx.sunsetMs[day]!) - Math.max(from, ctx.sunriseMs[day]!));
  return to - from - light;
}

/** Largest whole-minute delay that keeps the route feasible. */
export function maxDelayMs(ctx: PlanContext, route: Route): number {
  const slot = ctx.slots[route.slot]!;
  if (route.sites.length === 0) return 0;
  const last = route.sites.length - 1;
  const back = ctx.travelS(ctx.sites[route.sites[last]!]!.travelIndex, ctx.vans[route.van]!.baseTravelIndex) * 1000;
  let limit = slot.endMs - (route.depart[last]! + back);
  route.sites.forEach((s, i) => {
    const a = route.arrive[i]!;
    const d = route.depart[i]!;
    const iv = ctx.allowed[s]![slot.day]!.find((w) => w.from <= a && d <= w.to);
    if (!iv) {
      limit = 0;
      return;
    }
    limit = Math.min(limit, iv.to - d, ctx.dayEndMs[slot.day]! - MINUTE_MS - a);
  });
  return Math.max(0, Math.floor(limit / MINUTE_MS) * MINUTE_MS);
}

function routeDark(ctx: PlanContext, route: Route, delay: number): number {
  const day = ctx.slots[route.slot]!.day;
  return route.arrive.reduce((sum, a, i) => sum + darkMs(ctx, day, a + delay, route.depart[i]! + delay), 0);
}

export function steerDarkness(ctx: PlanContext, book: PlanBook, rng: PlanRandom): { before: number; after: number } {
  const [lo, hi] = ctx.inputs.options.darknessShare;
  const target = (lo + hi) / 2;
  let hours = 0;
  let dark = 0;
  for (const r of book.routes) {
    r.arrive.forEach((a, i) => (hours += r.depart[i]! - a));
    dark += routeDark(ctx, r, 0);
  }
  if (hours === 0) return { before: 0, after: 0 };
  const before = dark / hours;
  if (before >= lo && before <= hi) return { before, after: before };
  const wantMore = before < lo;
  for (const route of rng.shuffled(book.routes)) {
    const share = dark / hours;
    if (wantMore ? share >= target : share <= target) break;
    const max = maxDelayMs(ctx, route);
    if (max <= 0) continue;
    const base = routeDark(ctx, route, 0);
    const full = routeDark(ctx, route, max) - base;
    if (wantMore ? full <= 0 : full >= 0) continue;
    // Slide only as far as needed to reach the target (the change is monotone in the delay here).
    const need = (target * hours - dark) / full;
    let delay = need >= 1 ? max : Math.ceil((max * need) / MINUTE_MS) * MINUTE_MS;
    delay = Math.min(max, Math.max(MINUTE_MS, delay));
    const change = routeDark(ctx, route, delay) - base;
    route.arrive = route.arrive.map((a) => a + delay);
    route.depart = route.depart.map((d) => d + delay);
    dark += change;
  }
  return { before, after: dark / hours };
}
