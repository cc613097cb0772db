import { describe, expect, it } from 'vitest';
import { camelCase, codeLabel, decodeRecord } from './labels.ts';

describe('codeLabel', () => {
  it('labels a code from the DfT code list', () => {
    expect(codeLabel('collision', 'light_conditions', 4)).toBe('Darkness - lights lit');
    expect(codeLabel('casualty', 'casualty_type', 1)).toBe('Cyclist');
  });

  it('labels pre-2024 junction codes from the historic code set', () => {
    expect(codeLabel('collision', 'junction_detail', 3)).toBe('T or staggered junction');
    expect(codeLabel('collision', 'junction_detail', 13)).toBe('T or staggered junction');
  });

  it('gives null for missing values and the code itself for a code the list lacks', () => {
    expect(codeLabel('collision', 'weather_conditions', null)).toBeNull();
    expect(codeLabel('collision', 'weather_conditions', -1)).toBeNull();
    expect(codeLabel('collision', 'weather_conditions', 42)).toBe('42');
  });
});

describe('decodeRecord', () => {
  it('turns columns into camelCase keys, labels coded fields and keeps their codes', () => {
    const decoded = decodeRecord('casualty', { collision_index: '2023041258714', casualty_type: 9, age: 34, sex: 1, extra: {} }, ['extra']);
    expect(decoded).toEqual({
      collisionIndex: '2023041258714',
      casualtyType: 'Car occupant',
      age: 34,
      sex: 'Male',
      codes: { casualtyType: 9, sex: 1 },
    });
  });

  it('writes snake_case as camelCase, digits included', () => {
    expect(camelCase('age_band_of_driver')).toBe('ageBandOfDriver');
    expect(camelCase('geom_4326')).toBe('geom4326');
  });
});
