import { describe, expect, it } from 'vitest';
import { canonicalField, codesFor, historicVariant, isEnumerated, isValidCode, labelFor } from './codes.ts';

describe('the DfT code list', () => {
  it('labels codes, whichever era or database name the field is given by', () => {
    expect(labelFor('collision', 'collision_severity', 1)).toBe('Fatal');
    expect(labelFor('collision', 'accident_severity', '2')).toBe('Serious');
    expect(labelFor('collision', 'severity', 3)).toBe('Slight');
    expect(labelFor('collision', 'light_conditions', 4)).toBe('Darkness - lights lit');
    expect(labelFor('casualty', 'casualty_type', 23)).toBe('Electric motorcycle rider or passenger');
    expect(labelFor('vehicle', 'manoeuvre', 20)).toBe('Parking');
    expect(labelFor('collision', 'police_attended', 1)).toBe(labelFor('collision', 'did_police_officer_attend_scene_of_accident', 1));
  });

  it('labels codes of a recoded field from its pre-2024 set when the 2024 set lacks them', () => {
    expect(labelFor('collision', 'junction_detail', 13)).toBe('T or staggered junction');
    expect(labelFor('collision', 'junction_detail', 3)).toBe('T or staggered junction');
    expect(labelFor('collision', 'junction_detail', 1)).toBe('Roundabout');
    expect(labelFor('collision', 'pedestrian_crossing_human_control', 1)).toBe('Control by school crossing patrol');
  });

  it('returns undefined for unknown codes and fields', () => {
    expect(labelFor('collision', 'light_conditions', 8)).toBeUndefined();
    expect(labelFor('collision', 'no_such_field', 1)).toBeUndefined();
    expect(labelFor('collision', 'light_conditions', null)).toBeUndefined();
  });

  it('keeps the row whose table cell is blank with the table above it', () => {
    expect(codesFor('collision', 'junction_detail')?.get('19')).toBe('Other junction');
  });

  it('maps both eras and the list’s own spellings to one canonical field name', () => {
    expect(canonicalField('collision', 'accident_index')).toBe('collision_index');
    expect(canonicalField('collision', 'Accident_Severity')).toBe('collision_severity');
    expect(canonicalField('collision', 'enhanced_severity_collision')).toBe('enhanced_collision_severity');
    expect(canonicalField('casualty', 'casualty_adjusted_severity_serious')).toBe('casualty_adjusted_serious');
    expect(historicVariant('collision', 'junction_detail')).toBe('junction_detail_historic');
    expect(historicVariant('collision', 'light_conditions')).toBeUndefined();
  });

  it('enumerates coded fields but not formats, ranges or free numbers', () => {
    for (const field of ['police_force', 'collision_severity', 'local_authority_ons_district', 'escooter_flag', 'day_of_week']) {
      expect(isEnumerated('collision', field) || isEnumerated('vehicle', field), field).toBe(true);
    }
    for (const field of ['date', 'time', 'speed_limit', 'first_road_number', 'local_authority_highway_current', 'lsoa_of_accident_location']) {
      expect(isEnumerated('collision', field), field).toBe(false);
    }
    expect(isEnumerated('vehicle', 'engine_capacity_cc')).toBe(false);
    expect(isEnumerated('casualty', 'age_of_casualty')).toBe(false);
  });

  it('accepts missing values for any field and listed codes only for enumerated ones', () => {
    expect(isValidCode('collision', 'light_conditions', '-1')).toBe(true);
    expect(isValidCode('collision', 'light_conditions', 'NULL')).toBe(true);
    expect(isValidCode('collision', 'light_conditions', 7)).toBe(true);
    expect(isValidCode('collision', 'light_conditions', 8)).toBe(false);
    expect(isValidCode('collision', 'local_authority_ons_district', 'EHEATHROW')).toBe(true);
    expect(isValidCode('collision', 'speed_limit', 30)).toBe(true);
  });
});
