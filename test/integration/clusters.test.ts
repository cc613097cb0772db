import KDBush from 'kdbush';
import type { Knex } from 'knex';
import { beforeAll, describe, expect, it } from 'vitest';
import { sampleNormal } from '../../geo/stats/sampling.ts';
import { importStats19 } from '../../server/collisions/stats19/import.ts';
import { clusterCollisions, ClusterTimeoutError, maxInCircle } from '../../server/hotspots/clusters.ts';
import { createRandom } from '../bench/random.ts';
import { useTestApp } from '../support/app.ts';
import { testTargets } from '../support/db.ts';

/*
 * GET /api/clusters against ST_ClusterDBSCAN run directly on the same points. DBSCAN's noise set and
 * its partition of core points are fixed by the data; a border point (within eps of core points of
 * two clusters) may join either, depending on the order PostGIS visits the points, so border points
 * are only checked to sit in a cluster with a core point within eps of them.
 *
 * Three sets share one database, told apart by date: a hand-placed set (2010), the real Lancashire
 * 2023 demo collisions, and 50,000 seeded synthetic collisions (2018).
 */

interface Point {
  index: string;
  x: number;
  y: number;
  severity?: number;
  district?: string;
}

/** Inserts located collisions with only the required columns, in batches (EPSG:27700 metres). */
async function insertPoints(knex: Knex, date: string, points: Point[]): Promise<void> {
  for (let i = 0; i < points.length; i += 10_000) {
    const batch = points.slice(i, i + 10_000);
    await knex.raw(
      `INSERT INTO collisions (collision_index, collision_year, collision_reference, police_force, severity, number_of_vehicles,
         number_of_casualties, date, day_of_week, easting, northing, district_code, geom, geom_4326)
       SELECT u.i, ?, right(u.i, 6), 4, u.s, 1, 1, ?::date, 1, round(u.x), round(u.y), u.d,
              ST_SetSRID(ST_MakePoint(u.x, u.y), 27700), ST_Transform(ST_SetSRID(ST_MakePoint(u.x, u.y), 27700), 4326)
       FROM unnest(?::text[], ?::float8[], ?::float8[], ?::int[], ?::text[]) AS u(i, x, y, s, d)`,
      [
        Number(date.slice(0, 4)),
        date,
        batch.map((p) => p.index),
        batch.map((p) => p.x),
        batch.map((p) => p.y),
        batch.map((p) => p.severity ?? 3),
        batch.map((p) => p.district ?? 'E07000123'),
      ],
    );
  }
}

/** 50,000 points: 400 blobs of 20–80 collisions (σ 10–40 m) over uniform background noise, whole metres. */
function syntheticPoints(seed: number, count: number): Point[] {
  const random = createRandom(seed);
  const gaussian = () => sampleNormal(random.next);
  const points: Point[] = [];
  const [x0, y0, size] = [340_000, 410_000, 40_000];
  for (let b = 0; b < 400 && points.length < count; b++) {
    const [cx, cy] = [x0 + random.uniform(0, size), y0 + random.uniform(0, size)];
    const n = random.int(20, 80);
    const sigma = random.uniform(10, 40);
    for (let k = 0; k < n; k++) points.push({ index: `S${points.length}`, x: Math.round(cx + sigma * gaussian()), y: Math.round(cy + sigma * gaussian()) });
  }
  while (points.length < count) points.push({ index: `S${points.length}`, x: Math.round(x0 + random.uniform(0, size)), y: Math.round(y0 + random.uniform(0, size)) });
  return points;
}

interface ClusterFeature {
  type: 'Feature';
  id: number;
  geometry: { type: string; coordinates: number[][][] };
  properties: { clusterId: number; size: number; members: string[]; maxInCircle: number };
}

interface ClusterResponse {
  type: 'FeatureCollection';
  eps: number;
  minPoints: number;
  collisions: number;
  clustered: number;
  noise: number;
  features: ClusterFeature[];
}

describe.each(testTargets())('collision clusters on the $mode database', (target) => {
  const t = useTestApp(target);
  const get = (query: string) => fetch(`${t.app.url}/api/clusters?${query}`);

  beforeAll(async () => {
    await importStats19(t.db.knex, { collisions: 'demo-data/lancashire-collisions-2023.csv' });
    await insertPoints(t.db.knex, '2018-06-01', syntheticPoints(20_181_231, 50_000));
  });

  /**
   * Checks the API's clusters of the collisions dated from..to against ST_ClusterDBSCAN run here.
   * Returns the number of clusters, so a caller can see the case was not vacuous.
   */
  async function expectParity(from: string, to: string, eps: number, minPoints: number): Promise<number> {
    const res = await get(`eps=${eps}&minPoints=${minPoints}&from=${from}&to=${to}`);
    expect(res.status).toBe(200);
    const api = (await res.json()) as ClusterResponse;

    const { rows } = await t.db.knex.raw(
      `SELECT c.collision_index AS index, ST_X(c.geom) AS x, ST_Y(c.geom) AS y, ST_ClusterDBSCAN(c.geom, ?::float8, ?::int) OVER () AS cid
       FROM collisions c WHERE c.geom IS NOT NULL AND c.date BETWEEN ?::date AND ?::date`,
      [eps, minPoints, from, to],
    );
    const points = rows as Array<{ index: string; x: number; y: number; cid: number | null }>;
    // Core: at least minPoints points within eps (inclusive, as ST_DWithin), itself included.
    const all = new KDBush(points.length);
    for (const p of points) all.add(p.x, p.y);
    all.finish();
    const direct = points.map((p) => ({ ...p, core: all.within(p.x, p.y, eps).length >= minPoints }));

    const apiCluster = new Map<string, number>();
    for (const f of api.features) for (const m of f.properties.members) apiCluster.set(m, f.properties.clusterId);
    expect(api.collisions).toBe(direct.length);
    expect(apiCluster.size, 'a collision is in at most one cluster').toBe(api.features.reduce((s, f) => s + f.properties.size, 0));
    expect(api.clustered).toBe(apiCluster.size);
    expect(api.noise).toBe(direct.length - apiCluster.size);

    // Same noise.
    const directNoise = direct.filter((p) => p.cid === null).map((p) => p.index).sort();
    const apiNoise = direct.filter((p) => !apiCluster.has(p.index)).map((p) => p.index).sort();
    expect(apiNoise).toEqual(directNoise);

    // Same core partition up to relabelling: the label maps are functions both ways.
    const apiToDirect = new Map<number, number>();
    const directToApi = new Map<number, number>();
    const core = direct.filter((p) => p.core);
    for (const p of core) {
      const a = apiCluster.get(p.index);
      expect(a, `core collision ${p.index} is in a cluster`).toBeDefined();
      expect(p.cid).not.toBeNull();
      if ((apiToDirect.get(a!) ?? p.cid) !== p.cid) throw new Error(`API cluster ${a} holds core collisions of two PostGIS clusters`);
      if ((directToApi.get(p.cid!) ?? a) !== a) throw new Error(`PostGIS cluster ${p.cid} is split across API clusters`);
      apiToDirect.set(a!, p.cid!);
      directToApi.set(p.cid!, a!);
    }
    expect(apiToDirect.size).toBe(api.features.length);
    expect(directToApi.size).toBe(new Set(direct.filter((p) => p.cid !== null).map((p) => p.cid)).size);

    // Each border collision is within eps of a core collision of its own cluster.
    const coreIndex = new KDBush(core.length);
    for (const p of core) coreIndex.add(p.x, p.y);
    coreIndex.finish();
    for (const p of direct.filter((q) => !q.core && apiCluster.has(q.index))) {
      const near = coreIndex.within(p.x, p.y, eps).map((i) => apiCluster.get(core[i]!.index));
      expect(near, `border collision ${p.index}`).toContain(apiCluster.get(p.index));
    }

    // Every cluster has a core collision, so its densest circle holds at least minPoints collisions.
    for (const f of api.features) {
      expect(f.properties.maxInCircle).toBeGreaterThanOrEqual(minPoints);
      expect(f.geometry.type).toBe('Polygon');
    }
    return api.features.length;
  }

  it('matches ST_ClusterDBSCAN on the real Lancashire 2023 collisions (same noise, same core partition)', async () => {
    for (const [eps, minPoints] of [
      [50, 3],
      [100, 4],
      [250, 7],
    ] as const) {
      expect(await expectParity('2023-01-01', '2023-12-31', eps, minPoints), `eps ${eps}, minPoints ${minPoints}`).toBeGreaterThan(5);
    }
  });

  it('matches ST_ClusterDBSCAN on 50,000 seeded synthetic collisions', async () => {
    expect(await expectParity('2018-01-01', '2018-12-31', 50, 7)).toBeGreaterThan(300);
    expect(await expectParity('2018-01-01', '2018-12-31', 120, 25)).toBeGreaterThan(50);
  });

  describe('on hand-placed collisions', () => {
    const E = 360_000;
    const N = 420_000;
    beforeAll(async () => {
      const random = createRandom(7);
      const points: Point[] = [
        // A chain along a road, 30 m apart (each sees its two neighbours with eps 50), with a tight knot of 6 at its east end.
        ...Array.from({ length: 10 }, (_, i) => ({ index: `H-chain-${i}`, x: E + 30 * i, y: N })),
        ...Array.from({ length: 6 }, (_, i) => ({ index: `H-knot-${i}`, x: E + 300 + (i % 3), y: N + Math.floor(i / 3) })),
        // Three collisions on one spot and three on a straight line: degenerate hulls.
        ...Array.from({ length: 3 }, (_, i) => ({ index: `H-spot-${i}`, x: E + 5000, y: N + 5000, severity: 1 })),
        ...Array.from({ length: 3 }, (_, i) => ({ index: `H-line-${i}`, x: E + 8000 + 10 * i, y: N + 8000, district: 'E07000117' })),
        // Scattered points in a square kilometre, for the brute-force count.
        ...Array.from({ length: 600 }, (_, i) => ({ index: `H-rand-${i}`, x: E + 20_000 + random.uniform(0, 1000), y: N + random.uniform(0, 1000), severity: (i % 3) + 1 })),
        // Far from everything: noise.
        { index: 'H-alone', x: E - 9000, y: N - 9000 },
      ];
      await insertPoints(t.db.knex, '2010-05-05', points);
    });

    const hand = (query: string) => get(`from=2010-01-01&to=2010-12-31&${query}`).then((r) => r.json() as Promise<ClusterResponse>);

    it('gives the largest count of collisions in one eps-circle centred on a member, not the chained size, as a brute-force count does', async () => {
      const body = await hand('eps=50&minPoints=3');
      const chain = body.features.find((f) => f.properties.members.includes('H-chain-0'))!;
      expect(chain.properties.size).toBe(16);
      // Around the chain's last collision (at 270 m): itself, its chain neighbour 30 m west and the knot's 6 about 30 m east.
      expect(chain.properties.maxInCircle).toBe(8);
      const { rows } = await t.db.knex.raw(
        `SELECT collision_index, ST_X(geom) AS x, ST_Y(geom) AS y FROM collisions WHERE date = '2010-05-05'`,
      );
      const where = new Map<string, { x: number; y: number }>(rows.map((r: { collision_index: string; x: number; y: number }) => [r.collision_index, r]));
      const everyone = [...where.values()];
      for (const eps of [50, 80]) {
        const clusters = (await hand(`eps=${eps}&minPoints=4`)).features;
        expect(clusters.length).toBeGreaterThanOrEqual(2);
        expect(clusters.reduce((sum, f) => sum + f.properties.size, 0)).toBeGreaterThan(50);
        for (const f of clusters) {
          const members = f.properties.members.map((m) => where.get(m)!);
          // Every collision in the circle counts, whichever cluster (if any) it is in.
          const brute = Math.max(...members.map((a) => everyone.filter((b) => Math.hypot(a.x - b.x, a.y - b.y) <= eps).length));
          expect(f.properties.maxInCircle, `cluster ${f.properties.clusterId} at eps ${eps}`).toBe(brute);
        }
      }
    });

    it('numbers clusters from 1 by size, lists members sorted, and leaves noise out', async () => {
      const body = await hand('eps=50&minPoints=3');
      const sizes = body.features.map((f) => f.properties.size);
      expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
      expect(body.features.map((f) => f.properties.clusterId)).toEqual(body.features.map((_, i) => i + 1));
      expect(body.features.map((f) => f.id)).toEqual(body.features.map((f) => f.properties.clusterId));
      for (const f of body.features) expect(f.properties.members).toEqual([...f.properties.members].sort());
      expect(body.features.some((f) => f.properties.members.includes('H-alone'))).toBe(false);
      expect(body.noise).toBe(body.collisions - body.clustered);
    });

    it('gives a polygon hull for every cluster, buffering a cluster on one spot or one line by about a metre', async () => {
      const body = await hand('eps=50&minPoints=3');
      const spot = body.features.find((f) => f.properties.members.includes('H-spot-0'))!;
      const line = body.features.find((f) => f.properties.members.includes('H-line-0'))!;
      for (const f of [spot, line]) {
        expect(f.geometry.type).toBe('Polygon');
        expect(f.geometry.coordinates[0]!.length).toBeGreaterThan(4);
      }
      // The spot's buffer is about 1 m across in each direction: ~1.8e-5 degrees of latitude for 2 m.
      const lats = spot.geometry.coordinates[0]!.map((p) => p[1]!);
      expect(Math.max(...lats) - Math.min(...lats)).toBeGreaterThan(1.5e-5);
      expect(Math.max(...lats) - Math.min(...lats)).toBeLessThan(2.2e-5);
      // A real hull is in WGS84 near the points.
      const chain = body.features.find((f) => f.properties.members.includes('H-chain-0'))!;
      for (const [lon, lat] of chain.geometry.coordinates[0]!) {
        expect(lon).toBeGreaterThan(-3);
        expect(lon).toBeLessThan(-2);
        expect(lat).toBeGreaterThan(53);
        expect(lat).toBeLessThan(54);
      }
    });

    it('applies the severity, district and date filters before clustering', async () => {
      const fatal = await hand('eps=50&minPoints=3&severity=fatal');
      const { rows } = await t.db.knex.raw(`SELECT count(*) AS n FROM collisions WHERE date = '2010-05-05' AND severity = 1`);
      expect(fatal.collisions).toBe(Number(rows[0].n));
      expect(fatal.features.some((f) => f.properties.members.includes('H-spot-0'))).toBe(true);
      expect(fatal.features.some((f) => f.properties.members.includes('H-chain-0'))).toBe(false);
      const district = await hand('eps=50&minPoints=3&district=E07000117');
      expect(district.collisions).toBe(3);
      expect(district.features.map((f) => f.properties.members)).toEqual([['H-line-0', 'H-line-1', 'H-line-2']]);
      const none = await (await get('from=2001-01-01&to=2001-12-31')).json();
      expect(none).toMatchObject({ type: 'FeatureCollection', collisions: 0, clustered: 0, noise: 0, features: [] });
    });

    it('uses eps 50 m and minPoints 7 by default', async () => {
      const body = await hand('');
      expect(body.eps).toBe(50);
      expect(body.minPoints).toBe(7);
    });
  });

  // PGlite does not enforce statement_timeout (no timer signals in WebAssembly): PostgreSQL only.
  it.runIf(target.mode === 'postgresql')('stops a clustering that runs past its time limit, with an error saying so', async () => {
    const slow = clusterCollisions(t.db.knex, { eps: 500, minPoints: 3, timeoutMs: 1, filters: { from: '2018-01-01', to: '2018-12-31' } });
    await expect(slow).rejects.toBeInstanceOf(ClusterTimeoutError);
    await expect(slow).rejects.toThrow('longer than 0.001 s');
    // The connection is fine afterwards.
    expect((await get('eps=50&minPoints=7&from=2023-01-01&to=2023-12-31')).status).toBe(200);
  });

  it('answers eps outside 1–2000 m or minPoints outside 2–1000 with a 400 naming the field and the value', async () => {
    for (const [query, field, value] of [
      ['eps=0', 'query.eps', '0'],
      ['eps=2001', 'query.eps', '2001'],
      ['eps=fifty', 'query.eps', 'fifty'],
      ['minPoints=1', 'query.minPoints', '1'],
      ['minPoints=1001', 'query.minPoints', '1001'],
      ['minPoints=2.5', 'query.minPoints', '2.5'],
      ['severity=deadly', 'query.severity', 'deadly'],
      ['from=2023-02-30', 'query.from', '2023-02-30'],
    ] as const) {
      const res = await get(query);
      expect(res.status, query).toBe(400);
      const body = await res.json();
      const error = body.errors.find((e: { field: string }) => e.field === field || e.field.startsWith(`${field}.`));
      expect(error, `${query}: ${JSON.stringify(body.errors)}`).toBeDefined();
      expect(error.message).toContain(`"${value}"`);
    }
    const reversed = await get('from=2023-02-01&to=2023-01-01');
    expect(reversed.status).toBe(400);
    expect((await reversed.json()).errors[0].field).toBe('query.from');
  });
});

describe('maxInCircle', () => {
  it('counts the point itself and points exactly eps away (as ST_DWithin does)', () => {
    // (30, 40) is exactly 50 m from each of the others.
    expect(maxInCircle([0, 30, 60], [0, 40, 80], 50)).toBe(3);
    expect(maxInCircle([0, 30, 60], [0, 40, 80], 49.99)).toBe(1);
    expect(maxInCircle([0, 30, 60, 61], [0, 40, 80, 80], 50)).toBe(3);
    expect(maxInCircle([5], [5], 1)).toBe(1);
    expect(maxInCircle([], [], 10)).toBe(0);
  });
});
