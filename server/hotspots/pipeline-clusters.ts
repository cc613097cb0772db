import KDBush from 'kdbush';
import { clusterEpsM, type HotspotParams } from './params.ts';
import type { SiteMembership } from './pipeline-counts.ts';
import { FLAG, type RunCollisions, type Site } from './pipeline-types.ts';

/*
 * The UK cluster-site test per site: the largest number of injury collisions (in the cluster
 * window, 60 months by default) within R metres of any one of the site's collisions — R = 50 m in
 * built-up areas, 100 m elsewhere — and whether it reaches N (7). Counting inside one circle per
 * collision avoids DBSCAN's chaining along busy corridors.
 */

export interface ClusterSummary {
  clusterSites: number;
  epsUrbanM: number;
  epsRuralM: number;
  minPoints: number;
}

export function clusterTest(sites: Site[], collisions: RunCollisions, membership: SiteMembership, params: HotspotParams): ClusterSummary {
  const inWindow: number[] = [];
  for (let c = 0; c < collisions.n; c++) if (collisions.flags[c]! & FLAG.cluster) inWindow.push(c);
  const summary: ClusterSummary = { clusterSites: 0, epsUrbanM: params.clusterEpsUrbanM, epsRuralM: params.clusterEpsRuralM, minPoints: params.clusterMinPoints };
  if (inWindow.length === 0) {
    for (const site of sites) site.clusterMaxInCircle = 0;
    return summary;
  }
  const index = new KDBush(inWindow.length);
  for (const c of inWindow) index.add(collisions.x[c]!, collisions.y[c]!);
  index.finish();
  // Counts are cached per collision and radius: windows overlap, so a collision is asked for often.
  const cache = { urban: new Int32Array(collisions.n).fill(-1), rural: new Int32Array(collisions.n).fill(-1) };
  const countAround = (c: number, urban: boolean): number => {
    const store = urban ? cache.urban : cache.rural;
    if (store[c]! < 0) store[c] = index.within(collisions.x[c]!, collisions.y[c]!, clusterEpsM(params, urban)).length;
    return store[c]!;
  };
  sites.forEach((site, s) => {
    let best = 0;
    membership.forEach(s, (c) => {
      if (!(collisions.flags[c]! & FLAG.cluster)) return;
      // Road sites use their own built-up flag; grid cells the collision's STATS19 urban/rural code.
      const urban = site.urban ?? (collisions.flags[c]! & FLAG.urban) !== 0;
      const n = countAround(c, urban);
      if (n > best) best = n;
    });
    site.clusterMaxInCircle = best;
    site.clusterSite = best >= params.clusterMinPoints;
    if (site.clusterSite) summary.clusterSites++;
  });
  return summary;
}
