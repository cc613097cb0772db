import { describe, expect, it } from 'vitest';
import { codesFor } from './codes.ts';
import { ROAD_USER_GROUPS, roadUserGroup } from './road-user.ts';

describe('road-user group from casualty_type', () => {
  it.each([
    [0, 'pedestrian'],
    [1, 'cyclist'],
    [2, 'motorcyclist'],
    [3, 'motorcyclist'],
    [4, 'motorcyclist'],
    [5, 'motorcyclist'],
    [23, 'motorcyclist'],
    [97, 'motorcyclist'],
    [103, 'motorcyclist'],
    [104, 'motorcyclist'],
    [105, 'motorcyclist'],
    [106, 'motorcyclist'],
    [8, 'car'],
    [9, 'car'],
    [108, 'car'],
    [109, 'car'],
    [19, 'goods'],
    [20, 'goods'],
    [21, 'goods'],
    [98, 'goods'],
    [113, 'goods'],
    [10, 'bus'],
    [11, 'bus'],
    [110, 'bus'],
    [16, 'other'],
    [17, 'other'],
    [18, 'other'],
    [22, 'other'],
    [90, 'other'],
    [99, 'other'],
  ])('puts casualty type %i in the %s group', (type, group) => {
    expect(roadUserGroup(type)).toBe(group);
  });

  it('gives no group to a missing casualty type', () => {
    expect(roadUserGroup(-1)).toBeNull();
    expect(roadUserGroup(null)).toBeNull();
    expect(roadUserGroup(undefined)).toBeNull();
  });

  it('groups every casualty type in the DfT code list, and every group is used', () => {
    const codes = [...(codesFor('casualty', 'casualty_type')?.keys() ?? [])].map(Number).filter((c) => c >= 0);
    expect(codes.length).toBeGreaterThan(25);
    const groups = new Set(codes.map((c) => roadUserGroup(c)));
    expect([...groups].sort()).toEqual([...ROAD_USER_GROUPS].sort());
  });
});
