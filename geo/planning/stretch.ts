import { expr, loadHighs, num, solve } from './highs.ts';
import { stretchFactor } from './stretch-factor.ts';
import type { PlanContext } from './context.ts';
import { bestOrder } from './order.ts';
import { earliestTimes } from './timing.ts';
import type { PlanBook, Route } from './state.ts';

/**
 * Stretching sessions into the idle time of their shifts (a linear programme solved by HiGHS).
 *
 * Sessions are first timed as short (sessionMinutes) and as early as possible, so a shift often has idle
 * minutes before its first session, between sessions and before the drive home. A crew would spend
 * them enforcing: each session may start earlier (y_i minutes) and end later (x_i minutes), up to
 * options.maxSessionMinutes sessionMinutes in all (the spec: sessions are typically 1–3 hours), inside its
 * restriction window and its date, without moving any other session or the travel between them.
 * Hours are the lever for the hour-based targets, so the LP chooses the stretches to
 *   maximise enforcing hours (productive time), keeping
 *   - the weekend share and the darkness share inside their bands,
 *   - each district's hours share ÷ risk share inside the fairness band,
 *   - the top decile of sites ≤ 28% of hours,
 * each aimed a little inside its band and soft (penalised slack), so the LP is always feasible.
 * Stretch minutes that cross sunrise or sunset are split into pieces by light; a later piece may only be
 * used in proportion to the earlier one (the convex hull of "fill the first piece before the next"), and
 * the exact shares are measured again afterwards. Minutes are floored, so every row stays feasible.
 */
const MINUTE_MS = 60_000;

interface Piece {
  name: string;
  minutes: number;
  dark: boolean;
}

/** Whole minutes in [from, to) split at sunrise/sunset of `day`, walking forward (`forward`) or back from the anchor. */
function pieces(ctx: PlanContext, day: number, anchor: number, minutes: number, forward: boolean, prefix: string): Piece[] {
  if (minutes <= 0) return [];
  const rise = ctx.sunriseMs[day]!;
  const set = ctx.sunsetMs[day]!;
  const from = forward ? anchor : anchor - minutes * MINUTE_MS;
  const to = forward ? anchor + minutes * MINUTE_MS : anchor;
  const cuts = [from, ...[rise, set].filter((c) => c > from && c < to), to].sort((a, b) => a - b);
  const out: Piece[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const a = cuts[i]!;
    const b = cuts[i + 1]!;
    const mid = (a + b) / 2;
    // Whole minutes only: a piece boundary off the minute is rounded towards the anchor.
    const len = Math.floor((b - a) / MINUTE_MS + 1e-9);
    if (len > 0) out.push({ name: '', minutes: len, dark: mid < rise || mid > set });
  }
  if (!forward) out.reverse();
  return out.map((p, i) => ({ ...p, name: `${prefix}_${i}` }));
}

export interface StretchOutcome {
  /** Enforcing minutes added (net of visits moved). */
  addedMinutes: number;
  /** Visits moved between districts to bring the fairness band within reach. */
  visitsRemoved: number;
  visitsAdded: number;
}

interface StretchSolution {
  /** Minutes before / after each session, by route and stop. */
  apply(): number;
  /** Per district: minutes of hours missing below / above its band (0 = inside). */
  districtSlack: Map<string, { under: number; over: number }>;
}

/**
 * Stretches the sessions (see the module comment). When a district's hours cannot reach its fairness
 * band by stretching alone (sessions only grow), visits are moved first: a visit is dropped from a
 * site above its minimum in a district that stays over its band, or added (into a worked shift with
 * room, within the site's maximum) in a district that stays under it, and the LP is solved again.
 */
export async function stretchSessions(
  ctx: PlanContext,
  book: PlanBook,
  limits: { minimum: readonly number[]; maximum: readonly number[]; fits: Uint8Array },
): Promise<StretchOutcome> {
  let visitsRemoved = 0;
  let visitsAdded = 0;
  const minutes = () => book.routes.reduce((sum, r) => sum + r.arrive.reduce((a, x, i) => a + (r.depart[i]! - x) / MINUTE_MS, 0), 0);
  const before = minutes();
  for (let round = 0; ; round++) {
    lengthenRoutes(ctx, book);
    const solution = await solveStretch(ctx, book);
    if (!solution) return { addedMinutes: minutes() - before, visitsRemoved, visitsAdded };
    const worst = [...solution.districtSlack.entries()]
      .map(([code, slack]) => ({ code, ...slack, size: Math.max(slack.under, slack.over) }))
      .filter((d) => d.size > 1)
      .sort((a, b) => b.size - a.size || (a.code < b.code ? -1 : 1));
    let moved = false;
    if (round < MAX_BALANCE_ROUNDS) {
      for (const d of worst) {
        moved = d.over > d.under ? dropVisit(ctx, book, d.code, limits.minimum) : addVisit(ctx, book, d.code, limits);
        if (moved) {
          if (d.over > d.under) visitsRemoved++;
          else visitsAdded++;
          break;
        }
      }
    }
    if (!moved) {
      solution.apply();
      return { addedMinutes: minutes() - before, visitsRemoved, visitsAdded };
    }
  }
}

const MAX_BALANCE_ROUNDS = 12;

/**
 * Re-times each shift with all its sessions as long as they can equally be (sessionMinutes up to
 * options.maxSessionMinutes, whole minutes, earliest start), when that gives more enforcing minutes than it has:
 * the LP can then trim any session back, or stretch it further into idle time.
 */
export function lengthenRoutes(ctx: PlanContext, book: PlanBook): void {
  const sessionMin = ctx.inputs.options.sessionMinutes;
  const maxLength = Math.floor(sessionMin * stretchFactor(ctx.inputs.options));
  for (const route of book.routes) {
    const slot = ctx.slots[route.slot]!;
    const stops = route.sites.map((s) => ({ travelIndex: ctx.sites[s]!.travelIndex, intervals: ctx.allowed[s]![slot.day]! }));
    const time = (minutes: number) =>
      earliestTimes({ startMs: slot.startMs, endMs: slot.endMs, dayEndMs: ctx.dayEndMs[slot.day]! }, ctx.vans[route.van]!.baseTravelIndex, stops, minutes * MINUTE_MS, ctx.travelS);
    // Feasibility falls with the length (every later arrival only moves later): binary search.
    let lo = sessionMin;
    let hi = maxLength;
    if (!time(lo)) continue;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (time(mid)) lo = mid;
      else hi = mid - 1;
    }
    const current = route.arrive.reduce((sum, a, i) => sum + (route.depart[i]! - a), 0) / MINUTE_MS;
    if (lo * route.sites.length <= current) continue;
    const timed = time(lo)!;
    route.arrive = timed.arrive;
    route.depart = timed.depart;
    route.travelS = timed.travelS;
  }
}

/** Drops one visit in `district` from a site above its minimum: the most-visited such site, from its fullest shift. */
function dropVisit(ctx: PlanContext, book: PlanBook, district: string, minimum: readonly number[]): boolean {
  const candidates: Array<{ route: Route; s: number; key: number[] }> = [];
  for (const route of book.routes) {
    for (const s of route.sites) {
      if (ctx.sites[s]!.districtCode !== district || book.visits(s) <= minimum[s]!) continue;
      // Most visits above minimum first, then the lower risk, then the visit nearest another one of the
      // site (least halo lost), then a shift that keeps ≥ 2 sessions.
      const day = ctx.slots[route.slot]!.day;
      const nearest = Math.min(...[...book.days[s]!, ...ctx.historyDays[s]!].map((d) => Math.abs(d - day)).filter((g) => g > 0), ctx.dates.length);
      candidates.push({ route, s, key: [-(book.visits(s) - minimum[s]!), ctx.sites[s]!.risk, nearest, -route.sites.length, route.slot, s] });
    }
  }
  candidates.sort((a, b) => {
    for (let i = 0; i < a.key.length; i++) if (a.key[i] !== b.key[i]) return a.key[i]! - b.key[i]!;
    return 0;
  });
  for (const { route, s } of candidates) {
    const rest = route.sites.filter((x) => x !== s);
    // Never empty a worked shift: its slot would stop being worked and make its neighbours consecutive.
    if (rest.length === 0) continue;
    const next = bestOrder(ctx, route.van, ctx.slots[route.slot]!, rest);
    if (next) {
      book.updateRoute(route, { sites: next.sites, ...next.timed });
      return true;
    }
  }
  return false;
}

/** Adds one visit in `district` (a site below its maximum, riskiest first) to a worked shift with room: least extra driving. */
function addVisit(ctx: PlanContext, book: PlanBook, district: string, limits: { maximum: readonly number[]; fits: Uint8Array }): boolean {
  const nSlots = ctx.slots.length;
  const maxStops = ctx.inputs.options.maxSessionsPerShift;
  const sites = ctx.sites
    .map((_, s) => s)
    .filter((s) => ctx.sites[s]!.districtCode === district && book.visits(s) < limits.maximum[s]!)
    .sort((a, b) => ctx.sites[b]!.risk - ctx.sites[a]!.risk || a - b);
  for (const s of sites) {
    let best: { route: Route; next: NonNullable<ReturnType<typeof bestOrder>>; extra: number } | null = null;
    for (const route of book.routes) {
      if (route.sites.length >= maxStops || !limits.fits[s * nSlots + route.slot] || !book.rotationAllows(s, route.slot)) continue;
      const next = bestOrder(ctx, route.van, ctx.slots[route.slot]!, [...route.sites, s]);
      if (next && (!best || next.timed.travelS - route.travelS < best.extra - 1e-9)) best = { route, next, extra: next.timed.travelS - route.travelS };
    }
    if (best) {
      book.updateRoute(best.route, { sites: best.next.sites, ...best.next.timed });
      return true;
    }
  }
  return false;
}

async function solveStretch(ctx: PlanContext, book: PlanBook): Promise<StretchSolution | null> {
  const o = ctx.inputs.options;
  const routes = book.routes.slice().sort((a, b) => a.slot - b.slot || a.van - b.van);
  if (routes.length === 0) return null;
  const sessionMin = o.sessionMinutes;
  const maxLength = Math.floor(sessionMin * stretchFactor(ctx.inputs.options));
  const maxExtra = maxLength - sessionMin;

  const totalRisk = ctx.sites.reduce((a, s) => a + s.risk, 0);
  const districtRisk = new Map<string, number>();
  for (const s of ctx.sites) districtRisk.set(s.districtCode, (districtRisk.get(s.districtCode) ?? 0) + s.risk);
  // Top 10 % = ceil(n / 10) sites, as allocate.ts and the metric (metrics.ts) count it: both use ceil.
  const decileCount = Math.ceil(ctx.sites.length / 10);
  const decile = new Set(
    ctx.sites
      .map((_, s) => s)
      .sort((a, b) => ctx.sites[b]!.risk - ctx.sites[a]!.risk || ctx.sites[a]!.id - ctx.sites[b]!.id)
      .slice(0, decileCount),
  );

  // Linear expressions collected per measure: [coefficient, variable]; constants kept apart.
  const hours: Array<[number, string]> = [];
  let hoursConst = 0;
  const weekend: Array<[number, string]> = [];
  let weekendConst = 0;
  const dark: Array<[number, string]> = [];
  let darkConst = 0;
  const byDistrict = new Map<string, { terms: Array<[number, string]>; constant: number }>();
  const decileTerms: Array<[number, string]> = [];
  let decileConst = 0;
  const rows: string[] = [];
  const bounds: string[] = [];
  const plan: Array<{ route: Route; i: number; before: Piece[]; after: Piece[]; trim: Piece[] }> = [];

  routes.forEach((route, r) => {
    const slot = ctx.slots[route.slot]!;
    const base = ctx.vans[route.van]!.baseTravelIndex;
    const n = route.sites.length;
    const at = (i: number) => ctx.sites[route.sites[i]!]!.travelIndex;
    // Idle minutes before each session (i = 0 … n−1) and after the last (i = n).
    const gaps: number[] = [];
    for (let i = 0; i <= n; i++) {
      const prevEnd = i === 0 ? slot.startMs : route.depart[i - 1]!;
      const leg = ctx.travelS(i === 0 ? base : at(i - 1), i === n ? base : at(i)) * 1000;
      const nextStart = i === n ? slot.endMs : route.arrive[i]!;
      // The first arrival is rounded up to the minute from the shift start (as timing.ts does).
      const earliest = i === 0 ? Math.ceil((prevEnd + leg) / MINUTE_MS) * MINUTE_MS : prevEnd + leg;
      gaps.push(Math.max(0, Math.floor((nextStart - earliest) / MINUTE_MS + 1e-9)));
    }
    const gapTerms: Array<Array<[number, string]>> = gaps.map(() => []);
    for (let i = 0; i < n; i++) {
      const s = route.sites[i]!;
      const a = route.arrive[i]!;
      const d = route.depart[i]!;
      const iv = ctx.allowed[s]![slot.day]!.find((w) => w.from <= a && d <= w.to);
      const canBefore = iv ? Math.floor((a - Math.max(iv.from, ctx.dayStartMs[slot.day]!)) / MINUTE_MS + 1e-9) : 0;
      const canAfter = iv ? Math.floor((Math.min(iv.to, d + maxExtra * MINUTE_MS) - d) / MINUTE_MS + 1e-9) : 0;
      const lengthMin = Math.round((d - a) / MINUTE_MS);
      const room = Math.max(0, maxLength - lengthMin);
      const before = pieces(ctx, slot.day, a, Math.min(room, gaps[i]!, canBefore), false, `y${r}_${i}`);
      const after = pieces(ctx, slot.day, d, Math.min(room, gaps[i + 1]!, canAfter), true, `x${r}_${i}`);
      // Minutes that may be given back at the end of an already long session (down to sessionMinutes).
      const trim = pieces(ctx, slot.day, d, Math.max(0, lengthMin - sessionMin), false, `t${r}_${i}`);
      plan.push({ route, i, before, after, trim });
      const site = ctx.sites[s]!;
      const district = byDistrict.get(site.districtCode) ?? { terms: [], constant: 0 };
      byDistrict.set(site.districtCode, district);
      const baseMin = (d - a) / MINUTE_MS;
      const baseDark = darkMinutes(ctx, slot.day, a, d);
      hoursConst += baseMin;
      district.constant += baseMin;
      darkConst += baseDark;
      if (slot.weekend) weekendConst += baseMin;
      if (decile.has(s)) decileConst += baseMin;
      const all = [...before, ...after];
      for (const [sign, list] of [[1, all], [-1, trim]] as const) {
        for (const p of list) {
          bounds.push(` 0 <= ${p.name} <= ${p.minutes}`);
          hours.push([sign, p.name]);
          district.terms.push([sign, p.name]);
          if (p.dark) dark.push([sign, p.name]);
          if (slot.weekend) weekend.push([sign, p.name]);
          if (decile.has(s)) decileTerms.push([sign, p.name]);
        }
      }
      for (const p of before) gapTerms[i]!.push([1, p.name]);
      for (const p of after) gapTerms[i + 1]!.push([1, p.name]);
      if (all.length > 0) rows.push(` cap${r}_${i}: ${expr(all.map((p) => [1, p.name] as [number, string]))} <= ${room}`);
      // Fill the piece next to the session before the one beyond it (convex hull of that rule).
      for (const side of [before, after, trim]) {
        for (let k = 0; k + 1 < side.length; k++) {
          rows.push(` ord_${side[k + 1]!.name}: ${side[k]!.minutes} ${side[k + 1]!.name} - ${side[k + 1]!.minutes} ${side[k]!.name} <= 0`);
        }
      }
    }
    gapTerms.forEach((terms, i) => {
      if (terms.length > 1) rows.push(` gap${r}_${i}: ${expr(terms)} <= ${gaps[i]}`);
    });
  });
  if (hours.length === 0 && byDistrict.size === 0) return null;

  // total: H − Σ pieces = constant minutes.
  rows.push(` total: ${expr([[1, 'H'], ...hours.map(([c, v]) => [-c, v] as [number, string])])} = ${num(hoursConst)}`);
  const inner = ([lo, hi]: [number, number], k: number): [number, number] => [lo + (hi - lo) * k, hi - (hi - lo) * k];
  const penalties: string[] = [];
  const share = (name: string, terms: Array<[number, string]>, constant: number, [lo, hi]: [number, number]) => {
    // lo·H ≤ constant + Σ terms ≤ hi·H, each side with a slack.
    rows.push(` ${name}lo: ${expr([...terms, [-lo, 'H'], [1, `e${name}lo`]])} >= ${num(-constant)}`);
    rows.push(` ${name}hi: ${expr([...terms, [-hi, 'H'], [-1, `e${name}hi`]])} <= ${num(-constant)}`);
    penalties.push(`e${name}lo`, `e${name}hi`);
  };
  share('w', weekend, weekendConst, inner(o.weekendShare, 0.2));
  share('d', dark, darkConst, inner(o.darknessShare, 0.2));
  const [bandLo, bandHi] = o.fairnessBand;
  const fairLo = bandLo + (1 - bandLo) * 0.3;
  const fairHi = bandHi - (bandHi - 1) * 0.25;
  const districtNames = new Map<string, string>();
  [...byDistrict.keys()].sort().forEach((code, k) => {
    districtNames.set(code, `f${k}_`);
    const riskShare = totalRisk > 0 ? districtRisk.get(code)! / totalRisk : 0;
    const d = byDistrict.get(code)!;
    share(`f${k}_`, d.terms, d.constant, [fairLo * riskShare, fairHi * riskShare]);
  });
  rows.push(` decile: ${expr([...decileTerms, [-0.28, 'H'], [-1, 'edec']])} <= ${num(-decileConst)}`);
  penalties.push('edec');
  // Hours (minutes) are worth 1 each; a minute of slack on a share costs 40 minutes of enforcing.
  const objective = expr([[1, 'H'], ...penalties.map((p) => [-40, p] as [number, string])]);
  const model = `Maximize\n obj: ${objective}\nSubject To\n${rows.join('\n')}\nBounds\n${bounds.join('\n')}\nEnd\n`;
  const highs = await loadHighs();
  const value = solve(highs, model, 'session stretch');
  const districtSlack = new Map([...districtNames].map(([code, name]) => [code, { under: value(`e${name}lo`), over: value(`e${name}hi`) }]));
  return {
    districtSlack,
    apply() {
      let addedMinutes = 0;
      for (const { route, i, before, after, trim } of plan) {
        const y = Math.floor(before.reduce((a, p) => a + value(p.name), 0) + 1e-6);
        const x = Math.floor(after.reduce((a, p) => a + value(p.name), 0) + 1e-6);
        // Trimmed minutes rounded up: the session only gets shorter, so every row stays feasible.
        const t = Math.min(trim.reduce((a, p) => a + p.minutes, 0), Math.ceil(trim.reduce((a, p) => a + value(p.name), 0) - 1e-6));
        route.arrive[i] = route.arrive[i]! - y * MINUTE_MS;
        route.depart[i] = route.depart[i]! + (x - t) * MINUTE_MS;
        addedMinutes += x + y - t;
      }
      return addedMinutes;
    },
  };
}

function darkMinutes(ctx: PlanContext, day: number, from: number, to: number): number {
  const light = Math.max(0, Math.min(to, ctx.sunsetMs[day]!) - Math.max(from, ctx.sunriseMs[day]!));
  return (to - from - light) / MINUTE_MS;
}
