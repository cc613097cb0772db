/** A cached tile: its MVT bytes (null for an empty tile) and, once a client asked for it, the gzipped bytes. */
export interface CachedTile {
  body: Buffer | null;
  gzip?: Buffer;
}

/** Bookkeeping per entry besides its bytes (Map slot, object, key), so empty tiles still cost something. */
const ENTRY_OVERHEAD_BYTES = 200;

function entrySize(key: string, tile: CachedTile): number {
  return ENTRY_OVERHEAD_BYTES + 2 * key.length + (tile.body?.length ?? 0) + (tile.gzip?.length ?? 0);
}

/**
 * Least-recently-used cache of encoded tiles, bounded by bytes. Keys are tile ETags, which hold the
 * layer's data version, so an import makes old entries unreachable and they age out; nothing needs
 * invalidating. A Map keeps insertion order: a hit is moved to the end, eviction takes from the front.
 */
export class TileCache {
  private readonly entries = new Map<string, CachedTile>();
  private usedBytes = 0;

  /** @param maxBytes memory budget in bytes (0 disables caching). */
  constructor(readonly maxBytes: number = 64 * 1024 * 1024) {
    if (!Number.isFinite(maxBytes) || maxBytes < 0) throw new Error(`Tile cache size must be a number of bytes ≥ 0, got ${maxBytes}.`);
  }

  /** Bytes currently held (tile bytes plus per-entry overhead). */
  get bytes(): number {
    return this.usedBytes;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): CachedTile | undefined {
    const tile = this.entries.get(key);
    if (tile) {
      this.entries.delete(key);
      this.entries.set(key, tile);
    }
    return tile;
  }

  /** Stores (or replaces) a tile; a tile bigger than the whole budget is not kept. */
  set(key: string, tile: CachedTile): void {
    this.delete(key);
    const size = entrySize(key, tile);
    if (size > this.maxBytes) return;
    this.entries.set(key, tile);
    this.usedBytes += size;
    this.evict();
  }

  delete(key: string): void {
    const old = this.entries.get(key);
    if (!old) return;
    this.entries.delete(key);
    this.usedBytes -= entrySize(key, old);
  }

  private evict(): void {
    for (const [key] of this.entries) {
      if (this.usedBytes <= this.maxBytes) break;
      this.delete(key);
    }
  }
}
