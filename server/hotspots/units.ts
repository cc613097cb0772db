import type { Knex } from 'knex';
import { assumedSpeedLimit, windowLengthM, type HotspotParams } from './params.ts';
import { pgArray } from './pg-arrays.ts';
import { newSite, roadLabel, type Site } from './pipeline-types.ts';

/*
 * The units a run ranks.
 * - network mode (a road network is loaded): road segments (`seg:<id>`), junction nodes of degree ≥ 3
 *   (`jn:<osm node>`), and sliding windows along chains of the same road (`win:<edge>:<m>`);
 * - grid mode (no network): hexagons of ST_HexagonGrid in EPSG:27700 (`cell:<i>:<j>`), stable across
 *   runs because the grid is anchored at the projection's origin.
 * Each loader runs on the run's transaction and leaves temp tables the later SQL steps join:
 * hs_chain_edges (edge → chain, offset, direction), hs_window_pieces (window → edge pieces), hs_cells.
 */

/** Where a run looks: every district, or one. */
export interface RunScope {
  districtCode?: string;
}

// ---------------------------------------------------------------------------------------------
// Chains: edges of the same road joined end to end

export interface ChainEdge {
  id: number;
  /** road_nodes ids (bigint, as text). */
  source: string;
  target: string;
  /** Same-road key (ref, else name, lower-cased); null when the road has neither. */
  key: string | null;
  lengthM: number;
}

export interface ChainMember {
  edgeId: number;
  /** True when the chain runs against the edge's geometry. */
  reversed: boolean;
  /** Metres along the chain where this edge starts. */
  offsetM: number;
  lengthM: number;
}

export interface Chain {
  id: number;
  members: ChainMember[];
  lengthM: number;
}

type End = 0 | 1; // 0: the edge's source end, 1: its target end

/**
 * Joins edges into chains of one road. At a node where exactly two edge ends meet (a way split with
 * no junction) they always join; at a junction, two ends join when they are the only two with the
 * same road key (ref, else name). Three or more ends with one key (a dual carriageway splitting, a
 * roundabout) are left unjoined rather than guessed. Loops become chains broken at their
 * lowest-numbered edge. Deterministic: the same edges give the same chains and chain ids.
 */
export function buildChains(edges: readonly ChainEdge[]): Chain[] {
  const byId = new Map<number, ChainEdge>();
  for (const e of edges) byId.set(e.id, e);
  const sorted = [...edges].sort((a, b) => a.id - b.id);

  // Edge ends meeting at each node.
  const atNode = new Map<string, Array<{ edge: ChainEdge; end: End }>>();
  const addEnd = (node: string, edge: ChainEdge, end: End) => {
    let list = atNode.get(node);
    if (!list) atNode.set(node, (list = []));
    list.push({ edge, end });
  };
  for (const e of sorted) {
    addEnd(e.source, e, 0);
    addEnd(e.target, e, 1);
  }

  // partner[edgeId][end] = the end it continues into.
  const partner = new Map<number, [{ edge: ChainEdge; end: End } | null, { edge: ChainEdge; end: End } | null]>();
  for (const e of sorted) partner.set(e.id, [null, null]);
  const link = (a: { edge: ChainEdge; end: End }, b: { edge: ChainEdge; end: End }) => {
    if (a.edge.id === b.edge.id) return; // a loop closing on itself stays open
    partner.get(a.edge.id)![a.end] = b;
    partner.get(b.edge.id)![b.end] = a;
  };
  for (const ends of atNode.values()) {
    if (ends.length === 2) {
      link(ends[0]!, ends[1]!);
      continue;
    }
    const byKey = new Map<string, Array<{ edge: ChainEdge; end: End }>>();
    for (const end of ends) {
      if (!end.edge.key) continue;
      let list = byKey.get(end.edge.key);
      if (!list) byKey.set(end.edge.key, (list = []));
      list.push(end);
    }
    for (const list of byKey.values()) if (list.length === 2) link(list[0]!, list[1]!);
  }

  const visited = new Set<number>();
  const chains: Chain[] = [];
  for (const start of sorted) {
    if (visited.has(start.id)) continue;
    // Walk backwards from `start` (taken forwards) to the first edge of its chain.
    let first = start;
    let firstReversed = false;
    const seen = new Set<number>([start.id]);
    for (;;) {
      const entryEnd: End = firstReversed ? 1 : 0; // the end we entered `first` through
      const prev: { edge: ChainEdge; end: End } | null = partner.get(first.id)![entryEnd];
      if (prev?.edge.id === start.id) {
        // A loop: break it at `start` (the lowest id of the loop, as edges are taken in id order).
        first = start;
        firstReversed = false;
        break;
      }
      if (!prev || seen.has(prev.edge.id) || visited.has(prev.edge.id)) break;
      // Going backwards we arrive at prev through prev.end, so forwards it is left through prev.end.
      first = prev.edge;
      firstReversed = prev.end === 0;
      seen.add(first.id);
    }
    // Walk forwards collecting members.
    const members: ChainMember[] = [];
    let edge: ChainEdge | undefined = first;
    let reversed = firstReversed;
    let offset = 0;
    while (edge && !visited.has(edge.id)) {
      visited.add(edge.id);
      members.push({ edgeId: edge.id, reversed, offsetM: offset, lengthM: edge.lengthM });
      offset += edge.lengthM;
      const exitEnd: End = reversed ? 0 : 1;
      const next: { edge: ChainEdge; end: End } | null = partner.get(edge.id)![exitEnd];
      if (!next) break;
      edge = next.edge;
      reversed = next.end === 1; // entered through its target: runs against its geometry
    }
    chains.push({ id: chains.length + 1, members, lengthM: offset });
  }
  return chains;
}

/** Metres along the chain of a point `positionM` metres along the member's edge geometry. */
export function chainPosition(member: ChainMember, positionM: number): number {
  return member.offsetM + (member.reversed ? member.lengthM - positionM : positionM);
}

// ---------------------------------------------------------------------------------------------
// Windows along chains

export interface WindowPiece {
  edgeId: number;
  /** Metres along the edge geometry, fromM < toM. */
  fromM: number;
  toM: number;
  reversed: boolean;
}

export interface ChainWindow {
  siteId: string;
  chainId: number;
  /** Metres along the chain. */
  fromM: number;
  toM: number;
  /** Edge under the window's midpoint (its road attributes describe the window). */
  midEdgeId: number;
  pieces: WindowPiece[];
}

/** The member containing chain metre `m` (the last one for m = chain length). */
function memberAt(chain: Chain, m: number): ChainMember {
  const members = chain.members;
  let lo = 0;
  let hi = members.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (members[mid]!.offsetM <= m) lo = mid;
    else hi = mid - 1;
  }
  return members[lo]!;
}

/**
 * Sliding windows of a chain: starting every `windowStepM` from 0, of the urban or rural length
 * by the road under the start, while the window fits; a chain shorter than its window is one
 * window covering it. The id names the edge under the window start and the metre along that edge.
 */
export function chainWindows(chain: Chain, urbanOf: (edgeId: number) => boolean, params: HotspotParams): ChainWindow[] {
  const windows: ChainWindow[] = [];
  const L = chain.lengthM;
  if (!(L > 0)) return windows;
  const make = (from: number, to: number): ChainWindow => {
    const startMember = memberAt(chain, from);
    const startOnEdge = startMember.reversed ? startMember.lengthM - (from - startMember.offsetM) : from - startMember.offsetM;
    const pieces: WindowPiece[] = [];
    for (const m of chain.members) {
      const a = Math.max(from, m.offsetM);
      const b = Math.min(to, m.offsetM + m.lengthM);
      if (b - a <= 1e-6) continue;
      const ea = m.reversed ? m.lengthM - (b - m.offsetM) : a - m.offsetM;
      const eb = m.reversed ? m.lengthM - (a - m.offsetM) : b - m.offsetM;
      pieces.push({ edgeId: m.edgeId, fromM: Math.max(0, ea), toM: Math.min(m.lengthM, eb), reversed: m.reversed });
    }
    return {
      siteId: `win:${startMember.edgeId}:${Math.round(startOnEdge)}`,
      chainId: chain.id,
      fromM: from,
      toM: to,
      midEdgeId: memberAt(chain, (from + to) / 2).edgeId,
      pieces,
    };
  };
  const firstLength = windowLengthM(params, urbanOf(chain.members[0]!.edgeId));
  if (L <= firstLength) {
    windows.push(make(0, L));
    return windows;
  }
  const seen = new Set<string>();
  for (let from = 0; ; from += params.windowStepM) {
    const length = windowLengthM(params, urbanOf(memberAt(chain, from).edgeId));
    if (from + length > L + 1e-6) break;
    const w = make(from, from + length);
    // Two starts can round to one metre of one edge only on pathological geometry; keep the first.
    if (seen.has(w.siteId)) continue;
    seen.add(w.siteId);
    windows.push(w);
  }
  return windows;
}

// ---------------------------------------------------------------------------------------------
// Network units from the database

export interface EdgeInfo {
  id: number;
  source: string;
  target: string;
  roadClass: string;
  ref: string | null;
  name: string | null;
  maxspeedMph: number | null;
  urban: boolean;
  lengthM: number;
  districtCode: string | null;
}

export interface NetworkUnits {
  sites: Site[];
  chains: Chain[];
  edges: Map<number, EdgeInfo>;
  /** Segment ids of each edge in seq order (for corridor adjacency). */
  segmentsByEdge: Map<number, number[]>;
  windows: ChainWindow[];
}

const CLASS_ORDER: Record<string, number> = { motorway: 4, a_road: 3, b_road: 2, minor: 1 };

function districtPredicate(alias: string, scope: RunScope, ownColumn = true): { sql: string; bindings: Knex.RawBinding[] } {
  if (!scope.districtCode) return { sql: 'TRUE', bindings: [] };
  const area = '(SELECT d.geom_bng FROM districts d WHERE d.code = ?)';
  return ownColumn
    ? { sql: `(${alias}.district_code = ? OR (${alias}.district_code IS NULL AND ST_Intersects(${alias}.geom, ${area})))`, bindings: [scope.districtCode, scope.districtCode] }
    : { sql: `ST_Intersects(${alias}.geom, ${area})`, bindings: [scope.districtCode] };
}

/** The district containing a point expression, for rows whose own district is not recorded. */
const DISTRICT_AT = (point: string) => `(SELECT d.code FROM districts d WHERE ST_Intersects(d.geom_bng, ${point}) ORDER BY d.code LIMIT 1)`;

/**
 * Loads the road network's units for a run: every segment and junction in scope (zeros included,
 * which the models need) and the sliding windows along chains of the same road. Fills the temp
 * tables hs_chain_edges and hs_window_pieces on `trx`.
 */
export async function loadNetworkUnits(trx: Knex.Transaction, scope: RunScope, params: HotspotParams, siteUnits: ReadonlySet<string>): Promise<NetworkUnits> {
  const edgeScope = districtPredicate('e', scope);
  const edgeRows = (
    await trx.raw(
      `SELECT e.id, e.source_node::text AS source, e.target_node::text AS target, e.road_class, e.ref, e.name, e.maxspeed_mph,
              e.urban, e.length_m, e.district_code
       FROM road_edges e WHERE ${edgeScope.sql} ORDER BY e.id`,
      edgeScope.bindings,
    )
  ).rows as Array<{ id: number; source: string; target: string; road_class: string; ref: string | null; name: string | null; maxspeed_mph: number | null; urban: boolean; length_m: number; district_code: string | null }>;
  const edges = new Map<number, EdgeInfo>();
  for (const r of edgeRows) {
    edges.set(Number(r.id), {
      id: Number(r.id),
      source: r.source,
      target: r.target,
      roadClass: r.road_class,
      ref: r.ref,
      name: r.name,
      maxspeedMph: r.maxspeed_mph === null ? null : Number(r.maxspeed_mph),
      urban: r.urban,
      lengthM: Number(r.length_m),
      districtCode: r.district_code,
    });
  }

  const chains = buildChains(
    [...edges.values()].map((e) => ({ id: e.id, source: e.source, target: e.target, key: (e.ref ?? e.name)?.trim().toLowerCase() || null, lengthM: e.lengthM })),
  );
  await trx.raw(`CREATE TEMP TABLE hs_chain_edges (edge_id integer PRIMARY KEY, chain_id integer NOT NULL, offset_m float8 NOT NULL, reversed boolean NOT NULL, length_m float8 NOT NULL) ON COMMIT DROP`);
  {
    const ids: number[] = [];
    const chainIds: number[] = [];
    const offsets: number[] = [];
    const rev: boolean[] = [];
    const lengths: number[] = [];
    for (const c of chains) {
      for (const m of c.members) {
        ids.push(m.edgeId);
        chainIds.push(c.id);
        offsets.push(m.offsetM);
        rev.push(m.reversed);
        lengths.push(m.lengthM);
      }
    }
    await trx.raw(`INSERT INTO hs_chain_edges SELECT * FROM unnest(?::int[], ?::int[], ?::float8[], ?::bool[], ?::float8[])`, [
      pgArray(ids),
      pgArray(chainIds),
      pgArray(offsets),
      pgArray(rev),
      pgArray(lengths),
    ]);
  }

  const sites: Site[] = [];
  const segmentsByEdge = new Map<number, number[]>();
  const memberOf = new Map<number, { chain: Chain; member: ChainMember }>();
  for (const chain of chains) for (const member of chain.members) memberOf.set(member.edgeId, { chain, member });
  const speedOf = (tagged: number | null, roadClass: string | null, urban: boolean | null) => tagged ?? assumedSpeedLimit(roadClass, urban);

  // Segments (always loaded: windows and corridors need them even when not ranked).
  const seg = districtPredicate('s', scope);
  const segmentRows = (
    await trx.raw(
      `SELECT s.id, s.edge_id, s.seq, s.from_m, s.road_class, s.ref, s.name, s.maxspeed_mph, s.urban, s.length_m,
              coalesce(s.district_code, ${DISTRICT_AT('m.geom')}) AS district_code, ST_X(m.geom) AS x, ST_Y(m.geom) AS y
       FROM road_segments s CROSS JOIN LATERAL (SELECT ST_LineInterpolatePoint(s.geom, 0.5) AS geom) m
       WHERE ${seg.sql} ORDER BY s.edge_id, s.seq`,
      seg.bindings,
    )
  ).rows as Array<{ id: number; edge_id: number; seq: number; from_m: number; road_class: string; ref: string | null; name: string | null; maxspeed_mph: number | null; urban: boolean; length_m: number; district_code: string | null; x: number; y: number }>;
  for (const r of segmentRows) {
    const edgeId = Number(r.edge_id);
    let list = segmentsByEdge.get(edgeId);
    if (!list) segmentsByEdge.set(edgeId, (list = []));
    list.push(Number(r.id));
    if (!siteUnits.has('segment')) continue;
    const speed = r.maxspeed_mph === null ? null : Number(r.maxspeed_mph);
    const onChain = memberOf.get(edgeId);
    const ends = onChain ? [chainPosition(onChain.member, Number(r.from_m)), chainPosition(onChain.member, Number(r.from_m) + Number(r.length_m))] : [];
    sites.push(
      newSite({
        siteId: `seg:${r.id}`,
        unit: 'segment',
        x: Number(r.x),
        y: Number(r.y),
        ref: r.ref,
        name: r.name,
        roadLabel: roadLabel(r.ref, r.name),
        roadClass: r.road_class,
        speedLimit: speed,
        effectiveSpeedMph: speedOf(speed, r.road_class, r.urban),
        urban: r.urban,
        districtCode: r.district_code,
        lengthM: Number(r.length_m),
        edgeId,
        chainId: onChain?.chain.id,
        chainFromM: ends.length ? Math.min(ends[0]!, ends[1]!) : undefined,
      }),
    );
  }

  // Junctions: attributes from the roads meeting there.
  if (siteUnits.has('junction')) {
    const jn = districtPredicate('n', scope, false);
    const nodeRows = (
      await trx.raw(
        `SELECT n.id::text AS id, ST_X(n.geom) AS x, ST_Y(n.geom) AS y, ${DISTRICT_AT('n.geom')} AS district_code
         FROM road_nodes n WHERE n.junction AND ${jn.sql} ORDER BY n.id`,
        jn.bindings,
      )
    ).rows as Array<{ id: string; x: number; y: number; district_code: string | null }>;
    const incident = new Map<string, EdgeInfo[]>();
    for (const e of edges.values()) {
      for (const node of [e.source, e.target]) {
        let list = incident.get(node);
        if (!list) incident.set(node, (list = []));
        if (!list.includes(e)) list.push(e);
      }
    }
    for (const r of nodeRows) {
      const roads = incident.get(r.id) ?? [];
      const top = roads.reduce<EdgeInfo | undefined>((best, e) => (!best || (CLASS_ORDER[e.roadClass] ?? 0) > (CLASS_ORDER[best.roadClass] ?? 0) ? e : best), undefined);
      const labels = [...new Set(roads.map((e) => roadLabel(e.ref, e.name)).filter((l): l is string => !!l))].sort();
      const urban = roads.length ? roads.some((e) => e.urban) : null;
      const tagged = roads.map((e) => e.maxspeedMph).filter((v): v is number => v !== null);
      const speed = tagged.length ? Math.max(...tagged) : null;
      sites.push(
        newSite({
          siteId: `jn:${r.id}`,
          unit: 'junction',
          x: Number(r.x),
          y: Number(r.y),
          nodeId: r.id,
          ref: top?.ref ?? null,
          name: top?.name ?? null,
          roadLabel: labels.length ? labels.slice(0, 3).join(' / ') + (labels.length > 3 ? ' / …' : '') : null,
          roadClass: top?.roadClass ?? null,
          speedLimit: speed,
          effectiveSpeedMph: speedOf(speed, top?.roadClass ?? null, urban),
          urban,
          districtCode: r.district_code ?? roads.find((e) => e.districtCode)?.districtCode ?? null,
        }),
      );
    }
  }

  // Windows along chains.
  const windows: ChainWindow[] = [];
  if (siteUnits.has('window')) {
    const urbanOf = (edgeId: number) => edges.get(edgeId)?.urban ?? true;
    for (const chain of chains) windows.push(...chainWindows(chain, urbanOf, params));
  }
  await trx.raw(
    `CREATE TEMP TABLE hs_window_pieces (site_id text NOT NULL, ord integer NOT NULL, edge_id integer NOT NULL, from_m float8 NOT NULL, to_m float8 NOT NULL, reversed boolean NOT NULL) ON COMMIT DROP`,
  );
  const BATCH = 50_000;
  const pieceRows: Array<[string, number, WindowPiece]> = [];
  for (const w of windows) w.pieces.forEach((p, i) => pieceRows.push([w.siteId, i, p]));
  for (let start = 0; start < pieceRows.length; start += BATCH) {
    const batch = pieceRows.slice(start, start + BATCH);
    await trx.raw(`INSERT INTO hs_window_pieces SELECT * FROM unnest(?::text[], ?::int[], ?::int[], ?::float8[], ?::float8[], ?::bool[])`, [
      pgArray(batch.map((b) => b[0])),
      pgArray(batch.map((b) => b[1])),
      pgArray(batch.map((b) => b[2].edgeId)),
      pgArray(batch.map((b) => b[2].fromM)),
      pgArray(batch.map((b) => b[2].toM)),
      pgArray(batch.map((b) => b[2].reversed)),
    ]);
  }
  for (const w of windows) {
    const e = edges.get(w.midEdgeId)!;
    const lengthM = w.toM - w.fromM;
    sites.push(
      newSite({
        siteId: w.siteId,
        unit: 'window',
        // Position of the window for Gi*-free uses (concern search uses geometry): its mid edge's district.
        x: NaN,
        y: NaN,
        ref: e.ref,
        name: e.name,
        roadLabel: roadLabel(e.ref, e.name),
        roadClass: e.roadClass,
        speedLimit: e.maxspeedMph,
        effectiveSpeedMph: speedOf(e.maxspeedMph, e.roadClass, e.urban),
        urban: e.urban,
        districtCode: e.districtCode,
        lengthM,
        edgeId: w.pieces[0]?.edgeId,
        chainId: w.chainId,
        chainFromM: w.fromM,
      }),
    );
  }
  return { sites, chains, edges, segmentsByEdge, windows };
}

// ---------------------------------------------------------------------------------------------
// Grid units

/**
 * Hexagon cells of the run: every cell of ST_HexagonGrid (side `hexSizeM`) over the study area —
 * the cells touching the district (or any district) when districts are loaded, else every cell of
 * the collisions' extent — plus any cell holding a collision outside it (zero cells matter to the
 * models). Fills hs_cells (site_id, i, j, geom) on `trx`; needs
 * hs_collisions.
 */
export async function loadGridUnits(trx: Knex.Transaction, scope: RunScope, params: HotspotParams): Promise<Site[]> {
  const districtFilter = scope.districtCode ? 'WHERE d.code = ?' : '';
  const districtBindings = scope.districtCode ? [scope.districtCode] : [];
  const hasDistricts = Number((await trx.raw(`SELECT count(*) AS n FROM districts d ${districtFilter}`, districtBindings)).rows[0].n) > 0;
  await trx.raw('CREATE INDEX ON hs_collisions USING gist (geom)');
  await trx.raw('ANALYZE hs_collisions');
  await trx.raw(
    `CREATE TEMP TABLE hs_cells ON COMMIT DROP AS
     WITH bounds AS (
       SELECT ST_SetSRID(ST_Extent(g)::geometry, 27700) AS b
       FROM (SELECT d.geom_bng AS g FROM districts d ${districtFilter} UNION ALL SELECT c.geom FROM hs_collisions c) u
     )
     SELECT 'cell:' || h.i || ':' || h.j AS site_id, h.i, h.j, h.geom
     FROM bounds, ST_HexagonGrid(?, bounds.b) h
     WHERE bounds.b IS NOT NULL
       AND (${hasDistricts ? `EXISTS (SELECT 1 FROM districts d WHERE ${scope.districtCode ? 'd.code = ? AND ' : ''}ST_Intersects(d.geom_bng, h.geom))` : 'TRUE'}
            OR EXISTS (SELECT 1 FROM hs_collisions c WHERE ST_Intersects(c.geom, h.geom)))`,
    [...districtBindings, params.hexSizeM, ...(hasDistricts ? districtBindings : [])],
  );
  await trx.raw('CREATE INDEX ON hs_cells USING gist (geom)');
  await trx.raw('ANALYZE hs_cells');
  const rows = (
    await trx.raw(
      `SELECT h.site_id, ST_X(p.geom) AS x, ST_Y(p.geom) AS y, ${DISTRICT_AT('p.geom')} AS district_code
       FROM hs_cells h CROSS JOIN LATERAL (SELECT ST_Centroid(h.geom) AS geom) p ORDER BY h.i, h.j`,
    )
  ).rows as Array<{ site_id: string; x: number; y: number; district_code: string | null }>;
  return rows.map((r) => newSite({ siteId: r.site_id, unit: 'cell', x: Number(r.x), y: Number(r.y), districtCode: r.district_code }));
}
