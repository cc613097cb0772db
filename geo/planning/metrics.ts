import KDBush from 'kdbush';
import { datesOfMonth } from '../calendar/time.ts';
import { dayNumber, indexInputs, instantMs, isCalendarDate, isoWeekday, liveSessions, localDate, shiftWindowMs, travelSeconds, type CheckedSession } from './check.ts';
import type { PlanInputs, PlanMetrics, PlanSite, PlannedSession, Violation } from './types.ts';

/**
 * The quality measures of a van plan (the brief's table), computed from the sessions and the inputs only, so
 * the same numbers come out whoever made the plan (optimiser or planner edits). Hours are (depart − arrive) of
 * sessions; cancelled sessions do not count; sessions at sites missing from the inputs count for hours and
 * rostered time but not for any per-site measure (they are already violations).
 */

const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;
// Targets compare floating-point shares: 0.7 computed as 7/10 must meet "≥ 0.7".
const EPSILON = 1e-9;

/** The brief's fixed targets; the weekend/darkness bands, fairness band and concern days come from the options. */
export const METRIC_TARGETS = {
  riskCoverage: 0.8,
  spearmanHoursRisk: 0.7,
  breadth: 0.7,
  topDecileHoursShare: 0.3,
  unpredictabilityEntropy: 0.85,
  sameAsLastWeekFactor: 1.5,
  productiveShare: 0.7,
  concernDaysP95: 30,
} as const;

interface MeasuredSession {
  session: PlannedSession;
  site: PlanSite | undefined;
  arriveMs: number;
  departMs: number;
  /** Enforcing hours; 0 for unparseable or reversed times. */
  hours: number;
  /** Date is a real date (used for day-based measures). */
  dated: boolean;
}

/** Computes every PlanMetrics measure and its target. `violations` is the checker's list for the same sessions. */
export function planMetrics(inputs: PlanInputs, sessions: PlannedSession[], violations: Violation[]): PlanMetrics {
  const index = indexInputs(inputs);
  const options = inputs.options;
  const measured: MeasuredSession[] = liveSessions(sessions as CheckedSession[]).map((session) => {
    const arriveMs = instantMs(session.arrive);
    const departMs = instantMs(session.depart);
    const hours = departMs > arriveMs ? (departMs - arriveMs) / MS_PER_HOUR : 0;
    return { session, site: index.sites.get(session.siteId), arriveMs, departMs, hours, dated: isCalendarDate(session.date) };
  });
  const atSites = measured.filter((m) => m.site !== undefined);
  const hoursEnforcing = sum(measured.map((m) => m.hours));

  const { hoursRostered, hoursTravelling } = rosterAndTravel(inputs, index, measured);

  const siteHours = new Map<number, number>();
  const siteVisits = new Map<number, number>();
  for (const m of atSites) {
    siteHours.set(m.session.siteId, (siteHours.get(m.session.siteId) ?? 0) + m.hours);
    siteVisits.set(m.session.siteId, (siteVisits.get(m.session.siteId) ?? 0) + 1);
  }
  const hoursAtSites = sum([...siteHours.values()]);

  const riskCoverage = riskWeightedCoverage(inputs, atSites);
  const topTierBelowMinimum = inputs.sites.filter((s) => s.tier === 1 && (siteVisits.get(s.id) ?? 0) < options.tiers[1].minVisits).length;
  const spearmanHoursRisk = spearman(
    inputs.sites.map((s) => siteHours.get(s.id) ?? 0),
    inputs.sites.map((s) => s.risk),
  );
  const breadth = inputs.sites.length > 0 ? siteHours.size / inputs.sites.length : 0;
  // Top 10 % = ceil(n / 10) sites; the planner (allocate.ts, stretch.ts) counts it the same way, with its own code.
  const topDecile = [...inputs.sites].sort((a, b) => b.risk - a.risk || a.id - b.id).slice(0, Math.ceil(inputs.sites.length / 10));
  const topDecileHoursShare = hoursEnforcing > 0 ? sum(topDecile.map((s) => siteHours.get(s.id) ?? 0)) / hoursEnforcing : 0;

  const districtFairness = fairness(inputs, siteHours, hoursAtSites);
  const [bandLow, bandHigh] = options.fairnessBand;
  const fairnessWithinBand = districtFairness.every((d) => d.ratio >= bandLow - EPSILON && d.ratio <= bandHigh + EPSILON);

  const unpredictabilityEntropy = entropyOfSiteChoice(inputs, atSites);
  const { hitRate: sameAsLastWeekHitRate, chance: sameAsLastWeekChance } = sameAsLastWeek(inputs, atSites);
  const rotationBreaches = violations.filter((v) => v.kind === 'min_gap' || v.kind === 'consecutive_shifts').length;

  const { weekendHours, darkHours } = weekendAndDarkness(inputs, measured);
  const weekendShare = hoursEnforcing > 0 ? weekendHours / hoursEnforcing : 0;
  const darknessShare = hoursEnforcing > 0 ? darkHours / hoursEnforcing : 0;
  const productiveShare = hoursRostered > 0 ? hoursEnforcing / hoursRostered : 0;

  const concernDays = concernResponseDays(inputs, atSites);
  const concernDaysMedian = concernDays.length > 0 ? quantile(concernDays, 0.5) : null;
  const concernDaysP95 = concernDays.length > 0 ? quantile(concernDays, 0.95) : null;

  const worstRatio = districtFairness.length > 0 ? districtFairness.reduce((worst, d) => (Math.abs(Math.log(d.ratio)) > Math.abs(Math.log(worst.ratio)) ? d : worst)).ratio : null;
  const within = (value: number, [low, high]: [number, number]) => value >= low - EPSILON && value <= high + EPSILON;
  const percent = (share: number) => `${Math.round(share * 1000) / 10}%`;
  const chanceLimit = METRIC_TARGETS.sameAsLastWeekFactor * sameAsLastWeekChance;

  const targets: PlanMetrics['targets'] = {
    violations: { value: violations.length, target: '0', met: violations.length === 0 },
    riskCoverage: { value: riskCoverage, target: `≥ ${METRIC_TARGETS.riskCoverage}`, met: riskCoverage >= METRIC_TARGETS.riskCoverage - EPSILON },
    topTierBelowMinimum: { value: topTierBelowMinimum, target: `0 (every tier 1 site ≥ ${options.tiers[1].minVisits} visits)`, met: topTierBelowMinimum === 0 },
    spearmanHoursRisk: { value: spearmanHoursRisk, target: `≥ ${METRIC_TARGETS.spearmanHoursRisk}`, met: spearmanHoursRisk >= METRIC_TARGETS.spearmanHoursRisk - EPSILON },
    breadth: { value: breadth, target: `≥ ${METRIC_TARGETS.breadth}`, met: breadth >= METRIC_TARGETS.breadth - EPSILON },
    topDecileHoursShare: { value: topDecileHoursShare, target: `≤ ${percent(METRIC_TARGETS.topDecileHoursShare)}`, met: topDecileHoursShare <= METRIC_TARGETS.topDecileHoursShare + EPSILON },
    districtFairness: { value: worstRatio, target: `every district ${bandLow}–${bandHigh} (value: the ratio furthest from 1)`, met: fairnessWithinBand },
    unpredictabilityEntropy: { value: unpredictabilityEntropy, target: `≥ ${METRIC_TARGETS.unpredictabilityEntropy}`, met: unpredictabilityEntropy >= METRIC_TARGETS.unpredictabilityEntropy - EPSILON },
    sameAsLastWeekHitRate: {
      value: sameAsLastWeekHitRate,
      target: `≤ ${METRIC_TARGETS.sameAsLastWeekFactor} × chance (${round(sameAsLastWeekChance, 3)}) = ${round(chanceLimit, 3)}`,
      met: sameAsLastWeekHitRate <= chanceLimit + EPSILON,
    },
    rotationBreaches: { value: rotationBreaches, target: '0', met: rotationBreaches === 0 },
    weekendShare: { value: weekendShare, target: `${percent(options.weekendShare[0])}–${percent(options.weekendShare[1])}`, met: within(weekendShare, options.weekendShare) },
    darknessShare: { value: darknessShare, target: `${percent(options.darknessShare[0])}–${percent(options.darknessShare[1])}`, met: within(darknessShare, options.darknessShare) },
    productiveShare: { value: productiveShare, target: `≥ ${percent(METRIC_TARGETS.productiveShare)}`, met: productiveShare >= METRIC_TARGETS.productiveShare - EPSILON },
    // No concerns to respond to: nothing missed.
    concernDaysMedian: { value: concernDaysMedian, target: `≤ ${options.concernResponseDays} days`, met: concernDaysMedian === null || concernDaysMedian <= options.concernResponseDays + EPSILON },
    concernDaysP95: { value: concernDaysP95, target: `≤ ${METRIC_TARGETS.concernDaysP95} days`, met: concernDaysP95 === null || concernDaysP95 <= METRIC_TARGETS.concernDaysP95 + EPSILON },
  };

  return {
    sessions: measured.length,
    hoursEnforcing,
    hoursRostered,
    hoursTravelling,
    violations: violations.length,
    riskCoverage,
    topTierBelowMinimum,
    spearmanHoursRisk,
    breadth,
    topDecileHoursShare,
    districtFairness,
    fairnessWithinBand,
    unpredictabilityEntropy,
    sameAsLastWeekHitRate,
    sameAsLastWeekChance,
    rotationBreaches,
    weekendShare,
    darknessShare,
    productiveShare,
    concernDaysMedian,
    concernDaysP95,
    targets,
  };
}

/** Rostered hours (shift length of every worked van shift, clock changes included) and travel hours (base → sites → base). */
function rosterAndTravel(inputs: PlanInputs, index: ReturnType<typeof indexInputs>, measured: MeasuredSession[]): { hoursRostered: number; hoursTravelling: number } {
  const shifts = new Map<string, MeasuredSession[]>();
  for (const m of measured) {
    const key = `${m.session.vanId}|${m.session.date}|${m.session.shift}`;
    const group = shifts.get(key);
    if (group) group.push(m);
    else shifts.set(key, [m]);
  }
  let rosteredMs = 0;
  let travelS = 0;
  for (const group of shifts.values()) {
    const { vanId, date, shift } = group[0]!.session;
    const template = index.shifts.get(shift);
    if (template && isCalendarDate(date)) {
      const [start, end] = shiftWindowMs(date, template);
      rosteredMs += end - start;
    }
    const stops = group
      .filter((m) => m.site !== undefined)
      .sort((a, b) => a.session.order - b.session.order || a.arriveMs - b.arriveMs)
      .map((m) => m.site!.travelIndex);
    const base = index.vans.get(vanId)?.baseTravelIndex;
    const path = base === undefined ? stops : [base, ...stops, base];
    for (let i = 1; i < path.length; i++) {
      const seconds = travelSeconds(inputs, path[i - 1]!, path[i]!);
      if (Number.isFinite(seconds)) travelS += seconds;
    }
  }
  return { hoursRostered: rosteredMs / MS_PER_HOUR, hoursTravelling: travelS / 3600 };
}

/**
 * Σ_s risk_s × (days of the month within the halo of a visit: at a site within haloKm, 0…haloDays−1 days
 * earlier) ÷ (Σ_s risk_s × days in month). Last month's visits (history) count: their halo reaches into this month.
 * Neighbours come from a k-d tree, so the work is sites × neighbours × days.
 */
function riskWeightedCoverage(inputs: PlanInputs, atSites: MeasuredSession[]): number {
  const sites = inputs.sites;
  const totalRisk = sum(sites.map((s) => s.risk));
  const days = datesOfMonth(inputs.month);
  if (sites.length === 0 || !(totalRisk > 0)) return 0;
  const firstDay = dayNumber(days[0]!);
  const haloDays = Math.max(0, Math.floor(inputs.options.haloDays));
  const position = new Map(sites.map((s, i) => [s.id, i]));

  // Days of the month each site's own visits cover.
  const covered = sites.map(() => new Uint8Array(days.length));
  const mark = (siteId: number, date: string) => {
    const i = position.get(siteId);
    if (i === undefined || !isCalendarDate(date)) return;
    const visitDay = dayNumber(date) - firstDay;
    for (let d = Math.max(0, visitDay); d < Math.min(days.length, visitDay + haloDays); d++) covered[i]![d] = 1;
  };
  for (const m of atSites) if (m.dated) mark(m.session.siteId, m.session.date);
  for (const h of inputs.history) mark(h.siteId, h.date);

  const tree = new KDBush(sites.length);
  for (const s of sites) tree.add(s.x, s.y);
  tree.finish();
  const radiusM = inputs.options.haloKm * 1000;

  let weighted = 0;
  const union = new Uint8Array(days.length);
  sites.forEach((s) => {
    union.fill(0);
    for (const j of tree.within(s.x, s.y, radiusM)) {
      const theirs = covered[j]!;
      for (let d = 0; d < days.length; d++) union[d]! |= theirs[d]!;
    }
    weighted += s.risk * union.reduce((n, v) => n + v, 0);
  });
  return weighted / (totalRisk * days.length);
}

/** Spearman's ρ: Pearson correlation of the ranks, ties given their average rank; 0 when either side is constant. */
export function spearman(a: number[], b: number[]): number {
  if (a.length !== b.length) throw new RangeError(`spearman needs two lists of one length, got ${a.length} and ${b.length}`);
  if (a.length < 2) return 0;
  return pearson(averageRanks(a), averageRanks(b));
}

/** Ranks 1..n, tied values sharing the mean of the ranks they span. */
export function averageRanks(values: number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((x, y) => x[0] - y[0]);
  const ranks = new Array<number>(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]![1]] = rank;
    i = j + 1;
  }
  return ranks;
}

function pearson(a: number[], b: number[]): number {
  const meanA = sum(a) / a.length;
  const meanB = sum(b) / b.length;
  let cov = 0;
  let varA = 0;
  let varB = 0;
  for (let i = 0; i < a.length; i++) {
    cov += (a[i]! - meanA) * (b[i]! - meanB);
    varA += (a[i]! - meanA) ** 2;
    varB += (b[i]! - meanB) ** 2;
  }
  return varA > 0 && varB > 0 ? cov / Math.sqrt(varA * varB) : 0;
}

/** Per district with sites: hours share ÷ risk share (∞ for hours in a district of zero risk). */
function fairness(inputs: PlanInputs, siteHours: Map<number, number>, hoursAtSites: number): PlanMetrics['districtFairness'] {
  const totalRisk = sum(inputs.sites.map((s) => s.risk));
  const districts = new Map<string, { hours: number; risk: number }>();
  for (const s of inputs.sites) {
    const d = districts.get(s.districtCode) ?? { hours: 0, risk: 0 };
    d.hours += siteHours.get(s.id) ?? 0;
    d.risk += s.risk;
    districts.set(s.districtCode, d);
  }
  return [...districts.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([districtCode, d]) => {
      const hoursShare = hoursAtSites > 0 ? d.hours / hoursAtSites : 0;
      const riskShare = totalRisk > 0 ? d.risk / totalRisk : 0;
      // No risk and no hours is fair; hours where there is no risk is not.
      const ratio = riskShare > 0 ? hoursShare / riskShare : hoursShare > 0 ? Number.POSITIVE_INFINITY : 1;
      return { districtCode, hoursShare, riskShare, ratio };
    });
}

/**
 * Per (district, shift): Shannon entropy of the visit counts per site ÷ ln(min(visits, sites in district)) —
 * 1 when visits are spread as evenly as they can be. Visit-weighted mean over groups with a choice
 * (denominator > 0); 0 when no group has one.
 */
function entropyOfSiteChoice(inputs: PlanInputs, atSites: MeasuredSession[]): number {
  const sitesInDistrict = countBy(inputs.sites, (s) => s.districtCode);
  const groups = new Map<string, { district: string; counts: Map<number, number>; visits: number }>();
  for (const m of atSites) {
    const key = `${m.site!.districtCode}|${m.session.shift}`;
    const g = groups.get(key) ?? { district: m.site!.districtCode, counts: new Map<number, number>(), visits: 0 };
    g.counts.set(m.session.siteId, (g.counts.get(m.session.siteId) ?? 0) + 1);
    g.visits++;
    groups.set(key, g);
  }
  let weighted = 0;
  let weight = 0;
  for (const g of groups.values()) {
    const denominator = Math.log(Math.min(g.visits, sitesInDistrict.get(g.district) ?? 0));
    if (!(denominator > 0)) continue;
    let entropy = 0;
    for (const c of g.counts.values()) entropy -= (c / g.visits) * Math.log(c / g.visits);
    weighted += g.visits * (entropy / denominator);
    weight += g.visits;
  }
  return weight > 0 ? weighted / weight : 0;
}

/**
 * The "same as last week" predictor: a hit when a session's site was visited (any van, this plan or last month's)
 * exactly 7 days earlier; chance = mean over sessions of the share of the district's sites visited 7 days earlier.
 */
function sameAsLastWeek(inputs: PlanInputs, atSites: MeasuredSession[]): { hitRate: number; chance: number } {
  const districtOf = new Map(inputs.sites.map((s) => [s.id, s.districtCode]));
  const sitesInDistrict = countBy(inputs.sites, (s) => s.districtCode);
  const visitedOn = new Map<number, Set<number>>();
  const visit = (date: string, siteId: number) => {
    if (!isCalendarDate(date)) return;
    const day = dayNumber(date);
    const set = visitedOn.get(day) ?? new Set<number>();
    set.add(siteId);
    visitedOn.set(day, set);
  };
  for (const m of atSites) visit(m.session.date, m.session.siteId);
  for (const h of inputs.history) visit(h.date, h.siteId);

  const shareCache = new Map<string, number>();
  let hits = 0;
  let chance = 0;
  let counted = 0;
  for (const m of atSites) {
    if (!m.dated) continue;
    const weekBefore = dayNumber(m.session.date) - 7;
    const earlier = visitedOn.get(weekBefore);
    const district = m.site!.districtCode;
    const key = `${weekBefore}|${district}`;
    let share = shareCache.get(key);
    if (share === undefined) {
      let visitedInDistrict = 0;
      for (const siteId of earlier ?? []) if (districtOf.get(siteId) === district) visitedInDistrict++;
      share = visitedInDistrict / sitesInDistrict.get(district)!;
      shareCache.set(key, share);
    }
    counted++;
    chance += share;
    if (earlier?.has(m.session.siteId)) hits++;
  }
  return counted > 0 ? { hitRate: hits / counted, chance: chance / counted } : { hitRate: 0, chance: 0 };
}

/**
 * Hours on Saturdays and Sundays, and hours outside [sunrise, sunset], each session split at local midnight.
 * A day outside the calendar (a night shift past the month's end) borrows the nearest calendar day's sun times.
 */
function weekendAndDarkness(inputs: PlanInputs, measured: MeasuredSession[]): { weekendHours: number; darkHours: number } {
  const calendar = [...inputs.calendar].sort((a, b) => (a.date < b.date ? -1 : 1));
  const sun = new Map(calendar.map((d) => [d.date, [instantMs(d.sunrise), instantMs(d.sunset)] as const]));
  const sunOn = (date: string): readonly [number, number] | null => {
    const own = sun.get(date);
    if (own) return own;
    if (calendar.length === 0) return null;
    const nearest = date < calendar[0]!.date ? calendar[0]! : calendar[calendar.length - 1]!;
    const shift = (dayNumber(date) - dayNumber(nearest.date)) * MS_PER_DAY;
    const [rise, set] = sun.get(nearest.date)!;
    return [rise + shift, set + shift];
  };

  let weekendMs = 0;
  let darkMs = 0;
  for (const m of measured) {
    if (!(m.hours > 0)) continue;
    for (let from = m.arriveMs; from < m.departMs; ) {
      const date = localDate(from);
      const midnight = shiftWindowMs(date, { starts: '00:00', ends: '00:00' })[1];
      const to = Math.min(m.departMs, midnight);
      if (isoWeekday(date) >= 6) weekendMs += to - from;
      const times = sunOn(date);
      const lightMs = times ? Math.max(0, Math.min(to, times[1]) - Math.max(from, times[0])) : to - from;
      darkMs += to - from - lightMs;
      from = to;
    }
  }
  return { weekendHours: weekendMs / MS_PER_HOUR, darkHours: darkMs / MS_PER_HOUR };
}

/**
 * Per concern on an input site: days from its approval (or the 1st of the month if earlier) to the first visit on or
 * after it; never visited → days to the month's end + 1. Concerns approved after the month are not counted.
 */
function concernResponseDays(inputs: PlanInputs, atSites: MeasuredSession[]): number[] {
  const days = datesOfMonth(inputs.month);
  const first = days[0]!;
  const last = days[days.length - 1]!;
  const visitDates = new Map<number, string[]>();
  for (const m of atSites) {
    if (!m.dated) continue;
    const list = visitDates.get(m.session.siteId) ?? [];
    list.push(m.session.date);
    visitDates.set(m.session.siteId, list);
  }
  const result: number[] = [];
  for (const site of inputs.sites) {
    const visits = (visitDates.get(site.id) ?? []).sort();
    for (const concern of site.concerns) {
      if (concern.approvedOn > last) continue;
      const from = concern.approvedOn < first ? first : concern.approvedOn;
      const firstVisit = visits.find((d) => d >= from);
      result.push(firstVisit ? dayNumber(firstVisit) - dayNumber(from) : dayNumber(last) - dayNumber(from) + 1);
    }
  }
  return result;
}

/** Quantile by linear interpolation between order statistics (R type 7, numpy's default). */
export function quantile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const h = (sorted.length - 1) * p;
  const lower = Math.floor(h);
  const upper = Math.min(sorted.length - 1, lower + 1);
  return sorted[lower]! + (h - lower) * (sorted[upper]! - sorted[lower]!);
}

function sum(values: number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
