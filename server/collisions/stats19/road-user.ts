/** Road-user groups the plan reports casualties by. */
export const ROAD_USER_GROUPS = ['pedestrian', 'cyclist', 'motorcyclist', 'car', 'goods', 'bus', 'other'] as const;
export type RoadUserGroup = (typeof ROAD_USER_GROUPS)[number];

/**
 * DfT casualty_type code → road-user group (codes from the 2024 code list, including the
 * categories discontinued in 1999 and 2005 so old files group the same way):
 *
 * - pedestrian:   0 Pedestrian
 * - cyclist:      1 Cyclist
 * - motorcyclist: every powered two-wheeler — 2 (≤50cc), 3 (≤125cc), 4 (125–500cc), 5 (>500cc),
 *                 23 electric motorcycle, 97 unknown cc, and the old 103 scooter, 104 motorcycle,
 *                 105 combination, 106 over 125cc
 * - car:          8 taxi/private hire car, 9 car, and the old 108 taxi, 109 car
 * - goods:        19 van/goods ≤3.5t, 20 goods 3.5–7.5t, 21 goods ≥7.5t, 98 goods unknown weight,
 *                 and the old 113 goods over 3.5t
 * - bus:          10 minibus (8–16 seats), 11 bus or coach, and the old 110 minibus/motor caravan
 * - other:        16 horse rider, 17 agricultural vehicle, 18 tram, 22 mobility scooter,
 *                 90 other vehicle, 99 unknown vehicle type, and any code not listed above
 *
 * A missing casualty type (-1 or null) has no group: null.
 */
const GROUP_BY_CASUALTY_TYPE: ReadonlyMap<number, RoadUserGroup> = new Map<number, RoadUserGroup>([
  [0, 'pedestrian'],
  [1, 'cyclist'],
  ...[2, 3, 4, 5, 23, 97, 103, 104, 105, 106].map((c): [number, RoadUserGroup] => [c, 'motorcyclist']),
  ...[8, 9, 108, 109].map((c): [number, RoadUserGroup] => [c, 'car']),
  ...[19, 20, 21, 98, 113].map((c): [number, RoadUserGroup] => [c, 'goods']),
  ...[10, 11, 110].map((c): [number, RoadUserGroup] => [c, 'bus']),
]);

/** The road-user group of a DfT casualty_type code; null when the type is missing (-1 or null). */
export function roadUserGroup(casualtyType: number | null | undefined): RoadUserGroup | null {
  if (casualtyType === null || casualtyType === undefined || casualtyType < 0) return null;
  return GROUP_BY_CASUALTY_TYPE.get(casualtyType) ?? 'other';
}

/**
 * The same mapping as `roadUserGroup` as an SQL expression over a smallint casualty type (the SQL
 * import engine computes the group in the database; generated here so there is one mapping).
 */
export function roadUserGroupSql(casualtyType: string): string {
  const byGroup = new Map<RoadUserGroup, number[]>();
  for (const [code, group] of GROUP_BY_CASUALTY_TYPE) byGroup.set(group, [...(byGroup.get(group) ?? []), code]);
  const whens = [...byGroup].map(([group, codes]) => `WHEN ${casualtyType} IN (${codes.join(', ')}) THEN '${group}'`);
  return `(CASE WHEN ${casualtyType} IS NULL OR ${casualtyType} < 0 THEN NULL ${whens.join(' ')} ELSE 'other' END)`;
}
