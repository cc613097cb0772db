import type { Knex } from 'knex';
import { dataVersion } from '../db/data-versions.ts';
import { filterHash, type CollisionFilters } from './filters.ts';

/**
 * Recent summaries keyed by the collisions data version and the normalised filters. The map asks for
 * the same few summaries again and again (every visitor's first view is the unfiltered one); an
 * import bumps the version, so stale entries are never served and simply age out.
 */
export class SummaryCache<V> {
  private readonly entries = new Map<string, Promise<V>>();

  /** @param maxEntries how many summaries to keep (least recently used go first). */
  constructor(private readonly maxEntries = 200) {}

  async get(knex: Knex, filters: CollisionFilters, compute: () => Promise<V>): Promise<V> {
    const key = `${await dataVersion(knex, 'collisions')}|${filterHash(filters)}`;
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const pending = compute();
    this.entries.set(key, pending);
    // A failed computation must not be cached.
    pending.catch(() => this.entries.delete(key));
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    return pending;
  }
}
