import { describe, expect, it } from 'vitest';
import { allocateVisits, calendarMaxVisits, planRoster, siteSlotFits } from './allocate.ts';
import { buildContext } from './context.ts';
import { syntheticInputs } from './synthetic.ts';

describe('allocateVisits (HiGHS)', () => {
  const inputs = syntheticInputs({ month: '2026-03', sites: 120, vans: 6, seed: 31 });
  const ctx = buildContext(inputs);
  const fits = siteSlotFits(ctx);

  it('keeps every site within its tier limits and what its calendar allows, and concern sites at one visit or more', async () => {
    const roster = await planRoster(ctx);
    const { visits } = await allocateVisits(ctx, fits, roster.capacity);
    ctx.sites.forEach((site, s) => {
      const tier = inputs.options.tiers[site.tier];
      const calendarMax = calendarMaxVisits(ctx, fits, s);
      expect(visits[s]).toBeLessThanOrEqual(Math.min(tier.maxVisits, calendarMax));
      expect(visits[s]).toBeGreaterThanOrEqual(Math.min(tier.minVisits, calendarMax));
      if (site.concerns.length > 0 && calendarMax > 0) expect(visits[s]).toBeGreaterThanOrEqual(1);
    });
  });

  it('stays within the session capacity and gives riskier sites at least as many visits on average', async () => {
    const { visits } = await allocateVisits(ctx, fits, 300);
    expect(visits.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(300);
    const order = ctx.sites.map((_, s) => s).sort((a, b) => ctx.sites[b]!.risk - ctx.sites[a]!.risk);
    const mean = (list: number[]) => list.reduce((a, s) => a + visits[s]!, 0) / list.length;
    expect(mean(order.slice(0, 30))).toBeGreaterThan(mean(order.slice(30, 60)));
    expect(mean(order.slice(30, 60))).toBeGreaterThan(mean(order.slice(90)));
  });

  it('rosters no more vans in a slot than are available, and none on their unavailable dates', async () => {
    const roster = await planRoster(ctx);
    ctx.slots.forEach((slot) => expect(roster.vansPerSlot[slot.index]).toBeLessThanOrEqual(slot.vans.length));
    for (const slot of ctx.slots) for (const v of slot.vans) expect(ctx.vans[v]!.unavailableDates).not.toContain(slot.date);
  });
});
