import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { Knex } from 'knex';
import { filterHash, normaliseFilters, SEVERITY_CODE, type CollisionFilters } from '../collisions/filters.ts';
import type { Database } from '../db/database.ts';
import { dataVersion } from '../db/data-versions.ts';
import { latestFullRun } from '../hotspots/queries.ts';
import type { SiteUnit, UnitKind } from '../hotspots/pipeline-types.ts';
import { unitKindOf } from '../hotspots/schemas.ts';
import { TileCache, type CachedTile } from './cache.ts';
import { encodeCollisionCells, encodeCollisionPoints, encodeDistricts, encodeHotspots } from './encode.ts';
import { CollisionGrid, GRID_MAX_TILE_ZOOM, type GridFilters } from './grid.ts';
import {
  collisionCellRows,
  collisionCellsMvt,
  collisionGridRows,
  collisionPointRows,
  collisionPointsMvt,
  districtRows,
  districtsMvt,
  GRID_ZOOM,
  hotspotRows,
  hotspotsMvt,
  inTileTransaction,
  type HotspotTileSelection,
} from './queries.ts';
import type { TileAddress } from './tile.ts';
import type { Logger } from '../logger.ts';

const gzip = promisify(gzipCallback);

export const TILE_LAYERS = ['collisions', 'districts', 'hotspots'] as const;
export type TileLayer = (typeof TILE_LAYERS)[number];

/** A tile request's query: the collision filters (collisions layer) and the site unit (hotspots layer). */
export type TileQuery = CollisionFilters & { unit?: SiteUnit };

/** Site units the hotspots layer draws without a `unit`: windows overlap the segments, so they come only when asked for. */
const DEFAULT_HOTSPOT_UNITS = { network: ['segment', 'junction'], grid: ['cell'] } as const;

/** `postgis`: ST_AsMVT in the database; `node`: features selected by SQL, encoded by geojson-vt + vt-pbf. */
export type TileEncoder = 'postgis' | 'node';

/** Below this zoom collisions are aggregated to grid cells; from it on, one point per collision. */
export const POINT_MIN_ZOOM = 11;

/** Bump when tile contents change for the same data, so clients and the cache drop old tiles. */
const TILE_FORMAT = 1;

export interface TileServiceOptions {
  /** Memory for encoded tiles, bytes (raw and gzipped both count); 0 disables the cache. Default 64 MiB. */
  cacheBytes?: number;
  /**
   * Most collision points a point-zoom tile may hold (≈ 45 bytes each encoded). A denser tile is
   * aggregated to cells instead, so no tile passes 500 KB: with the 500k-collision benchmark a z11
   * tile over Preston holds 68k points (≈ 3 MB as points). Default 8,000.
   */
  maxPointsPerTile?: number;
  /**
   * How long a data version read from the database is trusted, ms. Default 1,000: under load the
   * per-request version read, not the tile, was the cost (warm tiles/s rose ~50% in the benchmark);
   * an import's new ETag then shows within a second. 0 reads it on every request (concurrent
   * requests still share one read).
   */
  versionMaxAgeMs?: number;
  /** Where grid builds are reported. */
  logger?: Logger;
}

export interface RenderOptions {
  /** Default: `postgis` where the database has ST_AsMVT, else `node`. */
  encoder?: TileEncoder;
  /** Cut low-zoom aggregates from the in-memory grid when the filters allow (default true). */
  useGrid?: boolean;
}

/**
 * Makes vector tiles: the features (SQL), their encoding (PostGIS or Node), ETags from data versions,
 * and an in-memory LRU of encoded tiles keyed by ETag, so a tile asked for again (panning back,
 * another visitor) costs no database work: the warm path is a version lookup and a Map hit.
 */
export class TileService {
  readonly cache: TileCache;
  readonly maxPointsPerTile: number;
  private readonly versionLookups = new Map<TileLayer, Promise<number>>();
  private readonly versions = new Map<TileLayer, { version: number; at: number }>();
  readonly versionMaxAgeMs: number;
  private grid?: { version: number; grid: Promise<CollisionGrid> };
  private hotspotRuns?: { version: number; runs: Map<UnitKind | 'any', Promise<HotspotRun | undefined>> };
  private readonly logger?: Logger;
  private readonly rendering = new Map<string, Promise<CachedTile>>();
  private readonly compressing = new WeakMap<CachedTile, Promise<Buffer>>();

  constructor(
    private readonly db: Database,
    options: TileServiceOptions = {},
  ) {
    this.cache = new TileCache(options.cacheBytes ?? 64 * 1024 * 1024);
    this.maxPointsPerTile = options.maxPointsPerTile ?? 8000;
    this.logger = options.logger;
    this.versionMaxAgeMs = options.versionMaxAgeMs ?? 1000;
  }

  /**
   * Builds the collision grid now rather than on the first low-zoom tile, so the first visitors
   * (and a cold benchmark) do not wait for it. Failures are only logged: tiles retry the build.
   */
  async warmUp(): Promise<void> {
    try {
      await this.collisionGrid();
    } catch (err) {
      this.logger?.warn({ err }, 'tile grid warm-up failed; tiles will retry');
    }
  }

  get defaultEncoder(): TileEncoder {
    return this.db.capabilities.mvt ? 'postgis' : 'node';
  }

  /**
   * The layer's data version. Concurrent requests share one lookup in flight, so a burst of tile
   * requests costs one query; a request can therefore see a version read up to one query earlier.
   */
  dataVersion(layer: TileLayer): Promise<number> {
    const known = this.versions.get(layer);
    if (known && performance.now() - known.at < this.versionMaxAgeMs) return Promise.resolve(known.version);
    let lookup = this.versionLookups.get(layer);
    if (!lookup) {
      const at = performance.now();
      lookup = dataVersion(this.db.knex, layer)
        .then((version) => {
          this.versions.set(layer, { version, at });
          return version;
        })
        .finally(() => this.versionLookups.delete(layer));
      this.versionLookups.set(layer, lookup);
    }
    return lookup;
  }

  /**
   * Weak ETag of a tile: layer, data version, address and normalised filters (collisions), or the
   * unit (hotspots); districts ignore filters.
   */
  async etag(layer: TileLayer, tile: TileAddress, filters: TileQuery): Promise<string> {
    const version = await this.dataVersion(layer);
    const filterKey = layer === 'collisions' ? filterHash(withoutUnit(filters)) : layer === 'hotspots' ? `unit-${filters.unit ?? 'default'}` : 'all';
    // Weak: the gzipped and plain bodies, and the two encoders' bytes, carry the same features.
    return `W/"${layer}.${version}.${tile.z}-${tile.x}-${tile.y}.${filterKey}.f${TILE_FORMAT}"`;
  }

  /** The tile for an ETag from `etag()`, from the cache or freshly rendered with the default encoder. */
  async cached(etag: string, layer: TileLayer, tile: TileAddress, filters: TileQuery): Promise<CachedTile> {
    const hit = this.cache.get(etag);
    if (hit) return hit;
    // Requests for a tile already being rendered wait for that render (a map load asks for the
    // same tiles from many clients at once) instead of running the same SQL again.
    let pending = this.rendering.get(etag);
    if (!pending) {
      pending = this.render(layer, tile, filters)
        .then((bytes) => {
          const entry: CachedTile = { body: bytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : null };
          this.cache.set(etag, entry);
          return entry;
        })
        .finally(() => this.rendering.delete(etag));
      this.rendering.set(etag, pending);
    }
    return pending;
  }

  /** The gzipped body of a cached tile, compressed once (off the event loop, shared by concurrent callers) and kept with it. */
  async gzipped(etag: string, entry: CachedTile): Promise<Buffer> {
    if (!entry.body) throw new Error('An empty tile has no body to compress.');
    if (entry.gzip) return entry.gzip;
    let pending = this.compressing.get(entry);
    if (!pending) {
      pending = gzip(entry.body)
        .then((compressed) => {
          entry.gzip = compressed;
          if (this.cache.get(etag) === entry) this.cache.set(etag, entry); // re-count its size
          return compressed;
        })
        .finally(() => this.compressing.delete(entry));
      this.compressing.set(entry, pending);
    }
    return pending;
  }

  /** Renders a tile without the cache; null when it has no features. */
  async render(layer: TileLayer, tile: TileAddress, filters: TileQuery, options: RenderOptions = {}): Promise<Uint8Array | null> {
    const encoder = options.encoder ?? this.defaultEncoder;
    if (encoder === 'postgis' && !this.db.capabilities.mvt) throw new Error('This PostGIS has no ST_AsMVT; use the node encoder.');
    const bytes =
      layer === 'districts'
        ? await this.renderDistricts(tile, encoder)
        : layer === 'hotspots'
          ? await this.renderHotspots(tile, filters.unit, encoder)
          : await this.renderCollisions(tile, normaliseFilters(withoutUnit(filters)), encoder, options.useGrid ?? true);
    return bytes && bytes.length > 0 ? bytes : null;
  }

  /**
   * The ranked sites of the latest succeeded full run (of the unit's kind when a unit is given);
   * an empty tile while no run exists.
   */
  private async renderHotspots(tile: TileAddress, unit: SiteUnit | undefined, encoder: TileEncoder): Promise<Uint8Array | null> {
    const run = await this.hotspotRun(unit ? unitKindOf(unit) : undefined);
    if (!run) return null;
    const selection: HotspotTileSelection = { runId: run.id, units: unit ? [unit] : DEFAULT_HOTSPOT_UNITS[run.unitKind] };
    return inTileTransaction(this.db.knex, async (trx) => {
      if (encoder === 'postgis') return hotspotsMvt(trx, tile, selection);
      return encodeHotspots(await hotspotRows(trx, tile, selection), tile);
    });
  }

  /**
   * The run the hotspots layer draws, looked up once per hotspots data version rather than per tile:
   * a full run bumps that version in the transaction that publishes it, and the tiles' ETags carry
   * the same version (concurrent callers share the lookup; a failed one is forgotten).
   */
  private async hotspotRun(unitKind: UnitKind | undefined): Promise<HotspotRun | undefined> {
    const version = await this.dataVersion('hotspots');
    if (this.hotspotRuns?.version !== version) this.hotspotRuns = { version, runs: new Map() };
    const { runs } = this.hotspotRuns;
    const key = unitKind ?? 'any';
    let run = runs.get(key);
    if (!run) {
      const lookup = latestFullRun(this.db.knex, unitKind).then((row) => row && { id: row.id, unitKind: row.unit_kind });
      lookup.catch(() => {
        if (runs.get(key) === lookup) runs.delete(key);
      });
      runs.set(key, (run = lookup));
    }
    return run;
  }

  private async renderDistricts(tile: TileAddress, encoder: TileEncoder): Promise<Uint8Array | null> {
    return inTileTransaction(this.db.knex, async (trx) => {
      if (encoder === 'postgis') return districtsMvt(trx, tile);
      const rows = await districtRows(trx, tile);
      return encodeDistricts(
        rows.map((r) => ({ code: r.code, name: r.name, geometry: JSON.parse(r.geometry) })),
        tile,
      );
    });
  }

  private async renderCollisions(tile: TileAddress, filters: CollisionFilters, encoder: TileEncoder, useGrid: boolean): Promise<Uint8Array | null> {
    const limit = this.maxPointsPerTile;
    const gridFilters: GridFilters = { severity: filters.severity?.map((s) => SEVERITY_CODE[s]), district: filters.district };
    const grid = useGrid && tile.z <= GRID_ZOOM && gridCanAnswer(filters) ? await this.collisionGrid() : undefined;
    let aggregate = tile.z < POINT_MIN_ZOOM;
    if (grid && !aggregate) {
      // The grid counts the tile's collisions without a query: none is a 204, too many are cells.
      const count = grid.countInTile(tile, gridFilters);
      if (count === 0) return null;
      aggregate = count > limit;
    }
    if (aggregate && grid && tile.z <= GRID_MAX_TILE_ZOOM) return encodeCollisionCells(grid.cellsForTile(tile, gridFilters), tile);
    return inTileTransaction(this.db.knex, async (trx) => {
      if (aggregate) return this.cells(trx, tile, filters, encoder);
      // The LIMIT is the safety valve: past `limit` points the tile is aggregated instead.
      if (encoder === 'postgis') {
        const points = await collisionPointsMvt(trx, tile, filters, limit);
        return points.count > limit ? this.cells(trx, tile, filters, encoder) : points.mvt;
      }
      const points = await collisionPointRows(trx, tile, filters, limit);
      return points.length > limit ? this.cells(trx, tile, filters, encoder) : encodeCollisionPoints(points, tile);
    });
  }

  private async cells(trx: Knex.Transaction, tile: TileAddress, filters: CollisionFilters, encoder: TileEncoder): Promise<Uint8Array | null> {
    if (encoder === 'postgis') return collisionCellsMvt(trx, tile, filters);
    return encodeCollisionCells(await collisionCellRows(trx, tile, filters), tile);
  }

  /** The grid for the current collisions version, built once per version (concurrent callers share the build). */
  private async collisionGrid(): Promise<CollisionGrid> {
    const version = await this.dataVersion('collisions');
    if (this.grid && this.grid.version >= version) {
      const built = this.grid.grid;
      // A failed build is forgotten so the next request tries again.
      return built.catch((err) => {
        if (this.grid?.grid === built) this.grid = undefined;
        throw err;
      });
    }
    // Version and rows from one snapshot, so the grid is labelled with the data it holds.
    const started = performance.now();
    const grid = this.db.knex
      .transaction(
        async (trx) => {
          await trx.raw('SET LOCAL jit = off');
          const current = await dataVersion(trx, 'collisions');
          return new CollisionGrid(await collisionGridRows(trx), current);
        },
        { isolationLevel: 'repeatable read' },
      )
      .then((built) => {
        this.logger?.info({ version: built.version, rows: built.length, bytes: built.bytes, ms: Math.round(performance.now() - started) }, 'collision tile grid built');
        return built;
      });
    this.grid = { version, grid };
    return grid;
  }
}

/** The run the hotspots layer draws: its id and the kind of units it ranked. */
interface HotspotRun {
  id: number;
  unitKind: UnitKind;
}

/** The collision filters of a tile query (the hotspots layer's `unit` is not one). */
function withoutUnit(query: TileQuery): CollisionFilters {
  const { unit: _unit, ...filters } = query;
  return filters;
}

/** Only severity and district filters can be answered from the grid; the rest need the collisions table. */
function gridCanAnswer(filters: CollisionFilters): boolean {
  return !filters.from && !filters.to && !filters.bbox && !filters.roadUser && filters.youngRoadUser === undefined;
}
