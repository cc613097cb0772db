import type { PlanContext, Slot } from './context.ts';
import { timeRoute, type TimedStops } from './timing.ts';

/**
 * Ordering the few sessions of one van shift: a travelling-salesman tour from the base and back with
 * time windows. A shift holds at most a handful of sessions (default 3), so up to EXACT_LIMIT stops
 * every order is tried (5! = 120) and the feasible one with the least driving wins (ties: the earlier
 * finish, then the first order tried, so the result is deterministic). Longer lists fall back to
 * cheapest feasible insertion in the given order.
 */
const EXACT_LIMIT = 5;

export interface OrderedRoute {
  sites: number[];
  timed: TimedStops;
}

function permutations(items: number[]): number[][] {
  if (items.length <= 1) return [items.slice()];
  const out: number[][] = [];
  items.forEach((item, i) => {
    const rest = items.slice(0, i).concat(items.slice(i + 1));
    for (const p of permutations(rest)) out.push([item, ...p]);
  });
  return out;
}

function better(a: TimedStops, b: TimedStops | null): boolean {
  if (!b) return true;
  if (a.travelS !== b.travelS) return a.travelS < b.travelS - 1e-9;
  return a.depart[a.depart.length - 1]! < b.depart[b.depart.length - 1]!;
}

/** The best feasible order of `sites` (indexes into ctx.sites) for a van in a slot, or null if none fits. */
export function bestOrder(ctx: PlanContext, van: number, slot: Slot, sites: readonly number[]): OrderedRoute | null {
  if (sites.length === 0) return { sites: [], timed: { arrive: [], depart: [], travelS: 0 } };
  if (sites.length <= EXACT_LIMIT) {
    let best: OrderedRoute | null = null;
    for (const order of permutations(sites.slice())) {
      const timed = timeRoute(ctx, van, slot, order);
      if (timed && better(timed, best?.timed ?? null)) best = { sites: order, timed };
    }
    return best;
  }
  let route: number[] = [];
  let timed: TimedStops | null = null;
  for (const site of sites) {
    let bestHere: OrderedRoute | null = null;
    for (let pos = 0; pos <= route.length; pos++) {
      const candidate = route.slice(0, pos).concat([site], route.slice(pos));
      const t = timeRoute(ctx, van, slot, candidate);
      if (t && better(t, bestHere?.timed ?? null)) bestHere = { sites: candidate, timed: t };
    }
    if (!bestHere) return null;
    route = bestHere.sites;
    timed = bestHere.timed;
  }
  return timed ? { sites: route, timed } : null;
}
