import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPlan } from './check.ts';
import { planMetrics } from './metrics.ts';
import { withDefaults } from './options.ts';
import { generatePlan } from './plan.ts';
import type { PlanInputs, PlanResult } from './types.ts';

// The demo register as the server planned it for December 2026 (server/planning's inputs snapshot, with extras
// such as site texts that the planner ignores): 36 eligible sites in 11 districts, 8 vans at 3 bases, early/late
// every day and a weekend shift for 3 vans, straight-line travel, no previous month.
function demoInputs(): PlanInputs {
  const raw = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'fixtures/demo-inputs-2026-12.json'), 'utf8')) as PlanInputs;
  const { month, sites, vans, shifts, calendar, travel, options, history } = raw;
  // The snapshot predates maxSessionMinutes: settings it lacks take today's defaults, as a new plan's would.
  return { month, sites, vans, shifts, calendar, travel, options: withDefaults(options), history };
}

const plans = new Map<number, Promise<PlanResult>>();
const planFor = (seed: number) => {
  if (!plans.has(seed)) plans.set(seed, generatePlan(demoInputs(), seed));
  return plans.get(seed)!;
};

describe('generatePlan on the demo register (December 2026)', () => {
  it.each([1, 2, 3])('with seed %i breaks no hard constraint and meets every quality target', async (seed) => {
    const inputs = demoInputs();
    const plan = await planFor(seed);
    const violations = checkPlan(inputs, plan.sessions);
    expect(violations).toEqual([]);
    const metrics = planMetrics(inputs, plan.sessions, violations);
    // Reported for the record (vitest prints it with --reporter=verbose or on failure).
    console.info(
      `seed ${seed}: ${plan.sessions.length} sessions; ` +
        Object.entries(metrics.targets)
          .map(([k, t]) => `${k} ${t.value === null ? '–' : Number.isInteger(t.value) ? t.value : t.value.toFixed(3)}${t.met ? '' : ' (missed)'}`)
          .join(', '),
    );
    const missed = Object.entries(metrics.targets).filter(([, t]) => !t.met).map(([k, t]) => `${k} = ${t.value} (target ${t.target})`);
    expect(missed).toEqual([]);
    // Every target met, so the planner has nothing to explain; straight-line travel is announced by server/planning.
    expect(plan.notes).toEqual([]);
  }, 60_000);

  it('gives reasons with rounded risk: a rank, never a raw score with many digits', async () => {
    const plan = await planFor(1);
    for (const s of plan.sessions) expect(s.reason).toMatch(/^tier [123] site, risk rank \d+ of 36: visit \d+ of \d+ this month/);
    for (const a of plan.allocation) expect(a.reason).not.toMatch(/\d\.\d{4}|\d{5}/);
  }, 60_000);

  it('gives the same plan for the same seed and a different one for another', async () => {
    const again = await generatePlan(demoInputs(), 1);
    expect(again).toEqual(await planFor(1));
    const key = (p: PlanResult) => p.sessions.map((s) => `${s.date}/${s.shift}/${s.siteId}`);
    const other = new Set(key(await planFor(2)));
    const same = key(await planFor(1)).filter((k) => other.has(k)).length;
    expect(same / (await planFor(1)).sessions.length).toBeLessThan(0.35);
  }, 60_000);
});

describe('generatePlan when the register cannot meet a target', () => {
  it('says why, with numbers, e.g. a weekend share when no site may be used at weekends', async () => {
    const inputs = demoInputs();
    for (const site of inputs.sites) site.restrictions = { ...site.restrictions, noWeekends: true };
    const plan = await generatePlan(inputs, 1);
    expect(checkPlan(inputs, plan.sessions)).toEqual([]);
    expect(plan.notes).toContainEqual(
      'weekend share 0.0% is outside 25.0%–30.0%: 8 of 31 days are Saturdays or Sundays, 8 of 8 vans can work them and 0 of 36 sites may be used on them; ' +
        'with the minimum gap and visit limits that is all the weekend work there is',
    );
  }, 60_000);
});
