import type { PlanContext } from './context.ts';
import { bestOrder } from './order.ts';
import type { PlanRandom } from './rng.ts';
import { PlanBook, type Route } from './state.ts';

/**
 * Sampling concrete van shifts from the allocation, security-game style: each site's visits are a
 * coverage budget spread over the month, and every concrete choice is *drawn* from weights with the
 * seeded generator rather than taken greedily, so nobody can read next week from last week.
 *
 * Slots are filled in time order. For each slot the roster's number of vans (taken in a random
 * order) each build one shift: a first site drawn from every site that may be visited then, weighted
 * by
 *   pacing   exp(1.5 × (visits due by now − visits done)), "due" following the site's own usable
 *            days half a halo ahead, so visits spread evenly over the month with their halos inside
 *            it (halo coverage) and restricted sites keep up; a site with too few visits to cover
 *            the month is drawn less in its last haloDays (a visit there covers only the days left);
 *   halo     0.3 + the uncovered share of the risk within haloKm over the next haloDays (spreads
 *            visits in space and time);
 *   district × ((due + 3) ÷ (done + 3))⁴ of the site's district, clamped to 0.3–6 (fairness);
 *   concern  × 12 until a concern site's first visit (responsiveness);
 *   penalties × 0.25 within haloKm of a site already visited today, × 0.35 if visited exactly 7 days
 *            ago ("same as last week"), and a soft spacing factor after the minimum gap;
 *   base     exp(−drive from the van's base ÷ 20 min) for the first site;
 * then further sites drawn the same way × exp(−extra driving ÷ 8 min), each accepted only if some
 * order of the shift's sites is feasible (order.ts). A shift with one session is kept only for a
 * site that cannot wait (concern or tier minimum at risk): productive time matters.
 */

export interface SampleSettings {
  /** 0 = always the best-weighted choice, 1 = proportional to weight. */
  temperature: number;
  /** Vans to work per slot (roster). */
  vansPerSlot: number[];
  /** Target visits per site (allocation). */
  quota: number[];
  /** Lower bound per site (tier minimum / concern). */
  minimum: number[];
  /** Site can fit slot: fits[s * slots + t]. */
  fits: Uint8Array;
}

export interface SiteGeometry {
  /** Site indexes within haloKm of each site (itself included). */
  neighbours: number[][];
}

export function siteGeometry(ctx: PlanContext): SiteGeometry {
  const haloM = ctx.inputs.options.haloKm * 1000;
  const neighbours = ctx.sites.map((a) => {
    const out: number[] = [];
    ctx.sites.forEach((b, j) => {
      if (Math.hypot(a.x - b.x, a.y - b.y) <= haloM) out.push(j);
    });
    return out;
  });
  return { neighbours };
}

const SEED_TAU_S = 20 * 60;
const EXTEND_TAU_S = 8 * 60;
const MAX_TRIES = 14;

export function sampleRoutes(ctx: PlanContext, settings: SampleSettings, geometry: SiteGeometry, rng: PlanRandom, book = new PlanBook(ctx)): PlanBook {
  const o = ctx.inputs.options;
  const nSites = ctx.sites.length;
  const nSlots = ctx.slots.length;
  const nDays = ctx.dates.length;
  const { quota, fits, temperature } = settings;
  const risk = ctx.sites.map((s) => Math.max(0, s.risk) + 1e-9);

  // Usable days per site, cumulative: pacing follows the site's own calendar.
  const dayOk = ctx.sites.map(() => new Uint8Array(nDays));
  for (const slot of ctx.slots) for (let s = 0; s < nSites; s++) if (fits[s * nSlots + slot.index]) dayOk[s]![slot.day] = 1;
  const cumulative = dayOk.map((days) => {
    const c = new Float64Array(nDays + 1);
    for (let d = 0; d < nDays; d++) c[d + 1] = c[d]! + days[d]!;
    return c;
  });

  // covered[s * nDays + d]: some visit within haloKm in the haloDays up to and including d (from history too).
  const covered = new Uint8Array(nSites * nDays);
  const cover = (s: number, day: number) => {
    for (const n of geometry.neighbours[s]!) {
      for (let d = Math.max(0, day); d < Math.min(nDays, day + o.haloDays); d++) covered[n * nDays + d] = 1;
    }
  };
  ctx.historyDays.forEach((days, s) => days.forEach((d) => cover(s, d)));
  const neighbourRisk = geometry.neighbours.map((list) => list.reduce((a, n) => a + risk[n]!, 0));

  const concernOpen = ctx.sites.map((s) => s.concerns.length > 0);
  const lastVisitDay = (s: number) => {
    const days = book.days[s]!;
    let last = ctx.historyDays[s]!.length > 0 ? ctx.historyDays[s]![ctx.historyDays[s]!.length - 1]! : -Infinity;
    for (const d of days) if (d > last) last = d;
    return last;
  };

  const lookahead = Math.ceil(o.haloDays / 2);
  const weights = new Float64Array(nSites);
  const visitedToday = new Uint8Array(nSites);
  let today = -1;

  for (const slot of ctx.slots) {
    if (slot.day !== today) {
      today = slot.day;
      visitedToday.fill(0);
    }
    const wanted = settings.vansPerSlot[slot.index] ?? 0;
    if (wanted <= 0) continue;

    // Site weights for this slot (every van shares them; today's visits update the halo penalty).
    // District pacing: a district behind its due visits (far from the bases, say) is drawn more.
    const districtDue = new Map<string, number>();
    const districtDone = new Map<string, number>();
    for (let s = 0; s < nSites; s++) {
      const code = ctx.sites[s]!.districtCode;
      const usable = cumulative[s]![nDays]!;
      districtDue.set(code, (districtDue.get(code) ?? 0) + (usable > 0 ? (quota[s]! * cumulative[s]![today + 1]!) / usable : 0));
      districtDone.set(code, (districtDone.get(code) ?? 0) + book.visits(s));
    }
    const districtFactor = new Map<string, number>();
    for (const [code, due] of districtDue) {
      districtFactor.set(code, Math.min(6, Math.max(0.3, Math.pow((due + 3) / (districtDone.get(code)! + 3), 4))));
    }
    const haloSeen = new Uint8Array(nSites);
    for (let s = 0; s < nSites; s++) if (visitedToday[s]) for (const n of geometry.neighbours[s]!) haloSeen[n] = 1;
    for (let s = 0; s < nSites; s++) {
      weights[s] = 0;
      if (!fits[s * nSlots + slot.index]) continue;
      const done = book.visits(s);
      if (done >= quota[s]! || !book.rotationAllows(s, slot.index)) continue;
      const usable = cumulative[s]![nDays]!;
      // Due a little ahead of the calendar (half a halo), so a visit's halo days fall inside the month.
      const due = usable > 0 ? (quota[s]! * cumulative[s]![Math.min(nDays, today + 1 + lookahead)]!) / usable : 0;
      const pacing = Math.exp(Math.min(4, 1.5 * (due - done)));
      let uncovered = 0;
      for (const n of geometry.neighbours[s]!) {
        let free = 0;
        for (let d = today; d < Math.min(nDays, today + o.haloDays); d++) if (!covered[n * nDays + d]) free++;
        uncovered += (risk[n]! * free) / o.haloDays;
      }
      let w = pacing * (0.3 + uncovered / neighbourRisk[s]!) * districtFactor.get(ctx.sites[s]!.districtCode)!;
      // A visit in the month's last days covers only the days left: worth less to a site with few visits.
      if (quota[s]! * o.haloDays < nDays) w *= Math.min(1, (nDays - today) / o.haloDays);
      if (concernOpen[s] && done === 0) w *= 12;
      if (haloSeen[s]) w *= 0.25;
      const since = today - lastVisitDay(s);
      if (book.days[s]!.includes(today - 7) || ctx.historyDays[s]!.includes(today - 7)) w *= 0.35;
      const interval = nDays / Math.max(1, quota[s]!);
      // Halos should tile, not overlap: a visit sooner than min(haloDays, 0.9 × the site's interval) after the last is drawn less.
      if (Number.isFinite(since)) w *= Math.min(1, Math.pow(since / Math.max(ctx.gapDays, Math.min(o.haloDays, 0.9 * interval)), 3));
      weights[s] = w;
    }

    let worked = 0;
    for (const van of rng.shuffled(slot.vans)) {
      if (worked >= wanted) break;
      if (!book.vanFree(van, slot.index)) continue;
      const route = buildRoute(ctx, settings, book, van, slot.index, weights, rng, temperature);
      if (!route) continue;
      const critical = route.sites.some((s) => (concernOpen[s] && book.visits(s) === 0) || book.visits(s) < settings.minimum[s]!);
      if (route.sites.length < 2 && !critical) continue;
      book.addRoute(route);
      worked++;
      for (const s of route.sites) {
        weights[s] = 0;
        visitedToday[s] = 1;
        cover(s, today);
        for (const n of geometry.neighbours[s]!) weights[n]! *= 0.25;
      }
    }
  }
  return book;
}

function buildRoute(
  ctx: PlanContext,
  settings: SampleSettings,
  book: PlanBook,
  van: number,
  slotIndex: number,
  weights: Float64Array,
  rng: PlanRandom,
  temperature: number,
): Route | null {
  const slot = ctx.slots[slotIndex]!;
  const base = ctx.vans[van]!.baseTravelIndex;
  const nSites = ctx.sites.length;
  const maxStops = ctx.inputs.options.maxSessionsPerShift;
  const trial = new Float64Array(nSites);
  for (let s = 0; s < nSites; s++) {
    const w = weights[s]!;
    trial[s] = w > 0 ? w * Math.exp(-ctx.travelS(base, ctx.sites[s]!.travelIndex) / SEED_TAU_S) : 0;
  }
  let current: { sites: number[]; arrive: number[]; depart: number[]; travelS: number } | null = null;
  for (let tries = 0; tries < MAX_TRIES && !current; tries++) {
    const s = rng.pick(trial, temperature);
    if (s < 0) return null;
    trial[s] = 0;
    const ordered = bestOrder(ctx, van, slot, [s]);
    if (ordered) current = { sites: ordered.sites, ...ordered.timed };
  }
  if (!current) return null;

  while (current.sites.length < maxStops) {
    const stops = [base, ...current.sites.map((s) => ctx.sites[s]!.travelIndex), base];
    for (let s = 0; s < nSites; s++) {
      const w = weights[s]!;
      if (w <= 0 || current.sites.includes(s)) {
        trial[s] = 0;
        continue;
      }
      const at = ctx.sites[s]!.travelIndex;
      let extra = Infinity;
      for (let i = 0; i + 1 < stops.length; i++) {
        const e = ctx.travelS(stops[i]!, at) + ctx.travelS(at, stops[i + 1]!) - ctx.travelS(stops[i]!, stops[i + 1]!);
        if (e < extra) extra = e;
      }
      trial[s] = w * Math.exp(-extra / EXTEND_TAU_S);
    }
    let added = false;
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      const s = rng.pick(trial, temperature);
      if (s < 0) break;
      trial[s] = 0;
      const ordered = bestOrder(ctx, van, slot, [...current.sites, s]);
      if (ordered) {
        current = { sites: ordered.sites, ...ordered.timed };
        added = true;
        break;
      }
    }
    if (!added) break;
  }
  return { slot: slotIndex, van, ...current };
}
