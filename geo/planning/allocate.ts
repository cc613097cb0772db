import type { PlanContext, Slot } from './context.ts';
import { expr, loadHighs, solve } from './highs.ts';
import { stretchFactor } from './stretch-factor.ts';
import type { SiteAllocation } from './types.ts';

/**
 * The allocation: how many visits each site gets this month, and how many vans work each
 * (date, shift) slot. Both are linear programmes solved by HiGHS (loaded once); the allocation's
 * near-integral LP solution is rounded by largest remainder.
 *
 * Allocation LP — integer visits v_s per site, written as unit segments u_{s,k} (k = 1 … max_s) so the
 * objective is concave (diminishing returns): the sampler paces a site's visits evenly, so each visit up
 * to the site's saturation K_s (the visits whose haloDays-long halos tile the days the site can be
 * covered) adds about ρ = haloDays ÷ days of covered month, and later visits add little (they only
 * overlap halos): segment k is worth risk_s × ρ × (1 − 0.02(k − 1)) for k ≤ K_s, then
 * risk_s × ρ × 0.15 × 0.5^(k−K_s−1), minus a small cost per visit, so visits beyond saturation go
 * only to the riskiest sites and the rest of the time spreads over the register (coverage, entropy). Constraints: tier minimum and
 * maximum capped by what the calendar allows (blocked dates, restrictions, min gap vs history),
 * concern sites ≥ 1, session capacity of the roster, each district's visit share within a band
 * (inside the fairness band, to leave room for sampling) times its risk share, district floors,
 * the top decile of sites ≤ 27% of visits, and a soft monotone chain in risk (Spearman). Every
 * soft rule has a slack column with a penalty, so the model is always feasible.
 *
 * Roster LP — vans per slot n_t ∈ [0, vans available]: as many van-shifts as possible while the
 * weekend share and the achievable darkness range stay inside their target bands (soft).
 */

/** Sessions of sessionMinutes that fit in a slot with ~20 minutes of driving around each. */
export function sessionsPerShift(ctx: PlanContext, slot: Slot): number {
  const lengthMin = (slot.endMs - slot.startMs) / 60_000;
  const per = ctx.inputs.options.sessionMinutes;
  let k = 0;
  while ((k + 1) * per + (k + 2) * 20 <= lengthMin) k++;
  return Math.max(0, Math.min(ctx.inputs.options.maxSessionsPerShift, k));
}

/**
 * fits[s * slots + t] = 1 when a session at site s can lie inside slot t for the nearest base of a van
 * that can work it (restrictions, blocked dates, driving out and back). The exact per-van test is timeRoute.
 */
export function siteSlotFits(ctx: PlanContext): Uint8Array {
  const nSlots = ctx.slots.length;
  const fits = new Uint8Array(ctx.sites.length * nSlots);
  for (const slot of ctx.slots) {
    const bases = [...new Set(slot.vans.map((v) => ctx.vans[v]!.baseTravelIndex))];
    if (bases.length === 0) continue;
    const dayEnd = ctx.dayEndMs[slot.day]!;
    ctx.sites.forEach((site, s) => {
      const out = Math.min(...bases.map((b) => ctx.travelS(b, site.travelIndex))) * 1000;
      const back = Math.min(...bases.map((b) => ctx.travelS(site.travelIndex, b))) * 1000;
      const earliest = Math.ceil((slot.startMs + out) / 60_000) * 60_000;
      for (const iv of ctx.allowed[s]![slot.day]!) {
        const a = Math.max(earliest, Math.ceil(iv.from / 60_000) * 60_000);
        if (a < dayEnd && a + ctx.sessionMs <= iv.to && a + ctx.sessionMs + back <= slot.endMs) {
          fits[s * nSlots + slot.index] = 1;
          break;
        }
      }
    });
  }
  return fits;
}

/** Most visits the calendar allows a site: greedy earliest days with the min gap, also against history. */
export function calendarMaxVisits(ctx: PlanContext, fits: Uint8Array, s: number): number {
  const nSlots = ctx.slots.length;
  const dayOk = new Array<boolean>(ctx.dates.length).fill(false);
  for (const slot of ctx.slots) if (fits[s * nSlots + slot.index]) dayOk[slot.day] = true;
  const history = ctx.historyDays[s]!;
  let last = history.length > 0 ? history[history.length - 1]! : -Infinity;
  let count = 0;
  for (let d = 0; d < dayOk.length; d++) {
    if (dayOk[d] && d - last >= ctx.gapDays) {
      count++;
      last = d;
    }
  }
  return count;
}

/** A number shown with at most three significant figures (e.g. 423842 → "424k", 0.12345 → "0.123"). */
export function threeFigures(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1e6) return `${Number((x / 1e6).toPrecision(3))}M`;
  if (a >= 1e3) return `${Number((x / 1e3).toPrecision(3))}k`;
  return String(Number(x.toPrecision(3)));
}

/** A visit's cost in the allocation objective, in units of mean risk × ρ: what a visit must add to be worth a van's time. */
const VISIT_COST = 0.12;

/** Worth of a site's k-th visit relative to risk × ρ (see the module comment). */
export function segmentWorth(k: number, saturation: number): number {
  return k <= saturation ? 1 - 0.02 * (k - 1) : 0.15 * Math.pow(0.5, k - saturation - 1);
}

/**
 * Visits that tile a site's coverable days with halos: the days on or up to haloDays − 1 after a day
 * the site can be visited, divided by haloDays (rounded up).
 */
export function saturationVisits(ctx: PlanContext, fits: Uint8Array, s: number): number {
  const nSlots = ctx.slots.length;
  const nDays = ctx.dates.length;
  const halo = Math.max(1, Math.floor(ctx.inputs.options.haloDays));
  const coverable = new Uint8Array(nDays);
  for (const slot of ctx.slots) {
    if (!fits[s * nSlots + slot.index]) continue;
    for (let d = slot.day; d < Math.min(nDays, slot.day + halo); d++) coverable[d] = 1;
  }
  const days = coverable.reduce((a, b) => a + b, 0);
  return Math.ceil(days / halo);
}

export interface Roster {
  /** Vans to work each slot (by slot index), whole numbers. */
  vansPerSlot: number[];
  /** Sessions the roster can hold. */
  capacity: number;
}

/** The roster LP (see the module comment). */
export async function planRoster(ctx: PlanContext): Promise<Roster> {
  const highs = await loadHighs();
  const o = ctx.inputs.options;
  const [wLo, wHi] = o.weekendShare;
  const [dLo, dHi] = o.darknessShare;
  // Aim inside the bands: sampling and timing move the shares a little.
  const weekendLo = wLo + (wHi - wLo) * 0.2;
  const weekendHi = wHi - (wHi - wLo) * 0.2;
  const darkLo = dLo + (dHi - dLo) * 0.25;
  const darkHi = dHi - (dHi - dLo) * 0.25;
  const work = ctx.slots.map((slot) => {
    const k = sessionsPerShift(ctx, slot);
    const margin = 20 * 60_000;
    // The shares are of hours after sessions are stretched into idle shift time (stretch.ts).
    const spanMs = Math.min(k * ctx.sessionMs * stretchFactor(o) + Math.max(0, k - 1) * 15 * 60_000, slot.endMs - slot.startMs - 2 * margin);
    const dark = (from: number) => {
      const to = from + spanMs;
      const light = Math.max(0, Math.min(to, ctx.sunsetMs[slot.day]!) - Math.max(from, ctx.sunriseMs[slot.day]!));
      return spanMs > 0 ? 1 - light / spanMs : 0;
    };
    // Dark share of the work placed as early / as late as the shift allows: timing can slide in between.
    const early = dark(slot.startMs + margin);
    const late = dark(Math.max(slot.startMs + margin, slot.endMs - margin - spanMs));
    return { k, darkMin: Math.min(early, late), darkMax: Math.max(early, late) };
  });
  const usable = ctx.slots.filter((slot) => slot.vans.length > 0 && work[slot.index]!.k > 0);
  if (usable.length === 0) return { vansPerSlot: ctx.slots.map(() => 0), capacity: 0 };
  const n = (t: number) => `n${t}`;
  const all = usable.map((s) => [1, n(s.index)] as [number, string]);
  const rows: string[] = [];
  rows.push(` total: ${expr([...all, [-1, 'N']])} = 0`);
  rows.push(` wlo: ${expr([...usable.filter((s) => s.weekend).map((s) => [1, n(s.index)] as [number, string]), [-weekendLo, 'N'], [1, 'ewlo']])} >= 0`);
  rows.push(` whi: ${expr([...usable.filter((s) => s.weekend).map((s) => [1, n(s.index)] as [number, string]), [-weekendHi, 'N'], [-1, 'ewhi']])} <= 0`);
  rows.push(` dlo: ${expr([...usable.map((s) => [work[s.index]!.darkMax, n(s.index)] as [number, string]), [-darkLo, 'N'], [1, 'edlo']])} >= 0`);
  rows.push(` dhi: ${expr([...usable.map((s) => [work[s.index]!.darkMin, n(s.index)] as [number, string]), [-darkHi, 'N'], [-1, 'edhi']])} <= 0`);
  // A van cannot work two slots whose windows overlap.
  let overlapRow = 0;
  for (let i = 0; i < usable.length; i++) {
    for (let j = i + 1; j < usable.length && usable[j]!.startMs < usable[i]!.endMs; j++) {
      const a = usable[i]!;
      const b = usable[j]!;
      const union = new Set([...a.vans, ...b.vans]).size;
      rows.push(` ov${overlapRow++}: ${n(a.index)} + ${n(b.index)} <= ${union}`);
    }
  }
  // Capacity counts sessions; a share slack costs 6 van-shifts, so the targets win unless sites forbid them.
  const objective = expr([...usable.map((s) => [work[s.index]!.k, n(s.index)] as [number, string]), [-18, 'ewlo'], [-18, 'ewhi'], [-18, 'edlo'], [-18, 'edhi']]);
  const bounds = usable.map((s) => ` 0 <= ${n(s.index)} <= ${s.vans.length}`);
  const model = `Maximize\n obj: ${objective}\nSubject To\n${rows.join('\n')}\nBounds\n${bounds.join('\n')}\nEnd\n`;
  const value = solve(highs, model, 'roster');
  const raw = ctx.slots.map((s) => (usable.includes(s) ? Math.max(0, value(n(s.index))) : 0));
  // Whole vans: floor, then the largest remainders (ties: earlier slot) up to the rounded total.
  const floors = raw.map((x) => Math.floor(x + 1e-6));
  let extra = Math.round(raw.reduce((a, b) => a + b, 0)) - floors.reduce((a, b) => a + b, 0);
  const byRemainder = raw.map((x, i) => [x - floors[i]!, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [rem, i] of byRemainder) {
    if (extra <= 0 || rem <= 1e-6) break;
    floors[i]!++;
    extra--;
  }
  const capacity = floors.reduce((sum, vans, i) => sum + vans * work[i]!.k, 0);
  return { vansPerSlot: floors, capacity };
}

export interface Allocation {
  visits: number[];
  allocation: SiteAllocation[];
  /** Per site: visits the calendar allows and the lower bound used. */
  maxVisits: number[];
  minVisits: number[];
}

/** The allocation LP, rounded (see the module comment). `capacity` is the session count the roster holds. */
export async function allocateVisits(ctx: PlanContext, fits: Uint8Array, capacity: number): Promise<Allocation> {
  const highs = await loadHighs();
  const o = ctx.inputs.options;
  const sites = ctx.sites;
  const nSites = sites.length;
  if (nSites === 0) return { visits: [], allocation: [], maxVisits: [], minVisits: [] };
  const calendarMax = sites.map((_, s) => calendarMaxVisits(ctx, fits, s));
  const maxV = sites.map((site, s) => Math.min(o.tiers[site.tier].maxVisits, calendarMax[s]!));
  const minV = sites.map((site, s) => {
    const concernMin = site.concerns.length > 0 ? 1 : 0;
    return Math.min(maxV[s]!, Math.max(o.tiers[site.tier].minVisits, concernMin));
  });
  // Risks scaled to a mean of 1 keep the coefficients readable for the solver.
  const meanRisk = sites.reduce((a, s) => a + Math.max(0, s.risk), 0) / nSites || 1;
  const risk = sites.map((s) => Math.max(0, s.risk) / meanRisk + 1e-3);
  const rho = Math.min(0.9, o.haloDays / ctx.dates.length);
  const saturation = sites.map((_, s) => saturationVisits(ctx, fits, s));

  const v = (s: number) => `v${s}`;
  const u = (s: number, k: number) => `u${s}_${k}`;
  const objective: Array<[number, string]> = [];
  const rows: string[] = [];
  const segBounds: string[] = [];
  sites.forEach((_, s) => {
    const segs: Array<[number, string]> = [];
    for (let k = 1; k <= maxV[s]!; k++) {
      objective.push([risk[s]! * rho * segmentWorth(k, saturation[s]!) - VISIT_COST * rho, u(s, k)]);
      segs.push([1, u(s, k)]);
      segBounds.push(` 0 <= ${u(s, k)} <= 1`);
    }
    rows.push(` seg${s}: ${expr([[1, v(s)], ...segs.map(([c, name]) => [-c, name] as [number, string])])} = 0`);
  });
  rows.push(` total: ${expr([...sites.map((_, s) => [1, v(s)] as [number, string]), [-1, 'V']])} = 0`);
  // Capacity: exceeding it is possible only through a heavily penalised slack (minimums above capacity).
  rows.push(` capacity: V - ecap <= ${Math.max(0, Math.floor(capacity))}`);
  objective.push([-1000, 'ecap']);

  // District fairness on visits (hours = visits × session length): share within a band × risk share.
  const [bandLo, bandHi] = o.fairnessBand;
  // Aim a little inside the band: the stretch stage (stretch.ts) then tunes hours per district into it.
  const innerLo = bandLo + (1 - bandLo) * 0.25;
  const innerHi = bandHi - (bandHi - 1) * 0.2;
  const districts = [...new Set(sites.map((s) => s.districtCode))].sort();
  const totalRisk = risk.reduce((a, b) => a + b, 0);
  const meanCoef = rho;
  districts.forEach((code, d) => {
    const members = sites.map((site, s) => (site.districtCode === code ? s : -1)).filter((s) => s >= 0);
    const share = members.reduce((a, s) => a + risk[s]!, 0) / totalRisk;
    const terms = members.map((s) => [1, v(s)] as [number, string]);
    rows.push(` flo${d}: ${expr([...terms, [-innerLo * share, 'V'], [1, `eflo${d}`]])} >= 0`);
    rows.push(` fhi${d}: ${expr([...terms, [-innerHi * share, 'V'], [-1, `efhi${d}`]])} <= 0`);
    objective.push([-50 * meanCoef, `eflo${d}`], [-50 * meanCoef, `efhi${d}`]);
    const floor = Math.min(o.districtFloorVisits, members.reduce((a, s) => a + maxV[s]!, 0));
    if (floor > 0) rows.push(` floor${d}: ${expr(terms)} >= ${floor}`);
  });

  // Top decile by risk: at most 27% of visits (target ≤ 30% of hours).
  const byRisk = sites.map((_, s) => s).sort((a, b) => risk[b]! - risk[a]! || sites[a]!.id - sites[b]!.id);
  // Top 10 % = ceil(n / 10) sites, counted as metrics.ts and stretch.ts count it (both use ceil).
  const decile = byRisk.slice(0, Math.ceil(nSites / 10));
  rows.push(` decile: ${expr([...decile.map((s) => [1, v(s)] as [number, string]), [-0.27, 'V'], [-1, 'edec']])} <= 0`);
  objective.push([-20 * meanCoef, 'edec']);

  // Soft monotone chain: a riskier site should not get fewer visits than the next one down.
  for (let i = 0; i + 1 < byRisk.length; i++) {
    const a = byRisk[i]!;
    const b = byRisk[i + 1]!;
    rows.push(` mono${i}: ${v(a)} - ${v(b)} + m${i} >= 0`);
    objective.push([-0.05 * meanCoef, `m${i}`]);
  }

  // The LP relaxation is nearly integral (unit segments with decreasing worth; a handful of coupling
  // rows), so HiGHS solves the LP and the few fractional sites are rounded by largest remainder, which
  // keeps the total; the fairness rows aim inside the band, so a rounding step cannot leave it. (A full
  // branch-and-bound took seconds for a gain below the sampling noise.)
  const model = `Maximize\n obj: ${expr(objective)}\nSubject To\n${rows.join('\n')}\nBounds\n` +
    `${[...segBounds, ...sites.map((_, s) => ` ${minV[s]} <= ${v(s)} <= ${maxV[s]}`)].join('\n')}\nEnd\n`;
  const value = solve(highs, model, 'visit allocation');
  const exact = sites.map((_, s) => Math.max(minV[s]!, Math.min(maxV[s]!, value(v(s)))));
  const visits = exact.map((x) => Math.floor(x + 1e-6));
  let extra = Math.round(exact.reduce((a, b) => a + b, 0)) - visits.reduce((a, b) => a + b, 0);
  const remainders = exact.map((x, s) => [x - visits[s]!, s] as const).sort((p, q) => q[0] - p[0] || p[1] - q[1]);
  for (const [rem, s] of remainders) {
    if (extra <= 0 || rem <= 1e-6) break;
    if (visits[s]! < maxV[s]!) {
      visits[s]!++;
      extra--;
    }
  }

  const rank = new Map(byRisk.map((s, i) => [s, i + 1]));
  const allocation = sites.map((site, s) => {
    const tier = o.tiers[site.tier];
    const why: string[] = [`risk rank ${rank.get(s)} of ${nSites} (score ${threeFigures(site.risk)}), tier ${site.tier} (${tier.minVisits}–${tier.maxVisits} visits)`];
    if (calendarMax[s]! < tier.maxVisits) why.push(`calendar allows ${calendarMax[s]} (blocked dates, restrictions, ${o.minGapDays}-day gap)`);
    if (site.concerns.length > 0) why.push(`${site.concerns.length} community concern(s): at least one visit, early`);
    if (visits[s] === maxV[s] && maxV[s]! > minV[s]!) why.push('at its maximum');
    else if (visits[s] === minV[s]) why.push('at its minimum');
    else why.push('share of capacity by risk with diminishing returns');
    return { siteId: site.id, visits: visits[s]!, reason: `${visits[s]} visit(s): ${why.join('; ')}` };
  });
  return { visits, allocation, maxVisits: maxV, minVisits: minV };
}

/**
 * The roster cut down to what the allocation needs (plus `headroom` for shifts that end up with fewer
 * sessions), keeping its proportions per slot, so the weekend and darkness shares planned for the full
 * roster hold when only part of it is worked. Whole vans by largest remainder (ties: earlier slot).
 */
export function scaleRoster(roster: Roster, visitsNeeded: number, headroom = 1.12): number[] {
  if (roster.capacity <= 0) return roster.vansPerSlot.slice();
  const factor = Math.min(1, (visitsNeeded * headroom) / roster.capacity);
  const raw = roster.vansPerSlot.map((n) => n * factor);
  const out = raw.map((x) => Math.floor(x + 1e-9));
  let extra = Math.round(raw.reduce((a, b) => a + b, 0)) - out.reduce((a, b) => a + b, 0);
  const order = raw.map((x, i) => [x - out[i]!, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [rem, i] of order) {
    if (extra <= 0 || rem <= 1e-9) break;
    out[i]!++;
    extra--;
  }
  return out;
}
