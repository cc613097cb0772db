import { beforeAll, describe, expect, it } from 'vitest';
import { buildRoadGraph, shortestPaths, travelTo } from '../../geo/routing/graph.ts';
import { importRoadNetwork } from '../../server/roads/import.ts';
import { useTestApp } from '../support/app.ts';
import { testTargets } from '../support/db.ts';
import { createStaff, signIn, type StaffClient } from '../support/staff.ts';
import { LEEDS_OSM } from './hotspots-run-fixtures.ts';
import { comingMonth, createLeedsRegister } from './planning-fixtures.ts';

/*
 * With a road network loaded (the real Leeds city centre from OpenStreetMap) and sites and bases
 * placed on its streets, travel is timed by the network's shortest paths and every leg of every route
 * is drawn along the roads it takes.
 */

interface Leg {
  seq: number;
  fromSiteId: number | null;
  toSiteId: number | null;
  seconds: number;
  metres: number;
  mode: string;
  startIndex: number;
  endIndex: number;
}
interface RouteFeature {
  geometry: { type: string; coordinates: Array<[number, number]> };
  properties: { vanId: number; shift: string; seconds: number; metres: number; mode: string; legs: Leg[]; stops: Array<{ siteId: number; arrive: string; depart: string }> };
}

/** Great-circle metres between two [lon, lat] positions. */
function metresBetween([lon1, lat1]: [number, number], [lon2, lat2]: [number, number]): number {
  const rad = Math.PI / 180;
  const a = Math.sin(((lat2 - lat1) * rad) / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lon2 - lon1) * rad) / 2) ** 2;
  return 2 * 6_371_008.8 * Math.asin(Math.sqrt(a));
}
const lineMetres = (line: Array<[number, number]>) => line.slice(1).reduce((sum, p, i) => sum + metresBetween(line[i]!, p), 0);

describe.each(testTargets())('van plans over a road network on the $mode database', (target) => {
  const t = useTestApp(target);
  const month = comingMonth();
  let planner: StaffClient;
  let planId: number;
  let plan: { status: string; travelMode: string; notes: string[]; violations: unknown[]; sessions: Array<{ date: string }>; error: string | null };

  beforeAll(async () => {
    await importRoadNetwork(t.db.knex, LEEDS_OSM);
    await createLeedsRegister(t.db.knex);
    await createStaff(t.db.knex, 'planner@roadsafe.example.org', ['planner']);
    planner = await signIn(t.app.url, 'planner@roadsafe.example.org');
    const start = await fetch(`${t.app.url}/api/plans`, { method: 'POST', headers: planner.headers({ csrf: true, json: true }), body: JSON.stringify({ month, seed: 3 }) });
    expect(start.status).toBe(202);
    planId = ((await start.json()) as { id: number }).id;
    for (let i = 0; i < 600 && (!plan || plan.status === 'generating'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      plan = (await (await fetch(`${t.app.url}/api/plans/${planId}`, { headers: planner.headers() })).json()) as typeof plan;
    }
  });

  /** Every route of the plan, date by date. */
  async function allRoutes(): Promise<RouteFeature[]> {
    const features: RouteFeature[] = [];
    for (const date of [...new Set(plan.sessions.map((s) => s.date))]) {
      const res = await fetch(`${t.app.url}/api/plans/${planId}/routes?date=${date}`, { headers: planner.headers() });
      expect(res.status).toBe(200);
      features.push(...((await res.json()) as { features: RouteFeature[] }).features);
    }
    return features;
  }

  /** Where each base and site was snapped, and the stop's own position, from the plan's stored inputs. */
  async function stops() {
    const row = (await t.db.knex('plans').where({ id: planId }).first('inputs')) as {
      inputs: { roadNodes: Record<string, number>; siteDetails: Record<string, { lon: number; lat: number }>; vanDetails: Record<string, { baseLon: number; baseLat: number }> };
    };
    const { roadNodes, siteDetails, vanDetails } = row.inputs;
    return {
      node: (vanId: number, siteId: number | null) => roadNodes[siteId === null ? `base:${vanId}` : `site:${siteId}`],
      position: (vanId: number, siteId: number | null): [number, number] =>
        siteId === null ? [vanDetails[vanId]!.baseLon, vanDetails[vanId]!.baseLat] : [siteDetails[siteId]!.lon, siteDetails[siteId]!.lat],
      roadNodes,
    };
  }

  it('generates a draft with no violations whose travel is by road', () => {
    expect(plan.error).toBeNull();
    expect(plan).toMatchObject({ status: 'draft', travelMode: 'road_network', violations: [] });
    expect(plan.notes.join(' ')).not.toMatch(/No road network loaded|straight-line/);
    expect(plan.sessions.length).toBeGreaterThanOrEqual(12);
  });

  it('snaps every base and parking point to a road junction a few metres away that an edge touches', async () => {
    const { roadNodes } = await stops();
    expect(Object.keys(roadNodes)).toHaveLength(6 + 2);
    const { rows } = await t.db.knex.raw<{ rows: Array<{ id: string; edges: number }> }>(
      'SELECT n.id::text, (SELECT count(*)::int FROM road_edges e WHERE e.source_node = n.id OR e.target_node = n.id) AS edges FROM road_nodes n WHERE n.id = ANY(?::bigint[])',
      [Object.values(roadNodes)],
    );
    expect(rows).toHaveLength(new Set(Object.values(roadNodes)).size);
    for (const row of rows) expect(row.edges).toBeGreaterThan(0);
  });

  it('draws every leg along the roads: more vertices than its two ends, starting and ending at its stops, as long as the metres stored', async () => {
    const { position } = await stops();
    const features = await allRoutes();
    expect(features.length).toBeGreaterThan(0);
    let legs = 0;
    for (const feature of features) {
      const { vanId, legs: featureLegs } = feature.properties;
      expect(feature.geometry.type).toBe('LineString');
      expect(feature.properties.mode).toBe('road_network');
      expect(featureLegs).toHaveLength(feature.properties.stops.length + 1);
      for (const leg of featureLegs) {
        legs++;
        expect(leg.mode).toBe('road_network');
        const line = feature.geometry.coordinates.slice(leg.startIndex, leg.endIndex + 1);
        expect(line.length).toBeGreaterThan(2);
        expect(metresBetween(line[0]!, position(vanId, leg.fromSiteId))).toBeLessThan(50);
        expect(metresBetween(line.at(-1)!, position(vanId, leg.toSiteId))).toBeLessThan(50);
        // WGS84 coordinates: every position is in Leeds city centre.
        for (const [lon, lat] of line) {
          expect(lon).toBeGreaterThan(-1.545);
          expect(lon).toBeLessThan(-1.525);
          expect(lat).toBeGreaterThan(53.79);
          expect(lat).toBeLessThan(53.805);
        }
        expect(Math.abs(lineMetres(line) - leg.metres) / leg.metres).toBeLessThan(0.03);
      }
      // The shift's line is its legs end to end.
      expect(featureLegs.at(-1)!.endIndex).toBe(feature.geometry.coordinates.length - 1);
      expect(feature.properties.seconds).toBeCloseTo(featureLegs.reduce((sum, l) => sum + l.seconds, 0), 6);
    }
    expect(legs).toBeGreaterThanOrEqual(20);
  });

  it("times every leg by the network's shortest path between the snapped nodes, and schedules the van around it", async () => {
    const { node } = await stops();
    const edges = (await t.db.knex('road_edges').select('id', 'source_node', 'target_node', 'cost_s', 'length_m', 'oneway')) as Array<Record<string, string | number>>;
    const graph = buildRoadGraph(
      edges.map((e) => ({ id: Number(e.id), source: Number(e.source_node), target: Number(e.target_node), costS: Number(e.cost_s), lengthM: Number(e.length_m), oneway: Number(e.oneway) as 0 | 1 | -1 })),
    );
    for (const feature of await allRoutes()) {
      const { vanId, legs, stops: visits } = feature.properties;
      for (const leg of legs) {
        const from = node(vanId, leg.fromSiteId)!;
        const to = node(vanId, leg.toSiteId)!;
        const path = travelTo(shortestPaths(graph, from, [to]), to);
        expect(path).not.toBeNull();
        // Stored to 0.1 s and whole metres.
        expect(Math.abs(leg.seconds - path!.seconds)).toBeLessThanOrEqual(0.05 + 1e-9);
        expect(Math.abs(leg.metres - path!.metres)).toBeLessThanOrEqual(0.5 + 1e-9);
        expect(path!.seconds).toBeGreaterThan(0);
      }
      // Between two sessions the van has at least the leg's travel time.
      for (let i = 1; i < visits.length; i++) {
        const gapS = (Date.parse(visits[i]!.arrive) - Date.parse(visits[i - 1]!.depart)) / 1000;
        expect(gapS).toBeGreaterThanOrEqual(legs[i]!.seconds - 1);
      }
    }
  });
});
