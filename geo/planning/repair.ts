import type { PlanContext } from './context.ts';
import { bestOrder } from './order.ts';
import type { PlanBook, Route } from './state.ts';

/**
 * Repair after sampling: every site below its minimum (tier minimum, or one visit for a concern)
 * gets visits back, cheapest first — inserted into a worked shift with room, else a new shift for a
 * free van, else swapped in for a visit of a site that has more than its own minimum. Sites are
 * repaired in tier order, riskiest first, and candidate slots in a random order so repairs do not
 * pile onto the same days.
 */
export function repairMinimums(ctx: PlanContext, book: PlanBook, minimum: readonly number[], fits: Uint8Array, slotOrder: readonly number[]): number[] {
  const nSlots = ctx.slots.length;
  const maxStops = ctx.inputs.options.maxSessionsPerShift;
  const order = ctx.sites
    .map((_, s) => s)
    .filter((s) => book.visits(s) < minimum[s]!)
    .sort((a, b) => ctx.sites[a]!.tier - ctx.sites[b]!.tier || ctx.sites[b]!.risk - ctx.sites[a]!.risk || a - b);
  const unmet: number[] = [];
  for (const s of order) {
    while (book.visits(s) < minimum[s]!) {
      if (!repairOnce(s)) break;
    }
    if (book.visits(s) < minimum[s]!) replan(s);
    if (book.visits(s) < minimum[s]!) unmet.push(s);
  }
  return unmet;

  /** Where a single visit goes: a worked shift with room (least extra driving), else a free van. */
  function placeIn(s: number, t: number): boolean {
    let best: { route: Route; next: NonNullable<ReturnType<typeof bestOrder>> } | null = null;
    for (const route of book.routes) {
      if (route.slot !== t || route.sites.length >= maxStops) continue;
      const next = bestOrder(ctx, route.van, ctx.slots[t]!, [...route.sites, s]);
      if (next && (!best || next.timed.travelS - route.travelS < best.next.timed.travelS - best.route.travelS)) best = { route, next };
    }
    if (best) {
      book.updateRoute(best.route, { sites: best.next.sites, ...best.next.timed });
      return true;
    }
    for (const van of ctx.slots[t]!.vans) {
      if (!book.vanFree(van, t)) continue;
      const next = bestOrder(ctx, van, ctx.slots[t]!, [s]);
      if (next) {
        book.addRoute({ slot: t, van, sites: next.sites, ...next.timed });
        return true;
      }
    }
    return false;
  }

  /**
   * A site with a tight calendar (e.g. its risk assessment expires mid-month) can end short because
   * sampled visits sit awkwardly apart. Take its visits out and place them again earliest-first with
   * the minimum gap (the greedy that maximises the count); keep whichever placement has more visits.
   */
  function replan(s: number): void {
    const before = book.routes.filter((r) => r.sites.includes(s)).map((r) => r);
    const originalSlots = before.map((r) => r.slot);
    for (const route of before) {
      const rest = route.sites.filter((x) => x !== s);
      const next = rest.length > 0 ? bestOrder(ctx, route.van, ctx.slots[route.slot]!, rest) : null;
      if (next) book.updateRoute(route, { sites: next.sites, ...next.timed });
      else book.removeRoute(route);
    }
    const placed: number[] = [];
    for (const slot of ctx.slots) {
      if (book.visits(s) >= minimum[s]!) break;
      if (!fits[s * nSlots + slot.index] || !book.rotationAllows(s, slot.index)) continue;
      if (placeIn(s, slot.index)) placed.push(slot.index);
    }
    if (placed.length > originalSlots.length) return;
    // No better: undo the new placements and put the original visits back.
    for (const route of book.routes.filter((r) => r.sites.includes(s))) {
      const rest = route.sites.filter((x) => x !== s);
      const next = rest.length > 0 ? bestOrder(ctx, route.van, ctx.slots[route.slot]!, rest) : null;
      if (next) book.updateRoute(route, { sites: next.sites, ...next.timed });
      else book.removeRoute(route);
    }
    for (const t of originalSlots) placeIn(s, t);
  }

  function repairOnce(s: number): boolean {
    const slots = slotOrder.filter((t) => fits[s * nSlots + t] && book.rotationAllows(s, t));
    // 1. Insert into a worked shift with room: least extra driving.
    let best: { route: Route; next: NonNullable<ReturnType<typeof bestOrder>>; extra: number } | null = null;
    const bySlot = new Map<number, Route[]>();
    for (const r of book.routes) {
      const list = bySlot.get(r.slot) ?? [];
      list.push(r);
      bySlot.set(r.slot, list);
    }
    for (const t of slots) {
      for (const route of bySlot.get(t) ?? []) {
        if (route.sites.length >= maxStops) continue;
        const next = bestOrder(ctx, route.van, ctx.slots[t]!, [...route.sites, s]);
        if (next && (!best || next.timed.travelS - route.travelS < best.extra)) best = { route, next, extra: next.timed.travelS - route.travelS };
      }
    }
    if (best) {
      book.updateRoute(best.route, { sites: best.next.sites, ...best.next.timed });
      return true;
    }
    // 2. A new shift for a free van (a one-session shift is worth it for a site below its minimum).
    for (const t of slots) {
      const slot = ctx.slots[t]!;
      for (const van of slot.vans) {
        if (!book.vanFree(van, t)) continue;
        const next = bestOrder(ctx, van, slot, [s]);
        if (next) {
          book.addRoute({ slot: t, van, sites: next.sites, ...next.timed });
          return true;
        }
      }
    }
    // 3. Swap out a visit of a site above its own minimum.
    for (const t of slots) {
      for (const route of bySlot.get(t) ?? []) {
        for (const other of route.sites) {
          if (book.visits(other) <= minimum[other]!) continue;
          const next = bestOrder(ctx, route.van, ctx.slots[t]!, [...route.sites.filter((x) => x !== other), s]);
          if (next) {
            book.updateRoute(route, { sites: next.sites, ...next.timed });
            return true;
          }
        }
      }
    }
    return false;
  }
}

/**
 * The consecutive-shift rule is judged on the slots that are actually worked (as the checker judges it):
 * if a slot has no sessions its neighbours become adjacent, and the first worked slot follows the last
 * slot of last month's plan (history). Drop any later visit that now breaks it (rare: mostly with a
 * minimum gap of one day) and re-time its shift.
 */
export function enforceWorkedSlotAdjacency(ctx: PlanContext, book: PlanBook): number {
  let dropped = 0;
  for (;;) {
    const worked = [...new Set(book.routes.map((r) => r.slot))].sort((a, b) => a - b);
    const position = new Map(worked.map((t, i) => [t, i]));
    let offender: { route: Route; site: number } | null = null;
    for (const route of book.routes) {
      for (const s of route.sites) {
        const k = position.get(route.slot)!;
        if (k > 0 ? book.slotsOf[s]!.has(worked[k - 1]!) : ctx.lastHistorySlotSites.has(s)) offender = { route, site: s };
      }
      if (offender) break;
    }
    if (!offender) return dropped;
    dropped++;
    const { route, site } = offender;
    const rest = route.sites.filter((x) => x !== site);
    const next = rest.length > 0 ? bestOrder(ctx, route.van, ctx.slots[route.slot]!, rest) : null;
    if (next) book.updateRoute(route, { sites: next.sites, ...next.timed });
    else book.removeRoute(route);
  }
}

/**
 * Sampling can leave a site short of its allocated visits (its vans were drawn elsewhere on its good
 * days). Top it up by inserting visits into worked shifts that have room — never new shifts: a third
 * session in a shift already driven to is the cheapest enforcement hour there is (productive time).
 * Sites furthest behind their quota go first (ties: riskier first); each takes the insertion with the
 * least extra driving among the slots rotation allows, in `slotOrder` on ties. Returns visits added.
 */
export function topUpQuotas(ctx: PlanContext, book: PlanBook, quota: readonly number[], fits: Uint8Array, slotOrder: readonly number[]): number {
  const nSlots = ctx.slots.length;
  const maxStops = ctx.inputs.options.maxSessionsPerShift;
  const rank = new Map(slotOrder.map((t, i) => [t, i]));
  let added = 0;
  for (let progress = true; progress; ) {
    progress = false;
    const behind = ctx.sites
      .map((_, s) => s)
      .filter((s) => book.visits(s) < quota[s]!)
      .sort((a, b) => quota[b]! - book.visits(b) - (quota[a]! - book.visits(a)) || ctx.sites[b]!.risk - ctx.sites[a]!.risk || a - b);
    for (const s of behind) {
      let best: { route: Route; next: NonNullable<ReturnType<typeof bestOrder>>; extra: number; rank: number } | null = null;
      for (const route of book.routes) {
        if (route.sites.length >= maxStops || !fits[s * nSlots + route.slot] || !book.rotationAllows(s, route.slot)) continue;
        const next = bestOrder(ctx, route.van, ctx.slots[route.slot]!, [...route.sites, s]);
        if (!next) continue;
        const extra = next.timed.travelS - route.travelS;
        const r = rank.get(route.slot) ?? 0;
        if (!best || extra < best.extra - 1e-9 || (Math.abs(extra - best.extra) <= 1e-9 && r < best.rank)) best = { route, next, extra, rank: r };
      }
      if (best) {
        book.updateRoute(best.route, { sites: best.next.sites, ...best.next.timed });
        added++;
        progress = true;
      }
    }
  }
  return added;
}
