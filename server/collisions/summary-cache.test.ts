import type { Knex } from 'knex';
import { describe, expect, it } from 'vitest';
import { filterHash as normalisedKey } from './filters.ts';
import { SummaryCache } from './summary-cache.ts';

/** A knex stand-in that answers the data version lookup only. */
function versionedKnex(version: { n: number }): Knex {
  const query = { where: () => query, first: async () => ({ version: version.n }) };
  return (() => query) as unknown as Knex;
}

describe('the summary cache', () => {
  it('computes a summary once per data version and filter set', async () => {
    const version = { n: 1 };
    const cache = new SummaryCache<number>();
    let computed = 0;
    const compute = async () => ++computed;
    expect(await cache.get(versionedKnex(version), { severity: ['fatal'] }, compute)).toBe(1);
    expect(await cache.get(versionedKnex(version), { severity: ['fatal'] }, compute)).toBe(1);
    version.n = 2;
    expect(await cache.get(versionedKnex(version), { severity: ['fatal'] }, compute)).toBe(2);
  });

  it('does not keep a failed computation', async () => {
    const cache = new SummaryCache<number>();
    const knex = versionedKnex({ n: 1 });
    await expect(cache.get(knex, {}, async () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    expect(await cache.get(knex, {}, async () => 7)).toBe(7);
  });

  it('forgets the least recently used summary beyond its size', async () => {
    const cache = new SummaryCache<string>(2);
    const knex = versionedKnex({ n: 1 });
    await cache.get(knex, { from: '2023-01-01' }, async () => 'a');
    await cache.get(knex, { from: '2023-02-01' }, async () => 'b');
    await cache.get(knex, { from: '2023-01-01' }, async () => 'a2');
    await cache.get(knex, { from: '2023-03-01' }, async () => 'c');
    expect(await cache.get(knex, { from: '2023-01-01' }, async () => 'again')).toBe('a');
    expect(await cache.get(knex, { from: '2023-02-01' }, async () => 'recomputed')).toBe('recomputed');
  });

  it('treats the same filters in another order as the same key', () => {
    expect(normalisedKey({ severity: ['slight', 'fatal'], district: ['E07000123'] })).toBe(
      normalisedKey({ district: ['E07000123'], severity: ['fatal', 'slight'] }),
    );
  });
});
