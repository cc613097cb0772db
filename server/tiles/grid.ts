import type { CollisionCell } from './encode.ts';
import { CELLS_PER_TILE, GRID_ZOOM, type GridRow } from './queries.ts';
import type { TileAddress } from './tile.ts';

/** The finest zoom whose aggregation cells (tile/64) are blocks of the grid's cells. */
export const GRID_MAX_TILE_ZOOM = GRID_ZOOM - Math.log2(CELLS_PER_TILE);

/** A cell of a tile's 64 × 64 aggregation grid, with its column and row. */
export interface TileCell extends CollisionCell {
  cx: number;
  cy: number;
}

/** Filters the grid can answer: severity codes (1–3) and ONS district codes. */
export interface GridFilters {
  severity?: readonly number[];
  district?: readonly string[];
}

/**
 * Every collision counted per zoom-18 cell (GRID_ZOOM), severity and district, in typed arrays
 * sorted by column. Low-zoom tiles aggregate hundreds of thousands of points (a z8 tile over
 * Lancashire holds 355k of the benchmark's 500k: 0.2–0.7 s of SQL per tile); from this grid the
 * same cells come out in milliseconds, because a cell of any zoom ≤ 12 is a block of grid cells.
 * It also counts a point-zoom tile's collisions without a query, to decide points or cells.
 * Built once per collisions data version (one GROUP BY over the table), ~31 bytes per row, at most
 * one row per collision (154k rows for the 500k benchmark, 4.8 MB).
 */
export class CollisionGrid {
  private readonly ix: Int32Array;
  private readonly iy: Int32Array;
  private readonly severity: Uint8Array;
  /** Index into `districts`; 0 is "no district". */
  private readonly district: Uint16Array;
  private readonly count: Uint32Array;
  private readonly sx: Float64Array;
  private readonly sy: Float64Array;
  private readonly districts: Array<string | null> = [null];

  /** @param rows GRID_ZOOM cells (see collisionGridRows), best already sorted by ix then iy. */
  constructor(
    rows: readonly GridRow[],
    /** The collisions data version the rows were read at. */
    readonly version: number,
  ) {
    const isSorted = rows.every((r, i) => i === 0 || rows[i - 1]!.ix <= r.ix);
    const sorted = isSorted ? rows : [...rows].sort((a, b) => a.ix - b.ix || a.iy - b.iy);
    const n = sorted.length;
    this.ix = new Int32Array(n);
    this.iy = new Int32Array(n);
    this.severity = new Uint8Array(n);
    this.district = new Uint16Array(n);
    this.count = new Uint32Array(n);
    this.sx = new Float64Array(n);
    this.sy = new Float64Array(n);
    const districtIndex = new Map<string, number>();
    sorted.forEach((r, i) => {
      this.ix[i] = r.ix;
      this.iy[i] = r.iy;
      this.severity[i] = r.severity;
      let d = 0;
      if (r.district !== null) {
        d = districtIndex.get(r.district) ?? this.districts.push(r.district) - 1;
        districtIndex.set(r.district, d);
      }
      this.district[i] = d;
      this.count[i] = r.count;
      this.sx[i] = r.sx;
      this.sy[i] = r.sy;
    });
  }

  /** Number of grid rows held. */
  get length(): number {
    return this.ix.length;
  }

  /** Memory held by the typed arrays, bytes. */
  get bytes(): number {
    return this.length * (4 + 4 + 1 + 2 + 4 + 8 + 8);
  }

  /** First index whose column is ≥ ix (binary search). */
  private lowerBound(ix: number): number {
    let lo = 0;
    let hi = this.ix.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ix[mid]! < ix) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Calls visit(row, column, row-in-tile) for each grid row inside the tile that passes the filters. */
  private scan(tile: TileAddress, filters: GridFilters, visit: (i: number, dx: number, dy: number) => void): void {
    if (tile.z > GRID_ZOOM) throw new Error(`The grid covers tiles up to zoom ${GRID_ZOOM}, not ${tile.z}.`);
    const perTile = 2 ** (GRID_ZOOM - tile.z); // grid cells per tile side
    const ix0 = tile.x * perTile;
    const iy0 = tile.y * perTile;
    const severities = filters.severity ? new Set(filters.severity) : undefined;
    const districts = filters.district ? new Set(filters.district) : undefined;
    for (let i = this.lowerBound(ix0); i < this.ix.length && this.ix[i]! < ix0 + perTile; i++) {
      const dy = this.iy[i]! - iy0;
      if (dy < 0 || dy >= perTile) continue;
      if (severities && !severities.has(this.severity[i]!)) continue;
      if (districts && !districts.has(this.districts[this.district[i]!] ?? '')) continue;
      visit(i, this.ix[i]! - ix0, dy);
    }
  }

  /** Collisions in the tile (zoom ≤ GRID_ZOOM) that pass the filters. */
  countInTile(tile: TileAddress, filters: GridFilters = {}): number {
    let n = 0;
    this.scan(tile, filters, (i) => (n += this.count[i]!));
    return n;
  }

  /**
   * The tile's 64 × 64 aggregation cells (ordered by column, then row), as the SQL aggregation
   * (collisionCellRows) gives them. Only for tiles at zoom ≤ GRID_MAX_TILE_ZOOM.
   */
  cellsForTile(tile: TileAddress, filters: GridFilters = {}): TileCell[] {
    if (tile.z > GRID_MAX_TILE_ZOOM) throw new Error(`The grid aggregates tiles up to zoom ${GRID_MAX_TILE_ZOOM}, not ${tile.z}.`);
    const perCell = 2 ** (GRID_ZOOM - tile.z) / CELLS_PER_TILE; // grid cells per aggregation cell side
    const size = CELLS_PER_TILE * CELLS_PER_TILE;
    const count = new Uint32Array(size);
    const bySeverity = [new Uint32Array(size), new Uint32Array(size), new Uint32Array(size)] as const;
    const sx = new Float64Array(size);
    const sy = new Float64Array(size);
    this.scan(tile, filters, (i, dx, dy) => {
      const cell = Math.floor(dx / perCell) * CELLS_PER_TILE + Math.floor(dy / perCell);
      const n = this.count[i]!;
      count[cell]! += n;
      const severity = bySeverity[this.severity[i]! - 1];
      if (severity) severity[cell]! += n;
      sx[cell]! += this.sx[i]!;
      sy[cell]! += this.sy[i]!;
    });
    const cells: TileCell[] = [];
    for (let cell = 0; cell < size; cell++) {
      const n = count[cell]!;
      if (n === 0) continue;
      cells.push({
        cx: Math.floor(cell / CELLS_PER_TILE),
        cy: cell % CELLS_PER_TILE,
        count: n,
        fatal: bySeverity[0][cell]!,
        serious: bySeverity[1][cell]!,
        slight: bySeverity[2][cell]!,
        mx: sx[cell]! / n,
        my: sy[cell]! / n,
      });
    }
    return cells;
  }
}
