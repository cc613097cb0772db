import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ageBand, generateBenchData, HEADERS, REPO_ROOT, type GeneratedFiles } from './generate.ts';
import { createRandom } from './random.ts';

const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const read = (file: string) => parse(fs.readFileSync(file), { columns: true }) as Record<string, string>[];
const byCollision = (rows: Record<string, string>[]) => {
  const groups = new Map<string, Record<string, string>[]>();
  for (const row of rows) groups.set(row.collision_index!, [...(groups.get(row.collision_index!) ?? []), row]);
  return groups;
};

describe('the seeded random generator', () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    const draw = (seed: number) => Array.from({ length: 5 }, createRandom(seed).next);
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it('draws integers within both bounds', () => {
    const rng = createRandom(1);
    const seen = new Set(Array.from({ length: 1000 }, () => rng.int(-2, 2)));
    expect([...seen].sort()).toEqual([-1, -2, 0, 1, 2]);
  });
});

describe('benchmark data generation', () => {
  let dir: string;
  let first: GeneratedFiles;
  let collisions: Record<string, string>[];
  let casualties: Record<string, string>[];
  let vehicles: Record<string, string>[];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roadsafe-bench-gen-'));
    first = await generateBenchData({ collisions: 3000, seed: 42, outDir: path.join(dir, 'a') });
    collisions = read(first.collisions);
    casualties = read(first.casualties);
    vehicles = read(first.vehicles);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes byte-identical files when run twice with the same seed', async () => {
    const second = await generateBenchData({ collisions: 3000, seed: 42, outDir: path.join(dir, 'b') });
    for (const table of ['collisions', 'casualties', 'vehicles'] as const) {
      expect(sha256(second[table]), table).toBe(sha256(first[table]));
    }
    expect(second.rows).toEqual(first.rows);
  });

  it('writes different data for a different seed', async () => {
    const other = await generateBenchData({ collisions: 3000, seed: 43, outDir: path.join(dir, 'c') });
    expect(sha256(other.collisions)).not.toBe(sha256(first.collisions));
  });

  it('makes a smaller file the first rows of a larger one with the same seed', async () => {
    const small = await generateBenchData({ collisions: 1000, seed: 42, outDir: path.join(dir, 'd') });
    const smallText = fs.readFileSync(small.collisions, 'utf8');
    expect(fs.readFileSync(first.collisions, 'utf8').startsWith(smallText)).toBe(true);
  });

  it('uses the exact headers of the DfT 2024 files', () => {
    expect(fs.readFileSync(first.collisions, 'utf8').split('\n', 1)[0]).toBe(HEADERS.collision);
    expect(fs.readFileSync(first.casualties, 'utf8').split('\n', 1)[0]).toBe(HEADERS.casualty);
    expect(fs.readFileSync(first.vehicles, 'utf8').split('\n', 1)[0]).toBe(HEADERS.vehicle);
    const lists = path.resolve(REPO_ROOT, '../shared/data/stats19/column-lists');
    if (!fs.existsSync(lists)) return; // the shared reference data is not part of the repository
    for (const table of ['collision', 'casualty', 'vehicle'] as const) {
      const [meta] = parse(fs.readFileSync(path.join(lists, `meta_raw_${table}_2024.csv`)), { columns: true }) as { column_names: string }[];
      expect(HEADERS[table]).toBe(meta?.column_names);
    }
  });

  it('gives every collision a unique index made of its year and reference', () => {
    expect(new Set(collisions.map((c) => c.collision_index)).size).toBe(collisions.length);
    for (const c of collisions) expect(c.collision_index).toBe(`${c.collision_year}${c.collision_reference}`);
  });

  it('spreads dates over 2019–2023 with a matching year and DfT day of week', () => {
    const years = new Set<string>();
    for (const c of collisions) {
      const [day, month, year] = c.date!.split('/').map(Number) as [number, number, number];
      years.add(String(year));
      expect(c.collision_year).toBe(String(year));
      expect(Number(c.day_of_week)).toBe(new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1);
    }
    expect([...years].sort()).toEqual(['2019', '2020', '2021', '2022', '2023']);
  });

  it('keeps locations in Lancashire with lon/lat moved consistently with easting/northing', () => {
    // Rough inverse of the grid near Lancashire: 1° latitude ≈ 111.2 km, 1° longitude ≈ 66 km at 54° N.
    for (const c of collisions) {
      const e = Number(c.location_easting_osgr);
      const n = Number(c.location_northing_osgr);
      expect(e).toBeGreaterThan(300_000);
      expect(e).toBeLessThan(400_000);
      expect(n).toBeGreaterThan(400_000);
      expect(n).toBeLessThan(490_000);
      expect(Number(c.latitude)).toBeGreaterThan(53.4);
      expect(Number(c.latitude)).toBeLessThan(54.3);
      expect(Number(c.longitude)).toBeGreaterThan(-3.2);
      expect(Number(c.longitude)).toBeLessThan(-2.0);
    }
    const [a, b] = collisions as [Record<string, string>, Record<string, string>];
    const dLatKm = (Number(b.latitude) - Number(a.latitude)) * 111.2;
    const dNorthKm = (Number(b.location_northing_osgr) - Number(a.location_northing_osgr)) / 1000;
    expect(Math.abs(dLatKm - dNorthKm)).toBeLessThan(0.5 + Math.abs(dNorthKm) * 0.01);
  });

  it('writes as many casualties and vehicles as each collision says, with the collision severity on its worst casualty', () => {
    const casualtiesOf = byCollision(casualties);
    const vehiclesOf = byCollision(vehicles);
    for (const c of collisions) {
      const ks = casualtiesOf.get(c.collision_index!) ?? [];
      const vs = vehiclesOf.get(c.collision_index!) ?? [];
      expect(ks).toHaveLength(Number(c.number_of_casualties));
      expect(vs).toHaveLength(Number(c.number_of_vehicles));
      expect(Math.min(...ks.map((k) => Number(k.casualty_severity)))).toBe(Number(c.collision_severity));
      const refs = new Set(vs.map((v) => v.vehicle_reference));
      for (const k of ks) expect(refs.has(k.vehicle_reference!)).toBe(true);
    }
  });

  it('mixes pedestrians, cyclists, motorcyclists and young road users among the casualties', () => {
    const share = (test: (k: Record<string, string>) => boolean) => casualties.filter(test).length / casualties.length;
    expect(share((k) => k.casualty_type === '0' && k.casualty_class === '3')).toBeGreaterThan(0.05);
    expect(share((k) => k.casualty_type === '1')).toBeGreaterThan(0.05);
    expect(share((k) => ['2', '3', '4', '5', '23', '97'].includes(k.casualty_type!))).toBeGreaterThan(0.05);
    expect(share((k) => Number(k.age_of_casualty) >= 17 && Number(k.age_of_casualty) <= 24)).toBeGreaterThan(0.1);
    for (const k of casualties) expect(Number(k.age_band_of_casualty)).toBe(ageBand(Number(k.age_of_casualty)));
  });

  it('uses only codes from the DfT code list', () => {
    const codeList = parse(fs.readFileSync(path.join(REPO_ROOT, 'server/collisions/stats19/data-guide-2024_2024_code_list.csv')), {
      relax_column_count: true,
    }) as string[][];
    const codes = new Map<string, Set<string>>();
    let table = '';
    for (const row of codeList.slice(1)) {
      table = row[0] || table;
      const key = `${table}.${row[1]}`;
      if (!codes.has(key)) codes.set(key, new Set());
      codes.get(key)!.add(row[2] ?? '');
    }
    const enumerated = (key: string) => {
      const set = codes.get(key);
      return set && [...set].every((code) => /^(-?\d+|[A-Z]\d{8})$/.test(code)) ? set : undefined;
    };
    const aliases: Record<string, string> = { enhanced_severity_collision: 'enhanced_collision_severity' };
    const files = { collision: collisions, casualty: casualties, vehicle: vehicles };
    let checked = 0;
    const invalid: string[] = [];
    for (const [name, rows] of Object.entries(files)) {
      for (const column of Object.keys(rows[0]!)) {
        const valid = enumerated(`${name}.${aliases[column] ?? column}`);
        if (!valid) continue;
        checked++;
        for (const row of rows) {
          const value = row[column]!;
          if (value !== '-1' && !valid.has(value)) invalid.push(`${name}.${column} = ${value}`);
        }
      }
    }
    expect(invalid).toEqual([]);
    expect(checked).toBeGreaterThan(60);
  });
});
