import { FLAG, PLAN_GROUPS, type RunCollisions, type Site } from './pipeline-types.ts';

/**
 * Which collisions each site holds. Segments, junctions and cells hold the collisions that count
 * at them (each collision at most one such site); a window holds every snapped collision whose
 * position along the road chain falls inside it (windows overlap, so a collision is in several).
 */
export class SiteMembership {
  /** CSR layout over the direct sites: collisions of site s are order[start[s] … start[s+1]). */
  private readonly start: Int32Array;
  private readonly order: Int32Array;
  /** Per chain: collision indices sorted by chain metre, and those metres. */
  private readonly chainIdx = new Map<number, Int32Array>();
  private readonly chainPos = new Map<number, Float64Array>();
  /** Chain lengths, so the last window of a chain includes its end point. */
  private readonly chainLength: ReadonlyMap<number, number>;
  /** Collisions that count at a site id the run does not rank (outside the scope). */
  readonly outsideSites: number;

  constructor(
    private readonly sites: readonly Site[],
    private readonly collisions: RunCollisions,
    chainLength: ReadonlyMap<number, number> = new Map(),
  ) {
    this.chainLength = chainLength;
    const index = new Map<string, number>();
    sites.forEach((s, i) => {
      if (s.unit !== 'window') index.set(s.siteId, i);
    });
    const siteOf = new Int32Array(collisions.n).fill(-1);
    const counts = new Int32Array(sites.length + 1);
    let outside = 0;
    for (let c = 0; c < collisions.n; c++) {
      const id = collisions.siteId[c];
      if (id === null || id === undefined) continue;
      const s = index.get(id);
      if (s === undefined) {
        outside++;
        continue;
      }
      siteOf[c] = s;
      counts[s + 1]!++;
    }
    this.outsideSites = outside;
    for (let s = 0; s < sites.length; s++) counts[s + 1]! += counts[s]!;
    this.start = counts;
    this.order = new Int32Array(counts[sites.length]!);
    const fill = counts.slice(0, sites.length);
    for (let c = 0; c < collisions.n; c++) {
      const s = siteOf[c]!;
      if (s >= 0) this.order[fill[s]!++] = c;
    }

    if (sites.some((s) => s.unit === 'window')) {
      const byChain = new Map<number, number[]>();
      for (let c = 0; c < collisions.n; c++) {
        const chain = collisions.chainId[c]!;
        if (chain < 0 || Number.isNaN(collisions.chainM[c]!)) continue;
        let list = byChain.get(chain);
        if (!list) byChain.set(chain, (list = []));
        list.push(c);
      }
      for (const [chain, list] of byChain) {
        list.sort((a, b) => collisions.chainM[a]! - collisions.chainM[b]! || a - b);
        this.chainIdx.set(chain, Int32Array.from(list));
        this.chainPos.set(chain, Float64Array.from(list, (c) => collisions.chainM[c]!));
      }
    }
  }

  /** Calls `fn` with each collision index of site `s`. */
  forEach(s: number, fn: (collision: number) => void): void {
    const site = this.sites[s]!;
    if (site.unit !== 'window') {
      for (let i = this.start[s]!; i < this.start[s + 1]!; i++) fn(this.order[i]!);
      return;
    }
    const idx = this.chainIdx.get(site.chainId!);
    const pos = this.chainPos.get(site.chainId!);
    if (!idx || !pos) return;
    const from = site.chainFromM!;
    const to = from + site.lengthM!;
    // Half-open [from, to), closed at the end only for a window covering its whole chain (a chain
    // shorter than a window), so a dead end's last metre is not lost.
    const atEnd = from <= 1e-9 && to >= (this.chainLength.get(site.chainId!) ?? Infinity) - 1e-6;
    let lo = 0;
    let hi = pos.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pos[mid]! < from - 1e-9) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < pos.length; i++) {
      const m = pos[i]!;
      if (atEnd ? m > to + 1e-9 : m >= to - 1e-9) break;
      fn(idx[i]!);
    }
  }
}

/**
 * Fills each site's counts over the ranking period: collisions by severity, by plan road-user
 * group, KSI and all injury collisions in the camera window, and the peak day × hour cell (ties go to
 * the earliest day, then hour; collisions with no recorded time are left out of the peak).
 */
export function countSites(sites: Site[], collisions: RunCollisions, membership: SiteMembership): void {
  const cells = new Int32Array(7 * 24);
  const touched: number[] = [];
  for (let s = 0; s < sites.length; s++) {
    const site = sites[s]!;
    let fatal = 0;
    let serious = 0;
    let slight = 0;
    let ksi36 = 0;
    let injury36 = 0;
    const groups = PLAN_GROUPS.map(() => 0);
    touched.length = 0;
    membership.forEach(s, (c) => {
      const flags = collisions.flags[c]!;
      const severity = collisions.severity[c]!;
      if (flags & FLAG.camera) {
        injury36++;
        if (severity <= 2) ksi36++;
      }
      if (!(flags & FLAG.period)) return;
      if (severity === 1) fatal++;
      else if (severity === 2) serious++;
      else slight++;
      for (let g = 0; g < PLAN_GROUPS.length; g++) if (flags & (FLAG.group0 << g)) groups[g]!++;
      const hour = collisions.hour[c]!;
      const day = collisions.dayOfWeek[c]!;
      if (hour < 24 && day >= 1 && day <= 7) {
        const cell = (day - 1) * 24 + hour;
        if (cells[cell] === 0) touched.push(cell);
        cells[cell]!++;
      }
    });
    let best = -1;
    for (const cell of touched) if (best < 0 || cells[cell]! > cells[best]! || (cells[cell] === cells[best] && cell < best)) best = cell;
    site.fatal = fatal;
    site.serious = serious;
    site.slight = slight;
    site.groups = groups;
    site.ksi36 = ksi36;
    site.injury36 = injury36;
    site.peakDay = best >= 0 ? Math.floor(best / 24) + 1 : null;
    site.peakHour = best >= 0 ? best % 24 : null;
    site.peakCount = best >= 0 ? cells[best]! : null;
    for (const cell of touched) cells[cell] = 0;
  }
}

/** Share of fatal among the run's KSI collisions in the period (each collision once), or null with none. */
export function fatalShareOfKsi(collisions: RunCollisions): number | null {
  let fatal = 0;
  let ksi = 0;
  for (let c = 0; c < collisions.n; c++) {
    if (!(collisions.flags[c]! & FLAG.period)) continue;
    const severity = collisions.severity[c]!;
    if (severity <= 2) ksi++;
    if (severity === 1) fatal++;
  }
  return ksi > 0 ? fatal / ksi : null;
}
