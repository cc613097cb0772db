import { describe, expect, it } from 'vitest';
import { siteSlotFits } from './allocate.ts';
import { checkPlan } from './check.ts';
import { buildContext } from './context.ts';
import { epochMsToIso } from '../calendar/time.ts';
import { bestOrder } from './order.ts';
import { PlanBook } from './state.ts';
import { lengthenRoutes, stretchSessions } from './stretch.ts';
import { syntheticInputs } from './synthetic.ts';
import type { PlannedSession } from './types.ts';

// A compact synthetic month with one two-session shift per van per weekday morning: lots of idle time to stretch into.
function smallBook() {
  const inputs = syntheticInputs({ month: '2026-11', sites: 24, vans: 2, seed: 7, districtCodes: ['E07000123', 'E07000126'] });
  for (const site of inputs.sites) site.restrictions = {};
  const ctx = buildContext(inputs);
  const fits = siteSlotFits(ctx);
  const book = new PlanBook(ctx);
  let next = 0;
  for (const slot of ctx.slots.filter((s) => s.shift.code === 'early' && s.day % 4 === 0)) {
    for (const van of slot.vans) {
      const pair = [next % ctx.sites.length, (next + 1) % ctx.sites.length];
      next += 2;
      if (!pair.every((s) => fits[s * ctx.slots.length + slot.index] && book.rotationAllows(s, slot.index))) continue;
      const ordered = bestOrder(ctx, van, slot, pair);
      if (ordered) book.addRoute({ slot: slot.index, van, sites: ordered.sites, ...ordered.timed });
    }
  }
  return { inputs, ctx, fits, book };
}

function sessionsOf(ctx: ReturnType<typeof buildContext>, book: PlanBook): PlannedSession[] {
  return book.routes.flatMap((r) =>
    r.sites.map((s, i) => ({
      vanId: ctx.vans[r.van]!.id,
      date: ctx.slots[r.slot]!.date,
      shift: ctx.slots[r.slot]!.shift.code,
      order: i + 1,
      siteId: ctx.sites[s]!.id,
      arrive: epochMsToIso(r.arrive[i]!),
      depart: epochMsToIso(r.depart[i]!),
      fallbackSiteIds: [],
      reason: 'test',
    })),
  );
}

describe('stretching sessions into idle shift time', () => {
  it('lengthens the sessions of a shift with room equally, up to options.maxSessionMinutes, and keeps every hard rule', () => {
    const { inputs, ctx, book } = smallBook();
    expect(book.routes.length).toBeGreaterThan(5);
    lengthenRoutes(ctx, book);
    for (const r of book.routes) {
      const lengths = r.arrive.map((a, i) => (r.depart[i]! - a) / 60_000);
      for (const l of lengths) {
        expect(l).toBeGreaterThanOrEqual(inputs.options.sessionMinutes);
        expect(l).toBeLessThanOrEqual(inputs.options.maxSessionMinutes);
      }
      expect(new Set(lengths).size).toBe(1);
    }
    expect(checkPlan(inputs, sessionsOf(ctx, book))).toEqual([]);
  });

  it('adds enforcing hours without breaking a hard rule, never shortening a session below sessionMinutes', async () => {
    const { inputs, ctx, fits, book } = smallBook();
    const before = book.routes.reduce((sum, r) => sum + r.arrive.reduce((a, x, i) => a + r.depart[i]! - x, 0), 0);
    const outcome = await stretchSessions(ctx, book, { minimum: ctx.sites.map(() => 0), maximum: ctx.sites.map(() => 10), fits });
    const after = book.routes.reduce((sum, r) => sum + r.arrive.reduce((a, x, i) => a + r.depart[i]! - x, 0), 0);
    expect(after).toBeGreaterThan(before);
    expect(outcome.addedMinutes).toBeGreaterThan(0);
    for (const r of book.routes) for (let i = 0; i < r.sites.length; i++) expect(r.depart[i]! - r.arrive[i]!).toBeGreaterThanOrEqual(inputs.options.sessionMinutes * 60_000);
    expect(checkPlan(inputs, sessionsOf(ctx, book))).toEqual([]);
  });
});
