import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOsm, type OsmWay } from '../../server/roads/osm-read.ts';
import { keptHighways, roadClass, wayAttributes } from '../../server/roads/tags.ts';
import { LANCASHIRE_AREA, writeSyntheticOsm, type Area, type SyntheticOsmResult } from './synthetic-osm.ts';

const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** Around Preston: the town, the M6/M55/M61/M65 and countryside. */
const PRESTON_AREA: Area = [-2.85, 53.68, -2.55, 53.84];

describe('the synthetic OSM road network', () => {
  let dir: string;
  let first: SyntheticOsmResult;
  const ways: OsmWay[] = [];
  let nodes = 0;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roadsafe-synthetic-osm-'));
    first = await writeSyntheticOsm(path.join(dir, 'preston.osm'), { seed: 7, targetSegments: 6000, area: PRESTON_AREA });
    const summary = await readOsm(first.path, { way: (w) => ways.push(w), node: () => void nodes++ });
    expect(summary.format).toBe('xml');
  });
  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes a well-formed OSM XML file with the node and way counts it reports', () => {
    expect(nodes).toBe(first.nodes);
    expect(ways.length).toBe(first.ways);
    expect(fs.statSync(first.path).size).toBe(first.bytes);
    expect(first.estimatedSegments).toBeGreaterThanOrEqual(6000);
  });

  it('gives byte-identical files for the same seed and options, and a different network for another seed', async () => {
    const again = await writeSyntheticOsm(path.join(dir, 'again.osm'), { seed: 7, targetSegments: 6000, area: PRESTON_AREA });
    expect(sha256(again.path)).toBe(sha256(first.path));
    const other = await writeSyntheticOsm(path.join(dir, 'other.osm'), { seed: 8, targetSegments: 6000, area: PRESTON_AREA });
    expect(sha256(other.path)).not.toBe(sha256(first.path));
  });

  it('mixes road classes, refs, names, speed limits, one-way streets and roundabouts', () => {
    const kept = keptHighways();
    const classes = new Map<string, number>();
    const limits = new Map<string, number>();
    for (const way of ways) {
      const attributes = wayAttributes(way.tags, kept);
      expect(attributes, `way ${way.id}`).not.toBeNull();
      const cls = roadClass(attributes?.highway ?? '', attributes?.ref);
      classes.set(cls, (classes.get(cls) ?? 0) + 1);
      limits.set(way.tags.maxspeed ?? '(none)', (limits.get(way.tags.maxspeed ?? '(none)') ?? 0) + 1);
    }
    expect([...classes.keys()].sort()).toEqual(['a_road', 'b_road', 'minor', 'motorway']);
    expect((classes.get('minor') ?? 0) / ways.length).toBeGreaterThan(0.5);
    for (const limit of ['20 mph', '30 mph', '40 mph', '70 mph', 'national', '(none)']) expect(limits.get(limit), limit).toBeGreaterThan(0);
    const refs = new Set(ways.map((w) => w.tags.ref).filter(Boolean));
    expect([...refs].some((r) => /^A\d+$/.test(r as string))).toBe(true);
    expect([...refs].some((r) => /^B\d+$/.test(r as string))).toBe(true);
    expect(refs.has('M6')).toBe(true);
    expect(ways.filter((w) => w.tags.name).length / ways.length).toBeGreaterThan(0.6);
    expect(ways.some((w) => w.tags.oneway === 'yes' && w.tags.highway === 'residential')).toBe(true);
    expect(ways.some((w) => w.tags.junction === 'roundabout' && w.refs[0] === w.refs[w.refs.length - 1])).toBe(true);
    // Motorway carriageways are one-way by OSM's rules and meet the network only through slip roads.
    expect(ways.filter((w) => w.tags.highway === 'motorway_link').every((w) => w.tags.oneway === 'yes')).toBe(true);
  });

  it('makes towns denser than the countryside', async () => {
    const positions = new Map<number, [number, number]>();
    await readOsm(first.path, { node: (id, lon, lat) => void positions.set(id, [lon / 1e7, lat / 1e7]) });
    /** Road nodes in a 2 km × 2 km square centred on (lon, lat). */
    const nodesAround = (lon: number, lat: number) => {
      const inside = new Set<number>();
      for (const way of ways) {
        for (const ref of way.refs) {
          const [x, y] = positions.get(ref) as [number, number];
          if (Math.abs((x - lon) * 65.7) <= 1 && Math.abs((y - lat) * 111.25) <= 1) inside.add(ref);
        }
      }
      return inside.size;
    };
    const preston = nodesAround(-2.7, 53.76);
    const countryside = nodesAround(-2.6, 53.7); // between Preston, Leyland, Chorley and Blackburn
    expect(preston).toBeGreaterThan(100);
    expect(preston).toBeGreaterThan(5 * countryside);
  });

  it('reaches 50,000 scoring segments over Lancashire by the importer\'s rules (the default)', async () => {
    const result = await writeSyntheticOsm(path.join(dir, 'lancashire.osm'));
    expect(result.estimatedSegments).toBeGreaterThanOrEqual(50_000);
    expect(result.estimatedSegments).toBeLessThan(100_000);
    expect(result.bytes).toBeLessThan(20e6);
  });

  it('refuses a target the area cannot reach and an area that is not west < east, south < north', async () => {
    const tiny: Area = [-2.71, 53.755, -2.69, 53.765];
    await expect(writeSyntheticOsm(path.join(dir, 'tiny.osm'), { targetSegments: 1_000_000, area: tiny })).rejects.toThrow(
      /the area gives at most about \d+ segments with rural roads every 300 m; ask for fewer than 1000000 or a larger area/,
    );
    await expect(writeSyntheticOsm(path.join(dir, 'bad.osm'), { area: [LANCASHIRE_AREA[2], 53.5, LANCASHIRE_AREA[0], 54.2] })).rejects.toThrow(/west < east/);
    await expect(writeSyntheticOsm(path.join(dir, 'bad.osm'), { targetSegments: 0 })).rejects.toThrow(/targetSegments must be a whole number/);
  });
});
