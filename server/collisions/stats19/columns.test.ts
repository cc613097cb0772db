import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { HeaderError, normalizeHeader, resolveHeader } from './columns.ts';

/** The exact 2024 header of a table, from DfT's meta_raw file (column_names is its fifth field). */
const header2024 = (table: string): string[] => {
  const rows = parse(fs.readFileSync(new URL(`../../../../shared/data/stats19/column-lists/meta_raw_${table}_2024.csv`, import.meta.url))) as string[][];
  return (rows[1]?.[4] ?? '').split(',');
};
const header2023 = fs.readFileSync(new URL('../../../demo-data/lancashire-collisions-2023.csv', import.meta.url), 'utf8').split(/\r?\n/)[0]?.split(',') ?? [];

describe('STATS19 header layouts', () => {
  it('normalises headers of every era to the same names', () => {
    expect(normalizeHeader('\uFEFFaccident_index')).toBe('accident_index');
    expect(normalizeHeader('Local_Authority_(District)')).toBe('local_authority_district');
    expect(normalizeHeader('1st_Road_Class')).toBe('first_road_class');
    expect(normalizeHeader('X2nd_Road_Number')).toBe('second_road_number');
    expect(normalizeHeader('Pedestrian_Crossing-Human_Control')).toBe('pedestrian_crossing_human_control');
    expect(normalizeHeader('Engine_Capacity_(CC)')).toBe('engine_capacity_cc');
  });

  it('maps the 2023 (accident_*) collision header onto every column, checking junction_detail against the historic codes', () => {
    const layout = resolveHeader('collision', header2023);
    expect(layout.era).toBe('pre2024');
    expect(layout.extras).toEqual([]);
    const junction = layout.columns.find((c) => c.def.column === 'junction_detail');
    expect(junction?.codes?.has('3')).toBe(true);
    expect(junction?.codes?.has('13')).toBe(false);
    expect(layout.columns.find((c) => c.def.column === 'severity')?.header).toBe('accident_severity');
    expect(layout.columns.filter((c) => c.index < 0).map((c) => c.def.column)).toEqual([
      'pedestrian_crossing', 'injury_based', 'adjusted_severity_serious', 'adjusted_severity_slight',
    ]);
  });

  it('maps the exact 2024 (collision_*) headers, keeping the _historic and new columns in extra', () => {
    const collision = resolveHeader('collision', header2024('collision'));
    expect(collision.era).toBe('2024');
    expect(collision.columns.filter((c) => c.index < 0)).toEqual([]);
    expect(collision.extras.map((e) => e.key)).toEqual(['local_authority_highway_current', 'junction_detail_historic', 'carriageway_hazards_historic']);
    expect(collision.extras.find((e) => e.key === 'junction_detail_historic')?.codes?.has('3')).toBe(true);
    expect(collision.columns.find((c) => c.def.column === 'junction_detail')?.codes?.has('13')).toBe(true);

    const casualty = resolveHeader('casualty', header2024('casualty'));
    expect(casualty.columns.filter((c) => c.index < 0)).toEqual([]);
    expect(casualty.extras).toEqual([]);

    const vehicle = resolveHeader('vehicle', header2024('vehicle'));
    expect(vehicle.columns.filter((c) => c.index < 0)).toEqual([]);
    expect(vehicle.extras.map((e) => e.key)).toEqual(['vehicle_manoeuvre_historic', 'vehicle_location_restricted_lane_historic', 'journey_purpose_of_driver_historic']);
  });

  it('names the missing required column in the file’s own era', () => {
    expect(() => resolveHeader('collision', header2023.filter((h) => h !== 'date'))).toThrow(HeaderError);
    try {
      resolveHeader('collision', header2023.filter((h) => h !== 'accident_severity'));
    } catch (err) {
      expect(err).toMatchObject({ column: 'accident_severity', message: 'is missing from the header; is this a collision file?' });
    }
    expect(() => resolveHeader('casualty', header2024('vehicle'))).toThrow('is missing from the header; is this a casualty file?');
  });

  it('refuses a header that names a column twice', () => {
    expect(() => resolveHeader('collision', [...header2023, 'Date'])).toThrow('the header names date twice');
  });
});
