import type { Knex } from 'knex';
import { concernFactor, decayWeight } from '../../geo/stats/concern.ts';
import type { HotspotParams } from './params.ts';
import { pgArray } from './pg-arrays.ts';
import { exposure } from './pipeline-models.ts';
import type { Site } from './pipeline-types.ts';

/*
 * Step 8 of the method: community concern. Concerns (not marked duplicates, in the enforcement
 * categories, created by the run's as-of instant) are matched to sites — a point to the nearest site
 * of each unit within concernSnapM, a drawn stretch to every site it runs along, a window to the
 * concerns of the segments under it — then deduplicated (one per reporter per site per concernDedupeDays),
 * decayed by age, compared with what sites of the same reference group receive per km (per site
 * for junctions and cells), shrunk toward 1, and turned into a factor of at most 1 + maxShare.
 */

export interface ConcernSummary {
  considered: number;
  matched: number;
  sitesWithConcern: number;
  concernOnly: number;
  asOf: string;
}

interface ConcernRow {
  id: number;
  reporter_key: string | null;
  created_ms: number;
}

/** Matches concerns to the run's segments, junctions and cells in SQL (needs hs_site_geom). */
async function matchConcerns(trx: Knex.Transaction, params: HotspotParams, asOf: string): Promise<{ concerns: Map<number, ConcernRow>; matches: Array<{ id: number; siteId: string }> }> {
  const filter = `c.duplicate_of IS NULL AND c.category = ANY(?::text[]) AND c.created_at <= ?::timestamptz`;
  const filterBindings = [pgArray(params.concernCategories), asOf];
  const concerns = new Map<number, ConcernRow>();
  const rows = (await trx.raw(`SELECT c.id, c.reporter_key, (extract(epoch FROM c.created_at) * 1000)::float8 AS created_ms FROM concerns c WHERE ${filter}`, filterBindings)).rows as ConcernRow[];
  for (const r of rows) concerns.set(Number(r.id), { id: Number(r.id), reporter_key: r.reporter_key, created_ms: Number(r.created_ms) });
  if (concerns.size === 0) return { concerns, matches: [] };
  const { rows: matchRows } = await trx.raw(
    `WITH k AS (
       SELECT c.id, c.geom, GeometryType(c.geom) AS kind FROM concerns c WHERE ${filter}
     ), pts AS (
       SELECT k.id, g.site_id, g.unit, ST_Distance(g.geom, k.geom) AS d
       FROM k JOIN hs_site_geom g ON ST_DWithin(g.geom, k.geom, ?) WHERE k.kind = 'POINT'
     ), ranked AS (
       SELECT p.*, row_number() OVER (PARTITION BY p.id, p.unit ORDER BY p.d, p.site_id) AS rn
       FROM pts p
     )
     SELECT id, site_id FROM ranked WHERE rn = 1
     UNION ALL
     SELECT k.id, g.site_id FROM k JOIN hs_site_geom g ON ST_DWithin(g.geom, k.geom, ?)
     WHERE k.kind = 'LINESTRING' AND CASE
       WHEN g.unit = 'junction' THEN TRUE
       WHEN g.unit = 'cell' THEN ST_Intersects(g.geom, k.geom)
       -- a road site counts when the stretch runs along at least half of the shorter of the two
       ELSE ST_Length(ST_Intersection(g.geom, ST_Buffer(k.geom, ?))) >= 0.5 * least(ST_Length(g.geom), ST_Length(k.geom))
     END`,
    [...filterBindings, params.concernSnapM, params.concernStretchM, params.concernStretchM],
  );
  return { concerns, matches: (matchRows as Array<{ id: number; site_id: string }>).map((m) => ({ id: Number(m.id), siteId: m.site_id })) };
}

/**
 * Sets concernScore, concernReports, concernRatio, concernFactor and concernOnly on every site
 * (after scoring: the reference groups and harm scores are known).
 */
export async function applyConcerns(trx: Knex.Transaction, sites: Site[], params: HotspotParams, years: number, asOf: string): Promise<ConcernSummary> {
  const { concerns, matches } = await matchConcerns(trx, params, asOf);
  const summary: ConcernSummary = { considered: concerns.size, matched: 0, sitesWithConcern: 0, concernOnly: 0, asOf };
  const asOfMs = Date.parse(asOf);
  const index = new Map<string, Site>();
  for (const s of sites) index.set(s.siteId, s);
  const perSite = new Map<Site, ConcernRow[]>();
  const matchedIds = new Set<number>();
  for (const m of matches) {
    const site = index.get(m.siteId);
    const concern = concerns.get(m.id);
    if (!site || !concern) continue;
    matchedIds.add(m.id);
    let list = perSite.get(site);
    if (!list) perSite.set(site, (list = []));
    list.push(concern);
  }
  summary.matched = matchedIds.size;

  // Windows take the concerns of the segments under them (a point's nearest segment, a stretch's segments).
  const segmentsByChain = new Map<number, Array<{ from: number; to: number; list: ConcernRow[] }>>();
  for (const [site, list] of perSite) {
    if (site.unit !== 'segment' || site.chainId === undefined || site.chainFromM === undefined) continue;
    let spans = segmentsByChain.get(site.chainId);
    if (!spans) segmentsByChain.set(site.chainId, (spans = []));
    spans.push({ from: site.chainFromM, to: site.chainFromM + (site.lengthM ?? 0), list });
  }
  if (segmentsByChain.size) {
    for (const w of sites) {
      if (w.unit !== 'window' || w.chainId === undefined) continue;
      const spans = segmentsByChain.get(w.chainId);
      if (!spans) continue;
      const from = w.chainFromM!;
      const to = from + (w.lengthM ?? 0);
      const union = new Map<number, ConcernRow>();
      for (const span of spans) if (span.from < to && span.to > from) for (const c of span.list) union.set(c.id, c);
      if (union.size) perSite.set(w, [...union.values()]);
    }
  }

  const dedupeMs = params.concernDedupeDays * 86_400_000;
  for (const site of sites) {
    const list = (perSite.get(site) ?? []).sort((a, b) => a.created_ms - b.created_ms || a.id - b.id);
    const lastKept = new Map<string, number>();
    let score = 0;
    let reports = 0;
    for (const c of list) {
      if (c.reporter_key) {
        const last = lastKept.get(c.reporter_key);
        if (last !== undefined && c.created_ms - last < dedupeMs) continue;
        lastKept.set(c.reporter_key, c.created_ms);
      }
      reports++;
      score += decayWeight(Math.max(0, (asOfMs - c.created_ms) / 86_400_000), params.concernHalfLifeDays);
    }
    site.concernScore = score;
    site.concernReports = reports;
    if (reports > 0) summary.sitesWithConcern++;
  }

  // Expected concern: the reference group's concern per unit of exposure (km of road, or per site).
  const perUnitLength = (site: Site) => exposure(site, years) / years;
  const groups = new Map<string, { score: number; exposure: number }>();
  const groupKey = (s: Site) => `${s.unit}#${s.referenceGroup ?? s.unit}`;
  for (const s of sites) {
    const g = groups.get(groupKey(s)) ?? { score: 0, exposure: 0 };
    g.score += s.concernScore ?? 0;
    g.exposure += perUnitLength(s);
    groups.set(groupKey(s), g);
  }
  for (const s of sites) {
    const g = groups.get(groupKey(s))!;
    if (g.score === 0) {
      s.concernRatio = null;
      s.concernFactor = 1;
      continue;
    }
    const expected = (g.score / g.exposure) * perUnitLength(s);
    const { ratio, factor } = concernFactor(s.concernScore ?? 0, expected, { priorStrength: params.concernPriorStrength, maxShare: params.concernMaxShare });
    s.concernRatio = ratio;
    s.concernFactor = factor;
    s.concernOnly = ratio >= params.concernOnlyRatio && s.concernReports >= params.concernOnlyMinReports && !((s.harmScore ?? 0) > 0);
    if (s.concernOnly) summary.concernOnly++;
  }
  return summary;
}
