import { epochMsToIso } from '../calendar/time.ts';
import { allocateVisits, planRoster, scaleRoster, siteSlotFits } from './allocate.ts';
import { buildContext, type PlanContext } from './context.ts';
import { fillCoverageHoles } from './coverage.ts';
import { steerDarkness } from './darkness.ts';
import { fallbacksFor } from './fallbacks.ts';
import { enforceWorkedSlotAdjacency, repairMinimums, topUpQuotas } from './repair.ts';
import { planRandom } from './rng.ts';
import { sampleRoutes, siteGeometry } from './sample.ts';
import type { PlanBook } from './state.ts';
import { stretchSessions } from './stretch.ts';
import { targetNotes } from './target-notes.ts';
import type { PlanInputs, PlannedSession, PlanResult } from './types.ts';

/**
 * The monthly van plan, end to end (pure: no clock, no Math.random, no I/O besides loading HiGHS):
 *   1. context   slots of the month, per-site allowed intervals, site–slot fit;
 *   2. roster    HiGHS LP: vans per (date, shift) within weekend / darkness bands;
 *   3. allocate  HiGHS LP, rounded by largest remainder: visits per site (risk-weighted concave utility,
 *                tiers, calendar, fairness);
 *   4. sample    van shifts drawn slot by slot with the seeded generator (sample.ts);
 *   5. repair    visits topped up to the allocation in shifts with room; sites below their minimum put
 *                back; halo holes filled (coverage.ts); consecutive rule on worked slots;
 *   6. darkness  shifts slid within their slack to bring darkness into its band;
 *   7. stretch   HiGHS LP: sessions lengthened into idle shift time (up to options.maxSessionMinutes) to meet
 *                the hour-based targets: productive time, weekend/darkness shares, district fairness;
 *   8. fallbacks one or two nearby usable sites per session; notes for targets the data cannot meet.
 * Same inputs and seed → the same plan; another seed → another plan drawn from the same coverage.
 */

function validate(inputs: PlanInputs): void {
  const { travel } = inputs;
  if (travel.seconds.length !== travel.size * travel.size) {
    throw new RangeError(`travel.seconds has ${travel.seconds.length} entries, expected size² = ${travel.size * travel.size}`);
  }
  for (const site of inputs.sites) {
    if (!Number.isInteger(site.travelIndex) || site.travelIndex < 0 || site.travelIndex >= travel.size) {
      throw new RangeError(`site ${site.id}: travelIndex ${site.travelIndex} is outside the travel matrix (size ${travel.size})`);
    }
  }
  for (const van of inputs.vans) {
    if (!Number.isInteger(van.baseTravelIndex) || van.baseTravelIndex < 0 || van.baseTravelIndex >= travel.size) {
      throw new RangeError(`van ${van.id}: baseTravelIndex ${van.baseTravelIndex} is outside the travel matrix (size ${travel.size})`);
    }
  }
  if (!(inputs.options.sessionMinutes > 0)) throw new RangeError(`options.sessionMinutes must be positive, got ${inputs.options.sessionMinutes}`);
  if (!(inputs.options.maxSessionsPerShift >= 1)) throw new RangeError(`options.maxSessionsPerShift must be at least 1, got ${inputs.options.maxSessionsPerShift}`);
}

export async function generatePlan(
  inputs: PlanInputs,
  seed: number,
  onProgress?: (fraction: number, stage: string) => void,
): Promise<PlanResult> {
  const progress = onProgress ?? (() => {});
  validate(inputs);
  const rng = planRandom(seed);
  const notes: string[] = [];
  // Straight-line travel is announced by the caller (server/planning adds "No road network loaded…").

  progress(0.02, 'calendar and site windows');
  const ctx = buildContext(inputs);
  const fits = siteSlotFits(ctx);

  progress(0.1, 'roster (HiGHS)');
  const roster = await planRoster(ctx);

  progress(0.2, 'visit allocation (HiGHS)');
  const allocation = await allocateVisits(ctx, fits, roster.capacity);

  allocation.maxVisits.forEach((max, s) => {
    const site = ctx.sites[s]!;
    const tierMin = inputs.options.tiers[site.tier].minVisits;
    if (max < tierMin) notes.push(`site ${site.reference} (tier ${site.tier}): the calendar allows only ${max} of its minimum ${tierMin} visits (blocked dates, time restrictions, minimum gap, reach from the bases)`);
  });

  progress(0.35, 'sampling van shifts');
  const geometry = siteGeometry(ctx);
  const book = sampleRoutes(
    ctx,
    { temperature: inputs.options.randomness, vansPerSlot: scaleRoster(roster, allocation.visits.reduce((a, b) => a + b, 0)), quota: allocation.visits, minimum: allocation.minVisits, fits },
    geometry,
    rng,
  );

  progress(0.7, 'topping up allocations');
  topUpQuotas(ctx, book, allocation.visits, fits, rng.shuffled(ctx.slots.map((s) => s.index)));

  progress(0.75, 'repairing minimums');
  const unmet = repairMinimums(ctx, book, allocation.minVisits, fits, rng.shuffled(ctx.slots.map((s) => s.index)));
  for (const s of unmet) {
    const site = ctx.sites[s]!;
    notes.push(`site ${site.reference} (tier ${site.tier}) has ${book.visits(s)} of its minimum ${allocation.minVisits[s]} visits: no feasible slot left`);
  }
  for (let pass = 0; pass < 4 && fillCoverageHoles(ctx, book, allocation.maxVisits, fits, geometry) > 0; pass++);
  const dropped = enforceWorkedSlotAdjacency(ctx, book);
  if (dropped > 0) notes.push(`${dropped} visit(s) dropped to keep sites out of consecutive worked shifts`);

  progress(0.82, 'darkness');
  steerDarkness(ctx, book, rng);

  progress(0.88, 'stretching sessions (HiGHS)');
  await stretchSessions(ctx, book, { minimum: allocation.minVisits, maximum: allocation.maxVisits, fits });

  progress(0.95, 'fallbacks and measures');
  const sessions = toSessions(ctx, book, allocation.visits);
  notes.push(...targetNotes(ctx, sessions, allocation.maxVisits));
  progress(1, 'done');
  return { sessions, allocation: allocation.allocation, notes };
}

function toSessions(ctx: PlanContext, book: PlanBook, quota: readonly number[]): PlannedSession[] {
  const riskRank = new Map(
    ctx.sites
      .map((_, s) => s)
      .sort((a, b) => ctx.sites[b]!.risk - ctx.sites[a]!.risk || ctx.sites[a]!.id - ctx.sites[b]!.id)
      .map((s, i) => [s, i + 1]),
  );
  const routes = book.routes.slice().sort((a, b) => a.slot - b.slot || ctx.vans[a.van]!.id - ctx.vans[b.van]!.id);
  const visitNumber = new Map<number, number>();
  const sessions: PlannedSession[] = [];
  for (const route of routes) {
    const slot = ctx.slots[route.slot]!;
    route.sites.forEach((s, i) => {
      const site = ctx.sites[s]!;
      const n = (visitNumber.get(s) ?? 0) + 1;
      visitNumber.set(s, n);
      sessions.push({
        vanId: ctx.vans[route.van]!.id,
        date: slot.date,
        shift: slot.shift.code,
        order: i + 1,
        siteId: site.id,
        arrive: epochMsToIso(route.arrive[i]!),
        depart: epochMsToIso(route.depart[i]!),
        fallbackSiteIds: fallbacksFor(ctx, book, route, i),
        reason: `tier ${site.tier} site, risk rank ${riskRank.get(s)} of ${ctx.sites.length}: visit ${n} of ${book.visits(s)} this month (${quota[s]} allocated), drawn by risk-weighted sampling`,
      });
    });
  }
  return sessions;
}
