import type { Knex } from 'knex';
import { ROAD_CLASSES, type RoadClass } from './tags.ts';

export interface RoadImportRecord {
  id: number;
  sourceFile: string;
  status: string;
  options: Record<string, unknown>;
  ways: number;
  nodes: number;
  edges: number;
  segments: number;
  junctions: number;
  message: string | null;
  startedBy: string | null;
  startedAt: string;
  finishedAt: string | null;
}

export interface RoadClassCounts {
  roadClass: RoadClass;
  edges: number;
  segments: number;
  lengthKm: number;
}

export interface RoadNetworkState {
  /** True when a road network is stored (hotspot runs then use network units, else the hexagon grid). */
  loaded: boolean;
  /** The import whose network is stored: the latest that succeeded. */
  import: RoadImportRecord | null;
  /** The latest import of any status, when it is not `import` (e.g. a failed or running one). */
  lastAttempt: RoadImportRecord | null;
  network: {
    nodes: number;
    junctions: number;
    edges: number;
    segments: number;
    lengthKm: number;
    urbanLengthKm: number;
    ruralLengthKm: number;
    byRoadClass: RoadClassCounts[];
    byDistrict: Array<{ districtCode: string | null; segments: number; lengthKm: number }>;
    /** [west, south, east, north] in degrees (WGS84), null when empty. */
    bbox: [number, number, number, number] | null;
    /** [minEasting, minNorthing, maxEasting, maxNorthing] in metres (EPSG:27700), null when empty. */
    bboxBng: [number, number, number, number] | null;
  };
}

function record(row: Record<string, unknown> | undefined): RoadImportRecord | null {
  if (!row) return null;
  const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : v === null || v === undefined ? null : String(v));
  return {
    id: Number(row.id),
    sourceFile: String(row.source_file),
    status: String(row.status),
    options: (row.options ?? {}) as Record<string, unknown>,
    ways: Number(row.ways),
    nodes: Number(row.nodes),
    edges: Number(row.edges),
    segments: Number(row.segments),
    junctions: Number(row.junctions),
    message: row.message === null ? null : String(row.message),
    startedBy: row.started_by === null ? null : String(row.started_by),
    startedAt: iso(row.started_at) as string,
    finishedAt: iso(row.finished_at),
  };
}

const round = (km: number) => Math.round(km * 1000) / 1000;

/** The stored network's import record and counts. Queries run one after another (the embedded database is one session). */
export async function roadNetworkState(knex: Knex): Promise<RoadNetworkState> {
  const current = record(await knex('road_network_imports').where({ status: 'succeeded' }).orderBy('id', 'desc').first());
  const latest = record(await knex('road_network_imports').orderBy('id', 'desc').first());
  const nodes = (await knex.raw('SELECT count(*) AS nodes, count(*) FILTER (WHERE junction) AS junctions FROM road_nodes')).rows[0];
  const { rows: edgeRows } = await knex.raw(
    `SELECT road_class, count(*) AS edges, sum(length_m) / 1000 AS km, sum(length_m) FILTER (WHERE urban) / 1000 AS urban_km
     FROM road_edges GROUP BY road_class`,
  );
  const { rows: segmentRows } = await knex.raw('SELECT road_class, count(*) AS segments FROM road_segments GROUP BY road_class');
  const { rows: districtRows } = await knex.raw(
    'SELECT district_code, count(*) AS segments, sum(length_m) / 1000 AS km FROM road_segments GROUP BY district_code ORDER BY district_code NULLS LAST',
  );
  const extent = (
    await knex.raw(
      `WITH e AS (SELECT ST_SetSRID(ST_Extent(geom)::geometry, 27700) AS box FROM road_edges),
            -- Densified so the curved WGS84 outline of the grid box is covered.
            w AS (SELECT box, ST_Transform(ST_Segmentize(box, 500), 4326) AS wgs FROM e WHERE box IS NOT NULL)
       SELECT ST_XMin(box) AS min_e, ST_YMin(box) AS min_n, ST_XMax(box) AS max_e, ST_YMax(box) AS max_n,
              ST_XMin(wgs) AS west, ST_YMin(wgs) AS south, ST_XMax(wgs) AS east, ST_YMax(wgs) AS north FROM w`,
    )
  ).rows[0];

  const segmentsByClass = new Map<string, number>(segmentRows.map((r: { road_class: string; segments: string }) => [r.road_class, Number(r.segments)]));
  const byRoadClass: RoadClassCounts[] = edgeRows
    .map((r: { road_class: RoadClass; edges: string; km: number }) => ({
      roadClass: r.road_class,
      edges: Number(r.edges),
      segments: segmentsByClass.get(r.road_class) ?? 0,
      lengthKm: round(Number(r.km)),
    }))
    .sort((a: RoadClassCounts, b: RoadClassCounts) => ROAD_CLASSES.indexOf(a.roadClass) - ROAD_CLASSES.indexOf(b.roadClass));
  const lengthKm = edgeRows.reduce((n: number, r: { km: number }) => n + Number(r.km), 0);
  const urbanKm = edgeRows.reduce((n: number, r: { urban_km: number | null }) => n + Number(r.urban_km ?? 0), 0);
  const edges = byRoadClass.reduce((n, r) => n + r.edges, 0);
  return {
    loaded: edges > 0,
    import: current,
    lastAttempt: latest && latest.id !== current?.id ? latest : null,
    network: {
      nodes: Number(nodes.nodes),
      junctions: Number(nodes.junctions),
      edges,
      segments: [...segmentsByClass.values()].reduce((n, s) => n + s, 0),
      lengthKm: round(lengthKm),
      urbanLengthKm: round(urbanKm),
      ruralLengthKm: round(lengthKm - urbanKm),
      byRoadClass,
      byDistrict: districtRows.map((r: { district_code: string | null; segments: string; km: number }) => ({
        districtCode: r.district_code,
        segments: Number(r.segments),
        lengthKm: round(Number(r.km)),
      })),
      bbox: extent ? [Number(extent.west), Number(extent.south), Number(extent.east), Number(extent.north)] : null,
      bboxBng: extent ? [Number(extent.min_e), Number(extent.min_n), Number(extent.max_e), Number(extent.max_n)] : null,
    },
  };
}
