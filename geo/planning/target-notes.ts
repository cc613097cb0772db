import type { PlanContext } from './context.ts';
import { METRIC_TARGETS, planMetrics } from './metrics.ts';
import { stretchFactor } from './stretch-factor.ts';
import type { PlannedSession } from './types.ts';

/**
 * Notes for the quality targets a finished plan misses, each with the numbers that explain why (what
 * the register, the roster or the calendar allows), so a planner reading the plan sees whether a miss
 * is the data's limit or worth a manual look. Measured with planMetrics on the sessions themselves.
 */
export function targetNotes(ctx: PlanContext, sessions: PlannedSession[], maxVisits: readonly number[]): string[] {
  const inputs = ctx.inputs;
  const o = inputs.options;
  const m = planMetrics(inputs, sessions, []);
  const notes: string[] = [];
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const r2 = (x: number) => x.toFixed(2);
  const nDays = ctx.dates.length;
  const halo = Math.max(1, Math.floor(o.haloDays));

  if (!m.targets.weekendShare!.met) {
    const weekendDays = ctx.calendar.filter((d) => d.weekday >= 6).length;
    const weekendVans = new Set(ctx.slots.filter((s) => s.weekend).flatMap((s) => s.vans)).size;
    const weekendSites = ctx.sites.filter((_, s) => ctx.calendar.some((d, day) => d.weekday >= 6 && ctx.allowed[s]![day]!.length > 0)).length;
    notes.push(
      `weekend share ${pct(m.weekendShare)} is outside ${pct(o.weekendShare[0])}–${pct(o.weekendShare[1])}: ${weekendDays} of ${nDays} days are Saturdays or Sundays, ` +
        `${weekendVans} of ${ctx.vans.length} vans can work them and ${weekendSites} of ${ctx.sites.length} sites may be used on them; with the minimum gap and visit limits that is all the weekend work there is`,
    );
  }
  if (!m.targets.darknessShare!.met) {
    notes.push(
      `darkness share ${pct(m.darknessShare)} is outside ${pct(o.darknessShare[0])}–${pct(o.darknessShare[1])}: with the month's sunrise/sunset and the shift times, ` +
        `the sites' restrictions (daylight only, school times, windows) and visit limits do not allow it`,
    );
  }
  if (!m.targets.riskCoverage!.met) {
    // Ceiling: every site at its maximum visits, halos tiling its usable days without overlap (neighbours ignored).
    const totalRisk = ctx.sites.reduce((a, s) => a + s.risk, 0);
    let reachable = 0;
    ctx.sites.forEach((site, s) => {
      const coverable = new Set<number>();
      ctx.allowed[s]!.forEach((intervals, day) => {
        if (intervals.length > 0) for (let d = day; d < Math.min(nDays, day + halo); d++) coverable.add(d);
      });
      reachable += site.risk * Math.min(coverable.size, maxVisits[s]! * halo);
    });
    const ceiling = totalRisk > 0 ? reachable / (totalRisk * nDays) : 0;
    const t3 = o.tiers[3].maxVisits;
    const limit = `with every site at its tier maximum (tier 3: ${t3} visits = ${t3 * halo} of ${nDays} days of halo) and its blocked dates, perfectly spaced visits would cover about ${r2(ceiling)}`;
    notes.push(
      ceiling < METRIC_TARGETS.riskCoverage
        ? `risk coverage ${m.riskCoverage.toFixed(3)} is below ${METRIC_TARGETS.riskCoverage} and cannot reach it: ${limit}`
        : `risk coverage ${m.riskCoverage.toFixed(3)} is below ${METRIC_TARGETS.riskCoverage}: ${limit}, so the target is tight; the randomised spacing of this seed falls just short (another seed may meet it)`,
    );
  }
  if (!m.fairnessWithinBand) {
    const [lo, hi] = o.fairnessBand;
    const outside = m.districtFairness.filter((d) => d.ratio < lo - 1e-9 || d.ratio > hi + 1e-9);
    for (const d of outside) {
      const members = ctx.sites.map((site, s) => [site, s] as const).filter(([site]) => site.districtCode === d.districtCode);
      const maxHours = members.reduce((a, [, s]) => a + maxVisits[s]!, 0) * (o.sessionMinutes * stretchFactor(o)) / 60;
      notes.push(
        `district ${d.districtCode}: hours share ÷ risk share ${r2(d.ratio)} is outside ${lo}–${hi} (${pct(d.hoursShare)} of hours for ${pct(d.riskShare)} of risk; ` +
          `its ${members.length} site(s) allow at most ${Math.round(maxHours)} h this month at their visit maxima and ${o.sessionMinutes * stretchFactor(o)}-minute sessions)`,
      );
    }
  }
  if (!m.targets.productiveShare!.met) {
    notes.push(
      `productive share ${pct(m.productiveShare)} is below ${pct(METRIC_TARGETS.productiveShare)}: ${m.hoursEnforcing.toFixed(0)} h enforcing in ${m.hoursRostered.toFixed(0)} h of worked shifts; ` +
        `sites are too far apart or too restricted to fill more shifts with ${o.maxSessionsPerShift} sessions`,
    );
  }
  if (!m.targets.unpredictabilityEntropy!.met) {
    const counts = new Map<string, number>();
    for (const s of ctx.sites) counts.set(s.districtCode, (counts.get(s.districtCode) ?? 0) + 1);
    const small = [...counts.entries()].filter(([, n]) => n <= 2).map(([code, n]) => `${code} (${n})`);
    notes.push(
      `unpredictability entropy ${r2(m.unpredictabilityEntropy)} is below ${METRIC_TARGETS.unpredictabilityEntropy}: visits follow risk (tier 1 up to ${o.tiers[1].maxVisits}, tier 3 at most ${o.tiers[3].maxVisits})` +
        (small.length > 0 ? ` and ${small.length} district(s) have only one or two sites: ${small.join(', ')}` : ''),
    );
  }
  return notes;
}
