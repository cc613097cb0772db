import type { PlanContext } from './context.ts';
import { bestOrder } from './order.ts';
import type { SiteGeometry } from './sample.ts';
import type { PlanBook, Route } from './state.ts';

/**
 * Filling halo holes: risk coverage counts the days each site is within haloKm and haloDays of a visit,
 * so a run of uncovered days at a risky site is the costliest gap a plan can have. After sampling, each
 * site (riskiest uncovered first) may take one more visit — within its maximum, into a worked shift with
 * room on a day inside one of its holes, rotation allowing — where that covers the most risk-days per
 * extra minute of driving; a site already at its maximum may instead move its most redundant visit there
 * (when the hole is worth 1.5 × what that visit covers). Extra visits never need a new shift, so they also raise productive time; the
 * stretch stage afterwards moves visits out of any district this pushes over its fairness band.
 * Returns the visits added or moved.
 */
export function fillCoverageHoles(ctx: PlanContext, book: PlanBook, maximum: readonly number[], fits: Uint8Array, geometry: SiteGeometry): number {
  const nSites = ctx.sites.length;
  const nDays = ctx.dates.length;
  const nSlots = ctx.slots.length;
  const halo = Math.max(1, Math.floor(ctx.inputs.options.haloDays));
  const maxStops = ctx.inputs.options.maxSessionsPerShift;
  // How many visits' halos cover each site-day.
  const covered = new Uint16Array(nSites * nDays);
  const cover = (s: number, day: number, by = 1) => {
    for (const n of geometry.neighbours[s]!) for (let d = Math.max(0, day); d < Math.min(nDays, day + halo); d++) covered[n * nDays + d]! += by;
  };
  /** Risk-days only the visit to s on `day` covers. */
  const loss = (s: number, day: number) => {
    let l = 0;
    for (const n of geometry.neighbours[s]!) {
      for (let d = Math.max(0, day); d < Math.min(nDays, day + halo); d++) if (covered[n * nDays + d] === 1) l += Math.max(0, ctx.sites[n]!.risk);
    }
    return l;
  };
  ctx.historyDays.forEach((days, s) => days.forEach((d) => cover(s, d)));
  book.days.forEach((days, s) => days.forEach((d) => cover(s, d)));
  const gain = (s: number, day: number) => {
    let g = 0;
    for (const n of geometry.neighbours[s]!) {
      for (let d = day; d < Math.min(nDays, day + halo); d++) if (!covered[n * nDays + d]) g += Math.max(0, ctx.sites[n]!.risk);
    }
    return g;
  };
  const uncovered = (s: number) => {
    let u = 0;
    for (let d = 0; d < nDays; d++) if (!covered[s * nDays + d]) u++;
    return u;
  };
  const order = ctx.sites
    .map((_, s) => s)
    .filter((s) => uncovered(s) > 0)
    .sort((a, b) => ctx.sites[b]!.risk * uncovered(b) - ctx.sites[a]!.risk * uncovered(a) || a - b);
  let added = 0;
  for (const s of order) {
    // At its maximum, a site may still move its most redundant visit (from a shift that keeps a session) into a hole.
    let move: { route: Route; day: number; loss: number } | null = null;
    if (book.visits(s) >= maximum[s]!) {
      for (const route of book.routes) {
        if (route.sites.length < 2 || !route.sites.includes(s)) continue;
        const day = ctx.slots[route.slot]!.day;
        const l = loss(s, day);
        if (!move || l < move.loss) move = { route, day, loss: l };
      }
      if (!move) continue;
    }
    let best: { route: Route; next: NonNullable<ReturnType<typeof bestOrder>>; score: number } | null = null;
    for (const route of book.routes) {
      const day = ctx.slots[route.slot]!.day;
      if (route.sites.length >= maxStops || covered[s * nDays + day] || !fits[s * nSlots + route.slot] || !book.rotationAllows(s, route.slot)) continue;
      const g = gain(s, day);
      // score ≤ gain, so a gain no better than the best score cannot win.
      if (g <= 0 || (best && g <= best.score)) continue;
      const next = bestOrder(ctx, route.van, ctx.slots[route.slot]!, [...route.sites, s]);
      if (!next) continue;
      // Risk-days gained per extra 10 minutes of driving (plus 10, so a free insertion is not infinite).
      const score = g / (1 + Math.max(0, next.timed.travelS - route.travelS) / 600);
      if (!best || score > best.score) best = { route, next, score };
    }
    if (best && move) {
      const day = ctx.slots[best.route.slot]!.day;
      // Worth moving only for clearly more risk-days than the visit covers where it is.
      if (gain(s, day) <= 1.5 * move.loss + 1e-9 || best.route === move.route) continue;
      const rest = move.route.sites.filter((x) => x !== s);
      const shorter = bestOrder(ctx, move.route.van, ctx.slots[move.route.slot]!, rest);
      if (!shorter) continue;
      book.updateRoute(move.route, { sites: shorter.sites, ...shorter.timed });
      cover(s, move.day, -1);
      // Rotation allowed the target with the old visit still booked, so it allows it without; the
      // target shift is another route, so its ordering still holds.
      book.updateRoute(best.route, { sites: best.next.sites, ...best.next.timed });
      cover(s, day);
      added++;
    } else if (best) {
      book.updateRoute(best.route, { sites: best.next.sites, ...best.next.timed });
      cover(s, ctx.slots[best.route.slot]!.day);
      added++;
    }
  }
  return added;
}
