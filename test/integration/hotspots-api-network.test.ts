import { beforeAll, describe, expect, it } from 'vitest';
import { runHotspots } from '../../server/hotspots/run.ts';
import { importRoadNetwork } from '../../server/roads/import.ts';
import { createRandom } from '../bench/random.ts';
import { useTestApp } from '../support/app.ts';
import { testTargets } from '../support/db.ts';
import { LEEDS_OSM } from './hotspots-run-fixtures.ts';

/*
 * A network run over the real Leeds city centre road network (OpenStreetMap) with seeded collisions
 * placed along its roads: every site's detail (its collisions, trend and matrix, from the run's
 * snaps) must count exactly what the pipeline counted for it — segments, junctions and the
 * overlapping sliding windows alike.
 */

describe.each(testTargets())('hotspot detail on a road network run on the $mode database', (target) => {
  const t = useTestApp(target);
  let runId: number;

  beforeAll(async () => {
    const { knex } = t.db;
    await importRoadNetwork(knex, LEEDS_OSM);
    const segments = (await knex('road_segments').orderBy('id').pluck('id')) as number[];
    const random = createRandom(42);
    const rows = Array.from({ length: 2500 }, (_, i) => {
      const year = random.int(2019, 2023);
      const date = `${year}-${String(random.int(1, 12)).padStart(2, '0')}-${String(random.int(1, 28)).padStart(2, '0')}`;
      return {
        index: `L${String(i).padStart(6, '0')}`,
        year,
        date,
        // Half of them marked as at a junction (T or staggered junction), so junction sites get collisions.
        junction: random.chance(0.5) ? 3 : 0,
        severity: random.weighted([
          [1, 1],
          [2, 12],
          [3, 40],
        ] as const),
        hour: random.chance(0.1) ? null : random.int(0, 23),
        day: random.int(1, 7),
        segment: random.pick(segments),
        at: random.next(),
        dx: random.uniform(-8, 8),
        dy: random.uniform(-8, 8),
      };
    });
    await knex.raw(
      `INSERT INTO collisions (collision_index, collision_year, collision_reference, police_force, severity, number_of_vehicles, number_of_casualties,
         date, time, day_of_week, hour, junction_detail, urban_or_rural_area, geom, geom_4326)
       SELECT u.i, u.y, right(u.i, 6), 13, u.s, 1, 1, u.d::date, make_time(nullif(u.h, -1), 0, 0), u.dw, nullif(u.h, -1), u.j, 1, p.g, ST_Transform(p.g, 4326)
       FROM unnest(?::text[], ?::int[], ?::text[], ?::int[], ?::int[], ?::int[], ?::int[], ?::int[], ?::float8[], ?::float8[], ?::float8[])
              AS u(i, y, d, j, s, h, dw, seg, at, dx, dy)
       JOIN road_segments r ON r.id = u.seg
       CROSS JOIN LATERAL (SELECT ST_Translate(ST_LineInterpolatePoint(r.geom, u.at), u.dx, u.dy) AS g) p`,
      [
        rows.map((r) => r.index),
        rows.map((r) => r.year),
        rows.map((r) => r.date),
        rows.map((r) => r.junction),
        rows.map((r) => r.severity),
        rows.map((r) => r.hour ?? -1), // -1: no recorded time (an int[] cannot hold null here)
        rows.map((r) => r.day),
        rows.map((r) => r.segment),
        rows.map((r) => r.at),
        rows.map((r) => r.dx),
        rows.map((r) => r.dy),
      ],
    );
    ({ runId } = await runHotspots(knex, { unit: 'network', from: '2019-01-01', to: '2023-12-31' }));
  });

  it('lists each unit of the network run and details every listed site with exactly the collisions the run counted', async () => {
    for (const unit of ['segment', 'junction', 'window'] as const) {
      const list = await (await fetch(`${t.app.url}/api/hotspots?run=${runId}&unit=${unit}&limit=5000`)).json();
      expect(list.units).toBe('network');
      const withCollisions = list.features.filter((f: { properties: { fatal: number; serious: number; slight: number } }) => f.properties.fatal + f.properties.serious + f.properties.slight > 0);
      expect(withCollisions.length, unit).toBeGreaterThan(20);
      // The 25 best ranked and 25 more spread through the list.
      const step = Math.max(1, Math.floor(withCollisions.length / 25));
      const sample = [...withCollisions.slice(0, 25), ...withCollisions.filter((_: unknown, i: number) => i % step === 0)];
      for (const feature of sample) {
        const p = feature.properties;
        const res = await fetch(`${t.app.url}/api/hotspots/${p.siteId}?run=${runId}`);
        expect(res.status, p.siteId).toBe(200);
        const detail = await res.json();
        const bySeverity = (s: string) => detail.collisions.filter((c: { severity: string }) => c.severity === s).length;
        expect([bySeverity('fatal'), bySeverity('serious'), bySeverity('slight')], `${p.siteId}`).toEqual([p.fatal, p.serious, p.slight]);
        const inMatrix = detail.matrix.flat().reduce((a: number, b: number) => a + b, 0);
        expect(inMatrix + detail.withoutTime).toBe(detail.collisions.length);
        if (p.peakCount) expect(detail.matrix[p.peakDay - 1][p.peakHour]).toBe(p.peakCount);
      }
    }
  });
});
