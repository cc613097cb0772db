import type { PlanContext } from './context.ts';
import type { PlanBook, Route } from './state.ts';

/**
 * One or two fallback sites per session, for when the crew cannot use the planned one (parking taken,
 * roadworks): the nearest sites by drive time from the planned site that could be enforced in the
 * same session window (not blocked that date, restrictions met for the planned arrive–depart), and
 * whose use would keep the rotation rules (min gap against their own visits and history; not in the
 * neighbouring slots). Sites on the same shift are excluded.
 */
export const FALLBACKS_PER_SESSION = 2;
/** Beyond this drive from the planned site a second fallback is not offered. */
const SECOND_FALLBACK_MAX_S = 20 * 60;

export function fallbacksFor(ctx: PlanContext, book: PlanBook, route: Route, stop: number): number[] {
  const slot = ctx.slots[route.slot]!;
  const planned = route.sites[stop]!;
  const from = ctx.sites[planned]!.travelIndex;
  const arrive = route.arrive[stop]!;
  const depart = route.depart[stop]!;
  const candidates: Array<{ s: number; seconds: number }> = [];
  ctx.sites.forEach((site, s) => {
    if (route.sites.includes(s)) return;
    if (!ctx.allowed[s]![slot.day]!.some((iv) => iv.from <= arrive && depart <= iv.to)) return;
    if (!book.rotationAllows(s, route.slot)) return;
    candidates.push({ s, seconds: ctx.travelS(from, site.travelIndex) });
  });
  candidates.sort((a, b) => a.seconds - b.seconds || ctx.sites[a.s]!.id - ctx.sites[b.s]!.id);
  const chosen = candidates.slice(0, FALLBACKS_PER_SESSION).filter((c, i) => i === 0 || c.seconds <= SECOND_FALLBACK_MAX_S);
  return chosen.map((c) => ctx.sites[c.s]!.id);
}
