import type { Knex } from 'knex';
import type { PlannedSession } from '../../geo/planning/types.ts';
import { pathEdges, shortestPaths } from '../../geo/routing/graph.ts';
import { dataVersion } from '../db/data-versions.ts';
import type { InputsSnapshot } from './inputs.ts';
import { loadRoadGraph } from './inputs.ts';

/**
 * Travel legs of each van shift: base → first site → … → last site → base, with the seconds and
 * metres the planner used (from the plan's travel matrix) and a WGS84 line to draw: along the road
 * network's shortest path when the plan's travel is by road, else a straight line.
 */

export interface Leg {
  vanId: number;
  date: string;
  shift: string;
  /** 1 = base to the first site … n+1 = last site back to base. */
  seq: number;
  fromSiteId: number | null;
  toSiteId: number | null;
  seconds: number;
  metres: number;
  mode: 'road_network' | 'straight_line';
  /** [lon, lat] pairs. */
  coordinates: Array<[number, number]>;
}

type Graph = Awaited<ReturnType<typeof loadRoadGraph>>['graph'];
interface CachedNetwork {
  version: number;
  graph: Graph;
  ends: Map<number, { source: number; target: number }>;
}
/** The routable graph per database (tests run several), rebuilt when the road network's data version moves. */
const networks = new WeakMap<Knex, CachedNetwork>();

async function roadNetwork(knex: Knex): Promise<CachedNetwork> {
  const version = await dataVersion(knex, 'roads');
  const cached = networks.get(knex);
  if (cached && cached.version === version) return cached;
  const { graph, edges } = await loadRoadGraph(knex);
  const network = { version, graph, ends: new Map(edges.map((e) => [e.id, { source: e.source, target: e.target }])) };
  networks.set(knex, network);
  return network;
}

/** One (van, date, shift) of a plan. */
export const shiftKey = (s: { vanId: number; date: string; shift: string }) => `${s.vanId}|${s.date}|${s.shift}`;

/** The legs of these sessions (cancelled sessions must already be left out). */
export async function legsForSessions(knex: Knex, inputs: InputsSnapshot, sessions: PlannedSession[]): Promise<Leg[]> {
  const siteIndex = new Map(inputs.sites.map((s) => [s.id, s.travelIndex]));
  const vanById = new Map(inputs.vans.map((v) => [v.id, v]));
  const groups = new Map<string, PlannedSession[]>();
  for (const s of sessions) {
    const list = groups.get(shiftKey(s)) ?? [];
    list.push(s);
    groups.set(shiftKey(s), list);
  }
  const legs: Leg[] = [];
  for (const list of groups.values()) {
    list.sort((a, b) => a.order - b.order);
    const first = list[0]!;
    const van = vanById.get(first.vanId);
    if (!van) continue; // a van the checker already reports as unknown
    const stops: Array<number | null> = [null, ...list.map((s) => s.siteId), null];
    for (let i = 0; i + 1 < stops.length; i++) {
      const from = stops[i]!;
      const to = stops[i + 1]!;
      const a = from === null ? van.baseTravelIndex : siteIndex.get(from);
      const b = to === null ? van.baseTravelIndex : siteIndex.get(to);
      const n = inputs.travel.size;
      const seconds = a === undefined || b === undefined ? 0 : Number(inputs.travel.seconds[a * n + b]);
      const metres = a === undefined || b === undefined ? 0 : Number(inputs.travel.metres[a * n + b]);
      legs.push({
        vanId: first.vanId,
        date: first.date,
        shift: first.shift,
        seq: i + 1,
        fromSiteId: from,
        toSiteId: to,
        seconds,
        metres,
        mode: 'straight_line',
        coordinates: [point(inputs, from, first.vanId), point(inputs, to, first.vanId)],
      });
    }
  }
  if (inputs.travel.mode === 'road_network' && inputs.roadNodes) await drawAlongRoads(knex, inputs, legs);
  return legs;
}

function point(inputs: InputsSnapshot, siteId: number | null, vanId: number): [number, number] {
  if (siteId === null) {
    const van = inputs.vanDetails[vanId];
    return [van?.baseLon ?? 0, van?.baseLat ?? 0];
  }
  const site = inputs.siteDetails[siteId];
  return [site?.lon ?? 0, site?.lat ?? 0];
}

const nodeOf = (inputs: InputsSnapshot, siteId: number | null, vanId: number) => inputs.roadNodes?.[siteId === null ? `base:${vanId}` : `site:${siteId}`];

/** Replaces each leg's straight line by its shortest path along the road network (where both ends are snapped and connected). */
async function drawAlongRoads(knex: Knex, inputs: InputsSnapshot, legs: Leg[]): Promise<void> {
  const network = await roadNetwork(knex);
  // One shortest-path tree per origin node, to all the destinations it needs.
  const wanted = new Map<number, Set<number>>();
  for (const leg of legs) {
    const from = nodeOf(inputs, leg.fromSiteId, leg.vanId);
    const to = nodeOf(inputs, leg.toSiteId, leg.vanId);
    if (from === undefined || to === undefined || from === to) continue;
    wanted.set(from, (wanted.get(from) ?? new Set()).add(to));
  }
  const paths = new Map<string, number[]>();
  for (const [from, targets] of wanted) {
    let tree: ReturnType<typeof shortestPaths>;
    try {
      tree = shortestPaths(network.graph, from, [...targets]);
    } catch {
      continue; // a node no longer in the network (re-imported since): keep straight lines
    }
    for (const to of targets) {
      try {
        const edges = pathEdges(tree, to);
        if (edges.length > 0) paths.set(`${from}|${to}`, edges);
      } catch {
        // unreachable: straight line
      }
    }
  }
  const edgeIds = [...new Set([...paths.values()].flat())];
  const lines = new Map<number, Array<[number, number]>>();
  for (let i = 0; i < edgeIds.length; i += 5000) {
    const { rows } = await knex.raw<{ rows: Array<{ id: number; g: string }> }>(
      'SELECT id, ST_AsGeoJSON(ST_Transform(geom, 4326), 6) AS g FROM road_edges WHERE id = ANY(?::int[])',
      [edgeIds.slice(i, i + 5000)],
    );
    for (const row of rows) lines.set(Number(row.id), (JSON.parse(row.g) as { coordinates: Array<[number, number]> }).coordinates);
  }
  for (const leg of legs) {
    const from = nodeOf(inputs, leg.fromSiteId, leg.vanId);
    const to = nodeOf(inputs, leg.toSiteId, leg.vanId);
    if (from === undefined || to === undefined) continue;
    if (from === to) {
      leg.mode = 'road_network';
      continue;
    }
    const edges = paths.get(`${from}|${to}`);
    if (!edges) continue;
    // Edges in path order, each turned to run from the node the path reached (an edge may be driven against its drawing).
    const coords: Array<[number, number]> = [leg.coordinates[0]!];
    let at = from;
    let complete = true;
    for (const id of edges) {
      const ends = network.ends.get(id);
      const line = lines.get(id);
      if (!ends || !line) {
        complete = false;
        break;
      }
      const forward = ends.source === at;
      coords.push(...(forward ? line : [...line].reverse()));
      at = forward ? ends.target : ends.source;
    }
    if (!complete) continue;
    coords.push(leg.coordinates[1]!);
    leg.coordinates = dedupe(coords);
    leg.mode = 'road_network';
  }
}

function dedupe(coords: Array<[number, number]>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const c of coords) {
    const last = out[out.length - 1];
    if (!last || last[0] !== c[0] || last[1] !== c[1]) out.push(c);
  }
  // A LineString needs two positions, even for a leg that starts and ends in one place.
  if (out.length === 1) out.push([out[0]![0], out[0]![1]]);
  return out;
}

export async function insertLegs(trx: Knex, planId: number, legs: Leg[]): Promise<void> {
  for (let i = 0; i < legs.length; i += 200) {
    const batch = legs.slice(i, i + 200).map((l) => ({
      plan_id: planId,
      van_id: l.vanId,
      date: l.date,
      shift: l.shift,
      seq: l.seq,
      from_site_id: l.fromSiteId,
      to_site_id: l.toSiteId,
      seconds: l.seconds,
      metres: l.metres,
      mode: l.mode,
      geom: trx.raw('ST_SetSRID(ST_GeomFromGeoJSON(?), 4326)', [JSON.stringify({ type: 'LineString', coordinates: l.coordinates })]),
    }));
    await trx('plan_legs').insert(batch);
  }
}

/** The legs of the given van shifts from their current (planned) sessions; computed outside any transaction (PGlite has one connection). */
export async function legsForShifts(knex: Knex, inputs: InputsSnapshot, shifts: Array<{ vanId: number; date: string; shift: string }>, sessions: PlannedSession[]): Promise<Leg[]> {
  const keys = new Set(shifts.map(shiftKey));
  return legsForSessions(
    knex,
    inputs,
    sessions.filter((s) => keys.has(shiftKey(s))),
  );
}

/** Replaces the stored legs of these van shifts. */
export async function replaceShiftLegs(trx: Knex, planId: number, shifts: Array<{ vanId: number; date: string; shift: string }>, legs: Leg[]): Promise<void> {
  for (const s of shifts) await trx('plan_legs').where({ plan_id: planId, van_id: s.vanId, date: s.date, shift: s.shift }).delete();
  await insertLegs(trx, planId, legs);
}

/** Copies one plan's legs to another (a correction starts with its published plan's legs). */
export async function insertLegsFrom(trx: Knex, fromPlanId: number, toPlanId: number): Promise<void> {
  await trx.raw(
    `INSERT INTO plan_legs (plan_id, van_id, date, shift, seq, from_site_id, to_site_id, seconds, metres, mode, geom)
     SELECT ?, van_id, date, shift, seq, from_site_id, to_site_id, seconds, metres, mode, geom FROM plan_legs WHERE plan_id = ?`,
    [toPlanId, fromPlanId],
  );
}
