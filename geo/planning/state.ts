import type { PlanContext } from './context.ts';

/**
 * The planner's working book of a month being built: which slots and days each site is visited on,
 * the routes (one per worked van shift) and which vans are busy when. Rotation rules are answered
 * from here; the independent checker never sees this.
 */
export interface Route {
  slot: number;
  van: number;
  /** Site indexes (into ctx.sites) in visiting order. */
  sites: number[];
  arrive: number[];
  depart: number[];
  travelS: number;
}

export class PlanBook {
  readonly routes: Route[] = [];
  /** Per site: day indexes of this month's visits (unsorted) and their slot indexes. */
  readonly days: number[][];
  readonly slotsOf: Array<Set<number>>;
  /** Per van: [startMs, endMs] of the slots it works. */
  readonly vanWindows: Array<Array<[number, number]>>;
  /** Per slot: vans working it. */
  readonly vansInSlot: Array<Set<number>>;

  constructor(private readonly ctx: PlanContext) {
    this.days = ctx.sites.map(() => []);
    this.slotsOf = ctx.sites.map(() => new Set());
    this.vanWindows = ctx.vans.map(() => []);
    this.vansInSlot = ctx.slots.map(() => new Set());
  }

  visits(s: number): number {
    return this.days[s]!.length;
  }

  /**
   * Min gap (this month and history) and the consecutive-shift rule allow a visit to s in slot t. The
   * consecutive rule is judged, as the checker judges it, on the slots that are worked (have sessions) plus
   * last month's slots: s may not be in the worked slot before or after t (nor in t itself), and when no slot
   * before t is worked, not in the last slot of history. Working t only separates its neighbours; emptying a
   * slot can join them, which enforceWorkedSlotAdjacency (repair.ts) puts right.
   */
  rotationAllows(s: number, slot: number): boolean {
    const day = this.ctx.slots[slot]!.day;
    const gap = this.ctx.gapDays;
    for (const d of this.days[s]!) if (Math.abs(d - day) < gap) return false;
    const history = this.ctx.historyDays[s]!;
    for (let i = history.length - 1; i >= 0; i--) {
      if (day - history[i]! < gap) return false;
      if (day - history[i]! >= gap) break;
    }
    const used = this.slotsOf[s]!;
    if (used.has(slot) || used.has(slot - 1) || used.has(slot + 1)) return false;
    for (const u of used) if (!this.workedBetween(u, slot)) return false;
    return !(this.ctx.lastHistorySlotSites.has(s) && !this.workedBetween(-1, slot));
  }

  /** Whether a slot strictly between slots a and b (either order) is worked. */
  workedBetween(a: number, b: number): boolean {
    const from = Math.min(a, b);
    const to = Math.max(a, b);
    for (let t = from + 1; t < to; t++) if (this.vansInSlot[t]!.size > 0) return true;
    return false;
  }

  /** The van can take on slot t (not already working it or an overlapping slot). */
  vanFree(van: number, slot: number): boolean {
    const sl = this.ctx.slots[slot]!;
    if (this.vansInSlot[slot]!.has(van)) return false;
    return this.vanWindows[van]!.every(([a, b]) => b <= sl.startMs || a >= sl.endMs);
  }

  addRoute(route: Route): void {
    const sl = this.ctx.slots[route.slot]!;
    this.routes.push(route);
    this.vanWindows[route.van]!.push([sl.startMs, sl.endMs]);
    this.vansInSlot[route.slot]!.add(route.van);
    for (const s of route.sites) this.markVisit(s, route.slot);
  }

  /** Replaces a route's stops and times (after an insertion, removal or re-ordering). */
  updateRoute(route: Route, next: Pick<Route, 'sites' | 'arrive' | 'depart' | 'travelS'>): void {
    for (const s of route.sites) this.unmarkVisit(s, route.slot);
    route.sites = next.sites;
    route.arrive = next.arrive;
    route.depart = next.depart;
    route.travelS = next.travelS;
    for (const s of route.sites) this.markVisit(s, route.slot);
  }

  /** Drops a route with no stops left (a van shift with no sessions is not worked). */
  removeRoute(route: Route): void {
    for (const s of route.sites) this.unmarkVisit(s, route.slot);
    const i = this.routes.indexOf(route);
    if (i >= 0) this.routes.splice(i, 1);
    const sl = this.ctx.slots[route.slot]!;
    const windows = this.vanWindows[route.van]!;
    const w = windows.findIndex(([a, b]) => a === sl.startMs && b === sl.endMs);
    if (w >= 0) windows.splice(w, 1);
    this.vansInSlot[route.slot]!.delete(route.van);
  }

  private markVisit(s: number, slot: number): void {
    this.days[s]!.push(this.ctx.slots[slot]!.day);
    this.slotsOf[s]!.add(slot);
  }

  private unmarkVisit(s: number, slot: number): void {
    const day = this.ctx.slots[slot]!.day;
    const list = this.days[s]!;
    const i = list.indexOf(day);
    if (i >= 0) list.splice(i, 1);
    this.slotsOf[s]!.delete(slot);
  }
}
