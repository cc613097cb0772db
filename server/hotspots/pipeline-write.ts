import type { Knex } from 'knex';
import { pgArray } from './pg-arrays.ts';
import { PLAN_GROUPS, type Site } from './pipeline-types.ts';

/*
 * Site geometry (hs_site_geom, EPSG:27700) and the bulk writes of a run's sites and snaps. Columns
 * travel as array literals and are expanded with unnest, a few tens of thousands of rows per
 * statement, joined to their geometry server-side (geometry never makes a round trip through Node).
 */

/**
 * Creates hs_site_geom (site_id, unit, geom) for the sites given: segment and junction geometry from
 * the network, windows cut from their edges (ST_LineSubstring per edge piece, merged in chain order),
 * cells from hs_cells. Call again to add more sites.
 */
export async function buildSiteGeometry(trx: Knex.Transaction, sites: readonly Site[]): Promise<void> {
  await trx.raw(`CREATE TEMP TABLE IF NOT EXISTS hs_site_geom (site_id text PRIMARY KEY, unit text NOT NULL, geom geometry NOT NULL) ON COMMIT DROP`);
  const segmentIds: number[] = [];
  const nodeIds: string[] = [];
  const windowIds: string[] = [];
  let cells = false;
  for (const s of sites) {
    if (s.unit === 'segment') segmentIds.push(Number(s.siteId.slice(4)));
    else if (s.unit === 'junction') nodeIds.push(s.nodeId!);
    else if (s.unit === 'window') windowIds.push(s.siteId);
    else cells = true;
  }
  if (segmentIds.length) {
    await trx.raw(`INSERT INTO hs_site_geom SELECT 'seg:' || s.id, 'segment', s.geom FROM road_segments s WHERE s.id = ANY(?::int[])`, [pgArray(segmentIds)]);
  }
  if (nodeIds.length) {
    await trx.raw(`INSERT INTO hs_site_geom SELECT 'jn:' || n.id, 'junction', n.geom FROM road_nodes n WHERE n.id = ANY(?::bigint[])`, [pgArray(nodeIds)]);
  }
  if (windowIds.length) {
    await trx.raw(
      `INSERT INTO hs_site_geom
       SELECT p.site_id, 'window', ST_LineMerge(ST_Collect(p.piece ORDER BY p.ord))
       FROM (
         SELECT w.site_id, w.ord,
                CASE WHEN w.reversed THEN ST_Reverse(x.g) ELSE x.g END AS piece
         FROM hs_window_pieces w
         JOIN road_edges e ON e.id = w.edge_id
         CROSS JOIN LATERAL (
           SELECT ST_LineSubstring(e.geom, least(1, greatest(0, w.from_m / e.length_m)), least(1, greatest(0, w.to_m / e.length_m))) AS g
         ) x
         WHERE e.length_m > 0 AND w.to_m > w.from_m AND w.site_id = ANY(?::text[])
       ) p
       GROUP BY p.site_id`,
      [pgArray(windowIds)],
    );
  }
  if (cells) await trx.raw(`INSERT INTO hs_site_geom SELECT h.site_id, 'cell', h.geom FROM hs_cells h`);
  await trx.raw('CREATE INDEX IF NOT EXISTS hs_site_geom_geom_idx ON hs_site_geom USING gist (geom)');
  await trx.raw('ANALYZE hs_site_geom');
}

type Column = [name: string, pgType: string, value: (s: Site) => string | number | boolean | null | undefined];

const num = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? null : v);

/** hotspot_sites columns written from a Site (geometry and run_id are added in SQL). */
const COLUMNS: Column[] = [
  ['site_id', 'text', (s) => s.siteId],
  ['unit', 'text', (s) => s.unit],
  ['rank', 'int', (s) => s.rank],
  ['previous_rank', 'int', (s) => s.previousRank],
  ['rank_change', 'int', (s) => s.rankChange],
  ['road_label', 'text', (s) => s.roadLabel],
  ['ref', 'text', (s) => s.ref],
  ['name', 'text', (s) => s.name],
  ['road_class', 'text', (s) => s.roadClass],
  ['speed_limit', 'smallint', (s) => s.speedLimit],
  ['urban', 'bool', (s) => s.urban],
  ['district_code', 'text', (s) => s.districtCode],
  ['reference_group', 'text', (s) => s.referenceGroup],
  ['length_m', 'float8', (s) => num(s.lengthM)],
  ['fatal', 'int', (s) => s.fatal],
  ['serious', 'int', (s) => s.serious],
  ['slight', 'int', (s) => s.slight],
  ['road_user_counts', 'text', (s) => JSON.stringify(Object.fromEntries(PLAN_GROUPS.map((g, i) => [g, s.groups[i] ?? 0])))],
  ['ksi_36m', 'int', (s) => s.ksi36],
  ['injury_36m', 'int', (s) => s.injury36],
  ['ksi_per_km_36m', 'float8', (s) => num(s.ksiPerKm36m)],
  ['mu_ksi', 'float8', (s) => num(s.muKsi)],
  ['mu_all', 'float8', (s) => num(s.muAll)],
  ['k_ksi', 'float8', (s) => num(s.kKsi)],
  ['k_all', 'float8', (s) => num(s.kAll)],
  ['w_ksi', 'float8', (s) => num(s.wKsi)],
  ['w_all', 'float8', (s) => num(s.wAll)],
  ['expected_ksi', 'float8', (s) => num(s.expectedKsi)],
  ['expected_all', 'float8', (s) => num(s.expectedAll)],
  ['excess_ksi', 'float8', (s) => num(s.excessKsi)],
  ['excess_all', 'float8', (s) => num(s.excessAll)],
  ['p_excess_ksi', 'float8', (s) => num(s.pExcessKsi)],
  ['p_excess_all', 'float8', (s) => num(s.pExcessAll)],
  ['p_excess', 'float8', (s) => num(s.pExcess)],
  ['harm_score', 'float8', (s) => num(s.harmScore)],
  ['candidate', 'bool', (s) => s.candidate],
  ['gi_z', 'float8', (s) => num(s.giZ)],
  ['gi_q', 'float8', (s) => num(s.giQ)],
  ['corridor', 'bool', (s) => s.corridor],
  ['corridor_id', 'int', (s) => s.corridorId],
  ['cluster_max_in_circle', 'int', (s) => s.clusterMaxInCircle],
  ['cluster_site', 'bool', (s) => s.clusterSite],
  ['concern_score', 'float8', (s) => num(s.concernScore)],
  ['concern_reports', 'int', (s) => s.concernReports],
  ['concern_ratio', 'float8', (s) => num(s.concernRatio)],
  ['concern_factor', 'float8', (s) => s.concernFactor],
  ['concern_only', 'bool', (s) => s.concernOnly],
  ['priority_score', 'float8', (s) => num(s.priorityScore)],
  ['eligible', 'bool', (s) => s.eligible],
  ['eligibility_reason', 'text', (s) => s.eligibilityReason],
  ['peak_day', 'smallint', (s) => s.peakDay],
  ['peak_hour', 'smallint', (s) => s.peakHour],
  ['peak_count', 'int', (s) => s.peakCount],
  ['chain_id', 'int', (s) => (s.unit === 'window' ? s.chainId : null)],
  ['chain_from_m', 'float8', (s) => (s.unit === 'window' ? num(s.chainFromM) : null)],
];

const BATCH = 20_000;

/** Inserts every site of the run with its geometry in EPSG:27700 and 4326. */
export async function writeSites(trx: Knex.Transaction, runId: number, unordered: readonly Site[]): Promise<void> {
  // In key order, so the primary key (run_id, site_id) is built by appending.
  const sites = [...unordered].sort((a, b) => (a.siteId < b.siteId ? -1 : a.siteId > b.siteId ? 1 : 0));
  const names = COLUMNS.map(([name]) => name);
  const select = COLUMNS.map(([name]) => (name === 'road_user_counts' ? `v.${name}::jsonb` : `v.${name}`)).join(', ');
  const unnest = COLUMNS.map(([, type]) => `?::${type}[]`).join(', ');
  for (let start = 0; start < sites.length; start += BATCH) {
    const batch = sites.slice(start, start + BATCH);
    const bindings = COLUMNS.map(([, , value]) => pgArray(batch.map(value)));
    const result = await trx.raw(
      `INSERT INTO hotspot_sites (run_id, ${names.join(', ')}, geom, geom_4326)
       SELECT ?, ${select}, g.geom, ST_Transform(g.geom, 4326)
       FROM unnest(${unnest}) AS v(${names.join(', ')})
       JOIN hs_site_geom g ON g.site_id = v.site_id`,
      [runId, ...bindings],
    );
    if (result.rowCount !== batch.length) {
      throw new Error(`Hotspot run ${runId}: ${batch.length - Number(result.rowCount)} sites have no geometry (a road segment or node changed during the run?).`);
    }
  }
}

/** Copies hs_snaps into hotspot_snaps for the run. */
export async function writeSnaps(trx: Knex.Transaction, runId: number): Promise<void> {
  if (!Number.isSafeInteger(runId)) throw new Error(`Run id must be an integer, got ${runId}.`);
  // The (integer) run id is inlined: a statement without bound parameters fails cleanly inside a
  // transaction on the embedded database, whose socket desynchronises after a failed bound one.
  await trx.raw(
    `INSERT INTO hotspot_snaps (run_id, collision_index, segment_id, distance_m, position_m, ambiguous, junction_node, cell_id, site_id, chain_id, chain_m)
     SELECT ${runId}, collision_index, segment_id, distance_m, position_m, ambiguous, junction_node, cell_id, site_id, chain_id, chain_m FROM hs_snaps`,
  );
}
