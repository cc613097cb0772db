import type { Knex } from 'knex';
import { monthCalendar } from '../../geo/calendar/month.ts';
import { withDefaults } from '../../geo/planning/options.ts';
import type { PlanInputs, PlanOptions, PlanSite, PlanVan, TravelMatrix } from '../../geo/planning/types.ts';
import { inLargestComponent, stronglyConnectedComponents, type Components } from '../../geo/routing/components.ts';
import { buildRoadGraph, type RoadGraph } from '../../geo/routing/graph.ts';
import { roadNetworkMatrix, straightLineMatrix } from '../../geo/routing/travel-matrix.ts';
import { publishedSiteText } from '../sites/text.ts';
import { sitesForPlanning } from '../sites/for-planning.ts';
import { vansForPlanning } from '../vans/for-planning.ts';

/**
 * What the planner takes for a month, read from the register, the vans and the calendar, with the
 * travel matrix between every base and site (road network when loaded, else straight line), and the
 * details the plan's views need later (site text, parking positions, call signs) so a stored plan
 * reads the same whatever later happens to the register.
 */

/** A parking position as the register keeps it. */
export interface ParkingPosition {
  lon: number;
  lat: number;
  directions: string[];
  description: string;
}

/** A site's stretch as GeoJSON (WGS84, 6 decimals). */
export interface StretchGeometry {
  type: 'LineString';
  coordinates: Array<[number, number]>;
}

/**
 * What the plan's views show of a site, frozen at generation time: the published list of the month
 * is built from these alone, so a later change to the register never changes a published month.
 */
export interface SiteDetail {
  id: number;
  reference: string;
  text: string;
  category: string;
  roadNumber: string | null;
  roadName: string;
  speedLimitMph: number;
  limitKind: string;
  locality: string;
  districtCode: string | null;
  /** First parking position (where travel is measured to), WGS84. */
  lon: number;
  lat: number;
  parkingPositions: ParkingPosition[];
  /** The stretch, WGS84 (absent from snapshots made before it was kept). */
  geometry?: StretchGeometry;
}

export interface VanDetail {
  id: number;
  callSign: string;
  crew: string | null;
  baseName: string;
  baseLon: number;
  baseLat: number;
}

/** The plans.inputs snapshot: PlanInputs (travel as plain arrays) plus the details the views need. */
export interface InputsSnapshot extends PlanInputs {
  travel: TravelMatrix & { seconds: number[]; metres: number[] };
  siteDetails: Record<string, SiteDetail>;
  vanDetails: Record<string, VanDetail>;
  /** Road node each base (`base:<vanId>`) and site (`site:<id>`) was snapped to, when travel is by road. */
  roadNodes: Record<string, number> | null;
  /** Sites the register left out this month and why (shown in the audit pack). */
  excluded: Array<{ siteId: number; reason: string }>;
  notes: string[];
}

export const STRAIGHT_LINE_NOTE = (options: PlanOptions) =>
  `No road network loaded: travel times are straight-line distance × ${options.circuity} at ${options.assumedSpeedKmh} km/h`;

/** A parking point further than this from any road node is not snapped (its travel is straight-line). */
export const MAX_SNAP_M = 2_000;

/** The month before `YYYY-MM`. */
export function previousMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

/** The month after `YYYY-MM`. */
export function nextMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

/** True when a road network has been imported (any routable edge). */
export async function roadNetworkLoaded(knex: Knex): Promise<boolean> {
  const row = await knex('road_edges').first('id');
  return row !== undefined;
}

interface SiteRow {
  id: number;
  reference: string;
  category: string;
  road_number: string | null;
  road_name: string;
  qualifier: string | null;
  direction: string | null;
  locality: string;
  district_code: string | null;
  speed_limit_mph: number;
  limit_kind: string;
  parking_positions: ParkingPosition[];
  geometry: string;
}

/** The register's records of these sites (retired ones too: a plan may still name them). */
export async function siteDetails(knex: Knex, ids: number[], lonLat: Map<number, { lon: number; lat: number }>): Promise<Record<string, SiteDetail>> {
  if (ids.length === 0) return {};
  const rows = (await knex('enforcement_sites')
    .whereIn('id', ids)
    .select(
      'id',
      'reference',
      'category',
      'road_number',
      'road_name',
      'qualifier',
      'direction',
      'locality',
      'district_code',
      'speed_limit_mph',
      'limit_kind',
      'parking_positions',
      knex.raw('ST_AsGeoJSON(geom_4326, 6) AS geometry'),
    )) as SiteRow[];
  const details: Record<string, SiteDetail> = {};
  for (const row of rows) {
    const point = lonLat.get(row.id) ?? row.parking_positions[0] ?? { lon: 0, lat: 0 };
    details[row.id] = {
      id: row.id,
      reference: row.reference,
      text: publishedSiteText({
        roadNumber: row.road_number,
        roadName: row.road_name,
        qualifier: row.qualifier,
        direction: row.direction,
        locality: row.locality,
        speedLimitMph: row.speed_limit_mph,
        limitKind: row.limit_kind as 'limit' | 'zone',
      }),
      category: row.category,
      roadNumber: row.road_number,
      roadName: row.road_name,
      speedLimitMph: row.speed_limit_mph,
      limitKind: row.limit_kind,
      locality: row.locality,
      districtCode: row.district_code,
      lon: point.lon,
      lat: point.lat,
      parkingPositions: row.parking_positions ?? [],
      geometry: JSON.parse(row.geometry) as StretchGeometry,
    };
  }
  return details;
}

/** Sessions of the previous month's published plan (else its latest usable plan), for rotation and "same as last week". */
export async function planHistory(knex: Knex, month: string): Promise<PlanInputs['history']> {
  const previous = previousMonth(month);
  const plan = (await knex('plans')
    .where({ month: previous })
    .whereIn('status', ['published', 'approved', 'draft', 'superseded'])
    .orderByRaw(`CASE WHEN status = 'published' THEN 0 ELSE 1 END, version DESC, id DESC`)
    .first('id')) as { id: number } | undefined;
  if (!plan) return [];
  const rows = (await knex('plan_sessions')
    .where({ plan_id: plan.id, status: 'planned' })
    .orderBy(['date', 'shift', 'van_id', 'seq'])
    .select('site_id', knex.raw('date::text AS date'), 'shift', 'van_id')) as Array<{ site_id: number; date: string; shift: string; van_id: number }>;
  return rows.map((r) => ({ siteId: r.site_id, date: r.date, shift: r.shift, vanId: r.van_id }));
}

interface EdgeRow {
  id: number;
  source_node: string | number;
  target_node: string | number;
  cost_s: number;
  length_m: number;
  oneway: number;
}

/** The routable graph from road_edges (node ids as numbers: OSM ids fit in a double). */
export async function loadRoadGraph(knex: Knex) {
  const rows = (await knex('road_edges').select('id', 'source_node', 'target_node', 'cost_s', 'length_m', 'oneway')) as EdgeRow[];
  const edges = rows.map((r) => ({
    id: r.id,
    source: Number(r.source_node),
    target: Number(r.target_node),
    costS: Number(r.cost_s),
    lengthM: Number(r.length_m),
    oneway: Number(r.oneway) as 0 | 1 | -1,
  }));
  return { graph: buildRoadGraph(edges), edges };
}

/** How many nearest nodes each point considers when looking for one in the largest strongly connected component. */
export const SNAP_CANDIDATES = 32;

/** Where a base or parking point joins the road network. */
export interface Snap {
  node: number;
  /** Straight-line metres from the point to the node (EPSG:27700). */
  distanceM: number;
  /** The node is in the network's largest strongly connected component (so every other such stop can be reached and left). */
  connected: boolean;
}

/**
 * Snaps each point (EPSG:27700) to a road node that some road edge touches, within MAX_SNAP_M: the
 * nearest one in the largest strongly connected component among the SNAP_CANDIDATES nearest (KNN
 * over the GiST index), else the nearest of them (a stop in a one-way island: some of its legs are
 * straight-line); null when no node is that close.
 */
export async function snapToRoadNodes(knex: Knex, points: Array<{ x: number; y: number }>, network: { graph: RoadGraph; components: Components }): Promise<Array<Snap | null>> {
  if (points.length === 0) return [];
  const values = points.map(() => '(?::int, ?::double precision, ?::double precision)').join(', ');
  const bindings = points.flatMap((p, i) => [i, p.x, p.y]);
  const { rows } = await knex.raw<{ rows: Array<{ i: number; node: string; distance_m: number }> }>(
    `SELECT p.i, n.id AS node, n.distance_m
       FROM (VALUES ${values}) AS p(i, x, y)
       CROSS JOIN LATERAL (
         SELECT id, ST_Distance(geom, ST_SetSRID(ST_MakePoint(p.x, p.y), 27700)) AS distance_m FROM road_nodes
          WHERE ST_DWithin(geom, ST_SetSRID(ST_MakePoint(p.x, p.y), 27700), ?)
            AND EXISTS (SELECT 1 FROM road_edges e WHERE e.source_node = road_nodes.id OR e.target_node = road_nodes.id)
          ORDER BY geom <-> ST_SetSRID(ST_MakePoint(p.x, p.y), 27700)
          LIMIT ?) n
      ORDER BY p.i, n.distance_m, n.id`,
    [...bindings, MAX_SNAP_M, SNAP_CANDIDATES],
  );
  const snaps: Array<Snap | null> = points.map(() => null);
  for (const row of rows) {
    const i = Number(row.i);
    const node = Number(row.node);
    if (!network.graph.indexOf.has(node)) continue; // touched only by an edge the graph dropped: cannot route from it
    const connected = inLargestComponent(network.graph, network.components, node);
    const current = snaps[i];
    // Rows come nearest first: keep the first, replace it only by the first connected one.
    if (!current || (!current.connected && connected)) snaps[i] = { node, distanceM: Number(row.distance_m), connected };
  }
  return snaps;
}

export interface BuildInputsOptions {
  /** AREA_LATITUDE / AREA_LONGITUDE: where sunrise and sunset are computed. */
  area: { lat: number; lon: number };
  options?: Partial<PlanOptions>;
  onProgress?: (fraction: number, stage: string) => void;
}

/** Builds the month's PlanInputs and the snapshot stored with the plan. */
export async function buildPlanInputs(knex: Knex, month: string, request: BuildInputsOptions): Promise<InputsSnapshot> {
  const options = withDefaults(request.options);
  const progress = request.onProgress ?? (() => {});
  progress(0, 'reading the site register');
  const register = await sitesForPlanning(knex, month);
  progress(0.02, 'reading vans and shifts');
  const fleet = await vansForPlanning(knex, month);
  const calendar = monthCalendar(month, request.area);
  const history = await planHistory(knex, month);

  // Travel locations: every van's base first, then every site's parking point.
  const points: Array<{ x: number; y: number }> = [];
  const vans: PlanVan[] = fleet.vans.map((v) => {
    points.push({ x: v.baseX, y: v.baseY });
    const { baseLon: _lon, baseLat: _lat, ...van } = v;
    return { ...van, baseTravelIndex: points.length - 1 };
  });
  const sites: PlanSite[] = register.sites.map((s) => {
    points.push({ x: s.x, y: s.y });
    const { lon: _lon, lat: _lat, ...site } = s;
    return { ...site, travelIndex: points.length - 1 };
  });

  const notes: string[] = [];
  let travel: TravelMatrix;
  let roadNodes: Record<string, number> | null = null;
  if (await roadNetworkLoaded(knex)) {
    progress(0.03, 'loading the road network');
    const { graph } = await loadRoadGraph(knex);
    const components = stronglyConnectedComponents(graph);
    progress(0.04, 'snapping bases and sites to the road network');
    const snaps = await snapToRoadNodes(knex, points, { graph, components });
    progress(0.05, 'travel times along the road network');
    // An unsnapped point gets node -1, which no edge touches: roadNetworkMatrix falls back to straight line for it.
    travel = roadNetworkMatrix(
      graph,
      snaps.map((s) => s?.node ?? -1),
      points,
      { circuity: options.circuity, speedKmh: options.assumedSpeedKmh },
    );
    roadNodes = {};
    vans.forEach((v) => {
      const snap = snaps[v.baseTravelIndex];
      if (snap) roadNodes![`base:${v.id}`] = snap.node;
    });
    sites.forEach((s) => {
      const snap = snaps[s.travelIndex];
      if (snap) roadNodes![`site:${s.id}`] = snap.node;
    });
    const unsnapped = snaps.filter((s) => s === null).length;
    if (unsnapped > 0) notes.push(`${unsnapped} base or parking point(s) are more than ${MAX_SNAP_M} m from the road network: their travel is straight-line distance × ${options.circuity} at ${options.assumedSpeedKmh} km/h`);
    const islands = snaps.filter((s) => s !== null && !s.connected).length;
    if (islands > 0) {
      notes.push(
        `${islands} base or parking point(s) are near only roads cut off from the main network (one-way islands or the edge of the imported area): ` +
          `legs the network cannot drive are straight-line distance × ${options.circuity} at ${options.assumedSpeedKmh} km/h`,
      );
    }
  } else {
    travel = straightLineMatrix(points, { circuity: options.circuity, speedKmh: options.assumedSpeedKmh });
    notes.push(STRAIGHT_LINE_NOTE(options));
  }
  if (sites.length === 0) notes.push(`No site is eligible and in date in ${month}: nothing can be scheduled.`);
  if (vans.length === 0) notes.push(`No active van can work in ${month}: nothing can be scheduled.`);

  const lonLat = new Map(register.sites.map((s) => [s.id, { lon: s.lon, lat: s.lat }]));
  const vanDetails: Record<string, VanDetail> = {};
  const vanRows = (await knex('vans as v')
    .join('van_bases as b', 'b.id', 'v.base_id')
    .whereIn(
      'v.id',
      fleet.vans.map((v) => v.id),
    )
    .select('v.id', 'v.call_sign', 'v.crew', 'b.name as base_name')) as Array<{ id: number; call_sign: string; crew: string | null; base_name: string }>;
  const vanRowById = new Map(vanRows.map((r) => [r.id, r]));
  for (const v of fleet.vans) {
    const row = vanRowById.get(v.id);
    vanDetails[v.id] = { id: v.id, callSign: v.callSign, crew: row?.crew ?? null, baseName: row?.base_name ?? '', baseLon: v.baseLon, baseLat: v.baseLat };
  }

  return {
    month,
    sites,
    vans,
    shifts: fleet.shifts,
    calendar,
    travel: compactTravel(travel),
    options,
    history,
    siteDetails: await siteDetails(
      knex,
      sites.map((s) => s.id),
      lonLat,
    ),
    vanDetails,
    roadNodes,
    excluded: register.excluded,
    notes,
  };
}

/**
 * Travel as plain arrays for JSON: seconds to 0.1 s and whole metres. The checker allows 1 s of
 * tolerance, so a plan checked against the stored snapshot gives the same verdict.
 */
export function compactTravel(travel: TravelMatrix): InputsSnapshot['travel'] {
  return {
    mode: travel.mode,
    size: travel.size,
    seconds: Array.from(travel.seconds, (s) => Math.round(s * 10) / 10),
    metres: Array.from(travel.metres, (m) => Math.round(m)),
  };
}
