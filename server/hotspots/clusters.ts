import KDBush from 'kdbush';
import type { Knex } from 'knex';
import { applyCollisionFilters, type CollisionFilters } from '../collisions/filters.ts';

/*
 * DBSCAN clusters of collisions: the "N injury collisions within R metres" cluster-site test.
 * PostGIS's ST_ClusterDBSCAN labels the points on EPSG:27700 (eps in metres); one query groups them
 * into clusters with their hull and members, and the largest count inside one eps-circle centred
 * on a member (DBSCAN chains clusters along busy roads, so the cluster's size alone overstates the
 * densest spot) is counted in Node with a k-d tree over all the points.
 */

export interface ClusterOptions {
  /** Neighbourhood radius R, metres (EPSG:27700). */
  eps: number;
  /** Points within eps (the point itself included) that make a core point. */
  minPoints: number;
  filters?: Pick<CollisionFilters, 'from' | 'to' | 'district' | 'severity'>;
  /** Longest the clustering may take, ms (default CLUSTER_TIMEOUT_MS); then ClusterTimeoutError. */
  timeoutMs?: number;
}

/**
 * Default limit on one clustering, ms. A wide eps over many collisions makes every collision a
 * neighbour of thousands (eps 2 km over 500k collisions runs for minutes): the route is public, so
 * such a request is stopped rather than left holding the database. PostgreSQL only: the embedded
 * PGlite does not enforce statement_timeout.
 */
export const CLUSTER_TIMEOUT_MS = 60_000;

/** The clustering was stopped at its time limit. */
export class ClusterTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`Clustering took longer than ${timeoutMs / 1000} s and was stopped.`);
  }
}

export interface CollisionCluster {
  /** 1 = the largest cluster; ties by the first member's index. */
  clusterId: number;
  size: number;
  /** Collision indexes, sorted. */
  members: string[];
  /**
   * Most collisions within eps of any one member, that member included: every collision matching the
   * filters counts (noise, and border collisions DBSCAN gave to a neighbouring cluster, too).
   */
  maxInCircle: number;
  /** Convex hull of the members in WGS84; a point or line hull is buffered by 1 m so it is a polygon. */
  hull: { type: 'Polygon'; coordinates: number[][][] };
}

export interface ClusterResult {
  /** Located collisions matching the filters. */
  collisions: number;
  clustered: number;
  clusters: CollisionCluster[];
}

/** Buffer for a cluster whose members all lie on one point or one line, metres. */
export const DEGENERATE_HULL_BUFFER_M = 1;

/** One row per cluster, and one (`size` null) with the located collisions in no cluster. */
interface ClusterRow {
  total: number;
  size: number | null;
  members: string[] | null;
  xs: number[] | null;
  ys: number[] | null;
  hull: string | null;
}

/**
 * Clusters the located collisions matching the filters (points without a location are left out).
 * JIT is off: it costs more than it saves on this query.
 */
export async function clusterCollisions(knex: Knex, options: ClusterOptions): Promise<ClusterResult> {
  const { eps, minPoints } = options;
  const points = applyCollisionFilters(knex({ c: 'collisions' }).select('c.collision_index', 'c.geom').whereNotNull('c.geom'), options.filters ?? {}, 'c');
  const timeoutMs = options.timeoutMs ?? CLUSTER_TIMEOUT_MS;
  const rows = await knex.transaction(async (trx) => {
    await trx.raw('SET LOCAL jit = off');
    await trx.raw(`SET LOCAL statement_timeout = ${Math.max(1, Math.round(timeoutMs))}`);
    // `labelled` is read twice, so PostgreSQL computes it once (a CTE used twice is materialised).
    const { rows } = await trx.raw(
      `WITH pts AS MATERIALIZED (?),
       labelled AS (SELECT p.collision_index, p.geom, ST_ClusterDBSCAN(p.geom, ?::float8, ?::int) OVER () AS cid FROM pts p),
       total AS (SELECT count(*)::int AS total FROM pts)
       SELECT (SELECT total FROM total) AS total, g.size, g.members, g.xs, g.ys,
              ST_AsGeoJSON(ST_Transform(CASE WHEN GeometryType(g.hull) = 'POLYGON' THEN g.hull ELSE ST_Buffer(g.hull, ?::float8) END, 4326), 7) AS hull
       FROM (
         SELECT count(*)::int AS size,
                array_agg(l.collision_index ORDER BY l.collision_index) AS members,
                array_agg(ST_X(l.geom) ORDER BY l.collision_index) AS xs,
                array_agg(ST_Y(l.geom) ORDER BY l.collision_index) AS ys,
                ST_ConvexHull(ST_Collect(l.geom)) AS hull
         FROM labelled l WHERE l.cid IS NOT NULL GROUP BY l.cid) g
       UNION ALL
       SELECT (SELECT total FROM total), NULL, NULL, array_agg(ST_X(l.geom)), array_agg(ST_Y(l.geom)), NULL
       FROM labelled l WHERE l.cid IS NULL`,
      [points, eps, minPoints, DEGENERATE_HULL_BUFFER_M],
    );
    return rows as ClusterRow[];
  }).catch((err: unknown) => {
    // 57014 query_canceled: the statement timeout fired.
    if ((err as { code?: string }).code === '57014') throw new ClusterTimeoutError(timeoutMs);
    throw err;
  });
  const total = Number(rows[0]?.total ?? 0);
  const clusterRows = rows.filter((r) => r.size !== null);
  const noise = rows.find((r) => r.size === null);
  // The densest circle counts every matching collision in it, noise and other clusters' border
  // collisions included: that is the "N within R" test, and it does not depend on which cluster
  // DBSCAN happened to give a border collision to.
  const counter = new CircleCounter([...clusterRows, ...(noise ? [noise] : [])], eps);
  const clusters = clusterRows
    .map((r) => ({
      size: Number(r.size),
      members: r.members!,
      maxInCircle: counter.maxAround(r.xs!, r.ys!),
      hull: JSON.parse(r.hull!) as CollisionCluster['hull'],
    }))
    .sort((a, b) => b.size - a.size || (a.members[0]! < b.members[0]! ? -1 : a.members[0]! > b.members[0]! ? 1 : 0))
    .map((c, i) => ({ clusterId: i + 1, ...c }));
  return { collisions: total, clustered: clusters.reduce((s, c) => s + c.size, 0), clusters };
}

/** Counts points within a radius (inclusive, as ST_DWithin) of given centres, with a k-d tree over every point. */
class CircleCounter {
  private readonly index: KDBush;
  private readonly found: Uint32Array;

  constructor(
    groups: ReadonlyArray<{ xs: ArrayLike<number> | null; ys: ArrayLike<number> | null }>,
    private readonly radius: number,
  ) {
    const n = groups.reduce((s, g) => s + (g.xs?.length ?? 0), 0);
    this.index = new KDBush(Math.max(n, 1));
    for (const g of groups) for (let i = 0; i < (g.xs?.length ?? 0); i++) this.index.add(Number(g.xs![i]), Number(g.ys![i]));
    if (n === 0) this.index.add(0, 0); // KDBush needs at least one item; never queried then.
    this.index.finish();
    this.found = new Uint32Array(Math.max(n, 1));
  }

  /** The most points within the radius of any one of the centres (the centres are among the points). */
  maxAround(xs: ArrayLike<number>, ys: ArrayLike<number>): number {
    let best = 0;
    for (let i = 0; i < xs.length; i++) best = Math.max(best, this.index.withinInto(Number(xs[i]), Number(ys[i]), this.radius, this.found));
    return best;
  }
}

/**
 * The largest number of points within `radius` (inclusive, as ST_DWithin) of any one of them,
 * itself included. Coordinates in metres. O(n log n + matches) with a k-d tree.
 */
export function maxInCircle(xs: ArrayLike<number>, ys: ArrayLike<number>, radius: number): number {
  if (xs.length === 0) return 0;
  return new CircleCounter([{ xs, ys }], radius).maxAround(xs, ys);
}
