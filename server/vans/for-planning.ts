import type { Knex } from 'knex';
import { datesOfMonth } from '../../geo/calendar/time.ts';
import type { PlanVan, ShiftTemplate } from '../../geo/planning/types.ts';
import { listShiftTemplates } from './store.ts';

export type VanForPlanning = Omit<PlanVan, 'baseTravelIndex' | 'unavailableDates'> & {
  /** Dates of the month the van cannot work, ascending, no repeats. */
  unavailableDates: string[];
  /** The base in WGS84 degrees (baseX/baseY are EPSG:27700 metres). */
  baseLon: number;
  baseLat: number;
};

/**
 * What the planner needs about vans for `month` (`YYYY-MM`): every active van with its base in both
 * projections, the shifts it works, and its unavailable dates inside the month (records that only
 * partly overlap the month contribute their days within it); and every shift template.
 */
export async function vansForPlanning(knex: Knex, month: string): Promise<{ vans: VanForPlanning[]; shifts: ShiftTemplate[] }> {
  const dates = datesOfMonth(month);
  const first = dates[0]!;
  const last = dates[dates.length - 1]!;
  const rows: Array<{ id: number; call_sign: string; shift_codes: string[]; x: number; y: number; lon: number; lat: number }> = await knex('vans as v')
    .join('van_bases as b', 'b.id', 'v.base_id')
    .where('v.active', true)
    .select(
      'v.id',
      'v.call_sign',
      'v.shift_codes',
      knex.raw('ST_X(b.geom) AS x'),
      knex.raw('ST_Y(b.geom) AS y'),
      knex.raw('ST_X(b.geom_4326) AS lon'),
      knex.raw('ST_Y(b.geom_4326) AS lat'),
    )
    .orderBy('v.call_sign');
  const absences: Array<{ van_id: number; from_date: string; to_date: string }> = await knex('van_unavailability')
    .whereIn(
      'van_id',
      rows.map((r) => r.id),
    )
    .where('from_date', '<=', last)
    .where('to_date', '>=', first)
    .select('van_id', knex.raw(`to_char(from_date, 'YYYY-MM-DD') AS from_date`), knex.raw(`to_char(to_date, 'YYYY-MM-DD') AS to_date`));

  const vans = rows.map((r) => {
    const own = absences.filter((a) => a.van_id === r.id);
    // Dates compare as text: YYYY-MM-DD sorts chronologically.
    const unavailableDates = dates.filter((d) => own.some((a) => a.from_date <= d && d <= a.to_date));
    return {
      id: r.id,
      callSign: r.call_sign,
      baseX: Number(r.x),
      baseY: Number(r.y),
      baseLon: Number(r.lon),
      baseLat: Number(r.lat),
      shiftCodes: r.shift_codes ?? [],
      unavailableDates,
    };
  });
  return { vans, shifts: await listShiftTemplates(knex) };
}
